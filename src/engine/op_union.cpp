// union (learn.microsoft.com/kusto/query/union-operator): rows of all inputs; columns by name
// (outer: all columns; same name and different types give name_type columns, done by the binder).
#include "engine/plan.hpp"

namespace rulelab::engine {
namespace {

class UnionNode : public PlanNode {
 public:
  UnionNode(std::vector<PlanPtr> c, std::vector<std::vector<int>> m, Schema out, int src_col, std::vector<std::string> names)
      : children_(std::move(c)), mapping_(std::move(m)), src_col_(src_col), names_(std::move(names)) { schema = std::move(out); }
  Table execute(ExecContext& ctx) const override {
    TableBuilder tb(schema);
    std::vector<std::string> sources;
    for (std::size_t k = 0; k < children_.size(); ++k) {
      InputTable inp = run_input(*children_[k], ctx);
      const Table& t = inp.get();
      // Inputs that share one list of source files (a run numbers its files once) keep their
      // RowSources; others are renumbered after the files already listed.
      std::uint32_t base = 0;
      if (sources.empty() || t.sources != sources) {
        base = static_cast<std::uint32_t>(sources.size());
        for (auto& s : t.sources) sources.push_back(s);
      }
      const auto& map = mapping_[k];
      for (auto& b : t.batches) {
        for (std::size_t r = 0; r < b.rows(); ++r) {
          std::vector<bool> filled(schema.fields.size(), false);
          for (std::size_t c = 0; c < map.size(); ++c) {
            if (map[c] < 0) continue;
            Column& out = tb.column(static_cast<std::size_t>(map[c]));
            if (out.type() == b.columns[c].type()) out.append_from(b.columns[c], r);
            else append_value(out, convert_to(get_value(b.columns[c], r), out.type()));
            filled[static_cast<std::size_t>(map[c])] = true;
          }
          if (src_col_ >= 0) { tb.column(static_cast<std::size_t>(src_col_)).append_string(names_[k]); filled[static_cast<std::size_t>(src_col_)] = true; }
          for (std::size_t c = 0; c < filled.size(); ++c) if (!filled[c]) tb.column(c).append_null();
          RowSource src = b.sources[r];
          if (src.file != kCompositeFile) src.file += base;
          tb.end_row(src);
        }
      }
    }
    Table out = tb.finish();
    out.sources = std::move(sources);
    return out;
  }

 private:
  std::vector<PlanPtr> children_;
  std::vector<std::vector<int>> mapping_;
  int src_col_;
  std::vector<std::string> names_;
};

}  // namespace

PlanPtr make_union(std::vector<PlanPtr> children, std::vector<std::vector<int>> mapping, Schema out, int source_column,
                   std::vector<std::string> source_names) {
  return std::make_shared<UnionNode>(std::move(children), std::move(mapping), std::move(out), source_column, std::move(source_names));
}

}  // namespace rulelab::engine
