#include "core/datetime.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <utility>

namespace rulelab {

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

namespace {

struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  bool done() const { return i >= s.size(); }
  char peek() const { return i < s.size() ? s[i] : '\0'; }
  bool eat(char c) {
    if (peek() == c) { ++i; return true; }
    return false;
  }
  // Reads between min and max digits.
  bool digits(int min, int max, std::int64_t& out, int* count = nullptr) {
    int n = 0;
    out = 0;
    while (n < max && i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      out = out * 10 + (s[i] - '0');
      ++i;
      ++n;
    }
    if (count) *count = n;
    return n >= min;
  }
  void skip_spaces() { while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i; }
};

bool valid_date(std::int64_t y, std::int64_t mo, std::int64_t d) {
  static constexpr std::array<int, 12> kDays{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1) return false;
  if (d > kDays[static_cast<std::size_t>(mo - 1)]) return false;
  if (mo == 2 && d == 29) {
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (!leap) return false;
  }
  return true;
}

// Fraction digits after '.', kept to 7 (100 ns), further digits ignored.
std::int64_t fraction(Cursor& c) {
  std::int64_t ticks = 0;
  int n = 0;
  while (!c.done() && std::isdigit(static_cast<unsigned char>(c.peek()))) {
    if (n < 7) { ticks = ticks * 10 + (c.peek() - '0'); ++n; }
    ++c.i;
  }
  for (; n < 7; ++n) ticks *= 10;
  return ticks;
}

std::optional<DateTime> make(std::int64_t y, std::int64_t mo, std::int64_t d, std::int64_t h, std::int64_t mi,
                             std::int64_t s, std::int64_t frac, std::int64_t offset_minutes) {
  if (!valid_date(y, mo, d) || h > 24 || mi > 59 || s > 60) return std::nullopt;
  if (h == 24 && (mi != 0 || s != 0 || frac != 0)) return std::nullopt;
  if (s == 60) s = 59;  // leap second: clamp
  const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + s - offset_minutes * 60;
  return DateTime{secs * kTicksPerSecond + frac};
}

std::optional<DateTime> parse_portal(std::string_view text, DateOrder order, bool dots = false) {
  // M/D/YYYY, h:mm:ss[.fff] AM|PM (en-US); D/M/YYYY, HH:mm:ss[.fff] (day-first locales);
  // D.M.YYYY HH:mm:ss (locales that write dates with dots, e.g. de-DE, ru-RU: always day-first).
  Cursor c{text};
  std::int64_t mo, d, y, h, mi, s = 0, frac = 0;
  if (!c.digits(1, 2, mo)) return std::nullopt;
  const char sep = c.eat('/') ? '/' : dots && c.eat('.') ? '.' : '\0';
  if (sep == '\0' || !c.digits(1, 2, d) || !c.eat(sep) || !c.digits(4, 4, y)) return std::nullopt;
  if (sep == '.' || order == DateOrder::DayFirst) std::swap(mo, d);
  c.eat(',');
  c.skip_spaces();
  if (c.done()) return make(y, mo, d, 0, 0, 0, 0, 0);
  if (!c.digits(1, 2, h) || !c.eat(':') || !c.digits(2, 2, mi)) return std::nullopt;
  if (c.eat(':')) {
    if (!c.digits(2, 2, s)) return std::nullopt;
    if (c.eat('.')) frac = fraction(c);
  }
  c.skip_spaces();
  std::string_view rest = text.substr(c.i);
  if (rest == "AM" || rest == "am") {
    if (h == 12) h = 0;
  } else if (rest == "PM" || rest == "pm") {
    if (h != 12) h += 12;
  } else if (!rest.empty()) {
    return std::nullopt;
  }
  return make(y, mo, d, h, mi, s, frac, 0);
}

std::optional<DateTime> parse_rfc1123(std::string_view text) {
  // Thu, 27 Mar 2025 14:49:42 GMT
  static constexpr std::array<std::string_view, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto comma = text.find(", ");
  if (comma == std::string_view::npos || comma > 9) return std::nullopt;
  Cursor c{text.substr(comma + 2)};
  std::int64_t d, y, h, mi, s;
  if (!c.digits(1, 2, d) || !c.eat(' ')) return std::nullopt;
  std::string_view mon = c.s.substr(c.i, 3);
  std::int64_t mo = 0;
  for (std::size_t k = 0; k < kMonths.size(); ++k)
    if (kMonths[k] == mon) mo = static_cast<std::int64_t>(k) + 1;
  if (mo == 0) return std::nullopt;
  c.i += 3;
  if (!c.eat(' ') || !c.digits(4, 4, y) || !c.eat(' ') || !c.digits(2, 2, h) || !c.eat(':') || !c.digits(2, 2, mi) ||
      !c.eat(':') || !c.digits(2, 2, s))
    return std::nullopt;
  c.skip_spaces();
  std::string_view rest = c.s.substr(c.i);
  if (!rest.empty() && rest != "GMT" && rest != "UTC" && rest != "Z") return std::nullopt;
  return make(y, mo, d, h, mi, s, 0, 0);
}

}  // namespace

