// Binding of pipeline operators (one case per operator; the operators themselves live in op_*.cpp).
#include <algorithm>
#include <set>

#include "engine/binder.hpp"
#include "engine/functions.hpp"
#include "engine/parse_kv.hpp"
#include "engine/regex.hpp"

namespace rulelab::engine {

// A column-name pattern with `*` (project-away, project-keep, project-by-names...).
bool wildcard(std::string_view pat, std::string_view s) {
  std::size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
  while (i < s.size()) {
    if (p < pat.size() && pat[p] == '*') { star = p++; mark = i; }
    else if (p < pat.size() && pat[p] == s[i]) { ++p; ++i; }
    else if (star != std::string_view::npos) { p = star + 1; i = ++mark; }
    else return false;
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

// A name not yet used in `s` (Kusto appends 1, 2, ... : TimeGenerated1).
std::string unique_name(const Schema& s, const std::string& base) {
  if (s.index_of(base) < 0) return base;
  for (int k = 1;; ++k) {
    std::string n = base + std::to_string(k);
    if (s.index_of(n) < 0) return n;
  }
}
namespace {


std::string escape_regex(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) o.push_back('\\');
    o.push_back(c);
  }
  return o;
}

// The first generated name ColumnN (N from `next`) that `s` does not have yet.
std::string next_column_name(const Schema& s, int& next) {
  for (;;) {
    std::string n = "Column" + std::to_string(next++);
    if (s.index_of(n) < 0) return n;
  }
}

// An aggregate's column name when the query gives none (summarize-operator's examples: count_x,
// countif_, dcount_x, set_x, list_x, sum_y; take_any keeps its argument's name).
std::string agg_default_name(const std::string& fn, const K::Call& c) {
  if (fn == "take_any" || fn == "take_anyif") {
    std::string arg = c.args.empty() || !c.args[0].value ? "" : derive_name(*c.args[0].value);
    return arg.empty() ? fn + "_" : arg;  // take-any-aggregation-function: no prefix
  }
  std::string n = derive_call_name(c);
  return n.empty() ? fn + "_" : n;
}

}  // namespace

// A call of a function that returns several columns (series_fit_line, ...), split into them:
// `(a, b, c) = f(x)` names them (fewer names keep only the first columns), no name gives
// <function>_<argument>_<column> (series-stats-function); nullopt for any other expression.
std::optional<std::vector<std::pair<std::string, ExprPtr>>> Binder::split_multi_output(const K::Assignment& a, const ExprPtr& e,
                                                                                       const Src& src) {
  const auto* c = a.value->as<K::Call>();
  const MultiOutputFunction* mo = c ? find_multi_output(c->name) : nullptr;
  if (!mo || a.names.size() == 1) return std::nullopt;
  if (a.names.size() > mo->outputs.size())
    fail(src, a.range.begin, c->name + "() gives " + std::to_string(mo->outputs.size()) + " columns, not " + std::to_string(a.names.size()));
  std::string arg;
  if (!c->args.empty())
    if (auto* n = c->args[0].value->as<K::Name>()) arg = n->name;
  std::vector<std::pair<std::string, ExprPtr>> cols;
  for (std::size_t k = 0; k < mo->outputs.size(); ++k) {
    if (!a.names.empty() && k >= a.names.size()) break;
    const auto& [suffix, type] = mo->outputs[k];
    std::string name = a.names.empty() ? c->name + "_" + (arg.empty() ? "" : arg + "_") + suffix : a.names[k];
    ExprPtr x = call_op(".tuple_item", {e, make_const(Value::of_long(static_cast<std::int64_t>(k)))}, a.range.begin, src);
    if (type == Type::Real) x = call_op("toreal", {x}, a.range.begin, src);
    else if (type == Type::Long) x = call_op("tolong", {x}, a.range.begin, src);
    cols.emplace_back(std::move(name), std::move(x));
  }
  return cols;
}

PlanPtr Binder::bind_operator(PlanPtr in, const K::Operator& op, const Src& src, const ScopePtr& scope) {
  const std::uint32_t off = op.range.begin;
  const Schema& is = in->schema;
  RowCtx rc;
  rc.schema = &is;

  if (auto* w = op.as<K::Where>()) {
    ExprPtr p = bind_expr(*w->predicate, rc, src, scope);
    if (p->type != Type::Bool && p->type != Type::Dynamic) fail(src, w->predicate->range.begin, "where: the predicate is " + std::string(type_name(p->type)) + ", not bool");
    if (p->kind == ExprKind::Const && p->constant.truthy()) return in;
    return make_filter(std::move(in), p);
  }

  const auto* ser = op.as<K::Serialize>();
  const auto* ext = op.as<K::Extend>();
  if (ext || (ser && !ser->items.empty())) {
    // serialize-operator with columns: serialize, then extend with them (row_number() and the
    // other window functions are what it is used for).
    const std::vector<K::Assignment>& items = ext ? ext->items : ser->items;
    if (ser) in = make_serialize(std::move(in));
    // window functions (row_number/prev/next): counted first, computed by a window node below
    std::size_t nwin = 0;
    std::function<void(const K::Expr&)> count_windows = [&](const K::Expr& x) {
      if (auto* c = x.as<K::Call>()) {
        if (c->name == "row_number" || c->name == "prev" || c->name == "next" || c->name == "row_cumsum" || c->name == "row_window_session" ||
            c->name == "row_rank_dense" || c->name == "row_rank_min") ++nwin;
        for (auto& a : c->args) if (a.value) count_windows(*a.value);
      } else if (auto* b = x.as<K::Binary>()) { count_windows(*b->lhs); count_windows(*b->rhs); }
      else if (auto* u = x.as<K::Unary>()) count_windows(*u->operand);
      else if (auto* m = x.as<K::Member>()) count_windows(*m->object);
      else if (auto* i = x.as<K::Index>()) { count_windows(*i->object); count_windows(*i->index); }
      else if (auto* bt = x.as<K::Between>()) { count_windows(*bt->lhs); count_windows(*bt->low); count_windows(*bt->high); }
      else if (auto* in = x.as<K::InExpr>()) { count_windows(*in->lhs); for (auto& it : in->items) count_windows(*it); }
    };
    for (auto& a : items) count_windows(*a.value);
    std::vector<WindowSpec> wins;
    Schema win_schema = is;
    if (nwin) {
      for (std::size_t k = 0; k < nwin; ++k) win_schema.fields.push_back({"\x01window" + std::to_string(k), Type::Dynamic});
      window_ = &wins;
      window_base_ = static_cast<int>(is.fields.size());
      window_input_columns_ = is.fields.size();
    }
    struct WindowReset {
      std::vector<WindowSpec>*& w;
      ~WindowReset() { w = nullptr; }
    } window_reset{window_};
    Schema work = win_schema;  // grows as items are bound
    std::vector<ExprPtr> steps;
    std::vector<int> output;
    for (std::size_t i = 0; i < is.fields.size(); ++i) output.push_back(static_cast<int>(i));
    Schema out = is;
    int unnamed = 1;
    // pack_all() in this extend packs the extend's input columns only (pack-all-function's
    // example: PackedIgnoreNullEmpty does not hold Packed)
    pack_all_columns_ = is.fields.size();
    struct PackReset {
      std::size_t& n;
      ~PackReset() { n = static_cast<std::size_t>(-1); }
    } pack_reset{pack_all_columns_};
    auto add_item = [&](std::string name, ExprPtr e) {
      const int wcol = static_cast<int>(work.fields.size());
      steps.push_back(e);
      // Later items of the same extend see a new column (`extend a = 1, b = a + 1`), but a name
      // that replaces an input column still means the input column there (Sentinel rules such as
      // DetectPIMAlertDisablingActivity replace InitiatedBy by a string and read InitiatedBy.user
      // in the same extend).
      if (is.index_of(name) >= 0) {
        work.fields.push_back({"\x01replaced", e->type});
      } else {
        for (std::size_t k = 0; k < work.fields.size(); ++k)
          if (work.fields[k].name == name) work.fields[k].name = "\x01shadowed";
        work.fields.push_back({name, e->type});
      }
      int existing = out.index_of(name);
      if (existing >= 0) { output[static_cast<std::size_t>(existing)] = wcol; out.fields[static_cast<std::size_t>(existing)].type = e->type; }
      else { output.push_back(wcol); out.fields.push_back({name, e->type}); }
    };
    for (auto& a : items) {
      RowCtx wrc;
      wrc.schema = &work;
      ExprPtr e = bind_expr(*a.value, wrc, src, scope);
      if (auto split = split_multi_output(a, e, src)) {
        for (auto& [n, x] : *split) add_item(n, x);
        continue;
      }
      if (a.names.size() > 1) fail(src, a.range.begin, "extend (a, b) = ...: the expression gives one column", false);
      // extend-operator: an unnamed expression gets a generated name (a new column ColumnN, never
      // one of the input's), unless its function names it after its argument (tostring(X) is X).
      std::string name = a.names.empty() ? derive_name(*a.value, &is) : a.names[0];
      if (name.empty()) name = next_column_name(out, unnamed);
      add_item(std::move(name), std::move(e));
    }
    if (nwin) {
      if (wins.size() != nwin) fail(src, off, "window functions: internal count mismatch");
      for (std::size_t k = 0; k < nwin; ++k) win_schema.fields[is.fields.size() + k].type = wins[k].type;
      in = make_window(std::move(in), std::move(wins), win_schema);
    }
    return make_compute(std::move(in), std::move(steps), std::move(output), std::move(out));
  }

  if (auto* pj = op.as<K::Project>()) {
    std::vector<ExprPtr> steps;
    std::vector<int> output;
    Schema out;
    int unnamed = 1;
    std::set<std::string> declared;
    for (auto& a : pj->items) {
      ExprPtr e = bind_expr(*a.value, rc, src, scope);
      if (auto split = split_multi_output(a, e, src)) {
        for (auto& [n, x] : *split) {
          if (declared.count(n)) fail(src, a.range.begin, "project: column '" + n + "' is given twice");
          declared.insert(n);
          output.push_back(static_cast<int>(is.fields.size() + steps.size()));
          steps.push_back(x);
          out.fields.push_back({unique_name(out, n), x->type});
        }
        continue;
      }
      // A name given (`N = ...`) or a column kept (`X`) is declared: twice is an error. A derived
      // name (tostring(X) is X) or a generated one (Column1) is made unique instead (X1), so
      // `project X, tostring(X)` is X, X1 (project-operator; Kusto.Language's projection rules).
      const bool declares = !a.names.empty() || a.value->as<K::Name>();
      std::string name = a.names.empty() ? derive_name(*a.value, &is) : a.names[0];
      if (name.empty()) name = next_column_name(out, unnamed);
      if (declares && declared.count(name)) fail(src, a.range.begin, "project: column '" + name + "' is given twice");
      name = unique_name(out, name);
      if (declares) declared.insert(name);
      output.push_back(static_cast<int>(is.fields.size() + steps.size()));
      steps.push_back(e);
      out.fields.push_back({name, e->type});
    }
    return make_compute(std::move(in), std::move(steps), std::move(output), std::move(out));
  }

  if (auto* pa = op.as<K::ProjectAway>()) {
    std::vector<int> output;
    Schema out;
    for (std::size_t i = 0; i < is.fields.size(); ++i) {
      bool drop = false;
      for (auto& p : pa->columns) drop = drop || wildcard(p, is.fields[i].name);
      if (!drop) { output.push_back(static_cast<int>(i)); out.fields.push_back(is.fields[i]); }
    }
    for (auto& p : pa->columns)
      if (p.find('*') == std::string::npos && is.index_of(p) < 0) fail(src, off, "project-away: no column '" + p + "'");
    return make_compute(std::move(in), {}, std::move(output), std::move(out));
  }
  if (auto* pk = op.as<K::ProjectKeep>()) {
    std::vector<int> output;
    Schema out;
    for (std::size_t i = 0; i < is.fields.size(); ++i) {
      bool keep = false;
      for (auto& p : pk->columns) keep = keep || wildcard(p, is.fields[i].name);
      if (keep) { output.push_back(static_cast<int>(i)); out.fields.push_back(is.fields[i]); }
    }
    for (auto& p : pk->columns)
      if (p.find('*') == std::string::npos && is.index_of(p) < 0) fail(src, off, "project-keep: no column '" + p + "'");
    return make_compute(std::move(in), {}, std::move(output), std::move(out));
  }
  if (auto* pr = op.as<K::ProjectRename>()) {
    std::vector<int> output;
    Schema out = is;
    for (std::size_t i = 0; i < is.fields.size(); ++i) output.push_back(static_cast<int>(i));
    for (auto& it : pr->items) {
      int i = is.index_of(it.old_name);
      if (i < 0) fail(src, it.range.begin, "project-rename: no column '" + it.old_name + "'");
      out.fields[static_cast<std::size_t>(i)].name = it.new_name;
    }
    return make_compute(std::move(in), {}, std::move(output), std::move(out));
  }
  if (auto* ro = op.as<K::ProjectReorder>()) {
    std::vector<int> output;
    Schema out;
    std::vector<bool> used(is.fields.size(), false);
    for (auto& it : ro->items) {
      std::vector<int> matched;
      for (std::size_t i = 0; i < is.fields.size(); ++i)
        if (!used[i] && wildcard(it.pattern, is.fields[i].name)) matched.push_back(static_cast<int>(i));
      if (it.order) {
        const bool desc = it.order->find("desc") != std::string::npos;
        std::sort(matched.begin(), matched.end(), [&](int a, int b) {
          const auto& x = is.fields[static_cast<std::size_t>(a)].name;
          const auto& y = is.fields[static_cast<std::size_t>(b)].name;
          return desc ? y < x : x < y;
        });
      }
      for (int i : matched) { used[static_cast<std::size_t>(i)] = true; output.push_back(i); out.fields.push_back(is.fields[static_cast<std::size_t>(i)]); }
    }
    for (std::size_t i = 0; i < is.fields.size(); ++i)
      if (!used[i]) { output.push_back(static_cast<int>(i)); out.fields.push_back(is.fields[i]); }
    return make_compute(std::move(in), {}, std::move(output), std::move(out));
  }

  if (auto* tk = op.as<K::Take>()) {
    RowCtx none;
    Schema empty;
    none.schema = &empty;
    Value n = eval_const(bind_expr(*tk->count, none, src, scope), off, src);
    bool ok;
    double d = number_of(n, ok);
    if (!ok) fail(src, tk->count->range.begin, "take/limit expects a number");
    return make_take(std::move(in), static_cast<std::int64_t>(d));
  }
  if (auto* sm = op.as<K::Sample>()) {
    RowCtx none;
    Schema empty;
    none.schema = &empty;
    Value n = eval_const(bind_expr(*sm->count, none, src, scope), off, src);
    bool ok;
    double d = number_of(n, ok);
    return make_take(std::move(in), static_cast<std::int64_t>(d));
  }
  if (auto* so = op.as<K::Sort>()) {
    std::vector<SortKeySpec> keys;
    for (auto& k : so->keys) {
      SortKeySpec s;
      s.expr = bind_expr(*k.value, rc, src, scope);
      s.descending = k.descending;
      s.nulls_first = k.nulls_first.value_or(!k.descending);
      keys.push_back(std::move(s));
    }
    return make_sort(std::move(in), std::move(keys), std::nullopt);
  }
  if (auto* tp = op.as<K::Top>()) {
    RowCtx none;
    Schema empty;
    none.schema = &empty;
    Value n = eval_const(bind_expr(*tp->count, none, src, scope), off, src);
    bool ok;
    double d = number_of(n, ok);
    if (!ok) fail(src, tp->count->range.begin, "top expects a number");
    SortKeySpec s;
    s.expr = bind_expr(*tp->by.value, rc, src, scope);
    s.descending = tp->by.descending;
    s.nulls_first = tp->by.nulls_first.value_or(!tp->by.descending);
    return make_sort(std::move(in), {s}, static_cast<std::int64_t>(d));
  }
  if (auto* cnt = op.as<K::Count>()) {
    Schema out;
    out.fields.push_back({cnt->name, Type::Long});
    AggSpec a;
    a.fn = engine_.aggregates().find("count");
    a.out_columns = {0};
    return make_summarize(std::move(in), {}, {a}, std::move(out));
  }
  if (auto* di = op.as<K::Distinct>()) {
    std::vector<ExprPtr> keys;
    Schema out;
    int unnamed = 1;
    for (auto& a : di->items) {
      if (a.value->as<K::Star>()) {
        for (std::size_t i = 0; i < is.fields.size(); ++i) { keys.push_back(make_column(static_cast<int>(i), is.fields[i].type)); out.fields.push_back(is.fields[i]); }
        continue;
      }
      ExprPtr e = bind_expr(*a.value, rc, src, scope);
      std::string name = a.names.empty() ? derive_name(*a.value, &is) : a.names[0];
      if (name.empty()) name = next_column_name(out, unnamed);
      keys.push_back(e);
      out.fields.push_back({unique_name(out, name), e->type});
    }
    return make_summarize(std::move(in), std::move(keys), {}, std::move(out));
  }
  if (op.as<K::Serialize>()) return make_serialize(std::move(in));
  if (op.as<K::Render>() || op.as<K::As>()) return in;
  if (op.as<K::Getschema>()) {
    Schema out;
    out.fields = {{"ColumnName", Type::String}, {"ColumnOrdinal", Type::Int}, {"DataType", Type::String}, {"ColumnType", Type::String}};
    TableBuilder tb(out);
    for (std::size_t i = 0; i < is.fields.size(); ++i) {
      tb.column(0).append_string(is.fields[i].name);
      tb.column(1).append_int(static_cast<std::int32_t>(i));
      // the .NET type names of getschema (mv-expand-operator's example: System.String, System.Object, System.Int32)
      static const char* dotnet[] = {"System.SByte", "System.Int32", "System.Int64", "System.Double", "System.Data.SqlTypes.SqlDecimal",
                                     "System.String", "System.DateTime", "System.TimeSpan", "System.Guid", "System.Object"};
      tb.column(2).append_string(dotnet[static_cast<int>(is.fields[i].type)]);
      tb.column(3).append_string(std::string(type_name(is.fields[i].type)));
      tb.end_row();
    }
    return make_values(tb.finish());
  }
  if (auto* iv = op.as<K::Invoke>()) return bind_call_source(iv->function, off, src, scope, in);
  if (auto* un = op.as<K::UnionOp>()) return bind_union(in, un->params, un->tables, off, src, scope);

  if (auto* sz = op.as<K::Summarize>()) {
    std::vector<ExprPtr> keys;
    Schema out;
    int unnamed = 1;
    for (auto& b : sz->by) {
      ExprPtr e = bind_expr(*b.value, rc, src, scope);
      std::string name = b.names.empty() ? derive_name(*b.value, &is) : b.names[0];
      if (name.empty()) name = next_column_name(out, unnamed);
      keys.push_back(e);
      out.fields.push_back({unique_name(out, name), e->type});
    }
    std::vector<AggSpec> aggs;
    // final expression columns: for wrapped aggregates a compute step over the summarize output
    struct Final { std::string name; const K::Expr* expr; int direct_col; };
    std::vector<Final> finals;
    bool need_compute = false;
    auto make_agg = [&](const K::Call& c, std::uint32_t coff, const std::vector<std::string>& names) -> std::vector<int> {
      const AggregateFunction* fn = engine_.aggregates().find(c.name);
      own_values_notice(c.name, src, coff);
      AggSpec a;
      a.fn = fn;
      auto saved = std::move(agg_hook_);
      agg_hook_ = nullptr;
      std::vector<std::string> arg_names;
      for (std::size_t i = 0; i < c.args.size(); ++i) {
        const K::Expr& ae = *c.args[i].value;
        if (ae.as<K::Star>()) {
          if (c.name == "count") continue;
          if (c.name == "arg_max" || c.name == "arg_min" || c.name == "take_any" || c.name == "any") {
            // all columns but the by-keys and the first argument's column
            std::string first = a.args.empty() ? "" : arg_names[0];
            for (std::size_t k = 0; k < is.fields.size(); ++k) {
              const std::string& n = is.fields[k].name;
              if (n == first || out.index_of(n) >= 0) continue;
              bool is_key = false;
              for (auto& kb : sz->by) if (derive_name(*kb.value) == n && kb.names.empty()) is_key = true;
              if (is_key) continue;
              a.args.push_back(make_column(static_cast<int>(k), is.fields[k].type));
              arg_names.push_back(n);
            }
            continue;
          }
          fail(src, ae.range.begin, c.name + "(*) is not supported", true);
        }
        ExprPtr e = bind_expr(ae, rc, src, scope);
        a.args.push_back(e);
        std::string n = derive_name(ae);
        arg_names.push_back(n.empty() ? "Column" + std::to_string(i + 1) : n);
      }
      agg_hook_ = std::move(saved);
      const int n = static_cast<int>(a.args.size());
      if (n < fn->min_args || (fn->max_args >= 0 && n > fn->max_args)) fail(src, coff, c.name + "(): wrong number of arguments");
      std::vector<Type> types;
      std::vector<const Value*> consts;
      for (auto& e : a.args) {
        types.push_back(e->type);
        consts.push_back(e->kind == ExprKind::Const ? &e->constant : nullptr);
        a.const_args.push_back(e->kind == ExprKind::Const ? e->constant : Value::null_of(e->type));
      }
      std::string err;
      std::vector<Type> outs = fn->types(types, consts, err);
      if (!err.empty()) fail(src, coff, c.name + ": " + err);
      std::vector<int> cols;
      for (std::size_t j = 0; j < outs.size(); ++j) {
        std::string name;
        if (j < names.size()) name = names[j];
        else if (c.name == "arg_max" || c.name == "arg_min" || c.name == "take_any" || c.name == "any") {
          // take_any keeps the column names; the deprecated any() prefixes them with any_
          name = c.name == "any" ? "any_" + arg_names[j] : arg_names[j];
        } else if (c.name == "percentiles_array") {
          name = "percentiles_" + arg_names[0];  // percentiles-aggregation-function
        } else if (c.name == "percentilesw_array") {
          name = "percentile_" + arg_names[0];  // percentilesw-aggregation-function
        } else if (c.name == "percentile" || c.name == "percentiles" || c.name == "percentilew" || c.name == "percentilesw") {
          const std::size_t first = c.name.back() == 'w' ? 2 : 1;  // percentilesw(expr, weight, p...)
          std::string pv = a.const_args.size() > j + first ? to_kusto_string(a.const_args[j + first]) : "";
          for (char& ch : pv) if (ch == '.') ch = '_';
          name = "percentile_" + arg_names[0] + "_" + pv;
        } else name = agg_default_name(c.name, c);
        name = unique_name(out, name);
        cols.push_back(static_cast<int>(out.fields.size()));
        out.fields.push_back({name, outs[j]});
      }
      a.out_columns = cols;
      aggs.push_back(std::move(a));
      return cols;
    };
    for (auto& a : sz->aggregates) {
      const K::Call* c = a.value->as<K::Call>();
      if (c && engine_.aggregates().find(c->name) && !(scope->find(c->name))) {
        std::vector<int> cols = make_agg(*c, a.value->range.begin, a.names);
        for (int col : cols) finals.push_back({out.fields[static_cast<std::size_t>(col)].name, nullptr, col});
      } else {
        need_compute = true;
        std::string name = a.names.empty() ? derive_name(*a.value, &is) : a.names[0];
        if (name.empty()) name = next_column_name(out, unnamed);
        finals.push_back({name, a.value.get(), -1});
      }
    }
    if (!need_compute) return make_summarize(std::move(in), std::move(keys), std::move(aggs), std::move(out));
    // wrapped aggregates: bind the expressions over the summarize output, aggregates as hidden columns
    std::vector<std::pair<std::string, ExprPtr>> wrapped;
    Schema* outp = &out;
    for (auto& f : finals) {
      if (!f.expr) continue;
      agg_hook_ = [&](const K::Call& c, std::uint32_t coff) -> ExprPtr {
        std::vector<std::string> nm{"\x01agg" + std::to_string(aggs.size())};
        std::vector<int> cols = make_agg(c, coff, nm);
        return make_column(cols[0], outp->fields[static_cast<std::size_t>(cols[0])].type);
      };
      RowCtx orc;
      orc.schema = &out;
      ExprPtr e;
      try {
        e = bind_expr(*f.expr, orc, src, scope);
      } catch (...) {
        agg_hook_ = nullptr;
        throw;
      }
      agg_hook_ = nullptr;
      wrapped.emplace_back(f.name, e);
    }
    Schema agg_schema = out;
    PlanPtr sp = make_summarize(std::move(in), keys, std::move(aggs), agg_schema);
    std::vector<ExprPtr> steps;
    std::vector<int> output;
    Schema fin;
    for (std::size_t k = 0; k < keys.size(); ++k) { output.push_back(static_cast<int>(k)); fin.fields.push_back(agg_schema.fields[k]); }
    std::size_t wi = 0;
    for (auto& f : finals) {
      if (f.expr) {
        output.push_back(static_cast<int>(agg_schema.fields.size() + steps.size()));
        steps.push_back(wrapped[wi].second);
        fin.fields.push_back({unique_name(fin, f.name), wrapped[wi].second->type});
        ++wi;
      } else {
        output.push_back(f.direct_col);
        fin.fields.push_back(agg_schema.fields[static_cast<std::size_t>(f.direct_col)]);
      }
    }
    return make_compute(sp, std::move(steps), std::move(output), std::move(fin));
  }

  if (auto* jn = op.as<K::Join>() ) {
    PlanPtr right = bind_tabular(*jn->right, src, scope);
    const Schema& rs = right->schema;
    RowCtx lrc, rrc;
    lrc.schema = &is;
    rrc.schema = &rs;
    std::vector<ExprPtr> lk, rk;
    for (auto& cond : jn->on) {
      if (auto* n = cond->as<K::Name>()) {
        if (is.index_of(n->name) < 0) fail(src, cond->range.begin, "join: the left side has no column '" + n->name + "'");
        if (rs.index_of(n->name) < 0) fail(src, cond->range.begin, "join: the right side has no column '" + n->name + "'");
        lk.push_back(bind_expr(*cond, lrc, src, scope));
        rk.push_back(bind_expr(*cond, rrc, src, scope));
        continue;
      }
      auto* b = cond->as<K::Binary>();
      if (!b || b->op != K::BinaryOp::Eq) fail(src, cond->range.begin, "join: only equality conditions ($left.a == $right.b) are supported", true);
      auto side = [&](const K::Expr& x) -> int {
        auto* m = x.as<K::Member>();
        if (!m) return -1;
        auto* r = m->object->as<K::JoinSideRef>();
        if (!r) return -1;
        return r->right ? 1 : 0;
      };
      int ls = side(*b->lhs), rsd = side(*b->rhs);
      if (ls < 0 || rsd < 0 || ls == rsd) fail(src, cond->range.begin, "join: a condition must compare $left.column with $right.column", true);
      const K::Member& lm = *(ls == 0 ? b->lhs : b->rhs)->as<K::Member>();
      const K::Member& rm = *(ls == 0 ? b->rhs : b->lhs)->as<K::Member>();
      int li = is.index_of(lm.member), ri = rs.index_of(rm.member);
      if (li < 0) fail(src, cond->range.begin, "join: the left side has no column '" + lm.member + "'");
      if (ri < 0) fail(src, cond->range.begin, "join: the right side has no column '" + rm.member + "'");
      lk.push_back(make_column(li, is.fields[static_cast<std::size_t>(li)].type));
      rk.push_back(make_column(ri, rs.fields[static_cast<std::size_t>(ri)].type));
    }
    for (std::size_t k = 0; k < lk.size(); ++k) {
      Type a = lk[k]->type, b = rk[k]->type;
      if (a != b && !(is_numeric(a) && is_numeric(b)) && a != Type::Dynamic && b != Type::Dynamic)
        fail(src, jn->on[k]->range.begin, "join: key types differ (" + std::string(type_name(a)) + " and " + std::string(type_name(b)) + "); Kusto requires the same type");
    }
    JoinType jt = JoinType::InnerUnique;
    switch (jn->kind) {
      case K::JoinKind::Default: case K::JoinKind::InnerUnique: jt = JoinType::InnerUnique; break;
      case K::JoinKind::Inner: jt = JoinType::Inner; break;
      case K::JoinKind::LeftOuter: jt = JoinType::LeftOuter; break;
      case K::JoinKind::RightOuter: jt = JoinType::RightOuter; break;
      case K::JoinKind::FullOuter: jt = JoinType::FullOuter; break;
      case K::JoinKind::LeftAnti: jt = JoinType::LeftAnti; break;
      case K::JoinKind::RightAnti: jt = JoinType::RightAnti; break;
      case K::JoinKind::LeftSemi: jt = JoinType::LeftSemi; break;
      case K::JoinKind::RightSemi: jt = JoinType::RightSemi; break;
    }
    Schema out;
    if (jt == JoinType::LeftSemi || jt == JoinType::LeftAnti) out = is;
    else if (jt == JoinType::RightSemi || jt == JoinType::RightAnti) out = rs;
    else {
      out = is;
      for (auto& f : rs.fields) out.fields.push_back({unique_name(out, f.name), f.type});
    }
    out.table.clear();
    return at_site(make_join(std::move(in), std::move(right), jt, std::move(lk), std::move(rk), std::move(out)), src, off, "join");
  }

  if (auto* lk = op.as<K::Lookup>()) {
    PlanPtr right = bind_tabular(*lk->right, src, scope);
    const Schema& rs = right->schema;
    std::vector<ExprPtr> lkeys, rkeys;
    std::set<int> right_key_cols;
    for (auto& cond : lk->on) {
      std::string ln, rn;
      if (auto* n = cond->as<K::Name>()) ln = rn = n->name;
      else if (auto* b = cond->as<K::Binary>(); b && b->op == K::BinaryOp::Eq && b->lhs->as<K::Member>() && b->rhs->as<K::Member>()) {
        auto* l = b->lhs->as<K::Member>();
        auto* r = b->rhs->as<K::Member>();
        auto* lr = l->object->as<K::JoinSideRef>();
        auto* rr = r->object->as<K::JoinSideRef>();
        if (!lr || !rr || lr->right == rr->right) fail(src, cond->range.begin, "lookup: a condition must compare $left.column with $right.column", true);
        ln = lr->right ? r->member : l->member;
        rn = lr->right ? l->member : r->member;
      } else fail(src, cond->range.begin, "lookup: unsupported condition", true);
      int li = is.index_of(ln), ri = rs.index_of(rn);
      if (li < 0) fail(src, cond->range.begin, "lookup: the left side has no column '" + ln + "'");
      if (ri < 0) fail(src, cond->range.begin, "lookup: the right side has no column '" + rn + "'");
      lkeys.push_back(make_column(li, is.fields[static_cast<std::size_t>(li)].type));
      rkeys.push_back(make_column(ri, rs.fields[static_cast<std::size_t>(ri)].type));
      right_key_cols.insert(ri);
    }
    Schema out = is;
    std::vector<int> rcols;
    for (std::size_t i = 0; i < rs.fields.size(); ++i) {
      if (right_key_cols.count(static_cast<int>(i))) continue;
      rcols.push_back(static_cast<int>(i));
      out.fields.push_back({unique_name(out, rs.fields[i].name), rs.fields[i].type});
    }
    return at_site(make_lookup(std::move(in), std::move(right), lk->inner, std::move(lkeys), std::move(rkeys), std::move(rcols), std::move(out)),
                   src, off, "lookup");
  }

  if (auto* mv = op.as<K::MvExpand>()) {
    bool bag_array = false;
    for (auto& p : mv->params)
      if ((p.name == "bagexpansion" || p.name == "kind") && p.value == "array") bag_array = true;
    std::vector<ExpandSpec> items;
    Schema out = is;
    std::vector<int> keep;
    for (std::size_t i = 0; i < is.fields.size(); ++i) keep.push_back(static_cast<int>(i));
    std::vector<int> expand_out;
    for (auto& it : mv->items) {
      ExpandSpec s;
      s.expr = bind_expr(*it.value, rc, src, scope);
      s.to_type = it.to_type.value_or(Type::Dynamic);
      s.bag_as_array = bag_array;
      std::string name = it.name ? *it.name : derive_name(*it.value);
      if (name.empty()) name = "Column" + std::to_string(items.size() + 1);
      int existing = out.index_of(name);
      if (existing >= 0 && existing < static_cast<int>(keep.size())) {
        keep[static_cast<std::size_t>(existing)] = -1;
        out.fields[static_cast<std::size_t>(existing)].type = s.to_type;
        expand_out.push_back(existing);
      } else {
        expand_out.push_back(static_cast<int>(out.fields.size()));
        out.fields.push_back({name, s.to_type});
      }
      items.push_back(std::move(s));
    }
    int index_out = -1;
    if (mv->with_itemindex) { index_out = static_cast<int>(out.fields.size()); out.fields.push_back({*mv->with_itemindex, Type::Long}); }
    std::optional<std::int64_t> limit;
    if (mv->limit) {
      RowCtx none;
      Schema empty;
      none.schema = &empty;
      bool ok;
      limit = static_cast<std::int64_t>(number_of(eval_const(bind_expr(*mv->limit, none, src, scope), off, src), ok));
    }
    // keep has one entry per input column (-1 where the column is replaced by its expansion);
    // output columns past the input's are expansion/index columns.
    return at_site(make_mv_expand(std::move(in), std::move(keep), std::move(items), std::move(expand_out), index_out, limit, std::move(out)),
                   src, off, "mv-expand");
  }

  if (auto* ma = op.as<K::MvApply>()) {
    std::vector<ExpandSpec> items;
    Schema sub_in;
    std::set<std::string> expanded_names;
    for (auto& it : ma->items) {
      ExpandSpec s;
      s.expr = bind_expr(*it.value, rc, src, scope);
      s.to_type = it.to_type.value_or(Type::Dynamic);
      std::string name = it.name ? *it.name : derive_name(*it.value);
      if (name.empty()) name = "Column" + std::to_string(items.size() + 1);
      sub_in.fields.push_back({name, s.to_type});
      // The expanded column replaces an input column of its name. `TargetResource = TargetResources`
      // keeps TargetResources (Sentinel rules read it afterwards; Kusto.Language accepts them).
      expanded_names.insert(name);
      items.push_back(std::move(s));
    }
    int index_col = -1;
    if (ma->with_itemindex) { index_col = static_cast<int>(sub_in.fields.size()); sub_in.fields.push_back({*ma->with_itemindex, Type::Long}); }
    std::optional<std::int64_t> limit;
    if (ma->limit) {
      RowCtx none;
      Schema empty;
      none.schema = &empty;
      bool ok;
      limit = static_cast<std::int64_t>(number_of(eval_const(bind_expr(*ma->limit, none, src, scope), off, src), ok));
    }
    for (auto& p : ma->params)
      if (p.name != "id" && p.name != "with_itemindex") fail(src, p.range.begin, "mv-apply parameter '" + p.name + "' is not supported", true);
    auto slot = std::make_shared<ParamSlot>();
    PlanPtr param = make_param(slot, sub_in);
    // the subquery: operators applied to the per-record subtable
    PlanPtr sub = param;
    bool row_local = true;
    if (ma->subquery) {
      for (auto& o : ma->subquery->operators) {
        const bool local = o.as<K::Where>() || o.as<K::Extend>() || o.as<K::Project>() || o.as<K::ProjectAway>() ||
                           o.as<K::ProjectKeep>() || o.as<K::ProjectRename>() || o.as<K::ProjectReorder>() ||
                           o.as<K::Parse>() || o.as<K::MvExpand>();
        row_local = row_local && local;
      }
    }
    if (ma->subquery) {
      const K::TabularExpr& sq = *ma->subquery;
      // the subquery has an implicit source; the parser gives it as a TableRef with an empty name or
      // as operators only: bind its operators over the parameter table.
      const K::TableRef* ref = sq.source.as<K::TableRef>();
      if (ref && !ref->name.empty()) {
        // a real source (e.g. `(T | ...)`): not the per-record table
        fail(src, sq.range.begin, "mv-apply: the subquery must start with an operator", true);
      }
      for (auto& o : sq.operators) sub = bind_operator(std::move(sub), o, src, scope);
    }
    std::vector<int> keep;
    Schema out;
    for (std::size_t i = 0; i < is.fields.size(); ++i) {
      if (expanded_names.count(is.fields[i].name)) continue;
      keep.push_back(static_cast<int>(i));
      out.fields.push_back(is.fields[i]);
    }
    for (auto& f : sub->schema.fields) out.fields.push_back({unique_name(out, f.name), f.type});
    return at_site(make_mv_apply(std::move(in), std::move(keep), std::move(items), std::move(sub_in), index_col, slot, sub, limit,
                                 std::move(out), row_local),
                   src, off, "mv-apply");
  }

  if (auto* pa = op.as<K::Parse>()) {
    // parse-operator. kind=simple: the text pieces are literal, each column a group, a typed column
    // only matches text of its type ("all extended columns must match the required types": a row
    // where one does not gets nulls in all of them). kind=relaxed: the same pieces, but a value that
    // does not convert is null in its own column only. kind=regex: the pieces are regular
    // expressions (their own groups are counted, so the columns keep theirs); `*` is `.*?`, a string
    // column `(.*)`: the documented examples are greedy unless flags=U (`* "resourceName=" name ','
    // *` takes the text up to the last comma).
    const bool regex_mode = pa->kind == K::ParseKind::Regex, relaxed = pa->kind == K::ParseKind::Relaxed;
    ParseSpec spec;
    spec.where = pa->where;
    spec.strict = !relaxed;
    spec.source = bind_expr(*pa->source, rc, src, scope);
    std::string re;
    if (regex_mode && !pa->flags.empty()) re += "(?" + pa->flags + ")";
    int group = 0;
    Schema out = is;
    std::vector<int> child_to_out;
    for (std::size_t i = 0; i < is.fields.size(); ++i) child_to_out.push_back(static_cast<int>(i));
    const auto& parts = pa->pattern;
    for (std::size_t k = 0; k < parts.size(); ++k) {
      const auto& p = parts[k];
      switch (p.kind) {
        case K::ParsePart::Kind::Text:
          if (regex_mode) {
            re += p.text;
            RegexState piece(p.text);
            if (piece.ok()) group += piece.groups();
          } else {
            re += escape_regex(p.text);
          }
          break;
        case K::ParsePart::Kind::Star: re += "(?:.*?)"; break;
        case K::ParsePart::Kind::Column: {
          Type t = p.type.value_or(Type::String);
          const bool last = k + 1 == parts.size();
          if (regex_mode) re += (t == Type::Long || t == Type::Int) ? "(-?\\d+)" : t == Type::Real ? "(-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?)" : "(.*)";
          // relaxed: a number when there is one, else any text (which then converts to null)
          else if (relaxed && (t == Type::Long || t == Type::Int)) re += last ? "(-?\\d+|.*)" : "(-?\\d+|.*?)";
          else if (relaxed && t == Type::Real) re += last ? "(-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?|.*)" : "(-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?|.*?)";
          else if (relaxed) re += last ? "(.*)" : "(.*?)";
          else if (t == Type::String || t == Type::Dynamic) re += last ? "(.*)" : "(.*?)";
          else if (t == Type::Long || t == Type::Int) re += "(-?\\d+)";
          else if (t == Type::Real) re += "(-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?)";
          else re += last ? "(.*)" : "(.*?)";
          spec.groups.push_back(++group);
          int existing = out.index_of(p.column);
          if (existing >= 0) { out.fields[static_cast<std::size_t>(existing)].type = t; spec.out_columns.push_back(existing); }
          else { spec.out_columns.push_back(static_cast<int>(out.fields.size())); out.fields.push_back({p.column, t}); }
          spec.types.push_back(t);
          break;
        }
      }
    }
    auto st = std::make_shared<RegexState>(re);
    if (!st->ok()) fail(src, off, "parse: the pattern does not compile: " + st->error());
    spec.regex = st;
    return make_parse(std::move(in), std::move(spec), std::move(child_to_out), std::move(out));
  }

  if (auto* ev = op.as<K::Evaluate>()) {
    const std::string& plugin = ev->plugin.name;
    if (plugin == "bag_unpack") {
      // bag_unpack(Column [, OutputColumnPrefix] [, columnsConflict] [, ignoredProperties])
      // (bag-unpack-plugin): one column per top-level slot, named after it (with the prefix),
      // sorted by name, typed by the slot's values when they all have one type (else dynamic);
      // a slot named like an existing column is an error (columnsConflict='error', the default),
      // replaces that column (replace_source) or is dropped (keep_source).
      const auto& args = ev->plugin.args;
      if (args.empty()) fail(src, off, "bag_unpack() expects a column");
      ExprPtr col = bind_expr(*args[0].value, rc, src, scope);
      RowCtx none;
      Schema empty;
      none.schema = &empty;
      auto const_arg = [&](const K::Arg& a) { return eval_const(bind_expr(*a.value, none, src, scope), off, src); };
      std::string prefix, conflict = "error";
      std::set<std::string> ignored;
      std::size_t positional = 0;
      for (std::size_t k = 1; k < args.size(); ++k) {
        std::string name = args[k].name.value_or("");
        if (name.empty()) name = ++positional == 1 ? "OutputColumnPrefix" : positional == 2 ? "columnsConflict" : positional == 3 ? "ignoredProperties" : "";
        const Value v = const_arg(args[k]);
        if (name == "OutputColumnPrefix") prefix = to_kusto_string(v);
        else if (name == "columnsConflict") conflict = to_kusto_string(v);
        else if (name == "ignoredProperties") {
          if (v.type == Type::Dynamic) v.dyn().for_each_element([&](DynRef e) { if (e.is_string()) ignored.insert(std::string(e.as_string())); });
        } else fail(src, off, "bag_unpack: unknown argument " + name);
      }
      if (conflict != "error" && conflict != "replace_source" && conflict != "keep_source")
        fail(src, off, "bag_unpack: columnsConflict must be 'error', 'replace_source' or 'keep_source', not '" + conflict + "'");
      // The output columns depend on the data: run the input now to learn the keys and their types.
      PlanPtr cached = make_cached(in);
      Table t = run_plan(cached);
      std::map<std::string, std::set<int>> kinds;  // slot -> kinds of its non-null values
      for (auto& b : t.batches) {
        Vec v = evaluate(*col, b, ctx_.eval);
        for (std::size_t r = 0; r < b.rows(); ++r) {
          Value x = v.get(r);
          if (x.type == Type::Dynamic && x.dyn().is_object())
            x.dyn().for_each_member([&](std::string_view k, DynRef e) {
              if (ignored.count(std::string(k))) return;
              auto& ks = kinds[std::string(k)];
              if (e.kind() != DynKind::Null) ks.insert(e.kind() == DynKind::False ? static_cast<int>(DynKind::True) : static_cast<int>(e.kind()));
            });
        }
      }
      auto slot_type = [](const std::set<int>& ks) {
        if (ks.size() != 1) return Type::Dynamic;
        switch (static_cast<DynKind>(*ks.begin())) {
          case DynKind::Int: return Type::Long;
          case DynKind::Real: return Type::Real;
          case DynKind::True: return Type::Bool;
          case DynKind::String: return Type::String;
          default: return Type::Dynamic;
        }
      };
      auto typed = [&](ExprPtr e, Type ty) {
        switch (ty) {
          case Type::Long: return call_op("tolong", {e}, off, src);
          case Type::Real: return call_op("toreal", {e}, off, src);
          case Type::Bool: return call_op("tobool", {e}, off, src);
          case Type::String: return call_op("tostring", {e}, off, src);
          default: return e;
        }
      };
      std::vector<ExprPtr> steps;
      std::vector<int> output;
      Schema out;
      const int drop = col->kind == ExprKind::Column ? col->column : -1;
      for (std::size_t i = 0; i < is.fields.size(); ++i)
        if (static_cast<int>(i) != drop) { output.push_back(static_cast<int>(i)); out.fields.push_back(is.fields[i]); }
      for (auto& [k, ks] : kinds) {  // std::map: sorted by name
        const std::string name = prefix + k;
        const Type ty = slot_type(ks);
        const int existing = out.index_of(name);
        if (existing >= 0) {
          if (conflict == "keep_source") continue;
          if (conflict == "error")
            fail(src, off, "bag_unpack: the slot '" + k + "' gives a column named like an existing one (" + name +
                               "); pass columnsConflict='replace_source' or 'keep_source'");
          output[static_cast<std::size_t>(existing)] = static_cast<int>(is.fields.size() + steps.size());
          out.fields[static_cast<std::size_t>(existing)].type = ty;
          steps.push_back(typed(call_op(".member", {col, make_const(Value::of_string(k))}, off, src), ty));
          continue;
        }
        output.push_back(static_cast<int>(is.fields.size() + steps.size()));
        steps.push_back(typed(call_op(".member", {col, make_const(Value::of_string(k))}, off, src), ty));
        out.fields.push_back({name, ty});
      }
      return make_compute(cached, std::move(steps), std::move(output), std::move(out));
    }
    if (plugin == "pivot") {
      // evaluate pivot(PivotColumn [, AggregationFunction] [, Column1, ...]) (pivot-plugin): one
      // output column per distinct value of PivotColumn (data-dependent: the input runs now),
      // grouped by the listed columns; the aggregation defaults to count().
      const auto& args = ev->plugin.args;
      if (args.empty()) fail(src, off, "pivot() expects a pivot column");
      ExprPtr pivot = bind_expr(*args[0].value, rc, src, scope);
      std::size_t k = 1;
      const K::Call* aggc = nullptr;
      if (args.size() > 1) {
        if (auto* c = args[1].value->as<K::Call>(); c && engine_.aggregates().find(c->name)) { aggc = c; k = 2; }
      }
      std::vector<ExprPtr> keys;
      Schema out;
      for (; k < args.size(); ++k) {
        ExprPtr e = bind_expr(*args[k].value, rc, src, scope);
        std::string nm = derive_name(*args[k].value);
        keys.push_back(e);
        out.fields.push_back({nm.empty() ? "Column" + std::to_string(k) : nm, e->type});
      }
      PlanPtr cached = make_cached(in);
      Table t = run_plan(cached);
      std::vector<std::string> values;
      std::set<std::string> seen;
      for (auto& b : t.batches) {
        Vec v = evaluate(*pivot, b, ctx_.eval);
        for (std::size_t r = 0; r < b.rows(); ++r) {
          std::string sv = to_kusto_string(v.get(r));
          if (seen.insert(sv).second) values.push_back(sv);
        }
      }
      // one conditional aggregate per value: agg(x) where pivot == value
      const std::string fname = aggc ? aggc->name : "count";
      std::string iffname = fname == "count" ? "countif" : fname + "if";
      const AggregateFunction* fn = engine_.aggregates().find(iffname);
      if (!fn) fail(src, off, "pivot with aggregation " + fname + "() is not supported", true);
      std::vector<AggSpec> aggs;
      ExprPtr arg;
      if (aggc && !aggc->args.empty() && !aggc->args[0].value->as<K::Star>()) arg = bind_expr(*aggc->args[0].value, rc, src, scope);
      for (auto& v : values) {
        AggSpec a;
        a.fn = fn;
        ExprPtr cond = call_op("==", {call_op("tostring", {pivot}, off, src), make_const(Value::of_string(v))}, off, src);
        if (arg) a.args = {arg, cond};
        else a.args = {cond};
        std::vector<Type> types;
        for (auto& e : a.args) { types.push_back(e->type); a.const_args.push_back(Value::null_of(e->type)); }
        std::string err;
        std::vector<const Value*> consts(a.args.size(), nullptr);
        Type ot = fn->types(types, consts, err)[0];
        a.out_columns = {static_cast<int>(out.fields.size())};
        out.fields.push_back({unique_name(out, v.empty() ? "Column" + std::to_string(out.fields.size() + 1) : v), ot});
        aggs.push_back(std::move(a));
      }
      return make_summarize(cached, std::move(keys), std::move(aggs), std::move(out));
    }
    if (PlanPtr p = bind_plugin(in, *ev, off, src, scope)) return p;
    fail(src, ev->plugin_range.begin, "evaluate plugin '" + plugin + "' is not supported", true);
  }

  if (auto* ms = op.as<K::MakeSeries>()) {
    RowCtx none;
    Schema empty;
    none.schema = &empty;
    std::vector<ExprPtr> keys;
    Schema out;
    for (auto& b : ms->by) {
      ExprPtr e = bind_expr(*b.value, rc, src, scope);
      std::string name = b.names.empty() ? derive_name(*b.value) : b.names[0];
      if (name.empty()) name = "Column" + std::to_string(keys.size() + 1);
      keys.push_back(e);
      out.fields.push_back({unique_name(out, name), e->type});
    }
    std::vector<AggSpec> aggs;
    std::vector<Value> defaults;
    for (auto& a : ms->aggregates) {
      const K::Call* c = a.agg.value->as<K::Call>();
      const AggregateFunction* fn = c ? engine_.aggregates().find(c->name) : nullptr;
      if (!fn) fail(src, a.agg.value->range.begin, "make-series expects an aggregation function");
      AggSpec spec;
      spec.fn = fn;
      for (auto& arg : c->args) {
        if (arg.value->as<K::Star>()) continue;
        ExprPtr e = bind_expr(*arg.value, rc, src, scope);
        spec.const_args.push_back(e->kind == ExprKind::Const ? e->constant : Value::null_of(e->type));
        spec.args.push_back(e);
      }
      std::vector<Type> types;
      std::vector<const Value*> consts;
      for (auto& e : spec.args) { types.push_back(e->type); consts.push_back(e->kind == ExprKind::Const ? &e->constant : nullptr); }
      std::string err;
      auto outs = fn->types(types, consts, err);
      if (!err.empty()) fail(src, a.agg.value->range.begin, c->name + ": " + err);
      if (outs.size() != 1) fail(src, a.agg.value->range.begin, "make-series: " + c->name + "() gives several columns", true);
      Value def = a.default_value ? eval_const(bind_expr(*a.default_value, none, src, scope), off, src) : Value::of_long(0);
      defaults.push_back(convert_to(def, outs[0] == Type::Int ? Type::Long : outs[0]));
      std::string name = a.agg.names.empty() ? agg_default_name(c->name, *c) : a.agg.names[0];
      spec.out_columns = {static_cast<int>(out.fields.size())};
      out.fields.push_back({unique_name(out, name), Type::Dynamic});
      aggs.push_back(std::move(spec));
    }
    ExprPtr axis = bind_expr(*ms->axis, rc, src, scope);
    std::optional<Value> from, to;
    if (ms->from) from = eval_const(bind_expr(*ms->from, none, src, scope), off, src);
    if (ms->to) to = eval_const(bind_expr(*ms->to, none, src, scope), off, src);
    Value step = eval_const(bind_expr(*ms->step, none, src, scope), off, src);
    std::string axis_name = derive_name(*ms->axis);
    out.fields.push_back({unique_name(out, axis_name.empty() ? "Column" : axis_name), Type::Dynamic});
    for (auto& p : ms->params)
      if (p.name == "kind" && p.value != "nonempty") fail(src, p.range.begin, "make-series kind=" + p.value + " is not supported", true);
    return at_site(make_make_series(std::move(in), std::move(keys), std::move(aggs), std::move(defaults), axis, from, to, step, std::move(out)),
                   src, off, "make-series");
  }
  if (auto* kv = op.as<K::ParseKv>()) {
    ParseKvOptions o;
    RowCtx none;
    Schema empty;
    none.schema = &empty;
    for (auto& c : kv->columns) o.keys.push_back(c.name);
    for (auto& a : kv->with) {
      if (!a.name) fail(src, a.value->range.begin, "parse-kv: with (...) takes name=value options");
      const std::string v = to_kusto_string(eval_const(bind_expr(*a.value, none, src, scope), off, src));
      if (*a.name == "pair_delimiter") o.pair_delimiter = v;
      else if (*a.name == "kv_delimiter") o.kv_delimiter = v;
      else if (*a.name == "quote") o.quotes.push_back(v);
      else if (*a.name == "escape") { if (!v.empty()) o.escapes.push_back(v[0]); }
      else if (*a.name == "greedy") o.greedy = v == "true";
      else if (*a.name == "regex") o.regex = v;
      else fail(src, a.value->range.begin, "parse-kv option '" + *a.name + "' is not supported", true);
    }
    std::string err;
    auto st = make_parse_kv_state(std::move(o), err);
    if (!err.empty()) fail(src, off, err);
    auto bag = std::make_shared<Expr>();
    bag->kind = ExprKind::Call;
    bag->type = Type::Dynamic;
    bag->fn = parse_kv_function();
    bag->state = st;
    bag->args = {bind_expr(*kv->source, rc, src, scope)};
    std::vector<ExprPtr> steps{bag};
    const int bag_col = static_cast<int>(is.fields.size());
    std::vector<int> output;
    Schema out = is;
    for (std::size_t i = 0; i < is.fields.size(); ++i) output.push_back(static_cast<int>(i));
    for (auto& c : kv->columns) {
      ExprPtr v = call_op(".member", {make_column(bag_col, Type::Dynamic), make_const(Value::of_string(c.name))}, c.range.begin, src);
      const std::string conv = c.type == Type::String ? "tostring" : c.type == Type::Long ? "tolong" : c.type == Type::Int ? "toint"
                             : c.type == Type::Real ? "toreal" : c.type == Type::Bool ? "tobool" : c.type == Type::DateTime ? "todatetime"
                             : c.type == Type::TimeSpan ? "totimespan" : c.type == Type::Guid ? "toguid" : "todynamic";
      ExprPtr e = call_op(conv, {v}, c.range.begin, src);
      const int wcol = static_cast<int>(is.fields.size() + steps.size());
      steps.push_back(e);
      int existing = out.index_of(c.name);
      if (existing >= 0) { output[static_cast<std::size_t>(existing)] = wcol; out.fields[static_cast<std::size_t>(existing)].type = c.type; }
      else { output.push_back(wcol); out.fields.push_back({c.name, c.type}); }
    }
    return make_compute(std::move(in), std::move(steps), std::move(output), std::move(out));
  }
  if (auto* sd = op.as<K::SampleDistinct>()) {
    // sample-distinct N of Column (sample-distinct-operator): up to N distinct values of the
    // column ("not guaranteed to be random"): rulelab takes the first N in input order.
    RowCtx none;
    Schema empty;
    none.schema = &empty;
    bool ok;
    const double n = number_of(eval_const(bind_expr(*sd->count, none, src, scope), off, src), ok);
    if (!ok || n < 0) fail(src, off, "sample-distinct expects a non-negative number of values");
    ExprPtr key = bind_expr(*sd->of, rc, src, scope);
    std::string name = derive_name(*sd->of, &is);
    if (name.empty()) name = "Column1";
    Schema out;
    out.fields.push_back({name, key->type});
    return make_take(make_summarize(std::move(in), {key}, {}, std::move(out)), static_cast<std::int64_t>(n));
  }
  if (PlanPtr p = bind_more_operator(in, op, src, scope)) return p;
  if (PlanPtr p = bind_search_operator(in, op, src, scope)) return p;
  fail(src, off, "operator '" + op.name + "' is not supported", true);
}

}  // namespace rulelab::engine
