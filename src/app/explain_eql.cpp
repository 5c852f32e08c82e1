// Explain for Elastic EQL rules (see explain_eql.hpp).
#include "app/explain_eql.hpp"

#include "app/alert_suppression.hpp"

#include <algorithm>
#include <memory>
#include <optional>
#include <set>

#include "app/eql_rule.hpp"
#include "core/datetime.hpp"
#include "core/paths.hpp"
#include "eql/engine.hpp"
#include "kuery/runner.hpp"

namespace rulelab::app {

using nlohmann::ordered_json;

namespace {

// A duration as people write it: "7m", "1h 30m", "45s", "250ms".
std::string span_text(std::int64_t nanos) {
  if (nanos < 0) return "-" + span_text(-nanos);
  std::int64_t ms = nanos / 1'000'000;
  if (ms < 1000) return std::to_string(ms) + "ms";
  std::string out;
  const std::pair<std::int64_t, const char*> units[] = {{86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}};
  for (const auto& [u, name] : units) {
    if (ms >= u) {
      out += (out.empty() ? "" : " ") + std::to_string(ms / u) + name;
      ms %= u;
    }
  }
  if (ms) out += " " + std::to_string(ms) + "ms";
  return out;
}

const char* type_name(eql::FieldType t) {
  switch (t) {
    case eql::FieldType::Keyword: return "keyword";
    case eql::FieldType::Text: return "text";
    case eql::FieldType::Long: return "long";
    case eql::FieldType::Double: return "double";
    case eql::FieldType::Date: return "date";
    case eql::FieldType::Ip: return "ip";
    case eql::FieldType::Version: return "version";
    case eql::FieldType::Boolean: return "boolean";
    default: return "unmapped";
  }
}

void flatten(const eql::Expr& e, eql::ExprKind kind, std::vector<const eql::Expr*>& out) {
  if (e.kind == kind && e.args.size() == 2) {
    flatten(*e.args[0], kind, out);
    flatten(*e.args[1], kind, out);
    return;
  }
  out.push_back(&e);
}

void fields_of(const eql::Expr& e, std::vector<std::string>& out) {
  if (e.kind == eql::ExprKind::Field && std::find(out.begin(), out.end(), e.name) == out.end()) out.push_back(e.name);
  for (const auto& a : e.args) fields_of(*a, out);
}

std::string key_text(const std::vector<eql::Value>& key) {
  std::string s = "[";
  for (std::size_t i = 0; i < key.size(); ++i) s += (i ? ", " : "") + eql::to_json_text(key[i]);
  return s + "]";
}

ordered_json key_json(const std::vector<eql::Value>& key) {
  ordered_json a = ordered_json::array();
  for (const auto& v : key) a.push_back(ordered_json::parse(eql::to_json_text(v), nullptr, false));
  return a;
}

class EqlExplainer {
 public:
  EqlExplainer(const EqlRuleRun& run, const std::string& query_text) : run_(run), text_(query_text) { ev_.prepare(run.query); }

  std::string text(const eql::SourceRange& r) const {
    std::string s = r.end > r.begin && r.end <= text_.size() ? text_.substr(r.begin, r.end - r.begin) : std::string();
    for (auto& c : s)
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    std::string o;
    for (char c : s)
      if (!(c == ' ' && !o.empty() && o.back() == ' ')) o += c;
    return o;
  }

  eql::EventView view(const eql::Doc& d) const { return eql::EventView{d.source, run_.store.mapping_of(d)}; }

  ordered_json field_json(const std::string& f, const eql::Doc& d) const {
    std::vector<eql::Value> vals;
    ev_.field_values(f, view(d), vals);
    ordered_json vj = ordered_json::array();
    for (const auto& v : vals) vj.push_back(ordered_json::parse(eql::to_json_text(v), nullptr, false));
    const eql::Mapping* m = run_.store.mapping_of(d);
    return {{"field", f}, {"type", type_name(m ? m->type_of(f) : eql::FieldType::Unknown)}, {"values", vj}};
  }

