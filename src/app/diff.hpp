// Two versions of a rule over the same data: the alerts raised only by A, only by B, and by
// both, matched by the source events they derive from (provenance), so that a renamed column or a
// normalised value does not hide that both versions alert on the same events.
#pragma once
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "app/runner.hpp"
#include "core/error.hpp"

namespace rulelab::app {

struct AlertRow {
  nlohmann::json row;             // the result row (Sentinel) or the alert (Elastic)
  std::set<std::string> sources;  // "file:line" of the events it derives from
  std::string first_run;          // the run (now) that raised it first
};

struct DiffResult {
  bool by_provenance = false;  // matched by source events (else by identical rows)
  std::vector<AlertRow> only_a, only_b;
  std::vector<std::pair<AlertRow, AlertRow>> both;
  std::vector<std::string> warnings;
};

// One run of each at `now`, or each rule on its own schedule from `from` to `to` (both given).
// `data` names files by NAME=FILE or FILE alone (named per rule family).
Result<DiffResult> diff_rules(const std::string& rule_a, const std::string& rule_b, const DataOptions& data, const std::string& now,
                              const std::string& from, const std::string& to);

// Sources in file order, lines numerically ("f:9" before "f:10").
std::vector<std::string> in_order(const std::set<std::string>& sources);

}  // namespace rulelab::app
