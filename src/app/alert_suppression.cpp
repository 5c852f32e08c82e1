#include "app/alert_suppression.hpp"

#include <algorithm>

#include "core/datetime.hpp"

namespace rulelab::app {

using nlohmann::ordered_json;

namespace {

// The values at a dotted path of a JSON document, as Elasticsearch reads a field: object keys may
// themselves hold dots ({"host.name": x} or {"host": {"name": x}}), arrays are flattened, nulls are
// no value.
void path_values(const ordered_json& v, std::string_view path, std::vector<ordered_json>& out) {
  if (v.is_array()) {
    for (const auto& e : v) path_values(e, path, out);
    return;
  }
  if (path.empty()) {
    if (!v.is_null() && !v.is_object()) out.push_back(v);
    return;
  }
  if (!v.is_object()) return;
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string& k = it.key();
    if (k == path) path_values(it.value(), {}, out);
    else if (path.size() > k.size() && path.compare(0, k.size(), k) == 0 && path[k.size()] == '.')
      path_values(it.value(), path.substr(k.size() + 1), out);
  }
}

// The result row a light alert refers to (body["row_index"]; Runner::light_alerts), if any.
std::optional<std::size_t> row_of(const ordered_json& body, std::size_t rows) {
  auto ri = body.find("row_index");
  if (ri == body.end() || !ri->is_number_integer() || ri->get<std::int64_t>() < 0 || ri->get<std::size_t>() >= rows) return std::nullopt;
  return ri->get<std::size_t>();
}

// A field's values in one alert: the ES|QL result row (its column), the document, or, for an EQL
// sequence, the values all its events share (Kibana's shell alert holds the building blocks'
// common fields). Empty: the field is missing.
std::vector<ordered_json> alert_values(const Alert& a, const std::string& field, const ordered_json& rows) {
  std::vector<ordered_json> out;
  const ordered_json& b = a.body;
  if (b.contains("threshold_result")) {
    for (const auto& t : b["threshold_result"].value("terms", ordered_json::array()))
      if (t.value("field", std::string()) == field && t.contains("value") && !t["value"].is_null()) out.push_back(t["value"]);
    return out;
  }
  if (auto row = row_of(b, rows.size())) {
    path_values(rows[*row], field, out);  // a light alert: its document is that result row
    return out;
  }
  if (b.contains("row")) {
    // The row merged into its document (mergeEsqlResultInSource): a column replaces the field
    // of its name; any other field is the document's (an aggregating row has none).
    const auto& row = b["row"];
    if (auto it = row.find(field); it != row.end()) path_values(*it, {}, out);
    else path_values(row, field, out);
    if (out.empty() && !row.contains(field) && b.contains("source")) path_values(b["source"], field, out);
    return out;
  }
  if (b.contains("events")) {
    bool first = true;
    for (const auto& ev : b["events"]) {
      std::vector<ordered_json> vals;
      if (ev.contains("source")) path_values(ev["source"], field, vals);
      std::sort(vals.begin(), vals.end(), [](const ordered_json& x, const ordered_json& y) { return x.dump() < y.dump(); });
      if (first) out = vals;
      else if (vals != out) return {};
      first = false;
    }
    return out;
  }
  if (b.contains("source")) path_values(b["source"], field, out);
  return out;
}

// An alert's time: its event's; an EQL sequence's, its last event's (the shell alert's end).
std::optional<DateTime> alert_time(const Alert& a) {
  if (auto tr = a.body.find("threshold_result"); tr != a.body.end() && tr->contains("last_event"))
    return parse_datetime((*tr)["last_event"].get<std::string>());
  if (auto it = a.body.find("time"); it != a.body.end() && it->is_string()) return parse_datetime(it->get<std::string>());
  std::optional<DateTime> last;
  if (auto ev = a.body.find("events"); ev != a.body.end() && ev->is_array())
    for (const auto& e : *ev)
      if (auto t = e.find("time"); t != e.end() && t->is_string())
        if (auto d = parse_datetime(t->get<std::string>()); d && (!last || d->ticks > last->ticks)) last = d;
  return last;
}

// Composite aggregation order of one source: numbers by value, strings by text, the missing bucket last.
bool value_less(const ordered_json& x, const ordered_json& y) {
  if (x.is_null() != y.is_null()) return y.is_null();
  if (x.is_number() && y.is_number()) return x.get<double>() < y.get<double>();
  if (x.is_string() && y.is_string()) return x.get<std::string>() < y.get<std::string>();
  return x.dump() < y.dump();
}

ordered_json terms_json(const std::vector<std::string>& fields, const std::vector<ordered_json>& values) {
  ordered_json t = ordered_json::array();
  for (std::size_t i = 0; i < fields.size(); ++i) t.push_back({{"field", fields[i]}, {"value", values[i]}});
  return t;
}

constexpr std::size_t kListed = 20;  // suppressed events listed per alert

void add_listed(ordered_json& list, std::size_t& count, const Alert& a, std::vector<std::string>& all) {
  ++count;
  if (list.size() < kListed)
    for (const auto& s : a.sources) list.push_back(s);
  all.insert(all.end(), a.sources.begin(), a.sources.end());
}

std::string span_text(const elastic::AlertSuppression& s) {
  std::string g;
  for (const auto& f : s.group_by) g += (g.empty() ? "" : ", ") + f;
  return "group_by " + g + ", " + (s.duration ? "for " + s.duration_text : std::string("per rule execution")) +
         (s.suppress_missing ? "" : ", doNotSuppress");
}

}  // namespace

