#include "app/corpus_run.hpp"

#include "app/runner.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "core/schema.hpp"
#include "engine/engine.hpp"
#include "kusto/parser.hpp"
#include "kusto/sentinel_rule.hpp"

namespace rulelab::app {

namespace {
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
                                                    {"_TimeReceived", Type::DateTime}, {"_BilledSize", Type::Real},
                                                    {"_IsBillable", Type::String}};
  for (auto& [col, t] : standard)
    if (sc.index_of(col) < 0) sc.fields.push_back({col, t});
  return sc;
}

}  // namespace

Result<CorpusRun> run_corpus(const std::string& dir, const std::vector<std::string>& schema_dirs, bool verbose,
                             const std::vector<std::string>& parser_dirs) {
  CorpusRun out;
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Error(dir + ": not a directory");
  engine::Engine eng;
  std::size_t& ntables = out.tables;
  // Schema files one by one: a file the loader rejects is reported and skipped.
  for (auto& d : schema_dirs) {
    if (!fs::is_directory(d, ec)) return Error(d + ": not a directory");
    for (const auto& e : fs::directory_iterator(d, ec)) {
      if (!e.is_regular_file() || e.path().extension() != ".json") continue;
      auto s = load_schema_file(e.path().string());
      if (!s) {
        out.warnings.push_back("schema skipped: " + s.error().format());
        continue;
      }
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
  if (!parser_dirs.empty()) {
    DataOptions d;
    d.parser_dirs = parser_dirs;
    auto content = workspace_content(d);
    if (!content) return content.error();
    for (const auto& f : (*content)->functions) eng.add_function(f.name, f.text, f.location);
    for (const auto& w : (*content)->warnings) out.warnings.push_back(w);
  }
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (!e.is_regular_file()) continue;
    const std::string ext = e.path().extension().string();
    if (ext == ".yaml" || ext == ".yml" || ext == ".json" || ext == ".kql") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  engine::RunOptions ro;
  ro.now_ticks = 0;
  ro.external_empty = true;  // over empty tables, externaldata is empty too
  CorpusRun& c = out;
  auto& features = out.features;
  auto& errors = out.errors;
  std::map<std::string, std::vector<std::string>> feature_files;
  auto& failures = out.failures;
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
      if (m.rfind("unknown table", 0) == 0) { ++c.missing_table; if (verbose) failures.push_back({{"file", f}, {"kind", "missing_table"}, {"message", err.error.format()}}); continue; }
      if (m.rfind("unknown function", 0) == 0) { ++c.missing_function; if (verbose) failures.push_back({{"file", f}, {"kind", "missing_function"}, {"message", err.error.format()}}); continue; }
      const std::string key = feature_of(m);
      if (err.unsupported) {
        ++c.unsupported;
        ++features[key];
        feature_files[key].push_back(f);
        failures.push_back({{"file", f}, {"kind", "unsupported"}, {"message", err.error.format()}});
      } else {
        ++c.errors_count;
        ++errors[key];
        failures.push_back({{"file", f}, {"kind", "error"}, {"message", err.error.format()}});
      }
    }
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace rulelab::app
