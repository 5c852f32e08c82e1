// Conversion, null, math and misc functions (learn.microsoft.com/kusto/query/<name>-function); still
// mixed categories: each entry names its reference category (tools/coverage --check-categories).
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
Value f_isnull(const CallArgs& a) { return Value::of_bool(a[0].is_null()); }
Value f_isnotnull(const CallArgs& a) { return Value::of_bool(!a[0].is_null()); }
Value f_gettype(const CallArgs& a) {
  if (a[0].type != Type::Dynamic) return Value::of_string(a[0].is_null() && a[0].type != Type::String ? std::string(type_name(a[0].type)) : std::string(type_name(a[0].type)));
  switch (a[0].dyn().kind()) {
    case DynKind::Null: return Value::of_string("null");
    case DynKind::True: case DynKind::False: return Value::of_string("bool");
    case DynKind::Int: return Value::of_string("long");
    case DynKind::Real: return Value::of_string("real");
    case DynKind::String: return Value::of_string("string");
    case DynKind::Array: return Value::of_string("array");
    case DynKind::Object: return Value::of_string("dictionary");
  }
  return Value::of_string("");
}

double num(const Value& v, bool& ok) { return number_of(v, ok); }
Value f_abs(const CallArgs& a) {
  const Value& x = a[0];
  if (x.is_null()) return x;
  if (x.type == Type::Int || x.type == Type::Long) { Value r = x; r.i = x.i < 0 ? -x.i : x.i; return r; }
  if (x.type == Type::TimeSpan) return Value::of_timespan(x.i < 0 ? -x.i : x.i);
  bool ok; double d = num(x, ok);
  return ok ? Value::of_real(std::fabs(d)) : Value::null_of(Type::Real);
}
Type abs_rule(const std::vector<Type>& t, std::string&) { return t[0] == Type::Dynamic ? Type::Real : t[0]; }
#define REAL_FN(NAME, EXPR)                                  \
  Value NAME(const CallArgs& a) {                            \
    bool ok; double x = num(a[0], ok);                       \
    if (!ok) return Value::null_of(Type::Real);              \
    return Value::of_real(EXPR);                             \
  }
// log-function, log10-function, log2-function, sqrt-function: null for a negative argument
#define REAL_FN_NONNEG(NAME, EXPR)                           \
  Value NAME(const CallArgs& a) {                            \
    bool ok; double x = num(a[0], ok);                       \
    if (!ok || x < 0) return Value::null_of(Type::Real);     \
    return Value::of_real(EXPR);                             \
  }
REAL_FN_NONNEG(f_log, std::log(x))
REAL_FN_NONNEG(f_log10, std::log10(x))
REAL_FN_NONNEG(f_log2, std::log2(x))
REAL_FN_NONNEG(f_sqrt, std::sqrt(x))
#undef REAL_FN_NONNEG
REAL_FN(f_exp, std::exp(x))
REAL_FN(f_exp2, std::exp2(x))
REAL_FN(f_exp10, std::pow(10.0, x))
REAL_FN(f_ceiling, std::ceil(x))
#undef REAL_FN
Value f_pow(const CallArgs& a) {
  bool o1, o2; double x = num(a[0], o1), y = num(a[1], o2);
  if (!o1 || !o2) return Value::null_of(Type::Real);
  return Value::of_real(std::pow(x, y));
}
// round(number [, precision]): half away from zero.
Value f_round(const CallArgs& a) {
  bool ok; double x = num(a[0], ok);
  if (!ok) return Value::null_of(a[0].type == Type::Dynamic ? Type::Real : a[0].type);
  std::int64_t p = 0;
  if (a.size() > 1) { bool o; p = static_cast<std::int64_t>(num(a[1], o)); }
  if (a[0].type == Type::Int || a[0].type == Type::Long) {
    if (p >= 0) return a[0];
    double f = std::pow(10.0, static_cast<double>(-p));
    std::int64_t r = static_cast<std::int64_t>(std::round(static_cast<double>(a[0].i) / f) * f);
    return a[0].type == Type::Int ? Value::of_int(static_cast<std::int32_t>(r)) : Value::of_long(r);
  }
  double f = std::pow(10.0, static_cast<double>(p));
  return Value::of_real(std::round(x * f) / f);
}
Type round_rule(const std::vector<Type>& t, std::string&) { return t[0] == Type::Dynamic ? Type::Real : t[0]; }
Value f_sign(const CallArgs& a) { bool ok; double x = num(a[0], ok); if (!ok) return Value::null_of(Type::Real); return Value::of_real(x > 0 ? 1 : (x < 0 ? -1 : 0)); }
Value f_isnan(const CallArgs& a) { bool ok; double x = num(a[0], ok); return Value::of_bool(ok && std::isnan(x)); }
Value f_isfinite(const CallArgs& a) { bool ok; double x = num(a[0], ok); return Value::of_bool(ok && std::isfinite(x)); }
Value f_isinf(const CallArgs& a) { bool ok; double x = num(a[0], ok); return Value::of_bool(ok && std::isinf(x)); }
Value f_max_of(const CallArgs& a) {
  Value best = Value::null_of(a[0].type);
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k].is_null()) continue;
    auto c = best.is_null() ? std::optional<int>(1) : compare_values(a[k], best);
    if (c && *c > 0) best = a[k];
  }
  return best;
}
Value f_min_of(const CallArgs& a) {
  Value best = Value::null_of(a[0].type);
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k].is_null()) continue;
    auto c = best.is_null() ? std::optional<int>(-1) : compare_values(a[k], best);
    if (c && *c < 0) best = a[k];
  }
  return best;
}
Type minmax_rule(const std::vector<Type>& t, std::string&) {
  Type r = t[0];
  for (Type x : t) if (is_numeric(x) && is_numeric(r)) r = promote_numeric(r, x);
  return r;
}

}  // namespace

void add_misc_functions(std::vector<ScalarFunction>& out) {
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
  add("todecimal", 1, 1, ret_real, f_toreal);
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
  cat = "String functions";
  add("isnull", 1, 1, ret_bool, f_isnull);
  add("isnotnull", 1, 1, ret_bool, f_isnotnull);
  cat = "rulelab";
  add("notnull", 1, 1, ret_bool, f_isnotnull);
  cat = "Type functions";
  add("gettype", 1, 1, ret_string, f_gettype);
  cat = "Mathematical functions";
  add("abs", 1, 1, abs_rule, f_abs);
  add("log", 1, 1, ret_real, f_log);
  add("log10", 1, 1, ret_real, f_log10);
  add("log2", 1, 1, ret_real, f_log2);
  add("exp", 1, 1, ret_real, f_exp);
  add("exp2", 1, 1, ret_real, f_exp2);
  add("exp10", 1, 1, ret_real, f_exp10);
  add("sqrt", 1, 1, ret_real, f_sqrt);
  cat = "Rounding functions";
  add("ceiling", 1, 1, ret_real, f_ceiling);
  cat = "Mathematical functions";
  add("pow", 2, 2, ret_real, f_pow);
  add("round", 1, 2, round_rule, f_round);
  add("sign", 1, 1, ret_real, f_sign);
  add("isnan", 1, 1, ret_bool, f_isnan);
  add("isfinite", 1, 1, ret_bool, f_isfinite);
  add("isinf", 1, 1, ret_bool, f_isinf);
  cat = "Conditional functions";
  add("max_of", 1, 64, minmax_rule, f_max_of);
  add("min_of", 1, 64, minmax_rule, f_min_of);
}

}  // namespace rulelab::engine
