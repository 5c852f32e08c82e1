#include "run_output.hpp"

#include "app/runner.hpp"
#include "core/datetime.hpp"
#include "engine/output.hpp"

namespace rulelab::cli {

using nlohmann::ordered_json;

app::DataOptions data_options(const RunArgs& a, bool elastic) {
  app::DataOptions d;
  d.data = app::data_specs(a.data, elastic);
  d.schema_dir = a.schema_dir;
  d.functions = a.functions;
  d.parser_dirs = a.parser_dirs;
  d.watchlists = a.watchlists;
  d.value_lists = a.value_lists;
  d.completions = a.completions;
  d.mapping = a.mapping;
  for (const auto& m : a.index_mappings) {
    const auto eq = m.find('=');
    d.index_mappings.emplace_back(m.substr(0, eq), m.substr(eq + 1));
  }
  d.external = a.external;
  d.strict = a.strict;
  d.provenance = true;  // diff, test and simulate match alerts by their source events; run turns it off unless asked
  d.no_pushdown = a.no_pushdown;
  d.limits = a.limits;
  d.alerts_max = a.alerts_max;
  d.date_order = date_order_of(a.date_order);
  return d;
}

std::string window_hint(const app::LoadedRule& rule, const app::RunResult& r) {
  if (!r.window || !r.rows.empty()) return {};
  const app::WindowMiss& m = r.missed;
  if (!m.before && !m.after) return {};
  std::string s = "the window " + r.window->text() + " holds none of the " + std::to_string(m.before + m.after) + " events outside it: ";
  if (m.before) s += std::to_string(m.before) + " older";
  if (m.before && m.after) s += ", ";
  if (m.after) s += std::to_string(m.after) + " newer than --now";
  if (m.earliest && m.latest)
    s += " (events from " + format_datetime(*m.earliest) + " to " + format_datetime(*m.latest) + ")";
  if (m.latest) s += "; --now " + format_datetime(*m.latest) + " would include the latest";
  (void)rule;
  return s;
}

ordered_json run_json(const app::LoadedRule& rule, app::RunResult r, bool provenance) {
  ordered_json o = ordered_json::object();
  o["rule"] = r.rule_name;
  o["file"] = r.rule_file;
  o["kind"] = app::to_string(rule.kind);
  for (const char* k : {"rule_id", "type", "language", "max_signals"})
    if (r.detail.contains(k)) o[k] = r.detail[k];
  if (r.window)
    o["window"] = {{"from", format_datetime(r.window->from)}, {"to", format_datetime(r.window->to)}, {"field", r.window->field},
                   {"text", r.window->text()}};
  for (const char* k : {"timestamp_field"})
    if (r.detail.contains(k)) o[k] = r.detail[k];
  o["now"] = format_datetime(r.now);
  for (const char* k : {"indices", "ignored_indices", "kind", "counts", "columns", "aggregating", "requests", "duplicates", "alerts_of_earlier_runs"})
    if (r.detail.contains(k)) o[k] = r.detail[k];
  if (r.detail.contains("kind")) o["kind"] = r.detail["kind"];
  o["rows"] = nullptr;  // (its place in the key order; moved in last, after the checks that read it)
  if (provenance || rule.family == app::Family::Elastic) {
    ordered_json p = ordered_json::array();
    for (const auto& row : r.provenance) p.push_back(row);
    o["provenance"] = p;
  }
  if (r.detail.contains("count")) o["count"] = r.detail["count"];
  o["warnings"] = r.warnings;
  o["notes"] = r.notes;
  o["read"] = ordered_json::array();
  for (const auto& x : r.reads)
    o["read"].push_back({{"table", x.name}, {"file", x.file}, {"records", x.records}, {"rows", x.rows}, {"filtered", x.filtered},
                         {"rejected", x.rejected}, {"pushdown", x.pushdown}});
  if (r.window && r.rows.empty() && (r.missed.before || r.missed.after)) {
    ordered_json m = {{"before", r.missed.before}, {"after", r.missed.after}};
    if (r.missed.earliest) m["earliest"] = format_datetime(*r.missed.earliest);
    if (r.missed.latest) m["latest"] = format_datetime(*r.missed.latest);
    m["hint"] = window_hint(rule, r);
    o["outside_window"] = m;
  }
  if (r.detail.contains("trigger")) o["trigger"] = r.detail["trigger"];
  o["alert"] = r.alert;
  ordered_json alerts = ordered_json::array();
  for (auto& a : r.alerts) alerts.push_back(std::move(a.body));
  o["alerts"] = alerts;
  if (rule.family == app::Family::Elastic) {
    o["capped"] = r.capped;
    for (const char* k : {"suppressed_by", "dynamic_fields", "alert_suppression"})
      if (r.detail.contains(k)) o[k] = r.detail[k];
    o["errors"] = r.errors;
  }
  o["rows"] = std::move(r.rows);
  return o;
}

namespace {

// An alert's suppression group in one line: its terms, how many events it counts besides its own, when.
std::string suppression_text(const ordered_json& s) {
  std::string t = "suppression group";
  for (const auto& x : s.value("terms", ordered_json::array())) t += " " + x.value("field", std::string()) + "=" + x["value"].dump();
  t += ": " + s["docs_count"].dump() + " more event(s) suppressed, " + s.value("start", std::string()) + " .. " + s.value("end", std::string());
  return t;
}

std::string compact(const ordered_json& j, std::size_t max = 160) {
  std::string s = j.dump();
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
}

void print_sentinel_table(const app::LoadedRule& rule, const app::RunResult& r, std::ostream& out) {
  out << "rule: " << r.rule_name << (rule.kind == app::Kind::SentinelHunting ? " (hunting query: no schedule, no alert)" : "")
      << "\nnow:  " << format_datetime(r.now) << "\n";
  if (r.window) out << "window: " << r.window->text() << " on " << r.window->field << "\n";
  out << "\n";
  engine::write_table_text(*r.table, out);
  const auto count = r.detail.value("count", std::int64_t{0});
  if (rule.kind == app::Kind::SentinelHunting) {
    out << "\n" << count << " result" << (count == 1 ? "" : "s") << "\n";
    return;
  }
  out << "\nalert: " << (r.alert ? "yes" : "no") << " (" << count << " result" << (count == 1 ? "" : "s");
  if (rule.kind == app::Kind::SentinelNrt) out << ", NRT: any result";
  else out << ", trigger " << kusto::to_string(rule.policy.trigger_operator) << " " << rule.policy.trigger_threshold;
  out << ")\n";
  for (const auto& al : r.alerts) out << al.body.dump(2) << "\n";
}

void print_kuery_table(const app::LoadedRule& rule, const app::RunResult& r, std::ostream& out) {
  const auto& e = *rule.elastic;
  out << "rule:    " << e.name << " (" << e.type_name << ", " << elastic::to_string(e.language) << ")  " << e.file << "\n";
  out << "now:     " << format_datetime(r.now) << "\n";
  if (r.window)
    out << "window:  " << r.window->text() << " on " << r.window->field << " (from " << e.from << ", interval " << e.interval << ")\n";
  const auto indices = r.detail.value("indices", ordered_json::array());
  const auto ignored = r.detail.value("ignored_indices", ordered_json::array());
  out << "indices: ";
  for (std::size_t i = 0; i < indices.size(); ++i) out << (i ? ", " : "") << indices[i].get<std::string>();
  if (indices.empty()) out << "(none of the data matches the rule's index patterns)";
  out << "\n";
  if (!ignored.empty()) {
    out << "ignored: ";
    for (std::size_t i = 0; i < ignored.size(); ++i) out << (i ? ", " : "") << ignored[i].get<std::string>();
    out << " (not matched by index patterns";
    for (const auto& p : e.index) out << " " << p;
    out << ")\n";
  }
  const auto c = r.detail.value("counts", ordered_json::object());
  out << "events:  " << c.value("documents", 0) << " read, " << c.value("in_window", 0) << " in window, " << c.value("matched", 0)
      << " matched, " << c.value("suppressed", 0) << " suppressed by exceptions\n";
  out << "alerts:  " << r.alerts.size() << (r.capped ? " (max_signals " + std::to_string(r.detail.value("max_signals", e.max_signals)) + " reached)" : "") << "\n";
  std::size_t n = 0;
  for (const auto& a : r.alerts) {
    const auto& b = a.body;
    out << "  " << ++n << ". " << b.value("time", std::string("-")) << "  " << b.value("index", std::string());
    if (b.contains("file")) out << "  " << b["file"].get<std::string>() << ":" << b["line"].get<std::size_t>();
    ordered_json detail = ordered_json::object();
    for (auto it = b.begin(); it != b.end(); ++it)
      if (it.key() != "index" && it.key() != "file" && it.key() != "line" && it.key() != "sources" && it.key() != "time" &&
          it.key() != "source" && it.key() != "suppression")
        detail[it.key()] = it.value();
    if (!detail.empty()) out << "  " << detail.dump();
    out << "\n";
    if (b.contains("suppression")) out << "     " << suppression_text(b["suppression"]) << "\n";
    if (b.contains("source") && !b["source"].is_null()) out << "     " << compact(b["source"]) << "\n";
  }
  for (const auto& s : r.detail.value("suppressed_by", ordered_json::array())) out << "suppressed: " << s.get<std::string>() << "\n";
}

void print_eql_table(const app::LoadedRule& rule, const app::RunResult& r, std::ostream& out) {
  const auto& e = *rule.elastic;
  const std::string ts = r.detail.value("timestamp_field", std::string("@timestamp"));
  out << "rule: " << e.name << "\n"
      << "now: " << format_datetime(r.now) << "  window: " << (r.window ? r.window->text() : std::string("-")) << "  (from " << e.from
      << ", interval " << e.interval << ", max_signals " << r.detail.value("max_signals", e.max_signals) << ", window on " << (r.window ? r.window->field : ts)
      << ", ordered by " << ts << ")\n";
  auto line = [&](const ordered_json& ev, const std::string& prefix) {
    if (ev.value("missing", false)) {
      out << prefix << "(missing event)\n";
      return;
    }
    out << prefix << ev.value("index", std::string()) << "  " << ev.value("time", std::string()) << "  " << ev["source"].dump() << "\n";
  };
  const std::string kind = r.detail.value("kind", std::string("event"));
  if (kind == "event") {
    out << r.alerts.size() << " event" << (r.alerts.size() == 1 ? "" : "s") << "\n";
    for (const auto& a : r.alerts) {
      line(a.body, "");
      if (a.body.contains("suppression")) out << "  " << suppression_text(a.body["suppression"]) << "\n";
    }
  } else {
    out << r.alerts.size() << " " << kind << (r.alerts.size() == 1 ? "" : "s") << "\n";
    for (const auto& a : r.alerts) {
      out << kind << " " << a.body.value("sequence", 0);
      const auto key = a.body.value("key", ordered_json::array());
      if (!key.empty()) {
        out << " (key";
        for (const auto& k : key) out << " " << k.dump();
        out << ")";
      }
      out << "\n";
      for (const auto& ev : a.body.value("events", ordered_json::array())) line(ev, "  ");
      if (a.body.contains("suppression")) out << "  " << suppression_text(a.body["suppression"]) << "\n";
    }
  }
  out << (r.alerts.empty() ? "no alert: " : "ALERT: ") << r.alerts.size() << " alert" << (r.alerts.size() == 1 ? "" : "s") << "\n";
}

}  // namespace

void print_run(const app::LoadedRule& rule, const app::RunResult& r, const RunArgs& a, std::ostream& out, std::ostream& err) {
  for (const auto& w : r.warnings) err << "warning: " << w << "\n";
  for (const auto& n : r.notes) err << "note: " << n << "\n";
  for (const auto& e : r.errors) err << e << "\n";
  if (a.format == "json") {
    out << run_json(rule, r, a.provenance).dump(2) << "\n";
    return;
  }
  if (a.format == "ndjson") {
    if (r.table) {
      engine::write_ndjson(*r.table, out);
      ordered_json alerts = ordered_json::array();
      for (const auto& al : r.alerts) alerts.push_back(al.body);
      out << ordered_json({{"alert", r.alert}, {"count", r.detail.value("count", 0)}, {"alerts", alerts}}).dump() << "\n";
    } else {
      for (const auto& row : r.rows) out << row.dump() << "\n";
    }
  } else if (a.format == "csv") {
    if (r.table) engine::write_csv(*r.table, out);
  } else if (rule.family == app::Family::Sentinel) {
    print_sentinel_table(rule, r, out);
  } else if (rule.kind == app::Kind::ElasticEql) {
    print_eql_table(rule, r, out);
  } else {
    print_kuery_table(rule, r, out);
  }
  if (a.format == "table") {
    const std::string hint = window_hint(rule, r);
    if (!hint.empty()) out << "\nnote: " << hint << "\n";
  }
}

}  // namespace rulelab::cli
