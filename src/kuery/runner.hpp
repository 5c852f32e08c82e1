// Running an Elastic detection rule (query, threshold and new_terms types with a kuery query) over
// documents, as Kibana's detection engine runs it once at time `now`:
//  - the rule's index patterns (comma lists, wildcards, "-" exclusions; Kibana's default security
//    patterns when it has none) select the data sets it reads;
//  - the window is [now + from, now + to] on timestamp_override (falling back to @timestamp for
//    documents without it, unless timestamp_override_fallback_disabled) or @timestamp;
//  - the query, the rule's filters (query DSL) and its exceptions (any matching item suppresses)
//    select the events, sorted by time; max_signals caps the alerts;
//  - threshold rules group by threshold.field (documents missing a field are in no group; arrays
//    count once per value) and alert on groups with >= value events (and >= cardinality distinct
//    values); new_terms rules alert on each value (combination) of new_terms fields seen in the
//    window but not in [history_window_start, window start).
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/dynamic.hpp"
#include "core/error.hpp"
#include "core/limits.hpp"
#include "core/types.hpp"
#include "elastic/elastic_rule.hpp"
#include "elastic/field_types.hpp"

namespace rulelab::kuery {

struct DocRef {
  DynRef source;
  std::string file;
  std::uint32_t line = 0;
  std::optional<std::uint64_t> shape;  // dyn_shape(source), when the reader computed it
  // The read filter found that the query IndexDocs::matched_query matches it (see there).
  bool matched = false;
};
struct IndexDocs {
  std::string name;  // the index (data set) name
  std::vector<DocRef> docs;
  // Documents dropped while reading because the query cannot match them (counted, not kept),
  // with the event time (ticks) of those that have one.
  std::size_t unread = 0;
  std::vector<std::int64_t> unread_times;
  // The kuery query whose read filter judged the documents (app::KueryReadFilter, empty: none).
  // That filter applies only to a query that compiles the same without the data, so a document
  // it judged matched (DocRef::matched) is one that query matches in the run too: the run takes
  // the verdict instead of evaluating the query again. The others are evaluated as usual.
  std::string matched_query;
};

struct ElasticAlert {
  std::string index;
  const DocRef* doc = nullptr;          // the event (query, new_terms) or the group's first event (threshold)
  std::optional<DateTime> time;
  nlohmann::json detail = nlohmann::json::object();  // threshold_result / new_terms values
};

struct ElasticRunResult {
  DateTime now{}, from{}, to{};
  std::string timestamp_field;
  std::vector<std::string> indices;          // selected data sets
  std::vector<std::string> ignored_indices;  // given but not matched by the index patterns
  std::size_t docs_total = 0, docs_in_window = 0, docs_matched = 0, docs_suppressed = 0;
  struct Hit {
    std::string index;
    const DocRef* doc = nullptr;
    std::optional<DateTime> time;
  };
  std::vector<Hit> hits;  // matched, not suppressed, in time order
  std::vector<ElasticAlert> alerts;
  bool capped = false;                   // max_signals reached
  std::vector<std::string> errors;       // the search Elasticsearch would reject (formatted)
  std::vector<std::string> notes;        // for the user: dynamic fields, unmatched patterns, skipped exceptions
  std::vector<std::string> dynamic_fields;
  std::vector<std::string> suppressed_by;  // per suppressed event: "item_id (name)"
};

// Runs the rule (its query language must be kuery). `file_text` is the rule file, for positions.
// The result's hits and alerts point into `data`, which must outlive the result.
// A deadline (--timeout) that passes ends the run with its message in `errors`.
ElasticRunResult run_elastic_rule(const elastic::ElasticRule& rule, std::string_view file_text, const std::vector<IndexDocs>& data,
                                  const elastic::FieldTypes& types, DateTime now, const Deadline& deadline = Deadline{});

// Runs an ad hoc kuery over all given documents (no window), at most `size` hits (nullopt: all).
ElasticRunResult run_kuery_query(std::string_view query, const std::vector<IndexDocs>& data, const elastic::FieldTypes& types, DateTime now,
                                 std::optional<std::size_t> size, const Deadline& deadline = Deadline{});

// The rule's look-back window at `now`: [now + from, now + to] (date math); nullopt when from/to
// are not date math.
struct RuleWindow {
  DateTime from{}, to{};
  std::string timestamp_field;  // timestamp_override or @timestamp
  bool fallback = true;         // documents without timestamp_override use @timestamp
  // The field a document without timestamp_field is judged by (Kibana's secondaryTimestamp):
  // @timestamp, unless the rule disables the fallback or has no override; empty: none.
  std::string fallback_field() const { return fallback && timestamp_field != "@timestamp" ? "@timestamp" : ""; }
};
std::optional<RuleWindow> rule_window(const elastic::ElasticRule& rule, DateTime now);
// The time of an event for the window (ms precision), per RuleWindow's field and fallback.
std::optional<DateTime> event_time(DynRef doc, const RuleWindow& w);

// Kibana index pattern list matching ("logs-*,-logs-excluded*", "filebeat-*").
bool index_selected(const std::vector<std::string>& patterns, std::string_view index);
// Kibana's default security index patterns (securitySolution:defaultIndex).
const std::vector<std::string>& default_security_indices();

}  // namespace rulelab::kuery
