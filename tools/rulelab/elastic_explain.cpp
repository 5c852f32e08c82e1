// rulelab explain (Elastic kuery rules): why one document did or did not match. The rule's index
// patterns, its look-back window (timestamp_override with fallback), then each clause of the query
// (the operands of its top-level `and`/`or`) judged on the document as Elasticsearch would, with the
// values the document holds at the clause's field and that field's mapping type.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.hpp"
#include "core/datetime.hpp"
#include "core/ingest.hpp"
#include "core/paths.hpp"
#include "kql/elastic_rule.hpp"
#include "kql/elastic_runner.hpp"
#include "kql/field_types.hpp"
#include "kql/kuery_ast.hpp"
#include "kql/matcher.hpp"
#include "schedule.hpp"
#include "sentinel_workspace.hpp"

namespace rulelab::cli {

using nlohmann::ordered_json;

namespace {

void clauses_of(const kql::Node& n, std::vector<const kql::Node*>& out, std::string& joiner) {
  if ((n.kind == kql::Node::Kind::And || n.kind == kql::Node::Kind::Or) && n.children.size() > 1) {
    joiner = n.kind == kql::Node::Kind::And ? "and" : "or";
    for (const auto& c : n.children) out.push_back(c.get());
    return;
  }
  out.push_back(&n);
}

}  // namespace

int explain_elastic(const ExplainArgs& a) {
  auto loaded = kql::load_elastic_file(a.rule);
  if (!loaded) { std::cerr << loaded.error().format() << "\n"; return 1; }
  if (loaded->empty()) { std::cerr << a.rule << ": no rule\n"; return 1; }
  const kql::ElasticRule& rule = loaded->front();
  if (rule.language == kql::QueryLanguage::Eql) {
    std::ifstream in(a.rule, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return explain_elastic_eql(a, rule, text.str());
  }
  if (rule.language != kql::QueryLanguage::Kuery) {
    std::cerr << a.rule << ": explain covers Kibana KQL (kuery) and EQL rules; this rule's language is " << kql::to_string(rule.language)
              << " (rulelab run --format json shows its matches)\n";
    return 2;
  }
  std::string now_err;
  const DateTime now{now_ticks(a.now, now_err)};
  if (!now_err.empty()) {
    std::cerr << now_err << "\n";
    return 2;
  }
  kql::FieldTypes types = kql::FieldTypes::builtin();
  if (!a.mapping.empty()) {
    std::ifstream in(a.mapping, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto n = types.add_mapping_json(ss.str(), a.mapping);
    if (!n) { std::cerr << n.error().format() << "\n"; return 1; }
  }
  const auto window = kql::rule_window(rule, now);
  auto found = find_event(a.event, a.data, window ? window->timestamp_field : "@timestamp", true);
  if (!found) { std::cerr << found.error().format() << "\n"; return 2; }
  IngestOptions opt;
  opt.documents = true;
  auto res = ingest_file(found->file, opt);
  if (!res) { std::cerr << res.error().format() << "\n"; return 1; }
  kql::IndexFields fields(types);
  DynRef doc;
  for (const auto& b : res->table.batches)
    for (std::size_t i = 0; i < b.rows(); ++i) {
      fields.observe(b.columns[0].get_dynamic(i));
      if (b.sources[i].line == found->line) doc = b.columns[0].get_dynamic(i);
    }

  ordered_json j = ordered_json::object();
  j["rule"] = rule.name;
  j["now"] = format_datetime(now);
  j["event"] = {{"file", found->file}, {"line", found->line}, {"index", found->table}};
  const auto& patterns = rule.index.empty() ? kql::default_security_indices() : rule.index;
  const bool index_ok = kql::index_selected(patterns, found->table);
  j["index"] = {{"patterns", patterns}, {"selected", index_ok}};
  bool in_window = true;
  if (window) {
    const auto t = kql::event_time(doc, *window);
    in_window = t && t->ticks >= window->from.ticks && t->ticks <= window->to.ticks;
    j["window"] = {{"from", format_datetime(window->from)}, {"to", format_datetime(window->to)}, {"field", window->timestamp_field},
                   {"event_time", t ? format_datetime(*t) : "none"}, {"contains_event", in_window}};
    // The scheduled runs (every interval) whose look-back window [now+from, now] holds the event.
    if (t) {
      const std::int64_t look_back = now.ticks - window->from.ticks;
      j["window"]["runs_that_see_it"] = {{"from", format_datetime(*t)}, {"to", format_datetime(DateTime{t->ticks + look_back})}};
      j["window"]["interval"] = rule.interval;
    }
  }
  auto parsed = kql::parse_kuery(rule.query);
  if (!parsed.query) { std::cerr << a.rule << ": the query does not parse: " << parsed.failure->message << "\n"; return 1; }
  const kql::Query& q = *parsed.query;
  std::vector<const kql::Node*> parts;
  std::string joiner;
  clauses_of(*q.root, parts, joiner);
  ordered_json clauses = ordered_json::array();
  for (const kql::Node* n : parts) {
    auto compiled = kql::CompiledQuery::compile(*n, fields, now);
    std::string text = q.text.substr(n->range.begin, n->range.end - n->range.begin);
    const kql::Node* target = n->kind == kql::Node::Kind::Not && !n->children.empty() ? n->children.front().get() : n;
    // A value list `f:(a or b)` is an `or` of clauses on one field: show the field with it.
    while (!target->field && !target->children.empty()) target = target->children.front().get();
    if (target->field && text.find(target->field->text) == std::string::npos) text = target->field->text + ":(" + text + ")";
    ordered_json c{{"clause", text}, {"matches", compiled.matches(doc)}};
    if (target->field) {
      ordered_json fj = ordered_json::array();
      const std::string name = target->field->text;
      std::vector<std::string> names = target->field->is_wildcard() ? fields.expand(name) : std::vector<std::string>{name};
      for (const auto& f : names) {
        const kql::ResolvedField rf = fields.resolve(f);
        ordered_json vals = ordered_json::array();
        for (DynRef v : values_at(doc, rf.source_path)) vals.push_back(v.is_string() ? std::string(v.as_string()) : to_json(v));
        fj.push_back({{"field", f}, {"type", rf.mapping.type_name}, {"mapping", std::string(kql::to_string(rf.origin))}, {"values", vals}});
      }
      c["fields"] = fj;
    }
    for (const auto& e : compiled.errors()) c["error"] = e.message;
    clauses.push_back(std::move(c));
  }
  auto whole = kql::CompiledQuery::compile(*q.root, fields, now);
  const bool matches = whole.matches(doc);
  j["query"] = {{"joined_by", joiner.empty() ? "single clause" : joiner}, {"clauses", clauses}, {"matches", matches}};
  // The whole rule as `rulelab run` runs it (filters, exception items, max_signals, threshold /
  // new_terms grouping): did this document become an alert?
  std::vector<Table> tables;
  std::vector<kql::IndexDocs> indices;
  for (const auto& spec : a.data) {
    auto [name, file] = split_data_spec(spec, true);
    IngestOptions o;
    o.documents = true;
    o.table = name;
    auto r = ingest_file(file, o);
    if (!r) { std::cerr << r.error().format() << "\n"; return 1; }
    tables.push_back(std::move(r->table));
    auto it = std::find_if(indices.begin(), indices.end(), [&, n = name](const kql::IndexDocs& x) { return x.name == n; });
    if (it == indices.end()) {
      indices.push_back({name, {}});
      it = indices.end() - 1;
    }
    for (const auto& b : tables.back().batches)
      for (std::size_t i = 0; i < b.rows(); ++i) it->docs.push_back({b.columns[0].get_dynamic(i), file, b.sources[i].line});
  }
  std::ifstream rule_in(a.rule, std::ios::binary);
  std::stringstream rule_text;
  rule_text << rule_in.rdbuf();
  const kql::ElasticRunResult run = kql::run_elastic_rule(rule, rule_text.str(), indices, types, now);
  auto is_event = [&](const kql::DocRef* d) { return d && d->file == found->file && d->line == found->line; };
  const bool in_hits = std::any_of(run.hits.begin(), run.hits.end(), [&](const auto& h) { return is_event(h.doc); });
  const bool alerted = std::any_of(run.alerts.begin(), run.alerts.end(), [&](const auto& al) { return is_event(al.doc); });
  const bool grouped = rule.type == kql::RuleType::Threshold || rule.type == kql::RuleType::NewTerms;
  std::string verdict;
  if (!index_ok) verdict = "the rule does not read this index";
  else if (!in_window) verdict = "outside the rule's look-back window";
  else if (!matches) verdict = "the query does not match the document";
  else if (!in_hits) {
    verdict = "the query matches, but the rule's filters remove it";
    const std::string me = found->file + ":" + std::to_string(found->line) + " by ";
    for (const auto& by : run.suppressed_by)
      if (by.rfind(me, 0) == 0) verdict = "the query matches, but " + by.substr(me.size()) + " removes it: no alert";
  }
  else if (grouped)
    verdict = std::string("the query matches; this ") + std::string(kql::to_string(rule.type)) + " rule alerts on groups of events: " +
              (alerted ? "the event is the first of an alerting group" : "the run raised " + std::to_string(run.alerts.size()) +
                                                                         " alert(s), none led by this event (rulelab run shows the groups)");
  else if (!alerted)
    verdict = "the query matches, but this run already reached max_signals (" + std::to_string(rule.max_signals) + ") with earlier events: no alert for it in this run";
  else verdict = "the query matches: an alert";
  j["led_to_alert"] = alerted;
  j["verdict"] = verdict;
  if (a.format == "json") {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << "event:  " << found->file << ":" << found->line << "  (index " << found->table << ")\nrule:   " << rule.name
            << "\nnow:    " << j["now"].get<std::string>() << "\n";
  std::cout << "index:  " << (index_ok ? "read by the rule (" : "NOT read by the rule (patterns ") << j["index"]["patterns"].dump() << ")\n";
  if (window)
    std::cout << "window: [" << j["window"]["from"].get<std::string>() << ", " << j["window"]["to"].get<std::string>() << "] by "
              << window->timestamp_field << "; the event's time " << j["window"]["event_time"].get<std::string>() << " is "
              << (in_window ? "inside" : "OUTSIDE") << "\n";
  if (window && j["window"].contains("runs_that_see_it"))
    std::cout << "        runs every " << rule.interval << "; the scheduled runs whose window holds it run between "
              << j["window"]["runs_that_see_it"]["from"].get<std::string>() << " and " << j["window"]["runs_that_see_it"]["to"].get<std::string>()
              << "\n";
  std::cout << "result: " << j["verdict"].get<std::string>() << "\n\nquery clauses (" << j["query"]["joined_by"].get<std::string>() << "):\n";
  for (const auto& c : clauses) {
    std::cout << "  " << (c["matches"].get<bool>() ? "+" : "x") << " " << c["clause"].get<std::string>() << "\n";
    if (c.contains("fields")) {
      if (c["fields"].empty()) std::cout << "      no field of the index matches this name\n";
      for (const auto& f : c["fields"])
        std::cout << "      " << f["field"].get<std::string>() << " (" << f["type"].get<std::string>() << ", " << f["mapping"].get<std::string>()
                  << "): " << (f["values"].empty() ? "absent" : f["values"].dump()) << "\n";
    }
    if (c.contains("error")) std::cout << "      Elasticsearch would reject it: " << c["error"].get<std::string>() << "\n";
  }
  return 0;
}

}  // namespace rulelab::cli
