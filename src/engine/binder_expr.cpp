// Binding of scalar expressions: names, literals, operators, function calls, user functions.
#include <map>
#include <set>

#include "engine/binder.hpp"

namespace rulelab::engine {

std::shared_ptr<Binding> Scope::find(const std::string& n) const {
  for (const Scope* s = this; s; s = s->parent.get()) {
    auto it = s->names.find(n);
    if (it != s->names.end()) return it->second;
  }
  return nullptr;
}

void Binder::fail(const Src& src, std::uint32_t offset, const std::string& msg, bool unsupported) const {
  BindFailure f;
  f.error = src.loc ? src.loc->error_at(*src.text, offset, msg) : Error(msg);
  f.unsupported = unsupported;
  throw f;
}

void Binder::fail_unresolved(const Src& src, std::uint32_t offset, const std::string& msg) const {
  BindFailure f;
  f.error = src.loc ? src.loc->error_at(*src.text, offset, msg) : Error(msg);
  f.unresolved = true;
  throw f;
}

void Binder::warn(const Src& src, std::uint32_t offset, const std::string& msg) const {
  if (ctx_.warnings) ctx_.warnings->push_back(src.loc ? src.loc->error_at(*src.text, offset, msg) : Error(msg));
}

void Binder::note(const Src& src, std::uint32_t offset, const std::string& msg) const {
  if (ctx_.notes) ctx_.notes->push_back(src.loc ? src.loc->error_at(*src.text, offset, msg) : Error(msg));
}

// Functions whose values are rulelab's own because Kusto does not document its algorithm: said at
// each use, never silently (README, "Semantics decisions").
void Binder::own_values_notice(const std::string& name, const Src& src, std::uint32_t offset) const {
  if (name == "hash_combine" || name == "hash_many")
    warn(src, offset, name + "(): Kusto's way of combining hashes is not documented; rulelab's values (boost's hash_combine over hash()) differ from Log Analytics'");
  else if (name == "series_periods_detect" || name == "series_periods_validate")
    note(src, offset, name + "(): Kusto does not publish how it scores periods; rulelab's score (the smaller of the autocorrelations at the period and at twice the period) gives the reference's examples, but Log Analytics may score other series differently");
  else if (name == "hll" || name == "hll_if" || name == "hll_merge" || name == "tdigest" || name == "tdigest_merge" || name == "merge_tdigest")
    note(src, offset, name + "(): rulelab's hll/tdigest values are its own exact form (the distinct values / the sorted values), not Kusto's sketches; dcount_hll and percentile_tdigest over them give exact answers where Kusto estimates");
}

namespace {

// How a call names its column when the query gives no name (Kusto.Language's ResultNameKind, the
// official parser's table for each built-in function; e.g. array-concat-function's example gives
// Column1, summarize-operator's examples count_x, countif_, set_x, sum_y).
enum class ResultName { None, FirstArgument, OnlyArgument, PrefixAndFirstArgument };
struct ResultNameRule {
  ResultName kind = ResultName::None;
  const char* prefix = nullptr;
};

const std::map<std::string, ResultNameRule, std::less<>>& result_name_rules() {
  static const std::map<std::string, ResultNameRule, std::less<>> rules = [] {
    std::map<std::string, ResultNameRule, std::less<>> m;
    for (const char* f : {"split", "tostring", "tohex", "todynamic", "toobject", "tolong", "toint", "toreal", "todouble",
                          "todatetime", "totimespan", "totime", "tobool", "toboolean", "todecimal", "toguid", "parse_csv",
                          "parsejson", "parse_json", "parse_xml", "format_datetime", "format_timespan", "startofday", "bin",
                          "floor", "bin_at", "bin_auto", "binary_and", "binary_or", "binary_xor", "binary_not",
                          "binary_shift_right", "binary_shift_left", "bitset_count_ones", "series_fir", "series_iir",
                          "series_outliers", "series_fill_backward", "series_fill_forward", "series_fill_const",
                          "series_fill_linear", "round", "ceiling", "pow", "sqrt", "log", "log2", "log10", "exp", "exp2",
                          "exp10", "cos", "sin", "tan", "acos", "asin", "atan", "atan2", "abs", "rand", "gamma", "loggamma",
                          "erf", "erfc", "format_bytes", "passthrough", "binary_all_or", "binary_all_and", "binary_all_xor",
                          "take_anyif"})
      m[f] = {ResultName::FirstArgument, nullptr};
    for (const char* f : {"make_datetime", "make_timespan"}) m[f] = {ResultName::OnlyArgument, nullptr};
    // the function's own name as the prefix
    for (const char* f : {"strlen", "string_size", "percentile_tdigest", "dcount_hll", "sum", "sumif", "cnt", "count",
                          "countif", "dcount", "dcountif", "tdigest", "hll", "hll_if", "hll_merge", "min", "minif", "max",
                          "maxif", "avg", "avgif", "count_distinct", "count_distinctif", "stdev", "stdevif", "stdevp",
                          "variance", "varianceif", "variancep", "variancepif", "covariance", "covarianceif",
                          "covariancep", "covariancepif", "any", "anyif"})
      m[f] = {ResultName::PrefixAndFirstArgument, f};
    const std::pair<const char*, const char*> prefixed[] = {
        {"gettype", "type"}, {"treepath", "tree"}, {"repeat", "repeat"}, {"percentiles_array_tdigest", "percentile_tdigest"},
        {"tdigest_merge", "merge_tdigests"}, {"merge_tdigest", "merge_tdigests"}, {"makelist", "list"},
        {"make_list", "list"}, {"make_list_if", "list"}, {"make_list_with_nulls", "list"}, {"makeset", "set"},
        {"make_set", "set"}, {"make_set_if", "set"}, {"make_dictionary", "dictionary"}, {"make_bag", "bag"},
        {"make_bag_if", "bag"}, {"buildschema", "schema"}};
    for (auto& [f, pre] : prefixed) m[f] = {ResultName::PrefixAndFirstArgument, pre};
    return m;
  }();
  return rules;
}

}  // namespace

std::string derive_call_name(const K::Call& call, const Schema* row) {
  const K::Expr* first = !call.args.empty() && call.args[0].value ? call.args[0].value.get() : nullptr;
  if (first && first->as<K::Star>()) first = nullptr;
  if (call.name == "column_ifexists" || call.name == "columnifexists") {
    // the column's name when the row has that column
    const K::Literal* lit = first ? first->as<K::Literal>() : nullptr;
    const std::string* s = lit ? std::get_if<std::string>(&lit->value) : nullptr;
    return s && row && row->index_of(*s) >= 0 ? *s : "";
  }
  auto it = result_name_rules().find(call.name);
  if (it == result_name_rules().end()) return "";
  const ResultNameRule& r = it->second;
  switch (r.kind) {
    case ResultName::None: return "";
    case ResultName::FirstArgument: return first ? derive_name(*first, row) : "";
    case ResultName::OnlyArgument: return first && call.args.size() == 1 ? derive_name(*first, row) : "";
    case ResultName::PrefixAndFirstArgument: return std::string(r.prefix) + "_" + (first ? derive_name(*first, row) : "");
  }
  return "";
}

std::string derive_name(const K::Expr& e, const Schema* row) {
  if (auto* n = e.as<K::Name>()) return n->name;
  if (auto* m = e.as<K::Member>()) {
    if (m->object->as<K::JoinSideRef>()) return m->member;
    std::string o = derive_name(*m->object, row);
    return o.empty() ? m->member : o + "_" + m->member;
  }
  if (auto* i = e.as<K::Index>()) {
    std::string o = derive_name(*i->object, row);
    std::string sel;
    if (auto* lit = i->index->as<K::Literal>()) {
      if (auto* s = std::get_if<std::string>(&lit->value)) sel = *s;
      if (auto* v = std::get_if<std::int64_t>(&lit->value)) sel = std::to_string(*v);
    }
    return o.empty() ? sel : o + "_" + sel;
  }
  if (auto* c = e.as<K::Call>()) return derive_call_name(*c, row);
  return "";
}

namespace {

Value literal_value(const K::Literal& l) {
  if (l.is_null()) return Value::null_of(l.type);
  return std::visit(
      [&](const auto& v) -> Value {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) return Value::null_of(l.type);
        else if constexpr (std::is_same_v<T, bool>) return Value::of_bool(v);
        else if constexpr (std::is_same_v<T, std::int64_t>) {
          if (l.type == Type::Int) return Value::of_int(static_cast<std::int32_t>(v));
          if (l.type == Type::Real || l.type == Type::Decimal) return Value::of_real(static_cast<double>(v));
          if (l.type == Type::DateTime) return Value::of_datetime(v);
          if (l.type == Type::TimeSpan) return Value::of_timespan(v);
          return Value::of_long(v);
        } else if constexpr (std::is_same_v<T, double>) {
          Value x = Value::of_real(v);
          if (l.type == Type::Decimal) x.type = Type::Decimal;
          return x;
        } else if constexpr (std::is_same_v<T, std::string>) return Value::of_string(v);
        else if constexpr (std::is_same_v<T, DateTime>) return Value::of_datetime(v.ticks);
        else if constexpr (std::is_same_v<T, TimeSpan>) return Value::of_timespan(v.ticks);
        else if constexpr (std::is_same_v<T, Guid>) return Value::of_guid(v);
        else return Value::of_dynamic(v.bytes());
      },
      l.value);
}

std::string binary_name(K::BinaryOp op) {
  using B = K::BinaryOp;
  switch (op) {
    case B::Add: return "+";
    case B::Sub: return "-";
    case B::Mul: return "*";
    case B::Div: return "/";
    case B::Mod: return "%";
    case B::Lt: return "<";
    case B::Le: return "<=";
    case B::Gt: return ">";
    case B::Ge: return ">=";
    case B::Eq: return "==";
    case B::Ne: return "!=";
    case B::EqCi: return "=~";
    case B::NeCi: return "!~";
    case B::And: return "and";
    case B::Or: return "or";
    case B::Has: return "has";
    case B::NotHas: return "!has";
    case B::HasCs: return "has_cs";
    case B::NotHasCs: return "!has_cs";
    case B::HasPrefix: return "hasprefix";
    case B::NotHasPrefix: return "!hasprefix";
    case B::HasPrefixCs: return "hasprefix_cs";
    case B::NotHasPrefixCs: return "!hasprefix_cs";
    case B::HasSuffix: return "hassuffix";
    case B::NotHasSuffix: return "!hassuffix";
    case B::HasSuffixCs: return "hassuffix_cs";
    case B::NotHasSuffixCs: return "!hassuffix_cs";
    case B::Contains: return "contains";
    case B::NotContains: return "!contains";
    case B::ContainsCs: return "contains_cs";
    case B::NotContainsCs: return "!contains_cs";
    case B::StartsWith: return "startswith";
    case B::NotStartsWith: return "!startswith";
    case B::StartsWithCs: return "startswith_cs";
    case B::NotStartsWithCs: return "!startswith_cs";
    case B::EndsWith: return "endswith";
    case B::NotEndsWith: return "!endswith";
    case B::EndsWithCs: return "endswith_cs";
    case B::NotEndsWithCs: return "!endswith_cs";
    case B::MatchesRegex: return "matches regex";
  }
  return "?";
}

std::string in_name(K::InOp op) {
  switch (op) {
    case K::InOp::In: return "in";
    case K::InOp::NotIn: return "!in";
    case K::InOp::InCi: return "in~";
    case K::InOp::NotInCi: return "!in~";
    case K::InOp::HasAny: return "has_any";
    case K::InOp::HasAll: return "has_all";
  }
  return "in";
}

Type common_type(const std::vector<ExprPtr>& vals) {
  Type t = Type::Dynamic;
  bool have = false;
  for (auto& v : vals) {
    const bool null_lit = v->kind == ExprKind::Const && v->constant.is_null();
    if (null_lit) continue;
    if (!have) { t = v->type; have = true; continue; }
    if (v->type == t) continue;
    if (is_numeric(v->type) && is_numeric(t)) t = promote_numeric(t, v->type);
    else if (v->type == Type::Dynamic || t == Type::Dynamic) t = Type::Dynamic;
    else if (v->type == Type::String || t == Type::String) t = Type::String;
  }
  if (!have && !vals.empty()) t = vals[0]->type;
  return t;
}

}  // namespace

