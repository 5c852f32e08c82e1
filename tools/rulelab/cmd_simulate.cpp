// rulelab simulate RULE --data ... --from T0 --to T1: the rule as its scheduler runs it. Every
// queryFrequency (Sentinel) or interval (Elastic) a run with its own `now` sees only its look-back
// window (queryPeriod; from). Reports each run with its alerts, and the events no window saw.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "core/datetime.hpp"
#include "core/ingest.hpp"
#include "core/paths.hpp"
#include "kql/elastic_rule.hpp"
#include "kusto/sentinel_rule.hpp"
#include "run_capture.hpp"
#include "schedule.hpp"

namespace rulelab::cli {

using nlohmann::json;

std::pair<std::string, std::string> split_data_spec(const std::string& spec) {
  const auto eq = spec.find('=');
  if (eq != std::string::npos && eq > 0) return {spec.substr(0, eq), spec.substr(eq + 1)};
  std::filesystem::path p(spec);
  if (p.extension() == ".gz") p = p.stem();
  return {p.stem().string(), spec};
}

Result<Schedule> rule_schedule(const std::string& path) {
  Schedule s;
  const std::string fam = rule_family(path);
  if (fam == "sentinel") {
    auto rules = kusto::load_sentinel_file(path);
    if (!rules) return rules.error();
    if (rules->empty()) return Error{"no rule in file", path};
    const auto& r = rules->front();
    s.family = "sentinel";
    s.name = r.name;
    s.time_field = "TimeGenerated";
    if (!r.query_frequency || !r.query_period)
      return Error{"the rule has no valid queryFrequency and queryPeriod, so it has no schedule to simulate", path};
    s.frequency = *r.query_frequency;
    s.period = *r.query_period;
    s.suppression = r.suppression_duration;
    for (const auto& w : r.warnings) s.warnings.push_back(w.format());
    return s;
  }
  if (fam == "elastic") {
    auto rules = kql::load_elastic_file(path);
    if (!rules) return rules.error();
    if (rules->empty()) return Error{"no rule in file", path};
    const auto& r = rules->front();
    s.family = "elastic";
    s.name = r.name;
    auto interval = kql::parse_elastic_duration(r.interval);
    if (!interval) return Error{"the rule's interval \"" + r.interval + "\" is not a duration", path};
    s.frequency = *interval;
    const DateTime ref{0};
    auto start = kql::eval_date_math(r.from, ref);
    if (!start) return Error{"the rule's from \"" + r.from + "\" is not date math", path};
    s.period = TimeSpan{ref.ticks - start->ticks};
    s.time_field = r.timestamp_override.empty() ? "@timestamp" : r.timestamp_override;
    s.fallback_field = r.timestamp_override.empty() ? "" : "@timestamp";
    return s;
  }
  return Error{"not a rule file rulelab knows", path};
}

std::optional<DateTime> dyn_time(DynRef v) {
  if (v.is_string()) return parse_datetime(v.as_string());
  if (v.is_number()) return DateTime{static_cast<std::int64_t>(v.as_number() * 10'000)};  // epoch millis
  return std::nullopt;
}

Result<std::vector<EventTime>> event_times(const Schedule& s, const std::vector<std::string>& data) {
  std::vector<EventTime> out;
  for (const auto& spec : data) {
    auto [name, file] = split_data_spec(spec);
    IngestOptions opt;
    opt.table = name;
    opt.documents = s.family == "elastic";
    auto res = ingest_file(file, opt);
    if (!res) return res.error();
    const Table& t = res->table;
    const int col = opt.documents ? 0 : t.schema.index_of(s.time_field);
    for (const auto& b : t.batches) {
      for (std::size_t i = 0; i < b.rows(); ++i) {
        EventTime e{file, name, b.sources[i].line, std::nullopt};
        if (col >= 0) {
          const Column& c = b.columns[static_cast<std::size_t>(col)];
          if (opt.documents) {
            DynRef doc = c.get_dynamic(i);
            for (const std::string& f : {s.time_field, s.fallback_field}) {
              if (f.empty() || e.time) continue;
              auto vals = values_at(doc, f);
              if (!vals.empty()) e.time = dyn_time(vals.front());
            }
          } else if (c.type() == Type::DateTime && !c.is_null(i)) {
            e.time = c.get_datetime(i);
          }
        }
        out.push_back(std::move(e));
      }
    }
  }
  return out;
}

namespace {

struct SimArgs {
  RunArgs run;
  std::string from, to, html;
};

std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

// A self-contained page: events on a time axis, one bar per run window, alerting runs in red.
void write_html(const std::string& path, const Schedule& s, const std::string& rule, const std::vector<EventTime>& events,
                const json& runs) {
  std::int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (const auto& e : events)
    if (e.time) { lo = std::min(lo, e.time->ticks); hi = std::max(hi, e.time->ticks); }
  for (const auto& r : runs) {
    lo = std::min(lo, r["window_from_ticks"].get<std::int64_t>());
    hi = std::max(hi, r["now_ticks"].get<std::int64_t>());
  }
  if (lo >= hi) hi = lo + kTicksPerSecond;
  const double width = 1100, left = 170, top = 70;
  const double row = 14;
  auto x = [&](std::int64_t t) { return left + (static_cast<double>(t - lo) / static_cast<double>(hi - lo)) * (width - left - 20); };
  const double events_y = top + 20;
  const double height = events_y + 60 + runs.size() * row + 40;
  std::ofstream o(path);
  o << "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>rulelab simulate: " << html_escape(s.name) << "</title>"
    << "<style>body{font-family:sans-serif;margin:20px}text{font-size:11px}.lbl{fill:#333}</style></head><body>\n"
    << "<h2>" << html_escape(s.name) << "</h2><p>" << html_escape(rule) << "<br>every " << format_timespan(s.frequency)
    << ", looking back " << format_timespan(s.period) << " (by " << html_escape(s.time_field) << "); " << runs.size() << " runs, "
    << events.size() << " events</p>\n";
  o << "<svg width=\"" << width << "\" height=\"" << height << "\" xmlns=\"http://www.w3.org/2000/svg\">\n";
  o << "<text x=\"" << left << "\" y=\"" << top - 30 << "\" class=\"lbl\">" << format_datetime(DateTime{lo}) << "</text>";
  o << "<text x=\"" << width - 20 << "\" y=\"" << top - 30 << "\" text-anchor=\"end\" class=\"lbl\">" << format_datetime(DateTime{hi}) << "</text>\n";
  o << "<text x=\"10\" y=\"" << events_y + 4 << "\" class=\"lbl\">events</text>\n";
  for (const auto& e : events) {
    if (!e.time) continue;
    const double ex = x(e.time->ticks);
    o << "<line x1=\"" << ex << "\" x2=\"" << ex << "\" y1=\"" << events_y - 10 << "\" y2=\"" << events_y + 10
      << "\" stroke=\"" << (e.seen ? "#1f6feb" : "#d29922") << "\" stroke-width=\"2\"><title>" << html_escape(e.file) << ":" << e.line << " "
      << format_datetime(*e.time) << (e.seen ? "" : " (seen by no run)") << "</title></line>\n";
  }
  double y = events_y + 40;
  for (const auto& r : runs) {
    const bool alert = r["alert"].get<bool>();
    const double x0 = x(r["window_from_ticks"].get<std::int64_t>()), x1 = x(r["now_ticks"].get<std::int64_t>());
    o << "<text x=\"10\" y=\"" << y + 9 << "\" class=\"lbl\">" << r["now"].get<std::string>() << "</text>";
    o << "<rect x=\"" << x0 << "\" y=\"" << y << "\" width=\"" << std::max(1.0, x1 - x0) << "\" height=\"" << row - 4 << "\" fill=\""
      << (alert ? "#cf222e" : "#d0d7de") << "\"><title>run at " << r["now"].get<std::string>() << ": " << (alert ? "ALERT, " : "no alert, ")
      << r["rows"].get<std::size_t>() << " rows</title></rect>\n";
    y += row;
  }
  o << "</svg>\n<p><span style=\"color:#1f6feb\">&#9646;</span> event seen by a run &nbsp; <span style=\"color:#d29922\">&#9646;</span> event no run saw"
    << " &nbsp; <span style=\"color:#cf222e\">&#9646;</span> window of an alerting run &nbsp; <span style=\"color:#d0d7de\">&#9646;</span> window without alert</p>\n";
  o << "</body></html>\n";
}

int run_simulate(const SimArgs& a) {
  auto sched = rule_schedule(a.run.rule);
  if (!sched) {
    std::cerr << sched.error().format() << "\n";
    return 1;
  }
  const Schedule& s = *sched;
  const auto t0 = parse_datetime(a.from), t1 = parse_datetime(a.to);
  if (!t0 || !t1 || t1->ticks < t0->ticks) {
    std::cerr << "rulelab simulate: --from and --to must be ISO 8601 datetimes with --from <= --to\n";
    return 2;
  }
  if (s.frequency.ticks <= 0) {
    std::cerr << a.run.rule << ": the rule's run frequency is not positive\n";
    return 1;
  }
  const std::int64_t nruns = (t1->ticks - t0->ticks) / s.frequency.ticks + 1;
  if (nruns > 10000) {
    std::cerr << "rulelab simulate: " << nruns << " runs between --from and --to; at most 10000\n";
    return 2;
  }
  auto events = event_times(s, a.run.data);
  if (!events) {
    std::cerr << events.error().format() << "\n";
    return 1;
  }
  json runs = json::array();
  std::size_t alerting = 0;
  std::set<std::string> alerted_sources;  // Elastic: the source events of alerts already created
  std::optional<std::int64_t> suppressed_until;  // Sentinel suppression: no run before this
  for (std::int64_t k = 0; k < nruns; ++k) {
    const DateTime now{t0->ticks + k * s.frequency.ticks};
    const DateTime from{now.ticks - s.period.ticks};
    RunArgs r = a.run;
    r.format = "json";
    r.now = format_datetime(now);
    if (suppressed_until && now.ticks < *suppressed_until) {
      // Sentinel's "Stop running query after alert is generated": this run does not happen.
      runs.push_back({{"now", r.now}, {"window", {{"from", format_datetime(from)}, {"to", r.now}}}, {"alert", false}, {"rows", 0},
                      {"events_in_window", 0}, {"alerts", json::array()}, {"suppressed", true}, {"now_ticks", now.ticks},
                      {"window_from_ticks", from.ticks}});
      continue;
    }
    Captured c = capture_run(r);
    auto out = json::parse(c.out, nullptr, false);
    if (c.code != 0 || out.is_discarded()) {
      std::cerr << "run at " << r.now << " failed:\n" << c.err;
      return 1;
    }
    std::size_t seen = 0;
    // Elastic searches [from, now] (a range query with gte/lte); Sentinel's window is (now - queryPeriod, now].
    const bool inclusive = s.family == "elastic";
    for (auto& e : *events)
      if (e.time && (inclusive ? e.time->ticks >= from.ticks : e.time->ticks > from.ticks) && e.time->ticks <= now.ticks) {
        e.seen = true;
        ++seen;
      }
    bool alert = out.value("alert", false);
    json alerts = out.value("alerts", json::array());
    // Kibana derives an alert's id from its source documents (index, id, version) and the rule, so
    // a document that an earlier, overlapping run already alerted on gives no second alert; EQL
    // sequence alerts likewise from their events. Sentinel has no such step: overlapping query
    // periods alert again on the same events (scheduled-rules-overview, "Query scheduling").
    std::size_t duplicates = 0;
    if (s.family == "elastic") {
      json fresh = json::array();
      for (auto& al : alerts) {
        const std::string key = al.value("sources", json::array()).dump();
        if (al.contains("sources") && !alerted_sources.insert(key).second) {
          ++duplicates;
          continue;
        }
        fresh.push_back(al);
      }
      alerts = std::move(fresh);
      alert = !alerts.empty();  // a run whose alerts all exist already creates none
    }
    alerting += alert;
    if (alert && s.suppression) suppressed_until = now.ticks + s.suppression->ticks;
    runs.push_back({{"now", r.now}, {"window", {{"from", format_datetime(from)}, {"to", r.now}}}, {"alert", alert},
                    {"rows", out.value("rows", json::array()).size()}, {"events_in_window", seen},
                    {"alerts", alerts}, {"now_ticks", now.ticks}, {"window_from_ticks", from.ticks}});
    if (s.family == "elastic") {
      runs.back()["duplicate_alerts"] = duplicates;
      runs.back()["capped"] = out.value("capped", false);
    }
  }
  json unseen = json::array();
  for (const auto& e : *events)
    if (!e.seen)
      unseen.push_back({{"file", e.file}, {"line", e.line}, {"table", e.table}, {"time", e.time ? format_datetime(*e.time) : ""},
                        {"reason", e.time ? "outside every run's window" : "no " + s.time_field}});
  if (!a.html.empty()) write_html(a.html, s, a.run.rule, *events, runs);
  if (a.run.format == "json") {
    json j{{"rule", a.run.rule}, {"name", s.name}, {"frequency", format_timespan(s.frequency)}, {"period", format_timespan(s.period)},
           {"time_field", s.time_field}, {"events", events->size()}, {"alerting_runs", alerting}, {"unseen_events", unseen},
           {"suppression", s.suppression ? json(format_timespan(*s.suppression)) : json(nullptr)},
           {"warnings", s.warnings}};
    for (auto& r : runs) {
      r.erase("now_ticks");
      r.erase("window_from_ticks");
    }
    j["runs"] = runs;
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  for (const auto& w : s.warnings) std::cerr << "warning: " << w << "\n";
  std::cout << s.name << "\n" << a.run.rule << "\nruns every " << format_timespan(s.frequency) << ", each looking back "
            << format_timespan(s.period) << " by " << s.time_field
            << (s.suppression ? "; after an alert it stops running for " + format_timespan(*s.suppression) : std::string()) << "\n\n";
  for (const auto& r : runs) {
    std::string what = r.value("suppressed", false) ? "not run (suppressed after an alert)" : "-";
    if (r.contains("duplicate_alerts") && (r["alert"].get<bool>() || r["duplicate_alerts"].get<std::size_t>())) {
      const std::size_t n = r["alerts"].size(), dup = r["duplicate_alerts"].get<std::size_t>();
      what = n ? "ALERT (" + std::to_string(n) + " new alert" + (n == 1 ? "" : "s") + (dup ? "; " : "") : std::string("- (");
      if (dup) what += std::to_string(dup) + " match" + (dup == 1 ? "" : "es") + " already alerted by an earlier run, not created again";
      if (r.value("capped", false)) what += "; max_signals reached";
      what += ")";
    } else if (r["alert"].get<bool>()) {
      what = "ALERT (" + std::to_string(r["rows"].get<std::size_t>()) + " rows, " + std::to_string(r["alerts"].size()) + " alert" +
             (r["alerts"].size() == 1 ? "" : "s") + ")";
    }
    std::cout << "  " << r["now"].get<std::string>() << "  window " << (s.family == "elastic" ? "[" : "(") << r["window"]["from"].get<std::string>()
              << ", now]  " << r["events_in_window"].get<std::size_t>() << " events  " << what << "\n";
  }
  std::cout << "\n" << runs.size() << " runs, " << alerting << " alerting; " << events->size() << " events, " << unseen.size()
            << " seen by no run\n";
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
  sub->add_option("--data", a->run.data, "TABLE=FILE or INDEX=FILE (repeatable)");
  sub->add_option("--from", a->from, "time of the first run (ISO 8601)")->required();
  sub->add_option("--to", a->to, "no run after this time (ISO 8601)")->required();
  sub->add_option("--format", a->run.format, "table or json")->check(CLI::IsMember({"table", "json"}));
  sub->add_option("--html", a->html, "write a self-contained timeline page");
  sub->add_option("--schema", a->run.schema_dir, "directory of Log Analytics table schemas (Sentinel)");
  sub->add_option("--mapping", a->run.mapping, "Elasticsearch index mapping JSON (Elastic)");
  add_limit_options(sub, a->run.limits);
  r.add(sub, [a] { return run_simulate(*a); });
}

}  // namespace rulelab::cli
