// Explain for Elastic kuery rules (see explain_elastic.hpp).
#include "app/explain_elastic.hpp"

#include "app/alert_suppression.hpp"

#include <algorithm>

#include "app/elastic_data.hpp"
#include "core/limits.hpp"
#include "core/paths.hpp"
#include "kuery/runner.hpp"
#include "elastic/field_types.hpp"
#include "kuery/ast.hpp"
#include "kuery/matcher.hpp"

namespace rulelab::app {

namespace {

// The operands of the query's top-level `and`/`or`, or the query itself.
void clauses_of(const kuery::Node& n, std::vector<const kuery::Node*>& out, std::string& joiner) {
  if ((n.kind == kuery::Node::Kind::And || n.kind == kuery::Node::Kind::Or) && n.children.size() > 1) {
    joiner = n.kind == kuery::Node::Kind::And ? "and" : "or";
    for (const auto& c : n.children) out.push_back(c.get());
    return;
  }
  out.push_back(&n);
}

KueryClause judge_clause(const kuery::Query& q, const kuery::Node& n, const elastic::IndexFields& fields, DynRef doc, DateTime now) {
  auto compiled = kuery::CompiledQuery::compile(n, fields, now);
  KueryClause c;
  c.text = q.text.substr(n.range.begin, n.range.end - n.range.begin);
  const kuery::Node* target = n.kind == kuery::Node::Kind::Not && !n.children.empty() ? n.children.front().get() : &n;
  // A value list `f:(a or b)` is an `or` of clauses on one field: show the field with it.
  while (!target->field && !target->children.empty()) target = target->children.front().get();
  if (target->field && c.text.find(target->field->text) == std::string::npos) c.text = target->field->text + ":(" + c.text + ")";
  c.matches = compiled.matches(doc);
  if (target->field) {
    c.has_field = true;
    const std::string name = target->field->text;
    const std::vector<std::string> names = target->field->is_wildcard() ? fields.expand(name) : std::vector<std::string>{name};
    for (const auto& f : names) {
      const elastic::ResolvedField rf = fields.resolve(f);
      KueryFieldValues fv{f, rf.mapping.type_name, std::string(elastic::to_string(rf.origin)), {}};
      for (DynRef v : values_at(doc, rf.source_path)) fv.values.push_back(v.is_string() ? std::string(v.as_string()) : to_json(v));
      c.fields.push_back(std::move(fv));
    }
  }
  for (const auto& e : compiled.errors()) c.error = e.message;
  return c;
}

}  // namespace

KueryExplanation explain_kuery(const LoadedRule& given, const DataOptions& data, const std::string& event_selector, DateTime now) {
  KueryExplanation x;
  x.now = now;
  // The rule as Kibana runs it: max_signals within xpack.alerting.rules.run.alerts.max.
  LoadedRule loaded = given;
  if (auto w = cap_max_signals(loaded, data.alerts_max)) x.messages.push_back("warning: " + *w);
  auto fail = [&x](ExplainStatus s, std::string message) {
    x.status = s;
    x.messages.push_back(std::move(message));
    return x;
  };
  if (!loaded.elastic) return fail(ExplainStatus::Refused, loaded.path + ": not an Elastic rule");
  const elastic::ElasticRule& rule = *loaded.elastic;
  if (loaded.kind != Kind::ElasticKuery)
    return fail(ExplainStatus::Refused, loaded.path + ": explain covers Kibana KQL (kuery) and EQL rules; this rule's language is " +
                                            std::string(elastic::to_string(rule.language)) + " (rulelab run --format json shows its matches)");
  x.rule_name = rule.name;
  x.interval = rule.interval;

  // The same field types and documents `run` reads.
  if (!data.index_mappings.empty()) return fail(ExplainStatus::Failed, "--mapping INDEX=FILE gives one index its own mapping for ES|QL and EQL rules; a Kibana KQL rule takes one mapping FILE for all its indices");
  auto types = load_field_types(data.mapping);
  if (!types) return fail(ExplainStatus::Failed, types.error().format());
  x.window = loaded.window_at(now);
  auto found = find_event(event_selector, data.data, x.window ? x.window->field : "@timestamp", true);
  if (!found) return fail(ExplainStatus::Refused, found.error().format());
  x.event = *found;
  auto docs = load_elastic_docs(data.data, data.strict);
  if (!docs) return fail(ExplainStatus::Failed, docs.error().format());
  x.warnings = docs->warnings;

  // The event's document, and the fields of its index as Elasticsearch maps them.
  elastic::IndexFields fields(*types);
  DynRef doc;
  for (const auto& ix : docs->indices) {
    if (ix.name != x.event.table) continue;
    for (const auto& d : ix.docs) {
      fields.observe(d.source);
      if (d.file == x.event.file && d.line == x.event.line) doc = d.source;
    }
  }

  x.index_patterns = rule.index.empty() ? kuery::default_security_indices() : rule.index;
  x.index_selected = kuery::index_selected(x.index_patterns, x.event.table);
  if (x.window) {
    kuery::RuleWindow rw;
    rw.from = x.window->from;
    rw.to = x.window->to;
    rw.timestamp_field = x.window->field;
    rw.fallback = !rule.timestamp_override_fallback_disabled;
    x.event_time = kuery::event_time(doc, rw);
    x.in_window = x.event_time && x.window->contains(*x.event_time);
    // The scheduled runs (every interval) whose look-back window [now+from, now] holds the event.
    if (x.event_time) {
      const std::int64_t look_back = now.ticks - x.window->from.ticks;
      x.runs_that_see_it = std::make_pair(*x.event_time, DateTime{x.event_time->ticks + look_back});
    }
  }

  auto parsed = kuery::parse_kuery(rule.query);
  if (!parsed.query) return fail(ExplainStatus::Failed, loaded.path + ": the query does not parse: " + parsed.failure->message);
  const kuery::Query& q = *parsed.query;
  std::vector<const kuery::Node*> parts;
  std::string joiner;
  clauses_of(*q.root, parts, joiner);
  for (const kuery::Node* n : parts) x.clauses.push_back(judge_clause(q, *n, fields, doc, now));
  x.joined_by = joiner.empty() ? "single clause" : joiner;
  x.query_matches = kuery::CompiledQuery::compile(*q.root, fields, now).matches(doc);

  // The whole rule as `run` runs it (filters, exception items, max_signals, threshold / new_terms
  // grouping): did this document become an alert?
  const kuery::ElasticRunResult run =
      kuery::run_elastic_rule(rule, loaded.text, docs->indices, *types, now, Deadline::after(data.limits.timeout_seconds));
  auto is_event = [&](const kuery::DocRef* d) { return d && d->file == x.event.file && d->line == x.event.line; };
  const bool in_hits = std::any_of(run.hits.begin(), run.hits.end(), [&](const auto& h) { return is_event(h.doc); });
  x.led_to_alert = std::any_of(run.alerts.begin(), run.alerts.end(), [&](const auto& al) { return is_event(al.doc); });
  const bool grouped = rule.type == elastic::RuleType::Threshold || rule.type == elastic::RuleType::NewTerms;
  if (!x.index_selected) {
    x.verdict = "the rule does not read this index";
  } else if (!x.in_window) {
    x.verdict = "outside the rule's look-back window";
  } else if (!x.query_matches) {
    x.verdict = "the query does not match the document";
  } else if (!in_hits) {
    x.verdict = "the query matches, but the rule's filters remove it";
    const std::string me = x.event.file + ":" + std::to_string(x.event.line) + " by ";
    for (const auto& by : run.suppressed_by)
      if (by.rfind(me, 0) == 0) x.verdict = "the query matches, but " + by.substr(me.size()) + " removes it: no alert";
  } else if (grouped) {
    x.verdict = std::string("the query matches; this ") + std::string(elastic::to_string(rule.type)) + " rule alerts on groups of events: " +
                (x.led_to_alert ? "the event is the first of an alerting group"
                                : "the run raised " + std::to_string(run.alerts.size()) +
                                      " alert(s), none led by this event (rulelab run shows the groups)");
  } else if (!x.led_to_alert) {
    x.verdict = "the query matches, but this run already reached max_signals (" + std::to_string(rule.max_signals) +
                ") with earlier events: no alert for it in this run";
  } else {
    x.verdict = "the query matches: an alert";
    if (auto fate = suppression_fate(loaded, data, now, x.event.file + ":" + std::to_string(x.event.line), x.led_to_alert))
      x.verdict = "the query matches: " + *fate;
  }
  return x;
}

}  // namespace rulelab::app
