// rulelab explain for Elastic ES|QL rules: the explanation app::explain_esql gives (which command
// dropped the event, or the result rows and alerts it led to), printed for people or as JSON.
#include <iostream>

#include "app/explain_esql.hpp"
#include "app/rule.hpp"
#include "commands.hpp"
#include "run_output.hpp"

namespace rulelab::cli {

int explain_elastic_esql(const ExplainArgs& a, const app::LoadedRule& rule) {
  auto now = app::parse_now(a.now);
  if (!now) {
    std::cerr << now.error().message << "\n";
    return 2;
  }
  const app::EsqlExplanation x = app::explain_esql(rule, explain_data_options(a, true), a.event, *now);
  for (const auto& m : x.messages) std::cerr << m << "\n";
  if (x.status != app::ExplainStatus::Explained) return x.status == app::ExplainStatus::Refused ? 2 : 1;
  const auto& j = x.document;
  if (a.format == "json") {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << "event:  " << x.event.file << ":" << x.event.line << "  (index " << x.event.table << ")\nrule:   " << x.rule_name
            << " (esql)\nnow:    " << j["now"].get<std::string>() << "\n";
  if (j.contains("window"))
    std::cout << "window: [" << j["window"]["from"].get<std::string>() << ", " << j["window"]["to"].get<std::string>()
              << "] by " << x.window_field << (x.window_fallback.empty() ? "" : " (else " + x.window_fallback + ")") << "; the event's time " << (j["event"]["time"].is_string() ? j["event"]["time"].get<std::string>() : "none")
              << " is " << (x.in_window ? "inside" : "OUTSIDE") << "\n";
  std::cout << "result: " << x.verdict << "\n\ncommands (rows carrying the event, before -> after):\n";
  for (const auto& s : x.steps) {
    std::string text;  // on one line
    for (char c : s.text) {
      bool space = c == '\n' || c == '\r' || c == '\t' || c == ' ';
      if (space && (text.empty() || text.back() == ' ')) continue;
      text += space ? ' ' : c;
    }
    std::cout << "  " << (s.rows_after == 0 ? "x" : "+") << " " << s.command + 1 << ". " << text << "   (" << s.rows_before << " -> "
              << s.rows_after << ")\n";
    if (!s.note.empty()) std::cout << "      " << s.note << "\n";
    for (const auto& p : s.parts) {
      std::cout << "      " << (p.value == "true" ? "+ " : "x ") << p.text << ": " << p.value;
      for (std::size_t k = 0; k < p.fields.size(); ++k) std::cout << (k ? ", " : "   (") << p.fields[k].first << " = " << p.fields[k].second;
      std::cout << (p.fields.empty() ? "" : ")") << "\n";
    }
    if (s.rows_after == 0) break;
  }
  return 0;
}

}  // namespace rulelab::cli
