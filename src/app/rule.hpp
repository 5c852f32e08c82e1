// A rule as rulelab runs it: what it is (family and kind), its query, its schedule and window, and
// its alert policy. Every command (run, test, diff, simulate, explain) starts from a LoadedRule.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/window.hpp"
#include "core/error.hpp"
#include "core/types.hpp"
#include "elastic/elastic_rule.hpp"
#include "kusto/sentinel_rule.hpp"

namespace rulelab::app {

enum class Family : std::uint8_t { Sentinel, Elastic };
enum class Kind : std::uint8_t {
  SentinelScheduled,
  SentinelNrt,
  SentinelHunting,  // Azure-Sentinel "Hunting Queries/": no schedule, no alert
  ElasticKuery,     // query, threshold and new_terms rules written in Kibana KQL
  ElasticEql,
  ElasticEsql,      // ES|QL rules: loaded, not run yet
  ElasticOther,     // Lucene, machine learning, ...: loaded, not run
};
const char* to_string(Family f);
const char* to_string(Kind k);

// When the rule runs and what each run looks back on.
struct Schedule {
  TimeSpan frequency;                   // queryFrequency / interval
  TimeSpan period;                      // queryPeriod / now - from (Elastic: `to` is applied too)
  std::optional<TimeSpan> suppression;  // Sentinel: no run for this long after an alerting run
};

// How a run's result becomes alerts.
struct AlertPolicy {
  // Sentinel: the result count against triggerOperator / triggerThreshold (NRT: any row).
  kusto::TriggerOperator trigger_operator = kusto::TriggerOperator::GreaterThan;
  std::int64_t trigger_threshold = 0;
  bool per_result = false;         // eventGroupingSettings AlertPerResult
  std::size_t per_result_cap = 0;  // 150 per run (scheduled), 30 (NRT)
  std::int64_t max_signals = 0;    // Elastic: alerts per run
  bool alerts = true;              // hunting queries raise none
};

struct LoadedRule {
  std::string path;  // the rule file
  std::string text;  // its text (positions of EQL diagnostics)
  Family family = Family::Sentinel;
  Kind kind = Kind::SentinelScheduled;
  std::string name;
  std::optional<kusto::SentinelRule> sentinel;
  std::optional<elastic::ElasticRule> elastic;
  std::optional<Schedule> schedule;  // none: a hunting query, or a schedule rulelab cannot read
  AlertPolicy policy;
  std::string time_field;            // TimeGenerated, @timestamp or timestamp_override
  std::string fallback_time_field;   // Elastic: @timestamp when timestamp_override falls back to it
  std::vector<std::string> warnings; // formatted "file:line:col: message" + line + caret

  // The window a run at `now` searches; nullopt for a hunting query (it reads all data given) or
  // an Elastic rule whose from/to are not date math (then `error` says why).
  std::optional<Window> window_at(DateTime now, std::string* error = nullptr) const;
};

// "sentinel", "elastic" or "" (no loader takes it), from the file's name and first bytes.
std::string rule_family(const std::string& path);

// Every rule in a file (ARM templates and Kibana exports may hold several).
Result<std::vector<LoadedRule>> load_rules(const std::string& path);

// The clock of a run: ISO 8601 text, or the current time when empty.
Result<DateTime> parse_now(const std::string& text);

}  // namespace rulelab::app
