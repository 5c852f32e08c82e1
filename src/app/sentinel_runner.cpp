// Sentinel rules (scheduled, NRT, hunting queries) and ad hoc Kusto queries on the Kusto engine.
#include <algorithm>
#include <set>
#include <sstream>

#include "app/events.hpp"
#include "app/runner_impl.hpp"
#include "app/sentinel_workspace.hpp"
#include "core/datetime.hpp"
#include "engine/output.hpp"
#include "kusto/parser.hpp"

namespace rulelab::app {

using nlohmann::ordered_json;

// Result rows and the alert decision of one Sentinel run, after the query ran.
void fill_sentinel_result(const LoadedRule& lr, const kusto::SentinelRule& rule, std::shared_ptr<const Table> result, RunResult& out) {
  const Table& t = *result;
  out.rows = engine::rows_json(t);
  const auto count = static_cast<std::int64_t>(t.rows());
  const AlertPolicy& p = lr.policy;
  if (!p.alerts) out.alert = false;
  else if (lr.kind == Kind::SentinelNrt) out.alert = count > 0;
  else out.alert = trigger(p.trigger_operator, count, p.trigger_threshold);
  std::vector<engine::RowRef> rows = engine::all_rows(t);
  auto sources_of = [&](std::size_t i) {
    std::vector<std::string> s = i < out.provenance.size() ? out.provenance[i] : std::vector<std::string>{};
    std::sort(s.begin(), s.end());
    s.erase(std::unique(s.begin(), s.end()), s.end());
    return s;
  };
  auto all_sources = [&] {
    std::set<std::string> s;
    for (const auto& p2 : out.provenance) s.insert(p2.begin(), p2.end());
    return std::vector<std::string>(s.begin(), s.end());
  };
  if (out.alert) {
    // AlertPerResult: one alert per row, at most 150 per run (30 for NRT rules); beyond that the
    // first 149 (29) rows get their own alert and the last alert summarizes every row, as a
    // SingleAlert would (detect-threats-custom, "Alert grouping"; near-real-time-rules).
    const std::size_t cap = p.per_result_cap;
    if (p.per_result && rows.size() <= cap) {
      for (std::size_t i = 0; i < rows.size(); ++i) out.alerts.push_back({sources_of(i), alert_json(rule, t, {rows[i]})});
    } else if (p.per_result) {
      for (std::size_t i = 0; i + 1 < cap; ++i) out.alerts.push_back({sources_of(i), alert_json(rule, t, {rows[i]})});
      out.alerts.push_back({all_sources(), alert_json(rule, t, rows)});
      out.alerts.back().body["summary"] = "the " + std::to_string(cap) + "th alert summarizes all " + std::to_string(rows.size()) +
                                          " results (AlertPerResult creates at most " + std::to_string(cap) + " alerts per run)";
    } else {
      out.alerts.push_back({all_sources(), alert_json(rule, t, rows)});
    }
  }
  ordered_json cols = ordered_json::array();
  for (auto& f : t.schema.fields) cols.push_back({{"name", f.name}, {"type", std::string(type_name(f.type))}});
  out.detail["columns"] = cols;
  out.detail["count"] = count;
  out.detail["kind"] = to_string(lr.kind);
  if (lr.kind != Kind::SentinelHunting)
    out.detail["trigger"] = {{"operator", std::string(kusto::to_string(p.trigger_operator))}, {"threshold", p.trigger_threshold}};
  out.table = std::move(result);
}

namespace {

class SentinelRunner : public Runner {
 public:
  SentinelRunner(const LoadedRule& rule, const DataOptions& data, std::optional<std::pair<DateTime, DateTime>> span)
      : rule_(rule), data_(with_default_parsers(data, rule.path)), span_(span) {}

