// where / filter (learn.microsoft.com/kusto/query/where-operator): keeps rows whose predicate is
// true; null counts as false.
#include "engine/plan.hpp"

namespace rulelab::engine {
namespace {

class FilterNode : public PlanNode {
 public:
  FilterNode(PlanPtr c, ExprPtr p) : child_(std::move(c)), pred_(std::move(p)) { schema = child_->schema; }
  Table execute(ExecContext& ctx) const override {
    Table in = child_->execute(ctx);
    Table out{schema, in.sources, {}};
    for (auto& b : in.batches) {
      SelectionVector sel = evaluate_filter(*pred_, b, ctx.eval);
      if (sel.empty()) continue;
      if (sel.size() == b.rows()) out.batches.push_back(std::move(b));
      else out.batches.push_back(select_rows(b, sel));
    }
    return out;
  }

 private:
  PlanPtr child_;
  ExprPtr pred_;
};

}  // namespace

PlanPtr make_filter(PlanPtr child, ExprPtr predicate) { return std::make_shared<FilterNode>(std::move(child), std::move(predicate)); }

}  // namespace rulelab::engine
