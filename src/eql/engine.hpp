// Running EQL queries over Elastic documents: event queries, sequences (join keys, maxspan,
// until, runs, missing events) and samples, with Elasticsearch's matching rules.
#pragma once
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/column.hpp"
#include "core/dynamic.hpp"
#include "core/error.hpp"
#include "core/limits.hpp"
#include "eql/ast.hpp"
#include "eql/eval.hpp"

namespace rulelab::eql {

// One document of an index.
struct Doc {
  std::size_t index = 0;  // into EventStore::indexes()
  DynRef source;          // the _source document
  std::size_t order = 0;  // position in load order (the implicit tiebreaker)
  std::uint32_t line = 0; // line in its file (1-based), 0 when unknown
};

struct IndexInfo {
  std::string name;
  std::string file;
  std::optional<Mapping> mapping;
};

// The documents of one or more indexes, owned.
class EventStore {
 public:
  // Reads an NDJSON / JSON array file (gzip allowed) into index `index`.
  std::optional<Error> load_file(const std::string& index, const std::string& path, bool strict = false);
  // Adds documents from NDJSON text (tests).
  std::optional<Error> add_ndjson(const std::string& index, std::string_view text);
  void set_mapping(const std::string& index, Mapping m);

  const std::vector<Doc>& docs() const { return docs_; }
  const std::vector<IndexInfo>& indexes() const { return indexes_; }
  const Mapping* mapping_of(const Doc& d) const {
    const auto& m = indexes_[d.index].mapping;
    return m ? &*m : nullptr;
  }
  std::vector<std::string> warnings;  // records skipped while reading

 private:
  std::size_t index_id(const std::string& name);
  std::vector<IndexInfo> indexes_;
  std::vector<Doc> docs_;
  std::deque<Table> tables_;        // documents loaded from files
  std::deque<std::string> owned_;   // documents added as text
};

struct RunOptions {
  std::string timestamp_field = "@timestamp";  // orders the events (EQL's timestamp_field)
  // The time range [from_nanos, to_nanos] applies to window_field (empty: timestamp_field); events
  // without it use window_fallback_field when set (Kibana: timestamp_override, then @timestamp).
  std::string window_field;
  std::string window_fallback_field;
  std::string category_field = "event.category";
  std::string tiebreaker_field;           // empty: none (document order breaks ties)
  std::size_t size = 10;                  // Elasticsearch's default result size
  std::size_t max_samples_per_key = 1;
  std::optional<std::int64_t> from_nanos;
  std::optional<std::int64_t> to_nanos;
  // Documents for which this returns false are not searched at all (a rule's filters and
  // exception items, which Kibana adds to the EQL request's filter).
  std::function<bool(const Doc&)> keep;
  Deadline deadline;  // the time limit (--timeout): the run fails with its message when it passes
};

// A sequence or sample: its events in stage order; nullptr for a missing-event stage `![...]`.
struct Match {
  std::vector<const Doc*> events;
  std::vector<Value> key;  // the join key values
};

struct QueryResult {
  QueryKind kind = QueryKind::Event;
  std::vector<const Doc*> events;  // Event queries
  std::vector<Match> matches;      // Sequence / Sample
  std::size_t considered = 0;      // documents with a timestamp in range
  std::size_t without_timestamp = 0;
};

// Runs a parsed query. Errors are user errors (a bad regular expression, ...), positioned at
// byte offsets of the query text in `Error::column` when `text` is given.
Result<QueryResult> run_query(const Query& q, const EventStore& store, const RunOptions& opts);

}  // namespace rulelab::eql
