// top-nested (top-nested-operator) and consume (consume-operator).
#include <algorithm>
#include <functional>
#include <unordered_map>

#include "engine/more_ops.hpp"

namespace rulelab::engine {
namespace {

class TopNestedNode : public PlanNode {
 public:
  TopNestedNode(PlanPtr child, std::vector<TopNestedLevel> levels, Schema out) : child_(std::move(child)), levels_(std::move(levels)) {
    schema = std::move(out);
  }

  Table execute(ExecContext& ctx) const override {
    InputTable in = run_input(*child_, ctx);
    const std::size_t nl = levels_.size();
    // Per row and level: the key and the aggregate's arguments.
    std::vector<std::vector<Value>> keys(nl);
    std::vector<std::vector<std::vector<Value>>> args(nl);
    std::vector<RowSource> sources;
    for (const Batch& b : in.get().batches) {
      for (std::size_t l = 0; l < nl; ++l) {
        Vec kv = evaluate(*levels_[l].key, b, ctx.eval);
        std::vector<Vec> av;
        for (auto& a : levels_[l].agg.args) av.push_back(evaluate(*a, b, ctx.eval));
        for (std::size_t r = 0; r < b.rows(); ++r) {
          keys[l].push_back(kv.get(r));
          std::vector<Value> row;
          for (auto& v : av) row.push_back(v.get(r));
          args[l].push_back(std::move(row));
        }
      }
      sources.insert(sources.end(), b.sources.begin(), b.sources.end());
    }
    TableBuilder tb(schema);
    RowMeter meter(ctx, site);
    std::vector<Value> prefix;
    auto aggregate = [&](std::size_t l, const std::vector<std::uint32_t>& rows) {
      const AggSpec& a = levels_[l].agg;
      std::vector<Type> types;
      for (auto& e : a.args) types.push_back(e->type);
      auto st = a.fn->make(types, a.const_args);
      for (auto r : rows) st->add(args[l][r].data(), args[l][r].size());
      return st->result().at(0);
    };
    auto emit = [&](std::size_t upto) {
      for (std::size_t c = 0; c < schema.fields.size(); ++c) {
        if (c < prefix.size()) append_value(tb.column(c), prefix[c]);
        else tb.column(c).append_null();
      }
      (void)upto;
      tb.end_row();
      meter.add();
    };
    std::function<void(std::size_t, const std::vector<std::uint32_t>&)> level = [&](std::size_t l, const std::vector<std::uint32_t>& rows) {
      struct Group {
        Value key;
        std::vector<std::uint32_t> rows;
        Value agg;
      };
      std::vector<Group> groups;
      std::unordered_map<std::string, std::size_t> index;
      for (auto r : rows) {
        std::string k;
        append_key(k, keys[l][r]);
        auto [it, fresh] = index.emplace(k, groups.size());
        if (fresh) groups.push_back({keys[l][r], {}, {}});
        groups[it->second].rows.push_back(r);
      }
      for (auto& g : groups) g.agg = aggregate(l, g.rows);
      const bool desc = levels_[l].descending;
      std::stable_sort(groups.begin(), groups.end(), [&](const Group& a, const Group& b) {
        if (a.agg.is_null() != b.agg.is_null()) return b.agg.is_null();  // nulls last
        auto c = compare_values(a.agg, b.agg);
        if (!c || *c == 0) return false;
        return desc ? *c > 0 : *c < 0;
      });
      const std::size_t keep = levels_[l].count ? std::min<std::size_t>(groups.size(), static_cast<std::size_t>(*levels_[l].count)) : groups.size();
      for (std::size_t g = 0; g < keep; ++g) {
        prefix.push_back(groups[g].key);
        prefix.push_back(groups[g].agg);
        if (l + 1 == levels_.size()) emit(l);
        else level(l + 1, groups[g].rows);
        prefix.resize(prefix.size() - 2);
      }
      if (levels_[l].others && keep < groups.size()) {
        std::vector<std::uint32_t> rest;
        for (std::size_t g = keep; g < groups.size(); ++g) rest.insert(rest.end(), groups[g].rows.begin(), groups[g].rows.end());
        prefix.push_back(*levels_[l].others);
        prefix.push_back(aggregate(l, rest));
        emit(l);
        prefix.resize(prefix.size() - 2);
      }
    };
    std::vector<std::uint32_t> all(sources.size());
    for (std::uint32_t i = 0; i < all.size(); ++i) all[i] = i;
    if (!levels_.empty()) level(0, all);
    return tb.finish();
  }

 private:
  PlanPtr child_;
  std::vector<TopNestedLevel> levels_;
};

class ConsumeNode : public PlanNode {
 public:
  explicit ConsumeNode(PlanPtr child) : child_(std::move(child)) { schema = child_->schema; }
  Table execute(ExecContext& ctx) const override {
    (void)run_input(*child_, ctx);
    return Table{schema, {}, {}};
  }

 private:
  PlanPtr child_;
};

}  // namespace

PlanPtr make_top_nested(PlanPtr child, std::vector<TopNestedLevel> levels, Schema out) {
  return std::make_shared<TopNestedNode>(std::move(child), std::move(levels), std::move(out));
}
PlanPtr make_consume(PlanPtr child) { return std::make_shared<ConsumeNode>(std::move(child)); }

}  // namespace rulelab::engine
