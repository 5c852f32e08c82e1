// Kibana's alert suppression (app/alert_suppression.hpp), against Elastic's "Suppress detection
// alerts" page (https://www.elastic.co/docs/solutions/security/detect-and-alert/suppress-detection-alerts)
// and the rule executors it describes (security_solution detection_engine: query rules'
// group_and_bulk_create.ts, the other types' bulk_create_suppressed_alerts_in_memory.ts):
// - alerts of events with the same group_by values become one alert counting the others
//   (docs_count), the group's earliest event being the alert;
// - custom query rules group with a composite aggregation: an array value is one group per value;
//   missing fields form their own group (suppress) or alert alone (doNotSuppress); max_signals
//   counts groups;
// - with a duration, an alert absorbs later executions' matching events while it is younger than
//   the duration; per rule execution, each execution groups its own;
// - other rule types keep an array as one value, sorted, and a candidate no later than the
//   existing alert's end was counted already.
#include <doctest/doctest.h>

#include "app/alert_suppression.hpp"
#include "core/datetime.hpp"

using namespace rulelab;
using namespace rulelab::app;
using nlohmann::ordered_json;

namespace {
DateTime at(const char* iso) { return *parse_datetime(iso); }

Alert event(const std::string& source, const char* time, ordered_json doc) {
  Alert a;
  a.sources = {source};
  a.body["time"] = time;
  a.body["source"] = std::move(doc);
  return a;
}

RunResult run_at(const char* now, const char* from, std::vector<Alert> alerts) {
  RunResult r;
  r.now = at(now);
  r.window = elastic_window(at(from), at(now), "@timestamp");
  r.alerts = std::move(alerts);
  r.alert = !r.alerts.empty();
  return r;
}

elastic::AlertSuppression by(std::vector<std::string> fields, std::optional<std::int64_t> minutes = std::nullopt, bool suppress = true) {
  elastic::AlertSuppression s;
  s.group_by = std::move(fields);
  if (minutes) {
    s.duration = TimeSpan{*minutes * 60 * kTicksPerSecond};
    s.duration_text = std::to_string(*minutes) + "m";
  }
  s.suppress_missing = suppress;
  return s;
}
}  // namespace

TEST_CASE("custom query, per execution: one alert per group, the earliest event, the others counted") {
  AlertSuppressor s(by({"host.name"}), SuppressionMode::Composite, 100);
  RunResult r = run_at("2026-09-03T10:10:00Z", "2026-09-03T10:00:00Z",
                       {event("f:1", "2026-09-03T10:05:00Z", {{"host", {{"name", "b"}}}}),
                        event("f:2", "2026-09-03T10:01:00Z", {{"host", {{"name", "a"}}}}),
                        event("f:3", "2026-09-03T10:03:00Z", {{"host.name", "a"}}),  // a dotted key is the same field
                        event("f:4", "2026-09-03T10:02:00Z", {{"host", {{"name", "a"}}}})});
  s.apply(r);
  REQUIRE(r.alerts.size() == 2);
  // composite buckets in key order: a, then b
  CHECK(r.alerts[0].sources == std::vector<std::string>{"f:2"});
  const auto& sup = r.alerts[0].body["suppression"];
  CHECK(sup["docs_count"] == 2);
  CHECK(sup["start"] == "2026-09-03T10:01:00Z");
  CHECK(sup["end"] == "2026-09-03T10:03:00Z");
  CHECK(sup["terms"][0]["field"] == "host.name");
  CHECK(sup["terms"][0]["value"] == "a");
  CHECK(r.alerts[1].sources == std::vector<std::string>{"f:1"});
  CHECK(r.alerts[1].body["suppression"]["docs_count"] == 0);
}

