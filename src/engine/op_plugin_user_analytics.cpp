// The user-analytics evaluate plugins (the Kusto reference's "User and sequence analytics plugins":
// sliding-window-counts-plugin, session-count-plugin, rolling-percentile-plugin,
// activity-counts-metrics-plugin, activity-metrics-plugin, new-activity-metrics-plugin,
// active-users-count-plugin, activity-engagement-plugin) and dcount_intersect
// (dcount-intersect-plugin). Bound in binder_plugins_analytics.cpp. Distinct counts are exact.
// Rows whose timeline value is null have no place on the timeline and are left out, as
// summarize by bin() would; the row sets are documented in the README (what the pages leave open
// is marked there as rulelab's choice).
#include <algorithm>
#include <climits>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "core/datetime.hpp"
#include "engine/functions.hpp"
#include "engine/plugins_analytics.hpp"
#include "engine/sketch.hpp"

namespace rulelab::engine {

namespace {

// a - b and a + b, held at the ends of the range instead of overflowing (long timelines may hold
// any value).
std::int64_t sat_sub(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) return b > 0 ? INT64_MIN : INT64_MAX;
  return r;
}
std::int64_t sat_add(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN;
  return r;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Calendar helpers over ticks (as core/datetime: days counted from 1970-01-01).
void civil_of(std::int64_t ticks, std::int64_t& y, unsigned& m, unsigned& d) {
  civil_from_days(floor_div(ticks, kTicksPerDay), y, m, d);
}
std::int64_t ticks_of(std::int64_t y, unsigned m, unsigned d) { return days_from_civil(y, m, d) * kTicksPerDay; }

}  // namespace

std::int64_t AnalyticsStep::floor(std::int64_t t, std::int64_t origin) const {
  switch (kind) {
    case Fixed: {
      const std::int64_t q = floor_div(sat_sub(t, origin), size);
      std::int64_t v;
      if (__builtin_mul_overflow(q, size, &v)) return q < 0 ? INT64_MIN : INT64_MAX;
      return sat_add(origin, v);
    }
    case Week: {
      const std::int64_t days = floor_div(t, kTicksPerDay);
      return (days - ((days + 4) % 7 + 7) % 7) * kTicksPerDay;  // day 0 (1970-01-01) is a Thursday
    }
    case Month: {
      std::int64_t y; unsigned m, d;
      civil_of(t, y, m, d);
      return ticks_of(y, m, 1);
    }
    case Year: {
      std::int64_t y; unsigned m, d;
      civil_of(t, y, m, d);
      return ticks_of(y, 1, 1);
    }
  }
  return t;
}

std::int64_t AnalyticsStep::next(std::int64_t b) const {
  switch (kind) {
    case Fixed: return sat_add(b, size);
    case Week: return sat_add(b, 7 * kTicksPerDay);
    case Month: {
      std::int64_t y; unsigned m, d;
      civil_of(b, y, m, d);
      return m == 12 ? ticks_of(y + 1, 1, 1) : ticks_of(y, m + 1, 1);
    }
    case Year: {
      std::int64_t y; unsigned m, d;
      civil_of(b, y, m, d);
      return ticks_of(y + 1, 1, 1);
    }
  }
  return b + 1;
}

namespace {

struct Record {
  std::int64_t t;
  std::uint32_t id;  // index into the ids seen
  Value value;       // rolling_percentile's value
};
struct Group {
  std::vector<Value> dims;
  std::vector<Record> records;
};

using IdSet = std::unordered_set<std::uint32_t>;

class UserAnalyticsNode : public PlanNode {
 public:
  UserAnalyticsNode(PlanPtr child, AnalyticsSpec spec, Schema out) : child_(std::move(child)), spec_(std::move(spec)) {
    schema = std::move(out);
  }

