#include "app/runner.hpp"

#include <algorithm>
#include <set>

#include "app/alert_suppression.hpp"
#include "app/runner_impl.hpp"
#include "app/value_lists.hpp"
#include "core/schema.hpp"
#include "engine/pushdown.hpp"
#include "esql/parser.hpp"
#include "kuery/runner.hpp"
#include "kusto/parser.hpp"

namespace rulelab::app {

std::vector<DataSpec> data_specs(const std::vector<std::string>& args, bool elastic) {
  std::vector<DataSpec> out;
  for (const auto& a : args) out.push_back(parse_data_spec(a, elastic));
  return out;
}

namespace {
// The runner of a rule whose value lists are attached (make_runner attaches them).
Result<std::unique_ptr<Runner>> make_rule_runner(const LoadedRule& rule, const DataOptions& data,
                                                 std::optional<std::pair<DateTime, DateTime>> span);

// Alert suppression: the family's runner over a copy of the rule whose max_signals lets through
// the candidates Kibana groups (a custom query's composite aggregation reads every matching event;
// new terms and indicator match rules search five times max_signals; EQL and ES|QL their own
// max_signals), its alerts grouped by an AlertSuppressor that keeps the suppression state across
// the runs of a schedule.
Result<std::unique_ptr<Runner>> make_suppressing(const LoadedRule& rule, const DataOptions& data,
                                                 std::optional<std::pair<DateTime, DateTime>> span, SuppressionMode mode) {
  const elastic::ElasticRule& e = *rule.elastic;
  auto copy = std::make_unique<LoadedRule>(rule);
  std::int64_t cap = e.max_signals;
  if (mode == SuppressionMode::Composite) cap = std::int64_t{1} << 40;

  else if (e.type == elastic::RuleType::NewTerms || e.type == elastic::RuleType::ThreatMatch)
    cap = 5 * std::clamp<std::int64_t>(e.max_signals, 1, std::int64_t{1} << 40);
  copy->elastic->max_signals = cap;
  copy->policy.max_signals = cap;
  copy->elastic->alert_suppression.reset();  // (the copy runs plain; the wrapper groups)
  auto inner = make_rule_runner(*copy, data, span);
  if (!inner) return inner.error();
  (*inner)->skip_earlier_alerts = false;  // (the suppressor decides what earlier alerts take)
  // ES|QL: the requests page by the rule's max_signals as without suppression, and Kibana's
  // bulkCreateSuppressedAlertsInMemory caps the grouped alerts: the suppressor does.
  if (e.type == elastic::RuleType::Esql) {
    (*inner)->cap_alerts = false;
    (*inner)->attach_sources = true;
  }
  elastic::AlertSuppression s = *e.alert_suppression;
  if (mode == SuppressionMode::Threshold) {  // grouped by the threshold's fields
    s.group_by = e.threshold ? e.threshold->field : std::vector<std::string>{};
    s.suppress_missing = true;
  }
  // The grouped alerts are capped by the run's max_signals within Kibana's alerting limit (an EQL
  // rule's max_signals is not lowered: its search takes the rule's own value).
  const std::int64_t group_cap = data.alerts_max > 0 ? std::min(e.max_signals, data.alerts_max) : e.max_signals;
  auto wrapped = make_suppressing_runner(std::move(copy), std::move(*inner),
                                         std::make_unique<AlertSuppressor>(std::move(s), mode, std::max<std::int64_t>(group_cap, 1)),
                                         group_cap);
  if (span) wrapped->explain_misses = false;
  return wrapped;
}

// Options given for a kind of rule this one is not: read by nothing, which the run says.
std::vector<std::string> unused_option_notes(const LoadedRule& rule, const DataOptions& data) {
  std::vector<std::string> notes;
  const std::string what = rule.sentinel ? "a Sentinel rule" : rule.kind == Kind::ElasticKuery ? "a kuery rule"
                         : rule.kind == Kind::ElasticEql ? "an EQL rule" : "this rule";
  if (!data.completions.empty() && rule.kind != Kind::ElasticEsql)
    notes.push_back("--completion is not used: only an ES|QL rule's COMPLETION reads it, and this is " + what);
  if (!rule.sentinel) {
    if (!data.watchlists.empty()) notes.push_back("--watchlist is not used: only Sentinel rules read watchlists (_GetWatchlist)");
    if (!data.functions.empty()) notes.push_back("--function is not used: only Sentinel rules call workspace functions");
    if (!data.external.empty()) notes.push_back("--external is not used: only Sentinel rules read externaldata");
  }
  return notes;
}

// A runner over a rule it owns (a copy with something attached: value lists, a capped
// max_signals), or (rule null) over the caller's rule, adding warnings and notes to each run.
class OwningRunner : public Runner {
 public:
  OwningRunner(std::unique_ptr<LoadedRule> rule, std::unique_ptr<Runner> inner, std::vector<std::string> warnings,
               std::vector<std::string> notes)
      : rule_(std::move(rule)), inner_(std::move(inner)), warnings_(std::move(warnings)), notes_(std::move(notes)) {
    explain_misses = inner_->explain_misses;
  }
  Result<RunResult> run(DateTime now) override {
    inner_->explain_misses = explain_misses;
    inner_->light_alerts = light_alerts;
    inner_->skip_earlier_alerts = skip_earlier_alerts;
    auto r = inner_->run(now);
    unsupported = inner_->unsupported;
    if (r) {
      r->warnings.insert(r->warnings.begin(), warnings_.begin(), warnings_.end());
      for (const auto& n : notes_) r->notes.push_back(n);
    }
    return r;
  }