std::optional<SuppressionMode> suppression_mode(const elastic::ElasticRule& rule) {
  switch (rule.type) {
    case elastic::RuleType::Query:
    case elastic::RuleType::SavedQuery: return SuppressionMode::Composite;
    case elastic::RuleType::Threshold:
      if (!rule.alert_suppression || !rule.alert_suppression->duration) return std::nullopt;
      return SuppressionMode::Threshold;
    default: return SuppressionMode::InMemory;
  }
}

void AlertSuppressor::apply(RunResult& r) {
  const DateTime window_from = r.window ? r.window->from : r.now;
  if (mode_ == SuppressionMode::Composite) composite(r, window_from);
  else in_memory(r, window_from);  // (Threshold: in memory, keyed by the bucket's values)
  // The alerts kept hold their documents (light alerts referred to their result rows).
  for (Alert& a : r.alerts)
    if (a.body.contains("row_index")) {
      const std::optional<std::size_t> row = row_of(a.body, r.rows.size());
      a.body.erase("row_index");
      a.body["source"] = row ? r.rows[*row] : ordered_json(nullptr);
    }
}

// The run's alerts become `out`; r.detail["alert_suppression"] says what the grouping did.
void AlertSuppressor::finish(RunResult& r, std::vector<Alert> out, bool capped, const char* candidates_key, std::size_t groups,
                             std::size_t absorbed, nlohmann::ordered_json into) const {
  std::size_t suppressed = 0;  // events folded into this run's alerts
  for (const auto& a : out)
    if (a.body.contains("suppression")) suppressed += a.body["suppression"]["docs_count"].get<std::size_t>();
  const std::size_t candidates = r.alerts.size();
  r.alerts = std::move(out);
  r.alert = !r.alerts.empty();
  r.capped = capped;
  r.detail["alert_suppression"] = {{"group_by", s_.group_by},
                                   {"duration", s_.duration ? ordered_json(s_.duration_text) : ordered_json(nullptr)},
                                   {"missing_fields_strategy", s_.suppress_missing ? "suppress" : "doNotSuppress"},
                                   {candidates_key, candidates},
                                   {"groups", groups},
                                   {"alerts", r.alerts.size()},
                                   {"suppressed", suppressed},
                                   {"added_to_earlier_alerts", absorbed},
                                   {"absorbed_by_earlier_alerts", std::move(into)}};
}

