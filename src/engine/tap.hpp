// The executor's tap (RunOptions::tap): the output of each tabular operator of every pipeline a
// run executes, with the provenance of its rows. `rulelab explain` follows an event through one
// run of the same plan `run` executes with it. Without a tap the plan has no tap nodes (no cost).
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/column.hpp"
#include "core/lineage.hpp"
#include "kusto/ast.hpp"
#include "kusto/parser.hpp"

namespace rulelab::engine {

// One operator's output. Pipelines are every tabular expression the run binds: the result
// pipeline, join / lookup right sides, union legs, let-bound tabular expressions (once per use),
// bodies of the functions the query calls.
struct OperatorOutput {
  const kusto::TabularExpr* pipeline = nullptr;  // its AST node (in the query, or in a function's text)
  std::size_t step = 0;                          // 0: the pipeline's source; k: after its k-th operator
  const std::string* text = nullptr;             // the text `range` is in
  const kusto::QueryLocation* location = nullptr;  // maps `text` into its file
  kusto::SourceRange range;                      // the source's or the operator's
  std::string_view kind;                         // "source", or the operator as written ("where", "join", ...)
  std::shared_ptr<const Table> table;            // the output (shared: a tap may keep it)
  // Resolves the composite RowSources of its rows (Lineage::records); null when provenance is off.
  const Lineage* lineage = nullptr;
};
using Tap = std::function<void(const OperatorOutput&)>;

}  // namespace rulelab::engine
