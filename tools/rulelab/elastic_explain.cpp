// rulelab explain (Elastic rules): the explanation app::explain_kuery / app::explain_eql gives,
// printed for people (table) or as JSON. EQL rules are printed by eql_explain.cpp.
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/explain_elastic.hpp"
#include "app/rule.hpp"
#include "app/value_lists.hpp"
#include "commands.hpp"
#include "core/datetime.hpp"
#include "run_output.hpp"

namespace rulelab::cli {

using nlohmann::ordered_json;

namespace {

ordered_json kuery_json(const app::KueryExplanation& x) {
  ordered_json j = ordered_json::object();
  j["rule"] = x.rule_name;
  j["now"] = format_datetime(x.now);
  j["event"] = {{"file", x.event.file}, {"line", x.event.line}, {"index", x.event.table}};
  j["index"] = {{"patterns", x.index_patterns}, {"selected", x.index_selected}};
  if (x.window) {
    j["window"] = {{"from", format_datetime(x.window->from)}, {"to", format_datetime(x.window->to)}, {"field", x.window->field},
                   {"event_time", x.event_time ? format_datetime(*x.event_time) : "none"}, {"contains_event", x.in_window}};
    if (x.runs_that_see_it) {
      j["window"]["runs_that_see_it"] = {{"from", format_datetime(x.runs_that_see_it->first)}, {"to", format_datetime(x.runs_that_see_it->second)}};
      j["window"]["interval"] = x.interval;
    }
  }
  ordered_json clauses = ordered_json::array();
  for (const auto& c : x.clauses) {
    ordered_json cj{{"clause", c.text}, {"matches", c.matches}};
    if (c.has_field) {
      ordered_json fj = ordered_json::array();
      for (const auto& f : c.fields) fj.push_back({{"field", f.field}, {"type", f.type}, {"mapping", f.mapping}, {"values", f.values}});
      cj["fields"] = fj;
    }
    if (c.error) cj["error"] = *c.error;
    clauses.push_back(std::move(cj));
  }
  j["query"] = {{"joined_by", x.joined_by}, {"clauses", clauses}, {"matches", x.query_matches}};
  j["led_to_alert"] = x.led_to_alert;
  j["verdict"] = x.verdict;
  return j;
}

void print_kuery_table(const app::KueryExplanation& x, const ordered_json& j) {
  std::cout << "event:  " << x.event.file << ":" << x.event.line << "  (index " << x.event.table << ")\nrule:   " << x.rule_name
            << "\nnow:    " << j["now"].get<std::string>() << "\n";
  std::cout << "index:  " << (x.index_selected ? "read by the rule (" : "NOT read by the rule (patterns ") << j["index"]["patterns"].dump() << ")\n";
  if (x.window)
    std::cout << "window: [" << j["window"]["from"].get<std::string>() << ", " << j["window"]["to"].get<std::string>() << "] by " << x.window->field
              << "; the event's time " << j["window"]["event_time"].get<std::string>() << " is " << (x.in_window ? "inside" : "OUTSIDE") << "\n";
  if (x.window && x.runs_that_see_it)
    std::cout << "        runs every " << x.interval << "; the scheduled runs whose window holds it run between "
              << j["window"]["runs_that_see_it"]["from"].get<std::string>() << " and " << j["window"]["runs_that_see_it"]["to"].get<std::string>()
              << "\n";
  std::cout << "result: " << x.verdict << "\n\nquery clauses (" << x.joined_by << "):\n";
  for (const auto& c : j["query"]["clauses"]) {
    std::cout << "  " << (c["matches"].get<bool>() ? "+" : "x") << " " << c["clause"].get<std::string>() << "\n";
    if (c.contains("fields")) {
      if (c["fields"].empty()) std::cout << "      no field of the index matches this name\n";
      for (const auto& f : c["fields"])
        std::cout << "      " << f["field"].get<std::string>() << " (" << f["type"].get<std::string>() << ", " << f["mapping"].get<std::string>()
                  << "): " << (f["values"].empty() ? "absent" : f["values"].dump()) << "\n";
    }
    if (c.contains("error")) std::cout << "      Elasticsearch would reject it: " << c["error"].get<std::string>() << "\n";
  }
}

}  // namespace

int explain_elastic(const ExplainArgs& a) {
  auto rules = app::load_rules(a.rule);
  if (!rules) {
    std::cerr << rules.error().format() << "\n";
    return 1;
  }
  // The items of the value lists the rule's exception entries name (--value-list ID=FILE).
  auto attached = app::with_value_lists(rules->front(), a.value_lists);
  if (!attached) {
    std::cerr << attached.error().format() << "\n";
    return 1;
  }
  const app::LoadedRule& rule = *attached;
  if (rule.kind == app::Kind::ElasticEql) return explain_elastic_eql(a, rule);
  if (rule.kind == app::Kind::ElasticEsql) return explain_elastic_esql(a, rule);
  auto now = app::parse_now(a.now);
  if (!now) {
    std::cerr << now.error().message << "\n";
    return 2;
  }
  const app::KueryExplanation x = app::explain_kuery(rule, explain_data_options(a, true), a.event, *now);
  for (const auto& m : x.messages) std::cerr << m << "\n";
  if (x.status != app::ExplainStatus::Explained) return x.status == app::ExplainStatus::Refused ? 2 : 1;
  const ordered_json j = kuery_json(x);
  if (a.format == "json") std::cout << j.dump(2) << "\n";
  else print_kuery_table(x, j);
  return 0;
}

}  // namespace rulelab::cli
