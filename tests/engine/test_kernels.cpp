// Vector kernels against the per-row implementations (differential): random calls of the
// comparison, arithmetic, `in` and string operators over random batches with nulls, evaluated with
// their kernel (EvalContext::kernels) and through the per-row path, on all rows and on random
// selections; and/or/not/iff/case/coalesce under selections against Kusto's three-valued logic
// computed here row by row. Semantics: learn.microsoft.com/kusto/query/scalar-data-types/null-values
// (null rules of comparisons and logical operators), .../numerical-operators (overflow, division,
// modulo), .../datatypes-string-operators (string operators), .../in-operator.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include "engine/functions.hpp"

using namespace rulelab;
using namespace rulelab::engine;

namespace {

const FunctionRegistry& reg() {
  static const FunctionRegistry r;  // test-local, read-only
  return r;
}

// Columns of the random batch.
enum Col { cInt, cLong, cReal, cBool, cDate, cSpan, cStr, cStr2, cLong2, cReal2, cCount };
const Type kColTypes[cCount] = {Type::Int, Type::Long, Type::Real, Type::Bool, Type::DateTime, Type::TimeSpan,
                                Type::String, Type::String, Type::Long, Type::Real};

const std::int64_t kBase = 638'000'000'000'000'000;  // ticks of a 2023 datetime
const char* const kWords[] = {"Add user", "add USER", "user", "User-Add", "", "us", "Delete user x", "addUser", "a.b@c.com",
                              "ADD", "x", "5", "-3", "null", "sUccess", "success", "failure", "ab ab", "ü user", "user_add"};

struct Gen {
  std::mt19937_64 rng;
  explicit Gen(std::uint64_t seed) : rng(seed) {}
  std::int64_t pick(std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng); }
  bool chance(int percent) { return pick(0, 99) < percent; }

  std::int64_t small_long() {
    switch (pick(0, 9)) {
      case 0: return std::numeric_limits<std::int64_t>::min();
      case 1: return std::numeric_limits<std::int64_t>::max();
      case 2: return -1;
      case 3: return 0;
      default: return pick(-6, 6);
    }
  }
  double real() {
    switch (pick(0, 11)) {
      case 0: return std::nan("");
      case 1: return std::numeric_limits<double>::infinity();
      case 2: return -0.0;
      case 3: return 0.0;
      default: return static_cast<double>(pick(-12, 12)) / 4.0;
    }
  }
  std::string word() { return kWords[pick(0, std::size(kWords) - 1)]; }

  // One value of type t (null with the given chance; strings are never null).
  Value value(Type t, int null_percent = 15) {
    if (t != Type::String && chance(null_percent)) return Value::null_of(t);
    switch (t) {
      case Type::Int: return Value::of_int(static_cast<std::int32_t>(pick(-6, 6)));
      case Type::Long: return Value::of_long(small_long());
      case Type::Real: return Value::of_real(real());
      case Type::Bool: return Value::of_bool(chance(50));
      case Type::DateTime: return Value::of_datetime(kBase + pick(-4, 4) * 10'000'000);
      case Type::TimeSpan: return Value::of_timespan(pick(-4, 4) * (chance(50) ? 1 : 10'000'000));
      case Type::String: return Value::of_string(word());
      default: return Value::null_of(t);
    }
  }

  Batch batch(std::size_t rows) {
    Batch b;
    for (Type t : kColTypes) b.columns.emplace_back(t);
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t c = 0; c < cCount; ++c) append_value(b.columns[c], value(kColTypes[c]));
      b.sources.push_back(RowSource{0, static_cast<std::uint32_t>(r)});
    }
    return b;
  }

  // A column of type t, or a constant of it.
  ExprPtr operand(Type t, bool allow_const = true) {
    if (allow_const && chance(40)) return make_const(value(t, 10));
    std::vector<int> cols;
    for (int c = 0; c < cCount; ++c)
      if (kColTypes[c] == t) cols.push_back(c);
    return make_column(cols[static_cast<std::size_t>(pick(0, static_cast<std::int64_t>(cols.size()) - 1))], t);
  }

  SelectionVector selection(std::size_t rows) {
    SelectionVector s;
    const int keep = static_cast<int>(pick(0, 100));
    for (std::uint32_t i = 0; i < rows; ++i)
      if (chance(keep)) s.push_back(i);
    return s;
  }
};

