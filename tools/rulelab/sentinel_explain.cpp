// rulelab explain (Sentinel rules): why one event did or did not lead to an alert.
//
// The query is traced pipeline by pipeline: for the result pipeline and every join / lookup /
// union leg, the prefix `source | op1 | ... | opk` is run with provenance on, and the event is
// followed through it by its file and line. The first operator after which no row derives from
// the event is where it was lost; there rulelab says why: each part of a `where` predicate with
// the values it saw, the key each side of a join computed, the array an mv-apply worked on.
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "commands.hpp"
#include "core/datetime.hpp"
#include "core/ingest.hpp"
#include "engine/engine.hpp"
#include "engine/plan.hpp"
#include "kusto/ast.hpp"
#include "kusto/parser.hpp"
#include "kusto/sentinel_rule.hpp"
#include "schedule.hpp"
#include "sentinel_workspace.hpp"

namespace rulelab::cli {

using nlohmann::ordered_json;

namespace {

struct Target {
  std::uint32_t file = 0;  // index into the workspace's files
  std::uint32_t line = 0;
};

// Runs a query text with provenance; returns false (and err) when it fails.
struct Traced {
  Table table;
  Lineage lineage;
  std::vector<engine::RowRef> event_rows;  // rows deriving from the target
};

bool run_traced(Workspace& ws, const std::string& text, std::int64_t now, const Target& target, Traced& out, std::string& err) {
  engine::RunOptions ro;
  ro.now_ticks = now;
  ro.lineage = &out.lineage;
  ro.limits = ws.limits;
  engine::EngineError ee;
  if (!ws.engine.run(text, kusto::QueryLocation::identity("query"), ro, out.table, ee)) {
    err = ee.error.message;
    return false;
  }
  for (std::uint32_t bi = 0; bi < out.table.batches.size(); ++bi) {
    const Batch& b = out.table.batches[bi];
    for (std::uint32_t r = 0; r < b.rows(); ++r)
      for (const RowSource& s : out.lineage.records(b.sources[r]))
        if (s.file == target.file && s.line == target.line) {
          out.event_rows.push_back({bi, r});
          break;
        }
  }
  return true;
}

std::string cell(const Table& t, const engine::RowRef& r, const std::string& col) {
  const int i = t.schema.index_of(col);
  if (i < 0) return "(no column " + col + ")";
  const Column& c = t.batches[r.batch].columns[static_cast<std::size_t>(i)];
  if (c.type() != Type::String && c.is_null(r.row)) return "null";
  std::string v = engine::format_cell(c, r.row);
  if (c.type() == Type::String) return "\"" + v + "\"";
  return v;
}

std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  std::string out;
  for (char c : s)
    if (!(c == ' ' && !out.empty() && out.back() == ' ')) out += c;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out.size() > 140 ? out.substr(0, 137) + "..." : out;
}

// The parts of a predicate a reader wants judged separately: the operands of and/or.
void split_parts(const kusto::Expr& e, std::vector<const kusto::Expr*>& out) {
  if (const auto* b = std::get_if<kusto::Binary>(&e.node); b && (b->op == kusto::BinaryOp::And || b->op == kusto::BinaryOp::Or)) {
    split_parts(*b->lhs, out);
    split_parts(*b->rhs, out);
    return;
  }
  out.push_back(&e);
}

bool is_literal(const kusto::Expr& e) { return std::holds_alternative<kusto::Literal>(e.node); }

class Explainer {
 public:
  Explainer(Workspace& ws, const kusto::SentinelRule& rule, const kusto::Query& q, std::int64_t now, Target target)
      : ws_(ws), rule_(rule), q_(q), now_(now), target_(target) {
    // Everything before the result statement (let statements), to prefix each traced pipeline.
    const kusto::TabularExpr* res = q.result();
    for (const auto& st : q.statements)
      if (st.as<kusto::TabularStatement>() && st.as<kusto::TabularStatement>()->query.get() == res) {
        prelude_ = q.text.substr(0, st.range.begin);
        break;
      }
  }

  ordered_json trace_all() {
    ordered_json pipelines = ordered_json::array();
    if (const kusto::TabularExpr* res = q_.result()) trace(*res, "result pipeline", pipelines);
    return pipelines;
  }

