// ES|QL scalar functions, a column at a time. Reference: ES|QL "Functions and operators"
// (string, date-time, math, conditional, multi-value, IP, type conversion functions).
#include "esql/functions.hpp"
#include "core/unicode_case.hpp"
#include "elastic/ip.hpp"

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <cmath>
#include <limits>
#include <map>

namespace rulelab::esql {
namespace {

const char* kMulti = "java.lang.IllegalArgumentException: single-value function encountered multi-value";
using Cols = std::vector<Column>;

[[noreturn]] void bad_type(const Expr& e, std::size_t arg, const Column& c, const char* want, std::string_view q) {
  static const char* ord[] = {"first", "second", "third", "fourth", "fifth", "sixth"};
  throw QueryError(std::string(ord[std::min<std::size_t>(arg, 5)]) + " argument of [" + expr_text(e, q) + "] must be [" + want +
                       "], found value [" + expr_text(*e.args[arg], q) + "] type [" + std::string(type_name(c.type)) + "]",
                   e.args[arg]->begin);
}

// The same for a function whose one parameter Elasticsearch checks with ParamOrdinal.DEFAULT
// ("argument of [...]", no ordinal).
[[noreturn]] void bad_type_sole(const Expr& e, const Column& c, const char* want, std::string_view q) {
  throw QueryError("argument of [" + expr_text(e, q) + "] must be [" + want + "], found value [" + expr_text(*e.args[0], q) + "] type [" +
                       std::string(type_name(c.type)) + "]",
                   e.args[0]->begin);
}

void need_args(const Expr& e, std::size_t lo, std::size_t hi) {
  if (e.args.size() < lo || e.args.size() > hi)
    throw QueryError("function [" + e.name + "] takes " +
                         (lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi)) + " arguments, got " +
                         std::to_string(e.args.size()),
                     e.begin);
}

const Scalar* single(const Cell& c, const Expr& e, Warnings& w) {
  if (c.empty()) return nullptr;
  if (c.size() > 1) {
    w.failure(e, kMulti);
    return nullptr;
  }
  return &c[0];
}

// JSON_EXTRACT: the value at a JSONPath-subset path, or nullopt (JSON null). `err` says why the
// result is null otherwise (invalid JSON, malformed path, no such key or index).
std::optional<std::string> json_extract(const std::string& text, const std::string& path, std::string& err) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    err = "invalid JSON input";
    return std::nullopt;
  }
  std::size_t i = 0;
  auto skip_ws = [&] { while (i < path.size() && path[i] == ' ') ++i; };
  if (i < path.size() && path[i] == '$') ++i;
  const nlohmann::json* cur = &doc;
  bool first = true;
  while (i < path.size()) {
    std::optional<std::string> key;
    std::optional<std::size_t> index;
    if (path[i] == '.' || (first && path[i] != '[')) {
      if (path[i] == '.') ++i;
      std::size_t st = i;
      while (i < path.size() && path[i] != '.' && path[i] != '[') ++i;
      if (i == st) {
        err = "malformed path [" + path + "]";
        return std::nullopt;
      }
      key = path.substr(st, i - st);
    } else if (path[i] == '[') {
      ++i;
      skip_ws();
      if (i < path.size() && (path[i] == '\'' || path[i] == '"')) {
        char qc = path[i++];
        std::string k;
        while (i < path.size() && path[i] != qc) {
          if (path[i] == '\\' && i + 1 < path.size()) ++i;
          k += path[i++];
        }
        if (i >= path.size()) {
          err = "malformed path [" + path + "]";
          return std::nullopt;
        }
        ++i;
        key = k;
      } else {
        std::size_t st = i;
        while (i < path.size() && std::isdigit(static_cast<unsigned char>(path[i]))) ++i;
        if (i == st) {
          err = "malformed path [" + path + "]";
          return std::nullopt;
        }
        index = std::stoul(path.substr(st, i - st));
      }
      skip_ws();
      if (i >= path.size() || path[i] != ']') {
        err = "malformed path [" + path + "]";
        return std::nullopt;
      }
      ++i;
    } else {
      err = "malformed path [" + path + "]";
      return std::nullopt;
    }
    first = false;
    if (key) {
      if (!cur->is_object() || !cur->contains(*key)) {
        err = "path [" + path + "] does not exist";
        return std::nullopt;
      }
      cur = &(*cur)[*key];
    } else {
      if (!cur->is_array() || *index >= cur->size()) {
        err = "path [" + path + "] does not exist";
        return std::nullopt;
      }
      cur = &(*cur)[*index];
    }
  }
  if (cur->is_null()) return std::nullopt;
  if (cur->is_string()) return cur->get<std::string>();
  return cur->dump();
}

bool str_or_null(Type t) { return is_string(t) || t == Type::Null; }
bool num_or_null(Type t) { return is_numeric(t) || t == Type::Null; }
bool int_or_null(Type t) { return t == Type::Integer || t == Type::Null; }  // (integer parameters take no long)

// Applies f to the single values of the argument columns row by row; null in, null out.
template <class F>  // std::optional<Scalar> f(const std::vector<const Scalar*>& v, std::size_t row)
Column map_rows(const Expr& e, EvalCtx& ctx, const Cols& a, Type out_type, F&& f) {
  std::size_t n = ctx.page.rows();
  Column out;
  out.type = out_type;
  out.cells.resize(n);
  std::vector<const Scalar*> v(a.size());
  for (std::size_t r = 0; r < n; ++r) {
    bool null = false;
    for (std::size_t k = 0; k < a.size(); ++k) {
      v[k] = a[k].type == Type::Null ? nullptr : single(a[k].cells[r], e, ctx.warn);
      if (!v[k]) null = true;
    }
    if (null) continue;
    if (auto s = f(v, r)) out.cells[r] = {std::move(*s)};
  }
  return out;
}

// Code points of a UTF-8 string.
std::vector<std::string_view> code_points(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    len = std::min(len, s.size() - i);
    out.push_back(s.substr(i, len));
    i += len;
  }
  return out;
}

// REVERSE reverses grapheme clusters (Java's BreakIterator.getCharacterInstance, "REVERSE"
// reference page: an emoji with a variation selector or a ZWJ sequence stays whole). Extended
// grapheme clusters after UAX #29, simplified: CR LF; a code point followed by combining marks,
// variation selectors, emoji modifiers, tags or ZWJ (which joins the next code point); pairs of
// regional indicators. Hangul jamo sequences and Indic spacing marks are not joined.
char32_t cp_value(std::string_view u) {
  unsigned char c = static_cast<unsigned char>(u[0]);
  std::size_t len = u.size();
  char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
  for (std::size_t k = 1; k < len; ++k) cp = cp << 6 | (static_cast<unsigned char>(u[k]) & 0x3f);
  return cp;
}
bool grapheme_extend(char32_t c) {
  static const std::pair<char32_t, char32_t> ranges[] = {
      {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05C7}, {0x0610, 0x061A}, {0x064B, 0x065F}, {0x0670, 0x0670},
      {0x06D6, 0x06ED}, {0x0900, 0x0903}, {0x093A, 0x094F}, {0x0951, 0x0957}, {0x0962, 0x0963}, {0x0E31, 0x0E31},
      {0x0E34, 0x0E3A}, {0x0E47, 0x0E4E}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200C, 0x200D}, {0x20D0, 0x20FF},
      {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0x1F3FB, 0x1F3FF}, {0xE0020, 0xE007F}, {0xE0100, 0xE01EF}};
  for (const auto& [lo, hi] : ranges)
    if (c >= lo && c <= hi) return true;
  return false;
}
std::vector<std::string_view> code_points(std::string_view s);
std::vector<std::string> graphemes(std::string_view s) {
  auto cps = code_points(s);
  std::vector<std::string> out;
  bool join_next = false;  // after ZWJ
  bool open_ri = false;    // a lone regional indicator waiting for its pair
  char32_t prev = 0;
  for (auto u : cps) {
    char32_t c = cp_value(u);
    bool ri = c >= 0x1F1E6 && c <= 0x1F1FF;
    bool join = !out.empty() && (join_next || grapheme_extend(c) || (prev == '\r' && c == '\n') || (ri && open_ri));
    if (join) out.back() += u;
    else out.emplace_back(u);
    open_ri = ri && !(join && open_ri);
    join_next = c == 0x200D;
    prev = c;
  }
  return out;
}

// A pattern RE2 rejects, worded as Java's PatternSyntaxException message: "DESC near index I",
// a line break, the pattern, and a caret line under index I when I is inside the pattern; in a
// Warning header they are percent-encoded (%0A, Warnings::add). Errors Java has no wording
// for here keep RE2's text.
std::string java_pattern_error(const RE2& re, const std::string& pattern) {
  std::string desc;
  long index = -1;
  const long len = static_cast<long>(pattern.size());
  auto at_arg = [&] {
    std::size_t p = re.error_arg().empty() ? std::string::npos : pattern.find(re.error_arg());
    return p == std::string::npos ? len : static_cast<long>(p);
  };
  switch (re.error_code()) {
    case RE2::ErrorMissingParen: desc = "Unclosed group"; index = len; break;
    case RE2::ErrorMissingBracket: desc = "Unclosed character class"; index = len - 1; break;
    case RE2::ErrorRepeatArgument: {
      long i = at_arg();
      desc = std::string("Dangling meta character '") + (i < len ? pattern[static_cast<std::size_t>(i)] : '*') + "'";
      index = i;
      break;
    }
    default: return re.error();
  }
  std::string out = desc + " near index " + std::to_string(index) + "\n" + pattern;
  if (index >= 0 && index < len) out += "\n" + std::string(static_cast<std::size_t>(index), ' ') + "^";
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

struct Civil {
  std::int64_t y;
  unsigned mo, d;
  int h, mi, s, ms;
};
Civil civil(std::int64_t t) {
  std::int64_t days = t >= 0 ? t / 86400000 : -((-t + 86399999) / 86400000);
  std::int64_t rem = t - days * 86400000;
  Civil c{};
  civil_from_days(days, c.y, c.mo, c.d);
  c.h = static_cast<int>(rem / 3600000);
  c.mi = static_cast<int>(rem / 60000 % 60);
  c.s = static_cast<int>(rem / 1000 % 60);
  c.ms = static_cast<int>(rem % 1000);
  return c;
}
std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

const char* kMonths[] = {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"};
const char* kDays[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

// Java DateTimeFormatter patterns (the letters ES|QL's DATE_FORMAT / DATE_PARSE use).
std::string format_pattern(std::string_view fmt, std::int64_t t) {
  Civil c = civil(t);
  std::int64_t days = floor_div(t, 86400000);
  int dow = static_cast<int>(((days % 7) + 7 + 3) % 7);  // 0 = Monday (1970-01-01 was a Thursday)
  std::string out;
  for (std::size_t i = 0; i < fmt.size();) {
    char ch = fmt[i];
    if (ch == '\'') {
      std::size_t close = fmt.find('\'', i + 1);
      if (close == i + 1) { out += '\''; i += 2; continue; }
      if (close == std::string_view::npos) close = fmt.size();
      out += fmt.substr(i + 1, close - i - 1);
      i = close + 1;
      continue;
    }
    std::size_t j = i;
    while (j < fmt.size() && fmt[j] == ch) ++j;
    std::size_t n = j - i;
    auto pad = [&](std::int64_t v, std::size_t w) {
      std::string s = std::to_string(v < 0 ? -v : v);
      if (s.size() < w) s = std::string(w - s.size(), '0') + s;
      return (v < 0 ? "-" : "") + s;
    };
    switch (ch) {
      case 'y': case 'u': out += n == 2 ? pad(c.y % 100, 2) : pad(c.y, n); break;
      case 'M': case 'L':
        if (n >= 4) out += kMonths[c.mo - 1];
        else if (n == 3) out += std::string(kMonths[c.mo - 1]).substr(0, 3);
        else out += pad(c.mo, n);
        break;
      case 'd': out += pad(c.d, n); break;
      case 'H': out += pad(c.h, n); break;
      case 'h': out += pad(c.h % 12 == 0 ? 12 : c.h % 12, n); break;
      case 'm': out += pad(c.mi, n); break;
      case 's': out += pad(c.s, n); break;
      case 'S': {
        std::string f = pad(c.ms, 3);
        if (n <= 3) out += f.substr(0, n);
        else out += f + std::string(n - 3, '0');
        break;
      }
      case 'a': out += c.h < 12 ? "AM" : "PM"; break;
      case 'E': out += n >= 4 ? kDays[dow] : std::string(kDays[dow]).substr(0, 3); break;
      case 'D': {
        std::int64_t doy = days - days_from_civil(c.y, 1, 1) + 1;
        out += pad(doy, n);
        break;
      }
      case 'e': out += pad(dow + 1, n); break;
      case 'Z': out += n == 4 ? "GMT" : (n == 5 ? "Z" : "+0000"); break;
      case 'X': out += "Z"; break;
      case 'x': out += n == 1 ? "+00" : (n == 2 || n == 4 ? "+0000" : "+00:00"); break;
      case 'z': out += "UTC"; break;
      case 'V': out += "UTC"; break;
      case 'O': out += "GMT"; break;
      default: out += std::string(fmt.substr(i, n));
    }
    i = j;
  }
  return out;
}

std::optional<std::int64_t> parse_pattern(std::string_view fmt, std::string_view s) {
  std::int64_t y = 1970;
  int mo = 1, d = 1, h = 0, mi = 0, sec = 0, ms = 0;
  bool pm = false, has_ampm = false;
  std::int64_t offset_min = 0;
  std::size_t p = 0;
  auto digits = [&](std::size_t minw, std::size_t maxw, std::int64_t& v) {
    std::size_t st = p;
    bool neg = false;
    if (p < s.size() && s[p] == '-' && maxw > 4) { neg = true; ++p; }
    while (p < s.size() && p - st < maxw && std::isdigit(static_cast<unsigned char>(s[p]))) ++p;
    if (p - st < minw) return false;
    v = std::stoll(std::string(s.substr(st + neg, p - st - neg)));
    if (neg) v = -v;
    return true;
  };
  for (std::size_t i = 0; i < fmt.size();) {
    char ch = fmt[i];
    if (ch == '\'') {
      std::size_t close = fmt.find('\'', i + 1);
      if (close == std::string_view::npos) close = fmt.size();
      std::string_view lit = fmt.substr(i + 1, close - i - 1);
      if (s.substr(p, lit.size()) != lit) return std::nullopt;
      p += lit.size();
      i = close + 1;
      continue;
    }
    std::size_t j = i;
    while (j < fmt.size() && fmt[j] == ch) ++j;
    std::size_t n = j - i;
    // Fields written next to another numeric field take exactly n digits.
    bool adjacent = j < fmt.size() && std::isalpha(static_cast<unsigned char>(fmt[j]));
    std::size_t maxw = adjacent ? n : 9;
    std::int64_t v = 0;
    switch (ch) {
      case 'y': case 'u':
        if (!digits(n == 2 ? 2 : 1, n == 2 ? 2 : (adjacent ? n : 10), v)) return std::nullopt;
        y = n == 2 ? 2000 + v : v;
        break;
      case 'M':
        if (n >= 3) {
          bool ok = false;
          for (int k = 0; k < 12 && !ok; ++k) {
            std::string full = kMonths[k], abbr = full.substr(0, 3);
            std::string cand = n >= 4 ? full : abbr;
            if (lower(std::string(s.substr(p, cand.size()))) == lower(cand)) {
              mo = k + 1;
              p += cand.size();
              ok = true;
            }
          }
          if (!ok) return std::nullopt;
        } else {
          if (!digits(n, std::max<std::size_t>(n, adjacent ? n : 2), v)) return std::nullopt;
          mo = static_cast<int>(v);
        }
        break;
      case 'd': if (!digits(n, std::max<std::size_t>(n, adjacent ? n : 2), v)) return std::nullopt; d = static_cast<int>(v); break;
      case 'H': case 'h': if (!digits(n, std::max<std::size_t>(n, adjacent ? n : 2), v)) return std::nullopt; h = static_cast<int>(v); break;
      case 'm': if (!digits(n, std::max<std::size_t>(n, adjacent ? n : 2), v)) return std::nullopt; mi = static_cast<int>(v); break;
      case 's': if (!digits(n, std::max<std::size_t>(n, adjacent ? n : 2), v)) return std::nullopt; sec = static_cast<int>(v); break;
      case 'S': {
        std::size_t st = p;
        if (!digits(n, maxw, v)) return std::nullopt;
        std::string f(s.substr(st, p - st));
        f.resize(3, '0');
        ms = std::stoi(f.substr(0, 3));
        break;
      }
      case 'a': {
        std::string ap = upper(std::string(s.substr(p, 2)));
        if (ap != "AM" && ap != "PM") return std::nullopt;
        pm = ap == "PM";
        has_ampm = true;
        p += 2;
        break;
      }
      case 'X': case 'Z': case 'x':
        if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) { ++p; break; }
        if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
          int sign = s[p] == '-' ? -1 : 1;
          ++p;
          std::int64_t hh = 0, mm = 0;
          if (!digits(2, 2, hh)) return std::nullopt;
          if (p < s.size() && s[p] == ':') ++p;
          digits(0, 2, mm);
          offset_min = sign * (hh * 60 + mm);
          break;
        }
        return std::nullopt;
      default:
        if (s.substr(p, n) != fmt.substr(i, n)) return std::nullopt;
        p += n;
    }
    i = j;
  }
  if (p != s.size()) return std::nullopt;
  if (has_ampm) h = h % 12 + (pm ? 12 : 0);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59) return std::nullopt;
  return days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400000 + h * 3600000LL + mi * 60000LL +
         sec * 1000LL + ms - offset_min * 60000;
}

