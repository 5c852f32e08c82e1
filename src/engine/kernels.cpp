// Vector kernels of the operators, after DuckDB's scalar executors: comparisons, arithmetic,
// `in` over a list of constants and the string operators (==, =~, has, contains, startswith, ...).
// Each kernel is a tiny operation (a struct with one static function) run by a shared executor:
// a typed loop over the selected rows of its arguments' raw storage (Column::words, get_string)
// and validity bitmaps. The operators are declared once, in fn_operators.cpp, with their per-row
// implementation; add_operator_kernels attaches a KernelSelect to them, which the binder asks for
// a kernel once per call, from the argument types. A kernel gives exactly what the per-row
// implementation gives (null rules: learn.microsoft.com/kusto/query/scalar-data-types/null-values,
// overflow and division: .../numerical-operators); tests/engine/test_kernels.cpp checks both
// paths against each other on random batches with nulls.
#include <bit>
#include <cmath>
#include <type_traits>
#include <unordered_set>

#include "engine/functions.hpp"

namespace rulelab::engine {
namespace {

// ---- readers: one argument (a column of the batch or a constant), as int64 or double

bool valid_bit(const std::uint64_t* bits, std::size_t i) { return !bits || (bits[i >> 6] >> (i & 63) & 1); }

// Validity of an argument: a bitmap (nullptr: no nulls), or a constant that is null on every row.
struct Validity {
  const std::uint64_t* bits = nullptr;
  bool all_null = false;
  bool operator()(std::size_t i) const { return !all_null && valid_bit(bits, i); }
};
Validity validity_of(const Vec& v) {
  if (v.is_const) return Validity{nullptr, v.cval.is_null()};
  return Validity{v.col->validity(), false};
}

struct I32Col {
  const std::uint64_t* w;
  std::int64_t operator()(std::size_t i) const { return static_cast<std::int32_t>(static_cast<std::uint32_t>(w[i])); }
};
struct I64Col {
  const std::uint64_t* w;
  std::int64_t operator()(std::size_t i) const { return static_cast<std::int64_t>(w[i]); }
};
struct F64Col {
  const std::uint64_t* w;
  double operator()(std::size_t i) const { return std::bit_cast<double>(w[i]); }
};
template <class R>
struct AsF64 {
  R r;
  double operator()(std::size_t i) const { return static_cast<double>(r(i)); }
};
template <class T>
struct ConstOf {
  T v;
  T operator()(std::size_t) const { return v; }
};
struct StrCol {
  const Column* c;
  std::string_view operator()(std::size_t i) const { return c->get_string(i); }
};
struct StrConst {
  std::string_view v;
  std::string_view operator()(std::size_t) const { return v; }
};

// Integral types, read as int64 (bool as 0/1, datetime and timespan as ticks).
bool integral(Type t) { return t == Type::Int || t == Type::Long || t == Type::Bool || t == Type::DateTime || t == Type::TimeSpan; }
// Types read as double: numbers and bool (as compare_values and number_of read them).
bool real_readable(Type t) { return t == Type::Int || t == Type::Long || t == Type::Bool || t == Type::Real; }

// Calls f with the int64 reader of v; false when v is not integral.
template <class F>
bool with_i64(const Vec& v, F&& f) {
  if (v.is_const) {
    if (!integral(v.cval.type)) return false;
    f(ConstOf<std::int64_t>{v.cval.i});
    return true;
  }
  const Type t = v.col->type();
  if (t == Type::Int) { f(I32Col{v.col->words()}); return true; }
  if (integral(t)) { f(I64Col{v.col->words()}); return true; }
  return false;
}
// Calls f with the double reader of v; false when v is not a number or bool.
template <class F>
bool with_f64(const Vec& v, F&& f) {
  if (v.is_const) {
    const Type t = v.cval.type;
    if (!real_readable(t)) return false;
    f(ConstOf<double>{t == Type::Real ? v.cval.r : static_cast<double>(v.cval.i)});
    return true;
  }
  switch (v.col->type()) {
    case Type::Int: f(AsF64<I32Col>{I32Col{v.col->words()}}); return true;
    case Type::Long: case Type::Bool: f(AsF64<I64Col>{I64Col{v.col->words()}}); return true;
    case Type::Real: f(F64Col{v.col->words()}); return true;
    default: return false;
  }
}
template <class F>
bool with_str(const Vec& v, F&& f) {
  if (v.is_const) {
    if (v.cval.type != Type::String) return false;
    f(StrConst{v.cval.s});
    return true;
  }
  if (v.col->type() != Type::String) return false;
  f(StrCol{v.col});
  return true;
}
enum class Domain { I64, F64 };
template <Domain D, class F>
bool with_reader(const Vec& v, F&& f) {
  if constexpr (D == Domain::I64) return with_i64(v, f);
  else return with_f64(v, f);
}

// ---- comparisons: == and != give false / true when one side is null and null when both are;
// the ordering operators give null when either side is null (or NaN).

struct OpEq { static constexpr int one_null = 0; static constexpr bool ordered = false; template <class T> static bool test(T a, T b) { return a == b; } };
struct OpNe { static constexpr int one_null = 1; static constexpr bool ordered = false; template <class T> static bool test(T a, T b) { return a != b; } };
struct OpLt { static constexpr int one_null = -1; static constexpr bool ordered = true; template <class T> static bool test(T a, T b) { return a < b; } };
struct OpLe { static constexpr int one_null = -1; static constexpr bool ordered = true; template <class T> static bool test(T a, T b) { return a <= b; } };
struct OpGt { static constexpr int one_null = -1; static constexpr bool ordered = true; template <class T> static bool test(T a, T b) { return a > b; } };
struct OpGe { static constexpr int one_null = -1; static constexpr bool ordered = true; template <class T> static bool test(T a, T b) { return a >= b; } };

template <class Op, class L, class R>
void compare_loop(const Rows& rows, L l, Validity lv, R r, Validity rv, Column& out) {
  std::uint64_t* o = out.words();
  for_each_row(rows, [&](std::size_t i) {
    const bool a = lv(i), b = rv(i);
    if (a && b) {
      const auto x = l(i);
      const auto y = r(i);
      if constexpr (Op::ordered && std::is_floating_point_v<decltype(x)>) {
        if (std::isnan(x) || std::isnan(y)) { out.set_null(i); return; }
      }
      o[i] = Op::test(x, y) ? 1 : 0;
    } else if ((a || b) && Op::one_null >= 0) {
      o[i] = static_cast<std::uint64_t>(Op::one_null);
    } else {
      out.set_null(i);
    }
  });
}

template <Domain D, class Op>
bool compare_kernel(const Vec* a, const Rows& rows, const FnState*, Column& out) {
  if (a[0].is_const && a[1].is_const) return false;
  const Validity lv = validity_of(a[0]), rv = validity_of(a[1]);
  bool ok = false;
  with_reader<D>(a[0], [&](auto l) {
    ok = with_reader<D>(a[1], [&](auto r) { compare_loop<Op>(rows, l, lv, r, rv, out); });
  });
  return ok;
}

// ---- string predicates (strings are never null). The has family reuses the term rules of the
// per-row operators (has_term, has_prefix_term, has_suffix_term, contains_text in functions.cpp).

bool sv_eq(std::string_view a, std::string_view b) { return a == b; }
bool sv_ne(std::string_view a, std::string_view b) { return a != b; }
bool sv_eq_ci(std::string_view a, std::string_view b) { return iequals(a, b); }
bool sv_ne_ci(std::string_view a, std::string_view b) { return !iequals(a, b); }
bool sv_has(std::string_view a, std::string_view b) { return has_term(a, b, false); }
bool sv_nhas(std::string_view a, std::string_view b) { return !has_term(a, b, false); }
bool sv_has_cs(std::string_view a, std::string_view b) { return has_term(a, b, true); }
bool sv_nhas_cs(std::string_view a, std::string_view b) { return !has_term(a, b, true); }
bool sv_hasprefix(std::string_view a, std::string_view b) { return has_prefix_term(a, b, false); }
bool sv_nhasprefix(std::string_view a, std::string_view b) { return !has_prefix_term(a, b, false); }
bool sv_hasprefix_cs(std::string_view a, std::string_view b) { return has_prefix_term(a, b, true); }
bool sv_nhasprefix_cs(std::string_view a, std::string_view b) { return !has_prefix_term(a, b, true); }
bool sv_hassuffix(std::string_view a, std::string_view b) { return has_suffix_term(a, b, false); }
bool sv_nhassuffix(std::string_view a, std::string_view b) { return !has_suffix_term(a, b, false); }
bool sv_hassuffix_cs(std::string_view a, std::string_view b) { return has_suffix_term(a, b, true); }
bool sv_nhassuffix_cs(std::string_view a, std::string_view b) { return !has_suffix_term(a, b, true); }
bool sv_contains(std::string_view a, std::string_view b) { return contains_text(a, b, false); }
bool sv_ncontains(std::string_view a, std::string_view b) { return !contains_text(a, b, false); }
bool sv_contains_cs(std::string_view a, std::string_view b) { return contains_text(a, b, true); }
bool sv_ncontains_cs(std::string_view a, std::string_view b) { return !contains_text(a, b, true); }
bool starts_ci(std::string_view a, std::string_view b) { return a.size() >= b.size() && iequals(a.substr(0, b.size()), b); }
bool ends_ci(std::string_view a, std::string_view b) { return a.size() >= b.size() && iequals(a.substr(a.size() - b.size()), b); }
bool starts_cs(std::string_view a, std::string_view b) { return a.size() >= b.size() && a.substr(0, b.size()) == b; }
bool ends_cs(std::string_view a, std::string_view b) { return a.size() >= b.size() && a.substr(a.size() - b.size()) == b; }
bool sv_startswith(std::string_view a, std::string_view b) { return starts_ci(a, b); }
bool sv_nstartswith(std::string_view a, std::string_view b) { return !starts_ci(a, b); }
bool sv_startswith_cs(std::string_view a, std::string_view b) { return starts_cs(a, b); }
bool sv_nstartswith_cs(std::string_view a, std::string_view b) { return !starts_cs(a, b); }
bool sv_endswith(std::string_view a, std::string_view b) { return ends_ci(a, b); }
bool sv_nendswith(std::string_view a, std::string_view b) { return !ends_ci(a, b); }
bool sv_endswith_cs(std::string_view a, std::string_view b) { return ends_cs(a, b); }
bool sv_nendswith_cs(std::string_view a, std::string_view b) { return !ends_cs(a, b); }

template <bool (*P)(std::string_view, std::string_view)>
bool string_kernel(const Vec* a, const Rows& rows, const FnState*, Column& out) {
  if (a[0].is_const && a[1].is_const) return false;
  std::uint64_t* o = out.words();
  bool ok = false;
  with_str(a[0], [&](auto l) {
    ok = with_str(a[1], [&](auto r) { for_each_row(rows, [&](std::size_t i) { o[i] = P(l(i), r(i)) ? 1 : 0; }); });
  });
  return ok;
}

// ---- arithmetic: null when either side is null. Long: wraps on overflow, x / 0 and x % 0 are
// null, N % D lies in [0, |D|). Real: IEEE (x / 0 is infinity), fmod moved into [0, |D|).
// datetime and timespan: ticks; timespan * number and timespan / number round to a tick.

struct AddL { static bool apply(std::int64_t a, std::int64_t b, std::uint64_t& w) { w = static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b); return true; } };
struct SubL { static bool apply(std::int64_t a, std::int64_t b, std::uint64_t& w) { w = static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b); return true; } };
struct MulL { static bool apply(std::int64_t a, std::int64_t b, std::uint64_t& w) { w = static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b); return true; } };
struct DivL {
  static bool apply(std::int64_t a, std::int64_t b, std::uint64_t& w) {
    if (b == 0) return false;
    w = b == -1 ? 0 - static_cast<std::uint64_t>(a) : static_cast<std::uint64_t>(a / b);
    return true;
  }
};
struct ModL {
  static bool apply(std::int64_t a, std::int64_t b, std::uint64_t& w) {
    if (b == 0) return false;
    std::int64_t r = b == -1 ? 0 : a % b;
    if (r < 0) r = static_cast<std::int64_t>(static_cast<std::uint64_t>(r) + (b < 0 ? 0 - static_cast<std::uint64_t>(b) : static_cast<std::uint64_t>(b)));
    w = static_cast<std::uint64_t>(r);
    return true;
  }
};
struct AddR { static bool apply(double a, double b, std::uint64_t& w) { w = std::bit_cast<std::uint64_t>(a + b); return true; } };
struct SubR { static bool apply(double a, double b, std::uint64_t& w) { w = std::bit_cast<std::uint64_t>(a - b); return true; } };
struct MulR { static bool apply(double a, double b, std::uint64_t& w) { w = std::bit_cast<std::uint64_t>(a * b); return true; } };
struct DivR { static bool apply(double a, double b, std::uint64_t& w) { w = std::bit_cast<std::uint64_t>(a / b); return true; } };
struct ModR {
  static bool apply(double a, double b, std::uint64_t& w) {
    double r = std::fmod(a, b);
    if (r < 0) r += std::fabs(b);
    w = std::bit_cast<std::uint64_t>(r);
    return true;
  }
};
// timespan / timespan: a real; timespan % timespan: a timespan (remainder as C++'s %).
struct DivTT {
  static bool apply(std::int64_t a, std::int64_t b, std::uint64_t& w) {
    if (b == 0) return false;
    w = std::bit_cast<std::uint64_t>(static_cast<double>(a) / static_cast<double>(b));
    return true;
  }
};
struct ModTT {
  static bool apply(std::int64_t a, std::int64_t b, std::uint64_t& w) {
    if (b == 0) return false;
    w = b == -1 ? 0 : static_cast<std::uint64_t>(a % b);
    return true;
  }
};
// timespan (ticks, left) with a number (right)
struct MulTN { static bool apply(std::int64_t t, double n, std::uint64_t& w) { w = static_cast<std::uint64_t>(std::llround(static_cast<double>(t) * n)); return true; } };
struct DivTN {
  static bool apply(std::int64_t t, double n, std::uint64_t& w) {
    if (n == 0) return false;
    w = static_cast<std::uint64_t>(std::llround(static_cast<double>(t) / n));
    return true;
  }
};
// a number (left) times a timespan (right)
struct MulNT { static bool apply(double n, std::int64_t t, std::uint64_t& w) { return MulTN::apply(t, n, w); } };

