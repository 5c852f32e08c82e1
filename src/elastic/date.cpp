#include "elastic/date.hpp"

#include "core/datetime.hpp"

#include <cmath>
#include <string>

namespace rulelab::elastic {

namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

bool digit(char c) { return c >= '0' && c <= '9'; }

// `n` digits at `pos`, or -1.
int fixed(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!digit(s[i])) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

// A numeric offset after its sign: HH, HH:mm, HHmm, HH:mm:ss, HHmmss (colons both or neither),
// within 18 hours (ZoneOffset's range). Seconds east of UTC.
std::optional<int> numeric_offset(std::string_view s, bool positive) {
  const int h = fixed(s, 0, 2);
  if (h < 0) return std::nullopt;
  int m = 0, sec = 0;
  std::size_t i = 2;
  if (i < s.size()) {
    const bool colon = s[i] == ':';
    if (colon) ++i;
    m = fixed(s, i, 2);
    if (m < 0) return std::nullopt;
    i += 2;
    if (i < s.size()) {
      if ((s[i] == ':') != colon) return std::nullopt;
      if (colon) ++i;
      sec = fixed(s, i, 2);
      if (sec < 0) return std::nullopt;
      i += 2;
    }
  }
  if (i != s.size() || h > 23 || m > 59 || sec > 59) return std::nullopt;
  const int total = h * 3600 + m * 60 + sec;
  if (total > 18 * 3600) return std::nullopt;
  return positive ? total : -total;
}

// ZoneOffset.of's forms after UTC/GMT/UT: +h, +hh, +hh:mm, +hhmm, +hh:mm:ss, +hhmmss.
std::optional<int> prefixed_offset(std::string_view s) {
  if (s.empty()) return 0;
  if (s[0] != '+' && s[0] != '-') return std::nullopt;
  const bool positive = s[0] == '+';
  s.remove_prefix(1);
  if (s.size() == 1 && digit(s[0])) return positive ? (s[0] - '0') * 3600 : -(s[0] - '0') * 3600;
  return numeric_offset(s, positive);
}

// The zone at the end of a date text (Iso8601Parser.parseZoneId): seconds east of UTC.
std::optional<int> zone_offset(std::string_view z) {
  if (z == "Z") return 0;
  if (z[0] == '+' || z[0] == '-') return numeric_offset(z.substr(1), z[0] == '+');
  for (std::string_view prefix : {"UTC", "GMT", "UT"})
    if (z.substr(0, prefix.size()) == prefix) return prefixed_offset(z.substr(prefix.size()));
  return std::nullopt;  // a region (Europe/Paris): not without the time-zone database
}

bool zone_start(char c) { return c == '+' || c == '-' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

std::optional<ParsedDate> make(std::int64_t year, int month, int day, int hour, int minute, int second, std::int64_t nanos,
                               int offset_seconds, DatePrecision p) {
  if (month < 1 || month > 12 || day < 1) return std::nullopt;
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > kDays[month - 1] || (month == 2 && day == 29 && !leap)) return std::nullopt;
  const std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  ParsedDate d;
  d.at.seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
  d.at.nanos = static_cast<std::int32_t>(nanos);
  d.precision = p;
  return d;
}

// strict_date_optional_time after the year's sign, from `pos` (the year's first digit).
std::optional<ParsedDate> iso(std::string_view s, bool negative, bool signed_long_year, bool full_time) {
  std::size_t i = 0;
  std::int64_t year = 0;
  if (signed_long_year) {  // java.time's fallback: more than four digits after a '+' or '-'
    while (i < s.size() && digit(s[i]) && i < 10) year = year * 10 + (s[i++] - '0');
    if (i <= 4 || (i < s.size() && digit(s[i])) || year > 999'999'999) return std::nullopt;  // Year's range
  } else {
    const int y = fixed(s, 0, 4);
    if (y < 0) return std::nullopt;
    year = y;
    i = 4;
  }
  if (negative) year = -year;
  const std::size_t n = s.size();
  // (a year alone is a date: "-10000" is the year -10000, as Elasticsearch reads it)
  if (i == n) return make(year, 1, 1, 0, 0, 0, 0, 0, DatePrecision::Year);
  if (s[i] != '-') return std::nullopt;
  const int month = fixed(s, i + 1, 2);
  if (month < 0 || month > 12) return std::nullopt;
  i += 3;
  if (i == n) return make(year, month, 1, 0, 0, 0, 0, 0, DatePrecision::Month);
  if (s[i] != '-') return std::nullopt;
  const int day = fixed(s, i + 1, 2);
  if (day < 0 || day > 31) return std::nullopt;
  i += 3;
  if (i == n) return make(year, month, day, 0, 0, 0, 0, 0, DatePrecision::Day);
  if (s[i] != 'T') return std::nullopt;
  ++i;
  if (i == n) {  // "2024-01-02T": hour optional (not in the _nanos format)
    if (full_time) return std::nullopt;
    return make(year, month, day, 0, 0, 0, 0, 0, DatePrecision::Day);
  }
  int fields[3] = {0, 0, 0};
  const DatePrecision precisions[3] = {DatePrecision::Hour, DatePrecision::Minute, DatePrecision::Second};
  const int limits[3] = {23, 59, 59};
  DatePrecision p = DatePrecision::Day;
  for (int k = 0; k < 3; ++k) {
    if (k > 0) {
      if (full_time && (i == n || s[i] != ':')) return std::nullopt;  // _nanos: a time has seconds
      if (i == n) return make(year, month, day, fields[0], fields[1], fields[2], 0, 0, p);
      if (zone_start(s[i])) {
        auto z = zone_offset(s.substr(i));
        if (!z) return std::nullopt;
        return make(year, month, day, fields[0], fields[1], fields[2], 0, *z, p);
      }
      if (s[i] != ':') return std::nullopt;
      ++i;
    }
    const int v = fixed(s, i, 2);
    if (v < 0 || v > limits[k]) return std::nullopt;
    fields[k] = v;
    p = precisions[k];
    i += 2;
  }
  std::int64_t nanos = 0;
  if (i < n && (s[i] == '.' || s[i] == ',')) {
    ++i;
    std::size_t start = i;
    while (i < n && digit(s[i]) && i - start < 9) nanos = nanos * 10 + (s[i++] - '0');
    if (i == start) return std::nullopt;
    for (std::size_t k = i - start; k < 9; ++k) nanos *= 10;
    p = DatePrecision::Fraction;
  }
  if (i == n) return make(year, month, day, fields[0], fields[1], fields[2], nanos, 0, p);
  if (!zone_start(s[i])) return std::nullopt;
  auto z = zone_offset(s.substr(i));
  if (!z) return std::nullopt;
  return make(year, month, day, fields[0], fields[1], fields[2], nanos, *z, p);
}

// epoch_millis: [-]digits (at most 19, within a long)[.fraction of at most 6 digits].
std::optional<ParsedDate> epoch_millis(std::string_view s) {
  std::size_t i = 0;
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) ++i;
  const std::size_t start = i;
  std::int64_t ms = 0;
  while (i < s.size() && digit(s[i]))
    if (__builtin_mul_overflow(ms, std::int64_t{10}, &ms) || __builtin_add_overflow(ms, std::int64_t{s[i++] - '0'}, &ms))
      return std::nullopt;  // beyond a long
  if (i == start || i - start > 19) return std::nullopt;
  std::int64_t sub = 0;  // nanoseconds into the millisecond
  if (i < s.size() && s[i] == '.') {
    ++i;
    const std::size_t fs = i;
    while (i < s.size() && digit(s[i]) && i - fs < 7) sub = sub * 10 + (s[i++] - '0');
    if (i - fs > 6) return std::nullopt;
    for (std::size_t k = i - fs; k < 6; ++k) sub *= 10;
  }
  if (i != s.size()) return std::nullopt;
  std::int64_t sec = ms / 1000, rem = (ms % 1000) * 1'000'000 + sub;  // nanoseconds into the second
  if (negative) {
    sec = -sec;
    if (rem > 0) sec -= 1, rem = kNanosPerSecond - rem;
  }
  ParsedDate d;
  d.at.seconds = sec;
  d.at.nanos = static_cast<std::int32_t>(rem);
  d.precision = DatePrecision::EpochMillis;
  return d;
}

}  // namespace

