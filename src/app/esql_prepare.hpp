// An Elastic ES|QL rule ready to run: its parsed query (positions in the rule file) and the catalog
// of indices `run` reads (each --data file an index typed by --mapping, integration data streams
// and ECS; FROM patterns no file matches as empty ECS-typed indices). Shared by the runner and
// explain so both see the same rows.
#pragma once
#include "app/elastic_data.hpp"
#include "app/rule.hpp"
#include "app/runner.hpp"
#include "core/error.hpp"
#include "esql/engine.hpp"
#include "esql/parser.hpp"
#include "kuery/runner.hpp"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace rulelab::app {

// The rule's exception items, as Kibana applies them to an ES|QL rule: the exception filter is the
// ES|QL request's `filter` (must_not), so a document an active item matches is never read. Per
// item and catalog index, the documents it matches, by their position among the file's documents
// (the engine's row ordinal).
struct EsqlException {
  elastic::ExceptionItem item;
  std::string label;                      // item_id (name)
  std::vector<std::vector<bool>> docs;    // per catalog index, per document
};

// The rule's window as the ES|QL request's range filter (Kibana's ES|QL executor:
// buildEsqlSearchRequest -> buildTimeRangeFilter over the primary and secondary timestamps):
// RunOptions::window on timestamp_override, else @timestamp, with the @timestamp fallback.
void apply_rule_window(const kuery::RuleWindow& w, esql::RunOptions& opts);

struct EsqlPrepared {
  esql::Query query;
  esql::Catalog catalog;
  esql::SourceContext where;
  std::vector<EsqlException> exceptions;
  std::vector<std::string> exception_notes;   // items that cannot be evaluated, lists not exported
  std::vector<std::string> exception_errors;  // items Elasticsearch would reject (the run's errors)
  // Indices typed by a built-in mapping their name selects (an integration's data stream, the
  // alerts index): the run says so.
  std::vector<std::string> mapping_notes;
  // COMPLETION's answers (--completion FILE, read once); null: none given.
  std::shared_ptr<const std::vector<esql::CompletionAnswer>> completions;
  // What Kibana changed in the query before running it (METADATA _id added), for the run's notes.
  std::vector<std::string> query_notes;
  // The --data files FROM reads (alert sources, exception items), and how strictly they are read.
  std::vector<DataSpec> from_data;
  bool strict = false;
  // Those files' documents, when the exception items read them and the rule suppresses alerts
  // (whose merge reads each alert's source document): read once for both.
  std::shared_ptr<ElasticDocs> docs;
};

// Kibana 9.4+ (injectMetadataId of @kbn/securitysolution-utils, elastic/kibana pull request
// 254703): a non-aggregating rule's query (no top-level STATS) runs with `METADATA _id` on its
// FROM and `_id` appended to each top-level KEEP that does not name it, up to the first command
// that may remove or redefine `_id` (a DROP naming `_id` or any wildcard, a RENAME of `_id`, an
// EVAL assigning `_id`). Returns a note on what changed (empty: nothing).
std::vector<std::string> inject_metadata_id(esql::Query& q);

Result<EsqlPrepared> prepare_esql(const LoadedRule& rule, const DataOptions& data);
// Excludes from `catalog` the documents of the items active at `now`; returns notes on expired items.
std::vector<std::string> apply_esql_exceptions(const std::vector<EsqlException>& exceptions, esql::Catalog& catalog, DateTime now);
// The item (label) that removes document `ordinal` of catalog index `index_no` at `now`, if any.
std::optional<std::string> esql_exception_of(const std::vector<EsqlException>& exceptions, std::size_t index_no, std::size_t ordinal,
                                             DateTime now);


}  // namespace rulelab::app
