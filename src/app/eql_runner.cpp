// Elastic EQL rules on the EQL engine: the store is loaded once, each run sets its clock.
#include <algorithm>

#include "app/eql_rule.hpp"
#include "app/events.hpp"
#include "app/runner_impl.hpp"
#include "core/datetime.hpp"

namespace rulelab::app {

namespace {

using nlohmann::ordered_json;

void sort_messages(std::vector<std::string>& messages, RunResult& out) {
  for (auto& m : messages) {
    if (m.rfind("note: ", 0) == 0) out.notes.push_back(m.substr(6));
    else if (m.rfind("warning: ", 0) == 0) out.warnings.push_back(m.substr(9));
    else out.warnings.push_back(m);
  }
  messages.clear();
}

class EqlRunner : public Runner {
 public:
  EqlRunner(const LoadedRule& rule, const DataOptions& data) : rule_(rule), data_(data) {}

  std::string load() {
    std::vector<std::string> messages;
    if (!load_eql_rule(*rule_.elastic, rule_.text, data_, *run_, messages)) return messages.empty() ? "cannot load" : messages.back();
    load_messages_ = std::move(messages);
    return {};
  }

  Result<RunResult> run(DateTime now_dt) override {
    const elastic::ElasticRule& rule = *rule_.elastic;
    const std::int64_t now = now_dt.ticks * 100;
    RunResult out;
    out.rule_name = rule.name;
    out.rule_file = rule.file;
    out.now = now_dt;
    out.warnings = rule_.warnings;
    std::vector<std::string> messages = load_messages_;
    if (!set_eql_clock(rule, now, data_.limits, *run_, messages)) return Error(messages.back());
    sort_messages(messages, out);
    const eql::EventStore& store = run_->store;
    const eql::RunOptions& opts = run_->opts;
    const std::string window_field = opts.window_field.empty() ? opts.timestamp_field : opts.window_field;
    out.window = elastic_window(DateTime{*opts.from_nanos / 100}, DateTime{*opts.to_nanos / 100}, window_field);
    run_->store.release();  // the documents the last run showed (its result is built already)
    auto r = eql::run_query(run_->query, store, opts);
    if (!r) return r.error();
    if (auto err = hydrate_eql_result(*r, run_->store)) return Error(*err);
    out.detail["rule_id"] = rule.rule_id;
    out.detail["type"] = rule.type_name;
    out.detail["language"] = "eql";
    out.detail["max_signals"] = rule.max_signals;
    out.detail["timestamp_field"] = opts.timestamp_field;
    ordered_json indices = ordered_json::array();
    for (const auto& ix : store.indexes()) indices.push_back(ix.name);
    out.detail["indices"] = indices;
    out.detail["ignored_indices"] = run_->ignored;
    out.detail["kind"] = r->kind == eql::QueryKind::Event ? "event" : r->kind == eql::QueryKind::Sequence ? "sequence" : "sample";
    for (const auto& row : eql_json_rows(*r, store)) out.rows.push_back(ordered_json::parse(row));
    auto source_of = [&](const eql::Doc* d) { return store.indexes()[d->index].file + ":" + std::to_string(d->line); };
    auto event_json = [&](const eql::Doc* d) {
      ordered_json e = {{"index", store.indexes()[d->index].name}, {"file", store.indexes()[d->index].file}, {"line", d->line}};
      std::string ts = event_timestamp_text(*d, opts.timestamp_field);
      if (!ts.empty()) e["time"] = ts;
      e["source"] = ordered_json::parse(to_json(d->source));
      return e;
    };
    if (r->kind == eql::QueryKind::Event) {
      for (const auto* d : r->events) {
        out.provenance.push_back({source_of(d)});
        Alert a{{source_of(d)}, event_json(d)};
        a.body["sources"] = a.sources;
        out.alerts.push_back(std::move(a));
      }
    } else {
      for (std::size_t n = 0; n < r->matches.size(); ++n) {
        const auto& m = r->matches[n];
        ordered_json evs = ordered_json::array(), key = ordered_json::array();
        std::vector<std::string> sources;
        for (const auto& k : m.key) key.push_back(ordered_json::parse(eql::to_json_text(k)));
        for (const auto* d : m.events) {
          if (d) {
            out.provenance.push_back({source_of(d)});
            evs.push_back(event_json(d));
            sources.push_back(source_of(d));
          } else {
            out.provenance.push_back({});
            evs.push_back({{"missing", true}});
          }
        }
        // A sequence alert derives from all its events (Kibana: one shell alert over building blocks).
        Alert a{sources, {{"sequence", n + 1}, {"key", key}, {"events", evs}, {"sources", sources}}};
        out.alerts.push_back(std::move(a));
      }
    }
    out.alert = !out.alerts.empty();
    out.capped = out.alerts.size() >= static_cast<std::size_t>(std::max<std::int64_t>(rule.max_signals, 1));
    if (r->without_timestamp && r->kind != eql::QueryKind::Sample)
      out.notes.push_back(std::to_string(r->without_timestamp) + " document(s) without a readable " + opts.timestamp_field +
                          " were left out (EQL orders events by time)");
    for (auto& n : eql_malformed_notes(run_->query, store)) out.notes.push_back(std::move(n));
    if (out.rows.empty() && explain_misses) {
      if (auto events = event_times(rule_, data_.data)) out.missed = window_miss(*events, *out.window);
    }
    return out;
  }

 private:
  const LoadedRule& rule_;
  const DataOptions& data_;
  std::unique_ptr<EqlRuleRun> run_ = std::make_unique<EqlRuleRun>();
  std::vector<std::string> load_messages_;
};

}  // namespace

Result<std::unique_ptr<Runner>> make_eql_runner(const LoadedRule& rule, const DataOptions& data) {
  auto r = std::make_unique<EqlRunner>(rule, data);
  if (auto err = r->load(); !err.empty()) return Error(err);
  return std::unique_ptr<Runner>(std::move(r));
}

}  // namespace rulelab::app
