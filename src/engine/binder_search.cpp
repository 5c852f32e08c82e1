// Binding of search, find, facet, fork and reduce (Kusto reference: search-operator,
// find-operator, facet-operator, fork-operator, reduce-operator).
#include <algorithm>
#include <map>
#include <set>

#include "engine/binder.hpp"
#include "engine/more_ops.hpp"

namespace rulelab::engine {

namespace {

// The names a predicate reads (columns, or lets it refers to), and whether it reads every column (`*`).
void names_read(const K::Expr& e, std::set<std::string>& names, bool& star) {
  if (auto* n = e.as<K::Name>()) names.insert(n->name);
  else if (e.as<K::Star>()) star = true;
  else if (auto* m = e.as<K::Member>()) names_read(*m->object, names, star);
  else if (auto* i = e.as<K::Index>()) { names_read(*i->object, names, star); names_read(*i->index, names, star); }
  else if (auto* u = e.as<K::Unary>()) names_read(*u->operand, names, star);
  else if (auto* b = e.as<K::Binary>()) { names_read(*b->lhs, names, star); names_read(*b->rhs, names, star); }
  else if (auto* in = e.as<K::InExpr>()) { names_read(*in->lhs, names, star); for (auto& x : in->items) names_read(*x, names, star); }
  else if (auto* bt = e.as<K::Between>()) { names_read(*bt->lhs, names, star); names_read(*bt->low, names, star); names_read(*bt->high, names, star); }
  else if (auto* c = e.as<K::Call>()) {
    if (c->name == "pack_all") star = true;
    for (auto& a : c->args) if (a.value) names_read(*a.value, names, star);
  }
}

const char* conversion_of(Type t) {
  switch (t) {
    case Type::String: return "tostring";
    case Type::Long: return "tolong";
    case Type::Int: return "toint";
    case Type::Real: return "toreal";
    case Type::Decimal: return "todecimal";
    case Type::Bool: return "tobool";
    case Type::DateTime: return "todatetime";
    case Type::TimeSpan: return "totimespan";
    case Type::Guid: return "toguid";
    default: return "todynamic";
  }
}

// Column k of `s` as an expression.
ExprPtr column(const Schema& s, std::size_t k) { return make_column(static_cast<int>(k), s.fields[k].type); }

}  // namespace

// The tables search and find read: the piped input, the `in (...)` list (as union's legs), or
// every table of the workspace, each with its name (the $table / source_ column).
std::vector<Binder::SearchLeg> Binder::search_legs(PlanPtr in, bool has_in, const std::vector<K::TabularPtr>& tables,
                                                   std::uint32_t off, const Src& src, const ScopePtr& scope) {
  std::vector<SearchLeg> legs;
  if (in) {
    // search-operator: "the table name from which each record was retrieved (or some
    // system-generated name if the source isn't a table)": rulelab names a non-table input union_arg0.
    std::string name = in->schema.table.empty() ? "union_arg0" : in->schema.table;
    legs.push_back({std::move(name), std::move(in)});
    return legs;
  }
  if (!has_in) {
    for (auto& [n, scan] : tables_matching("*")) legs.push_back({n, scan});
    if (legs.empty()) fail(src, off, "no table to search: the workspace has no tables");
    return legs;
  }
  for (auto& t : tables) {
    const K::TableRef* ref = t->operators.empty() ? t->source.as<K::TableRef>() : nullptr;
    if (ref && ref->wildcard) {
      for (auto& [n, scan] : tables_matching(ref->name)) legs.push_back({n, scan});
      continue;
    }
    PlanPtr p = bind_tabular(*t, src, scope);
    legs.push_back({union_leg_name(*t, legs.size()), std::move(p)});
  }
  if (legs.empty()) fail(src, off, "no table matches the tables in 'in (...)'");
  return legs;
}

// Each leg filtered by the predicate. find-operator, "Output schema": "Source tables that don't
// contain any column used by the predicate evaluation, are filtered out" (a free term or `*`
// reads every column). A leg lacking some of the columns the predicate names reads them as
// nulls of their type in the other tables ("find acts as union": union, then where). `named`:
// the predicate's columns found in some leg.
std::vector<Binder::SearchLeg> Binder::filter_legs(std::vector<SearchLeg> legs, const K::Expr& pred, std::set<std::string>& named,
                                                   std::uint32_t off, const Src& src, const ScopePtr& scope) {
  std::set<std::string> names;
  bool star = false;
  names_read(pred, names, star);
  std::map<std::string, Type> type_of;
  for (auto& l : legs)
    for (auto& f : l.plan->schema.fields)
      if (names.count(f.name) && !type_of.count(f.name)) type_of[f.name] = f.type;
  for (auto& [n, t] : type_of) named.insert(n);
  std::vector<SearchLeg> out;
  for (auto& l : legs) {
    const Schema& s = l.plan->schema;
    bool reads = named.empty() && !star;
    if (star && !s.fields.empty()) reads = true;
    for (auto& n : named) reads = reads || s.index_of(n) >= 0;
    if (!reads) continue;
    // the missing columns as nulls, then the filter, then the leg's own columns again
    Schema ext = s;
    std::vector<ExprPtr> steps;
    std::vector<int> all, own;
    for (std::size_t k = 0; k < s.fields.size(); ++k) { all.push_back(static_cast<int>(k)); own.push_back(static_cast<int>(k)); }
    for (auto& n : named)
      if (s.index_of(n) < 0) {
        steps.push_back(make_const(Value::null_of(type_of[n])));
        all.push_back(static_cast<int>(ext.fields.size()));
        ext.fields.push_back({n, type_of[n]});
      }
    PlanPtr p = l.plan;
    if (!steps.empty()) p = make_compute(std::move(p), std::move(steps), all, ext);
    RowCtx rc;
    rc.schema = &p->schema;
    ExprPtr e = bind_expr(pred, rc, src, scope);
    if (e->type != Type::Bool && e->type != Type::Dynamic)
      fail(src, pred.range.begin, "the predicate is " + std::string(type_name(e->type)) + ", not bool");
    if (!(e->kind == ExprKind::Const && e->constant.truthy())) p = make_filter(std::move(p), e);
    if (p->schema.fields.size() != s.fields.size()) p = make_compute(std::move(p), {}, own, s);
    out.push_back({l.name, std::move(p)});
  }
  if (out.empty()) fail_unresolved(src, off, "no table has a column the predicate reads");
  return out;
}

// search-operator: the matching records of every table searched, `$table` first, then the
// columns of those tables as union (kind=outer) gives them.
PlanPtr Binder::bind_search(PlanPtr in, const K::Search& s, std::uint32_t off, const Src& src, const ScopePtr& scope) {
  std::set<std::string> named;
  auto legs = filter_legs(search_legs(std::move(in), s.has_in, s.tables, off, src, scope), *s.predicate, named, off, src, scope);
  std::vector<PlanPtr> kids;
  std::vector<std::string> names;
  for (auto& l : legs) { kids.push_back(l.plan); names.push_back(l.name); }
  return union_of(std::move(kids), std::move(names), "$table", false);
}

// find-operator. Output: the withsource column (source_), then with project-smart the columns the
// predicate names and those common to every table searched (a name with several types as
// name_type columns), with `project` the columns listed (cast to a given type; null where a
// table lacks one); then `pack_`: a property bag of the row's other columns (project-smart, or
// `pack_all()` in the list; the page's examples name it pack_ and leave the projected columns out).
PlanPtr Binder::bind_find(const K::Find& f, std::uint32_t off, const Src& src, const ScopePtr& scope) {
  std::set<std::string> named;
  auto legs = filter_legs(search_legs(nullptr, f.has_in, f.tables, off, src, scope), *f.predicate, named, off, src, scope);
  struct OutCol {
    std::string name;    // output name
    std::string source;  // column of the legs
    Type type;
    bool cast = false;   // values of another type converted (project Col:type)
  };
  std::vector<OutCol> cols;
  bool pack = false;
  if (f.project_smart) {
    std::vector<std::string> order;
    std::map<std::string, std::vector<Type>> types;  // in order of appearance (the page: ProcessId_string, ProcessId_int)
    for (auto& l : legs)
      for (auto& fl : l.plan->schema.fields) {
        if (!types.count(fl.name)) order.push_back(fl.name);
        auto& ts = types[fl.name];
        if (std::find(ts.begin(), ts.end(), fl.type) == ts.end()) ts.push_back(fl.type);
      }
    for (auto& n : order) {
      bool common = true;
      for (auto& l : legs) common = common && l.plan->schema.index_of(n) >= 0;
      if (!common && !named.count(n)) continue;
      auto& ts = types[n];
      if (ts.size() == 1) cols.push_back({n, n, *ts.begin()});
      else for (Type t : ts) cols.push_back({n + "_" + std::string(type_name(t)), n, t});
    }
    // pack_ when some table has columns not shown (the page's Table1/Table2 example, all shown, has none)
    for (auto& l : legs)
      for (auto& fl : l.plan->schema.fields) {
        bool shown = false;
        for (auto& c : cols) shown = shown || (c.source == fl.name && c.type == fl.type);
        pack = pack || !shown;
      }
  } else {
    for (auto& c : f.columns) {
      if (c.pack_all) { pack = true; continue; }
      std::set<Type> ts;
      for (auto& l : legs)
        if (int i = l.plan->schema.index_of(c.name); i >= 0) ts.insert(l.plan->schema.fields[static_cast<std::size_t>(i)].type);
      if (c.type) {
        // the page's example: `project ..., ProcessId:string` over a string and a long ProcessId
        // gives ProcessId_string
        const std::string out_name = ts.size() > 1 ? c.name + "_" + std::string(type_name(*c.type)) : c.name;
        cols.push_back({out_name, c.name, *c.type, true});
        continue;
      }
      if (ts.empty()) fail_unresolved(src, c.range.begin, "find: no table searched has a column '" + c.name + "'");
      if (ts.size() > 1) {
        std::string list;
        for (Type t : ts) list += (list.empty() ? "" : ", ") + std::string(type_name(t));
        fail(src, c.range.begin, "find: '" + c.name + "' has several types in the tables searched (" + list +
                                     "): give one, as in project " + c.name + ":" + std::string(type_name(*ts.begin())));
      }
      cols.push_back({c.name, c.name, *ts.begin()});
    }
  }
  std::set<std::string> out_names;
  for (auto& c : cols) {
    if (!out_names.insert(c.name).second) fail(src, off, "find: the column '" + c.name + "' is given twice");
  }
  Schema out;
  for (auto& c : cols) out.fields.push_back({c.name, c.type});
  if (pack) out.fields.push_back({unique_name(out, "pack_"), Type::Dynamic});
  std::vector<PlanPtr> kids;
  std::vector<std::string> names;
  for (auto& l : legs) {
    const Schema& s = l.plan->schema;
    std::vector<ExprPtr> steps;
    std::set<std::string> used;
    for (auto& c : cols) {
      const int i = s.index_of(c.source);
      used.insert(c.source);
      if (i < 0) { steps.push_back(make_const(Value::null_of(c.type))); continue; }
      const auto k = static_cast<std::size_t>(i);
      if (s.fields[k].type == c.type) steps.push_back(column(s, k));
      else if (c.cast) steps.push_back(call_op(conversion_of(c.type), {column(s, k)}, off, src));
      else steps.push_back(make_const(Value::null_of(c.type)));  // the column of its other type
    }
    if (pack) {
      std::vector<ExprPtr> pairs;
      for (std::size_t k = 0; k < s.fields.size(); ++k) {
        if (!f.project_smart && used.count(s.fields[k].name)) continue;
        // project-smart: a column goes to pack_ unless an output column holds it (same name and type)
        if (f.project_smart) {
          bool shown = false;
          for (auto& c : cols) shown = shown || (c.source == s.fields[k].name && c.type == s.fields[k].type);
          if (shown) continue;
        }
        pairs.push_back(make_const(Value::of_string(s.fields[k].name)));
        pairs.push_back(column(s, k));
      }
      steps.push_back(call_op("pack", std::move(pairs), off, src));
    }
    std::vector<int> pick;
    for (std::size_t k = 0; k < steps.size(); ++k) pick.push_back(static_cast<int>(s.fields.size() + k));
    kids.push_back(make_compute(l.plan, std::move(steps), std::move(pick), out));
    names.push_back(l.name);
  }
  return union_of(std::move(kids), std::move(names), f.withsource, false);
}

PlanPtr Binder::bind_search_operator(PlanPtr in, const K::Operator& op, const Src& src, const ScopePtr& scope) {
  const std::uint32_t off = op.range.begin;
  if (auto* s = op.as<K::Search>()) {
    if (s->has_in) fail(src, off, "search: 'in (...)' cannot follow a piped input (search-operator: T and TableSources exclude each other)");
    return bind_search(std::move(in), *s, off, src, scope);
  }
  if (op.as<K::Fork>() || op.as<K::Facet>())
    fail(src, off, op.name + " must be the last operator of the query: its result tables cannot be referenced by other operators");
  if (auto* r = op.as<K::Reduce>()) {
    // reduce-operator
    ReduceSpec spec;
    for (auto& p : r->params) {
      if (p.name == "kind") {
        if (p.value != "source") fail(src, p.range.begin, "reduce: the only kind is source, not '" + p.value + "'");
        spec.source = true;
      } else if (p.name == "threshold") {
        char* end = nullptr;
        spec.threshold = std::strtod(p.value.c_str(), &end);
        if (end == p.value.c_str() || *end || !(spec.threshold >= 0 && spec.threshold <= 1))
          fail(src, p.range.begin, "reduce: threshold must be a real number between 0 and 1, not '" + p.value + "'");
      } else if (p.name == "characters") {
        spec.characters = p.value;
      }
    }
    RowCtx rc;
    rc.schema = &in->schema;
    spec.value = bind_expr(*r->by, rc, src, scope);
    if (spec.value->type != Type::String) spec.value = call_op("tostring", {spec.value}, r->by->range.begin, src);
    Schema out;
    if (spec.source) {
      out = in->schema;
      out.fields.push_back({unique_name(out, "Pattern"), Type::String});
    } else {
      out.fields = {{"Pattern", Type::String}, {"Count", Type::Long}, {"Representative", Type::String}};
    }
    return make_reduce(std::move(in), std::move(spec), std::move(out));
  }
  return nullptr;
}

// fork-operator: each leg's operators over the input (run once), one result table each, named
// by `name=`, else by the leg's last `as`, else GenericResult (the page's name for unnamed legs).
// facet-operator: the `with` operators' table, then per column a table of its values and their
// counts (`count_Column`). Kusto's names for facet's tables are not documented: rulelab names
// them facet_with and facet_Column.
std::vector<Binder::NamedPlan> Binder::bind_fork_or_facet(PlanPtr in, const K::Operator& op, const Src& src, const ScopePtr& scope) {
  std::vector<NamedPlan> out;
  PlanPtr input = make_cached(std::move(in));
  if (auto* f = op.as<K::Fork>()) {
    // fork-operator, "Supported query operators"
    static const std::set<std::string> allowed = {"as", "count", "extend", "parse", "where", "filter", "take", "limit", "project",
                                                  "project-away", "project-keep", "project-rename", "project-reorder",
                                                  "summarize", "top", "top-nested", "sort", "order", "mv-expand", "mvexpand", "reduce"};
    for (auto& leg : f->legs) {
      PlanPtr p = input;
      std::string name = leg.name ? *leg.name : "GenericResult";
      for (auto& o : leg.query->operators) {
        if (!allowed.count(o.name))
          fail(src, o.range.begin, "fork: '" + o.name + "' cannot run inside a fork leg (fork-operator lists as, count, extend, parse, "
                                   "where, take, project, project-away, project-keep, project-rename, project-reorder, summarize, "
                                   "top, top-nested, sort, mv-expand, reduce)");
        if (auto* as = o.as<K::As>(); as && !leg.name) name = as->name;
        p = bind_operator(std::move(p), o, src, scope);
      }
      out.push_back({std::move(name), std::move(p)});
    }
    return out;
  }
  const auto& fc = *op.as<K::Facet>();
  if (fc.with) {
    PlanPtr p = input;
    for (auto& o : fc.with->operators) p = bind_operator(std::move(p), o, src, scope);
    out.push_back({"facet_with", std::move(p)});
  }
  for (auto& c : fc.columns) {
    if (input->schema.index_of(c.name) < 0) fail_unresolved(src, c.range.begin, "facet: no column '" + c.name + "'");
    // summarize count_Column = count() by Column
    auto sum = std::make_unique<K::Operator>();
    sum->range = c.range;
    sum->name = "summarize";
    K::Summarize s;
    K::Assignment agg;
    agg.range = c.range;
    agg.names = {"count_" + c.name};
    agg.value = std::make_unique<K::Expr>();
    agg.value->range = c.range;
    K::Call cnt;
    cnt.name = "count";
    cnt.name_range = c.range;
    agg.value->node = std::move(cnt);
    s.aggregates.push_back(std::move(agg));
    K::Assignment by;
    by.range = c.range;
    by.value = std::make_unique<K::Expr>();
    by.value->range = c.range;
    by.value->node = K::Name{c.name, true};
    s.by.push_back(std::move(by));
    sum->op = std::move(s);
    synthesized_.push_back(std::move(sum));
    out.push_back({"facet_" + c.name, bind_operator(input, *synthesized_.back(), src, scope)});
  }
  return out;
}

std::vector<Binder::NamedPlan> Binder::bind_query_results(const K::Query& q, const Src& src, const ScopePtr& scope) {
  // batches: "Results are produced by the tabular expression statements and ordered according to
  // the order of the statements in the query text"; a statement sees the lets before it only
  // (query-statements: a statement's effect starts where it appears).
  warn_set_options(q, src);
  std::vector<NamedPlan> out;
  for (const auto& st : q.statements) {
    const auto* ts = st.as<K::TabularStatement>();
    if (!ts) {
      bind_let(st, src, scope);
      continue;
    }
    const K::TabularExpr& res = *ts->query;
    if (!res.operators.empty()) {
      const K::Operator& last = res.operators.back();
      if (last.as<K::Fork>() || last.as<K::Facet>()) {
        PlanPtr in = bind_tabular(res, src, scope, res.operators.size() - 1);
        for (auto& p : bind_fork_or_facet(std::move(in), last, src, scope)) {
          p.offset = last.range.begin;
          out.push_back(std::move(p));
        }
        continue;
      }
    }
    // The batches page names each result with a trailing `as`.
    std::string name = "PrimaryResult";
    for (const auto& o : res.operators)
      if (const auto* as = o.as<K::As>()) name = as->name;
    result_evaluate_ = res.operators.empty() ? nullptr : res.operators.back().as<K::Evaluate>();
    extra_results_.clear();
    PlanPtr plan = bind_tabular(res, src, scope);
    result_evaluate_ = nullptr;
    if (!extra_results_.empty()) name = "prev-sequence-next";  // funnel_sequence: its page's names of its tables
    out.push_back({std::move(name), std::move(plan), st.range.begin});
    for (auto& e : extra_results_) out.push_back(std::move(e));
    extra_results_.clear();
  }
  if (out.empty()) fail(src, 0, "the query has no tabular expression to run");
  return out;
}

}  // namespace rulelab::engine
