// Sentinel rule loading: YAML (Azure-Sentinel repository format), ARM template JSON, .kql.
#include <doctest/doctest.h>

#include "kusto/parser.hpp"
#include "kusto/sentinel_rule.hpp"

using namespace rulelab;
using namespace rulelab::kusto;

namespace {
std::string data(const std::string& f) { return std::string(RULELAB_SOURCE_DIR) + "/tests/data/kusto/" + f; }
std::string seed(const std::string& f) { return std::string(RULELAB_SOURCE_DIR) + "/rules/sentinel/" + f; }
SentinelRule load_one(const std::string& path) {
  auto r = load_sentinel_file(path);
  if (!r) FAIL_CHECK(r.error().format());
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  return std::move(r->front());
}
}  // namespace

TEST_CASE("durations and trigger operators") {
  CHECK(parse_sentinel_duration("5m")->ticks == 300 * kTicksPerSecond);
  CHECK(parse_sentinel_duration("14d")->ticks == 14 * kTicksPerDay);
  CHECK(parse_sentinel_duration("PT1H")->ticks == 3600 * kTicksPerSecond);
  CHECK(parse_sentinel_duration("P1DT2H")->ticks == kTicksPerDay + 7200 * kTicksPerSecond);
  CHECK_FALSE(parse_sentinel_duration("7d // comment"));
  CHECK_FALSE(parse_sentinel_duration("1 hour"));
  CHECK_FALSE(parse_sentinel_duration("PT"));
  CHECK(parse_trigger_operator("gt") == TriggerOperator::GreaterThan);
  CHECK(parse_trigger_operator("NotEqual") == TriggerOperator::NotEqual);
  CHECK(parse_trigger_operator("eq") == TriggerOperator::Equal);
  CHECK(parse_trigger_operator("lt") == TriggerOperator::LessThan);
  CHECK_FALSE(parse_trigger_operator("bigger"));
}

TEST_CASE("the seed rule v1.1.0 loads with all its fields and its query parses") {
  SentinelRule r = load_one(seed("AccountCreatedandDeletedinShortTimeframe.v1.1.0.yaml"));
  CHECK(r.id == "bb616d82-108f-47d3-9dec-9652ea0d3bf6");
  CHECK(r.name == "Account Created and Deleted in Short Timeframe");
  CHECK(r.severity == "High");
  CHECK(r.kind == RuleKind::Scheduled);
  CHECK(r.query_frequency->ticks == 3600 * kTicksPerSecond);
  CHECK(r.query_period->ticks == kTicksPerDay);
  CHECK(r.trigger_operator == TriggerOperator::GreaterThan);
  CHECK(r.trigger_threshold == 0);
  CHECK(r.tactics == std::vector<std::string>{"InitialAccess"});
  CHECK(r.relevant_techniques == std::vector<std::string>{"T1078.004"});
  CHECK(r.required_data_connectors.at(0).connector_id == "AzureActiveDirectory");
  CHECK(r.entity_mappings.size() >= 3);
  CHECK(r.entity_mappings.at(0).entity_type == "Account");
  CHECK(r.warnings.empty());
  CHECK(r.query.rfind("let queryfrequency = 1h;", 0) == 0);
  ParseOptions o;
  o.location = r.location;
  auto q = parse_query(r.query, o);
  REQUIRE(q.ok());
  // The query's first byte sits on the line after `query: |`, after two spaces of indentation.
  CHECK(r.location.file_text->substr(r.location.file_offset(0), 24) == "let queryfrequency = 1h;");
}

TEST_CASE("`queryPeriod: 7d // Increased ...` is a string: warning, effective 7d") {
  SentinelRule r = load_one(seed("AccountCreatedandDeletedinShortTimeframe.upstream-fix.yaml"));
  REQUIRE(r.warnings.size() == 1);
  const Error& w = r.warnings[0];
  CHECK(w.line == 12);
  CHECK(w.column == 14);
  CHECK(w.message.find("queryPeriod is the string \"7d // Increased") == 0);
  CHECK(w.message.find("Sentinel rejects this rule; rulelab uses 7d") != std::string::npos);
  CHECK(r.query_period->ticks == 7 * kTicksPerDay);
  CHECK(r.query_period_text.rfind("7d // Increased", 0) == 0);
}

TEST_CASE("a compound duration (`queryPeriod: 1h10m`, as an official Microsoft rule writes it) adds its parts") {
  SentinelRule r = load_one(data("compound_period.yaml"));
  CHECK(r.warnings.empty());
  REQUIRE(r.query_period);
  CHECK(r.query_period->ticks == 70 * 60 * kTicksPerSecond);
}

TEST_CASE("a query error is reported at its line and column in the YAML file") {
  SentinelRule r = load_one(data("bad_query.yaml"));
  ParseOptions o;
  o.location = r.location;
  auto q = parse_query(r.query, o);
  REQUIRE_FALSE(q.ok());
  CHECK(q.error().line == 13);
  CHECK(q.error().column == 5);
  CHECK(q.error().file == data("bad_query.yaml"));
  CHECK(q.error().source_line == "  | summarise count() by UserPrincipalName");
  CHECK(q.error().message == "unknown tabular operator 'summarise' after '|' (did you mean 'summarize'?)");
}

