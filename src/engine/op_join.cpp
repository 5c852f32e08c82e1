// join and lookup (learn.microsoft.com/kusto/query/join-operator, join-innerunique, lookup-operator).
// Hash join on equality keys. Null keys match nothing; empty strings match each other (strings
// are never null in Kusto). innerunique keeps the FIRST left row of each key (input order).
#include <unordered_map>
#include <unordered_set>

#include "engine/plan.hpp"

namespace rulelab::engine {
namespace {

struct KeyedTable {
  InputTable in;
  const Table& t() const { return in.get(); }
  std::vector<std::string> keys;  // per row, in all_rows order; empty string = has a null part
  std::vector<RowRef> rows;
  std::vector<bool> null_key;
};

// The join key of row r (append_key of each part, in order); true when a part is null.
bool row_key(const std::vector<Vec>& vs, std::size_t r, std::string& key) {
  key.clear();
  bool has_null = false;
  for (const Vec& vec : vs) {
    Value v = vec.get(r);
    if (v.is_null()) has_null = true;
    append_key(key, v);
  }
  return has_null;
}

KeyedTable key_table(const PlanNode& node, const std::vector<ExprPtr>& exprs, ExecContext& ctx) {
  KeyedTable k;
  k.in = run_input(node, ctx);
  const Table& t = k.in.get();
  k.rows = all_rows(t);
  k.keys.reserve(k.rows.size());
  for (auto& b : t.batches) {
    std::vector<Vec> vs;
    for (auto& e : exprs) vs.push_back(evaluate(*e, b, ctx.eval));
    for (std::size_t r = 0; r < b.rows(); ++r) {
      std::string key;
      k.null_key.push_back(row_key(vs, r, key));
      k.keys.push_back(std::move(key));
    }
  }
  return k;
}

// The right side of a join whose unmatched right rows give no output (inner, innerunique,
// leftouter, leftsemi, leftanti): streamed batch by batch and narrowed to the rows whose key some
// left row has, so that a large right side (a day of "Add user" events against an hour of
// deletions) is never held whole. The rows kept, their order and their keys are those
// key_table() would give for the matching rows.
KeyedTable key_table_matching(const PlanNode& node, const std::vector<ExprPtr>& exprs, ExecContext& ctx,
                              const std::unordered_set<std::string>& wanted) {
  KeyedTable k;
  Table t{node.schema, {}, {}};
  SelectionVector sel;
  // The key columns, when every key is a plain column of the node's output: the node may then drop
  // the other rows early.
  KeyNarrowing narrow{{}, &wanted};
  for (auto& e : exprs) {
    if (e->kind != ExprKind::Column || node.schema.fields[static_cast<std::size_t>(e->column)].type != e->type) {
      narrow.columns.clear();
      break;
    }
    narrow.columns.push_back(e->column);
  }
  t.sources = for_each_batch_parallel(node, ctx, [&](const Batch& b, Batch* owned) {
    std::vector<Vec> vs;
    for (auto& e : exprs) vs.push_back(evaluate(*e, b, ctx.eval));
    sel.clear();
    std::string key;
    for (std::size_t r = 0; r < b.rows(); ++r) {
      if (row_key(vs, r, key) || !wanted.count(key)) continue;
      sel.push_back(static_cast<std::uint32_t>(r));
      k.keys.push_back(std::move(key));
      k.null_key.push_back(false);
    }
    if (sel.empty()) return;
    if (sel.size() < b.rows()) t.batches.push_back(select_rows(b, sel));
    else if (owned) t.batches.push_back(std::move(*owned));
    else t.batches.push_back(b);
  }, narrow.columns.empty() ? nullptr : &narrow);
  k.in.owned = std::move(t);
  k.rows = all_rows(k.in.owned);
  return k;
}

void emit(TableBuilder& tb, const Table* l, const RowRef* lr, std::size_t lcols, const Table* r, const RowRef* rr,
          std::size_t rcols, Lineage* lineage, RowMeter& meter) {
  meter.add();
  for (std::size_t c = 0; c < lcols; ++c) {
    if (lr) tb.column(c).append_from(l->batches[lr->batch].columns[c], lr->row);
    else tb.column(c).append_null();
  }
  for (std::size_t c = 0; c < rcols; ++c) {
    if (rr) tb.column(lcols + c).append_from(r->batches[rr->batch].columns[c], rr->row);
    else tb.column(lcols + c).append_null();
  }
  RowSource src = lr ? l->batches[lr->batch].sources[lr->row] : r->batches[rr->batch].sources[rr->row];
  // A pair (also a semi/anti row's partner is not part of it): the row derives from both records.
  if (lineage && lr && rr) src = lineage->combine(src, r->batches[rr->batch].sources[rr->row]);
  tb.end_row(src);
}

class JoinNode : public PlanNode {
 public:
  JoinNode(PlanPtr l, PlanPtr r, JoinType t, std::vector<ExprPtr> lk, std::vector<ExprPtr> rk, Schema out)
      : left_(std::move(l)), right_(std::move(r)), type_(t), lk_(std::move(lk)), rk_(std::move(rk)) { schema = std::move(out); }

