// A chain of batch-local operators (where, extend/project*, mv-apply) over batches already in
// memory, run on every core: each thread takes one input batch at a time (a morsel) through the
// whole chain; the consumer gets the output batches on the calling thread, in input order.
#include "core/parallel.hpp"
#include "engine/plan.hpp"

namespace rulelab::engine {

std::vector<std::string> for_each_batch_parallel(const PlanNode& node, ExecContext& ctx, const BatchFn& f, const KeyNarrowing* narrow) {
  const PlanNode* source = &node;
  while (const PlanNode* c = source->batch_local_child()) source = c;
  // Provenance and taps record rows in one arena, in order: those runs keep to one thread.
  if (source == &node || !source->holds_batches() || ctx.lineage || ctx.tap || ctx.parallel_worker)
    return node.for_each_batch(ctx, f, narrow);
  const std::shared_ptr<const Table> in = source->stored(ctx);
  const unsigned threads = in ? share_count(in->batches.size(), 1) : 1;
  if (threads < 2) return node.for_each_batch(ctx, f, narrow);

  // One morsel's output: batches the chain made (owned) or input batches it passed through
  // (stored in `in`), in order; and what the run reported meanwhile.
  struct Out {
    std::vector<std::pair<Batch, const Batch*>> batches;
    std::vector<std::string> sources;
    std::vector<Error> warnings, notes;
  };
  SharedRowCounts counts;
  std::vector<std::string> sources;
  ordered_parallel<Out>(
      in->batches.size(), threads, 4 * static_cast<std::size_t>(threads),
      [&](std::size_t i) {
        Out out;
        ExecContext local = ctx;
        local.morsel_source = source;
        local.morsel = &in->batches[i];
        local.shared_rows = &counts;
        local.parallel_worker = true;
        local.warnings = ctx.warnings ? &out.warnings : nullptr;
        local.notes = ctx.notes ? &out.notes : nullptr;
        out.sources = node.for_each_batch(local, [&](const Batch& b, Batch* owned) {
          if (owned) out.batches.emplace_back(std::move(*owned), nullptr);
          else out.batches.emplace_back(Batch{}, &b);
        }, narrow);
        // The row budget over every batch done so far, on whichever thread: if the total of all
        // batches is over it, one thread fails as well (with the same message), else none does.
        if (auto [site, unit] = counts.over(ctx.max_rows); site) row_budget_exceeded(ctx, *site, unit);
        return out;
      },
      [&](std::size_t i, Out&& out) {
        if (ctx.warnings) for (auto& w : out.warnings) ctx.warnings->push_back(std::move(w));
        if (ctx.notes) for (auto& n : out.notes) ctx.notes->push_back(std::move(n));
        if (i == 0) sources = std::move(out.sources);
        for (auto& [b, stored] : out.batches) {
          if (stored) f(*stored, nullptr);
          else f(b, &b);
        }
      });
  return sources;
}

}  // namespace rulelab::engine
