// partition (partition-operator): the subquery runs over the rows of each value of the column.
#include <unordered_map>

#include "engine/more_ops.hpp"

namespace rulelab::engine {
namespace {

class PartitionNode : public PlanNode {
 public:
  PartitionNode(PlanPtr child, int column, std::shared_ptr<ParamSlot> slot, PlanPtr sub)
      : child_(std::move(child)), column_(column), slot_(std::move(slot)), sub_(std::move(sub)) { schema = sub_->schema; }

  Table execute(ExecContext& ctx) const override {
    InputTable in = run_input(*child_, ctx);
    const Table& t = in.get();
    // The partitions in the order their values first appear.
    std::vector<std::vector<RowRef>> parts;
    std::unordered_map<std::string, std::size_t> index;
    for (std::uint32_t b = 0; b < t.batches.size(); ++b)
      for (std::uint32_t r = 0; r < t.batches[b].rows(); ++r) {
        std::string key;
        append_key(key, get_value(t.batches[b].columns[static_cast<std::size_t>(column_)], r));
        auto [it, fresh] = index.emplace(key, parts.size());
        if (fresh) parts.emplace_back();
        parts[it->second].push_back({b, r});
      }
    Table out{schema, t.sources, {}};
    RowMeter meter(ctx, site);
    for (auto& p : parts) {
      TableBuilder tb(child_->schema);
      for (auto& rr : p) tb.append_row(t.batches[rr.batch], rr.row);
      Table part = tb.finish();
      ParamBinding bind(ctx, slot_.get(), &part);
      Table res = sub_->execute(ctx);
      meter.add(res.rows());
      for (auto& b : res.batches) out.batches.push_back(std::move(b));
    }
    return out;
  }

 private:
  PlanPtr child_;
  int column_;
  std::shared_ptr<ParamSlot> slot_;
  PlanPtr sub_;
};

}  // namespace

PlanPtr make_partition(PlanPtr child, int column, std::shared_ptr<ParamSlot> slot, PlanPtr sub) {
  return std::make_shared<PartitionNode>(std::move(child), column, std::move(slot), std::move(sub));
}

}  // namespace rulelab::engine
