// Conversion functions (learn.microsoft.com/kusto/query/scalar-functions#conversion-functions):
// tostring, tolong, toint, todouble, todecimal, tobool, todatetime, totimespan, toguid and the
// aliases toreal, toboolean, totime.
#include <cctype>
#include <cmath>
#include <cstring>

#include "core/datetime.hpp"
#include "engine/functions.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;

Value f_tostring(const CallArgs& a) { return Value::of_string(to_kusto_string(a[0])); }
Value f_tolong(const CallArgs& a) { return convert_to(a[0], Type::Long); }
Value f_toint(const CallArgs& a) { return convert_to(a[0], Type::Int); }
Value f_toreal(const CallArgs& a) { return convert_to(a[0], Type::Real); }
// todecimal-function: a decimal (a text keeps its digits exactly: engine/decimal.hpp).
Value f_todecimal(const CallArgs& a) { return convert_to(a[0], Type::Decimal); }
Type ret_decimal(const std::vector<Type>&, std::string&) { return Type::Decimal; }
Value f_tobool(const CallArgs& a) { return convert_to(a[0], Type::Bool); }
Value f_todatetime(const CallArgs& a) { return convert_to(a[0], Type::DateTime); }
Value f_totimespan(const CallArgs& a) { return convert_to(a[0], Type::TimeSpan); }
// toguid-function: the first 32 characters of the text, hyphens skipped, must be hex digits; the
// rest of the text is ignored ("0123456789ab-cdef-0123-456789abcdef" converts). Braces around a
// guid ("{...}", .NET's "B" form) are accepted too.
Value f_toguid(const CallArgs& a) {
  if (a[0].type == Type::Guid) return a[0];
  if (a[0].is_null() && a[0].type != Type::String) return Value::null_of(Type::Guid);
  const std::string s = to_kusto_string(a[0]);
  std::string hex;
  std::size_t i = !s.empty() && s[0] == '{' ? 1 : 0;
  for (; i < s.size() && hex.size() < 32; ++i) {
    const char c = s[i];
    if (c == '-') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return Value::null_of(Type::Guid);
    hex.push_back(c);
  }
  if (hex.size() < 32) return Value::null_of(Type::Guid);
  return convert_to(Value::of_string(hex), Type::Guid);
}
}  // namespace

void add_conversion_functions(std::vector<ScalarFunction>& out) {
  std::string_view cat;  // the reference category of the entries below (empty: the family's)
  auto add = [&](const char* n, int mn, int mx, TypeRule t, ScalarImpl f) { out.push_back(ScalarFunction{n, mn, mx, t, f, nullptr, true}); out.back().category = cat; };
  cat = "Conversion functions";
  add("tostring", 1, 1, ret_string, f_tostring);
  add("tolong", 1, 1, ret_long, f_tolong);
  add("toint", 1, 1, ret_int, f_toint);
  add("todouble", 1, 1, ret_real, f_toreal);
  cat = "rulelab";
  add("toreal", 1, 1, ret_real, f_toreal);
  cat = "Conversion functions";
  add("todecimal", 1, 1, ret_decimal, f_todecimal);
  add("tobool", 1, 1, ret_bool, f_tobool);
  cat = "rulelab";
  add("toboolean", 1, 1, ret_bool, f_tobool);
  cat = "Conversion functions";
  add("todatetime", 1, 1, ret_datetime, f_todatetime);
  add("totimespan", 1, 1, ret_timespan, f_totimespan);
  cat = "rulelab";
  add("totime", 1, 1, ret_timespan, f_totimespan);
  cat = "Conversion functions";
  add("toguid", 1, 1, ret_guid, f_toguid);
}

}  // namespace rulelab::engine
