// rulelab explain (Elastic EQL rules): the explanation app::explain_eql gives (app/explain_eql.hpp),
// printed for people (table) or as JSON.
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/explain_eql.hpp"
#include "commands.hpp"
#include "run_output.hpp"

namespace rulelab::cli {

using nlohmann::ordered_json;

int explain_elastic_eql(const ExplainArgs& a, const app::LoadedRule& rule) {
  auto now = app::parse_now(a.now);
  if (!now) {
    std::cerr << now.error().message << "\n";
    return 2;
  }
  const app::EqlExplanation x = app::explain_eql(rule, explain_data_options(a, true), a.event, *now);
  for (const auto& m : x.messages) std::cerr << m << "\n";
  if (x.status != app::ExplainStatus::Explained) return x.status == app::ExplainStatus::Refused ? 2 : 1;
  const ordered_json& j = x.document;
  if (a.format == "json") {
    std::cout << j.dump(2) << "\n";
    return 0;
  }

  // For people.
  const ordered_json& wj = j["window"];
  std::cout << "event:  " << x.event.file << ":" << x.event.line << "  (index " << x.event.table << ")\nrule:   " << x.rule_name
            << " (eql)\nnow:    " << j["now"].get<std::string>() << "\n";
  std::cout << "index:  " << (x.index_selected ? "read by the rule (" : "NOT read by the rule (patterns ") << j["index"]["patterns"].dump() << ")\n";
  std::cout << "window: [" << wj["from"].get<std::string>() << ", " << wj["to"].get<std::string>() << "] by " << x.window_field
            << (x.window_fallback_field.empty() ? "" : " (else " + x.window_fallback_field + ")") << "; the event's time "
            << wj["event_time"].get<std::string>() << " is " << (x.in_window ? "inside" : "OUTSIDE") << "\n";
  if (wj.contains("runs_that_see_it"))
    std::cout << "        runs every " << x.interval << "; the scheduled runs whose window holds it run between "
              << wj["runs_that_see_it"]["from"].get<std::string>() << " and " << wj["runs_that_see_it"]["to"].get<std::string>() << "\n";
  if (!x.kept) std::cout << "filter: " << x.filtered << "\n";
  std::cout << "result: " << x.verdict << "\n";
  auto print_filter = [](const ordered_json& f, const std::string& indent) {
    for (const auto& p : f["parts"]) {
      std::cout << indent << (p["matches"].get<bool>() ? "+ " : "x ") << p["part"].get<std::string>() << "\n";
      for (const auto& fl : p["fields"])
        std::cout << indent << "    " << fl["field"].get<std::string>() << " (" << fl["type"].get<std::string>()
                  << "): " << (fl["values"].empty() ? "absent" : fl["values"].dump()) << "\n";
    }
  };
  const auto& qj = j["query"];
  if (qj["kind"] == "event") {
    if (qj.contains("filter")) {
      std::cout << "\nquery (" << qj["filter"]["joined_by"].get<std::string>() << "): " << qj["filter"]["condition"].get<std::string>() << "\n";
      print_filter(qj["filter"], "  ");
    }
    return 0;
  }
  std::cout << "\n" << qj["kind"].get<std::string>();
  for (std::size_t i = 0; i < qj["by"].size(); ++i) std::cout << (i ? ", " : " by ") << qj["by"][i].get<std::string>();
  if (qj.contains("maxspan")) std::cout << " with maxspan " << qj["maxspan"].get<std::string>();
  std::cout << "\n";
  for (const auto& s : qj["stages"]) {
    std::cout << "  stage " << s["stage"].get<std::size_t>() << ": " << s["text"].get<std::string>() << "\n";
    if (!s.contains("filter")) continue;
    print_filter(s["filter"], "    ");
    if (s["filter"]["matches"].get<bool>()) {
      std::cout << "    = the event matches this stage";
      if (!s["key_exprs"].empty()) {
        std::string names;
        for (const auto& k : s["key_exprs"]) names += (names.empty() ? "" : ", ") + k.get<std::string>();
        std::cout << "; its join key (" << names << "): " << (s["keys"].empty() ? "none (a key field is absent)" : s["keys"][0].dump());
      }
      std::cout << "\n";
    } else {
      std::cout << "    = the event does not match this stage\n";
    }
  }
  if (qj.contains("until")) {
    std::cout << "  until: " << qj["until"]["text"].get<std::string>() << "\n";
    if (qj["until"].contains("filter")) {
      print_filter(qj["until"]["filter"], "    ");
      std::cout << "    = the event " << (qj["until"]["filter"]["matches"].get<bool>() ? "matches" : "does not match") << " the until condition\n";
    }
  }
  if (!qj["event_steps"].empty() || !qj["sequences"].empty()) std::cout << "\nwhat the sequence engine did with it (events in time order):\n";
  for (const auto& s : qj["event_steps"]) std::cout << "  * the event " << s.get<std::string>() << "\n";
  for (const auto& sq : qj["sequences"]) {
    std::cout << "  sequence #" << sq["sequence"].get<std::size_t>() << " (key " << sq["key"].dump() << ")\n";
    for (const auto& st : sq["steps"]) std::cout << "    - " << st.get<std::string>() << "\n";
    std::cout << "    = " << sq["fate"].get<std::string>() << "\n";
    for (const char* k : {"outside", "other_keys"})
      if (sq.contains(k))
        for (const auto& o : sq[k]) std::cout << "      " << o.get<std::string>() << "\n";
  }
  return 0;
}

}  // namespace rulelab::cli