  // A condition `category where cond` judged on the document, part by part.
  ordered_json filter_json(const eql::EventFilter& f, const eql::Doc& d) const {
    ordered_json parts = ordered_json::array();
    bool cat_ok = true;
    if (!f.category.empty()) {
      std::vector<eql::Value> cats;
      ev_.field_values(run_.opts.category_field, view(d), cats);
      cat_ok = std::any_of(cats.begin(), cats.end(), [&](const eql::Value& c) { return c.is_text() && c.s == f.category; });
      ordered_json fj = ordered_json::array({field_json(run_.opts.category_field, d)});
      parts.push_back({{"part", "category " + f.category}, {"matches", cat_ok}, {"fields", fj}});
    }
    std::string joiner = "and";
    if (f.condition) {
      std::vector<const eql::Expr*> list;
      if (f.condition->kind == eql::ExprKind::Or) {
        joiner = "or";
        flatten(*f.condition, eql::ExprKind::Or, list);
      } else {
        flatten(*f.condition, eql::ExprKind::And, list);
      }
      for (const eql::Expr* p : list) {
        std::vector<std::string> names;
        fields_of(*p, names);
        ordered_json fj = ordered_json::array();
        for (const auto& n : names) fj.push_back(field_json(n, d));
        std::string t = text(p->range);
        if (t.empty()) t = eql::to_string(*p);
        parts.push_back({{"part", t}, {"matches", ev_.matches(*p, view(d))}, {"fields", fj}});
      }
    }
    const bool all = cat_ok && (!f.condition || ev_.matches(*f.condition, view(d)));
    return {{"condition", text(f.range)}, {"joined_by", joiner}, {"parts", parts}, {"matches", all}};
  }

  // The join key values an event gives for key expressions (one per value combination).
  std::vector<std::vector<eql::Value>> keys(const std::vector<const eql::Expr*>& exprs, const eql::Doc& d) const {
    std::vector<std::vector<eql::Value>> out{{}};
    for (const eql::Expr* e : exprs) {
      auto vals = ev_.key_values(*e, view(d));
      if (vals.empty()) {
        if (e->kind == eql::ExprKind::Field && e->optional) vals.push_back(eql::Value::null());
        else return {};
      }
      std::vector<std::vector<eql::Value>> next;
      for (const auto& k : out)
        for (const auto& v : vals) {
          auto n = k;
          n.push_back(v);
          next.push_back(std::move(n));
        }
      out = std::move(next);
    }
    return out;
  }

  bool filter_matches(const eql::EventFilter& f, const eql::Doc& d) const {
    if (!f.category.empty()) {
      std::vector<eql::Value> cats;
      ev_.field_values(run_.opts.category_field, view(d), cats);
      if (!std::any_of(cats.begin(), cats.end(), [&](const eql::Value& c) { return c.is_text() && c.s == f.category; })) return false;
    }
    return !f.condition || ev_.matches(*f.condition, view(d));
  }