TEST_CASE("custom query: an array is one group per value; a missing field groups as null or alerts alone") {
  {
    AlertSuppressor s(by({"user.name"}), SuppressionMode::Composite, 100);
    RunResult r = run_at("2026-09-03T10:10:00Z", "2026-09-03T10:00:00Z",
                         {event("f:1", "2026-09-03T10:01:00Z", {{"user", {{"name", {"x", "y"}}}}}),
                          event("f:2", "2026-09-03T10:02:00Z", {{"user", {{"name", "y"}}}}),
                          event("f:3", "2026-09-03T10:03:00Z", {{"other", 1}}),
                          event("f:4", "2026-09-03T10:04:00Z", {{"user", nullptr}})});
    s.apply(r);
    REQUIRE(r.alerts.size() == 3);  // x, y, and the missing bucket (last)
    CHECK(r.alerts[0].body["suppression"]["terms"][0]["value"] == "x");
    CHECK(r.alerts[1].body["suppression"]["terms"][0]["value"] == "y");
    CHECK(r.alerts[1].sources == std::vector<std::string>{"f:1"});
    CHECK(r.alerts[1].body["suppression"]["docs_count"] == 1);
    CHECK(r.alerts[2].body["suppression"]["terms"][0]["value"].is_null());
    CHECK(r.alerts[2].body["suppression"]["docs_count"] == 1);
  }
  {
    AlertSuppressor s(by({"user.name"}, std::nullopt, false), SuppressionMode::Composite, 100);
    RunResult r = run_at("2026-09-03T10:10:00Z", "2026-09-03T10:00:00Z",
                         {event("f:1", "2026-09-03T10:01:00Z", {{"user", {{"name", "x"}}}}),
                          event("f:2", "2026-09-03T10:02:00Z", {{"other", 1}}),
                          event("f:3", "2026-09-03T10:03:00Z", {{"other", 2}})});
    s.apply(r);
    REQUIRE(r.alerts.size() == 3);  // doNotSuppress: one alert per event missing the field
    CHECK_FALSE(r.alerts[1].body.contains("suppression"));
    CHECK(r.alerts[2].sources == std::vector<std::string>{"f:3"});
  }
}

TEST_CASE("custom query: max_signals counts groups") {
  AlertSuppressor s(by({"host.name"}), SuppressionMode::Composite, 2);
  std::vector<Alert> alerts;
  const char* hosts[] = {"a", "a", "a", "b", "c"};
  for (int i = 0; i < 5; ++i) alerts.push_back(event("f:" + std::to_string(i + 1), "2026-09-03T10:01:00Z", {{"host", {{"name", hosts[i]}}}}));
  RunResult r = run_at("2026-09-03T10:10:00Z", "2026-09-03T10:00:00Z", alerts);
  s.apply(r);
  CHECK(r.alerts.size() == 2);
  CHECK(r.capped);
}

TEST_CASE("custom query with a duration: a later execution's events go to the open alert; after the duration, a new alert") {
  AlertSuppressor s(by({"host.name"}, 30), SuppressionMode::Composite, 100);
  auto ev = [](const char* src, const char* t) { return event(src, t, {{"host", {{"name", "a"}}}}); };
  RunResult r1 = run_at("2026-09-03T10:10:00Z", "2026-09-03T09:50:00Z", {ev("f:1", "2026-09-03T10:01:00Z")});
  s.apply(r1);
  CHECK(r1.alerts.size() == 1);
  // the look-back overlaps: f:1 is counted already, f:2 joins the alert of 10:10
  RunResult r2 = run_at("2026-09-03T10:20:00Z", "2026-09-03T10:00:00Z", {ev("f:1", "2026-09-03T10:01:00Z"), ev("f:2", "2026-09-03T10:15:00Z")});
  s.apply(r2);
  CHECK(r2.alerts.empty());
  CHECK(r2.detail["alert_suppression"]["added_to_earlier_alerts"] == 1);
  CHECK(r2.detail["alert_suppression"]["absorbed_by_earlier_alerts"][0]["docs_count"] == 1);
  // 10:45: the alert of 10:10 is older than 30 minutes: a new alert
  RunResult r3 = run_at("2026-09-03T10:45:00Z", "2026-09-03T10:25:00Z", {ev("f:3", "2026-09-03T10:40:00Z")});
  s.apply(r3);
  REQUIRE(r3.alerts.size() == 1);
  CHECK(r3.alerts[0].sources == std::vector<std::string>{"f:3"});
}

