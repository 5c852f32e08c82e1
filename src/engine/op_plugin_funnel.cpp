// funnel_sequence (funnel-sequence-plugin) and funnel_sequence_completion
// (funnel-sequence-completion-plugin), bound in binder_plugins_analytics.cpp. Each analysis window
// (Step / BinSize from Start, events in [Start, End]) is analyzed separately; an id's events are
// taken in timeline order (input order for equal times). Distinct counts are exact.
// funnel_sequence gives three tables (prev-sequence-next, prev-sequence, sequence-next), computed
// together once and handed out by one node per table.
#include <algorithm>
#include <climits>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "core/dynamic.hpp"
#include "engine/functions.hpp"
#include "engine/plugins_analytics.hpp"

namespace rulelab::engine {
namespace {

// The time from a to b (b >= a), held at the largest long instead of overflowing.
std::int64_t gap(std::int64_t a, std::int64_t b) {
  std::int64_t r;
  return __builtin_sub_overflow(b, a, &r) ? INT64_MAX : r;
}

struct Event {
  std::int64_t t;
  std::uint32_t seq;
  std::string state;
};
struct Actor {
  Value id;
  std::vector<Event> events;
};
// A window's actors, in order of first appearance.
struct Window {
  std::vector<Actor> actors;
  std::unordered_map<std::string, std::size_t> index;
};

// The computation shared by the nodes of the plugin's tables. The first table's node computes
// all of them (each time it runs: a plan inside a per-record subquery runs once per record); the
// other tables, which exist only for a statement's last operator, run after it and take its result.
class FunnelRun {
 public:
  FunnelRun(PlanPtr child, FunnelSpec spec, std::vector<Schema> outs, OpSite site)
      : child_(std::move(child)), spec_(std::move(spec)), outs_(std::move(outs)), site_(std::move(site)) {}

  const Table& table(ExecContext& ctx, std::size_t k) const {
    if (k == 0 || !done_) {
      tables_ = compute(ctx);
      done_ = true;
    }
    return tables_[k];
  }

 private:
  std::vector<Table> compute(ExecContext& ctx) const {
    InputTable in = run_input(*child_, ctx);
    std::map<std::int64_t, Window> windows;
    std::uint32_t seq = 0;
    for (const Batch& b : in.get().batches) {
      Vec iv = evaluate(*spec_.id, b, ctx.eval);
      Vec tv = evaluate(*spec_.time, b, ctx.eval);
      Vec sv = evaluate(*spec_.state, b, ctx.eval);
      for (std::size_t r = 0; r < b.rows(); ++r, ++seq) {
        if (tv.is_null(r)) continue;
        const std::int64_t t = tv.get(r).i;
        if (t < spec_.start || t > spec_.end) continue;
        Window& w = windows[spec_.step.floor(t, spec_.start)];
        const Value id = iv.get(r);
        std::string key;
        append_key(key, id);
        auto [it, fresh] = w.index.emplace(std::move(key), w.actors.size());
        if (fresh) w.actors.push_back({id, {}});
        w.actors[it->second].events.push_back({t, seq, to_kusto_string(sv.get(r))});
      }
    }
    std::vector<std::string> wanted;
    for (auto& v : spec_.sequence) wanted.push_back(to_kusto_string(v));
    std::vector<TableBuilder> tbs;
    for (auto& o : outs_) tbs.emplace_back(o);
    RowMeter meter(ctx, site_);
    for (auto& [start, w] : windows) {
      for (auto& a : w.actors)
        std::stable_sort(a.events.begin(), a.events.end(), [](const Event& x, const Event& y) { return x.t < y.t; });
      if (spec_.completion) completion(start, w, wanted, tbs[0], meter);
      else transitions(start, w, wanted, tbs, meter);
    }
    std::vector<Table> out;
    for (auto& tb : tbs) out.push_back(tb.finish());
    return out;
  }

 private:
  Value time_value(std::int64_t t) const {
    switch (spec_.time->type) {
      case Type::DateTime: return Value::of_datetime(t);
      case Type::TimeSpan: return Value::of_timespan(t);
      case Type::Int: return Value::of_int(static_cast<std::int32_t>(t));
      default: return Value::of_long(t);
    }
  }

  // funnel_sequence_completion: per period, the ids that reached each step of the sequence: a
  // chain of their events with the sequence's states in order, the last within the period of the
  // first (the earliest next matching event is taken, which reaches the furthest step).
  void completion(std::int64_t start, const Window& w, const std::vector<std::string>& seq, TableBuilder& tb, RowMeter& meter) const {
    for (std::int64_t period : spec_.periods) {
      std::vector<std::int64_t> reached(seq.size(), 0);
      for (auto& a : w.actors) {
        std::size_t best = 0;
        const auto& ev = a.events;
        for (std::size_t i = 0; i < ev.size() && best < seq.size(); ++i) {
          if (seq.empty() || ev[i].state != seq[0]) continue;
          std::size_t k = 1;
          for (std::size_t j = i + 1; j < ev.size() && k < seq.size(); ++j) {
            if (gap(ev[i].t, ev[j].t) > period) break;
            if (ev[j].state == seq[k]) ++k;
          }
          best = std::max(best, k);
        }
        for (std::size_t k = 0; k < best; ++k) ++reached[k];
      }
      for (std::size_t k = 0; k < seq.size(); ++k) {
        append_value(tb.column(0), time_value(start));
        tb.column(1).append_string(seq[k]);
        tb.column(2).append_timespan(TimeSpan{period});
        tb.column(3).append_long(reached[k]);
        tb.end_row();
        meter.add();
      }
    }
  }

