// The application layer: data naming, windows per family, schedules (run limit, suppression,
// Elastic de-duplication) and Sentinel alert grouping, each against the documentation it follows.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "app/data_spec.hpp"
#include "app/rule.hpp"
#include "app/runner.hpp"
#include "app/schedule.hpp"
#include "app/window.hpp"
#include "core/datetime.hpp"

using namespace rulelab;
using namespace rulelab::app;

namespace {
std::string src(const std::string& rel) { return std::string(RULELAB_SOURCE_DIR) + "/" + rel; }
DateTime at(const char* iso) { return *parse_datetime(iso); }
constexpr std::int64_t kHour = 3600 * kTicksPerSecond;

// A Runner whose runs return scripted alerts (by the run's time), to test the schedule loop alone.
class ScriptedRunner : public Runner {
 public:
  std::map<std::int64_t, std::vector<std::vector<std::string>>> alerts;  // now -> alerts (their sources)
  std::vector<DateTime> ran;
  Result<RunResult> run(DateTime now) override {
    ran.push_back(now);
    RunResult r;
    r.now = now;
    for (const auto& sources : alerts[now.ticks]) r.alerts.push_back({sources, {}});
    r.alert = !r.alerts.empty();
    return r;
  }
};

LoadedRule scheduled(Family f, std::int64_t every, std::optional<TimeSpan> suppression = std::nullopt) {
  LoadedRule r;
  r.family = f;
  r.kind = f == Family::Sentinel ? Kind::SentinelScheduled : Kind::ElasticKuery;
  r.schedule = Schedule{TimeSpan{every}, TimeSpan{every}, suppression};
  return r;
}

std::string temp_file(const std::string& name, const std::string& text) {
  const auto p = std::filesystem::temp_directory_path() / ("rulelab_test_app_" + name);
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}
}  // namespace

TEST_CASE("a file given without a name is named by its base name up to the first dot, compression removed") {
  CHECK(parse_data_spec("/x/AuditLogs.ndjson.gz").name == "AuditLogs");
  CHECK(parse_data_spec("/x/AuditLogs.ndjson.gz").file == "/x/AuditLogs.ndjson.gz");
  CHECK(parse_data_spec("logs/SigninLogs.2026-09.csv").name == "SigninLogs");
  CHECK_FALSE(parse_data_spec("SigninLogs.csv").named);
  const DataSpec named = parse_data_spec("AuditLogs=/x/a=b.ndjson");
  CHECK(named.named);
  CHECK(named.name == "AuditLogs");
  CHECK(named.file == "/x/a=b.ndjson");
  // Elastic index names hold dots: only compression and data suffixes are removed.
  CHECK(parse_data_spec("logs-endpoint.events.process-default.ndjson.gz", true).name == "logs-endpoint.events.process-default");
}

TEST_CASE("Sentinel scheduled window: [now - queryPeriod, now], both ends included") {
  const Window w = sentinel_window(at("2026-09-03T15:00:00Z"), TimeSpan{kHour});
  CHECK(w.contains(at("2026-09-03T14:00:00Z")));
  CHECK(w.contains(at("2026-09-03T15:00:00Z")));
  CHECK_FALSE(w.contains(at("2026-09-03T13:59:59Z")));
  CHECK_FALSE(w.contains(at("2026-09-03T15:00:01Z")));
  CHECK(w.text() == "[2026-09-03T14:00:00Z, 2026-09-03T15:00:00Z]");
}

TEST_CASE("NRT window: the preceding minute (near-real-time-rules)") {
  const Window w = nrt_window(at("2026-09-03T15:00:00Z"));
  CHECK(w.contains(at("2026-09-03T14:59:00Z")));
  CHECK_FALSE(w.contains(at("2026-09-03T14:58:59Z")));
  CHECK_FALSE(w.contains(at("2026-09-03T15:00:30Z")));
}

TEST_CASE("Elastic window: Kibana's range filter gte from, lte to") {
  const Window w = elastic_window(at("2026-09-03T14:54:00Z"), at("2026-09-03T15:00:00Z"), "@timestamp");
  CHECK(w.contains(at("2026-09-03T14:54:00Z")));
  CHECK(w.contains(at("2026-09-03T15:00:00Z")));
  CHECK_FALSE(w.contains(at("2026-09-03T15:00:00.001Z")));
}

