// Datetime and timespan text, as the Kusto reference describes the datetime and timespan types
// (data-explorer/kusto/query/scalar-data-types/datetime.md, timespan.md).
#include <doctest/doctest.h>

#include "core/datetime.hpp"

using namespace rulelab;

TEST_CASE("ISO 8601 datetimes with any fractional precision and offsets") {
  CHECK(format_datetime(*parse_datetime("2025-03-27T14:49:42.9293064Z")) == "2025-03-27T14:49:42.9293064Z");
  CHECK(format_datetime(*parse_datetime("2025-03-27T14:49:42Z")) == "2025-03-27T14:49:42Z");
  CHECK(format_datetime(*parse_datetime("2025-03-27T14:49:42.5Z")) == "2025-03-27T14:49:42.5000000Z");
  // Digits beyond 100 ns are dropped (datetime has 100 ns resolution).
  CHECK(format_datetime(*parse_datetime("2025-03-27T14:49:42.123456789Z")) == "2025-03-27T14:49:42.1234567Z");
  CHECK(format_datetime(*parse_datetime("2025-03-27T16:49:42+02:00")) == "2025-03-27T14:49:42Z");
  CHECK(format_datetime(*parse_datetime("2025-03-27T09:49:42-0500")) == "2025-03-27T14:49:42Z");
  CHECK(format_datetime(*parse_datetime("2025-03-27 14:49:42")) == "2025-03-27T14:49:42Z");
  CHECK(format_datetime(*parse_datetime("2025-03-27")) == "2025-03-27T00:00:00Z");
  // The Log Analytics portal's CSV export form.
  CHECK(format_datetime(*parse_datetime("3/27/2025, 2:49:42.929 PM")) == "2025-03-27T14:49:42.9290000Z");
  CHECK(format_datetime(*parse_datetime("3/27/2025, 12:05:00.000 AM")) == "2025-03-27T00:05:00Z");
  CHECK(format_datetime(*parse_datetime("Thu, 27 Mar 2025 14:49:42 GMT")) == "2025-03-27T14:49:42Z");
  CHECK(format_datetime(*parse_datetime("1970-01-01T00:00:00Z")) == "1970-01-01T00:00:00Z");
  CHECK(parse_datetime("1970-01-01T00:00:00Z")->ticks == 0);
  CHECK(format_datetime(*parse_datetime("1601-01-01T00:00:00Z")) == "1601-01-01T00:00:00Z");
}

TEST_CASE("invalid datetimes are rejected") {
  CHECK_FALSE(parse_datetime("2025-02-29T00:00:00Z"));
  CHECK_FALSE(parse_datetime("2025-13-01"));
  CHECK_FALSE(parse_datetime("yesterday"));
  CHECK_FALSE(parse_datetime("2025-03-27T14:49:42Zjunk"));
  CHECK(parse_datetime("2024-02-29"));
}

// YYYY-MM-DDTHH:MM:SS[.f...]Z is read at fixed positions; every such text gives what the same
// instant written another way gives (an offset, a lowercase z, a space), and a broken one is
// refused or read as the general parser reads it.
TEST_CASE("the fixed-position ISO form agrees with the general parser") {
  CHECK(parse_datetime("2025-03-27T14:49:42Z")->ticks == parse_datetime("2025-03-27T16:49:42+02:00")->ticks);
  CHECK(parse_datetime("2025-03-27T14:49:42.9293064Z")->ticks == parse_datetime("2025-03-27T14:49:42.9293064z")->ticks);
  CHECK(parse_datetime("2025-03-27T14:49:42.5Z")->ticks == parse_datetime("2025-03-27 14:49:42.5")->ticks);
  CHECK(parse_datetime("2025-03-27T14:49:42.123456789Z")->ticks == parse_datetime("2025-03-27T14:49:42.1234567z")->ticks);
  CHECK(parse_datetime("2024-12-31T24:00:00Z")->ticks == parse_datetime("2025-01-01T00:00:00z")->ticks);
  CHECK(parse_datetime("2016-12-31T23:59:60Z")->ticks == parse_datetime("2016-12-31T23:59:59z")->ticks);  // leap second: clamped
  CHECK_FALSE(parse_datetime("2025-02-29T00:00:00Z"));
  CHECK_FALSE(parse_datetime("2025-03-27T14:49:4xZ"));
  CHECK_FALSE(parse_datetime("2025-03-27T25:00:00Z"));
  CHECK_FALSE(parse_datetime("2025-03-27T14:60:00Z"));
  CHECK_FALSE(parse_datetime("2025-03-27T14:49:42.12a4Z"));
}