 private:
  std::string text(kusto::SourceRange r) const { return q_.text.substr(r.begin, r.end - r.begin); }
  std::size_t line_of(std::size_t offset) const { return rule_.location.error_at(q_.text, offset, "").line; }
  std::string prefix_text(const kusto::TabularExpr& te, std::size_t end) const {
    return prelude_ + q_.text.substr(te.range.begin, end - te.range.begin);
  }

  // Values of expressions on the event's row of `before` (the prefix ending just before op).
  std::vector<std::string> values_on_event(const kusto::TabularExpr& te, std::size_t before_end,
                                           const std::vector<std::string>& exprs) {
    std::string t = prefix_text(te, before_end) + "\n| extend ";
    for (std::size_t i = 0; i < exprs.size(); ++i) t += (i ? ", " : "") + std::string("__rulelab_") + std::to_string(i) + " = (" + exprs[i] + ")";
    Traced tr;
    std::string err;
    std::vector<std::string> out(exprs.size(), "?");
    if (!run_traced(ws_, t, now_, target_, tr, err) || tr.event_rows.empty()) return out;
    for (std::size_t i = 0; i < exprs.size(); ++i) out[i] = cell(tr.table, tr.event_rows.front(), "__rulelab_" + std::to_string(i));
    return out;
  }

  // Distinct values of expressions over all rows of a pipeline prefix (at most `limit`).
  std::vector<std::string> key_values(const kusto::TabularExpr& te, std::size_t end, const std::vector<std::string>& exprs,
                                      std::size_t limit, std::size_t& rows) {
    std::string t = prefix_text(te, end) + "\n| project ";
    for (std::size_t i = 0; i < exprs.size(); ++i) t += (i ? ", " : "") + std::string("__rulelab_") + std::to_string(i) + " = (" + exprs[i] + ")";
    Traced tr;
    std::string err;
    std::vector<std::string> out;
    rows = 0;
    if (!run_traced(ws_, t, now_, target_, tr, err)) return out;
    std::set<std::string> seen;
    for (const auto& r : engine::all_rows(tr.table)) {
      ++rows;
      std::string k;
      for (std::size_t i = 0; i < exprs.size(); ++i) k += (i ? ", " : "") + cell(tr.table, r, "__rulelab_" + std::to_string(i));
      if (seen.insert(k).second && out.size() < limit) out.push_back(k);
    }
    return out;
  }

  // The join at operator k of `outer`, seen from its right side, which carries the event.
  ordered_json join_from_right(const kusto::TabularExpr& outer, std::size_t k) {
    const kusto::Operator& op = outer.operators[k];
    const std::vector<kusto::ExprPtr>* on = nullptr;
    const kusto::TabularExpr* right = nullptr;
    if (const auto* j = op.as<kusto::Join>()) { on = &j->on; right = j->right.get(); }
    if (const auto* l = op.as<kusto::Lookup>()) { on = &l->on; right = l->right.get(); }
    ordered_json out = ordered_json::object();
    if (!on || !right) return out;
    std::vector<std::string> lk, rk;
    join_keys(*on, lk, rk);
    Traced through;
    std::string err;
    const bool ran = run_traced(ws_, prefix_text(outer, op.range.end), now_, target_, through, err);
    const auto mine = values_on_event(*right, right->range.end, rk);
    std::string key;
    for (std::size_t i = 0; i < mine.size(); ++i) key += (i ? ", " : "") + mine[i];
    std::size_t rows = 0;
    const std::size_t before = k == 0 ? outer.source.range.end : outer.operators[k - 1].range.end;
    const auto theirs = key_values(outer, before, lk, 10, rows);
    out["operator"] = one_line(text(op.range)).substr(0, 60);
    out["line"] = line_of(op.range.begin);
    out["event_key"] = key;
    out["left_key"] = lk;
    out["right_key"] = rk;
    out["left_rows"] = rows;
    out["left_keys"] = theirs;
    out["paired"] = ran ? through.event_rows.size() : 0;
    out["note"] = ran && !through.event_rows.empty()
                      ? "the join pairs the event with " + std::to_string(through.event_rows.size()) + " row(s) of the left side"
                      : rows == 0 ? "the left side has no rows at the join, so nothing pairs with the event"
                                  : "no left row has the event's key, so the join drops it";
    return out;
  }

