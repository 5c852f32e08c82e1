// Elastic detection rules as loaded from their files, unchanged: detection-rules TOML
// (`[metadata]`, `[rule]`, `[[rule.threat]]`, ...) and Kibana rule exports (NDJSON: rules,
// exception list containers, exception items, and a closing export summary line).
//
// Defaults follow Kibana's rule schema when a field is absent: from "now-6m", to "now",
// interval "5m", max_signals 100.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/types.hpp"

namespace rulelab::elastic {

enum class RuleType { Query, Eql, Threshold, NewTerms, ThreatMatch, MachineLearning, Esql, SavedQuery, Unknown };
enum class QueryLanguage { Kuery, Eql, Lucene, Esql, None };
std::string_view to_string(RuleType t);
std::string_view to_string(QueryLanguage l);

// Where the query text sits in the rule file, so diagnostics point into the file.
// Byte i of ElasticRule::query is byte file_offset(i) of the file. TOML multi-line literal
// strings ('''...''', no escapes) and single-line literal strings map one to one from `offset`;
// TOML basic strings and JSON strings (NDJSON exports) carry escapes, so `map` holds the file
// offset of every query byte (plus one entry for the end).
struct QuerySource {
  bool known = false;        // false: the position could not be determined (then offsets are 0)
  std::size_t offset = 0;    // file offset of the first query byte
  std::vector<std::size_t> map;  // empty: identity from offset
  bool verbatim() const { return map.empty(); }
  std::size_t file_offset(std::size_t query_byte) const;
};

// A Kibana exception entry (lists plugin schema): match, match_any, exists, wildcard, list, nested.
struct ExceptionEntry {
  std::string field;
  std::string type;                 // "match", "match_any", "exists", "wildcard", "list", "nested"
  std::string op = "included";      // "included" or "excluded"
  std::vector<std::string> values;  // match/wildcard: one value; match_any: all values
  std::string list_id, list_type;   // type "list": the value list it refers to
  bool list_loaded = false;         // type "list": `values` holds the list's items (--value-list)
  std::vector<ExceptionEntry> entries;  // type "nested": the entries under `field`
};
struct ExceptionItem {
  std::string item_id, list_id, name, namespace_type, expire_time;
  std::vector<std::string> os_types;
  std::vector<ExceptionEntry> entries;  // all must match for the item to match
};
struct ExceptionListRef {
  std::string id, list_id, type, namespace_type;  // type: "detection", "rule_default", "endpoint"
};

struct ThresholdCardinality {
  std::string field;
  std::int64_t value = 0;
};
struct Threshold {
  std::vector<std::string> field;  // group-by fields (may be empty: all events one group)
  std::int64_t value = 0;          // alert when a group has >= value events
  std::vector<ThresholdCardinality> cardinality;  // and >= value distinct values of field
};
struct NewTerms {
  std::vector<std::string> fields;
  std::string history_window_start;  // date math, e.g. "now-14d"
};

// Alert suppression (Kibana "Suppress detection alerts"; detection-rules [rule.alert_suppression],
// an export's alert_suppression): alerts whose group_by fields hold the same values become one
// alert, per rule execution or, with a duration, across executions within that time.
struct AlertSuppression {
  std::vector<std::string> group_by;  // 1-3 fields (threshold rules: the threshold's fields)
  std::optional<TimeSpan> duration;   // {value, unit: s|m|h}; none: per rule execution
  std::string duration_text;          // as written: "130m"
  bool suppress_missing = true;       // missing_fields_strategy: suppress (default) | doNotSuppress
};

// Indicator match (threat_match) rules: events matching `query` whose fields equal an indicator's
// fields (threat_mapping: groups OR-ed, entries of a group AND-ed on the same indicator document).
struct ThreatMappingEntry {
  std::string field;  // the event field
  std::string value;  // the indicator field
};
struct ThreatMatch {
  std::vector<std::string> index;  // threat_index patterns
  std::string query = "*:*";       // threat_query
  std::string language = "kuery";  // threat_language
  nlohmann::json filters = nlohmann::json::array();  // threat_filters
  std::vector<std::vector<ThreatMappingEntry>> mapping;
  std::string indicator_path = "threat.indicator";
};

struct ThreatRef {
  std::string id, name, reference;
};
struct ThreatTechnique {
  ThreatRef technique;
  std::vector<ThreatRef> subtechniques;
};
struct Threat {
  std::string framework;
  ThreatRef tactic;
  std::vector<ThreatTechnique> techniques;
};

struct ElasticRule {
  std::string file;          // the file it came from
  std::size_t file_line = 1; // NDJSON: the line of the rule; TOML: 1
  std::string rule_id, name, description, version;
  std::string type_name;     // as written ("query", "eql", ...)
  RuleType type = RuleType::Unknown;
  std::string language_name; // as written; empty when absent
  QueryLanguage language = QueryLanguage::None;
  std::string query;
  QuerySource query_source;
  std::vector<std::string> index;  // index patterns, e.g. "logs-azure.auditlogs-*"
  std::string data_view_id;
  std::string from = "now-6m";
  std::string to = "now";
  std::string interval = "5m";
  std::int64_t max_signals = 100;
  std::string timestamp_override;
  bool timestamp_override_fallback_disabled = false;
  nlohmann::json filters = nlohmann::json::array();  // Kibana filters (meta + ES query DSL), as written
  std::vector<ExceptionListRef> exceptions_list;
  std::vector<ExceptionItem> exceptions;  // items of the referenced lists found in the same export
  std::optional<Threshold> threshold;
  std::optional<NewTerms> new_terms;
  std::optional<ThreatMatch> threat_match;
  std::optional<AlertSuppression> alert_suppression;
  std::int64_t risk_score = 0;
  std::string severity;
  std::vector<Threat> threat;
  std::vector<std::string> tags;
  nlohmann::json metadata = nlohmann::json::object();  // TOML [metadata]; NDJSON: empty
  nlohmann::json raw = nlohmann::json::object();       // the whole rule object (TOML [rule]) as JSON
  std::vector<Error> warnings;  // legal but suspicious (e.g. unknown exception list reference)
};

// Loads every rule of a detection-rules TOML file (one rule) or a Kibana export NDJSON file
// (rules, exception lists and items; the export summary line is checked and skipped).
// Exception items are attached to the rules whose exceptions_list names their list_id.
Result<std::vector<ElasticRule>> load_elastic_file(const std::string& path);
// Same from text already read (`path` used for messages and to choose the format: .toml/.ndjson/.json).
Result<std::vector<ElasticRule>> load_elastic_text(const std::string& path, std::string_view text);

// An error positioned at byte `query_byte` of the rule's query (file:line:col in the rule file).
Error query_error(const ElasticRule& rule, std::string_view file_text, std::size_t query_byte, std::string message);

// ---- Elastic date math and durations ---------------------------------------------------------
// Durations as Kibana writes rule intervals and look-backs: "5m", "1h", "30s", "2d" (also "ms",
// "w", and no unit = seconds is NOT accepted). Months/years are not fixed durations: rejected.
std::optional<TimeSpan> parse_elastic_duration(std::string_view text);
// Elasticsearch date math: an anchor ("now", or a date followed by "||"), then operations
// +N<unit>, -N<unit>, /<unit> (units y M w d h H m s). Rounding goes down, or up to the last
// millisecond of the unit when round_up (as range queries do for lte/gt). UTC.
std::optional<DateTime> eval_date_math(std::string_view expr, DateTime now, bool round_up = false);

}  // namespace rulelab::elastic
