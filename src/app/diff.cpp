#include "app/diff.hpp"

#include <algorithm>

#include "app/rule.hpp"
#include "app/schedule.hpp"
#include "core/datetime.hpp"

namespace rulelab::app {

using nlohmann::json;

namespace {


// Alert rows of one rule: one run at `now`, or every scheduled run between from and to
// (run_schedule: suppression skips runs). Rows raised by several runs (overlapping windows)
// count once, keyed by their source events.
Result<std::vector<AlertRow>> alert_rows(const std::string& rule_path, const DataOptions& given, const std::string& now, const std::string& from,
                                         const std::string& to, bool& has_provenance, std::vector<std::string>& warnings) {
  auto rules = load_rules(rule_path);
  if (!rules) return rules.error();
  const LoadedRule& rule = rules->front();
  DataOptions data = given;
  for (auto& d : data.data)  // a file given without a name is named as the rule's family names it
    if (!d.named) d.name = data_name_of_file(d.file, rule.family == Family::Elastic);
  for (const auto& w : rule.warnings)
    if (std::find(warnings.begin(), warnings.end(), w) == warnings.end()) warnings.push_back(w);
  auto sched = run_rule(rule, data, now, from, to);
  if (!sched) return sched.error();
  std::vector<AlertRow> out;
  std::set<std::string> seen_keys;
  for (const auto& run : sched->runs) {
    if (!run.alert || !run.result) continue;
    const RunResult& res = *run.result;
    json rows = json::array();
    std::vector<std::vector<std::string>> prov;
    if (rule.family == Family::Elastic) {
      // Elastic rules raise one alert per matched document (or per EQL sequence, over all its
      // events), capped by max_signals: their alerts, each with its source events, are the units.
      for (const auto& x : run.new_alerts) {
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
      a.first_run = format_datetime(run.now);
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

bool same_events(const AlertRow& a, const AlertRow& b, bool by_provenance) {
  if (!by_provenance || a.sources.empty() || b.sources.empty()) return a.row == b.row;
  return a.sources == b.sources;
}

}  // namespace

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

Result<DiffResult> diff_rules(const std::string& rule_a, const std::string& rule_b, const DataOptions& data, const std::string& now,
                              const std::string& from, const std::string& to) {
  DiffResult out;
  bool prov_a = false, prov_b = false;
  auto ra = alert_rows(rule_a, data, now, from, to, prov_a, out.warnings);
  if (!ra) return ra.error();
  auto rb = alert_rows(rule_b, data, now, from, to, prov_b, out.warnings);
  if (!rb) return rb.error();
  out.by_provenance = prov_a && prov_b;
  std::vector<bool> used(rb->size(), false);
  for (const auto& x : *ra) {
    bool matched = false;
    for (std::size_t k = 0; k < rb->size(); ++k) {
      if (used[k] || !same_events(x, (*rb)[k], out.by_provenance)) continue;
      used[k] = true;
      matched = true;
      out.both.emplace_back(x, (*rb)[k]);
      break;
    }
    if (!matched) out.only_a.push_back(x);
  }
  for (std::size_t k = 0; k < rb->size(); ++k)
    if (!used[k]) out.only_b.push_back((*rb)[k]);
  return out;
}

}  // namespace rulelab::app