  Table execute(ExecContext& ctx) const override {
    KeyedTable L = key_table(*left_, lk_, ctx);
    KeyedTable R = right_narrows() ? key_table_matching(*right_, rk_, ctx, left_keys(L)) : key_table(*right_, rk_, ctx);
    const std::size_t lc = L.t().schema.fields.size(), rc = R.t().schema.fields.size();
    std::unordered_map<std::string, std::vector<std::size_t>> rmap;
    for (std::size_t i = 0; i < R.rows.size(); ++i)
      if (!R.null_key[i]) rmap[R.keys[i]].push_back(i);
    precheck(L, rmap, ctx);
    TableBuilder tb(schema);
    RowMeter meter(ctx, site);
    std::vector<bool> right_matched(R.rows.size(), false);
    std::unordered_set<std::string> seen_left;
    for (std::size_t i = 0; i < L.rows.size(); ++i) {
      const std::vector<std::size_t>* matches = nullptr;
      if (!L.null_key[i]) {
        auto it = rmap.find(L.keys[i]);
        if (it != rmap.end()) matches = &it->second;
      }
      switch (type_) {
        case JoinType::InnerUnique:
          if (!seen_left.insert(L.keys[i]).second) break;  // a later duplicate of the left key
          [[fallthrough]];
        case JoinType::Inner:
          if (matches) for (auto j : *matches) emit(tb, &L.t(), &L.rows[i], lc, &R.t(), &R.rows[j], rc, ctx.lineage, meter);
          break;
        case JoinType::LeftOuter:
        case JoinType::FullOuter:
          if (matches) {
            for (auto j : *matches) { emit(tb, &L.t(), &L.rows[i], lc, &R.t(), &R.rows[j], rc, ctx.lineage, meter); right_matched[j] = true; }
          } else {
            emit(tb, &L.t(), &L.rows[i], lc, nullptr, nullptr, rc, ctx.lineage, meter);
          }
          break;
        case JoinType::RightOuter:
          if (matches) for (auto j : *matches) { emit(tb, &L.t(), &L.rows[i], lc, &R.t(), &R.rows[j], rc, ctx.lineage, meter); right_matched[j] = true; }
          break;
        case JoinType::LeftSemi:
          if (matches) emit(tb, &L.t(), &L.rows[i], lc, nullptr, nullptr, 0, ctx.lineage, meter);
          break;
        case JoinType::LeftAnti:
          if (!matches) emit(tb, &L.t(), &L.rows[i], lc, nullptr, nullptr, 0, ctx.lineage, meter);
          break;
        case JoinType::RightSemi:
        case JoinType::RightAnti:
          if (matches) for (auto j : *matches) right_matched[j] = true;
          break;
      }
    }
    if (type_ == JoinType::RightOuter || type_ == JoinType::FullOuter) {
      for (std::size_t j = 0; j < R.rows.size(); ++j)
        if (!right_matched[j]) emit(tb, nullptr, nullptr, lc, &R.t(), &R.rows[j], rc, ctx.lineage, meter);
    }
    if (type_ == JoinType::RightSemi || type_ == JoinType::RightAnti) {
      const bool want = type_ == JoinType::RightSemi;
      for (std::size_t j = 0; j < R.rows.size(); ++j)
        if (right_matched[j] == want) emit(tb, nullptr, nullptr, 0, &R.t(), &R.rows[j], rc, ctx.lineage, meter);
    }
    return tb.finish();
  }

 private:
  // Kinds whose right rows count only when a left row has their key.
  bool right_narrows() const {
    return type_ == JoinType::InnerUnique || type_ == JoinType::Inner || type_ == JoinType::LeftOuter ||
           type_ == JoinType::LeftSemi || type_ == JoinType::LeftAnti;
  }
  static std::unordered_set<std::string> left_keys(const KeyedTable& L) {
    std::unordered_set<std::string> s;
    for (std::size_t i = 0; i < L.rows.size(); ++i)
      if (!L.null_key[i]) s.insert(L.keys[i]);
    return s;
  }

