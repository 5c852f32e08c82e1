// Operators as scalar functions: comparison, arithmetic, string operators, in / has_any, between.
// References: learn.microsoft.com/kusto/query/datatypes-string-operators (string operators),
// .../scalar-data-types/null-values (null comparisons), .../numerical-operators, .../datetime-timespan-arithmetic.
#include <cmath>
#include <unordered_set>

#include "engine/functions.hpp"
#include "engine/regex.hpp"

namespace rulelab::engine {
namespace {

using namespace rules;

std::string str_of(const Value& v) { return to_kusto_string(v); }

// ---- comparison
Value op_eq(const CallArgs& a) { auto r = equal_values(a[0], a[1]); return r ? Value::of_bool(*r) : Value::null_of(Type::Bool); }
Value op_ne(const CallArgs& a) { auto r = equal_values(a[0], a[1]); return r ? Value::of_bool(!*r) : Value::null_of(Type::Bool); }
Value op_lt(const CallArgs& a) { auto r = compare_values(a[0], a[1]); return r ? Value::of_bool(*r < 0) : Value::null_of(Type::Bool); }
Value op_le(const CallArgs& a) { auto r = compare_values(a[0], a[1]); return r ? Value::of_bool(*r <= 0) : Value::null_of(Type::Bool); }
Value op_gt(const CallArgs& a) { auto r = compare_values(a[0], a[1]); return r ? Value::of_bool(*r > 0) : Value::null_of(Type::Bool); }
Value op_ge(const CallArgs& a) { auto r = compare_values(a[0], a[1]); return r ? Value::of_bool(*r >= 0) : Value::null_of(Type::Bool); }

Type cmp_rule(const std::vector<Type>& t, std::string& err) {
  auto ok = [](Type a, Type b) {
    if (a == b || a == Type::Dynamic || b == Type::Dynamic) return true;
    if (is_numeric(a) && is_numeric(b)) return true;
    if ((a == Type::Bool && is_numeric(b)) || (b == Type::Bool && is_numeric(a))) return true;
    // strings compare with numbers, bools, datetimes and timespans after conversion (as Kusto accepts)
    if (a == Type::String || b == Type::String) return a != Type::Guid && b != Type::Guid;
    if (a == Type::Guid || b == Type::Guid) return a == Type::String || b == Type::String;
    return false;
  };
  if (!ok(t[0], t[1]))
    err = "cannot compare values of types " + std::string(type_name(t[0])) + " and " + std::string(type_name(t[1]));
  return Type::Bool;
}

// ---- arithmetic
enum class Arith { Add, Sub, Mul, Div, Mod };

Type arith_type(Type a, Type b, Arith op, std::string& err) {
  auto num = [](Type t) { return is_numeric(t) || t == Type::Dynamic || t == Type::Bool; };
  if (a == Type::Dynamic && b == Type::Dynamic) return Type::Real;
  if (a == Type::Dynamic && is_numeric(b)) return b == Type::Int ? Type::Long : b;
  if (b == Type::Dynamic && is_numeric(a)) return a == Type::Int ? Type::Long : a;
  if (is_numeric(a) && is_numeric(b)) {
    // numerical-operators: real if either side is real, else long (int op int is long)
    const Type t = promote_numeric(a, b);
    return t == Type::Int ? Type::Long : t;
  }
  const bool dt_a = a == Type::DateTime, dt_b = b == Type::DateTime, ts_a = a == Type::TimeSpan, ts_b = b == Type::TimeSpan;
  switch (op) {
    case Arith::Add:
      if ((dt_a && ts_b) || (ts_a && dt_b)) return Type::DateTime;
      if (ts_a && ts_b) return Type::TimeSpan;
      if (dt_a && b == Type::Dynamic) return Type::DateTime;
      break;
    case Arith::Sub:
      if (dt_a && dt_b) return Type::TimeSpan;
      if (dt_a && ts_b) return Type::DateTime;
      if (ts_a && ts_b) return Type::TimeSpan;
      break;
    case Arith::Mul:
      if ((ts_a && num(b)) || (num(a) && ts_b)) return Type::TimeSpan;
      break;
    case Arith::Div:
      if (ts_a && ts_b) return Type::Real;
      if (ts_a && num(b)) return Type::TimeSpan;
      break;
    case Arith::Mod:
      // timespan % timespan; datetime % timespan is the time since the last multiple of the
      // timespan (Kusto reckons datetimes from 0001-01-01), a timespan.
      if ((ts_a || dt_a) && ts_b) return Type::TimeSpan;
      break;
  }
  err = "operator cannot be applied to " + std::string(type_name(a)) + " and " + std::string(type_name(b));
  return Type::Dynamic;
}

Value arith(const Value& x, const Value& y, Arith op) {
  std::string err;
  Type t = arith_type(x.type, y.type, op, err);
  if (x.is_null() || y.is_null()) return Value::null_of(t);
  const bool tx = x.type == Type::DateTime || x.type == Type::TimeSpan, ty = y.type == Type::DateTime || y.type == Type::TimeSpan;
  if (tx || ty) {
    bool ok1 = true, ok2 = true;
    if (tx && ty) {
      std::int64_t r = 0;
      switch (op) {
        case Arith::Add: r = x.i + y.i; break;
        case Arith::Sub: r = x.i - y.i; break;
        case Arith::Div: return y.i == 0 ? Value::null_of(Type::Real) : Value::of_real(static_cast<double>(x.i) / static_cast<double>(y.i));
        case Arith::Mod: {
          if (y.i == 0) return Value::null_of(t);
          if (y.i == -1) { r = 0; break; }  // no trap on min % -1
          if (x.type == Type::DateTime) {
            // datetime % timespan counts from 0001-01-01 (.NET ticks; datetimes here count from
            // 1970-01-01) and lies in [0, |divisor|).
            constexpr std::int64_t kTicks0001To1970 = 621355968000000000LL;
            std::int64_t since_0001 = 0;
            if (__builtin_add_overflow(x.i, kTicks0001To1970, &since_0001)) return Value::null_of(t);
            r = since_0001 % y.i;
            if (r < 0) r += y.i < 0 ? -y.i : y.i;
          } else {
            r = x.i % y.i;  // timespan % timespan: the remainder, as the vector kernel (ModTT)
          }
          break;
        }
        default: return Value::null_of(t);
      }
      return t == Type::DateTime ? Value::of_datetime(r) : Value::of_timespan(r);
    }
    // timespan/datetime with a number
    const Value& tv = tx ? x : y;
    const Value& nv = tx ? y : x;
    double n = number_of(nv, ok2);
    if (!ok1 || !ok2) return Value::null_of(t);
    if (nv.type == Type::Dynamic && t == Type::DateTime) {
      return Value::null_of(t);
    }
    double r = 0;
    if (op == Arith::Mul) r = static_cast<double>(tv.i) * n;
    else if (op == Arith::Div) { if (n == 0) return Value::null_of(t); r = static_cast<double>(tv.i) / n; }
    else return Value::null_of(t);
    return Value::of_timespan(static_cast<std::int64_t>(std::llround(r)));
  }
  if (t == Type::Int || t == Type::Long) {
    bool ok1, ok2;
    std::int64_t a, b;
    if (x.type == Type::Dynamic) { double d = number_of(x, ok1); if (!ok1) return Value::null_of(t); a = static_cast<std::int64_t>(d); if (x.dyn().kind() == DynKind::Real) return arith(Value::of_real(d), y, op); } else a = x.i;
    if (y.type == Type::Dynamic) { double d = number_of(y, ok2); if (!ok2) return Value::null_of(t); b = static_cast<std::int64_t>(d); if (y.dyn().kind() == DynKind::Real) return arith(x, Value::of_real(d), op); } else b = y.i;
    std::int64_t r = 0;
    switch (op) {
      case Arith::Add: r = static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b)); break;
      case Arith::Sub: r = static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b)); break;
      case Arith::Mul: r = static_cast<std::int64_t>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b)); break;
      case Arith::Div:
        if (b == 0) return Value::null_of(t);
        r = b == -1 ? static_cast<std::int64_t>(0 - static_cast<std::uint64_t>(a)) : a / b;
        break;
      case Arith::Mod:
        // numerical-operators: N % D is in [0, abs(D)) (-14 % 12 is 10, 14 % -12 is 2)
        if (b == 0) return Value::null_of(t);
        r = b == -1 ? 0 : a % b;
        if (r < 0) r = static_cast<std::int64_t>(static_cast<std::uint64_t>(r) + (b < 0 ? 0 - static_cast<std::uint64_t>(b) : static_cast<std::uint64_t>(b)));
        break;
    }
    return t == Type::Int ? Value::of_int(static_cast<std::int32_t>(r)) : Value::of_long(r);
  }
  bool ok1, ok2;
  double a = number_of(x, ok1), b = number_of(y, ok2);
  if (!ok1 || !ok2) return Value::null_of(Type::Real);
  double r = 0;
  switch (op) {
    case Arith::Add: r = a + b; break;
    case Arith::Sub: r = a - b; break;
    case Arith::Mul: r = a * b; break;
    case Arith::Div: r = a / b; break;
    case Arith::Mod:
      r = std::fmod(a, b);
      if (r < 0) r += std::fabs(b);
      break;
  }
  return Value::of_real(r);
}

