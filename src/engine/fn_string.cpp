// String functions (learn.microsoft.com/kusto/query/<name>-function): strlen, substring, indexof,
// split, extract, extract_all, replace_string, replace_regex, trim*, tolower, toupper, strcat,
// strcat_delim, countof, reverse, strrep, url_decode/encode, base64, strcmp, regex_quote, isascii,
// isutf8, format_bytes, replace_strings, has_any_index, base64_encode_fromguid, base64_decode_toguid,
// parse_xml, extract_json, tohex, parse_urlquery, base64_decode_toarray, translate, parse_command_line,
// isnull, isnotnull, and the aliases notnull, extractjson, array_strcat, dynamic_to_json, indexof_regex, make_string.
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>

#include "core/unicode_case.hpp"
#include "core/utf8.hpp"
#include "engine/functions.hpp"
#include "engine/regex.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;

std::string S(const Value& v) { return to_kusto_string(v); }
Value dyn_array_of(const std::vector<std::string>& items) {
  std::string b;
  DynWriter w(b);
  w.begin_array();
  for (auto& s : items) w.string(s);
  w.end();
  return Value::of_dynamic(std::move(b));
}

// Number of UTF-8 code points.
std::int64_t utf8_len(std::string_view s) {
  std::int64_t n = 0;
  for (unsigned char c : s) if ((c & 0xC0) != 0x80) ++n;
  return n;
}
// Byte offset of code point k (clamped to size).
std::size_t utf8_offset(std::string_view s, std::int64_t k) {
  std::size_t i = 0;
  std::int64_t n = 0;
  while (i < s.size()) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (n == k) return i;
      ++n;
    }
    ++i;
  }
  return s.size();
}

Value f_strlen(const CallArgs& a) { return Value::of_long(utf8_len(S(a[0]))); }

Value f_substring(const CallArgs& a) {
  const std::string s = S(a[0]);
  bool ok;
  double st = number_of(a[1], ok);
  if (!ok) return Value::of_string("");
  const std::int64_t len = utf8_len(s);
  std::int64_t start = static_cast<std::int64_t>(st);
  if (start < 0) start = std::max<std::int64_t>(0, len + start);
  if (start > len) return Value::of_string("");
  std::int64_t count = len - start;
  if (a.size() > 2 && !a[2].is_null()) {
    double c = number_of(a[2], ok);
    if (ok) count = std::clamp<std::int64_t>(static_cast<std::int64_t>(c), 0, len - start);
  }
  const std::size_t b = utf8_offset(s, start), e = utf8_offset(s, start + count);
  return Value::of_string(s.substr(b, e - b));
}

Value f_indexof(const CallArgs& a) {
  if (a[0].is_null() || a[1].is_null()) return Value::null_of(Type::Long);
  const std::string s = S(a[0]), f = S(a[1]);
  std::int64_t start = 0;
  bool ok = true;
  if (a.size() > 2) { start = static_cast<std::int64_t>(number_of(a[2], ok)); if (!ok) return Value::null_of(Type::Long); }
  const std::int64_t len = utf8_len(s);
  if (start < 0) start = std::max<std::int64_t>(0, len + start);
  if (start > len) return Value::of_long(-1);
  std::int64_t limit = len;
  if (a.size() > 3 && !a[3].is_null()) { std::int64_t l = static_cast<std::int64_t>(number_of(a[3], ok)); if (l >= 0) limit = std::min(len, start + l + 1); }
  std::int64_t occurrence = 1;
  if (a.size() > 4 && !a[4].is_null()) occurrence = static_cast<std::int64_t>(number_of(a[4], ok));
  std::size_t pos = utf8_offset(s, start);
  const std::size_t end = utf8_offset(s, limit);
  for (std::int64_t k = 0; k < occurrence; ++k) {
    std::size_t p = s.find(f, pos);
    if (p == std::string::npos || p + f.size() > end) return Value::of_long(-1);
    if (k + 1 == occurrence) return Value::of_long(utf8_len(std::string_view(s).substr(0, p)));
    pos = p + 1;
  }
  return Value::of_long(-1);
}

// split(source, delimiter [, index]) (learn.microsoft.com/kusto/query/split-function)
Value f_split(const CallArgs& a) {
  const std::string s = S(a[0]), d = S(a[1]);
  std::vector<std::string> parts;
  if (d.empty()) parts.push_back(s);
  else {
    std::size_t p = 0;
    while (true) {
      std::size_t q = s.find(d, p);
      if (q == std::string::npos) { parts.push_back(s.substr(p)); break; }
      parts.push_back(s.substr(p, q - p));
      p = q + d.size();
    }
  }
  if (a.size() > 2) {
    bool ok;
    double idx = number_of(a[2], ok);
    if (!ok) return Value::null_of(Type::Dynamic);
    auto i = static_cast<std::int64_t>(idx);
    if (i < 0 || i >= static_cast<std::int64_t>(parts.size())) return dyn_array_of({});
    return dyn_array_of({parts[static_cast<std::size_t>(i)]});
  }
  return dyn_array_of(parts);
}

const RegexState* regex_of(const CallArgs& a, std::size_t k, std::unique_ptr<RegexState>& tmp) {
  if (auto* st = dynamic_cast<const RegexState*>(a.state)) return st;
  tmp = std::make_unique<RegexState>(S(a[k]));
  fail_if_too_large(*tmp, a);
  return tmp->ok() ? tmp.get() : nullptr;
}

std::shared_ptr<FnState> prep_regex0(const std::vector<const Value*>& c, std::string& err) {
  if (c.empty() || !c[0]) return nullptr;
  auto st = std::make_shared<RegexState>(to_kusto_string(*c[0]));
  if (!st->ok()) { err = "invalid regular expression: " + st->error(); return nullptr; }
  return st;
}
std::shared_ptr<FnState> prep_regex1(const std::vector<const Value*>& c, std::string& err) {
  if (c.size() < 2 || !c[1]) return nullptr;
  auto st = std::make_shared<RegexState>(to_kusto_string(*c[1]));
  if (!st->ok()) { err = "invalid regular expression: " + st->error(); return nullptr; }
  return st;
}

