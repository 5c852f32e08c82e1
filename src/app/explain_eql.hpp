// Explain for Elastic EQL rules: why one event did or did not lead to an alert.
//
// The rule is prepared exactly as `run` prepares it (prepare_eql_rule: indexes, field types,
// filters and exception items, window, max_signals). Then:
// - each condition (the event query, or every stage of a sequence/sample and its `until`) is
//   judged on the event, part by part (the operands of its top-level and/or), with the values the
//   event holds at the fields each part reads and their mapping type, and the join keys it gives;
// - for a sequence, the sequence engine runs with its tracing hook on (RunOptions::on_sequence_step)
//   and every step that concerns the event is told: the sequences it began or advanced, how far
//   each got and why it stopped (no later event for the next stage with the same key, maxspan
//   exceeded, `until`, replaced by a newer sequence with the same key, missing-event stage,
//   max_signals), and events that would have continued it but lie outside the run's window.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/events.hpp"
#include "app/explain_elastic.hpp"
#include "app/rule.hpp"
#include "app/runner.hpp"
#include "core/types.hpp"

namespace rulelab::app {

struct EqlExplanation {
  ExplainStatus status = ExplainStatus::Explained;
  std::vector<std::string> messages;  // lines for the user: notes and warnings of the preparation, or the error

  std::string rule_name;
  DateTime now;
  FoundEvent event;
  bool index_selected = false;        // the event's index is one the rule reads
  std::string window_field;           // the time field the window is judged on
  std::string window_fallback_field;  // used when a document lacks window_field (else empty)
  bool in_window = false;
  std::string interval;               // the rule's schedule
  bool kept = true;                   // the rule's filters and exception items let the event through
  std::string filtered;               // else: which removed it
  bool led_to_alert = false;
  std::string verdict;

  // The whole explanation as `rulelab explain --format json` prints it: rule, language, now, event,
  // index {patterns, selected}, window {from, to, field, event_time, contains_event,
  // runs_that_see_it, interval}, filtered, query, led_to_alert, verdict. `query` is
  //   {kind: "event", filter}  or
  //   {kind: "sequence" | "sample", by, maxspan, stages [{stage, text, missing, runs, filter,
  //    key_exprs, keys}], until {text, filter}, event_steps [...], sequences [{sequence, key,
  //    events, steps, outside, other_keys, fate}]}
  // where a filter is {condition, joined_by, parts [{part, matches, fields [{field, type,
  // values}]}], matches}. Parts judged on the event are present only when the rule reads its index.
  nlohmann::ordered_json document = nlohmann::ordered_json::object();
};

// Explains `rule` (an Elastic EQL rule) for the event `event_selector` names (find_event) in a run
// at `now` over `data`.
EqlExplanation explain_eql(const LoadedRule& rule, const DataOptions& data, const std::string& event_selector, DateTime now);

}  // namespace rulelab::app
