// make-series (learn.microsoft.com/kusto/query/make-series-operator): per group, one array per
// aggregation over the bins of the axis [from, to) by step, empty bins holding the default value,
// and the axis column as the array of bin starts. Without `from`, bins start at bin(min(axis),
// step); without `to`, they run through max(axis).
#include <cmath>
#include <unordered_map>

#include "engine/plan.hpp"

namespace rulelab::engine {
namespace {

class MakeSeriesNode : public PlanNode {
 public:
  MakeSeriesNode(PlanPtr c, std::vector<ExprPtr> keys, std::vector<AggSpec> aggs, std::vector<Value> defaults, ExprPtr axis,
                 std::optional<Value> from, std::optional<Value> to, Value step, Schema out)
      : child_(std::move(c)), keys_(std::move(keys)), aggs_(std::move(aggs)), defaults_(std::move(defaults)), axis_(std::move(axis)),
        from_(std::move(from)), to_(std::move(to)), step_(std::move(step)) { schema = std::move(out); }

  Table execute(ExecContext& ctx) const override {
    InputTable inp = run_input(*child_, ctx);
    const Table& in = inp.get();
    const bool ticks = axis_->type == Type::DateTime || axis_->type == Type::TimeSpan;
    auto num = [&](const Value& v) { bool ok; return ticks ? static_cast<double>(v.i) : number_of(v, ok); };
    const double step = num(step_);
    struct Row { std::vector<Value> keys; double axis; std::vector<std::vector<Value>> args; };
    std::vector<Row> rows;
    double lo = INFINITY, hi = -INFINITY;
    for (auto& b : in.batches) {
      Vec ax = evaluate(*axis_, b, ctx.eval);
      std::vector<Vec> kv, av;
      for (auto& k : keys_) kv.push_back(evaluate(*k, b, ctx.eval));
      std::vector<std::vector<Vec>> args(aggs_.size());
      for (std::size_t a = 0; a < aggs_.size(); ++a)
        for (auto& e : aggs_[a].args) args[a].push_back(evaluate(*e, b, ctx.eval));
      for (std::size_t r = 0; r < b.rows(); ++r) {
        Value x = ax.get(r);
        if (x.is_null()) continue;
        Row row;
        row.axis = num(x);
        for (auto& k : kv) row.keys.push_back(k.get(r));
        for (auto& a : args) {
          std::vector<Value> vals;
          for (auto& v : a) vals.push_back(v.get(r));
          row.args.push_back(std::move(vals));
        }
        lo = std::min(lo, row.axis);
        hi = std::max(hi, row.axis);
        rows.push_back(std::move(row));
      }
    }
    TableBuilder tb(schema);
    if (step <= 0) return tb.finish();
    double start = from_ ? num(*from_) : std::floor(lo / step) * step;
    double end = to_ ? num(*to_) : hi + (hi >= start ? 0 : 0);
    double nb = 0;
    if (to_) nb = end > start ? std::ceil((end - start) / step) : 0;
    else if (!rows.empty()) nb = std::floor((end - start) / step) + 1;
    // Each series holds nbins values: the row budget (--max-rows) bounds them, one series or all.
    RowMeter meter(ctx, site, "series values");
    if (!(nb <= 9e18)) {  // beyond any budget (or NaN)
      meter.add(~std::uint64_t{0} >> 1);
      nb = 9e18;  // no budget: the allocation below fails and is reported as out of memory
    }
    const auto nbins = static_cast<std::size_t>(nb);
    meter.add(nbins);
    bool first_group = true;
    struct Group { std::vector<Value> keys; std::vector<std::vector<std::unique_ptr<AggState>>> states; };
    std::vector<Group> groups;
    std::unordered_map<std::string, std::size_t> index;
    for (auto& row : rows) {
      if (row.axis < start) continue;
      auto bin = static_cast<std::size_t>(std::floor((row.axis - start) / step));
      if (bin >= nbins) continue;
      std::string key;
      for (auto& k : row.keys) append_key(key, k);
      auto it = index.find(key);
      if (it == index.end()) {
        if (!first_group) meter.add(nbins);
        first_group = false;
        Group g;
        g.keys = row.keys;
        g.states.resize(aggs_.size());
        for (std::size_t a = 0; a < aggs_.size(); ++a) g.states[a].resize(nbins);
        groups.push_back(std::move(g));
        it = index.emplace(key, groups.size() - 1).first;
      }
      Group& g = groups[it->second];
      for (std::size_t a = 0; a < aggs_.size(); ++a) {
        auto& st = g.states[a][bin];
        if (!st) {
          std::vector<Type> types;
          for (auto& e : aggs_[a].args) types.push_back(e->type);
          st = aggs_[a].fn->make(types, aggs_[a].const_args);
        }
        st->add(row.args[a].data(), row.args[a].size());
      }
    }
    for (auto& g : groups) {
      for (std::size_t k = 0; k < keys_.size(); ++k) append_value(tb.column(k), convert_to(g.keys[k], schema.fields[k].type));
      for (std::size_t a = 0; a < aggs_.size(); ++a) {
        std::string bytes;
        DynWriter w(bytes);
        w.begin_array();
        for (std::size_t i = 0; i < nbins; ++i) {
          const auto& st = g.states[a][i];
          write_dynamic(w, st ? st->result()[0] : defaults_[a]);
        }
        w.end();
        tb.column(keys_.size() + a).append_dynamic_bytes(bytes);
      }
      std::string bytes;
      DynWriter w(bytes);
      w.begin_array();
      for (std::size_t i = 0; i < nbins; ++i) {
        const double v = start + static_cast<double>(i) * step;
        if (axis_->type == Type::DateTime) write_dynamic(w, Value::of_datetime(static_cast<std::int64_t>(v)));
        else if (axis_->type == Type::TimeSpan) write_dynamic(w, Value::of_timespan(static_cast<std::int64_t>(v)));
        else if (axis_->type == Type::Real) w.real(v);
        else w.integer(static_cast<std::int64_t>(v));
      }
      w.end();
      tb.column(keys_.size() + aggs_.size()).append_dynamic_bytes(bytes);
      tb.end_row();
    }
    return tb.finish();
  }

 private:
  PlanPtr child_;
  std::vector<ExprPtr> keys_;
  std::vector<AggSpec> aggs_;
  std::vector<Value> defaults_;
  ExprPtr axis_;
  std::optional<Value> from_, to_;
  Value step_;
};

}  // namespace

PlanPtr make_make_series(PlanPtr child, std::vector<ExprPtr> keys, std::vector<AggSpec> aggs, std::vector<Value> defaults, ExprPtr axis,
                         std::optional<Value> from, std::optional<Value> to, Value step, Schema out) {
  return std::make_shared<MakeSeriesNode>(std::move(child), std::move(keys), std::move(aggs), std::move(defaults), std::move(axis),
                                          std::move(from), std::move(to), std::move(step), std::move(out));
}

}  // namespace rulelab::engine
