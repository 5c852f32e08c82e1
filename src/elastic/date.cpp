#include "elastic/date.hpp"

#include "core/datetime.hpp"

#include <charconv>
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

// [-]digits[.fraction]: the sign, the whole part (a long) and the fraction as a number of
// `frac_digits` digits (a longer fraction: none).
struct EpochParts {
  bool negative = false;
  std::int64_t whole = 0, fraction = 0;
};
std::optional<EpochParts> epoch_parts(std::string_view s, std::size_t frac_digits) {
  EpochParts e;
  std::size_t i = 0;
  e.negative = !s.empty() && s[0] == '-';
  if (e.negative) ++i;
  const std::size_t start = i;
  while (i < s.size() && digit(s[i]))
    if (__builtin_mul_overflow(e.whole, std::int64_t{10}, &e.whole) || __builtin_add_overflow(e.whole, std::int64_t{s[i++] - '0'}, &e.whole))
      return std::nullopt;  // beyond a long
  if (i == start || i - start > 19) return std::nullopt;  // (java.time reads at most 19 digits)
  if (i < s.size() && s[i] == '.') {
    ++i;
    const std::size_t fs = i;
    while (i < s.size() && digit(s[i]) && i - fs <= frac_digits) e.fraction = e.fraction * 10 + (s[i++] - '0');
    if (i - fs > frac_digits) return std::nullopt;
    for (std::size_t k = i - fs; k < frac_digits; ++k) e.fraction *= 10;
  }
  if (i != s.size()) return std::nullopt;
  return e;
}

