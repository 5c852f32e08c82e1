// autocluster (autocluster-plugin), diffpatterns (diffpatterns-plugin) and diffpatterns_text
// (diffpatterns-text-plugin). A pattern fixes some attributes (a column's value; for text, a token
// at a position of texts with the same number of tokens) and matches the rows that have them all.
// The pages define the output, not the search; rulelab's choices (README "Semantics decisions"):
// - autocluster: the page's Seed-Expand: seeds are the most frequent distinct rows (NumSeeds of
//   them, instead of random ones, so results are deterministic); each seed is generalized one
//   attribute at a time while the score, the weighted geometric mean
//   coverage^SizeWeight * (attributes / columns)^(1 - SizeWeight), grows; the distinct local optima
//   are the patterns, best score first, each kept unless it contains or is contained in one kept
//   already.
// - diffpatterns, diffpatterns_text: every pattern whose share of set A and of set B differ by at
//   least Threshold (found level by level: a pattern below Threshold in both sets cannot grow into
//   one above it); of patterns matching the same rows the one with more attributes is kept; then,
//   by difference (ties: more attributes first), a pattern is kept unless it contains or is
//   contained in one kept already.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <unordered_map>

#include "engine/functions.hpp"
#include "engine/plugins_patterns.hpp"

namespace rulelab::engine {
namespace {

using Rows = std::vector<std::uint32_t>;

struct Item {
  std::size_t group;  // the column (text: the token's position)
  Value value;
  Rows rows;          // ascending
};

// Rows, their weights and sides (0: A, 1: B, -1: neither), and the items over them.
struct Data {
  std::vector<double> weight;
  std::vector<int> side;
  double total[2] = {0, 0};
  std::vector<Item> items;
};

struct Pattern {
  std::vector<std::size_t> items;  // ascending
  Rows rows;
  double a = 0, b = 0;  // weight in A and in B
};

Rows intersect(const Rows& x, const Rows& y) {
  Rows out;
  std::set_intersection(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(out));
  return out;
}
double weight_of(const Data& d, const Rows& rows, int s) {
  double w = 0;
  for (auto r : rows)
    if (d.side[r] == s) w += d.weight[r];
  return w;
}

// The diffpatterns search and selection (see the file's comment).
std::vector<Pattern> diff_patterns(const Data& d, double threshold, std::size_t max_items, std::size_t min_items, RowMeter& meter,
                                   const OpSite& site) {
  auto frequent = [&](double a, double b) {
    return (d.total[0] > 0 && a / d.total[0] >= threshold) || (d.total[1] > 0 && b / d.total[1] >= threshold);
  };
  std::vector<std::vector<Pattern>> levels(1);
  for (std::size_t k = 0; k < d.items.size(); ++k) {
    Pattern p{{k}, d.items[k].rows, weight_of(d, d.items[k].rows, 0), weight_of(d, d.items[k].rows, 1)};
    if (frequent(p.a, p.b)) levels[0].push_back(std::move(p));
  }
  std::size_t candidates = levels[0].size();
  while (!levels.back().empty() && (max_items == 0 || levels.size() < max_items)) {
    std::vector<Pattern> next;
    for (const Pattern& s : levels.back())
      for (const Pattern& one : levels[0]) {
        const std::size_t k = one.items[0];
        if (k <= s.items.back()) continue;
        bool same = false;
        for (auto j : s.items) same |= d.items[j].group == d.items[k].group;
        if (same) continue;
        Pattern x{s.items, intersect(s.rows, one.rows), 0, 0};
        if (x.rows.empty()) continue;
        x.a = weight_of(d, x.rows, 0);
        x.b = weight_of(d, x.rows, 1);
        if (!frequent(x.a, x.b)) continue;
        x.items.push_back(k);
        next.push_back(std::move(x));
        meter.add(0);
        if (++candidates > 200000)
          fail_at(site, site.name + ": more than 200000 candidate patterns; raise Threshold or set MaxDimensions/MaxTokens");
      }
    levels.push_back(std::move(next));
  }
  auto diff = [&](const Pattern& p) {
    const double pa = d.total[0] > 0 ? p.a / d.total[0] : 0, pb = d.total[1] > 0 ? p.b / d.total[1] : 0;
    return std::fabs(pa - pb);
  };
  std::vector<Pattern> cands;
  for (std::size_t n = 0; n < levels.size(); ++n)
    for (Pattern& p : levels[n]) {
      if (p.items.size() < min_items || diff(p) < threshold) continue;
      bool closed = true;
      if (n + 1 < levels.size())
        for (const Pattern& sup : levels[n + 1])
          if (sup.rows == p.rows && std::includes(sup.items.begin(), sup.items.end(), p.items.begin(), p.items.end())) {
            closed = false;
            break;
          }
      if (closed) cands.push_back(std::move(p));
    }
  std::stable_sort(cands.begin(), cands.end(), [&](const Pattern& x, const Pattern& y) {
    const double dx = diff(x), dy = diff(y);
    if (dx != dy) return dx > dy;
    return x.items.size() > y.items.size();
  });
  std::vector<Pattern> kept;
  for (Pattern& p : cands) {
    bool related = false;
    for (const Pattern& k : kept)
      related |= std::includes(k.items.begin(), k.items.end(), p.items.begin(), p.items.end()) ||
                 std::includes(p.items.begin(), p.items.end(), k.items.begin(), k.items.end());
    if (!related) kept.push_back(std::move(p));
  }
  return kept;
}

// Items of the pattern columns: (column, value); null and empty values are no item (they read as
// the wildcard).
void column_items(const Table& t, const std::vector<RowRef>& rows, const std::vector<std::size_t>& columns, Data& d) {
  for (std::size_t j = 0; j < columns.size(); ++j) {
    std::unordered_map<std::string, std::size_t> index;
    for (std::uint32_t i = 0; i < rows.size(); ++i) {
      if (d.side[i] < 0) continue;
      const Value v = get_value(t.batches[rows[i].batch].columns[columns[j]], rows[i].row);
      if (v.is_null() || (v.type == Type::String && v.s.empty())) continue;
      std::string key;
      append_key(key, v);
      auto [it, fresh] = index.emplace(std::move(key), d.items.size());
      if (fresh) d.items.push_back({j, v, {}});
      d.items[it->second].rows.push_back(i);
    }
  }
}

class PatternsNode : public PlanNode {
 public:
  PatternsNode(PlanPtr child, PatternSpec spec, Schema out) : child_(std::move(child)), spec_(std::move(spec)) { schema = std::move(out); }

