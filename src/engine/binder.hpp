// The binder: Kusto AST -> plan of operators (names resolved, types checked, constants folded,
// regexes compiled once). Internal to the engine.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "engine/aggregates.hpp"
#include "engine/engine.hpp"
#include "engine/functions.hpp"
#include "engine/plan.hpp"
#include "kusto/ast.hpp"

namespace rulelab::engine {

namespace K = rulelab::kusto;

// Column-name helpers of the binders (binder_ops.cpp): a `*` pattern, and a name not yet used in
// `s` (Kusto appends 1, 2, ...: TimeGenerated1).
bool wildcard(std::string_view pat, std::string_view s);
std::string unique_name(const Schema& s, const std::string& base);
// union-operator's output over bound legs (binder_tabular.cpp): columns by name in order of
// appearance, a name with several types as name_type columns; withsource (may be empty) first.
PlanPtr union_of(std::vector<PlanPtr> children, std::vector<std::string> names, const std::string& withsource, bool inner);
// union-operator, withsource: a leg's name is its table's, the name its last `as` gives, or union_argN.
std::string union_leg_name(const K::TabularExpr& leg, std::size_t index);

// Where the AST being bound came from: its text and how offsets map into its file.
struct Src {
  const std::string* text = nullptr;
  const K::QueryLocation* loc = nullptr;
};

// A failure while binding, already positioned.
struct BindFailure {
  Error error;
  bool unsupported = false;
  bool unresolved = false;  // a table, column or function that does not exist (union isfuzzy=true skips the leg)
};

struct Scope;
using ScopePtr = std::shared_ptr<Scope>;

struct Binding {
  enum class Kind { Lazy, Function, Value, BoundExpr, Plan };
  Kind kind = Kind::Lazy;
  // Lazy: a let whose value is bound on first use (scalar or tabular decided then).
  const K::Expr* expr = nullptr;
  const K::TabularExpr* tab = nullptr;
  const K::FunctionDef* fn = nullptr;
  ScopePtr scope;
  Src src;
  std::uint32_t offset = 0;
  std::optional<Value> value;
  ExprPtr bound;
  PlanPtr plan;
  bool resolving = false;
};

// Marks a let as being resolved while it is bound (a use inside its own definition is an error),
// also when binding it fails: union isfuzzy=true goes on after a leg that did not resolve.
struct Resolving {
  Binding& b;
  explicit Resolving(Binding& x) : b(x) { b.resolving = true; }
  ~Resolving() { b.resolving = false; }
  Resolving(const Resolving&) = delete;
  Resolving& operator=(const Resolving&) = delete;
};

struct Scope {
  ScopePtr parent;
  std::map<std::string, std::shared_ptr<Binding>> names;
  std::shared_ptr<Binding> find(const std::string& n) const;
};

struct RowCtx {
  const Schema* schema = nullptr;
};

class Binder {
 public:
  Binder(Engine& engine, ExecContext& ctx) : engine_(engine), ctx_(ctx) {}

  // Binds the statements of a query; returns the plan of its result.
  // op_count: of the result's operators, bind only the first op_count.
  PlanPtr bind_query(const K::Query& q, const Src& src, const ScopePtr& scope, std::size_t op_count = static_cast<std::size_t>(-1));
  // Every result table, in order (binder_search.cpp): one per tabular expression statement (a
  // batch, batches page), named by the statement's last `as`, else PrimaryResult; a statement
  // ending in fork or facet gives one per leg or column. `offset`: where the table's statement
  // (or its fork/facet operator) starts.
  struct NamedPlan {
    std::string name;
    PlanPtr plan;
    std::uint32_t offset = 0;
  };
  std::vector<NamedPlan> bind_query_results(const K::Query& q, const Src& src, const ScopePtr& scope);

 private:
  friend struct BinderAccess;
  [[noreturn]] void fail(const Src& src, std::uint32_t offset, const std::string& msg, bool unsupported = false) const;
  // A name that does not resolve (unknown table, column or function).
  [[noreturn]] void fail_unresolved(const Src& src, std::uint32_t offset, const std::string& msg) const;
  void warn(const Src& src, std::uint32_t offset, const std::string& msg) const;
  void note(const Src& src, std::uint32_t offset, const std::string& msg) const;
  void own_values_notice(const std::string& name, const Src& src, std::uint32_t offset) const;