// extract(regex, captureGroup, source [, typeLiteral]) (learn.microsoft.com/kusto/query/extract-function):
// no match -> empty string (null of the requested type).
Value f_extract(const CallArgs& a) {
  std::unique_ptr<RegexState> tmp;
  const RegexState* re = regex_of(a, 0, tmp);
  if (!re) return Value::of_string("");
  bool ok;
  auto g = static_cast<std::int64_t>(number_of(a[1], ok));
  const std::string s = S(a[2]);
  std::vector<std::string_view> groups;
  if (!ok || g < 0 || g > re->groups() || !re->match(s, groups)) return Value::of_string("");
  return Value::of_string(std::string(groups[static_cast<std::size_t>(g)]));
}
Type extract_rule(const std::vector<Type>& t, std::string&) { return t.size() > 3 ? t[3] : Type::String; }

// extract_all(regex, [captureGroups,] source) (learn.microsoft.com/kusto/query/extract-all-function)
Value f_extract_all(const CallArgs& a) {
  std::unique_ptr<RegexState> tmp;
  const RegexState* re = regex_of(a, 0, tmp);
  if (!re) return Value::null_of(Type::Dynamic);
  const std::string s = S(a[a.size() - 1]);
  // captureGroups: group numbers (1..n) or names of named groups; one group gives a flat array.
  const int ng = re->groups();
  std::vector<std::int64_t> wanted;
  if (a.size() == 3 && a[1].type == Type::Dynamic) {
    const auto& names = re->re().NamedCapturingGroups();
    a[1].dyn().for_each_element([&](DynRef e) {
      if (e.kind() == DynKind::Int) wanted.push_back(e.as_int());
      else if (e.is_string()) {
        auto it = names.find(std::string(e.as_string()));
        wanted.push_back(it == names.end() ? -1 : it->second);
      }
    });
    for (auto k : wanted)
      if (k < 1 || k > ng) return Value::null_of(Type::Dynamic);
  }
  std::string b;
  DynWriter w(b);
  w.begin_array();
  std::size_t pos = 0, count = 0;
  std::vector<std::string_view> groups;
  while (pos <= s.size() && re->match(s, groups, pos)) {
    ++count;
    if (wanted.size() == 1) {
      w.string(groups[static_cast<std::size_t>(wanted[0])]);
    } else if (!wanted.empty()) {
      w.begin_array();
      for (auto k : wanted) w.string(k >= 0 && k <= ng ? groups[static_cast<std::size_t>(k)] : std::string_view());
      w.end();
    } else if (ng <= 1) {
      w.string(groups[ng == 1 ? 1 : 0]);
    } else {
      w.begin_array();
      for (int k = 1; k <= ng; ++k) w.string(groups[static_cast<std::size_t>(k)]);
      w.end();
    }
    const std::size_t end = static_cast<std::size_t>(groups[0].data() - s.data()) + groups[0].size();
    pos = groups[0].empty() ? end + 1 : end;
  }
  w.end();
  if (count == 0) return Value::null_of(Type::Dynamic);
  return Value::of_dynamic(std::move(b));
}

Value f_replace_string(const CallArgs& a) {
  std::string s = S(a[0]);
  const std::string f = S(a[1]), r = S(a[2]);
  if (f.empty()) return Value::of_string(s);
  std::string out;
  std::size_t p = 0;
  while (true) {
    std::size_t q = s.find(f, p);
    if (q == std::string::npos) { out.append(s, p); break; }
    out.append(s, p, q - p);
    out += r;
    p = q + f.size();
  }
  return Value::of_string(out);
}

// replace_regex(source, lookup_regex, rewrite_pattern): \1..\9 refer to groups.
Value f_replace_regex(const CallArgs& a) {
  std::unique_ptr<RegexState> tmp;
  const RegexState* re = regex_of(a, 1, tmp);
  std::string s = S(a[0]);
  if (!re) return Value::of_string(s);
  RE2::GlobalReplace(&s, re->re(), S(a[2]));
  return Value::of_string(s);
}