  Result<RunResult> run(DateTime now) override {
    const kusto::SentinelRule& rule = *rule_.sentinel;
    RunResult out;
    out.rule_name = rule.name;
    out.rule_file = rule.file;
    out.now = now;
    out.warnings = rule_.warnings;
    out.window = rule_.window_at(now);
    if (rule_.kind == Kind::SentinelNrt)
      out.notes.push_back("NRT rules look back one minute by ingestion time; rulelab reads TimeGenerated as the ingestion time");
    std::optional<std::pair<std::int64_t, std::int64_t>> window;
    if (out.window) window = std::make_pair(out.window->from.ticks, out.window->to.ticks);

    auto local = std::make_unique<Workspace>();
    local->date_order = data_.date_order;
    Workspace* ws = local.get();
    if (span_) {
      // Schedule mode: the data are read once, for every window of the span; each run keeps its own.
      if (!loaded_) {
        auto err = load_span();
        if (!err.empty()) return Error(err, rule_.path);
      }
      ws = shared_.get();
      for (const auto& [name, table] : ws->tables)
        ws->engine.add_table(name, window ? windowed(table, *window) : table);
    } else {
      std::map<std::string, std::vector<std::string>> projection;
      {
        Workspace probe;  // the schemas only, to plan which columns to read
        if (!load_workspace(probe, {}, data_.schema_dir, {}, data_.strict, std::nullopt)) return Error(probe.messages.back());
        projection = plan_projection(rule, data_, probe.schemas);
      }
      PushdownPlan pushdown;
      pushdown.now = now.ticks;
      if (!data_.no_pushdown) pushdown = plan_pushdown(rule, data_, now.ticks);
      auto content = workspace_content(data_);
      if (!content) return content.error();
      local->content = *content;
      local->standard_columns = standard_columns_named(rule.query, content->get());
      if (!load_workspace_projected(*local, data_.data, data_.schema_dir, data_.functions, data_.strict, window,
                                    projection.empty() ? nullptr : &projection, &pushdown, !data_.no_pushdown, !data_.no_pushdown))
        return Error(local->messages.empty() ? "cannot load the data" : local->messages.back());
    }
    engine::RunOptions ro;
    ro.now_ticks = now.ticks;
    std::string ext_error;
    if (!external_files(data_.external, ro.external, ext_error)) return Error(ext_error);
    ro.limits = data_.limits;
    Lineage lineage;
    if (data_.provenance) ro.lineage = &lineage;
    std::vector<Error> engine_warnings;  // e.g. union isfuzzy=true legs that do not resolve
    ro.warnings = &engine_warnings;
    std::vector<Error> engine_notes;  // e.g. a watchlist no --watchlist gives, read as empty
    ro.notes = &engine_notes;
    auto result = std::make_shared<Table>();
    engine::EngineError ee;
    // The query is parsed once per runner (a schedule's runs differ only in their clock and window).
    if (!parsed_) {
      kusto::ParseOptions po;
      po.location = rule.location;
      auto q = kusto::parse_query(rule.query, po);
      if (!q) return q.error();
      parsed_ = std::make_unique<kusto::Query>(std::move(q.value()));
    }
    const bool ran = ws->engine.run(*parsed_, rule.location, ro, *result, ee);
    if (!span_) collect_reads(*ws);
    for (const auto& m : ws->messages) out.warnings.push_back(m);
    for (const auto& n : ws->notes) out.notes.push_back(n);
    for (auto& w : format_engine_messages(engine_warnings)) out.warnings.push_back(std::move(w));
    for (auto& n : format_engine_messages(engine_notes)) out.notes.push_back(std::move(n));
    for (const auto& r : ws->reads) out.reads.push_back({r.table, r.file, r.records, r.rows, r.filtered, r.rejected, r.pushdown});
    if (!ran) {
      unsupported = ee.unsupported;
      return ee.error;
    }
    if (data_.provenance) out.provenance = provenance_lists(*result, lineage, ws->files);
    // The result is a table of its own: the tables this run read are freed while it is formatted
    // (schedule mode keeps its tables for the next runs).
    if (!span_) out.disposal = std::make_shared<Disposal>(std::move(local));
    fill_sentinel_result(rule_, rule, result, out);
    if (out.window && out.rows.empty() && explain_misses) explain_empty(out);
    return out;
  }

 private:
  // Reads every table once for the windows of all runs in the span (columns pruned).
  std::string load_span() {
    const kusto::SentinelRule& rule = *rule_.sentinel;
    shared_ = std::make_unique<Workspace>();
    shared_->date_order = data_.date_order;
    auto content = workspace_content(data_);
    if (!content) return content.error().format();
    shared_->content = *content;
    shared_->standard_columns = standard_columns_named(rule.query, content->get());
    std::map<std::string, std::vector<std::string>> projection;
    {
      Workspace probe;
      if (!load_workspace(probe, {}, data_.schema_dir, {}, data_.strict, std::nullopt)) return probe.messages.back();
      projection = plan_projection(rule, data_, probe.schemas);
    }
    std::optional<std::pair<std::int64_t, std::int64_t>> window;
    if (auto first = rule_.window_at(span_->first), last = rule_.window_at(span_->second); first && last)
      window = std::make_pair(first->from.ticks, last->to.ticks);
    if (!load_workspace_projected(*shared_, data_.data, data_.schema_dir, data_.functions, data_.strict, window,
                                  projection.empty() ? nullptr : &projection, nullptr, false, !data_.no_pushdown))
      return shared_->messages.empty() ? "cannot load the data" : shared_->messages.back();
    loaded_ = true;
    return {};
  }

  // The rows of `t` whose TimeGenerated lies in [from, to]; `t` itself when it has no datetime TimeGenerated.
  static std::shared_ptr<const Table> windowed(const std::shared_ptr<const Table>& t, std::pair<std::int64_t, std::int64_t> w) {
    const int i = t->schema.index_of("TimeGenerated");
    if (i < 0 || t->schema.fields[static_cast<std::size_t>(i)].type != Type::DateTime) return t;
    return std::make_shared<const Table>(rows_in_window(*t, static_cast<std::size_t>(i), w));
  }

  // No result row: say how many events the window left out, and which --now would see them.
  void explain_empty(RunResult& out) const {
    std::size_t filtered = 0;
    for (const auto& r : out.reads) filtered += r.filtered;
    if (span_ || !filtered) return;  // schedule mode: simulate reports unseen events itself
    auto events = event_times(rule_, data_.data, {}, data_.date_order);
    if (!events) return;
    out.missed = window_miss(*events, *out.window);
  }

  const LoadedRule& rule_;
  const DataOptions data_;  // a copy: the parsers next to the rule are added when none are given
  std::optional<std::pair<DateTime, DateTime>> span_;
  std::unique_ptr<Workspace> shared_;
  std::unique_ptr<kusto::Query> parsed_;
  bool loaded_ = false;
};

}  // namespace

std::unique_ptr<Runner> make_sentinel_runner(const LoadedRule& rule, const DataOptions& data,
                                             std::optional<std::pair<DateTime, DateTime>> span) {
  return std::make_unique<SentinelRunner>(rule, data, span);
}

}  // namespace rulelab::app
