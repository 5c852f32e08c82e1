// Elastic ES|QL rules (type = "esql") on the ES|QL engine, as Kibana's ES|QL rule type runs them:
// the rule's window [now + from, now + to] filters @timestamp (Kibana adds it as a range filter),
// NOW() is the run's clock, an aggregating query (STATS) raises one alert per result row, a
// non-aggregating one an alert per row (a source document; rows with METADATA _id are
// de-duplicated by _id, _index and _version), and max_signals caps the alerts.
#include "app/elastic_data.hpp"
#include "app/esql_prepare.hpp"
#include "app/runner_impl.hpp"
#include "core/datetime.hpp"
#include "esql/engine.hpp"
#include "esql/parser.hpp"
#include "kuery/runner.hpp"
#include "kuery/matcher.hpp"
#include "elastic/exceptions.hpp"

#include <map>
#include <algorithm>
#include <set>

namespace rulelab::app {
namespace {

using nlohmann::ordered_json;

ordered_json cell_value(esql::Type t, const esql::Cell& c) {
  ordered_json j = ordered_json::parse(esql::cell_json(t, c), nullptr, false);
  return j.is_discarded() ? ordered_json(nullptr) : j;
}

class EsqlRunner : public Runner {
 public:
  EsqlRunner(const LoadedRule& rule, bool no_pushdown, std::uint64_t max_rows, EsqlPrepared p)
      : rule_(rule), no_pushdown_(no_pushdown), max_rows_(max_rows), query_(std::move(p.query)), catalog_(std::move(p.catalog)), where_(std::move(p.where)),
        exceptions_(std::move(p.exceptions)), exception_notes_(std::move(p.exception_notes)),
        exception_errors_(std::move(p.exception_errors)), mapping_notes_(std::move(p.mapping_notes)),
        completions_(std::move(p.completions)) {}