std::string url_encode(std::string_view s, bool component) {
  std::string out;
  const char* hex = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else if (c == ' ' && !component) out += '+';
    else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// java.net.URLDecoder.decode (URL_DECODE): '+' is a space, %XY a byte; the errors in its words
// (a run of escapes is read while two characters follow; Integer.parseInt takes a sign).
std::optional<std::string> url_decode(std::string_view s, std::string* error = nullptr) {
  std::string out;
  auto fail = [&](std::string m) -> std::optional<std::string> {
    if (error) *error = "java.lang.IllegalArgumentException: URLDecoder: " + std::move(m);
    return std::nullopt;
  };
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '+') {
      out += ' ';
      ++i;
    } else if (s[i] == '%') {
      while (i + 2 < s.size() && s[i] == '%') {
        const std::string_view xy = s.substr(i + 1, 2);
        int v = 0;
        bool neg = false;
        std::size_t j = 0;
        if (xy[0] == '-' || xy[0] == '+') {
          neg = xy[0] == '-';
          j = 1;
        }
        for (; j < 2; ++j) {
          const char c = xy[j];
          const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
          if (d < 0) return fail("Illegal hex characters in escape (%) pattern - Error at index " + std::to_string(j) + " in: \"" + std::string(xy) + "\"");
          v = v * 16 + d;
        }
        if (neg && v != 0) return fail("Illegal hex characters in escape (%) pattern - negative value");
        out += static_cast<char>(v);
        i += 3;
      }
      if (i < s.size() && s[i] == '%') return fail("Incomplete trailing escape (%) pattern");
    } else {
      out += s[i++];
    }
  }
  return out;
}

const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
std::string to_base64(std::string_view s) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(s[i]) << 16) | (static_cast<unsigned char>(s[i + 1]) << 8) | static_cast<unsigned char>(s[i + 2]);
    out += kB64[v >> 18]; out += kB64[(v >> 12) & 63]; out += kB64[(v >> 6) & 63]; out += kB64[v & 63];
  }
  if (i + 1 == s.size()) {
    unsigned v = static_cast<unsigned char>(s[i]) << 16;
    out += kB64[v >> 18]; out += kB64[(v >> 12) & 63]; out += "==";
  } else if (i + 2 == s.size()) {
    unsigned v = (static_cast<unsigned char>(s[i]) << 16) | (static_cast<unsigned char>(s[i + 1]) << 8);
    out += kB64[v >> 18]; out += kB64[(v >> 12) & 63]; out += kB64[(v >> 6) & 63]; out += '=';
  }
  return out;
}
std::optional<std::string> from_base64(std::string_view s) {
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  for (char c : s) {
    if (c == '=') break;
    const char* p = std::strchr(kB64, c);
    if (!p || !c) return std::nullopt;
    buf = (buf << 6) | static_cast<unsigned>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xff);
    }
  }
  return out;
}

// Sorted copy of a cell's values.
Cell sorted(Type t, Cell c, bool desc = false) {
  std::stable_sort(c.begin(), c.end(), [&](const Scalar& a, const Scalar& b) {
    int r = compare_scalar(t, a, t, b);
    return desc ? r > 0 : r < 0;
  });
  return c;
}

std::optional<Scalar> sum_values(Type t, const Cell& c, const Expr& e, Warnings& w) {
  Scalar s;
  for (const auto& v : c) {
    if (t == Type::Double) s.d += v.d;
    else if (t == Type::UnsignedLong) {
      if (__builtin_add_overflow(s.u, v.u, &s.u)) { w.failure(e, "java.lang.ArithmeticException: unsigned_long overflow"); return std::nullopt; }
    } else {
      if (__builtin_add_overflow(s.i, v.i, &s.i) || (t == Type::Integer && (s.i > INT32_MAX || s.i < INT32_MIN))) {
        w.failure(e, t == Type::Integer ? "java.lang.ArithmeticException: integer overflow" : "java.lang.ArithmeticException: long overflow");
        return std::nullopt;
      }
    }
  }
  return s;
}

double median_of(Type t, const Cell& c) {
  Cell s = sorted(t, c);
  std::size_t n = s.size();
  if (n % 2) return as_double(t, s[n / 2]);
  return (as_double(t, s[n / 2 - 1]) + as_double(t, s[n / 2])) / 2;
}

// CIDR_MATCH's test of one block (CIDRUtils.isInRange): "address/prefix" as InetAddresses.parseCidr
// reads it, or an address alone (elastic/ip.hpp); nullopt with Elasticsearch's message when the
// block is neither.
std::optional<bool> cidr_contains(const std::string& ip16, std::string_view cidr, std::string& error) {
  if (ip16.size() != 16) return false;
  elastic::IpBytes ip;
  std::memcpy(ip.data(), ip16.data(), 16);
  if (cidr.find('/') == std::string_view::npos) {
    auto one = elastic::parse_ip(cidr);
    if (!one) {
      error = "java.lang.IllegalArgumentException: '" + std::string(cidr) + "' is not an IP string literal.";
      return std::nullopt;
    }
    return *one == ip;
  }
  auto block = elastic::parse_cidr(cidr, &error);
  if (!block) return std::nullopt;
  return block->contains(ip);
}

Type common_type(const Expr& e, const Cols& a, std::size_t from, std::string_view q) {
  Type t = Type::Null;
  for (std::size_t i = from; i < a.size(); ++i) {
    Type x = a[i].type;
    if (x == Type::Null) continue;
    if (t == Type::Null) t = x;
    else if (t == x) continue;
    else if (is_string(t) && is_string(x)) t = Type::Keyword;
    else if (is_numeric(t) && is_numeric(x) && t != Type::UnsignedLong && x != Type::UnsignedLong)
      t = (t == Type::Double || x == Type::Double) ? Type::Double : Type::Long;
    else
      throw QueryError(std::string(i == 0 ? "first" : "") + "argument of [" + expr_text(e, q) + "] must be [" +
                           std::string(type_name(t)) + "], found value [" + expr_text(*e.args[i], q) + "] type [" +
                           std::string(type_name(x)) + "]",
                       e.args[i]->begin);
  }
  return t;
}

Cell widen(const Cell& c, Type from, Type to) {
  if (from == to || from == Type::Null) return c;
  Cell out = c;
  if (to == Type::Double)
    for (auto& v : out) v.d = as_double(from, v);
  if (to == Type::UnsignedLong && from != Type::UnsignedLong)
    for (auto& v : out) v.u = static_cast<std::uint64_t>(v.i);
  return out;
}

std::int64_t date_diff_units(const std::string& unit, std::int64_t a, std::int64_t b, bool& ok) {
  ok = true;
  std::string u = lower(unit);
  auto months_between = [&] {
    Civil x = civil(a), y = civil(b);
    std::int64_t m = (y.y - x.y) * 12 + (static_cast<std::int64_t>(y.mo) - static_cast<std::int64_t>(x.mo));
    // partial months do not count
    std::int64_t xin = ((static_cast<std::int64_t>(x.d) * 24 + x.h) * 60 + x.mi) * 60000 + x.s * 1000 + x.ms;
    std::int64_t yin = ((static_cast<std::int64_t>(y.d) * 24 + y.h) * 60 + y.mi) * 60000 + y.s * 1000 + y.ms;
    if (m > 0 && yin < xin) --m;
    if (m < 0 && yin > xin) ++m;
    return m;
  };
  std::int64_t d = b - a;
  if (u == "year" || u == "years" || u == "yy" || u == "yyyy") return months_between() / 12;
  if (u == "quarter" || u == "quarters" || u == "qq" || u == "q") return months_between() / 3;
  if (u == "month" || u == "months" || u == "mm" || u == "m") return months_between();
  if (u == "dayofyear" || u == "dy" || u == "y" || u == "day" || u == "days" || u == "dd" || u == "d") return d / 86400000;
  if (u == "week" || u == "weeks" || u == "wk" || u == "ww") return d / (7 * 86400000LL);
  if (u == "weekday" || u == "weekdays" || u == "dw") return d / 86400000;
  if (u == "hour" || u == "hours" || u == "hh") return d / 3600000;
  if (u == "minute" || u == "minutes" || u == "mi" || u == "n") return d / 60000;
  if (u == "second" || u == "seconds" || u == "ss" || u == "s") return d / 1000;
  if (u == "millisecond" || u == "milliseconds" || u == "ms") return d;
  if (u == "microsecond" || u == "microseconds" || u == "mcs") return d * 1000;
  if (u == "nanosecond" || u == "nanoseconds" || u == "ns") return d * 1000000;
  ok = false;
  return 0;
}

}  // namespace

std::int64_t add_months_impl(std::int64_t ms, std::int64_t months, std::int64_t days, PeriodOverflow* overflow) {
  std::int64_t day = floor_div(ms, 86400000);
  std::int64_t rem = ms - day * 86400000;
  if (months) {
    std::int64_t y;
    unsigned m, d;
    civil_from_days(day, y, m, d);
    std::int64_t total = 0;
    if (__builtin_add_overflow(y * 12 + (m - 1), months, &total)) total = months > 0 ? INT64_MAX : INT64_MIN;
    std::int64_t ny = floor_div(total, 12);
    if (ny < -999999999 || ny > 999999999) {  // java.time's years
      if (overflow) overflow->year = ny;
      return 0;
    }
    unsigned nm = static_cast<unsigned>(total - ny * 12 + 1);
    static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned last = mdays[nm - 1] + (nm == 2 && ((ny % 4 == 0 && ny % 100 != 0) || ny % 400 == 0));
    day = days_from_civil(ny, nm, std::min(d, last));
  }
  std::int64_t out = 0;
  if (__builtin_add_overflow(day, days, &day) || __builtin_mul_overflow(day, std::int64_t{86400000}, &out) ||
      __builtin_add_overflow(out, rem, &out)) {
    if (overflow) overflow->long_overflow = true;
    return 0;
  }
  return out;
}

std::int64_t date_trunc(std::int64_t ms, Type span_type, const Scalar& span) {
  if (span_type == Type::TimeDuration) {
    std::int64_t w = span.i <= 0 ? 1 : span.i;
    return floor_div(ms, w) * w;
  }
  std::int64_t day = floor_div(ms, 86400000);
  if (span.i == 0) {
    std::int64_t n = span.j <= 0 ? 1 : span.j;
    if (n % 7 == 0) {
      // weeks start on Monday; 1970-01-05 was a Monday
      std::int64_t w = n;
      return (floor_div(day - 4, w) * w + 4) * 86400000;
    }
    return floor_div(day, n) * n * 86400000;
  }
  std::int64_t y;
  unsigned m, d;
  civil_from_days(day, y, m, d);
  // Periods of several months or years count from 0001-01-01, as Elasticsearch's rounding does
  // (DATE_TRUNC(7 years, 1963-01-01) is 1961-01-01; DATE_TRUNC(7 months, 1969-11-12) is 1969-10-01).
  std::int64_t months = span.i;
  std::int64_t total = (y - 1) * 12 + (m - 1);
  if (months % 12 == 0) {
    std::int64_t years = months / 12;
    std::int64_t ny = floor_div(y - 1, years) * years + 1;
    return days_from_civil(ny, 1, 1) * 86400000;
  }
  std::int64_t t = floor_div(total, months) * months;
  std::int64_t ny = floor_div(t, 12);
  return days_from_civil(ny + 1, static_cast<unsigned>(t - ny * 12 + 1), 1) * 86400000;
}

namespace {
// A double that passed the long or integer range check, as Elasticsearch's safeDoubleToLong and
// safeToInt give it: Java's Math.round (the nearest integer, ties toward positive infinity:
// 2.5 is 3, -2.5 is -2). The long check lets 2^63 through (Long.MAX_VALUE as a double), which
// Math.round saturates to Long.MAX_VALUE.
std::int64_t java_round(double d) {
  if (d >= 9223372036854775808.0) return std::numeric_limits<std::int64_t>::max();
  const double f = std::floor(d);  // d - f is exact
  return static_cast<std::int64_t>(f) + (d - f >= 0.5 ? 1 : 0);
}
}  // namespace

