// The simulate timeline page (app/timeline.hpp): a labelled time axis, each event named, unseen
// events, alerting and suppressed runs, escaping, and the caps that keep large pages small.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "app/timeline.hpp"
#include "core/datetime.hpp"

using namespace rulelab;
using namespace rulelab::app;

namespace {

DateTime at(std::string_view iso) { return *parse_datetime(iso); }
TimeSpan span(std::string_view lit) { return *parse_timespan(lit); }

Window window(std::string_view from, std::string_view to, std::string field = "TimeGenerated") {
  return Window{at(from), at(to), true, true, std::move(field)};
}

TimelineRun run(std::string_view now, TimeSpan period) {
  TimelineRun r;
  r.now = at(now);
  r.window = Window{DateTime{r.now.ticks - period.ticks}, r.now, true, true, "TimeGenerated"};
  return r;
}

TimelineEvent event(std::string table, std::string file, std::size_t line, std::string_view time,
                    std::vector<std::size_t> runs = {}) {
  TimelineEvent e;
  e.table = std::move(table);
  e.file = std::move(file);
  e.line = line;
  e.time = at(time);
  e.runs = std::move(runs);
  return e;
}

Timeline sentinel(std::string name = "Account created and deleted") {
  Timeline t;
  t.rule_name = std::move(name);
  t.rule_file = "rules/sentinel/rule.yaml";
  t.family = "sentinel";
  t.time_field = "TimeGenerated";
  t.frequency = span("1h");
  t.period = span("1d");
  return t;
}

std::size_t count(std::string_view s, std::string_view needle) {
  std::size_t n = 0;
  for (auto p = s.find(needle); p != std::string_view::npos; p = s.find(needle, p + needle.size())) ++n;
  return n;
}

// The texts of every element with the given class: class="tick">18:00< gives "18:00".
std::vector<std::string> texts_of(std::string_view html, std::string_view cls) {
  const std::string open = "class=\"" + std::string(cls) + "\">";
  std::vector<std::string> out;
  for (auto p = html.find(open); p != std::string_view::npos; p = html.find(open, p + 1)) {
    const auto b = p + open.size();
    out.emplace_back(html.substr(b, html.find('<', b) - b));
  }
  return out;
}

// From the events table on (the runs table follows it).
std::string_view events_table(std::string_view html) {
  const auto p = html.find("<table class=\"events\">");
  return p == std::string_view::npos ? std::string_view{} : html.substr(p);
}

// The runs table only.
std::string_view runs_table(std::string_view html) {
  const auto p = html.find("<table class=\"runs\">");
  return p == std::string_view::npos ? std::string_view{} : html.substr(p);
}

// The row (<tr ...>...</tr>) of the events table (or of `runs_table(html)`) that contains
// `needle`; empty when none does.
std::string row_with(std::string_view html, std::string_view needle) {
  if (html.starts_with("<!DOCTYPE")) html = events_table(html);
  const auto p = html.find(needle);
  if (p == std::string_view::npos) return {};
  const auto b = html.rfind("<tr", p), e = html.find("</tr>", p);
  if (b == std::string_view::npos || e == std::string_view::npos) return {};
  return std::string(html.substr(b, e + 5 - b));
}

}  // namespace