  Result<RunResult> run(DateTime now) override {
    const elastic::ElasticRule& rule = *rule_.elastic;
    RunResult out;
    out.now = now;
    out.rule_name = rule.name;
    out.rule_file = rule.file;
    out.warnings = rule_.warnings;
    out.detail["rule_id"] = rule.rule_id;
    out.detail["type"] = rule.type_name;
    out.detail["language"] = "esql";
    out.detail["max_signals"] = rule.max_signals;
    esql::RunOptions opts;
    opts.now_ms = now.ticks / 10000;
    opts.where = where_;
    opts.stream = !no_pushdown_;
    opts.max_rows = max_rows_;
    opts.completions = completions_;
    const std::vector<const esql::Command*> commands = esql::all_commands(query_);  // (a FORK's branches' too)
    if (completions_ && std::none_of(commands.begin(), commands.end(),
                                     [](const esql::Command* c) { return c->kind == esql::CommandKind::Completion; }))
      out.notes.push_back("--completion is not used: the rule's query has no COMPLETION");
    if (completions_)
      for (const esql::Command* cp : commands)
        if (const esql::Command& c = *cp; c.kind == esql::CommandKind::Completion && !c.field.empty()) {
          std::set<std::string> files;
          for (const auto& a : *completions_) files.insert(a.file);
          std::string list;
          for (const auto& f : files) list += (list.empty() ? "" : ", ") + f;
          out.notes.push_back("COMPLETION (endpoint " + c.field + ") is answered from " + list + ", not by an LLM");
        }
    if (auto w = kuery::rule_window(rule, now)) {
      opts.window = std::pair{w->from.ticks / 10000, w->to.ticks / 10000};
      out.window = elastic_window(w->from, w->to, "@timestamp");
    }
    for (const auto& n : mapping_notes_) out.notes.push_back(n);
    for (const auto& n : exception_notes_) out.notes.push_back(n);
    for (const auto& e : exception_errors_) out.errors.push_back(e);  // (as a kuery rule's: a search Elasticsearch would reject)
    for (auto& n : apply_esql_exceptions(exceptions_, catalog_, now)) out.notes.push_back(std::move(n));
    auto r = esql::run_query(query_, catalog_, opts);
    if (r.error) {
      unsupported = r.error->unsupported;
      return r.error->error;
    }
    const esql::RunOutput& res = *r.output;
    for (const auto& w : res.warnings) out.notes.push_back("ES|QL warning: " + w);
    for (const auto& n : res.notes) out.notes.push_back(n);
    const esql::Page& p = res.page;
    int id = p.find("_id"), index = p.find("_index"), version = p.find("_version");
    std::set<std::string> seen;
    std::size_t dupes = 0;
    for (std::size_t row = 0; row < p.rows(); ++row) {
      ordered_json j = ordered_json::object();
      for (const auto& c : p.columns) j[c.name] = cell_value(c.type, c.cells[row]);
      std::vector<std::string> sources;
      Alert a;
      std::int64_t o = p.origin[row];
      if (o >= 0) {
        std::size_t ix = static_cast<std::size_t>(o >> 32), rr = static_cast<std::size_t>(o & 0xffffffff);
        const auto& idx = catalog_.indices()[ix];
        a.body["index"] = idx.name;
        auto streamed = res.source_lines.find(ix);
        std::size_t line = 0;
        if (streamed != res.source_lines.end()) line = rr < streamed->second.size() ? streamed->second[rr] : 0;
        else if (rr < idx.lines.size()) line = idx.lines[rr];
        if (line) {
          sources.push_back(idx.file + ":" + std::to_string(line));
          a.body["file"] = idx.file;
          a.body["line"] = line;
        }
      }
      if (j.contains("@timestamp") && j["@timestamp"].is_string()) a.body["time"] = j["@timestamp"];
      out.rows.push_back(j);
      out.provenance.push_back(sources);
      // (Kibana de-duplicates by the row's _id: a row without one, a FORK branch's STATS row, is
      // an alert of its own.)
      if (!res.aggregating && id >= 0 && j["_id"].is_string() && !j["_id"].get<std::string>().empty()) {
        std::string key = j["_id"].dump() + "|" + (index >= 0 ? j["_index"].dump() : "") + "|" + (version >= 0 ? j["_version"].dump() : "");
        if (!seen.insert(key).second) {
          ++dupes;
          continue;
        }
      }
      if (static_cast<std::int64_t>(out.alerts.size()) >= rule.max_signals) {
        out.capped = true;
        continue;
      }
      a.sources = sources;
      a.body["sources"] = sources;
      a.body["row"] = j;
      out.alerts.push_back(std::move(a));
    }
    out.alert = !out.alerts.empty();
    // What the FROM patterns read: the indices, their documents, those in the window.
    ordered_json indices = ordered_json::array();
    std::size_t documents = 0, in_window = 0;
    for (std::size_t ix = 0; ix < catalog_.indices().size(); ++ix) {
      const auto& idx = catalog_.indices()[ix];
      if (idx.file.empty()) continue;  // an empty index typed by ECS
      auto counts = res.documents.find(ix);
      if (counts == res.documents.end()) continue;  // not read by FROM
      indices.push_back(idx.name);
      documents += counts->second.first;
      in_window += counts->second.second;
    }
    out.detail["indices"] = indices;
    std::size_t removed = 0;  // documents in the window the exception items left out
    for (const auto& [ix, n] : res.excluded) removed += n;
    if (removed) out.notes.push_back("the rule's exception items removed " + std::to_string(removed) + " document(s) in the window before the query ran");
    out.detail["counts"] = {{"documents", documents}, {"in_window", in_window + removed}, {"matched", p.rows()}, {"suppressed", removed}};
    out.detail["aggregating"] = res.aggregating;
    out.detail["rows"] = p.rows();
    out.detail["duplicates"] = dupes;
    return out;
  }