void AlertSuppressor::composite(RunResult& r, DateTime window_from) {
  // A group's events counted by an earlier execution stay counted while they are in the look-back.
  for (auto it = history_.begin(); it != history_.end();) it = it->second.ticks <= window_from.ticks ? history_.erase(it) : std::next(it);
  // Alerts that can still absorb groups: those created less than the duration ago.
  for (auto it = open_.begin(); it != open_.end();)
    it = !s_.duration || it->second.created.ticks < r.now.ticks - s_.duration->ticks ? open_.erase(it) : std::next(it);
  struct Bucket {
    std::vector<ordered_json> values;
    std::vector<std::size_t> members;  // alert indices, in the run's order
    DateTime start{}, end{};
  };
  std::map<std::string, Bucket> buckets;
  std::vector<std::size_t> unsuppressed;  // doNotSuppress: events missing a group_by field
  std::size_t recounted = 0, cut = 0;
  constexpr std::size_t kMaxCombinations = 1000;  // buckets one event feeds (arrays in several fields multiply)
  for (std::size_t i = 0; i < r.alerts.size(); ++i) {
    const DateTime t = alert_time(r.alerts[i]).value_or(r.now);
    std::vector<std::vector<ordered_json>> per_field;
    bool missing = false;
    for (const auto& f : s_.group_by) {
      std::vector<ordered_json> v = alert_values(r.alerts[i], f, r.rows);
      if (v.empty()) {
        missing = true;
        v.push_back(nullptr);  // the composite source's missing bucket
      }
      std::sort(v.begin(), v.end(), value_less);
      v.erase(std::unique(v.begin(), v.end()), v.end());
      per_field.push_back(std::move(v));
    }
    if (missing && !s_.suppress_missing) {
      unsuppressed.push_back(i);
      continue;
    }
    // One bucket per combination of the fields' values (a terms source per field).
    std::vector<std::size_t> at(per_field.size(), 0);
    for (std::size_t combos = 0;; ++combos) {
      if (combos == kMaxCombinations) {
        ++cut;
        break;
      }
      std::vector<ordered_json> combo;
      for (std::size_t k = 0; k < per_field.size(); ++k) combo.push_back(per_field[k][at[k]]);
      const std::string key = ordered_json(combo).dump();
      auto h = history_.find(key);
      if (h != history_.end() && t.ticks >= window_from.ticks && t.ticks <= h->second.ticks) {
        ++recounted;
      } else {
        Bucket& b = buckets[key];
        if (b.members.empty()) {
          b.values = combo;
          b.start = b.end = t;
        }
        b.members.push_back(i);
        b.start = DateTime{std::min(b.start.ticks, t.ticks)};
        b.end = DateTime{std::max(b.end.ticks, t.ticks)};
      }
      std::size_t k = per_field.size();
      while (k > 0 && ++at[k - 1] == per_field[k - 1].size()) at[--k] = 0;
      if (k == 0) break;
    }
  }
  std::vector<std::pair<std::string, Bucket*>> order;
  for (auto& [k, b] : buckets) order.emplace_back(k, &b);
  std::sort(order.begin(), order.end(), [](const auto& x, const auto& y) {
    return std::lexicographical_compare(x.second->values.begin(), x.second->values.end(), y.second->values.begin(), y.second->values.end(),
                                        value_less);
  });
  std::vector<Alert> out;
  ordered_json into = ordered_json::array();
  std::size_t absorbed = 0, processed = 0;  // processed: the buckets the run took (created or absorbed)
  bool capped = false;
  for (const auto& [key, b] : order) {
    auto open = open_.find(key);
    if (open != open_.end()) {
      ++processed;
      // An alert of an earlier execution still in its suppression window absorbs the group.
      open->second.docs_count += static_cast<std::int64_t>(b->members.size());
      open->second.end = DateTime{std::max(open->second.end.ticks, b->end.ticks)};
      absorbed += b->members.size();
      into.push_back({{"terms", open->second.terms},
                      {"alert_created", format_datetime(open->second.created)},
                      {"added", b->members.size()},
                      {"docs_count", open->second.docs_count}});
      DateTime& h = history_.try_emplace(key, b->end).first->second;
      h = DateTime{std::max(h.ticks, b->end.ticks)};
      continue;
    }
    if (static_cast<std::int64_t>(out.size()) >= max_signals_) {
      capped = true;
      break;
    }
    ++processed;
    // The group's earliest event is the alert (a top_hits of one, sorted by time).
    std::size_t rep = b->members.front();
    for (std::size_t m : b->members)
      if (alert_time(r.alerts[m]).value_or(r.now).ticks < alert_time(r.alerts[rep]).value_or(r.now).ticks) rep = m;
    Alert a = r.alerts[rep];
    ordered_json listed = ordered_json::array();
    std::size_t count = 0;
    for (std::size_t m : b->members)
      if (m != rep) add_listed(listed, count, r.alerts[m], a.folded);
    const ordered_json terms = terms_json(s_.group_by, b->values);
    a.body["suppression"] = {{"terms", terms},
                             {"docs_count", count},
                             {"start", format_datetime(b->start)},
                             {"end", format_datetime(b->end)},
                             {"suppressed_events", listed}};
    open_[key] = Open{terms, r.now, b->end, static_cast<std::int64_t>(count)};
    DateTime& h = history_.try_emplace(key, b->end).first->second;
    h = DateTime{std::max(h.ticks, b->end.ticks)};
    out.push_back(std::move(a));
  }
  // doNotSuppress: the events missing a field alert alone, in the room the buckets left.
  std::size_t alone = 0;
  for (std::size_t i : unsuppressed) {
    if (static_cast<std::int64_t>(processed + alone) >= max_signals_) {
      capped = true;
      break;
    }
    ++alone;
    out.push_back(r.alerts[i]);
  }
  const std::size_t candidates = r.alerts.size();
  finish(r, std::move(out), capped, "matched_events", buckets.size(), absorbed, std::move(into));
  if (candidates)
    r.notes.push_back("alert suppression (" + span_text(s_) + "): " + std::to_string(candidates) + " matching event(s) in " +
                      std::to_string(buckets.size()) + " group(s) gave " + std::to_string(r.alerts.size()) + " alert(s)" +
                      (absorbed ? "; " + std::to_string(absorbed) + " event(s) added to alerts of earlier runs" : "") +
                      (recounted ? "; " + std::to_string(recounted) + " already counted by an earlier run" : "") +
                      (cut ? "; " + std::to_string(cut) + " event(s) with more than " + std::to_string(kMaxCombinations) +
                                 " combinations of array values fed only the first " + std::to_string(kMaxCombinations) + " groups"
                           : ""));
}