TEST_CASE("the time axis has labelled ticks at round times between the two ends") {
  SUBCASE("a 24 h span: ticks at whole hours, the date where the day changes") {
    Timeline t = sentinel();
    t.runs.push_back(run("2026-09-03T16:00:00Z", span("1d")));  // window 09-02 16:00 .. 09-03 16:00
    const std::string html = timeline_html(t);
    const auto ticks = texts_of(html, "tick");
    CHECK(ticks.size() >= 5);
    CHECK(ticks.size() <= 12);
    for (const auto& label : ticks) {
      REQUIRE(label.size() == 5);  // hh:mm
      CHECK(label.substr(2) == ":00");
    }
    CHECK(ticks.front() == "18:00");  // the first whole-hour step after 16:00
    CHECK(ticks.back() == "15:00");   // the last one before 16:00 the next day
    CHECK(count(html, "class=\"tick\">00:00<") == 1);
    // The date shows on the first tick and where the day changes, not under every tick.
    CHECK(texts_of(html, "tick-date") == std::vector<std::string>{"09-02", "09-03"});
    // The two ends, in full.
    CHECK(html.find("2026-09-02T16:00:00Z") != std::string::npos);
    CHECK(html.find("2026-09-03T16:00:00Z") != std::string::npos);
  }
  SUBCASE("a 2 h span: quarter hours") {
    Timeline t = sentinel();
    t.runs.push_back(run("2026-09-03T16:00:00Z", span("2h")));
    const auto ticks = texts_of(timeline_html(t), "tick");
    CHECK(ticks == std::vector<std::string>{"14:00", "14:15", "14:30", "14:45", "15:00", "15:15", "15:30", "15:45",
                                             "16:00"});
  }
  SUBCASE("a 10 day span: one tick a day, labelled with the date") {
    Timeline t = sentinel();
    t.runs.push_back(run("2026-09-11T12:00:00Z", span("10d")));
    const std::string html = timeline_html(t);
    const auto ticks = texts_of(html, "tick");
    CHECK(ticks.size() == 10);
    CHECK(ticks.front() == "09-02");
    CHECK(ticks.back() == "09-11");
    CHECK(texts_of(html, "tick-date") == std::vector<std::string>{"2026"});
  }
}

TEST_CASE("each event is named by its table, file:line, time, fields and the runs that hold it") {
  Timeline t = sentinel();
  t.runs.push_back(run("2026-09-03T15:00:00Z", span("1d")));
  t.runs.push_back(run("2026-09-03T16:00:00Z", span("1d")));
  t.events.push_back(event("AuditLogs", "samples/created.ndjson", 3, "2026-09-03T14:10:00Z", {0, 1}));
  t.events.back().fields = {{"OperationName", "Add user"}, {"TargetUserPrincipalName", "eve@contoso.com"}};
  t.events.push_back(event("SigninLogs", "samples/signin.ndjson", 12, "2026-09-03T15:30:00Z", {1}));
  const std::string html = timeline_html(t);

  const std::string created = row_with(html, "samples/created.ndjson:3");
  REQUIRE_FALSE(created.empty());
  CHECK(created.find("AuditLogs") != std::string::npos);
  CHECK(created.find("2026-09-03T14:10:00Z") != std::string::npos);
  CHECK(created.find("OperationName = Add user") != std::string::npos);
  CHECK(created.find("TargetUserPrincipalName = eve@contoso.com") != std::string::npos);
  CHECK(created.find("#1–#2") != std::string::npos);
  CHECK(created.find(">seen<") != std::string::npos);

  const std::string signin = row_with(html, "samples/signin.ndjson:12");
  REQUIRE_FALSE(signin.empty());
  CHECK(signin.find("SigninLogs") != std::string::npos);
  CHECK(signin.find("<td>#2</td>") != std::string::npos);

  // The marks carry the same in their tooltips, and a lane per table.
  CHECK(count(html, "<g class=\"ev seen\"><title>") == 2);
  CHECK(html.find("<title>E1  AuditLogs  samples/created.ndjson:3\n2026-09-03T14:10:00Z\nOperationName = Add user") !=
        std::string::npos);
  CHECK(html.find(">AuditLogs (1)</text>") != std::string::npos);
  CHECK(html.find(">SigninLogs (1)</text>") != std::string::npos);
  // A legend.
  CHECK(html.find("class=\"legend\"") != std::string::npos);
}

