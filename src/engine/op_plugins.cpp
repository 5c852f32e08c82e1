// evaluate plugins that compute a whole table from their input: ipv4_lookup (ipv4-lookup-plugin),
// ipv6_lookup (ipv6-lookup-plugin),
// sequence_detect (sequence-detect-plugin), basket (basket-plugin). Bound in binder_plugins.cpp.
#include <algorithm>
#include <map>
#include <numeric>
#include <unordered_map>

#include "engine/functions.hpp"
#include "engine/plugins.hpp"

namespace rulelab::engine {
namespace {

// ---------------------------------------------------------------- ipv4_lookup

class Ipv4LookupNode : public PlanNode {
 public:
  Ipv4LookupNode(PlanPtr left, PlanPtr right, Ipv4LookupSpec spec, Schema out)
      : left_(std::move(left)), right_(std::move(right)), spec_(std::move(spec)) { schema = std::move(out); }

  Table execute(ExecContext& ctx) const override {
    InputTable L = run_input(*left_, ctx);
    InputTable R = run_input(*right_, ctx);
    const Table& rt = R.get();
    const std::vector<RowRef> rrows = all_rows(rt);
    // Lookup ranges by prefix length: masked network bytes -> lookup rows (in table order).
    std::map<int, std::unordered_multimap<std::string, std::uint32_t>> ranges;
    std::vector<std::string> rkeys(rrows.size());
    for (std::uint32_t k = 0; k < rrows.size(); ++k) {
      const Batch& b = rt.batches[rrows[k].batch];
      const Column& c = b.columns[static_cast<std::size_t>(spec_.right_key)];
      if (c.is_null(rrows[k].row)) continue;
      std::string net;
      int prefix = 0;
      if (!address(to_kusto_string(get_value(c, rrows[k].row)), net, prefix)) continue;  // not an address: matches nothing
      ranges[prefix].emplace(masked(net, prefix), k);
      for (auto& [lc, rc] : spec_.extra) append_key(rkeys[k], get_value(b.columns[static_cast<std::size_t>(rc)], rrows[k].row));
    }
    TableBuilder tb(schema);
    RowMeter meter(ctx, site);
    const std::size_t lcols = left_->schema.fields.size(), rcols = spec_.right_out.size();
    const std::size_t lbase = spec_.lookup_first ? rcols : 0, rbase = spec_.lookup_first ? 0 : lcols;
    std::vector<std::uint32_t> hits;
    for (const Batch& b : L.get().batches) {
      Vec ipv = evaluate(*spec_.left_ip, b, ctx.eval);
      for (std::size_t r = 0; r < b.rows(); ++r) {
        hits.clear();
        std::string ip;
        int prefix = 0;
        if (!ipv.is_null(r) && address(to_kusto_string(ipv.get(r)), ip, prefix)) {
          std::string lkey;
          for (auto& [lc, rc] : spec_.extra) append_key(lkey, get_value(b.columns[static_cast<std::size_t>(lc)], r));
          // A range matches when it contains the source address (a masked source: its whole network).
          for (auto& [bits, m] : ranges) {
            if (bits > prefix) break;
            auto [lo, hi] = m.equal_range(masked(ip, bits));
            for (auto it = lo; it != hi; ++it)
              if (rkeys[it->second] == lkey) hits.push_back(it->second);
          }
          std::sort(hits.begin(), hits.end());
        }
        auto emit = [&](const std::uint32_t* k) {
          for (std::size_t c = 0; c < lcols; ++c) tb.column(lbase + c).append_from(b.columns[c], r);
          for (std::size_t j = 0; j < rcols; ++j) {
            Column& oc = tb.column(rbase + j);
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
  // The address's bytes (4 for IPv4, 16 for IPv6) and prefix length.
  bool address(const std::string& text, std::string& bytes, int& prefix) const {
    if (spec_.v6) {
      std::array<std::uint8_t, 16> a{};
      if (!parse_ipv6_address(text, a, prefix)) return false;
      bytes.assign(a.begin(), a.end());
      return true;
    }
    std::uint32_t ip = 0;
    prefix = 32;
    if (!parse_ipv4(text, ip, prefix)) return false;
    bytes = {static_cast<char>(ip >> 24), static_cast<char>(ip >> 16), static_cast<char>(ip >> 8), static_cast<char>(ip)};
    return true;
  }
  static std::string masked(std::string bytes, int prefix) {
    for (std::size_t k = 0; k < bytes.size(); ++k) {
      const int bits = std::clamp(prefix - 8 * static_cast<int>(k), 0, 8);
      bytes[k] = static_cast<char>(static_cast<unsigned char>(bytes[k]) & (bits == 0 ? 0 : 0xff << (8 - bits)));
    }
    return bytes;
  }
  PlanPtr left_, right_;
  Ipv4LookupSpec spec_;
};

// ---------------------------------------------------------------- sequence_detect

class SequenceDetectNode : public PlanNode {
 public:
  SequenceDetectNode(PlanPtr child, SequenceDetectSpec spec, Schema out) : child_(std::move(child)), spec_(std::move(spec)) {
    schema = std::move(out);
  }

  Table execute(ExecContext& ctx) const override {
    InputTable in = run_input(*child_, ctx);
    struct Event {
      std::int64_t t;
      std::uint32_t seq;        // input order (ties keep it)
      std::uint64_t steps = 0;  // bit k: predicate k holds
    };
    struct Group {
      std::vector<Value> dims;
      std::vector<Event> events;
    };
    std::vector<Group> groups;
    std::unordered_map<std::string, std::size_t> group_of;
    std::uint32_t seq = 0;
    for (const Batch& b : in.get().batches) {
      Vec tv = evaluate(*spec_.time, b, ctx.eval);
      std::vector<Vec> pv, dv;
      for (auto& p : spec_.predicates) pv.push_back(evaluate(*p, b, ctx.eval));
      for (auto& d : spec_.dims) dv.push_back(evaluate(*d, b, ctx.eval));
      for (std::size_t r = 0; r < b.rows(); ++r, ++seq) {
        if (tv.is_null(r)) continue;  // no place on the timeline
        Event e{tv.get(r).i, seq};
        for (std::size_t k = 0; k < pv.size(); ++k)
          if (pv[k].get(r).truthy()) e.steps |= std::uint64_t{1} << k;
        if (!e.steps) continue;
        std::string key;
        std::vector<Value> dims;
        for (auto& d : dv) { dims.push_back(d.get(r)); append_key(key, dims.back()); }
        auto [it, fresh] = group_of.emplace(key, groups.size());
        if (fresh) groups.push_back({std::move(dims), {}});
        groups[it->second].events.push_back(e);
      }
    }
    struct Match {
      std::size_t group;
      std::vector<std::int64_t> times;
    };
    std::vector<Match> matches;
    RowMeter meter(ctx, site);
    const std::size_t nsteps = spec_.predicates.size();
    for (std::size_t g = 0; g < groups.size(); ++g) {
      auto& ev = groups[g].events;
      std::stable_sort(ev.begin(), ev.end(), [](const Event& a, const Event& b) { return a.t < b.t; });
      // Every chain of events e1 < e2 < ... (in timeline order, one per step, each satisfying its
      // step's predicate), each step within MaxSequenceStepWindow of the one before, the last
      // within MaxSequenceSpan of the first.
      std::vector<std::size_t> chain;
      std::function<void(std::size_t)> extend = [&](std::size_t from) {
        const std::size_t k = chain.size();
        if (k == nsteps) {
          Match m{g, {}};
          for (auto i : chain) m.times.push_back(ev[i].t);
          matches.push_back(std::move(m));
          meter.add();
          return;
        }
        for (std::size_t i = from; i < ev.size(); ++i) {
          if (k > 0) {
            const std::int64_t prev = ev[chain.back()].t, first = ev[chain.front()].t;
            if (ev[i].t - prev > spec_.max_step || ev[i].t - first > spec_.max_span) break;  // sorted: later ones are further
          }
          if (!(ev[i].steps >> k & 1)) continue;
          chain.push_back(i);
          extend(i + 1);
          chain.pop_back();
        }
      };
      extend(0);
    }
    std::stable_sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) { return a.times < b.times; });
    TableBuilder tb(schema);
    for (auto& m : matches) {
      std::size_t c = 0;
      for (auto& d : groups[m.group].dims) append_value(tb.column(c++), d);
      for (auto t : m.times) tb.column(c++).append_datetime(DateTime{t});
      tb.column(c).append_timespan(TimeSpan{m.times.back() - m.times.front()});
      tb.end_row();
    }
    return tb.finish();
  }

 private:
  PlanPtr child_;
  SequenceDetectSpec spec_;
};

// ---------------------------------------------------------------- basket

class BasketNode : public PlanNode {
 public:
  BasketNode(PlanPtr child, BasketSpec spec, Schema out) : child_(std::move(child)), spec_(std::move(spec)) { schema = std::move(out); }

  Table execute(ExecContext& ctx) const override {
    InputTable in = run_input(*child_, ctx);
    const Table& t = in.get();
    const std::vector<RowRef> rows = all_rows(t);
    // Row weights.
    std::vector<double> weight(rows.size(), 1.0);
    double total = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (spec_.weight_column >= 0) {
        bool ok = false;
        const Value v = get_value(t.batches[rows[i].batch].columns[static_cast<std::size_t>(spec_.weight_column)], rows[i].row);
        const double w = v.is_null() ? 0 : number_of(v, ok);
        weight[i] = ok && w > 0 ? w : 0;
      }
      total += weight[i];
    }
    // Items: (column, value); a row's null or empty value is no item (it reads as the wildcard).
    struct Item {
      std::size_t column;
      Value value;
      std::vector<std::uint32_t> rows;
      double weight = 0;
    };
    std::vector<Item> items;
    for (std::size_t c : spec_.columns) {
      std::map<std::string, std::size_t> index;
      for (std::uint32_t i = 0; i < rows.size(); ++i) {
        const Value v = get_value(t.batches[rows[i].batch].columns[c], rows[i].row);
        if (v.is_null() || (v.type == Type::String && v.s.empty())) continue;
        std::string key;
        append_key(key, v);
        auto [it, fresh] = index.emplace(key, items.size());
        if (fresh) items.push_back({c, v, {}, 0});
        items[it->second].rows.push_back(i);
        items[it->second].weight += weight[i];
      }
    }
    const double min_weight = spec_.threshold * total;
    struct Set {
      std::vector<std::size_t> items;  // ascending item ids, one per column
      std::vector<std::uint32_t> rows;
      double weight;
    };
    std::vector<std::vector<Set>> levels(1);
    for (std::size_t k = 0; k < items.size(); ++k)
      if (total > 0 && items[k].weight >= min_weight) levels[0].push_back({{k}, items[k].rows, items[k].weight});
    RowMeter meter(ctx, site, "patterns");
    meter.add(levels[0].size());
    // Level-wise (Apriori): a pattern of n+1 attributes extends one of n by an attribute of a
    // later frequent item; its rows are the intersection (each pattern keeps its row list).
    for (std::size_t n = 1; n < static_cast<std::size_t>(spec_.max_dimensions) && !levels.back().empty(); ++n) {
      std::vector<Set> next;
      for (const Set& s : levels.back()) {
        for (const Set& single : levels[0]) {
          const std::size_t k = single.items[0];
          if (k <= s.items.back()) continue;
          bool same_column = false;
          for (auto j : s.items) same_column |= items[j].column == items[k].column;
          if (same_column) continue;
          Set x{s.items, {}, 0};
          x.items.push_back(k);
          std::set_intersection(s.rows.begin(), s.rows.end(), items[k].rows.begin(), items[k].rows.end(), std::back_inserter(x.rows));
          for (auto r : x.rows) x.weight += weight[r];
          if (x.weight >= min_weight && !x.rows.empty()) { next.push_back(std::move(x)); meter.add(); }
        }
      }
      levels.push_back(std::move(next));
    }
    // Only closed patterns: one whose rows a pattern with one attribute more matches as well says
    // nothing that one does not (basket-plugin's example shows no such pattern).
    struct Out {
      const Set* set;
    };
    std::vector<Out> out;
    for (std::size_t n = 0; n < levels.size(); ++n) {
      for (const Set& s : levels[n]) {
        bool closed = true;
        if (n + 1 < levels.size())
          for (const Set& sup : levels[n + 1]) {
            if (sup.rows.size() != s.rows.size() || sup.weight != s.weight) continue;
            if (std::includes(sup.items.begin(), sup.items.end(), s.items.begin(), s.items.end())) { closed = false; break; }
          }
        if (closed) out.push_back({&s});
      }
    }
    std::stable_sort(out.begin(), out.end(), [](const Out& a, const Out& b) {
      if (a.set->weight != b.set->weight) return a.set->weight > b.set->weight;
      return a.set->items.size() < b.set->items.size();
    });
    TableBuilder tb(schema);
    std::int64_t id = 0;
    for (auto& o : out) {
      tb.column(0).append_long(id++);
      tb.column(1).append_long(static_cast<std::int64_t>(o.set->weight + 0.5));
      tb.column(2).append_real(100.0 * o.set->weight / total);
      for (std::size_t j = 0; j < spec_.columns.size(); ++j) {
        const std::size_t c = spec_.columns[j];
        const Item* hit = nullptr;
        for (auto k : o.set->items)
          if (items[k].column == c) hit = &items[k];
        append_value(tb.column(3 + j), hit ? hit->value : spec_.wildcards[j]);
      }
      tb.end_row();
    }
    return tb.finish();
  }

 private:
  PlanPtr child_;
  BasketSpec spec_;
};

// ---------------------------------------------------------------- narrow, rows_near

class NarrowNode : public PlanNode {
 public:
  NarrowNode(PlanPtr child, Schema out) : child_(std::move(child)) { schema = std::move(out); }
  Table execute(ExecContext& ctx) const override {
    InputTable in = run_input(*child_, ctx);
    TableBuilder tb(schema);
    RowMeter meter(ctx, site);
    std::int64_t row = 0;
    const auto& fields = child_->schema.fields;
    for (const Batch& b : in.get().batches)
      for (std::size_t r = 0; r < b.rows(); ++r, ++row)
        for (std::size_t c = 0; c < fields.size(); ++c) {
          tb.column(0).append_long(row);
          tb.column(1).append_string(fields[c].name);
          tb.column(2).append_string(to_kusto_string(get_value(b.columns[c], r)));
          tb.end_row(b.sources[r]);
          meter.add();
        }
    return tb.finish();
  }

 private:
  PlanPtr child_;
};

class RowsNearNode : public PlanNode {
 public:
  RowsNearNode(PlanPtr child, ExprPtr cond, std::int64_t before, std::int64_t after)
      : child_(std::move(child)), cond_(std::move(cond)), before_(before), after_(after) { schema = child_->schema; }
  Table execute(ExecContext& ctx) const override {
    InputTable in = run_input(*child_, ctx);
    const Table& t = in.get();
    std::vector<bool> hit;
    for (const Batch& b : t.batches) {
      Vec v = evaluate(*cond_, b, ctx.eval);
      for (std::size_t r = 0; r < b.rows(); ++r) hit.push_back(v.get(r).truthy());
    }
    // keep[i]: some true row j with i - before <= j <= i + after... i.e. i in [j - before, j + after]
    const std::int64_t n = static_cast<std::int64_t>(hit.size());
    std::vector<int> delta(hit.size() + 1, 0);
    for (std::int64_t j = 0; j < n; ++j)
      if (hit[static_cast<std::size_t>(j)]) {
        ++delta[static_cast<std::size_t>(std::max<std::int64_t>(0, j - before_))];
        --delta[static_cast<std::size_t>(std::min<std::int64_t>(n, j + after_ + 1))];
      }
    TableBuilder tb(schema);
    int open = 0;
    std::size_t i = 0;
    for (const Batch& b : t.batches)
      for (std::size_t r = 0; r < b.rows(); ++r, ++i) {
        open += delta[i];
        if (open > 0) tb.append_row(b, r);
      }
    Table out = tb.finish();
    out.sources = t.sources;
    return out;
  }

 private:
  PlanPtr child_;
  ExprPtr cond_;
  std::int64_t before_, after_;
};

}  // namespace

PlanPtr make_ipv4_lookup(PlanPtr left, PlanPtr right, Ipv4LookupSpec spec, Schema out) {
  return std::make_shared<Ipv4LookupNode>(std::move(left), std::move(right), std::move(spec), std::move(out));
}
PlanPtr make_sequence_detect(PlanPtr child, SequenceDetectSpec spec, Schema out) {
  return std::make_shared<SequenceDetectNode>(std::move(child), std::move(spec), std::move(out));
}
PlanPtr make_basket(PlanPtr child, BasketSpec spec, Schema out) {
  return std::make_shared<BasketNode>(std::move(child), std::move(spec), std::move(out));
}

}  // namespace rulelab::engine

namespace rulelab::engine {
PlanPtr make_narrow(PlanPtr child, Schema out) { return std::make_shared<NarrowNode>(std::move(child), std::move(out)); }
PlanPtr make_rows_near(PlanPtr child, ExprPtr cond, std::int64_t before, std::int64_t after) {
  return std::make_shared<RowsNearNode>(std::move(child), std::move(cond), before, after);
}
}  // namespace rulelab::engine