  void bind_lets(const std::vector<K::Statement>& stmts, const Src& src, const ScopePtr& scope);
  void bind_let(const K::Statement& st, const Src& src, const ScopePtr& scope);  // let, declare query_parameters; others: nothing
  void warn_set_options(const K::Query& q, const Src& src);
  // op_count: bind only the first op_count operators (fork and facet bind the rest themselves).
  PlanPtr bind_tabular(const K::TabularExpr& te, const Src& src, const ScopePtr& scope,
                       std::size_t op_count = static_cast<std::size_t>(-1));
  PlanPtr bind_source(const K::Source& s, const Src& src, const ScopePtr& scope);
  PlanPtr bind_operator(PlanPtr in, const K::Operator& op, const Src& src, const ScopePtr& scope);
  // evaluate plugins of binder_plugins.cpp; nullptr for a plugin it does not know.
  PlanPtr bind_plugin(PlanPtr in, const K::Evaluate& ev, std::uint32_t off, const Src& src, const ScopePtr& scope);
  // user-analytics plugins and dcount_intersect (binder_plugins_analytics.cpp); nullptr for others.
  PlanPtr bind_analytics_plugin(PlanPtr in, const K::Evaluate& ev, std::uint32_t off, const Src& src, const ScopePtr& scope);
  // consume, project-by-names, top-hitters, top-nested, scan (binder_more_ops.cpp); nullptr for others.
  PlanPtr bind_more_operator(PlanPtr in, const K::Operator& op, const Src& src, const ScopePtr& scope);
  // search, reduce, and the error for fork/facet anywhere but last (binder_search.cpp); nullptr for others.
  PlanPtr bind_search_operator(PlanPtr in, const K::Operator& op, const Src& src, const ScopePtr& scope);
  struct SearchLeg {
    std::string name;
    PlanPtr plan;
  };
  std::vector<SearchLeg> search_legs(PlanPtr in, bool has_in, const std::vector<K::TabularPtr>& tables, std::uint32_t off,
                                     const Src& src, const ScopePtr& scope);
  std::vector<SearchLeg> filter_legs(std::vector<SearchLeg> legs, const K::Expr& pred, std::set<std::string>& named,
                                     std::uint32_t off, const Src& src, const ScopePtr& scope);
  PlanPtr bind_search(PlanPtr in, const K::Search& s, std::uint32_t off, const Src& src, const ScopePtr& scope);
  PlanPtr bind_find(const K::Find& f, std::uint32_t off, const Src& src, const ScopePtr& scope);
  std::vector<NamedPlan> bind_fork_or_facet(PlanPtr in, const K::Operator& op, const Src& src, const ScopePtr& scope);
  AggSpec bind_single_aggregate(const K::Call& c, std::uint32_t off, const RowCtx& rc, const Src& src, const ScopePtr& scope, Type& out_type);
  std::size_t pack_all_columns_ = static_cast<std::size_t>(-1);  // in an extend: its input's columns
  std::optional<std::vector<std::pair<std::string, ExprPtr>>> split_multi_output(const K::Assignment& a, const ExprPtr& e, const Src& src);
  std::map<std::string, PlanPtr> tables_matching(const std::string& pattern) const;
  PlanPtr bind_externaldata(const K::ExternalDataSource& x, std::uint32_t off, const Src& src, const ScopePtr& scope);
  PlanPtr bind_table_name(const std::string& name, std::uint32_t off, const Src& src, const ScopePtr& scope, bool fuzzy_ok);
  PlanPtr bind_tabular_expr_value(const K::Expr& e, const Src& src, const ScopePtr& scope);  // a scalar-looking tabular
  // _GetWatchlist('NAME'): the watchlist the engine was given, or no rows when it has none.
  PlanPtr bind_get_watchlist(const K::Call& c, std::uint32_t off, const Src& src, const ScopePtr& scope);
  PlanPtr bind_call_source(const K::Call& c, std::uint32_t off, const Src& src, const ScopePtr& scope, PlanPtr piped_input);
  PlanPtr bind_union(PlanPtr first, const std::vector<K::OperatorParam>& params, const std::vector<K::TabularPtr>& tables,
                     std::uint32_t off, const Src& src, const ScopePtr& scope);
  PlanPtr bind_function_tabular(const std::shared_ptr<Binding>& b, const K::Call* call, std::uint32_t off, const Src& src,
                                const ScopePtr& scope, PlanPtr piped_input);
  PlanPtr bind_workspace_function(const std::string& name, const K::Call* call, std::uint32_t off, const Src& src,
                                  const ScopePtr& scope, PlanPtr piped_input);