namespace {
// Whether a bound expression reads a column of its row (through a name, or through a parameter
// of a user function that was given a column).
bool reads_columns(const Expr& e) {
  if (e.kind == ExprKind::Column) return true;
  for (auto& a : e.args)
    if (a && reads_columns(*a)) return true;
  return false;
}
}  // namespace

Value Binder::eval_const(const ExprPtr& e, std::uint32_t off, const Src& src) {
  if (reads_columns(*e)) fail(src, off, "a constant value is expected here, not one that depends on the row");
  return evaluate_scalar(*e, ctx_.eval);
}

Table Binder::run_plan(const PlanPtr& p) {
  try {
    return p->execute(ctx_);
  } catch (const QueryError& q) {
    BindFailure f;
    f.error = Error(q.what());
    f.unsupported = q.unsupported;
    throw f;
  }
}

Value Binder::table_first_value(const PlanPtr& p) {
  Table t = run_plan(p);
  if (t.schema.fields.empty()) return Value::null_of(Type::Dynamic);
  for (auto& b : t.batches)
    if (b.rows() > 0) return get_value(b.columns[0], 0);
  return Value::null_of(t.schema.fields[0].type);
}

Value Binder::table_column_array(const PlanPtr& p) {
  Table t = run_plan(p);
  std::string bytes;
  DynWriter w(bytes);
  w.begin_array();
  if (!t.schema.fields.empty())
    for (auto& b : t.batches)
      for (std::size_t r = 0; r < b.rows(); ++r) write_dynamic(w, get_value(b.columns[0], r));
  w.end();
  return Value::of_dynamic(std::move(bytes));
}