TEST_CASE("custom query per execution: an overlapping look-back does not count a group's events twice") {
  AlertSuppressor s(by({"host.name"}), SuppressionMode::Composite, 100);
  auto ev = [](const char* src, const char* t) { return event(src, t, {{"host", {{"name", "a"}}}}); };
  RunResult r1 = run_at("2026-09-03T10:10:00Z", "2026-09-03T09:50:00Z", {ev("f:1", "2026-09-03T10:01:00Z"), ev("f:2", "2026-09-03T10:05:00Z")});
  s.apply(r1);
  REQUIRE(r1.alerts.size() == 1);
  RunResult r2 = run_at("2026-09-03T10:20:00Z", "2026-09-03T10:00:00Z",
                        {ev("f:1", "2026-09-03T10:01:00Z"), ev("f:2", "2026-09-03T10:05:00Z"), ev("f:3", "2026-09-03T10:15:00Z")});
  s.apply(r2);
  REQUIRE(r2.alerts.size() == 1);  // a new alert (per execution) for the new event only
  CHECK(r2.alerts[0].sources == std::vector<std::string>{"f:3"});
  CHECK(r2.alerts[0].body["suppression"]["docs_count"] == 0);
}

TEST_CASE("other rule types: an array is one value (sorted); ES|QL rows and EQL sequences give the terms") {
  AlertSuppressor s(by({"user.name"}), SuppressionMode::InMemory, 100);
  RunResult r = run_at("2026-09-03T10:10:00Z", "2026-09-03T10:00:00Z",
                       {event("f:1", "2026-09-03T10:01:00Z", {{"user", {{"name", {"y", "x"}}}}}),
                        event("f:2", "2026-09-03T10:02:00Z", {{"user", {{"name", {"x", "y"}}}}}),
                        event("f:3", "2026-09-03T10:03:00Z", {{"user", {{"name", "x"}}}})});
  s.apply(r);
  REQUIRE(r.alerts.size() == 2);
  CHECK(r.alerts[0].body["suppression"]["terms"][0]["value"] == ordered_json({"x", "y"}));
  CHECK(r.alerts[0].body["suppression"]["docs_count"] == 1);

  AlertSuppressor q(by({"host.name", "Esql.count"}), SuppressionMode::InMemory, 100);
  Alert row1, row2;
  row1.sources = {"f:1"};
  row1.body["row"] = {{"host.name", "h"}, {"Esql.count", 3}};
  row2.sources = {"f:2"};
  row2.body["row"] = {{"host.name", "h"}, {"Esql.count", 3}};
  RunResult e = run_at("2026-09-03T10:10:00Z", "2026-09-03T10:00:00Z", {row1, row2});
  q.apply(e);
  REQUIRE(e.alerts.size() == 1);
  CHECK(e.alerts[0].body["suppression"]["docs_count"] == 1);
  CHECK(e.notes.size() == 1);  // the summary only: both fields are columns

  // a group_by field the ES|QL result does not hold: read as missing where the rows have no
  // source document (an aggregating query), as Kibana reads it, and said
  AlertSuppressor dropped(by({"process.name"}), SuppressionMode::InMemory, 100);
  RunResult d = run_at("2026-09-03T10:10:00Z", "2026-09-03T10:00:00Z", {row1});
  dropped.apply(d);
  REQUIRE_FALSE(d.notes.empty());
  CHECK(d.notes.front().find("group_by field process.name is no column of the ES|QL result: read as missing") != std::string::npos);
  CHECK(d.alerts[0].body["suppression"]["terms"][0]["value"].is_null());

  // ... and from the alert's source document where it has one (Kibana's fetchSourceDocuments and
  // mergeEsqlResultInSource: the row's columns replace the document's fields of their names, a
  // null column included)
  AlertSuppressor merged(by({"process.name", "host.name"}), SuppressionMode::InMemory, 100);
  Alert s1 = row1, s2 = row2, s3 = row2;
  s1.body["source"] = {{"process", {{"name", "cmd.exe"}}}, {"host", {{"name", "from-source"}}}};
  s2.body["source"] = {{"process", {{"name", "cmd.exe"}}}, {"host", {{"name", "other"}}}};
  s3.sources = {"f:3"};
  s3.body["row"]["host.name"] = nullptr;
  s3.body["source"] = {{"process", {{"name", "cmd.exe"}}}, {"host", {{"name", "h"}}}};
  RunResult m = run_at("2026-09-03T10:10:00Z", "2026-09-03T10:00:00Z", {s1, s2, s3});
  merged.apply(m);
  REQUIRE(m.alerts.size() == 2);
  CHECK(m.alerts[0].body["suppression"]["terms"][0]["value"] == "cmd.exe");
  CHECK(m.alerts[0].body["suppression"]["terms"][1]["value"] == "h");  // the row's, not the source's
  CHECK(m.alerts[0].body["suppression"]["docs_count"] == 1);
  CHECK(m.alerts[1].body["suppression"]["terms"][1]["value"].is_null());  // a null column hides the document's value
  CHECK(m.notes.front().find("group_by field process.name is no column of the ES|QL result: read from each alert's source document") != std::string::npos);

  // a sequence's fields are those all its events share
  AlertSuppressor sq(by({"host.name", "process.name"}), SuppressionMode::InMemory, 100);
  Alert seq;
  seq.sources = {"f:1", "f:2"};
  seq.body["events"] = ordered_json::array({{{"source", {{"host", {{"name", "h"}}}, {"process", {{"name", "a"}}}}}},
                                            {{"source", {{"host", {{"name", "h"}}}, {"process", {{"name", "b"}}}}}}});
  RunResult sr = run_at("2026-09-03T10:10:00Z", "2026-09-03T10:00:00Z", {seq});
  sq.apply(sr);
  REQUIRE(sr.alerts.size() == 1);
  CHECK(sr.alerts[0].body["suppression"]["terms"][0]["value"] == "h");
  CHECK(sr.alerts[0].body["suppression"]["terms"][1]["value"].is_null());
}

