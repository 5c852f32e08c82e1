// Window functions of serialized rows, computed over the whole input in order
// (learn.microsoft.com/kusto/query/row-number-function, prev-function, next-function):
// row_number([start]), prev(expr [, offset [, default]]), next(expr [, offset [, default]]).
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
    // the expression of each spec, per batch
    std::vector<std::vector<Column>> vals(specs_.size());
    for (std::size_t s = 0; s < specs_.size(); ++s)
      if (specs_[s].expr)
        for (auto& b : in.batches) vals[s].push_back(evaluate_column(*specs_[s].expr, b, ctx.eval));
    std::vector<Column> outcols;
    for (std::size_t s = 0; s < specs_.size(); ++s) {
      Column c(specs_[s].type);
      c.reserve(rows.size());
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const WindowSpec& w = specs_[s];
        if (w.kind == WindowSpec::RowNumber) { c.append_long(w.start + static_cast<std::int64_t>(i)); continue; }
        const std::int64_t j = w.kind == WindowSpec::Prev ? static_cast<std::int64_t>(i) - w.offset : static_cast<std::int64_t>(i) + w.offset;
        if (j < 0 || j >= static_cast<std::int64_t>(rows.size())) { append_value(c, convert_to(w.default_value, c.type())); continue; }
        const RowRef& r = rows[static_cast<std::size_t>(j)];
        c.append_from(vals[s][r.batch], r.row);
      }
      outcols.push_back(std::move(c));
    }
    Table out{schema, in.sources, {}};
    std::size_t base = 0;
    for (auto& b : in.batches) {
      Batch nb;
      nb.columns = b.columns;
      nb.sources = b.sources;
      for (auto& c : outcols) {
        Column part(c.type());
        for (std::size_t r = 0; r < b.rows(); ++r) part.append_from(c, base + r);
        nb.columns.push_back(std::move(part));
      }
      base += b.rows();
      out.batches.push_back(std::move(nb));
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
