#include "app/explain_sentinel.hpp"

#include <map>
#include <set>

#include "app/runner_impl.hpp"
#include "app/sentinel_workspace.hpp"
#include "core/datetime.hpp"
#include "engine/engine.hpp"
#include "engine/plan.hpp"
#include "kusto/ast.hpp"
#include "kusto/parser.hpp"

namespace rulelab::app {

namespace {

using engine::RowRef;

// The table the single-row diagnoses read (the event's row of an operator's input, or the other
// side of a join), registered in the workspace after the run.
constexpr const char* kInputTable = "__rulelab_explain_input";

std::string cell(const Table& t, const RowRef& r, const std::string& col) {
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

// What the tap gave for one step of a followed pipeline.
struct StepOutput {
  bool ran = false;
  std::size_t rows = 0, event_rows = 0;
  std::shared_ptr<const Table> event_row;  // one row: the first that derives from the event
  std::shared_ptr<const Table> table;      // the whole output, kept where a join needs it
};

// A pipeline explain follows: the result pipeline, join / lookup right sides, union legs.
struct Followed {
  const kusto::TabularExpr* te = nullptr;
  std::string title;
  const kusto::TabularExpr* outer = nullptr;  // a right side: the pipeline of its join
  std::size_t outer_op = 0;
  std::vector<StepOutput> steps;  // 0: the source, k: after operator k
};

class Explainer {
 public:
  Explainer(Workspace& ws, const kusto::SentinelRule& rule, const kusto::Query& q, std::int64_t now, RowSource target)
      : ws_(ws), rule_(rule), q_(q), now_(now), target_(target) {
    // Everything before the result statement (its let statements), for the diagnoses' queries.
    const kusto::TabularExpr* res = q.result();
    for (const auto& st : q.statements)
      if (st.as<kusto::TabularStatement>() && st.as<kusto::TabularStatement>()->query.get() == res) {
        prelude_ = q.text.substr(0, st.range.begin);
        break;
      }
    if (res) follow(*res, "result pipeline");
  }

  // The tap: records each followed pipeline's step outputs.
  void observe(const engine::OperatorOutput& o) {
    auto it = index_.find(o.pipeline);
    if (it == index_.end()) return;
    Followed& f = followed_[it->second];
    if (o.step >= f.steps.size()) return;
    StepOutput& s = f.steps[o.step];
    s.ran = true;
    s.rows += o.table->rows();
    for (std::uint32_t bi = 0; bi < o.table->batches.size(); ++bi) {
      const Batch& b = o.table->batches[bi];
      for (std::uint32_t r = 0; r < b.rows(); ++r)
        if (derives(b.sources[r], o.lineage)) {
          if (!s.event_row) {
            Table one{o.table->schema, o.table->sources, {}};
            one.batches.push_back(engine::select_rows(b, SelectionVector{r}));
            s.event_row = std::make_shared<const Table>(std::move(one));
          }
          ++s.event_rows;
        }
    }
    if (!s.table && keep_.count({it->second, o.step})) s.table = o.table;
  }

  bool derives(const RowSource& s, const Lineage* lineage) const {
    if (s.file != kCompositeFile) return s.file == target_.file && s.line == target_.line;
    if (!lineage) return false;
    for (const RowSource& x : lineage->records(s))
      if (x.file == target_.file && x.line == target_.line) return true;
    return false;
  }

  std::vector<ExplainPipeline> explain() {
    std::vector<ExplainPipeline> out;
    for (const Followed& f : followed_) out.push_back(pipeline(f));
    return out;
  }

 private:
  std::string text(kusto::SourceRange r) const { return q_.text.substr(r.begin, r.end - r.begin); }
  std::size_t line_of(std::size_t offset) const { return rule_.location.error_at(q_.text, offset, "").line; }
  const Followed& of(const kusto::TabularExpr* te) const { return followed_[index_.at(te)]; }

  // Registers the pipelines to follow in report order: a pipeline, then the right sides of its
  // joins and lookups, then its union legs (each followed the same way).
  void follow(const kusto::TabularExpr& te, std::string title, const kusto::TabularExpr* outer = nullptr, std::size_t outer_op = 0) {
    if (index_.count(&te)) return;
    index_[&te] = followed_.size();
    Followed f;
    f.te = &te;
    f.title = std::move(title);
    f.outer = outer;
    f.outer_op = outer_op;
    f.steps.resize(te.operators.size() + 1);
    followed_.push_back(std::move(f));
    for (std::size_t k = 0; k < te.operators.size(); ++k) {
      const auto& op = te.operators[k];
      const kusto::TabularExpr* right = nullptr;
      std::string what;
      if (const auto* j = op.as<kusto::Join>(); j && j->right) right = j->right.get(), what = "join";
      if (const auto* l = op.as<kusto::Lookup>(); l && l->right) right = l->right.get(), what = "lookup";
      if (!right) continue;
      // The join's diagnoses read its left input and its right side's output whole.
      keep_.insert({index_.at(&te), k});
      follow(*right, "right side of the " + what + " at line " + std::to_string(line_of(op.range.begin)), &te, k);
      keep_.insert({index_.at(right), right->operators.size()});
    }
    if (const auto* u = te.source.as<kusto::UnionSource>())
      for (const auto& leg : u->tables)
        if (leg) follow(*leg, "union leg (line " + std::to_string(line_of(leg->range.begin)) + ")");
  }

  // Values of expressions (query text) over the rows of `input`: the query's let statements, then
  // `input | project`. Each row gives one value per expression ("?" when they cannot be computed).
  std::vector<std::vector<std::string>> values(const Table& input, const std::vector<std::string>& exprs) {
    std::string t = prelude_ + "\n" + kInputTable + "\n| project ";
    for (std::size_t i = 0; i < exprs.size(); ++i)
      t += (i ? ", " : "") + std::string("__rulelab_") + std::to_string(i) + " = (" + exprs[i] + ")";
    ws_.engine.add_table(kInputTable, std::make_shared<const Table>(input));
    engine::RunOptions ro;
    ro.now_ticks = now_;
    ro.limits = ws_.limits;
    Table out;
    engine::EngineError ee;
    std::vector<std::vector<std::string>> rows;
    if (!ws_.engine.run(t, kusto::QueryLocation::identity("query"), ro, out, ee)) return rows;
    for (const RowRef& r : engine::all_rows(out)) {
      std::vector<std::string> row;
      for (std::size_t i = 0; i < exprs.size(); ++i) row.push_back(cell(out, r, "__rulelab_" + std::to_string(i)));
      rows.push_back(std::move(row));
    }
    return rows;
  }

  // Values of expressions on the event's row (a one-row table).
  std::vector<std::string> on_event(const std::shared_ptr<const Table>& row, const std::vector<std::string>& exprs) {
    if (!row) return std::vector<std::string>(exprs.size(), "?");
    auto v = values(*row, exprs);
    return v.empty() ? std::vector<std::string>(exprs.size(), "?") : v.front();
  }

  // Distinct values of key expressions over a table (at most `limit`); `rows` its row count.
  std::vector<std::string> key_values(const std::shared_ptr<const Table>& table, const std::vector<std::string>& exprs,
                                      std::size_t limit, std::size_t& rows) {
    rows = 0;
    std::vector<std::string> out;
    if (!table) return out;
    std::set<std::string> seen;
    for (const auto& row : values(*table, exprs)) {
      ++rows;
      std::string k;
      for (std::size_t i = 0; i < row.size(); ++i) k += (i ? ", " : "") + row[i];
      if (seen.insert(k).second && out.size() < limit) out.push_back(k);
    }
    return out;
  }

  static std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
    return s;
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

  static void join_of(const kusto::Operator& op, const std::vector<kusto::ExprPtr>*& on, const kusto::TabularExpr*& right) {
    on = nullptr;
    right = nullptr;
    if (const auto* j = op.as<kusto::Join>()) on = &j->on, right = j->right.get();
    if (const auto* l = op.as<kusto::Lookup>()) on = &l->on, right = l->right.get();
  }

  ExplainPipeline pipeline(const Followed& f) {
    const kusto::TabularExpr& te = *f.te;
    ExplainPipeline p;
    p.title = f.title;
    p.lines = std::to_string(line_of(te.range.begin)) + "-" + std::to_string(line_of(te.range.end ? te.range.end - 1 : 0));
    bool alive = true;
    for (std::size_t k = 0; k <= te.operators.size() && alive; ++k) {
      const kusto::SourceRange r = k == 0 ? te.source.range : te.operators[k - 1].range;
      ExplainStep s;
      s.text = one_line(text(r));
      s.line = line_of(r.begin);
      const StepOutput& o = f.steps[k];
      if (!o.ran) {
        const auto* ref = te.source.as<kusto::TableRef>();
        s.error = ref && ref->wildcard ? "a wildcard leg: each table it matches is read as a leg of the union, not followed here"
                                       : "this part of the query did not run (a union isfuzzy=true leg that does not resolve is left out)";
        p.steps.push_back(std::move(s));
        alive = false;
        break;
      }
      s.rows = o.rows;
      s.event_rows = o.event_rows;
      s.kept = o.event_rows > 0;
      if (!s.kept) {
        alive = false;
        if (k == 0) s.why = Loss{Loss::Kind::NotInSource, "the event is not in this source (another table, or outside the rule's window)", {}, {}, {}, {}};
        else s.why = why_lost(f, k - 1);
      }
      p.steps.push_back(std::move(s));
    }
    p.event_reaches_end = alive;
    if (alive && f.outer) p.join = join_from_right(f);
    return p;
  }

  // Operator k of pipeline f produced no row from the event; its input (step k) holds the event.
  Loss why_lost(const Followed& f, std::size_t k) {
    const kusto::Operator& op = f.te->operators[k];
    const std::shared_ptr<const Table>& row = f.steps[k].event_row;
    Loss why;
    if (const auto* w = op.as<kusto::Where>()) {
      why.kind = Loss::Kind::Where;
      std::vector<const kusto::Expr*> parts;
      split_parts(*w->predicate, parts);
      std::vector<std::string> exprs;
      for (const auto* e : parts) {
        exprs.push_back(text(e->range));
        const auto* b = std::get_if<kusto::Binary>(&e->node);
        exprs.push_back(b && !is_literal(*b->lhs) ? text(b->lhs->range) : "");
        exprs.push_back(b && !is_literal(*b->rhs) ? text(b->rhs->range) : "");
      }
      std::vector<std::string> asked;
      for (const auto& x : exprs) asked.push_back(x.empty() ? "0" : x);
      const auto vals = on_event(row, asked);
      for (std::size_t i = 0; i < parts.size(); ++i) {
        PredicatePart c{one_line(exprs[3 * i]), vals[3 * i], std::nullopt, std::nullopt};
        if (!exprs[3 * i + 1].empty()) c.left = PredicatePart::Operand{one_line(exprs[3 * i + 1]), vals[3 * i + 1]};
        if (!exprs[3 * i + 2].empty()) c.right = PredicatePart::Operand{one_line(exprs[3 * i + 2]), vals[3 * i + 2]};
        why.where.push_back(std::move(c));
      }
      return why;
    }
    if (const auto* m = op.as<kusto::MvApply>()) {
      why.kind = Loss::Kind::MvApply;
      std::vector<std::string> exprs;
      for (const auto& it : m->items) exprs.push_back(text(it.value->range));
      const auto vals = on_event(row, exprs);
      for (std::size_t i = 0; i < exprs.size(); ++i) why.mv_apply.push_back({one_line(exprs[i]), vals[i]});
      why.note = "no element of the array passed the subquery, so mv-apply dropped the row";
      return why;
    }
    const std::vector<kusto::ExprPtr>* on = nullptr;
    const kusto::TabularExpr* right = nullptr;
    join_of(op, on, right);
    if (on && right && index_.count(right)) {
      why.kind = Loss::Kind::Join;
      JoinKeys& j = why.join;
      join_keys(*on, j.left_key, j.right_key);
      j.event_key = joined(on_event(row, j.left_key));
      j.other_keys = key_values(of(right).steps.back().table, j.right_key, 10, j.other_rows);
      j.note = j.other_rows == 0 ? "the right side has no rows" : "no right row has the event's key";
      return why;
    }
    why.kind = Loss::Kind::Other;
    why.operator_text = one_line(text(op.range));
    why.note = "this operator produced no row from the event";
    return why;
  }

  // A right side carries the event to its end: the join it feeds, seen from that side.
  JoinFromRight join_from_right(const Followed& f) {
    const Followed& outer = of(f.outer);
    const kusto::Operator& op = f.outer->operators[f.outer_op];
    JoinFromRight out;
    const std::vector<kusto::ExprPtr>* on = nullptr;
    const kusto::TabularExpr* right = nullptr;
    join_of(op, on, right);
    if (!on) return out;
    out.operator_text = one_line(text(op.range)).substr(0, 60);
    out.line = line_of(op.range.begin);
    JoinKeys& j = out.keys;
    join_keys(*on, j.left_key, j.right_key);
    j.event_key = joined(on_event(f.steps.back().event_row, j.right_key));
    j.other_keys = key_values(outer.steps[f.outer_op].table, j.left_key, 10, j.other_rows);
    const StepOutput& through = outer.steps[f.outer_op + 1];
    out.paired = through.ran ? through.event_rows : 0;
    j.note = out.paired ? "the join pairs the event with " + std::to_string(out.paired) + " row(s) of the left side"
             : j.other_rows == 0 ? "the left side has no rows at the join, so nothing pairs with the event"
                                 : "no left row has the event's key, so the join drops it";
    return out;
  }

  Workspace& ws_;
  const kusto::SentinelRule& rule_;
  const kusto::Query& q_;
  std::int64_t now_;
  RowSource target_;
  std::string prelude_;
  std::vector<Followed> followed_;
  std::map<const kusto::TabularExpr*, std::size_t> index_;
  std::set<std::pair<std::size_t, std::size_t>> keep_;  // (pipeline, step) whose whole output a join diagnosis reads
};

WindowVerdict window_verdict(const LoadedRule& lr, const kusto::SentinelRule& rule, const ExplainTarget& target, DateTime now) {
  WindowVerdict v;
  v.window = lr.window_at(now);
  if (!v.window) {
    v.verdict = "no queryPeriod: every record is visible";
    return v;
  }
  const std::string span = lr.kind == Kind::SentinelNrt ? "NRT: the minute before now"
                                                        : "queryPeriod " + format_timespan(*rule.query_period);
  const std::string w = v.window->text() + " (" + span + ")";
  v.contains_event = target.time && v.window->contains(*target.time);
  v.verdict = v.contains_event ? "inside the rule's window " + w : "OUTSIDE the rule's window " + w + ": Sentinel never shows it to the query";
  if (target.time && lr.schedule) {
    v.every = lr.schedule->frequency;
    v.runs_from = *target.time;
    v.runs_to = DateTime{target.time->ticks + lr.schedule->period.ticks};
    v.verdict += "; the scheduled runs (every " + format_timespan(*v.every) + ") whose window holds it run between " +
                 format_datetime(*v.runs_from) + " and " + format_datetime(*v.runs_to);
  }
  return v;
}

}  // namespace

Result<SentinelExplanation> explain_sentinel(const LoadedRule& lr, const DataOptions& given, const ExplainTarget& target,
                                             DateTime now) {
  if (!lr.sentinel) return Error("not a Sentinel rule", lr.path);
  const DataOptions data = with_default_parsers(given, lr.path);
  auto content = workspace_content(data);
  if (!content) return content.error();
  const kusto::SentinelRule& rule = *lr.sentinel;
  SentinelExplanation ex;
  ex.window = window_verdict(lr, rule, target, now);

  // The workspace as the Sentinel runner loads it for one run (columns pruned, the window applied
  // while reading), without pushing the query's filters down: each operator must see its input.
  std::optional<std::pair<std::int64_t, std::int64_t>> window;
  if (ex.window.window) window = std::make_pair(ex.window.window->from.ticks, ex.window.window->to.ticks);
  std::map<std::string, std::vector<std::string>> projection;
  {
    Workspace probe;
    if (!load_workspace(probe, {}, data.schema_dir, {}, data.strict, std::nullopt)) return Error(probe.messages.back());
    projection = plan_projection(rule, data, probe.schemas);
  }
  Workspace ws;
  ws.limits = data.limits;
  ws.date_order = data.date_order;
  ws.content = *content;
  ws.standard_columns = standard_columns_named(rule.query, content->get());
  const bool loaded = load_workspace_projected(ws, data.data, data.schema_dir, data.functions, data.strict, window,
                                               projection.empty() ? nullptr : &projection, nullptr, false);
  ex.warnings = ws.messages;
  ws.messages.clear();
  if (!loaded) return Error(ex.warnings.empty() ? "cannot load the data" : ex.warnings.back());

  kusto::ParseOptions po;
  po.location = rule.location;
  auto parsed = kusto::parse_query(rule.query, po);
  if (!parsed) return parsed.error();
  const kusto::Query& q = *parsed;

  // One run, as `run` runs it, with the tap on.
  Explainer explainer(ws, rule, q, now.ticks, RowSource{static_cast<std::uint32_t>(target.file_index), static_cast<std::uint32_t>(target.line)});
  engine::RunOptions ro;
  ro.now_ticks = now.ticks;
  ro.limits = data.limits;
  std::string ext_error;
  if (!external_files(data.external, ro.external, ext_error)) return Error(ext_error);
  Lineage lineage;
  ro.lineage = &lineage;
  ro.tap = [&](const engine::OperatorOutput& o) { explainer.observe(o); };
  std::vector<Error> engine_warnings, engine_notes;
  ro.warnings = &engine_warnings;
  ro.notes = &engine_notes;
  auto result = std::make_shared<Table>();
  engine::EngineError ee;
  if (!ws.engine.run(q, rule.location, ro, *result, ee)) return ee.error;
  for (auto& w : format_engine_messages(engine_warnings)) ex.warnings.push_back(std::move(w));
  ex.notes = ws.notes;
  for (auto& n : format_engine_messages(engine_notes)) ex.notes.push_back(std::move(n));

  RunResult& run = ex.run;
  run.rule_name = rule.name;
  run.rule_file = rule.file;
  run.now = now;
  run.window = ex.window.window;
  run.provenance = provenance_lists(*result, lineage, ws.files);
  fill_sentinel_result(lr, rule, result, run);

  // The result rows that derive from the event, and the alert that holds the first.
  const std::vector<RowRef> rows = engine::all_rows(*result);
  std::optional<std::size_t> first;
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (explainer.derives(result->batches[rows[i].batch].sources[rows[i].row], &lineage)) {
      if (!first) first = i;
      ++ex.event_rows;
    }
  ex.led_to_alert = run.alert && ex.event_rows > 0;
  const auto count = rows.size();
  if (ex.event_rows) {
    ex.verdict = std::to_string(ex.event_rows) + " of the " + std::to_string(count) + " result rows derive from this event; the rule " +
                 (run.alert ? "ALERTS" : !lr.policy.alerts ? "raises no alert (a hunting query)" : "does not alert (trigger not met)");
    // AlertPerResult (as the runner builds the alerts): one alert per row up to the per-run cap
    // (150, NRT 30); past it the last alert summarizes all rows.
    const std::size_t cap = lr.policy.per_result_cap;
    if (run.alert && lr.policy.per_result) {
      if (count <= cap || *first + 1 < cap) {
        ex.alert_index = *first;
        ex.verdict += " (AlertPerResult: its row is alert " + std::to_string(*first + 1) + " of " + std::to_string(run.alerts.size()) + ")";
      } else {
        ex.in_summary_alert = true;
        ex.verdict += " (AlertPerResult: " + std::to_string(count) + " rows exceed the " + std::to_string(cap) +
                      " alerts a run creates; its row is only in the last alert, which summarizes all rows)";
      }
    }
  } else {
    ex.verdict = std::string("no result row derives from this event") + (run.alert ? " (the rule alerts on other events)" : "; the rule does not alert");
  }
  if (ex.window.contains_event) ex.pipelines = explainer.explain();
  return ex;
}

}  // namespace rulelab::app
