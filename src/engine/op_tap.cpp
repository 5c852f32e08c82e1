// The tap node (engine/tap.hpp): runs its child, hands the output to the run's tap, passes it on.
// The output is held shared, so the tap and the next operator read the same table.
#include "engine/plan.hpp"

namespace rulelab::engine {
namespace {

class TapNode : public PlanNode {
 public:
  TapNode(PlanPtr c, TapPoint p) : child_(std::move(c)), point_(std::move(p)) { schema = child_->schema; site = child_->site; }
  Table execute(ExecContext& ctx) const override { return *stored(ctx); }
  std::shared_ptr<const Table> stored(ExecContext& ctx) const override {
    std::shared_ptr<const Table> t = child_->stored(ctx);
    if (!t) t = std::make_shared<const Table>(child_->execute(ctx));
    if (ctx.tap && *ctx.tap) {
      OperatorOutput o;
      o.pipeline = point_.pipeline;
      o.step = point_.step;
      o.text = point_.text;
      o.location = point_.location;
      o.range = point_.range;
      o.kind = point_.kind;
      o.table = t;
      o.lineage = ctx.lineage;
      (*ctx.tap)(o);
    }
    return t;
  }

 private:
  PlanPtr child_;
  TapPoint point_;
};

}  // namespace

PlanPtr make_tap(PlanPtr child, TapPoint point) { return std::make_shared<TapNode>(std::move(child), std::move(point)); }

}  // namespace rulelab::engine