struct TrimState : FnState {
  std::unique_ptr<RegexState> lead, trail;
  // A pattern without regex metacharacters (the common trim(@'"', s)): removed as a string, with
  // the regexes' answer: ^(?:p)+ strips p from the start as often as it is there, and the leftmost
  // (?:p)+$ starts where the run of p's ending the string starts.
  std::optional<std::string> literal;
};
std::unique_ptr<TrimState> make_trim(const std::string& p) {
  auto st = std::make_unique<TrimState>();
  if (!p.empty() && p.find_first_of("\\^$.|?*+()[]{}") == std::string::npos) st->literal = p;
  st->lead = std::make_unique<RegexState>("^(?:" + p + ")+");
  st->trail = std::make_unique<RegexState>("(?:" + p + ")+$");
  return st;
}
std::shared_ptr<FnState> prep_trim(const std::vector<const Value*>& c, std::string& err) {
  if (c.empty() || !c[0]) return nullptr;
  auto st = make_trim(to_kusto_string(*c[0]));
  if (!st->lead->ok()) { err = "invalid regular expression: " + st->lead->error(); return nullptr; }
  return std::shared_ptr<FnState>(std::move(st));
}
// trim(regex, source) (learn.microsoft.com/kusto/query/trim-function): removes leading and trailing matches.
Value trim_impl(const CallArgs& a, bool lead, bool trail) {
  std::unique_ptr<TrimState> tmp;
  const TrimState* st = dynamic_cast<const TrimState*>(a.state);
  if (!st) {
    tmp = make_trim(S(a[0]));
    st = tmp.get();
    fail_if_too_large(*st->lead, a);
    fail_if_too_large(*st->trail, a);
    if (!st->lead->ok()) return Value::of_string(S(a[1]));
  }
  std::string s = S(a[1]);
  if (st->literal) {
    const std::string_view lit = *st->literal;
    std::string_view v = s;
    if (lead)
      while (v.size() >= lit.size() && v.substr(0, lit.size()) == lit) v.remove_prefix(lit.size());
    if (trail)
      while (v.size() >= lit.size() && v.substr(v.size() - lit.size()) == lit) v.remove_suffix(lit.size());
    return Value::of_string(std::string(v));
  }
  std::vector<std::string_view> g;
  if (lead && st->lead->match(s, g) && g[0].data() == s.data()) s.erase(0, g[0].size());
  if (trail && !s.empty()) {
    // the trailing match must end at the end of the string; search for the leftmost such match
    for (std::size_t p = 0; p < s.size(); ++p) {
      if (st->trail->match(s, g, p)) {
        std::size_t b = static_cast<std::size_t>(g[0].data() - s.data());
        if (b + g[0].size() == s.size()) { s.erase(b); break; }
        p = b;
      } else break;
    }
  }
  return Value::of_string(s);
}
Value f_trim(const CallArgs& a) { return trim_impl(a, true, true); }
Value f_trim_start(const CallArgs& a) { return trim_impl(a, true, false); }
Value f_trim_end(const CallArgs& a) { return trim_impl(a, false, true); }

// .NET's ToLowerInvariant / ToUpperInvariant: every script, not only ASCII (the string operators
// page: case-insensitive operators fold ASCII only, "for non-ASCII comparison, use tolower()").
Value f_tolower(const CallArgs& a) { return Value::of_string(lower_simple(S(a[0]))); }
Value f_toupper(const CallArgs& a) { return Value::of_string(upper_simple(S(a[0]))); }
Value f_strcat(const CallArgs& a) {
  std::string o;
  for (std::size_t i = 0; i < a.size(); ++i) o += S(a[i]);
  return Value::of_string(o);
}
Value f_strcat_delim(const CallArgs& a) {
  std::string o;
  const std::string d = S(a[0]);
  for (std::size_t i = 1; i < a.size(); ++i) { if (i > 1) o += d; o += S(a[i]); }
  return Value::of_string(o);
}
Value f_strcat_array(const CallArgs& a) {
  std::string o;
  const std::string d = S(a[1]);
  bool first = true;
  a[0].dyn().for_each_element([&](DynRef e) {
    if (!first) o += d;
    first = false;
    o += to_kusto_string(Value::of_dynamic(e));
  });
  return Value::of_string(o);
}
// countof(source, search [, kind]) (learn.microsoft.com/kusto/query/countof-function):
// "normal" counts overlapping occurrences; "regex" counts matches.
Value f_countof(const CallArgs& a) {
  const std::string s = S(a[0]), f = S(a[1]);
  const bool regex = a.size() > 2 && S(a[2]) == "regex";
  std::int64_t n = 0;
  if (regex) {
    RegexState re(f);
    fail_if_too_large(re, a);
    std::vector<std::string_view> g;
    std::size_t pos = 0;
    while (pos <= s.size() && re.match(s, g, pos)) {
      ++n;
      std::size_t end = static_cast<std::size_t>(g[0].data() - s.data()) + g[0].size();
      pos = g[0].empty() ? end + 1 : end;
    }
    return Value::of_long(n);
  }
  if (f.empty()) return Value::of_long(0);
  for (std::size_t p = s.find(f); p != std::string::npos; p = s.find(f, p + 1)) ++n;
  return Value::of_long(n);
}
Value f_reverse(const CallArgs& a) { std::string s = S(a[0]); std::reverse(s.begin(), s.end()); return Value::of_string(s); }
Value f_strrep(const CallArgs& a) {
  const std::string s = S(a[0]);
  bool ok;
  auto n = static_cast<std::int64_t>(number_of(a[1], ok));
  const std::string d = a.size() > 2 ? S(a[2]) : "";
  std::string o;
  for (std::int64_t i = 0; ok && i < n && i < 100000; ++i) { if (i) o += d; o += s; }
  return Value::of_string(o);
}
Value f_isempty(const CallArgs& a) { return Value::of_bool(a[0].is_null() || (a[0].type != Type::Dynamic ? S(a[0]).empty() : (a[0].dyn().is_string() && a[0].dyn().as_string().empty()))); }
Value f_isnotempty(const CallArgs& a) { Value v = f_isempty(a); v.i = !v.i; return v; }
Value f_string_size(const CallArgs& a) { return Value::of_long(static_cast<std::int64_t>(S(a[0]).size())); }

