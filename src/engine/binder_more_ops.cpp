// Binding of the tabular operators consume, project-by-names, top-hitters, top-nested, partition and scan
// (one case each, after its page of the Kusto reference; the operators live in op_*.cpp).
#include <set>

#include "engine/binder.hpp"
#include "engine/functions.hpp"
#include "engine/more_ops.hpp"

namespace rulelab::engine {

// One aggregate call over the rows of `rc` (top-nested levels, top-hitters).
AggSpec Binder::bind_single_aggregate(const K::Call& c, std::uint32_t off, const RowCtx& rc, const Src& src, const ScopePtr& scope,
                                      Type& out_type) {
  const AggregateFunction* fn = engine_.aggregates().find(c.name);
  if (!fn) fail(src, off, "'" + c.name + "' is not an aggregation function");
  AggSpec a;
  a.fn = fn;
  for (auto& arg : c.args) {
    if (arg.value->as<K::Star>()) {
      if (c.name == "count") continue;
      fail(src, arg.value->range.begin, c.name + "(*) is not supported here", true);
    }
    ExprPtr e = bind_expr(*arg.value, rc, src, scope);
    a.const_args.push_back(e->kind == ExprKind::Const ? e->constant : Value::null_of(e->type));
    a.args.push_back(std::move(e));
  }
  const int n = static_cast<int>(a.args.size());
  if (n < fn->min_args || (fn->max_args >= 0 && n > fn->max_args)) fail(src, off, c.name + "(): wrong number of arguments");
  std::vector<Type> types;
  std::vector<const Value*> consts;
  for (auto& e : a.args) { types.push_back(e->type); consts.push_back(e->kind == ExprKind::Const ? &e->constant : nullptr); }
  std::string err;
  std::vector<Type> outs = fn->types(types, consts, err);
  if (!err.empty()) fail(src, off, c.name + ": " + err);
  if (outs.size() != 1) fail(src, off, c.name + "() gives several columns; one is needed here", true);
  out_type = outs[0];
  return a;
}

PlanPtr Binder::bind_more_operator(PlanPtr in, const K::Operator& op, const Src& src, const ScopePtr& scope) {
  const std::uint32_t off = op.range.begin;
  const Schema& is = in->schema;
  RowCtx rc;
  rc.schema = &is;
  RowCtx none;
  Schema empty;
  none.schema = &empty;

  if (op.as<K::Consume>()) {
    // consume-operator: the input runs; nothing is returned ("The results table is empty").
    return make_consume(std::move(in));
  }

  if (auto* pb = op.as<K::ProjectByNames>()) {
    // project-by-names-operator: names, '*' patterns and dynamic arrays of names, in the order given;
    // names that match no column are ignored.
    std::vector<std::string> specs;
    for (auto& e : pb->specs) {
      const Value v = eval_const(bind_expr(*e, none, src, scope), e->range.begin, src);
      if (v.type == Type::String) specs.push_back(v.s);
      else if (v.type == Type::Dynamic && !v.is_null() && v.dyn().is_array()) {
        v.dyn().for_each_element([&](DynRef x) { if (x.is_string()) specs.emplace_back(x.as_string()); });
      } else if (!v.is_null())
        fail(src, e->range.begin, "project-by-names expects column names (strings) or dynamic arrays of them, not " + std::string(type_name(v.type)));
    }
    std::vector<int> output;
    std::set<int> taken;
    Schema out;
    for (auto& s : specs)
      for (std::size_t i = 0; i < is.fields.size(); ++i)
        if ((s.find('*') != std::string::npos ? wildcard(s, is.fields[i].name) : s == is.fields[i].name) && taken.insert(static_cast<int>(i)).second) {
          output.push_back(static_cast<int>(i));
          out.fields.push_back(is.fields[i]);
        }
    return make_compute(std::move(in), {}, std::move(output), std::move(out));
  }

  if (auto* th = op.as<K::TopHitters>()) {
    // top-hitters-operator: the N values of Expr with the largest count (or sum of SumExpr):
    // `summarize approximate_count_X = count() by X | top N by ...` (rulelab counts exactly).
    const Value nv = eval_const(bind_expr(*th->count, none, src, scope), th->count->range.begin, src);
    bool ok = false;
    const double n = nv.is_null() ? -1 : number_of(nv, ok);
    if (!ok || n < 0) fail(src, th->count->range.begin, "top-hitters expects a non-negative number of values");
    ExprPtr key = bind_expr(*th->of, rc, src, scope);
    std::string kname = derive_name(*th->of, &is);
    if (kname.empty()) kname = "Column1";
    Schema out;
    out.fields.push_back({kname, key->type});
    AggSpec a;
    if (th->by) {
      ExprPtr v = bind_expr(*th->by, rc, src, scope);
      if (!is_numeric(v->type) && v->type != Type::Dynamic) fail(src, th->by->range.begin, "top-hitters: the summing expression must be numeric");
      a.fn = engine_.aggregates().find("sum");
      std::string err;
      std::vector<const Value*> consts{nullptr};
      const Type t = a.fn->types({v->type}, consts, err).at(0);
      a.const_args.push_back(Value::null_of(v->type));
      a.args.push_back(v);
      std::string sname = derive_name(*th->by, &is);
      out.fields.push_back({unique_name(out, "approximate_sum_" + (sname.empty() ? std::string("Column2") : sname)), t});
    } else {
      a.fn = engine_.aggregates().find("count");
      out.fields.push_back({unique_name(out, "approximate_count_" + kname), Type::Long});
    }
    a.out_columns = {1};
    const Type ct = out.fields[1].type;
    PlanPtr sum = make_summarize(std::move(in), {key}, {a}, std::move(out));
    SortKeySpec s;
    s.expr = make_column(1, ct);
    s.descending = true;
    return make_sort(std::move(sum), {s}, static_cast<std::int64_t>(n));
  }

  if (auto* tn = op.as<K::TopNested>()) {
    // top-nested-operator: per level, the rows of each partition of the level above are grouped
    // by the level's Expr, aggregated, and the top N groups (all without N) kept, with an
    // optional `with others` row aggregating the rest. Two columns per level.
    std::vector<TopNestedLevel> levels;
    Schema out;
    for (auto& l : tn->levels) {
      TopNestedLevel lv;
      if (l.count) {
        const Value nv = eval_const(bind_expr(*l.count, none, src, scope), l.count->range.begin, src);
        bool ok = false;
        const double n = nv.is_null() ? -1 : number_of(nv, ok);
        if (!ok || n < 0) fail(src, l.count->range.begin, "top-nested expects a non-negative number of values");
        lv.count = static_cast<std::int64_t>(n);
      }
      lv.key = bind_expr(*l.of.value, rc, src, scope);
      std::string kname = l.of.names.empty() ? derive_name(*l.of.value, &is) : l.of.names[0];
      if (kname.empty()) kname = "Column" + std::to_string(out.fields.size() + 1);
      if (l.others) {
        Value ov = eval_const(bind_expr(*l.others, none, src, scope), l.others->range.begin, src);
        lv.others = convert_to(ov, lv.key->type);
      }
      const K::Call* c = l.by.value->as<K::Call>();
      if (!c || !engine_.aggregates().find(c->name))
        fail(src, l.by.value->range.begin, "top-nested: only a single aggregation call is supported after 'by' (rulelab does not combine aggregations here)", true);
      Type at = Type::Long;
      lv.agg = bind_single_aggregate(*c, l.by.value->range.begin, rc, src, scope, at);
      lv.descending = l.descending;
      std::string aname = l.by.names.empty() ? "aggregated_" + kname : l.by.names[0];
      out.fields.push_back({unique_name(out, kname), lv.key->type});
      out.fields.push_back({unique_name(out, aname), at});
      levels.push_back(std::move(lv));
    }
    return at_site(make_top_nested(std::move(in), std::move(levels), std::move(out)), src, off, "top-nested");
  }

  if (auto* pt = op.as<K::Partition>()) {
    // partition-operator: the subquery's operators over each partition's rows; hints change how
    // Kusto distributes the work, not the result.
    const int col = is.index_of(pt->column);
    if (col < 0) fail_unresolved(src, off, "partition: no column '" + pt->column + "'");
    for (auto& p : pt->params)
      if (p.name.rfind("hint.", 0) != 0) fail(src, p.range.begin, "partition parameter '" + p.name + "' is not supported", true);
    auto slot = std::make_shared<ParamSlot>();
    Schema part = is;
    PlanPtr sub = make_param(slot, part);
    for (auto& o : pt->subquery->operators) sub = bind_operator(std::move(sub), o, src, scope);
    return at_site(make_partition(std::move(in), col, std::move(slot), std::move(sub)), src, off, "partition");
  }

  if (auto* sc = op.as<K::Scan>()) {
    // scan-operator. Working row of a step's expressions: the record's columns (input, then the
    // declared ones with their current values), then for each step s the state's record of s as
    // columns named "s.Column" (null while s has none); `s.Column` in the query reads those.
    ScanSpec spec;
    Schema rec = is;
    rec.table.clear();
    for (auto& d : sc->declared) {
      if (rec.index_of(d.column.name) >= 0) fail(src, d.column.range.begin, "scan: the declared column '" + d.column.name + "' exists already");
      Value def = Value::null_of(d.column.type);
      if (d.default_value) def = convert_to(eval_const(bind_expr(*d.default_value, none, src, scope), d.default_value->range.begin, src), d.column.type);
      spec.defaults.push_back(def);
      rec.fields.push_back({d.column.name, d.column.type});
    }
    Schema work = rec;
    std::set<std::string> names;
    for (auto& st : sc->steps) {
      if (!names.insert(st.name).second) fail(src, st.range.begin, "scan: the step name '" + st.name + "' is used twice");
      for (auto& f : rec.fields) work.fields.push_back({st.name + "." + f.name, f.type});
    }
    RowCtx wc;
    wc.schema = &work;
    for (auto& st : sc->steps) {
      ScanStep s;
      if (st.output == "all") s.output = ScanStep::All;
      else if (st.output == "last") s.output = ScanStep::Last;
      else if (st.output == "none") s.output = ScanStep::None;
      else fail(src, st.range.begin, "scan: output must be all, last or none, not '" + st.output + "'");
      s.condition = bind_expr(*st.condition, wc, src, scope);
      if (s.condition->type != Type::Bool && s.condition->type != Type::Dynamic)
        fail(src, st.condition->range.begin, "scan: a step's condition must be bool");
      for (auto& a : st.assignments) {
        if (a.names.size() != 1) fail(src, a.range.begin, "scan: an assignment is 'Column = Expression'");
        const int col = rec.index_of(a.names[0]);
        if (col < static_cast<int>(is.fields.size()))
          fail(src, a.range.begin, "scan: '" + a.names[0] + "' is not a declared column (declare it in 'declare (...)')");
        ExprPtr e = bind_expr(*a.value, wc, src, scope);
        const Type t = rec.fields[static_cast<std::size_t>(col)].type;
        if (e->type != t) e = call_op(t == Type::String ? "tostring" : t == Type::Long ? "tolong" : t == Type::Int ? "toint"
                                      : t == Type::Real ? "toreal" : t == Type::Bool ? "tobool" : t == Type::DateTime ? "todatetime"
                                      : t == Type::TimeSpan ? "totimespan" : t == Type::Guid ? "toguid" : "todynamic", {e}, a.range.begin, src);
        s.assignments.emplace_back(col, std::move(e));
      }
      spec.steps.push_back(std::move(s));
    }
    Schema out = rec;
    if (sc->match_id) out.fields.push_back({unique_name(out, *sc->match_id), Type::Long});
    spec.match_id = sc->match_id.has_value();
    return at_site(make_scan_steps(std::move(in), std::move(spec), std::move(work), std::move(out)), src, off, "scan");
  }
  return nullptr;
}

}  // namespace rulelab::engine
