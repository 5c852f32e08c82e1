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
#include "core/schema.hpp"
#include "engine/engine.hpp"
#include "kusto/sentinel_rule.hpp"

namespace rulelab::cli {

namespace {

struct CorpusRunArgs {
  std::string dir;
  std::vector<std::string> schema_dirs;
  std::string format = "table";
  std::string now;
  bool verbose = false;
  std::size_t top = 25;
};

// A message without the specifics (quoted names kept: they name the feature).
std::string feature_of(const std::string& msg) {
  std::string m = msg;
  if (auto p = m.find(" ("); p != std::string::npos) m.resize(p);
  return m;
}

// Azure Monitor's standard columns exist in every Log Analytics table ("Standard columns in Azure
// Monitor Logs"); schema files list only the documented ones.
Schema with_standard_columns(Schema sc) {
  const std::pair<const char*, Type> standard[] = {{"TenantId", Type::String}, {"TimeGenerated", Type::DateTime},
                                                    {"Type", Type::String},     {"_ResourceId", Type::String},
                                                    {"_SubscriptionId", Type::String}, {"_ItemId", Type::String},
                                                    {"_TimeReceived", Type::DateTime}};
  for (auto& [col, t] : standard)
    if (sc.index_of(col) < 0) sc.fields.push_back({col, t});
  return sc;
}

int run_corpus_run(const CorpusRunArgs& a) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(a.dir, ec)) { std::cerr << a.dir << ": not a directory\n"; return 1; }
  engine::Engine eng;
  std::size_t ntables = 0;
  // Schema files one by one: a file the loader rejects is reported and skipped.
  for (auto& d : a.schema_dirs) {
    if (!fs::is_directory(d, ec)) { std::cerr << d << ": not a directory\n"; return 1; }
    for (const auto& e : fs::directory_iterator(d, ec)) {
      if (!e.is_regular_file() || e.path().extension() != ".json") continue;
      auto s = load_schema_file(e.path().string());
      if (!s) { std::cerr << "schema skipped: " << s.error().format() << "\n"; continue; }
      std::string name = s.value().table.empty() ? e.path().stem().string() : s.value().table;
      if (eng.has_table(name)) continue;
      // Azure Monitor's standard columns exist in every Log Analytics table ("Standard columns in
      // Azure Monitor Logs"); schema files list only the documented ones.
      eng.add_table(name, std::make_shared<const Table>(Table{with_standard_columns(s.value()), {}, {}}));
      ++ntables;
    }
  }
  for (auto& name : builtin_schema_names())
    if (!eng.has_table(name))
      if (auto s = builtin_schema(name)) eng.add_table(name, std::make_shared<const Table>(Table{with_standard_columns(*s), {}, {}}));
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(a.dir, ec)) {
    if (!e.is_regular_file()) continue;
    const std::string ext = e.path().extension().string();
    if (ext == ".yaml" || ext == ".yml" || ext == ".json" || ext == ".kql") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  engine::RunOptions ro;
  ro.now_ticks = 0;
  ro.external_empty = true;  // over empty tables, externaldata is empty too
  struct Counts { std::size_t rules = 0, ok = 0, unsupported = 0, errors = 0, parse_errors = 0, missing_table = 0, missing_function = 0, not_rules = 0; } c;
  std::map<std::string, std::size_t> features, errors;
  std::map<std::string, std::vector<std::string>> feature_files;
  nlohmann::json failures = nlohmann::json::array();
  const auto t0 = std::chrono::steady_clock::now();
  for (auto& f : files) {
    auto loaded = kusto::load_sentinel_file(f);
    if (!loaded) { ++c.not_rules; continue; }
    for (auto& rule : loaded.value()) {
      ++c.rules;
      kusto::ParseOptions po;
      po.location = rule.location;
      auto q = kusto::parse_query(rule.query, po);
      if (!q) {
        ++c.parse_errors;
        failures.push_back({{"file", f}, {"kind", "parse"}, {"message", q.error().format()}});
        continue;
      }
      Table out;
      engine::EngineError err;
      if (eng.run(q.value(), rule.location, ro, out, err)) { ++c.ok; continue; }
      const std::string& m = err.error.message;
      if (m.rfind("unknown table", 0) == 0) { ++c.missing_table; if (a.verbose) failures.push_back({{"file", f}, {"kind", "missing_table"}, {"message", err.error.format()}}); continue; }
      if (m.rfind("unknown function", 0) == 0) { ++c.missing_function; continue; }
      const std::string key = feature_of(m);
      if (err.unsupported) {
        ++c.unsupported;
        ++features[key];
        feature_files[key].push_back(f);
        failures.push_back({{"file", f}, {"kind", "unsupported"}, {"message", err.error.format()}});
      } else {
        ++c.errors;
        ++errors[key];
        failures.push_back({{"file", f}, {"kind", "error"}, {"message", err.error.format()}});
      }
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::size_t considered = c.ok + c.unsupported + c.errors + c.parse_errors;
  const double share = considered ? 100.0 * static_cast<double>(c.ok) / static_cast<double>(considered) : 0;
  const double share_unsup = considered ? 100.0 * static_cast<double>(considered - c.unsupported) / static_cast<double>(considered) : 0;
  auto top = [&](const std::map<std::string, std::size_t>& m) {
    std::vector<std::pair<std::string, std::size_t>> v(m.begin(), m.end());
    std::sort(v.begin(), v.end(), [](auto& x, auto& y) { return x.second != y.second ? x.second > y.second : x.first < y.first; });
    if (v.size() > a.top) v.resize(a.top);
    return v;
  };
  if (a.format == "json") {
    nlohmann::json j{{"rules", c.rules}, {"ran", c.ok}, {"unsupported", c.unsupported}, {"errors", c.errors},
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
                c.unsupported, c.errors, c.parse_errors);
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
  sub->add_option("--format", a->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  sub->add_option("--top", a->top, "how many features/errors to list");
  sub->add_flag("--verbose", a->verbose, "list every failing rule with its diagnostic");
  r.add(sub, [a] { return run_corpus_run(*a); });
}

}  // namespace rulelab::cli
