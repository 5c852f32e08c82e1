// Kusto scalar types and their names.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rulelab {

// The scalar types of Kusto. Strings are never null (empty string instead); others are nullable.
enum class Type : std::uint8_t { Bool, Int, Long, Real, Decimal, String, DateTime, TimeSpan, Guid, Dynamic };

// The Kusto spelling of a type ("bool", "datetime", ...).
std::string_view type_name(Type t);

// Parses a type name as written in Log Analytics schemas and Kusto (case-insensitive; also the
// aliases boolean, int32, int64, double, date, time, uniqueid, System.String and the like).
std::optional<Type> parse_type_name(std::string_view name);

// 100-nanosecond ticks since the Unix epoch, UTC.
struct DateTime {
  std::int64_t ticks = 0;
  friend auto operator<=>(const DateTime&, const DateTime&) = default;
};
// A duration in 100-nanosecond ticks.
struct TimeSpan {
  std::int64_t ticks = 0;
  friend auto operator<=>(const TimeSpan&, const TimeSpan&) = default;
};
struct Guid {
  std::uint8_t bytes[16] = {};
  friend auto operator<=>(const Guid&, const Guid&) = default;
};

inline constexpr std::int64_t kTicksPerSecond = 10'000'000;
inline constexpr std::int64_t kTicksPerDay = 86'400 * kTicksPerSecond;

}  // namespace rulelab
