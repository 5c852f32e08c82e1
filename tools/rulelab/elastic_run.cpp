// rulelab run for Elastic rules (kuery; EQL is handed to run_elastic_eql) and
// rulelab query --dialect kuery.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.hpp"
#include "core/datetime.hpp"
#include "core/dynamic.hpp"
#include "core/ingest.hpp"
#include "kql/elastic_rule.hpp"
#include "kql/elastic_runner.hpp"
#include "kql/field_types.hpp"

namespace rulelab::cli {

namespace {

using json = nlohmann::json;

// The documents of every --data INDEX=FILE, kept alive for the DocRefs that point into them.
struct LoadedData {
  std::vector<Table> tables;
  std::vector<kql::IndexDocs> indices;
  std::vector<std::string> warnings;
};

Result<LoadedData> load_data(const std::vector<std::string>& specs, bool strict) {
  LoadedData out;
  std::map<std::string, std::size_t> by_name;
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& s : specs) {
    const auto eq = s.find('=');
    std::string name, file;
    if (eq == std::string::npos) {
      file = s;
      name = std::filesystem::path(s).stem().string();
    } else {
      name = s.substr(0, eq);
      file = s.substr(eq + 1);
    }
    IngestOptions o;
    o.documents = true;
    o.strict = strict;
    o.table = name;
    auto r = ingest_file(file, o);
    if (!r) return r.error();
    for (const auto& w : r->stats.warnings) out.warnings.push_back(file + ": " + w);
    if (r->stats.rejected)
      out.warnings.push_back(file + ": " + std::to_string(r->stats.rejected) + " record(s) could not be read" +
                             (r->stats.first_rejections.empty() ? "" : " (line " + std::to_string(r->stats.first_rejections[0].line) + ": " +
                                                                            r->stats.first_rejections[0].reason + ")"));
    out.tables.push_back(std::move(r->table));
    pairs.push_back({name, file});
  }
  for (std::size_t t = 0; t < out.tables.size(); ++t) {
    const Table& tab = out.tables[t];
    const std::string& name = pairs[t].first;
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      it = by_name.emplace(name, out.indices.size()).first;
      out.indices.push_back({name, {}});
    }
    kql::IndexDocs& ix = out.indices[it->second];
    const int col = tab.schema.index_of("_source");
    if (col < 0) return Error("ingest did not produce a _source column", pairs[t].second);
    for (const auto& b : tab.batches)
      for (std::size_t r = 0; r < b.rows(); ++r) {
        const auto& src = b.sources[r];
        ix.docs.push_back({b.columns[static_cast<std::size_t>(col)].get_dynamic(r),
                           src.file < tab.sources.size() ? tab.sources[src.file] : pairs[t].second, src.line});
      }
  }
  return out;
}

Result<kql::FieldTypes> load_types(const std::string& mapping) {
  kql::FieldTypes types = kql::FieldTypes::builtin();
  if (mapping.empty()) return types;
  std::ifstream in(mapping, std::ios::binary);
  if (!in) return Error("cannot open mapping file", mapping);
  std::ostringstream ss;
  ss << in.rdbuf();
  auto n = types.add_mapping_json(ss.str(), mapping);
  if (!n) return n.error();
  return types;
}

Result<DateTime> clock(const std::string& now) {
  if (now.empty()) {
    const auto t = std::chrono::system_clock::now().time_since_epoch();
    return DateTime{std::chrono::duration_cast<std::chrono::microseconds>(t).count() * 10};
  }
  auto d = parse_datetime(now);
  if (!d) return Error("--now: not an ISO 8601 datetime: " + now);
  return *d;
}

json doc_json(const kql::DocRef* d) {
  if (!d) return nullptr;
  json j = json::parse(to_json(d->source), nullptr, false);
  return j.is_discarded() ? json(nullptr) : j;
}

std::string compact(const kql::DocRef* d, std::size_t max = 160) {
  std::string s = to_json(d->source);
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
}

std::string dynamic_note(const std::vector<std::string>& fields) {
  std::string s = "note: " + std::to_string(fields.size()) +
                  " field(s) are in no ECS/integration/--mapping mapping and get Elasticsearch's dynamic mapping "
                  "(strings: text + .keyword, ignore_above 256; date-like strings: date):";
  std::size_t shown = 0;
  for (const auto& f : fields) {
    if (shown++ == 20) {
      s += " ...";
      break;
    }
    s += " " + f;
  }
  return s;
}