template <class Op, class L, class R>
void arith_loop(const Rows& rows, L l, Validity lv, R r, Validity rv, Column& out) {
  std::uint64_t* o = out.words();
  for_each_row(rows, [&](std::size_t i) {
    if (!lv(i) || !rv(i) || !Op::apply(l(i), r(i), o[i])) out.set_null(i);
  });
}

template <Domain DL, Domain DR, class Op>
bool arith_kernel(const Vec* a, const Rows& rows, const FnState*, Column& out) {
  if (a[0].is_const && a[1].is_const) return false;
  const Validity lv = validity_of(a[0]), rv = validity_of(a[1]);
  bool ok = false;
  with_reader<DL>(a[0], [&](auto l) {
    ok = with_reader<DR>(a[1], [&](auto r) { arith_loop<Op>(rows, l, lv, r, rv, out); });
  });
  return ok;
}

// ---- in / !in / in~ / !in~ over a list of constants (dynamic arrays in the list flattened), as
// the per-row implementation: a null left side is in no list; a string matches the text of a
// listed value (tostring), a null listed value matching nothing (case-sensitive) or the empty
// string (in~, ASCII case-insensitive); integral values match by value.

struct InList : FnState {
  std::unordered_set<std::string> strings;
  std::unordered_set<std::int64_t> ints;
};

