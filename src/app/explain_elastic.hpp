// Explain for Elastic kuery rules (query, threshold, new_terms): why one document did or did not
// lead to an alert. The rule's index patterns, its look-back window (timestamp_override with
// fallback), then each clause of the query (the operands of its top-level `and`/`or`) judged on the
// document as Elasticsearch would, with the values the document holds at the clause's field and
// that field's mapping type. The whole rule then runs as `run` runs it (the same documents and
// field types: load_elastic_docs, load_field_types), and the verdict says whether the document
// became an alert, or what stopped it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/events.hpp"
#include "app/rule.hpp"
#include "app/runner.hpp"
#include "app/window.hpp"
#include "core/types.hpp"

namespace rulelab::app {

// How an explain ended. Refused: the input cannot be explained (a rule language explain does not
// cover, an --event selector that names no record); Failed: reading or parsing failed.
enum class ExplainStatus : std::uint8_t { Explained, Refused, Failed };

// One concrete field a clause reads (a wildcard name expands to several), as the index maps it.
struct KueryFieldValues {
  std::string field;
  std::string type;     // the mapping type: keyword, text, date, ...
  std::string mapping;  // where the type comes from (elastic::FieldOrigin): ecs, integration, user, dynamic, ...
  std::vector<std::string> values;  // the document's values there: strings as they are, others as JSON
};

// One clause of the query judged on the document.
struct KueryClause {
  std::string text;  // as written; a value list `f:(a or b)` is shown with its field
  bool matches = false;
  bool has_field = false;                // the clause reads a field (then `fields` lists what it expanded to)
  std::vector<KueryFieldValues> fields;  // empty with has_field: no field of the index matches the name
  std::optional<std::string> error;      // Elasticsearch would reject the clause
};

struct KueryExplanation {
  ExplainStatus status = ExplainStatus::Explained;
  std::vector<std::string> messages;  // lines for the user (an error when not Explained)
  std::vector<std::string> warnings;  // reading the data (records that could not be read, ...)

  std::string rule_name;
  DateTime now;
  FoundEvent event;
  std::vector<std::string> index_patterns;  // the rule's, or Kibana's default security indices
  bool index_selected = false;              // the patterns select the event's index
  std::optional<Window> window;             // none: from/to are not date math
  std::optional<DateTime> event_time;       // by the window's field (else @timestamp, unless disabled)
  bool in_window = true;
  std::string interval;  // the rule's schedule
  // The scheduled runs whose look-back window holds the event run between these two times.
  std::optional<std::pair<DateTime, DateTime>> runs_that_see_it;

  std::string joined_by;  // "and", "or" or "single clause"
  std::vector<KueryClause> clauses;
  bool query_matches = false;  // the whole query on the document

  bool led_to_alert = false;  // the whole rule (filters, exceptions, max_signals, grouping) alerted on it
  std::string verdict;
};

// Explains `rule` (an Elastic kuery rule) for the event `event_selector` names (find_event) in a run
// at `now` over `data`.
KueryExplanation explain_kuery(const LoadedRule& rule, const DataOptions& data, const std::string& event_selector, DateTime now);

}  // namespace rulelab::app
