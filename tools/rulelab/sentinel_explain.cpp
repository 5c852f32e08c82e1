// rulelab explain (Sentinel rules): why one event did or did not lead to an alert. The
// explanation is built by app::explain_sentinel (src/app/explain_sentinel.hpp) from one run of the
// rule with the executor's tap on; this file only formats it (table and JSON).
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/explain_sentinel.hpp"
#include "app/rule.hpp"
#include "commands.hpp"
#include "core/datetime.hpp"
#include "run_output.hpp"
#include "app/events.hpp"

namespace rulelab::cli {

using nlohmann::ordered_json;

namespace {

ordered_json keys_json(const app::JoinKeys& k) { return ordered_json(k.other_keys); }

ordered_json loss_json(const app::Loss& l) {
  using K = app::Loss::Kind;
  if (l.kind == K::NotInSource) return l.note;
  ordered_json why = ordered_json::object();
  switch (l.kind) {
    case K::Where: {
      ordered_json checks = ordered_json::array();
      for (const auto& c : l.where) {
        ordered_json j{{"predicate", c.predicate}, {"value", c.value}};
        if (c.left) j["left"] = {{"expr", c.left->expr}, {"value", c.left->value}};
        if (c.right) j["right"] = {{"expr", c.right->expr}, {"value", c.right->value}};
        checks.push_back(std::move(j));
      }
      why["where"] = std::move(checks);
      break;
    }
    case K::MvApply: {
      ordered_json items = ordered_json::array();
      for (const auto& it : l.mv_apply) items.push_back({{"expr", it.expr}, {"value", it.value}});
      why["mv_apply"] = {{"items", items}, {"note", l.note}};
      break;
    }
    case K::Join:
      why["join"] = {{"left_key", ordered_json(l.join.left_key)}, {"right_key", ordered_json(l.join.right_key)}, {"event_key", l.join.event_key},
                     {"right_rows", l.join.other_rows}, {"right_keys", keys_json(l.join)}, {"note", l.join.note}};
      break;
    default:
      why["operator"] = l.operator_text;
      why["note"] = l.note;
  }
  return why;
}

ordered_json pipelines_json(const std::vector<app::ExplainPipeline>& pipelines) {
  ordered_json out = ordered_json::array();
  for (const auto& p : pipelines) {
    ordered_json pj{{"pipeline", p.title}, {"lines", p.lines}};
    ordered_json steps = ordered_json::array();
    for (const auto& s : p.steps) {
      ordered_json sj{{"step", s.text}, {"line", s.line}};
      if (s.error) {
        sj["error"] = *s.error;
      } else {
        sj["rows"] = s.rows;
        sj["event_rows"] = s.event_rows;
        sj["kept"] = s.kept;
        if (s.why) sj["why"] = loss_json(*s.why);
      }
      steps.push_back(std::move(sj));
    }
    pj["steps"] = std::move(steps);
    pj["event_reaches_end"] = p.event_reaches_end;
    if (p.join) {
      const auto& j = *p.join;
      pj["join"] = {{"operator", j.operator_text}, {"line", j.line}, {"event_key", j.keys.event_key}, {"left_key", j.keys.left_key},
                    {"right_key", j.keys.right_key}, {"left_rows", j.keys.other_rows}, {"left_keys", keys_json(j.keys)},
                    {"paired", j.paired}, {"note", j.keys.note}};
    }
    out.push_back(std::move(pj));
  }
  return out;
}

// The right side of a join is traced as its own pipeline, so an event that belongs there is
// followed where it matters. An event lost in the result pipeline's first filters while it
// reaches the end of a right side is not "lost": the summary says which pipeline carries it.
void print_report(const ordered_json& j) {
  std::cout << "event:  " << j["event"]["file"].get<std::string>() << ":" << j["event"]["line"].get<std::size_t>();
  if (j["event"].contains("time")) std::cout << "  (" << j["event"]["table"].get<std::string>() << ", TimeGenerated " << j["event"]["time"].get<std::string>() << ")";
  std::cout << "\nrule:   " << j["rule"].get<std::string>() << "\nnow:    " << j["now"].get<std::string>() << "\n";
  std::cout << "window: " << j["window"]["verdict"].get<std::string>() << "\n";
  std::cout << "result: " << j["verdict"].get<std::string>() << "\n";
  for (const auto& p : j["pipelines"]) {
    std::cout << "\n" << p["pipeline"].get<std::string>() << " (rule file lines " << p["lines"].get<std::string>() << ")\n";
    for (const auto& s : p["steps"]) {
      const bool kept = s.value("kept", false);
      std::cout << "  " << (s.contains("error") ? "!" : kept ? "+" : "x") << " line " << s["line"].get<std::size_t>() << ": "
                << s["step"].get<std::string>() << "\n";
      if (s.contains("error")) std::cout << "      " << s["error"].get<std::string>() << "\n";
      if (!s.contains("why")) continue;
      const auto& w = s["why"];
      if (w.is_string()) std::cout << "      " << w.get<std::string>() << "\n";
      if (w.contains("where")) {
        for (const auto& c : w["where"]) {
          std::cout << "      " << c["predicate"].get<std::string>() << "  ->  " << c["value"].get<std::string>() << "\n";
          for (const char* side : {"left", "right"})
            if (c.contains(side)) std::cout << "          " << c[side]["expr"].get<std::string>() << " = " << c[side]["value"].get<std::string>() << "\n";
        }
      }
      if (w.contains("mv_apply")) {
        for (const auto& it : w["mv_apply"]["items"]) std::cout << "      " << it["expr"].get<std::string>() << " = " << it["value"].get<std::string>() << "\n";
        std::cout << "      " << w["mv_apply"]["note"].get<std::string>() << "\n";
      }
      if (w.contains("join")) {
        const auto& jn = w["join"];
        std::cout << "      the event's key: " << jn["event_key"].get<std::string>() << "\n      the other side ("
                  << jn["right_rows"].get<std::size_t>() << " rows) has keys:";
        for (const auto& k : jn["right_keys"]) std::cout << "\n        " << k.get<std::string>();
        std::cout << "\n      " << jn["note"].get<std::string>() << "\n";
      }
      if (w.contains("operator")) std::cout << "      " << w["note"].get<std::string>() << "\n";
    }
    if (p["event_reaches_end"].get<bool>()) std::cout << "  = the event reaches the end of this pipeline\n";
    if (p.contains("join") && !p["join"].empty()) {
      const auto& jn = p["join"];
      std::cout << "  then line " << jn["line"].get<std::size_t>() << ": " << jn["operator"].get<std::string>() << "\n"
                << "      the event's key (" << jn["right_key"].dump() << "): " << jn["event_key"].get<std::string>() << "\n"
                << "      the left side (" << jn["left_key"].dump() << ", " << jn["left_rows"].get<std::size_t>() << " rows) has keys:";
      for (const auto& k : jn["left_keys"]) std::cout << "\n        " << k.get<std::string>();
      std::cout << "\n      " << jn["note"].get<std::string>() << "\n";
    }
  }
}

}  // namespace

int explain_sentinel(const ExplainArgs& a) {
  auto rules = app::load_rules(a.rule);
  if (!rules) { std::cerr << rules.error().format() << "\n"; return 1; }
  const app::LoadedRule& rule = rules->front();
  auto now = app::parse_now(a.now);
  if (!now) { std::cerr << now.error().message << "\n"; return 2; }
  auto found = app::find_event(a.event, app::data_specs(a.data, false), "TimeGenerated", false, date_order_of(a.date_order));
  if (!found) { std::cerr << found.error().format() << "\n"; return 2; }
  const app::FoundEvent& ev = *found;

  RunArgs ra;
  ra.data = a.data;
  ra.schema_dir = a.schema_dir;
  ra.functions = a.functions;
  ra.parser_dirs = a.parser_dirs;
  ra.watchlists = a.watchlists;
  ra.limits = a.limits;
  auto ex = app::explain_sentinel(rule, data_options(ra, false), app::ExplainTarget{ev.file_index, ev.line, ev.time}, *now);
  if (!ex) { std::cerr << a.rule << ": " << ex.error().format() << "\n"; return 1; }
  for (const auto& w : ex->warnings) std::cerr << "warning: " << w << "\n";
  for (const auto& n : ex->notes) std::cerr << "note: " << n << "\n";

  ordered_json j = ordered_json::object();
  j["rule"] = rule.name;
  j["now"] = format_datetime(*now);
  j["event"] = {{"file", ev.file}, {"line", ev.line}, {"table", ev.table}};
  if (ev.time) j["event"]["time"] = format_datetime(*ev.time);
  const app::WindowVerdict& w = ex->window;
  if (w.runs_from)
    j["window_runs"] = {{"from", format_datetime(*w.runs_from)}, {"to", format_datetime(*w.runs_to)}, {"every", format_timespan(*w.every)}};
  if (w.window)
    j["window"] = {{"from", format_datetime(w.window->from)}, {"to", format_datetime(w.window->to)}, {"contains_event", w.contains_event},
                   {"verdict", w.verdict}};
  else
    j["window"] = {{"verdict", w.verdict}};
  j["verdict"] = ex->verdict;
  j["led_to_alert"] = ex->led_to_alert;
  j["pipelines"] = pipelines_json(ex->pipelines);
  if (a.format == "json") std::cout << j.dump(2) << "\n";
  else print_report(j);
  return 0;
}

}  // namespace rulelab::cli
