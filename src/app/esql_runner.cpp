// Elastic ES|QL rules (type = "esql") on the ES|QL engine, as Kibana's ES|QL rule type runs them:
// the rule's window [now + from, now + to] filters timestamp_override, else @timestamp (Kibana adds
// it as a range filter; documents without timestamp_override fall back to @timestamp),
// NOW() is the run's clock, an aggregating query (STATS) raises one alert per result row, a
// non-aggregating one an alert per row (a source document; rows with METADATA _id are
// de-duplicated by _id, _index and _version), and max_signals caps the alerts.
#include "app/elastic_data.hpp"
#include "app/esql_prepare.hpp"
#include "app/runner_impl.hpp"
#include "core/selection.hpp"
#include "core/datetime.hpp"
#include "esql/engine.hpp"
#include "esql/parser.hpp"
#include "kuery/runner.hpp"
#include "kuery/matcher.hpp"
#include "elastic/exceptions.hpp"

#include <cmath>
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
        completions_(std::move(p.completions)), prepared_notes_(std::move(p.query_notes)), from_data_(std::move(p.from_data)),
        strict_(p.strict) {
    docs_ = std::move(p.docs);
    for (const auto& c : query_.commands)
      if (c.kind == esql::CommandKind::MvExpand) mv_fields_.push_back(c.field);
  }

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
      apply_rule_window(*w, opts);
      out.window = elastic_window(w->from, w->to, w->timestamp_field);
    }
    for (const auto& n : mapping_notes_) out.notes.push_back(n);
    for (const auto& n : exception_notes_) out.notes.push_back(n);
    for (const auto& e : exception_errors_) out.errors.push_back(e);  // (as a kuery rule's: a search Elasticsearch would reject)
    for (auto& n : apply_esql_exceptions(exceptions_, catalog_, now)) out.notes.push_back(std::move(n));
    for (const auto& n : prepared_notes_) out.notes.push_back(n);

    // Kibana's ES|QL rule executor (esql.ts): requests of `query | limit max_signals + 1`, each
    // without the documents earlier requests of the run and earlier runs returned (its
    // excludedDocuments, sent as must_not ids), until a request returns fewer rows or the alerts
    // reach max_signals. Rows become alerts by id: a document's (_id, _index and the values of the
    // query's MV_EXPAND fields) or, for aggregating rows and rows without _id, the run's window and
    // the row's position in its page, new in every run. An id created already (this run or an
    // earlier one) is no new alert.
    const std::int64_t max_alerts = std::max<std::int64_t>(rule.max_signals, 0);
    const std::size_t page_size = static_cast<std::size_t>(max_alerts) + 1;
    query_.appended_limit = page_size;
    std::vector<std::vector<bool>> seen = seen_;  // per catalog index: documents not to read again
    seen.resize(catalog_.indices().size());
    const std::string run_key = out.window ? format_datetime(out.window->from) + format_datetime(out.window->to) : format_datetime(now);
    std::set<std::string> run_ids;  // alert ids this run's pages created
    // The document a full page held back comes again first on the next page: its rows there are
    // listed once (how many of them the previous page listed).
    std::int64_t held_doc = -1;
    std::multiset<std::string> held_rows;  // its rows the previous page listed (their JSON)
    std::set<std::string> counted_earlier;  // ids of earlier runs already counted in `earlier`
    std::size_t dupes = 0, earlier = 0, pages = 0, total_rows = 0;
    std::int64_t created = 0;
    bool first = true, aggregating = false;
    std::map<std::size_t, std::pair<std::size_t, std::size_t>> documents;
    std::map<std::size_t, std::size_t> removed_by_exceptions, left_out_seen;
    while (!cap_alerts || created <= max_alerts) {
      for (std::size_t k = 0; k < seen.size(); ++k)
        catalog_.exclude_seen(k, std::any_of(seen[k].begin(), seen[k].end(), [](bool b) { return b; })
                                     ? std::make_shared<const std::vector<bool>>(seen[k]) : nullptr);
      auto r = esql::run_query(query_, catalog_, opts);
      if (r.error) {
        unsupported = r.error->unsupported;
        return r.error->error;
      }
      const esql::RunOutput& res = *r.output;
      ++pages;
      if (first) {
        for (const auto& w : res.warnings) out.notes.push_back("ES|QL warning: " + w);
        for (const auto& n : res.notes) out.notes.push_back(n);
        aggregating = res.aggregating;
        documents = res.documents;
        removed_by_exceptions = res.excluded;
        left_out_seen = res.seen;
      }
      const esql::Page& p = res.page;
      total_rows += p.rows();
      const int id = p.find("_id"), index = p.find("_index");
      if (first && !aggregating && p.rows() > 0 && id < 0)
        out.warnings.push_back(
            "the query's result has no _id column, so Kibana cannot tell its rows' documents apart: every row is an alert of its own in "
            "every run (Kibana adds METADATA _id to a non-aggregating rule's query, but a DROP or RENAME of _id, or a query without FROM, "
            "removes it again)");
      first = false;
      std::set<std::string> page_ids;
      std::vector<Alert> candidates;
      std::vector<std::int64_t> page_docs;  // origins of the rows with an _id, in order
      std::size_t relisted = 0;  // rows of the held-back document not listed again
      for (std::size_t row = 0; row < p.rows(); ++row) {
        ordered_json j = ordered_json::object();
        for (const auto& c : p.columns) j[c.name] = cell_value(c.type, c.cells[row]);
        std::vector<std::string> sources;
        Alert a;
        const std::int64_t o = p.origin[row];
        std::string doc_index;
        if (o >= 0) {
          std::size_t ix = static_cast<std::size_t>(o >> 32), rr = static_cast<std::size_t>(o & 0xffffffff);
          const auto& idx = catalog_.indices()[ix];
          doc_index = idx.name;
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
        const std::string row_text = j.dump();
        if (o >= 0 && o == held_doc && held_rows.count(row_text)) {
          held_rows.erase(held_rows.find(row_text));
          ++relisted;
        } else {
          out.rows.push_back(j);
          out.provenance.push_back(sources);
        }
        // The alert's id (generate_alert_id.ts).
        const bool has_id = !aggregating && id >= 0 && j["_id"].is_string() && !j["_id"].get<std::string>().empty();
        if (has_id) {
          std::string ix_name = index >= 0 && j["_index"].is_string() && !j["_index"].get<std::string>().empty() ? j["_index"].get<std::string>() : doc_index;
          a.id = "doc|" + j["_id"].get<std::string>() + "|" + ix_name;
          if (!mv_fields_.empty()) {
            // The MV_EXPAND fields' values when the result has them all (get_mv_expand_usage.ts),
            // those JavaScript takes as true only (`filter(Boolean)`: no null, false, 0 or ""),
            // else the whole event (its document and row).
            bool all = std::all_of(mv_fields_.begin(), mv_fields_.end(), [&](const std::string& f) { return p.find(f) >= 0; });
            if (all) {
              for (const auto& f : mv_fields_) {
                const ordered_json& v = j[f];
                const bool falsy = v.is_null() || (v.is_boolean() && !v.get<bool>()) || (v.is_number() && v.get<double>() == 0) ||
                                   (v.is_number_float() && std::isnan(v.get<double>())) || (v.is_string() && v.get<std::string>().empty());
                if (!falsy) a.id += "|" + v.dump();
              }
            } else {
              a.id += "|event=" + std::to_string(o) + j.dump();
            }
          }
          if (o >= 0) page_docs.push_back(o);
        } else {
          a.id = "run|" + run_key + "|" + std::to_string(row);
        }
        if (!page_ids.insert(a.id).second || run_ids.count(a.id)) {  // (one alert per id: the first row's)
          ++dupes;
          continue;
        }
        if (skip_earlier_alerts && created_ids_.count(a.id)) {  // created by an earlier run: Kibana drops it as existing
          if (counted_earlier.insert(a.id).second) ++earlier;
          continue;
        }
        a.sources = sources;
        a.body["sources"] = sources;
        a.body["row"] = j;
        if (attach_sources && has_id && o >= 0) {
          auto src = source_of(o);
          if (!src) return src.error();
          if (!src->is_null()) a.body["source"] = std::move(*src);
        }
        candidates.push_back(std::move(a));
      }
      // bulkCreate: at most the alerts left to max_signals; more is a truncation.
      // (Under alert suppression the suppressor caps the grouped alerts: every candidate goes on.)
      const bool truncated = cap_alerts && static_cast<std::int64_t>(candidates.size()) > max_alerts - created;
      for (auto& a : candidates) {
        if (cap_alerts && created >= max_alerts) break;
        run_ids.insert(a.id);
        out.alerts.push_back(std::move(a));
        ++created;
      }
      // updateExcludedDocuments: the page's documents are not read again, but for the last row's
      // when the page is full (it may hold more rows: it comes again first).
      const bool exhausted = p.rows() < page_size;
      std::set<std::int64_t> distinct(page_docs.begin(), page_docs.end());
      const std::int64_t held = !exhausted && distinct.size() > 1 && p.rows() > 0 ? p.origin[p.rows() - 1] : -1;
      held_doc = held;
      held_rows.clear();
      if (held >= 0)
        for (std::size_t row = 0; row < p.rows(); ++row)
          if (p.origin[row] == held) {
            ordered_json j = ordered_json::object();
            for (const auto& c : p.columns) j[c.name] = cell_value(c.type, c.cells[row]);
            held_rows.insert(j.dump());
          }
      total_rows -= relisted;
      std::size_t newly = 0;
      for (const std::int64_t o : distinct) {
        if (o == held) continue;
        auto& v = seen[static_cast<std::size_t>(o >> 32)];
        const std::size_t rr = static_cast<std::size_t>(o & 0xffffffff);
        if (v.size() <= rr) v.resize(rr + 1, false);
        if (!v[rr]) ++newly;
        v[rr] = true;
      }
      if (truncated) {
        out.capped = true;
        break;
      }
      if (exhausted) break;
      if (!newly && candidates.empty()) break;  // (a full page of rows no request can leave out: no progress)
    }
    // The rule's state for its next run, kept only from a run that completed.
    seen_ = std::move(seen);
    created_ids_.insert(run_ids.begin(), run_ids.end());
    out.alert = !out.alerts.empty();
    // What the FROM patterns read: the indices, their documents, those in the window.
    ordered_json indices = ordered_json::array();
    std::size_t docs_read = 0, in_window = 0;
    for (std::size_t ix = 0; ix < catalog_.indices().size(); ++ix) {
      const auto& idx = catalog_.indices()[ix];
      if (idx.file.empty()) continue;  // an empty index typed by ECS
      auto counts = documents.find(ix);
      if (counts == documents.end()) continue;  // not read by FROM
      indices.push_back(idx.name);
      docs_read += counts->second.first;
      in_window += counts->second.second;
    }
    out.detail["indices"] = indices;
    std::size_t removed = 0, already = 0;  // documents in the window the exception items left out; earlier runs returned
    for (const auto& [ix, n] : removed_by_exceptions) removed += n;
    for (const auto& [ix, n] : left_out_seen) already += n;
    if (removed) out.notes.push_back("the rule's exception items removed " + std::to_string(removed) + " document(s) in the window before the query ran");
    if (already)
      out.notes.push_back(std::to_string(already) + " document(s) in the window were returned by earlier runs and are left out of this run's requests "
                          "(Kibana's excluded documents)");
    out.detail["counts"] = {{"documents", docs_read}, {"in_window", in_window + removed + already}, {"matched", total_rows}, {"suppressed", removed}};
    if (already) out.detail["counts"]["returned_by_earlier_runs"] = already;
    out.detail["aggregating"] = aggregating;
    out.detail["rows"] = total_rows;
    out.detail["duplicates"] = dupes;
    out.detail["requests"] = pages;
    if (earlier) out.detail["alerts_of_earlier_runs"] = earlier;
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
  // attach_sources: the documents of the indices FROM reads, read at the first alert that needs
  // one, and per catalog index each document by its position in its file.
  std::shared_ptr<ElasticDocs> docs_;  // (read by prepare_esql for the exception items, or here)
  std::vector<std::vector<DynRef>> doc_at_;
  bool sources_indexed_ = false;

  // The document at `origin` (catalog index << 32 | position), as JSON; null if unknown.
  Result<ordered_json> source_of(std::int64_t origin) {
    if (!docs_) {
      auto d = load_elastic_docs(from_data_, strict_);
      if (!d) return d.error();
      docs_ = std::make_shared<ElasticDocs>(std::move(*d));
    }
    if (!sources_indexed_) {
      sources_indexed_ = true;
      doc_at_.assign(catalog_.indices().size(), {});
      for (std::size_t k = 0; k < catalog_.indices().size(); ++k) {
        const esql::Index& idx = catalog_.indices()[k];
        for (const auto& ix : docs_->indices) {
          if (ix.name != idx.name) continue;
          for (const auto& d : ix.docs)
            if (d.file == idx.file) doc_at_[k].push_back(d.source);
        }
      }
    }
    const auto k = static_cast<std::size_t>(origin >> 32), rr = static_cast<std::size_t>(origin & 0xffffffff);
    if (k >= doc_at_.size() || rr >= doc_at_[k].size()) return ordered_json(nullptr);
    ordered_json j = ordered_json::parse(to_json(doc_at_[k][rr]), nullptr, false);
    return j.is_discarded() ? ordered_json(nullptr) : j;
  }
  std::vector<std::string> prepared_notes_;  // what Kibana changed in the query (injected METADATA _id)
  std::vector<DataSpec> from_data_;
  bool strict_ = false;
  std::vector<std::string> mv_fields_;       // the query's top-level MV_EXPAND fields (alert ids)
  // The state Kibana keeps between a rule's runs: the documents earlier requests returned (per
  // catalog index, by position; its excludedDocuments) and the ids of the alerts created.
  std::vector<std::vector<bool>> seen_;
  std::set<std::string> created_ids_;
};

}  // namespace

