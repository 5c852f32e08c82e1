// Parsing and formatting of datetime and timespan values.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "core/types.hpp"

namespace rulelab {

// Days since 1970-01-01 of a proleptic Gregorian date, and back.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d);

// The order of the first two fields of a date written with slashes (Log Analytics exports follow
// the exporter's locale: "11/04/2025, 10:14:36.000" is 4 November month-first, 11 April day-first).
enum class DateOrder { MonthFirst, DayFirst };

// ISO 8601: 2025-03-27, 2025-03-27T14:49:42Z, any fractional precision (kept to 100 ns),
// offsets (+02:00, -0500, Z; none means UTC), 'T' or a space between date and time. Also the
// Log Analytics portal CSV form "3/27/2025, 2:49:42.929 PM" and RFC 1123 ("Thu, 27 Mar 2025 14:49:42 GMT").
// Slash dates are read in `order` (day-first exports are 24-hour: "11/04/2025, 10:14:36.000").
std::optional<DateTime> parse_datetime(std::string_view text, DateOrder order = DateOrder::MonthFirst);
// A date as a Log Analytics export writes it in the exporter's locale: what parse_datetime reads,
// and dates written with dots (`11.04.2025 10:14:36`, de-DE, ru-RU...), which are always
// day-first. Only the readers of exported files take these; Kusto's todatetime() does not.
std::optional<DateTime> parse_export_datetime(std::string_view text, DateOrder order = DateOrder::MonthFirst);

// The first two fields of a date written "A/B/YYYY..." (after leading spaces); false for any
// other text. A above 12 proves day-first, B above 12 month-first.
bool slash_date_fields(std::string_view text, int& first, int& second);

// 2025-03-27T14:49:42.9293064Z (fraction omitted when zero), as Kusto prints datetimes.
std::string format_datetime(DateTime t);

// Kusto's timespan text: [-][d.]hh:mm:ss[.fffffff]; also literals such as 1d, 5m, 30s, 100ms.
std::optional<TimeSpan> parse_timespan(std::string_view text);
std::string format_timespan(TimeSpan t);

// A timespan literal of Kusto: a number and a unit (d, h, m, s, ms, microsecond, tick, ...).
std::optional<TimeSpan> parse_timespan_literal(std::string_view text);

std::optional<Guid> parse_guid(std::string_view text);
std::string format_guid(const Guid& g);

}  // namespace rulelab
