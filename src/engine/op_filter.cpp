// where / filter (learn.microsoft.com/kusto/query/where-operator): keeps rows whose predicate is
// true; null counts as false.
#include "engine/plan.hpp"

namespace rulelab::engine {
namespace {

class FilterNode : public PlanNode {
 public:
  FilterNode(PlanPtr c, ExprPtr p) : child_(std::move(c)), pred_(std::move(p)) { schema = child_->schema; }
  Table execute(ExecContext& ctx) const override {
    InputTable inp = run_input(*child_, ctx);
    const Table& in = inp.get();
    Table out{schema, in.sources, {}};
    for (std::size_t k = 0; k < in.batches.size(); ++k) {
      const Batch& b = in.batches[k];
      SelectionVector sel = evaluate_filter(*pred_, b, ctx.eval);
      if (sel.empty()) continue;
      if (sel.size() == b.rows()) {
        if (inp.is_owned()) out.batches.push_back(std::move(inp.owned.batches[k]));
        else out.batches.push_back(b);
      } else {
        out.batches.push_back(select_rows(b, sel));
      }
    }
    return out;
  }

  std::vector<std::string> for_each_batch(ExecContext& ctx, const BatchFn& f, const KeyNarrowing* narrow) const override {
    return child_->for_each_batch(ctx, [&](const Batch& b, Batch* owned) {
      SelectionVector sel = evaluate_filter(*pred_, b, ctx.eval);
      if (sel.empty()) return;
      if (sel.size() == b.rows()) {
        f(b, owned);
        return;
      }
      Batch nb = select_rows(b, sel);
      f(nb, &nb);
    }, narrow);
  }

  const PlanNode* batch_local_child() const override { return child_.get(); }

  // Over a stored input, the rows are not copied when every row passes (a window filter over
  // rows already read inside the window, a filter pushed down into reading).
  std::shared_ptr<const Table> stored(ExecContext& ctx) const override {
    std::shared_ptr<const Table> in = child_->stored(ctx);
    if (!in) return nullptr;
    std::vector<SelectionVector> sels;
    sels.reserve(in->batches.size());
    bool all = true;
    for (const Batch& b : in->batches) {
      sels.push_back(evaluate_filter(*pred_, b, ctx.eval));
      all = all && sels.back().size() == b.rows();
    }
    if (all) return in;
    Table out{schema, in->sources, {}};
    for (std::size_t k = 0; k < in->batches.size(); ++k) {
      const Batch& b = in->batches[k];
      if (sels[k].empty()) continue;
      if (sels[k].size() == b.rows()) out.batches.push_back(b);
      else out.batches.push_back(select_rows(b, sels[k]));
    }
    return std::make_shared<const Table>(std::move(out));
  }

 private:
  PlanPtr child_;
  ExprPtr pred_;
};

}  // namespace

PlanPtr make_filter(PlanPtr child, ExprPtr predicate) { return std::make_shared<FilterNode>(std::move(child), std::move(predicate)); }

}  // namespace rulelab::engine