template <bool Negate, bool Ci>
bool in_string_kernel(const Vec* a, const Rows& rows, const FnState* st, Column& out) {
  const auto* list = dynamic_cast<const InList*>(st);
  if (!list || a[0].is_const || a[0].col->type() != Type::String) return false;
  const Column& c = *a[0].col;
  std::uint64_t* o = out.words();
  std::string key;
  for_each_row(rows, [&](std::size_t i) {
    std::string_view s = c.get_string(i);
    bool found;
    if constexpr (Ci) {
      key.assign(s);
      for (char& ch : key) ch = ascii_lower(ch);
      found = list->strings.count(key) != 0;
    } else {
      key.assign(s);
      found = list->strings.count(key) != 0;
    }
    o[i] = found != Negate ? 1 : 0;
  });
  return true;
}

template <bool Negate>
bool in_int_kernel(const Vec* a, const Rows& rows, const FnState* st, Column& out) {
  const auto* list = dynamic_cast<const InList*>(st);
  if (!list || a[0].is_const) return false;
  const Validity v = validity_of(a[0]);
  std::uint64_t* o = out.words();
  return with_i64(a[0], [&](auto l) {
    for_each_row(rows, [&](std::size_t i) { o[i] = (v(i) && list->ints.count(l(i)) != 0) != Negate ? 1 : 0; });
  });
}

