// Dates as Elasticsearch's date field reads them with its default format,
// `strict_date_optional_time||epoch_millis`: shared by kuery, EQL and ES|QL, and the
// application's event times, so that a value one of them reads as a date the others read alike.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dynamic.hpp"

namespace rulelab::elastic {

// An instant: seconds since 1970-01-01T00:00:00Z and nanoseconds into that second (0..999,999,999).
struct Instant {
  std::int64_t seconds = 0;
  std::int32_t nanos = 0;
  friend bool operator==(const Instant&, const Instant&) = default;
};

// The last field a date text gives: a range query's upper bound written with less (2024-05)
// stands for the end of that period (its round-up parser).
enum class DatePrecision : std::uint8_t { Year, Month, Day, Hour, Minute, Second, Fraction, EpochMillis };

struct ParsedDate {
  Instant at;
  DatePrecision precision = DatePrecision::EpochMillis;
};

// `strict_date_optional_time` first: yyyy[-MM[-dd['T'HH[:mm[:ss[(.|,)fraction of 1-9 digits]]]]]],
// then an optional zone: Z, +HH, +HH:mm, +HHmm, +HH:mm:ss (within +-18:00), UTC, GMT or UT
// (Iso8601Parser; a leading '-' is a negative year). A year of more than four digits needs a sign
// (+12345-01-01). Day and month are checked against the calendar (2023-02-29 is none).
// Then `epoch_millis`: [-]digits[.fraction of at most 6 digits]. A four-digit number is therefore
// a year ("2024", as Elasticsearch reads it), not 2024 milliseconds.
// nullopt: the text is no date for the field (malformed: not indexed, or the document refused).
// Named zones other than UTC/GMT/UT (Europe/Paris) need the time-zone database: nullopt.
// date_nanos fields default to `strict_date_optional_time_nanos||epoch_millis`: a time, when
// given, has hours, minutes and seconds, and the instant lies from 1970 to 2262 (it is stored as
// nanoseconds since the epoch in a long).
enum class DateFormat { Date, DateNanos };
std::optional<ParsedDate> parse_date(std::string_view text, DateFormat format = DateFormat::Date);

// A JSON number in a date field: Elasticsearch parses its text with the same format, so an integer
// of four digits is a year; other integers and decimals are epoch milliseconds.
std::optional<Instant> date_from_json_integer(std::int64_t v);
std::optional<Instant> date_from_json_real(double ms);

// A date field's `format` mapping parameter: alternatives separated by "||", each a built-in
// format (strict_date_optional_time, epoch_millis, epoch_second, date_time, basic_date, ...;
// "strict_" and lenient spellings alike) or a java.time pattern ("yyyy-MM-dd HH:mm:ss",
// "dd/MMM/yyyy:HH:mm:ss Z"; letters y u M d H h m s S a E X x Z z and quoted text). Missing
// fields default as Elasticsearch's DateFormatters do (month and day 1, time 0, zone UTC).
// Alternatives rulelab cannot read (optional sections, week fields, named zones) are listed by
// unreadable(); a value only such an alternative could read is malformed here.
class DateFormats {
 public:
  struct Token;
  struct Alternative;
  explicit DateFormats(std::string_view format);
  ~DateFormats();
  DateFormats(const DateFormats&) = delete;
  DateFormats& operator=(const DateFormats&) = delete;
  std::optional<Instant> read(std::string_view text) const;
  // With the finest field the matching alternative gives (for a range bound's round-up).
  std::optional<ParsedDate> read_parsed(std::string_view text) const;
  const std::string& text() const { return text_; }
  const std::vector<std::string>& unreadable() const { return unreadable_; }

 private:
  std::string text_;
  std::vector<Alternative> alternatives_;
  std::vector<std::string> unreadable_;
};

// A document value of a date field (a string, or a JSON number read from its text) as the field
// reads it: with its `format` when the mapping gives one, else the default of `kind`.
std::optional<Instant> date_of_value(DynRef v, const DateFormats* format, DateFormat kind = DateFormat::Date);

// Epoch milliseconds (rounded down) and nanoseconds; nullopt when they do not fit in 64 bits.
std::optional<std::int64_t> to_epoch_millis(const Instant& t);
std::optional<std::int64_t> to_epoch_nanos(const Instant& t);
// 100-nanosecond ticks since the epoch (rulelab's DateTime), rounded down.
std::optional<std::int64_t> to_ticks(const Instant& t);

}  // namespace rulelab::elastic
