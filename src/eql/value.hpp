// Runtime values of EQL expressions.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace rulelab::eql {

// Field types that change how values compare (from an index mapping or ECS).
enum class FieldType { Unknown, Keyword, Text, Long, Double, Date, Ip, Version, Boolean };

struct Value {
  enum class Kind { Null, Bool, Long, Double, String, Date, Version };
  Kind kind = Kind::Null;
  bool b = false;
  std::int64_t i = 0;  // Long; Date: nanoseconds since the Unix epoch
  double d = 0;
  std::string s;       // String, Version

  static Value null() { return {}; }
  static Value boolean(bool v) { Value r; r.kind = Kind::Bool; r.b = v; return r; }
  static Value integer(std::int64_t v) { Value r; r.kind = Kind::Long; r.i = v; return r; }
  static Value real(double v) { Value r; r.kind = Kind::Double; r.d = v; return r; }
  static Value string(std::string v) { Value r; r.kind = Kind::String; r.s = std::move(v); return r; }
  static Value date(std::int64_t nanos) { Value r; r.kind = Kind::Date; r.i = nanos; return r; }
  static Value version(std::string v) { Value r; r.kind = Kind::Version; r.s = std::move(v); return r; }

  bool is_null() const { return kind == Kind::Null; }
  bool is_number() const { return kind == Kind::Long || kind == Kind::Double; }
  bool is_text() const { return kind == Kind::String || kind == Kind::Version; }
  double number() const { return kind == Kind::Long || kind == Kind::Date ? static_cast<double>(i) : d; }
};

// EQL's string form of a value (string(), concat()): numbers as Java prints them.
std::string to_text(const Value& v);
// JSON text of a value.
std::string to_json_text(const Value& v);

// Three-way comparison of two non-null values, or nullopt when they do not compare
// (different kinds that EQL does not convert). Strings compare by UTF-8 bytes, as keyword
// fields sort; dates by instant; versions by semantic version precedence.
std::optional<int> compare(const Value& a, const Value& b);

// A date as a date field reads it (strict_date_optional_time||epoch_millis, elastic/date.hpp) as
// nanoseconds since the epoch; nullopt when it is none or lies outside 1677-2262.
std::optional<std::int64_t> parse_date_nanos(std::string_view s);

}  // namespace rulelab::eql