Value op_add(const CallArgs& a) { return arith(a[0], a[1], Arith::Add); }
Value op_sub(const CallArgs& a) { return arith(a[0], a[1], Arith::Sub); }
Value op_mul(const CallArgs& a) { return arith(a[0], a[1], Arith::Mul); }
Value op_div(const CallArgs& a) { return arith(a[0], a[1], Arith::Div); }
Value op_mod(const CallArgs& a) { return arith(a[0], a[1], Arith::Mod); }
Type add_rule(const std::vector<Type>& t, std::string& e) { return arith_type(t[0], t[1], Arith::Add, e); }
Type sub_rule(const std::vector<Type>& t, std::string& e) { return arith_type(t[0], t[1], Arith::Sub, e); }
Type mul_rule(const std::vector<Type>& t, std::string& e) { return arith_type(t[0], t[1], Arith::Mul, e); }
Type div_rule(const std::vector<Type>& t, std::string& e) { return arith_type(t[0], t[1], Arith::Div, e); }
Type mod_rule(const std::vector<Type>& t, std::string& e) { return arith_type(t[0], t[1], Arith::Mod, e); }

Value op_neg(const CallArgs& a) {
  const Value& x = a[0];
  if (x.is_null()) return Value::null_of(x.type == Type::Dynamic ? Type::Real : x.type);
  switch (x.type) {
    case Type::Int: return Value::of_int(static_cast<std::int32_t>(-x.i));
    case Type::Long: return Value::of_long(-x.i);
    case Type::TimeSpan: return Value::of_timespan(-x.i);
    case Type::Real: return Value::of_real(-x.r);
    default: { bool ok; double d = number_of(x, ok); return ok ? Value::of_real(-d) : Value::null_of(Type::Real); }
  }
}
Type neg_rule(const std::vector<Type>& t, std::string& e) {
  if (is_numeric(t[0]) || t[0] == Type::TimeSpan) return t[0];
  if (t[0] == Type::Dynamic) return Type::Real;
  e = "unary minus cannot be applied to " + std::string(type_name(t[0]));
  return t[0];
}

