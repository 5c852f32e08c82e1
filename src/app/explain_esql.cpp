// Explain for Elastic ES|QL rules (see explain_esql.hpp).
#include "app/explain_esql.hpp"

#include "app/alert_suppression.hpp"
#include "app/esql_prepare.hpp"
#include "esql/source.hpp"
#include "core/datetime.hpp"
#include "core/ingest.hpp"
#include "kuery/runner.hpp"

namespace rulelab::app {

EsqlExplanation explain_esql(const LoadedRule& given, const DataOptions& data, const std::string& event_selector, DateTime now) {
  EsqlExplanation x;
  x.now = now;
  // The rule as Kibana runs it: max_signals within xpack.alerting.rules.run.alerts.max.
  LoadedRule loaded = given;
  if (auto w = cap_max_signals(loaded, data.alerts_max)) x.messages.push_back("warning: " + *w);
  auto fail = [&x](ExplainStatus s, std::string message) {
    x.status = s;
    x.messages.push_back(std::move(message));
    return x;
  };
  if (!loaded.elastic || loaded.kind != Kind::ElasticEsql) return fail(ExplainStatus::Refused, loaded.path + ": not an Elastic ES|QL rule");
  const elastic::ElasticRule& rule = *loaded.elastic;
  x.rule_name = rule.name;
  const auto rule_window = kuery::rule_window(rule, now);
  if (rule_window) x.window_field = rule_window->timestamp_field;
  auto found = find_event(event_selector, data.data, x.window_field, true);
  if (!found) return fail(ExplainStatus::Refused, found.error().format());
  x.event = *found;
  auto prepared = prepare_esql(loaded, data);
  if (!prepared) return fail(ExplainStatus::Failed, prepared.error().format());

  // The event as a source row: its index (the data name) and its ordinal among the file's
  // documents (the non-blank lines before it), as the engine numbers the rows it reads.
  std::optional<std::int64_t> origin;
  std::optional<DateTime> event_time;  // as the rule's window reads it (its field, its fallback)
  const auto& indices = prepared->catalog.indices();
  for (std::size_t k = 0; k < indices.size() && !origin; ++k) {
    if (indices[k].name != found->table || indices[k].file != found->file) continue;
    auto text = read_text(found->file);  // (a gzip file decompressed)
    if (!text) return fail(ExplainStatus::Failed, text.error().format());
    // The file's documents as the load takes them (its lines, or each document of a JSON array or
    // of pretty-printed ones, on the line it starts on).
    auto docs = esql::file_documents(found->file, *text);
    if (!docs) return fail(ExplainStatus::Failed, docs.error().format());
    std::size_t ordinal = 0;
    esql::DocumentChecker checker;
    for (const auto& [no, line] : *docs) {
      if (no == found->line) {
        std::string why;
        if (!checker.indexable(line, &why))
          return fail(ExplainStatus::Refused, found->file + ":" + std::to_string(found->line) +
                                                  ": not a document Elasticsearch indexes, so no query reads it (" + why + ")");
        origin = static_cast<std::int64_t>(k) << 32 | static_cast<std::int64_t>(ordinal);
        if (rule_window) {
          std::string bytes;
          JsonParser parser;
          if (!parser.parse(line, bytes)) event_time = kuery::event_time(DynRef(bytes), *rule_window);
        }
        break;
      }
      if (checker.indexable(line)) ++ordinal;  // (as the load numbers them)
    }
  }
  if (!origin) return fail(ExplainStatus::Refused, found->file + ":" + std::to_string(found->line) + ": not a document of index " + found->table);
  // The rule's exception items: the documents they match are not read (the request's filter).
  for (auto& n : apply_esql_exceptions(prepared->exceptions, prepared->catalog, now)) x.messages.push_back("note: " + n);
  const std::optional<std::string> excluded_by =
      esql_exception_of(prepared->exceptions, static_cast<std::size_t>(*origin >> 32), static_cast<std::size_t>(*origin & 0xffffffff), now);

  esql::RunOptions opts;
  opts.now_ms = now.ticks / 10000;
  opts.where = prepared->where;
  if (const auto& w = rule_window) {
    apply_rule_window(*w, opts);  // (as the run)
    x.window_fallback = opts.window_fallback;
    x.window = std::pair{w->from, w->to};
    x.in_window = event_time && *event_time >= w->from && *event_time <= w->to;
  }
  opts.trace = *origin;
  opts.completions = prepared->completions;
  opts.stream = false;  // the traced run loads the indices whole (the same rows, every column)
  auto traced = esql::run_query(prepared->query, prepared->catalog, opts);
  if (traced.error) return fail(ExplainStatus::Failed, traced.error->error.format());
  const esql::RunOutput& out = *traced.output;
  for (const auto& w : out.warnings) x.messages.push_back("ES|QL warning: " + w);
  x.aggregating = out.aggregating;
  x.steps = out.trace;
  for (auto r : out.traced_rows) x.result_rows.push_back(r + 1);

  // The alerts, as `run` makes them from the same rows (one per row; documents de-duplicated by
  // _id/_index/_version; max_signals).
  auto runner = make_runner(loaded, data);
  if (!runner) return fail(ExplainStatus::Failed, runner.error().format());
  auto run = (*runner)->run(now);
  if (!run) return fail(ExplainStatus::Failed, run.error().format());
  x.alert_count = run->alerts.size();
  const std::string source = found->file + ":" + std::to_string(found->line);
  if (!out.aggregating) {
    // An alert whose source is the event; or, without a source (a FORK branch's STATS row), one
    // whose row is a result row the event reached.
    for (std::size_t i = 0; i < run->alerts.size(); ++i) {
      const auto& al = run->alerts[i];
      bool mine = std::find(al.sources.begin(), al.sources.end(), source) != al.sources.end();
      if (!mine && al.sources.empty() && al.body.contains("row"))
        for (auto r : out.traced_rows) mine = mine || (r < run->rows.size() && run->rows[r] == al.body["row"]);
      if (mine) x.alerts.push_back(i + 1);
    }
  } else {
    // Aggregating rules raise one alert per result row, in order, up to max_signals.
    for (auto r : out.traced_rows)
      if (r < run->alerts.size()) x.alerts.push_back(r + 1);
  }
  x.led_to_alert = !x.alerts.empty();
  // The traced run is the run's first request (`| limit max_signals + 1`). An event that only a
  // later request returned (Kibana asks again without the documents earlier pages returned) was
  // dropped by no command of the run: its rows are among the run's.
  bool in_run = false;
  for (const auto& prov : run->provenance) in_run = in_run || std::find(prov.begin(), prov.end(), source) != prov.end();
  const bool later = in_run && x.result_rows.empty();
  const std::string later_text = "a later request of the run returned the event (Kibana asks again, without the documents the first `| limit " +
                                 std::to_string(prepared->query.appended_limit) + "` returned, while its alerts stay below max_signals)";
  // Alert suppression: the alerts above are those the event is (their sources); the fate says
  // whether another event's alert counted it instead (aggregating rows have no source: no fate).
  const std::optional<std::string> fate = suppression_fate(*run, source, x.led_to_alert);

  // The verdict: the first command that left no row carrying the event, else the alerts.
  const esql::TraceStep* stop = nullptr;
  for (const auto& s : x.steps)
    if (s.rows_after == 0) {
      stop = &s;
      break;
    }
  auto list = [](const std::vector<std::size_t>& v) {
    std::string s;
    for (std::size_t k = 0; k < v.size() && k < 10; ++k) s += (k ? ", " : "") + std::to_string(v[k]);
    if (v.size() > 10) s += ", ...";
    return s;
  };
  if (stop && !later) {
    const bool group = stop->command > 0 && std::any_of(x.steps.begin(), x.steps.end(), [&](const esql::TraceStep& s) {
      return &s < stop && s.note.rfind("aggregated into", 0) == 0;
    });
    std::string what = group ? "the group row(s) the event was aggregated into" : "the event";
    if (stop->command == 0 && excluded_by)
      x.verdict = "no alert: exception item " + *excluded_by +
                  " removes the event before the query runs (Kibana sends the rule's exceptions as the ES|QL request's filter)";
    else if (stop->command == 0 && !x.in_window && x.window)
      x.verdict = "no alert: the event is outside the rule's window (its " + x.window_field + " is not in [" + format_datetime(x.window->first) + ", " +
                  format_datetime(x.window->second) + "])";
    else if (stop->command == 0)
      x.verdict = "no alert: FROM does not read the event (its index " + found->table + " is not one the rule names)";
    else {
      x.verdict = "no alert: `" + stop->text + "` (command " + std::to_string(stop->command + 1) + ") dropped " + what;
      for (const auto& p : stop->parts)
        if (p.value != "true") {
          x.verdict += "; " + p.text + " is " + p.value;
          break;
        }
    }
  } else if (fate) {
    x.verdict = std::string(x.led_to_alert ? "alert: " : "no alert: ") +
                (later ? later_text : std::string("the event ") + (out.aggregating ? "was aggregated into result row(s) " : "is result row(s) ") +
                                          list(x.result_rows)) +
                "; " + *fate;
  } else if (later && x.led_to_alert) {
    x.verdict = "alert: " + later_text + ": alert(s) " + list(x.alerts) + " of " + std::to_string(x.alert_count);
  } else if (later) {
    x.verdict = "no alert: " + later_text + ", but its row made no new alert (an id made already, or past max_signals (" +
                std::to_string(rule.max_signals) + "))";
  } else if (x.led_to_alert) {
    x.verdict = std::string("alert: the event ") + (out.aggregating ? "was aggregated into result row(s) " : "is result row(s) ") +
                list(x.result_rows) + ", alert(s) " + list(x.alerts) + " of " + std::to_string(x.alert_count);
  } else {
    x.verdict = "no alert: the event reached result row(s) " + list(x.result_rows) +
                (out.aggregating ? ", beyond max_signals (" : ", a duplicate _id or beyond max_signals (") + std::to_string(rule.max_signals) + ")";
  }

  nlohmann::ordered_json& j = x.document;
  j["rule"] = x.rule_name;
  j["language"] = "esql";
  j["now"] = format_datetime(now);
  j["event"] = {{"file", found->file}, {"line", found->line}, {"index", found->table},
                {"time", (rule_window ? event_time : found->time) ? nlohmann::ordered_json(format_datetime(rule_window ? *event_time : *found->time))
                                                                  : nlohmann::ordered_json(nullptr)}};
  if (x.window)
    j["window"] = {{"from", format_datetime(x.window->first)}, {"to", format_datetime(x.window->second)}, {"field", x.window_field},
                   {"fallback", x.window_fallback.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(x.window_fallback)},
                   {"contains_event", x.in_window}};
  j["aggregating"] = x.aggregating;
  nlohmann::ordered_json steps = nlohmann::ordered_json::array();
  for (const auto& s : x.steps) {
    nlohmann::ordered_json sj{{"command", s.command + 1}, {"text", s.text}, {"rows_before", s.rows_before}, {"rows_after", s.rows_after}};
    if (!s.note.empty()) sj["note"] = s.note;
    if (!s.parts.empty()) {
      nlohmann::ordered_json parts = nlohmann::ordered_json::array();
      for (const auto& p : s.parts) {
        nlohmann::ordered_json cols = nlohmann::ordered_json::object();
        for (const auto& [n, v] : p.fields) {
          auto parsed = nlohmann::ordered_json::parse(v, nullptr, false);
          cols[n] = parsed.is_discarded() ? nlohmann::ordered_json(v) : parsed;
        }
        parts.push_back({{"condition", p.text}, {"value", p.value}, {"columns", cols}});
      }
      sj["conditions"] = parts;
    }
    steps.push_back(std::move(sj));
  }
  j["steps"] = steps;
  j["result_rows"] = x.result_rows;
  j["alerts"] = x.alerts;
  j["led_to_alert"] = x.led_to_alert;
  j["verdict"] = x.verdict;
  return x;
}

}  // namespace rulelab::app
