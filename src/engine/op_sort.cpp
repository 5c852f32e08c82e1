// sort/order by and top (learn.microsoft.com/kusto/query/sort-operator, top-operator):
// default descending; nulls last when descending, first when ascending. Stable.
#include <algorithm>

#include "engine/plan.hpp"

namespace rulelab::engine {
namespace {

class SortNode : public PlanNode {
 public:
  SortNode(PlanPtr c, std::vector<SortKeySpec> k, std::optional<std::int64_t> limit)
      : child_(std::move(c)), keys_(std::move(k)), limit_(limit) { schema = child_->schema; }
  Table execute(ExecContext& ctx) const override {
    InputTable inp = run_input(*child_, ctx);
    const Table& in = inp.get();
    std::vector<RowRef> rows = all_rows(in);
    // key columns per batch
    std::vector<std::vector<Column>> kcols(in.batches.size());
    for (std::size_t b = 0; b < in.batches.size(); ++b)
      for (auto& k : keys_) kcols[b].push_back(evaluate_column(*k.expr, in.batches[b], ctx.eval));
    auto less = [&](const RowRef& x, const RowRef& y) {
      for (std::size_t k = 0; k < keys_.size(); ++k) {
        const Column& cx = kcols[x.batch][k];
        const Column& cy = kcols[y.batch][k];
        Value a = get_value(cx, x.row), b = get_value(cy, y.row);
        const bool an = a.is_null(), bn = b.is_null();
        if (an || bn) {
          if (an && bn) continue;
          return an ? keys_[k].nulls_first : !keys_[k].nulls_first;
        }
        auto c = compare_values(a, b);
        if (!c || *c == 0) continue;
        return keys_[k].descending ? *c > 0 : *c < 0;
      }
      return false;
    };
    std::stable_sort(rows.begin(), rows.end(), less);
    std::size_t n = rows.size();
    if (limit_) n = std::min<std::size_t>(n, static_cast<std::size_t>(std::max<std::int64_t>(0, *limit_)));
    TableBuilder tb(schema);
    for (std::size_t i = 0; i < n; ++i) tb.append_row(in.batches[rows[i].batch], rows[i].row);
    Table out = tb.finish();
    out.sources = in.sources;
    return out;
  }

 private:
  PlanPtr child_;
  std::vector<SortKeySpec> keys_;
  std::optional<std::int64_t> limit_;
};

}  // namespace

PlanPtr make_sort(PlanPtr child, std::vector<SortKeySpec> keys, std::optional<std::int64_t> limit) {
  return std::make_shared<SortNode>(std::move(child), std::move(keys), limit);
}

}  // namespace rulelab::engine
