// scan (scan-operator): the steps' matching logic over the serialized input, record by record.
#include <optional>

#include "engine/more_ops.hpp"

namespace rulelab::engine {
namespace {

class ScanStepsNode : public PlanNode {
 public:
  ScanStepsNode(PlanPtr child, ScanSpec spec, Schema work, Schema out)
      : child_(std::move(child)), spec_(std::move(spec)), work_(std::move(work)) { schema = std::move(out); }

  Table execute(ExecContext& ctx) const override {
    InputTable in = run_input(*child_, ctx);
    const std::size_t n = spec_.steps.size();
    const std::size_t inputs = child_->schema.fields.size();
    const std::size_t width = inputs + spec_.defaults.size();
    struct Record {
      std::vector<Value> v;
      RowSource src;
    };
    // The state of step k: the records of steps 0..k (those not matched yet are absent), its match id.
    struct State {
      bool active = false;
      std::vector<std::optional<Record>> rows;
      std::int64_t id = 0;
    };
    std::vector<State> state(n);
    std::vector<std::optional<std::pair<Record, std::int64_t>>> pending(n);  // output=last
    std::int64_t next_id = 0;
    TableBuilder tb(schema);
    RowMeter meter(ctx, site);
    auto output = [&](const Record& r, std::int64_t id) {
      for (std::size_t c = 0; c < width; ++c) append_value(tb.column(c), r.v[c]);
      if (spec_.match_id) tb.column(width).append_long(id);
      tb.end_row(r.src);
      meter.add();
    };
    auto flush = [&](std::size_t k) {
      if (pending[k]) { output(pending[k]->first, pending[k]->second); pending[k].reset(); }
    };
    auto produce = [&](std::size_t k, const Record& r, std::int64_t id) {
      switch (spec_.steps[k].output) {
        case ScanStep::All: output(r, id); break;
        case ScanStep::Last: pending[k] = std::make_pair(r, id); break;
        case ScanStep::None: break;
      }
    };
    // The working row: the record (input values, declared defaults), then each step's state record.
    auto working = [&](const Record& base, const State* st) {
      Batch b = Batch::empty_for(work_);
      for (std::size_t c = 0; c < width; ++c) append_value(b.columns[c], base.v[c]);
      for (std::size_t s = 0; s < n; ++s)
        for (std::size_t c = 0; c < width; ++c) {
          Column& col = b.columns[width * (s + 1) + c];
          if (st && st->active && s < st->rows.size() && st->rows[s]) append_value(col, st->rows[s]->v[c]);
          else if (c >= inputs) append_value(col, spec_.defaults[c - inputs]);  // a declared column reads its default
          else col.append_null();
        }
      b.sources.push_back(base.src);
      return b;
    };
    // Condition, then the assignments that extend the record.
    auto match = [&](std::size_t k, const Record& base, const State* st, Record& out) {
      Batch b = working(base, st);
      if (!evaluate(*spec_.steps[k].condition, b, ctx.eval).get(0).truthy()) return false;
      out = base;
      for (auto& [col, e] : spec_.steps[k].assignments) out.v[static_cast<std::size_t>(col)] = evaluate(*e, b, ctx.eval).get(0);
      return true;
    };
    for (const Batch& b : in.get().batches) {
      for (std::size_t r = 0; r < b.rows(); ++r) {
        Record base;
        base.src = b.sources[r];
        for (auto& c : b.columns) base.v.push_back(get_value(c, r));
        for (auto& d : spec_.defaults) base.v.push_back(d);
        for (std::size_t k = n; k-- > 0;) {
          Record ext;
          if (k > 0 && state[k - 1].active && match(k, base, &state[k - 1], ext)) {
            // Check 1: the previous step's state moves to this step, with the record.
            flush(k - 1);
            flush(k);
            State moved = std::move(state[k - 1]);
            state[k - 1] = State{};
            moved.rows.resize(k + 1);
            moved.rows[k] = ext;
            state[k] = std::move(moved);
            produce(k, ext, state[k].id);
            continue;
          }
          if ((k == 0 || state[k].active) && match(k, base, state[k].active ? &state[k] : nullptr, ext)) {
            // Check 2: this step's record in its state is replaced; the first step starts a sequence.
            if (!state[k].active) {
              state[k].active = true;
              state[k].rows.assign(k + 1, std::nullopt);
              state[k].id = next_id++;
            }
            state[k].rows[k] = ext;
            produce(k, ext, state[k].id);
          }
        }
      }
    }
    for (std::size_t k = 0; k < n; ++k) flush(k);
    return tb.finish();
  }

 private:
  PlanPtr child_;
  ScanSpec spec_;
  Schema work_;
};

}  // namespace

PlanPtr make_scan_steps(PlanPtr child, ScanSpec spec, Schema work, Schema out) {
  return std::make_shared<ScanStepsNode>(std::move(child), std::move(spec), std::move(work), std::move(out));
}

}  // namespace rulelab::engine