// A call as the binder makes it: type from the function's rule, kernel chosen from the arguments.
ExprPtr call(const std::string& name, std::vector<ExprPtr> args) {
  const ScalarFunction* fn = reg().find(name);
  REQUIRE_MESSAGE(fn != nullptr, name);
  std::vector<Type> types;
  for (auto& a : args) types.push_back(a->type);
  std::string err;
  auto e = std::make_shared<Expr>();
  e->kind = ExprKind::Call;
  e->fn = fn;
  e->type = fn->type(types, err);
  REQUIRE_MESSAGE(err.empty(), name << ": " << err);
  e->args = std::move(args);
  attach_kernel(*e);
  return e;
}

bool same(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return a.is_null() == b.is_null();
  if (a.type != b.type) return false;
  switch (a.type) {
    case Type::Real: return (std::isnan(a.r) && std::isnan(b.r)) || std::bit_cast<std::uint64_t>(a.r) == std::bit_cast<std::uint64_t>(b.r);
    case Type::String: case Type::Dynamic: return a.s == b.s;
    default: return a.i == b.i;
  }
}

std::string show(const Value& v) { return v.is_null() ? "null" : std::string(type_name(v.type)) + ":" + to_kusto_string(v); }
std::string show_args(const Expr& e, const Batch& b, std::size_t row) {
  std::string s = e.fn ? e.fn->name : "?";
  for (auto& a : e.args) s += " " + show(a->kind == ExprKind::Const ? a->constant : get_value(b.columns[static_cast<std::size_t>(a->column)], row));
  return s;
}

EvalContext with_kernels(bool on) {
  EvalContext c;
  c.kernels = on;
  return c;
}

// Evaluates e with and without kernels, on all rows and on a random selection, and compares.
void check_same(Gen& g, const ExprPtr& e, const Batch& b) {
  const EvalContext kern = with_kernels(true), rows = with_kernels(false);
  if (e->kernel.fn) {  // the kernel runs (does not hand the call back to the per-row path)
    std::vector<Vec> args;
    for (auto& a : e->args) args.push_back(evaluate(*a, b, rows));
    Column out = Column::filled(e->type, b.rows());
    CHECK_MESSAGE(e->kernel.fn(args.data(), Rows::all(b.rows()), e->kernel.state.get(), out), e->fn->name);
  }
  Vec ref = evaluate(*e, b, rows);
  Vec got = evaluate(*e, b, kern);
  for (std::size_t i = 0; i < b.rows(); ++i) {
    if (!same(ref.get(i), got.get(i))) {
      FAIL_CHECK(show_args(*e, b, i) << ": kernel " << show(got.get(i)) << ", per row " << show(ref.get(i)));
      return;
    }
  }
  SelectionVector sel = g.selection(b.rows());
  Vec part = evaluate(*e, b, kern, Rows::of(sel));
  for (std::uint32_t i : sel)
    if (!same(ref.get(i), part.get(i))) {
      FAIL_CHECK(show_args(*e, b, i) << " (selected rows): kernel " << show(part.get(i)) << ", per row " << show(ref.get(i)));
      return;
    }
}

}  // namespace

TEST_CASE("kernels: comparisons equal the per-row operators (null-values, numerical-operators)") {
  Gen g(11);
  const char* ops[] = {"==", "!=", "<>", "<", "<=", ">", ">="};
  const std::vector<std::pair<Type, Type>> pairs = {
      {Type::Long, Type::Long}, {Type::Int, Type::Long}, {Type::Long, Type::Int}, {Type::Int, Type::Int},
      {Type::Long, Type::Real}, {Type::Real, Type::Int}, {Type::Real, Type::Real}, {Type::Bool, Type::Bool},
      {Type::Bool, Type::Long}, {Type::DateTime, Type::DateTime}, {Type::TimeSpan, Type::TimeSpan}};
  int with_kernel = 0, calls = 0;
  for (int round = 0; round < 40; ++round) {
    Batch b = g.batch(static_cast<std::size_t>(g.pick(1, 300)));
    for (const char* op : ops)
      for (auto [lt, rt] : pairs) {
        const bool left_const = g.chance(30);
        ExprPtr e = call(op, {g.operand(lt, left_const), g.operand(rt, !left_const)});
        ++calls;
        with_kernel += e->kernel.fn != nullptr;
        check_same(g, e, b);
      }
    for (const char* op : {"==", "!=", "<>"}) {
      const bool left_const = g.chance(30);
      ExprPtr e = call(op, {g.operand(Type::String, left_const), g.operand(Type::String, !left_const)});
      ++calls;
      with_kernel += e->kernel.fn != nullptr;
      check_same(g, e, b);
    }
  }
  CHECK(with_kernel == calls);  // every one of these argument kinds has a kernel
}