std::optional<ParsedDate> parse_date(std::string_view s, DateFormat format) {
  if (s.empty()) return std::nullopt;
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return std::nullopt;
  const bool full_time = format == DateFormat::DateNanos;
  std::optional<ParsedDate> d;
  if (s[0] == '-') d = iso(s.substr(1), true, false, full_time);
  else if (s[0] == '+') d = iso(s.substr(1), false, true, full_time);
  else d = iso(s, false, false, full_time);
  if (!d && s[0] == '-' && s.size() > 1) d = iso(s.substr(1), true, true, full_time);
  if (!d) d = epoch_millis(s);
  // a date_nanos field stores nanoseconds since 1970 in a long: 1970 to 2262-04-11
  if (d && full_time && (d->at.seconds < 0 || !to_epoch_nanos(d->at))) return std::nullopt;
  return d;
}

std::optional<Instant> date_from_json_integer(std::int64_t v) {
  if (auto d = parse_date(std::to_string(v))) return d->at;
  return std::nullopt;
}

std::optional<Instant> date_from_json_real(double ms) {
  if (!std::isfinite(ms) || std::fabs(ms) >= 9.2e18) return std::nullopt;
  const double sec = std::floor(ms / 1000.0);
  double nanos = std::round((ms - sec * 1000.0) * 1e6);
  Instant t{static_cast<std::int64_t>(sec), 0};
  if (nanos >= 1e9) nanos -= 1e9, t.seconds += 1;
  if (nanos < 0) nanos = 0;
  t.nanos = static_cast<std::int32_t>(nanos);
  return t;
}

std::optional<std::int64_t> to_epoch_millis(const Instant& t) {
  std::int64_t ms = 0;
  if (__builtin_mul_overflow(t.seconds, std::int64_t{1000}, &ms) || __builtin_add_overflow(ms, t.nanos / 1'000'000, &ms))
    return std::nullopt;
  return ms;
}

std::optional<std::int64_t> to_epoch_nanos(const Instant& t) {
  std::int64_t ns = 0;
  if (__builtin_mul_overflow(t.seconds, kNanosPerSecond, &ns) || __builtin_add_overflow(ns, std::int64_t{t.nanos}, &ns))
    return std::nullopt;
  return ns;
}

std::optional<std::int64_t> to_ticks(const Instant& t) {
  std::int64_t ticks = 0;
  if (__builtin_mul_overflow(t.seconds, std::int64_t{10'000'000}, &ticks) || __builtin_add_overflow(ticks, std::int64_t{t.nanos / 100}, &ticks))
    return std::nullopt;
  return ticks;
}

}  // namespace rulelab::elastic
