// The Sentinel workspace of a run: tables loaded from --data (column pruning, the window and the
// query's leading filters applied while reading), schemas, workspace functions.
#include "app/sentinel_workspace.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/datetime.hpp"
#include "core/ingest.hpp"
#include "core/schema.hpp"
#include "engine/output.hpp"
#include "engine/plan.hpp"
#include "engine/pushdown.hpp"

namespace rulelab::app {

namespace fs = std::filesystem;
using nlohmann::ordered_json;



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

// Azure Monitor's standard columns ("Standard columns in Azure Monitor Logs"): every Log Analytics
// table has them, although exports and schema files often leave them out (some are hidden from
// `*`). rulelab adds the ones a query or its workspace functions name (Workspace::standard_columns)
// to a table that lacks them, as empty columns.
const std::vector<Field>& standard_columns() {
  static const std::vector<Field> cols = {{"TenantId", Type::String},       {"Type", Type::String},
                                          {"_ResourceId", Type::String},    {"_SubscriptionId", Type::String},
                                          {"_ItemId", Type::String},        {"_BilledSize", Type::Real},
                                          {"_IsBillable", Type::String},    {"_TimeReceived", Type::DateTime}};
  return cols;
}

std::vector<Field> missing_standard(const Schema& s, const std::set<std::string>& wanted) {
  std::vector<Field> out;
  for (const auto& f : standard_columns())
    if (wanted.count(f.name) && s.index_of(f.name) < 0) out.push_back(f);
  return out;
}

std::string standard_note(const std::string& table, const std::vector<Field>& added) {
  std::string names;
  for (const auto& f : added) names += (names.empty() ? "" : ", ") + f.name;
  return table + " lacks the standard column" + (added.size() > 1 ? "s " : " ") + names +
         " that Azure Monitor gives every table and the query or a workspace function reads: read as empty";
}

std::string prefiltered_note(const Workspace& ws, const std::string& file, const IngestStats& st) {
  // (a file skips records only with a prefilter, kept in ws.prefilters)
  auto it = ws.prefilters.find(file);
  const RawPrefilter none;
  return file + ": " + (it != ws.prefilters.end() ? *it->second : none).skipped_note(st.prefiltered, st.records, "record") +
         " (their JSON is not checked; --no-pushdown reads every line)";
}

// Appends empty columns to every batch of t.
void append_empty_columns(Table& t, const std::vector<Field>& added) {
  for (const auto& f : added) t.schema.fields.push_back(f);
  for (auto& b : t.batches)
    for (const auto& f : added) {
      Column c(f.type);
      for (std::size_t r = 0; r < b.rows(); ++r) c.append_null();
      b.columns.push_back(std::move(c));
    }
}

}  // namespace

std::vector<std::string> format_engine_messages(const std::vector<Error>& messages) {
  const std::string leg = "union isfuzzy=true: a leg is left out: unknown function '";
  std::map<std::string, std::vector<std::string>> left_out;  // file -> functions, in order
  std::map<std::string, const Error*> first;
  for (const auto& e : messages) {
    if (e.message.rfind(leg, 0) != 0) continue;
    const std::string name = e.message.substr(leg.size(), e.message.find('\'', leg.size()) - leg.size());
    auto& names = left_out[e.file];
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    if (!first.count(e.file)) first[e.file] = &e;
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& e : messages) {
    if (e.message.rfind(leg, 0) == 0 && left_out[e.file].size() > 1) {
      if (first[e.file] != &e) continue;
      Error g = e;
      std::string names;
      for (const auto& n : left_out[e.file]) names += (names.empty() ? "" : ", ") + n;
      g.message = "union isfuzzy=true: " + std::to_string(left_out[e.file].size()) +
                  " legs are left out, calling functions that do not exist here (source parsers no --parsers YAML gives?): " + names;
      out.push_back(g.format());
      continue;
    }
    if (seen.insert(e.format()).second) out.push_back(e.format());
  }
  return out;
}

std::set<std::string> standard_columns_named(const std::string& query, const WorkspaceContent* content) {
  std::set<std::string> out;
  for (const auto& f : standard_columns()) {
    bool named = query.find(f.name) != std::string::npos;
    if (content)
      for (const auto& fn : content->functions) named = named || fn.text.find(f.name) != std::string::npos;
    if (named) out.insert(f.name);
  }
  return out;
}


