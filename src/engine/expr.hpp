// Bound scalar expressions and their batch evaluator.
// An expression is bound once (names resolved to column indexes, types known, constant regexes
// compiled, constants folded) and then evaluated per batch into a column (Velox/DuckDB style).
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
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
  // Fast path for string predicates (both arguments strings): the evaluator runs it directly on
  // the column's bytes, without building values.
  bool (*str_pred)(std::string_view, std::string_view) = nullptr;
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
};

ExprPtr make_const(Value v);
ExprPtr make_column(int index, Type t);

struct EvalContext {
  std::int64_t now_ticks = 0;  // the one clock of the run
  Deadline deadline;           // the run's time limit (--timeout); evaluate() checks it per batch
};

// A column-shaped result: either a column (owned or borrowed) or one constant for every row.
struct Vec {
  const Column* col = nullptr;
  std::shared_ptr<Column> owned;
  bool is_const = false;
  Value cval;
  Value get(std::size_t i) const { return is_const ? cval : get_value(*col, i); }
  bool is_null(std::size_t i) const { return is_const ? cval.is_null() : col->is_null(i); }
};

Vec evaluate(const Expr& e, const Batch& b, const EvalContext& ctx);
// Evaluates into a fresh column of b.rows() values of type e.type.
Column evaluate_column(const Expr& e, const Batch& b, const EvalContext& ctx);
// Evaluates a predicate: the rows (of `sel`, or all rows when sel is null) where it is true.
SelectionVector evaluate_filter(const Expr& e, const Batch& b, const EvalContext& ctx);
// Evaluates an expression without rows (constant context: print, let x = scalar).
Value evaluate_scalar(const Expr& e, const EvalContext& ctx);

}  // namespace rulelab::engine