ExprPtr Binder::resolve_scalar(const std::shared_ptr<Binding>& b, std::uint32_t off, const Src& use_src) {
  if (b->value) return make_const(*b->value);
  if (b->resolving) fail(use_src, off, "let definition refers to itself");
  RowCtx none;
  Schema empty;
  none.schema = &empty;
  ExprPtr e;
  {
    Resolving guard(*b);
    e = bind_expr(*b->expr, none, b->src, b->scope);
  }
  // A let in a user function's body may depend on a parameter that was given a column
  // (`let f=(a:long){ let b=a+1; b }; T | project f(v)`): then it is that row expression.
  if (reads_columns(*e)) return e;
  Value v = eval_const(e, b->offset, b->src);
  b->value = v;
  return make_const(v);
}

ExprPtr Binder::make_call(const ScalarFunction* fn, std::vector<ExprPtr> args, std::uint32_t off, const Src& src) {
  const int n = static_cast<int>(args.size());
  if (n < fn->min_args || (fn->max_args >= 0 && n > fn->max_args)) {
    std::string range = fn->max_args < 0 ? "at least " + std::to_string(fn->min_args)
                        : fn->min_args == fn->max_args ? std::to_string(fn->min_args)
                                                       : std::to_string(fn->min_args) + " to " + std::to_string(fn->max_args);
    fail(src, off, fn->name + "() expects " + range + " argument(s), got " + std::to_string(n));
  }
  std::vector<Type> types;
  std::vector<const Value*> consts;
  bool all_const = true;
  for (auto& a : args) {
    types.push_back(a->type);
    consts.push_back(a->kind == ExprKind::Const ? &a->constant : nullptr);
    all_const = all_const && a->kind == ExprKind::Const;
  }
  std::string err;
  Type t = fn->type(types, err);
  if (!err.empty()) fail(src, off, fn->name + ": " + err);
  auto e = std::make_shared<Expr>();
  e->kind = ExprKind::Call;
  e->type = t;
  e->fn = fn;
  e->site = OpSite{src.text, src.loc, off, fn->name};
  if (fn->prepare) {
    e->state = fn->prepare(consts, err);
    if (!err.empty()) fail(src, off, fn->name + ": " + err);
  }
  e->args = std::move(args);
  if (all_const && fn->deterministic) return make_const(convert_to(evaluate_scalar(*e, ctx_.eval), t));
  attach_kernel(*e);
  return e;
}

