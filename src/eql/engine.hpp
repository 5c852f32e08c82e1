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
#include "core/ingest.hpp"
#include "core/raw_prefilter.hpp"
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
  std::optional<std::uint64_t> shape;  // dyn_shape(source), when the reader computed it
  bool matched = false;  // the read filter found it passes the event query's filter (EventStore::event_verdicts)
};

struct IndexInfo {
  std::string name;
  std::string file;
  std::optional<Mapping> mapping;
};

// The documents of one or more indexes, owned.
class EventStore {
 public:
  // Reads an NDJSON / JSON array file (gzip allowed) into index `index`. With a document filter,
  // the documents it refuses are dropped while reading (counted in unread()).
  // `lean`: the filter may keep documents as projections on the fields the query reads
  // (DocumentFilter::Keep::Projection); hydrate() reads the ones a result shows whole again. Only
  // for regular NDJSON files (others are read whole).
  // `lean_filter`, for a regular NDJSON file, replaces `filter`; a file that turns out to be a JSON
  // array is read again with `filter`.
  std::optional<Error> load_file(const std::string& index, const std::string& path, bool strict = false,
                                 const std::function<std::unique_ptr<DocumentFilter>()>& filter = {},
                                 const std::function<std::unique_ptr<DocumentFilter>()>& lean_filter = {});
  // Re-reads whole, from their files, the given documents of lean loads (each at most once until
  // release()).
  std::optional<Error> hydrate(const std::vector<const Doc*>& docs);
  // Gives back the memory of the documents hydrated so far: they are projections again.
  void release();
  // Whether documents of a lean load are kept as projections (hydrate() reads them whole).
  bool has_projections() const { return !lean_.empty(); }
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
  std::vector<std::string> notes;     // documents skipped unparsed by the prefilter
  // Applied by load_file() when it is given a filter (core/raw_prefilter.hpp): documents whose
  // bytes cannot pass the query's event filters are skipped unparsed (counted in unread()).
  std::shared_ptr<const RawPrefilter> prefilter;
  // Set before load_file() when its (non-lean) filter judges documents by exactly the event
  // query's filter, with the types the run uses (app::eql_read_filter of an event query): the
  // documents it found matching carry Doc::matched, and the run does not evaluate them again.
  bool event_verdicts = false;
  std::size_t unread() const { return unread_; }  // documents a load's filter dropped

 private:
  std::size_t unread_ = 0;
  struct LeanLoad {
    std::string path;
    bool strict = false;
    std::size_t first = 0, end = 0;  // its documents in docs_
    // Plain (not gzip) files: the byte offset of each line of its documents, found by one scan at
    // the first hydrate(), so that each document is then read alone.
    bool indexed = false, plain = false;
    std::vector<std::uint32_t> lines;    // sorted
    std::vector<std::uint64_t> offsets;  // of lines[i]
  };
  std::optional<Error> index_lines(LeanLoad& l);
  std::deque<std::string> hydrated_text_;  // documents read alone (plain files), encoded
  std::vector<LeanLoad> lean_;
  std::vector<std::uint8_t> partial_;  // per document: may be a projection (lean load, not hydrated)
  std::vector<Table> hydrated_;        // whole documents read again by hydrate()
  std::vector<std::pair<std::size_t, DynRef>> projections_;  // what hydrate() replaced
  std::size_t index_id(const std::string& name);
  std::vector<IndexInfo> indexes_;
  std::vector<Doc> docs_;
  std::deque<Table> tables_;        // documents loaded from files
  std::deque<std::string> owned_;   // documents added as text
};

// One step of the sequence engine, for explaining a result (RunOptions::on_sequence_step). A
// sequence in progress has an id (from 1); its events are listed per expanded stage (`with runs`
// counted out), nullptr where it has none yet.
struct SequenceStep {
  enum class Kind {
    Start,          // `event` matched the first stage: sequence `id` begins, waiting for the next stage
    Advance,        // `event` matched stage `stage` with the key of sequence `id`, which moved on
    Complete,       // sequence `id` matched its last stage (`event`)
    NoKey,          // `event` matched stage `stage` but has no value for a join key: it joins nothing
    NoPending,      // `event` matched stage `stage` (not the first) but no sequence with its key waited for it
    Replaced,       // sequence `id`, waiting after stage `stage`, was replaced by the newer sequence `by` (same key)
    Maxspan,        // `event` matched stage `stage` for sequence `id` but too late (maxspan): `id` was dropped
    Until,          // `event` matched the until condition with the key of sequence `id`: `id` was dropped
    MissingEvent,   // completed sequence `id` was discarded: `event` matches the missing-event stage `stage`
    MissingBounds,  // completed sequence `id` was discarded by the leading/trailing missing-event rules
    Limited,        // completed sequence `id` fell outside the result size (or head/tail pipes)
    Reported,       // sequence `id` is result number `stage` (from 0)
  };
  Kind kind = Kind::Start;
  std::size_t id = 0;
  std::size_t by = 0;
  std::size_t stage = 0;
  const Doc* event = nullptr;
  std::vector<const Doc*> events;
  std::vector<Value> key;
  std::int64_t first_nanos = 0;  // time of the sequence's first event
  std::int64_t event_nanos = 0;  // time of `event`
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
  // When set, the sequence engine reports each step it takes (explain); it costs nothing otherwise.
  std::function<void(const SequenceStep&)> on_sequence_step;
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

// Whether an event passes a stage's filter (its category on category_field, then its condition).
bool event_passes(const Evaluator& ev, const EventFilter& f, const EventView& v, const std::string& category_field);
// event_passes() a batch at a time: narrows `sel` (rows of `evs`) to the events that pass
// (Evaluator::select).
void select_events(const Evaluator& ev, const EventFilter& f, std::span<const EventView> evs, SelectionVector& sel,
                   const std::string& category_field);

// Runs a parsed query. Errors are user errors (a bad regular expression, ...), positioned at
// byte offsets of the query text in `Error::column` when `text` is given.
Result<QueryResult> run_query(const Query& q, const EventStore& store, const RunOptions& opts);

}  // namespace rulelab::eql