TEST_CASE("other rule types with a duration: a candidate after the open alert's end joins it; one no later was counted") {
  AlertSuppressor s(by({"host.name"}, 60), SuppressionMode::InMemory, 100);
  auto ev = [](const char* src, const char* t) { return event(src, t, {{"host", {{"name", "a"}}}}); };
  RunResult r1 = run_at("2026-09-03T10:10:00Z", "2026-09-03T09:50:00Z", {ev("f:1", "2026-09-03T10:01:00Z"), ev("f:2", "2026-09-03T10:05:00Z")});
  s.apply(r1);
  REQUIRE(r1.alerts.size() == 1);
  CHECK(r1.alerts[0].body["suppression"]["docs_count"] == 1);
  RunResult r2 = run_at("2026-09-03T10:20:00Z", "2026-09-03T10:00:00Z",
                        {ev("f:1", "2026-09-03T10:01:00Z"), ev("f:2", "2026-09-03T10:05:00Z"), ev("f:3", "2026-09-03T10:15:00Z")});
  s.apply(r2);
  CHECK(r2.alerts.empty());
  CHECK(r2.detail["alert_suppression"]["added_to_earlier_alerts"] == 1);
  CHECK(r2.detail["alert_suppression"]["absorbed_by_earlier_alerts"][0]["docs_count"] == 2);
}

TEST_CASE("custom query: buckets in composite key order (numbers by value); an array event leads the alerts of two groups") {
  AlertSuppressor s(by({"n"}), SuppressionMode::Composite, 100);
  RunResult r = run_at("2026-09-03T10:10:00Z", "2026-09-03T10:00:00Z",
                       {event("f:1", "2026-09-03T10:01:00Z", {{"n", 10}}), event("f:2", "2026-09-03T10:02:00Z", {{"n", 9}}),
                        event("f:3", "2026-09-03T10:03:00Z", {{"n", {9, 10}}})});
  s.apply(r);
  REQUIRE(r.alerts.size() == 2);
  CHECK(r.alerts[0].body["suppression"]["terms"][0]["value"] == 9);
  CHECK(r.alerts[1].body["suppression"]["terms"][0]["value"] == 10);
  CHECK(r.alerts[0].body["suppression"]["docs_count"] == 1);
  CHECK(r.alerts[1].body["suppression"]["docs_count"] == 1);
}

TEST_CASE("custom query, doNotSuppress: events missing a field alert in the room the groups leave under max_signals") {
  AlertSuppressor s(by({"host.name"}, std::nullopt, false), SuppressionMode::Composite, 2);
  RunResult r = run_at("2026-09-03T10:10:00Z", "2026-09-03T10:00:00Z",
                       {event("f:1", "2026-09-03T10:01:00Z", {{"host", {{"name", "a"}}}}), event("f:2", "2026-09-03T10:02:00Z", {{"x", 1}}),
                        event("f:3", "2026-09-03T10:03:00Z", {{"x", 2}})});
  s.apply(r);
  REQUIRE(r.alerts.size() == 2);  // the group, then one of the two events without host.name
  CHECK(r.alerts[1].sources == std::vector<std::string>{"f:2"});
  CHECK(r.capped);
}

