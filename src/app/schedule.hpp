// A rule on its schedule: every queryFrequency (Sentinel) or interval (Elastic) from one time to
// another, each run with its own `now` and window, over data read once. One loop for simulate,
// diff --from/--to and test with a schedule range: suppression, Elastic alert de-duplication
// across runs, one limit on the number of runs.
#pragma once
#include <cstddef>
#include <optional>
#include <vector>

#include "app/rule.hpp"
#include "app/run_result.hpp"
#include "app/runner.hpp"
#include "core/error.hpp"

namespace rulelab::app {

// At most this many runs in one schedule (10,000 hourly runs are 416 days); more is an error.
inline constexpr std::size_t kMaxScheduledRuns = 10'000;

struct ScheduledRun {
  DateTime now;
  std::optional<Window> window;
  bool suppressed = false;         // Sentinel suppression: this run did not happen
  std::optional<RunResult> result;  // none when suppressed
  std::vector<Alert> new_alerts;    // the alerts this run created
  std::size_t duplicate_alerts = 0;  // Elastic: matches an earlier run already alerted on
  bool alert = false;               // this run created alerts
};

struct ScheduleResult {
  std::vector<ScheduledRun> runs;
  std::size_t alerting_runs = 0;
};

// The times of the runs: from, from + frequency, ... up to `to`. An error when the schedule has
// no positive frequency, `to` is before `from`, or there would be more than kMaxScheduledRuns.
Result<std::vector<DateTime>> run_times(const LoadedRule& rule, DateTime from, DateTime to);

// Runs `runner` (made for `rule` with span [from, to]) at every run time.
// - Sentinel: "Stop running query after alert is generated" (suppressionEnabled/Duration): no run
//   for suppressionDuration after a run that alerts (detect-threats-custom, "Alert suppression").
//   Overlapping look-backs alert again on the same events: Sentinel does not de-duplicate.
// - Elastic: an alert's id derives from its source documents and the rule, so a match an earlier
//   overlapping run already alerted on creates no second alert (Kibana's persistence rule wrapper
//   creates an alert only for ids not yet written; "Additional look-back time" docs: "duplicate
//   alerts ... are not created").
Result<ScheduleResult> run_schedule(const LoadedRule& rule, Runner& runner, DateTime from, DateTime to);

// The rule once at `now` (ISO 8601; empty: the current time) when `from` is empty, else on its
// schedule from `from` to `to`, as a ScheduleResult (one run in the first case, whose new_alerts
// are its alerts). diff and test judge a rule this way.
Result<ScheduleResult> run_rule(const LoadedRule& rule, const DataOptions& data, const std::string& now, const std::string& from,
                                const std::string& to);

}  // namespace rulelab::app
