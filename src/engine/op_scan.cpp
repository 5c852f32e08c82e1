// Table sources: a stored table, literal values (datatable/print/range), a subquery parameter.
#include "engine/file_table.hpp"
#include "engine/plan.hpp"

namespace rulelab::engine {
namespace {

// A source in morsel mode (ExecContext::morsel_source, for_each_batch_parallel): gives f the
// morsel, once (a subquery run for it then reads the table whole), and returns true.
bool give_morsel(const PlanNode& source, ExecContext& ctx, const BatchFn& f) {
  if (ctx.morsel_source != &source) return false;
  ctx.morsel_source = nullptr;
  f(*ctx.morsel, nullptr);
  return true;
}

class ScanNode : public PlanNode {
 public:
  explicit ScanNode(std::shared_ptr<const Table> t) : table_(std::move(t)) { schema = table_->schema; }
  Table execute(ExecContext&) const override { return *table_; }
  std::shared_ptr<const Table> stored(ExecContext&) const override { return table_; }
  bool holds_batches() const override { return true; }
  std::vector<std::string> for_each_batch(ExecContext& ctx, const BatchFn& f, const KeyNarrowing*) const override {
    if (!give_morsel(*this, ctx, f))
      for (const Batch& b : table_->batches) f(b, nullptr);
    return table_->sources;
  }

 private:
  std::shared_ptr<const Table> table_;
};

// A table still in its files: streamed to for_each_batch, read whole once otherwise.
class FileScanNode : public PlanNode {
 public:
  explicit FileScanNode(std::shared_ptr<FileTable> t) : table_(std::move(t)) { schema = table_->schema(); }
  Table execute(ExecContext& ctx) const override { return *stored(ctx); }
  std::shared_ptr<const Table> stored(ExecContext&) const override { return table_->table(); }
  std::vector<std::string> for_each_batch(ExecContext& ctx, const BatchFn& f, const KeyNarrowing*) const override {
    if (!give_morsel(*this, ctx, f)) table_->for_each_batch(f);
    return table_->sources();
  }
  bool holds_batches() const override { return table_->read_whole(); }

 private:
  std::shared_ptr<FileTable> table_;
};

class ParamNode : public PlanNode {
 public:
  ParamNode(std::shared_ptr<ParamSlot> slot, Schema s) : slot_(std::move(slot)) { schema = std::move(s); }
  Table execute(ExecContext& ctx) const override {
    const Table* t = bound(ctx);
    return t ? *t : Table{schema, {}, {}};
  }
  std::shared_ptr<const Table> stored(ExecContext& ctx) const override {
    const Table* t = bound(ctx);
    if (!t) return std::make_shared<const Table>(Table{schema, {}, {}});
    return std::shared_ptr<const Table>(std::shared_ptr<const Table>{}, t);  // non-owning
  }

 private:
  // The innermost binding of this parameter in the run (ExecContext::params), else the slot's table.
  const Table* bound(const ExecContext& ctx) const {
    for (auto it = ctx.params.rbegin(); it != ctx.params.rend(); ++it)
      if (it->first == slot_.get()) return it->second;
    return slot_->table;
  }
  std::shared_ptr<ParamSlot> slot_;
};

class CachedNode : public PlanNode {
 public:
  explicit CachedNode(PlanPtr c) : child_(std::move(c)) { schema = child_->schema; }
  Table execute(ExecContext& ctx) const override { return *stored(ctx); }
  std::shared_ptr<const Table> stored(ExecContext& ctx) const override {
    if (!cache_) cache_ = std::make_shared<const Table>(child_->execute(ctx));
    return cache_;
  }

 private:
  PlanPtr child_;
  mutable std::shared_ptr<const Table> cache_;
};

}  // namespace

std::vector<std::string> PlanNode::for_each_batch(ExecContext& ctx, const BatchFn& f, const KeyNarrowing*) const {
  InputTable in = run_input(*this, ctx);
  if (in.is_owned()) {
    for (Batch& b : in.owned.batches) f(b, &b);
    return std::move(in.owned.sources);
  }
  for (const Batch& b : in.get().batches) f(b, nullptr);
  return in.get().sources;
}

InputTable run_input(const PlanNode& child, ExecContext& ctx) {
  ctx.eval.deadline.check();
  InputTable r;
  r.shared = child.stored(ctx);
  if (!r.shared) r.owned = child.execute(ctx);
  return r;
}

PlanPtr make_scan(std::shared_ptr<const Table> table) { return std::make_shared<ScanNode>(std::move(table)); }
PlanPtr make_file_scan(std::shared_ptr<FileTable> table) { return std::make_shared<FileScanNode>(std::move(table)); }
PlanPtr make_values(Table t) { return std::make_shared<ScanNode>(std::make_shared<const Table>(std::move(t))); }
PlanPtr make_param(std::shared_ptr<ParamSlot> slot, Schema s) { return std::make_shared<ParamNode>(std::move(slot), std::move(s)); }
PlanPtr make_cached(PlanPtr child) { return std::make_shared<CachedNode>(std::move(child)); }

}  // namespace rulelab::engine