// ---- string operators. The text of a non-string operand is its tostring().
#define STRING_OP(NAME, EXPR)                                   \
  Value NAME(const CallArgs& a) {                               \
    const std::string l = str_of(a[0]), r = str_of(a[1]);       \
    return Value::of_bool(EXPR);                                \
  }
STRING_OP(op_eq_ci, iequals(l, r))
STRING_OP(op_ne_ci, !iequals(l, r))
STRING_OP(op_has, has_term(l, r, false))
STRING_OP(op_nhas, !has_term(l, r, false))
STRING_OP(op_has_cs, has_term(l, r, true))
STRING_OP(op_nhas_cs, !has_term(l, r, true))
STRING_OP(op_hasprefix, has_prefix_term(l, r, false))
STRING_OP(op_nhasprefix, !has_prefix_term(l, r, false))
STRING_OP(op_hasprefix_cs, has_prefix_term(l, r, true))
STRING_OP(op_nhasprefix_cs, !has_prefix_term(l, r, true))
STRING_OP(op_hassuffix, has_suffix_term(l, r, false))
STRING_OP(op_nhassuffix, !has_suffix_term(l, r, false))
STRING_OP(op_hassuffix_cs, has_suffix_term(l, r, true))
STRING_OP(op_nhassuffix_cs, !has_suffix_term(l, r, true))
STRING_OP(op_contains, contains_text(l, r, false))
STRING_OP(op_ncontains, !contains_text(l, r, false))
STRING_OP(op_contains_cs, contains_text(l, r, true))
STRING_OP(op_ncontains_cs, !contains_text(l, r, true))
STRING_OP(op_startswith, l.size() >= r.size() && iequals(std::string_view(l).substr(0, r.size()), r))
STRING_OP(op_nstartswith, !(l.size() >= r.size() && iequals(std::string_view(l).substr(0, r.size()), r)))
STRING_OP(op_startswith_cs, l.compare(0, r.size(), r) == 0 && l.size() >= r.size())
STRING_OP(op_nstartswith_cs, !(l.compare(0, r.size(), r) == 0 && l.size() >= r.size()))
STRING_OP(op_endswith, l.size() >= r.size() && iequals(std::string_view(l).substr(l.size() - r.size()), r))
STRING_OP(op_nendswith, !(l.size() >= r.size() && iequals(std::string_view(l).substr(l.size() - r.size()), r)))
STRING_OP(op_endswith_cs, l.size() >= r.size() && std::string_view(l).substr(l.size() - r.size()) == r)
STRING_OP(op_nendswith_cs, !(l.size() >= r.size() && std::string_view(l).substr(l.size() - r.size()) == r))
#undef STRING_OP