// The listed values (arguments 1..n), dynamic arrays flattened; false when one is not constant.
bool listed_values(const std::vector<const Value*>& consts, std::vector<Value>& out) {
  for (std::size_t k = 1; k < consts.size(); ++k) {
    if (!consts[k]) return false;
    const Value& v = *consts[k];
    if (v.type == Type::Dynamic && v.dyn().is_array()) v.dyn().for_each_element([&](DynRef e) { out.push_back(Value::of_dynamic(e)); });
    else out.push_back(v);
  }
  return true;
}

template <bool Negate, bool Ci>
BoundKernel select_in(const std::vector<Type>& t, const std::vector<const Value*>& consts) {
  std::vector<Value> list;
  if (t.size() < 2 || !listed_values(consts, list)) return {};
  auto st = std::make_shared<InList>();
  if (t[0] == Type::String) {
    for (const Value& v : list) {
      if (Ci) st->strings.insert(to_lower(to_kusto_string(v)));
      else if (!v.is_null()) st->strings.insert(to_kusto_string(v));
    }
    return {&in_string_kernel<Negate, Ci>, st};
  }
  if (Ci) return {};
  // integral left side: every listed value of the same kind (int and long together), never null
  const bool numbers = t[0] == Type::Int || t[0] == Type::Long;
  if (!numbers && t[0] != Type::DateTime && t[0] != Type::TimeSpan) return {};
  for (const Value& v : list) {
    const bool same = numbers ? (v.type == Type::Int || v.type == Type::Long) : v.type == t[0];
    if (!same || v.is_null()) return {};
    st->ints.insert(v.i);
  }
  return {&in_int_kernel<Negate>, st};
}