ExprPtr Binder::call_op(const std::string& name, std::vector<ExprPtr> args, std::uint32_t off, const Src& src) {
  const ScalarFunction* fn = engine_.functions().find(name);
  if (!fn) fail(src, off, "unsupported operator '" + name + "'", true);
  return make_call(fn, std::move(args), off, src);
}

ExprPtr Binder::bind_expr(const K::Expr& e, const RowCtx& rc, const Src& src, const ScopePtr& scope) {
  struct Depth {
    int& d;
    explicit Depth(int& x) : d(x) { ++d; }
    ~Depth() { --d; }
  } guard(depth_);
  const std::uint32_t off = e.range.begin;
  if (depth_ > 200) fail(src, off, "expression nested too deeply");

  if (auto* lit = e.as<K::Literal>()) return make_const(literal_value(*lit));

  if (auto* n = e.as<K::Name>()) {
    if (rc.schema) {
      int i = rc.schema->index_of(n->name);
      if (i >= 0) return make_column(i, rc.schema->fields[static_cast<std::size_t>(i)].type);
    }
    if (auto b = scope->find(n->name)) {
      switch (b->kind) {
        case Binding::Kind::Value: return make_const(*b->value);
        case Binding::Kind::BoundExpr: return b->bound;
        case Binding::Kind::Lazy:
          if (b->tab) fail(src, off, "'" + n->name + "' is a tabular expression, used here as a scalar");
          return resolve_scalar(b, off, src);
        case Binding::Kind::Plan: fail(src, off, "'" + n->name + "' is a table, used here as a scalar");
        case Binding::Kind::Function: fail(src, off, "'" + n->name + "' is a function; call it with ()");
      }
    }
    fail_unresolved(src, off, "unknown name '" + n->name + "' (no such column or let variable)");
  }

  if (auto* m = e.as<K::Member>()) {
    if (m->object->as<K::JoinSideRef>()) fail(src, off, "$left/$right can only be used in join/lookup conditions");
    // scan-operator: `Step.Column` reads the step's state, a column "Step.Column" of scan's working row.
    if (auto* on = m->object->as<K::Name>(); on && rc.schema && rc.schema->index_of(on->name) < 0) {
      const int i = rc.schema->index_of(on->name + "." + m->member);
      if (i >= 0) return make_column(i, rc.schema->fields[static_cast<std::size_t>(i)].type);
    }
    ExprPtr obj = bind_expr(*m->object, rc, src, scope);
    if (obj->type != Type::Dynamic)
      fail(src, off, "member access '." + m->member + "' on a value of type " + std::string(type_name(obj->type)) + " (needs dynamic)");
    return call_op(".member", {obj, make_const(Value::of_string(m->member))}, off, src);
  }
  if (auto* ix = e.as<K::Index>()) {
    // array_sort_asc/desc over several arrays gives one result per array; indexing picks one
    // (array-sort-asc-function: `array_sort_asc(timestamps, commands)[1]`).
    const K::Call* sort = ix->object->as<K::Call>();
    const bool sort_tuple = sort && (sort->name == "array_sort_asc" || sort->name == "array_sort_desc") && !scope->find(sort->name);
    ExprPtr obj;
    if (sort_tuple) {
      std::vector<ExprPtr> args;
      for (auto& a : sort->args) if (a.value) args.push_back(bind_expr(*a.value, rc, src, scope));
      obj = call_op(sort->name, std::move(args), ix->object->range.begin, src);
    } else {
      obj = bind_expr(*ix->object, rc, src, scope);
    }
    ExprPtr idx = bind_expr(*ix->index, rc, src, scope);
    if (obj->type != Type::Dynamic) fail(src, off, "indexing a value of type " + std::string(type_name(obj->type)) + " (needs dynamic)");
    return call_op(".index", {obj, idx}, off, src);
  }
  if (auto* u = e.as<K::Unary>()) {
    ExprPtr a = bind_expr(*u->operand, rc, src, scope);
    if (u->op == K::UnaryOp::Plus) return a;
    return call_op("neg", {a}, off, src);
  }
  if (auto* b = e.as<K::Binary>()) {
    if (b->op == K::BinaryOp::And || b->op == K::BinaryOp::Or) {
      auto node = std::make_shared<Expr>();
      node->kind = b->op == K::BinaryOp::And ? ExprKind::And : ExprKind::Or;
      node->type = Type::Bool;
      for (const K::Expr* side : {b->lhs.get(), b->rhs.get()}) {
        ExprPtr x = bind_expr(*side, rc, src, scope);
        if (x->kind == node->kind) for (auto& a : x->args) node->args.push_back(a);
        else node->args.push_back(x);
      }
      bool all_const = true;
      for (auto& a : node->args) all_const = all_const && a->kind == ExprKind::Const;
      if (all_const) return make_const(evaluate_scalar(*node, ctx_.eval));
      return node;
    }
    if (b->lhs->as<K::Star>()) {
      // `* has "x"` (where-operator): the predicate over every column, or-ed (for the negated
      // operators: and-ed)
      const std::string opname = binary_name(b->op);
      const bool negated = opname[0] == '!';
      ExprPtr r = bind_expr(*b->rhs, rc, src, scope);
      auto node = std::make_shared<Expr>();
      node->kind = negated ? ExprKind::And : ExprKind::Or;
      node->type = Type::Bool;
      if (rc.schema)
        for (std::size_t i = 0; i < rc.schema->fields.size(); ++i)
          node->args.push_back(call_op(opname, {make_column(static_cast<int>(i), rc.schema->fields[i].type), r}, off, src));
      if (node->args.empty()) return make_const(Value::of_bool(negated));
      return node;
    }
    ExprPtr l = bind_expr(*b->lhs, rc, src, scope);
    ExprPtr r = bind_expr(*b->rhs, rc, src, scope);
    return call_op(binary_name(b->op), {l, r}, off, src);
  }
  if (auto* in = e.as<K::InExpr>()) {
    std::vector<ExprPtr> args{bind_expr(*in->lhs, rc, src, scope)};
    if (in->subquery) {
      args.push_back(make_const(table_column_array(bind_tabular(*in->subquery, src, scope))));
    } else {
      for (auto& it : in->items) {
        // a Name that denotes a table or tabular let: its first column
        if (auto* nm = it->as<K::Name>()) {
          const bool is_col = rc.schema && rc.schema->index_of(nm->name) >= 0;
          auto bnd = is_col ? nullptr : scope->find(nm->name);
          if (!is_col && ((bnd && (bnd->tab || bnd->kind == Binding::Kind::Plan)) || (!bnd && engine_.has_table(nm->name)))) {
            args.push_back(make_const(table_column_array(bind_table_name(nm->name, it->range.begin, src, scope, false))));
            continue;
          }
        }
        if (auto* ta = it->as<K::TabularArg>()) {
          args.push_back(make_const(table_column_array(bind_tabular(*ta->query, src, scope))));
          continue;
        }
        args.push_back(bind_expr(*it, rc, src, scope));
      }
    }
    return call_op(in_name(in->op), std::move(args), off, src);
  }
  if (auto* bt = e.as<K::Between>()) {
    ExprPtr x = bind_expr(*bt->lhs, rc, src, scope);
    ExprPtr lo = bind_expr(*bt->low, rc, src, scope);
    ExprPtr hi = bind_expr(*bt->high, rc, src, scope);
    // learn.microsoft.com/kusto/query/between-operator: datetime between (datetime .. timespan)
    // means [low, low + timespan].
    if (x->type == Type::DateTime && lo->type == Type::DateTime && hi->type == Type::TimeSpan) hi = call_op("+", {lo, hi}, off, src);
    return call_op(bt->negated ? "!between" : "between", {x, lo, hi}, off, src);
  }
  if (auto* c = e.as<K::Call>()) return bind_call(*c, off, rc, src, scope);
  if (e.as<K::Star>()) fail(src, off, "'*' is not allowed here");
  if (e.as<K::TabularArg>()) fail(src, off, "a tabular expression is not allowed here");
  if (e.as<K::JoinSideRef>()) fail(src, off, "$left/$right can only be used in join/lookup conditions");
  fail(src, off, "unsupported expression", true);
}