  void join_keys(const std::vector<kusto::ExprPtr>& on, std::vector<std::string>& lk, std::vector<std::string>& rk) const {
    auto strip = [](std::string s) {
      for (const char* p : {"$left.", "$right."})
        if (s.rfind(p, 0) == 0) s = s.substr(std::string(p).size());
      return s;
    };
    for (const auto& e : on) {
      if (const auto* b = std::get_if<kusto::Binary>(&e->node)) {
        std::string l = text(b->lhs->range), r = text(b->rhs->range);
        if (l.rfind("$right.", 0) == 0) std::swap(l, r);
        lk.push_back(strip(l));
        rk.push_back(strip(r));
      } else {
        lk.push_back(text(e->range));
        rk.push_back(text(e->range));
      }
    }
  }

  void trace(const kusto::TabularExpr& te, const std::string& title, ordered_json& pipelines,
             const kusto::TabularExpr* outer = nullptr, std::size_t outer_op = 0) {
    ordered_json p = ordered_json::object();
    p["pipeline"] = title;
    p["lines"] = std::to_string(line_of(te.range.begin)) + "-" + std::to_string(line_of(te.range.end ? te.range.end - 1 : 0));
    ordered_json steps = ordered_json::array();
    bool alive = true;
    // The source alone, then each operator.
    for (std::size_t k = 0; k <= te.operators.size() && alive; ++k) {
      const std::size_t end = k == 0 ? te.source.range.end : te.operators[k - 1].range.end;
      const std::string label = one_line(k == 0 ? text(te.source.range) : text(te.operators[k - 1].range));
      Traced tr;
      std::string err;
      ordered_json step{{"step", label}, {"line", line_of(k == 0 ? te.source.range.begin : te.operators[k - 1].range.begin)}};
      if (!run_traced(ws_, prefix_text(te, end), now_, target_, tr, err)) {
        step["error"] = err;
        steps.push_back(step);
        break;
      }
      step["rows"] = tr.table.rows();
      step["event_rows"] = tr.event_rows.size();
      step["kept"] = !tr.event_rows.empty();
      if (tr.event_rows.empty()) {
        alive = false;
        if (k == 0) step["why"] = "the event is not in this source (another table, or outside the rule's window)";
        else step["why"] = why_lost(te, k - 1);
      }
      steps.push_back(std::move(step));
    }
    p["steps"] = std::move(steps);
    p["event_reaches_end"] = alive;
    if (alive && outer) p["join"] = join_from_right(*outer, outer_op);
    pipelines.push_back(std::move(p));
    // Nested pipelines: join / lookup right sides, union legs.
    for (std::size_t k = 0; k < te.operators.size(); ++k) {
      const auto& op = te.operators[k];
      if (const auto* j = op.as<kusto::Join>(); j && j->right)
        trace(*j->right, "right side of the join at line " + std::to_string(line_of(op.range.begin)), pipelines, &te, k);
      if (const auto* l = op.as<kusto::Lookup>(); l && l->right)
        trace(*l->right, "right side of the lookup at line " + std::to_string(line_of(op.range.begin)), pipelines, &te, k);
    }
    if (const auto* u = te.source.as<kusto::UnionSource>())
      for (const auto& leg : u->tables)
        if (leg) trace(*leg, "union leg (line " + std::to_string(line_of(leg->range.begin)) + ")", pipelines);
  }