json run_json(const kql::ElasticRule* rule, const kql::ElasticRunResult& r) {
  json j;
  if (rule) {
    j["rule"] = rule->name;
    j["rule_id"] = rule->rule_id;
    j["file"] = rule->file;
    j["type"] = rule->type_name;
    j["language"] = std::string(kql::to_string(rule->language));
    j["max_signals"] = rule->max_signals;
    j["window"] = {{"from", format_datetime(r.from)}, {"to", format_datetime(r.to)}, {"field", r.timestamp_field}};
  }
  j["now"] = format_datetime(r.now);
  j["indices"] = r.indices;
  j["ignored_indices"] = r.ignored_indices;
  j["counts"] = {{"documents", r.docs_total}, {"in_window", r.docs_in_window}, {"matched", r.docs_matched}, {"suppressed", r.docs_suppressed}};
  json rows = json::array(), prov = json::array();
  for (const auto& h : r.hits) {
    rows.push_back(doc_json(h.doc));
    prov.push_back(h.doc ? json::array({h.doc->file + ":" + std::to_string(h.doc->line)}) : json::array());
  }
  j["rows"] = rows;
  j["provenance"] = prov;  // per row, the source event (file:line) it is
  json alerts = json::array();
  for (const auto& a : r.alerts) {
    json x = {{"index", a.index}};
    if (a.doc) {
      x["file"] = a.doc->file;
      x["line"] = a.doc->line;
      x["sources"] = json::array({a.doc->file + ":" + std::to_string(a.doc->line)});
    }
    if (a.time) x["time"] = format_datetime(*a.time);
    for (auto it = a.detail.begin(); it != a.detail.end(); ++it) x[it.key()] = it.value();
    x["source"] = doc_json(a.doc);
    alerts.push_back(x);
  }
  j["alert"] = !r.alerts.empty();
  j["alerts"] = alerts;
  j["capped"] = r.capped;
  j["suppressed_by"] = r.suppressed_by;
  j["notes"] = r.notes;
  j["dynamic_fields"] = r.dynamic_fields;
  j["errors"] = r.errors;
  return j;
}

void print_table(const kql::ElasticRule& rule, const kql::ElasticRunResult& r) {
  std::cout << "rule:    " << rule.name << " (" << rule.type_name << ", " << kql::to_string(rule.language) << ")  " << rule.file << "\n";
  std::cout << "now:     " << format_datetime(r.now) << "\n";
  std::cout << "window:  " << format_datetime(r.from) << " .. " << format_datetime(r.to) << " on " << r.timestamp_field
            << " (from " << rule.from << ", interval " << rule.interval << ")\n";
  std::cout << "indices: ";
  for (std::size_t i = 0; i < r.indices.size(); ++i) std::cout << (i ? ", " : "") << r.indices[i];
  if (r.indices.empty()) std::cout << "(none of the data matches the rule's index patterns)";
  std::cout << "\n";
  if (!r.ignored_indices.empty()) {
    std::cout << "ignored: ";
    for (std::size_t i = 0; i < r.ignored_indices.size(); ++i) std::cout << (i ? ", " : "") << r.ignored_indices[i];
    std::cout << " (not matched by index patterns";
    for (const auto& p : rule.index) std::cout << " " << p;
    std::cout << ")\n";
  }
  std::cout << "events:  " << r.docs_total << " read, " << r.docs_in_window << " in window, " << r.docs_matched << " matched, "
            << r.docs_suppressed << " suppressed by exceptions\n";
  std::cout << "alerts:  " << r.alerts.size() << (r.capped ? " (max_signals " + std::to_string(rule.max_signals) + " reached)" : "")
            << "\n";
  std::size_t n = 0;
  for (const auto& a : r.alerts) {
    std::cout << "  " << ++n << ". " << (a.time ? format_datetime(*a.time) : std::string("-")) << "  " << a.index;
    if (a.doc) std::cout << "  " << a.doc->file << ":" << a.doc->line;
    if (!a.detail.empty()) std::cout << "  " << a.detail.dump();
    std::cout << "\n";
    if (a.doc) std::cout << "     " << compact(a.doc) << "\n";
  }
  for (const auto& s : r.suppressed_by) std::cout << "suppressed: " << s << "\n";
}

}  // namespace

