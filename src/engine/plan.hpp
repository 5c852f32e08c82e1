// The operators of a bound Kusto query: a tree of plan nodes, each with its output schema known
// at bind time, each executed over columnar batches (one operator per file, op_*.cpp).
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/column.hpp"
#include "core/limits.hpp"
#include "core/lineage.hpp"
#include "engine/aggregates.hpp"
#include "engine/expr.hpp"
#include "engine/tap.hpp"

namespace rulelab::engine {

// A user-facing error raised while binding or running; carries the query offset it is about.
// Caught at the engine's boundary and turned into an Error with file:line:col (never escapes).
struct QueryError : std::runtime_error {
  QueryError(std::string msg, std::size_t off, bool unsupported = false)
      : std::runtime_error(std::move(msg)), offset(off), unsupported(unsupported) {}
  std::size_t offset;
  bool unsupported;
};

struct ParamSlot;
class PlanNode;

// The rows each operator site has produced so far, summed over the threads of one parallel run
// (for_each_batch_parallel): the row budget counts them all, as it does in one thread.
class SharedRowCounts {
 public:
  // Adds n to the count of (site, role) and returns the new total.
  std::uint64_t add(const OpSite* site, int role, const char* unit, std::uint64_t n) {
    std::lock_guard<std::mutex> lock(m_);
    Count& c = counts_[{site, role}];
    c.unit = unit;
    return c.rows += n;
  }
  // The first (site, role) whose total exceeds `max_rows` (0: none), with its unit; null if none.
  std::pair<const OpSite*, const char*> over(std::uint64_t max_rows) {
    std::lock_guard<std::mutex> lock(m_);
    if (max_rows)
      for (const auto& [key, c] : counts_)
        if (c.rows > max_rows) return {key.first, c.unit};
    return {nullptr, nullptr};
  }

 private:
  struct Count {
    std::uint64_t rows = 0;
    const char* unit = "rows";
  };
  std::mutex m_;
  std::map<std::pair<const OpSite*, int>, Count> counts_;
};

struct ExecContext {
  EvalContext eval;  // also holds the run's deadline (--timeout), checked by evaluate()
  // Provenance arena of this run (null: provenance off). Operators that combine rows (join,
  // lookup, summarize) record which input records a row derives from; the others copy RowSources.
  Lineage* lineage = nullptr;
  // externaldata: local copies of storage URLs; without one, an error, or (corpus runs) no rows.
  const std::map<std::string, std::string>* external = nullptr;
  bool external_empty = false;
  // Rows one operator that multiplies rows (join, lookup, mv-expand, mv-apply, range,
  // make-series bins) may produce (--max-rows); 0: no limit.
  std::uint64_t max_rows = kDefaultMaxRows;
  // Warnings of the run (RunOptions::warnings); null: not collected.
  std::vector<Error>* warnings = nullptr;
  // Notes of the run (RunOptions::notes); null: not collected.
  std::vector<Error>* notes = nullptr;
  // The run's tap (RunOptions::tap); null: none, and the plan has no tap nodes.
  const Tap* tap = nullptr;
  // The tables that mv-apply and partition give their subqueries' parameter (ParamNode), innermost
  // last: each thread of a run binds its own.
  std::vector<std::pair<const ParamSlot*, const Table*>> params;
  // One thread of for_each_batch_parallel: `morsel_source` gives only `morsel` to for_each_batch,
  // and row counts are summed in `shared_rows`.
  const PlanNode* morsel_source = nullptr;
  const Batch* morsel = nullptr;
  SharedRowCounts* shared_rows = nullptr;
  bool parallel_worker = false;  // a thread of for_each_batch_parallel (which does not nest)
};

// Binds a subquery parameter for the lifetime of the binding (ExecContext::params). The subquery's
// operators count their rows for this run of it alone, as in one thread (no shared counts).
class ParamBinding {
 public:
  ParamBinding(ExecContext& ctx, const ParamSlot* slot, const Table* t) : ctx_(ctx), shared_(ctx.shared_rows) {
    ctx_.params.emplace_back(slot, t);
    ctx_.shared_rows = nullptr;
  }
  ~ParamBinding() {
    ctx_.params.pop_back();
    ctx_.shared_rows = shared_;
  }
  ParamBinding(const ParamBinding&) = delete;
  ParamBinding& operator=(const ParamBinding&) = delete;

