// rulelab diff RULE_A RULE_B --data ... [--now T | --from T0 --to T1]: the alerts raised only by A,
// only by B, and by both, matched by the source events they derive from (provenance), so that a
// renamed column or a normalised value does not hide that two versions alert on the same events.
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "commands.hpp"
#include "core/datetime.hpp"
#include "app/rule.hpp"
#include "app/runner.hpp"
#include "app/schedule.hpp"
#include "run_output.hpp"

namespace rulelab::cli {

using nlohmann::json;

namespace {

struct AlertRow {
  json row;
  std::set<std::string> sources;  // "file:line" of the events it derives from
  std::string first_run;          // the run (now) that raised it first
};

// Alert rows of one rule: one run at `now`, or every scheduled run between from and to
// (app::run_schedule: suppression skips runs). Rows raised by several runs (overlapping windows)
// count once, keyed by their source events.
Result<std::vector<AlertRow>> alert_rows(const RunArgs& base, const std::string& now, const std::string& from, const std::string& to,
                                         bool& has_provenance, std::vector<std::string>& warnings) {
  auto rules = app::load_rules(base.rule);
  if (!rules) return rules.error();
  const app::LoadedRule& rule = rules->front();
  const app::DataOptions data = data_options(base, rule.family == app::Family::Elastic);
  for (const auto& w : rule.warnings)
    if (std::find(warnings.begin(), warnings.end(), w) == warnings.end()) warnings.push_back(w);
  // The runs that alerted, each with its time and the alerts it created.
  std::vector<std::pair<DateTime, app::RunResult>> alerting;
  std::vector<std::vector<app::Alert>> created;
  if (!from.empty()) {
    const auto t0 = parse_datetime(from), t1 = parse_datetime(to);
    if (!t0 || !t1 || t1->ticks < t0->ticks) return Error{"--from and --to must be ISO 8601 datetimes with --from <= --to"};
    auto runner = app::make_runner(rule, data, std::make_pair(*t0, *t1));
    if (!runner) return runner.error();
    auto sched = app::run_schedule(rule, **runner, *t0, *t1);
    if (!sched) return sched.error();
    for (auto& run : sched->runs)
      if (run.alert && run.result) {
        created.push_back(run.new_alerts);
        alerting.emplace_back(run.now, std::move(*run.result));
      }
  } else {
    auto t = app::parse_now(now);
    if (!t) return t.error();
    auto runner = app::make_runner(rule, data);
    if (!runner) return runner.error();
    auto r = (*runner)->run(*t);
    if (!r) return r.error();
    if (r->alert) {
      created.push_back(r->alerts);
      alerting.emplace_back(*t, std::move(*r));
    }
  }
  std::vector<AlertRow> out;
  std::set<std::string> seen_keys;
  for (std::size_t k = 0; k < alerting.size(); ++k) {
    const auto& [t, res] = alerting[k];
    json rows = json::array();
    std::vector<std::vector<std::string>> prov;
    if (rule.family == app::Family::Elastic) {
      // Elastic rules raise one alert per matched document (or per EQL sequence, over all its
      // events), capped by max_signals: their alerts, each with its source events, are the units.
      for (const auto& x : created[k]) {
        json row = json::parse(x.body.dump());
        row.erase("sources");
        rows.push_back(std::move(row));
        prov.push_back(x.sources);
      }
    } else {
      rows = json::parse(res.rows.dump());
      prov = res.provenance;
    }
    has_provenance = has_provenance || prov.size() == rows.size();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      AlertRow a;
      a.row = rows[i];
      a.first_run = format_datetime(t);
      if (i < prov.size()) a.sources.insert(prov[i].begin(), prov[i].end());
      std::string key;
      for (const auto& s : a.sources) key += s + ";";
      if (key.empty()) key = a.row.dump();
      if (!seen_keys.insert(key).second) continue;
      out.push_back(std::move(a));
    }
  }
  return out;
}

// Sources in file order, lines numerically ("f:9" before "f:10").
std::vector<std::string> in_order(const std::set<std::string>& sources) {
  std::vector<std::string> v(sources.begin(), sources.end());
  auto split = [](const std::string& x) {
    const auto c = x.rfind(':');
    const std::string num = c == std::string::npos ? "" : x.substr(c + 1);
    const bool digits = !num.empty() && num.find_first_not_of("0123456789") == std::string::npos;
    return std::make_pair(digits ? x.substr(0, c) : x, digits ? std::stoull(num) : 0ULL);
  };
  std::stable_sort(v.begin(), v.end(), [&](const std::string& a, const std::string& b) { return split(a) < split(b); });
  return v;
}

bool same_events(const AlertRow& a, const AlertRow& b, bool by_provenance) {
  if (!by_provenance || a.sources.empty() || b.sources.empty()) return a.row == b.row;
  return a.sources == b.sources;
}

struct DiffArgs {
  RunArgs a;
  std::string rule_b, now, from, to;
};

int run_diff(const DiffArgs& d) {
  if (!d.from.empty() != !d.to.empty()) {
    std::cerr << "rulelab diff: give --from and --to together (or --now)\n";
    return 2;
  }
  RunArgs b = d.a;
  b.rule = d.rule_b;
  bool prov_a = false, prov_b = false;
  std::vector<std::string> warnings;
  auto ra = alert_rows(d.a, d.now, d.from, d.to, prov_a, warnings);
  if (!ra) { std::cerr << ra.error().format() << "\n"; return 1; }
  auto rb = alert_rows(b, d.now, d.from, d.to, prov_b, warnings);
  if (!rb) { std::cerr << rb.error().format() << "\n"; return 1; }
  const bool by_prov = prov_a && prov_b;
  std::vector<bool> used(rb->size(), false);
  json only_a = json::array(), only_b = json::array(), both = json::array();
  std::vector<std::pair<const AlertRow*, const AlertRow*>> pairs;
  std::vector<const AlertRow*> la, lb;
  for (const auto& x : *ra) {
    bool matched = false;
    for (std::size_t k = 0; k < rb->size(); ++k) {
      if (used[k] || !same_events(x, (*rb)[k], by_prov)) continue;
      used[k] = true;
      matched = true;
      pairs.emplace_back(&x, &(*rb)[k]);
      break;
    }
    if (!matched) la.push_back(&x);
  }
  for (std::size_t k = 0; k < rb->size(); ++k)
    if (!used[k]) lb.push_back(&(*rb)[k]);
  auto with_sources = [](const AlertRow& r) {
    json j = r.row;
    if (!r.sources.empty()) j["_sources"] = in_order(r.sources);
    return j;
  };
  for (const auto* x : la) only_a.push_back(with_sources(*x));
  for (const auto* x : lb) only_b.push_back(with_sources(*x));
  for (const auto& [x, y] : pairs) {
    json j = with_sources(*x);
    if (x->row != y->row) j["_b"] = y->row;
    both.push_back(std::move(j));
  }
  if (d.a.format == "json") {
    std::cout << json{{"rule_a", d.a.rule}, {"rule_b", d.rule_b}, {"matched_by", by_prov ? "source events" : "identical rows"},
                      {"only_a", only_a}, {"only_b", only_b}, {"both", both}, {"warnings", warnings}}
                     .dump(2)
              << "\n";
    return 0;
  }
  for (const auto& w : warnings) std::cerr << "warning: " << w << "\n";
  std::cout << "A: " << d.a.rule << "\nB: " << d.rule_b << "\n(alerts matched by "
            << (by_prov ? "the source events they derive from" : "identical rows: the runs carried no provenance") << ")\n";
  auto show = [](const char* title, const std::vector<const AlertRow*>& rows) {
    std::cout << "\n" << title << ": " << rows.size() << "\n";
    for (const auto* r : rows) {
      std::cout << "  -";
      std::size_t n = 0;
      for (const auto& [k, v] : r->row.items()) {
        const bool scalars = v.is_array() && std::none_of(v.begin(), v.end(), [](const json& x) { return x.is_structured(); });
        if (v.is_object() || (v.is_array() && !scalars) || n >= 4 || (v.is_string() && v.get<std::string>().empty())) continue;
        std::cout << " " << k << "=" << (v.is_string() ? v.get<std::string>() : v.dump());
        ++n;
      }
      if (!r->sources.empty()) {
        std::cout << "  from";
        for (const auto& s : in_order(r->sources)) std::cout << " " << s;
      }
      std::cout << "\n";
    }
  };
  show("only A", la);
  show("only B", lb);
  std::vector<const AlertRow*> bl;
  for (const auto& p : pairs) bl.push_back(p.first);
  show("both", bl);
  return 0;
}

}  // namespace