Value f_url_decode(const CallArgs& a) {
  const std::string s = S(a[0]);
  std::string o;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_digit_value(s[i + 1]) >= 0 && hex_digit_value(s[i + 2]) >= 0) {
      o.push_back(static_cast<char>(hex_digit_value(s[i + 1]) * 16 + hex_digit_value(s[i + 2])));
      i += 2;
    } else if (s[i] == '+') o.push_back(' ');
    else o.push_back(s[i]);
  }
  return Value::of_string(o);
}
// url_encode: a space is '+'; url_encode_component: "%20" (url-encode-component-function).
std::string url_enc(const std::string& s, bool plus);
Value f_url_encode(const CallArgs& a) { return Value::of_string(url_enc(S(a[0]), true)); }
Value f_url_encode_component(const CallArgs& a) { return Value::of_string(url_enc(S(a[0]), false)); }
std::string url_enc(const std::string& s, bool plus) {
  // url-encode-function: "https://www.bing.com/hello world" -> "https%3a%2f%2fwww.bing.com%2fhello+world"
  // (lower-case hex, '+' for a space, as .NET's HttpUtility.UrlEncode).
  static const char* hex = "0123456789abcdef";
  std::string o;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '!' ||
        c == '*' || c == '(' || c == ')') o.push_back(static_cast<char>(c));
    else if (c == ' ' && plus) o.push_back('+');
    else { o.push_back('%'); o.push_back(hex[c >> 4]); o.push_back(hex[c & 15]); }
  }
  return o;
}
const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
Value f_base64_encode(const CallArgs& a) {
  const std::string s = S(a[0]);
  std::string o;
  std::size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(s[i]) << 16 | static_cast<unsigned char>(s[i + 1]) << 8 | static_cast<unsigned char>(s[i + 2]);
    o += kB64[v >> 18 & 63]; o += kB64[v >> 12 & 63]; o += kB64[v >> 6 & 63]; o += kB64[v & 63];
  }
  if (i + 1 == s.size()) {
    unsigned v = static_cast<unsigned char>(s[i]) << 16;
    o += kB64[v >> 18 & 63]; o += kB64[v >> 12 & 63]; o += "==";
  } else if (i + 2 == s.size()) {
    unsigned v = static_cast<unsigned char>(s[i]) << 16 | static_cast<unsigned char>(s[i + 1]) << 8;
    o += kB64[v >> 18 & 63]; o += kB64[v >> 12 & 63]; o += kB64[v >> 6 & 63]; o += '=';
  }
  return Value::of_string(o);
}
Value f_base64_decode(const CallArgs& a) {
  const std::string s = S(a[0]);
  std::string o;
  unsigned acc = 0;
  int bits = 0;
  for (char c : s) {
    if (c == '=') break;
    const char* p = std::strchr(kB64, c);
    int v = (c == '-') ? 62 : (c == '_') ? 63 : (p && c ? static_cast<int>(p - kB64) : -1);
    if (v < 0) return Value::of_string("");
    acc = acc << 6 | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) { bits -= 8; o.push_back(static_cast<char>(acc >> bits & 0xFF)); }
  }
  // base64-decode-tostring-function: bytes that are not valid UTF-8 give null (the empty string).
  if (!is_valid_utf8(o)) return Value::of_string("");
  return Value::of_string(o);
}

// strcmp-function: the sign of the first differing byte (ordinal), as -1, 0 or 1.
Value f_strcmp(const CallArgs& a) {
  const int c = S(a[0]).compare(S(a[1]));
  return Value::of_int(c < 0 ? -1 : (c > 0 ? 1 : 0));
}
// regex-quote-function: every character that is not a letter, digit or underscore is escaped
// (RE2::QuoteMeta, Kusto's regex dialect), so the result matches the text literally.
Value f_regex_quote(const CallArgs& a) { return Value::of_string(RE2::QuoteMeta(S(a[0]))); }
// isascii: every byte below 0x80; isutf8-function: well-formed UTF-8.
Value f_isascii(const CallArgs& a) {
  const std::string s = S(a[0]);
  return Value::of_bool(std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }));
}
Value f_isutf8(const CallArgs& a) { return Value::of_bool(is_valid_utf8(S(a[0]))); }

// format-bytes-function: size in Bytes, KB, MB, ... (powers of 1024), rounded to `precision`
// digits (default 0); the unit is the largest one the size reaches unless given.
Value f_format_bytes(const CallArgs& a) {
  bool ok;
  const double size = number_of(a[0], ok);
  if (!ok || a[0].is_null()) return Value::of_string("");
  std::int64_t precision = 0;
  if (a.size() > 1 && !a[1].is_null()) {
    bool pk;
    precision = static_cast<std::int64_t>(number_of(a[1], pk));
    if (!pk || precision < 0) precision = 0;
    precision = std::min<std::int64_t>(precision, 15);
  }
  static const char* const units[] = {"Bytes", "KB", "MB", "GB", "TB", "PB", "EB"};
  int unit = -1;
  const std::string want = a.size() > 2 ? S(a[2]) : "";
  if (!want.empty()) {
    for (int k = 0; k < 7; ++k) if (iequals(want, units[k])) unit = k;
    if (unit < 0) return Value::of_string("");
  } else {
    unit = 0;
    for (double v = std::fabs(size); v >= 1024 && unit < 6; v /= 1024) ++unit;
  }
  const double scaled = size / std::pow(1024.0, unit);
  const double f = std::pow(10.0, static_cast<double>(precision));
  return Value::of_string(format_real(std::round(scaled * f) / f) + " " + units[unit]);
}

// replace-strings-function: the lookups in order, each taking the matches that do not overlap
// an earlier lookup's (so the earlier lookup wins); a non-string rewrite keeps the matched text.
Value f_replace_strings(const CallArgs& a) {
  const std::string text = S(a[0]);
  std::vector<std::string> lookups;
  std::vector<std::optional<std::string>> rewrites;
  std::vector<bool> is_lookup;
  if (a[1].type == Type::Dynamic && !a[1].is_null())
    a[1].dyn().for_each_element([&](DynRef e) {
      is_lookup.push_back(e.is_string());
      lookups.emplace_back(e.is_string() ? std::string(e.as_string()) : std::string());
    });
  if (a[2].type == Type::Dynamic && !a[2].is_null())
    a[2].dyn().for_each_element([&](DynRef e) {
      if (e.is_string()) rewrites.emplace_back(std::string(e.as_string()));
      else rewrites.emplace_back(std::nullopt);
    });
  struct Match { std::size_t pos, len; std::size_t k; };
  std::vector<Match> matches;
  std::vector<char> taken(text.size(), 0);
  for (std::size_t k = 0; k < lookups.size(); ++k) {
    const std::string& l = lookups[k];
    if (!is_lookup[k] || l.empty()) continue;
    for (std::size_t p = text.find(l); p != std::string::npos; p = text.find(l, p)) {
      if (std::any_of(taken.begin() + static_cast<std::ptrdiff_t>(p), taken.begin() + static_cast<std::ptrdiff_t>(p + l.size()), [](char t) { return t != 0; })) {
        ++p;
        continue;
      }
      std::fill(taken.begin() + static_cast<std::ptrdiff_t>(p), taken.begin() + static_cast<std::ptrdiff_t>(p + l.size()), 1);
      matches.push_back({p, l.size(), k});
      p += l.size();
    }
  }
  std::sort(matches.begin(), matches.end(), [](const Match& x, const Match& y) { return x.pos < y.pos; });
  std::string out;
  std::size_t at = 0;
  for (const Match& m : matches) {
    out.append(text, at, m.pos - at);
    if (m.k < rewrites.size() && rewrites[m.k]) out += *rewrites[m.k];
    else out.append(text, m.pos, m.len);
    at = m.pos + m.len;
  }
  out.append(text, at, std::string::npos);
  return Value::of_string(std::move(out));
}