  Table execute(ExecContext& ctx) const override {
    InputTable in = run_input(*child_, ctx);
    const Table& t = in.get();
    const std::vector<RowRef> rows = all_rows(t);
    Data d;
    d.weight.assign(rows.size(), 1.0);
    d.side.assign(rows.size(), 0);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Batch& b = t.batches[rows[i].batch];
      if (spec_.weight_column >= 0) {
        bool ok = false;
        const Value v = get_value(b.columns[static_cast<std::size_t>(spec_.weight_column)], rows[i].row);
        const double w = v.is_null() ? 0 : number_of(v, ok);
        d.weight[i] = ok && w > 0 ? w : 0;
      }
      if (spec_.diff) {
        const std::string s = to_kusto_string(get_value(b.columns[static_cast<std::size_t>(spec_.split_column)], rows[i].row));
        d.side[i] = s == spec_.value_a ? 0 : s == spec_.value_b ? 1 : -1;
      }
      if (d.side[i] >= 0) d.total[d.side[i]] += d.weight[i];
    }
    column_items(t, rows, spec_.columns, d);
    RowMeter meter(ctx, site, "patterns");
    std::vector<Pattern> found = spec_.diff ? diff_patterns(d, spec_.threshold, static_cast<std::size_t>(spec_.max_dimensions), 1, meter, site)
                                            : autocluster(d, meter);
    TableBuilder tb(schema);
    std::int64_t id = 0;
    for (const Pattern& p : found) {
      std::size_t c = 0;
      tb.column(c++).append_long(id++);
      if (spec_.diff) {
        const double pa = d.total[0] > 0 ? 100.0 * p.a / d.total[0] : 0, pb = d.total[1] > 0 ? 100.0 * p.b / d.total[1] : 0;
        tb.column(c++).append_long(std::llround(p.a));
        tb.column(c++).append_long(std::llround(p.b));
        tb.column(c++).append_real(pa);
        tb.column(c++).append_real(pb);
        tb.column(c++).append_real(std::fabs(pa - pb));
      } else {
        tb.column(c++).append_long(std::llround(p.a));
        tb.column(c++).append_real(d.total[0] > 0 ? 100.0 * p.a / d.total[0] : 0);
      }
      for (std::size_t j = 0; j < spec_.columns.size(); ++j) {
        const Item* hit = nullptr;
        for (auto k : p.items)
          if (d.items[k].group == j) hit = &d.items[k];
        append_value(tb.column(c++), hit ? hit->value : spec_.wildcards[j]);
      }
      tb.end_row();
      meter.add();
    }
    return tb.finish();
  }

