// ES|QL values: the types ES|QL reports (integer, long, unsigned_long, double, keyword, text,
// boolean, date, ip, version, null, and the literal-only date_period / time_duration), and a cell
// that holds the values of one row of one column: none (null), one, or several (a multi-value),
// as Elasticsearch fields are multi-valued. Reference: ES|QL "Supported types", "Multivalued fields".
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/container/small_vector.hpp>

#include "core/datetime.hpp"  // days_from_civil, civil_from_days

namespace rulelab::esql {

enum class Type : std::uint8_t {
  Null, Boolean, Integer, Long, UnsignedLong, Double, Keyword, Text, Date, Ip, Version, DatePeriod, TimeDuration,
  GeoPoint,  // s: WKT "POINT (lon lat)", as ES|QL prints it
  Source,    // METADATA _source: s holds the document's JSON
  Unsupported
};
std::string_view type_name(Type t);
std::optional<Type> type_from_name(std::string_view name);  // ES|QL type names and cast aliases
bool is_numeric(Type t);     // integer, long, unsigned_long, double
bool is_string(Type t);      // keyword, text
bool is_integral(Type t);    // integer, long, unsigned_long

// One value. Which members are used depends on the column's type:
// Boolean/Integer/Long/Date(ms since epoch)/TimeDuration(ms): i; UnsignedLong: u; Double: d;
// Keyword/Text/Version: s; Ip: s holds 16 bytes (IPv4 as IPv4-mapped IPv6); DatePeriod: i months, j days.
struct Scalar {
  std::int64_t i = 0;
  std::int64_t j = 0;
  std::uint64_t u = 0;
  double d = 0;
  std::string s;
  static Scalar of_int(std::int64_t v) { Scalar x; x.i = v; return x; }
  static Scalar of_ul(std::uint64_t v) { Scalar x; x.u = v; return x; }
  static Scalar of_double(double v) { Scalar x; x.d = v; return x; }
  static Scalar of_str(std::string v) { Scalar x; x.s = std::move(v); return x; }
};

// The values of one row: empty is null.
using Cell = boost::container::small_vector<Scalar, 1>;

// Three-valued comparison of two values of the same type (numbers compared across numeric types).
int compare_scalar(Type ta, const Scalar& a, Type tb, const Scalar& b);
double as_double(Type t, const Scalar& v);

// Text of a value as ES|QL prints it (dates ISO with milliseconds, IPs canonical, doubles as Java).
std::string to_text(Type t, const Scalar& v);
std::string format_double(double d);   // Java's Double.toString
// geo_point as ES|QL prints it: WKT "POINT (lon lat)"; parse_wkt_point reads it back (lon, lat).
std::string wkt_point(double lon, double lat);
std::optional<std::pair<double, double>> parse_wkt_point(std::string_view wkt);
std::string format_date(std::int64_t ms);  // yyyy-MM-ddTHH:mm:ss.SSSZ
// Parses an ISO date (strict_date_optional_time) into ms since epoch.
std::optional<std::int64_t> parse_date(std::string_view s);
std::optional<std::string> parse_ip(std::string_view s);  // 16 bytes
std::string format_ip(std::string_view bytes16);
// Versions compare as Elasticsearch's version field: numeric dot-separated parts, pre-release < release.
int compare_version(std::string_view a, std::string_view b);

}  // namespace rulelab::esql
