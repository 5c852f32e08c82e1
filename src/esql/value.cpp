// ES|QL values: type names, comparisons, and the text forms ES|QL prints (dates, IPs, doubles).
#include "esql/value.hpp"
#include "elastic/ip.hpp"


#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace rulelab::esql {

std::string_view type_name(Type t) {
  switch (t) {
    case Type::Null: return "null";
    case Type::Boolean: return "boolean";
    case Type::Integer: return "integer";
    case Type::Long: return "long";
    case Type::UnsignedLong: return "unsigned_long";
    case Type::Double: return "double";
    case Type::Keyword: return "keyword";
    case Type::Text: return "text";
    case Type::Date: return "date";
    case Type::Ip: return "ip";
    case Type::Version: return "version";
    case Type::DatePeriod: return "date_period";
    case Type::TimeDuration: return "time_duration";
    case Type::GeoPoint: return "geo_point";
    case Type::Source: return "_source";
    case Type::Unsupported: return "unsupported";
  }
  return "unsupported";
}

std::optional<Type> type_from_name(std::string_view n) {
  std::string s(n);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s == "boolean" || s == "bool") return Type::Boolean;
  if (s == "integer" || s == "int" || s == "short" || s == "byte") return Type::Integer;
  if (s == "long") return Type::Long;
  if (s == "unsigned_long" || s == "ul" || s == "ulong") return Type::UnsignedLong;
  if (s == "double" || s == "float" || s == "half_float" || s == "scaled_float" || s == "dbl") return Type::Double;
  if (s == "keyword" || s == "string" || s == "str" || s == "constant_keyword" || s == "wildcard") return Type::Keyword;
  if (s == "text" || s == "match_only_text") return Type::Text;
  if (s == "date" || s == "datetime" || s == "dt") return Type::Date;
  if (s == "ip") return Type::Ip;
  if (s == "version" || s == "ver") return Type::Version;
  if (s == "date_period") return Type::DatePeriod;
  if (s == "time_duration") return Type::TimeDuration;
  if (s == "null") return Type::Null;
  if (s == "geo_point") return Type::GeoPoint;
  return std::nullopt;
}

bool is_numeric(Type t) { return t == Type::Integer || t == Type::Long || t == Type::UnsignedLong || t == Type::Double; }
bool is_string(Type t) { return t == Type::Keyword || t == Type::Text; }
bool is_integral(Type t) { return t == Type::Integer || t == Type::Long || t == Type::UnsignedLong; }

double as_double(Type t, const Scalar& v) {
  switch (t) {
    case Type::Double: return v.d;
    case Type::UnsignedLong: return static_cast<double>(v.u);
    default: return static_cast<double>(v.i);
  }
}

namespace {
int cmp3(auto a, auto b) { return a < b ? -1 : (b < a ? 1 : 0); }
}  // namespace

int compare_version(std::string_view a, std::string_view b) {
  // Split the release part (before '-' or '+') into dot parts; numeric parts compare as numbers.
  auto release = [](std::string_view v) {
    std::size_t p = v.find_first_of("-+");
    return std::pair{v.substr(0, p), p == std::string_view::npos ? std::string_view{} : v.substr(p)};
  };
  auto [ra, pa] = release(a);
  auto [rb, pb] = release(b);
  auto valid_num = [](std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }); };
  std::size_t i = 0, j = 0;
  while (i <= ra.size() && j <= rb.size()) {
    if (i == ra.size() && j == rb.size()) break;
    if (i >= ra.size()) return -1;
    if (j >= rb.size()) return 1;
    std::size_t ei = ra.find('.', i), ej = rb.find('.', j);
    if (ei == std::string_view::npos) ei = ra.size();
    if (ej == std::string_view::npos) ej = rb.size();
    std::string_view x = ra.substr(i, ei - i), y = rb.substr(j, ej - j);
    if (valid_num(x) && valid_num(y)) {
      std::string_view xs = x.substr(std::min(x.find_first_not_of('0'), x.size()));
      std::string_view ys = y.substr(std::min(y.find_first_not_of('0'), y.size()));
      if (xs.size() != ys.size()) return xs.size() < ys.size() ? -1 : 1;
      if (int c = xs.compare(ys)) return c < 0 ? -1 : 1;
    } else if (valid_num(x) != valid_num(y)) {
      return valid_num(x) ? -1 : 1;
    } else if (int c = x.compare(y)) {
      return c < 0 ? -1 : 1;
    }
    i = ei + 1;
    j = ej + 1;
    if (ei == ra.size()) i = ra.size();
    if (ej == rb.size()) j = rb.size();
    if (ei == ra.size() && ej == rb.size()) break;
  }
  // A pre-release sorts before its release.
  bool prea = !pa.empty() && pa[0] == '-', preb = !pb.empty() && pb[0] == '-';
  if (prea != preb) return prea ? -1 : 1;
  int c = pa.compare(pb);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