std::vector<std::string> inject_metadata_id(esql::Query& q) {
  using esql::CommandKind;
  std::vector<std::string> notes;
  if (q.commands.empty() || q.commands[0].kind != CommandKind::From) return notes;  // (ROW: no FROM to upsert into)
  for (const auto& c : q.commands)
    if (c.kind == CommandKind::Stats) return notes;  // aggregating: no document alerts
  std::vector<std::string> changed;
  esql::Command& from = q.commands[0];
  if (std::find(from.metadata.begin(), from.metadata.end(), "_id") == from.metadata.end()) {
    from.metadata.push_back("_id");
    changed.push_back("METADATA _id on FROM");
  }
  std::size_t keeps = 0;
  for (std::size_t i = 1; i < q.commands.size(); ++i) {
    esql::Command& c = q.commands[i];
    bool stop = false;
    if (c.kind == CommandKind::Drop)
      for (const auto& pat : c.patterns) stop = stop || pat == "_id" || pat.find('*') != std::string::npos;
    if (c.kind == CommandKind::Rename)
      for (const auto& [old_name, new_name] : c.renames) stop = stop || old_name == "_id";
    if (c.kind == CommandKind::Eval)
      for (const auto& f : c.fields) stop = stop || f.name == "_id";
    if (stop) break;
    if (c.kind == CommandKind::Keep && std::find(c.patterns.begin(), c.patterns.end(), "_id") == c.patterns.end()) {
      c.patterns.push_back("_id");
      c.pattern_offsets.push_back(c.end);
      ++keeps;
    }
  }
  if (keeps) changed.push_back("_id appended to " + std::to_string(keeps) + " KEEP command" + (keeps > 1 ? "s" : ""));
  if (changed.empty()) return notes;
  std::string what;
  for (const auto& w : changed) what += (what.empty() ? "" : ", ") + w;
  notes.push_back("Kibana (9.4 and later) runs this non-aggregating query with " + what +
                  ", so that its alerts are told apart by document (_id) within and across runs");
  return notes;
}

