// EQL documents filtered while they are read: a document that passes none of the query's event
// filters (the event query, each sequence or sample stage, `until`) cannot be part of a result
// and is dropped on the reading thread. Kept besides: documents without a readable timestamp
// (their count is reported) and the first document of each shape (field paths and JSON kinds) so
// that the dynamic mapping observed over the kept documents is that of the whole file (see
// elastic_read_filter.hpp). The filter applies only when every field the conditions read is
// mapped statically (ECS, integrations) and no --mapping is given: then each condition is judged
// with the types it will have in the run.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/ingest.hpp"
#include "core/raw_prefilter.hpp"
#include "eql/ast.hpp"
#include "eql/engine.hpp"
#include "elastic/field_types.hpp"

namespace rulelab::app {

// An empty function when the filter does not apply. `q` and `types` must outlive the loads.
// `lean` (sequences and samples): a document kept is stored as its projection on the fields the
// run reads (the conditions', the join keys', `lean_fields`: tiebreaker, window fields), except
// the first of each shape; the store's load must be lean too (EventStore::load_file), and the
// documents a result shows are read whole again (EventStore::hydrate). Not lean when a join key
// reads a field that is not typed without the data. The filter judges the documents of `index`,
// with the fields typed as the run types them there (elastic::IndexFields: the user's mapping, the
// data stream the index name belongs to, ECS): one filter per index read.
std::function<std::unique_ptr<DocumentFilter>()> eql_read_filter(const eql::Query& q, const elastic::FieldTypes& types,
                                                                 const std::string& timestamp_field,
                                                                 const std::string& category_field, const std::string& index,
                                                                 bool lean = false, const std::vector<std::string>& lean_fields = {});

// Whether an event query's read filter (eql_read_filter) judged the documents with the types the
// run gives the fields its condition reads, in every index of `store` (set up by
// setup_eql_types): then the filter's verdicts stand for the run's (EventStore::event_verdicts).
bool eql_verdicts_hold(const eql::Query& q, const elastic::FieldTypes& types, const std::string& category_field,
                       const eql::EventStore& store);

// The literals a document's bytes must hold to pass one of the query's event filters
// (core/raw_prefilter.hpp): exact and caseless comparisons, `in`, `:`, `like` and the string
// functions on keyword fields without a normalizer or null_value, and the event category. Apply it
// only with eql_read_filter (the same fields typed without the data); documents it skips are not
// parsed, so they are neither counted as without a timestamp nor seen by the dynamic mapping.
RawPrefilter eql_raw_prefilter(const eql::Query& q, const elastic::FieldTypes& types, const std::string& category_field,
                               const std::string& index);

}  // namespace rulelab::app
