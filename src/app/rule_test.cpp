// Rule tests: see rule_test.hpp and README ("rulelab test").
#include "app/rule_test.hpp"

#include <re2/re2.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>

#include "app/rule.hpp"
#include "app/runner.hpp"
#include "app/schedule.hpp"
#include "core/datetime.hpp"

namespace rulelab::app {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct CaseRun {
  std::string rule, now;
  DataOptions data;
};


std::string scalar_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

// An expected field value: exact text, or /regex/ (RE2, partial match).
bool value_matches(const std::string& expected, const json& actual) {
  const std::string text = scalar_text(actual);
  if (expected.size() >= 2 && expected.front() == '/' && expected.back() == '/') {
    RE2::Options o;
    o.set_log_errors(false);
    o.set_max_mem(kRegexMaxMem);
    RE2 re(expected.substr(1, expected.size() - 2), o);
    return re.ok() && RE2::PartialMatch(text, re);
  }
  return expected == text;
}

// The value of `field` in a result row: a column (Sentinel), or a path in a document (Elastic:
// nested objects or dotted keys, as Elasticsearch reads them; EQL rows hold the event under
// "_source"). nullptr when absent.
const json* find_path(const json& obj, const std::string& path) {
  if (!obj.is_object()) return nullptr;
  if (auto it = obj.find(path); it != obj.end()) return &*it;
  for (std::size_t dot = path.find('.'); dot != std::string::npos; dot = path.find('.', dot + 1)) {
    auto it = obj.find(path.substr(0, dot));
    if (it == obj.end()) continue;
    if (const json* v = find_path(*it, path.substr(dot + 1))) return v;
  }
  return nullptr;
}
const json* row_value(const json& row, const std::string& field) {
  if (const json* v = find_path(row, field)) return v;
  if (row.is_object() && row.contains("_source")) return find_path(row["_source"], field);
  return nullptr;
}
// A multi-valued document field matches when one of its values does (Elasticsearch's term semantics).
bool field_matches(const std::string& expected, const json& actual) {
  if (value_matches(expected, actual)) return true;
  if (actual.is_array())
    for (const auto& x : actual)
      if (!x.is_structured() && value_matches(expected, x)) return true;
  return false;
}

std::string yaml_text(const YAML::Node& n) {
  if (n.IsScalar()) return n.as<std::string>();
  YAML::Emitter e;
  e << YAML::Flow << n;
  return e.c_str();
}

// Writes inline events to a temporary NDJSON file.
std::string write_events(const YAML::Node& events, const fs::path& dir, const std::string& name) {
  const fs::path p = dir / (name + ".ndjson");
  std::ofstream out(p);
  for (const auto& ev : events) {
    YAML::Emitter e;
    e << YAML::Flow << YAML::DoubleQuoted << ev;
    // YAML flow style with double-quoted scalars is JSON for maps, lists and strings; numbers and
    // booleans stay bare. Re-read with nlohmann to be sure it is JSON.
    auto j = json::parse(e.c_str(), nullptr, false);
    if (j.is_discarded()) throw std::runtime_error("inline event is not JSON-like: " + std::string(e.c_str()));
    out << j.dump() << "\n";
  }
  return p.string();
}

// What a case is judged on: one run's result, or the rule on its schedule from `from` to `to`
// (run_schedule, as `rulelab simulate` runs it): `rows` are then the distinct result rows of
// all runs (by their source events), `alerts` every alert created (Elastic: an alert whose source
// events an earlier run already alerted on is not created again; Sentinel: each run's alerts,
// runs skipped after an alert when the rule suppresses), `alert` whether some run alerted,
// `alerting_runs` how many did.
struct Outcome {
  bool ok = false;
  std::string err;  // the error, or the warnings and notes of the runs
  json rows = json::array();
  bool alert = false;
  json alerts = json::array();
  std::optional<std::size_t> alerting_runs;
};

void add_messages(const RunResult& r, std::string& err) {
  for (const auto& w : r.warnings) err += "warning: " + w + "\n";
  for (const auto& n : r.notes) err += "note: " + n + "\n";
  for (const auto& e : r.errors) err += e + "\n";
}

Outcome run_rule_for_case(const CaseRun& args, const std::string& from, const std::string& to) {
  Outcome o;
  auto rules = load_rules(args.rule);
  if (!rules) {
    o.err = rules.error().format();
    return o;
  }
  const LoadedRule& rule = rules->front();
  const DataOptions& data = args.data;
  for (const auto& t : unmatched_data(rule, data)) o.err += "warning: the rule reads " + t + " but the case gives no data for it\n";
  auto sched = run_rule(rule, data, args.now, from, to);
  if (!sched) {
    o.err += sched.error().format();
    return o;
  }
  if (from.empty()) {  // one run: its rows and alerts as they are
    const RunResult& r = *sched->runs.front().result;
    add_messages(r, o.err);
    o.ok = r.errors.empty();
    o.rows = json::parse(r.rows.dump());
    o.alert = r.alert;
    for (const auto& a : r.alerts) o.alerts.push_back(json::parse(a.body.dump()));
    return o;
  }
  std::set<std::string> row_keys;
  for (const auto& run : sched->runs) {
    if (!run.result) continue;
    const auto& res = *run.result;
    for (std::size_t i = 0; i < res.rows.size(); ++i) {
      const std::string key = i < res.provenance.size() && !res.provenance[i].empty() ? json(res.provenance[i]).dump() : res.rows[i].dump();
      if (row_keys.insert(key).second) o.rows.push_back(json::parse(res.rows[i].dump()));
    }
    for (const auto& a : run.new_alerts) o.alerts.push_back(json::parse(a.body.dump()));
  }
  o.ok = true;
  o.alert = sched->alerting_runs > 0;
  o.alerting_runs = sched->alerting_runs;
  return o;
}

CaseResult run_case(const fs::path& spec_path, const YAML::Node& spec, const YAML::Node& c, const fs::path& tmp, std::size_t index,
                    const Limits& limits) {
  CaseResult r;
  r.spec = spec_path.string();
  const fs::path dir = spec_path.parent_path();
  r.name = c["name"] ? c["name"].as<std::string>() : "case " + std::to_string(index + 1);
  if (c["reason"]) r.reason = c["reason"].as<std::string>();
  if (c["note"]) r.note = c["note"].as<std::string>();
  if (c["tags"])
    for (const auto& t : c["tags"]) r.tags.push_back(t.as<std::string>());
  const YAML::Node rule = c["rule"] ? c["rule"] : spec["rule"];
  if (!rule) {
    r.problems.push_back("no rule named (key `rule`)");
    return r;
  }
  CaseRun args;
  args.data.limits = limits;
  args.rule = (dir / rule.as<std::string>()).string();
  r.rule = args.rule;
  const YAML::Node now = c["now"] ? c["now"] : spec["now"];
  if (now) args.now = now.as<std::string>();
  for (const YAML::Node& data : {spec["data"], c["data"]}) {
    if (!data) continue;
    for (const auto& kv : data) args.data.data.push_back({kv.first.as<std::string>(), (dir / kv.second.as<std::string>()).string(), true});
  }
  if (const YAML::Node events = c["events"]) {
    for (const auto& kv : events) {
      const std::string name = kv.first.as<std::string>();
      args.data.data.push_back({name, write_events(kv.second, tmp, "case" + std::to_string(index) + "-" + name), true});
    }
  }
  // mapping: FILE (every index) or {INDEX: FILE} (each index its own, as --mapping INDEX=FILE);
  // a case's own replaces the spec's.
  if (const YAML::Node m = c["mapping"] ? c["mapping"] : spec["mapping"]) {
    if (m.IsMap())
      for (const auto& kv : m) args.data.index_mappings.emplace_back(kv.first.as<std::string>(), (dir / kv.second.as<std::string>()).string());
    else
      args.data.mapping = (dir / m.as<std::string>()).string();
  }
  // alerts_max: Kibana's xpack.alerting.rules.run.alerts.max (as --alerts-max; default 1000).
  if (const YAML::Node m = c["alerts_max"] ? c["alerts_max"] : spec["alerts_max"]) {
    long long v = -1;
    if (!YAML::convert<long long>::decode(m, v) || v < 0) {
      r.problems.push_back("alerts_max must be a whole number of alerts, 0 or more (0: no cap), not '" + yaml_text(m) + "'");
      return r;
    }
    args.data.alerts_max = v;
  }
  if (const YAML::Node s = spec["schema"]) args.data.schema_dir = (dir / s.as<std::string>()).string();
  // ASIM parsers (a path or a list of paths, files or directories) and watchlists ({NAME: FILE} or
  // {NAME:SEARCHKEY: FILE}), relative to the spec; a case's own replace the spec's.
  if (const YAML::Node p = c["parsers"] ? c["parsers"] : spec["parsers"]) {
    if (p.IsSequence())
      for (const auto& e : p) args.data.parser_dirs.push_back((dir / e.as<std::string>()).string());
    else
      args.data.parser_dirs.push_back((dir / p.as<std::string>()).string());
  }
  if (const YAML::Node v = c["value_lists"] ? c["value_lists"] : spec["value_lists"])
    for (const auto& kv : v) args.data.value_lists.push_back(kv.first.as<std::string>() + "=" + (dir / kv.second.as<std::string>()).string());
  // completion: FILE (or a list): what ES|QL COMPLETION's inference endpoint answers (--completion)
  if (const YAML::Node p = c["completion"] ? c["completion"] : spec["completion"]) {
    if (p.IsSequence())
      for (const auto& e : p) args.data.completions.push_back((dir / e.as<std::string>()).string());
    else
      args.data.completions.push_back((dir / p.as<std::string>()).string());
  }
  if (const YAML::Node w = c["watchlists"] ? c["watchlists"] : spec["watchlists"])
    for (const auto& kv : w) args.data.watchlists.push_back(kv.first.as<std::string>() + "=" + (dir / kv.second.as<std::string>()).string());
  // date_order: mdy or dmy, as --date-order (slash dates no value of their column orders)
  if (const YAML::Node d = c["date_order"] ? c["date_order"] : spec["date_order"]) {
    const std::string o = d.as<std::string>();
    if (o == "dmy") args.data.date_order = DateOrder::DayFirst;
    else if (o == "mdy") args.data.date_order = DateOrder::MonthFirst;
    else {
      r.problems.push_back("date_order must be mdy or dmy, not '" + o + "'");
      return r;
    }
  }

  // The clock: the case's `now`, or its `from`/`to` schedule range, else the spec's.
  std::string from, to;
  for (const YAML::Node& n : {c, spec}) {
    if (n["now"]) break;
    if (n["from"] && n["to"]) {
      from = n["from"].as<std::string>();
      to = n["to"].as<std::string>();
      break;
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  const Outcome run = run_rule_for_case(args, from, to);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!run.ok) {
    r.problems.push_back("the rule did not run");
    r.output = run.err;
    return r;
  }
  const json& rows = run.rows;
  r.rows = rows.size();
  r.alert = run.alert;
  const YAML::Node expect = c["expect"];
  if (!expect) {
    r.problems.push_back("no expectation (key `expect`)");
    return r;
  }
  if (expect["alert"] && expect["alert"].as<bool>() != r.alert)
    r.problems.push_back(std::string("expected ") + (expect["alert"].as<bool>() ? "an alert" : "no alert") + ", got " + (r.alert ? "an alert" : "none"));
  if (expect["rows"] && expect["rows"].as<std::size_t>() != r.rows)
    r.problems.push_back("expected " + expect["rows"].as<std::string>() + " result rows, got " + std::to_string(r.rows));
  if (expect["alerting_runs"]) {
    if (!run.alerting_runs)
      r.problems.push_back("alerting_runs needs a schedule range (from/to)");
    else if (expect["alerting_runs"].as<std::size_t>() != *run.alerting_runs)
      r.problems.push_back("expected " + expect["alerting_runs"].as<std::string>() + " alerting runs, got " + std::to_string(*run.alerting_runs));
  }
  if (expect["alerts"]) {
    const std::size_t n = run.alerts.size();
    if (expect["alerts"].as<std::size_t>() != n)
      r.problems.push_back("expected " + expect["alerts"].as<std::string>() + " alerts, got " + std::to_string(n));
  }
  if (const YAML::Node match = expect["match"]) {
    for (const auto& want : match) {
      bool found = false;
      std::string closest;
      std::size_t best = 0;
      for (const auto& row : rows) {
        std::size_t ok = 0, total = 0;
        std::string diff;
        for (const auto& kv : want) {
          ++total;
          const std::string field = kv.first.as<std::string>(), expected = yaml_text(kv.second);
          const json* v = row_value(row, field);
          if (v && field_matches(expected, *v)) {
            ++ok;
          } else {
            diff += "\n      " + field + ": expected " + expected + ", got " + (v ? scalar_text(*v) : "(no such column or field)");
          }
        }
        if (ok == total) { found = true; break; }
        if (ok >= best) { best = ok; closest = diff; }
      }
      if (!found) r.problems.push_back("no result row has " + yaml_text(want) + (rows.empty() ? " (no rows)" : "; closest row:" + closest));
    }
  }
  r.passed = r.problems.empty();
  const bool expects_alert = expect["alert"] && expect["alert"].as<bool>();
  for (const auto& t : r.tags)
    if (t.rfind("bypass", 0) == 0 && !expects_alert) r.bypass = true;
  if (!r.passed) r.output = run.err;
  return r;
}

}  // namespace

std::vector<std::string> find_test_specs(const std::vector<std::string>& paths) {
  std::vector<std::string> spec_files;
  for (const auto& s : paths) {
    std::error_code ec;
    if (fs::is_directory(s, ec)) {
      for (const auto& e : fs::recursive_directory_iterator(s, ec))
        if (e.is_regular_file() && e.path().filename().string().ends_with(".test.yaml")) spec_files.push_back(e.path().string());
    } else {
      spec_files.push_back(s);
    }
  }
  std::sort(spec_files.begin(), spec_files.end());
  return spec_files;
}

TestRun run_test_specs(const std::vector<std::string>& spec_files, const Limits& limits) {
  TestRun out;
  const fs::path tmp = fs::temp_directory_path() / ("rulelab-test-" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  for (const auto& f : spec_files) {
    YAML::Node spec;
    try {
      spec = YAML::LoadFile(f);
    } catch (const YAML::Exception& e) {
      out.errors.push_back(f + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " + e.msg);
      continue;
    }
    if (!spec["cases"] || !spec["cases"].IsSequence()) {
      out.errors.push_back(f + ": a rule-test file needs a list `cases`");
      continue;
    }
    std::size_t i = 0;
    for (const auto& c : spec["cases"]) {
      try {
        out.cases.push_back(run_case(fs::path(f), spec, c, tmp, i++, limits));
      } catch (const std::exception& e) {
        CaseResult r;
        r.spec = f;
        r.name = c["name"] ? c["name"].as<std::string>() : "case " + std::to_string(i);
        r.problems.push_back(std::string("bad case: ") + e.what());
        out.cases.push_back(std::move(r));
      }
    }
  }
  std::error_code ec;
  fs::remove_all(tmp, ec);
  return out;
}

}  // namespace rulelab::app