// has_any_index(source, values) (has-any-index-function): the index of the first element of
// values that source `has`, else -1.
Value f_has_any_index(const CallArgs& a) {
  if (a[1].type != Type::Dynamic || !a[1].dyn().is_array()) return Value::null_of(Type::Long);
  const std::string src = to_kusto_string(a[0]);
  std::int64_t i = 0, found = -1;
  a[1].dyn().for_each_element([&](DynRef e) {
    if (found < 0) {
      const std::string needle = to_kusto_string(Value::of_dynamic(e));
      if (has_term(src, needle, false)) found = i;
    }
    ++i;
  });
  return Value::of_long(found);
}

// base64_encode_fromguid / base64_decode_toguid (base64-encode-fromguid-function): the guid's 16
// bytes in .NET's order (the first three fields little-endian): "ae3133f2-6e22-49ae-b06a-16e6a9b212eb"
// is "8jMxriJurkmwahbmqbIS6w==".
constexpr int kNetOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
Value f_base64_encode_fromguid(const CallArgs& a) {
  if (a[0].type != Type::Guid || a[0].is_null()) return Value::of_string("");
  unsigned char b[16];
  for (int i = 0; i < 16; ++i) b[i] = a[0].g.bytes[kNetOrder[i]];
  std::string o;
  int i = 0;
  for (; i + 2 < 16; i += 3) {
    const unsigned v = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    o += kB64[v >> 18 & 63]; o += kB64[v >> 12 & 63]; o += kB64[v >> 6 & 63]; o += kB64[v & 63];
  }
  const unsigned v = b[15] << 16;
  o += kB64[v >> 18 & 63]; o += kB64[v >> 12 & 63]; o += "==";
  return Value::of_string(o);
}
int b64v(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}
Value f_base64_decode_toguid(const CallArgs& a) {
  const std::string s = to_kusto_string(a[0]);
  std::string bytes;
  unsigned acc = 0;
  int bits = 0;
  for (char c : s) {
    if (c == '=') break;
    const int v = b64v(c);
    if (v < 0) return Value::null_of(Type::Guid);
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) { bits -= 8; bytes.push_back(static_cast<char>((acc >> bits) & 0xFF)); }
  }
  if (bytes.size() != 16) return Value::null_of(Type::Guid);
  Guid g;
  for (int i = 0; i < 16; ++i) g.bytes[kNetOrder[i]] = static_cast<std::uint8_t>(bytes[static_cast<std::size_t>(i)]);
  return Value::of_guid(g);
}

// ---- (from the former fn_extra.cpp) parse_xml, extract_json, tohex, parse_urlquery,
// base64_decode_toarray, array_strcat, dynamic_to_json, indexof_regex, translate, make_string,
// parse_command_line