TEST_CASE("kernels: arithmetic equals the per-row operators (numerical-operators, datetime-timespan-arithmetic)") {
  Gen g(12);
  struct Case {
    const char* op;
    Type l, r;
  };
  const Type T = Type::TimeSpan, D = Type::DateTime, L = Type::Long, I = Type::Int, R = Type::Real;
  const std::vector<Case> cases = {
      {"+", L, L}, {"-", L, I}, {"*", I, I}, {"/", L, L}, {"%", L, L}, {"%", I, L}, {"/", I, L},
      {"+", R, L}, {"-", I, R}, {"*", R, R}, {"/", R, R}, {"/", L, R}, {"%", R, R}, {"%", L, R},
      {"+", D, T}, {"+", T, D}, {"+", T, T}, {"-", D, D}, {"-", D, T}, {"-", T, T},
      {"*", T, L}, {"*", R, T}, {"*", T, R}, {"/", T, L}, {"/", T, R}, {"/", T, T}, {"%", T, T}};
  int with_kernel = 0, calls = 0;
  for (int round = 0; round < 60; ++round) {
    Batch b = g.batch(static_cast<std::size_t>(g.pick(1, 300)));
    for (const Case& c : cases) {
      const bool left_const = g.chance(30);
      ExprPtr e = call(c.op, {g.operand(c.l, left_const), g.operand(c.r, !left_const)});
      ++calls;
      with_kernel += e->kernel.fn != nullptr;
      check_same(g, e, b);
    }
  }
  CHECK(with_kernel == calls);
}

TEST_CASE("kernels: string operators equal the per-row operators (datatypes-string-operators)") {
  Gen g(13);
  const char* ops[] = {"=~", "!~", "has", "!has", "has_cs", "!has_cs", "hasprefix", "!hasprefix", "hasprefix_cs",
                       "!hasprefix_cs", "hassuffix", "!hassuffix", "hassuffix_cs", "!hassuffix_cs", "contains",
                       "!contains", "contains_cs", "!contains_cs", "startswith", "!startswith", "startswith_cs",
                       "!startswith_cs", "endswith", "!endswith", "endswith_cs", "!endswith_cs", "==", "!="};
  int with_kernel = 0, calls = 0;
  for (int round = 0; round < 40; ++round) {
    Batch b = g.batch(static_cast<std::size_t>(g.pick(1, 200)));
    for (const char* op : ops) {
      const bool right_col = g.chance(30);  // mostly column op constant, as written in rules
      ExprPtr e = call(op, {g.operand(Type::String, right_col), g.operand(Type::String, !right_col)});
      ++calls;
      with_kernel += e->kernel.fn != nullptr;
      check_same(g, e, b);
    }
  }
  CHECK(with_kernel == calls);
}

TEST_CASE("kernels: in and !in over constant lists equal the per-row operators (in-operator)") {
  Gen g(14);
  auto list_of = [&](Type t, int n) {
    std::vector<ExprPtr> v;
    for (int k = 0; k < n; ++k) v.push_back(make_const(g.value(t, 0)));
    return v;
  };
  int with_kernel = 0, calls = 0;
  for (int round = 0; round < 60; ++round) {
    Batch b = g.batch(static_cast<std::size_t>(g.pick(1, 300)));
    for (const char* op : {"in", "!in", "in~", "!in~"}) {
      // strings: string constants, numbers (matched by their text), a null long, a dynamic array
      std::vector<ExprPtr> args{g.operand(Type::String, false)};
      for (auto& x : list_of(Type::String, static_cast<int>(g.pick(1, 5)))) args.push_back(x);
      if (g.chance(40)) args.push_back(make_const(Value::of_long(g.pick(-4, 6))));
      if (g.chance(30)) args.push_back(make_const(Value::null_of(Type::Long)));
      if (g.chance(30)) {
        std::string bytes;
        JsonParser p;
        REQUIRE_FALSE(p.parse(R"(["success", "USER", 5, null])", bytes).has_value());
        args.push_back(make_const(Value::of_dynamic(bytes)));
      }
      ExprPtr e = call(op, args);
      ++calls;
      with_kernel += e->kernel.fn != nullptr;
      check_same(g, e, b);
    }
    for (const char* op : {"in", "!in"})
      for (Type t : {Type::Int, Type::Long, Type::DateTime, Type::TimeSpan}) {
        std::vector<ExprPtr> args{g.operand(t, false)};
        const Type lt = t == Type::Int ? Type::Long : t == Type::Long ? Type::Int : t;
        for (auto& x : list_of(g.chance(50) ? t : lt, static_cast<int>(g.pick(1, 6)))) args.push_back(x);
        ExprPtr e = call(op, args);
        ++calls;
        with_kernel += e->kernel.fn != nullptr;
        check_same(g, e, b);
      }
  }
  CHECK(with_kernel == calls);
}

