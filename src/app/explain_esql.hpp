// Explain for Elastic ES|QL rules: what the rule's pipeline did with one event.
//
// The rule runs as `run` runs it (prepare_esql: the same indices, field types, window and clock),
// once more with the engine's trace on (esql::RunOptions::trace): every command says how many rows
// carry the event before and after it. The explanation names the command that dropped it (FROM:
// its index is not read or the window excludes it; a WHERE, with each of its AND-ed conditions on
// the event's row and the values of the columns they read; LIMIT; the implicit LIMIT 1000), or
// the STATS groups it was aggregated into and what became of them, or the result rows (and so the
// alerts, after _id de-duplication and max_signals) it contributed to.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "app/events.hpp"
#include "app/explain_elastic.hpp"
#include "app/rule.hpp"
#include "app/runner.hpp"
#include "core/types.hpp"
#include "esql/engine.hpp"

namespace rulelab::app {

struct EsqlExplanation {
  ExplainStatus status = ExplainStatus::Explained;
  std::vector<std::string> messages;  // the error when not Explained; ES|QL warnings of the run

  std::string rule_name;
  DateTime now;
  FoundEvent event;
  std::optional<std::pair<DateTime, DateTime>> window;  // the rule's window on window_field
  std::string window_field = "@timestamp";              // timestamp_override, else @timestamp
  std::string window_fallback;                          // @timestamp for documents without window_field (empty: none)
  bool in_window = true;
  bool aggregating = false;
  std::vector<esql::TraceStep> steps;     // one per command (and the implicit LIMIT when it cut)
  std::vector<std::size_t> result_rows;   // 1-based rows of the query's result that carry the event
  std::vector<std::size_t> alerts;        // 1-based alerts (of the run) those rows became
  std::size_t alert_count = 0;            // alerts of the whole run
  bool led_to_alert = false;
  std::string verdict;

  // `rulelab explain --format json`: rule, language, now, event {file, line, index, time (by the
  // window's field, else its fallback)}, window {from, to, field, fallback (null: none),
  // contains_event}, aggregating, steps [{command, text, rows_before, rows_after, note,
  // conditions [{condition, value, columns {name: value}}]}], result_rows, alerts, led_to_alert, verdict.
  nlohmann::ordered_json document = nlohmann::ordered_json::object();
};

EsqlExplanation explain_esql(const LoadedRule& rule, const DataOptions& data, const std::string& event_selector, DateTime now);

}  // namespace rulelab::app