void AlertSuppressor::in_memory(RunResult& r, DateTime window_from) {
  // An existing alert takes candidates while it was created within the window: the duration's, or
  // (per execution) the run's look-back.
  const std::int64_t window_start = s_.duration ? r.now.ticks - s_.duration->ticks : window_from.ticks;
  for (auto it = open_.begin(); it != open_.end();) it = it->second.created.ticks < window_start ? open_.erase(it) : std::next(it);
  std::vector<std::size_t> order(r.alerts.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::vector<DateTime> times;
  for (const auto& a : r.alerts) times.push_back(alert_time(a).value_or(r.now));
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return times[x].ticks < times[y].ticks; });
  // ES|QL: a group_by field that is no column of the result is read from each alert's document
  // (a non-aggregating query's rows with _id), as Kibana merges the row into it; an aggregating
  // row has no document, so the field is missing there, as in Kibana: said either way.
  if (!r.alerts.empty() && r.alerts.front().body.contains("row"))
    for (const auto& f : s_.group_by) {
      const bool column = std::any_of(r.alerts.begin(), r.alerts.end(), [&](const Alert& a) {
        const auto row = a.body.find("row");
        return row != a.body.end() && row->is_object() && row->contains(f);
      });
      if (column) continue;
      const bool sources = std::any_of(r.alerts.begin(), r.alerts.end(), [](const Alert& a) { return a.body.contains("source"); });
      r.notes.push_back("alert suppression: group_by field " + f + " is no column of the ES|QL result: " +
                        (sources ? "read from each alert's source document, into which Kibana merges the row (fetchSourceDocuments)"
                                 : "read as missing, as Kibana reads it (the result's rows have no source document: an aggregating query, or no _id)"));
    }
  struct Group {
    std::size_t rep = 0;
    ordered_json terms, listed = ordered_json::array();
    std::size_t count = 0;
    DateTime start{}, end{};
    std::vector<std::string> folded;  // every event the group's alert counts
  };
  std::map<std::string, Group> groups;
  std::vector<std::string> group_order;
  std::vector<std::size_t> unsuppressed;
  ordered_json into = ordered_json::array();
  std::size_t absorbed = 0, recounted = 0, duplicates = 0;
  for (std::size_t i : order) {
    const Alert& a = r.alerts[i];
    // (a threshold alert is its bucket, not its first event: its recount is judged by time below)
    if (mode_ != SuppressionMode::Threshold && !a.sources.empty() && alerted_.count(sources_key(a))) {
      ++duplicates;  // the alert of this event exists already (its _id)
      continue;
    }
    std::vector<ordered_json> values;
    bool missing = false;
    for (const auto& f : s_.group_by) {
      std::vector<ordered_json> v = alert_values(a, f, r.rows);
      std::sort(v.begin(), v.end(), [](const ordered_json& x, const ordered_json& y) { return x.dump() < y.dump(); });
      if (v.empty()) missing = true;
      values.push_back(v.empty() ? ordered_json(nullptr) : v.size() == 1 ? v.front() : ordered_json(v));
    }
    if (missing && !s_.suppress_missing) {
      unsuppressed.push_back(i);
      continue;
    }
    std::string key = ordered_json(values).dump();
    if (mode_ == SuppressionMode::Threshold) {  // objectHash([sortBy(bucket key values), rule]): values only
      std::vector<std::string> sorted;
      for (const auto& v : values) sorted.push_back(v.dump());
      std::sort(sorted.begin(), sorted.end());
      key = ordered_json(sorted).dump();
    }
    if (auto g = groups.find(key); g != groups.end()) {
      add_listed(g->second.listed, g->second.count, a, g->second.folded);
      g->second.end = DateTime{std::max(g->second.end.ticks, times[i].ticks)};
      continue;
    }
    if (auto o = open_.find(key); o != open_.end()) {
      if (times[i].ticks <= o->second.end.ticks) {
        ++recounted;  // counted by that alert already
        continue;
      }
      if (s_.duration) {
        ++o->second.docs_count;
        o->second.end = times[i];
        ++absorbed;
        into.push_back({{"terms", o->second.terms},
                        {"alert_created", format_datetime(o->second.created)},
                        {"event", a.sources},
                        {"docs_count", o->second.docs_count}});
        continue;
      }
    }
    groups[key] = Group{i, terms_json(s_.group_by, values), ordered_json::array(), 0, times[i], times[i], {}};
    group_order.push_back(key);
  }
  std::vector<Alert> out;
  bool capped = false;
  for (const auto& key : group_order) {
    if (static_cast<std::int64_t>(out.size()) >= max_signals_) {
      capped = true;
      break;
    }
    const Group& g = groups[key];
    Alert a = r.alerts[g.rep];
    a.body["suppression"] = {{"terms", g.terms},
                             {"docs_count", g.count},
                             {"start", format_datetime(g.start)},
                             {"end", format_datetime(g.end)},
                             {"suppressed_events", g.listed}};
    a.folded = g.folded;
    open_[key] = Open{g.terms, r.now, g.end, static_cast<std::int64_t>(g.count)};
    if (!a.sources.empty()) alerted_.insert(sources_key(a));
    out.push_back(std::move(a));
  }
  for (std::size_t i : unsuppressed) {
    if (static_cast<std::int64_t>(out.size()) >= max_signals_) {
      capped = true;
      break;
    }
    if (!r.alerts[i].sources.empty()) alerted_.insert(sources_key(r.alerts[i]));
    out.push_back(r.alerts[i]);
  }
  const std::size_t candidates = r.alerts.size();
  finish(r, std::move(out), r.capped || capped, "candidates", groups.size(), absorbed, std::move(into));
  if (candidates)
    r.notes.push_back("alert suppression (" + span_text(s_) + "): " + std::to_string(candidates) + " candidate alert(s) in " +
                      std::to_string(groups.size()) + " group(s) gave " + std::to_string(r.alerts.size()) + " alert(s)" +
                      (absorbed ? "; " + std::to_string(absorbed) + " added to alerts of earlier runs" : "") +
                      (recounted ? "; " + std::to_string(recounted) + " counted by an earlier alert already" : "") +
                      (duplicates ? "; " + std::to_string(duplicates) + " alerted on already" : ""));
}

