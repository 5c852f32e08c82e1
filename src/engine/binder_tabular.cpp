// Binding of statements and tabular sources: let, tables, datatable, print, range, union,
// materialize, user and workspace functions.
#include <functional>
#include <algorithm>
#include <map>
#include <set>

#include "core/datetime.hpp"
#include "core/ingest.hpp"
#include "engine/binder.hpp"

namespace rulelab::engine {

namespace {
// The names ASIM parsers go by (Microsoft Learn, "Use ASIM parsers"): built-in _Im_X / _ASim_X,
// workspace-deployed imX / ASimX, source-specific vimX.
bool looks_like_asim_parser(const std::string& n) {
  auto upper_at = [&](std::size_t i) { return n.size() > i && n[i] >= 'A' && n[i] <= 'Z'; };
  return n.rfind("_Im_", 0) == 0 || n.rfind("_ASim_", 0) == 0 || (n.rfind("im", 0) == 0 && upper_at(2)) ||
         (n.rfind("ASim", 0) == 0 && upper_at(4)) || (n.rfind("vim", 0) == 0 && upper_at(3));
}
}  // namespace

void Binder::bind_lets(const std::vector<K::Statement>& stmts, const Src& src, const ScopePtr& scope) {
  for (auto& st : stmts) bind_let(st, src, scope);
}

void Binder::bind_let(const K::Statement& st, const Src& src, const ScopePtr& scope) {
  auto* let = st.as<K::Let>();
  if (!let) {
    if (auto* dq = st.as<K::DeclareQueryParameters>()) {
      // Query parameters take their default values (rulelab passes no parameters).
      for (auto& p : dq->params) {
        if (!p.default_value) fail(src, p.range.begin, "query parameter '" + p.name + "' has no default value; rulelab cannot supply it", true);
        auto b = std::make_shared<Binding>();
        b->scope = std::make_shared<Scope>(*scope);
        b->src = src;
        b->offset = p.range.begin;
        b->expr = p.default_value.get();
        scope->names[p.name] = b;
      }
    }
    return;
  }
  auto b = std::make_shared<Binding>();
  b->scope = std::make_shared<Scope>();
  b->scope->parent = scope;  // a let sees the names defined before it (and itself is not visible: recursion guarded)
  b->src = src;
  b->offset = let->name_range.begin;
  if (auto* e = std::get_if<K::ExprPtr>(&let->value)) b->expr = e->get();
  else if (auto* t = std::get_if<K::TabularPtr>(&let->value)) b->tab = t->get();
  else {
    b->kind = Binding::Kind::Function;
    b->fn = &std::get<K::FunctionDef>(let->value);
  }
  // A let's scope is a snapshot: later lets of the same name shadow for later statements only.
  auto snapshot = std::make_shared<Scope>(*scope);
  b->scope = snapshot;
  scope->names[let->name] = b;
}

void Binder::warn_set_options(const K::Query& q, const Src& src) {
  for (const auto& r : q.set_options) {
    std::string text = q.text.substr(r.begin, r.end - r.begin);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' || text.back() == '\t')) text.pop_back();
    warn(src, r.begin, "`" + text + "` is not applied: rulelab runs the query as without this request option");
  }
}

PlanPtr Binder::bind_query(const K::Query& q, const Src& src, const ScopePtr& scope, std::size_t op_count) {
  warn_set_options(q, src);
  bind_lets(q.statements, src, scope);
  const K::TabularExpr* res = q.result();
  if (!res) fail(src, 0, "the query has no tabular expression to run");
  return bind_tabular(*res, src, scope, op_count);
}

PlanPtr Binder::bind_tabular(const K::TabularExpr& te, const Src& src, const ScopePtr& scope, std::size_t op_count) {
  struct Depth {
    int& d;
    explicit Depth(int& x) : d(x) { ++d; }
    ~Depth() { --d; }
  } guard(depth_);
  if (depth_ > 200) fail(src, te.range.begin, "query nested too deeply");
  PlanPtr p;
  // `T | invoke f()` and `T | MyFunc()`-style operators need the input; sources bind first.
  p = bind_source(te.source, src, scope);
  // With a tap (RunOptions::tap), each step hands its output over as it runs.
  auto tap = [&](PlanPtr in, std::size_t step, K::SourceRange range, std::string kind) {
    if (!ctx_.tap) return in;
    return make_tap(std::move(in), TapPoint{&te, step, src.text, src.loc, range, std::move(kind)});
  };
  p = tap(std::move(p), 0, te.source.range, "source");
  const std::size_t nops = std::min(op_count, te.operators.size());
  for (std::size_t k = 0; k < nops; ++k) {
    // join-innerunique: Kusto propagates the filters that follow the join to its left side before
    // deduplicating it ("add a filter where value == "val1.2" ... will never give the first
    // result"): the `where`s right after an innerunique join that read only left columns (they
    // bind over the left input) also filter the left input. They still run after the join too,
    // where they keep every row (so each step of a tapped run stays what the query says).
    if (const auto* j = te.operators[k].as<K::Join>(); j && (j->kind == K::JoinKind::Default || j->kind == K::JoinKind::InnerUnique)) {
      for (std::size_t w = k + 1; w < nops && te.operators[w].as<K::Where>(); ++w) {
        try {
          p = bind_operator(p, te.operators[w], src, scope);
        } catch (const BindFailure&) {
          break;
        }
      }
    }
    p = tap(bind_operator(std::move(p), te.operators[k], src, scope), k + 1, te.operators[k].range, te.operators[k].name);
  }
  return p;
}

// A let value written as a scalar-looking expression that denotes a table (`let T = SigninLogs;`,
// `let T = MyFunc();`, `materialize(...)`), or a tabular function argument.
PlanPtr Binder::bind_tabular_expr_value(const K::Expr& e, const Src& src, const ScopePtr& scope) {
  if (auto* n = e.as<K::Name>()) return bind_table_name(n->name, e.range.begin, src, scope, false);
  if (auto* c = e.as<K::Call>()) return bind_call_source(*c, e.range.begin, src, scope, nullptr);
  if (auto* t = e.as<K::TabularArg>()) return bind_tabular(*t->query, src, scope);
  fail(src, e.range.begin, "expected a tabular expression");
}

PlanPtr Binder::bind_table_name(const std::string& name, std::uint32_t off, const Src& src, const ScopePtr& scope, bool fuzzy_ok) {
  if (auto b = scope->find(name)) {
    switch (b->kind) {
      case Binding::Kind::Plan: return b->plan;
      case Binding::Kind::Function:
        return bind_function_tabular(b, nullptr, off, src, scope, nullptr);
      case Binding::Kind::Lazy:
        if (b->tab) {
          if (b->resolving) fail(src, off, "let definition refers to itself");
          Resolving guard(*b);
          return bind_tabular(*b->tab, b->src, b->scope);
        }
        if (b->expr && (b->expr->as<K::Name>() || b->expr->as<K::Call>() || b->expr->as<K::TabularArg>())) {
          // decide: a scalar call (e.g. let x = ago(1d)) is not a table
          if (auto* c = b->expr->as<K::Call>()) {
            const bool tabular_call = c->name == "materialize" || c->name == "table" || engine_.workspace_.count(c->name) ||
                                      (b->scope->find(c->name) && b->scope->find(c->name)->kind == Binding::Kind::Function);
            if (!tabular_call) fail(src, off, "'" + name + "' is a scalar, used here as a table");
            if (c->name == "materialize") {
              if (!b->plan) b->plan = bind_call_source(*c, b->expr->range.begin, b->src, b->scope, nullptr);
              return b->plan;
            }
          }
          if (b->resolving) fail(src, off, "let definition refers to itself");
          Resolving guard(*b);
          return bind_tabular_expr_value(*b->expr, b->src, b->scope);
        }
        fail(src, off, "'" + name + "' is a scalar, used here as a table");
      default: fail(src, off, "'" + name + "' is a scalar, used here as a table");
    }
  }
  auto it = engine_.tables_.find(name);
  if (it != engine_.tables_.end()) return make_scan(it->second);
  auto ft = engine_.file_tables_.find(name);
  if (ft != engine_.file_tables_.end()) return make_file_scan(ft->second);
  if (engine_.workspace_.count(name)) return bind_workspace_function(name, nullptr, off, src, scope, nullptr);
  if (fuzzy_ok) return nullptr;
  if (looks_like_asim_parser(name))
    fail_unresolved(src, off, "unknown table or function '" + name + "' (an ASIM parser? give its YAML with --parsers DIR)");
  fail_unresolved(src, off, "unknown table '" + name + "' (give it with --data " + name + "=FILE, or --schema)");
}

PlanPtr Binder::bind_function_tabular(const std::shared_ptr<Binding>& b, const K::Call* call, std::uint32_t off, const Src& src,
                                      const ScopePtr& scope, PlanPtr piped_input) {
  const K::FunctionDef& fd = *b->fn;
  auto fscope = std::make_shared<Scope>();
  fscope->parent = b->scope;
  std::size_t argi = 0;
  const std::size_t nargs = call ? call->args.size() : 0;
  // Positional arguments come first, then arguments given by name (`f(a, c=3)`, as ASIM parsers are
  // called: `_Im_Dns(responsecodename='NXDOMAIN')`); a parameter neither gives takes its default.
  std::size_t npos = 0;
  while (npos < nargs && !call->args[npos].name) ++npos;
  for (std::size_t k = npos; k < nargs; ++k) {
    if (!call->args[k].name) fail(src, off, "a positional argument follows an argument given by name");
    const std::string& an = *call->args[k].name;
    if (std::none_of(fd.params.begin(), fd.params.end(), [&](const K::Param& p) { return p.name == an; }))
      fail(src, off, "the function has no parameter named '" + an + "'");
  }
  for (std::size_t i = 0; i < fd.params.size(); ++i) {
    const K::Param& p = fd.params[i];
    auto pb = std::make_shared<Binding>();
    if (p.tabular && piped_input && i == 0) {
      pb->kind = Binding::Kind::Plan;
      pb->plan = piped_input;
      fscope->names[p.name] = pb;
      continue;
    }
    const K::Expr* arg = argi < npos ? call->args[argi].value.get() : nullptr;
    ++argi;
    for (std::size_t k = npos; k < nargs; ++k)
      if (*call->args[k].name == p.name) arg = call->args[k].value.get();
    if (p.tabular) {
      if (!arg) fail(src, off, "missing tabular argument '" + p.name + "'");
      pb->kind = Binding::Kind::Plan;
      pb->plan = bind_tabular_expr_value(*arg, src, scope);
    } else {
      RowCtx none;
      Schema empty;
      none.schema = &empty;
      ExprPtr e;
      if (arg) e = bind_expr(*arg, none, src, scope);
      else if (p.default_value) e = bind_expr(*p.default_value, none, b->src, b->scope);
      else fail(src, off, "missing argument '" + p.name + "'");
      pb->kind = Binding::Kind::Value;
      Value v = eval_const(e, off, src);
      if (p.type && v.type != *p.type) v = convert_to(v, *p.type);
      pb->value = v;
    }
    fscope->names[p.name] = pb;
  }
  if (argi < npos) fail(src, off, "too many arguments");
  const auto& stmts = fd.body->statements;
  bind_lets(stmts, b->src, fscope);
  for (auto it = stmts.rbegin(); it != stmts.rend(); ++it) {
    if (auto* t = it->as<K::TabularStatement>()) return bind_tabular(*t->query, b->src, fscope);
    if (auto* s = it->as<K::ScalarStatement>()) {
      // a scalar-looking body that names a table (`{ SigninLogs }`)
      return bind_tabular_expr_value(*s->value, b->src, fscope);
    }
  }
  fail(src, off, "function body has no result");
}

PlanPtr Binder::bind_workspace_function(const std::string& name, const K::Call* call, std::uint32_t off, const Src& src,
                                        const ScopePtr& scope, PlanPtr piped_input) {
  auto& wf = engine_.workspace_.at(name);
  if (!wf.parsed) {
    K::ParseOptions po;
    po.location = wf.location;
    auto r = K::parse_query(wf.text, po);
    if (!r.ok()) {
      BindFailure f;
      f.error = r.error();
      throw f;
    }
    wf.parsed = std::make_shared<K::Query>(std::move(r.value()));
  }
  const K::Query& q = *wf.parsed;
  Src fsrc{&q.text, &wf.location};
  auto root = std::make_shared<Scope>();
  // A workspace function's text is either a query (no parameters) or `let f = (params) { body }; f`
  // style: if the query is a single let of a function followed by nothing, call that function.
  bind_lets(q.statements, fsrc, root);
  const K::TabularExpr* res = q.result();
  if (!res) {
    // find a function let to call
    for (auto it = q.statements.rbegin(); it != q.statements.rend(); ++it) {
      if (auto* let = it->as<K::Let>(); let && std::holds_alternative<K::FunctionDef>(let->value))
        return bind_function_tabular(root->find(let->name), call, off, src, scope, piped_input);
    }
    fail(fsrc, 0, "workspace function '" + name + "' has no tabular result");
  }
  // `let f = (p:type) { ... }; f` : the result names the function; call it with the caller's arguments
  if (res->operators.empty()) {
    if (auto* ref = res->source.as<K::TableRef>()) {
      auto b = root->find(ref->name);
      if (b && b->kind == Binding::Kind::Function) return bind_function_tabular(b, call, off, src, scope, piped_input);
    }
  }
  if (call && !call->args.empty()) {
    // parameters given to a parameterless body: bind them as named lets is not possible; report
    fail(src, off, "workspace function '" + name + "' takes no parameters (write its file as `let f = (p:type) { ... }; ` to declare them)");
  }
  return bind_tabular(*res, fsrc, root);
}

PlanPtr Binder::bind_call_source(const K::Call& c, std::uint32_t off, const Src& src, const ScopePtr& scope, PlanPtr piped_input) {
  if (c.name == "materialize") {
    if (c.args.size() != 1) fail(src, off, "materialize() expects one tabular argument");
    auto& slot = materialized_[{&c, scope.get()}];
    if (!slot.second) slot = {scope, make_cached(bind_tabular_expr_value(*c.args[0].value, src, scope))};
    return slot.second;
  }
  if (c.name == "table") {
    if (c.args.empty()) fail(src, off, "table() expects a table name");
    RowCtx none;
    Schema empty;
    none.schema = &empty;
    ExprPtr e = bind_expr(*c.args[0].value, none, src, scope);
    if (e->kind != ExprKind::Const || e->type != Type::String) fail(src, off, "table() expects a constant table name");
    return bind_table_name(e->constant.s, off, src, scope, false);
  }
  if (auto b = scope->find(c.name); b && b->kind == Binding::Kind::Function)
    return bind_function_tabular(b, &c, off, src, scope, piped_input);
  if (engine_.workspace_.count(c.name)) return bind_workspace_function(c.name, &c, off, src, scope, piped_input);
  if (auto b = scope->find(c.name); b && b->kind != Binding::Kind::Function && c.args.empty())
    return bind_table_name(c.name, off, src, scope, false);
  if (engine_.has_table(c.name) && c.args.empty()) return bind_table_name(c.name, off, src, scope, false);
  if (c.name == "_GetWatchlist") return bind_get_watchlist(c, off, src, scope);
  if (looks_like_asim_parser(c.name))
    fail_unresolved(src, c.name_range.begin, "unknown function '" + c.name + "' (an ASIM parser? give its YAML with --parsers DIR)");
  fail_unresolved(src, c.name_range.begin, "unknown function '" + c.name + "' (a workspace function? give it with --function " + c.name + "=FILE.kql)");
}

// Sentinel's _GetWatchlist(watchlistAlias): the items of that watchlist with the columns
// _DTItemId, LastUpdatedTimeUTC, SearchKey, WatchlistItem and the watchlist's own (Engine::add_watchlist).
// A workspace without the watchlist returns no rows: ASIM parsers read 'ASimDisabledParsers' through
// column_ifexists() because most workspaces have none.
PlanPtr Binder::bind_get_watchlist(const K::Call& c, std::uint32_t off, const Src& src, const ScopePtr& scope) {
  if (c.args.size() != 1 || !c.args[0].value) fail(src, off, "_GetWatchlist() expects one argument, the watchlist alias");
  RowCtx none;
  Schema empty;
  none.schema = &empty;
  ExprPtr e = bind_expr(*c.args[0].value, none, src, scope);
  if (e->kind != ExprKind::Const || e->type != Type::String || e->constant.null)
    fail(src, off, "_GetWatchlist() expects a constant watchlist alias");
  const std::string alias = e->constant.s;
  if (auto it = engine_.watchlists_.find(alias); it != engine_.watchlists_.end()) return make_scan(it->second);
  note(src, off, "_GetWatchlist('" + alias + "'): no --watchlist " + alias +
                     "=FILE.csv given; read as a workspace without that watchlist reads it, with no rows");
  Schema s;
  s.table = "_GetWatchlist";
  s.fields = {{"_DTItemId", Type::String}, {"LastUpdatedTimeUTC", Type::DateTime}, {"SearchKey", Type::String}, {"WatchlistItem", Type::Dynamic}};
  return make_scan(std::make_shared<const Table>(Table{s, {}, {}}));
}

namespace {
bool wildcard_match(std::string_view pat, std::string_view s) {
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
}  // namespace

// The tables whose names a wildcard (Syslog*) matches, in name order, as scans.
std::map<std::string, PlanPtr> Binder::tables_matching(const std::string& pattern) const {
  std::map<std::string, PlanPtr> out;
  for (auto& [n, tab] : engine_.tables_)
    if (wildcard_match(pattern, n)) out.emplace(n, make_scan(tab));
  for (auto& [n, tab] : engine_.file_tables_)
    if (wildcard_match(pattern, n)) out.emplace(n, make_file_scan(tab));
  return out;
}


PlanPtr Binder::bind_union(PlanPtr first, const std::vector<K::OperatorParam>& params, const std::vector<K::TabularPtr>& tables,
                           std::uint32_t off, const Src& src, const ScopePtr& scope) {
  bool fuzzy = false, inner = false;
  std::string withsource;
  for (auto& p : params) {
    if (p.name == "isfuzzy") fuzzy = p.value == "true";
    else if (p.name == "kind") inner = p.value == "inner";
    else if (p.name == "withsource") withsource = p.value;
  }
  std::vector<PlanPtr> children;
  std::vector<std::string> names;
  if (first) { children.push_back(first); names.push_back(first->schema.table); }
  for (auto& t : tables) {
    const K::TableRef* ref = t->operators.empty() ? t->source.as<K::TableRef>() : nullptr;
    if (ref && ref->wildcard) {
      auto matching = tables_matching(ref->name);
      if (matching.empty() && fuzzy) warn(src, t->range.begin, "union isfuzzy=true: no table matches '" + ref->name + "'");
      for (auto& [n, scan] : matching) { children.push_back(scan); names.push_back(n); }
      continue;
    }
    // union-operator, isfuzzy=true: a leg that does not resolve (a table, column or function that
    // does not exist) is left out with a warning; the query fails only when no leg resolves.
    // Other errors (types, unsupported features) still fail the query.
    PlanPtr leg;
    try {
      leg = bind_tabular(*t, src, scope);
    } catch (const BindFailure& f) {
      if (!fuzzy || !f.unresolved) throw;
      if (ctx_.warnings) {
        Error w = f.error;
        w.message = "union isfuzzy=true: a leg is left out: " + w.message;
        ctx_.warnings->push_back(std::move(w));
      }
      continue;
    }
    children.push_back(std::move(leg));
    names.push_back(union_leg_name(*t, names.size()));
  }
  if (children.empty()) fail(src, off, "union: no table to read (all missing with isfuzzy=true)");
  return union_of(std::move(children), std::move(names), withsource, inner);
}

std::string union_leg_name(const K::TabularExpr& leg, std::size_t index) {
  const K::TableRef* ref = leg.operators.empty() ? leg.source.as<K::TableRef>() : nullptr;
  std::string name = ref ? ref->name : "union_arg" + std::to_string(index);
  // the last `as` of the leg, looking into parentheses: `(T | where ... | as X)`
  std::function<void(const K::TabularExpr&)> as_name = [&](const K::TabularExpr& x) {
    if (auto* ps = x.source.as<K::ParenSource>()) as_name(*ps->query);
    for (auto& o : x.operators)
      if (auto* as = o.as<K::As>()) name = as->name;
  };
  as_name(leg);
  return name;
}

PlanPtr union_of(std::vector<PlanPtr> children, std::vector<std::string> names, const std::string& withsource, bool inner) {
  // Output columns by name; same name with different types -> name_type columns.
  Schema out;
  std::map<std::string, std::set<Type>> types_of;
  std::vector<std::string> order;
  for (auto& c : children)
    for (auto& f : c->schema.fields) {
      if (!types_of.count(f.name)) order.push_back(f.name);
      types_of[f.name].insert(f.type);
    }
  int src_col = -1;
  if (!withsource.empty()) { out.fields.push_back({withsource, Type::String}); src_col = 0; }
  std::map<std::pair<std::string, Type>, int> col_of;
  for (auto& n : order) {
    if (inner) {
      bool everywhere = true;
      for (auto& c : children) everywhere = everywhere && c->schema.index_of(n) >= 0;
      if (!everywhere) continue;
    }
    auto& ts = types_of[n];
    if (ts.size() == 1) { col_of[{n, *ts.begin()}] = static_cast<int>(out.fields.size()); out.fields.push_back({n, *ts.begin()}); }
    else for (Type t : ts) { col_of[{n, t}] = static_cast<int>(out.fields.size()); out.fields.push_back({n + "_" + std::string(type_name(t)), t}); }
  }
  std::vector<std::vector<int>> mapping;
  for (auto& c : children) {
    std::vector<int> m;
    for (auto& f : c->schema.fields) {
      auto it = col_of.find({f.name, f.type});
      m.push_back(it == col_of.end() ? -1 : it->second);
    }
    mapping.push_back(std::move(m));
  }
  return make_union(std::move(children), std::move(mapping), std::move(out), src_col, std::move(names));
}

PlanPtr Binder::bind_source(const K::Source& s, const Src& src, const ScopePtr& scope) {
  const std::uint32_t off = s.range.begin;
  if (auto* t = s.as<K::TableRef>()) {
    if (t->wildcard) {
      std::vector<K::TabularPtr> none;
      std::vector<PlanPtr> kids;
      std::vector<std::string> names;
      for (auto& [n, scan] : tables_matching(t->name)) { kids.push_back(scan); names.push_back(n); }
      if (kids.empty()) fail(src, off, "no table matches '" + t->name + "'");
      PlanPtr first = kids[0];
      // reuse union binding over scans
      std::vector<std::vector<int>> mapping;
      Schema out;
      std::map<std::string, int> idx;
      for (auto& k : kids) {
        std::vector<int> m;
        for (auto& f : k->schema.fields) {
          auto it = idx.find(f.name);
          if (it == idx.end()) { idx[f.name] = static_cast<int>(out.fields.size()); out.fields.push_back(f); m.push_back(static_cast<int>(out.fields.size()) - 1); }
          else m.push_back(it->second);
        }
        mapping.push_back(std::move(m));
      }
      return make_union(std::move(kids), std::move(mapping), std::move(out), -1, std::move(names));
    }
    return bind_table_name(t->name, off, src, scope, false);
  }
  if (auto* c = s.as<K::CallSource>()) return bind_call_source(c->call, off, src, scope, nullptr);
  if (auto* u = s.as<K::UnionSource>()) return bind_union(nullptr, u->params, u->tables, off, src, scope);
  if (auto* p = s.as<K::ParenSource>()) return bind_tabular(*p->query, src, scope);
  if (auto* se = s.as<K::Search>()) return bind_search(nullptr, *se, off, src, scope);
  if (auto* fi = s.as<K::Find>()) return bind_find(*fi, off, src, scope);
  if (auto* d = s.as<K::DatatableSource>()) {
    Schema sc;
    for (auto& c : d->schema) sc.fields.push_back({c.name, c.type});
    if (sc.fields.empty()) fail(src, off, "datatable needs at least one column");
    if (d->values.size() % sc.fields.size() != 0)
      fail(src, off, "datatable: " + std::to_string(d->values.size()) + " values do not fill rows of " + std::to_string(sc.fields.size()) + " columns");
    TableBuilder tb(sc);
    RowCtx none;
    Schema empty;
    none.schema = &empty;
    for (std::size_t i = 0; i < d->values.size(); ++i) {
      const std::size_t c = i % sc.fields.size();
      Value v = eval_const(bind_expr(*d->values[i], none, src, scope), d->values[i]->range.begin, src);
      append_value(tb.column(c), convert_to(v, sc.fields[c].type));
      if (c + 1 == sc.fields.size()) tb.end_row();
    }
    return make_values(tb.finish());
  }
  if (auto* pr = s.as<K::PrintSource>()) {
    Table one;
    Batch b;
    b.sources.push_back(RowSource{});
    one.batches.push_back(std::move(b));
    PlanPtr base = make_values(std::move(one));
    RowCtx rc;
    rc.schema = &base->schema;
    std::vector<ExprPtr> steps;
    std::vector<int> output;
    Schema out;
    int unnamed = 0;
    for (auto& a : pr->items) {
      ExprPtr e = bind_expr(*a.value, rc, src, scope);
      std::string name = a.names.empty() ? derive_name(*a.value) : a.names[0];
      // unnamed print columns are print_<position>
      if (name.empty()) name = "print_" + std::to_string(unnamed);
      ++unnamed;
      output.push_back(static_cast<int>(steps.size()));
      steps.push_back(e);
      out.fields.push_back({name, e->type});
    }
    return make_compute(base, std::move(steps), std::move(output), std::move(out));
  }
  if (auto* r = s.as<K::RangeSource>()) {
    RowCtx none;
    Schema empty;
    none.schema = &empty;
    Value from = eval_const(bind_expr(*r->from, none, src, scope), off, src);
    Value to = eval_const(bind_expr(*r->to, none, src, scope), off, src);
    Value step = eval_const(bind_expr(*r->step, none, src, scope), off, src);
    Type t = from.type;
    if (t == Type::Int) t = Type::Long;
    // range 1 to 2 step 0.5: numbers with a real among start, stop and step are reals
    if (is_numeric(t) && (to.type == Type::Real || step.type == Type::Real)) t = Type::Real;
    Schema sc;
    sc.fields.push_back({r->column, t});
    TableBuilder tb(sc);
    const OpSite site{src.text, src.loc, off, "range"};
    RowMeter meter(ctx_, site);  // the row budget (--max-rows) and the deadline
    if (from.is_null() || to.is_null() || step.is_null()) return make_values(tb.finish());
    if (t == Type::DateTime || t == Type::TimeSpan) {
      std::int64_t st = step.i;
      if (st == 0) fail(src, off, "range step is zero");
      for (std::int64_t x = from.i; st > 0 ? x <= to.i : x >= to.i;) {
        meter.add();
        append_value(tb.column(0), t == Type::DateTime ? Value::of_datetime(x) : Value::of_timespan(x));
        tb.end_row();
        if (__builtin_add_overflow(x, st, &x)) break;
      }
    } else if (t == Type::Real) {
      bool ok;
      double a = number_of(from, ok), b = number_of(to, ok), st = number_of(step, ok);
      if (st == 0) fail(src, off, "range step is zero");
      for (double x = a; (st > 0 ? x <= b : x >= b); x += st) {
        meter.add();
        tb.column(0).append_real(x);
        tb.end_row();
        if (x + st == x) fail(src, off, "range step is too small to advance from " + std::to_string(x));
      }
    } else {
      bool ok;
      auto a = static_cast<std::int64_t>(number_of(from, ok)), b = static_cast<std::int64_t>(number_of(to, ok)),
           st = static_cast<std::int64_t>(number_of(step, ok));
      if (st == 0) fail(src, off, "range step is zero");
      for (std::int64_t x = a; st > 0 ? x <= b : x >= b;) {
        meter.add();
        tb.column(0).append_long(x);
        tb.end_row();
        if (__builtin_add_overflow(x, st, &x)) break;
      }
    }
    return make_values(tb.finish());
  }
  if (auto* x = s.as<K::ExternalDataSource>()) return bind_externaldata(*x, off, src, scope);
  fail(src, off, "unsupported tabular source", true);
}

// externaldata (externaldata-operator): rulelab reads no URLs; each storage URL must have a local
// copy (`--external URL=FILE`), read as the declared columns. format csv (the default, also the
// default when the extension says nothing) maps fields by position, ignoreFirstRecord skips a
// header; json reads records by property name. Rows have no provenance line (not log events).
PlanPtr Binder::bind_externaldata(const K::ExternalDataSource& x, std::uint32_t off, const Src& src, const ScopePtr& scope) {
  Schema sc;
  for (auto& c : x.schema) sc.fields.push_back({c.name, c.type});
  if (sc.fields.empty()) fail(src, off, "externaldata needs at least one column");
  std::string format = "csv";
  bool ignore_first = false;
  RowCtx none;
  Schema empty;
  none.schema = &empty;
  for (auto& a : x.with) {
    if (!a.name || !a.value) continue;
    const Value v = eval_const(bind_expr(*a.value, none, src, scope), a.value->range.begin, src);
    const std::string name = to_lower(*a.name);
    if (name == "format") format = to_lower(to_kusto_string(v));
    else if (name == "ignorefirstrecord") ignore_first = to_lower(to_kusto_string(v)) == "true";
  }
  if (format != "csv" && format != "json" && format != "multijson" && format != "txt")
    fail(src, off, "externaldata format=" + format + " is not supported (csv, json, multijson, txt are)", true);
  Table out{sc, {}, {}};
  for (auto& u : x.uris) {
    const Value v = eval_const(bind_expr(*u, none, src, scope), u->range.begin, src);
    const std::string url = to_kusto_string(v);
    std::string file;
    if (ctx_.external) {
      auto it = ctx_.external->find(url);
      if (it != ctx_.external->end()) file = it->second;
    }
    if (file.empty()) {
      if (ctx_.external_empty) continue;  // corpus runs: as empty as every table
      fail(src, u->range.begin, "externaldata: no local copy of " + url + " (rulelab reads no URLs; give one with --external URL=FILE)");
    }
    IngestOptions opt;
    opt.schema = sc;
    opt.threads = 1;
    if (format == "csv" || format == "txt") {
      opt.format = InputFormat::Csv;
      opt.csv_positional = true;
      opt.skip_first_record = ignore_first;
    } else {
      opt.format = InputFormat::Auto;
    }
    auto r = ingest_file(file, opt);
    if (!r) fail(src, u->range.begin, "externaldata: " + r.error().format());
    if (r->stats.rejected)
      fail(src, u->range.begin, "externaldata: " + file + ": " + std::to_string(r->stats.rejected) + " record(s) could not be read, the first at line " +
                                    std::to_string(r->stats.first_rejections.empty() ? 0 : r->stats.first_rejections[0].line) +
                                    (r->stats.first_rejections.empty() ? "" : ": " + r->stats.first_rejections[0].reason));
    for (auto& b : r->table.batches) {
      for (auto& rs : b.sources) rs = RowSource{};
      out.batches.push_back(std::move(b));
    }
  }
  return make_values(std::move(out));
}

}  // namespace rulelab::engine
