// Window functions of serialized rows, computed over the whole input in order
// (learn.microsoft.com/kusto/query/row-number-function, prev-function, next-function):
// row_number([start [, restart]]), prev(expr [, offset [, default]]), next(expr [, offset [, default]]),
// row_cumsum(term [, restart]), row_window_session(expr, maxFromFirst, maxBetween [, restart]),
// row_rank_dense(term [, restart]), row_rank_min(term [, restart]).
// The results are appended to the input as extra columns.
#include "engine/plan.hpp"

namespace rulelab::engine {
namespace {

class WindowNode : public PlanNode {
 public:
  WindowNode(PlanPtr c, std::vector<WindowSpec> specs, Schema out) : child_(std::move(c)), specs_(std::move(specs)) { schema = std::move(out); }
  Table execute(ExecContext& ctx) const override {
    InputTable inp = run_input(*child_, ctx);
    const Table& in = inp.get();
    std::vector<RowRef> rows = all_rows(in);
    // The output batches grow by one column per spec, in order: a spec's expressions may read the
    // columns of the specs before it (row_cumsum(x, name != prev(name))).
    Table out{schema, in.sources, {}};
    for (auto& b : in.batches) {
      Batch nb;
      nb.columns = b.columns;
      nb.sources = b.sources;
      out.batches.push_back(std::move(nb));
    }
    for (std::size_t s = 0; s < specs_.size(); ++s) {
      const WindowSpec& w = specs_[s];
      std::vector<Column> vals, restarts;
      if (w.expr) for (auto& b : out.batches) vals.push_back(evaluate_column(*w.expr, b, ctx.eval));
      if (w.restart) for (auto& b : out.batches) restarts.push_back(evaluate_column(*w.restart, b, ctx.eval));
      auto restart_at = [&](const RowRef& r) {
        if (restarts.empty()) return false;
        const Value v = get_value(restarts[r.batch], r.row);
        return v.truthy();
      };
      Column c(w.type);
      c.reserve(rows.size());
      std::int64_t counter = w.start, isum = 0;
      double rsum = 0;
      bool in_session = false;
      std::int64_t session_start = 0, last = 0;
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const RowRef& r = rows[i];
        switch (w.kind) {
          case WindowSpec::RowNumber:
            // row-number-function: restart resets the numbering to its start
            if (i > 0 && restart_at(r)) counter = w.start;
            c.append_long(counter++);
            break;
          case WindowSpec::CumSum: {
            // row-cumsum-function: restart sets the accumulation back to 0 before this row
            if (restart_at(r)) { isum = 0; rsum = 0; }
            const Value v = get_value(vals[r.batch], r.row);
            if (w.type == Type::Real) {
              bool ok;
              const double d = number_of(v, ok);
              if (ok) rsum += d;
              c.append_real(rsum);
            } else {
              if (!v.is_null()) isum = static_cast<std::int64_t>(static_cast<std::uint64_t>(isum) + static_cast<std::uint64_t>(v.i));
              c.append_long(isum);
            }
            break;
          }
          case WindowSpec::Session: {
            // row-window-session-function: a new session starts at the first row, after a null,
            // when restart is true, or when the value is more than MaxDistanceFromFirst from the
            // session's first value or more than MaxDistanceBetweenNeighbors from the previous one.
            const Value v = get_value(vals[r.batch], r.row);
            if (v.is_null()) { append_value(c, Value::null_of(w.type)); in_session = false; break; }
            const bool fresh = !in_session || restart_at(r) || v.i - session_start > w.max_from_first || v.i - last > w.max_between;
            if (fresh) session_start = v.i;
            in_session = true;
            last = v.i;
            append_value(c, Value::of_datetime(session_start));
            break;
          }
          case WindowSpec::RankDense:
          case WindowSpec::RankMin: {
            // row-rank-dense-function: +1 whenever the term differs from the previous row's;
            // row-rank-min-function: the row number (from 1) of the first row of a run of equal
            // terms. A restart (or the first row) starts again at 1.
            const Value v = get_value(vals[r.batch], r.row);
            const bool fresh = i == 0 || restart_at(r);
            if (fresh) { counter = 1; session_start = 1; }
            else {
              ++counter;  // the row number within the partition
              const Value p = get_value(vals[rows[i - 1].batch], rows[i - 1].row);
              const auto same = equal_values(v, p);
              const bool eq = same ? *same : (v.is_null() && p.is_null());
              if (!eq) session_start = w.kind == WindowSpec::RankDense ? session_start + 1 : counter;
            }
            c.append_long(session_start);
            break;
          }
          case WindowSpec::Prev:
          case WindowSpec::Next: {
            const std::int64_t j = w.kind == WindowSpec::Prev ? static_cast<std::int64_t>(i) - w.offset : static_cast<std::int64_t>(i) + w.offset;
            if (j < 0 || j >= static_cast<std::int64_t>(rows.size())) { append_value(c, convert_to(w.default_value, c.type())); break; }
            const RowRef& o = rows[static_cast<std::size_t>(j)];
            c.append_from(vals[o.batch], o.row);
            break;
          }
        }
      }
      std::size_t base = 0;
      for (auto& nb : out.batches) {
        const std::size_t n = nb.sources.size();
        Column part(c.type());
        for (std::size_t r = 0; r < n; ++r) part.append_from(c, base + r);
        nb.columns.push_back(std::move(part));
        base += n;
      }
    }
    return out;
  }

 private:
  PlanPtr child_;
  std::vector<WindowSpec> specs_;
};

}  // namespace

PlanPtr make_window(PlanPtr child, std::vector<WindowSpec> specs, Schema out) {
  return std::make_shared<WindowNode>(std::move(child), std::move(specs), std::move(out));
}

}  // namespace rulelab::engine