  ExprPtr bind_expr(const K::Expr& e, const RowCtx& rc, const Src& src, const ScopePtr& scope);
  ExprPtr bind_call(const K::Call& c, std::uint32_t off, const RowCtx& rc, const Src& src, const ScopePtr& scope);
  ExprPtr bind_scalar_function(const std::shared_ptr<Binding>& b, const K::Call& c, std::uint32_t off, const RowCtx& rc,
                               const Src& src, const ScopePtr& scope);
  ExprPtr make_call(const ScalarFunction* fn, std::vector<ExprPtr> args, std::uint32_t off, const Src& src);
  ExprPtr call_op(const std::string& name, std::vector<ExprPtr> args, std::uint32_t off, const Src& src);
  // A scalar let's value: a constant, or the row expression it stands for inside a user function.
  ExprPtr resolve_scalar(const std::shared_ptr<Binding>& b, std::uint32_t off, const Src& use_src);
  Value eval_const(const ExprPtr& e, std::uint32_t off, const Src& src);
  Value table_first_value(const PlanPtr& p);
  Value table_column_array(const PlanPtr& p);
  Table run_plan(const PlanPtr& p);

  Engine& engine_;
  ExecContext& ctx_;
  int depth_ = 0;
  // Set while binding the aggregate expressions of summarize: binds an aggregate call and returns
  // the column that will hold its result.
  std::function<ExprPtr(const K::Call&, std::uint32_t)> agg_hook_;
  // Set while binding an extend whose items call row_number()/prev()/next(): the window specs,
  // filled in call order; the k-th call reads column window_base_ + k.
  std::vector<WindowSpec>* window_ = nullptr;
  int window_base_ = 0;
  std::size_t window_input_columns_ = 0;
  // Operators the binder writes itself (facet's summarize per column): the plans may point into them.
  std::vector<std::unique_ptr<K::Operator>> synthesized_;
  // materialize(): one cached plan per call in the query text and scope it is bound in, so that
  // every reference to `let m = materialize(...)` (in any statement of a batch) reads one result
  // (materialize-function: "evaluated only once"). The scope is held so its address stays unique.
  std::map<std::pair<const K::Call*, const Scope*>, std::pair<ScopePtr, PlanPtr>> materialized_;
  // A plugin with several result tables (funnel_sequence) as the last operator of a tabular
  // statement: bind_query_results sets result_evaluate_ to that operator while it binds the
  // statement, and the plugin leaves its tables after the first in extra_results_.
  const K::Evaluate* result_evaluate_ = nullptr;
  std::vector<NamedPlan> extra_results_;
};

// Records where operator `name` is in its query (for its row-budget error) and returns it.
inline PlanPtr at_site(PlanPtr p, const Src& src, std::uint32_t offset, std::string name) {
  p->site = OpSite{src.text, src.loc, offset, std::move(name)};
  return p;
}

// Kusto's name for an unnamed expression column ("" when it gets a generated ColumnN name): a
// column reference keeps its name, d.a and d["a"] are d_a, and a call is named by its function's
// rule (tostring(x) is x, sum(x) is sum_x, strcat(...) has none). `row`: the input columns (for
// column_ifexists).
std::string derive_name(const K::Expr& e, const Schema* row = nullptr);
std::string derive_call_name(const K::Call& c, const Schema* row = nullptr);

}  // namespace rulelab::engine
