#include "app/schedule.hpp"

#include <set>

#include "core/datetime.hpp"

namespace rulelab::app {

Result<std::vector<DateTime>> run_times(const LoadedRule& rule, DateTime from, DateTime to) {
  if (!rule.schedule) return Error("the rule has no schedule (a hunting query, or no valid frequency and look-back)", rule.path);
  const std::int64_t step = rule.schedule->frequency.ticks;
  if (step <= 0) return Error("the rule's run frequency is not positive", rule.path);
  if (to.ticks < from.ticks) return Error("the schedule's end " + format_datetime(to) + " is before its start " + format_datetime(from));
  const std::int64_t n = (to.ticks - from.ticks) / step + 1;
  if (n > static_cast<std::int64_t>(kMaxScheduledRuns))
    return Error(std::to_string(n) + " runs every " + format_timespan(rule.schedule->frequency) + " between " + format_datetime(from) +
                 " and " + format_datetime(to) + "; at most " + std::to_string(kMaxScheduledRuns));
  std::vector<DateTime> out;
  out.reserve(static_cast<std::size_t>(n));
  for (std::int64_t k = 0; k < n; ++k) out.push_back(DateTime{from.ticks + k * step});
  return out;
}

namespace {
// An alert's identity across runs: its source events; under alert suppression also its group's
// terms (one event with an array value leads the alerts of several groups).
std::string alert_key(const Alert& a) {
  if (!a.id.empty()) return "id:" + a.id;
  std::string k = sources_key(a);
  if (auto it = a.body.find("suppression"); it != a.body.end() && it->contains("terms")) k += (*it)["terms"].dump();
  return k;
}
}  // namespace

Result<ScheduleResult> run_schedule(const LoadedRule& rule, Runner& runner, DateTime from, DateTime to) {
  auto times = run_times(rule, from, to);
  if (!times) return times.error();
  ScheduleResult out;
  std::set<std::string> alerted;  // Elastic: source events of the alerts already created
  std::optional<std::int64_t> suppressed_until;
  const std::optional<TimeSpan> suppression = rule.schedule->suppression;
  for (const DateTime now : *times) {
    ScheduledRun run;
    run.now = now;
    run.window = rule.window_at(now);
    if (suppressed_until && now.ticks < *suppressed_until) {
      run.suppressed = true;
      out.runs.push_back(std::move(run));
      continue;
    }
    auto r = runner.run(now);
    if (!r) {
      Error e = r.error();
      e.message = "the run at " + format_datetime(now) + " failed: " + e.message;
      return e;
    }
    if (rule.family == Family::Elastic) {
      for (auto& a : r->alerts) {
        if ((!a.sources.empty() || !a.id.empty()) && !alerted.insert(alert_key(a)).second) {
          ++run.duplicate_alerts;
          continue;
        }
        run.new_alerts.push_back(a);
      }
      // (an ES|QL runner leaves out the alert ids its earlier runs created: Kibana's alerts index)
      if (auto it = r->detail.find("alerts_of_earlier_runs"); it != r->detail.end() && it->is_number_unsigned())
        run.duplicate_alerts += it->get<std::size_t>();
      run.alert = !run.new_alerts.empty();  // a run whose alerts all exist already creates none
    } else {
      run.alert = r->alert;
      if (run.alert) run.new_alerts = r->alerts;
    }
    if (run.alert) {
      ++out.alerting_runs;
      if (suppression) suppressed_until = now.ticks + suppression->ticks;
    }
    run.result = std::move(*r);
    out.runs.push_back(std::move(run));
  }
  return out;
}

Result<ScheduleResult> run_rule(const LoadedRule& rule, const DataOptions& data, const std::string& now, const std::string& from,
                                const std::string& to) {
  if (from.empty()) {
    auto t = parse_now(now);
    if (!t) return t.error();
    auto runner = make_runner(rule, data);
    if (!runner) return runner.error();
    auto r = (*runner)->run(*t);
    if (!r) return r.error();
    ScheduledRun run;
    run.now = *t;
    run.window = r->window;
    run.alert = r->alert;
    if (r->alert) run.new_alerts = r->alerts;
    run.result = std::move(*r);
    ScheduleResult out;
    out.alerting_runs = run.alert ? 1 : 0;
    out.runs.push_back(std::move(run));
    return out;
  }
  const auto t0 = parse_datetime(from), t1 = parse_datetime(to);
  if (!t0 || !t1 || t1->ticks < t0->ticks) return Error("from and to must be ISO 8601 datetimes with from <= to");
  auto runner = make_runner(rule, data, std::make_pair(*t0, *t1));
  if (!runner) return runner.error();
  return run_schedule(rule, **runner, *t0, *t1);
}

}  // namespace rulelab::app
