// An EQL rule ready to run as Kibana runs it: its parsed query, the documents of the indexes it
// reads, field types, the rule's filters and exception items, and the run options of one run
// (window, timestamp/category/tiebreaker fields, max_signals). `run` and `explain` share it, so
// explain judges exactly what run does. The documents and types are loaded once
// (load_eql_rule); each run sets its clock (set_eql_clock).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/data_spec.hpp"
#include "app/runner.hpp"
#include "eql/engine.hpp"
#include "elastic/elastic_rule.hpp"
#include "eql/parser.hpp"
#include "elastic/field_types.hpp"
#include "kuery/matcher.hpp"

namespace rulelab::app {

// Field types per index, as kql resolves them (user mapping, ECS/integrations, dynamic mapping).
struct EqlTyping {
  elastic::FieldTypes types = elastic::FieldTypes::builtin();
  std::vector<std::unique_ptr<elastic::IndexFields>> per_index;
  // --mapping INDEX=FILE: each such index's kql types (the filters' and exception items'), which
  // its per_index entry refers to.
  std::vector<std::unique_ptr<elastic::FieldTypes>> own_types;
};

// The rule's Kibana filters and exception items, compiled for one index.
struct EqlIndexFilters {
  const elastic::IndexFields* fields = nullptr;
  std::vector<std::pair<kuery::CompiledQuery, bool>> filters;  // query, negate
  std::vector<std::string> filter_texts;                     // for explain
  std::vector<kuery::CompiledQuery> exceptions;
  std::vector<std::string> exception_ids;
};

struct EqlRuleRun {
  eql::Query query;
  eql::EventStore store;
  EqlTyping typing;
  std::vector<EqlIndexFilters> per_index;
  // Per document (Doc::order): whether the rule's filters and exception items keep it (judged a
  // batch at a time by set_eql_clock; empty when the rule has none).
  std::vector<std::uint8_t> kept;
  eql::RunOptions opts;              // opts.keep points into this object: keep it in place
  std::vector<std::string> ignored;  // --data indexes the rule's index patterns do not select
  std::vector<FileRead> reads;
  // explain: a field no searched index maps ("Unknown column") is a note, so that the event is
  // still explained; run and query fail, as Elasticsearch does.
  bool unknown_fields_are_notes = false;
};

// Messages are lines for the user: "note: ...", "warning: ...", or an error (when false is returned).
// filter_while_reading: documents that no event filter of the query passes are dropped while
// reading (eql_read_filter); false reads every document (explain).
bool load_eql_rule(const elastic::ElasticRule& rule, const std::string& text, const DataOptions& data, EqlRuleRun& out,
                   std::vector<std::string>& messages, bool filter_while_reading = true);
bool set_eql_clock(const elastic::ElasticRule& rule, std::int64_t now_nanos, const Limits& limits, EqlRuleRun& out,
                   std::vector<std::string>& messages);
// Both: the rule prepared for one run at `now_nanos`, every document read (explain).
bool prepare_eql_rule(const elastic::ElasticRule& rule, const std::string& text, const DataOptions& data, std::int64_t now_nanos,
                      EqlRuleRun& out, std::vector<std::string>& messages);

// Whether the rule's filters and exception items let a document through; if not, `why` says which.
bool eql_doc_kept(const EqlRuleRun& r, const eql::Doc& d, std::string* why);


// Pieces `rulelab query --dialect eql` shares with rules.
// With a document filter (eql_read_filter), the documents it refuses are dropped while reading.
// `lean_filter` (eql_read_filter with lean): used instead of `filter` for regular files, whose
// documents the store can read again (hydrate_eql_result); other inputs use `filter`.
// Per index name: its documents' filters (each typed for that index) and the literals its lines
// must hold (eql_raw_prefilter; null: none). An index without an entry is read whole.
struct EqlIndexReadFilter {
  std::function<std::unique_ptr<DocumentFilter>()> filter, lean;
  std::shared_ptr<const RawPrefilter> prefilter;
};
using EqlReadFilters = std::map<std::string, EqlIndexReadFilter>;
bool load_eql_data(const std::vector<DataSpec>& data, bool strict, eql::EventStore& store, std::vector<std::string>& messages,
                   const EqlReadFilters& filters = {});
// Reads whole again the documents of a result that a lean load kept as projections (call before
// showing the result's documents). A message when a file cannot be read again.
// `first`, `count`: only those events (event query) or matches (sequences, samples).
std::optional<std::string> hydrate_eql_result(const eql::QueryResult& r, eql::EventStore& store, std::size_t first = 0,
                                              std::size_t count = SIZE_MAX);
bool setup_eql_types(const std::string& spec, const std::vector<DataSpec>& data, eql::EventStore& store, EqlTyping& t,
                     std::vector<std::string>& messages);
// Elasticsearch's "Unknown column" check: false (with a positioned error each) when the query
// names, without `?`, a field that no searched index maps, or compares an ip field with a string
// that is no address ("'x' is not an IP string literal.").
bool check_unknown_fields(const eql::Query& q, std::string_view query_text, const eql::SourceContext& where, const EqlTyping& t,
                          const eql::EventStore& store, std::vector<std::string>& messages);
// Notes on the values of the fields the query reads that their type cannot take (a word in a long
// field, a string that is no IP or no date): read as missing, as Elasticsearch indexes them with
// ignore_malformed; one note per index and field, with the count and the first value and line.
// Over the documents loaded (those the raw prefilter skipped cannot match the query anyway).
std::vector<std::string> eql_malformed_notes(const eql::Query& q, const eql::EventStore& store);
// Rows of a result as JSON texts: event queries give each event's document; sequences and samples
// give {"sequence": N, "stage": I, "_index": ..., "_source": {...}} (missing stages {"missing": true}).
// `first`, `count`: only those events or matches (numbered as in the whole result).
std::vector<std::string> eql_json_rows(const eql::QueryResult& r, const eql::EventStore& store, std::size_t first = 0,
                                       std::size_t count = SIZE_MAX);
std::size_t eql_result_count(const eql::QueryResult& r);
std::string event_timestamp_text(const eql::Doc& d, const std::string& field);
std::string iso_nanos(std::int64_t nanos);

}  // namespace rulelab::app
