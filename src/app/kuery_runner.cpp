// Elastic rules written in Kibana KQL (query, threshold, new_terms) on the kuery engine.
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#include "app/elastic_data.hpp"
#include "app/elastic_read_filter.hpp"
#include "app/events.hpp"
#include "app/runner_impl.hpp"
#include "core/datetime.hpp"
#include "core/ingest.hpp"
#include "kuery/runner.hpp"

namespace rulelab::app {

using nlohmann::ordered_json;

Result<ElasticDocs> load_elastic_docs(const std::vector<DataSpec>& specs, bool strict, const KueryReadFilter* filter) {
  ElasticDocs out;
  std::map<std::string, std::size_t> by_name;
  std::vector<ReadFilterCounts> counts(specs.size());
  for (std::size_t k = 0; k < specs.size(); ++k) {
    const auto& s = specs[k];
    IngestOptions o;
    o.documents = true;
    o.strict = strict;
    o.table = s.name;
    o.document_shapes = true;
    const std::shared_ptr<const RawPrefilter> prefilter = filter ? filter->install(o, counts[k], s.name) : nullptr;
    o.document_verdicts = filter && o.make_document_filter;  // (install() installs none for a query typed from the data)
    auto r = ingest_file(s.file, o);
    if (!r) return r.error();
    for (const auto& w : r->stats.warnings) out.warnings.push_back(s.file + ": " + w);
    if (r->stats.rejected)
      out.warnings.push_back(s.file + ": " + std::to_string(r->stats.rejected) + " record(s) could not be read" +
                             (r->stats.first_rejections.empty() ? "" : " (line " + std::to_string(r->stats.first_rejections[0].line) + ": " +
                                                                            r->stats.first_rejections[0].reason + ")"));
    if (r->stats.prefiltered)
      out.notes.push_back(s.file + ": " + prefilter->skipped_note(r->stats.prefiltered, r->stats.records, "document") +
                          " (their JSON is not checked and their fields are not in the dynamic mapping; --no-pushdown reads every line)");
    counts[k].dropped += r->stats.prefiltered;
    out.reads.push_back({s.name, s.file, r->stats.records, r->stats.rows, r->stats.filtered, r->stats.rejected, false});
    out.tables.push_back(std::move(r->table));
  }
  for (std::size_t t = 0; t < out.tables.size(); ++t) {
    const Table& tab = out.tables[t];
    const std::string& name = specs[t].name;
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      it = by_name.emplace(name, out.indices.size()).first;
      out.indices.push_back({name, {}, 0, {}, filter ? filter->query() : std::string()});
    }
    kuery::IndexDocs& ix = out.indices[it->second];
    const int matched_col = tab.schema.index_of("_matched");
    // Every file of the index must have had the filter for its verdicts to stand.
    if (matched_col < 0) ix.matched_query.clear();
    ix.unread += counts[t].dropped;
    ix.unread_times.insert(ix.unread_times.end(), counts[t].dropped_times.begin(), counts[t].dropped_times.end());
    const int col = tab.schema.index_of("_source");
    const int shape_col = tab.schema.index_of("_shape");
    if (col < 0) return Error("ingest did not produce a _source column", specs[t].file);
    for (const auto& b : tab.batches)
      for (std::size_t r = 0; r < b.rows(); ++r) {
        const auto& src = b.sources[r];
        std::optional<std::uint64_t> shape;
        if (shape_col >= 0 && !b.columns[static_cast<std::size_t>(shape_col)].is_null(r))
          shape = static_cast<std::uint64_t>(b.columns[static_cast<std::size_t>(shape_col)].get_long(r));
        const bool matched = matched_col >= 0 && b.columns[static_cast<std::size_t>(matched_col)].get_bool(r);
        ix.docs.push_back({b.columns[static_cast<std::size_t>(col)].get_dynamic(r),
                           src.file < tab.sources.size() ? tab.sources[src.file] : specs[t].file, src.line, shape, matched});
      }
  }
  return out;
}