namespace {

// A random predicate: comparisons and string operators under and/or/not, with null constants.
ExprPtr predicate(Gen& g, int depth) {
  const auto leaf = [&]() -> ExprPtr {
    switch (g.pick(0, 4)) {
      case 0: return call(g.chance(50) ? "==" : "<", {g.operand(Type::Long, false), g.operand(Type::Long)});
      case 1: return call(g.chance(50) ? "has" : "=~", {g.operand(Type::String, false), g.operand(Type::String)});
      case 2: return call(">=", {g.operand(Type::Real, false), g.operand(Type::Real)});
      case 3: return make_column(cBool, Type::Bool);
      default: return make_const(g.value(Type::Bool, 50));
    }
  };
  if (depth == 0 || g.chance(30)) return leaf();
  auto e = std::make_shared<Expr>();
  e->type = Type::Bool;
  const auto k = g.pick(0, 4);
  if (k == 0) {
    e->kind = ExprKind::Not;
    e->args.push_back(predicate(g, depth - 1));
    return e;
  }
  e->kind = k <= 2 ? ExprKind::And : ExprKind::Or;
  for (std::int64_t n = g.pick(2, 4); n > 0; --n) e->args.push_back(predicate(g, depth - 1));
  return e;
}

// Kusto's three-valued logic, row by row, from each child's values on all rows (per-row path).
std::optional<bool> truth(const Expr& e, const Batch& b, std::size_t i) {
  const EvalContext rows = with_kernels(false);
  switch (e.kind) {
    case ExprKind::Not: {
      auto x = truth(*e.args[0], b, i);
      return x ? std::optional<bool>(!*x) : std::nullopt;
    }
    case ExprKind::And:
    case ExprKind::Or: {
      const bool is_and = e.kind == ExprKind::And;
      bool any_null = false;
      for (auto& a : e.args) {
        auto x = truth(*a, b, i);
        if (!x) any_null = true;
        else if (*x != is_and) return !is_and;  // false and ... = false; true or ... = true
      }
      if (any_null) return std::nullopt;
      return is_and;
    }
    default: {
      Value v = evaluate(e, b, rows).get(i);
      if (v.is_null()) return std::nullopt;
      return v.i != 0;
    }
  }
}

}  // namespace

TEST_CASE("kernels: and/or/not narrow the selection and keep three-valued logic (null-values, logical-operators)") {
  Gen g(15);
  const EvalContext kern = with_kernels(true);
  for (int round = 0; round < 200; ++round) {
    Batch b = g.batch(static_cast<std::size_t>(g.pick(1, 120)));
    ExprPtr p = predicate(g, 3);
    SelectionVector sel = g.selection(b.rows());
    Vec v = evaluate(*p, b, kern, Rows::of(sel));
    for (std::uint32_t i : sel) {
      auto want = truth(*p, b, i);
      Value got = v.get(i);
      CHECK_MESSAGE(got.is_null() == !want.has_value(), "row " << i);
      if (want && !got.is_null()) CHECK(got.i == static_cast<std::int64_t>(*want));
    }
    // where: the rows (of the selection) where the predicate is true, null counting as false
    SelectionVector expect;
    for (std::uint32_t i : sel)
      if (auto t = truth(*p, b, i); t && *t) expect.push_back(i);
    CHECK(evaluate_filter(*p, b, kern, Rows::of(sel)) == expect);
  }
}