TEST_CASE("an event that no run's window holds is shown as unseen") {
  Timeline t = sentinel();
  t.runs.push_back(run("2026-09-03T16:00:00Z", span("1h")));
  t.events.push_back(event("AuditLogs", "samples/in.ndjson", 1, "2026-09-03T15:30:00Z", {0}));
  t.events.push_back(event("AuditLogs", "samples/late.ndjson", 9, "2026-09-03T17:30:00Z"));
  const std::string html = timeline_html(t);

  const std::string late = row_with(html, "samples/late.ndjson:9");
  CHECK(late.find("<tr class=\"unseen\">") == 0);
  CHECK(late.find("unseen (no run&#39;s window holds it)") != std::string::npos);
  CHECK(late.find(">none<") != std::string::npos);
  CHECK(row_with(html, "samples/in.ndjson:1").find("unseen") == std::string::npos);
  CHECK(count(html, "<g class=\"ev unseen\"><title>") == 1);
  CHECK(html.find("1 unseen by every run") != std::string::npos);
}

TEST_CASE("alerting runs and the events that led to alerts are marked") {
  Timeline t = sentinel();
  t.runs.push_back(run("2026-09-03T15:00:00Z", span("1d")));
  t.runs.push_back(run("2026-09-03T16:00:00Z", span("1d")));
  t.runs.back().alert = true;
  t.runs.back().alerts = 1;
  t.runs.back().rows = 1;
  t.events.push_back(event("AuditLogs", "samples/deleted.ndjson", 4, "2026-09-03T15:20:00Z", {1}));
  t.events.back().alerted = true;
  const std::string html = timeline_html(t);

  CHECK(count(html, "<g class=\"run alert\"><title>") == 1);
  CHECK(count(html, "<g class=\"run\"><title>") == 1);
  CHECK(html.find("#2 09-03 16:00 <tspan class=\"st-alert\">ALERT</tspan>") != std::string::npos);
  const std::string second = row_with(runs_table(html), "<td>#2</td>");
  CHECK(second.find("<tr class=\"alert\">") == 0);
  CHECK(second.find("ALERT (1)") != std::string::npos);
  CHECK(row_with(runs_table(html), "<td>#1</td>").find("no alert") != std::string::npos);

  CHECK(count(html, "<g class=\"ev seen alerted\"><title>") == 1);
  CHECK(row_with(html, "samples/deleted.ndjson:4").find("led to an alert") != std::string::npos);
}

TEST_CASE("a suppressed run is labelled, and what only it holds is unseen") {
  Timeline t = sentinel();
  t.runs.push_back(run("2026-09-03T15:00:00Z", span("1h")));
  t.runs.push_back(run("2026-09-03T16:00:00Z", span("1h")));
  t.runs.back().suppressed = true;
  t.events.push_back(event("AuditLogs", "samples/a.ndjson", 2, "2026-09-03T15:30:00Z", {1}));
  const std::string html = timeline_html(t);

  CHECK(count(html, "<g class=\"run suppressed\"><title>") == 1);
  CHECK(html.find("#2 09-03 16:00 <tspan class=\"st-suppressed\">suppressed</tspan>") != std::string::npos);
  const std::string second = row_with(runs_table(html), "<td>#2</td>");
  CHECK(second.find("<tr class=\"suppressed\">") == 0);
  CHECK(second.find(">suppressed<") != std::string::npos);
  CHECK(html.find("1 suppressed") != std::string::npos);
  CHECK(row_with(html, "samples/a.ndjson:2").find("unseen (only suppressed runs hold it)") != std::string::npos);
}

TEST_CASE("HTML special characters in names and values are escaped; nothing is fetched or run") {
  Timeline t = sentinel("A<B & \"C\"");
  t.runs.push_back(run("2026-09-03T16:00:00Z", span("1h")));
  t.events.push_back(event("Audit<Logs>", "samples/x&y.ndjson", 1, "2026-09-03T15:30:00Z", {0}));
  t.events.back().fields = {{"Cmd<line>", "<script>alert('x')</script> & \"y\""}};
  const std::string html = timeline_html(t);

  CHECK(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;") != std::string::npos);
  CHECK(html.find("Cmd&lt;line&gt; = ") != std::string::npos);
  CHECK(html.find("<h1>A&lt;B &amp; &quot;C&quot;</h1>") != std::string::npos);
  CHECK(html.find("Audit&lt;Logs&gt;") != std::string::npos);
  CHECK(html.find("samples/x&amp;y.ndjson:1") != std::string::npos);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("Audit<Logs>") == std::string::npos);
  CHECK(html.find("http") == std::string::npos);  // no external resources
  CHECK(html.find(" src=") == std::string::npos);
}