// ---- selection from the argument types (bind time)

// Comparisons: integral pairs as int64 (numbers and bool together, datetime with datetime,
// timespan with timespan), a real on either side as double, strings for == and != only.
template <class Op>
BoundKernel select_compare(const std::vector<Type>& t, const std::vector<const Value*>&) {
  if (t.size() != 2) return {};
  const Type a = t[0], b = t[1];
  auto number = [](Type x) { return x == Type::Int || x == Type::Long || x == Type::Bool; };
  if ((number(a) && number(b)) || (a == b && (a == Type::DateTime || a == Type::TimeSpan)))
    return {&compare_kernel<Domain::I64, Op>, nullptr};
  // bool against real too: bool reads as 0 or 1, a NaN is unordered (compare_values does the same)
  auto num = [](Type x) { return x == Type::Int || x == Type::Long || x == Type::Bool || x == Type::Real; };
  if (num(a) && num(b) && (a == Type::Real || b == Type::Real)) return {&compare_kernel<Domain::F64, Op>, nullptr};
  return {};
}
// == and != also over two strings
template <class Op, bool (*P)(std::string_view, std::string_view)>
BoundKernel select_equality(const std::vector<Type>& t, const std::vector<const Value*>& consts) {
  if (t.size() == 2 && t[0] == Type::String && t[1] == Type::String) return {&string_kernel<P>, nullptr};
  return select_compare<Op>(t, consts);
}

template <bool (*P)(std::string_view, std::string_view)>
BoundKernel select_string(const std::vector<Type>& t, const std::vector<const Value*>&) {
  if (t.size() == 2 && t[0] == Type::String && t[1] == Type::String) return {&string_kernel<P>, nullptr};
  return {};
}

enum class ArithOp { Add, Sub, Mul, Div, Mod };

