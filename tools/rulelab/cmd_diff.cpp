// rulelab diff RULE_A RULE_B --data ... [--now T | --from T0 --to T1]: the alerts raised only by A,
// only by B, and by both, matched by the source events they derive from (provenance), so that a
// renamed column or a normalised value does not hide that two versions alert on the same events.
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "commands.hpp"
#include "core/datetime.hpp"
#include "run_capture.hpp"
#include "schedule.hpp"

namespace rulelab::cli {

using nlohmann::json;

namespace {

struct AlertRow {
  json row;
  std::set<std::string> sources;  // "file:line" of the events it derives from
  std::string first_run;          // the run (now) that raised it first
};

// Alert rows of one rule: one run at `now`, or every scheduled run between from and to.
// Rows raised by several runs (overlapping windows) count once, keyed by their source events.
Result<std::vector<AlertRow>> alert_rows(const RunArgs& base, const std::string& now, const std::string& from, const std::string& to,
                                         bool& has_provenance, std::vector<std::string>& warnings) {
  std::vector<std::string> times;
  std::optional<TimeSpan> suppression;  // Sentinel: no run for this long after an alerting run
  std::optional<std::int64_t> suppressed_until;
  if (!from.empty()) {
    auto s = rule_schedule(base.rule);
    if (!s) return s.error();
    suppression = s->suppression;
    const auto t0 = parse_datetime(from), t1 = parse_datetime(to);
    if (!t0 || !t1 || t1->ticks < t0->ticks) return Error{"--from and --to must be ISO 8601 datetimes with --from <= --to"};
    for (std::int64_t t = t0->ticks; t <= t1->ticks && times.size() < 10000; t += std::max<std::int64_t>(s->frequency.ticks, 1))
      times.push_back(format_datetime(DateTime{t}));
  } else {
    times.push_back(now);
  }
  std::vector<AlertRow> out;
  std::set<std::string> seen_keys;
  for (const auto& t : times) {
    if (suppressed_until && parse_datetime(t) && parse_datetime(t)->ticks < *suppressed_until) continue;
    RunArgs r = base;
    r.format = "json";
    r.provenance = true;
    r.now = t;
    Captured c = capture_run(r);
    auto j = json::parse(c.out, nullptr, false);
    if (c.code != 0 || j.is_discarded()) return Error{"the rule did not run" + (t.empty() ? "" : " at " + t) + ":\n" + c.err, base.rule};
    for (const auto& w : j.value("warnings", json::array()))
      if (w.is_string() && std::find(warnings.begin(), warnings.end(), w.get<std::string>()) == warnings.end()) warnings.push_back(w.get<std::string>());
    if (!j.value("alert", false)) continue;
    if (suppression) suppressed_until = parse_datetime(t)->ticks + suppression->ticks;
    json rows = j.value("rows", json::array());
    json prov = j.value("provenance", json::array());
    // Elastic rules raise one alert per matched document (or per EQL sequence, over all its
    // events), capped by max_signals: their alerts, each with its source events, are the units.
    const json alerts = j.value("alerts", json::array());
    if (!alerts.empty() && std::all_of(alerts.begin(), alerts.end(), [](const json& x) { return x.contains("sources"); })) {
      rows = json::array();
      prov = json::array();
      for (const auto& x : alerts) {
        json row = x;
        row.erase("sources");
        rows.push_back(std::move(row));
        prov.push_back(x["sources"]);
      }
    }
    has_provenance = has_provenance || prov.size() == rows.size();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      AlertRow a;
      a.row = rows[i];
      a.first_run = t;
      if (i < prov.size())
        for (const auto& s : prov[i]) a.sources.insert(s.get<std::string>());
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
  sub->add_option("--mapping", d->a.mapping, "Elasticsearch index mapping JSON (Elastic)");
  add_limit_options(sub, d->a.limits);
  r.add(sub, [d] { return run_diff(*d); });
}

}  // namespace rulelab::cli
