// Kibana's alert suppression for Elastic rules ("Suppress detection alerts"; the rule's
// alert_suppression: group_by, duration, missing_fields_strategy): the alerts of events whose
// group_by fields hold the same values become one alert, which counts the others
// (kibana.alert.suppression.docs_count, start, end, terms). Without a duration each rule execution
// groups its own alerts; with one, an alert absorbs the matching alerts of later executions while it
// was created less than that duration ago.
//
// Two ways, as Kibana's rule executors do it (security_solution detection_engine/rule_types):
// - custom query rules (query_alert_suppression/group_and_bulk_create.ts): a composite aggregation
//   on the group_by fields, so an array value makes one group per value; the earliest event of a
//   group is the alert; docs_count is the group's other events; max_signals counts groups; with
//   doNotSuppress an event missing a group_by field is an alert of its own; events a group already
//   counted in an earlier execution (its latest event time, kept in the rule's state) are not
//   counted again by an overlapping look-back;
// - EQL, ES|QL, new terms and indicator match rules (bulk_create_suppressed_alerts_in_memory.ts):
//   each alert is a candidate whose terms are the fields' values (an array sorted, kept as one
//   value; an EQL sequence's fields are those all its events share), the first by time kept; a
//   candidate no later than the existing alert's end was counted already.
// - threshold rules (wrap_suppressed_threshold_alerts.ts; a duration only): each threshold alert
//   is a candidate keyed by its bucket's values (sorted, without field names), its time the
//   bucket's last event; a suppressed bucket adds 1 to the open alert's docs_count.
#pragma once
#include <map>
#include <memory>
#include <set>
#include <string>

#include "app/rule.hpp"
#include "app/runner.hpp"

namespace rulelab::app {

enum class SuppressionMode { Composite, InMemory, Threshold };

// Groups the alerts of the successive runs of one rule (in time order), as one Kibana rule does.
class AlertSuppressor {
 public:
  AlertSuppressor(elastic::AlertSuppression s, SuppressionMode mode, std::int64_t max_signals)
      : s_(std::move(s)), mode_(mode), max_signals_(max_signals) {}
  // Replaces r.alerts (every candidate the run found) by the alerts the run creates; says in
  // r.detail["alert_suppression"] and r.notes what was grouped and what earlier alerts absorbed.
  void apply(RunResult& r);

 private:
  struct Open {
    nlohmann::ordered_json terms;
    DateTime created{}, end{};
    std::int64_t docs_count = 0;
  };
  void composite(RunResult& r, DateTime window_from);
  void finish(RunResult& r, std::vector<Alert> out, bool capped, const char* candidates_key, std::size_t groups, std::size_t absorbed,
              nlohmann::ordered_json into) const;
  void in_memory(RunResult& r, DateTime window_from);

  elastic::AlertSuppression s_;
  SuppressionMode mode_;
  std::int64_t max_signals_;
  std::map<std::string, Open> open_;         // alerts created, by group key
  std::map<std::string, DateTime> history_;  // composite: the latest event a group counted
  std::set<std::string> alerted_;            // in-memory: the events alerts were made from
};

// Explain: what the run's alert suppression made of the event at `source` ("file:line"): the
// alert it is (the first of its group), or the alert whose group counted it (then `led` is
// false). nullopt when the run has no suppression or the event is in no group.
std::optional<std::string> suppression_fate(const RunResult& r, const std::string& source, bool& led);
// The same for a rule run once at `now` (nullopt also when the rule suppresses nothing).
std::optional<std::string> suppression_fate(const LoadedRule& rule, const DataOptions& data, DateTime now, const std::string& source,
                                            bool& led);

// The mode of a rule's suppression, or nullopt when Kibana applies none (a threshold rule without a
// duration).
std::optional<SuppressionMode> suppression_mode(const elastic::ElasticRule& rule);

// `inner`, made for `rule` (a copy whose max_signals lets through every candidate Kibana groups),
// with its alerts grouped by `suppressor`. The runner owns both.
// `max_signals`: the rule's, which the runs report.
std::unique_ptr<Runner> make_suppressing_runner(std::unique_ptr<LoadedRule> rule, std::unique_ptr<Runner> inner,
                                                std::unique_ptr<AlertSuppressor> suppressor, std::int64_t max_signals);

}  // namespace rulelab::app
