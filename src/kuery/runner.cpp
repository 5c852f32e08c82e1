#include "kuery/runner.hpp"
#include "elastic/coerce.hpp"

#include <algorithm>
#include <atomic>
#include <map>
#include <set>

#include "core/datetime.hpp"
#include "core/parallel.hpp"
#include "core/paths.hpp"
#include "core/selection.hpp"
#include "elastic/exceptions.hpp"
#include "kuery/ast.hpp"
#include "kuery/matcher.hpp"

namespace rulelab::kuery {

using namespace rulelab::elastic;

const std::vector<std::string>& default_security_indices() {
  static const std::vector<std::string> kDefault = {"apm-*-transaction*", "auditbeat-*", "endgame-*", "filebeat-*", "logs-*",
                                                    "packetbeat-*", "traces-apm*", "winlogbeat-*", "-*elastic-cloud-logs-*"};
  return kDefault;
}

bool index_selected(const std::vector<std::string>& patterns, std::string_view index) {
  bool in = false;
  for (const auto& entry : patterns) {
    std::size_t b = 0;
    while (b <= entry.size()) {
      auto e = entry.find(',', b);
      if (e == std::string::npos) e = entry.size();
      std::string p = entry.substr(b, e - b);
      b = e + 1;
      while (!p.empty() && p.front() == ' ') p.erase(0, 1);
      while (!p.empty() && p.back() == ' ') p.pop_back();
      if (p.empty()) continue;
      const bool exclude = p[0] == '-';
      if (exclude) p.erase(0, 1);
      if (auto colon = p.find(':'); colon != std::string::npos) p = p.substr(colon + 1);  // remote cluster prefix
      if (field_pattern_matches(p, index)) in = !exclude;
    }
  }
  return in;
}

std::optional<RuleWindow> rule_window(const ElasticRule& rule, DateTime now) {
  auto from = eval_date_math(rule.from, now), to = eval_date_math(rule.to.empty() ? "now" : rule.to, now, true);
  if (!from || !to) return std::nullopt;
  RuleWindow w;
  w.from = *from;
  w.to = *to;
  w.timestamp_field = rule.timestamp_override.empty() ? "@timestamp" : rule.timestamp_override;
  w.fallback = !rule.timestamp_override_fallback_disabled;
  return w;
}

namespace {

std::string format_issue(const ElasticRule& r, std::string_view text, const QueryIssue& i, const char* what) {
  return query_error(r, text, i.range.begin, std::string(what) + i.message).format();
}

// Field names a query reads (Is and Range nodes; a wildcard name expanded over the index's fields;
// inside a nested query, relative to its path).
void query_field_names(const Node& n, const IndexFields& fields, const std::string& prefix, std::vector<std::string>& out) {
  if ((n.kind == Node::Kind::Is || n.kind == Node::Kind::Range) && n.field) {
    const std::string name = prefix + n.field->text;
    if (n.field->is_wildcard()) {
      for (auto& f : fields.expand(name))
        if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(std::move(f));
    } else if (std::find(out.begin(), out.end(), name) == out.end()) {
      out.push_back(name);
    }
  }
  const std::string inner = n.kind == Node::Kind::Nested && n.field ? prefix + n.field->text + "." : prefix;
  for (const auto& c : n.children) query_field_names(*c, fields, inner, out);
}

// Notes on the values of the fields the query reads that their type cannot take: read as missing,
// as Elasticsearch indexes them where the index ignores malformed values (the count, the first
// value and its line, per index and field; as EQL and ES|QL say it).
void malformed_notes(const Node& root, const IndexFields& fields, const std::string& index, const std::vector<DocRef>& docs,
                     std::size_t unread, const std::function<void(std::string)>& note) {
  std::vector<std::string> names;
  query_field_names(root, fields, "", names);
  for (const auto& name : names) {
    const ResolvedField rf = fields.resolve(name);
    const FieldType t = rf.mapping.type;
    if (rf.origin != MappingOrigin::Unmapped && t == FieldType::ConstantKeyword && !rf.mapping.constant_value.empty()) {
      // Documents holding another value: Elasticsearch refuses them; the run reads them with the
      // index's value.
      MalformedCount other;
      for (const auto& d : docs) {
        std::optional<std::string> first;
        for_each_value_at(d.source, rf.source_path, [&](DynRef v) {
          const auto s = keyword_text(v);
          if (!first && s && *s != rf.mapping.constant_value) first = to_json(v);
        });
        if (first) other.add(d.line, *first);
      }
      if (other.values) note(constant_conflict_note(index, name, rf.mapping.constant_value, other, unread));
      continue;
    }
    if (rf.origin == MappingOrigin::Unmapped || !(is_numeric(t) || t == FieldType::Date || t == FieldType::DateNanos ||
                                                  t == FieldType::Ip || t == FieldType::Boolean))
      continue;
    MalformedCount bad;
    for (const auto& d : docs)
      for_each_value_at(d.source, rf.source_path, [&](DynRef v) {
        if (doc_value_malformed(v, rf.mapping)) bad.add(d.line, to_json(v));
      });
    if (bad.values) note(malformed_note(index, name, rf.mapping.type_name, bad, rf.mapping.date_format.get(), unread));
  }
}

// Narrows `sel` (rows of `docs`) to the rows `q` matches. With `verdicts`, a row whose document the
// read filter judged matched by this very query (matched(row): DocRef::matched, see
// IndexDocs::matched_query) keeps that verdict, and only the other rows are evaluated. `taken`:
// scratch.
template <class Matched>
void select_query(const CompiledQuery& q, std::span<const DynRef> docs, bool verdicts, Matched&& matched, SelectionVector& sel,
                  SelectionVector& taken) {
  taken.clear();
  if (verdicts)
    selection_keep_if(sel, [&](std::uint32_t r) {
      if (!matched(r)) return true;
      taken.push_back(r);
      return false;
    });
  if (!sel.empty()) q.select(docs, sel);
  selection_unite(sel, taken);
}

std::optional<DateTime> doc_time(DynRef doc, const std::string& field, bool fallback) {
  // The first value that reads as a date (the rest of the document is not read).
  std::optional<DateTime> t;
  auto first_date = [&](DynRef v) {
    t = doc_date(v, false);
    return t.has_value();
  };
  if (!any_value_at(doc, field, first_date) && fallback && field != "@timestamp") any_value_at(doc, "@timestamp", first_date);
  return t;
}

// Values of a field as the terms aggregation sees them (keyword text), deduplicated per document.
std::vector<std::string> term_values(DynRef doc, const std::string& field) {
  std::vector<std::string> out;
  for_each_value_at(doc, field, [&](DynRef v) {
    auto s = keyword_text(v);
    if (s && std::find(out.begin(), out.end(), *s) == out.end()) out.push_back(*s);
  });
  return out;
}

// Every combination of the values of several fields (empty when one field is missing).
std::vector<std::vector<std::string>> combinations(DynRef doc, const std::vector<std::string>& fields) {
  std::vector<std::vector<std::string>> out{{}};
  for (const auto& f : fields) {
    const auto vals = term_values(doc, f);
    std::vector<std::vector<std::string>> next;
    for (const auto& prefix : out)
      for (const auto& v : vals) {
        auto c = prefix;
        c.push_back(v);
        next.push_back(std::move(c));
        if (next.size() > 10000) break;
      }
    out = std::move(next);
  }
  return out;
}

}  // namespace

std::optional<DateTime> event_time(DynRef doc, const RuleWindow& w) { return doc_time(doc, w.timestamp_field, w.fallback); }

namespace {
// The fields an index's own mapping leaves to dynamic mapping, added to the run's list once (the
// note names what each index's mapping, a data stream's or the alerts index's, does not type).
void add_dynamic_fields(ElasticRunResult& res, const IndexFields& fields) {
  for (auto& f : fields.dynamic_fields())
    if (std::find(res.dynamic_fields.begin(), res.dynamic_fields.end(), f) == res.dynamic_fields.end()) res.dynamic_fields.push_back(f);
}
}  // namespace

namespace {
// Indicator match: the events already selected (res.hits) against the indicator documents of the
// threat indices that match threat_query and threat_filters. Kibana builds, per indicator, a bool
// query of term clauses (entries of a mapping group AND-ed, groups OR-ed): exact values.
void threat_match(const ElasticRule& rule, std::string_view text, const std::vector<IndexDocs>& data, const FieldTypes& types,
                  DateTime now, ElasticRunResult& res) {
  const ThreatMatch tm = rule.threat_match.value_or(ThreatMatch{});
  if (tm.language != "kuery") {
    res.errors.push_back(rule.file + ": threat_language \"" + tm.language + "\" is not supported (kuery is)");
    return;
  }
  auto parsed = parse_kuery(tm.query);
  if (!parsed.query) {
    res.errors.push_back(rule.file + ": threat_query: KQL syntax error at offset " + std::to_string(parsed.failure->offset) + ": " +
                         parsed.failure->message);
    return;
  }
  IndexFields data_view(types);
  std::vector<const IndexDocs*> threat_indices;
  for (const auto& d : data)
    if (index_selected(tm.index, d.name)) {
      threat_indices.push_back(&d);
      for (const auto& doc : d.docs) data_view.observe(doc.source, doc.shape);
    }
  if (threat_indices.empty()) res.notes.push_back("no data matches threat_index: no indicators, no alerts");
  struct Indicator {
    std::string index;
    const DocRef* doc;
  };
  std::vector<Indicator> indicators;
  for (const auto* ix : threat_indices) {
    IndexFields fields(types, ix->name);
    fields.set_data_view(&data_view);
    for (const auto& d : ix->docs) fields.observe(d.source, d.shape);
    CompiledQuery q = CompiledQuery::compile(*parsed.query->root, fields, now);
    for (const auto& e : q.errors()) res.errors.push_back(rule.file + ": threat_query: Elasticsearch would reject it: " + e.message);
    std::vector<std::pair<CompiledQuery, bool>> filters;
    for (const auto& f : tm.filters) {
      if (!f.is_object() || f.value("meta", nlohmann::json::object()).value("disabled", false)) continue;
      nlohmann::json fq = f.contains("query") ? f["query"] : f;
      if (!f.contains("query")) {
        fq.erase("meta");
        fq.erase("$state");
      }
      CompiledQuery c = CompiledQuery::compile_dsl(fq, fields, now);
      for (const auto& e : c.errors()) res.errors.push_back(rule.file + ": threat filter: " + e.message);
      filters.push_back({std::move(c), f.value("meta", nlohmann::json::object()).value("negate", false)});
    }
    // The threat query, then each filter (a negated one removes what it matches), a batch at a time.
    std::vector<DynRef> refs;
    SelectionVector sel;
    for (std::size_t at = 0; at < ix->docs.size(); at += kBatchRows) {
      const std::size_t k = std::min(kBatchRows, ix->docs.size() - at);
      refs.clear();
      for (std::size_t i = at; i < at + k; ++i) refs.push_back(ix->docs[i].source);
      sel = selection_all(k);
      q.select(refs, sel);
      select_filters(filters, refs, sel);
      for (const std::uint32_t r : sel) indicators.push_back({ix->name, &ix->docs[at + r]});
    }
  }
  (void)text;
  const std::size_t cap = rule.max_signals > 0 ? static_cast<std::size_t>(rule.max_signals) : 0;
  std::vector<ElasticRunResult::Hit> kept;
  for (const auto& h : res.hits) {
    nlohmann::json matched = nlohmann::json::array();
    for (const auto& ind : indicators)
      for (const auto& group : tm.mapping) {
        if (group.empty()) continue;
        bool all = true;
        nlohmann::json atoms = nlohmann::json::array();
        for (const auto& e : group) {
          const auto ev = term_values(h.doc->source, e.field);
          const auto iv = term_values(ind.doc->source, e.value);
          auto hit = std::find_if(ev.begin(), ev.end(), [&](const std::string& v) { return std::find(iv.begin(), iv.end(), v) != iv.end(); });
          if (hit == ev.end()) {
            all = false;
            break;
          }
          atoms.push_back({{"field", e.field}, {"value", *hit}, {"indicator_field", e.value}});
        }
        if (all)
          matched.push_back({{"index", ind.index}, {"file", ind.doc->file}, {"line", ind.doc->line}, {"atomic", atoms}});
      }
    if (matched.empty()) continue;
    kept.push_back(h);
    if (res.alerts.size() >= cap) {
      res.capped = true;
      continue;
    }
    ElasticAlert a{h.index, h.doc, h.time, nlohmann::json::object()};
    a.detail["threat_matches"] = matched;
    res.alerts.push_back(std::move(a));
  }
  res.docs_matched = kept.size();
  res.hits = std::move(kept);
}
}  // namespace

ElasticRunResult run_elastic_rule(const ElasticRule& rule, std::string_view text, const std::vector<IndexDocs>& data,
                                  const FieldTypes& types, DateTime now, const Deadline& deadline) {
  ElasticRunResult res;
  res.now = now;
  auto from = eval_date_math(rule.from, now), to = eval_date_math(rule.to.empty() ? "now" : rule.to, now, true);
  if (!from) {
    res.errors.push_back(rule.file + ": rule field from = \"" + rule.from + "\" is not Elastic date math");
    return res;
  }
  if (!to) {
    res.errors.push_back(rule.file + ": rule field to = \"" + rule.to + "\" is not Elastic date math");
    return res;
  }
  res.from = *from;
  res.to = *to;
  if (rule.language != QueryLanguage::Kuery) {
    res.errors.push_back(rule.file + ": rules in language \"" + std::string(to_string(rule.language)) + "\" cannot be run by the kuery engine");
    return res;
  }
  if (rule.type != RuleType::Query && rule.type != RuleType::SavedQuery && rule.type != RuleType::Threshold &&
      rule.type != RuleType::NewTerms && rule.type != RuleType::ThreatMatch) {
    res.errors.push_back(rule.file + ": running rules of type " + rule.type_name +
                         " is not supported (query, threshold, new_terms and threat_match are)");
    return res;
  }
  // index selection
  std::vector<std::string> patterns = rule.index;
  if (patterns.empty()) {
    patterns = default_security_indices();
    res.notes.push_back(rule.data_view_id.empty() ? "the rule names no index patterns: Kibana's default security index patterns apply"
                                                  : "the rule reads data view " + rule.data_view_id +
                                                        ", which rulelab cannot resolve: Kibana's default security index patterns are used");
  }
  std::vector<const IndexDocs*> selected;
  for (const auto& d : data) {
    if (index_selected(patterns, d.name)) {
      selected.push_back(&d);
      res.indices.push_back(d.name);
    } else {
      res.ignored_indices.push_back(d.name);
    }
  }
  // The data view spans all selected indices (wildcard field names expand against it); each index
  // keeps its own mapping (dynamic types, constant_keyword values), so the query compiles per index.
  IndexFields data_view(types);
  for (const auto* ix : selected)
    for (const auto& d : ix->docs) data_view.observe(d.source, d.shape);

  auto parsed = parse_kuery(rule.query);
  if (!parsed.query) {
    res.errors.push_back(query_error(rule, text, parsed.failure->offset, "KQL syntax error: " + parsed.failure->message).format());
    return res;
  }
  struct Compiled {
    std::unique_ptr<IndexFields> fields;
    std::optional<CompiledQuery> query;
    std::vector<std::pair<CompiledQuery, bool>> filters;  // query, negate
    std::vector<std::pair<CompiledQuery, std::string>> exceptions;  // query, label
  };
  std::vector<Compiled> per_index;
  std::set<std::string> reported;
  auto report = [&](std::vector<std::string>& out, std::string msg) {
    if (reported.insert(msg).second) out.push_back(std::move(msg));
  };
  for (const auto* ix : selected) {
    Compiled c;
    c.fields = std::make_unique<IndexFields>(types, ix->name);
    if (c.fields->guessed() || types.has_user_mapping() || !c.fields->mapping_source().empty())
      report(res.notes, "index " + ix->name + ": fields typed by " + c.fields->mapping_source());
    c.fields->set_data_view(&data_view);
    for (const auto& d : ix->docs) c.fields->observe(d.source, d.shape);
    add_dynamic_fields(res, *c.fields);
    c.query.emplace(CompiledQuery::compile(*parsed.query->root, *c.fields, now));
    for (const auto& e : c.query->errors()) report(res.errors, format_issue(rule, text, e, "Elasticsearch would reject the query: "));
    for (const auto& n : c.query->notes()) report(res.notes, format_issue(rule, text, n, ""));
    malformed_notes(*parsed.query->root, *c.fields, ix->name, ix->docs, ix->unread, [&](std::string m) { report(res.notes, std::move(m)); });
    for (const auto& f : rule.filters) {
      if (!f.is_object()) continue;
      const auto meta = f.value("meta", nlohmann::json::object());
      if (meta.value("disabled", false)) continue;
      nlohmann::json q;
      if (f.contains("query")) q = f["query"];
      else {
        q = f;
        q.erase("meta");
        q.erase("$state");
      }
      CompiledQuery fq = CompiledQuery::compile_dsl(q, *c.fields, now);
      for (const auto& e : fq.errors()) report(res.errors, rule.file + ": filter " + q.dump() + ": " + e.message);
      c.filters.push_back({std::move(fq), meta.value("negate", false)});
    }
    for (const auto& item : rule.exceptions) {
      const std::string label = item.item_id + (item.name.empty() ? "" : " (" + item.name + ")");
      if (!exception_item_active(item, now)) {
        report(res.notes, "exception item " + label + " expired at " + item.expire_time + ": not applied");
        continue;
      }
      std::string why;
      auto dsl = exception_item_query(item, &why);
      if (!why.empty()) report(res.notes, "exception item " + label + ": " + why + ": the item never suppresses");
      CompiledQuery eq = CompiledQuery::compile_dsl(dsl, *c.fields, now);
      for (const auto& e : eq.errors()) report(res.errors, rule.file + ": exception item " + label + ": " + e.message);
      c.exceptions.push_back({std::move(eq), label});
    }
    per_index.push_back(std::move(c));
  }
  for (const auto& ref : rule.exceptions_list)
    if (std::none_of(rule.exceptions.begin(), rule.exceptions.end(), [&](const ExceptionItem& i) { return i.list_id == ref.list_id; }))
      res.notes.push_back("exception list " + ref.list_id + " has no items here (export it with the rule to apply it)");

  res.timestamp_field = rule.timestamp_override.empty() ? "@timestamp" : rule.timestamp_override;
  const bool fallback = !rule.timestamp_override_fallback_disabled;
  std::vector<ElasticRunResult::Hit> history;  // new_terms: events before the window
  std::optional<DateTime> history_start;
  if (rule.type == RuleType::NewTerms && rule.new_terms) {
    history_start = eval_date_math(rule.new_terms->history_window_start, now);
    if (!history_start) res.errors.push_back(rule.file + ": history_window_start \"" + rule.new_terms->history_window_start + "\" is not date math");
  }
  // A batch at a time: the documents in the window (or the history), then the query and the
  // filters over them, then each exception item over what is left (the first that matches
  // suppresses), then the hits in document order.
  struct Row {
    const DocRef* doc;
    DateTime time;
    bool in_window;
  };
  std::vector<Row> rows;
  std::vector<DynRef> refs;
  std::vector<int> by;
  SelectionVector sel, open, part, taken;
  for (std::size_t k = 0; k < selected.size(); ++k) {
    const IndexDocs* ix = selected[k];
    const Compiled& c = per_index[k];
    const bool verdicts = !ix->matched_query.empty() && ix->matched_query == rule.query;
    for (std::size_t at = 0; at < ix->docs.size(); at += kBatchRows) {
      if (deadline.expired()) {
        res.errors.push_back(deadline.message());
        return res;
      }
      rows.clear();
      refs.clear();
      for (std::size_t i = at; i < std::min(ix->docs.size(), at + kBatchRows); ++i) {
        const DocRef& d = ix->docs[i];
        ++res.docs_total;
        auto t = doc_time(d.source, res.timestamp_field, fallback);
        if (!t) continue;
        const bool in_window = t->ticks >= res.from.ticks && t->ticks <= res.to.ticks;
        const bool in_history = history_start && t->ticks >= history_start->ticks && t->ticks < res.from.ticks;
        if (!in_window && !in_history) continue;
        if (in_window) ++res.docs_in_window;
        rows.push_back({&d, *t, in_window});
        refs.push_back(d.source);
      }
      sel = selection_all(rows.size());
      select_query(*c.query, refs, verdicts, [&](std::uint32_t r) { return rows[r].doc->matched; }, sel, taken);
      select_filters(c.filters, refs, sel);
      by.assign(rows.size(), -1);
      open = sel;
      for (std::size_t e = 0; e < c.exceptions.size() && !open.empty(); ++e) {
        part = open;
        c.exceptions[e].first.select(refs, part);
        for (const std::uint32_t r : part) by[r] = static_cast<int>(e);
        selection_subtract(open, part);
      }
      for (const std::uint32_t r : sel) {
        const Row& row = rows[r];
        if (by[r] >= 0) {
          if (row.in_window) {
            ++res.docs_suppressed;
            res.suppressed_by.push_back(row.doc->file + ":" + std::to_string(row.doc->line) + " by exception item " +
                                        c.exceptions[static_cast<std::size_t>(by[r])].second);
          }
          continue;
        }
        if (row.in_window) {
          ++res.docs_matched;
          res.hits.push_back({ix->name, row.doc, row.time});
        } else {
          history.push_back({ix->name, row.doc, row.time});
        }
      }
    }
  }
  for (const auto* ix : selected) {  // documents the query could not match, dropped while reading
    res.docs_total += ix->unread;
    for (const std::int64_t t : ix->unread_times)
      if (t >= res.from.ticks && t <= res.to.ticks) ++res.docs_in_window;
  }
  auto by_time = [](const ElasticRunResult::Hit& a, const ElasticRunResult::Hit& b) { return a.time->ticks < b.time->ticks; };
  std::stable_sort(res.hits.begin(), res.hits.end(), by_time);
  const std::size_t cap = rule.max_signals > 0 ? static_cast<std::size_t>(rule.max_signals) : 0;

  if (rule.type == RuleType::Threshold) {
    const Threshold th = rule.threshold.value_or(Threshold{});
    struct Group {
      std::vector<std::string> key;
      std::size_t count = 0;
      std::set<std::string> distinct;
      const ElasticRunResult::Hit* first = nullptr;
      const ElasticRunResult::Hit* last = nullptr;
    };
    std::map<std::vector<std::string>, Group> groups;
    for (const auto& h : res.hits) {
      for (const auto& key : combinations(h.doc->source, th.field)) {
        Group& g = groups[key];
        g.key = key;
        ++g.count;
        if (!g.first) g.first = &h;
        g.last = &h;  // (hits are in time order)
        if (!th.cardinality.empty())
          for (const auto& v : term_values(h.doc->source, th.cardinality[0].field)) g.distinct.insert(v);
      }
    }
    for (const auto& [key, g] : groups) {
      if (static_cast<std::int64_t>(g.count) < th.value) continue;
      if (!th.cardinality.empty() && static_cast<std::int64_t>(g.distinct.size()) < th.cardinality[0].value) continue;
      if (res.alerts.size() >= cap) {
        res.capped = true;
        break;
      }
      ElasticAlert a;
      a.index = g.first->index;
      a.doc = g.first->doc;
      a.time = g.first->time;
      nlohmann::json terms = nlohmann::json::array();
      for (std::size_t i = 0; i < th.field.size(); ++i) terms.push_back({{"field", th.field[i]}, {"value", key[i]}});
      a.detail["threshold_result"] = {{"terms", terms}, {"count", g.count}};
      if (g.last->time) a.detail["threshold_result"]["last_event"] = format_datetime(*g.last->time);
      if (!th.cardinality.empty())
        a.detail["threshold_result"]["cardinality"] = nlohmann::json::array({{{"field", th.cardinality[0].field}, {"value", g.distinct.size()}}});
      res.alerts.push_back(std::move(a));
    }
    return res;
  }
  if (rule.type == RuleType::NewTerms) {
    const std::vector<std::string> nt_fields = rule.new_terms ? rule.new_terms->fields : std::vector<std::string>{};
    std::set<std::vector<std::string>> seen;
    for (const auto& h : history)
      for (auto& c : combinations(h.doc->source, nt_fields)) seen.insert(std::move(c));
    for (const auto& h : res.hits) {
      for (const auto& c : combinations(h.doc->source, nt_fields)) {
        if (!seen.insert(c).second) continue;
        if (res.alerts.size() >= cap) {
          res.capped = true;
          return res;
        }
        ElasticAlert a;
        a.index = h.index;
        a.doc = h.doc;
        a.time = h.time;
        a.detail["new_terms"] = c;
        res.alerts.push_back(std::move(a));
      }
    }
    return res;
  }
  if (rule.type == RuleType::ThreatMatch) {
    threat_match(rule, text, data, types, now, res);
    return res;
  }
  for (const auto& h : res.hits) {
    if (res.alerts.size() >= cap) {
      res.capped = true;
      break;
    }
    res.alerts.push_back({h.index, h.doc, h.time, nlohmann::json::object()});
  }
  return res;
}

ElasticRunResult run_kuery_query(std::string_view text, const std::vector<IndexDocs>& data, const FieldTypes& types, DateTime now,
                                 std::optional<std::size_t> size, const Deadline& deadline) {
  ElasticRunResult res;
  res.now = now;
  IndexFields data_view(types);
  for (const auto& ix : data) {
    res.indices.push_back(ix.name);
    for (const auto& d : ix.docs) data_view.observe(d.source, d.shape);
  }
  auto parsed = parse_kuery(text);
  if (!parsed.query) {
    const LineInfo li = locate(text, parsed.failure->offset);
    res.errors.push_back(Error("KQL syntax error: " + parsed.failure->message, "query", li.line, li.column, li.text).format());
    return res;
  }
  auto fmt = [&](const QueryIssue& i, const std::string& what) {
    const LineInfo li = locate(text, i.range.begin);
    return Error(what + i.message, "query", li.line, li.column, li.text).format();
  };
  std::set<std::string> reported;
  for (const auto& ix : data) {
    IndexFields fields(types, ix.name);  // each index keeps its own mapping
    if (auto m = "index " + ix.name + ": fields typed by " + fields.mapping_source(); reported.insert(m).second) res.notes.push_back(m);
    fields.set_data_view(&data_view);
    for (const auto& d : ix.docs) fields.observe(d.source, d.shape);
    add_dynamic_fields(res, fields);
    CompiledQuery q = CompiledQuery::compile(*parsed.query->root, fields, now);
    for (const auto& e : q.errors())
      if (auto m = fmt(e, "Elasticsearch would reject the query: "); reported.insert(m).second) res.errors.push_back(m);
    for (const auto& n : q.notes())
      if (auto m = fmt(n, ""); reported.insert(m).second) res.notes.push_back(m);
    if (!q.errors().empty()) continue;
    malformed_notes(*parsed.query->root, fields, ix.name, ix.docs, ix.unread, [&](std::string m) {
      if (reported.insert(m).second) res.notes.push_back(std::move(m));
    });
    res.docs_total += ix.unread;  // documents the query could not match, dropped while reading
    // Every core judges a share of the documents (the compiled query is read-only); the hits are
    // then taken in document order.
    const std::size_t n = ix.docs.size();
    std::vector<std::uint8_t> hit(n, 0);
    std::atomic<bool> expired{false};
    // A document the read filter judged for this very query keeps its verdict (IndexDocs::matched_query).
    const bool verdicts = !ix.matched_query.empty() && ix.matched_query == text;
    parallel_shares(n, share_count(n, 4096), [&](std::size_t b, std::size_t e, unsigned) {
      std::vector<DynRef> batch;
      SelectionVector sel, taken;
      for (std::size_t at = b; at < e && !expired.load(std::memory_order_relaxed); at += kBatchRows) {
        if (deadline.expired()) expired = true;
        const std::size_t k = std::min(kBatchRows, e - at);
        batch.clear();
        for (std::size_t i = at; i < at + k; ++i) batch.push_back(ix.docs[i].source);
        sel = selection_all(k);
        select_query(q, batch, verdicts, [&](std::uint32_t r) { return ix.docs[at + r].matched; }, sel, taken);  // clause by clause
        for (const std::uint32_t r : sel) hit[at + r] = 1;
      }
    });
    if (expired) {
      res.errors.push_back(deadline.message());
      return res;
    }
    const std::size_t first_hit = res.hits.size();
    for (std::size_t i = 0; i < n; ++i) {
      ++res.docs_total;
      if (!hit[i]) continue;
      ++res.docs_matched;
      if (size && res.hits.size() >= *size) {
        res.capped = true;
        continue;
      }
      res.hits.push_back({ix.name, &ix.docs[i], std::nullopt});
    }
    const std::size_t new_hits = res.hits.size() - first_hit;
    parallel_shares(new_hits, share_count(new_hits, 4096), [&](std::size_t b, std::size_t e, unsigned) {
      for (std::size_t i = first_hit + b; i < first_hit + e; ++i) {
        if (i + 8 < first_hit + e) res.hits[i + 8].doc->source.prefetch(128);
        res.hits[i].time = doc_time(res.hits[i].doc->source, "@timestamp", false);
      }
    });
  }
  return res;
}

}  // namespace rulelab::kuery