// ---- parse_xml: elements -> objects; attributes "@name"; text "#text" (or the value itself when
// the element has only text); repeated child elements -> arrays. Depth-limited.
struct XmlNode {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attrs;
  std::vector<XmlNode> kids;
  std::string text;
};
std::string xml_unescape(std::string_view s) {
  std::string o;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '&') {
      auto e = s.find(';', i);
      if (e != std::string_view::npos) {
        std::string_view ent = s.substr(i + 1, e - i - 1);
        if (ent == "lt") { o += '<'; i = e; continue; }
        if (ent == "gt") { o += '>'; i = e; continue; }
        if (ent == "amp") { o += '&'; i = e; continue; }
        if (ent == "quot") { o += '"'; i = e; continue; }
        if (ent == "apos") { o += '\''; i = e; continue; }
      }
    }
    o += s[i];
  }
  return o;
}
bool parse_element(std::string_view s, std::size_t& i, XmlNode& n, int depth);
void skip_misc(std::string_view s, std::size_t& i) {
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (s.compare(i, 4, "<!--") == 0) { auto e = s.find("-->", i); i = e == std::string_view::npos ? s.size() : e + 3; continue; }
    if (s.compare(i, 2, "<?") == 0) { auto e = s.find("?>", i); i = e == std::string_view::npos ? s.size() : e + 2; continue; }
    if (s.compare(i, 2, "<!") == 0) { auto e = s.find('>', i); i = e == std::string_view::npos ? s.size() : e + 1; continue; }
    break;
  }
}
bool parse_element(std::string_view s, std::size_t& i, XmlNode& n, int depth) {
  if (depth > 64 || i >= s.size() || s[i] != '<') return false;
  ++i;
  std::size_t st = i;
  while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i])) && s[i] != '>' && s[i] != '/') ++i;
  n.name = std::string(s.substr(st, i - st));
  if (n.name.empty()) return false;
  while (true) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i >= s.size()) return false;
    if (s[i] == '/') { if (i + 1 < s.size() && s[i + 1] == '>') { i += 2; return true; } return false; }
    if (s[i] == '>') { ++i; break; }
    std::size_t a = i;
    while (i < s.size() && s[i] != '=' && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    std::string an(s.substr(a, i - a));
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i >= s.size() || s[i] != '=') return false;
    ++i;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i >= s.size() || (s[i] != '"' && s[i] != '\'')) return false;
    char q = s[i++];
    auto e = s.find(q, i);
    if (e == std::string_view::npos) return false;
    n.attrs.emplace_back(an, xml_unescape(s.substr(i, e - i)));
    i = e + 1;
  }
  while (i < s.size()) {
    if (s.compare(i, 2, "</") == 0) {
      auto e = s.find('>', i);
      if (e == std::string_view::npos) return false;
      i = e + 1;
      return true;
    }
    if (s.compare(i, 4, "<!--") == 0 || s.compare(i, 2, "<?") == 0) { skip_misc(s, i); continue; }
    if (s.compare(i, 9, "<![CDATA[") == 0) {
      auto e = s.find("]]>", i);
      if (e == std::string_view::npos) return false;
      n.text += std::string(s.substr(i + 9, e - i - 9));
      i = e + 3;
      continue;
    }
    if (s[i] == '<') {
      XmlNode k;
      if (!parse_element(s, i, k, depth + 1)) return false;
      n.kids.push_back(std::move(k));
      continue;
    }
    auto e = s.find('<', i);
    if (e == std::string_view::npos) return false;
    n.text += xml_unescape(s.substr(i, e - i));
    i = e;
  }
  return false;
}
std::string trim_ws(const std::string& t) {
  std::size_t a = t.find_first_not_of(" \t\r\n"), b = t.find_last_not_of(" \t\r\n");
  return a == std::string::npos ? "" : t.substr(a, b - a + 1);
}
void write_node_value(DynWriter& w, const XmlNode& n) {
  const std::string text = trim_ws(n.text);
  if (n.attrs.empty() && n.kids.empty()) {
    if (text.empty()) w.null();
    else w.string(text);
    return;
  }
  w.begin_object();
  for (auto& [k, v] : n.attrs) { w.key("@" + k); w.string(v); }
  std::vector<std::string> order;
  for (auto& k : n.kids) if (std::find(order.begin(), order.end(), k.name) == order.end()) order.push_back(k.name);
  for (auto& name : order) {
    std::vector<const XmlNode*> same;
    for (auto& k : n.kids) if (k.name == name) same.push_back(&k);
    w.key(name);
    if (same.size() == 1) write_node_value(w, *same[0]);
    else { w.begin_array(); for (auto* k : same) write_node_value(w, *k); w.end(); }
  }
  if (!text.empty()) { w.key("#text"); w.string(text); }
  w.end();
}
Value f_parse_xml(const CallArgs& a) {
  const std::string s = S(a[0]);
  std::size_t i = 0;
  skip_misc(s, i);
  XmlNode root;
  if (!parse_element(s, i, root, 0)) return Value::null_of(Type::Dynamic);
  std::string b;
  DynWriter w(b);
  w.begin_object();
  w.key(root.name);
  write_node_value(w, root);
  w.end();
  return Value::of_dynamic(std::move(b));
}

// extract_json(jsonPath, dataSource[, type]): $.a.b[0]['c'] paths.
Value f_extract_json(const CallArgs& a) {
  const std::string path = S(a[0]);
  std::string bytes;
  JsonParser jp;
  if (a[1].type == Type::Dynamic) bytes = a[1].s;
  else if (jp.parse(S(a[1]), bytes)) return Value::of_string("");
  DynRef cur(std::string_view{bytes});
  std::size_t i = 0;
  if (i < path.size() && path[i] == '$') ++i;
  while (i < path.size() && cur.valid()) {
    if (path[i] == '.') {
      ++i;
      std::size_t st = i;
      while (i < path.size() && path[i] != '.' && path[i] != '[') ++i;
      cur = cur.is_object() ? cur.get(path.substr(st, i - st)) : DynRef();
    } else if (path[i] == '[') {
      auto e = path.find(']', i);
      if (e == std::string::npos) return Value::of_string("");
      std::string in = path.substr(i + 1, e - i - 1);
      i = e + 1;
      if (!in.empty() && (in[0] == '\'' || in[0] == '"')) cur = cur.is_object() ? cur.get(in.substr(1, in.size() - 2)) : DynRef();
      else {
        Value idx = convert_to(Value::of_string(in), Type::Long);
        cur = (!idx.is_null() && cur.is_array()) ? cur.at(idx.i) : DynRef();
      }
    } else return Value::of_string("");
  }
  if (!cur.valid()) return Value::of_string("");
  Value v = Value::of_dynamic(cur);
  if (a.size() > 2) return v;
  return Value::of_string(to_kusto_string(v));
}
Type extract_json_rule(const std::vector<Type>& t, std::string&) { return t.size() > 2 ? t[2] : Type::String; }