  ordered_json why_lost(const kusto::TabularExpr& te, std::size_t k) {
    const kusto::Operator& op = te.operators[k];
    const std::size_t before = k == 0 ? te.source.range.end : te.operators[k - 1].range.end;
    ordered_json why = ordered_json::object();
    if (const auto* w = op.as<kusto::Where>()) {
      std::vector<const kusto::Expr*> parts;
      split_parts(*w->predicate, parts);
      std::vector<std::string> exprs;
      for (const auto* e : parts) {
        exprs.push_back(text(e->range));
        if (const auto* b = std::get_if<kusto::Binary>(&e->node)) {
          exprs.push_back(is_literal(*b->lhs) ? "" : text(b->lhs->range));
          exprs.push_back(is_literal(*b->rhs) ? "" : text(b->rhs->range));
        } else if (const auto* bt = std::get_if<kusto::Between>(&e->node)) {
          (void)bt;
          exprs.push_back("");
          exprs.push_back("");
        } else {
          exprs.push_back("");
          exprs.push_back("");
        }
      }
      std::vector<std::string> asked;
      for (const auto& x : exprs) asked.push_back(x.empty() ? "0" : x);
      const auto vals = values_on_event(te, before, asked);
      ordered_json checks = ordered_json::array();
      for (std::size_t i = 0; i < parts.size(); ++i) {
        ordered_json c{{"predicate", one_line(exprs[3 * i])}, {"value", vals[3 * i]}};
        if (!exprs[3 * i + 1].empty()) c["left"] = {{"expr", one_line(exprs[3 * i + 1])}, {"value", vals[3 * i + 1]}};
        if (!exprs[3 * i + 2].empty()) c["right"] = {{"expr", one_line(exprs[3 * i + 2])}, {"value", vals[3 * i + 2]}};
        checks.push_back(std::move(c));
      }
      why["where"] = std::move(checks);
      return why;
    }
    if (const auto* m = op.as<kusto::MvApply>()) {
      std::vector<std::string> exprs;
      for (const auto& it : m->items) exprs.push_back(text(it.value->range));
      const auto vals = values_on_event(te, before, exprs);
      ordered_json items = ordered_json::array();
      for (std::size_t i = 0; i < exprs.size(); ++i) items.push_back({{"expr", one_line(exprs[i])}, {"value", vals[i]}});
      why["mv_apply"] = {{"items", items}, {"note", "no element of the array passed the subquery, so mv-apply dropped the row"}};
      return why;
    }
    const std::vector<kusto::ExprPtr>* on = nullptr;
    const kusto::TabularExpr* right = nullptr;
    if (const auto* j = op.as<kusto::Join>()) { on = &j->on; right = j->right.get(); }
    if (const auto* l = op.as<kusto::Lookup>()) { on = &l->on; right = l->right.get(); }
    if (on && right) {
      std::vector<std::string> lk, rk;
      join_keys(*on, lk, rk);
      const auto mine = values_on_event(te, before, lk);
      std::size_t rows = 0;
      const auto theirs = key_values(*right, right->range.end, rk, 10, rows);
      std::string key;
      for (std::size_t i = 0; i < mine.size(); ++i) key += (i ? ", " : "") + mine[i];
      why["join"] = {{"left_key", ordered_json(lk)}, {"right_key", ordered_json(rk)}, {"event_key", key},
                     {"right_rows", rows}, {"right_keys", theirs},
                     {"note", rows == 0 ? "the right side has no rows" : "no right row has the event's key"}};
      return why;
    }
    why["operator"] = one_line(text(op.range));
    why["note"] = "this operator produced no row from the event";
    return why;
  }

