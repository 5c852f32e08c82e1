// Table sources: a stored table, literal values (datatable/print/range), a subquery parameter.
#include "engine/file_table.hpp"
#include "engine/plan.hpp"

namespace rulelab::engine {
namespace {

class ScanNode : public PlanNode {
 public:
  explicit ScanNode(std::shared_ptr<const Table> t) : table_(std::move(t)) { schema = table_->schema; }
  Table execute(ExecContext&) const override { return *table_; }
  std::shared_ptr<const Table> stored(ExecContext&) const override { return table_; }

 private:
  std::shared_ptr<const Table> table_;
};

// A table still in its files: streamed to for_each_batch, read whole once otherwise.
class FileScanNode : public PlanNode {
 public:
  explicit FileScanNode(std::shared_ptr<FileTable> t) : table_(std::move(t)) { schema = table_->schema(); }
  Table execute(ExecContext& ctx) const override { return *stored(ctx); }
  std::shared_ptr<const Table> stored(ExecContext&) const override { return table_->table(); }
  std::vector<std::string> for_each_batch(ExecContext&, const BatchFn& f, const KeyNarrowing*) const override {
    table_->for_each_batch(f);
    return table_->sources();
  }

 private:
  std::shared_ptr<FileTable> table_;
};

class ParamNode : public PlanNode {
 public:
  ParamNode(std::shared_ptr<ParamSlot> slot, Schema s) : slot_(std::move(slot)) { schema = std::move(s); }
  Table execute(ExecContext&) const override { return slot_->table ? *slot_->table : Table{schema, {}, {}}; }
  std::shared_ptr<const Table> stored(ExecContext&) const override {
    if (!slot_->table) return std::make_shared<const Table>(Table{schema, {}, {}});
    return std::shared_ptr<const Table>(std::shared_ptr<const Table>{}, slot_->table);  // non-owning
  }

 private:
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