TEST_CASE("Elastic windows: the run's window text and time field are shown") {
  Timeline t;
  t.rule_name = "Elastic rule";
  t.family = "elastic";
  t.time_field = "@timestamp";
  t.frequency = span("5m");
  t.period = span("9m");
  TimelineRun r;
  r.now = at("2026-09-03T16:00:00Z");
  r.window = window("2026-09-03T15:51:00Z", "2026-09-03T16:00:00Z", "@timestamp");
  t.runs.push_back(r);
  t.events.push_back(event("logs-endpoint", "samples/e.ndjson", 7, "2026-09-03T15:55:00Z", {0}));
  const std::string html = timeline_html(t);
  CHECK(html.find("elastic rule") != std::string::npos);
  std::string text;  // Window::text(), escaped
  for (char c : r.window.text()) {
    if (c == '&') text += "&amp;";
    else if (c == '<') text += "&lt;";
    else if (c == '>') text += "&gt;";
    else if (c == '"') text += "&quot;";
    else if (c == '\'') text += "&#39;";
    else text += c;
  }
  CHECK(html.find("window " + text + " on @timestamp") != std::string::npos);
  CHECK(row_with(runs_table(html), "<td>#1</td>").find(text) != std::string::npos);
}

TEST_CASE("large inputs are capped, alerted and unseen events first") {
  Timeline t = sentinel();
  t.runs.push_back(run("2026-09-03T16:00:00Z", span("1d")));
  for (std::size_t i = 0; i < 2600; ++i) {
    t.events.push_back(event("AuditLogs", "samples/big.ndjson", i + 1, "2026-09-03T10:00:00Z", {0}));
    t.events.back().time->ticks += static_cast<std::int64_t>(i) * kTicksPerSecond;
    t.events.back().fields = {{"OperationName", std::string(1000, 'x')}};
  }
  t.events.back().alerted = true;             // the last one: still listed and drawn
  t.events.back().time = at("2026-09-03T09:00:00Z");  // the first by time
  t.events[1000].runs.clear();                // unseen: still listed and drawn
  const std::string html = timeline_html(t);

  CHECK(html.find("2100 more events not listed") != std::string::npos);
  CHECK(html.find("2000 of 2600 events drawn") != std::string::npos);
  CHECK(count(html, "<title>E") == 2000);
  CHECK(row_with(html, "samples/big.ndjson:2600<").find("led to an alert") != std::string::npos);
  CHECK(row_with(html, "samples/big.ndjson:1001<").find("unseen") != std::string::npos);
  CHECK(html.find(std::string(301, 'x')) == std::string::npos);  // long values are shortened
  CHECK(html.size() < 3'000'000);
}

TEST_CASE("events without a time and empty timelines") {
  Timeline t = sentinel();
  TimelineEvent e;
  e.table = "AuditLogs";
  e.file = "samples/notime.ndjson";
  e.line = 5;
  t.events.push_back(e);
  std::string html = timeline_html(t);
  CHECK(html.find("Nothing to draw") != std::string::npos);
  CHECK(row_with(html, "samples/notime.ndjson:5").find("no readable time") != std::string::npos);

  t.runs.push_back(run("2026-09-03T16:00:00Z", span("1h")));
  html = timeline_html(t);
  CHECK(html.find("1 events have no readable time") != std::string::npos);
  CHECK(html.find("</html>") != std::string::npos);
  CHECK(timeline_html(Timeline{}).find("No events.") != std::string::npos);
}