int compare_scalar(Type ta, const Scalar& a, Type tb, const Scalar& b) {
  if (is_numeric(ta) && is_numeric(tb)) {
    if (ta == Type::UnsignedLong && tb == Type::UnsignedLong) return cmp3(a.u, b.u);
    if (ta == Type::Double || tb == Type::Double) {
      double x = as_double(ta, a), y = as_double(tb, b);
      if (std::isnan(x) || std::isnan(y)) return std::isnan(x) ? (std::isnan(y) ? 0 : 1) : -1;
      return cmp3(x, y);
    }
    if (ta == Type::UnsignedLong) return b.i < 0 ? 1 : cmp3(a.u, static_cast<std::uint64_t>(b.i));
    if (tb == Type::UnsignedLong) return a.i < 0 ? -1 : cmp3(static_cast<std::uint64_t>(a.i), b.u);
    return cmp3(a.i, b.i);
  }
  if (ta == Type::Version && tb == Type::Version) return compare_version(a.s, b.s);
  if (is_string(ta) || ta == Type::Ip || ta == Type::Version || ta == Type::GeoPoint || ta == Type::Source) {
    int c = a.s.compare(b.s);
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (ta == Type::DatePeriod) return cmp3(std::pair{a.i, a.j}, std::pair{b.i, b.j});
  return cmp3(a.i, b.i);
}

std::string wkt_point(double lon, double lat) { return "POINT (" + format_double(lon) + " " + format_double(lat) + ")"; }

std::optional<std::pair<double, double>> parse_wkt_point(std::string_view w) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  };
  w = trim(w);
  if (w.size() < 5) return std::nullopt;
  std::string head(w.substr(0, 5));
  for (auto& c : head) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (head != "POINT") return std::nullopt;
  w = trim(w.substr(5));
  if (w.size() < 2 || w.front() != '(' || w.back() != ')') return std::nullopt;
  std::string body(trim(w.substr(1, w.size() - 2)));
  char* end = nullptr;
  double x = std::strtod(body.c_str(), &end);
  if (end == body.c_str()) return std::nullopt;
  char* end2 = nullptr;
  double y = std::strtod(end, &end2);
  if (end2 == end) return std::nullopt;
  while (*end2 != 0 && std::isspace(static_cast<unsigned char>(*end2))) ++end2;
  if (*end2 != 0) return std::nullopt;  // a Z value or junk
  return std::pair{x, y};
}

std::string format_double(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  // sci: [-]D[.DDD]e[+-]XX
  bool neg = sci[0] == '-';
  if (neg) sci.erase(0, 1);
  std::size_t e = sci.find('e');
  std::string mant = sci.substr(0, e);
  int exp = std::stoi(sci.substr(e + 1));
  std::string digits;
  for (char c : mant)
    if (c != '.') digits += c;
  // Java (JDK 19+ Double.toString) writes at least two digits: when one digit is the shortest,
  // it picks the two-digit decimal closest to the value that still reads back as it
  // (Double.MIN_VALUE is 4.9E-324, not 5.0E-324).
  if (digits.size() == 1) {
    char two[64];
    auto t = std::to_chars(two, two + sizeof two, std::fabs(d), std::chars_format::scientific, 1);
    double back = 0;
    if (t.ec == std::errc() && std::from_chars(two, t.ptr, back).ec == std::errc() && back == std::fabs(d)) {
      std::string ts(two, t.ptr);  // D.De[+-]XX
      const std::size_t te = ts.find('e');
      if (te == 3 && ts[2] != '0') {
        digits = std::string{ts[0], ts[2]};
        exp = std::stoi(ts.substr(te + 1));
      }
    }
  }
  std::string out;
  double ad = std::fabs(d);
  if (ad >= 1e-3 && ad < 1e7) {
    int point = exp + 1;  // digits before the decimal point
    if (point <= 0) {
      out = "0." + std::string(static_cast<std::size_t>(-point), '0') + digits;
    } else if (static_cast<std::size_t>(point) >= digits.size()) {
      out = digits + std::string(static_cast<std::size_t>(point) - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, point) + "." + digits.substr(point);
    }
  } else {
    out = digits.substr(0, 1) + "." + (digits.size() > 1 ? digits.substr(1) : "0") + "E" + std::to_string(exp);
  }
  return neg ? "-" + out : out;
}

