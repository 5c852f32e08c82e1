// rulelab query --dialect kusto: the query over the tables given, with one pinned clock (no window).
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/rule.hpp"
#include "app/sentinel_workspace.hpp"
#include "commands.hpp"
#include "core/datetime.hpp"
#include "engine/output.hpp"
#include "run_output.hpp"
#include "sentinel_workspace.hpp"

namespace rulelab::cli {

using nlohmann::ordered_json;

std::int64_t now_ticks(const std::string& text, std::string& err) {
  auto t = app::parse_now(text);
  if (!t) {
    err = t.error().message;
    return 0;
  }
  return t->ticks;
}

bool load_workspace(Workspace& ws, const std::vector<std::string>& data, const std::string& schema_dir,
                    const std::vector<std::string>& functions, bool strict,
                    std::optional<std::pair<std::int64_t, std::int64_t>> window) {
  const bool ok = app::load_workspace(ws, app::data_specs(data, false), schema_dir, functions, strict, window);
  for (const auto& m : ws.messages) std::cerr << (ok ? "warning: " : "") << m << "\n";
  ws.messages.clear();
  return ok;
}

int query_kusto(const QueryArgs& a) {
  std::string err;
  const std::int64_t now = now_ticks(a.now, err);
  if (!err.empty()) { std::cerr << err << "\n"; return 1; }
  // As a rule without a window: only the columns the query reads, its leading filters pushed down.
  kusto::SentinelRule rule;
  rule.query = a.query;
  rule.location = kusto::QueryLocation::identity("query");
  RunArgs ra;
  ra.data = a.data;
  ra.schema_dir = a.schema_dir;
  ra.functions = a.functions;
  ra.strict = a.strict;
  const app::DataOptions data = data_options(ra, false);
  std::map<std::string, std::vector<std::string>> projection;
  {
    Workspace probe;
    if (!load_workspace(probe, std::vector<std::string>{}, a.schema_dir, {}, a.strict, std::nullopt)) return 1;
    projection = app::plan_projection(rule, data, probe.schemas);
  }
  app::PushdownPlan pushdown;
  pushdown.now = now;
  if (!a.no_pushdown) pushdown = app::plan_pushdown(rule, data, now);
  Workspace ws;
  const bool loaded = app::load_workspace_projected(ws, data.data, a.schema_dir, a.functions, a.strict, std::nullopt,
                                                    projection.empty() ? nullptr : &projection, &pushdown, !a.no_pushdown);
  for (const auto& m : ws.messages) std::cerr << (loaded ? "warning: " : "") << m << "\n";
  if (!loaded) return 1;
  ws.messages.clear();
  engine::RunOptions ro;
  ro.now_ticks = now;
  if (!app::external_files(a.external, ro.external, err)) { std::cerr << err << "\n"; return 1; }
  ro.limits = a.limits;
  std::vector<Error> engine_warnings;  // e.g. union isfuzzy=true legs that do not resolve
  ro.warnings = &engine_warnings;
  Table result;
  engine::EngineError ee;
  const bool ran = ws.engine.run(a.query, rule.location, ro, result, ee);
  app::collect_reads(ws);
  for (const auto& m : ws.messages) std::cerr << "warning: " << m << "\n";
  for (const auto& w : engine_warnings) std::cerr << "warning: " << w.format() << "\n";
  if (!ran) {
    std::cerr << ee.error.format() << "\n";
    return ee.unsupported ? 2 : 1;
  }
  if (a.format == "json") {
    ordered_json o = ordered_json::object();
    o["now"] = format_datetime(DateTime{now});
    o["columns"] = ordered_json::array();
    for (auto& f : result.schema.fields) o["columns"].push_back({{"name", f.name}, {"type", std::string(type_name(f.type))}});
    o["rows"] = engine::rows_json(result);
    std::cout << o.dump(2) << "\n";
  } else if (a.format == "csv") {
    engine::write_csv(result, std::cout);
  } else if (a.format == "ndjson") {
    engine::write_ndjson(result, std::cout);
  } else {
    engine::write_table_text(result, std::cout);
  }
  return 0;
}

}  // namespace rulelab::cli