TEST_CASE("rules give their windows: Sentinel queryPeriod, NRT a minute, Elastic from/to date math, hunting none") {
  auto v110 = load_rules(src("rules/sentinel/AccountCreatedandDeletedinShortTimeframe.v1.1.0.yaml"));
  REQUIRE(v110);
  const LoadedRule& s = v110->front();
  CHECK(s.kind == Kind::SentinelScheduled);
  REQUIRE(s.schedule);
  CHECK(s.schedule->frequency.ticks == kHour);
  CHECK(s.schedule->period.ticks == 24 * kHour);
  CHECK(s.window_at(at("2026-09-03T15:00:00Z"))->from.ticks == at("2026-09-02T15:00:00Z").ticks);

  auto nrt = load_rules(src("tests/data/kusto/grouping/per_result_nrt.yaml"));
  REQUIRE(nrt);
  CHECK(nrt->front().kind == Kind::SentinelNrt);
  CHECK(nrt->front().window_at(at("2026-09-03T15:00:00Z"))->from.ticks == at("2026-09-03T14:59:00Z").ticks);

  auto hunting = load_rules(src("tests/data/app/hunting_added_users.yaml"));
  REQUIRE(hunting);
  CHECK(hunting->front().kind == Kind::SentinelHunting);
  CHECK_FALSE(hunting->front().schedule);
  CHECK_FALSE(hunting->front().window_at(at("2026-09-03T15:00:00Z")));
  CHECK_FALSE(hunting->front().policy.alerts);

  auto elastic = load_rules(src("rules/elastic/azure_external_guest_user_invitation.toml"));
  REQUIRE(elastic);
  const LoadedRule& e = elastic->front();
  CHECK(e.kind == Kind::ElasticKuery);
  const auto w = e.window_at(at("2026-09-03T15:00:00Z"));
  REQUIRE(w);
  CHECK(w->to.ticks == at("2026-09-03T15:00:00Z").ticks);
  CHECK(w->field == "event.ingested");  // the rule's timestamp_override
  CHECK(e.fallback_time_field == "@timestamp");
  CHECK(w->to.ticks - w->from.ticks == e.schedule->period.ticks);
}

TEST_CASE("run times: every frequency from `from` to `to`; one limit, an error past it") {
  const LoadedRule r = scheduled(Family::Sentinel, kHour);
  auto t = run_times(r, at("2026-09-03T00:00:00Z"), at("2026-09-03T23:30:00Z"));
  REQUIRE(t);
  CHECK(t->size() == 24);
  CHECK(run_times(r, at("2026-09-03T00:00:00Z"), at("2026-09-03T00:00:00Z"))->size() == 1);
  CHECK_FALSE(run_times(r, at("2026-09-03T01:00:00Z"), at("2026-09-03T00:00:00Z")));
  auto many = run_times(r, at("2020-01-01T00:00:00Z"), at("2026-01-01T00:00:00Z"));
  REQUIRE_FALSE(many);
  CHECK(many.error().message.find("at most 10000") != std::string::npos);
  LoadedRule hunting;
  CHECK_FALSE(run_times(hunting, at("2026-09-03T00:00:00Z"), at("2026-09-03T01:00:00Z")));
}

TEST_CASE("Sentinel suppression: no run for suppressionDuration after an alerting run") {
  const LoadedRule r = scheduled(Family::Sentinel, kHour, TimeSpan{2 * kHour});
  ScriptedRunner runner;
  const DateTime t0 = at("2026-09-03T13:00:00Z");
  for (int h = 0; h < 4; ++h) runner.alerts[t0.ticks + h * kHour] = {{"f:" + std::to_string(h)}};
  auto s = run_schedule(r, runner, t0, DateTime{t0.ticks + 3 * kHour});
  REQUIRE(s);
  REQUIRE(s->runs.size() == 4);
  CHECK(s->runs[0].alert);
  CHECK(s->runs[1].suppressed);  // 14:00 is within 2h of 13:00
  CHECK(s->runs[2].alert);       // 15:00: two hours later, runs again
  CHECK(s->runs[3].suppressed);
  CHECK(s->alerting_runs == 2);
  CHECK(runner.ran.size() == 2);
}

