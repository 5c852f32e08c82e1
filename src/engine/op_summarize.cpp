// summarize (learn.microsoft.com/kusto/query/summarize-operator): hash aggregation; groups in
// first-seen order. Without `by`, an empty input still gives one row (count() = 0).
#include <unordered_map>

#include "engine/plan.hpp"

namespace rulelab::engine {
namespace {

class SummarizeNode : public PlanNode {
 public:
  SummarizeNode(PlanPtr c, std::vector<ExprPtr> k, std::vector<AggSpec> a, Schema out)
      : child_(std::move(c)), keys_(std::move(k)), aggs_(std::move(a)) { schema = std::move(out); }

  Table execute(ExecContext& ctx) const override {
    struct Group {
      std::vector<Value> keys;
      std::vector<std::unique_ptr<AggState>> states;
      RowSource src;
      std::vector<RowSource> members;  // with provenance on: every row of the group
    };
    std::vector<Group> groups;
    std::unordered_map<std::string, std::size_t> index;
    auto new_group = [&](std::vector<Value> kv, RowSource src) {
      Group g;
      g.keys = std::move(kv);
      g.src = src;
      for (auto& a : aggs_) {
        std::vector<Type> types;
        for (auto& e : a.args) types.push_back(e->type);
        g.states.push_back(a.fn->make(types, a.const_args));
      }
      groups.push_back(std::move(g));
      return groups.size() - 1;
    };
    std::string key;
    std::vector<Value> kv(keys_.size());
    std::vector<std::vector<Value>> args(aggs_.size());
    // batch by batch: over a file table the rows are never all in memory
    std::vector<std::string> sources = child_->for_each_batch(ctx, [&](const Batch& b, Batch*) {
      std::vector<Vec> kvec;
      for (auto& k : keys_) kvec.push_back(evaluate(*k, b, ctx.eval));
      std::vector<std::vector<Vec>> avec(aggs_.size());
      for (std::size_t a = 0; a < aggs_.size(); ++a)
        for (auto& e : aggs_[a].args) avec[a].push_back(evaluate(*e, b, ctx.eval));
      for (std::size_t r = 0; r < b.rows(); ++r) {
        key.clear();
        for (std::size_t k = 0; k < keys_.size(); ++k) {
          kv[k] = convert_to(kvec[k].get(r), keys_[k]->type);
          append_key(key, kv[k]);
        }
        auto it = index.find(key);
        std::size_t gi;
        if (it == index.end()) { gi = new_group(kv, b.sources[r]); index.emplace(key, gi); }
        else gi = it->second;
        Group& g = groups[gi];
        if (ctx.lineage) g.members.push_back(b.sources[r]);
        for (std::size_t a = 0; a < aggs_.size(); ++a) {
          args[a].resize(avec[a].size());
          for (std::size_t j = 0; j < avec[a].size(); ++j) args[a][j] = avec[a][j].get(r);
          g.states[a]->add(args[a].data(), args[a].size());
        }
      }
    }, nullptr);
    if (keys_.empty() && groups.empty()) new_group({}, RowSource{});
    TableBuilder tb(schema);
    for (auto& g : groups) {
      for (std::size_t k = 0; k < keys_.size(); ++k) append_value(tb.column(k), g.keys[k]);
      for (std::size_t a = 0; a < aggs_.size(); ++a) {
        std::vector<Value> res = g.states[a]->result();
        for (std::size_t j = 0; j < aggs_[a].out_columns.size(); ++j) {
          Column& col = tb.column(static_cast<std::size_t>(aggs_[a].out_columns[j]));
          append_value(col, j < res.size() ? convert_to(res[j], col.type()) : Value::null_of(col.type()));
        }
      }
      tb.end_row(ctx.lineage && !g.members.empty() ? ctx.lineage->combine(g.members) : g.src);
    }
    Table out = tb.finish();
    out.sources = std::move(sources);
    return out;
  }

 private:
  PlanPtr child_;
  std::vector<ExprPtr> keys_;
  std::vector<AggSpec> aggs_;
};

}  // namespace

PlanPtr make_summarize(PlanPtr child, std::vector<ExprPtr> keys, std::vector<AggSpec> aggs, Schema out) {
  return std::make_shared<SummarizeNode>(std::move(child), std::move(keys), std::move(aggs), std::move(out));
}

}  // namespace rulelab::engine