 private:
  // Seed-Expand (see the file's comment).
  std::vector<Pattern> autocluster(const Data& d, RowMeter& meter) const {
    const double n = static_cast<double>(spec_.columns.size());
    const double sw = spec_.size_weight;
    std::vector<Rows> row_items(d.weight.size());
    for (std::uint32_t k = 0; k < d.items.size(); ++k)
      for (auto r : d.items[k].rows) row_items[r].push_back(k);
    auto rows_of = [&](const std::vector<std::size_t>& items) {
      Rows rows;
      for (std::size_t i = 0; i < items.size(); ++i) rows = i == 0 ? d.items[items[i]].rows : intersect(rows, d.items[items[i]].rows);
      return rows;
    };
    auto score = [&](const std::vector<std::size_t>& items, const Rows& rows) {
      if (items.empty() || d.total[0] <= 0) return 0.0;
      const double coverage = weight_of(d, rows, 0) / d.total[0];
      return std::pow(coverage, sw) * std::pow(static_cast<double>(items.size()) / n, 1 - sw);
    };
    // Seeds: the distinct rows (their items), heaviest first, first seen first.
    std::map<Rows, double> weight_of_row;
    std::vector<Rows> distinct;
    for (std::size_t r = 0; r < row_items.size(); ++r) {
      if (row_items[r].empty()) continue;
      auto [it, fresh] = weight_of_row.emplace(row_items[r], 0.0);
      if (fresh) distinct.push_back(row_items[r]);
      it->second += d.weight[r];
    }
    std::stable_sort(distinct.begin(), distinct.end(), [&](const Rows& x, const Rows& y) { return weight_of_row[x] > weight_of_row[y]; });
    if (distinct.size() > static_cast<std::size_t>(spec_.num_seeds)) distinct.resize(static_cast<std::size_t>(spec_.num_seeds));
    std::vector<Pattern> found;
    std::vector<double> scores;
    for (const Rows& seed : distinct) {
      std::vector<std::size_t> cur(seed.begin(), seed.end());
      Rows cur_rows = rows_of(cur);
      double cur_score = score(cur, cur_rows);
      for (;;) {
        meter.add(0);
        std::vector<std::size_t> best;
        Rows best_rows;
        double best_score = cur_score;
        for (std::size_t i = 0; i < cur.size(); ++i) {
          std::vector<std::size_t> cand = cur;
          cand.erase(cand.begin() + static_cast<std::ptrdiff_t>(i));
          Rows rows = rows_of(cand);
          const double s = score(cand, rows);
          if (s > best_score * (1 + 1e-12)) { best = std::move(cand); best_rows = std::move(rows); best_score = s; }  // a real gain, not a rounding difference
        }
        if (best.empty()) break;
        cur = std::move(best);
        cur_rows = std::move(best_rows);
        cur_score = best_score;
      }
      bool seen = false;
      for (auto& p : found) seen |= p.items == cur;
      if (seen || cur.empty()) continue;
      found.push_back({cur, cur_rows, weight_of(d, cur_rows, 0), 0});
      scores.push_back(cur_score);
    }
    std::vector<std::size_t> order(found.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return scores[x] > scores[y]; });
    std::vector<Pattern> out;
    for (auto k : order) {
      bool related = false;
      for (const Pattern& o : out)
        related |= std::includes(o.items.begin(), o.items.end(), found[k].items.begin(), found[k].items.end()) ||
                   std::includes(found[k].items.begin(), found[k].items.end(), o.items.begin(), o.items.end());
      if (!related) out.push_back(std::move(found[k]));
    }
    return out;
  }