TEST_CASE("Sentinel alerts again on the same events in overlapping windows; Elastic does not") {
  const DateTime t0 = at("2026-09-03T13:00:00Z");
  for (Family f : {Family::Sentinel, Family::Elastic}) {
    const LoadedRule r = scheduled(f, kHour);
    ScriptedRunner runner;
    runner.alerts[t0.ticks] = {{"f:1"}};
    runner.alerts[t0.ticks + kHour] = {{"f:1"}, {"f:2"}};
    auto s = run_schedule(r, runner, t0, DateTime{t0.ticks + kHour});
    REQUIRE(s);
    if (f == Family::Sentinel) {
      CHECK(s->runs[1].new_alerts.size() == 2);
      CHECK(s->runs[1].duplicate_alerts == 0);
    } else {
      CHECK(s->runs[1].new_alerts.size() == 1);
      CHECK(s->runs[1].new_alerts[0].sources == std::vector<std::string>{"f:2"});
      CHECK(s->runs[1].duplicate_alerts == 1);
    }
  }
}

TEST_CASE("AlertPerResult: at most 150 alerts per run, the 150th summarizing (NRT: 30)") {
  std::string lines;
  for (int i = 1; i <= 151; ++i) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "{\"TimeGenerated\":\"2026-09-03T14:%02d:%02dZ\",\"OperationName\":\"Add user\",\"Id\":\"u%d\"}\n", i / 60,
                  i % 60, i);
    lines += buf;
  }
  const std::string file = temp_file("151.ndjson", lines);
  DataOptions data;
  data.data = {parse_data_spec("AuditLogs=" + file)};
  auto rules = load_rules(src("tests/data/kusto/grouping/per_result.yaml"));
  REQUIRE(rules);
  auto runner = make_runner(rules->front(), data);
  REQUIRE(runner);
  auto r = (*runner)->run(at("2026-09-03T15:00:00Z"));
  REQUIRE(r);
  CHECK(r->rows.size() == 151);
  REQUIRE(r->alerts.size() == 150);
  CHECK(r->alerts[148].body["rows"] == 1);
  CHECK(r->alerts[149].body["rows"] == 151);
  CHECK(r->alerts[149].body.contains("summary"));
  CHECK(r->alerts[0].sources == std::vector<std::string>{file + ":1"});

  auto nrt = load_rules(src("tests/data/kusto/grouping/per_result_nrt.yaml"));
  REQUIRE(nrt);
  auto nrt_runner = make_runner(nrt->front(), data);
  REQUIRE(nrt_runner);
  auto n = (*nrt_runner)->run(at("2026-09-03T14:01:00Z"));  // its minute [14:00:00, 14:01:00] holds u1..u60
  REQUIRE(n);
  CHECK(n->rows.size() == 60);
  REQUIRE(n->alerts.size() == 30);
  CHECK(n->alerts[29].body["rows"] == 60);
  std::filesystem::remove(file);
}

TEST_CASE("schedule mode reads the data once and gives each run its own window") {
  std::string lines;
  for (int h = 10; h < 16; ++h)
    lines += "{\"TimeGenerated\":\"2026-09-03T" + std::to_string(h) + ":30:00Z\",\"OperationName\":\"Add user\",\"Id\":\"u" +
             std::to_string(h) + "\"}\n";
  const std::string file = temp_file("hourly.ndjson", lines);
  DataOptions data;
  data.data = {parse_data_spec("AuditLogs=" + file)};
  auto rules = load_rules(src("tests/data/kusto/grouping/per_result.yaml"));
  REQUIRE(rules);
  const DateTime t0 = at("2026-09-03T11:00:00Z"), t1 = at("2026-09-03T16:00:00Z");
  auto once = make_runner(rules->front(), data, std::make_pair(t0, t1));
  REQUIRE(once);
  auto s = run_schedule(rules->front(), **once, t0, t1);
  REQUIRE(s);
  REQUIRE(s->runs.size() == 6);
  for (const auto& run : s->runs) {
    REQUIRE(run.result);
    CHECK(run.result->rows.size() == 1);  // each hour's window holds the event at half past the previous hour
    // the same answer as a single run at that time
    auto single = make_runner(rules->front(), data);
    auto r = (*single)->run(run.now);
    REQUIRE(r);
    CHECK(r->rows == run.result->rows);
  }
  std::filesystem::remove(file);
}
