// Microsoft Sentinel analytic rules, loaded unchanged from the files they are published in:
// - YAML in the Azure-Sentinel repository format (Detections/, Solutions/*/Analytic Rules/),
// - ARM template JSON exported from the Sentinel portal (resources[] of type
//   Microsoft.OperationalInsights/workspaces/providers/alertRules or
//   Microsoft.SecurityInsights/alertRules; properties.displayName, query, "PT1H" durations, ...),
// - a bare .kql file (the query only; schedule fields absent).
#pragma once
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/types.hpp"
#include "kusto/parser.hpp"

namespace rulelab::kusto {

enum class RuleFormat : std::uint8_t { Yaml, ArmJson, Kql };
// Hunting: a query of Azure-Sentinel's "Hunting Queries/" (no kind, no schedule, no trigger): it
// runs when a user runs it, over the time range they choose, and raises no alert.
enum class RuleKind : std::uint8_t { Scheduled, NRT, Hunting };
enum class TriggerOperator : std::uint8_t { GreaterThan, LessThan, Equal, NotEqual };

struct DataConnector {
  std::string connector_id;
  std::vector<std::string> data_types;
};

struct FieldMapping {
  std::string identifier;
  std::string column_name;
};
struct EntityMapping {
  std::string entity_type;
  std::vector<FieldMapping> field_mappings;
};

struct EventGroupingSettings {
  std::string aggregation_kind;  // "SingleAlert" (Sentinel's default) or "AlertPerResult"
};

struct AlertDetailsOverride {
  std::string alert_display_name_format;
  std::string alert_description_format;
  std::string alert_severity_column_name;
  std::string alert_tactics_column_name;
  std::vector<std::pair<std::string, std::string>> alert_dynamic_properties;  // alertProperty -> value (column)
};

struct GroupingConfiguration {
  bool enabled = false;
  bool reopen_closed_incident = false;
  std::optional<TimeSpan> lookback_duration;
  std::string matching_method;  // AllEntities, AnyAlert, Selected
  std::vector<std::string> group_by_entities;
  std::vector<std::string> group_by_alert_details;
  std::vector<std::string> group_by_custom_details;
};
struct IncidentConfiguration {
  bool create_incident = true;
  GroupingConfiguration grouping;
};

// A rule as Sentinel sees it. Durations are effective values (see README-kusto-frontend.md,
// "Rule loading"): absent for NRT rules and bare .kql files.
struct SentinelRule {
  std::string file;
  RuleFormat format = RuleFormat::Yaml;
  std::string id;
  std::string name;  // YAML `name`, ARM `displayName`
  std::string description;
  std::string severity;  // Informational, Low, Medium, High
  RuleKind kind = RuleKind::Scheduled;
  std::string query;       // exactly the text Sentinel runs (YAML block scalar content, JSON string value)
  QueryLocation location;  // query byte offsets -> positions in `file`
  std::optional<TimeSpan> query_frequency;
  std::optional<TimeSpan> query_period;
  std::string query_frequency_text;  // as written ("1h", "PT1H", "7d // comment")
  std::string query_period_text;
  TriggerOperator trigger_operator = TriggerOperator::GreaterThan;
  std::int64_t trigger_threshold = 0;
  std::vector<std::string> tactics;
  std::vector<std::string> relevant_techniques;
  std::vector<DataConnector> required_data_connectors;
  std::vector<EntityMapping> entity_mappings;
  std::vector<std::pair<std::string, std::string>> custom_details;  // key -> column, file order
  std::optional<EventGroupingSettings> event_grouping_settings;
  // "Stop running query after alert is generated" (ARM suppressionEnabled / suppressionDuration):
  // after a run that alerts, the rule does not run again for this long. Set only when enabled.
  std::optional<TimeSpan> suppression_duration;
  std::optional<AlertDetailsOverride> alert_details_override;
  std::optional<IncidentConfiguration> incident_configuration;
  std::string version;
  std::string status;
  bool enabled = true;  // ARM `enabled`; YAML rules have no such field
  // Legal-but-surely-wrong values and other things a user should know, positioned in the file
  // (Error::format() gives "file:line:col: message" + line + caret).
  std::vector<Error> warnings;
};

// Loads every analytic rule in a file (YAML: one rule; ARM JSON: each alertRules resource; .kql:
// one rule whose query is the file). The format is chosen by extension (.yaml/.yml, .json, .kql).
// Errors (file:line:col) for what Sentinel itself rejects: malformed YAML/JSON, a missing query,
// a duration that is not one, queryFrequency/queryPeriod outside 5m..14d, queryPeriod shorter
// than queryFrequency, an unknown triggerOperator.
// A YAML file that is not an analytic rule (no `query`, e.g. a "content moved" stub) is an Error
// whose message starts with "not an analytic rule".
Result<std::vector<SentinelRule>> load_sentinel_file(const std::string& path);

// Same from text already in memory (`path` names it in messages and picks the format).
Result<std::vector<SentinelRule>> load_sentinel_text(const std::string& path, std::string text);

// Where a YAML scalar's value lies in its file: `value` is the scalar as yaml-cpp read it, `node_pos`
// the byte offset of its node (YAML::Mark::pos). Used for queries held in YAML (rules, ASIM parsers).
QueryLocation yaml_scalar_location(const std::string& path, std::shared_ptr<const std::string> text, const std::string& value,
                                   std::size_t node_pos);

// Sentinel's duration syntaxes: YAML "5m", "1h", "14d" (also "30s" is syntactically a duration) and
// ARM ISO 8601 "PT5M", "PT1H", "P1D", "P14D", "P1DT2H". nullopt when `text` is neither.
std::optional<TimeSpan> parse_sentinel_duration(std::string_view text);

// "gt"/"GreaterThan" -> GreaterThan etc. (case-insensitive); nullopt otherwise.
std::optional<TriggerOperator> parse_trigger_operator(std::string_view text);
std::string_view to_string(TriggerOperator op);  // "GreaterThan", ...

}  // namespace rulelab::kusto