void add_diff(CLI::App& app, Registry& r) {
  auto d = std::make_shared<DiffArgs>();
  CLI::App* sub = app.add_subcommand("diff", "Run two versions of a rule over the same data: alerts only A, only B, both");
  sub->add_option("rule_a", d->a.rule, "rule file A")->required();
  sub->add_option("rule_b", d->rule_b, "rule file B")->required();
  sub->add_option("--data", d->a.data, "TABLE=FILE or INDEX=FILE (repeatable)");
  sub->add_option("--now", d->now, "one run at this time (ISO 8601)");
  sub->add_option("--from", d->from, "scheduled runs from this time ...");
  sub->add_option("--to", d->to, "... to this time (each rule on its own schedule)");
  sub->add_option("--format", d->a.format, "table or json")->check(CLI::IsMember({"table", "json"}));
  sub->add_option("--schema", d->a.schema_dir, "directory of Log Analytics table schemas (Sentinel)");
  sub->add_option("--function", d->a.functions, "NAME=FILE.kql: a workspace function (ASIM parser, watchlist)");
  sub->add_option("--mapping", d->a.mapping, "Elasticsearch index mapping JSON (Elastic)");
  add_limit_options(sub, d->a.limits);
  r.add(sub, [d] { return run_diff(*d); });
}

}  // namespace rulelab::cli