 private:
  const EqlRuleRun& run_;
  std::string text_;
  eql::Evaluator ev_;
};

std::optional<std::int64_t> doc_nanos(const eql::Doc& d, const std::string& field) {
  if (field.empty()) return std::nullopt;
  for (DynRef v : values_at(d.source, field)) {
    const eql::Value t = eql::typed_value(v, eql::FieldType::Date);
    if (t.kind == eql::Value::Kind::Date) return t.i;
  }
  return std::nullopt;
}

}  // namespace

namespace {
EqlExplanation explain_eql_unchecked(const LoadedRule& loaded, const DataOptions& data, const std::string& event_selector,
                                     DateTime now) {
  EqlExplanation x;
  x.now = now;
  auto fail = [&x](ExplainStatus s, std::string message) {
    x.status = s;
    x.messages.push_back(std::move(message));
    return x;
  };
  if (!loaded.elastic || loaded.kind != Kind::ElasticEql) return fail(ExplainStatus::Refused, loaded.path + ": not an EQL rule");
  const elastic::ElasticRule& rule = *loaded.elastic;
  x.rule_name = rule.name;
  x.interval = rule.interval;
  auto run = std::make_unique<EqlRuleRun>();
  run->unknown_fields_are_notes = true;
  if (!prepare_eql_rule(rule, loaded.text, data, now.ticks * 100, *run, x.messages)) {
    x.status = ExplainStatus::Failed;
    return x;
  }
  const eql::Query& q = run->query;
  const eql::RunOptions& opts = run->opts;
  const std::string window_field = opts.window_field.empty() ? opts.timestamp_field : opts.window_field;
  auto found = find_event(event_selector, data.data, window_field, true);
  if (!found) return fail(ExplainStatus::Refused, found.error().format());
  const eql::Doc* target = nullptr;
  for (const auto& d : run->store.docs())
    if (run->store.indexes()[d.index].file == found->file && d.line == found->line) target = &d;

  ordered_json j = ordered_json::object();
  j["rule"] = rule.name;
  j["language"] = "eql";
  j["now"] = format_datetime(now);
  j["event"] = {{"file", found->file}, {"line", found->line}, {"index", found->table}};
  const auto& patterns = rule.index.empty() ? kuery::default_security_indices() : rule.index;
  const bool index_ok = target != nullptr;
  j["index"] = {{"patterns", patterns}, {"selected", index_ok}};

  // The window, and the scheduled runs that see the event.
  std::optional<std::int64_t> ev_time;
  if (target) {
    ev_time = doc_nanos(*target, window_field);
    if (!ev_time && !opts.window_fallback_field.empty()) ev_time = doc_nanos(*target, opts.window_fallback_field);
  } else if (found->time) {
    ev_time = found->time->ticks * 100;
  }
  const bool in_window = ev_time && *ev_time >= *opts.from_nanos && *ev_time <= *opts.to_nanos;
  ordered_json wj = {{"from", iso_nanos(*opts.from_nanos)}, {"to", iso_nanos(*opts.to_nanos)}, {"field", window_field},
                     {"event_time", ev_time ? iso_nanos(*ev_time) : "none"}, {"contains_event", in_window}};
  if (ev_time) {
    const std::int64_t look_back = now.ticks * 100 - *opts.from_nanos;
    wj["runs_that_see_it"] = {{"from", iso_nanos(*ev_time)}, {"to", iso_nanos(*ev_time + look_back)}};
    wj["interval"] = rule.interval;
  }
  j["window"] = wj;
  std::string filtered_by;
  const bool kept = !target || eql_doc_kept(*run, *target, &filtered_by);
  if (!kept) {
    j["filtered"] = filtered_by;
    filtered_by += ", before the EQL search: no alert";
  }

  EqlExplainer ex(*run, rule.query);
  std::string verdict;
  bool led = false;

  // Every step of the sequence engine, then only those about the event.
  std::vector<eql::SequenceStep> steps;
  eql::RunOptions traced = opts;
  traced.on_sequence_step = [&steps](const eql::SequenceStep& s) { steps.push_back(s); };
  auto result = eql::run_query(q, run->store, traced);
  if (!result) return fail(ExplainStatus::Failed, result.error().format());
  auto where = [&](const eql::Doc* d) {
    if (!d) return std::string("(missing)");
    std::string s = "line " + std::to_string(d->line);
    if (run->store.indexes()[d->index].file != found->file) s = run->store.indexes()[d->index].file + ":" + std::to_string(d->line);
    if (auto t = doc_nanos(*d, opts.timestamp_field)) s += " (" + iso_nanos(*t) + ")";
    return s;
  };

  if (q.kind == eql::QueryKind::Event) {
    j["query"] = {{"kind", "event"}};
    if (target) j["query"]["filter"] = ex.filter_json(q.event, *target);
    const bool in_result = target && std::find(result->events.begin(), result->events.end(), target) != result->events.end();
    const bool matches = target && ex.filter_matches(q.event, *target);
    led = in_result;
    verdict = !index_ok ? "the rule does not read this index"
              : !kept ? filtered_by
              : !in_window ? "outside the rule's look-back window: the search never sees it"
              : !matches ? "the query does not match the event"
              : in_result ? "the query matches: an alert"
                          : "the query matches, but this run already reached max_signals (" + std::to_string(opts.size) +
                                ") with earlier events: no alert for it in this run";
  } else {
    // Stages as the engine expands them (`with runs=N` repeats a stage).
    struct Exp {
      const eql::Stage* stage;
      std::size_t written;  // index among the written stages
      std::vector<const eql::Expr*> keys;
    };
    std::vector<Exp> exp;
    for (std::size_t s = 0; s < q.stages.size(); ++s) {
      std::vector<const eql::Expr*> keys;
      for (const auto& k : q.shared_keys) keys.push_back(k.get());
      for (const auto& k : q.stages[s].keys) keys.push_back(k.get());
      for (std::int64_t r = 0; r < q.stages[s].runs; ++r) exp.push_back(Exp{&q.stages[s], s, keys});
    }
    // Stages are named as written (1-based); a stage `with runs=N` by its run.
    auto stage_label = [&](std::size_t i) {
      if (i >= exp.size()) return std::string("the end");
      std::string l = std::string(exp[i].stage->missing ? "missing-event stage " : "stage ") + std::to_string(exp[i].written + 1);
      if (exp[i].stage->runs > 1) {
        std::size_t run = 1;
        for (std::size_t k = 0; k < i; ++k)
          if (exp[k].written == exp[i].written) ++run;
        l += " (run " + std::to_string(run) + " of " + std::to_string(exp[i].stage->runs) + ")";
      }
      return l;
    };
    ordered_json qj = {{"kind", q.kind == eql::QueryKind::Sequence ? "sequence" : "sample"}};
    ordered_json by = ordered_json::array();
    for (const auto& k : q.shared_keys) by.push_back(ex.text(k->range));
    qj["by"] = by;
    if (q.maxspan_nanos) qj["maxspan"] = span_text(*q.maxspan_nanos);
    ordered_json stj = ordered_json::array();
    for (std::size_t s = 0; s < q.stages.size(); ++s) {
      ordered_json sj = {{"stage", s + 1}, {"text", ex.text(q.stages[s].range)}, {"missing", q.stages[s].missing}, {"runs", q.stages[s].runs}};
      if (target) {
        sj["filter"] = ex.filter_json(q.stages[s].filter, *target);
        std::vector<const eql::Expr*> keys;
        for (const auto& k : q.shared_keys) keys.push_back(k.get());
        for (const auto& k : q.stages[s].keys) keys.push_back(k.get());
        ordered_json kj = ordered_json::array();
        for (const auto& k : ex.keys(keys, *target)) kj.push_back(key_json(k));
        sj["key_exprs"] = ordered_json::array();
        for (const auto* k : keys) sj["key_exprs"].push_back(ex.text(k->range));
        sj["keys"] = kj;
      }
      stj.push_back(std::move(sj));
    }
    qj["stages"] = stj;
    if (q.until) {
      ordered_json uj = {{"text", ex.text(q.until->range)}};
      if (target) uj["filter"] = ex.filter_json(q.until->filter, *target);
      qj["until"] = uj;
    }

    // The sequences the event took part in, and what became of each.
    std::set<std::size_t> mine;
    std::string alone_short;  // why the event joined no sequence, in a few words
    ordered_json alone = ordered_json::array();  // steps of the event that started no sequence
    if (target) {
      for (const auto& s : steps)
        if (s.id && std::find(s.events.begin(), s.events.end(), target) != s.events.end()) mine.insert(s.id);
      for (const auto& s : steps) {
        // An event that began or advanced a sequence may also fail to join at another stage
        // (a stage `with runs`, or two stages it matches): only the sequences it is in matter then.
        if (!mine.empty() && (s.kind == eql::SequenceStep::Kind::NoPending || s.kind == eql::SequenceStep::Kind::NoKey)) continue;
        if (s.event == target && s.kind == eql::SequenceStep::Kind::NoPending) {
          alone.push_back("matched " + stage_label(s.stage) + " with key " + key_text(s.key) +
                          ", but no sequence with that key was waiting for it (none had reached the stage before)");
          if (alone_short.empty()) alone_short = "no sequence with its key " + key_text(s.key) + " was waiting for " + stage_label(s.stage);
        }
        if (s.event == target && s.kind == eql::SequenceStep::Kind::NoKey) {
          alone.push_back("matched " + stage_label(s.stage) + " but has no value for a join key, so it joins no sequence");
          if (alone_short.empty()) alone_short = "it has no value for a join key";
        }
        if (s.event == target && s.kind == eql::SequenceStep::Kind::Maxspan)
          alone.push_back("matched " + stage_label(s.stage) + " for sequence #" + std::to_string(s.id) + " (key " + key_text(s.key) + ", first event at " +
                          iso_nanos(s.first_nanos) + "), but " + span_text(s.event_nanos - s.first_nanos) + " after its first event, beyond maxspan " +
                          span_text(*q.maxspan_nanos) + ": that sequence was dropped");
        if (s.event == target && s.kind == eql::SequenceStep::Kind::Maxspan && alone_short.empty())
          alone_short = "it came " + span_text(s.event_nanos - s.first_nanos) + " after the first event of the sequence with its key, beyond maxspan " +
                        span_text(*q.maxspan_nanos);
        if (s.event == target && s.kind == eql::SequenceStep::Kind::Until)
          alone.push_back("matched the until condition with key " + key_text(s.key) + ": it ended sequence #" + std::to_string(s.id));
        if (s.event == target && s.kind == eql::SequenceStep::Kind::MissingEvent)
          alone.push_back("matches " + stage_label(s.stage) + " with key " + key_text(s.key) + ", so completed sequence #" +
                          std::to_string(s.id) + " was discarded");
      }
    }
    ordered_json seqs = ordered_json::array();
    bool reported = false;
    std::size_t reported_sample = 0;
    for (std::size_t id : mine) {
      ordered_json story = ordered_json::array();
      std::vector<const eql::Doc*> last_events;
      std::vector<eql::Value> key;
      std::string fate;
      bool done = false;
      std::size_t reached = 0;  // expanded stages matched
      for (const auto& s : steps) {
        if (s.id != id && s.by != id) continue;
        using K = eql::SequenceStep::Kind;
        if (s.id == id) {
          last_events = s.events;
          key = s.key;
        }
        switch (s.kind) {
          case K::Start:
            story.push_back(where(s.event) + " matched " + stage_label(s.stage) + " with key " + key_text(s.key) + ": sequence #" + std::to_string(id) + " began");
            reached = s.stage + 1;
            break;
          case K::Advance:
            story.push_back(where(s.event) + " matched " + stage_label(s.stage) + " with the same key: the sequence advanced");
            reached = s.stage + 1;
            break;
          case K::Complete:
            story.push_back("the sequence is complete");
            break;
          case K::Replaced:
            if (s.id == id) {
              fate = "replaced: " + where(s.event) +
                     (s.stage == 0 ? " began sequence #" + std::to_string(s.by) + " with the same key " + key_text(s.key)
                                   : " advanced sequence #" + std::to_string(s.by) + " (same key " + key_text(s.key) + ") to " + stage_label(s.stage)) +
                     "; an event of the next stage continues the most recent sequence of its key and discards older ones, so #" +
                     std::to_string(id) + " cannot complete";
              done = true;
            }
            break;
          case K::Maxspan:
            fate = "maxspan exceeded: " + where(s.event) + " matched " + stage_label(s.stage) + " with the same key, but " +
                   span_text(s.event_nanos - s.first_nanos) + " after the sequence's first event (" + iso_nanos(s.first_nanos) + "), beyond maxspan " +
                   span_text(*q.maxspan_nanos) + ": the sequence was dropped";
            done = true;
            break;
          case K::Until:
            fate = "ended by until: " + where(s.event) + " matched the until condition with the same key " + key_text(s.key);
            done = true;
            break;
          case K::MissingEvent:
            fate = "discarded: " + where(s.event) + " matches " + stage_label(s.stage) + " with the same key, between its neighbours";
            done = true;
            break;
          case K::MissingBounds:
            fate = "discarded: the leading/trailing missing-event stages are not satisfied (an event of them with the same key lies within maxspan)";
            done = true;
            break;
          case K::Limited:
            fate = "complete, but outside the result: max_signals (" + std::to_string(opts.size) + ") sequences were reported first, or a head/tail pipe cut it";
            done = true;
            break;
          case K::Reported:
            fate = "reported: result " + std::to_string(s.stage + 1) + " of " + std::to_string(result->matches.size()) + ": an alert";
            done = true;
            reported = true;
            break;
          default: break;
        }
      }
      ordered_json sj = {{"sequence", id}, {"key", key_json(key)}};
      ordered_json evj = ordered_json::array();
      for (const auto* d : last_events)
        if (d) evj.push_back(where(d));
      sj["events"] = evj;
      sj["steps"] = story;
      if (!done) {
        // Still waiting when the window ended: which stage it needed, and who could have been it.
        std::size_t next = reached;
        while (next < exp.size() && exp[next].stage->missing) ++next;
        fate = "stopped after " + stage_label(reached ? reached - 1 : 0) + ": no later event in the window matched " + stage_label(next) +
               " with key " + key_text(key);
        ordered_json other = ordered_json::array(), outside = ordered_json::array();
        if (next < exp.size()) {
          const std::int64_t first_t = last_events.empty() || !last_events.front() ? 0 : doc_nanos(*last_events.front(), opts.timestamp_field).value_or(0);
          for (const auto& d : run->store.docs()) {
            if (!ex.filter_matches(exp[next].stage->filter, d)) continue;
            auto ks = ex.keys(exp[next].keys, d);
            bool same = std::any_of(ks.begin(), ks.end(), [&](const auto& k) { return key_text(k) == key_text(key); });
            auto t = doc_nanos(d, window_field);
            if (!t && !opts.window_fallback_field.empty()) t = doc_nanos(d, opts.window_fallback_field);
            const bool inside = t && *t >= *opts.from_nanos && *t <= *opts.to_nanos;
            const auto ts = doc_nanos(d, opts.timestamp_field);
            if (same && !inside && outside.size() < 5) {
              std::string note;
              if (t && *t > *opts.to_nanos) {
                if (q.maxspan_nanos && ts && *ts - first_t > *q.maxspan_nanos)
                  note = " (later, and " + span_text(*ts - first_t) + " after the sequence's first event: beyond maxspan " + span_text(*q.maxspan_nanos) +
                         ", so no run joins them)";
                else
                  note = " (later: a run whose window holds both events sees the sequence)";
              }
              outside.push_back(where(&d) + " matches " + stage_label(next) + " with the same key but lies outside this run's window" + note);
            }
            else if (same && inside && !eql_doc_kept(*run, d, nullptr) && outside.size() < 5)
              outside.push_back(where(&d) + " matches " + stage_label(next) + " with the same key but the rule's filters or exceptions remove it");
            else if (!same && inside && ts && *ts >= first_t && other.size() < 5)
              other.push_back(where(&d) + " matches " + stage_label(next) + "'s condition with key " + (ks.empty() ? "(none)" : key_text(ks.front())));
          }
        }
        if (!outside.empty()) sj["outside"] = outside;
        if (!other.empty()) sj["other_keys"] = other;
      }
      sj["fate"] = fate;
      seqs.push_back(std::move(sj));
    }
    qj["event_steps"] = alone;
    qj["sequences"] = seqs;
    j["query"] = std::move(qj);
    bool any_stage = false;
    if (target)
      for (const auto& s : q.stages)
        if (!s.missing && ex.filter_matches(s.filter, *target)) any_stage = true;
    if (q.kind == eql::QueryKind::Sample && target) {
      // Samples are not built from sequences: the event is in a sample or not.
      for (std::size_t n = 0; n < result->matches.size(); ++n)
        if (std::find(result->matches[n].events.begin(), result->matches[n].events.end(), target) != result->matches[n].events.end()) {
          reported = true;
          reported_sample = n + 1;
        }
    }
    led = reported;
    std::size_t ended = 0;
    for (const auto& s : steps)
      if (target && s.event == target && s.kind == eql::SequenceStep::Kind::Until) ++ended;
    std::string reported_ids;
    for (const auto& sq : seqs)
      if (sq["fate"].get<std::string>().rfind("reported", 0) == 0) reported_ids += (reported_ids.empty() ? "#" : ", #") + std::to_string(sq["sequence"].get<std::size_t>());
    verdict = !index_ok ? "the rule does not read this index"
              : !kept ? filtered_by
              : !in_window ? "outside the rule's look-back window: the search never sees it"
              : reported_sample ? "the event is in sample " + std::to_string(reported_sample) + ": an alert"
              : q.kind == eql::QueryKind::Sample ? (any_stage ? "the event matches a stage but is in no reported sample (no key with events for every stage, or max_signals)"
                                                              : "the event matches no stage of the sample")
              : reported ? "the event is part of sequence " + reported_ids + ", which the rule reports: an alert"
              : !any_stage && ended ? "the event matches no stage; as an until event it ended " + std::to_string(ended) + " in-progress sequence(s)"
              : !any_stage ? "the event matches no stage of the sequence"
              : mine.empty() ? "the event matches a stage but joined no sequence" + (alone_short.empty() ? std::string() : " (" + alone_short + ")") + ": no alert"
                             : "no sequence with the event was reported (" + seqs.back()["fate"].get<std::string>() + "): no alert";
  }
  if (led && found)
    if (auto fate = suppression_fate(loaded, data, now, found->file + ":" + std::to_string(found->line), led)) {
      const std::string an_alert = ": an alert";
      if (!led && verdict.size() >= an_alert.size() && verdict.compare(verdict.size() - an_alert.size(), an_alert.size(), an_alert) == 0)
        verdict.resize(verdict.size() - an_alert.size());
      verdict += "; " + *fate;
    }
  j["led_to_alert"] = led;
  j["verdict"] = verdict;

  x.event = *found;
  x.index_selected = index_ok;
  x.window_field = window_field;
  x.window_fallback_field = opts.window_fallback_field;
  x.in_window = in_window;
  x.kept = kept;
  if (!kept) x.filtered = j["filtered"].get<std::string>();
  x.led_to_alert = led;
  x.verdict = verdict;
  x.document = std::move(j);
  return x;
}

}  // namespace

EqlExplanation explain_eql(const LoadedRule& given, const DataOptions& data, const std::string& event_selector, DateTime now) {
  // The rule as Kibana runs it: max_signals within xpack.alerting.rules.run.alerts.max.
  LoadedRule loaded = given;
  const auto capped = cap_max_signals(loaded, data.alerts_max);
  try {
    EqlExplanation x = explain_eql_unchecked(loaded, data, event_selector, now);
    if (capped) x.messages.insert(x.messages.begin(), "warning: " + *capped);
    return x;
  } catch (const eql::ScriptError& e) {
    // A function failed on a value (number("abc")): Elasticsearch fails the whole search so.
    EqlExplanation x;
    x.now = now;
    x.status = ExplainStatus::Failed;
    if (capped) x.messages.push_back("warning: " + *capped);
    x.messages.push_back(loaded.path + ": " + e.message);
    return x;
  }
}

}  // namespace rulelab::app