 private:
  ExecContext& ctx_;
  SharedRowCounts* shared_;
};

// A batch handed to a for_each_batch consumer, and the same batch as `owned` when the producer
// does not keep it (the consumer may move its columns out); null when the batch is stored.
using BatchFn = std::function<void(const Batch& b, Batch* owned)>;

// A consumer that keeps only the rows whose columns `columns` (plain column values, in order) form
// one of `keys` (append_key of each value; a row with a null part never matches): a join's side
// narrowed to the keys of the other side. A producer may drop the other rows early (before it
// copies or computes them); the consumer still checks every row it gets.
struct KeyNarrowing {
  std::vector<int> columns;
  const std::unordered_set<std::string>* keys = nullptr;
};

class PlanNode {
 public:
  Schema schema;
  OpSite site;  // set by the binder for the operators that check the row budget
  virtual ~PlanNode() = default;
  virtual Table execute(ExecContext& ctx) const = 0;
  // The result without a copy when the node holds it already (a stored table, a materialized
  // cache, mv-apply's per-record input); nullptr otherwise.
  virtual std::shared_ptr<const Table> stored(ExecContext&) const { return nullptr; }
  // Calls f for each batch of the result in order, without holding the whole result where the
  // node can (a file table streamed through where / extend / project*, mv-apply). `narrow` (may
  // be null): rows the consumer drops unless their key is wanted. Returns Table::sources.
  virtual std::vector<std::string> for_each_batch(ExecContext& ctx, const BatchFn& f, const KeyNarrowing* narrow) const;
  // A node whose for_each_batch turns each batch of this child into output batches from that batch
  // alone (where, extend/project*, mv-apply); null for the others.
  virtual const PlanNode* batch_local_child() const { return nullptr; }
  // A source whose for_each_batch gives batches it holds already (a stored table, a file table read
  // whole), and in morsel mode (ExecContext::morsel_source) only the morsel.
  virtual bool holds_batches() const { return false; }
};
using PlanPtr = std::shared_ptr<PlanNode>;

// node.for_each_batch(ctx, f, narrow), with the batches of a chain of batch-local nodes over a
// source that holds its batches computed on every core; f still gets them on the calling thread,
// in order. Falls back to node.for_each_batch where that does not apply (provenance or a tap on,
// fewer than two batches, another node in the chain).
std::vector<std::string> for_each_batch_parallel(const PlanNode& node, ExecContext& ctx, const BatchFn& f, const KeyNarrowing* narrow);

// A child's result: borrowed when stored, else owned.
struct InputTable {
  std::shared_ptr<const Table> shared;
  Table owned;
  const Table& get() const { return shared ? *shared : owned; }
  bool is_owned() const { return !shared; }
};
InputTable run_input(const PlanNode& child, ExecContext& ctx);

// The row budget: throws LimitExceeded, positioned at the operator, when `rows` (produced so far
// by the operator at `site`) exceeds ctx.max_rows.
// `unit` names what is counted ("rows"; make-series counts "series values").
[[noreturn]] void row_budget_exceeded(const ExecContext& ctx, const OpSite& site, const char* unit = "rows");
inline void check_row_budget(const ExecContext& ctx, const OpSite& site, std::uint64_t rows, const char* unit = "rows") {
  if (ctx.max_rows && rows > ctx.max_rows) row_budget_exceeded(ctx, site, unit);
}

// Counts the rows an operator produces against the row budget, and checks the deadline every
// 1024 rows (operators whose per-row work is not an expression evaluation: join, expansions).
// In a parallel run, counts are shared every 1,024 rows and when the meter goes (`role` tells apart
// two meters of one site); for_each_batch_parallel checks the totals after each batch.
class RowMeter {
 public:
  RowMeter(const ExecContext& ctx, const OpSite& site, const char* unit = "rows", int role = 0)
      : ctx_(ctx), site_(site), unit_(unit), role_(role), shared_(ctx.shared_rows) {}
  // The rest of the count is shared; the parallel run checks the totals after each batch.
  ~RowMeter() {
    if (shared_ && unshared_) shared_->add(&site_, role_, unit_, unshared_);
  }
  RowMeter(const RowMeter&) = delete;
  RowMeter& operator=(const RowMeter&) = delete;
  void add(std::uint64_t n = 1) {
    rows_ += n;
    if (shared_ && (unshared_ += n) >= 1024) {
      others_ = shared_->add(&site_, role_, unit_, unshared_) - rows_;
      unshared_ = 0;
    }
    check_row_budget(ctx_, site_, others_ + rows_, unit_);
    if ((tick_ += n) >= 1024) {
      tick_ = 0;
      ctx_.eval.deadline.check();
    }
  }