bool slash_date_fields(std::string_view text, int& first, int& second) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  Cursor c{text};
  std::int64_t a, b, y;
  if (!c.digits(1, 2, a) || !c.eat('/') || !c.digits(1, 2, b) || !c.eat('/') || !c.digits(4, 4, y)) return false;
  first = static_cast<int>(a);
  second = static_cast<int>(b);
  return true;
}

namespace {
// The form nearly every log writes, YYYY-MM-DDTHH:MM:SS[.f...]Z, read at fixed positions: the
// general parser's answer (nullopt when the text is in another form, or invalid).
std::optional<DateTime> parse_iso_utc(std::string_view t) {
  const std::size_t n = t.size();
  if (n < 20 || t[n - 1] != 'Z' || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':') return std::nullopt;
  auto dig = [&](std::size_t i) { return static_cast<unsigned>(t[i] - '0') <= 9; };
  auto two = [&](std::size_t i) { return (t[i] - '0') * 10 + (t[i + 1] - '0'); };
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18})
    if (!dig(i)) return std::nullopt;
  std::int64_t frac = 0;
  if (n > 20) {
    if (t[19] != '.' || n == 21) return std::nullopt;
    int k = 0;
    for (std::size_t i = 20; i + 1 < n; ++i) {
      if (!dig(i)) return std::nullopt;
      if (k < 7) {
        frac = frac * 10 + (t[i] - '0');
        ++k;
      }
    }
    for (; k < 7; ++k) frac *= 10;
  }
  return make(two(0) * 100 + two(2), two(5), two(8), two(11), two(14), two(17), frac, 0);
}
}  // namespace

std::optional<DateTime> parse_datetime(std::string_view text, DateOrder order) {
  if (auto d = parse_iso_utc(text)) return d;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  if (text.find('/') != std::string_view::npos) return parse_portal(text, order);
  if (text.find(", ") != std::string_view::npos) return parse_rfc1123(text);
  Cursor c{text};
  std::int64_t y, mo, d, h = 0, mi = 0, s = 0, frac = 0, off = 0;
  if (!c.digits(4, 4, y) || !c.eat('-') || !c.digits(1, 2, mo) || !c.eat('-') || !c.digits(1, 2, d)) return std::nullopt;
  if (c.done()) return make(y, mo, d, 0, 0, 0, 0, 0);
  if (!c.eat('T') && !c.eat('t') && !c.eat(' ')) return std::nullopt;
  if (!c.digits(2, 2, h) || !c.eat(':') || !c.digits(2, 2, mi)) return std::nullopt;
  if (c.eat(':')) {
    if (!c.digits(2, 2, s)) return std::nullopt;
    if (c.eat('.') || c.eat(',')) frac = fraction(c);
  }
  c.skip_spaces();
  if (c.eat('Z') || c.eat('z')) {
  } else if (c.peek() == '+' || c.peek() == '-') {
    const bool neg = c.peek() == '-';
    ++c.i;
    std::int64_t oh, om = 0;
    if (!c.digits(2, 2, oh)) return std::nullopt;
    c.eat(':');
    if (!c.done() && !c.digits(2, 2, om)) return std::nullopt;
    if (oh > 23 || om > 59) return std::nullopt;
    off = (oh * 60 + om) * (neg ? -1 : 1);
  } else if (text.substr(c.i) == "UTC" || text.substr(c.i) == "GMT") {
    c.i = text.size();
  }
  if (!c.done()) return std::nullopt;
  return make(y, mo, d, h, mi, s, frac, off);
}

std::string format_datetime(DateTime t) {
  std::int64_t ticks = t.ticks;
  std::int64_t days = ticks / kTicksPerDay;
  std::int64_t rem = ticks % kTicksPerDay;
  if (rem < 0) { rem += kTicksPerDay; --days; }
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  const std::int64_t secs = rem / kTicksPerSecond;
  const std::int64_t frac = rem % kTicksPerSecond;
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld", static_cast<long long>(y), m, d,
                        static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                        static_cast<long long>(secs % 60));
  std::string out(buf, static_cast<std::size_t>(n));
  if (frac != 0) {
    std::snprintf(buf, sizeof buf, ".%07lld", static_cast<long long>(frac));
    out += buf;
  }
  out += 'Z';
  return out;
}

