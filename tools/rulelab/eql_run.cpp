// EQL in the CLI: `rulelab query --dialect eql`, EQL rules under `rulelab parse/corpus`
// (check_eql_query) and `rulelab run` (run_elastic_eql).
//
// JSON output: `rows` holds the matched events in result order. Event queries: each row is the
// event's source document. Sequences and samples: each row is
//   {"sequence": N, "stage": I, "_index": "...", "_source": {...}}
// (N counts sequences/samples from 1, I is the stage within it), and a missing-event stage
// `![...]` gives {"sequence": N, "stage": I, "missing": true}, as Elasticsearch marks them.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "eql_rule.hpp"
#include "core/datetime.hpp"
#include "core/paths.hpp"
#include "eql/engine.hpp"
#include "eql/parser.hpp"
#include "kql/elastic_rule.hpp"
#include "kql/elastic_runner.hpp"
#include "kql/exceptions.hpp"
#include "kql/field_types.hpp"
#include "kql/matcher.hpp"

namespace rulelab::cli {
namespace {

using eql::EventStore;
using eql::QueryResult;

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string stem(const std::string& path) {
  std::string s = std::filesystem::path(path).filename().string();
  for (const char* ext : {".gz", ".ndjson", ".jsonl", ".json", ".log"}) {
    std::string e(ext);
    if (s.size() > e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0) s.resize(s.size() - e.size());
  }
  return s;
}

using DataSpec = EqlDataSpec;
DataSpec split_data(const std::string& d) { return split_eql_data(d); }

// --mapping FILE (every index) or INDEX=FILE[,INDEX=FILE...].
bool load_mappings(const std::string& spec, const std::vector<DataSpec>& data, EventStore& store) {
  if (spec.empty()) return true;
  std::vector<std::pair<std::string, std::string>> items;
  std::stringstream ss(spec);
  std::string part;
  while (std::getline(ss, part, ',')) {
    auto eq = part.find('=');
    if (eq == std::string::npos) items.emplace_back("", part);
    else items.emplace_back(part.substr(0, eq), part.substr(eq + 1));
  }
  for (const auto& [index, file] : items) {
    auto text = read_text(file);
    if (!text) {
      std::cerr << file << ": cannot read the index mapping\n";
      return false;
    }
    auto m = eql::Mapping::from_json(*text, file);
    if (!m) {
      std::cerr << m.error().format() << "\n";
      return false;
    }
    for (const auto& d : data)
      if (index.empty() || index == d.index) store.set_mapping(d.index, m.value());
  }
  return true;
}

eql::FieldType from_kql(kql::FieldType t) {
  using K = kql::FieldType;
  if (kql::is_keyword_like(t)) return eql::FieldType::Keyword;
  if (kql::is_text_like(t)) return eql::FieldType::Text;
  if (kql::is_integral(t)) return eql::FieldType::Long;
  if (kql::is_numeric(t)) return eql::FieldType::Double;
  if (t == K::Date || t == K::DateNanos) return eql::FieldType::Date;
  if (t == K::Ip) return eql::FieldType::Ip;
  if (t == K::Boolean) return eql::FieldType::Boolean;
  return eql::FieldType::Unknown;
}

// Field types of one index as kql resolves them (user mapping, else ECS and integrations, else
// Elasticsearch's dynamic mapping of the documents' values), as an EQL mapping.
eql::Mapping mapping_from_kql(const kql::IndexFields& fields) {
  eql::Mapping m;
  for (const auto& name : fields.all_fields()) {
    kql::ResolvedField rf = fields.resolve(name);
    eql::FieldInfo info;
    if (rf.mapping.type == kql::FieldType::Alias) info.alias_of = rf.mapping.alias_path;
    else info.type = from_kql(rf.mapping.type);
    if (kql::is_keyword_like(rf.mapping.type)) info.ignore_above = rf.mapping.ignore_above;
    if (kql::is_text_like(rf.mapping.type))
      for (const auto& [sub, sm] : rf.mapping.multi_fields)
        if (kql::is_keyword_like(sm.type)) {
          info.ignore_above = sm.ignore_above;
          break;
        }
    if (!rf.source_path.empty() && rf.source_path != name) info.source_path = rf.source_path;
    m.set(name, std::move(info));
  }
  return m;
}

// Types for every index of the store. `--mapping INDEX=FILE,...` gives each index its own mapping
// (nothing else); otherwise kql's field types (ECS + the optional mapping FILE + dynamic mapping)
// apply. Returns the kql per-index fields (for rule filters and exceptions), index by index.
using Typing = EqlTyping;
bool setup_types(const std::string& spec, const std::vector<DataSpec>& data, EventStore& store, Typing& t) {
  bool per_index_files = spec.find('=') != std::string::npos;
  std::optional<eql::Mapping> user;
  if (!spec.empty() && !per_index_files) {
    auto text = read_text(spec);
    if (!text) {
      std::cerr << spec << ": cannot read the index mapping\n";
      return false;
    }
    auto n = t.types.add_mapping_json(*text, spec);
    if (!n) {
      std::cerr << n.error().format() << "\n";
      return false;
    }
    auto m = eql::Mapping::from_json(*text, spec);
    if (m) user = std::move(m.value());
  }
  for (std::size_t ix = 0; ix < store.indexes().size(); ++ix) {
    auto f = std::make_unique<kql::IndexFields>(t.types);
    for (const auto& d : store.docs())
      if (d.index == ix) f->observe(d.source);
    if (!per_index_files) {
      eql::Mapping m = mapping_from_kql(*f);
      if (user) m.overlay(*user);
      store.set_mapping(store.indexes()[ix].name, std::move(m));
    }
    t.per_index.push_back(std::move(f));
  }
  return !per_index_files || load_mappings(spec, data, store);
}

// Field names a query reads (not written ?optional), each once, in order.
void collect_fields(const eql::Expr& e, std::vector<std::string>& out) {
  if (e.kind == eql::ExprKind::Field && !e.optional && std::find(out.begin(), out.end(), e.name) == out.end())
    out.push_back(e.name);
  for (const auto& a : e.args) collect_fields(*a, out);
}
std::vector<std::string> query_fields(const eql::Query& q) {
  std::vector<std::string> out;
  auto filter = [&](const eql::EventFilter& f) {
    if (f.condition) collect_fields(*f.condition, out);
  };
  filter(q.event);
  for (const auto& k : q.shared_keys) collect_fields(*k, out);
  for (const auto& s : q.stages) {
    filter(s.filter);
    for (const auto& k : s.keys) collect_fields(*k, out);
  }
  if (q.until) {
    filter(q.until->filter);
    for (const auto& k : q.until->keys) collect_fields(*k, out);
  }
  return out;
}

// Elasticsearch rejects an EQL query naming a field that no searched index maps ("Unknown
// column"), unless it is written ?field. With ECS, the user's mapping and the documents' dynamic
// fields as the index mapping, say which fields would be unknown (a note: rulelab still runs).
void note_unmapped_fields(const eql::Query& q, const Typing& t, const EventStore& store) {
  if (t.per_index.empty()) return;
  for (const auto& f : query_fields(q)) {
    bool mapped = false;
    for (std::size_t ix = 0; ix < t.per_index.size() && !mapped; ++ix) {
      if (t.per_index[ix]->resolve(f).origin != kql::MappingOrigin::Unmapped) mapped = true;
      const auto& m = store.indexes()[ix].mapping;
      if (m && m->find(f)) mapped = true;
    }
    if (!mapped)
      std::cerr << "note: field " << f << " is mapped by no searched index (not in ECS/integration fields, the "
                << "mapping or the documents): Elasticsearch would reject the query (Unknown column [" << f
                << "]) unless it is written ?" << f << "\n";
  }
}

std::int64_t now_nanos(const std::string& now, bool& ok) {
  ok = true;
  if (now.empty()) {
    auto t = std::chrono::system_clock::now().time_since_epoch();
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t).count();
  }
  auto n = eql::parse_date_nanos(now);
  if (!n) ok = false;
  return n.value_or(0);
}

std::string iso(std::int64_t nanos) {
  std::int64_t ticks = nanos >= 0 ? nanos / 100 : -((-nanos + 99) / 100);
  return format_datetime(DateTime{ticks});
}

std::string event_timestamp_text(const eql::Doc& d, const std::string& field) {
  auto vals = values_at(d.source, field);
  if (vals.empty()) return "";
  return vals[0].is_string() ? std::string(vals[0].as_string()) : to_json(vals[0]);
}

// Rows of the result as JSON values.
std::vector<std::string> json_rows(const QueryResult& r, const EventStore& store) {
  std::vector<std::string> rows;
  if (r.kind == eql::QueryKind::Event) {
    for (const auto* d : r.events) rows.push_back(to_json(d->source));
    return rows;
  }
  for (std::size_t n = 0; n < r.matches.size(); ++n) {
    const auto& m = r.matches[n];
    for (std::size_t i = 0; i < m.events.size(); ++i) {
      std::string row = "{\"sequence\":" + std::to_string(n + 1) + ",\"stage\":" + std::to_string(i);
      if (!m.events[i]) {
        row += ",\"missing\":true}";
      } else {
        row += ",\"_index\":";
        write_json_string(store.indexes()[m.events[i]->index].name, row);
        row += ",\"_source\":" + to_json(m.events[i]->source) + "}";
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

void print_table(const QueryResult& r, const EventStore& store, const std::string& ts_field, std::ostream& out) {
  auto line = [&](const eql::Doc* d, const std::string& prefix) {
    if (!d) {
      out << prefix << "(missing event)\n";
      return;
    }
    out << prefix << store.indexes()[d->index].name << "  " << event_timestamp_text(*d, ts_field) << "  "
        << to_json(d->source) << "\n";
  };
  if (r.kind == eql::QueryKind::Event) {
    out << r.events.size() << " event" << (r.events.size() == 1 ? "" : "s") << "\n";
    for (const auto* d : r.events) line(d, "");
    return;
  }
  const char* what = r.kind == eql::QueryKind::Sequence ? "sequence" : "sample";
  out << r.matches.size() << " " << what << (r.matches.size() == 1 ? "" : "s") << "\n";
  for (std::size_t n = 0; n < r.matches.size(); ++n) {
    out << what << " " << n + 1;
    if (!r.matches[n].key.empty()) {
      out << " (key";
      for (const auto& k : r.matches[n].key) out << " " << eql::to_json_text(k);
      out << ")";
    }
    out << "\n";
    for (const auto* d : r.matches[n].events) line(d, "  ");
  }
}

std::size_t result_count(const QueryResult& r) {
  return r.kind == eql::QueryKind::Event ? r.events.size() : r.matches.size();
}

bool load_data(const std::vector<DataSpec>& data, bool strict, EventStore& store) {
  for (const auto& d : data) {
    if (auto err = store.load_file(d.index, d.file, strict)) {
      std::cerr << err->format() << "\n";
      return false;
    }
  }
  for (const auto& w : store.warnings) std::cerr << "warning: " << w << "\n";
  return true;
}

}  // namespace

int query_eql(const QueryArgs& a) {
  eql::SourceContext where;
  where.file = "<query>";
  auto q = eql::parse_query(a.query, where);
  if (!q) {
    std::cerr << q.error().format() << "\n";
    return 1;
  }
  if (a.format == "csv") {
    std::cerr << "rulelab query --dialect eql: --format csv is not supported (use table, json or ndjson)\n";
    return 2;
  }
  std::vector<DataSpec> data;
  for (const auto& d : a.data) data.push_back(split_data(d));
  EventStore store;
  Typing typing;
  if (!load_data(data, a.strict, store) || !setup_types(a.mapping, data, store, typing)) return 1;
  note_unmapped_fields(*q, typing, store);
  eql::RunOptions opts;
  opts.size = a.size.value_or(10);
  opts.deadline = Deadline::after(a.limits.timeout_seconds);
  auto r = eql::run_query(*q, store, opts);
  if (!r) {
    std::cerr << r.error().format() << "\n";
    return 1;
  }
  if (a.format == "table") {
    print_table(*r, store, opts.timestamp_field, std::cout);
  } else if (a.format == "ndjson") {
    for (const auto& row : json_rows(*r, store)) std::cout << row << "\n";
  } else {
    auto rows = json_rows(*r, store);
    std::cout << "{\"dialect\":\"eql\",\"kind\":\""
              << (r->kind == eql::QueryKind::Event ? "event" : r->kind == eql::QueryKind::Sequence ? "sequence" : "sample")
              << "\",\"count\":" << result_count(*r) << ",\"rows\":[";
    for (std::size_t i = 0; i < rows.size(); ++i) std::cout << (i ? "," : "") << rows[i];
    std::cout << "]}\n";
  }
  if (r->without_timestamp && r->kind != eql::QueryKind::Sample)
    std::cerr << "note: " << r->without_timestamp << " document(s) without a readable " << opts.timestamp_field
              << " were left out (EQL orders events by time)\n";
  return 0;
}

void check_eql_query(const std::string& file_text, std::size_t query_offset, const std::string& query, bool want_ast,
                     RuleCheck& out) {
  eql::SourceContext where;
  auto colon = out.file.rfind(':');
  // NDJSON exports name the rule "file:line"; positions are reported against the file itself.
  where.file = colon != std::string::npos && colon + 1 < out.file.size() &&
                       out.file.find_first_not_of("0123456789", colon + 1) == std::string::npos
                   ? out.file.substr(0, colon)
                   : out.file;
  where.file_text = file_text;
  where.offset = query_offset;
  where.map = eql::escaped_query_map(file_text, query_offset, query);
  auto q = eql::parse_query(query, where);
  if (!q) {
    out.parsed = false;
    out.diagnostics.push_back(q.error().format());
    return;
  }
  out.parsed = true;
  if (want_ast) out.ast_json = eql::to_json(*q);
}


EqlDataSpec split_eql_data(const std::string& d) {
  auto eq = d.find('=');
  if (eq == std::string::npos || eq == 0) return {stem(d), d, false};
  return {d.substr(0, eq), d.substr(eq + 1), true};
}

bool eql_doc_kept(const EqlRuleRun& r, const eql::Doc& d, std::string* why) {
  if (d.index >= r.per_index.size()) return true;
  const EqlIndexFilters& f = r.per_index[d.index];
  for (std::size_t i = 0; i < f.filters.size(); ++i)
    if (f.filters[i].first.matches(d.source) == f.filters[i].second) {
      if (why) *why = "the rule's filter " + f.filter_texts[i] + " removes it";
      return false;
    }
  for (std::size_t i = 0; i < f.exceptions.size(); ++i)
    if (f.exceptions[i].matches(d.source)) {
      if (why) *why = "exception item " + f.exception_ids[i] + " removes it";
      return false;
    }
  return true;
}

int prepare_eql_rule(const kql::ElasticRule& rule, const std::string& text, const RunArgs& a, std::int64_t now, EqlRuleRun& out) {
  eql::SourceContext where;
  where.file = a.rule;
  where.file_text = text;
  where.offset = rule.query_source.offset;
  where.map = eql::escaped_query_map(text, rule.query_source.offset, rule.query);
  auto q = eql::parse_query(rule.query, where);
  if (!q) {
    std::cerr << q.error().format() << "\n";
    return 1;
  }
  out.query = std::move(q.value());
  std::vector<DataSpec> data;
  for (const auto& d : a.data) data.push_back(split_data(d));
  // The indexes the rule reads: those named INDEX=FILE that match its index patterns; a bare
  // FILE counts as matching (its name comes from the file).
  std::vector<DataSpec> used;
  std::vector<std::string>& ignored = out.ignored;
  for (const auto& d : data) {
    bool match = !d.named || kql::index_selected(rule.index.empty() ? kql::default_security_indices() : rule.index, d.index);
    if (match) used.push_back(d);
    else {
      ignored.push_back(d.index);
      std::cerr << "note: index " << d.index << " does not match the rule's index patterns; not searched\n";
    }
  }
  EventStore& store = out.store;
  Typing& typing = out.typing;
  if (!load_data(used, a.strict, store) || !setup_types(a.mapping, used, store, typing)) return 1;
  note_unmapped_fields(out.query, typing, store);

  eql::RunOptions& opts = out.opts;
  opts.deadline = Deadline::after(a.limits.timeout_seconds);
  DateTime now_dt{now >= 0 ? now / 100 : -((-now + 99) / 100)};

  // The rule's Kibana filters and exception items filter every event the EQL search sees.
  using IndexFilters = EqlIndexFilters;
  std::vector<IndexFilters>& per_index = out.per_index;
  bool any_filter = false;
  for (std::size_t ix = 0; ix < store.indexes().size(); ++ix) {
    IndexFilters f;
    f.fields = typing.per_index[ix].get();
    for (const auto& flt : rule.filters) {
      if (!flt.is_object()) continue;
      const auto meta = flt.value("meta", nlohmann::json::object());
      if (meta.value("disabled", false)) continue;
      nlohmann::json fq;
      if (flt.contains("query")) {
        fq = flt["query"];
      } else {
        fq = flt;
        fq.erase("meta");
        fq.erase("$state");
      }
      f.filters.emplace_back(kql::CompiledQuery::compile_dsl(fq, *f.fields, now_dt), meta.value("negate", false));
      f.filter_texts.push_back((meta.value("negate", false) ? "NOT " : "") + fq.dump());
      any_filter = true;
    }
    for (const auto& item : rule.exceptions) {
      if (!kql::exception_item_active(item, now_dt)) {
        if (ix == 0) std::cerr << "note: exception item " << item.item_id << " expired: not applied\n";
        continue;
      }
      std::string why;
      auto dsl = kql::exception_item_query(item, &why);
      if (!why.empty() && ix == 0) std::cerr << "note: exception item " << item.item_id << ": " << why << "\n";
      f.exceptions.push_back(kql::CompiledQuery::compile_dsl(dsl, *f.fields, now_dt));
      f.exception_ids.push_back(item.item_id);
      any_filter = true;
    }
    per_index.push_back(std::move(f));
  }
  if (any_filter) {
    opts.keep = [&out](const eql::Doc& d) { return eql_doc_kept(out, d, nullptr); };
  }
  auto from = kql::eval_date_math(rule.from, now_dt);
  auto to = kql::eval_date_math(rule.to, now_dt, true);
  if (!from || !to) {
    std::cerr << a.rule << ": cannot evaluate the rule's time range from=" << rule.from << " to=" << rule.to << "\n";
    return 1;
  }
  opts.from_nanos = from->ticks * 100;
  opts.to_nanos = to->ticks * 100 + 99;
  // Kibana's EQL request: the range filter is on timestamp_override (falling back to
  // @timestamp unless disabled); events are ordered by the rule's timestamp_field (default
  // @timestamp), which is a different parameter.
  if (!rule.timestamp_override.empty()) {
    opts.window_field = rule.timestamp_override;
    if (!rule.timestamp_override_fallback_disabled) opts.window_fallback_field = "@timestamp";
  }
  if (rule.raw.contains("timestamp_field") && rule.raw["timestamp_field"].is_string())
    opts.timestamp_field = rule.raw["timestamp_field"].get<std::string>();
  if (rule.raw.contains("event_category_override") && rule.raw["event_category_override"].is_string())
    opts.category_field = rule.raw["event_category_override"].get<std::string>();
  if (rule.raw.contains("tiebreaker_field") && rule.raw["tiebreaker_field"].is_string())
    opts.tiebreaker_field = rule.raw["tiebreaker_field"].get<std::string>();
  opts.size = rule.max_signals > 0 ? static_cast<std::size_t>(rule.max_signals) : 100;
  return 0;
}

int run_elastic_eql(const RunArgs& a) {
  auto text = read_text(a.rule);
  if (!text) {
    std::cerr << a.rule << ": cannot read the rule file\n";
    return 1;
  }
  auto loaded = kql::load_elastic_text(a.rule, *text);
  if (!loaded) {
    std::cerr << loaded.error().format() << "\n";
    return 1;
  }
  bool ok_now = true;
  std::int64_t now = now_nanos(a.now, ok_now);
  if (!ok_now) {
    std::cerr << "--now " << a.now << ": not an ISO 8601 date-time\n";
    return 2;
  }

  int status = 0;
  std::string json_out;
  std::size_t rules_run = 0;
  for (const auto& rule : loaded.value()) {
    if (rule.language != kql::QueryLanguage::Eql) continue;
    ++rules_run;
    auto run = std::make_unique<EqlRuleRun>();
    if (int rc = prepare_eql_rule(rule, *text, a, now, *run)) return rc;
    const eql::EventStore& store = run->store;
    const eql::RunOptions& opts = run->opts;
    const std::vector<std::string>& ignored = run->ignored;
    auto r = eql::run_query(run->query, store, opts);
    if (!r) {
      std::cerr << r.error().format() << "\n";
      status = 1;
      continue;
    }
    std::size_t alerts = result_count(*r);
    if (a.format == "table") {
      std::cout << "rule: " << rule.name << "\n"
                << "now: " << iso(now) << "  window: " << iso(*opts.from_nanos) << " .. " << iso(*opts.to_nanos)
                << "  (from " << rule.from << ", interval " << rule.interval << ", max_signals " << rule.max_signals
                << ", window on " << (opts.window_field.empty() ? opts.timestamp_field : opts.window_field)
                << ", ordered by " << opts.timestamp_field << ")\n";
      print_table(*r, store, opts.timestamp_field, std::cout);
      std::cout << (alerts ? "ALERT: " : "no alert: ") << alerts << " alert" << (alerts == 1 ? "" : "s") << "\n";
    } else {
      nlohmann::json j;
      j["rule"] = rule.name;
      j["rule_id"] = rule.rule_id;
      j["file"] = rule.file;
      j["type"] = rule.type_name;
      j["language"] = "eql";
      j["max_signals"] = rule.max_signals;
      j["window"] = {{"from", iso(*opts.from_nanos)}, {"to", iso(*opts.to_nanos)},
                     {"field", opts.window_field.empty() ? opts.timestamp_field : opts.window_field}};
      j["timestamp_field"] = opts.timestamp_field;
      j["now"] = iso(now);
      nlohmann::json indices = nlohmann::json::array();
      for (const auto& ix : store.indexes()) indices.push_back(ix.name);
      j["indices"] = indices;
      j["ignored_indices"] = ignored;
      j["kind"] = r->kind == eql::QueryKind::Event ? "event" : r->kind == eql::QueryKind::Sequence ? "sequence" : "sample";
      nlohmann::json rows = nlohmann::json::array(), prov = nlohmann::json::array();
      for (const auto& row : json_rows(*r, store)) rows.push_back(nlohmann::json::parse(row));
      auto source_of = [&](const eql::Doc* d) { return store.indexes()[d->index].file + ":" + std::to_string(d->line); };
      auto event_json = [&](const eql::Doc* d) {
        nlohmann::json e = {{"index", store.indexes()[d->index].name}, {"file", store.indexes()[d->index].file}, {"line", d->line}};
        std::string ts = event_timestamp_text(*d, opts.timestamp_field);
        if (!ts.empty()) e["time"] = ts;
        e["source"] = nlohmann::json::parse(to_json(d->source));
        return e;
      };
      nlohmann::json alerts = nlohmann::json::array();
      if (r->kind == eql::QueryKind::Event) {
        for (const auto* d : r->events) {
          prov.push_back(nlohmann::json::array({source_of(d)}));
          alerts.push_back(event_json(d));
          alerts.back()["sources"] = nlohmann::json::array({source_of(d)});
        }
      } else {
        for (std::size_t n = 0; n < r->matches.size(); ++n) {
          const auto& m = r->matches[n];
          nlohmann::json evs = nlohmann::json::array(), key = nlohmann::json::array(), sources = nlohmann::json::array();
          for (const auto& k : m.key) key.push_back(nlohmann::json::parse(eql::to_json_text(k)));
          for (const auto* d : m.events) {
            if (d) {
              prov.push_back(nlohmann::json::array({source_of(d)}));
              evs.push_back(event_json(d));
              sources.push_back(source_of(d));
            } else {
              prov.push_back(nlohmann::json::array());
              evs.push_back({{"missing", true}});
            }
          }
          // A sequence alert derives from all its events (Kibana: one shell alert over building blocks).
          alerts.push_back({{"sequence", n + 1}, {"key", key}, {"events", evs}, {"sources", sources}});
        }
      }
      j["rows"] = rows;
      j["provenance"] = prov;
      j["alert"] = alerts.size() > 0;
      j["alerts"] = alerts;
      j["capped"] = alerts.size() >= static_cast<std::size_t>(std::max<std::int64_t>(rule.max_signals, 1));
      j["errors"] = nlohmann::json::array();
      std::string o = j.dump();
      json_out += o + "\n";
    }
  }
  if (rules_run == 0) {
    std::cerr << a.rule << ": no EQL rule in this file\n";
    return 1;
  }
  std::cout << json_out;
  return status;
}

}  // namespace rulelab::cli