Cell convert_cell(const Cell& c, Type from, Type to, const Expr& e, Warnings& w) {
  if (from == to || c.empty()) return c;
  Cell out;
  for (const auto& v : c) {
    Scalar s;
    bool ok = true;
    std::string err;
    switch (to) {
      case Type::Keyword:
      case Type::Text:
        s.s = from == Type::Ip ? format_ip(v.s) : to_text(from, v);
        break;
      case Type::Integer:
      case Type::Long: {
        std::int64_t lo = to == Type::Integer ? INT32_MIN : INT64_MIN, hi = to == Type::Integer ? INT32_MAX : INT64_MAX;
        if (from == Type::Double) {
          double r = v.d;
          if (!(r >= static_cast<double>(lo) && r <= static_cast<double>(hi))) {
            ok = false;
            err = "org.elasticsearch.xpack.esql.core.InvalidArgumentException: [" + format_double(v.d) + "] out of [" +
                  std::string(type_name(to)) + "] range";
          } else {
            s.i = java_round(r);
          }
        } else if (from == Type::UnsignedLong) {
          if (v.u > static_cast<std::uint64_t>(hi)) {
            ok = false;
            err = "org.elasticsearch.xpack.esql.core.InvalidArgumentException: [" + std::to_string(v.u) + "] out of [" +
                  std::string(type_name(to)) + "] range";
          } else s.i = static_cast<std::int64_t>(v.u);
        } else if (is_string(from)) {
          std::string str = v.s;
          std::int64_t x = 0;
          auto [p, ec] = std::from_chars(str.data(), str.data() + str.size(), x);
          // Elasticsearch's stringToInt/stringToLong: an integer in range as it is; anything else
          // (a fraction, an exponent, an integer out of range) read as a double, rounded by
          // Math.round when it is in range; any failure of that is "Cannot parse number".
          if (ec == std::errc() && p == str.data() + str.size() && x >= lo && x <= hi) {
            s.i = x;
          } else {
            char* endp = nullptr;
            double dv = std::strtod(str.c_str(), &endp);
            if (str.empty() || endp != str.c_str() + str.size() || str.find_first_of("xXpPnN") != std::string::npos ||
                !(dv >= static_cast<double>(lo) && dv <= static_cast<double>(hi))) {
              ok = false;
              err = "org.elasticsearch.xpack.esql.core.InvalidArgumentException: Cannot parse number [" + str + "]";
            } else s.i = java_round(dv);
          }
        } else if (from == Type::Long && to == Type::Integer) {
          if (v.i < lo || v.i > hi) {
            ok = false;
            err = "org.elasticsearch.xpack.esql.core.InvalidArgumentException: [" + std::to_string(v.i) + "] out of [integer] range";
          } else s.i = v.i;
        } else if (from == Type::Date && to == Type::Integer) {
          if (v.i < lo || v.i > hi) {
            ok = false;
            err = "org.elasticsearch.xpack.esql.core.InvalidArgumentException: [" + std::to_string(v.i) + "] out of [integer] range";
          } else s.i = v.i;
        } else {
          s.i = v.i;  // integer, long, boolean, date
        }
        break;
      }
      case Type::UnsignedLong:
        if (from == Type::Double) {
          if (!(v.d >= 0 && v.d < 18446744073709551616.0)) {
            ok = false;
            err = "org.elasticsearch.xpack.esql.core.InvalidArgumentException: [" + format_double(v.d) + "] out of [unsigned_long] range";
          } else s.u = static_cast<std::uint64_t>(v.d);
        } else if (is_string(from)) {
          std::uint64_t x = 0;
          auto [p, ec] = std::from_chars(v.s.data(), v.s.data() + v.s.size(), x);
          if (ec == std::errc() && p == v.s.data() + v.s.size()) s.u = x;
          else {
            char* endp = nullptr;
            double dv = std::strtod(v.s.c_str(), &endp);
            if (v.s.empty() || endp != v.s.c_str() + v.s.size()) {
              ok = false;
              err = "org.elasticsearch.xpack.esql.core.InvalidArgumentException: Cannot parse number [" + v.s + "]";
            } else if (!(dv >= 0 && dv < 18446744073709551616.0)) {
              ok = false;
              err = "org.elasticsearch.xpack.esql.core.InvalidArgumentException: [" + v.s + "] out of [unsigned_long] range";
            } else s.u = static_cast<std::uint64_t>(dv);
          }
        } else if (from == Type::UnsignedLong) {
          s.u = v.u;
        } else {
          if (v.i < 0) {
            ok = false;
            err = "org.elasticsearch.xpack.esql.core.InvalidArgumentException: [" + std::to_string(v.i) + "] out of [unsigned_long] range";
          } else s.u = static_cast<std::uint64_t>(v.i);
        }
        break;
      case Type::Double:
        if (is_string(from)) {
          char* endp = nullptr;
          s.d = std::strtod(v.s.c_str(), &endp);
          if (v.s.empty() || endp != v.s.c_str() + v.s.size()) {
            ok = false;
            err = "org.elasticsearch.xpack.esql.core.InvalidArgumentException: Cannot parse number [" + v.s + "]";
          }
        } else s.d = as_double(from, v);
        break;
      case Type::Boolean:
        if (is_string(from)) s.i = lower(v.s) == "true";
        else if (from == Type::Double) s.i = v.d != 0;
        else if (from == Type::UnsignedLong) s.i = v.u != 0;
        else s.i = v.i != 0;
        break;
      case Type::Date:
        if (is_string(from)) {
          auto d = parse_date(v.s);
          if (!d) {
            ok = false;
            err = "java.lang.IllegalArgumentException: failed to parse date field [" + v.s + "] with format [strict_date_optional_time]";
          } else s.i = *d;
        } else if (from == Type::Double || from == Type::UnsignedLong) {
          // Elasticsearch's TO_DATETIME uses TO_LONG's evaluators for these (ToDatetime.java):
          // rounded, and "out of [long] range" beyond it (the warning is given by that call).
          Cell as_long = convert_cell(Cell{v}, from, Type::Long, e, w);
          if (as_long.empty()) ok = false;
          else s.i = as_long.front().i;
        } else s.i = v.i;
        break;
      case Type::Ip:
        if (is_string(from)) {
          auto ip = parse_ip(v.s);
          if (!ip) {
            ok = false;
            err = "java.lang.IllegalArgumentException: '" + v.s + "' is not an IP string literal.";
          } else s.s = *ip;
        } else ok = false;
        break;
      case Type::Version:
        s.s = is_string(from) ? v.s : to_text(from, v);
        break;
      case Type::DatePeriod:
      case Type::TimeDuration:
        if (is_string(from)) {
          std::string u = lower(v.s);
          std::size_t p = 0;
          std::int64_t qn = 0;
          while (p < u.size() && std::isdigit(static_cast<unsigned char>(u[p]))) qn = qn * 10 + (u[p++] - '0');
          while (p < u.size() && u[p] == ' ') ++p;
          std::string unit = u.substr(p);
          if (to == Type::TimeDuration) {
            std::int64_t mul = unit == "ms" || unit.starts_with("milli") ? 1 : unit == "s" || unit.starts_with("sec") ? 1000
                             : unit == "min" || unit.starts_with("minute") ? 60000 : unit == "h" || unit.starts_with("hour") ? 3600000 : 0;
            if (!mul || p == 0) throw QueryError("Cannot parse [" + v.s + "] to TIME_DURATION", e.begin);
            s.i = qn * mul;
          } else {
            if (unit == "d" || unit.starts_with("day")) s.j = qn;
            else if (unit == "w" || unit.starts_with("week")) s.j = 7 * qn;
            else if (unit == "mo" || unit.starts_with("month")) s.i = qn;
            else if (unit == "q" || unit.starts_with("quarter")) s.i = 3 * qn;
            else if (unit == "y" || unit == "yr" || unit.starts_with("year")) s.i = 12 * qn;
            else throw QueryError("Cannot parse [" + v.s + "] to DATE_PERIOD", e.begin);
            if (p == 0) throw QueryError("Cannot parse [" + v.s + "] to DATE_PERIOD", e.begin);
          }
        } else s = v;
        break;
      case Type::GeoPoint:
        if (is_string(from)) {
          auto xy = parse_wkt_point(v.s);
          if (!xy) {
            ok = false;
            err = "java.lang.IllegalArgumentException: Failed to parse WKT: " + v.s;
          } else
            s.s = wkt_point(xy->first, xy->second);
        } else
          ok = false;
        break;
      default:
        ok = false;
    }
    if (!ok) {
      if (!err.empty()) w.failure(e, err);
      continue;
    }
    out.push_back(std::move(s));
  }
  return out;
}

namespace {

Type conversion_target(const std::string& n) {
  static const std::map<std::string, Type> m = {
      {"to_string", Type::Keyword},   {"to_str", Type::Keyword},       {"to_text", Type::Text},
      {"to_integer", Type::Integer},  {"to_int", Type::Integer},       {"to_long", Type::Long},
      {"to_unsigned_long", Type::UnsignedLong}, {"to_ul", Type::UnsignedLong}, {"to_ulong", Type::UnsignedLong},
      {"to_double", Type::Double},    {"to_dbl", Type::Double},        {"to_boolean", Type::Boolean},
      {"to_bool", Type::Boolean},     {"to_datetime", Type::Date},     {"to_dt", Type::Date},
      {"to_ip", Type::Ip},            {"to_version", Type::Version},   {"to_ver", Type::Version},
      {"to_dateperiod", Type::DatePeriod}, {"to_timeduration", Type::TimeDuration}, {"to_geopoint", Type::GeoPoint}};
  auto it = m.find(n);
  return it == m.end() ? Type::Unsupported : it->second;
}

Column math1(const Expr& e, EvalCtx& ctx, Cols& a, double (*f)(double), const char* domain_err = nullptr) {
  if (!num_or_null(a[0].type)) bad_type(e, 0, a[0], "numeric", ctx.query);
  Type t = a[0].type;
  return map_rows(e, ctx, a, Type::Double, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
    double x = as_double(t, *v[0]);
    double r = f(x);
    if (domain_err && (std::isnan(r) || std::isinf(r))) {
      ctx.warn.failure(e, domain_err);
      return std::nullopt;
    }
    return Scalar::of_double(r);
  });
}

}  // namespace

bool is_aggregate(const std::string& n) {
  static const char* aggs[] = {"count", "count_distinct", "min", "max", "sum", "avg", "values", "median", "percentile",
                               "top", "std_dev", "variance", "weighted_avg", "median_absolute_deviation", "sample", "first", "last",
                               "present", "absent"};
  for (const char* a : aggs)
    if (n == a) return true;
  return false;
}

// TO_IP(s, {"leading_zeros": "reject" | "octal" | "decimal"}) (ES|QL TO_IP reference): an IPv4
// part written with leading zeros is refused (the default), read as octal (as ping and curl do:
// 046 is 38) or as decimal (046 is 46).
std::optional<std::string> ipv4_leading_zeros(std::string_view s, const std::string& mode) {
  if (s.find(':') != std::string_view::npos || mode == "reject") return std::string(s);
  std::string out;
  std::size_t i = 0;
  while (true) {
    std::size_t dot = s.find('.', i);
    std::string_view part = s.substr(i, dot == std::string_view::npos ? std::string_view::npos : dot - i);
    bool digits = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits && part.size() > 1 && part[0] == '0') {
      std::uint64_t v = 0;
      for (char c : part) {
        if (mode == "octal" && c > '7') return std::nullopt;
        v = v * (mode == "octal" ? 8 : 10) + static_cast<std::uint64_t>(c - '0');
        if (v > 255) return std::nullopt;
      }
      out += std::to_string(v);
    } else out += part;
    if (dot == std::string_view::npos) break;
    out += '.';
    i = dot + 1;
  }
  return out;
}

Column to_ip_with_options(const Expr& e, EvalCtx& ctx) {
  const Expr& m = *e.args[1];
  if (m.kind != ExprKind::Map)
    throw QueryError("second argument of [" + expr_text(e, ctx.query) + "] must be a map of options", m.begin);
  std::string mode = "reject";
  for (const auto& [key, cell] : m.options) {
    if (key != "leading_zeros")
      throw QueryError("Invalid option [" + key + "] in [" + expr_text(e, ctx.query) + "], expected one of [leading_zeros]", m.begin);
    std::string v = cell.empty() ? "" : lower(cell[0].s);
    if (v != "reject" && v != "octal" && v != "decimal")
      throw QueryError("Illegal leading_zeros [" + v + "] in [" + expr_text(e, ctx.query) + "], expected one of [reject, octal, decimal]", m.begin);
    mode = v;
  }
  Column a = eval(*e.args[0], ctx);
  if (a.type != Type::Ip && !str_or_null(a.type)) bad_type(e, 0, a, "ip or string", ctx.query);
  Column out;
  out.type = Type::Ip;
  out.cells.resize(a.cells.size());
  for (std::size_t r = 0; r < a.cells.size(); ++r) {
    if (a.type != Type::Ip) {
      Cell fixed;
      for (const auto& v : a.cells[r]) {
        auto t = ipv4_leading_zeros(v.s, mode);
        fixed.push_back(Scalar::of_str(t ? *t : v.s));
      }
      out.cells[r] = convert_cell(fixed, a.type, Type::Ip, e, ctx.warn);
    } else out.cells[r] = a.cells[r];
  }
  return out;
}

// CASE is lazy, as Elasticsearch evaluates it: a condition is evaluated on the rows no earlier
// condition took, a value on the rows its condition took (so TO_IP of a branch that does not
// apply warns about nothing). Value types: one type, strings as keyword, numbers widened
// (integer < long < double; integer or long with unsigned_long is unsigned_long).
Column eval_case(const Expr& e, EvalCtx& ctx) {
  const std::size_t na = e.args.size();
  if (na < 2) throw QueryError("function [case] needs at least two arguments", e.begin);
  const std::size_t n = ctx.page.rows();
  auto sub_page = [&](const std::vector<std::size_t>& rows) {
    Page p;
    p.columns.reserve(ctx.page.columns.size());
    for (const auto& c : ctx.page.columns) {
      Column x;
      x.name = c.name;
      x.type = c.type;
      x.cells.reserve(rows.size());
      for (auto r : rows) x.cells.push_back(c.cells[r]);
      p.columns.push_back(std::move(x));
    }
    for (auto r : rows) p.origin.push_back(ctx.page.origin[r]);
    return p;
  };
  auto eval_on = [&](const Expr& x, const std::vector<std::size_t>& rows) {
    if (rows.size() == n) return eval(x, ctx);
    Page p = sub_page(rows);
    EvalCtx sub{p, ctx.warn, ctx.now_ms, ctx.query, ctx.indices, ctx.not_source};
    return eval(x, sub);
  };
  std::vector<std::size_t> open(n);
  for (std::size_t r = 0; r < n; ++r) open[r] = r;
  std::vector<std::pair<Column, std::vector<std::size_t>>> vals;  // value column over its rows
  const std::size_t pairs = na / 2;
  for (std::size_t k = 0; k < pairs; ++k) {
    Column c = eval_on(*e.args[2 * k], open);
    if (c.type != Type::Boolean && c.type != Type::Null) bad_type(e, 2 * k, c, "boolean", ctx.query);
    std::vector<std::size_t> took, rest;
    for (std::size_t i = 0; i < open.size(); ++i) {
      const Cell& cell = c.cells[i];
      bool cond = false;
      if (cell.size() > 1) ctx.warn.failure(e, kMulti, "false");
      else cond = truthy(cell);
      (cond ? took : rest).push_back(open[i]);
    }
    vals.emplace_back(eval_on(*e.args[2 * k + 1], took), std::move(took));
    open = std::move(rest);
  }
  if (na % 2 == 1) vals.emplace_back(eval_on(*e.args[na - 1], open), open);
  Type t = Type::Null;
  for (const auto& [c, rows] : vals) {
    if (c.type == Type::Null) continue;
    if (t == Type::Null) t = c.type;
    else if (t != c.type) {
      auto integral = [](Type x) { return x == Type::Integer || x == Type::Long; };
      if (is_string(t) && is_string(c.type)) t = Type::Keyword;
      else if ((t == Type::UnsignedLong && integral(c.type)) || (c.type == Type::UnsignedLong && integral(t))) t = Type::UnsignedLong;
      else if (is_numeric(t) && is_numeric(c.type) && t != Type::UnsignedLong && c.type != Type::UnsignedLong)
        t = (t == Type::Double || c.type == Type::Double) ? Type::Double : Type::Long;
      else throw QueryError("all values of [" + expr_text(e, ctx.query) + "] must have the same type; found [" + std::string(type_name(t)) +
                                "] and [" + std::string(type_name(c.type)) + "]", e.begin);
    }
  }
  if (t == Type::Text) t = Type::Keyword;
  Column out;
  out.type = t;
  out.cells.resize(n);
  for (const auto& [c, rows] : vals)
    for (std::size_t i = 0; i < rows.size(); ++i) out.cells[rows[i]] = widen(c.cells[i], c.type, t);
  return out;
}

