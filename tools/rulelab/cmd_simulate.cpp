// rulelab simulate RULE --data ... --from T0 --to T1: the rule as its scheduler runs it
// (app::run_schedule), each run with its own `now` and window over data read once. Reports each
// run with its alerts, and the events no window saw; --html writes the timeline (app::timeline_html).
#include <algorithm>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "app/events.hpp"
#include "app/rule.hpp"
#include "app/runner.hpp"
#include "app/schedule.hpp"
#include "app/timeline.hpp"
#include "commands.hpp"
#include "core/datetime.hpp"
#include "run_output.hpp"

namespace rulelab::cli {

using nlohmann::ordered_json;

namespace {

struct SimArgs {
  RunArgs run;
  std::string from, to, html;
};

std::string key_of(const app::EventTime& e) { return e.file + ":" + std::to_string(e.line); }

int run_simulate(const SimArgs& a) {
  auto rules = app::load_rules(a.run.rule);
  if (!rules) {
    std::cerr << rules.error().format() << "\n";
    return 1;
  }
  const app::LoadedRule& rule = rules->front();
  const auto t0 = parse_datetime(a.from), t1 = parse_datetime(a.to);
  if (!t0 || !t1 || t1->ticks < t0->ticks) {
    std::cerr << "rulelab simulate: --from and --to must be ISO 8601 datetimes with --from <= --to\n";
    return 2;
  }
  if (auto times = app::run_times(rule, *t0, *t1); !times) {
    std::cerr << "rulelab simulate: " << times.error().format() << "\n";
    return 2;
  }
  const app::DataOptions data = data_options(a.run, rule.family == app::Family::Elastic);
  for (const auto& t : app::unmatched_data(rule, data)) std::cerr << "warning: the rule reads " << t << " but no --data gives it\n";
  auto runner = app::make_runner(rule, data, std::make_pair(*t0, *t1));
  if (!runner) {
    std::cerr << runner.error().format() << "\n";
    return 1;
  }
  auto sched = app::run_schedule(rule, **runner, *t0, *t1);
  if (!sched) {
    std::cerr << sched.error().format() << "\n";
    return 1;
  }
  // The events of the simulated span: from the first run's window start to the last run's now.
  const DateTime span_from = rule.window_at(*t0) ? rule.window_at(*t0)->from : *t0;
  const DateTime span_to = sched->runs.empty() ? *t1 : sched->runs.back().now;
  auto span = app::events_in_span(rule, data.data, span_from, span_to, a.html.empty() ? std::vector<std::string>{} : app::rule_fields(rule), data.date_order);
  if (!span) {
    std::cerr << span.error().format() << "\n";
    return 1;
  }
  const std::vector<app::EventTime>* events = &span->events;
  // Which runs hold each event in their window; which events some alert derives from.
  std::vector<std::vector<std::size_t>> holding(events->size());
  std::vector<std::size_t> in_window(sched->runs.size(), 0);
  std::set<std::string> alerted;
  for (std::size_t k = 0; k < sched->runs.size(); ++k) {
    const auto& run = sched->runs[k];
    for (const auto& al : run.new_alerts) alerted.insert(al.sources.begin(), al.sources.end());
    if (run.suppressed || !run.window) continue;
    for (std::size_t i = 0; i < events->size(); ++i)
      if ((*events)[i].time && run.window->contains(*(*events)[i].time)) {
        holding[i].push_back(k);
        ++in_window[k];
      }
  }
  // The runs' warnings (a capped max_signals, records that could not be read...), each once, with
  // how many runs gave it.
  std::vector<std::pair<std::string, std::size_t>> run_warnings;
  for (const auto& run : sched->runs) {
    if (!run.result) continue;
    for (const auto& w : run.result->warnings) {
      if (std::find(rule.warnings.begin(), rule.warnings.end(), w) != rule.warnings.end()) continue;  // (said once, above)
      auto it = std::find_if(run_warnings.begin(), run_warnings.end(), [&w](const auto& x) { return x.first == w; });
      if (it == run_warnings.end()) run_warnings.emplace_back(w, 1);
      else ++it->second;
    }
  }
  auto warning_text = [](const std::pair<std::string, std::size_t>& w) {
    return w.first + (w.second > 1 ? " (" + std::to_string(w.second) + " runs)" : "");
  };
  const auto& s = *rule.schedule;
  ordered_json runs = ordered_json::array();
  for (std::size_t k = 0; k < sched->runs.size(); ++k) {
    const auto& run = sched->runs[k];
    ordered_json alerts = ordered_json::array();
    for (const auto& al : run.new_alerts) alerts.push_back(al.body);
    ordered_json j = {{"now", format_datetime(run.now)}};
    if (run.window) j["window"] = {{"from", format_datetime(run.window->from)}, {"to", format_datetime(run.window->to)}, {"text", run.window->text()}};
    j["alert"] = run.alert;
    j["rows"] = run.result ? run.result->rows.size() : 0;
    j["events_in_window"] = in_window[k];
    j["alerts"] = alerts;
    if (run.suppressed) j["suppressed"] = true;
    if (rule.family == app::Family::Elastic && run.result) {
      j["duplicate_alerts"] = run.duplicate_alerts;
      j["capped"] = run.result->capped;
      if (run.result->detail.contains("alert_suppression")) j["alert_suppression"] = run.result->detail["alert_suppression"];
      // ES|QL: documents in the window that earlier runs returned, left out of this run's requests
      const auto counts = run.result->detail.value("counts", ordered_json::object());
      if (counts.contains("returned_by_earlier_runs")) j["returned_by_earlier_runs"] = counts["returned_by_earlier_runs"];
    }
    runs.push_back(std::move(j));
  }
  ordered_json unseen = ordered_json::array();
  for (std::size_t i = 0; i < events->size(); ++i) {
    const auto& e = (*events)[i];
    if (!holding[i].empty()) continue;
    unseen.push_back({{"file", e.file}, {"line", e.line}, {"table", e.table}, {"time", e.time ? format_datetime(*e.time) : ""},
                      {"reason", e.time ? "outside every run's window" : "no " + rule.time_field}});
  }
  // Events outside the simulated span: listed up to a limit, all counted.
  for (const auto& e : span->outside)
    unseen.push_back({{"file", e.file}, {"line", e.line}, {"table", e.table}, {"time", format_datetime(*e.time)},
                      {"reason", e.time->ticks < span_from.ticks ? "before the first run's window" : "after the last run"}});
  const std::size_t outside_unlisted = span->before + span->after - span->outside.size();
  if (!a.html.empty()) {
    app::Timeline tl{rule.name, rule.path, app::to_string(rule.family), rule.time_field, s.frequency, s.period, {}, {}};
    for (std::size_t i = 0; i < events->size(); ++i) {
      const auto& e = (*events)[i];
      tl.events.push_back({e.table, e.file, e.line, e.time, e.fields, holding[i], alerted.count(key_of(e)) > 0});
    }
    for (const auto& run : sched->runs)
      tl.runs.push_back({run.now, run.window.value_or(app::Window{run.now, run.now, true, true, rule.time_field}), run.suppressed,
                         run.alert, run.result ? run.result->rows.size() : 0, run.new_alerts.size()});
    std::ofstream o(a.html, std::ios::binary);
    o << app::timeline_html(tl);
    if (!o) {
      std::cerr << a.html << ": cannot write the timeline\n";
      return 1;
    }
  }
  if (a.run.format == "json") {
    ordered_json j{{"rule", a.run.rule}, {"name", rule.name}, {"frequency", format_timespan(s.frequency)},
                   {"period", format_timespan(s.period)}, {"time_field", rule.time_field}, {"events", events->size() + span->before + span->after},
                   {"events_in_span", events->size()},
                   {"events_before_span", span->before}, {"events_after_span", span->after}, {"unseen_not_listed", outside_unlisted},
                   {"alerting_runs", sched->alerting_runs}, {"unseen_events", unseen},
                   {"suppression", s.suppression ? ordered_json(format_timespan(*s.suppression)) : ordered_json(nullptr)},
                   {"warnings", rule.warnings}};
    for (const auto& w : run_warnings) j["warnings"].push_back(warning_text(w));
    j["runs"] = runs;
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  for (const auto& w : rule.warnings) std::cerr << "warning: " << w << "\n";
  for (const auto& w : run_warnings) std::cerr << "warning: " << warning_text(w) << "\n";
  std::cout << rule.name << "\n" << a.run.rule << "\nruns every " << format_timespan(s.frequency) << ", each looking back "
            << format_timespan(s.period) << " by " << rule.time_field
            << (s.suppression ? "; after an alert it stops running for " + format_timespan(*s.suppression) : std::string()) << "\n";
  if (rule.elastic && rule.elastic->alert_suppression) {
    const auto& as = *rule.elastic->alert_suppression;
    std::string g;
    const bool threshold = rule.elastic->type == elastic::RuleType::Threshold;
    for (const auto& f : threshold && rule.elastic->threshold ? rule.elastic->threshold->field : as.group_by) g += (g.empty() ? "" : ", ") + f;
    if (threshold) g = "the threshold's fields (" + (g.empty() ? std::string("none: one group") : g) + ")";
    std::cout << "alert suppression by " << g << ", " << (as.duration ? "for " + as.duration_text : std::string("per rule execution"))
              << (as.suppress_missing ? "" : " (doNotSuppress: events missing a field alert alone)") << "\n";
  }
  std::cout << "\n";
  for (const auto& r : runs) {
    std::string what = r.value("suppressed", false) ? "not run (suppressed after an alert)" : "-";
    std::string supp;  // alert suppression: events folded into this run's alerts, or into earlier ones
    if (r.contains("alert_suppression")) {
      const auto& as = r["alert_suppression"];
      const std::size_t in_run = as.value("suppressed", std::size_t{0}), earlier = as.value("added_to_earlier_alerts", std::size_t{0});
      if (in_run) supp += "; " + std::to_string(in_run) + " suppressed into its alerts";
      if (earlier) supp += "; " + std::to_string(earlier) + " suppressed into earlier alerts";
    }
    if (r.contains("returned_by_earlier_runs")) {
      const std::size_t n = r["returned_by_earlier_runs"].get<std::size_t>();
      supp += "; " + std::to_string(n) + " event" + (n == 1 ? "" : "s") + " left out: returned by earlier runs";
    }
    if (r.contains("duplicate_alerts") && (r["alert"].get<bool>() || r["duplicate_alerts"].get<std::size_t>() || !supp.empty())) {
      const std::size_t n = r["alerts"].size(), dup = r["duplicate_alerts"].get<std::size_t>();
      what = n ? "ALERT (" + std::to_string(n) + " new alert" + (n == 1 ? "" : "s") + (dup ? "; " : "") : std::string("- (");
      if (dup) what += std::to_string(dup) + " match" + (dup == 1 ? "" : "es") + " already alerted by an earlier run, not created again";
      if (r.value("capped", false)) what += "; max_signals reached";
      what += supp;
      if (what.rfind("- (; ", 0) == 0) what = "- (" + what.substr(5);
      what += ")";
    } else if (r["alert"].get<bool>()) {
      what = "ALERT (" + std::to_string(r["rows"].get<std::size_t>()) + " rows, " + std::to_string(r["alerts"].size()) + " alert" +
             (r["alerts"].size() == 1 ? "" : "s") + ")";
    }
    std::cout << "  " << r["now"].get<std::string>() << "  window " << (r.contains("window") ? r["window"]["text"].get<std::string>() : "-")
              << "  " << r["events_in_window"].get<std::size_t>() << " events  " << what << "\n";
  }
  std::cout << "\n" << runs.size() << " runs, " << sched->alerting_runs << " alerting; " << events->size() + span->before + span->after
            << " events (" << events->size() << " from " << format_datetime(span_from) << " to " << format_datetime(span_to) << "), "
            << unseen.size() + outside_unlisted << " seen by no run\n";
  if (span->before || span->after)
    std::cout << "  (" << span->before << " events before the first run's window and " << span->after
              << " after the last run are outside the simulated span" << (outside_unlisted ? "; " + std::to_string(outside_unlisted) + " of them not listed" : "") << ")\n";
  for (const auto& u : unseen)
    std::cout << "  not seen: " << u["file"].get<std::string>() << ":" << u["line"].get<std::size_t>() << " (" << u["time"].get<std::string>()
              << ")\n";
  if (!a.html.empty()) std::cout << "timeline: " << a.html << "\n";
  return 0;
}

}  // namespace

void add_simulate(CLI::App& app, Registry& r) {
  auto a = std::make_shared<SimArgs>();
  CLI::App* sub = app.add_subcommand("simulate", "Run a rule as its scheduler would between two times; runs, alerts, unseen events");
  sub->add_option("rule", a->run.rule, "rule file")->required();
  sub->add_option("--data", a->run.data, "TABLE=FILE or INDEX=FILE (repeatable); FILE alone takes its name from the file");
  sub->add_option("--from", a->from, "time of the first run (ISO 8601)")->required();
  sub->add_option("--to", a->to, "no run after this time (ISO 8601)")->required();
  sub->add_option("--format", a->run.format, "table or json")->check(CLI::IsMember({"table", "json"}));
  sub->add_option("--html", a->html, "write a self-contained timeline page");
  sub->add_option("--schema", a->run.schema_dir, "directory of Log Analytics table schemas (Sentinel)");
  sub->add_option("--function", a->run.functions, "NAME=FILE.kql: a workspace function (ASIM parser, watchlist)");
  add_mapping_option(sub, a->run.mapping, a->run.index_mappings);
  add_alerts_max_option(sub, a->run.alerts_max);
  add_date_order_option(sub, a->run.date_order);
  add_workspace_options(sub, a->run.parser_dirs, a->run.watchlists, &a->run.value_lists, &a->run.completions);
  add_limit_options(sub, a->run.limits);
  r.add(sub, [a] { return run_simulate(*a); });
}

}  // namespace rulelab::cli
