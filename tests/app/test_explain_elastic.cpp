// Explain for Elastic rules, called as a library (app/explain_elastic.hpp, app/explain_eql.hpp):
// the verdict, the window, and each clause of the query judged on one document.
// Fixture: tests/data/app/kuery_rule.toml over kuery_events.ndjson (line 1: a shell by alice, an
// alert; 2: notepad; 3: a shell by admin; 4: a shell before the window).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "app/explain_eql.hpp"
#include "app/explain_elastic.hpp"
#include "app/rule.hpp"
#include "core/datetime.hpp"

using namespace rulelab;
using namespace rulelab::app;

namespace {

const std::string kDir = std::string(RULELAB_SOURCE_DIR) + "/tests/data/";
const std::string kIndex = "logs-test.process-default";

LoadedRule load(const std::string& file) {
  auto rules = load_rules(kDir + file);
  REQUIRE(rules.ok());
  REQUIRE(rules->size() == 1);
  return rules->front();
}

DataOptions data(const std::string& spec) {
  DataOptions d;
  d.data = data_specs({spec}, true);
  return d;
}

KueryExplanation explain(const std::string& event) {
  static const LoadedRule rule = load("app/kuery_rule.toml");
  return explain_kuery(rule, data(kIndex + "=" + kDir + "app/kuery_events.ndjson"), event, *parse_datetime("2026-09-03T15:00:00Z"));
}

std::vector<bool> judgments(const KueryExplanation& x) {
  std::vector<bool> out;
  for (const auto& c : x.clauses) out.push_back(c.matches);
  return out;
}

}  // namespace

TEST_CASE("explain_kuery: a matching document is an alert, with every clause judged") {
  const KueryExplanation x = explain("1");
  REQUIRE(x.status == ExplainStatus::Explained);
  CHECK(x.messages.empty());
  CHECK(x.rule_name == "Shell started");
  CHECK(x.event.line == 1);
  CHECK(x.event.table == kIndex);
  CHECK(x.index_selected);
  REQUIRE(x.window);
  CHECK(format_datetime(x.window->from) == "2026-09-03T14:50:00Z");
  CHECK(x.window->field == "@timestamp");
  CHECK(x.in_window);
  REQUIRE(x.runs_that_see_it);
  CHECK(format_datetime(x.runs_that_see_it->first) == "2026-09-03T14:55:00Z");
  CHECK(format_datetime(x.runs_that_see_it->second) == "2026-09-03T15:05:00Z");
  CHECK(x.joined_by == "and");
  REQUIRE(x.clauses.size() == 3);
  CHECK(judgments(x) == std::vector<bool>{true, true, true});
  CHECK(x.clauses[1].text == "process.name:(\"cmd.exe\" or \"powershell.exe\")");
  REQUIRE(x.clauses[1].fields.size() == 1);
  CHECK(x.clauses[1].fields[0].field == "process.name");
  CHECK(x.clauses[1].fields[0].type == "keyword");
  CHECK(x.clauses[1].fields[0].values == std::vector<std::string>{"cmd.exe"});
  CHECK(x.clauses[2].text.rfind("not user.name:admin", 0) == 0);  // (the parser's `not` range may end after the newline)
  CHECK(x.query_matches);
  CHECK(x.led_to_alert);
  CHECK(x.verdict == "the query matches: an alert");
}

TEST_CASE("explain_kuery: the clause that fails is named") {
  KueryExplanation x = explain("2");
  REQUIRE(x.status == ExplainStatus::Explained);
  CHECK(judgments(x) == std::vector<bool>{true, false, true});
  CHECK(x.clauses[1].fields[0].values == std::vector<std::string>{"notepad.exe"});
  CHECK_FALSE(x.query_matches);
  CHECK_FALSE(x.led_to_alert);
  CHECK(x.verdict == "the query does not match the document");

  x = explain("user.name=admin");  // a selector by field value
  REQUIRE(x.status == ExplainStatus::Explained);
  CHECK(x.event.line == 3);
  CHECK(judgments(x) == std::vector<bool>{true, true, false});
  CHECK(x.verdict == "the query does not match the document");
}

TEST_CASE("explain_kuery: outside the window") {
  const KueryExplanation x = explain("4");
  REQUIRE(x.status == ExplainStatus::Explained);
  CHECK(judgments(x) == std::vector<bool>{true, true, true});
  REQUIRE(x.event_time);
  CHECK(format_datetime(*x.event_time) == "2026-09-03T14:40:00Z");
  CHECK_FALSE(x.in_window);
  CHECK_FALSE(x.led_to_alert);
  CHECK(x.verdict == "outside the rule's look-back window");
}

TEST_CASE("explain_kuery: an index the rule does not read, and a selector that names nothing") {
  static const LoadedRule rule = load("app/kuery_rule.toml");
  const DateTime now = *parse_datetime("2026-09-03T15:00:00Z");
  KueryExplanation x = explain_kuery(rule, data("other-index=" + kDir + "app/kuery_events.ndjson"), "1", now);
  REQUIRE(x.status == ExplainStatus::Explained);
  CHECK_FALSE(x.index_selected);
  CHECK_FALSE(x.led_to_alert);
  CHECK(x.verdict == "the rule does not read this index");

  x = explain("9");
  CHECK(x.status == ExplainStatus::Refused);
  REQUIRE(x.messages.size() == 1);
  CHECK(x.messages[0].find("no record on line 9") != std::string::npos);
}

TEST_CASE("explain_kuery and explain_eql refuse each other's rules") {
  const DateTime now = *parse_datetime("2024-05-01T10:30:00Z");
  const LoadedRule eql_rule = load("eql/explain/event_rule.toml");
  const KueryExplanation k = explain_kuery(eql_rule, data(kIndex + "=" + kDir + "app/kuery_events.ndjson"), "1", now);
  CHECK(k.status == ExplainStatus::Refused);
  const EqlExplanation e = explain_eql(load("app/kuery_rule.toml"), data(kIndex + "=" + kDir + "app/kuery_events.ndjson"), "1", now);
  CHECK(e.status == ExplainStatus::Refused);
}

TEST_CASE("explain_eql: an event query judged part by part, and the max_signals cap") {
  const LoadedRule rule = load("eql/explain/event_rule.toml");
  const DataOptions d = data("logs-endpoint.events.process-default=" + kDir + "eql/explain/event_events.ndjson");
  const DateTime now = *parse_datetime("2024-05-01T10:30:00Z");
  EqlExplanation x = explain_eql(rule, d, "1", now);
  REQUIRE(x.status == ExplainStatus::Explained);
  CHECK(x.led_to_alert);
  CHECK(x.in_window);
  CHECK(x.window_field == "@timestamp");
  CHECK(x.verdict == "the query matches: an alert");
  CHECK(x.document["query"]["kind"] == "event");
  std::vector<bool> parts;
  for (const auto& p : x.document["query"]["filter"]["parts"]) parts.push_back(p["matches"].get<bool>());
  CHECK(parts == std::vector<bool>{true, true, true});

  x = explain_eql(rule, d, "2", now);
  REQUIRE(x.status == ExplainStatus::Explained);
  CHECK_FALSE(x.led_to_alert);
  CHECK(x.verdict.find("already reached max_signals (1)") != std::string::npos);
}