std::optional<std::string> suppression_fate(const RunResult& r, const std::string& source, bool& led) {
  if (!r.detail.contains("alert_suppression")) return std::nullopt;
  const auto& as = r.detail["alert_suppression"];
  std::string by;
  for (const auto& f : as["group_by"]) by += (by.empty() ? "" : ", ") + f.get<std::string>();
  auto terms_text = [](const ordered_json& terms) {
    std::string t;
    for (const auto& x : terms) t += (t.empty() ? "" : ", ") + x["field"].get<std::string>() + "=" + x["value"].dump();
    return t;
  };
  for (std::size_t i = 0; i < r.alerts.size(); ++i) {
    const Alert& a = r.alerts[i];
    const auto& sup = a.body.contains("suppression") ? a.body["suppression"] : ordered_json();
    if (std::find(a.sources.begin(), a.sources.end(), source) != a.sources.end()) {
      led = true;
      if (sup.is_null()) return "alert " + std::to_string(i + 1) + " of " + std::to_string(r.alerts.size()) + " (alert suppression by " + by +
                                " leaves an event missing a field alone)";
      return "alert " + std::to_string(i + 1) + " of " + std::to_string(r.alerts.size()) + ", the first event of its suppression group (" +
             terms_text(sup["terms"]) + "), which counts " + sup["docs_count"].dump() + " more";
    }
    if (!sup.is_null())
      for (const auto& s : a.folded)
        if (s == source) {
          led = false;
          return "alert suppression by " + by + " folds it into alert " + std::to_string(i + 1) + " (the event " +
                 (a.sources.empty() ? std::string("-") : a.sources.front()) + ", group " + terms_text(sup["terms"]) +
                 "), which counts it: no alert of its own";
        }
  }
  return std::nullopt;
}