template <ArithOp K>
BoundKernel select_arith(const std::vector<Type>& t, const std::vector<const Value*>&) {
  if (t.size() != 2) return {};
  const Type a = t[0], b = t[1];
  auto whole = [](Type x) { return x == Type::Int || x == Type::Long; };
  auto number = [](Type x) { return x == Type::Int || x == Type::Long || x == Type::Real; };
  const bool dt_a = a == Type::DateTime, dt_b = b == Type::DateTime, ts_a = a == Type::TimeSpan, ts_b = b == Type::TimeSpan;
  using D = Domain;
  if (whole(a) && whole(b)) {
    switch (K) {
      case ArithOp::Add: return {&arith_kernel<D::I64, D::I64, AddL>, nullptr};
      case ArithOp::Sub: return {&arith_kernel<D::I64, D::I64, SubL>, nullptr};
      case ArithOp::Mul: return {&arith_kernel<D::I64, D::I64, MulL>, nullptr};
      case ArithOp::Div: return {&arith_kernel<D::I64, D::I64, DivL>, nullptr};
      case ArithOp::Mod: return {&arith_kernel<D::I64, D::I64, ModL>, nullptr};
    }
  }
  if (number(a) && number(b)) {
    switch (K) {
      case ArithOp::Add: return {&arith_kernel<D::F64, D::F64, AddR>, nullptr};
      case ArithOp::Sub: return {&arith_kernel<D::F64, D::F64, SubR>, nullptr};
      case ArithOp::Mul: return {&arith_kernel<D::F64, D::F64, MulR>, nullptr};
      case ArithOp::Div: return {&arith_kernel<D::F64, D::F64, DivR>, nullptr};
      case ArithOp::Mod: return {&arith_kernel<D::F64, D::F64, ModR>, nullptr};
    }
  }
  switch (K) {
    case ArithOp::Add:
      if ((dt_a && ts_b) || (ts_a && dt_b) || (ts_a && ts_b)) return {&arith_kernel<D::I64, D::I64, AddL>, nullptr};
      break;
    case ArithOp::Sub:
      if ((dt_a && dt_b) || (dt_a && ts_b) || (ts_a && ts_b)) return {&arith_kernel<D::I64, D::I64, SubL>, nullptr};
      break;
    case ArithOp::Mul:
      if (ts_a && number(b)) return {&arith_kernel<D::I64, D::F64, MulTN>, nullptr};
      if (number(a) && ts_b) return {&arith_kernel<D::F64, D::I64, MulNT>, nullptr};
      break;
    case ArithOp::Div:
      if (ts_a && ts_b) return {&arith_kernel<D::I64, D::I64, DivTT>, nullptr};
      if (ts_a && number(b)) return {&arith_kernel<D::I64, D::F64, DivTN>, nullptr};
      break;
    case ArithOp::Mod:
      if (ts_a && ts_b) return {&arith_kernel<D::I64, D::I64, ModTT>, nullptr};
      break;
  }
  return {};
}

}  // namespace

void add_operator_kernels(std::vector<ScalarFunction>& fns) {
  const std::pair<const char*, KernelSelect> kernels[] = {
      {"==", select_equality<OpEq, sv_eq>},
      {"!=", select_equality<OpNe, sv_ne>},
      {"<>", select_equality<OpNe, sv_ne>},
      {"<", select_compare<OpLt>},
      {"<=", select_compare<OpLe>},
      {">", select_compare<OpGt>},
      {">=", select_compare<OpGe>},
      {"+", select_arith<ArithOp::Add>},
      {"-", select_arith<ArithOp::Sub>},
      {"*", select_arith<ArithOp::Mul>},
      {"/", select_arith<ArithOp::Div>},
      {"%", select_arith<ArithOp::Mod>},
      {"=~", select_string<sv_eq_ci>},
      {"!~", select_string<sv_ne_ci>},
      {"has", select_string<sv_has>},
      {"!has", select_string<sv_nhas>},
      {"has_cs", select_string<sv_has_cs>},
      {"!has_cs", select_string<sv_nhas_cs>},
      {"hasprefix", select_string<sv_hasprefix>},
      {"!hasprefix", select_string<sv_nhasprefix>},
      {"hasprefix_cs", select_string<sv_hasprefix_cs>},
      {"!hasprefix_cs", select_string<sv_nhasprefix_cs>},
      {"hassuffix", select_string<sv_hassuffix>},
      {"!hassuffix", select_string<sv_nhassuffix>},
      {"hassuffix_cs", select_string<sv_hassuffix_cs>},
      {"!hassuffix_cs", select_string<sv_nhassuffix_cs>},
      {"contains", select_string<sv_contains>},
      {"!contains", select_string<sv_ncontains>},
      {"contains_cs", select_string<sv_contains_cs>},
      {"!contains_cs", select_string<sv_ncontains_cs>},
      {"startswith", select_string<sv_startswith>},
      {"!startswith", select_string<sv_nstartswith>},
      {"startswith_cs", select_string<sv_startswith_cs>},
      {"!startswith_cs", select_string<sv_nstartswith_cs>},
      {"endswith", select_string<sv_endswith>},
      {"!endswith", select_string<sv_nendswith>},
      {"endswith_cs", select_string<sv_endswith_cs>},
      {"!endswith_cs", select_string<sv_nendswith_cs>},
      {"in", select_in<false, false>},
      {"!in", select_in<true, false>},
      {"in~", select_in<false, true>},
      {"!in~", select_in<true, true>},
  };
  for (auto& f : fns)
    for (auto& [name, select] : kernels)
      if (f.name == name) f.kernel = select;
}

}  // namespace rulelab::engine