TEST_CASE("timespans: Kusto's [d.]hh:mm:ss[.fffffff] and literals") {
  CHECK(format_timespan(*parse_timespan("1.02:03:04")) == "1.02:03:04");
  CHECK(format_timespan(*parse_timespan("00:30:00")) == "00:30:00");
  CHECK(format_timespan(*parse_timespan("1d")) == "1.00:00:00");
  CHECK(format_timespan(*parse_timespan("90m")) == "01:30:00");
  CHECK(format_timespan(*parse_timespan("0.5h")) == "00:30:00");
  CHECK(format_timespan(*parse_timespan("100ms")) == "00:00:00.1000000");
  CHECK(format_timespan(*parse_timespan("-00:00:01")) == "-00:00:01");
  CHECK(format_timespan(TimeSpan{kTicksPerDay * 30 + 6 * 3600 * kTicksPerSecond}) == "30.06:00:00");
  CHECK_FALSE(parse_timespan("7d // comment"));
}

TEST_CASE("guids") {
  auto g = parse_guid("0F0B85E6-FE8A-4097-BC16-1C1F6FD1E615");
  REQUIRE(g);
  CHECK(format_guid(*g) == "0f0b85e6-fe8a-4097-bc16-1c1f6fd1e615");
  CHECK(parse_guid("0f0b85e6fe8a4097bc161c1f6fd1e615"));
  CHECK_FALSE(parse_guid("0f0b85e6-fe8a-4097-bc16"));
}

// Log Analytics exports write dates in the exporter's locale: en-US "4/11/2025, 10:14:36.000 AM"
// (month-first, 12-hour), en-GB "11/04/2025, 10:14:36.000" (day-first, 24-hour).
TEST_CASE("slash dates read month-first or day-first") {
  CHECK(format_datetime(*parse_datetime("11/04/2025, 10:14:36.000")) == "2025-11-04T10:14:36Z");
  CHECK(format_datetime(*parse_datetime("11/04/2025, 10:14:36.000", DateOrder::DayFirst)) == "2025-04-11T10:14:36Z");
  CHECK(format_datetime(*parse_datetime("13/04/2025, 22:01:02.500", DateOrder::DayFirst)) == "2025-04-13T22:01:02.5000000Z");
  CHECK_FALSE(parse_datetime("13/04/2025, 22:01:02.500"));  // no 13th month
  CHECK_FALSE(parse_datetime("4/13/2025, 9:00:00.000 AM", DateOrder::DayFirst));
  // ISO 8601 has one order whatever is asked
  CHECK(format_datetime(*parse_datetime("2025-04-11T10:14:36Z", DateOrder::DayFirst)) == "2025-04-11T10:14:36Z");
  // de-DE and ru-RU exports write "11.04.2025 10:14:36": always day-first, and only in exports
  // (Kusto's todatetime() reads no dotted dates).
  CHECK(format_datetime(*parse_export_datetime("11.04.2025 10:14:36")) == "2025-04-11T10:14:36Z");
  CHECK(format_datetime(*parse_export_datetime("1.4.2025, 22:01:02.500")) == "2025-04-01T22:01:02.5000000Z");
  CHECK(format_datetime(*parse_export_datetime("11/04/2025, 10:14:36.000")) == "2025-11-04T10:14:36Z");
  CHECK_FALSE(parse_export_datetime("13.13.2025 10:00:00"));
  CHECK_FALSE(parse_datetime("11.04.2025 10:14:36"));
  int a = 0, b = 0;
  CHECK(slash_date_fields("13/04/2025, 10:14:36.000", a, b));
  CHECK(a == 13);
  CHECK(b == 4);
  CHECK_FALSE(slash_date_fields("2025-04-13", a, b));
  CHECK_FALSE(slash_date_fields("a/b/c", a, b));
}