TEST_CASE("what Sentinel rejects is an error") {
  auto e1 = load_sentinel_file(data("period_too_long.yaml"));
  REQUIRE_FALSE(e1.ok());
  CHECK(e1.error().message.find("outside Sentinel's range 5m..14d") != std::string::npos);
  CHECK(e1.error().line == 6);
  auto e2 = load_sentinel_file(data("period_shorter.yaml"));
  REQUIRE_FALSE(e2.ok());
  CHECK(e2.error().message.find("shorter than queryFrequency") != std::string::npos);
  auto e3 = load_sentinel_file(data("bad_duration.yaml"));
  REQUIRE_FALSE(e3.ok());
  CHECK(e3.error().message.find("is not a duration") != std::string::npos);
  CHECK(e3.error().line == 5);
  auto e4 = load_sentinel_file(data("bad_trigger.yaml"));
  REQUIRE_FALSE(e4.ok());
  CHECK(e4.error().message.find("triggerOperator must be") == 0);
  auto e5 = load_sentinel_file(data("moved_stub.yaml"));
  REQUIRE_FALSE(e5.ok());
  CHECK(e5.error().message.rfind("not an analytic rule", 0) == 0);
  auto e6 = load_sentinel_text("broken.yaml", "query: |\n  T\nname: [unclosed\n");
  REQUIRE_FALSE(e6.ok());
  CHECK(e6.error().message.rfind("invalid YAML", 0) == 0);
  CHECK(e6.error().line >= 3);
}

TEST_CASE("NRT rules have no schedule; ARM trigger words are accepted in YAML") {
  SentinelRule nrt = load_one(data("nrt_ok.yaml"));
  CHECK(nrt.kind == RuleKind::NRT);
  CHECK_FALSE(nrt.query_frequency);
  SentinelRule t = load_one(data("trigger_arm_words.yaml"));
  CHECK(t.trigger_operator == TriggerOperator::GreaterThan);
}

TEST_CASE("ARM template exported from the portal: every alertRules resource, ISO 8601 durations") {
  auto r = load_sentinel_file(data("arm_export.json"));
  REQUIRE(r.ok());
  REQUIRE(r->size() == 2);
  const SentinelRule& s = (*r)[0];
  CHECK(s.format == RuleFormat::ArmJson);
  CHECK(s.name == "Exported scheduled rule");
  CHECK(s.query_frequency->ticks == 3600 * kTicksPerSecond);
  CHECK(s.query_period->ticks == kTicksPerDay);
  CHECK(s.trigger_operator == TriggerOperator::GreaterThan);
  CHECK(s.relevant_techniques == std::vector<std::string>{"T1110"});
  CHECK(s.event_grouping_settings->aggregation_kind == "AlertPerResult");
  CHECK(s.alert_details_override->alert_display_name_format == "Failures for {{UserPrincipalName}}");
  CHECK(s.alert_details_override->alert_dynamic_properties.at(0).first == "ProductName");
  CHECK(s.custom_details.at(0) == std::make_pair(std::string("Failures"), std::string("Failures")));
  CHECK(s.incident_configuration->grouping.lookback_duration->ticks == 5 * 3600 * kTicksPerSecond);
  CHECK(s.entity_mappings.at(0).field_mappings.at(0).column_name == "UserPrincipalName");
  CHECK(s.query.find("| where ResultType != \"0\"\n") != std::string::npos);
  ParseOptions o;
  o.location = s.location;
  CHECK(parse_query(s.query, o).ok());

  const SentinelRule& n = (*r)[1];
  CHECK(n.kind == RuleKind::NRT);
  CHECK_FALSE(n.enabled);
  o.location = n.location;
  auto q = parse_query(n.query, o);
  REQUIRE_FALSE(q.ok());
  // The typo sits inside the JSON string: the position is the one in the file.
  CHECK(q.error().line == 59);
  CHECK(q.error().source_line.find("\\n| wher OperationName") != std::string::npos);
  CHECK(q.error().source_line.substr(q.error().column - 1, 4) == "wher");
}

TEST_CASE("a bare .kql file is a rule whose query is the file") {
  SentinelRule r = load_one(data("failed_logons.kql"));
  CHECK(r.format == RuleFormat::Kql);
  CHECK(r.name == "failed_logons");
  CHECK_FALSE(r.query_frequency);
  CHECK(parse_query(r.query).ok());
}

TEST_CASE("duplicate keys and scalars where lists belong are warnings") {
  SentinelRule r = load_one(data("duplicate_key.yaml"));
  REQUIRE(r.warnings.size() == 2);
  CHECK(r.warnings[0].message == "duplicate key 'queryPeriod' (first at line 6); YAML readers disagree on which value wins; rulelab uses the first");
  CHECK(r.warnings[0].line == 7);
  CHECK(r.query_period->ticks == 3600 * kTicksPerSecond);
  CHECK(r.warnings[1].message == "tactics should be a list; this value is ignored");
  CHECK(r.tactics.empty());
}

TEST_CASE("ARM JSON with a number out of double range is invalid JSON, not a crash (found by fuzzing)") {
  const std::string text = R"({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "resources": [{"type": "Microsoft.OperationalInsights/workspaces/providers/alertRules", "kind": "Scheduled",
  "properties": {"displayName": "x", "query": "T | take 1", "queryFrequency": "PT1H", "queryPeriod": "PT1H", "triggerThreshold": 1e4003}}]})";
  auto r = kusto::load_sentinel_text("rule.json", text);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().format().find("rule.json") != std::string::npos);
}
