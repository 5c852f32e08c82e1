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

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace rulelab::app {

// The rule's exception items, as Kibana applies them to an ES|QL rule: the exception filter is the
// ES|QL request's `filter` (must_not), so a document an active item matches is never read. Per
// item, the lines of the documents it matches in each catalog index.
struct EsqlException {
  elastic::ExceptionItem item;
  std::string label;                            // item_id (name)
  std::vector<std::set<std::size_t>> lines;     // per catalog index
};

struct EsqlPrepared {
  esql::Query query;
  esql::Catalog catalog;
  esql::SourceContext where;
  std::vector<EsqlException> exceptions;
  std::vector<std::string> exception_notes;  // items that cannot be evaluated, lists not exported
};

Result<EsqlPrepared> prepare_esql(const LoadedRule& rule, const DataOptions& data);
// Excludes from `catalog` the documents of the items active at `now`; returns how many each
// removes ("label: n document(s)"), for the run's notes.
std::vector<std::string> apply_esql_exceptions(const std::vector<EsqlException>& exceptions, esql::Catalog& catalog, DateTime now);
// The item (label) that removes the document at file:line at `now`, if any.
std::optional<std::string> esql_exception_of(const std::vector<EsqlException>& exceptions, const esql::Catalog& catalog,
                                             const std::string& file, std::size_t line, DateTime now);


}  // namespace rulelab::app