// epoch_millis: [-]digits (within a long)[.fraction of at most 6 digits].
std::optional<ParsedDate> epoch_millis(std::string_view s) {
  auto e = epoch_parts(s, 6);
  if (!e) return std::nullopt;
  std::int64_t sec = e->whole / 1000, rem = (e->whole % 1000) * 1'000'000 + e->fraction;  // nanoseconds into the second
  if (e->negative) {
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

namespace {
// strict_date_optional_time (full_time: its _nanos form), the year's sign read first: a leading
// '-' is a negative year of four digits or more, a '+' a year of more than four.
std::optional<ParsedDate> iso_date(std::string_view s, bool full_time) {
  if (s.empty()) return std::nullopt;
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return std::nullopt;
  std::optional<ParsedDate> d;
  if (s[0] == '-') d = iso(s.substr(1), true, false, full_time);
  else if (s[0] == '+') d = iso(s.substr(1), false, true, full_time);
  else d = iso(s, false, false, full_time);
  if (!d && s[0] == '-' && s.size() > 1) d = iso(s.substr(1), true, true, full_time);
  return d;
}
}  // namespace

std::optional<ParsedDate> parse_date(std::string_view s, DateFormat format) {
  if (s.empty()) return std::nullopt;
  const bool full_time = format == DateFormat::DateNanos;
  std::optional<ParsedDate> d = iso_date(s, full_time);
  if (!d) d = epoch_millis(s);
  // a date_nanos field stores nanoseconds since 1970 in a long: 1970 to 2262-04-11
  if (d && full_time && (d->at.seconds < 0 || !to_epoch_nanos(d->at))) return std::nullopt;
  return d;
}

// ---- the `format` mapping parameter ----------------------------------------------------------
struct DateFormats::Token {
  enum Kind { Literal, Year, YearReduced, Month, MonthText, Day, Hour, ClockHour12, Minute, Second, Fraction, AmPm, DayText, Offset, ZoneText };
  Kind kind = Literal;
  int min = 0, max = 0;  // digits of a number
  std::string text;      // Literal
  bool allow_z = false;  // Offset: "Z" stands for +00:00
};

struct DateFormats::Alternative {
  enum Kind { Iso, IsoNanos, EpochMillis, EpochSecond, Pattern };
  Kind kind = Iso;
  std::vector<Token> tokens;
};

namespace {

using Token = DateFormats::Token;

bool is_number_token(const Token& t) {
  return t.kind == Token::Year || t.kind == Token::YearReduced || t.kind == Token::Month || t.kind == Token::Day ||
         t.kind == Token::Hour || t.kind == Token::ClockHour12 || t.kind == Token::Minute || t.kind == Token::Second ||
         t.kind == Token::Fraction;
}

// A java.time pattern as tokens; nullopt for what rulelab does not read.
std::optional<std::vector<Token>> compile_pattern(std::string_view p, bool any_fraction) {
  std::vector<Token> out;
  auto literal = [&](std::string text) {
    if (!out.empty() && out.back().kind == Token::Literal) out.back().text += text;
    else out.push_back(Token{Token::Literal, 0, 0, std::move(text), false});
  };
  auto number = [&](Token::Kind k, int min, int max) { out.push_back(Token{k, min, max, {}, false}); };
  for (std::size_t i = 0; i < p.size();) {
    const char c = p[i];
    if (c == '\'') {
      std::string lit;
      std::size_t j = i + 1;
      if (j < p.size() && p[j] == '\'') {  // '' is a quote
        literal("'");
        i = j + 1;
        continue;
      }
      bool closed = false;
      while (j < p.size()) {
        if (p[j] == '\'') {
          if (j + 1 < p.size() && p[j + 1] == '\'') {
            lit += '\'';
            j += 2;
            continue;
          }
          closed = true;
          break;
        }
        lit += p[j++];
      }
      if (!closed) return std::nullopt;
      literal(lit);
      i = j + 1;
      continue;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
      if (c == '[' || c == ']' || c == '{' || c == '}' || c == '#') return std::nullopt;  // optional sections
      literal(std::string(1, c));
      ++i;
      continue;
    }
    int n = 0;
    while (i + static_cast<std::size_t>(n) < p.size() && p[i + static_cast<std::size_t>(n)] == c) ++n;
    i += static_cast<std::size_t>(n);
    switch (c) {
      case 'y':
      case 'u':
        if (n == 2) number(Token::YearReduced, 2, 2);
        else number(Token::Year, n, 9);
        break;
      case 'M':
      case 'L':
        if (n >= 3) out.push_back(Token{Token::MonthText, 0, 0, {}, false});
        else number(Token::Month, n, 2);
        break;
      case 'd': number(Token::Day, n, 2); break;
      case 'H': number(Token::Hour, n, 2); break;
      case 'h': number(Token::ClockHour12, n, 2); break;
      case 'm': number(Token::Minute, n, 2); break;
      case 's': number(Token::Second, n, 2); break;
      case 'S': number(Token::Fraction, any_fraction ? 1 : n, any_fraction ? 9 : n); break;
      case 'a': out.push_back(Token{Token::AmPm, 0, 0, {}, false}); break;
      case 'E': out.push_back(Token{Token::DayText, 0, 0, {}, false}); break;
      case 'X': out.push_back(Token{Token::Offset, 0, 0, {}, true}); break;
      case 'x': out.push_back(Token{Token::Offset, 0, 0, {}, false}); break;
      case 'Z':
        if (n == 4) return std::nullopt;  // localized offset (GMT+08:00)
        out.push_back(Token{Token::Offset, 0, 0, {}, n == 5});
        break;
      case 'z': out.push_back(Token{Token::ZoneText, 0, 0, {}, false}); break;
      default: return std::nullopt;  // eras, weeks, quarters, zone ids...
    }
  }
  return out;
}

constexpr const char* kMonths[] = {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"};
constexpr const char* kDays[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

// A name or its three-letter form at `pos` (case as written: java.time parses case-sensitively).
int match_name(std::string_view s, std::size_t& pos, const char* const* names, int count) {
  for (int k = 0; k < count; ++k) {
    const std::string_view full(names[k]);
    if (s.substr(pos, full.size()) == full) {
      pos += full.size();
      return k;
    }
  }
  for (int k = 0; k < count; ++k) {
    const std::string_view shrt = std::string_view(names[k]).substr(0, 3);
    if (s.substr(pos, 3) == shrt) {
      pos += 3;
      return k;
    }
  }
  return -1;
}

std::optional<Instant> read_pattern(const std::vector<Token>& toks, std::string_view s) {
  std::int64_t year = 1970;
  int month = 1, day = 1, hour = 0, hour12 = -1, minute = 0, second = 0, offset = 0, pm = -1;
  std::int64_t nanos = 0;
  std::size_t pos = 0;
  for (std::size_t k = 0; k < toks.size(); ++k) {
    const Token& t = toks[k];
    if (t.kind == Token::Literal) {
      if (s.substr(pos, t.text.size()) != t.text) return std::nullopt;
      pos += t.text.size();
      continue;
    }
    if (is_number_token(t)) {
      std::size_t avail = 0;
      while (pos + avail < s.size() && digit(s[pos + avail])) ++avail;
      // adjacent value parsing: a variable-width number leaves the digits of the fixed-width
      // numbers right after it (yyyyMMdd)
      std::size_t reserved = 0;
      for (std::size_t j = k + 1; j < toks.size() && is_number_token(toks[j]) && toks[j].min == toks[j].max; ++j)
        reserved += static_cast<std::size_t>(toks[j].min);
      std::size_t take = std::min<std::size_t>(static_cast<std::size_t>(t.max), avail >= reserved ? avail - reserved : 0);
      if (t.min == t.max) take = static_cast<std::size_t>(t.min);
      if (take < static_cast<std::size_t>(t.min) || take > avail) return std::nullopt;
      std::int64_t v = 0;
      for (std::size_t j = 0; j < take; ++j) v = v * 10 + (s[pos + j] - '0');
      switch (t.kind) {
        case Token::Year: year = v; break;
        case Token::YearReduced: year = 2000 + v; break;
        case Token::Month: month = static_cast<int>(v); break;
        case Token::Day: day = static_cast<int>(v); break;
        case Token::Hour: hour = static_cast<int>(v); break;
        case Token::ClockHour12: hour12 = static_cast<int>(v); break;
        case Token::Minute: minute = static_cast<int>(v); break;
        case Token::Second: second = static_cast<int>(v); break;
        case Token::Fraction:
          nanos = v;
          for (std::size_t j = take; j < 9; ++j) nanos *= 10;
          break;
        default: break;
      }
      pos += take;
      continue;
    }
    switch (t.kind) {
      case Token::MonthText: {
        const int m = match_name(s, pos, kMonths, 12);
        if (m < 0) return std::nullopt;
        month = m + 1;
        break;
      }
      case Token::DayText:
        if (match_name(s, pos, kDays, 7) < 0) return std::nullopt;
        break;
      case Token::AmPm:
        if (s.substr(pos, 2) == "AM") pm = 0;
        else if (s.substr(pos, 2) == "PM") pm = 1;
        else return std::nullopt;
        pos += 2;
        break;
      case Token::ZoneText: {
        std::size_t end = pos;
        while (end < s.size() && ((s[end] >= 'A' && s[end] <= 'Z') || (s[end] >= 'a' && s[end] <= 'z'))) ++end;
        const std::string_view z = s.substr(pos, end - pos);
        if (z != "UTC" && z != "GMT" && z != "UT" && z != "Z") return std::nullopt;
        pos = end;
        break;
      }
      case Token::Offset: {
        if (t.allow_z && pos < s.size() && s[pos] == 'Z') {
          ++pos;
          break;
        }
        if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) return std::nullopt;
        std::size_t end = pos + 1;
        while (end < s.size() && (digit(s[end]) || s[end] == ':')) ++end;
        auto z = numeric_offset(s.substr(pos + 1, end - pos - 1), s[pos] == '+');
        if (!z) return std::nullopt;
        offset = *z;
        pos = end;
        break;
      }
      default: return std::nullopt;
    }
  }
  if (pos != s.size()) return std::nullopt;
  if (hour12 >= 0) {
    if (hour12 < 1 || hour12 > 12) return std::nullopt;
    hour = hour12 % 12 + (pm == 1 ? 12 : 0);
  } else if (pm >= 0 && hour > 12) {
    return std::nullopt;
  }
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  auto d = make(year, month, day, hour, minute, second, nanos, offset, DatePrecision::Fraction);
  if (!d) return std::nullopt;
  return d->at;
}

// epoch_second: [-]digits[.fraction of at most 9 digits] seconds.
std::optional<Instant> epoch_second(std::string_view s) {
  auto e = epoch_parts(s, 9);
  if (!e) return std::nullopt;
  Instant t{e->negative ? -e->whole : e->whole, 0};
  std::int64_t frac = e->fraction;
  if (e->negative && frac > 0) t.seconds -= 1, frac = kNanosPerSecond - frac;
  t.nanos = static_cast<std::int32_t>(frac);
  return t;
}

struct NamedFormat {
  std::string_view name;
  DateFormats::Alternative::Kind kind;
  std::string_view pattern;
};
constexpr NamedFormat kNamed[] = {
    {"date_optional_time", DateFormats::Alternative::Iso, ""},
    {"iso8601", DateFormats::Alternative::Iso, ""},
    {"date_optional_time_nanos", DateFormats::Alternative::IsoNanos, ""},
    {"epoch_millis", DateFormats::Alternative::EpochMillis, ""},
    {"epoch_second", DateFormats::Alternative::EpochSecond, ""},
    {"date", DateFormats::Alternative::Pattern, "yyyy-MM-dd"},
    {"year_month_day", DateFormats::Alternative::Pattern, "yyyy-MM-dd"},
    {"year_month", DateFormats::Alternative::Pattern, "yyyy-MM"},
    {"year", DateFormats::Alternative::Pattern, "yyyy"},
    {"date_hour", DateFormats::Alternative::Pattern, "yyyy-MM-dd'T'HH"},
    {"date_hour_minute", DateFormats::Alternative::Pattern, "yyyy-MM-dd'T'HH:mm"},
    {"date_hour_minute_second", DateFormats::Alternative::Pattern, "yyyy-MM-dd'T'HH:mm:ss"},
    {"date_hour_minute_second_fraction", DateFormats::Alternative::Pattern, "yyyy-MM-dd'T'HH:mm:ss.S"},
    {"date_hour_minute_second_millis", DateFormats::Alternative::Pattern, "yyyy-MM-dd'T'HH:mm:ss.S"},
    {"date_time", DateFormats::Alternative::Pattern, "yyyy-MM-dd'T'HH:mm:ss.SX"},
    {"date_time_no_millis", DateFormats::Alternative::Pattern, "yyyy-MM-dd'T'HH:mm:ssX"},
    {"basic_date", DateFormats::Alternative::Pattern, "yyyyMMdd"},
    {"basic_date_time", DateFormats::Alternative::Pattern, "yyyyMMdd'T'HHmmss.SX"},
    {"basic_date_time_no_millis", DateFormats::Alternative::Pattern, "yyyyMMdd'T'HHmmssX"},
    {"hour_minute_second", DateFormats::Alternative::Pattern, "HH:mm:ss"},
    {"hour_minute", DateFormats::Alternative::Pattern, "HH:mm"},
};

}  // namespace

DateFormats::DateFormats(std::string_view format) : text_(format) {
  std::size_t start = 0;
  while (start <= format.size()) {
    const std::size_t bar = format.find("||", start);
    std::string_view alt = format.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start);
    start = bar == std::string_view::npos ? format.size() + 1 : bar + 2;
    std::string_view name = alt;
    if (name.substr(0, 7) == "strict_") name.remove_prefix(7);
    bool done = false;
    for (const auto& nf : kNamed)
      if (nf.name == name) {
        Alternative a;
        a.kind = nf.kind;
        if (nf.kind == Alternative::Pattern) a.tokens = *compile_pattern(nf.pattern, true);
        alternatives_.push_back(std::move(a));
        done = true;
        break;
      }
    if (done) continue;
    // a built-in name rulelab does not know, or a pattern it cannot read
    const bool looks_named = !alt.empty() && alt.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string_view::npos &&
                             alt.find('_') != std::string_view::npos;
    auto toks = looks_named ? std::nullopt : compile_pattern(alt, false);
    if (!toks || toks->empty()) {
      unreadable_.emplace_back(alt);
      continue;
    }
    Alternative a;
    a.kind = Alternative::Pattern;
    a.tokens = std::move(*toks);
    alternatives_.push_back(std::move(a));
  }
}

DateFormats::~DateFormats() = default;

std::optional<Instant> DateFormats::read(std::string_view text) const {
  if (auto d = read_parsed(text)) return d->at;
  return std::nullopt;
}

std::optional<ParsedDate> DateFormats::read_parsed(std::string_view text) const {
  for (const auto& a : alternatives_) {
    std::optional<Instant> t;
    DatePrecision p = DatePrecision::EpochMillis;
    switch (a.kind) {
      case Alternative::Iso:
      case Alternative::IsoNanos: {
        // the ISO part alone (no epoch_millis fallback unless listed)
        if (auto d = iso_date(text, a.kind == Alternative::IsoNanos)) t = d->at, p = d->precision;
        break;
      }
      case Alternative::EpochMillis:
        if (auto d = epoch_millis(text)) t = d->at;
        break;
      case Alternative::EpochSecond:
        t = epoch_second(text);
        p = DatePrecision::Second;
        break;
      case Alternative::Pattern: {
        t = read_pattern(a.tokens, text);
        // the finest field the pattern gives
        p = DatePrecision::Year;
        for (const auto& tok : a.tokens) {
          DatePrecision q = DatePrecision::Year;
          switch (tok.kind) {
            case Token::Month:
            case Token::MonthText: q = DatePrecision::Month; break;
            case Token::Day: q = DatePrecision::Day; break;
            case Token::Hour:
            case Token::ClockHour12: q = DatePrecision::Hour; break;
            case Token::Minute: q = DatePrecision::Minute; break;
            case Token::Second: q = DatePrecision::Second; break;
            case Token::Fraction: q = DatePrecision::Fraction; break;
            default: break;
          }
          if (q > p) p = q;
        }
        break;
      }
    }
    if (t) return ParsedDate{*t, p};
  }
  return std::nullopt;
}

std::optional<Instant> date_of_value(DynRef v, const DateFormats* format, DateFormat kind) {
  std::optional<Instant> t;
  if (format) {
    if (v.kind() == DynKind::String) {
      t = format->read(v.as_string());
    } else if (v.kind() == DynKind::Int) {
      t = format->read(std::to_string(v.as_int()));
    } else if (v.kind() == DynKind::Real) {
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, v.as_real());
      if (r.ec == std::errc()) t = format->read(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
    }
  } else if (v.kind() == DynKind::Int) {
    t = date_from_json_integer(v.as_int());
  } else if (v.kind() == DynKind::Real) {
    t = date_from_json_real(v.as_real());
  } else if (v.kind() == DynKind::String) {
    if (auto d = parse_date(v.as_string(), kind)) t = d->at;
  }
  if (t && kind == DateFormat::DateNanos && (t->seconds < 0 || !to_epoch_nanos(*t))) return std::nullopt;  // 1970 to 2262
  return t;
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
