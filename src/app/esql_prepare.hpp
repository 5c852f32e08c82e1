// An Elastic ES|QL rule ready to run: its parsed query (positions in the rule file) and the catalog
// of indices `run` reads (each --data file an index typed by --mapping, integration data streams
// and ECS; FROM patterns no file matches as empty ECS-typed indices). Shared by the runner and
// explain so both see the same rows.
#pragma once
#include "app/rule.hpp"
#include "app/runner.hpp"
#include "core/error.hpp"
#include "esql/engine.hpp"
#include "esql/parser.hpp"

namespace rulelab::app {

struct EsqlPrepared {
  esql::Query query;
  esql::Catalog catalog;
  esql::SourceContext where;
};

Result<EsqlPrepared> prepare_esql(const LoadedRule& rule, const DataOptions& data);

}  // namespace rulelab::app