ExprPtr Binder::bind_scalar_function(const std::shared_ptr<Binding>& b, const K::Call& c, std::uint32_t off, const RowCtx& rc,
                                     const Src& src, const ScopePtr& scope) {
  const K::FunctionDef& fd = *b->fn;
  auto fscope = std::make_shared<Scope>();
  fscope->parent = b->scope;
  if (c.args.size() > fd.params.size()) fail(src, off, c.name + "() takes " + std::to_string(fd.params.size()) + " argument(s)");
  for (auto& a : c.args) {
    if (!a.name) continue;
    bool known = false;
    for (auto& p : fd.params) known = known || p.name == *a.name;
    if (!known) fail(src, off, c.name + "() has no parameter named '" + *a.name + "'");
  }
  for (std::size_t i = 0; i < fd.params.size(); ++i) {
    const K::Param& p = fd.params[i];
    auto pb = std::make_shared<Binding>();
    // user-defined-functions: positional arguments first, then named ones (f(c=7, a=12)); a
    // parameter no argument names takes its default.
    const K::Expr* arg = i < c.args.size() && !c.args[i].name ? c.args[i].value.get() : nullptr;
    for (auto& a : c.args) if (a.name && *a.name == p.name) arg = a.value.get();
    if (p.tabular) {
      pb->kind = Binding::Kind::Plan;
      if (!arg) fail(src, off, c.name + "(): missing tabular argument '" + p.name + "'");
      pb->plan = bind_tabular_expr_value(*arg, src, scope);
    } else {
      pb->kind = Binding::Kind::BoundExpr;
      if (arg) pb->bound = bind_expr(*arg, rc, src, scope);
      else if (p.default_value) pb->bound = bind_expr(*p.default_value, rc, b->src, b->scope);
      else fail(src, off, c.name + "(): missing argument '" + p.name + "'");
      if (p.type && *p.type != pb->bound->type && !(pb->bound->kind == ExprKind::Const && pb->bound->constant.is_null())) {
        if (*p.type == Type::Dynamic || (is_numeric(*p.type) && is_numeric(pb->bound->type)))
          pb->bound = pb->bound->kind == ExprKind::Const ? make_const(convert_to(pb->bound->constant, *p.type)) : pb->bound;
      }
    }
    fscope->names[p.name] = pb;
  }
  const auto& stmts = fd.body->statements;
  bind_lets(stmts, b->src, fscope);
  for (auto it = stmts.rbegin(); it != stmts.rend(); ++it) {
    if (auto* s = it->as<K::ScalarStatement>()) return bind_expr(*s->value, rc, b->src, fscope);
    if (it->as<K::TabularStatement>()) {
      // a tabular function in a scalar position: toscalar-like use is not Kusto; say so
      fail(src, off, c.name + "() returns a table, used here as a scalar");
    }
  }
  fail(src, off, c.name + "(): function body has no result expression");
}