  Table execute(ExecContext& ctx) const override {
    std::vector<Group> groups;
    std::unordered_map<std::string, std::uint32_t> id_of;
    read(ctx, groups, id_of);
    // Groups in the order of their dimension values (the rolling_percentile page lists Even before
    // Odd although the first row is Odd).
    std::vector<std::size_t> order(groups.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const auto& x = groups[a].dims;
      const auto& y = groups[b].dims;
      for (std::size_t k = 0; k < x.size(); ++k) {
        if (x[k].is_null() != y[k].is_null()) return x[k].is_null();
        auto c = compare_values(x[k], y[k]);
        if (c && *c != 0) return *c < 0;
      }
      return false;
    });
    IdSet known;  // new_activity_metrics: ids of the lookback table
    if (spec_.lookback_ids) {
      InputTable lt = run_input(*spec_.lookback_ids, ctx);
      for (const Batch& b : lt.get().batches)
        for (std::size_t r = 0; r < b.rows(); ++r) {
          std::string key;
          append_key(key, get_value(b.columns[0], r));
          auto it = id_of.find(key);
          if (it != id_of.end()) known.insert(it->second);
        }
    }
    TableBuilder tb(schema);
    RowMeter meter(ctx, site);
    for (std::size_t g : order) {
      auto& recs = groups[g].records;
      std::stable_sort(recs.begin(), recs.end(), [](const Record& a, const Record& b) { return a.t < b.t; });
      Emitter em{tb, meter, groups[g].dims, spec_};
      switch (spec_.kind) {
        case AnalyticsSpec::SlidingWindowCounts: sliding_window_counts(recs, em); break;
        case AnalyticsSpec::SessionCount: session_count(recs, em); break;
        case AnalyticsSpec::RollingPercentile: rolling_percentile(recs, em); break;
        case AnalyticsSpec::ActivityCountsMetrics: activity_counts_metrics(recs, em); break;
        case AnalyticsSpec::ActivityMetrics: activity_metrics(recs, em); break;
        case AnalyticsSpec::NewActivityMetrics: new_activity_metrics(recs, known, em); break;
        case AnalyticsSpec::ActiveUsersCount: active_users_count(recs, em); break;
        case AnalyticsSpec::ActivityEngagement: activity_engagement(recs, em); break;
      }
    }
    return tb.finish();
  }

 private:
  // Appends output rows: the timeline value(s), the dimensions, then the metrics.
  struct Emitter {
    TableBuilder& tb;
    RowMeter& meter;
    const std::vector<Value>& dims;
    const AnalyticsSpec& spec;
    std::size_t c = 0;
    void time(std::int64_t t) { append_value(tb.column(c++), time_value(t)); }
    void begin(std::int64_t t) {
      c = 0;
      time(t);
    }
    void dims_now() {
      for (auto& d : dims) append_value(tb.column(c++), d);
    }
    void num(std::int64_t v) { tb.column(c++).append_long(v); }
    void real(double v) { tb.column(c++).append_real(v); }
    void value(const Value& v) { append_value(tb.column(c++), v); }
    void end() {
      tb.end_row();
      meter.add();
    }
    Value time_value(std::int64_t t) const {
      if (spec.real_bins) return Value::of_real(static_cast<double>(t) * spec.real_bin_size);
      switch (spec.time->type) {
        case Type::DateTime: return Value::of_datetime(t);
        case Type::TimeSpan: return Value::of_timespan(t);
        case Type::Int: return Value::of_int(static_cast<std::int32_t>(t));
        default: return Value::of_long(t);
      }
    }
  };

  void read(ExecContext& ctx, std::vector<Group>& groups, std::unordered_map<std::string, std::uint32_t>& id_of) const {
    InputTable in = run_input(*child_, ctx);
    std::unordered_map<std::string, std::size_t> group_of;
    for (const Batch& b : in.get().batches) {
      Vec iv = evaluate(*spec_.id, b, ctx.eval);
      Vec tv = evaluate(*spec_.time, b, ctx.eval);
      std::vector<Vec> dv;
      for (auto& d : spec_.dims) dv.push_back(evaluate(*d, b, ctx.eval));
      for (std::size_t r = 0; r < b.rows(); ++r) {
        if (tv.is_null(r)) continue;
        Record rec{0, 0, {}};
        if (spec_.real_bins) {
          bool ok = false;
          const double bin = std::floor(number_of(tv.get(r), ok) / spec_.real_bin_size);
          if (!ok || !std::isfinite(bin) || std::fabs(bin) > 9e15)
            fail_at(site, site.name + ": an index value is too far from 0 for BinSize " + format_real(spec_.real_bin_size));
          rec.t = static_cast<std::int64_t>(bin);
        } else {
          rec.t = tv.get(r).i;
        }
        if (spec_.kind == AnalyticsSpec::RollingPercentile) {
          rec.value = iv.get(r);
          if (rec.value.is_null()) continue;  // percentile() leaves nulls out
        } else {
          std::string key;
          append_key(key, iv.get(r));
          rec.id = id_of.emplace(std::move(key), static_cast<std::uint32_t>(id_of.size())).first->second;
        }
        std::string gkey;
        std::vector<Value> dims;
        for (auto& d : dv) {
          dims.push_back(d.get(r));
          append_key(gkey, dims.back());
        }
        auto [it, fresh] = group_of.emplace(std::move(gkey), groups.size());
        if (fresh) groups.push_back({std::move(dims), {}});
        groups[it->second].records.push_back(std::move(rec));
      }
    }
  }