namespace {
// A per-row function that counts the rows it is called for (mutable test state in its FnState).
struct Counter : FnState {
  mutable std::size_t calls = 0;
};
Value counted_true(const CallArgs& a) {
  ++static_cast<const Counter*>(a.state)->calls;
  return Value::of_bool(true);
}
Type bool_rule(const std::vector<Type>&, std::string&) { return Type::Bool; }
}  // namespace

TEST_CASE("kernels: later conjuncts and disjuncts run only on the rows still undecided") {
  Gen g(16);
  ScalarFunction fn{"counted", 1, 1, bool_rule, counted_true};
  auto counter = std::make_shared<Counter>();
  auto counted = std::make_shared<Expr>();
  counted->kind = ExprKind::Call;
  counted->type = Type::Bool;
  counted->fn = &fn;
  counted->state = counter;
  counted->args.push_back(make_column(cLong, Type::Long));
  Batch b = g.batch(500);
  ExprPtr first = call("==", {make_column(cLong, Type::Long), make_const(Value::of_long(0))});
  Vec f = evaluate(*first, b, with_kernels(true));
  std::size_t is_true = 0, is_false_or_null = 0;
  for (std::size_t i = 0; i < b.rows(); ++i) {
    Value v = f.get(i);
    if (!v.is_null() && v.i) ++is_true;
    else if (v.is_null() || !v.i) ++is_false_or_null;
  }
  REQUIRE(is_true > 0);
  auto node = [&](ExprKind k) {
    auto e = std::make_shared<Expr>();
    e->kind = k;
    e->type = Type::Bool;
    e->args = {first, counted};
    return e;
  };
  // where: and sees the rows where the first conjunct is true; or the rows where it is not
  counter->calls = 0;
  evaluate_filter(*node(ExprKind::And), b, with_kernels(true));
  CHECK(counter->calls == is_true);
  counter->calls = 0;
  evaluate_filter(*node(ExprKind::Or), b, with_kernels(true));
  CHECK(counter->calls == is_false_or_null);
  // as a value (extend x = a and b): null rows of the first conjunct stay live, false rows do not
  std::size_t not_false = 0;
  for (std::size_t i = 0; i < b.rows(); ++i)
    if (f.get(i).is_null() || f.get(i).i) ++not_false;
  counter->calls = 0;
  evaluate(*node(ExprKind::And), b, with_kernels(true));
  CHECK(counter->calls == not_false);
}

TEST_CASE("kernels: iff, case and coalesce compute each branch only where it is taken (iff-function, case-function, coalesce-function)") {
  Gen g(17);
  const EvalContext kern = with_kernels(true);
  for (int round = 0; round < 100; ++round) {
    Batch b = g.batch(static_cast<std::size_t>(g.pick(1, 150)));
    auto c1 = predicate(g, 1), c2 = predicate(g, 1);
    auto v1 = call("+", {g.operand(Type::Long, false), g.operand(Type::Long)});
    auto v2 = call("*", {g.operand(Type::Long, false), g.operand(Type::Long)});
    auto v3 = g.operand(Type::Long);
    auto cs = std::make_shared<Expr>();
    cs->kind = ExprKind::Case;
    cs->type = Type::Long;
    cs->args = {c1, v1, c2, v2, v3};
    auto co = std::make_shared<Expr>();
    co->kind = ExprKind::Coalesce;
    co->type = Type::Long;
    co->args = {v1, v2, v3};
    SelectionVector sel = g.selection(b.rows());
    Vec got = evaluate(*cs, b, kern, Rows::of(sel));
    Vec got_co = evaluate(*co, b, kern, Rows::of(sel));
    Vec a1 = evaluate(*v1, b, kern), a2 = evaluate(*v2, b, kern), a3 = evaluate(*v3, b, kern);
    for (std::uint32_t i : sel) {
      auto t1 = truth(*c1, b, i), t2 = truth(*c2, b, i);
      Value want = (t1 && *t1) ? a1.get(i) : (t2 && *t2) ? a2.get(i) : a3.get(i);
      CHECK_MESSAGE(same(convert_to(want, Type::Long), got.get(i)), "case row " << i);
      Value want_co = !a1.get(i).is_null() ? a1.get(i) : !a2.get(i).is_null() ? a2.get(i) : a3.get(i);
      CHECK_MESSAGE(same(convert_to(want_co, Type::Long), got_co.get(i)), "coalesce row " << i);
    }
  }
}