void apply_rule_window(const kuery::RuleWindow& w, esql::RunOptions& opts) {
  opts.window = std::pair{w.from.ticks / 10000, w.to.ticks / 10000};
  opts.window_field = w.timestamp_field;
  opts.window_fallback = w.fallback_field();
}

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
  // Kibana's rule executor sends `query | limit max_signals + 1`, the query with METADATA _id
  // added when it is non-aggregating.
  q->appended_limit = static_cast<std::size_t>(std::max<std::int64_t>(e.max_signals, 0)) + 1;
  std::vector<std::string> query_notes = inject_metadata_id(*q);
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
  EsqlPrepared prepared{std::move(*q), std::move(catalog), std::move(where), {}, {}, {}, std::move(mapping_notes), nullptr, std::move(query_notes), {}, false, nullptr};
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
  std::vector<DataSpec>& read = prepared.from_data;  // the data FROM names
  prepared.strict = data.strict;
  for (const auto& s : data.data)
    for (const auto& c : prepared.query.commands)
      for (const auto& pat : c.kind == esql::CommandKind::From ? c.indices : std::vector<std::string>{})
        if (esql::index_matches(pat, s.name) && std::none_of(read.begin(), read.end(), [&](const DataSpec& r) { return r.name == s.name && r.file == s.file; }))
          read.push_back(s);
  if (!dsls.empty()) {
    auto loaded = load_elastic_docs(read, data.strict);
    if (!loaded) return loaded.error();
    auto docs = std::make_shared<ElasticDocs>(std::move(*loaded));
    // Kept for the alert sources of a rule that suppresses alerts (else freed here).
    if (rule.elastic->alert_suppression) prepared.docs = docs;
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
        // Each item over the file's documents (by their position among them), a batch at a time.
        std::vector<DynRef> refs;
        for (const auto& d : ix.docs)
          if (d.file == idx.file) refs.push_back(d.source);
        SelectionVector sel;
        for (std::size_t n = 0; n < dsls.size(); ++n)
          for (std::size_t at = 0; at < refs.size(); at += kBatchRows) {
            const std::size_t count = std::min(kBatchRows, refs.size() - at);
            sel = selection_all(count);
            compiled[n].select(std::span<const DynRef>(refs.data() + at, count), sel);
            auto& v = prepared.exceptions[n].docs[k];
            for (const std::uint32_t r : sel) {
              if (v.size() <= at + r) v.resize(at + r + 1, false);
              v[at + r] = true;
            }
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