  // funnel_sequence: each run of the sequence's states in an id's events (repeats of one state
  // collapsed into one step), each step within MaxSequenceStepWindow of the step before; the state
  // before it (prev) and after it (next), empty when there is none within that window. Table 1
  // per (prev, next), table 2 per prev, table 3 per next: the distinct ids and up to 128 of them,
  // most ids first (ties in order of first appearance).
  void transitions(std::int64_t start, const Window& w, const std::vector<std::string>& seq, std::vector<TableBuilder>& tbs,
                   RowMeter& meter) const {
    struct Row {
      std::vector<std::string> key;  // (prev, next), (prev) or (next)
      std::unordered_set<std::string> ids;
      std::vector<Value> samples;
    };
    struct Grouping {
      std::vector<Row> rows;
      std::map<std::vector<std::string>, std::size_t> row_of;
      void add(std::vector<std::string> k, const std::string& id_key, const Value& id) {
        auto [it, fresh] = row_of.emplace(k, rows.size());
        if (fresh) rows.push_back({std::move(k), {}, {}});
        Row& row = rows[it->second];
        if (row.ids.insert(id_key).second && row.samples.size() < 128) row.samples.push_back(id);
      }
    };
    Grouping groups[3];
    for (auto& a : w.actors) {
      // Runs of equal states: state, first and last time.
      struct Run { const std::string* state; std::int64_t first, last; };
      std::vector<Run> runs;
      for (auto& e : a.events) {
        if (!runs.empty() && *runs.back().state == e.state) runs.back().last = e.t;
        else runs.push_back({&e.state, e.t, e.t});
      }
      std::string key;
      append_key(key, a.id);
      for (std::size_t i = 0; !seq.empty() && i + seq.size() <= runs.size(); ++i) {
        bool ok = true;
        for (std::size_t k = 0; k < seq.size() && ok; ++k) {
          ok = *runs[i + k].state == seq[k];
          if (ok && k > 0) ok = gap(runs[i + k - 1].last, runs[i + k].first) <= spec_.max_step;
        }
        if (!ok) continue;
        const std::size_t last = i + seq.size() - 1;
        std::string prev = i > 0 && gap(runs[i - 1].last, runs[i].first) <= spec_.max_step ? *runs[i - 1].state : std::string();
        std::string next = last + 1 < runs.size() && gap(runs[last].last, runs[last + 1].first) <= spec_.max_step ? *runs[last + 1].state : std::string();
        groups[0].add({prev, next}, key, a.id);
        groups[1].add({prev}, key, a.id);
        groups[2].add({next}, key, a.id);
      }
    }
    for (std::size_t g = 0; g < tbs.size() && g < 3; ++g) {
      auto& rows = groups[g].rows;
      std::stable_sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) { return x.ids.size() > y.ids.size(); });
      TableBuilder& tb = tbs[g];
      for (auto& r : rows) {
        std::size_t c = 0;
        append_value(tb.column(c++), time_value(start));
        for (auto& k : r.key) tb.column(c++).append_string(k);
        tb.column(c++).append_long(static_cast<std::int64_t>(r.ids.size()));
        std::string bytes;
        DynWriter dw(bytes);
        dw.begin_array();
        for (auto& v : r.samples) write_dynamic(dw, v);
        dw.end();
        append_value(tb.column(c), Value::of_dynamic(std::move(bytes)));
        tb.end_row();
        meter.add();
      }
    }
  }

  PlanPtr child_;
  FunnelSpec spec_;
  std::vector<Schema> outs_;
  OpSite site_;
  mutable std::vector<Table> tables_;
  mutable bool done_ = false;
};

// One of the plugin's tables.
class FunnelNode : public PlanNode {
 public:
  FunnelNode(std::shared_ptr<const FunnelRun> run, std::size_t k, Schema out) : run_(std::move(run)), k_(k) { schema = std::move(out); }
  Table execute(ExecContext& ctx) const override { return run_->table(ctx, k_); }

 private:
  std::shared_ptr<const FunnelRun> run_;
  std::size_t k_;
};

}  // namespace

std::vector<PlanPtr> make_funnel(PlanPtr child, FunnelSpec spec, std::vector<Schema> outs, const OpSite& site) {
  auto run = std::make_shared<const FunnelRun>(std::move(child), std::move(spec), outs, site);
  std::vector<PlanPtr> out;
  for (std::size_t k = 0; k < outs.size(); ++k) {
    out.push_back(std::make_shared<FunnelNode>(run, k, outs[k]));
    out.back()->site = site;
  }
  return out;
}

}  // namespace rulelab::engine
