// rulelab run (Sentinel rules) and rulelab query --dialect kusto: load the logs into tables, run
// the query with one pinned clock, print the rows and the alert decision.
#include <algorithm>
#include <chrono>
#include <functional>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "commands.hpp"
#include "core/datetime.hpp"
#include "core/ingest.hpp"
#include "core/schema.hpp"
#include "engine/engine.hpp"
#include "engine/file_table.hpp"
#include "engine/output.hpp"
#include "engine/plan.hpp"
#include "engine/pushdown.hpp"
#include "kusto/sentinel_rule.hpp"
#include "sentinel_workspace.hpp"

namespace rulelab::cli {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

std::int64_t now_ticks(const std::string& text, std::string& err) {
  if (text.empty()) {
    auto d = std::chrono::system_clock::now().time_since_epoch();
    return std::chrono::duration_cast<std::chrono::microseconds>(d).count() * 10;
  }
  auto t = parse_datetime(text);
  if (!t) { err = "--now: not a datetime: " + text; return 0; }
  return t->ticks;
}


namespace {

// Rows filtered while a table is read (the window of TimeGenerated, the query's leading `where`s
// pushed down): judged on a batch holding only the columns the filters read.
class ReadFilter : public BatchFilter {
 public:
  int time_column = -1;  // in the batches seen; -1: no window
  std::pair<std::int64_t, std::int64_t> window{};
  std::unique_ptr<engine::RowFilter> rows;
  void select(const Batch& b, std::vector<std::uint8_t>& keep) override {
    if (time_column >= 0 && static_cast<std::size_t>(time_column) < b.columns.size()) {
      const Column& c = b.columns[static_cast<std::size_t>(time_column)];
      for (std::size_t r = 0; r < b.rows(); ++r)
        if (c.is_null(r) || c.get_long(r) < window.first || c.get_long(r) > window.second) keep[r] = 0;
    }
    if (rows) rows->select(b, keep);
  }
};

}  // namespace

// The query's filters to push down into reading its tables: the use queries of each table
// (engine/pushdown.hpp) and the clock they read.
struct PushdownPlan {
  std::int64_t now = 0;
  std::map<std::string, std::vector<std::string>> uses;
};

// As load_workspace, reading only the columns `projection` names for the tables it lists, and
// dropping while reading the rows the query's leading filters drop (`pushdown`).
static bool load_workspace_projected(Workspace& ws, const std::vector<std::string>& data, const std::string& schema_dir,
                                     const std::vector<std::string>& functions, bool strict,
                              std::optional<std::pair<std::int64_t, std::int64_t>> window,
                              const std::map<std::string, std::vector<std::string>>* projection,
                              const PushdownPlan* pushdown = nullptr, bool lazy = false) {
  // lazy: tables of a known schema stay in their files until the query reads them (FileTable)
  struct LazyTable {
    Schema schema;
    std::vector<engine::FileTable::Part> parts;
  };
  std::map<std::string, LazyTable> lazy_tables;
  if (!schema_dir.empty()) {
    // one file at a time: a schema file that does not load is reported and skipped
    std::error_code ec;
    if (!fs::is_directory(schema_dir, ec)) { std::cerr << schema_dir << ": not a directory\n"; return false; }
    for (const auto& e : fs::directory_iterator(schema_dir, ec)) {
      if (!e.is_regular_file() || e.path().extension() != ".json") continue;
      auto s = load_schema_file(e.path().string());
      if (!s) { std::cerr << "warning: schema skipped: " << s.error().format() << "\n"; continue; }
      std::string name = s.value().table.empty() ? e.path().stem().string() : s.value().table;
      ws.schemas.emplace(name, std::move(s.value()));
    }
  }
  for (auto& f : functions) {
    const auto eq = f.find('=');
    if (eq == std::string::npos) { std::cerr << "--function " << f << ": expected NAME=FILE.kql\n"; return false; }
    const std::string name = f.substr(0, eq), file = f.substr(eq + 1);
    std::ifstream in(file, std::ios::binary);
    if (!in) { std::cerr << file << ": cannot read\n"; return false; }
    std::stringstream ss;
    ss << in.rdbuf();
    ws.engine.add_function(name, ss.str(), kusto::QueryLocation::identity(file));
  }
  std::set<std::string> given;
  std::map<std::string, Table> tables;  // by name: several files for one table are appended
  for (auto& d : data) {
    const auto eq = d.find('=');
    std::string table = eq == std::string::npos ? fs::path(d).stem().string() : d.substr(0, eq);
    std::string file = eq == std::string::npos ? d : d.substr(eq + 1);
    IngestOptions opt;
    opt.table = table;
    opt.strict = strict;
    auto sit = ws.schemas.find(table);
    if (sit != ws.schemas.end()) opt.schema = sit->second;
    std::optional<Schema> known = opt.schema ? opt.schema : builtin_schema(table);
    if (projection && known) {
      auto pit = projection->find(table);
      if (pit != projection->end()) {
        // only the columns the query can read are materialised (the window column included)
        opt.columns = pit->second;
        Schema pruned;
        pruned.table = known->table;
        for (auto& f : known->fields)
          if (std::find(opt.columns.begin(), opt.columns.end(), f.name) != opt.columns.end()) pruned.fields.push_back(f);
        known = pruned;
      }
    }
    int tg = known ? known->index_of("TimeGenerated") : -1;
    if (window && tg >= 0) {
      const auto w = *window;
      opt.keep = [w, tg](const Batch& b, std::size_t r) {
        const Column& c = b.columns[static_cast<std::size_t>(tg)];
        if (c.is_null(r)) return false;
        const std::int64_t t = c.get_long(r);
        return t >= w.first && t <= w.second;
      };
    }
    bool pushed_down = false;
    if (known) {
      // Two-step reading: the columns the filters read first, the rest only for rows they keep.
      std::vector<std::string> uses;
      if (pushdown) {
        auto u = pushdown->uses.find(table);
        if (u != pushdown->uses.end()) uses = u->second;
      }
      const std::int64_t clock = pushdown ? pushdown->now : 0;
      auto probe = uses.empty() ? nullptr : engine::RowFilter::make(uses, *known, clock);
      std::vector<std::string> cols = probe ? probe->columns() : std::vector<std::string>{};
      const bool windowed = window && tg >= 0;
      if (windowed && std::find(cols.begin(), cols.end(), "TimeGenerated") == cols.end()) cols.push_back("TimeGenerated");
      if (!cols.empty()) {
        Schema stage;
        for (auto& f : known->fields)
          if (std::find(cols.begin(), cols.end(), f.name) != cols.end()) stage.fields.push_back(f);
        opt.filter_columns = cols;
        const auto w = window.value_or(std::make_pair(std::int64_t{0}, std::int64_t{0}));
        const Schema read = *known;
        const bool pushed = probe != nullptr;
        pushed_down = pushed;
        opt.make_filter = [stage, read, uses, clock, w, windowed, pushed]() -> std::unique_ptr<BatchFilter> {
          auto f = std::make_unique<ReadFilter>();
          if (windowed) {
            f->time_column = stage.index_of("TimeGenerated");
            f->window = w;
          }
          if (pushed) {
            f->rows = engine::RowFilter::make(uses, read, clock);
            if (f->rows) f->rows->set_input(stage);
          }
          return f;
        };
      }
    }
    if (lazy && known) {
      const auto file_id = static_cast<std::uint32_t>(ws.files.size());
      ws.files.push_back(file);
      given.insert(table);
      LazyTable& lt = lazy_tables[table];
      lt.schema = *known;
      lt.parts.push_back({file, file_id, opt});
      ws.lazy_pushdown[file] = pushed_down;
      continue;
    }
    auto res = ingest_file(file, opt);
    if (!res) { std::cerr << res.error().format() << "\n"; return false; }
    {
      const IngestStats& st = res->stats;
      ws.reads.push_back({table, file, st.records, st.rows, st.filtered, st.rejected, pushed_down});
    }
    for (auto& rj : res->stats.first_rejections) std::cerr << file << ":" << rj.line << ": record skipped: " << rj.reason << "\n";
    Table t = std::move(res->table);
    if (window && tg < 0) {
      int i = t.schema.index_of("TimeGenerated");
      if (i >= 0 && t.schema.fields[static_cast<std::size_t>(i)].type == Type::DateTime) {
        Table f{t.schema, t.sources, {}};
        for (auto& b : t.batches) {
          SelectionVector sel;
          const Column& c = b.columns[static_cast<std::size_t>(i)];
          for (std::size_t r = 0; r < b.rows(); ++r)
            if (!c.is_null(r) && c.get_long(r) >= window->first && c.get_long(r) <= window->second) sel.push_back(static_cast<std::uint32_t>(r));
          if (!sel.empty()) f.batches.push_back(engine::select_rows(b, sel));
        }
        t = std::move(f);
      }
    }
    // Number the file once for the run, so that provenance names it whatever table a row ends in.
    const auto file_id = static_cast<std::uint32_t>(ws.files.size());
    ws.files.push_back(file);
    for (auto& b : t.batches)
      for (auto& s : b.sources) s.file = file_id;
    given.insert(table);
    auto it = tables.find(table);
    if (it == tables.end()) {
      tables.emplace(table, std::move(t));
    } else if (it->second.schema.fields.size() == t.schema.fields.size()) {
      for (auto& b : t.batches) it->second.batches.push_back(std::move(b));  // several files for one table
    } else {
      std::cerr << file << ": its columns differ from the other files given for table " << table << "\n";
      return false;
    }
  }
  for (auto& [name, t] : tables) {
    t.sources = ws.files;
    ws.engine.add_table(name, std::make_shared<const Table>(std::move(t)));
  }
  for (auto& [name, lt] : lazy_tables) {
    auto ft = std::make_shared<engine::FileTable>(lt.schema, ws.files, std::move(lt.parts));
    ws.file_tables.emplace_back(name, ft);
    ws.engine.add_file_table(name, ft);
  }
  // Tables the workspace has but no data was given for are empty (as in a workspace with no rows).
  for (auto& [name, s] : ws.schemas)
    if (!given.count(name)) ws.engine.add_table(name, std::make_shared<const Table>(Table{s, {}, {}}));
  for (auto& name : builtin_schema_names())
    if (!given.count(name) && !ws.schemas.count(name)) {
      auto s = builtin_schema(name);
      if (s) ws.engine.add_table(name, std::make_shared<const Table>(Table{*s, {}, {}}));
    }
  return true;
}

bool trigger(kusto::TriggerOperator op, std::int64_t count, std::int64_t threshold) {
  switch (op) {
    case kusto::TriggerOperator::GreaterThan: return count > threshold;
    case kusto::TriggerOperator::LessThan: return count < threshold;
    case kusto::TriggerOperator::Equal: return count == threshold;
    case kusto::TriggerOperator::NotEqual: return count != threshold;
  }
  return false;
}

bool load_workspace(Workspace& ws, const std::vector<std::string>& data, const std::string& schema_dir,
                    const std::vector<std::string>& functions, bool strict,
                    std::optional<std::pair<std::int64_t, std::int64_t>> window) {
  return load_workspace_projected(ws, data, schema_dir, functions, strict, window, nullptr);
}

namespace {

void print_rows(const Table& t, const std::string& format) {
  if (format == "csv") engine::write_csv(t, std::cout);
  else if (format == "ndjson") engine::write_ndjson(t, std::cout);
  else engine::write_table_text(t, std::cout);
}


// Values of one column for the given rows (strings as Sentinel shows them).
std::string cell_text(const Table& t, const engine::RowRef& r, const std::string& col, bool& found) {
  int i = t.schema.index_of(col);
  found = i >= 0;
  if (!found) return {};
  return engine::format_cell(t.batches[r.batch].columns[static_cast<std::size_t>(i)], r.row);
}

// {{Column}} placeholders of alertDetailsOverride formats, from the alert's first row.
std::string fill_format(const std::string& fmt, const Table& t, const engine::RowRef* r) {
  std::string out;
  for (std::size_t i = 0; i < fmt.size();) {
    if (fmt.compare(i, 2, "{{") == 0) {
      auto e = fmt.find("}}", i + 2);
      if (e != std::string::npos) {
        std::string col = fmt.substr(i + 2, e - i - 2);
        bool found = false;
        std::string v = r ? cell_text(t, *r, col, found) : "";
        out += found ? v : fmt.substr(i, e + 2 - i);
        i = e + 2;
        continue;
      }
    }
    out += fmt[i++];
  }
  return out;
}

ordered_json alert_json(const kusto::SentinelRule& rule, const Table& t, const std::vector<engine::RowRef>& rows) {
  ordered_json a = ordered_json::object();
  a["rows"] = rows.size();
  ordered_json entities = ordered_json::array();
  std::set<std::string> seen;
  for (auto& r : rows) {
    for (auto& m : rule.entity_mappings) {
      ordered_json ids = ordered_json::object();
      for (auto& fm : m.field_mappings) {
        bool found = false;
        std::string v = cell_text(t, r, fm.column_name, found);
        if (found && !v.empty()) ids[fm.identifier] = v;
      }
      if (ids.empty()) continue;  // Sentinel drops an entity whose identifiers are all empty
      ordered_json e = ordered_json::object();
      e["type"] = m.entity_type;
      e["identifiers"] = ids;
      if (seen.insert(e.dump()).second) entities.push_back(e);
    }
  }
  a["entities"] = entities;
  ordered_json details = ordered_json::object();
  for (auto& [key, col] : rule.custom_details) {
    ordered_json vals = ordered_json::array();
    std::set<std::string> vs;
    for (auto& r : rows) {
      bool found = false;
      std::string v = cell_text(t, r, col, found);
      if (found && vs.insert(v).second) vals.push_back(v);
    }
    details[key] = vals;
  }
  a["customDetails"] = details;
  if (rule.alert_details_override) {
    const auto& o = *rule.alert_details_override;
    const engine::RowRef* first = rows.empty() ? nullptr : &rows[0];
    ordered_json ov = ordered_json::object();
    if (!o.alert_display_name_format.empty()) ov["alertDisplayName"] = fill_format(o.alert_display_name_format, t, first);
    if (!o.alert_description_format.empty()) ov["alertDescription"] = fill_format(o.alert_description_format, t, first);
    bool found = false;
    if (!o.alert_severity_column_name.empty() && first) ov["alertSeverity"] = cell_text(t, *first, o.alert_severity_column_name, found);
    if (!o.alert_tactics_column_name.empty() && first) ov["alertTactics"] = cell_text(t, *first, o.alert_tactics_column_name, found);
    for (auto& [prop, col] : o.alert_dynamic_properties)
      if (first) ov[prop] = cell_text(t, *first, col, found);
    a["alertDetailsOverride"] = ov;
  }
  return a;
}

}  // namespace

// For each result row, the input records it derives from, as "file:line".
ordered_json provenance_json(const Table& result, const Lineage& lineage, const std::vector<std::string>& files) {
  ordered_json out = ordered_json::array();
  for (const auto& b : result.batches) {
    for (const RowSource& s : b.sources) {
      ordered_json row = ordered_json::array();
      for (const RowSource& r : lineage.records(s))
        if (r.line > 0 && r.file < files.size()) row.push_back(files[r.file] + ":" + std::to_string(r.line));
      out.push_back(std::move(row));
    }
  }
  return out;
}

// --external URL=FILE (split at the last '=': URLs carry '=' in their query strings).
static bool external_files(const std::vector<std::string>& args, std::map<std::string, std::string>& out) {
  for (auto& e : args) {
    const auto eq = e.rfind('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == e.size()) {
      std::cerr << "--external " << e << ": expected URL=FILE\n";
      return false;
    }
    out[e.substr(0, eq)] = e.substr(eq + 1);
  }
  return true;
}

// The --function NAME=FILE arguments as {name, file, text}; false when one is malformed.
struct FunctionText {
  std::string name, file, text;
};
static bool function_texts(const std::vector<std::string>& functions, std::vector<FunctionText>& out) {
  for (auto& f : functions) {
    const auto eq = f.find('=');
    if (eq == std::string::npos) return false;
    std::ifstream in(f.substr(eq + 1), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    out.push_back({f.substr(0, eq), f.substr(eq + 1), ss.str()});
  }
  return true;
}

// Column pruning (DESIGN 7: read only the columns the query uses). Candidates: every string the
// query's AST holds (names, literals, patterns) that names a column. The pruning is used only when
// the query binds over empty tables with the pruned schemas and gives the same result columns as
// with the full schemas; otherwise every column is read.
static std::map<std::string, std::vector<std::string>> plan_projection(const kusto::SentinelRule& rule, const RunArgs& a,
                                                                 const std::map<std::string, Schema>& schemas) {
  std::map<std::string, std::vector<std::string>> out;
  kusto::ParseOptions po;
  po.location = rule.location;
  auto q = kusto::parse_query(rule.query, po);
  if (!q) return out;
  if (engine::reads_unnamed_columns(q.value())) return out;  // distinct *, pack_all(), getschema, ...
  std::set<std::string> strings = engine::query_strings(q.value());
  // workspace functions may read columns the rule does not name
  std::vector<FunctionText> fns;
  if (!function_texts(a.functions, fns)) return {};
  for (auto& f : fns) {
    kusto::ParseOptions fo;
    auto fq = kusto::parse_query(f.text, fo);
    if (!fq || engine::reads_unnamed_columns(fq.value())) return {};
    strings.merge(engine::query_strings(fq.value()));
  }
  std::map<std::string, Schema> full;
  for (auto& d : a.data) {
    const auto eq = d.find('=');
    std::string table = eq == std::string::npos ? fs::path(d).stem().string() : d.substr(0, eq);
    auto sit = schemas.find(table);
    std::optional<Schema> known = sit != schemas.end() ? std::optional<Schema>(sit->second) : builtin_schema(table);
    if (!known) return {};  // an inferred schema: no pruning
    full[table] = *known;
  }
  bool pruned_any = false;
  for (auto& [table, sc] : full) {
    std::vector<std::string> cols;
    for (auto& f : sc.fields)
      if (strings.count(f.name) || f.name == "TimeGenerated") cols.push_back(f.name);
    pruned_any = pruned_any || cols.size() < sc.fields.size();
    out[table] = cols;
  }
  if (!pruned_any) return {};
  auto result_schema = [&](bool pruned, Schema& res) {
    engine::Engine e;
    for (auto& f : fns) e.add_function(f.name, f.text, kusto::QueryLocation::identity(f.file));
    for (auto& name : builtin_schema_names())
      if (auto b = builtin_schema(name)) e.add_table(name, std::make_shared<const Table>(Table{*b, {}, {}}));
    for (auto& [name, sc] : schemas) e.add_table(name, std::make_shared<const Table>(Table{sc, {}, {}}));
    for (auto& [table, sc] : full) {
      Schema use = sc;
      if (pruned) {
        use.fields.clear();
        for (auto& f : sc.fields)
          if (std::find(out[table].begin(), out[table].end(), f.name) != out[table].end()) use.fields.push_back(f);
      }
      e.add_table(table, std::make_shared<const Table>(Table{use, {}, {}}));
    }
    engine::RunOptions ro;
    ro.external_empty = true;  // binding is what counts here
    Table t;
    engine::EngineError err;
    if (!e.run(q.value(), rule.location, ro, t, err)) return false;
    res = t.schema;
    return true;
  };
  Schema with_all, with_pruned;
  if (!result_schema(false, with_all) || !result_schema(true, with_pruned)) return {};
  if (with_all.fields.size() != with_pruned.fields.size()) return {};
  for (std::size_t i = 0; i < with_all.fields.size(); ++i)
    if (with_all.fields[i].name != with_pruned.fields[i].name || with_all.fields[i].type != with_pruned.fields[i].type) return {};
  return out;
}

// After a run: what reading the lazily read files gave (Workspace::reads), their rejections on stderr.
static void collect_reads(Workspace& ws) {
  for (auto& [table, ft] : ws.file_tables)
    for (auto& r : ft->reads()) {
      const IngestStats& st = r.stats;
      ws.reads.push_back({table, r.path, st.records, st.rows, st.filtered, st.rejected, ws.lazy_pushdown[r.path]});
      for (auto& rj : st.first_rejections) std::cerr << r.path << ":" << rj.line << ": record skipped: " << rj.reason << "\n";
    }
}

// The filters of the query to push down into reading each table given with --data.
static PushdownPlan plan_pushdown(const kusto::SentinelRule& rule, const RunArgs& a, std::int64_t now) {
  PushdownPlan out;
  out.now = now;
  kusto::ParseOptions po;
  po.location = rule.location;
  auto q = kusto::parse_query(rule.query, po);
  if (!q) return out;
  std::vector<FunctionText> fns;
  if (!function_texts(a.functions, fns)) return out;
  std::vector<std::string> texts;
  for (auto& f : fns) texts.push_back(f.name + "\n" + f.text);
  for (auto& d : a.data) {
    const auto eq = d.find('=');
    const std::string table = eq == std::string::npos ? fs::path(d).stem().string() : d.substr(0, eq);
    auto uses = engine::pushdown_queries(q.value(), table, texts);
    if (!uses.empty()) out.uses[table] = std::move(uses);
  }
  return out;
}

int run_sentinel(const RunArgs& a) {
  auto loaded = kusto::load_sentinel_file(a.rule);
  if (!loaded) { std::cerr << loaded.error().format() << "\n"; return 1; }
  std::string err;
  const std::int64_t now = now_ticks(a.now, err);
  if (!err.empty()) { std::cerr << err << "\n"; return 1; }
  int rc = 0;
  for (auto& rule : loaded.value()) {
    for (auto& w : rule.warnings) std::cerr << "warning: " << w.format() << "\n";
    std::optional<std::pair<std::int64_t, std::int64_t>> window;
    if (rule.query_period) window = std::make_pair(now - rule.query_period->ticks, now);
    Workspace ws;
    std::map<std::string, std::vector<std::string>> projection;
    {
      // the schemas only, to plan which columns to read
      Workspace probe;
      if (!load_workspace(probe, {}, a.schema_dir, {}, a.strict, std::nullopt)) return 1;
      projection = plan_projection(rule, a, probe.schemas);
    }
    PushdownPlan pushdown;
    pushdown.now = now;
    if (!a.no_pushdown) pushdown = plan_pushdown(rule, a, now);
    if (!load_workspace_projected(ws, a.data, a.schema_dir, a.functions, a.strict, window, projection.empty() ? nullptr : &projection,
                                  &pushdown, !a.no_pushdown))
      return 1;
    engine::RunOptions ro;
    ro.now_ticks = now;
    if (!external_files(a.external, ro.external)) return 1;
    ro.limits = a.limits;
    Lineage lineage;
    if (a.provenance) ro.lineage = &lineage;
    Table result;
    engine::EngineError ee;
    const bool ran = ws.engine.run(rule.query, rule.location, ro, result, ee);
    collect_reads(ws);
    if (!ran) {
      std::cerr << ee.error.format() << "\n";
      return ee.unsupported ? 2 : 1;
    }
    const std::int64_t count = static_cast<std::int64_t>(result.rows());
    const bool alert = rule.kind == kusto::RuleKind::NRT ? count > 0 : trigger(rule.trigger_operator, count, rule.trigger_threshold);
    const bool per_result = rule.event_grouping_settings && rule.event_grouping_settings->aggregation_kind == "AlertPerResult";
    std::vector<engine::RowRef> rows = engine::all_rows(result);
    ordered_json alerts = ordered_json::array();
    if (alert) {
      // AlertPerResult: one alert per row, at most 150 per run (30 for NRT rules); beyond that the
      // first 149 (29) rows get their own alert and the last alert summarizes every row, as a
      // SingleAlert would (scheduled-rules-overview "Event grouping"; near-real-time-rules).
      const std::size_t cap = rule.kind == kusto::RuleKind::NRT ? 30 : 150;
      if (per_result && rows.size() <= cap) {
        for (auto& r : rows) alerts.push_back(alert_json(rule, result, {r}));
      } else if (per_result) {
        for (std::size_t i = 0; i + 1 < cap; ++i) alerts.push_back(alert_json(rule, result, {rows[i]}));
        alerts.push_back(alert_json(rule, result, rows));
        alerts.back()["summary"] = "the " + std::to_string(cap) + "th alert summarizes all " + std::to_string(rows.size()) +
                                   " results (AlertPerResult creates at most " + std::to_string(cap) + " alerts per run)";
      } else {
        alerts.push_back(alert_json(rule, result, rows));
      }
    }
    if (a.format == "json") {
      ordered_json o = ordered_json::object();
      o["rule"] = rule.name;
      o["file"] = rule.file;
      o["now"] = format_datetime(DateTime{now});
      if (window) {
        o["window"] = {{"from", format_datetime(DateTime{window->first})}, {"to", format_datetime(DateTime{window->second})}};
      }
      o["columns"] = ordered_json::array();
      for (auto& f : result.schema.fields) o["columns"].push_back({{"name", f.name}, {"type", std::string(type_name(f.type))}});
      o["rows"] = engine::rows_json(result);
      if (a.provenance) o["provenance"] = provenance_json(result, lineage, ws.files);
      o["count"] = count;
      o["warnings"] = ordered_json::array();
      for (auto& w : rule.warnings) o["warnings"].push_back(w.format());
      o["read"] = ordered_json::array();
      for (auto& r : ws.reads)
        o["read"].push_back({{"table", r.table}, {"file", r.file}, {"records", r.records}, {"rows", r.rows},
                             {"filtered", r.filtered}, {"rejected", r.rejected}, {"pushdown", r.pushdown}});
      o["trigger"] = {{"operator", std::string(kusto::to_string(rule.trigger_operator))}, {"threshold", rule.trigger_threshold}};
      o["alert"] = alert;
      o["alerts"] = alerts;
      std::cout << o.dump(2) << "\n";
    } else {
      if (a.format == "table") {
        std::cout << "rule: " << rule.name << "\nnow:  " << format_datetime(DateTime{now}) << "\n";
        if (window) std::cout << "window: " << format_datetime(DateTime{window->first}) << " .. " << format_datetime(DateTime{window->second}) << "\n";
        std::cout << "\n";
      }
      print_rows(result, a.format);
      if (a.format == "table") {
        std::cout << "\nalert: " << (alert ? "yes" : "no") << " (" << count << " result" << (count == 1 ? "" : "s") << ", trigger "
                  << kusto::to_string(rule.trigger_operator) << " " << rule.trigger_threshold << ")\n";
        for (auto& al : alerts) std::cout << al.dump(2) << "\n";
      } else if (a.format == "ndjson") {
        std::cout << ordered_json({{"alert", alert}, {"count", count}, {"alerts", alerts}}).dump() << "\n";
      }
    }
    if (rc == 0 && !alert) rc = 0;
  }
  return rc;
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
  std::map<std::string, std::vector<std::string>> projection;
  {
    Workspace probe;
    if (!load_workspace(probe, {}, a.schema_dir, {}, a.strict, std::nullopt)) return 1;
    projection = plan_projection(rule, ra, probe.schemas);
  }
  PushdownPlan pushdown;
  pushdown.now = now;
  if (!a.no_pushdown) pushdown = plan_pushdown(rule, ra, now);
  Workspace ws;
  if (!load_workspace_projected(ws, a.data, a.schema_dir, a.functions, a.strict, std::nullopt,
                                projection.empty() ? nullptr : &projection, &pushdown, !a.no_pushdown))
    return 1;
  engine::RunOptions ro;
  ro.now_ticks = now;
  if (!external_files(a.external, ro.external)) return 1;
  ro.limits = a.limits;
  Table result;
  engine::EngineError ee;
  const bool ran = ws.engine.run(a.query, rule.location, ro, result, ee);
  collect_reads(ws);
  if (!ran) {
    std::cerr << ee.error.format() << "\n";
    return ee.unsupported ? 2 : 1;
  }
  if (a.size) {
    // --size limits printed rows
  }
  if (a.format == "json") {
    ordered_json o = ordered_json::object();
    o["now"] = format_datetime(DateTime{now});
    o["columns"] = ordered_json::array();
    for (auto& f : result.schema.fields) o["columns"].push_back({{"name", f.name}, {"type", std::string(type_name(f.type))}});
    o["rows"] = engine::rows_json(result);
    std::cout << o.dump(2) << "\n";
  } else {
    print_rows(result, a.format);
  }
  return 0;
}

}  // namespace rulelab::cli