std::string format_date(std::int64_t ms) {
  // (floored without negating: -ms overflows for the smallest long)
  std::int64_t days = ms / 86400000;
  std::int64_t rem = ms % 86400000;
  if (rem < 0) {
    rem += 86400000;
    --days;
  }
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[64];
  int h = static_cast<int>(rem / 3600000), mi = static_cast<int>(rem / 60000 % 60), s = static_cast<int>(rem / 1000 % 60),
      milli = static_cast<int>(rem % 1000);
  if (y < 0)
    std::snprintf(buf, sizeof buf, "-%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<long long>(-y), m, d, h, mi, s, milli);
  else if (y > 9999)
    std::snprintf(buf, sizeof buf, "+%lld-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<long long>(y), m, d, h, mi, s, milli);
  else
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<long long>(y), m, d, h, mi, s, milli);
  return buf;
}

std::optional<std::int64_t> parse_date(std::string_view s) {
  // yyyy[-MM[-dd[THH[:mm[:ss[.SSS...]]]]]][Z|+HH:mm|+HHmm]; also epoch millis as digits only? no.
  std::size_t i = 0;
  auto num = [&](std::size_t n, int& out) {
    if (i + n > s.size()) return false;
    out = 0;
    for (std::size_t k = 0; k < n; ++k) {
      char c = s[i + k];
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    i += n;
    return true;
  };
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
    neg = s[i] == '-';
    ++i;
  }
  int y = 0, mo = 1, d = 1, h = 0, mi = 0, sec = 0;
  std::int64_t frac_ms = 0;
  std::size_t ystart = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (i - ystart < 4 || i - ystart > 9) return std::nullopt;
  y = std::stoi(std::string(s.substr(ystart, i - ystart)));
  if (neg) y = -y;
  if (i < s.size() && s[i] == '-') {
    ++i;
    if (!num(2, mo)) return std::nullopt;
    if (i < s.size() && s[i] == '-') {
      ++i;
      if (!num(2, d)) return std::nullopt;
    }
  }
  if (i < s.size() && (s[i] == 'T' || s[i] == 't')) {  // (strict_date_optional_time: no space)
    ++i;
    if (!num(2, h)) return std::nullopt;
    if (i < s.size() && s[i] == ':') {
      ++i;
      if (!num(2, mi)) return std::nullopt;
      if (i < s.size() && s[i] == ':') {
        ++i;
        if (!num(2, sec)) return std::nullopt;
        if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
          ++i;
          std::size_t fs = i;
          while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
          std::string f(s.substr(fs, i - fs));
          if (f.empty() || f.size() > 9) return std::nullopt;
          f.resize(3, '0');
          frac_ms = std::stoi(f.substr(0, 3));
        }
      }
    }
  }
  std::int64_t offset_min = 0;
  if (i < s.size()) {
    if (s[i] == 'Z' || s[i] == 'z') {
      ++i;
    } else if (s[i] == '+' || s[i] == '-') {
      int sign = s[i] == '-' ? -1 : 1;
      ++i;
      int oh = 0, om = 0;
      if (!num(2, oh)) return std::nullopt;
      if (i < s.size() && s[i] == ':') ++i;
      if (i < s.size()) num(2, om);
      offset_min = sign * (oh * 60 + om);
    }
  }
  if (i != s.size()) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59) return std::nullopt;
  static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d > mdays[mo - 1]) return std::nullopt;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo == 2 && d == 29 && !leap) return std::nullopt;
  std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return days * 86400000 + h * 3600000LL + mi * 60000LL + sec * 1000LL + frac_ms - offset_min * 60000;
}

std::optional<std::string> parse_ip(std::string_view s) {
  auto b = elastic::parse_ip(s);  // as the ip field reads it (InetAddresses)
  if (!b) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(b->data()), 16);
}

std::string format_ip(std::string_view b) {
  if (b.size() != 16) return std::string(b);
  elastic::IpBytes bytes;
  std::memcpy(bytes.data(), b.data(), 16);
  return elastic::format_ip(bytes);  // NetworkAddress.format
}

std::string to_text(Type t, const Scalar& v) {
  switch (t) {
    case Type::Boolean: return v.i ? "true" : "false";
    case Type::Integer:
    case Type::Long: return std::to_string(v.i);
    case Type::UnsignedLong: return std::to_string(v.u);
    case Type::Double: return format_double(v.d);
    case Type::Date: return format_date(v.i);
    case Type::Ip: return format_ip(v.s);
    case Type::TimeDuration: return "PT" + std::to_string(v.i / 1000) + "S";
    case Type::DatePeriod: return "P" + std::to_string(v.i) + "M" + std::to_string(v.j) + "D";
    default: return v.s;
  }
}

}  // namespace rulelab::esql