TEST_CASE("an EQL sequence's time is its last event's: a later run's overlapping look-back does not count it again") {
  AlertSuppressor s(by({"host.name"}, 60), SuppressionMode::InMemory, 100);
  auto seq = [](const char* a, const char* b) {
    Alert x;
    x.sources = {a, b};
    x.body["events"] = ordered_json::array({{{"time", "2026-09-03T10:01:00Z"}, {"source", {{"host", {{"name", "h"}}}}}},
                                            {{"time", "2026-09-03T10:04:00Z"}, {"source", {{"host", {{"name", "h"}}}}}}});
    return x;
  };
  RunResult r1 = run_at("2026-09-03T10:10:00Z", "2026-09-03T09:50:00Z", {seq("f:1", "f:2")});
  s.apply(r1);
  REQUIRE(r1.alerts.size() == 1);
  CHECK(r1.alerts[0].body["suppression"]["start"] == "2026-09-03T10:04:00Z");
  RunResult r2 = run_at("2026-09-03T10:20:00Z", "2026-09-03T10:00:00Z", {seq("f:1", "f:2")});
  s.apply(r2);
  CHECK(r2.alerts.empty());
  CHECK(r2.detail["alert_suppression"]["added_to_earlier_alerts"] == 0);
}

TEST_CASE("threshold rules (a duration only): a bucket's alert absorbs the same bucket values of later runs, one per bucket") {
  // wrap_suppressed_threshold_alerts.ts: the key is the bucket's values (sorted, no field names);
  // the candidate's time is the bucket's last event; each suppressed bucket adds 1.
  AlertSuppressor s(by({"source.ip", "user.name"}, 60), SuppressionMode::Threshold, 100);
  auto bucket = [](const char* src, const char* ip, const char* user, const char* last) {
    Alert a;
    a.sources = {src};
    a.body["time"] = "2026-09-03T10:00:00Z";
    a.body["threshold_result"] = {{"terms", ordered_json::array({{{"field", "source.ip"}, {"value", ip}}, {{"field", "user.name"}, {"value", user}}})},
                                  {"count", 5},
                                  {"last_event", last}};
    return a;
  };
  RunResult r1 = run_at("2026-09-03T10:10:00Z", "2026-09-03T09:50:00Z", {bucket("f:1", "10.0.0.1", "bob", "2026-09-03T10:05:00Z")});
  s.apply(r1);
  REQUIRE(r1.alerts.size() == 1);
  // the same values 10 minutes later (a new last event): suppressed into the first alert
  RunResult r2 = run_at("2026-09-03T10:20:00Z", "2026-09-03T10:00:00Z",
                        {bucket("f:7", "10.0.0.1", "bob", "2026-09-03T10:15:00Z"), bucket("f:8", "10.0.0.2", "bob", "2026-09-03T10:16:00Z")});
  s.apply(r2);
  REQUIRE(r2.alerts.size() == 1);
  CHECK(r2.alerts[0].sources == std::vector<std::string>{"f:8"});
  CHECK(r2.detail["alert_suppression"]["added_to_earlier_alerts"] == 1);
  CHECK(r2.detail["alert_suppression"]["absorbed_by_earlier_alerts"][0]["docs_count"] == 1);
}

TEST_CASE("threshold: the bucket's values, not its first event's document (which may hold an array)") {
  AlertSuppressor s(by({"user.name"}, 60), SuppressionMode::Threshold, 100);
  RunResult r = run_at("2026-09-03T10:10:00Z", "2026-09-03T09:50:00Z", {});
  r.rows = ordered_json::array({{{"user", {{"name", {"a", "b"}}}}}});
  for (const char* v : {"a", "b"}) {
    Alert x;
    x.sources = {"f:1"};
    x.body["row_index"] = 0;  // both buckets' first event is the same document
    x.body["threshold_result"] = {{"terms", ordered_json::array({{{"field", "user.name"}, {"value", v}}})}, {"last_event", "2026-09-03T10:05:00Z"}};
    r.alerts.push_back(x);
  }
  s.apply(r);
  REQUIRE(r.alerts.size() == 2);
  CHECK(r.alerts[0].body["suppression"]["terms"][0]["value"] == "a");
  CHECK(r.alerts[1].body["suppression"]["terms"][0]["value"] == "b");
  CHECK(r.alerts[0].body["source"]["user"]["name"][0] == "a");  // the light alert filled from its row
}