  // The steps a plugin walks between two ends are bounded (a tiny step over a long range).
  void count_step(std::size_t& n) const {
    if (++n > 1'000'000) fail_at(site, site.name + ": more than 1000000 steps between the ends of the analysis");
  }
  bool in_range(std::int64_t t) const { return !spec_.has_range || (t >= spec_.start && t <= spec_.end); }
  std::int64_t origin() const { return spec_.has_range ? spec_.start : 0; }

  // Records by the step that holds them (fixed steps counted from Start).
  std::map<std::int64_t, std::vector<const Record*>> by_bin(const std::vector<Record>& recs, bool only_range, std::int64_t from) const {
    std::map<std::int64_t, std::vector<const Record*>> bins;
    for (auto& r : recs)
      if (!only_range || in_range(r.t)) bins[spec_.step.floor(r.t, from)].push_back(&r);
    return bins;
  }

  // sliding_window_counts: per step from Start to End, the records of the lookback window ending
  // with that step (LookbackWindow rounded down to whole steps): their count and distinct ids.
  void sliding_window_counts(const std::vector<Record>& recs, Emitter& em) const {
    if (recs.empty()) return;
    auto bins = by_bin(recs, false, spec_.start);
    const AnalyticsStep& st = spec_.step;
    std::int64_t window = spec_.lookback;
    if (st.kind == AnalyticsStep::Fixed) window = std::max<std::int64_t>(1, spec_.lookback / st.size) * st.size;
    std::size_t n = 0;
    for (std::int64_t o = st.floor(spec_.start, spec_.start); o <= spec_.end; o = st.next(o)) {
      count_step(n);
      if (o == INT64_MAX) break;
      std::int64_t count = 0;
      IdSet ids;
      for (auto it = bins.upper_bound(o); it != bins.begin();) {
        --it;
        if (it->first <= sat_sub(o, window)) break;
        count += static_cast<std::int64_t>(it->second.size());
        for (auto* r : it->second) ids.insert(r->id);
      }
      if (count == 0) continue;
      em.begin(o);
      em.dims_now();
      em.num(count);
      em.num(static_cast<std::int64_t>(ids.size()));
      em.end();
    }
  }

  // session_count: an id's appearance starts a session unless the same id appeared within
  // LookBackWindow before it; the sessions started in each Bin (bin(), as the page's chart starts
  // at 0 for Start 1) with their start in [Start, End].
  void session_count(const std::vector<Record>& recs, Emitter& em) const {
    std::unordered_map<std::uint32_t, std::int64_t> last;
    std::map<std::int64_t, std::int64_t> starts;
    for (auto& r : recs) {
      auto it = last.find(r.id);
      const bool fresh = it == last.end() || sat_sub(r.t, it->second) > spec_.lookback;
      last[r.id] = r.t;
      if (fresh && in_range(r.t)) ++starts[spec_.step.floor(r.t, 0)];
    }
    for (auto& [b, n] : starts) {
      em.begin(b);
      em.dims_now();
      em.num(n);
      em.end();
    }
  }

  // rolling_percentile: per bin (bin() of the index) from the group's first to its last, the
  // nearest-rank percentile of the values of the BinsPerWindow bins ending with it.
  void rolling_percentile(const std::vector<Record>& recs, Emitter& em) const {
    if (recs.empty()) return;
    auto bins = by_bin(recs, false, 0);
    const AnalyticsStep& st = spec_.step;
    const std::int64_t last = bins.rbegin()->first;
    std::size_t n = 0;
    for (std::int64_t o = bins.begin()->first; o <= last; o = st.next(o)) {
      count_step(n);
      if (o == INT64_MAX) break;
      std::vector<Value> vals;
      std::int64_t b = o;
      for (std::int64_t k = 0; k < spec_.bins_per_window; ++k) {
        auto it = bins.find(b);
        if (it != bins.end())
          for (auto* r : it->second) vals.push_back(r->value);
        b = st.floor(sat_sub(b, 1), 0);
      }
      if (vals.empty()) continue;
      std::stable_sort(vals.begin(), vals.end(), [](const Value& x, const Value& y) { auto c = compare_values(x, y); return c && *c < 0; });
      const double rank = std::ceil(spec_.percentile / 100.0 * static_cast<double>(vals.size()));
      std::size_t idx = rank <= 1 ? 0 : static_cast<std::size_t>(rank) - 1;
      idx = std::min(idx, vals.size() - 1);
      em.begin(o);
      em.dims_now();
      Value v = vals[idx];
      const Type out = em.tb.column(em.c).type();
      if (v.type != out) {  // int values in a long column and the like
        bool ok = false;
        const double d = number_of(v, ok);
        v = out == Type::Real ? Value::of_real(d) : out == Type::Long ? Value::of_long(static_cast<std::int64_t>(d)) : v;
      }
      em.value(v);
      em.end();
    }
  }