// Implicit casting (ES|QL "Implicit casting": a string literal where a function takes a number
// is read as the parameter's type, the widest it accepts: EsqlFunctionRegistry's target type):
// SUBSTRING("abcd", "2") is SUBSTRING("abcd", 2), ABS("10") is 10.0. Cast at analysis, from the
// literal itself (also when no row reaches the function).
void cast_string_literals(const std::string& fn, const Expr& e, Cols& a, EvalCtx& ctx) {
  static const std::map<std::string, std::vector<std::pair<std::size_t, Type>>> params = {
      {"substring", {{1, Type::Integer}, {2, Type::Integer}}}, {"left", {{1, Type::Integer}}}, {"right", {{1, Type::Integer}}},
      {"mv_slice", {{1, Type::Integer}, {2, Type::Integer}}}, {"locate", {{2, Type::Integer}}}, {"repeat", {{1, Type::Integer}}},
      {"space", {{0, Type::Integer}}}, {"round", {{0, Type::Double}, {1, Type::Long}}}, {"abs", {{0, Type::Double}}},
      {"ceil", {{0, Type::Double}}}, {"floor", {{0, Type::Double}}}, {"sqrt", {{0, Type::Double}}}, {"cbrt", {{0, Type::Double}}},
      {"exp", {{0, Type::Double}}}, {"log10", {{0, Type::Double}}}, {"signum", {{0, Type::Double}}}, {"sin", {{0, Type::Double}}},
      {"cos", {{0, Type::Double}}}, {"tan", {{0, Type::Double}}}, {"asin", {{0, Type::Double}}}, {"acos", {{0, Type::Double}}},
      {"atan", {{0, Type::Double}}}, {"sinh", {{0, Type::Double}}}, {"cosh", {{0, Type::Double}}}, {"tanh", {{0, Type::Double}}},
      {"pow", {{0, Type::Double}, {1, Type::Double}}}, {"log", {{0, Type::Double}, {1, Type::Double}}},
      {"atan2", {{0, Type::Double}, {1, Type::Double}}}, {"hypot", {{0, Type::Double}, {1, Type::Double}}}};
  auto it = params.find(fn);
  if (it == params.end()) return;
  for (const auto& [i, to] : it->second) {
    if (i >= a.size() || i >= e.args.size() || e.args[i]->kind != ExprKind::Literal || e.args[i]->type != Type::Keyword ||
        e.args[i]->value.empty())
      continue;
    const std::string& text = e.args[i]->value[0].s;
    Warnings scratch(ctx.query);  // (a refused literal is the verifier's error, not a row's warning)
    Cell c = convert_cell(Cell{e.args[i]->value[0]}, Type::Keyword, to, *e.args[i], scratch);
    if (c.empty())
      throw QueryError("Cannot convert string [" + text + "] to [" + upper(std::string(type_name(to))) + "]", e.args[i]->begin);
    a[i].type = to;
    a[i].cells.assign(ctx.page.rows(), c);
  }
}

namespace {

// ---- functions added with Elasticsearch 8.16 to 9.4 (ES|QL function reference pages; the
// behaviour where the pages are silent is the function classes' of x-pack/plugin/esql)

// Java's Double.toString of a value that is not finite.
std::string java_nonfinite(double d) { return std::isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity"; }

// MessageDigest algorithm names (Java's standard names and their aliases, case-insensitive) that
// HASH takes; null for a name the JDK has no digest for. MD2 (in the JDK, not in OpenSSL 3's
// default provider) is refused as unsupported.
const EVP_MD* java_digest(std::string name, const Expr& at) {
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name == "md5") return EVP_md5();
  if (name == "sha" || name == "sha1" || name == "sha-1") return EVP_sha1();
  if (name == "sha-224" || name == "sha224") return EVP_sha224();
  if (name == "sha-256" || name == "sha256") return EVP_sha256();
  if (name == "sha-384" || name == "sha384") return EVP_sha384();
  if (name == "sha-512" || name == "sha512") return EVP_sha512();
  if (name == "sha-512/224" || name == "sha512/224") return EVP_sha512_224();
  if (name == "sha-512/256" || name == "sha512/256") return EVP_sha512_256();
  if (name == "sha3-224") return EVP_sha3_224();
  if (name == "sha3-256") return EVP_sha3_256();
  if (name == "sha3-384") return EVP_sha3_384();
  if (name == "sha3-512") return EVP_sha3_512();
  // Object identifiers, as Java's KnownOIDs names these digests (with or without "OID.").
  if (name.starts_with("oid.")) name = name.substr(4);
  if (name == "1.2.840.113549.2.5") return EVP_md5();
  if (name == "1.3.14.3.2.26") return EVP_sha1();
  const std::string nist = "2.16.840.1.101.3.4.2.";
  if (name.starts_with(nist)) {
    const std::string k = name.substr(nist.size());
    if (k == "1") return EVP_sha256();
    if (k == "2") return EVP_sha384();
    if (k == "3") return EVP_sha512();
    if (k == "4") return EVP_sha224();
    if (k == "5") return EVP_sha512_224();
    if (k == "6") return EVP_sha512_256();
    if (k == "7") return EVP_sha3_224();
    if (k == "8") return EVP_sha3_256();
    if (k == "9") return EVP_sha3_384();
    if (k == "10") return EVP_sha3_512();
  }
  if (name == "md2" || name == "1.2.840.113549.2.2")
    throw QueryError("HASH with MD2 is not supported by rulelab (its digest library has no MD2)", at.begin, true);
  return nullptr;
}

// Lower-case hex of the digest of the string's UTF-8 bytes.
std::string digest_hex(const EVP_MD* md, const std::string& s) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(s.data(), s.size(), out, &len, md, nullptr) != 1) return {};
  static const char* hex = "0123456789abcdef";
  std::string r;
  r.reserve(2 * len);
  for (unsigned i = 0; i < len; ++i) {
    r += hex[out[i] >> 4];
    r += hex[out[i] & 15];
  }
  return r;
}

// Java's (int) of a double: truncated toward zero, saturated at the int range.
std::int64_t java_int_cast(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 2147483647.0) return 2147483647;
  if (d <= -2147483648.0) return -2147483648LL;
  return static_cast<std::int64_t>(d);
}

__extension__ typedef __int128 int128;

// MV_PERCENTILE's interpolation between the sorted values lo and hi (MvPercentile): doubles
// linearly (written so that lo < 0 < hi does not overflow); integers add the truncated share of
// the gap; longs the same within +-2^52, else the exact product truncated toward zero (BigDecimal).
Scalar percentile_between(Type t, const Scalar& lo, const Scalar& hi, double fraction) {
  if (t == Type::Double) {
    double l = lo.d, h = hi.d;
    return Scalar::of_double(l < 0 && h > 0 ? (l + fraction * h) - fraction * l : l + fraction * (h - l));
  }
  const std::int64_t l = lo.i, h = hi.i;
  if (t == Type::Integer) return Scalar::of_int(l + java_int_cast(fraction * static_cast<double>(h - l)));
  constexpr std::int64_t two52 = std::int64_t{1} << 52;
  if (h < two52 && l > -two52) return Scalar::of_int(l + static_cast<std::int64_t>(fraction * static_cast<double>(h - l)));
  // fraction = m * 2^-k exactly (0 <= fraction < 1); (h - l) * m fits in 117 bits.
  int exp = 0;
  const double mant = std::frexp(fraction, &exp);  // fraction = mant * 2^exp, 0.5 <= mant < 1
  const auto m = static_cast<std::int64_t>(std::ldexp(mant, 53));
  const int k = 53 - exp;
  const int128 prod = static_cast<int128>(h - static_cast<int128>(l)) * m;
  int128 whole = k >= 127 ? 0 : prod >> k;
  const bool frac = k >= 127 ? prod != 0 : (prod - (whole << k)) != 0;
  int128 r = static_cast<int128>(l) + whole;
  if (r < 0 && frac) r += 1;  // toward zero
  return Scalar::of_int(static_cast<std::int64_t>(r));
}

// The median of sorted integers as MvMedianAbsoluteDeviation takes it: the mean of the middle
// two truncated toward zero.
int128 median_trunc(const std::vector<int128>& v) {
  const std::size_t m = v.size();
  if (m % 2) return v[m / 2];
  return (v[m / 2 - 1] + v[m / 2]) / 2;
}

std::optional<Column> call_function_more(const std::string& fn, const Expr& e, EvalCtx& ctx, Cols& a) {
  const std::size_t n = ctx.page.rows();
  const std::string_view q = ctx.query;

  // HASH(algorithm, input), MD5, SHA1, SHA256 ("ES|QL string functions"): the lower-case hex
  // digest of the string's UTF-8 bytes. A constant algorithm the JDK does not have is the query's
  // error; one read per row is that row's warning (NoSuchAlgorithmException) and null.
  if (fn == "hash" || fn == "md5" || fn == "sha1" || fn == "sha256") {
    const bool named = fn == "hash";
    need_args(e, named ? 2 : 1, named ? 2 : 1);
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!str_or_null(a[i].type)) {
        if (!named) bad_type_sole(e, a[i], "string", q);
        bad_type(e, i, a[i], "string", q);
      }
    const EVP_MD* fixed = fn == "md5" ? EVP_md5() : fn == "sha1" ? EVP_sha1() : fn == "sha256" ? EVP_sha256() : nullptr;
    if (named && a[0].type != Type::Null && is_constant(*e.args[0])) {
      const Cell* c = e.args[0]->kind == ExprKind::Literal ? &e.args[0]->value : n ? &a[0].cells[0] : nullptr;
      if (c && c->size() > 1)  // (Elasticsearch folds it and fails casting the list: the query fails)
        throw QueryError("first argument of [" + expr_text(e, q) + "] must be a single algorithm name", e.args[0]->begin);
      if (c && c->size() == 1) {
        fixed = java_digest((*c)[0].s, *e.args[0]);
        if (!fixed) throw QueryError("invalid algorithm for [" + expr_text(e, q) + "]: " + (*c)[0].s + " MessageDigest not available", e.begin);
      }
    }
    return map_rows(e, ctx, a, Type::Keyword, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      const EVP_MD* md = fixed;
      if (!md) md = java_digest(v[0]->s, *e.args[0]);
      if (!md) {
        ctx.warn.failure(e, "java.security.NoSuchAlgorithmException: " + v[0]->s + " MessageDigest not available");
        return std::nullopt;
      }
      return Scalar::of_str(digest_hex(md, v[named ? 1 : 0]->s));
    });
  }

  // DAY_NAME, MONTH_NAME ("ES|QL date-time functions", 9.2): the English name (the request's
  // default locale, en-US) in UTC (the default time zone; rulelab has no SET time_zone).
  if (fn == "day_name" || fn == "month_name") {
    need_args(e, 1, 1);
    if (a[0].type != Type::Date && a[0].type != Type::Null) bad_type(e, 0, a[0], "datetime or date_nanos", q);
    const char* const days[] = {"Thursday", "Friday", "Saturday", "Sunday", "Monday", "Tuesday", "Wednesday"};  // from 1970-01-01
    const char* const months[] = {"January", "February", "March",     "April",   "May",      "June",
                                   "July",    "August",   "September", "October", "November", "December"};
    return map_rows(e, ctx, a, Type::Keyword, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      const std::int64_t day = floor_div(v[0]->i, 86400000);
      if (fn == "day_name") return Scalar::of_str(days[((day % 7) + 7) % 7]);
      std::int64_t y = 0;
      unsigned m = 1, d = 1;
      civil_from_days(day, y, m, d);
      return Scalar::of_str(months[m - 1]);
    });
  }

  // SCALB(d, scaleFactor) ("ES|QL math functions"): d * 2^scaleFactor, rounded once; a scale
  // factor outside the int range, or a result that is not finite, is null with Java's exception.
  if (fn == "scalb") {
    need_args(e, 2, 2);
    if (!num_or_null(a[0].type)) bad_type(e, 0, a[0], "numeric", q);
    if (a[1].type != Type::Integer && a[1].type != Type::Long && a[1].type != Type::Null)
      bad_type(e, 1, a[1], "whole number except unsigned_long or counter types", q);
    const Type t = a[0].type;
    return map_rows(e, ctx, a, Type::Double, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      const std::int64_t f = v[1]->i;
      if (f < std::numeric_limits<int>::min() || f > std::numeric_limits<int>::max()) {
        ctx.warn.failure(e, "java.lang.ArithmeticException: integer overflow");
        return std::nullopt;
      }
      const double r = std::ldexp(as_double(t, *v[0]), static_cast<int>(f));
      if (!std::isfinite(r)) {
        ctx.warn.failure(e, "java.lang.ArithmeticException: not a finite double number: " + java_nonfinite(r));
        return std::nullopt;
      }
      return Scalar::of_double(r);
    });
  }

  // TO_DEGREES, TO_RADIANS ("ES|QL type conversion functions"): each value of a multi-value
  // (Math.toDegrees / toRadians); TO_DEGREES drops a value whose result is not finite, with a
  // warning, and is null when none is left; TO_RADIANS never warns.
  if (fn == "to_degrees" || fn == "to_radians") {
    need_args(e, 1, 1);
    if (!num_or_null(a[0].type)) bad_type_sole(e, a[0], "numeric", q);
    const Type t = a[0].type;
    Column out;
    out.type = Type::Double;
    out.cells.resize(n);
    for (std::size_t r = 0; r < n; ++r)
      for (const auto& v : a[0].cells[r]) {
        const double x = as_double(t, v);
        const double y = fn == "to_degrees" ? x * 57.29577951308232 : x * 0.017453292519943295;
        if (fn == "to_degrees" && !std::isfinite(y)) {
          ctx.warn.failure(e, "java.lang.ArithmeticException: not a finite double number: " + java_nonfinite(y));
          continue;
        }
        out.cells[r].push_back(Scalar::of_double(y));
      }
    return out;
  }

  // MV_PERCENTILE(number, percentile) ("ES|QL multivalue functions", 8.16): the percentile of a
  // multi-value, interpolated between the two nearest ranks (index p/100 * (n - 1)), in the
  // number's type; a percentile outside [0, 100] is null with a warning.
  if (fn == "mv_percentile") {
    need_args(e, 2, 2);
    if (!num_or_null(a[0].type) || a[0].type == Type::UnsignedLong) bad_type(e, 0, a[0], "numeric except unsigned_long", q);
    if (!num_or_null(a[1].type) || a[1].type == Type::UnsignedLong) bad_type(e, 1, a[1], "numeric except unsigned_long", q);
    const Type t = a[0].type, pt = a[1].type;
    Column out;
    out.type = t;
    out.cells.resize(n);
    if (t == Type::Null || pt == Type::Null) return out;
    for (std::size_t r = 0; r < n; ++r) {
      const Cell& c = a[0].cells[r];
      const Scalar* pv = single(a[1].cells[r], e, ctx.warn);  // (checked first, as MvPercentile's evaluators do)
      if (!pv || c.empty()) continue;
      const double p = as_double(pt, *pv);
      if (!(p >= 0 && p <= 100)) {
        ctx.warn.failure(e, "java.lang.IllegalArgumentException: Percentile parameter must be a number between 0 and 100, found [" +
                                format_double(p) + "]");
        continue;
      }
      Cell s = sorted(t, c);
      if (t == Type::Double)  // Java's order: -0.0 before 0.0 (Arrays.sort, Math.min / Math.max)
        std::stable_sort(s.begin(), s.end(), [](const Scalar& x, const Scalar& y) { return x.d < y.d || (x.d == y.d && std::signbit(x.d) && !std::signbit(y.d)); });
      if (s.size() == 1 || p == 0) { out.cells[r] = {s.front()}; continue; }
      if (p == 100) { out.cells[r] = {s.back()}; continue; }
      const double index = p / 100.0 * static_cast<double>(s.size() - 1);
      const auto lower = static_cast<std::size_t>(index);
      const double fraction = index - static_cast<double>(lower);
      out.cells[r] = {percentile_between(t, s[lower], s[std::min(lower + 1, s.size() - 1)], fraction)};
    }
    return out;
  }

  // MV_PSERIES_WEIGHTED_SUM(number, p) ("ES|QL multivalue functions", 8.16): the sum of the
  // values, each divided by its rank (1-based, in the multi-value's order) to the power p, summed
  // with Kahan compensation (CompensatedSum); a sum that is not finite is null with a warning.
  if (fn == "mv_pseries_weighted_sum") {
    need_args(e, 2, 2);
    if (a[0].type != Type::Double && a[0].type != Type::Null) bad_type(e, 0, a[0], "double", q);
    if (a[1].type != Type::Double && a[1].type != Type::Null) bad_type(e, 1, a[1], "double", q);
    if (a[1].type != Type::Null && !is_constant(*e.args[1]))
      throw QueryError("second argument of [" + expr_text(e, q) + "] must be a constant, received [" + expr_text(*e.args[1], q) + "]",
                       e.args[1]->begin);
    if (a[1].type != Type::Null && e.args[1]->kind == ExprKind::Literal && e.args[1]->value.size() > 1)
      throw QueryError("second argument of [" + expr_text(e, q) + "] must be a single value", e.args[1]->begin);
    Column out;
    out.type = a[0].type == Type::Null || a[1].type == Type::Null ? Type::Null : Type::Double;
    out.cells.resize(n);
    if (a[0].type == Type::Null || a[1].type == Type::Null) return out;
    for (std::size_t r = 0; r < n; ++r) {
      const Cell& c = a[0].cells[r];
      const Scalar* pv = single(a[1].cells[r], e, ctx.warn);
      if (c.empty() || !pv) continue;
      double sum = 0, delta = 0;
      for (std::size_t i = 0; i < c.size(); ++i) {
        const double x = c[i].d / std::pow(static_cast<double>(i + 1), pv->d);
        if (!std::isfinite(x)) sum = x + sum;
        if (std::isfinite(sum)) {
          const double corrected = x + delta;
          const double updated = sum + corrected;
          delta = corrected - (updated - sum);
          sum = updated;
        }
      }
      if (!std::isfinite(sum)) {
        ctx.warn.failure(e, "java.lang.ArithmeticException: double overflow");
        continue;
      }
      out.cells[r] = {Scalar::of_double(sum)};
    }
    return out;
  }

  // MV_MEDIAN_ABSOLUTE_DEVIATION(number) ("ES|QL multivalue functions", 8.16): the median of the
  // values' distances from their median, in the number's type (integers: each median the mean of
  // the middle two truncated toward zero; unsigned_long: floored); a single value gives 0.
  if (fn == "mv_median_absolute_deviation") {
    need_args(e, 1, 1);
    if (!num_or_null(a[0].type)) bad_type_sole(e, a[0], "numeric", q);
    const Type t = a[0].type;
    Column out;
    out.type = t;
    out.cells.resize(n);
    for (std::size_t r = 0; r < n; ++r) {
      const Cell& c = a[0].cells[r];
      if (c.empty()) continue;
      const Cell s = sorted(t, c);
      if (t == Type::Double) {
        auto med = [](const std::vector<double>& v) {
          const std::size_t m = v.size();
          return m % 2 ? v[m / 2] : v[m / 2 - 1] / 2 + v[m / 2] / 2;
        };
        std::vector<double> v;
        for (const auto& x : s) v.push_back(x.d);
        const double m = med(v);
        for (auto& x : v) x = std::fabs(x - m);
        std::sort(v.begin(), v.end());
        const double d = med(v);
        if (!std::isfinite(d)) throw QueryError("java.lang.ArithmeticException: not a finite double number: " + java_nonfinite(d), e.begin);
        out.cells[r] = {Scalar::of_double(d)};
        continue;
      }
      std::vector<int128> v;
      for (const auto& x : s) v.push_back(t == Type::UnsignedLong ? static_cast<int128>(x.u) : static_cast<int128>(x.i));
      int128 m = median_trunc(v);  // (non-negative for unsigned_long: truncation is the floor)
      for (auto& x : v) x = x < m ? m - x : x - m;
      std::sort(v.begin(), v.end());
      const int128 d = median_trunc(v);
      const int128 limit = t == Type::Integer ? std::numeric_limits<int>::max()
                         : t == Type::UnsignedLong ? static_cast<int128>(std::numeric_limits<std::uint64_t>::max())
                                                   : static_cast<int128>(std::numeric_limits<std::int64_t>::max());
      if (d > limit) throw QueryError(std::string("java.lang.ArithmeticException: ") + (t == Type::Integer ? "integer" : "long") + " overflow", e.begin);
      out.cells[r] = {t == Type::UnsignedLong ? Scalar::of_ul(static_cast<std::uint64_t>(d)) : Scalar::of_int(static_cast<std::int64_t>(d))};
    }
    return out;
  }

  // MV_DIFFERENCE(field1, field2) ("ES|QL multivalue functions", 9.4 preview): field1's values, in
  // order and with their repeats, less those field2 holds; null when none is left; a null field2
  // takes nothing away.
  if (fn == "mv_difference") {
    need_args(e, 2, 2);
    // Both sides of one type (text counts as keyword; MvSetOperationFunction.resolveType); the
    // result has the first's, null when the first is null (mv_difference.csv-spec).
    auto plain = [](Type x) { return x == Type::Text ? Type::Keyword : x; };
    const Type t = plain(a[0].type);
    if (t != Type::Null && a[1].type != Type::Null && plain(a[1].type) != t) {
      const std::string want = t == Type::Date ? "datetime" : std::string(type_name(t));
      bad_type(e, 1, a[1], want.c_str(), q);
    }
    Column out;
    out.type = t;
    out.cells.resize(n);
    for (std::size_t r = 0; r < n; ++r) {
      const Cell x = widen(a[0].cells[r], a[0].type, t);
      const Cell y = widen(a[1].cells[r], a[1].type, t);
      Cell c;
      for (const auto& v : x) {
        bool found = false;
        for (const auto& w : y) found = found || compare_scalar(t, w, t, v) == 0;
        if (!found) c.push_back(v);
      }
      out.cells[r] = std::move(c);
    }
    return out;
  }
  return std::nullopt;
}

}  // namespace