std::optional<std::string> suppression_fate(const LoadedRule& rule, const DataOptions& data, DateTime now, const std::string& source,
                                            bool& led) {
  if (!rule.elastic || !rule.elastic->alert_suppression || !suppression_mode(*rule.elastic)) return std::nullopt;
  auto runner = make_runner(rule, data);
  if (!runner) return std::nullopt;
  (*runner)->explain_misses = false;
  auto r = (*runner)->run(now);
  if (!r) return std::nullopt;
  return suppression_fate(*r, source, led);
}

namespace {
class SuppressingRunner : public Runner {
 public:
  SuppressingRunner(std::unique_ptr<LoadedRule> rule, std::unique_ptr<Runner> inner, std::unique_ptr<AlertSuppressor> s,
                    std::int64_t max_signals)
      : rule_(std::move(rule)), inner_(std::move(inner)), suppressor_(std::move(s)), max_signals_(max_signals) {}
  Result<RunResult> run(DateTime now) override {
    inner_->explain_misses = explain_misses;
    inner_->light_alerts = true;
    auto r = inner_->run(now);
    unsupported = inner_->unsupported;
    if (!r) return r;
    suppressor_->apply(*r);  // (a run with errors too: its alerts are capped by the rule's max_signals)
    if (r->detail.contains("max_signals")) r->detail["max_signals"] = max_signals_;  // the rule's, not the raised one
    return r;
  }

 private:
  std::unique_ptr<LoadedRule> rule_;  // what inner_ runs (declared first: destroyed after inner_)
  std::unique_ptr<Runner> inner_;
  std::unique_ptr<AlertSuppressor> suppressor_;
  std::int64_t max_signals_;
};
}  // namespace

std::unique_ptr<Runner> make_suppressing_runner(std::unique_ptr<LoadedRule> rule, std::unique_ptr<Runner> inner,
                                                std::unique_ptr<AlertSuppressor> suppressor, std::int64_t max_signals) {
  return std::make_unique<SuppressingRunner>(std::move(rule), std::move(inner), std::move(suppressor), max_signals);
}

}  // namespace rulelab::app