  // activity_counts_metrics: per step from Start with records in [Start, End]: records, distinct
  // ids, ids not seen in any earlier step, distinct ids from the first step on.
  void activity_counts_metrics(const std::vector<Record>& recs, Emitter& em) const {
    auto bins = by_bin(recs, true, spec_.start);
    IdSet seen;
    for (auto& [b, rs] : bins) {
      IdSet ids;
      for (auto* r : rs) ids.insert(r->id);
      std::int64_t fresh = 0;
      for (auto id : ids) fresh += seen.insert(id).second ? 1 : 0;
      em.begin(b);
      em.dims_now();
      em.num(static_cast<std::int64_t>(rs.size()));
      em.num(static_cast<std::int64_t>(ids.size()));
      em.num(fresh);
      em.num(static_cast<std::int64_t>(seen.size()));
      em.end();
    }
  }

  // activity_metrics: per step with records: distinct ids, ids not in the step before, and the
  // retention (ids of the step before that returned / ids of the step before) and churn (1 minus
  // it); NaN when the step before has no ids.
  void activity_metrics(const std::vector<Record>& recs, Emitter& em) const {
    auto bins = by_bin(recs, true, origin());
    const AnalyticsStep& st = spec_.step;
    for (auto& [b, rs] : bins) {
      IdSet ids, prev;
      for (auto* r : rs) ids.insert(r->id);
      auto p = bins.find(st.floor(sat_sub(b, 1), origin()));
      if (p != bins.end())
        for (auto* r : p->second) prev.insert(r->id);
      std::int64_t fresh = 0;
      for (auto id : ids) fresh += prev.count(id) ? 0 : 1;
      const double returned = static_cast<double>(ids.size()) - static_cast<double>(fresh);
      const double base = static_cast<double>(prev.size());
      const double retention = base == 0 ? std::nan("") : returned / base;
      em.begin(b);
      em.dims_now();
      em.num(static_cast<std::int64_t>(ids.size()));
      em.num(fresh);
      em.real(retention);
      em.real(base == 0 ? std::nan("") : (base - returned) / base);
      em.end();
    }
  }

  // new_activity_metrics: for each cohort step (the ids first seen in it, and not in the lookback
  // table) and each step from it to End, as the page's table defines the columns.
  void new_activity_metrics(const std::vector<Record>& recs, const IdSet& known, Emitter& em) const {
    auto bins = by_bin(recs, true, spec_.start);
    const AnalyticsStep& st = spec_.step;
    std::vector<std::int64_t> steps;
    std::vector<IdSet> ids;
    std::size_t n = 0;
    for (std::int64_t o = st.floor(spec_.start, spec_.start); o <= spec_.end; o = st.next(o)) {
      steps.push_back(o);
      if (o == INT64_MAX) break;
      ids.emplace_back();
      auto it = bins.find(o);
      if (it != bins.end())
        for (auto* r : it->second) ids.back().insert(r->id);
      count_step(n);
    }
    IdSet before = known;  // ids seen before step i
    for (std::size_t i = 0; i < steps.size(); ++i) {
      if (spec_.has_cohort && steps[i] != st.floor(spec_.cohort, spec_.start)) {
        for (auto id : ids[i]) before.insert(id);
        continue;
      }
      IdSet cohort;
      for (auto id : ids[i])
        if (!before.count(id)) cohort.insert(id);
      for (std::size_t j = i; j < steps.size(); ++j) {
        std::int64_t fresh = 0, retained = 0;
        for (auto id : ids[j]) {
          if (cohort.count(id)) ++retained;
          if (!before.count(id) && (j == i || !ids[i].count(id))) ++fresh;
        }
        const std::int64_t churn = static_cast<std::int64_t>(cohort.size()) - retained;
        const double n = static_cast<double>(cohort.size());
        em.begin(steps[i]);
        em.time(steps[j]);
        em.dims_now();
        em.num(fresh);
        em.num(retained);
        em.num(churn);
        em.real(n == 0 ? std::nan("") : static_cast<double>(retained) / n);
        em.real(n == 0 ? std::nan("") : static_cast<double>(churn) / n);
        em.end();
      }
      for (auto id : ids[i]) before.insert(id);
    }
  }

