#include "app/rule.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/datetime.hpp"

namespace rulelab::app {

const char* to_string(Family f) { return f == Family::Sentinel ? "sentinel" : "elastic"; }
const char* to_string(Kind k) {
  switch (k) {
    case Kind::SentinelScheduled: return "scheduled";
    case Kind::SentinelNrt: return "nrt";
    case Kind::SentinelHunting: return "hunting";
    case Kind::ElasticKuery: return "kuery";
    case Kind::ElasticEql: return "eql";
    case Kind::ElasticEsql: return "esql";
    case Kind::ElasticOther: return "other";
  }
  return "";
}

std::string rule_family(const std::string& path) {
  namespace fs = std::filesystem;
  const std::string ext = fs::path(path).extension().string();
  if (path.ends_with(".test.yaml") || path.ends_with(".test.yml")) return "";  // rule-test files (rulelab test)
  if (ext == ".yaml" || ext == ".yml" || ext == ".kql") return "sentinel";
  if (ext == ".toml" || ext == ".ndjson") return "elastic";
  if (ext == ".json") {
    std::ifstream in(path, std::ios::binary);
    std::string head(4096, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    if (head.find("\"resources\"") != std::string::npos || head.find("Microsoft.SecurityInsights") != std::string::npos ||
        head.find("alertRules") != std::string::npos)
      return "sentinel";
    if (head.find("\"rule_id\"") != std::string::npos) return "elastic";
  }
  return "";
}

Result<DateTime> parse_now(const std::string& text) {
  if (text.empty()) {
    const auto d = std::chrono::system_clock::now().time_since_epoch();
    return DateTime{std::chrono::duration_cast<std::chrono::microseconds>(d).count() * 10};
  }
  auto t = parse_datetime(text);
  if (!t) return Error("--now: not an ISO 8601 datetime: " + text);
  return *t;
}

namespace {

LoadedRule from_sentinel(kusto::SentinelRule r, const std::string& path) {
  LoadedRule l;
  l.path = path;
  l.family = Family::Sentinel;
  l.name = r.name;
  l.time_field = "TimeGenerated";
  for (const auto& w : r.warnings) l.warnings.push_back(w.format());
  switch (r.kind) {
    case kusto::RuleKind::Scheduled:
      l.kind = Kind::SentinelScheduled;
      if (r.query_frequency && r.query_period) l.schedule = Schedule{*r.query_frequency, *r.query_period, r.suppression_duration};
      l.policy.per_result_cap = 150;
      break;
    case kusto::RuleKind::NRT:
      // NRT rules run every minute over the preceding minute (near-real-time-rules).
      l.kind = Kind::SentinelNrt;
      l.schedule = Schedule{TimeSpan{60 * kTicksPerSecond}, TimeSpan{60 * kTicksPerSecond}, r.suppression_duration};
      l.policy.per_result_cap = 30;
      break;
    case kusto::RuleKind::Hunting:
      l.kind = Kind::SentinelHunting;
      l.policy.alerts = false;
      break;
  }
  l.policy.trigger_operator = r.trigger_operator;
  l.policy.trigger_threshold = r.trigger_threshold;
  l.policy.per_result = r.event_grouping_settings && r.event_grouping_settings->aggregation_kind == "AlertPerResult";
  l.sentinel = std::move(r);
  return l;
}

LoadedRule from_elastic(elastic::ElasticRule r, const std::string& path, const std::string& text) {
  LoadedRule l;
  l.path = path;
  l.text = text;
  l.family = Family::Elastic;
  l.name = r.name;
  for (const auto& w : r.warnings) l.warnings.push_back(w.format());
  switch (r.language) {
    case elastic::QueryLanguage::Kuery: l.kind = Kind::ElasticKuery; break;
    case elastic::QueryLanguage::Eql: l.kind = Kind::ElasticEql; break;
    default: l.kind = r.type_name == "esql" || r.language_name == "esql" ? Kind::ElasticEsql : Kind::ElasticOther; break;
  }
  l.time_field = r.timestamp_override.empty() ? "@timestamp" : r.timestamp_override;
  l.fallback_time_field = !r.timestamp_override.empty() && !r.timestamp_override_fallback_disabled ? "@timestamp" : "";
  l.policy.max_signals = r.max_signals;
  if (r.alert_suppression && r.type == elastic::RuleType::Threshold && !r.alert_suppression->duration)
    l.warnings.push_back(path + ": alert_suppression of a threshold rule needs a duration (Kibana's threshold suppression is per "
                                "time period only): ignored");
  auto interval = elastic::parse_elastic_duration(r.interval);
  const DateTime ref{0};
  auto start = elastic::eval_date_math(r.from, ref);
  if (!interval) l.warnings.push_back(path + ": the rule's interval \"" + r.interval + "\" is not a duration: it has no schedule");
  else if (!start) l.warnings.push_back(path + ": the rule's from \"" + r.from + "\" is not date math: it has no schedule");
  else l.schedule = Schedule{*interval, TimeSpan{ref.ticks - start->ticks}, std::nullopt};
  l.elastic = std::move(r);
  return l;
}

}  // namespace

std::optional<Window> LoadedRule::window_at(DateTime now, std::string* error) const {
  if (sentinel) {
    if (kind == Kind::SentinelNrt) return nrt_window(now);
    if (sentinel->query_period) return sentinel_window(now, *sentinel->query_period);
    return std::nullopt;  // hunting query: the time range is the user's (all data given)
  }
  if (elastic) {
    auto from = elastic::eval_date_math(elastic->from, now);
    auto to = elastic::eval_date_math(elastic->to, now, true);
    if (!from || !to) {
      if (error) *error = path + ": cannot evaluate the rule's time range from=" + elastic->from + " to=" + elastic->to;
      return std::nullopt;
    }
    return elastic_window(*from, *to, time_field);
  }
  return std::nullopt;
}

Result<std::vector<LoadedRule>> load_rules(const std::string& path) {
  const std::string fam = rule_family(path);
  std::vector<LoadedRule> out;
  if (fam == "sentinel") {
    auto rules = kusto::load_sentinel_file(path);
    if (!rules) return rules.error();
    for (auto& r : *rules) out.push_back(from_sentinel(std::move(r), path));
  } else if (fam == "elastic") {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error("cannot open file", path);
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    auto rules = elastic::load_elastic_text(path, text);
    if (!rules) return rules.error();
    for (auto& r : *rules) out.push_back(from_elastic(std::move(r), path, text));
  } else {
    return Error("not a rule file rulelab knows (Sentinel .yaml/.json/.kql, Elastic .toml/.ndjson)", path);
  }
  if (out.empty()) return Error("no rule in this file", path);
  return out;
}

}  // namespace rulelab::app
