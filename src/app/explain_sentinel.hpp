// Why one event did or did not lead to an alert of a Sentinel rule (`rulelab explain`).
//
// The rule runs once, as `run` runs it (the same workspace loading and window), with the
// executor's tap on (engine/tap.hpp): every operator of the result pipeline, of each join / lookup
// right side and of each union leg hands over its output, and the event is followed through them
// by its file and line (provenance). Where it is lost, the operator is diagnosed on the event's
// row of the operator's input: each part of a `where` predicate with its value, the key each side
// of a join computed, the array an mv-apply expanded. The CLI only formats the result.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "app/rule.hpp"
#include "app/run_result.hpp"
#include "app/runner.hpp"
#include "app/window.hpp"
#include "core/error.hpp"
#include "core/types.hpp"

namespace rulelab::app {

// The event to follow: a record of one --data file (its position among the data specs).
struct ExplainTarget {
  std::size_t file_index = 0;
  std::size_t line = 0;
  std::optional<DateTime> time;  // by the rule's time field (TimeGenerated), when it has one
};

// Whether the window of the run at `now` holds the event.
struct WindowVerdict {
  std::optional<Window> window;  // none: no queryPeriod (every record is visible)
  bool contains_event = true;
  std::string verdict;           // the sentence the report prints
  // When the event has a time and the rule a schedule: the scheduled runs whose window holds it
  // run between `runs_from` and `runs_to`, every `every`.
  std::optional<DateTime> runs_from, runs_to;
  std::optional<TimeSpan> every;
};

// One part of a `where` predicate (an operand of its top-level and/or) on the event's row.
struct PredicatePart {
  struct Operand {
    std::string expr, value;
  };
  std::string predicate, value;
  std::optional<Operand> left, right;  // the operands of a comparison (literals left out)
};

// The keys of a join or lookup: the event's row on one side, the distinct keys of the other.
struct JoinKeys {
  std::vector<std::string> left_key, right_key;  // the key expressions of each side
  std::string event_key;                         // the key the event's row computed
  std::size_t other_rows = 0;                    // rows of the other side at the join
  std::vector<std::string> other_keys;           // its distinct keys (at most 10)
  std::string note;
};

// Why an operator produced no row from the event.
struct Loss {
  enum class Kind { NotInSource, Where, MvApply, Join, Other } kind = Kind::Other;
  std::string note;                                // NotInSource, MvApply, Join, Other
  std::vector<PredicatePart> where;                // Where
  std::vector<PredicatePart::Operand> mv_apply;    // MvApply: the expanded expressions and their values
  JoinKeys join;                                   // Join (the other side is the right side)
  std::string operator_text;                       // Other
};

// The output of one step of a pipeline (its source, then each operator).
struct ExplainStep {
  std::string text;   // the source or operator, on one line
  std::size_t line = 0;  // in the rule file
  std::size_t rows = 0, event_rows = 0;
  bool kept = false;  // some output row derives from the event
  std::optional<std::string> error;  // the step did not run (a union leg left out, ...)
  std::optional<Loss> why;           // the first step without the event
};

// A right side that carries the event to its end, followed into its join.
struct JoinFromRight {
  std::string operator_text;
  std::size_t line = 0;
  JoinKeys keys;  // event_key: the right side's; other_*: the left side's
  std::size_t paired = 0;  // rows of the join's output that derive from the event
};

struct ExplainPipeline {
  std::string title;  // "result pipeline", "right side of the join at line 40", "union leg (line 3)"
  std::string lines;  // "41-49" (rule file)
  std::vector<ExplainStep> steps;  // up to the first that loses the event
  bool event_reaches_end = false;
  std::optional<JoinFromRight> join;
};

struct SentinelExplanation {
  RunResult run;  // the run the explanation was built from (rows, provenance, alerts)
  WindowVerdict window;
  std::size_t event_rows = 0;  // result rows that derive from the event
  std::optional<std::size_t> alert_index;  // AlertPerResult: the alert that holds the event's first row
  bool in_summary_alert = false;           // AlertPerResult past the per-run cap: only in the last alert
  bool led_to_alert = false;
  std::string verdict;
  std::vector<ExplainPipeline> pipelines;  // empty when the window leaves the event out
  std::vector<std::string> warnings;       // from reading the data, and the run's (union isfuzzy legs left out...)
  std::vector<std::string> notes;          // as `run` prints them: ASIM parsers loaded, watchlists read as empty...
};

// Explains the event `target` of a Sentinel rule's run at `now` over `data`.
Result<SentinelExplanation> explain_sentinel(const LoadedRule& rule, const DataOptions& data, const ExplainTarget& target,
                                             DateTime now);

}  // namespace rulelab::app