  // active_users_count: an appearance in [Start, End] is active when its id appeared in at least
  // ActivePeriods distinct Periods (bin() of the appearances) within (t - LookbackWindow, t]; per
  // step from Start, the distinct ids with an active appearance (steps with none are left out, as
  // the page's output leaves out 2018-07-08).
  void active_users_count(const std::vector<Record>& recs, Emitter& em) const {
    std::unordered_map<std::uint32_t, std::vector<std::int64_t>> seen;  // id -> its appearance times so far
    std::map<std::int64_t, IdSet> active;
    for (auto& r : recs) {
      auto& ts = seen[r.id];
      ts.push_back(r.t);
      if (!in_range(r.t)) continue;
      std::set<std::int64_t> periods;
      for (auto it = ts.rbegin(); it != ts.rend() && *it > sat_sub(r.t, spec_.lookback); ++it)
        periods.insert(floor_div(*it, spec_.period));
      if (static_cast<std::int64_t>(periods.size()) >= spec_.active_periods) active[spec_.step.floor(r.t, spec_.start)].insert(r.id);
    }
    for (auto& [b, ids] : active) {
      em.begin(b);
      em.dims_now();
      em.num(static_cast<std::int64_t>(ids.size()));
      em.end();
    }
  }

  // activity_engagement: per inner window with ids: the distinct ids of the inner window, of the
  // outer window that ends with it, and their ratio.
  void activity_engagement(const std::vector<Record>& recs, Emitter& em) const {
    auto bins = by_bin(recs, true, origin());
    for (auto& [b, rs] : bins) {
      IdSet inner, outer;
      for (auto* r : rs) inner.insert(r->id);
      const std::int64_t end = spec_.step.next(b), from = sat_sub(end, spec_.outer);
      for (auto it = bins.upper_bound(b); it != bins.begin();) {
        --it;
        if (it->first < from) break;
        for (auto* r : it->second) outer.insert(r->id);
      }
      em.begin(b);
      em.dims_now();
      em.num(static_cast<std::int64_t>(inner.size()));
      em.num(static_cast<std::int64_t>(outer.size()));
      em.real(static_cast<double>(inner.size()) / static_cast<double>(outer.size()));
      em.end();
    }
  }

  PlanPtr child_;
  AnalyticsSpec spec_;
};

// ---------------------------------------------------------------- dcount_intersect

class DcountIntersectNode : public PlanNode {
 public:
  DcountIntersectNode(PlanPtr child, std::vector<ExprPtr> hlls, Schema out) : child_(std::move(child)), hlls_(std::move(hlls)) {
    schema = std::move(out);
  }
  Table execute(ExecContext& ctx) const override {
    InputTable in = run_input(*child_, ctx);
    TableBuilder tb(schema);
    const std::size_t ncols = child_->schema.fields.size();
    for (const Batch& b : in.get().batches) {
      std::vector<Vec> hv;
      for (auto& h : hlls_) hv.push_back(evaluate(*h, b, ctx.eval));
      for (std::size_t r = 0; r < b.rows(); ++r) {
        for (std::size_t c = 0; c < ncols; ++c) tb.column(c).append_from(b.columns[c], r);
        std::unordered_set<std::string> common;
        for (std::size_t k = 0; k < hv.size(); ++k) {
          std::unordered_set<std::string> set;
          const Value v = hv[k].get(r);
          if (v.type == Type::Dynamic && !v.is_null() && v.dyn().is_array())
            v.dyn().for_each_element([&](DynRef e) {
              if (e.is_null()) return;
              std::string key;
              append_key(key, scalar_of(e));
              set.insert(std::move(key));
            });
          if (k == 0) common = std::move(set);
          else
            for (auto it = common.begin(); it != common.end();) it = set.count(*it) ? std::next(it) : common.erase(it);
          tb.column(ncols + k).append_long(static_cast<std::int64_t>(common.size()));
        }
        tb.end_row(b.sources[r]);
      }
    }
    return tb.finish();
  }

 private:
  PlanPtr child_;
  std::vector<ExprPtr> hlls_;
};

}  // namespace

PlanPtr make_user_analytics(PlanPtr child, AnalyticsSpec spec, Schema out) {
  return std::make_shared<UserAnalyticsNode>(std::move(child), std::move(spec), std::move(out));
}
PlanPtr make_dcount_intersect(PlanPtr child, std::vector<ExprPtr> hlls, Schema out) {
  return std::make_shared<DcountIntersectNode>(std::move(child), std::move(hlls), std::move(out));
}

}  // namespace rulelab::engine
