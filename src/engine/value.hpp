// Scalar values of the Kusto executor and their semantics: null rules, type promotion
// (int/long/real), comparisons, conversions (tostring, tolong, ...).
// Reference: Kusto "Scalar data types" and "null values"
// (learn.microsoft.com/kusto/query/scalar-data-types/null-values).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/column.hpp"
#include "core/dynamic.hpp"
#include "core/types.hpp"

namespace rulelab::engine {

// One scalar value of a Kusto type. Strings are never null; `s` holds the string, or the
// encoded bytes of a dynamic value.
struct Value {
  Type type = Type::Dynamic;
  bool null = true;
  std::int64_t i = 0;  // bool (0/1), int, long, datetime ticks, timespan ticks
  double r = 0;        // real
  std::string s;       // string; dynamic encoding
  Guid g{};

  static Value null_of(Type t);
  static Value of_bool(bool v) { Value x; x.type = Type::Bool; x.null = false; x.i = v; return x; }
  static Value of_int(std::int32_t v) { Value x; x.type = Type::Int; x.null = false; x.i = v; return x; }
  static Value of_long(std::int64_t v) { Value x; x.type = Type::Long; x.null = false; x.i = v; return x; }
  static Value of_real(double v) { Value x; x.type = Type::Real; x.null = false; x.r = v; return x; }
  static Value of_string(std::string v) { Value x; x.type = Type::String; x.null = false; x.s = std::move(v); return x; }
  static Value of_datetime(std::int64_t t) { Value x; x.type = Type::DateTime; x.null = false; x.i = t; return x; }
  static Value of_timespan(std::int64_t t) { Value x; x.type = Type::TimeSpan; x.null = false; x.i = t; return x; }
  static Value of_guid(const Guid& g) { Value x; x.type = Type::Guid; x.null = false; x.g = g; return x; }
  // From encoded dynamic bytes (a dynamic null is a null value).
  static Value of_dynamic(std::string bytes);
  static Value of_dynamic(DynRef r) { return of_dynamic(std::string(r.bytes())); }

  bool is_null() const { return type == Type::String ? false : null; }
  DynRef dyn() const { return DynRef(std::string_view(s)); }
  bool truthy() const { return !null && type == Type::Bool && i != 0; }
};

bool is_numeric(Type t);  // int, long, real, decimal
// The common type of numbers: int+int=int, int+long=long, any real = real.
Type promote_numeric(Type a, Type b);

Value get_value(const Column& c, std::size_t row);
// Appends v to c; v must already have c's type (or be null).
void append_value(Column& c, const Value& v);

// Conversions, as Kusto's tostring/tolong/... (null when not convertible).
std::string to_kusto_string(const Value& v);  // tostring(): null -> ""
Value convert_to(const Value& v, Type t);     // tolong, toreal, tobool, todatetime, ... (dynamic: todynamic)
Value dyn_to_value(DynRef r);                 // a dynamic element, as dynamic
// Scalar value of a dynamic element, in its natural Kusto type (long, real, bool, string) or dynamic.
double number_of(const Value& v, bool& ok);    // numeric value of int/long/real/dynamic number

// Appends v into a DynWriter (as a dynamic value: numbers, strings, datetimes as ISO strings, ...).
void write_dynamic(DynWriter& w, const Value& v);
Value to_dynamic(const Value& v);

// Three-valued comparison. nullopt when either side is null or the types do not compare.
std::optional<int> compare_values(const Value& a, const Value& b);
// Equality as the == operator: both null -> nullopt (bool(null)), one null -> false.
std::optional<bool> equal_values(const Value& a, const Value& b);

// Kusto's text for a real: "1.5", "3", "1e+20" (as Kusto's round-trip formatting).
std::string format_real(double d);

// Case-insensitive ASCII helpers.
char ascii_lower(char c);
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
bool iequals(std::string_view a, std::string_view b);

// Key for hashing and equality in joins, summarize and distinct: equal values give equal keys,
// numbers by value across int/long/real, nulls apart.
void append_key(std::string& key, const Value& v);

}  // namespace rulelab::engine