 private:
  const LoadedRule& rule_;
  bool no_pushdown_;
  std::uint64_t max_rows_;  // --max-rows: an MV_EXPAND's rows
  esql::Query query_;
  esql::Catalog catalog_;
  esql::SourceContext where_;
  std::vector<EsqlException> exceptions_;
  std::vector<std::string> exception_notes_;
  std::vector<std::string> exception_errors_;
  std::vector<std::string> mapping_notes_;
  std::shared_ptr<const std::vector<esql::CompletionAnswer>> completions_;
};

}  // namespace

Result<EsqlPrepared> prepare_esql(const LoadedRule& rule, const DataOptions& data) {
  const elastic::ElasticRule& e = *rule.elastic;
  esql::SourceContext where;
  where.file = e.file;
  if (e.query_source.offset < rule.text.size() && rule.text.compare(e.query_source.offset, e.query.size(), e.query) == 0) {
    where.file_text = rule.text;
    where.offset = e.query_source.offset;
  }
  auto q = esql::parse_query(e.query, where);
  if (!q) return q.error();
  q->appended_limit = 10000;  // (Kibana's rule executor: `query | limit size`, paging up to max_signals alerts)
  auto types = load_field_types(data.mapping);
  if (!types) return types.error();
  esql::Catalog catalog;
  std::vector<std::string> mapping_notes;
  // --mapping INDEX=FILE: that index's mapping in place of the one for every index.
  std::map<std::string, elastic::FieldTypes> by_index;
  for (const auto& [index, file] : data.index_mappings) {
    auto t = load_field_types(file);
    if (!t) return t.error();
    by_index.insert_or_assign(index, std::move(*t));
  }
  for (const auto& [index, t] : by_index) {
    bool given = false;
    for (const auto& s : data.data) given = given || s.name == index;
    if (!given) return Error("--mapping " + index + "=FILE names no index of --data");
  }
  for (const auto& s : data.data) {
    // An index of an integration's data stream (logs-<dataset>-<namespace>) has the fields of
    // that package's mapping, as Fleet's index template gives them, whether or not a document holds
    // them (ES|QL lists a mapped field as a column, null where absent); the user's mapping wins.
    std::string source;
    const auto mine = by_index.find(s.name);
    const elastic::FieldTypes& base = mine != by_index.end() ? mine->second : *types;
    const auto own = index_field_types(base, s.name, &source);
    if (own) mapping_notes.push_back("index " + s.name + ": fields typed by " + source);
    auto r = catalog.add_index_file(s.name, s.file, own ? *own : base);
    if (!r) return r.error();
  }
  // Index patterns of FROM that no data file matches: empty indices typed by ECS. (A LOOKUP JOIN's
  // index is not made up: without its documents the query stops at a positioned error saying how to
  // give them, since every row would otherwise miss its match silently.)
  std::vector<std::string> fields = esql::referenced_fields(*q);
  for (const auto& c : q->commands)
    for (const auto& pat : c.kind == esql::CommandKind::From ? c.indices : std::vector<std::string>{}) {
      bool any = false;
      for (const auto& idx : catalog.indices()) any = any || esql::index_matches(pat, idx.name);
      if (!any) catalog.add_fields_index(pat, *types, fields);
    }
  EsqlPrepared prepared{std::move(*q), std::move(catalog), std::move(where), {}, {}, {}, std::move(mapping_notes), nullptr};
  if (!data.completions.empty()) {
    auto answers = esql::read_completion_answers(data.completions);
    if (!answers) return answers.error();
    prepared.completions = std::move(*answers);
  }
  // Exception items: each evaluated once over the documents of the indices FROM reads (read as
  // kuery and EQL read them, typed the same), the matches kept per index by document position; a
  // run applies the items active at its time.
  std::vector<nlohmann::json> dsls;  // per prepared.exceptions entry
  for (const auto& item : e.exceptions) {
    const std::string label = item.item_id + (item.name.empty() ? "" : " (" + item.name + ")");
    std::string why;
    nlohmann::json dsl = elastic::exception_item_query(item, &why);
    if (!why.empty()) {
      prepared.exception_notes.push_back("exception item " + label + ": " + why + ": the item never removes a document");
      continue;
    }
    prepared.exceptions.push_back({item, label, std::vector<std::vector<bool>>(prepared.catalog.indices().size())});
    dsls.push_back(std::move(dsl));
  }
  if (!dsls.empty()) {
    std::vector<DataSpec> read;  // the data FROM names
    for (const auto& s : data.data)
      for (const auto& c : prepared.query.commands)
        for (const auto& pat : c.kind == esql::CommandKind::From ? c.indices : std::vector<std::string>{})
          if (esql::index_matches(pat, s.name) && std::none_of(read.begin(), read.end(), [&](const DataSpec& r) { return r.name == s.name && r.file == s.file; }))
            read.push_back(s);
    auto docs = load_elastic_docs(read, data.strict);
    if (!docs) return docs.error();
    for (const auto& ix : docs->indices) {
      // The index's own types, as the query reads it: its --mapping INDEX=FILE (or the one for
      // every index), under an integration data stream's mapping.
      const auto mine = by_index.find(ix.name);
      const elastic::FieldTypes& base = mine != by_index.end() ? mine->second : *types;
      const auto own = index_field_types(base, ix.name, nullptr);
      elastic::IndexFields fields(own ? *own : base, ix.name);
      for (const auto& d : ix.docs) fields.observe(d.source, d.shape);
      std::vector<kuery::CompiledQuery> compiled;
      for (std::size_t n = 0; n < dsls.size(); ++n) {
        compiled.push_back(kuery::CompiledQuery::compile_dsl(dsls[n], fields, DateTime{0}));
        for (const auto& err : compiled.back().errors())
          prepared.exception_errors.push_back(e.file + ": exception item " + prepared.exceptions[n].label + ": " + err.message);
      }
      for (std::size_t k = 0; k < prepared.catalog.indices().size(); ++k) {
        const esql::Index& idx = prepared.catalog.indices()[k];
        if (idx.name != ix.name) continue;
        std::size_t ordinal = 0;  // the document's position among its file's documents
        for (const auto& d : ix.docs) {
          if (d.file != idx.file) continue;
          for (std::size_t n = 0; n < dsls.size(); ++n)
            if (compiled[n].matches(d.source)) {
              auto& v = prepared.exceptions[n].docs[k];
              if (v.size() <= ordinal) v.resize(ordinal + 1, false);
              v[ordinal] = true;
            }
          ++ordinal;
        }
      }
    }
  }
  for (const auto& ref : e.exceptions_list)
    if (std::none_of(e.exceptions.begin(), e.exceptions.end(), [&](const elastic::ExceptionItem& i) { return i.list_id == ref.list_id; }))
      prepared.exception_notes.push_back("exception list " + ref.list_id + " has no items here (export it with the rule to apply it)");
  return prepared;
}

std::vector<std::string> apply_esql_exceptions(const std::vector<EsqlException>& exceptions, esql::Catalog& catalog, DateTime now) {
  std::vector<std::string> notes;
  if (exceptions.empty()) return notes;
  std::vector<std::vector<bool>> out(catalog.indices().size());
  for (const auto& x : exceptions) {
    if (!elastic::exception_item_active(x.item, now)) {
      notes.push_back("exception item " + x.label + " expired at " + x.item.expire_time + ": not applied");
      continue;
    }
    for (std::size_t k = 0; k < out.size() && k < x.docs.size(); ++k) {
      if (out[k].size() < x.docs[k].size()) out[k].resize(x.docs[k].size(), false);
      for (std::size_t i = 0; i < x.docs[k].size(); ++i)
        if (x.docs[k][i]) out[k][i] = true;
    }
  }
  for (std::size_t k = 0; k < out.size(); ++k)
    catalog.exclude_documents(k, out[k].empty() ? nullptr : std::make_shared<const std::vector<bool>>(std::move(out[k])));
  return notes;
}

std::optional<std::string> esql_exception_of(const std::vector<EsqlException>& exceptions, std::size_t index_no, std::size_t ordinal,
                                             DateTime now) {
  for (const auto& x : exceptions)
    if (elastic::exception_item_active(x.item, now) && index_no < x.docs.size() && ordinal < x.docs[index_no].size() &&
        x.docs[index_no][ordinal])
      return x.label;
  return std::nullopt;
}

Result<std::unique_ptr<Runner>> make_esql_runner(const LoadedRule& rule, const DataOptions& data) {
  auto p = prepare_esql(rule, data);
  if (!p) return p.error();
  return std::unique_ptr<Runner>(std::make_unique<EsqlRunner>(rule, data.no_pushdown, data.limits.max_rows, std::move(*p)));
}

}  // namespace rulelab::app
