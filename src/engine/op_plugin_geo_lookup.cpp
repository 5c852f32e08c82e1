// geo_polygon_lookup (geo-polygon-lookup-plugin) and geo_line_lookup (geo-line-lookup-plugin),
// bound in binder_plugins_analytics.cpp: each input row is matched against every lookup row by the
// registry's geospatial function (geo_point_in_polygon, geo_distance_point_to_polygon,
// geo_distance_point_to_line; fn_geo.cpp), so the plugins and the functions agree. Output rows
// follow the input's order, each row's matches in the lookup table's order (Kusto's order is not
// documented); lookup_area_radius only tunes Kusto's index and is accepted and ignored.
#include "engine/plugins_analytics.hpp"

namespace rulelab::engine {
namespace {

class GeoLookupNode : public PlanNode {
 public:
  GeoLookupNode(PlanPtr left, PlanPtr right, GeoLookupSpec spec, Schema out)
      : left_(std::move(left)), right_(std::move(right)), spec_(std::move(spec)) { schema = std::move(out); }

  Table execute(ExecContext& ctx) const override {
    InputTable L = run_input(*left_, ctx);
    InputTable R = run_input(*right_, ctx);
    const Table& rt = R.get();
    const std::vector<RowRef> rrows = all_rows(rt);
    std::vector<Value> shapes;
    std::vector<std::shared_ptr<FnState>> states;  // the function's state for each shape, as for a constant argument
    for (auto& rr : rrows) {
      shapes.push_back(get_value(rt.batches[rr.batch].columns[static_cast<std::size_t>(spec_.key)], rr.row));
      std::shared_ptr<FnState> st;
      if (spec_.test->prepare) {
        std::string err;
        st = spec_.test->prepare({nullptr, nullptr, &shapes.back()}, err);
        if (!err.empty()) shapes.back() = Value::null_of(Type::Dynamic);  // a shape the function refuses matches nothing
      }
      states.push_back(std::move(st));
    }
    TableBuilder tb(schema);
    RowMeter meter(ctx, site);
    const std::size_t lcols = left_->schema.fields.size();
    std::vector<std::size_t> hits;
    for (const Batch& b : L.get().batches) {
      Vec lon = evaluate(*spec_.lon, b, ctx.eval);
      Vec lat = evaluate(*spec_.lat, b, ctx.eval);
      for (std::size_t r = 0; r < b.rows(); ++r) {
        hits.clear();
        Value args[3] = {lon.get(r), lat.get(r), Value()};
        if (!args[0].is_null() && !args[1].is_null()) {
          for (std::size_t k = 0; k < shapes.size(); ++k) {
            if (shapes[k].is_null()) continue;
            args[2] = shapes[k];
            const Value v = spec_.test->impl(CallArgs{args, 3, states[k].get(), &ctx.eval});
            if (v.is_null()) continue;
            if (spec_.distance ? v.r <= spec_.radius : v.truthy()) hits.push_back(k);
          }
          meter.add(0);
        }
        auto emit = [&](const std::size_t* k) {
          for (std::size_t c = 0; c < lcols; ++c) tb.column(c).append_from(b.columns[c], r);
          for (std::size_t j = 0; j < spec_.right_out.size(); ++j) {
            Column& oc = tb.column(lcols + j);
            if (k) oc.append_from(rt.batches[rrows[*k].batch].columns[static_cast<std::size_t>(spec_.right_out[j])], rrows[*k].row);
            else oc.append_null();
          }
          tb.end_row(b.sources[r]);
          meter.add();
        };
        for (auto k : hits) emit(&k);
        if (hits.empty() && spec_.return_unmatched) emit(nullptr);
      }
    }
    return tb.finish();
  }

 private:
  PlanPtr left_, right_;
  GeoLookupSpec spec_;
};

}  // namespace

PlanPtr make_geo_lookup(PlanPtr left, PlanPtr right, GeoLookupSpec spec, Schema out) {
  return std::make_shared<GeoLookupNode>(std::move(left), std::move(right), std::move(spec), std::move(out));
}

}  // namespace rulelab::engine