// matches regex: the pattern is compiled once at bind time when constant.
Value op_matches(const CallArgs& a) {
  const std::string l = str_of(a[0]);
  if (auto* st = dynamic_cast<const RegexState*>(a.state)) return Value::of_bool(st->search(l));
  RegexState tmp(str_of(a[1]));
  fail_if_too_large(tmp, a);
  if (!tmp.ok()) return Value::null_of(Type::Bool);
  return Value::of_bool(tmp.search(l));
}
std::shared_ptr<FnState> prep_regex_arg1(const std::vector<const Value*>& c, std::string& err) {
  if (c.size() < 2 || !c[1]) return nullptr;
  auto st = std::make_shared<RegexState>(to_kusto_string(*c[1]));
  if (!st->ok()) { err = "invalid regular expression: " + st->error(); return nullptr; }
  return st;
}

// ---- in / has_any: the list is every argument after the first, dynamic arrays flattened.
template <class F>
void for_each_listed(const CallArgs& a, F&& f) {
  for (std::size_t k = 1; k < a.size(); ++k) {
    const Value& v = a[k];
    if (v.type == Type::Dynamic && v.dyn().is_array()) {
      bool stop = false;
      v.dyn().for_each_element([&](DynRef e) { if (!stop && f(Value::of_dynamic(e))) stop = true; });
      if (stop) return;
    } else if (f(v)) {
      return;
    }
  }
}
Value in_impl(const CallArgs& a, bool ci) {
  bool found = false;
  if (a[0].is_null()) return Value::of_bool(false);
  for_each_listed(a, [&](const Value& v) {
    if (ci) found = iequals(str_of(a[0]), str_of(v));
    else if (a[0].type == Type::String) found = !v.is_null() && str_of(a[0]) == str_of(v);
    else {
      auto e = equal_values(a[0], v);
      found = e && *e;
    }
    return found;
  });
  return Value::of_bool(found);
}
Value op_in(const CallArgs& a) { return in_impl(a, false); }
Value op_nin(const CallArgs& a) { Value v = in_impl(a, false); v.i = !v.i; return v; }
Value op_in_ci(const CallArgs& a) { return in_impl(a, true); }
Value op_nin_ci(const CallArgs& a) { Value v = in_impl(a, true); v.i = !v.i; return v; }
Value op_has_any(const CallArgs& a) {
  const std::string l = str_of(a[0]);
  bool found = false;
  for_each_listed(a, [&](const Value& v) { found = has_term(l, str_of(v), false); return found; });
  return Value::of_bool(found);
}
Value op_has_all(const CallArgs& a) {
  const std::string l = str_of(a[0]);
  bool all = true;
  for_each_listed(a, [&](const Value& v) { all = has_term(l, str_of(v), false); return !all; });
  return Value::of_bool(all);
}

// between: a[1] .. a[2] inclusive (learn.microsoft.com/kusto/query/between-operator).
Value op_between(const CallArgs& a) {
  auto lo = compare_values(a[0], a[1]), hi = compare_values(a[0], a[2]);
  if (!lo || !hi) return Value::null_of(Type::Bool);
  return Value::of_bool(*lo >= 0 && *hi <= 0);
}
Value op_nbetween(const CallArgs& a) {
  Value v = op_between(a);
  if (!v.is_null()) v.i = !v.i;
  return v;
}
Type between_rule(const std::vector<Type>& t, std::string& err) {
  // datetime between (datetime .. timespan) means [lo, lo + timespan]: the binder rewrites it.
  std::vector<Type> p{t[0], t[1]};
  cmp_rule(p, err);
  if (!err.empty()) return Type::Bool;
  p = {t[0], t[2]};
  return cmp_rule(p, err);
}

}  // namespace