  PlanPtr child_;
  PatternSpec spec_;
};

// ---------------------------------------------------------------- diffpatterns_text

// Whitespace-separated tokens.
std::vector<std::string> tokens_of(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    const std::size_t b = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > b) out.push_back(s.substr(b, i - b));
  }
  return out;
}

class TextPatternsNode : public PlanNode {
 public:
  TextPatternsNode(PlanPtr child, TextPatternSpec spec, Schema out) : child_(std::move(child)), spec_(std::move(spec)) { schema = std::move(out); }

  Table execute(ExecContext& ctx) const override {
    InputTable in = run_input(*child_, ctx);
    Data d;
    std::vector<std::size_t> length;  // tokens of each row
    // Items: (number of tokens, position, token): a pattern fixes tokens of texts of one length.
    std::map<std::tuple<std::size_t, std::size_t, std::string>, std::size_t> index;
    std::map<std::pair<std::size_t, std::size_t>, std::size_t> group_of;  // (length, position) -> group
    std::vector<std::size_t> position;                                     // of each group
    for (const Batch& b : in.get().batches) {
      Vec tv = evaluate(*spec_.text, b, ctx.eval);
      Vec cv = evaluate(*spec_.condition, b, ctx.eval);
      for (std::size_t r = 0; r < b.rows(); ++r) {
        const Value c = cv.get(r);
        const int side = c.is_null() ? -1 : c.truthy() ? 0 : 1;  // a null condition is in neither set
        const std::uint32_t row = static_cast<std::uint32_t>(d.weight.size());
        d.weight.push_back(1.0);
        d.side.push_back(side);
        const std::vector<std::string> toks = tokens_of(to_kusto_string(tv.get(r)));
        length.push_back(toks.size());
        if (side < 0) continue;
        d.total[side] += 1;
        for (std::size_t p = 0; p < toks.size(); ++p) {
          auto [it, fresh] = index.emplace(std::make_tuple(toks.size(), p, toks[p]), d.items.size());
          if (fresh) {
            auto [g, new_group] = group_of.emplace(std::make_pair(toks.size(), p), position.size());
            if (new_group) position.push_back(p);
            d.items.push_back({g->second, Value::of_string(toks[p]), {}});
          }
          d.items[it->second].rows.push_back(row);
        }
      }
    }
    RowMeter meter(ctx, site, "patterns");
    const std::vector<Pattern> found =
        diff_patterns(d, spec_.threshold, static_cast<std::size_t>(spec_.max_tokens), static_cast<std::size_t>(std::max(1, spec_.min_tokens)), meter, site);
    TableBuilder tb(schema);
    for (const Pattern& p : found) {
      const std::size_t n = length[p.rows.front()];
      std::vector<std::string> words(n, "*");
      for (auto k : p.items) words[position[d.items[k].group]] = d.items[k].value.s;
      std::string text;
      for (std::size_t k = 0; k < n; ++k) text += (k ? " " : "") + words[k];
      tb.column(0).append_long(std::llround(p.a));
      tb.column(1).append_long(std::llround(p.b));
      tb.column(2).append_real(d.total[0] > 0 ? 100.0 * p.a / d.total[0] : 0);
      tb.column(3).append_real(d.total[1] > 0 ? 100.0 * p.b / d.total[1] : 0);
      tb.column(4).append_string(text);
      tb.end_row();
      meter.add();
    }
    return tb.finish();
  }

 private:
  PlanPtr child_;
  TextPatternSpec spec_;
};

}  // namespace

PlanPtr make_patterns(PlanPtr child, PatternSpec spec, Schema out) {
  return std::make_shared<PatternsNode>(std::move(child), std::move(spec), std::move(out));
}
PlanPtr make_text_patterns(PlanPtr child, TextPatternSpec spec, Schema out) {
  return std::make_shared<TextPatternsNode>(std::move(child), std::move(spec), std::move(out));
}

}  // namespace rulelab::engine