Result<elastic::FieldTypes> load_field_types(const std::string& mapping) {
  elastic::FieldTypes types = elastic::FieldTypes::builtin();
  if (mapping.empty()) return types;
  std::ifstream in(mapping, std::ios::binary);
  if (!in) return Error("cannot open mapping file", mapping);
  std::ostringstream ss;
  ss << in.rdbuf();
  auto n = types.add_mapping_json(ss.str(), mapping);
  if (!n) return n.error();
  return types;
}

std::optional<elastic::FieldTypes> index_field_types(const elastic::FieldTypes& shared, const std::string& index, std::string* source) {
  elastic::FieldTypes own = shared;  // (the user's mapping, in `shared`, keeps precedence)
  if (!own.add_data_stream(index, source)) return std::nullopt;
  return own;
}

ordered_json document_json(const kuery::DocRef* d) {
  if (!d) return nullptr;
  ordered_json j = ordered_json::parse(to_json(d->source), nullptr, false);
  return j.is_discarded() ? ordered_json(nullptr) : j;
}

std::string dynamic_fields_note(const std::vector<std::string>& fields) {
  std::string s = std::to_string(fields.size()) +
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

void fill_kuery_result(const kuery::ElasticRunResult& r, RunResult& out, bool light) {
  out.now = r.now;
  out.detail["indices"] = r.indices;
  out.detail["ignored_indices"] = r.ignored_indices;
  out.detail["counts"] = {{"documents", r.docs_total}, {"in_window", r.docs_in_window}, {"matched", r.docs_matched},
                          {"suppressed", r.docs_suppressed}};
  for (const auto& h : r.hits) {
    out.rows.push_back(document_json(h.doc));
    out.provenance.push_back(h.doc ? std::vector<std::string>{h.doc->file + ":" + std::to_string(h.doc->line)}
                                   : std::vector<std::string>{});
  }
  std::unordered_map<const kuery::DocRef*, std::size_t> row_of;
  if (light)
    for (std::size_t i = 0; i < r.hits.size(); ++i)
      if (r.hits[i].doc) row_of.emplace(r.hits[i].doc, i);
  for (const auto& a : r.alerts) {
    Alert al;
    al.body["index"] = a.index;
    if (a.doc) {
      al.body["file"] = a.doc->file;
      al.body["line"] = a.doc->line;
      al.sources = {a.doc->file + ":" + std::to_string(a.doc->line)};
      al.body["sources"] = al.sources;
    }
    if (a.time) al.body["time"] = format_datetime(*a.time);
    for (auto it = a.detail.begin(); it != a.detail.end(); ++it) al.body[it.key()] = it.value();
    if (auto row = light && a.doc ? row_of.find(a.doc) : row_of.end(); row != row_of.end()) al.body["row_index"] = row->second;
    else al.body["source"] = document_json(a.doc);
    out.alerts.push_back(std::move(al));
  }
  out.alert = !r.alerts.empty();
  out.capped = r.capped;
  out.detail["suppressed_by"] = r.suppressed_by;
  out.detail["dynamic_fields"] = r.dynamic_fields;
  for (const auto& n : r.notes) out.notes.push_back(n);
  if (!r.dynamic_fields.empty()) out.notes.push_back(dynamic_fields_note(r.dynamic_fields));
  out.errors = r.errors;
}

namespace {

class KueryRunner : public Runner {
 public:
  KueryRunner(const LoadedRule& rule, const DataOptions& data, ElasticDocs docs, elastic::FieldTypes types)
      : rule_(rule), data_(data), docs_(std::move(docs)), types_(std::move(types)) {}

  Result<RunResult> run(DateTime now) override {
    const elastic::ElasticRule& rule = *rule_.elastic;
    RunResult out;
    out.rule_name = rule.name;
    out.rule_file = rule.file;
    out.warnings = rule_.warnings;
    for (const auto& w : docs_.warnings) out.warnings.push_back(w);
    out.reads = docs_.reads;
    kuery::ElasticRunResult r =
        kuery::run_elastic_rule(rule, rule_.text, docs_.indices, types_, now, Deadline::after(data_.limits.timeout_seconds));
    // A custom query rule pages through its matches in time order (searchAfterAndBulkCreate) and
    // bulkCreate drops the alerts that exist already before it counts max_signals: a run takes
    // the first max_signals matches that no earlier run of this schedule alerted on, so a busy
    // rule's next run alerts on what the earlier one's max_signals left.
    std::size_t earlier = 0;
    if ((rule.type == elastic::RuleType::Query || rule.type == elastic::RuleType::SavedQuery) && skip_earlier_alerts && !created_.empty()) {
      const std::size_t cap = rule.max_signals > 0 ? static_cast<std::size_t>(rule.max_signals) : 0;
      r.alerts.clear();
      r.capped = false;
      for (const auto& h : r.hits) {
        if (created_.count(h.doc)) {
          ++earlier;
          continue;
        }
        if (r.alerts.size() >= cap) {
          r.capped = true;
          break;
        }
        r.alerts.push_back({h.index, h.doc, h.time, nlohmann::json::object()});
      }
    }
    for (const auto& a : r.alerts)
      if (a.doc) created_.insert(a.doc);
    out.window = elastic_window(r.from, r.to, r.timestamp_field);
    out.detail["rule_id"] = rule.rule_id;
    out.detail["type"] = rule.type_name;
    out.detail["language"] = std::string(elastic::to_string(rule.language));
    out.detail["max_signals"] = rule.max_signals;
    fill_kuery_result(r, out, light_alerts);
    if (earlier) out.detail["alerts_of_earlier_runs"] = earlier;
    if (explain_misses && out.rows.empty() && r.docs_in_window < r.docs_total && out.errors.empty()) {
      if (auto events = event_times(rule_, data_.data)) out.missed = window_miss(*events, *out.window);
    }
    return out;
  }

 private:
  const LoadedRule& rule_;
  const DataOptions& data_;
  ElasticDocs docs_;
  elastic::FieldTypes types_;
  // The documents this runner's earlier runs alerted on (Kibana's alerts index, for a schedule).
  std::set<const kuery::DocRef*> created_;
};

}  // namespace

Result<std::unique_ptr<Runner>> make_kuery_runner(const LoadedRule& rule, const DataOptions& data) {
  if (!data.index_mappings.empty()) return Error("--mapping INDEX=FILE gives one index its own mapping for ES|QL and EQL rules; a Kibana KQL rule takes one mapping FILE for all its indices");
  auto types = load_field_types(data.mapping);
  if (!types) return types.error();
  // The query drops, while reading, the documents it cannot match (threat_match reads indicator
  // indices with another query: everything is read for it).
  const elastic::ElasticRule& r = *rule.elastic;
  std::shared_ptr<KueryReadFilter> filter;
  if (!data.no_pushdown && r.language == elastic::QueryLanguage::Kuery &&
      (r.type == elastic::RuleType::Query || r.type == elastic::RuleType::SavedQuery || r.type == elastic::RuleType::Threshold ||
       r.type == elastic::RuleType::NewTerms)) {
    kuery::RuleWindow w;
    w.timestamp_field = r.timestamp_override.empty() ? "@timestamp" : r.timestamp_override;
    w.fallback = !r.timestamp_override_fallback_disabled;
    filter = KueryReadFilter::make(r.query, *types, w);
  }
  auto docs = load_elastic_docs(data.data, data.strict, filter.get());
  if (!docs) return docs.error();
  return std::unique_ptr<Runner>(std::make_unique<KueryRunner>(rule, data, std::move(*docs), std::move(*types)));
}

}  // namespace rulelab::app