 private:
  const ExecContext& ctx_;
  const OpSite& site_;
  const char* unit_;
  int role_;
  SharedRowCounts* shared_;  // the parallel run's counts at construction (a subquery's meters: none)
  std::uint64_t rows_ = 0, tick_ = 0;
  std::uint64_t unshared_ = 0, others_ = 0;  // parallel runs: not yet shared; the other threads' rows
};

// Builds tables batch by batch (<= kBatchRows rows each).
class TableBuilder {
 public:
  explicit TableBuilder(Schema s);
  // Starts a row; then append one value per column through column(i).
  Column& column(std::size_t i) { ensure(); return cur_.columns[i]; }
  void end_row(RowSource src = {});
  // Appends row `row` of batch `b` (same schema) as a whole.
  void append_row(const Batch& b, std::size_t row);
  Table finish();
  std::size_t rows() const { return rows_; }

 private:
  void ensure();
  Schema schema_;
  Table table_;
  Batch cur_;
  bool open_ = false;
  std::size_t rows_ = 0;
  std::vector<std::size_t> byte_hint_;  // payload bytes per column of the last full batch (+1/16)
};

// Copies the rows of `sel` of b into a new batch.
Batch select_rows(const Batch& b, const SelectionVector& sel);
// All rows of a table (order kept) as (batch, row) pairs.
struct RowRef { std::uint32_t batch; std::uint32_t row; };
std::vector<RowRef> all_rows(const Table& t);

// ---- node factories (op_*.cpp)
PlanPtr make_scan(std::shared_ptr<const Table> table);
class FileTable;
PlanPtr make_file_scan(std::shared_ptr<FileTable> table);
PlanPtr make_filter(PlanPtr child, ExprPtr predicate);
// Steps append columns to the input's (step k reads input columns and earlier steps' columns
// at index input_columns + j); output[i] picks the working column of output column i.
PlanPtr make_compute(PlanPtr child, std::vector<ExprPtr> steps, std::vector<int> output, Schema out);
PlanPtr make_take(PlanPtr child, std::int64_t n);
// Executes once and keeps the result (materialize(), let-bound tables used twice, toscalar()).
PlanPtr make_cached(PlanPtr child);
// The table given to a subquery by mv-apply or partition: bound per run by the enclosing operator
// (ParamBinding, ExecContext::params); `table` where no binding is found (pushdown's probe).
struct ParamSlot { const Table* table = nullptr; };
PlanPtr make_param(std::shared_ptr<ParamSlot> slot, Schema s);

struct SortKeySpec {
  ExprPtr expr;
  bool descending = true;
  bool nulls_first = false;
};
PlanPtr make_sort(PlanPtr child, std::vector<SortKeySpec> keys, std::optional<std::int64_t> limit);

struct AggSpec {
  const AggregateFunction* fn = nullptr;
  std::vector<ExprPtr> args;
  std::vector<Value> const_args;  // constant arguments (index i is null-typed when not constant)
  std::vector<int> out_columns;   // output columns this aggregate fills (arg_max etc. fill several)
};
PlanPtr make_summarize(PlanPtr child, std::vector<ExprPtr> keys, std::vector<AggSpec> aggs, Schema out);

enum class JoinType { InnerUnique, Inner, LeftOuter, RightOuter, FullOuter, LeftAnti, RightAnti, LeftSemi, RightSemi };
// Output: left columns then right columns (semi/anti: one side only); right names already renamed.
PlanPtr make_join(PlanPtr left, PlanPtr right, JoinType type, std::vector<ExprPtr> left_keys,
                  std::vector<ExprPtr> right_keys, Schema out);
// lookup: left columns, then the right's non-key columns.
PlanPtr make_lookup(PlanPtr left, PlanPtr right, bool inner, std::vector<ExprPtr> left_keys,
                    std::vector<ExprPtr> right_keys, std::vector<int> right_out_cols, Schema out);

// union: child column j maps to output column mapping[child][j]; withsource column optional.
PlanPtr make_union(std::vector<PlanPtr> children, std::vector<std::vector<int>> mapping, Schema out,
                   int source_column, std::vector<std::string> source_names);

struct ExpandSpec {
  ExprPtr expr;
  Type to_type = Type::Dynamic;
  bool bag_as_array = false;  // bagexpansion=array
};
// mv-expand: output = kept child columns (keep[i] child index per output prefix), then expanded
// columns at out positions expand_out[k], item index column optional.
PlanPtr make_mv_expand(PlanPtr child, std::vector<int> keep, std::vector<ExpandSpec> items, std::vector<int> expand_out,
                       int index_out, std::optional<std::int64_t> limit, Schema out);
PlanPtr make_mv_apply(PlanPtr child, std::vector<int> keep, std::vector<ExpandSpec> items, Schema sub_input,
                      int index_col, std::shared_ptr<ParamSlot> slot, PlanPtr sub, std::optional<std::int64_t> limit, Schema out,
                      bool row_local);

struct ParseSpec {
  ExprPtr source;
  std::shared_ptr<FnState> regex;   // compiled pattern, one group per column
  std::vector<int> out_columns;     // output column of each group
  std::vector<Type> types;
  std::vector<int> groups;          // the regex group of each column
  bool where = false;
  bool strict = true;               // simple/regex: one value that does not convert nulls them all
};
// Output = child columns (some replaced) + new ones; out_columns index the output schema.
PlanPtr make_parse(PlanPtr child, ParseSpec spec, std::vector<int> child_to_out, Schema out);

PlanPtr make_values(Table t);

struct WindowSpec {
  enum Kind { RowNumber, Prev, Next, CumSum, Session, RankDense, RankMin } kind = RowNumber;
  ExprPtr expr;                // prev/next, row_cumsum's term, row_window_session's value, row_rank_*'s term
  ExprPtr restart;             // row_number, row_cumsum, row_window_session: true restarts
  std::int64_t offset = 1;
  Value default_value;         // prev/next beyond the ends
  std::int64_t start = 1;      // row_number
  std::int64_t max_from_first = 0, max_between = 0;  // row_window_session (ticks)
  Type type = Type::Long;
};
// Appends one column per spec to the input (output schema = input + those columns).
PlanPtr make_window(PlanPtr child, std::vector<WindowSpec> specs, Schema out);
// make-series: output = keys, one dynamic array per aggregate, the axis array.
PlanPtr make_make_series(PlanPtr child, std::vector<ExprPtr> keys, std::vector<AggSpec> aggs, std::vector<Value> defaults, ExprPtr axis,
                         std::optional<Value> from, std::optional<Value> to, Value step, Schema out);
PlanPtr make_serialize(PlanPtr child);

// Where a tap node sits: step `step` of `pipeline` (OperatorOutput without the output).
struct TapPoint {
  const kusto::TabularExpr* pipeline = nullptr;
  std::size_t step = 0;
  const std::string* text = nullptr;
  const kusto::QueryLocation* location = nullptr;
  kusto::SourceRange range;
  std::string kind;
};
// Passes the child's output on unchanged, after handing it to ctx.tap (op_tap.cpp).
PlanPtr make_tap(PlanPtr child, TapPoint point);

}  // namespace rulelab::engine