  Workspace& ws_;
  const kusto::SentinelRule& rule_;
  const kusto::Query& q_;
  std::int64_t now_;
  Target target_;
  std::string prelude_;
};

// The right side of a join is traced as its own pipeline, so an event that belongs there is
// followed where it matters. An event lost in the result pipeline's first filters while it
// reaches the end of a right side is not "lost": the summary says which pipeline carries it.
void print_report(const ordered_json& j) {
  std::cout << "event:  " << j["event"]["file"].get<std::string>() << ":" << j["event"]["line"].get<std::size_t>();
  if (j["event"].contains("time")) std::cout << "  (" << j["event"]["table"].get<std::string>() << ", TimeGenerated " << j["event"]["time"].get<std::string>() << ")";
  std::cout << "\nrule:   " << j["rule"].get<std::string>() << "\nnow:    " << j["now"].get<std::string>() << "\n";
  std::cout << "window: " << j["window"]["verdict"].get<std::string>() << "\n";
  std::cout << "result: " << j["verdict"].get<std::string>() << "\n";
  for (const auto& p : j["pipelines"]) {
    std::cout << "\n" << p["pipeline"].get<std::string>() << " (rule file lines " << p["lines"].get<std::string>() << ")\n";
    for (const auto& s : p["steps"]) {
      const bool kept = s.value("kept", false);
      std::cout << "  " << (s.contains("error") ? "!" : kept ? "+" : "x") << " line " << s["line"].get<std::size_t>() << ": "
                << s["step"].get<std::string>() << "\n";
      if (s.contains("error")) std::cout << "      cannot run this prefix: " << s["error"].get<std::string>() << "\n";
      if (!s.contains("why")) continue;
      const auto& w = s["why"];
      if (w.is_string()) std::cout << "      " << w.get<std::string>() << "\n";
      if (w.contains("where")) {
        for (const auto& c : w["where"]) {
          std::cout << "      " << c["predicate"].get<std::string>() << "  ->  " << c["value"].get<std::string>() << "\n";
          for (const char* side : {"left", "right"})
            if (c.contains(side)) std::cout << "          " << c[side]["expr"].get<std::string>() << " = " << c[side]["value"].get<std::string>() << "\n";
        }
      }
      if (w.contains("mv_apply")) {
        for (const auto& it : w["mv_apply"]["items"]) std::cout << "      " << it["expr"].get<std::string>() << " = " << it["value"].get<std::string>() << "\n";
        std::cout << "      " << w["mv_apply"]["note"].get<std::string>() << "\n";
      }
      if (w.contains("join")) {
        const auto& jn = w["join"];
        std::cout << "      the event's key: " << jn["event_key"].get<std::string>() << "\n      the other side ("
                  << jn["right_rows"].get<std::size_t>() << " rows) has keys:";
        for (const auto& k : jn["right_keys"]) std::cout << "\n        " << k.get<std::string>();
        std::cout << "\n      " << jn["note"].get<std::string>() << "\n";
      }
      if (w.contains("operator")) std::cout << "      " << w["note"].get<std::string>() << "\n";
    }
    if (p["event_reaches_end"].get<bool>()) std::cout << "  = the event reaches the end of this pipeline\n";
    if (p.contains("join") && !p["join"].empty()) {
      const auto& jn = p["join"];
      std::cout << "  then line " << jn["line"].get<std::size_t>() << ": " << jn["operator"].get<std::string>() << "\n"
                << "      the event's key (" << jn["right_key"].dump() << "): " << jn["event_key"].get<std::string>() << "\n"
                << "      the left side (" << jn["left_key"].dump() << ", " << jn["left_rows"].get<std::size_t>() << " rows) has keys:";
      for (const auto& k : jn["left_keys"]) std::cout << "\n        " << k.get<std::string>();
      std::cout << "\n      " << jn["note"].get<std::string>() << "\n";
    }
  }
}

}  // namespace

