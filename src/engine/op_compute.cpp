// extend / project / project-away / project-keep / project-rename / project-reorder: each output
// column is an expression over the input batch (a plain column reference is copied).
#include "engine/plan.hpp"

namespace rulelab::engine {
namespace {

// Working batch = the input's columns, then one column per step (each step may read the columns
// of earlier steps: `extend a = 1, b = a + 1`); the output picks columns of the working batch.
class ComputeNode : public PlanNode {
 public:
  ComputeNode(PlanPtr c, std::vector<ExprPtr> steps, std::vector<int> output, Schema out)
      : child_(std::move(c)), steps_(std::move(steps)), output_(std::move(output)) { schema = std::move(out); }
  Table execute(ExecContext& ctx) const override {
    InputTable inp = run_input(*child_, ctx);
    const Table& in = inp.get();
    Table out{schema, in.sources, {}};
    out.batches.reserve(in.batches.size());
    const std::vector<int> uses = column_uses(in.schema.fields.size());
    for (std::size_t k = 0; k < in.batches.size(); ++k)
      out.batches.push_back(compute(in.batches[k], inp.is_owned() ? &inp.owned.batches[k] : nullptr, uses, ctx));
    return out;
  }

  std::vector<std::string> for_each_batch(ExecContext& ctx, const BatchFn& f, const KeyNarrowing* narrow) const override {
    std::vector<int> uses;
    // The narrowing passes to the child when every key column is one of the child's columns
    // unchanged (project, project-rename, a plain `extend b = a` of the same type).
    std::optional<KeyNarrowing> down;
    if (narrow) {
      const std::size_t base = child_->schema.fields.size();
      down.emplace();
      down->keys = narrow->keys;
      for (int c : narrow->columns) {
        int w = output_[static_cast<std::size_t>(c)];
        if (w >= static_cast<int>(base)) {
          const Expr& e = *steps_[static_cast<std::size_t>(w) - base];
          w = e.kind == ExprKind::Column && e.column < static_cast<int>(base) &&
                      child_->schema.fields[static_cast<std::size_t>(e.column)].type == e.type
                  ? e.column
                  : -1;
        }
        if (w < 0) {
          down.reset();
          break;
        }
        down->columns.push_back(w);
      }
    }
    return child_->for_each_batch(ctx, [&](const Batch& b, Batch* owned) {
      if (uses.empty()) uses = column_uses(b.columns.size());
      Batch nb = compute(b, owned, uses, ctx);
      f(nb, &nb);
    }, down ? &*down : nullptr);
  }

  const PlanNode* batch_local_child() const override { return child_.get(); }

 private:
  // How many output columns read each working column (input columns, then step columns).
  std::vector<int> column_uses(std::size_t base) const {
    std::vector<int> uses(base + steps_.size(), 0);
    for (int o : output_) ++uses[static_cast<std::size_t>(o)];
    return uses;
  }

  // One output batch from `src`; when `owned` (src itself, owned by the caller) its columns may be moved out.
  Batch compute(const Batch& src, Batch* owned, const std::vector<int>& uses, ExecContext& ctx) const {
    const std::size_t base = src.columns.size();
    // the working batch: input columns, then step columns (steps read earlier ones)
    Batch work;
    work.sources = src.sources;  // (copied before the columns may be moved out of src)
    work.columns.reserve(base + steps_.size());
    // Steps need a batch holding the columns they read; build it lazily only when there are steps.
    if (!steps_.empty()) {
      // steps may read any input column: take the input's columns (moved when owned)
      if (owned) work.columns = std::move(owned->columns);
      else work.columns = src.columns;
      for (auto& e : steps_) {
        if (e->kind == ExprKind::Column && work.columns[static_cast<std::size_t>(e->column)].type() == e->type)
          work.columns.push_back(work.columns[static_cast<std::size_t>(e->column)]);
        else
          work.columns.push_back(evaluate_column(*e, work, ctx.eval));
      }
    }
    Batch nb;
    nb.columns.reserve(output_.size());
    std::vector<int> left = uses;
    for (int o : output_) {
      auto i = static_cast<std::size_t>(o);
      const bool last = --left[i] == 0;
      if (!steps_.empty()) {
        if (last) nb.columns.push_back(std::move(work.columns[i]));
        else nb.columns.push_back(work.columns[i]);
      } else if (last && owned) {
        nb.columns.push_back(std::move(owned->columns[i]));
      } else {
        nb.columns.push_back(src.columns[i]);
      }
    }
    nb.sources = std::move(work.sources);
    return nb;
  }

 private:
  PlanPtr child_;
  std::vector<ExprPtr> steps_;
  std::vector<int> output_;
};

class TakeNode : public PlanNode {
 public:
  TakeNode(PlanPtr c, std::int64_t n) : child_(std::move(c)), n_(n) { schema = child_->schema; }
  Table execute(ExecContext& ctx) const override {
    Table in = child_->execute(ctx);
    Table out{schema, in.sources, {}};
    std::int64_t left = n_;
    for (auto& b : in.batches) {
      if (left <= 0) break;
      if (static_cast<std::int64_t>(b.rows()) <= left) { left -= static_cast<std::int64_t>(b.rows()); out.batches.push_back(std::move(b)); continue; }
      SelectionVector sel;
      for (std::int64_t i = 0; i < left; ++i) sel.push_back(static_cast<std::uint32_t>(i));
      out.batches.push_back(select_rows(b, sel));
      left = 0;
    }
    return out;
  }

 private:
  PlanPtr child_;
  std::int64_t n_;
};

class SerializeNode : public PlanNode {
 public:
  explicit SerializeNode(PlanPtr c) : child_(std::move(c)) { schema = child_->schema; }
  Table execute(ExecContext& ctx) const override { return child_->execute(ctx); }

 private:
  PlanPtr child_;
};

}  // namespace

PlanPtr make_compute(PlanPtr child, std::vector<ExprPtr> steps, std::vector<int> output, Schema out) {
  return std::make_shared<ComputeNode>(std::move(child), std::move(steps), std::move(output), std::move(out));
}
PlanPtr make_take(PlanPtr child, std::int64_t n) { return std::make_shared<TakeNode>(std::move(child), n); }
PlanPtr make_serialize(PlanPtr child) { return std::make_shared<SerializeNode>(std::move(child)); }

}  // namespace rulelab::engine
