// rulelab corpus-run DIR --schema DIR: runs every Sentinel rule of a directory over empty tables
// (all tables of the schema directories) and counts how many run without an "unsupported"
// error. Rules whose tables (or workspace functions) do not exist are counted apart.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "app/corpus_run.hpp"

namespace rulelab::cli {

namespace {

struct CorpusRunArgs {
  std::string dir;
  std::vector<std::string> schema_dirs;
  std::vector<std::string> parser_dirs;  // --parsers: ASIM parser YAMLs
  std::string format = "table";
  std::string now;
  bool verbose = false;
  std::size_t top = 25;
};

int run_corpus_run(const CorpusRunArgs& a) {
  auto run = app::run_corpus(a.dir, a.schema_dirs, a.verbose, a.parser_dirs);
  if (!run) {
    std::cerr << run.error().format() << "\n";
    return 1;
  }
  for (const auto& w : run->warnings) std::cerr << w << "\n";
  const app::CorpusRun& c = *run;
  const auto& features = c.features;
  const auto& errors = c.errors;
  const auto& failures = c.failures;
  const std::size_t ntables = c.tables;
  const double secs = c.seconds;
  const std::size_t considered = c.ok + c.unsupported + c.errors_count + c.parse_errors;
  const double share = considered ? 100.0 * static_cast<double>(c.ok) / static_cast<double>(considered) : 0;
  const double share_unsup = considered ? 100.0 * static_cast<double>(considered - c.unsupported) / static_cast<double>(considered) : 0;
  auto top = [&](const std::map<std::string, std::size_t>& m) {
    std::vector<std::pair<std::string, std::size_t>> v(m.begin(), m.end());
    std::sort(v.begin(), v.end(), [](auto& x, auto& y) { return x.second != y.second ? x.second > y.second : x.first < y.first; });
    if (v.size() > a.top) v.resize(a.top);
    return v;
  };
  if (a.format == "json") {
    nlohmann::json j{{"rules", c.rules}, {"ran", c.ok}, {"unsupported", c.unsupported}, {"errors", c.errors_count},
                     {"parse_errors", c.parse_errors}, {"missing_table", c.missing_table}, {"missing_function", c.missing_function},
                     {"not_rules", c.not_rules}, {"considered", considered}, {"share_ran", share},
                     {"share_without_unsupported", share_unsup}, {"seconds", secs}, {"tables", ntables}};
    for (auto& [k, n] : top(features)) j["top_unsupported"].push_back({{"feature", k}, {"rules", n}});
    for (auto& [k, n] : top(errors)) j["top_errors"].push_back({{"error", k}, {"rules", n}});
    if (a.verbose) j["failures"] = failures;
    std::cout << j.dump(2) << "\n";
  } else {
    std::printf("rules: %zu (files that are not rules: %zu)\n", c.rules, c.not_rules);
    std::printf("excluded: %zu need a table the schemas lack, %zu need a workspace function\n", c.missing_table, c.missing_function);
    std::printf("considered: %zu  ran: %zu  unsupported: %zu  other errors: %zu  parse errors: %zu\n", considered, c.ok,
                c.unsupported, c.errors_count, c.parse_errors);
    std::printf("share that ran: %.1f%%  share without an unsupported error: %.1f%%  (%.2f s)\n", share, share_unsup, secs);
    if (!features.empty()) {
      std::printf("\ntop unsupported features:\n");
      for (auto& [k, n] : top(features)) std::printf("%5zu  %s\n", n, k.c_str());
    }
    if (!errors.empty()) {
      std::printf("\ntop other errors:\n");
      for (auto& [k, n] : top(errors)) std::printf("%5zu  %s\n", n, k.c_str());
    }
    if (a.verbose)
      for (auto& f : failures) std::cout << "\n[" << f["kind"].get<std::string>() << "] " << f["message"].get<std::string>() << "\n";
  }
  return 0;
}

}  // namespace

void add_corpus_run(CLI::App& app, Registry& r) {
  auto a = std::make_shared<CorpusRunArgs>();
  CLI::App* sub = app.add_subcommand("corpus-run", "Run every Sentinel rule of a directory over empty tables; report what is unsupported");
  sub->add_option("dir", a->dir, "directory of Sentinel rules (searched recursively)")->required();
  sub->add_option("--schema", a->schema_dirs, "directory of Log Analytics table schemas (repeatable)");
  sub->add_option("--parsers", a->parser_dirs, "ASIM parser YAMLs, a file or a directory searched recursively (repeatable)");
  sub->add_option("--format", a->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  sub->add_option("--top", a->top, "how many features/errors to list");
  sub->add_flag("--verbose", a->verbose, "list every failing rule with its diagnostic");
  r.add(sub, [a] { return run_corpus_run(*a); });
}

}  // namespace rulelab::cli