Value f_tohex(const CallArgs& a) {
  bool ok;
  double d = number_of(a[0], ok);
  if (!ok) return Value::of_string("");
  // tohex-function: an int is its 32-bit two's complement (tohex(toint(-256)) is "ffffff00"), a
  // long its 64-bit one; minLength pads with zeros up to at most 16 characters.
  auto v = static_cast<std::uint64_t>(static_cast<std::int64_t>(d));
  if (a[0].type == Type::Int) v &= 0xffffffffULL;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
  std::string s = buf;
  if (a.size() > 1 && !a[1].is_null()) {
    std::int64_t w = std::min<std::int64_t>(16, static_cast<std::int64_t>(number_of(a[1], ok)));
    if (static_cast<std::int64_t>(s.size()) < w) s.insert(0, static_cast<std::size_t>(w) - s.size(), '0');
  }
  return Value::of_string(s);
}
int hexv(char c) { return c >= '0' && c <= '9' ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1; }
std::string url_dec(const std::string& s) {
  std::string o;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hexv(s[i + 1]) >= 0 && hexv(s[i + 2]) >= 0) { o += static_cast<char>(hexv(s[i + 1]) * 16 + hexv(s[i + 2])); i += 2; }
    else if (s[i] == '+') o += ' ';
    else o += s[i];
  }
  return o;
}
// parse_urlquery(query): {"Query Parameters": {k: v}}
Value f_parse_urlquery(const CallArgs& a) {
  std::string q = S(a[0]);
  if (!q.empty() && q[0] == '?') q.erase(0, 1);
  std::string b;
  DynWriter w(b);
  w.begin_object();
  w.key("Query Parameters");
  w.begin_object();
  std::size_t st = 0;
  while (!q.empty() && st <= q.size()) {
    auto amp = q.find('&', st);
    std::string kv = q.substr(st, amp == std::string::npos ? std::string::npos : amp - st);
    auto eq = kv.find('=');
    w.key(url_dec(kv.substr(0, eq)));
    w.string(eq == std::string::npos ? "" : url_dec(kv.substr(eq + 1)));
    if (amp == std::string::npos) break;
    st = amp + 1;
  }
  w.end();
  w.end();
  return Value::of_dynamic(std::move(b));
}
Value f_base64_decode_toarray(const CallArgs& a) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::string s = S(a[0]);
  std::string b;
  DynWriter w(b);
  w.begin_array();
  unsigned acc = 0;
  int bits = 0;
  for (char c : s) {
    if (c == '=') break;
    const char* p = c ? std::strchr(k, c) : nullptr;
    if (!p) return Value::null_of(Type::Dynamic);
    acc = acc << 6 | static_cast<unsigned>(p - k);
    bits += 6;
    if (bits >= 8) { bits -= 8; w.integer(acc >> bits & 0xFF); }
  }
  w.end();
  return Value::of_dynamic(std::move(b));
}
Value f_array_strcat(const CallArgs& a) {
  std::string o;
  bool first = true;
  const std::string d = S(a[1]);
  if (a[0].type == Type::Dynamic)
    a[0].dyn().for_each_element([&](DynRef e) { if (!first) o += d; first = false; o += to_kusto_string(Value::of_dynamic(e)); });
  return Value::of_string(o);
}
Value f_dynamic_to_json(const CallArgs& a) {
  Value d = to_dynamic(a[0]);
  return Value::of_string(to_json(d.dyn()));
}
Value f_indexof_regex(const CallArgs& a) {
  RegexState re(S(a[1]));
  fail_if_too_large(re, a);
  if (!re.ok()) return Value::null_of(Type::Long);
  const std::string s = S(a[0]);
  std::vector<std::string_view> g;
  if (!re.match(s, g)) return Value::of_long(-1);
  return Value::of_long(static_cast<std::int64_t>(g[0].data() - s.data()));
}
// translate(searchList, replacementList, source): character mapping; a shorter replacement list
// repeats its last character; an empty one deletes.
Value f_translate(const CallArgs& a) {
  const std::string from = S(a[0]), to = S(a[1]), s = S(a[2]);
  std::string o;
  for (char c : s) {
    auto p = from.find(c);
    if (p == std::string::npos) { o += c; continue; }
    if (to.empty()) continue;
    o += p < to.size() ? to[p] : to.back();
  }
  return Value::of_string(o);
}

// make_string(code points...): UTF-8 of the code points (arrays of them flattened).
void put_utf8(std::string& o, std::int64_t cp) {
  if (cp < 0 || cp > 0x10FFFF) return;
  const auto c = static_cast<std::uint32_t>(cp);
  if (c < 0x80) o += static_cast<char>(c);
  else if (c < 0x800) { o += static_cast<char>(0xC0 | c >> 6); o += static_cast<char>(0x80 | (c & 0x3F)); }
  else if (c < 0x10000) { o += static_cast<char>(0xE0 | c >> 12); o += static_cast<char>(0x80 | (c >> 6 & 0x3F)); o += static_cast<char>(0x80 | (c & 0x3F)); }
  else { o += static_cast<char>(0xF0 | c >> 18); o += static_cast<char>(0x80 | (c >> 12 & 0x3F)); o += static_cast<char>(0x80 | (c >> 6 & 0x3F)); o += static_cast<char>(0x80 | (c & 0x3F)); }
}
Value f_make_string(const CallArgs& a) {
  std::string o;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k].type == Type::Dynamic && a[k].dyn().is_array())
      a[k].dyn().for_each_element([&](DynRef e) { if (e.is_number()) put_utf8(o, static_cast<std::int64_t>(e.as_number())); });
    else { bool ok; double d = number_of(a[k], ok); if (ok) put_utf8(o, static_cast<std::int64_t>(d)); }
  }
  return Value::of_string(o);
}
// parse_command_line(command_line, "windows"): the arguments as CommandLineToArgvW splits them
// (whitespace separates; quotes group; 2n backslashes + quote -> n backslashes and a quote toggle,
// 2n+1 -> n backslashes and a literal quote).
Value f_parse_command_line(const CallArgs& a) {
  const std::string s = S(a[0]);
  std::vector<std::string> args;
  std::string cur;
  bool in_arg = false, quoted = false;
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (!quoted && (c == ' ' || c == '\t')) {
      if (in_arg) { args.push_back(cur); cur.clear(); in_arg = false; }
      ++i;
      continue;
    }
    in_arg = true;
    if (c == '\\') {
      std::size_t n = 0;
      while (i < s.size() && s[i] == '\\') { ++n; ++i; }
      if (i < s.size() && s[i] == '"') {
        cur.append(n / 2, '\\');
        if (n % 2) { cur += '"'; ++i; }
      } else {
        cur.append(n, '\\');
      }
      continue;
    }
    if (c == '"') {
      if (quoted && i + 1 < s.size() && s[i + 1] == '"') { cur += '"'; i += 2; continue; }
      quoted = !quoted;
      ++i;
      continue;
    }
    cur += c;
    ++i;
  }
  if (in_arg) args.push_back(cur);
  std::string b;
  DynWriter w(b);
  w.begin_array();
  for (auto& x : args) w.string(x);
  w.end();
  return Value::of_dynamic(std::move(b));
}