ExprPtr Binder::bind_call(const K::Call& c, std::uint32_t off, const RowCtx& rc, const Src& src, const ScopePtr& scope) {
  const std::string& name = c.name;
  auto arg_expr = [&](std::size_t i) -> const K::Expr& {
    if (i >= c.args.size() || !c.args[i].value) fail(src, off, name + "(): missing argument " + std::to_string(i + 1));
    return *c.args[i].value;
  };
  auto bind_args = [&]() {
    std::vector<ExprPtr> v;
    for (auto& a : c.args) {
      if (a.value && a.value->as<K::Star>()) continue;
      v.push_back(bind_expr(*a.value, rc, src, scope));
    }
    return v;
  };

  // user functions (let) shadow built-ins
  if (auto b = scope->find(name); b && b->kind == Binding::Kind::Function) return bind_scalar_function(b, c, off, rc, src, scope);

  own_values_notice(name, src, off);
  if (agg_hook_ && engine_.aggregates().find(name)) return agg_hook_(c, off);
  if (engine_.aggregates().find(name) && !engine_.functions().find(name))
    fail(src, off, "aggregation function " + name + "() can only be used in summarize (or make-series)");

  if (name == "iff" || name == "iif" || name == "case") {
    std::vector<ExprPtr> args = bind_args();
    if (name != "case" && args.size() != 3) fail(src, off, name + "() expects 3 arguments");
    if (name == "case" && (args.size() < 3 || args.size() % 2 == 0)) fail(src, off, "case() expects predicate/value pairs and an else value");
    std::vector<ExprPtr> vals;
    for (std::size_t i = 1; i < args.size(); i += 2) vals.push_back(args[i]);
    vals.push_back(args.back());
    auto node = std::make_shared<Expr>();
    node->kind = name == "case" ? ExprKind::Case : ExprKind::Iff;
    node->type = common_type(vals);
    node->args = std::move(args);
    return node;
  }
  if (name == "coalesce") {
    auto node = std::make_shared<Expr>();
    node->kind = ExprKind::Coalesce;
    node->args = bind_args();
    if (node->args.empty()) fail(src, off, "coalesce() expects at least one argument");
    node->type = common_type(node->args);
    return node;
  }
  if (name == "not") {
    auto node = std::make_shared<Expr>();
    node->kind = ExprKind::Not;
    node->type = Type::Bool;
    node->args = bind_args();
    if (node->args.size() != 1) fail(src, off, "not() expects 1 argument");
    return node;
  }
  if (name == "toscalar") {
    const K::Expr& a = arg_expr(0);
    PlanPtr p;
    if (auto* ta = a.as<K::TabularArg>()) {
      p = bind_tabular(*ta->query, src, scope);
    } else {
      // toscalar() of a scalar (a let holding dynamic([...]), a literal) is that value (toscalar-function)
      try {
        p = bind_tabular_expr_value(a, src, scope);
      } catch (const BindFailure&) {
        RowCtx none;
        Schema empty;
        none.schema = &empty;
        return make_const(eval_const(bind_expr(a, none, src, scope), a.range.begin, src));
      }
    }
    return make_const(table_first_value(p));
  }
  if (name == "column_ifexists" || name == "columnifexists") {
    const K::Expr& a = arg_expr(0);
    auto* lit = a.as<K::Literal>();
    const std::string* col = lit ? std::get_if<std::string>(&lit->value) : nullptr;
    if (!col) fail(src, a.range.begin, "column_ifexists() expects a constant column name");
    if (rc.schema) {
      int i = rc.schema->index_of(*col);
      if (i >= 0) return make_column(i, rc.schema->fields[static_cast<std::size_t>(i)].type);
    }
    return bind_expr(arg_expr(1), rc, src, scope);
  }
  if (name == "columnifexists" || name == "column_ifexists") {
    // (handled below under column_ifexists)
  }
  if (name == "row_cumsum" || name == "row_window_session") {
    if (!window_) fail(src, off, name + "() is supported in extend only (after serialize or sort)", true);
    WindowSpec w;
    RowCtx none;
    Schema empty;
    none.schema = &empty;
    const bool cum = name == "row_cumsum";
    const std::size_t need = cum ? 1 : 3;
    if (c.args.size() < need || c.args.size() > need + 1) fail(src, off, name + "() expects " + std::to_string(need) + " or " + std::to_string(need + 1) + " arguments");
    w.kind = cum ? WindowSpec::CumSum : WindowSpec::Session;
    w.expr = bind_expr(*c.args[0].value, rc, src, scope);
    if (cum) {
      if (!is_numeric(w.expr->type)) fail(src, off, "row_cumsum() expects an int, long or real term");
      w.type = w.expr->type == Type::Real ? Type::Real : Type::Long;
    } else {
      if (w.expr->type != Type::DateTime) fail(src, off, "row_window_session() expects a datetime expression");
      const Value f = eval_const(bind_expr(*c.args[1].value, none, src, scope), off, src);
      const Value b = eval_const(bind_expr(*c.args[2].value, none, src, scope), off, src);
      if (f.type != Type::TimeSpan || b.type != Type::TimeSpan || f.is_null() || b.is_null())
        fail(src, off, "row_window_session() expects constant timespans for MaxDistanceFromFirst and MaxDistanceBetweenNeighbors");
      w.max_from_first = f.i;
      w.max_between = b.i;
      w.type = Type::DateTime;
    }
    if (c.args.size() > need) w.restart = bind_expr(*c.args[need].value, rc, src, scope);
    const int col = window_base_ + static_cast<int>(window_->size());
    const Type t = w.type;
    window_->push_back(std::move(w));
    return make_column(col, t);
  }
  if (name == "row_rank_dense" || name == "row_rank_min") {
    // row-rank-dense-function, row-rank-min-function: (Term [, restart])
    if (!window_) fail(src, off, name + "() is supported in extend only (after serialize or sort)", true);
    if (c.args.empty() || c.args.size() > 2) fail(src, off, name + "() expects 1 or 2 arguments");
    WindowSpec w;
    w.kind = name == "row_rank_dense" ? WindowSpec::RankDense : WindowSpec::RankMin;
    w.expr = bind_expr(*c.args[0].value, rc, src, scope);
    if (c.args.size() > 1) w.restart = bind_expr(*c.args[1].value, rc, src, scope);
    w.type = Type::Long;
    const int col = window_base_ + static_cast<int>(window_->size());
    window_->push_back(std::move(w));
    return make_column(col, Type::Long);
  }
  if (name == "row_number" || name == "prev" || name == "next") {
    if (!window_) fail(src, off, name + "() is supported in extend only (after serialize or sort)", true);
    WindowSpec w;
    RowCtx none;
    Schema empty;
    none.schema = &empty;
    if (name == "row_number") {
      w.kind = WindowSpec::RowNumber;
      if (!c.args.empty()) {
        Value st = eval_const(bind_expr(*c.args[0].value, none, src, scope), off, src);
        bool ok;
        w.start = static_cast<std::int64_t>(number_of(st, ok));
      }
      if (c.args.size() > 1) w.restart = bind_expr(*c.args[1].value, rc, src, scope);
      w.type = Type::Long;
    } else {
      w.kind = name == "prev" ? WindowSpec::Prev : WindowSpec::Next;
      if (c.args.empty()) fail(src, off, name + "() expects a column");
      w.expr = bind_expr(*c.args[0].value, rc, src, scope);
      std::function<bool(const Expr&)> input_only = [&](const Expr& x) {
        if (x.kind == ExprKind::Column && static_cast<std::size_t>(x.column) >= window_input_columns_) return false;
        for (auto& a : x.args) if (!input_only(*a)) return false;
        return true;
      };
      if (!input_only(*w.expr)) fail(src, off, name + "() over a column defined in the same extend is not supported", true);
      if (c.args.size() > 1) {
        bool ok;
        w.offset = static_cast<std::int64_t>(number_of(eval_const(bind_expr(*c.args[1].value, none, src, scope), off, src), ok));
      }
      w.type = w.expr->type;
      w.default_value = c.args.size() > 2 ? eval_const(bind_expr(*c.args[2].value, none, src, scope), off, src) : Value::null_of(w.type);
    }
    const int col = window_base_ + static_cast<int>(window_->size());
    const Type t = w.type;
    window_->push_back(std::move(w));
    return make_column(col, t);
  }
  if (name == "typeof" && c.args.size() == 1) {
    // typeof(T) as an argument (extract_json(path, src, typeof(long))): a null of that type
    auto* n = c.args[0].value->as<K::Name>();
    auto t = n ? parse_type_name(n->name) : std::nullopt;
    if (!t) fail(src, off, "typeof() expects a type name");
    return make_const(Value::null_of(*t));
  }
  if (name == "ingestion_time") {
    // Samples carry no ingestion time: rulelab takes TimeGenerated (documented approximation).
    if (rc.schema) {
      int i = rc.schema->index_of("TimeGenerated");
      if (i >= 0) return make_column(i, rc.schema->fields[static_cast<std::size_t>(i)].type);
    }
    fail(src, off, "ingestion_time() needs a TimeGenerated column (rulelab uses it as the ingestion time)", true);
  }
  if (name == "pack_all") {
    // pack_all([ignore_null_empty]) (pack-all-function): every column of the row (in an extend,
    // of its input: not the columns the same extend makes).
    bool ignore_empty = false;
    if (!c.args.empty()) {
      RowCtx none;
      Schema empty;
      none.schema = &empty;
      Value v = eval_const(bind_expr(*c.args[0].value, none, src, scope), off, src);
      ignore_empty = v.truthy();
    }
    std::vector<ExprPtr> args;
    if (rc.schema)
      for (std::size_t i = 0; i < rc.schema->fields.size() && i < pack_all_columns_; ++i) {
        args.push_back(make_const(Value::of_string(rc.schema->fields[i].name)));
        args.push_back(make_column(static_cast<int>(i), rc.schema->fields[i].type));
      }
    return call_op(ignore_empty ? ".pack_nonempty" : "pack", std::move(args), off, src);
  }
  if (name == "bag_pack_columns") {
    // bag_pack_columns(column1, column2, ...) (bag-pack-columns-function): the named columns.
    std::vector<ExprPtr> args;
    for (auto& a : c.args) {
      auto* n = a.value->as<K::Name>();
      if (!n) fail(src, off, "bag_pack_columns() expects column names");
      args.push_back(make_const(Value::of_string(n->name)));
      args.push_back(bind_expr(*a.value, rc, src, scope));
    }
    return call_op("pack", std::move(args), off, src);
  }
  if (name == "materialize") fail(src, off, "materialize() is a tabular expression, used here as a scalar");
  if (name == "array_sort_asc" || name == "array_sort_desc") {
    std::vector<ExprPtr> args = bind_args();
    const std::size_t arrays = args.size() - (args.size() > 1 && args.back()->type == Type::Bool ? 1 : 0);
    if (arrays > 1)
      fail(src, off, name + "() over several arrays returns one column per array, which rulelab does not support; index the result (" + name + "(a, b)[1])", true);
    return call_op(name, std::move(args), off, src);
  }

  const ScalarFunction* fn = engine_.functions().find(name);
  if (!fn) {
    if (engine_.workspace_.count(name)) fail(src, off, "workspace function '" + name + "' returns a table, used here as a scalar");
    fail(src, c.name_range.begin, "unsupported function '" + name + "'", true);
  }
  return make_call(fn, bind_args(), off, src);
}

}  // namespace rulelab::engine