Column call_function(const Expr& e, EvalCtx& ctx) {
  const std::string& fn = e.name;
  std::size_t n = ctx.page.rows();
  if (is_aggregate(fn))
    throw QueryError("aggregate function [" + expr_text(e, ctx.query) + "] is only allowed in STATS", e.begin);
  if (fn == "kql") return eval_kql(e, ctx);
  if (fn == "match" || fn == "match_phrase") return eval_match(e, ctx);
  if (fn == "qstr") return eval_qstr(e, ctx);
  if (fn == "multi_match") return eval_multi_match(e, ctx);
  if (fn == "score")
    throw QueryError("[" + fn + "] is a scoring function rulelab does not evaluate (it matches documents; it does not score them)", e.begin, true);
  // Constants.
  if (fn == "now") { need_args(e, 0, 0); Column c; c.type = Type::Date; c.cells.assign(n, {Scalar::of_int(ctx.now_ms)}); return c; }
  if (fn == "pi" || fn == "e" || fn == "tau") {
    need_args(e, 0, 0);
    double v = fn == "pi" ? M_PI : fn == "e" ? M_E : 2 * M_PI;
    Column c; c.type = Type::Double; c.cells.assign(n, {Scalar::of_double(v)}); return c;
  }
  if (fn == "to_ip" && e.args.size() == 2) return to_ip_with_options(e, ctx);
  if (fn == "case") return eval_case(e, ctx);
  Cols a;
  for (const auto& x : e.args) a.push_back(eval(*x, ctx));
  const std::string_view q = ctx.query;
  cast_string_literals(fn, e, a, ctx);

  // ---- conversion
  if (Type to = conversion_target(fn); to != Type::Unsupported) {
    need_args(e, 1, 1);
    Column out;
    out.type = to;
    out.cells.resize(n);
    if (a[0].type == Type::Ip && to != Type::Ip && !is_string(to)) bad_type(e, 0, a[0], "ip or string", q);
    for (std::size_t r = 0; r < n; ++r) out.cells[r] = convert_cell(a[0].cells[r], a[0].type, to, e, ctx.warn);
    return out;
  }

  // ---- string functions
  if (fn == "length" || fn == "bit_length" || fn == "byte_length") {
    need_args(e, 1, 1);
    if (!str_or_null(a[0].type)) bad_type(e, 0, a[0], "string", q);
    return map_rows(e, ctx, a, Type::Integer, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      if (fn == "byte_length") return Scalar::of_int(static_cast<std::int64_t>(v[0]->s.size()));
      if (fn == "bit_length") return Scalar::of_int(static_cast<std::int64_t>(v[0]->s.size() * 8));
      return Scalar::of_int(static_cast<std::int64_t>(code_points(v[0]->s).size()));
    });
  }
  if (fn == "to_upper" || fn == "to_lower") {
    need_args(e, 1, 1);
    if (!str_or_null(a[0].type)) bad_type(e, 0, a[0], "string", q);
    Column out;
    out.type = a[0].type == Type::Null ? Type::Keyword : a[0].type;
    out.cells.resize(n);
    for (std::size_t r = 0; r < n; ++r)
      for (const auto& v : a[0].cells[r]) out.cells[r].push_back(Scalar::of_str(fn == "to_upper" ? upper_full(v.s) : lower_full(v.s)));
    return out;
  }
  if (fn == "concat") {
    if (e.args.size() < 2) throw QueryError("function [concat] needs at least two arguments", e.begin);
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!str_or_null(a[i].type)) bad_type(e, i, a[i], "string", q);
    return map_rows(e, ctx, a, Type::Keyword, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      std::string s;
      for (const auto* x : v) s += x->s;
      return Scalar::of_str(std::move(s));
    });
  }
  if (fn == "substring") {
    need_args(e, 2, 3);
    if (!str_or_null(a[0].type)) bad_type(e, 0, a[0], "string", q);
    for (std::size_t i = 1; i < a.size(); ++i)
      if (!int_or_null(a[i].type)) bad_type(e, i, a[i], "integer", q);
    return map_rows(e, ctx, a, Type::Keyword, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      auto cps = code_points(v[0]->s);
      std::int64_t len = static_cast<std::int64_t>(cps.size());
      std::int64_t start = v[1]->i;
      if (start < 0) start = len + start + 1;
      if (start < 1) start = 1;
      std::int64_t count = v.size() > 2 ? v[2]->i : len;
      if (count < 0) return std::nullopt;
      std::string out;
      for (std::int64_t k = start - 1; k < len && k < start - 1 + count; ++k) out += cps[static_cast<std::size_t>(k)];
      return Scalar::of_str(out);
    });
  }
  if (fn == "left" || fn == "right") {
    need_args(e, 2, 2);
    if (!int_or_null(a[1].type)) bad_type(e, 1, a[1], "integer", q);
    return map_rows(e, ctx, a, Type::Keyword, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      auto cps = code_points(v[0]->s);
      std::int64_t k = std::clamp<std::int64_t>(v[1]->i, 0, static_cast<std::int64_t>(cps.size()));
      std::string out;
      std::size_t from = fn == "left" ? 0 : cps.size() - static_cast<std::size_t>(k);
      for (std::size_t i = from; i < from + static_cast<std::size_t>(k); ++i) out += cps[i];
      return Scalar::of_str(out);
    });
  }
  if (fn == "trim" || fn == "ltrim" || fn == "rtrim") {
    need_args(e, 1, 1);
    if (!str_or_null(a[0].type)) bad_type(e, 0, a[0], "string", q);
    Column out;
    out.type = a[0].type == Type::Null ? Type::Keyword : a[0].type;
    out.cells.resize(n);
    for (std::size_t r = 0; r < n; ++r)
      for (const auto& v : a[0].cells[r]) {
        std::string s = v.s;
        auto ws = [](char c) { return static_cast<unsigned char>(c) <= ' '; };
        if (fn != "rtrim") s.erase(s.begin(), std::find_if_not(s.begin(), s.end(), ws));
        if (fn != "ltrim") s.erase(std::find_if_not(s.rbegin(), s.rend(), ws).base(), s.end());
        out.cells[r].push_back(Scalar::of_str(s));
      }
    return out;
  }
  if (fn == "starts_with" || fn == "ends_with" || fn == "contains") {
    need_args(e, 2, 2);
    for (std::size_t i = 0; i < 2; ++i)
      if (!str_or_null(a[i].type)) bad_type(e, i, a[i], "string", q);
    return map_rows(e, ctx, a, Type::Boolean, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      const std::string& s = v[0]->s;
      const std::string& p = v[1]->s;
      bool r = fn == "starts_with" ? s.starts_with(p) : fn == "ends_with" ? s.ends_with(p) : s.find(p) != std::string::npos;
      return Scalar::of_int(r);
    });
  }
  if (fn == "locate") {
    need_args(e, 2, 3);
    return map_rows(e, ctx, a, Type::Integer, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      auto cps = code_points(v[0]->s);
      std::int64_t start = v.size() > 2 ? v[2]->i : 1;
      std::int64_t len = static_cast<std::int64_t>(cps.size());
      if (start < 0) start = len + start + 1;
      if (start < 1) start = 1;
      std::size_t byte = 0;
      for (std::int64_t k = 0; k < start - 1 && k < len; ++k) byte += cps[static_cast<std::size_t>(k)].size();
      if (start - 1 > len) return Scalar::of_int(0);
      std::size_t pos = v[0]->s.find(v[1]->s, byte);
      if (pos == std::string::npos) return Scalar::of_int(0);
      return Scalar::of_int(static_cast<std::int64_t>(code_points(std::string_view(v[0]->s).substr(0, pos)).size()) + 1);
    });
  }
  if (fn == "replace") {
    need_args(e, 3, 3);
    for (std::size_t i = 0; i < 3; ++i)
      if (!str_or_null(a[i].type)) bad_type(e, i, a[i], "string", q);
    std::map<std::string, std::shared_ptr<RE2>> cache;
    return map_rows(e, ctx, a, Type::Keyword, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      auto& re = cache[v[1]->s];
      if (!re) {
        RE2::Options o;
        o.set_log_errors(false);
        re = std::make_shared<RE2>(v[1]->s, o);
      }
      if (!re->ok()) {
        ctx.warn.failure(e, "java.util.regex.PatternSyntaxException: " + java_pattern_error(*re, v[1]->s));
        return std::nullopt;
      }
      std::string s = v[0]->s;
      // Java replacement syntax: $1 groups; RE2 uses \1.
      std::string rep;
      for (std::size_t i = 0; i < v[2]->s.size(); ++i) {
        char c = v[2]->s[i];
        if (c == '$' && i + 1 < v[2]->s.size() && std::isdigit(static_cast<unsigned char>(v[2]->s[i + 1]))) rep += '\\';
        else if (c == '\\' && i + 1 < v[2]->s.size()) { rep += v[2]->s[++i] == '\\' ? "\\\\" : std::string(1, v[2]->s[i]); continue; }
        else rep += c;
        if (c == '$') continue;
      }
      RE2::GlobalReplace(&s, *re, rep);
      return Scalar::of_str(s);
    });
  }
  if (fn == "split") {
    need_args(e, 2, 2);
    Column out;
    out.type = Type::Keyword;
    out.cells.resize(n);
    for (std::size_t r = 0; r < n; ++r) {
      const Scalar* s = single(a[0].cells[r], e, ctx.warn);
      const Scalar* d = single(a[1].cells[r], e, ctx.warn);
      if (!s || !d) continue;
      std::string_view str = s->s;
      if (d->s.empty()) {
        for (auto cp : code_points(str)) out.cells[r].push_back(Scalar::of_str(std::string(cp)));
        continue;
      }
      std::size_t st = 0;
      while (true) {
        std::size_t p = str.find(d->s, st);
        out.cells[r].push_back(Scalar::of_str(std::string(str.substr(st, p == std::string_view::npos ? std::string_view::npos : p - st))));
        if (p == std::string_view::npos) break;
        st = p + d->s.size();
      }
    }
    return out;
  }
  if (fn == "repeat") {
    need_args(e, 2, 2);
    return map_rows(e, ctx, a, Type::Keyword, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      if (v[1]->i < 0) {
        ctx.warn.failure(e, "java.lang.IllegalArgumentException: Number parameter cannot be negative, found [" + std::to_string(v[1]->i) + "]");
        return std::nullopt;
      }
      if (static_cast<std::uint64_t>(v[1]->i) * v[0]->s.size() > 1048576) {
        ctx.warn.failure(e, "java.lang.IllegalArgumentException: Creating repeated strings with more than [1048576] bytes is not supported");
        return std::nullopt;
      }
      std::string s;
      for (std::int64_t k = 0; k < v[1]->i; ++k) s += v[0]->s;
      return Scalar::of_str(s);
    });
  }
  if (fn == "space") {
    need_args(e, 1, 1);
    return map_rows(e, ctx, a, Type::Keyword, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      if (v[0]->i < 0) {
        ctx.warn.failure(e, "java.lang.IllegalArgumentException: Number parameter cannot be negative, found [" + std::to_string(v[0]->i) + "]");
        return std::nullopt;
      }
      if (v[0]->i > 1048576) {
        ctx.warn.failure(e, "java.lang.IllegalArgumentException: Creating strings longer than [1048576] bytes is not supported");
        return std::nullopt;
      }
      return Scalar::of_str(std::string(static_cast<std::size_t>(v[0]->i), ' '));
    });
  }
  if (fn == "reverse") {
    need_args(e, 1, 1);
    if (a[0].type == Type::Null) { Column c; c.type = Type::Null; c.cells.resize(n); return c; }
    // (keyword, also for a text argument: Reverse's data type)
    Column out = map_rows(e, ctx, a, a[0].type == Type::Text ? Type::Keyword : a[0].type, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      auto gs = graphemes(v[0]->s);
      std::string s;
      for (auto it = gs.rbegin(); it != gs.rend(); ++it) s += *it;
      return Scalar::of_str(s);
    });
    return out;
  }
  if (fn == "url_encode" || fn == "url_encode_component" || fn == "url_decode") {
    // Each value of a multi-value (as Elasticsearch's URL_ENCODE and URL_DECODE take them); a value
    // that does not decode makes the row null with the decoder's error.
    need_args(e, 1, 1);
    if (!str_or_null(a[0].type)) bad_type(e, 0, a[0], "string", q);
    Column out;
    out.type = Type::Keyword;
    out.cells.resize(n);
    if (a[0].type == Type::Null) return out;
    for (std::size_t r = 0; r < n; ++r) {
      Cell c;
      for (const auto& v : a[0].cells[r]) {
        if (fn == "url_decode") {
          std::string err;
          auto d = url_decode(v.s, &err);
          if (!d) {
            ctx.warn.failure(e, err);
            c.clear();
            break;
          }
          c.push_back(Scalar::of_str(std::move(*d)));
        } else {
          c.push_back(Scalar::of_str(url_encode(v.s, fn == "url_encode_component")));
        }
      }
      out.cells[r] = std::move(c);
    }
    return out;
  }
  if (fn == "to_base64" || fn == "from_base64") {
    need_args(e, 1, 1);
    if (!str_or_null(a[0].type)) bad_type(e, 0, a[0], "string", q);
    return map_rows(e, ctx, a, Type::Keyword, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      if (fn == "to_base64") return Scalar::of_str(to_base64(v[0]->s));
      auto d = from_base64(v[0]->s);
      if (!d) {
        ctx.warn.failure(e, "java.lang.IllegalArgumentException: Illegal base64 character");
        return std::nullopt;
      }
      return Scalar::of_str(*d);
    });
  }

  // ---- conditional
  if (fn == "coalesce") {
    if (a.empty()) throw QueryError("function [coalesce] needs at least one argument", e.begin);
    Type t = common_type(e, a, 0, q);
    Column out;
    out.type = t;
    out.cells.resize(n);
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t k = 0; k < a.size(); ++k)
        if (!a[k].cells[r].empty()) {
          out.cells[r] = widen(a[k].cells[r], a[k].type, t);
          break;
        }
    return out;
  }
  if (fn == "greatest" || fn == "least") {
    if (a.empty()) throw QueryError("function [" + fn + "] needs at least one argument", e.begin);
    Type t = common_type(e, a, 0, q);
    Column out;
    out.type = t;
    out.cells.resize(n);
    for (std::size_t r = 0; r < n; ++r) {
      std::optional<Scalar> best;
      bool null = false;
      for (std::size_t k = 0; k < a.size(); ++k) {
        if (a[k].cells[r].empty()) { null = true; break; }
        for (const auto& v : widen(a[k].cells[r], a[k].type, t)) {
          if (!best) best = v;
          else {
            int c = compare_scalar(t, v, t, *best);
            if (fn == "greatest" ? c > 0 : c < 0) best = v;
          }
        }
      }
      if (!null && best) out.cells[r] = {*best};
    }
    return out;
  }

  // CLAMP(field, min, max), CLAMP_MIN(field, min), CLAMP_MAX(field, max) (ES|QL 9.3 conditional
  // functions "CLAMP", "CLAMP_MIN", "CLAMP_MAX"): the value limited to at least min and at most
  // max, in the arguments' common type (integer and long: long; with double: double); null when
  // an argument is.
  if (fn == "clamp" || fn == "clamp_min" || fn == "clamp_max") {
    const std::size_t k = fn == "clamp" ? 3 : 2;
    need_args(e, k, k);
    Type t = common_type(e, a, 0, q);
    return map_rows(e, ctx, a, t, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      auto arg = [&](std::size_t i) { return widen(Cell{*v[i]}, a[i].type, t)[0]; };
      Scalar x = arg(0);
      if (fn != "clamp_max") {
        Scalar lo = arg(1);
        if (compare_scalar(t, x, t, lo) < 0) x = std::move(lo);
      }
      if (fn != "clamp_min") {
        Scalar hi = arg(k - 1);
        if (compare_scalar(t, x, t, hi) > 0) x = std::move(hi);
      }
      return x;
    });
  }

  // ---- math
  if (fn == "abs") {
    need_args(e, 1, 1);
    if (!num_or_null(a[0].type)) bad_type(e, 0, a[0], "numeric", q);
    if (a[0].type == Type::UnsignedLong) return a[0];  // (the field itself, multi-values too: Abs of unsigned_long)
    Type t = a[0].type;
    return map_rows(e, ctx, a, t, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      Scalar s = *v[0];
      if (t == Type::Double) s.d = std::fabs(s.d);
      else if (t != Type::UnsignedLong) {
        if (s.i == INT64_MIN || (t == Type::Integer && s.i == INT32_MIN)) {
          ctx.warn.failure(e, t == Type::Integer ? "java.lang.ArithmeticException: integer overflow" : "java.lang.ArithmeticException: long overflow");
          return std::nullopt;
        }
        s.i = std::llabs(s.i);
      }
      return s;
    });
  }
  if (fn == "ceil" || fn == "floor") {
    need_args(e, 1, 1);
    if (!num_or_null(a[0].type)) bad_type(e, 0, a[0], "numeric", q);
    Type t = a[0].type;
    return map_rows(e, ctx, a, t, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      Scalar s = *v[0];
      if (t == Type::Double) s.d = fn == "ceil" ? std::ceil(s.d) : std::floor(s.d);
      return s;
    });
  }
  if (fn == "round") {
    need_args(e, 1, 2);
    if (!num_or_null(a[0].type)) bad_type(e, 0, a[0], "numeric", q);
    Type t = a[0].type;
    return map_rows(e, ctx, a, t, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      std::int64_t d = v.size() > 1 ? v[1]->i : 0;
      Scalar s = *v[0];
      if (t == Type::Double) {
        if (d >= 0) {
          // Java's Math.round semantics on the scaled value (half up), via a decimal string.
          double f = std::pow(10.0, static_cast<double>(d));
          double x = s.d * f;
          if (std::isfinite(x) && std::fabs(x) < 1e17) s.d = std::round(x) / f;
        } else {
          double f = std::pow(10.0, static_cast<double>(-d));
          s.d = std::round(s.d / f) * f;
        }
      } else if (d < 0) {
        const std::int64_t digits = d < -20 ? 20 : -d;  // (-d itself overflows for the smallest long)
        if (t == Type::UnsignedLong) {
          // Half up; a result above 2^64-1 is null with Elasticsearch's overflow warning.
          if (digits > 19) return Scalar::of_ul(0);
          std::uint64_t uf = 1;
          for (std::int64_t k = 0; k < digits; ++k) uf *= 10;
          std::uint64_t quot = s.u / uf, rem = s.u % uf;
          if (rem >= uf - rem) {
            if (quot + 1 > std::numeric_limits<std::uint64_t>::max() / uf) {
              ctx.warn.failure(e, "java.lang.ArithmeticException: unsigned_long overflow");
              return std::nullopt;
            }
            ++quot;
          }
          s.u = quot * uf;
          return s;
        }
        if (digits >= 19) {
          s.i = 0;
        } else {
          // Half away from zero, computed without overflow; a result beyond the long range is
          // null with Elasticsearch's overflow warning (Math.multiplyExact).
          std::int64_t f = 1;
          for (std::int64_t k = 0; k < digits; ++k) f *= 10;
          std::int64_t quot = s.i / f;
          const std::int64_t rem = s.i % f;
          if (rem >= f - rem && rem > 0) ++quot;
          else if (rem < 0 && -rem >= f + rem) --quot;
          if (quot > std::numeric_limits<std::int64_t>::max() / f || quot < std::numeric_limits<std::int64_t>::min() / f) {
            ctx.warn.failure(e, "java.lang.ArithmeticException: long overflow");
            return std::nullopt;
          }
          s.i = quot * f;
        }
      }
      return s;
    });
  }
  if (fn == "pow") {
    need_args(e, 2, 2);
    for (std::size_t i = 0; i < 2; ++i)
      if (!num_or_null(a[i].type)) bad_type(e, i, a[i], "numeric", q);
    Type t0 = a[0].type, t1 = a[1].type;
    return map_rows(e, ctx, a, Type::Double, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      double r = std::pow(as_double(t0, *v[0]), as_double(t1, *v[1]));
      if (!std::isfinite(r)) {
        ctx.warn.failure(e, "java.lang.ArithmeticException: not a finite double number: " + format_double(r));
        return std::nullopt;
      }
      return Scalar::of_double(r);
    });
  }
  if (fn == "log") {
    need_args(e, 1, 2);
    Type tb = a[0].type, tv = a.back().type;
    return map_rows(e, ctx, a, Type::Double, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      double x = as_double(tv, *v.back());
      if (x <= 0) { ctx.warn.failure(e, "java.lang.ArithmeticException: Log of non-positive number"); return std::nullopt; }
      if (v.size() == 1) return Scalar::of_double(std::log(x));
      double b = as_double(tb, *v[0]);
      if (b <= 0) { ctx.warn.failure(e, "java.lang.ArithmeticException: Log of non-positive number"); return std::nullopt; }
      if (b == 1) { ctx.warn.failure(e, "java.lang.ArithmeticException: Log of base 1"); return std::nullopt; }
      return Scalar::of_double(std::log(x) / std::log(b));
    });
  }
  if (fn == "log10") {
    need_args(e, 1, 1);
    if (!num_or_null(a[0].type)) bad_type(e, 0, a[0], "numeric", q);
    Type t = a[0].type;
    return map_rows(e, ctx, a, Type::Double, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      double x = as_double(t, *v[0]);
      if (x <= 0) { ctx.warn.failure(e, "java.lang.ArithmeticException: Log of non-positive number"); return std::nullopt; }
      return Scalar::of_double(std::log10(x));
    });
  }
  if (fn == "sqrt") {
    need_args(e, 1, 1);
    if (!num_or_null(a[0].type)) bad_type(e, 0, a[0], "numeric", q);
    Type t = a[0].type;
    return map_rows(e, ctx, a, Type::Double, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      double x = as_double(t, *v[0]);
      if (x < 0) { ctx.warn.failure(e, "java.lang.ArithmeticException: Square root of negative"); return std::nullopt; }
      return Scalar::of_double(std::sqrt(x));
    });
  }
  if (fn == "cbrt") { need_args(e, 1, 1); return math1(e, ctx, a, [](double x) { return std::cbrt(x); }); }
  if (fn == "exp") { need_args(e, 1, 1); return math1(e, ctx, a, [](double x) { return std::exp(x); }); }
  if (fn == "sin") { need_args(e, 1, 1); return math1(e, ctx, a, [](double x) { return std::sin(x); }); }
  if (fn == "cos") { need_args(e, 1, 1); return math1(e, ctx, a, [](double x) { return std::cos(x); }); }
  if (fn == "tan") { need_args(e, 1, 1); return math1(e, ctx, a, [](double x) { return std::tan(x); }); }
  if (fn == "sinh") { need_args(e, 1, 1); return math1(e, ctx, a, [](double x) { return std::sinh(x); }); }
  if (fn == "cosh") { need_args(e, 1, 1); return math1(e, ctx, a, [](double x) { return std::cosh(x); }); }
  if (fn == "tanh") { need_args(e, 1, 1); return math1(e, ctx, a, [](double x) { return std::tanh(x); }); }
  if (fn == "asin") { need_args(e, 1, 1); return math1(e, ctx, a, [](double x) { return std::asin(x); }, "java.lang.ArithmeticException: asin argument out of range"); }
  if (fn == "acos") { need_args(e, 1, 1); return math1(e, ctx, a, [](double x) { return std::acos(x); }, "java.lang.ArithmeticException: acos argument out of range"); }
  if (fn == "atan") { need_args(e, 1, 1); return math1(e, ctx, a, [](double x) { return std::atan(x); }); }
  if (fn == "signum") { need_args(e, 1, 1); return math1(e, ctx, a, [](double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : x; }); }
  if (fn == "atan2" || fn == "hypot" || fn == "copy_sign") {
    need_args(e, 2, 2);
    Type t0 = a[0].type, t1 = a[1].type;
    Type out_t = fn == "copy_sign" ? t0 : Type::Double;
    return map_rows(e, ctx, a, out_t, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      double x = as_double(t0, *v[0]), y = as_double(t1, *v[1]);
      if (fn == "atan2") return Scalar::of_double(std::atan2(x, y));
      if (fn == "hypot") return Scalar::of_double(std::hypot(x, y));
      Scalar s = *v[0];
      if (t0 == Type::Double) s.d = std::copysign(x, y);
      else s.i = (y < 0 || (y == 0 && std::signbit(y))) ? -std::llabs(s.i) : std::llabs(s.i);
      return s;
    });
  }

  // String literals where a date is expected are dates.
  if (fn == "date_extract" || fn == "date_format" || fn == "date_diff") {
    for (std::size_t i = fn == "date_diff" ? 1 : (a.size() > 1 ? 1 : 0); i < a.size(); ++i)
      if (is_string(a[i].type) && e.args[i]->kind == ExprKind::Literal) {
        Column c;
        c.type = Type::Date;
        for (const auto& cell : a[i].cells) c.cells.push_back(convert_cell(cell, a[i].type, Type::Date, e, ctx.warn));
        a[i] = std::move(c);
      }
  }
  // ---- BUCKET: a span, or a bucket count over a range (Elasticsearch picks a "human" rounding)
  if (fn == "bucket") {
    need_args(e, 2, 4);
    if (a.size() == 3) throw QueryError("function [bucket] takes a span, or a bucket count with a from and a to", e.begin);
    auto const_of = [&](std::size_t i) -> std::pair<Type, Cell> { return {a[i].type, a[i].cells[0]}; };
    bool is_date = a[0].type == Type::Date;
    if (n == 0) {
      Column c;
      c.type = is_date ? Type::Date : Type::Double;
      return c;
    }
    if (!is_date && !num_or_null(a[0].type)) bad_type(e, 0, a[0], "datetime or numeric", q);
    if (is_date) {
      Type st = Type::TimeDuration;
      Scalar span;
      if (a.size() == 2) {
        auto [t, v] = const_of(1);
        if (v.empty()) throw QueryError("second argument of [" + expr_text(e, q) + "] must be a constant", e.args[1]->begin);
        if (is_string(t)) {
          std::string u = lower(v[0].s);
          std::int64_t qn = std::atoll(u.c_str());
          if (u.find("hour") != std::string::npos || u.find("min") != std::string::npos || u.find("sec") != std::string::npos ||
              u.find("ms") != std::string::npos) {
            st = Type::TimeDuration;
            span.i = qn * (u.find("hour") != std::string::npos ? 3600000 : u.find("min") != std::string::npos ? 60000
                           : u.find("ms") != std::string::npos ? 1 : 1000);
          } else {
            st = Type::DatePeriod;
            if (u.find("day") != std::string::npos) span.j = qn;
            else if (u.find("week") != std::string::npos) span.j = 7 * qn;
            else if (u.find("month") != std::string::npos) span.i = qn;
            else if (u.find("quarter") != std::string::npos) span.i = 3 * qn;
            else span.i = 12 * qn;
          }
        } else if (t == Type::TimeDuration || t == Type::DatePeriod) {
          st = t;
          span = v[0];
        } else bad_type(e, 1, a[1], "date_period or time_duration", q);
      } else {
        auto [bt, bv] = const_of(1);
        auto [ft, fv] = const_of(2);
        auto [tt, tv] = const_of(3);
        if (bv.empty() || fv.empty() || tv.empty()) throw QueryError("arguments of [" + expr_text(e, q) + "] must be constants", e.begin);
        auto to_ms = [&](Type t, const Cell& c) { return is_string(t) ? convert_cell(c, t, Type::Date, e, ctx.warn) : c; };
        Cell f = to_ms(ft, fv), to = to_ms(tt, tv);
        if (f.empty() || to.empty()) throw QueryError("invalid range in [" + expr_text(e, q) + "]", e.begin);
        std::int64_t buckets = bv[0].i, from = f[0].i, until = to[0].i;
        // Candidates from the coarsest: year, month, week, day, 12h, 3h, 1h, 30m, 10m, 5m, 1m, 30s, 10s, 5s, 1s, 100ms, 50ms, 10ms, 1ms.
        struct Cand { Type t; std::int64_t months, days, ms; };
        const Cand cands[] = {{Type::DatePeriod, 12, 0, 0}, {Type::DatePeriod, 1, 0, 0}, {Type::DatePeriod, 0, 7, 0}, {Type::DatePeriod, 0, 1, 0},
                              {Type::TimeDuration, 0, 0, 43200000}, {Type::TimeDuration, 0, 0, 10800000}, {Type::TimeDuration, 0, 0, 3600000},
                              {Type::TimeDuration, 0, 0, 1800000}, {Type::TimeDuration, 0, 0, 600000}, {Type::TimeDuration, 0, 0, 300000},
                              {Type::TimeDuration, 0, 0, 60000}, {Type::TimeDuration, 0, 0, 30000}, {Type::TimeDuration, 0, 0, 10000},
                              {Type::TimeDuration, 0, 0, 5000}, {Type::TimeDuration, 0, 0, 1000}, {Type::TimeDuration, 0, 0, 100},
                              {Type::TimeDuration, 0, 0, 50}, {Type::TimeDuration, 0, 0, 10}, {Type::TimeDuration, 0, 0, 1}};
        st = Type::DatePeriod;
        span.i = 12;
        for (const auto& cd : cands) {
          Scalar sp;
          sp.i = cd.t == Type::TimeDuration ? cd.ms : cd.months;
          sp.j = cd.days;
          std::int64_t count = 0;
          for (std::int64_t t = date_trunc(from, cd.t, sp); t <= until && count <= buckets; ++count)
            t = cd.t == Type::TimeDuration ? t + sp.i : add_months_impl(t, sp.i, sp.j);
          if (count > buckets) break;
          st = cd.t;
          span = sp;
        }
      }
      return map_rows(e, ctx, Cols{a[0]}, Type::Date, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
        return Scalar::of_int(date_trunc(v[0]->i, st, span));
      });
    }
    double width = 0;
    if (a.size() == 2) {
      auto [t, v] = const_of(1);
      if (v.empty() || !is_numeric(t)) bad_type(e, 1, a[1], "numeric", q);
      width = as_double(t, v[0]);
    } else {
      auto [bt, bv] = const_of(1);
      auto [ft, fv] = const_of(2);
      auto [tt, tv] = const_of(3);
      if (bv.empty() || fv.empty() || tv.empty() || !is_numeric(ft) || !is_numeric(tt))
        throw QueryError("arguments of [" + expr_text(e, q) + "] must be numeric constants", e.begin);
      // An unsigned_long constant of the range is read as Elasticsearch holds it in a long: its
      // value minus 2^63 (so BUCKET(ul, 20, 5480608687137202404, 17764691215469285192) spans
      // 5e17, as Elasticsearch answers).
      auto bound = [&](Type t, const Scalar& v) { return t == Type::UnsignedLong ? as_double(t, v) - 9223372036854775808.0 : as_double(t, v); };
      double precise = (bound(tt, tv[0]) - bound(ft, fv[0])) / as_double(bt, bv[0]);
      double next = std::pow(10, std::ceil(std::log10(precise)));
      width = precise < next / 2 ? next / 2 : next;
    }
    Type vt = a[0].type;
    return map_rows(e, ctx, Cols{a[0]}, Type::Double, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      // A span of 0 (given, or a range of 0 or a bucket count of 0) is a division by zero in
      // Elasticsearch: null and its warning.
      if (!(width > 0) || !std::isfinite(width)) {
        ctx.warn.failure(e, "java.lang.ArithmeticException: / by zero");
        return std::nullopt;
      }
      return Scalar::of_double(std::floor(as_double(vt, *v[0]) / width) * width);
    });
  }

  // ---- date and time
  if (fn == "date_trunc") {
    need_args(e, 2, 2);
    if (is_string(a[0].type) && e.args[0]->kind == ExprKind::Literal) {
      std::string u = lower(e.args[0]->value.empty() ? "" : e.args[0]->value[0].s);
      bool dur = u.find("hour") != std::string::npos || u.find("min") != std::string::npos || u.find("sec") != std::string::npos ||
                 u.find("ms") != std::string::npos || u.find("milli") != std::string::npos;
      Column c;
      c.type = dur ? Type::TimeDuration : Type::DatePeriod;
      c.cells.resize(n);
      for (std::size_t r = 0; r < n; ++r) c.cells[r] = convert_cell(a[0].cells[r], a[0].type, Type::Keyword, e, ctx.warn);
      Expr conv = e;
      conv.name = dur ? "to_timeduration" : "to_dateperiod";
      conv.args = {e.args[0]};
      a[0] = call_function(conv, ctx);
    }
    if (is_string(a[1].type) && e.args[1]->kind == ExprKind::Literal) {
      Column c;
      c.type = Type::Date;
      for (const auto& cell : a[1].cells) c.cells.push_back(convert_cell(cell, a[1].type, Type::Date, e, ctx.warn));
      a[1] = std::move(c);
    }
    if (a[0].type != Type::TimeDuration && a[0].type != Type::DatePeriod && a[0].type != Type::Null)
      bad_type(e, 0, a[0], "dateperiod or timeduration", q);
    if (a[1].type != Type::Date && a[1].type != Type::Null) bad_type(e, 1, a[1], "datetime", q);
    Type st = a[0].type;
    return map_rows(e, ctx, a, Type::Date, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      return Scalar::of_int(date_trunc(v[1]->i, st, *v[0]));
    });
  }
  if (fn == "date_diff") {
    need_args(e, 3, 3);
    return map_rows(e, ctx, a, Type::Integer, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      bool ok = true;
      std::int64_t d = date_diff_units(v[0]->s, v[1]->i, v[2]->i, ok);
      if (!ok) {
        ctx.warn.failure(e, "java.lang.IllegalArgumentException: A value of [YEAR, QUARTER, MONTH, DAYOFYEAR, DAY, WEEK, WEEKDAY, HOUR, MINUTE, SECOND, MILLISECOND, MICROSECOND, NANOSECOND] or their aliases is required; received [" + v[0]->s + "]");
        return std::nullopt;
      }
      if (d > INT32_MAX || d < INT32_MIN) {
        ctx.warn.failure(e, "org.elasticsearch.xpack.esql.core.InvalidArgumentException: [" + std::to_string(d) + "] out of [integer] range");
        return std::nullopt;
      }
      return Scalar::of_int(d);
    });
  }
  if (fn == "date_extract") {
    need_args(e, 2, 2);
    return map_rows(e, ctx, a, Type::Long, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      std::string part = upper(v[0]->s);
      std::int64_t t = v[1]->i;
      Civil c = civil(t);
      std::int64_t days = floor_div(t, 86400000);
      std::int64_t r;
      if (part == "YEAR") r = c.y;
      else if (part == "MONTH_OF_YEAR") r = c.mo;
      else if (part == "DAY_OF_MONTH") r = c.d;
      else if (part == "HOUR_OF_DAY") r = c.h;
      else if (part == "MINUTE_OF_HOUR") r = c.mi;
      else if (part == "SECOND_OF_MINUTE") r = c.s;
      else if (part == "MILLI_OF_SECOND") r = c.ms;
      else if (part == "DAY_OF_WEEK") r = ((days % 7) + 7 + 3) % 7 + 1;
      else if (part == "DAY_OF_YEAR") r = days - days_from_civil(c.y, 1, 1) + 1;
      else if (part == "EPOCH_DAY") r = days;
      else if (part == "ALIGNED_WEEK_OF_YEAR") r = (days - days_from_civil(c.y, 1, 1)) / 7 + 1;
      else if (part == "ALIGNED_DAY_OF_WEEK_IN_YEAR") r = (days - days_from_civil(c.y, 1, 1)) % 7 + 1;
      else if (part == "MONTH_OF_YEAR") r = c.mo;
      else if (part == "AMPM_OF_DAY") r = c.h >= 12;
      else if (part == "CLOCK_HOUR_OF_AMPM") r = c.h % 12 == 0 ? 12 : c.h % 12;
      else if (part == "HOUR_OF_AMPM") r = c.h % 12;
      else if (part == "MINUTE_OF_DAY") r = c.h * 60 + c.mi;
      else if (part == "SECOND_OF_DAY") r = c.h * 3600 + c.mi * 60 + c.s;
      else if (part == "MILLI_OF_DAY") r = t - days * 86400000;
      else if (part == "EPOCH_SECOND") r = floor_div(t, 1000);
      else if (part == "PROLEPTIC_MONTH") r = c.y * 12 + c.mo - 1;
      else if (part == "YEAR_OF_ERA") r = c.y > 0 ? c.y : 1 - c.y;
      else if (part == "ERA") r = c.y > 0;
      else if (part == "ALIGNED_WEEK_OF_MONTH") r = (c.d - 1) / 7 + 1;
      else {
        ctx.warn.failure(e, "java.lang.IllegalArgumentException: No enum constant java.time.temporal.ChronoField." + part);
        return std::nullopt;
      }
      return Scalar::of_int(r);
    });
  }
  if (fn == "date_format") {
    need_args(e, 1, 2);
    bool has_fmt = a.size() == 2;
    std::size_t di = has_fmt ? 1 : 0;
    if (a[di].type != Type::Date && a[di].type != Type::Null) bad_type(e, di, a[di], "datetime", q);
    return map_rows(e, ctx, a, Type::Keyword, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      if (!has_fmt) return Scalar::of_str(format_date(v[0]->i));
      return Scalar::of_str(format_pattern(v[0]->s, v[1]->i));
    });
  }
  if (fn == "date_parse") {
    need_args(e, 1, 2);
    bool has_fmt = a.size() == 2;
    return map_rows(e, ctx, a, Type::Date, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      std::optional<std::int64_t> t = has_fmt ? parse_pattern(v[0]->s, v[1]->s) : parse_date(v[0]->s);
      if (!t) {
        ctx.warn.failure(e, "java.lang.IllegalArgumentException: failed to parse date field [" + v[has_fmt ? 1 : 0]->s + "] with format [" +
                                (has_fmt ? v[0]->s : "strict_date_optional_time") + "]");
        return std::nullopt;
      }
      return Scalar::of_int(*t);
    });
  }

  // ---- multi-value
  auto mv_out = [&](Type t, auto&& f) {
    Column out;
    out.type = t;
    out.cells.resize(n);
    for (std::size_t r = 0; r < n; ++r)
      if (!a[0].cells[r].empty()) out.cells[r] = f(a[0].cells[r], r);
    return out;
  };
  if (fn == "mv_count") { need_args(e, 1, 1); return mv_out(Type::Integer, [&](const Cell& c, std::size_t) { return Cell{Scalar::of_int(static_cast<std::int64_t>(c.size()))}; }); }
  if (fn == "mv_first") { need_args(e, 1, 1); return mv_out(a[0].type, [&](const Cell& c, std::size_t) { return Cell{c.front()}; }); }
  if (fn == "mv_last") { need_args(e, 1, 1); return mv_out(a[0].type, [&](const Cell& c, std::size_t) { return Cell{c.back()}; }); }
  if (fn == "mv_min" || fn == "mv_max") {
    need_args(e, 1, 1);
    Type t = a[0].type;
    return mv_out(t, [&](const Cell& c, std::size_t) {
      Cell s = sorted(t, c);
      return Cell{fn == "mv_min" ? s.front() : s.back()};
    });
  }
  if (fn == "mv_dedupe") {
    need_args(e, 1, 1);
    Type t = a[0].type;
    return mv_out(t, [&](const Cell& c, std::size_t) {
      Cell out;
      for (const auto& v : c) {
        bool dup = false;
        for (const auto& o : out) dup = dup || compare_scalar(t, v, t, o) == 0;
        if (!dup) out.push_back(v);
      }
      return out;
    });
  }
  if (fn == "mv_sort") {
    need_args(e, 1, 2);
    bool desc = false;
    if (a.size() == 2 && n > 0 && !a[1].cells[0].empty()) {
      std::string o = upper(a[1].cells[0][0].s);
      if (o != "ASC" && o != "DESC")
        throw QueryError("Invalid order value in [" + expr_text(e, q) + "], expected one of [ASC, DESC] but got [" + a[1].cells[0][0].s + "]", e.args[1]->begin);
      desc = o == "DESC";
    }
    Type t = a[0].type;
    return mv_out(t, [&](const Cell& c, std::size_t) { return sorted(t, c, desc); });
  }
  if (fn == "mv_sum" || fn == "mv_avg" || fn == "mv_median") {
    need_args(e, 1, 1);
    if (!num_or_null(a[0].type)) bad_type(e, 0, a[0], "numeric", q);
    Type t = a[0].type;
    Type out_t = fn == "mv_sum" ? t : Type::Double;
    if (fn == "mv_median") out_t = t;
    Column out;
    out.type = out_t;
    out.cells.resize(n);
    for (std::size_t r = 0; r < n; ++r) {
      const Cell& c = a[0].cells[r];
      if (c.empty()) continue;
      if (fn == "mv_sum") {
        if (auto s = sum_values(t, c, e, ctx.warn)) out.cells[r] = {*s};
      } else if (fn == "mv_avg") {
        double s = 0;
        for (const auto& v : c) s += as_double(t, v);
        out.cells[r] = {Scalar::of_double(s / static_cast<double>(c.size()))};
      } else {
        Cell s = sorted(t, c);
        std::size_t m = s.size();
        if (t == Type::Double) out.cells[r] = {Scalar::of_double(median_of(t, c))};
        else if (m % 2) out.cells[r] = {s[m / 2]};
        else if (t == Type::UnsignedLong) out.cells[r] = {Scalar::of_ul(s[m / 2 - 1].u / 2 + s[m / 2].u / 2 + (s[m / 2 - 1].u % 2 + s[m / 2].u % 2) / 2)};
        else {
          std::int64_t x = s[m / 2 - 1].i, y = s[m / 2].i;
          std::int64_t avg = floor_div(x, 2) + floor_div(y, 2) + ((x - floor_div(x, 2) * 2) + (y - floor_div(y, 2) * 2)) / 2;
          out.cells[r] = {Scalar::of_int(avg)};
        }
      }
    }
    return out;
  }
  if (fn == "mv_concat") {
    need_args(e, 2, 2);
    Column out;
    out.type = Type::Keyword;
    out.cells.resize(n);
    for (std::size_t r = 0; r < n; ++r) {
      const Scalar* d = single(a[1].cells[r], e, ctx.warn);
      if (a[0].cells[r].empty() || !d) continue;
      std::string s;
      for (std::size_t k = 0; k < a[0].cells[r].size(); ++k) s += (k ? d->s : "") + a[0].cells[r][k].s;
      out.cells[r] = {Scalar::of_str(s)};
    }
    return out;
  }
  if (fn == "mv_slice") {
    need_args(e, 2, 3);
    for (std::size_t i = 1; i < a.size(); ++i)
      if (!int_or_null(a[i].type)) bad_type(e, i, a[i], "integer", q);
    Column out;
    out.type = a[0].type;
    out.cells.resize(n);
    for (std::size_t r = 0; r < n; ++r) {
      const Cell& c = a[0].cells[r];
      const Scalar* s = single(a[1].cells[r], e, ctx.warn);
      const Scalar* en = a.size() > 2 ? single(a[2].cells[r], e, ctx.warn) : s;
      if (c.empty() || !s || !en) continue;
      std::int64_t len = static_cast<std::int64_t>(c.size());
      std::int64_t st = s->i < 0 ? len + s->i : s->i, ed = en->i < 0 ? len + en->i : en->i;
      if ((s->i < 0) != (en->i < 0) || st > ed) {
        ctx.warn.failure(e, "org.elasticsearch.xpack.esql.core.InvalidArgumentException: Start offset is greater than end offset");
        continue;
      }
      st = std::max<std::int64_t>(st, 0);
      for (std::int64_t k = st; k <= ed && k < len; ++k) out.cells[r].push_back(c[static_cast<std::size_t>(k)]);
    }
    return out;
  }
  if (fn == "mv_append") {
    need_args(e, 2, 2);
    Type t = common_type(e, a, 0, q);
    Column out;
    out.type = t;
    out.cells.resize(n);
    for (std::size_t r = 0; r < n; ++r) {
      if (a[0].cells[r].empty() || a[1].cells[r].empty()) continue;
      Cell c = widen(a[0].cells[r], a[0].type, t);
      for (const auto& v : widen(a[1].cells[r], a[1].type, t)) c.push_back(v);
      out.cells[r] = c;
    }
    return out;
  }
  if (fn == "mv_zip") {
    need_args(e, 2, 3);
    Column out;
    out.type = Type::Keyword;
    out.cells.resize(n);
    for (std::size_t r = 0; r < n; ++r) {
      const Cell& x = a[0].cells[r];
      const Cell& y = a[1].cells[r];
      std::string d = ",";
      if (a.size() > 2) {
        if (a[2].cells[r].empty()) continue;
        d = a[2].cells[r][0].s;
      }
      if (x.empty() && y.empty()) continue;
      for (std::size_t k = 0; k < std::max(x.size(), y.size()); ++k) {
        std::string s;
        if (k < x.size()) s += x[k].s;
        if (k < x.size() && k < y.size()) s += d;
        if (k < y.size()) s += y[k].s;
        out.cells[r].push_back(Scalar::of_str(s));
      }
    }
    return out;
  }
  // Set functions ("ES|QL multivalue functions": MV_INTERSECTION, MV_INTERSECTS, MV_UNION). Values
  // keep the first input's order, then the second's, each once.
  if (fn == "mv_intersection" || fn == "mv_union" || fn == "mv_intersects") {
    need_args(e, 2, 2);
    Type t = common_type(e, a, 0, q);
    Column out;
    out.type = fn == "mv_intersects" ? Type::Boolean : t == Type::Text ? Type::Keyword : t;
    out.cells.resize(n);
    auto has = [&](const Cell& c, const Scalar& v) {
      for (const auto& w : c)
        if (compare_scalar(t, w, t, v) == 0) return true;
      return false;
    };
    for (std::size_t r = 0; r < n; ++r) {
      Cell x = widen(a[0].cells[r], a[0].type, t);
      Cell y = widen(a[1].cells[r], a[1].type, t);
      Cell c;
      if (fn == "mv_intersects") {
        bool any = false;
        for (const auto& v : y) any = any || has(x, v);
        out.cells[r] = {Scalar::of_int(any)};
        continue;
      }
      if (fn == "mv_intersection") {
        if (x.empty() || y.empty()) continue;
        for (const auto& v : x)
          if (has(y, v) && !has(c, v)) c.push_back(v);
      } else {
        for (const auto& v : x)
          if (!has(c, v)) c.push_back(v);
        for (const auto& v : y)
          if (!has(c, v)) c.push_back(v);
      }
      out.cells[r] = std::move(c);  // no common value: null
    }
    return out;
  }
  // Spatial ("ES|QL spatial functions"): ST_X / ST_Y, the x (longitude) and y (latitude) of a point.
  if (fn == "st_x" || fn == "st_y") {
    need_args(e, 1, 1);
    if (a[0].type != Type::GeoPoint && a[0].type != Type::Null) bad_type(e, 0, a[0], "geo_point or cartesian_point", q);
    return map_rows(e, ctx, a, Type::Double, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      auto xy = parse_wkt_point(v[0]->s);
      if (!xy) return std::nullopt;
      return Scalar::of_double(fn == "st_x" ? xy->first : xy->second);
    });
  }
  // ST_DISTANCE of two geo_points: the great-circle (haversine) distance in meters, with the Earth's
  // mean radius 6371008.7714 m as Elasticsearch's GeoUtils uses it.
  if (fn == "st_distance") {
    need_args(e, 2, 2);
    for (std::size_t k = 0; k < 2; ++k)
      if (a[k].type != Type::GeoPoint && a[k].type != Type::Null) bad_type(e, k, a[k], "geo_point or cartesian_point", q);
    return map_rows(e, ctx, a, Type::Double, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      auto p1 = parse_wkt_point(v[0]->s);
      auto p2 = parse_wkt_point(v[1]->s);
      if (!p1 || !p2) return std::nullopt;
      const double rad = M_PI / 180.0;
      double la1 = p1->second * rad, la2 = p2->second * rad;
      double dlat = la2 - la1, dlon = (p2->first - p1->first) * rad;
      double h = std::sin(dlat / 2) * std::sin(dlat / 2) + std::cos(la1) * std::cos(la2) * std::sin(dlon / 2) * std::sin(dlon / 2);
      return Scalar::of_double(2 * 6371008.7714 * std::asin(std::min(1.0, std::sqrt(h))));
    });
  }
  // JSON_EXTRACT(string, path) ("ES|QL string functions"): a JSONPath subset (dot and bracket
  // notation, optional `$`, array indices); strings unquoted, numbers and booleans as text, objects
  // and arrays as JSON; null for a JSON null; null with a warning when the input is not JSON, the
  // path is malformed or leads nowhere.
  if (fn == "json_extract") {
    need_args(e, 2, 2);
    if (!str_or_null(a[0].type) && a[0].type != Type::Source) bad_type(e, 0, a[0], "_source or string", q);
    if (!str_or_null(a[1].type)) bad_type(e, 1, a[1], "string", q);
    return map_rows(e, ctx, a, Type::Keyword, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      std::string err;
      auto r = json_extract(v[0]->s, v[1]->s, err);
      if (!err.empty()) {
        ctx.warn.failure(e, "java.lang.IllegalArgumentException: " + err);
        return std::nullopt;
      }
      if (!r) return std::nullopt;
      return Scalar::of_str(*r);
    });
  }
  if (fn == "mv_contains") {
    need_args(e, 2, 2);
    Column out;
    out.type = Type::Boolean;
    out.cells.resize(n);
    for (std::size_t r = 0; r < n; ++r) {
      const Cell& x = a[0].cells[r];
      const Cell& y = a[1].cells[r];
      if (y.empty()) { out.cells[r] = {Scalar::of_int(1)}; continue; }
      bool all = true;
      for (const auto& v : y) {
        bool f = false;
        for (const auto& w : x) f = f || compare_scalar(a[0].type, w, a[1].type, v) == 0;
        all = all && f;
      }
      out.cells[r] = {Scalar::of_int(all)};
    }
    return out;
  }

  if (fn == "mv_like" || fn == "mv_rlike") {
    need_args(e, 2, 2);
    if (!str_or_null(a[0].type)) bad_type(e, 0, a[0], "string", q);
    // The pattern is a constant: a literal or an expression of literals (folded: CONCAT("A", "*")).
    if (!is_constant(*e.args[1]) || !str_or_null(a[1].type))
      throw QueryError("second argument of [" + expr_text(e, q) + "] must be a constant string pattern", e.args[1]->begin);
    Column out;
    out.type = Type::Boolean;
    out.cells.resize(n);
    if (n == 0 || a[1].cells[0].empty()) return out;  // (a null pattern: null)
    RE2::Options o;
    o.set_log_errors(false);
    o.set_dot_nl(true);
    const std::string pat = a[1].cells[0][0].s;
    RE2 re(fn == "mv_like" ? like_to_re2(pat) : rlike_to_re2(pat, e.args[1]->begin), o);
    if (!re.ok()) throw QueryError("invalid pattern [" + pat + "]: " + re.error(), e.args[1]->begin);
    for (std::size_t r = 0; r < n; ++r) {
      // a null field matches nothing: false, not null (MV_LIKE's null handling)
      bool m = false;
      for (const auto& v : a[0].cells[r]) m = m || RE2::FullMatch(v.s, re);
      out.cells[r] = {Scalar::of_int(m)};
    }
    return out;
  }
  if (fn == "round_to") {
    if (a.size() < 2) throw QueryError("function [round_to] needs a value and at least one point", e.begin);
    Type t = common_type(e, a, 0, q);  // the value and the points in their widest type
    a[0].cells = [&] {
      std::vector<Cell> w;
      for (const auto& c : a[0].cells) w.push_back(widen(c, a[0].type, t));
      return w;
    }();
    a[0].type = t;
    Column out;
    out.type = t;
    out.cells.resize(n);
    for (std::size_t r = 0; r < n; ++r) {
      const Scalar* v = single(a[0].cells[r], e, ctx.warn);
      if (!v) continue;
      std::optional<Scalar> best, lowest;
      for (std::size_t k = 1; k < a.size(); ++k)
        for (const auto& p : widen(a[k].cells[r], a[k].type, t)) {
          if (!lowest || compare_scalar(t, p, t, *lowest) < 0) lowest = p;
          if (compare_scalar(t, p, t, *v) <= 0 && (!best || compare_scalar(t, p, t, *best) > 0)) best = p;
        }
      if (best) out.cells[r] = {*best};
      else if (lowest) out.cells[r] = {*lowest};
    }
    return out;
  }

  // ---- IP
  if (fn == "cidr_match") {
    if (a.size() < 2) throw QueryError("function [cidr_match] needs an ip and at least one CIDR block", e.begin);
    if (a[0].type != Type::Ip && a[0].type != Type::Null) bad_type(e, 0, a[0], "ip", q);
    Column out;
    out.type = Type::Boolean;
    out.cells.resize(n);
    for (std::size_t r = 0; r < n; ++r) {
      const Scalar* ip = single(a[0].cells[r], e, ctx.warn);
      if (!ip) continue;
      bool m = false, failed = false;
      for (std::size_t k = 1; k < a.size() && !m && !failed; ++k)
        for (const auto& blk : a[k].cells[r]) {
          std::string error;
          const auto in = cidr_contains(ip->s, blk.s, error);
          if (!in) {  // the evaluation fails: null, with a warning
            ctx.warn.failure(e, error);
            failed = true;
            break;
          }
          if ((m = *in)) break;
        }
      if (!failed) out.cells[r] = {Scalar::of_int(m)};
    }
    return out;
  }
  if (fn == "ip_prefix") {
    need_args(e, 3, 3);
    return map_rows(e, ctx, a, Type::Ip, [&](const auto& v, std::size_t) -> std::optional<Scalar> {
      std::string ip = v[0]->s;
      bool v4 = true;
      for (int i = 0; i < 10; ++i) v4 = v4 && ip[i] == 0;
      v4 = v4 && static_cast<unsigned char>(ip[10]) == 0xff && static_cast<unsigned char>(ip[11]) == 0xff;
      // Both lengths are checked, whatever the address (IpPrefix: v4 first).
      if (v[1]->i < 0 || v[1]->i > 32) {
        ctx.warn.failure(e, "java.lang.IllegalArgumentException: Prefix length v4 must be in range [0, 32], found " + std::to_string(v[1]->i));
        return std::nullopt;
      }
      if (v[2]->i < 0 || v[2]->i > 128) {
        ctx.warn.failure(e, "java.lang.IllegalArgumentException: Prefix length v6 must be in range [0, 128], found " + std::to_string(v[2]->i));
        return std::nullopt;
      }
      std::int64_t len = v4 ? v[1]->i : v[2]->i;
      std::int64_t keep = v4 ? 96 + len : len;
      for (int k = static_cast<int>(keep); k < 128; ++k) ip[k / 8] = static_cast<char>(static_cast<unsigned char>(ip[k / 8]) & ~(1u << (7 - k % 8)));
      return Scalar::of_str(ip);
    });
  }

  if (auto c = call_function_more(fn, e, ctx, a)) return std::move(*c);
  throw QueryError("Unknown function [" + fn + "]", e.begin, true);
}

}  // namespace rulelab::esql