  // The rows the pairing kinds will produce, counted before any is built: an exploding join
  // fails on the row budget at once instead of after filling memory.
  void precheck(const KeyedTable& L, const std::unordered_map<std::string, std::vector<std::size_t>>& rmap, const ExecContext& ctx) const {
    if (!ctx.max_rows || (type_ != JoinType::Inner && type_ != JoinType::LeftOuter && type_ != JoinType::RightOuter &&
                          type_ != JoinType::FullOuter))
      return;
    std::uint64_t n = 0;
    const bool outer_left = type_ == JoinType::LeftOuter || type_ == JoinType::FullOuter;
    for (std::size_t i = 0; i < L.rows.size(); ++i) {
      std::size_t m = 0;
      if (!L.null_key[i]) {
        auto it = rmap.find(L.keys[i]);
        if (it != rmap.end()) m = it->second.size();
      }
      n += m ? m : (outer_left ? 1 : 0);
      if (n > ctx.max_rows) row_budget_exceeded(ctx, site);
    }
  }

  PlanPtr left_, right_;
  JoinType type_;
  std::vector<ExprPtr> lk_, rk_;
};

// lookup: left rows extended with the right's non-key columns (leftouter keeps unmatched rows).
class LookupNode : public PlanNode {
 public:
  LookupNode(PlanPtr l, PlanPtr r, bool inner, std::vector<ExprPtr> lk, std::vector<ExprPtr> rk, std::vector<int> rcols, Schema out)
      : left_(std::move(l)), right_(std::move(r)), inner_(inner), lk_(std::move(lk)), rk_(std::move(rk)), rcols_(std::move(rcols)) {
    schema = std::move(out);
  }
  Table execute(ExecContext& ctx) const override {
    KeyedTable L = key_table(*left_, lk_, ctx);
    KeyedTable R = key_table(*right_, rk_, ctx);
    const std::size_t lc = L.t().schema.fields.size();
    std::unordered_map<std::string, std::vector<std::size_t>> rmap;
    for (std::size_t i = 0; i < R.rows.size(); ++i)
      if (!R.null_key[i]) rmap[R.keys[i]].push_back(i);
    TableBuilder tb(schema);
    RowMeter meter(ctx, site);
    for (std::size_t i = 0; i < L.rows.size(); ++i) {
      const std::vector<std::size_t>* m = nullptr;
      if (!L.null_key[i]) { auto it = rmap.find(L.keys[i]); if (it != rmap.end()) m = &it->second; }
      auto put = [&](const RowRef* rr) {
        meter.add();
        const RowRef& lr = L.rows[i];
        for (std::size_t c = 0; c < lc; ++c) tb.column(c).append_from(L.t().batches[lr.batch].columns[c], lr.row);
        for (std::size_t k = 0; k < rcols_.size(); ++k) {
          if (rr) tb.column(lc + k).append_from(R.t().batches[rr->batch].columns[static_cast<std::size_t>(rcols_[k])], rr->row);
          else tb.column(lc + k).append_null();
        }
        RowSource src = L.t().batches[lr.batch].sources[lr.row];
        if (ctx.lineage && rr) src = ctx.lineage->combine(src, R.t().batches[rr->batch].sources[rr->row]);
        tb.end_row(src);
      };
      if (m) for (auto j : *m) put(&R.rows[j]);
      else if (!inner_) put(nullptr);
    }
    return tb.finish();
  }

 private:
  PlanPtr left_, right_;
  bool inner_;
  std::vector<ExprPtr> lk_, rk_;
  std::vector<int> rcols_;
};

}  // namespace

PlanPtr make_join(PlanPtr left, PlanPtr right, JoinType type, std::vector<ExprPtr> left_keys, std::vector<ExprPtr> right_keys, Schema out) {
  return std::make_shared<JoinNode>(std::move(left), std::move(right), type, std::move(left_keys), std::move(right_keys), std::move(out));
}
PlanPtr make_lookup(PlanPtr left, PlanPtr right, bool inner, std::vector<ExprPtr> left_keys, std::vector<ExprPtr> right_keys,
                    std::vector<int> right_out_cols, Schema out) {
  return std::make_shared<LookupNode>(std::move(left), std::move(right), inner, std::move(left_keys), std::move(right_keys),
                                      std::move(right_out_cols), std::move(out));
}

}  // namespace rulelab::engine