int explain_sentinel(const ExplainArgs& a) {
  auto loaded = kusto::load_sentinel_file(a.rule);
  if (!loaded) { std::cerr << loaded.error().format() << "\n"; return 1; }
  if (loaded->empty()) { std::cerr << a.rule << ": no rule\n"; return 1; }
  const kusto::SentinelRule& rule = loaded->front();
  std::string err;
  const std::int64_t now = now_ticks(a.now, err);
  if (!err.empty()) { std::cerr << err << "\n"; return 2; }

  // Find the event among all records (no window), and its time.
  Workspace all;
  if (!load_workspace(all, a.data, a.schema_dir, a.functions, false, std::nullopt)) return 1;
  auto found = find_event(a.event, a.data, "TimeGenerated", false);
  if (!found) { std::cerr << found.error().format() << "\n"; return 2; }
  const FoundEvent& ev = *found;
  Target target{static_cast<std::uint32_t>(ev.file_index), static_cast<std::uint32_t>(ev.line)};

  ordered_json j = ordered_json::object();
  j["rule"] = rule.name;
  j["now"] = format_datetime(DateTime{now});
  j["event"] = {{"file", ev.file}, {"line", ev.line}, {"table", ev.table}};
  if (ev.time) j["event"]["time"] = format_datetime(*ev.time);
  std::optional<std::pair<std::int64_t, std::int64_t>> window;
  if (rule.query_period) window = std::make_pair(now - rule.query_period->ticks, now);
  bool in_window = true;
  if (window) {
    const std::string w = "[" + format_datetime(DateTime{window->first}) + ", " + format_datetime(DateTime{window->second}) + "] (queryPeriod " +
                          format_timespan(*rule.query_period) + ")";
    in_window = ev.time && ev.time->ticks >= window->first && ev.time->ticks <= window->second;
    std::string verdict = in_window ? "inside the rule's window " + w : "OUTSIDE the rule's window " + w + ": Sentinel never shows it to the query";
    if (ev.time && rule.query_frequency) {
      verdict += "; the scheduled runs (every " + format_timespan(*rule.query_frequency) + ") whose window holds it run between " +
                 format_datetime(*ev.time) + " and " + format_datetime(DateTime{ev.time->ticks + rule.query_period->ticks});
      j["window_runs"] = {{"from", format_datetime(*ev.time)}, {"to", format_datetime(DateTime{ev.time->ticks + rule.query_period->ticks})},
                          {"every", format_timespan(*rule.query_frequency)}};
    }
    j["window"] = {{"from", format_datetime(DateTime{window->first})}, {"to", format_datetime(DateTime{window->second})},
                   {"contains_event", in_window}, {"verdict", verdict}};
  } else {
    j["window"] = {{"verdict", "no queryPeriod: every record is visible"}};
  }

  Workspace ws;
  ws.limits = a.limits;
  if (!load_workspace(ws, a.data, a.schema_dir, a.functions, false, window)) return 1;
  auto parsed = kusto::parse_query(rule.query, kusto::ParseOptions{});
  if (!parsed) { std::cerr << parsed.error().format() << "\n"; return 1; }
  // Whole query: does a result row derive from the event, and does the rule alert?
  Traced whole;
  if (!run_traced(ws, rule.query, now, target, whole, err)) { std::cerr << a.rule << ": " << err << "\n"; return 1; }
  const auto count = static_cast<std::int64_t>(whole.table.rows());
  const bool alert = rule.kind == kusto::RuleKind::NRT ? count > 0 : trigger(rule.trigger_operator, count, rule.trigger_threshold);
  std::string verdict;
  if (!whole.event_rows.empty())
    verdict = std::to_string(whole.event_rows.size()) + " of the " + std::to_string(count) + " result rows derive from this event; the rule " +
              (alert ? "ALERTS" : "does not alert (trigger not met)");
  // AlertPerResult: which alert holds the event's (first) row; past the per-run cap of 150 (NRT:
  // 30) alerts, the last alert summarizes all rows (as `rulelab run` builds them).
  if (alert && !whole.event_rows.empty() && rule.event_grouping_settings && rule.event_grouping_settings->aggregation_kind == "AlertPerResult") {
    const std::size_t cap = rule.kind == kusto::RuleKind::NRT ? 30 : 150;
    const auto all = engine::all_rows(whole.table);
    std::size_t pos = 0;
    while (pos < all.size() && !(all[pos].batch == whole.event_rows.front().batch && all[pos].row == whole.event_rows.front().row)) ++pos;
    if (all.size() <= cap || pos + 1 < cap)
      verdict += " (AlertPerResult: its row is alert " + std::to_string(pos + 1) + " of " + std::to_string(std::min(all.size(), cap)) + ")";
    else
      verdict += " (AlertPerResult: " + std::to_string(all.size()) + " rows exceed the " + std::to_string(cap) +
                 " alerts a run creates; its row is only in the last alert, which summarizes all rows)";
  }
  else
    verdict = std::string("no result row derives from this event") + (alert ? " (the rule alerts on other events)" : "; the rule does not alert");
  j["verdict"] = verdict;
  j["led_to_alert"] = alert && !whole.event_rows.empty();
  Explainer ex(ws, rule, *parsed, now, target);
  j["pipelines"] = in_window ? ex.trace_all() : ordered_json::array();
  if (a.format == "json") std::cout << j.dump(2) << "\n";
  else print_report(j);
  return 0;
}

}  // namespace rulelab::cli
