// app::explain_sentinel: the explanation of one event, built from one tapped run of the rule
// (the same loading and window as `run`): where the event is lost and why, join keys seen from
// either side, and the verdict.
#include <doctest/doctest.h>

#include <string>

#include "app/explain_sentinel.hpp"
#include "core/datetime.hpp"

using namespace rulelab;
using namespace rulelab::app;

namespace {

const std::string kDir = std::string(RULELAB_SOURCE_DIR) + "/rules/sentinel/";

SentinelExplanation explain(const std::string& sample, std::size_t line, const std::string& time, const std::string& now) {
  auto rules = load_rules(kDir + "AccountCreatedandDeletedinShortTimeframe.v1.1.0.yaml");
  REQUIRE(rules.ok());
  DataOptions data;
  data.data = {DataSpec{"AuditLogs", kDir + "samples/" + sample, true}};
  ExplainTarget target;
  target.file_index = 0;
  target.line = line;
  target.time = *parse_datetime(time);  // the event's TimeGenerated
  auto ex = explain_sentinel(rules->front(), data, target, *parse_datetime(now));
  REQUIRE_MESSAGE(ex.ok(), ex.error().format());
  return std::move(*ex);
}

}  // namespace

TEST_CASE("explain_sentinel: a creation lost at the join, followed from the right side") {
  // Line 1 creates temp.user, later renamed: the deletion (left side) names renamed.user.
  const auto ex = explain("renamed-before-deletion.ndjson", 1, "2026-09-03T14:00:00Z", "2026-09-03T15:00:00Z");
  CHECK(ex.window.contains_event);
  CHECK_FALSE(ex.led_to_alert);
  CHECK(ex.event_rows == 0);
  REQUIRE(ex.pipelines.size() >= 2);
  // The result pipeline reads the event, then `where TimeGenerated > ago(queryfrequency)` drops it.
  const ExplainPipeline& result = ex.pipelines[0];
  CHECK(result.title == "result pipeline");
  REQUIRE(result.steps.size() == 2);
  CHECK(result.steps[0].kept);
  CHECK_FALSE(result.steps[1].kept);
  REQUIRE(result.steps[1].why);
  CHECK(result.steps[1].why->kind == Loss::Kind::Where);
  REQUIRE(!result.steps[1].why->where.empty());
  CHECK(result.steps[1].why->where[0].value == "false");
  REQUIRE(result.steps[1].why->where[0].left);
  CHECK(result.steps[1].why->where[0].left->value == "2026-09-03T14:00:00Z");
  // The join's right side carries it to its end; its key is not among the left side's.
  const ExplainPipeline& right = ex.pipelines[1];
  CHECK(right.event_reaches_end);
  REQUIRE(right.join);
  CHECK(right.join->keys.event_key == "\"temp.user@contoso.onmicrosoft.com\"");
  REQUIRE(right.join->keys.other_keys.size() == 1);
  CHECK(right.join->keys.other_keys[0] == "\"renamed.user@contoso.onmicrosoft.com\"");
  CHECK(right.join->paired == 0);
}

TEST_CASE("explain_sentinel: an event that leads to the alert") {
  const auto ex = explain("member-created-deleted-within-hour.ndjson", 2, "2026-09-03T14:40:45.8516049Z", "2026-09-03T15:00:00Z");
  CHECK(ex.led_to_alert);
  CHECK(ex.event_rows == 1);
  CHECK(ex.run.alert);
  CHECK(ex.run.alerts.size() == 1);
  CHECK(ex.verdict == "1 of the 1 result rows derive from this event; the rule ALERTS");
  for (const auto& p : ex.pipelines)
    if (p.title == "result pipeline") CHECK(p.event_reaches_end);
}

TEST_CASE("explain_sentinel: an event outside the window is not followed") {
  const auto ex = explain("deleted-30h-after-creation.ndjson", 1, "2026-09-02T08:00:00Z", "2026-09-03T14:30:00Z");
  CHECK_FALSE(ex.window.contains_event);
  CHECK(ex.window.verdict.rfind("OUTSIDE the rule's window", 0) == 0);
  CHECK(ex.pipelines.empty());
}