// As load_workspace, reading only the columns `projection` names for the tables it lists, and
// dropping while reading the rows the query's leading filters drop (`pushdown`).
bool load_workspace_projected(Workspace& ws, const std::vector<DataSpec>& data, const std::string& schema_dir,
                                     const std::vector<std::string>& functions, bool strict,
                              std::optional<std::pair<std::int64_t, std::int64_t>> window,
                              const std::map<std::string, std::vector<std::string>>* projection,
                              const PushdownPlan* pushdown, bool lazy, bool skip_outside_window) {
  // lazy: tables of a known schema stay in their files until the query reads them (FileTable)
  struct LazyTable {
    Schema schema;
    std::vector<engine::FileTable::Part> parts;
  };
  std::map<std::string, LazyTable> lazy_tables;
  if (!schema_dir.empty()) {
    // one file at a time: a schema file that does not load is reported and skipped
    std::error_code ec;
    if (!fs::is_directory(schema_dir, ec)) { ws.messages.push_back(schema_dir + ": not a directory"); return false; }
    for (const auto& e : fs::directory_iterator(schema_dir, ec)) {
      if (!e.is_regular_file() || e.path().extension() != ".json") continue;
      auto s = load_schema_file(e.path().string());
      if (!s) { { std::ostringstream m_; m_ << "warning: schema skipped: " << s.error().format(); ws.messages.push_back(m_.str()); } continue; }
      std::string name = s.value().table.empty() ? e.path().stem().string() : s.value().table;
      ws.schemas.emplace(name, std::move(s.value()));
    }
  }
  if (ws.content) {
    for (const auto& f : ws.content->functions) ws.engine.add_function(f.name, f.text, f.location);
    for (const auto& w : ws.content->watchlists) {
      // number the CSV among the run's files, so that provenance names it
      const auto file_id = static_cast<std::uint32_t>(ws.files.size());
      ws.files.push_back(w.file);
      Table t = *w.table;
      for (auto& b : t.batches)
        for (auto& src : b.sources) src.file = file_id;
      ws.engine.add_watchlist(w.alias, std::make_shared<const Table>(std::move(t)));
    }
    for (const auto& m : ws.content->warnings) ws.messages.push_back(m);
    for (const auto& n : ws.content->notes) ws.notes.push_back(n);
  }
  for (auto& f : ws.content ? std::vector<std::string>{} : functions) {
    const auto eq = f.find('=');
    if (eq == std::string::npos) { ws.messages.push_back("--function " + f + ": expected NAME=FILE.kql"); return false; }
    const std::string name = f.substr(0, eq), file = f.substr(eq + 1);
    std::ifstream in(file, std::ios::binary);
    if (!in) { ws.messages.push_back(file + ": cannot read"); return false; }
    std::stringstream ss;
    ss << in.rdbuf();
    ws.engine.add_function(name, ss.str(), kusto::QueryLocation::identity(file));
  }
  // Columns of the files that their table's schema lacks are kept (typed by inference): one schema
  // per table, its own columns then those of its files in file order.
  std::map<std::string, Schema> extended;
  for (auto& d : data) {
    auto sit = ws.schemas.find(d.name);
    std::optional<Schema> base = sit != ws.schemas.end() ? std::optional<Schema>(sit->second) : builtin_schema(d.name);
    if (!base) continue;
    auto [ext, fresh] = extended.emplace(d.name, *base);
    if (fresh) {
      const auto std_added = missing_standard(ext->second, ws.standard_columns);
      for (const auto& f : std_added) ext->second.fields.push_back(f);
      if (!std_added.empty()) ws.notes.push_back(d.file + ": " + standard_note(d.name, std_added));
    }
    auto added = unknown_columns(d.file, ext->second);
    if (!added) { ws.messages.push_back(added.error().format()); return false; }
    if (added->empty()) continue;
    for (auto& f : *added) ext->second.fields.push_back(f);
    ws.notes.push_back(d.file + ": " + unknown_columns_note(d.name, *added));
  }
  std::set<std::string> given;
  std::map<std::string, Table> tables;  // by name: several files for one table are appended
  for (auto& d : data) {
    const std::string& table = d.name;
    const std::string& file = d.file;
    IngestOptions opt;
    opt.table = table;
    opt.strict = strict;
    opt.date_order = ws.date_order;
    opt.keep_unknown_columns = false;  // found above, for every file of the table
    auto sit = extended.find(table);
    if (sit != extended.end()) opt.schema = sit->second;
    std::optional<Schema> known = opt.schema;
    if (projection && known) {
      auto pit = projection->find(table);
      if (pit != projection->end()) {
        // only the columns the query can read are materialised (the window column included)
        opt.columns = pit->second;
        for (const auto& f : standard_columns())  // the standard columns added above are read too
          if (ws.standard_columns.count(f.name) && std::find(opt.columns.begin(), opt.columns.end(), f.name) == opt.columns.end())
            opt.columns.push_back(f.name);
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
        // JSON records whose bytes cannot hold what every use's predicates compare, or whose
        // TimeGenerated is written plainly outside the window, are skipped unparsed
        // (core/raw_prefilter.hpp).
        RawPrefilter raw = probe ? probe->raw_prefilter() : RawPrefilter{};
        if (windowed && skip_outside_window && known->fields[static_cast<std::size_t>(tg)].type == Type::DateTime)
          raw.set_window(RawTimeWindow{"TimeGenerated", window->first, window->second});
        if (!raw.empty()) {
          auto pf = std::make_shared<const RawPrefilter>(std::move(raw));
          ws.prefilters[file] = pf;
          opt.prefilter = std::move(pf);
        }
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
    if (!res) { { std::ostringstream m_; m_ << res.error().format(); ws.messages.push_back(m_.str()); } return false; }
    {
      const IngestStats& st = res->stats;
      ws.reads.push_back({table, file, st.records, st.rows, st.filtered, st.rejected, pushed_down});
    }
    if (res->stats.prefiltered) ws.notes.push_back(prefiltered_note(ws, file, res->stats));
    for (auto& rj : res->stats.first_rejections) { std::ostringstream m_; m_ << file << ":" << rj.line << ": record skipped: " << rj.reason; ws.messages.push_back(m_.str()); }
    for (auto& w : res->stats.warnings) ws.messages.push_back(file + ": " + w);
    for (auto& n : res->stats.notes) ws.notes.push_back(file + ": " + n);
    Table t = std::move(res->table);
    if (!known) {  // a schema inferred from the data: the standard columns it lacks are added after reading
      const auto std_added = missing_standard(t.schema, ws.standard_columns);
      if (!std_added.empty()) {
        append_empty_columns(t, std_added);
        ws.notes.push_back(file + ": " + standard_note(table, std_added));
      }
    }
    if (window && tg < 0) {
      int i = t.schema.index_of("TimeGenerated");
      if (i >= 0 && t.schema.fields[static_cast<std::size_t>(i)].type != Type::DateTime)
        ws.messages.push_back(file + ": column TimeGenerated of " + table + " is " + std::string(type_name(t.schema.fields[static_cast<std::size_t>(i)].type)) +
                              ", not datetime: the window was not applied to it (every row is kept)");
      if (i >= 0 && t.schema.fields[static_cast<std::size_t>(i)].type == Type::DateTime)
        t = rows_in_window(t, static_cast<std::size_t>(i), *window);
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
      { std::ostringstream m_; m_ << file << ": its columns differ from the other files given for table " << table; ws.messages.push_back(m_.str()); }
      return false;
    }
  }
  for (auto& [name, t] : tables) {
    t.sources = ws.files;
    auto shared = std::make_shared<const Table>(std::move(t));
    ws.tables[name] = shared;
    ws.engine.add_table(name, std::move(shared));
  }
  for (auto& [name, lt] : lazy_tables) {
    auto ft = std::make_shared<engine::FileTable>(lt.schema, ws.files, std::move(lt.parts));
    ws.file_tables.emplace_back(name, ft);
    ws.engine.add_file_table(name, ft);
  }
  // Tables the workspace has but no data was given for are empty (as in a workspace with no rows).
  auto with_standard = [&](Schema sc) {
    for (const auto& f : missing_standard(sc, ws.standard_columns)) sc.fields.push_back(f);
    return sc;
  };
  for (auto& [name, s] : ws.schemas)
    if (!given.count(name)) ws.engine.add_table(name, std::make_shared<const Table>(Table{with_standard(s), {}, {}}));
  for (auto& name : builtin_schema_names())
    if (!given.count(name) && !ws.schemas.count(name)) {
      auto s = builtin_schema(name);
      if (s) ws.engine.add_table(name, std::make_shared<const Table>(Table{with_standard(*s), {}, {}}));
    }
  return true;
}

Table rows_in_window(const Table& t, std::size_t column, std::pair<std::int64_t, std::int64_t> window) {
  Table f{t.schema, t.sources, {}};
  for (const auto& b : t.batches) {
    SelectionVector sel;
    const Column& c = b.columns[column];
    for (std::size_t r = 0; r < b.rows(); ++r)
      if (!c.is_null(r) && c.get_long(r) >= window.first && c.get_long(r) <= window.second) sel.push_back(static_cast<std::uint32_t>(r));
    if (sel.size() == b.rows()) f.batches.push_back(b);
    else if (!sel.empty()) f.batches.push_back(engine::select_rows(b, sel));
  }
  return f;
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

bool load_workspace(Workspace& ws, const std::vector<DataSpec>& data, const std::string& schema_dir,
                    const std::vector<std::string>& functions, bool strict,
                    std::optional<std::pair<std::int64_t, std::int64_t>> window) {
  return load_workspace_projected(ws, data, schema_dir, functions, strict, window, nullptr);
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


// For each result row, the input records it derives from, as "file:line".
std::vector<std::vector<std::string>> provenance_lists(const Table& result, const Lineage& lineage, const std::vector<std::string>& files) {
  std::vector<std::vector<std::string>> out;
  for (const auto& b : result.batches) {
    for (const RowSource& s : b.sources) {
      std::vector<std::string> row;
      for (const RowSource& r : lineage.records(s))
        if (r.line > 0 && r.file < files.size()) row.push_back(files[r.file] + ":" + std::to_string(r.line));
      out.push_back(std::move(row));
    }
  }
  return out;
}

// --external URL=FILE (split at the last '=': URLs carry '=' in their query strings).
bool external_files(const std::vector<std::string>& args, std::map<std::string, std::string>& out, std::string& error) {
  for (auto& e : args) {
    const auto eq = e.rfind('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == e.size()) {
      error = "--external " + e + ": expected URL=FILE";
      return false;
    }
    out[e.substr(0, eq)] = e.substr(eq + 1);
  }
  return true;
}

bool function_texts(const std::vector<std::string>& functions, std::vector<FunctionText>& out) {
  for (auto& f : functions) {
    const auto eq = f.find('=');
    if (eq == std::string::npos) return false;
    std::ifstream in(f.substr(eq + 1), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    out.push_back({f.substr(0, eq), f.substr(eq + 1), ss.str(), kusto::QueryLocation::identity(f.substr(eq + 1))});
  }
  return true;
}

// Column pruning (DESIGN 7: read only the columns the query uses). Candidates: every string the
// query's AST holds (names, literals, patterns) that names a column. The pruning is used only when
// the query binds over empty tables with the pruned schemas and gives the same result columns as
// with the full schemas; otherwise every column is read.
std::map<std::string, std::vector<std::string>> plan_projection(const kusto::SentinelRule& rule, const DataOptions& a,
                                                                 const std::map<std::string, Schema>& schemas) {
  std::map<std::string, std::vector<std::string>> out;
  kusto::ParseOptions po;
  po.location = rule.location;
  auto q = kusto::parse_query(rule.query, po);
  if (!q) return out;
  if (engine::reads_unnamed_columns(q.value())) return out;  // distinct *, pack_all(), getschema, ...
  std::set<std::string> strings = engine::query_strings(q.value());
  // workspace functions may read columns the rule does not name
  auto content = workspace_content(a);
  if (!content) return {};
  const std::vector<FunctionText>& fns = (*content)->functions;
  for (auto& f : fns) {
    kusto::ParseOptions fo;
    auto fq = kusto::parse_query(f.text, fo);
    if (!fq || engine::reads_unnamed_columns(fq.value())) return {};
    strings.merge(engine::query_strings(fq.value()));
  }
  std::map<std::string, Schema> full;
  for (auto& d : a.data) {
    const std::string& table = d.name;
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
    for (auto& f : fns) e.add_function(f.name, f.text, f.location);
    for (auto& w : (*content)->watchlists) e.add_watchlist(w.alias, std::make_shared<const Table>(Table{w.table->schema, {}, {}}));
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
void collect_reads(Workspace& ws) {
  for (auto& [table, ft] : ws.file_tables)
    for (auto& r : ft->reads()) {
      const IngestStats& st = r.stats;
      ws.reads.push_back({table, r.path, st.records, st.rows, st.filtered, st.rejected, ws.lazy_pushdown[r.path]});
      if (st.prefiltered) ws.notes.push_back(prefiltered_note(ws, r.path, st));
      for (auto& rj : st.first_rejections) { std::ostringstream m_; m_ << r.path << ":" << rj.line << ": record skipped: " << rj.reason; ws.messages.push_back(m_.str()); }
      for (auto& w : st.warnings) ws.messages.push_back(r.path + ": " + w);
      for (auto& n : st.notes) ws.notes.push_back(r.path + ": " + n);
    }
}

// The filters of the query to push down into reading each table given with --data.
PushdownPlan plan_pushdown(const kusto::SentinelRule& rule, const DataOptions& a, std::int64_t now) {
  PushdownPlan out;
  out.now = now;
  kusto::ParseOptions po;
  po.location = rule.location;
  auto q = kusto::parse_query(rule.query, po);
  if (!q) return out;
  auto content = workspace_content(a);
  if (!content) return out;
  std::vector<std::string> texts;
  for (auto& f : (*content)->functions) texts.push_back(f.name + "\n" + f.text);
  for (auto& d : a.data) {
    const std::string& table = d.name;
    auto uses = engine::pushdown_queries(q.value(), table, texts);
    if (!uses.empty()) out.uses[table] = std::move(uses);
  }
  return out;
}
}  // namespace rulelab::app
