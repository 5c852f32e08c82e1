// Bound scalar expressions and their batch evaluator.
// An expression is bound once (names resolved to column indexes, types known, constant regexes
// compiled, constants folded) and then evaluated per batch into a column (Velox/DuckDB style).
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/column.hpp"
#include "core/error.hpp"
#include "core/limits.hpp"
#include "engine/value.hpp"

namespace rulelab::kusto { struct QueryLocation; }

namespace rulelab::engine {

// Where an operator or a call stands in its query, for the errors raised while it runs (row
// budget, a regular expression built at run time that is too large).
struct OpSite {
  const std::string* text = nullptr;               // the query text the offset is in
  const kusto::QueryLocation* location = nullptr;  // maps it into the rule file
  std::uint32_t offset = 0;
  std::string name;                                // "join", "mv-expand", "extract", ...
};
// Throws LimitExceeded with `message` positioned at the site (file:line:col and caret when known).
[[noreturn]] void fail_at(const OpSite& site, std::string message);

struct EvalContext;
struct Expr;
using ExprPtr = std::shared_ptr<Expr>;

// Per-call state prepared at bind time (e.g. a compiled regular expression).
struct FnState {
  virtual ~FnState() = default;
};

// The rows of a batch an evaluation computes: all of them (sel == nullptr: rows 0..count-1) or a
// selection vector's rows (ascending indexes). AND and OR narrow it child by child.
struct Rows {
  const std::uint32_t* sel = nullptr;
  std::size_t count = 0;
  static Rows all(std::size_t n) { return Rows{nullptr, n}; }
  static Rows of(const SelectionVector& s) { return Rows{s.data(), s.size()}; }
};
template <class F>
inline void for_each_row(const Rows& r, F&& f) {
  if (r.sel) {
    for (std::size_t k = 0; k < r.count; ++k) f(static_cast<std::size_t>(r.sel[k]));
  } else {
    for (std::size_t i = 0; i < r.count; ++i) f(i);
  }
}

// A column-shaped result: either a column (owned or borrowed) or one constant for every row.
struct Vec {
  const Column* col = nullptr;
  std::shared_ptr<Column> owned;
  bool is_const = false;
  Value cval;
  Value get(std::size_t i) const { return is_const ? cval : get_value(*col, i); }
  bool is_null(std::size_t i) const { return is_const ? cval.is_null() : col->is_null(i); }
};

struct CallArgs {
  const Value* v;
  std::size_t n;
  const FnState* state;
  const EvalContext* ctx;
  const OpSite* site = nullptr;  // the call in the query
  const Value& operator[](std::size_t i) const { return v[i]; }
  std::size_t size() const { return n; }
};

using ScalarImpl = Value (*)(const CallArgs& args);
// A vector kernel (DuckDB's scalar executors): computes a call for `rows` straight from its
// arguments' storage (columns or constants) into `out`, a column of the call's type and the batch's
// length made by Column::filled (rows outside `rows` stay unspecified). Returns false, having written
// nothing, when an argument is not of the kind it was chosen for; the per-row implementation runs.
using KernelFn = bool (*)(const Vec* args, const Rows& rows, const FnState* state, Column& out);
struct BoundKernel {
  KernelFn fn = nullptr;
  std::shared_ptr<FnState> state;  // e.g. the hash set of an `in` list of constants
};
// Chooses a kernel for one call from its argument types and constant arguments (nullptr entries are
// not constant), at bind time; an empty BoundKernel leaves the call to the per-row implementation.
using KernelSelect = BoundKernel (*)(const std::vector<Type>& types, const std::vector<const Value*>& consts);
// Result type from argument types; sets err (a user-facing message) when the call is invalid.
using TypeRule = Type (*)(const std::vector<Type>& args, std::string& err);
// Prepares state from the constant arguments (nullptr entries are non-constant); sets err on failure.
using PrepareFn = std::shared_ptr<FnState> (*)(const std::vector<const Value*>& consts, std::string& err);

struct ScalarFunction {
  std::string name;
  int min_args = 0;
  int max_args = 0;  // -1: variadic
  TypeRule type;
  ScalarImpl impl;
  PrepareFn prepare = nullptr;
  bool deterministic = true;  // false: now(), rand(): never folded
  // Optional vector kernels for some argument types (kernels.cpp); `impl` stays the reference.
  KernelSelect kernel = nullptr;
  // The Kusto reference's category of the function ("String functions", "in operators", ...;
  // tools/coverage/kusto_reference.tsv column 2); "rulelab" for names the reference does not
  // list (the arithmetic and logical operators, internal helpers). Set by the registry per family.
  std::string_view category{};
};

enum class ExprKind { Const, Column, Call, And, Or, Not, Iff, Case, Coalesce };

struct Expr {
  ExprKind kind = ExprKind::Const;
  Type type = Type::Dynamic;
  Value constant;                  // Const
  int column = -1;                 // Column
  const ScalarFunction* fn = nullptr;  // Call
  std::shared_ptr<FnState> state;  // Call
  OpSite site;                     // Call: where it is (errors raised while evaluating)
  std::vector<ExprPtr> args;       // Call, And, Or, Not, Iff, Case (cond, val, cond, val, ..., else), Coalesce
  BoundKernel kernel;              // Call: the vector kernel chosen at bind time, if any
};
// Chooses the call's vector kernel from its arguments (binder, after the arguments are bound).
void attach_kernel(Expr& call);

ExprPtr make_const(Value v);
ExprPtr make_column(int index, Type t);

struct EvalContext {
  std::int64_t now_ticks = 0;  // the one clock of the run
  Deadline deadline;           // the run's time limit (--timeout); evaluate() checks it per batch
  bool kernels = true;         // false: every call through its per-row implementation (tests compare both)
};


Vec evaluate(const Expr& e, const Batch& b, const EvalContext& ctx);
// Evaluates for the rows `rows` only; the result has b.rows() rows, the others unspecified.
Vec evaluate(const Expr& e, const Batch& b, const EvalContext& ctx, const Rows& rows);
// Evaluates into a fresh column of b.rows() values of type e.type.
Column evaluate_column(const Expr& e, const Batch& b, const EvalContext& ctx);
// Evaluates a predicate: the rows where it is true (null counts as false). AND evaluates each
// conjunct only on the rows the earlier ones kept; OR each disjunct only on the rows not yet true.
SelectionVector evaluate_filter(const Expr& e, const Batch& b, const EvalContext& ctx);
SelectionVector evaluate_filter(const Expr& e, const Batch& b, const EvalContext& ctx, const Rows& rows);
// Evaluates an expression without rows (constant context: print, let x = scalar).
Value evaluate_scalar(const Expr& e, const EvalContext& ctx);

}  // namespace rulelab::engine