Value f_isnull(const CallArgs& a) { return Value::of_bool(a[0].is_null()); }
Value f_isnotnull(const CallArgs& a) { return Value::of_bool(!a[0].is_null()); }

}  // namespace

void add_string_functions(std::vector<ScalarFunction>& out) {
  std::string_view cat;  // the reference category of the entries below (empty: the family's)
  auto add = [&](const char* n, int mn, int mx, TypeRule t, ScalarImpl f, PrepareFn p = nullptr) {
    out.push_back(ScalarFunction{n, mn, mx, t, f, p, true}); out.back().category = cat;
  };
  add("strlen", 1, 1, ret_long, f_strlen);
  add("substring", 2, 3, ret_string, f_substring);
  add("indexof", 2, 5, ret_long, f_indexof);
  add("split", 2, 3, ret_dynamic, f_split);
  add("extract", 3, 4, extract_rule, f_extract, prep_regex0);
  add("extract_all", 2, 3, ret_dynamic, f_extract_all, prep_regex0);
  add("replace_string", 3, 3, ret_string, f_replace_string);
  add("replace_regex", 3, 3, ret_string, f_replace_regex, prep_regex1);
  cat = "rulelab";
  add("replace", 3, 3, ret_string, f_replace_regex, prep_regex1);
  cat = {};
  add("trim", 2, 2, ret_string, f_trim, prep_trim);
  add("trim_start", 2, 2, ret_string, f_trim_start, prep_trim);
  add("trim_end", 2, 2, ret_string, f_trim_end, prep_trim);
  add("tolower", 1, 1, ret_string, f_tolower);
  add("toupper", 1, 1, ret_string, f_toupper);
  add("strcat", 1, 64, ret_string, f_strcat);
  add("strcat_delim", 3, 64, ret_string, f_strcat_delim);
  cat = "rulelab";
  add("strcat_array", 2, 2, ret_string, f_strcat_array);
  cat = {};
  add("countof", 2, 3, ret_long, f_countof);
  add("reverse", 1, 1, ret_string, f_reverse);
  add("strrep", 2, 3, ret_string, f_strrep);
  add("isempty", 1, 1, ret_bool, f_isempty);
  add("isnotempty", 1, 1, ret_bool, f_isnotempty);
  cat = "rulelab";
  add("notempty", 1, 1, ret_bool, f_isnotempty);
  add("string_size", 1, 1, ret_long, f_string_size);
  cat = {};
  add("url_decode", 1, 1, ret_string, f_url_decode);
  add("url_encode", 1, 1, ret_string, f_url_encode);
  cat = "rulelab";
  add("url_encode_component", 1, 1, ret_string, f_url_encode_component);
  cat = {};
  add("base64_encode_tostring", 1, 1, ret_string, f_base64_encode);
  cat = "rulelab";
  add("base64_encodestring", 1, 1, ret_string, f_base64_encode);
  cat = {};
  add("base64_decode_tostring", 1, 1, ret_string, f_base64_decode);
  cat = "rulelab";
  add("base64_decodestring", 1, 1, ret_string, f_base64_decode);
  cat = {};
  add("strcmp", 2, 2, ret_int, f_strcmp);
  cat = "rulelab";
  add("regex_quote", 1, 1, ret_string, f_regex_quote);
  add("isascii", 1, 1, ret_bool, f_isascii);
  add("isutf8", 1, 1, ret_bool, f_isutf8);
  add("format_bytes", 1, 3, ret_string, f_format_bytes);
  cat = {};
  add("replace_strings", 3, 3, ret_string, f_replace_strings);
  add("has_any_index", 2, 2, ret_long, f_has_any_index);
  add("base64_encode_fromguid", 1, 1, ret_string, f_base64_encode_fromguid);
  add("base64_decode_toguid", 1, 1, ret_guid, f_base64_decode_toguid);
  cat = "rulelab";
  add("parse_xml", 1, 1, ret_dynamic, f_parse_xml);
  cat = {};
  add("extract_json", 2, 3, extract_json_rule, f_extract_json);
  cat = "rulelab";
  add("extractjson", 2, 3, extract_json_rule, f_extract_json);
  cat = {};
  add("tohex", 1, 2, ret_string, f_tohex);
  add("parse_urlquery", 1, 1, ret_dynamic, f_parse_urlquery);
  add("base64_decode_toarray", 1, 1, ret_dynamic, f_base64_decode_toarray);
  cat = "rulelab";
  add("array_strcat", 2, 2, ret_string, f_array_strcat);
  add("dynamic_to_json", 1, 1, ret_string, f_dynamic_to_json);
  add("indexof_regex", 2, 5, ret_long, f_indexof_regex);
  cat = {};
  add("translate", 3, 3, ret_string, f_translate);
  cat = "rulelab";
  add("make_string", 1, 64, ret_string, f_make_string);
  cat = {};
  add("parse_command_line", 2, 2, ret_dynamic, f_parse_command_line);
  cat = {};
  add("isnull", 1, 1, ret_bool, f_isnull);
  add("isnotnull", 1, 1, ret_bool, f_isnotnull);
  cat = "rulelab";
  add("notnull", 1, 1, ret_bool, f_isnotnull);
}

}  // namespace rulelab::engine
