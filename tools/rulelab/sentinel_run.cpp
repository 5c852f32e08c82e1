// rulelab query --dialect kusto: the query over the tables given, with one pinned clock (no window).
#include <iostream>
#include <set>
#include <nlohmann/json.hpp>

#include "app/rule.hpp"
#include "app/sentinel_workspace.hpp"
#include "commands.hpp"
#include "core/datetime.hpp"
#include "engine/output.hpp"
#include "run_output.hpp"

namespace rulelab::cli {

using nlohmann::ordered_json;

int query_kusto(const QueryArgs& a) {
  auto now_time = app::parse_now(a.now);
  if (!now_time) {
    std::cerr << now_time.error().message << "\n";
    return 1;
  }
  const std::int64_t now = now_time->ticks;
  std::string err;
  // As a rule without a window: only the columns the query reads, its leading filters pushed down.
  kusto::SentinelRule rule;
  rule.query = a.query;
  rule.location = kusto::QueryLocation::identity("query");
  RunArgs ra;
  ra.data = a.data;
  ra.schema_dir = a.schema_dir;
  ra.functions = a.functions;
  ra.parser_dirs = a.parser_dirs;
  ra.watchlists = a.watchlists;
  ra.strict = a.strict;
  ra.date_order = a.date_order;
  const app::DataOptions data = data_options(ra, false);
  std::map<std::string, std::vector<std::string>> projection;
  {
    app::Workspace probe;
    if (!app::load_workspace(probe, {}, a.schema_dir, {}, a.strict, std::nullopt)) {
      for (const auto& m : probe.messages) std::cerr << m << "\n";
      return 1;
    }
    projection = app::plan_projection(rule, data, probe.schemas);
  }
  app::PushdownPlan pushdown;
  pushdown.now = now;
  if (!a.no_pushdown) pushdown = app::plan_pushdown(rule, data, now);
  app::Workspace ws;
  ws.date_order = data.date_order;
  auto content = app::workspace_content(data);
  if (!content) {
    std::cerr << content.error().format() << "\n";
    return 1;
  }
  ws.content = *content;
  ws.standard_columns = app::standard_columns_named(a.query, content->get());
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
  std::vector<Error> engine_notes;  // e.g. a watchlist no --watchlist gives, read as empty
  ro.notes = &engine_notes;
  std::vector<engine::ResultTable> results;  // several for fork and facet
  engine::EngineError ee;
  const bool ran = ws.engine.run(a.query, rule.location, ro, results, ee);
  app::collect_reads(ws);
  for (const auto& m : ws.messages) std::cerr << "warning: " << m << "\n";
  for (const auto& w : app::format_engine_messages(engine_warnings)) std::cerr << "warning: " << w << "\n";
  for (const auto& n : ws.notes) std::cerr << "note: " << n << "\n";
  for (const auto& n : app::format_engine_messages(engine_notes)) std::cerr << "note: " << n << "\n";
  if (!ran) {
    std::cerr << ee.error.format() << "\n";
    return ee.unsupported ? 2 : 1;
  }
  // One result table as before; several (fork, facet) one after the other with their names:
  // JSON `tables: [{name, columns, rows}]`, text and CSV a `== NAME` line before each, ndjson
  // a "$table" member in each row.
  const bool several = results.size() > 1;
  auto columns_json = [](const Table& t) {
    ordered_json c = ordered_json::array();
    for (auto& f : t.schema.fields) c.push_back({{"name", f.name}, {"type", std::string(type_name(f.type))}});
    return c;
  };
  if (a.format == "json") {
    ordered_json o = ordered_json::object();
    o["now"] = format_datetime(DateTime{now});
    if (several) {
      o["tables"] = ordered_json::array();
      for (auto& r : results)
        o["tables"].push_back({{"name", r.name}, {"columns", columns_json(r.table)}, {"rows", engine::rows_json(r.table)}});
    } else {
      o["columns"] = columns_json(results[0].table);
      o["rows"] = engine::rows_json(results[0].table);
    }
    std::cout << o.dump(2) << "\n";
    return 0;
  }
  for (std::size_t i = 0; i < results.size(); ++i) {
    const Table& result = results[i].table;
    if (several && a.format == "ndjson") {
      for (auto row : engine::rows_json(result)) {
        ordered_json x = ordered_json::object();
        x["$table"] = results[i].name;
        for (auto& [k, v] : row.items()) x[k] = v;
        std::cout << x.dump() << "\n";
      }
      continue;
    }
    if (several) std::cout << (i ? "\n" : "") << "== " << results[i].name << "\n";
    if (a.format == "csv") engine::write_csv(result, std::cout);
    else if (a.format == "ndjson") engine::write_ndjson(result, std::cout);
    else engine::write_table_text(result, std::cout);
  }
  return 0;
}

}  // namespace rulelab::cli