std::optional<TimeSpan> parse_timespan(std::string_view text) {
  if (auto lit = parse_timespan_literal(text)) return lit;
  Cursor c{text};
  bool neg = c.eat('-');
  std::int64_t a, b, days = 0, h, mi, s = 0, frac = 0;
  if (!c.digits(1, 9, a)) return std::nullopt;
  if (c.eat('.')) {
    days = a;
    if (!c.digits(1, 2, h)) return std::nullopt;
  } else {
    h = a;
  }
  if (!c.eat(':') || !c.digits(2, 2, mi)) return std::nullopt;
  if (c.eat(':')) {
    if (!c.digits(2, 2, b)) return std::nullopt;
    s = b;
    if (c.eat('.')) frac = fraction(c);
  }
  if (!c.done() || mi > 59 || s > 59) return std::nullopt;
  std::int64_t ticks = ((days * 24 + h) * 3600 + mi * 60 + s) * kTicksPerSecond + frac;
  return TimeSpan{neg ? -ticks : ticks};
}

std::optional<TimeSpan> parse_timespan_literal(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0 || i == text.size()) return std::nullopt;
  std::string_view num = text.substr(0, i), unit = text.substr(i);
  double value = 0;
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), value);
  if (ec != std::errc() || p != num.data() + num.size()) return std::nullopt;
  double per = 0;
  if (unit == "d" || unit == "day" || unit == "days") per = static_cast<double>(kTicksPerDay);
  else if (unit == "h" || unit == "hr" || unit == "hrs" || unit == "hour" || unit == "hours") per = 3600.0 * kTicksPerSecond;
  else if (unit == "m" || unit == "min" || unit == "minute" || unit == "minutes") per = 60.0 * kTicksPerSecond;
  else if (unit == "s" || unit == "sec" || unit == "second" || unit == "seconds") per = static_cast<double>(kTicksPerSecond);
  else if (unit == "ms" || unit == "milli" || unit == "millis" || unit == "millisecond" || unit == "milliseconds") per = 10'000.0;
  else if (unit == "microsecond" || unit == "microseconds") per = 10.0;
  else if (unit == "tick" || unit == "ticks") per = 1.0;
  else return std::nullopt;
  return TimeSpan{static_cast<std::int64_t>(value * per + (value >= 0 ? 0.5 : -0.5))};
}

std::string format_timespan(TimeSpan t) {
  std::int64_t ticks = t.ticks;
  std::string out;
  if (ticks < 0) { out += '-'; ticks = -ticks; }
  const std::int64_t days = ticks / kTicksPerDay;
  const std::int64_t rem = ticks % kTicksPerDay;
  const std::int64_t secs = rem / kTicksPerSecond, frac = rem % kTicksPerSecond;
  char buf[64];
  if (days) out += std::to_string(days) + ".";
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  out += buf;
  if (frac) {
    std::snprintf(buf, sizeof buf, ".%07lld", static_cast<long long>(frac));
    out += buf;
  }
  return out;
}

std::optional<Guid> parse_guid(std::string_view text) {
  if (text.size() == 38 && text.front() == '{' && text.back() == '}') text = text.substr(1, 36);
  Guid g;
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (ch == '-') {
      if (i != 8 && i != 13 && i != 18 && i != 23) return std::nullopt;
      continue;
    }
    int v;
    if (ch >= '0' && ch <= '9') v = ch - '0';
    else if (ch >= 'a' && ch <= 'f') v = ch - 'a' + 10;
    else if (ch >= 'A' && ch <= 'F') v = ch - 'A' + 10;
    else return std::nullopt;
    if (n >= 32) return std::nullopt;
    g.bytes[n / 2] = static_cast<std::uint8_t>(g.bytes[n / 2] | (n % 2 ? v : v << 4));
    ++n;
  }
  if (n != 32 || (text.size() != 32 && text.size() != 36)) return std::nullopt;
  return g;
}

std::string format_guid(const Guid& g) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[g.bytes[i] >> 4];
    out += kHex[g.bytes[i] & 15];
  }
  return out;
}

std::optional<DateTime> parse_export_datetime(std::string_view text, DateOrder order) {
  if (auto d = parse_datetime(text, order)) return d;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  // D.M.YYYY: one or two digits, then a dot (an ISO date starts with four digits and a dash).
  if (text.size() > 2 && (text[1] == '.' || text[2] == '.') && std::isdigit(static_cast<unsigned char>(text[0])))
    return parse_portal(text, order, true);
  return std::nullopt;
}

}  // namespace rulelab