void add_operator_functions(std::vector<ScalarFunction>& out) {
  std::string_view cat;  // the reference category of the entries below (empty: the family's)
  auto add = [&](const char* n, int mn, int mx, TypeRule t, ScalarImpl f, PrepareFn p = nullptr) {
    out.push_back(ScalarFunction{n, mn, mx, t, f, p, true}); out.back().category = cat;
  };
  cat = "String operators";
  add("==", 2, 2, cmp_rule, op_eq);
  add("!=", 2, 2, cmp_rule, op_ne);
  cat = {};
  add("<>", 2, 2, cmp_rule, op_ne);
  add("<", 2, 2, cmp_rule, op_lt);
  add("<=", 2, 2, cmp_rule, op_le);
  add(">", 2, 2, cmp_rule, op_gt);
  add(">=", 2, 2, cmp_rule, op_ge);
  add("+", 2, 2, add_rule, op_add);
  add("-", 2, 2, sub_rule, op_sub);
  add("*", 2, 2, mul_rule, op_mul);
  add("/", 2, 2, div_rule, op_div);
  add("%", 2, 2, mod_rule, op_mod);
  add("neg", 1, 1, neg_rule, op_neg);
  cat = "String operators";
  add("=~", 2, 2, ret_bool, op_eq_ci);
  add("!~", 2, 2, ret_bool, op_ne_ci);
  add("has", 2, 2, ret_bool, op_has);
  add("!has", 2, 2, ret_bool, op_nhas);
  add("has_cs", 2, 2, ret_bool, op_has_cs);
  add("!has_cs", 2, 2, ret_bool, op_nhas_cs);
  add("hasprefix", 2, 2, ret_bool, op_hasprefix);
  add("!hasprefix", 2, 2, ret_bool, op_nhasprefix);
  add("hasprefix_cs", 2, 2, ret_bool, op_hasprefix_cs);
  add("!hasprefix_cs", 2, 2, ret_bool, op_nhasprefix_cs);
  add("hassuffix", 2, 2, ret_bool, op_hassuffix);
  add("!hassuffix", 2, 2, ret_bool, op_nhassuffix);
  add("hassuffix_cs", 2, 2, ret_bool, op_hassuffix_cs);
  add("!hassuffix_cs", 2, 2, ret_bool, op_nhassuffix_cs);
  add("contains", 2, 2, ret_bool, op_contains);
  add("!contains", 2, 2, ret_bool, op_ncontains);
  add("contains_cs", 2, 2, ret_bool, op_contains_cs);
  add("!contains_cs", 2, 2, ret_bool, op_ncontains_cs);
  add("startswith", 2, 2, ret_bool, op_startswith);
  add("!startswith", 2, 2, ret_bool, op_nstartswith);
  add("startswith_cs", 2, 2, ret_bool, op_startswith_cs);
  add("!startswith_cs", 2, 2, ret_bool, op_nstartswith_cs);
  add("endswith", 2, 2, ret_bool, op_endswith);
  add("!endswith", 2, 2, ret_bool, op_nendswith);
  add("endswith_cs", 2, 2, ret_bool, op_endswith_cs);
  add("!endswith_cs", 2, 2, ret_bool, op_nendswith_cs);
  add("matches regex", 2, 2, ret_bool, op_matches, prep_regex_arg1);
  cat = "in operators";
  add("in", 2, -1, ret_bool, op_in);
  add("!in", 2, -1, ret_bool, op_nin);
  add("in~", 2, -1, ret_bool, op_in_ci);
  add("!in~", 2, -1, ret_bool, op_nin_ci);
  cat = "String operators";
  add("has_any", 2, -1, ret_bool, op_has_any);
  add("has_all", 2, -1, ret_bool, op_has_all);
  cat = "between operators";
  add("between", 3, 3, between_rule, op_between);
  add("!between", 3, 3, between_rule, op_nbetween);
  // vector kernels for some argument types: kernels.cpp (add_operator_kernels)
}

}  // namespace rulelab::engine
