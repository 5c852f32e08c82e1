// rulelab parse FILE... and rulelab corpus DIR: load rule files and parse their queries.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "commands.hpp"

namespace rulelab::cli {


namespace {


struct ParseArgs {
  std::vector<std::string> files;
  bool ast = false;
  std::string format = "table";
};

int run_parse(const ParseArgs& a) {
  int failed = 0;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& f : a.files) {
    for (auto& c : check_rule_file(f, a.ast)) {
      const bool ok = c.loaded && (c.parsed || c.skipped);
      if (!ok) ++failed;
      if (a.format == "json") {
        nlohmann::json j{{"file", c.file}, {"name", c.name}, {"dialect", c.dialect}, {"loaded", c.loaded},
                         {"parsed", c.parsed}, {"skipped", c.skipped}, {"diagnostics", c.diagnostics}, {"warnings", c.warnings}};
        if (a.ast && !c.ast_json.empty()) j["ast"] = nlohmann::json::parse(c.ast_json, nullptr, false);
        out.push_back(std::move(j));
        continue;
      }
      for (const auto& w : c.warnings) std::cerr << "warning: " << w << "\n";
      for (const auto& d : c.diagnostics) std::cerr << d << "\n";
      if (ok) {
        std::cout << c.file << ": " << (c.skipped ? "skipped" : "ok") << " (" << c.dialect << (c.name.empty() ? "" : ", \"" + c.name + "\"") << ")\n";
        if (a.ast && !c.ast_json.empty()) std::cout << c.ast_json << "\n";
      }
    }
  }
  if (a.format == "json") std::cout << out.dump(2) << "\n";
  return failed ? 1 : 0;
}

struct CorpusArgs {
  std::string dir;
  std::string format = "table";
};

int run_corpus(const CorpusArgs& a) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(a.dir, ec)) {
    std::cerr << a.dir << ": not a directory\n";
    return 1;
  }
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(a.dir, ec))
    if (e.is_regular_file() && !rule_family(e.path().string()).empty()) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  struct Counts { std::size_t files = 0, loaded = 0, parsed = 0, failed = 0, skipped = 0; };
  std::map<std::string, Counts> per;
  Counts all;
  nlohmann::json failures = nlohmann::json::array();
  // ES|QL rules are also run over empty ECS-typed indices: outcome -> count, and what stopped them.
  std::map<std::string, std::size_t> esql_runs;
  nlohmann::json esql_stops = nlohmann::json::array();
  const auto t0 = std::chrono::steady_clock::now();
  for (const auto& f : files) {
    for (auto& c : check_rule_file(f, false)) {
      const std::string d = c.dialect.empty() ? "unknown" : c.dialect;
      auto& k = per[d];
      ++k.files;
      ++all.files;
      if (c.loaded) { ++k.loaded; ++all.loaded; }
      if (!c.empty_run.empty()) {
        ++esql_runs[c.empty_run];
        if (c.empty_run != "ok")
          esql_stops.push_back({{"file", c.file}, {"outcome", c.empty_run}, {"message", c.warnings.empty() ? "" : c.warnings.front()}});
      }
      if (c.skipped) { ++k.skipped; ++all.skipped; continue; }
      if (c.parsed) { ++k.parsed; ++all.parsed; continue; }
      ++k.failed;
      ++all.failed;
      failures.push_back({{"file", c.file}, {"dialect", d}, {"message", c.diagnostics.empty() ? "failed" : c.diagnostics.front()}});
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (a.format == "json") {
    nlohmann::json j{{"files", all.files}, {"loaded", all.loaded}, {"parsed", all.parsed}, {"failed", all.failed},
                     {"skipped", all.skipped}, {"seconds", secs}, {"failures", failures}};
    if (!esql_runs.empty()) j["esql_empty_run"] = {{"outcomes", esql_runs}, {"stopped", esql_stops}};
    auto& pd = j["dialects"] = nlohmann::json::object();
    for (const auto& [d, k] : per)
      pd[d] = {{"files", k.files}, {"loaded", k.loaded}, {"parsed", k.parsed}, {"failed", k.failed}, {"skipped", k.skipped}};
    std::cout << j.dump(2) << "\n";
  } else {
    std::printf("%-10s %7s %7s %7s %7s %7s\n", "dialect", "files", "loaded", "parsed", "failed", "skipped");
    for (const auto& [d, k] : per) std::printf("%-10s %7zu %7zu %7zu %7zu %7zu\n", d.c_str(), k.files, k.loaded, k.parsed, k.failed, k.skipped);
    std::printf("%-10s %7zu %7zu %7zu %7zu %7zu\n", "total", all.files, all.loaded, all.parsed, all.failed, all.skipped);
    std::printf("(%.3f s)\n", secs);
    if (!esql_runs.empty()) {
      std::printf("esql over empty ECS indices:");
      const char* sep = " ";
      for (const auto& [o, n] : esql_runs) {
        std::printf("%s%zu %s", sep, n, o.c_str());
        sep = ", ";
      }
      std::printf("\n");
      for (const auto& s : esql_stops) {
        const std::string m = s["message"].get<std::string>();
        std::cout << "  " << m.substr(0, m.find('\n')) << "\n";
      }
    }
    for (const auto& f : failures) std::cout << "\n" << f["message"].get<std::string>() << "\n";
  }
  return all.failed ? 1 : 0;
}

}  // namespace

void add_parse(CLI::App& app, Registry& r) {
  auto a = std::make_shared<ParseArgs>();
  CLI::App* sub = app.add_subcommand("parse", "Load rule files and parse their queries; exit 1 if any fails");
  sub->add_option("files", a->files, "rule files (Sentinel YAML/ARM JSON/.kql, Elastic TOML/NDJSON export)")->required();
  sub->add_flag("--ast", a->ast, "print each query's AST as JSON");
  sub->add_option("--format", a->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  r.add(sub, [a] { return run_parse(*a); });
}

void add_corpus(CLI::App& app, Registry& r) {
  auto a = std::make_shared<CorpusArgs>();
  CLI::App* sub = app.add_subcommand("corpus", "Load and parse every rule file under a directory; counts per dialect and failures");
  sub->add_option("dir", a->dir, "directory")->required();
  sub->add_option("--format", a->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  r.add(sub, [a] { return run_corpus(*a); });
}

}  // namespace rulelab::cli
