// An EQL rule ready to run as Kibana runs it (tools/rulelab/eql_run.cpp): its parsed query, the
// documents of the indexes it reads, field types, the rule's filters and exception items, and the
// run options of one run (window, timestamp/category/tiebreaker fields, max_signals).
// `rulelab run` and `rulelab explain` share it, so explain judges exactly what run does.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "commands.hpp"
#include "eql/engine.hpp"
#include "kql/elastic_rule.hpp"
#include "kql/field_types.hpp"
#include "kql/matcher.hpp"

namespace rulelab::cli {

struct EqlDataSpec {
  std::string index, file;
  bool named = false;  // INDEX=FILE (a bare FILE takes its index name from the file)
};
EqlDataSpec split_eql_data(const std::string& spec);

// Field types per index, as kql resolves them (user mapping, ECS/integrations, dynamic mapping).
struct EqlTyping {
  kql::FieldTypes types = kql::FieldTypes::builtin();
  std::vector<std::unique_ptr<kql::IndexFields>> per_index;
};

// The rule's Kibana filters and exception items, compiled for one index.
struct EqlIndexFilters {
  const kql::IndexFields* fields = nullptr;
  std::vector<std::pair<kql::CompiledQuery, bool>> filters;  // query, negate
  std::vector<std::string> filter_texts;                     // for explain
  std::vector<kql::CompiledQuery> exceptions;
  std::vector<std::string> exception_ids;
};

struct EqlRuleRun {
  eql::Query query;
  eql::EventStore store;
  EqlTyping typing;
  std::vector<EqlIndexFilters> per_index;
  eql::RunOptions opts;                 // opts.keep points into per_index: keep the object in place
  std::vector<std::string> ignored;     // --data indexes the rule's index patterns do not select
};

// Prepares `out` for a run of `rule` (loaded from `text`) at `now_nanos`. Returns 0, or an exit
// status after printing the error. Notes (unmapped fields, expired exception items) go to stderr.
int prepare_eql_rule(const kql::ElasticRule& rule, const std::string& text, const RunArgs& a, std::int64_t now_nanos,
                     EqlRuleRun& out);

// Whether the rule's filters and exception items let a document through; if not, `why` says which.
bool eql_doc_kept(const EqlRuleRun& r, const eql::Doc& d, std::string* why);

}  // namespace rulelab::cli