 private:
  std::unique_ptr<LoadedRule> rule_;  // what inner_ runs (declared first: destroyed after inner_)
  std::unique_ptr<Runner> inner_;
  std::vector<std::string> warnings_;
  std::vector<std::string> notes_;
};
}  // namespace

std::optional<std::string> cap_max_signals(LoadedRule& rule, std::int64_t alerts_max) {
  if (!rule.elastic || alerts_max <= 0 || rule.elastic->max_signals <= alerts_max) return std::nullopt;
  const std::int64_t asked = rule.elastic->max_signals;
  // (Kibana's words, and the setting that lowers it.)
  std::string w = "The rule's max alerts per run setting (" + std::to_string(asked) + ") is greater than the Kibana alerting limit (" +
                  std::to_string(alerts_max) + "). The rule will only write a maximum of " + std::to_string(alerts_max) +
                  " alerts per rule run. (xpack.alerting.rules.run.alerts.max; --alerts-max N models another setting)";
  // Kibana's EQL executor searches with the rule's own max_signals (`size: ruleParams.maxSignals`)
  // and writes every alert the search returns (bulkCreate without a maximum): the warning is
  // recorded, the cap is not applied.
  if (rule.kind == Kind::ElasticEql && rule.elastic->alert_suppression)
    return w + " (Kibana's EQL executor searches with the rule's own max_signals, " + std::to_string(asked) +
           " events; alert suppression then writes at most " + std::to_string(alerts_max) + " alerts.)";
  if (rule.kind == Kind::ElasticEql)
    return w + " Kibana records this warning for EQL rules too, but its EQL executor searches with the rule's own max_signals (" +
           std::to_string(asked) + ") and writes every alert the search returns, so this run does too.";
  rule.elastic->max_signals = alerts_max;
  rule.policy.max_signals = alerts_max;
  return w;
}

Result<std::unique_ptr<Runner>> make_runner(const LoadedRule& rule, const DataOptions& data,
                                            std::optional<std::pair<DateTime, DateTime>> span) {
  std::vector<std::string> notes = unused_option_notes(rule, data);
  std::vector<std::string> warnings;
  std::unique_ptr<LoadedRule> copy;
  if (!data.value_lists.empty()) {
    // Every --value-list is read (a bad one is an error whatever the rule); ids no entry names are noted.
    std::vector<std::string> unused;
    auto attached = with_value_lists(rule, data.value_lists, &unused);
    if (!attached) return attached.error();
    copy = std::make_unique<LoadedRule>(std::move(*attached));
    for (const auto& id : unused) notes.push_back("--value-list " + id + ": no exception entry of the rule names this list");
  }
  if (rule.elastic && data.alerts_max > 0 && rule.elastic->max_signals > data.alerts_max) {
    if (!copy) copy = std::make_unique<LoadedRule>(rule);
    if (auto w = cap_max_signals(*copy, data.alerts_max)) warnings.push_back(*w);
  }
  auto r = make_rule_runner(copy ? *copy : rule, data, span);
  if (!r || (notes.empty() && warnings.empty() && !copy)) return r;
  return std::unique_ptr<Runner>(std::make_unique<OwningRunner>(std::move(copy), std::move(*r), std::move(warnings), std::move(notes)));
}

namespace {
Result<std::unique_ptr<Runner>> make_rule_runner(const LoadedRule& rule, const DataOptions& data,
                                                 std::optional<std::pair<DateTime, DateTime>> span) {
  if (rule.elastic && rule.elastic->alert_suppression &&
      (rule.kind == Kind::ElasticKuery || rule.kind == Kind::ElasticEql || rule.kind == Kind::ElasticEsql))
    if (auto mode = suppression_mode(*rule.elastic)) return make_suppressing(rule, data, span, *mode);
  Result<std::unique_ptr<Runner>> r = Error("no runner");
  switch (rule.kind) {
    case Kind::SentinelScheduled:
    case Kind::SentinelNrt:
    case Kind::SentinelHunting: r = make_sentinel_runner(rule, data, span); break;
    case Kind::ElasticKuery: r = make_kuery_runner(rule, data); break;
    case Kind::ElasticEql: r = make_eql_runner(rule, data); break;
    case Kind::ElasticEsql: r = make_esql_runner(rule, data); break;
    case Kind::ElasticOther: {
      const auto& e = *rule.elastic;
      return Error("\"" + e.name + "\": rules of type " + e.type_name + (e.language_name.empty() ? "" : " in " + e.language_name) +
                       " cannot be run by rulelab",
                   rule.path);
    }
  }
  if (r && span) (*r)->explain_misses = false;
  return r;
}
}  // namespace

std::vector<std::string> unmatched_data(const LoadedRule& rule, const DataOptions& data) {
  std::vector<std::string> out;
  std::set<std::string> given;
  for (const auto& d : data.data) given.insert(d.name);
  if (rule.sentinel) {
    kusto::ParseOptions po;
    po.location = rule.sentinel->location;
    auto q = kusto::parse_query(rule.sentinel->query, po);
    if (!q) return out;
    std::set<std::string> strings = engine::query_strings(q.value());
    const std::vector<std::string> names = builtin_schema_names();
    const std::set<std::string> tables(names.begin(), names.end());
    for (const auto& s : strings)
      if (tables.count(s) && !given.count(s)) out.push_back(s);
    return out;
  }
  if (rule.elastic) {
    std::vector<std::string> patterns = rule.elastic->index.empty() ? kuery::default_security_indices() : rule.elastic->index;
    if (rule.elastic->type == elastic::RuleType::Esql) {
      // An ES|QL rule reads the indices its FROM names (Kibana ignores `index` for it).
      auto q = esql::parse_query(rule.elastic->query);
      if (!q) return out;
      patterns.clear();
      for (const auto& c : q->commands)
        if (c.kind == esql::CommandKind::From) patterns.insert(patterns.end(), c.indices.begin(), c.indices.end());
      if (patterns.empty()) return out;  // ROW
    }
    bool any = false;
    for (const auto& d : data.data) any = any || !d.named || kuery::index_selected(patterns, d.name);
    if (!any) {
      std::string p;
      for (const auto& x : patterns) p += (p.empty() ? "" : ",") + x;
      out.push_back(p);
    }
  }
  return out;
}

}  // namespace rulelab::app