int run_elastic(const RunArgs& a) {
  std::ifstream in(a.rule, std::ios::binary);
  if (!in) {
    std::cerr << a.rule << ": cannot open file\n";
    return 1;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  auto rules = kql::load_elastic_text(a.rule, text);
  if (!rules) {
    std::cerr << rules.error().format() << "\n";
    return 1;
  }
  if (rules->empty()) {
    std::cerr << a.rule << ": no rules in this file\n";
    return 1;
  }
  if (rules->size() == 1 && rules->front().language == kql::QueryLanguage::Eql) return run_elastic_eql(a);
  if (a.format == "csv") {
    std::cerr << "--format csv: Elastic results are documents; use table, json or ndjson\n";
    return 1;
  }
  auto types = load_types(a.mapping);
  if (!types) {
    std::cerr << types.error().format() << "\n";
    return 1;
  }
  auto now = clock(a.now);
  if (!now) {
    std::cerr << now.error().format() << "\n";
    return 1;
  }
  auto data = load_data(a.data, a.strict);
  if (!data) {
    std::cerr << data.error().format() << "\n";
    return 1;
  }
  for (const auto& w : data->warnings) std::cerr << "warning: " << w << "\n";
  int rc = 0;
  json all = json::array();
  bool first = true;
  for (const auto& rule : rules.value()) {
    for (const auto& w : rule.warnings) std::cerr << "warning: " << w.format() << "\n";
    if (rule.language == kql::QueryLanguage::Eql) {
      std::cerr << rule.file << ":" << rule.file_line << ": \"" << rule.name
                << "\" is an EQL rule inside a multi-rule export: run it from its own file\n";
      rc = rc ? rc : 2;
      continue;
    }
    if (rule.language != kql::QueryLanguage::Kuery) {
      std::cerr << rule.file << ":" << rule.file_line << ": \"" << rule.name << "\": rules of type " << rule.type_name
                << (rule.language_name.empty() ? "" : " in " + rule.language_name) << " cannot be run by rulelab\n";
      rc = rc ? rc : 2;
      continue;
    }
    const kql::ElasticRunResult r = kql::run_elastic_rule(rule, text, data->indices, *types, *now,
                                                             Deadline::after(a.limits.timeout_seconds));
    for (const auto& e : r.errors) std::cerr << e << "\n";
    if (!r.errors.empty()) rc = 1;
    for (const auto& n : r.notes) std::cerr << "note: " << n << "\n";
    if (!r.dynamic_fields.empty() && a.format == "table") std::cerr << dynamic_note(r.dynamic_fields) << "\n";
    if (!r.errors.empty() && a.format == "table") continue;
    if (a.format == "json") all.push_back(run_json(&rule, r));
    else if (a.format == "ndjson") {
      for (const auto& h : r.hits) std::cout << to_json(h.doc->source) << "\n";
    } else {
      if (!first) std::cout << "\n";
      print_table(rule, r);
    }
    first = false;
  }
  if (a.format == "json") std::cout << (all.size() == 1 ? all[0] : all).dump(2) << "\n";
  return rc;
}

int query_kuery(const QueryArgs& a) {
  if (a.format == "csv") {
    std::cerr << "--format csv: kuery results are documents; use table, json or ndjson\n";
    return 1;
  }
  auto types = load_types(a.mapping);
  if (!types) {
    std::cerr << types.error().format() << "\n";
    return 1;
  }
  auto now = clock(a.now);
  if (!now) {
    std::cerr << now.error().format() << "\n";
    return 1;
  }
  auto data = load_data(a.data, a.strict);
  if (!data) {
    std::cerr << data.error().format() << "\n";
    return 1;
  }
  for (const auto& w : data->warnings) std::cerr << "warning: " << w << "\n";
  const kql::ElasticRunResult r = kql::run_kuery_query(a.query, data->indices, *types, *now, a.size,
                                                         Deadline::after(a.limits.timeout_seconds));
  for (const auto& e : r.errors) std::cerr << e << "\n";
  if (!r.errors.empty()) return 1;
  for (const auto& n : r.notes) std::cerr << "note: " << n << "\n";
  if (!r.dynamic_fields.empty() && a.format == "table") std::cerr << dynamic_note(r.dynamic_fields) << "\n";
  if (a.format == "json") {
    json j = run_json(nullptr, r);
    j["query"] = a.query;
    j.erase("alert");
    j.erase("alerts");
    j.erase("suppressed_by");
    std::cout << j.dump(2) << "\n";
  } else if (a.format == "ndjson") {
    for (const auto& h : r.hits) std::cout << to_json(h.doc->source) << "\n";
  } else {
    std::cout << r.docs_matched << " of " << r.docs_total << " document(s) match" << (r.capped ? " (showing --size)" : "") << "\n";
    for (const auto& h : r.hits) std::cout << h.index << "  " << h.doc->file << ":" << h.doc->line << "  " << compact(h.doc, 200) << "\n";
  }
  return 0;
}

}  // namespace rulelab::cli
