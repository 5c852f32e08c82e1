// Names of AST enums and the AST as JSON.
#include <nlohmann/json.hpp>

#include "core/datetime.hpp"
#include "kusto/ast.hpp"

namespace rulelab::kusto {

std::string_view to_string(BinaryOp op) {
  switch (op) {
    case BinaryOp::Add: return "+";
    case BinaryOp::Sub: return "-";
    case BinaryOp::Mul: return "*";
    case BinaryOp::Div: return "/";
    case BinaryOp::Mod: return "%";
    case BinaryOp::Lt: return "<";
    case BinaryOp::Le: return "<=";
    case BinaryOp::Gt: return ">";
    case BinaryOp::Ge: return ">=";
    case BinaryOp::Eq: return "==";
    case BinaryOp::Ne: return "!=";
    case BinaryOp::EqCi: return "=~";
    case BinaryOp::NeCi: return "!~";
    case BinaryOp::And: return "and";
    case BinaryOp::Or: return "or";
    case BinaryOp::Has: return "has";
    case BinaryOp::NotHas: return "!has";
    case BinaryOp::HasCs: return "has_cs";
    case BinaryOp::NotHasCs: return "!has_cs";
    case BinaryOp::HasPrefix: return "hasprefix";
    case BinaryOp::NotHasPrefix: return "!hasprefix";
    case BinaryOp::HasPrefixCs: return "hasprefix_cs";
    case BinaryOp::NotHasPrefixCs: return "!hasprefix_cs";
    case BinaryOp::HasSuffix: return "hassuffix";
    case BinaryOp::NotHasSuffix: return "!hassuffix";
    case BinaryOp::HasSuffixCs: return "hassuffix_cs";
    case BinaryOp::NotHasSuffixCs: return "!hassuffix_cs";
    case BinaryOp::Contains: return "contains";
    case BinaryOp::NotContains: return "!contains";
    case BinaryOp::ContainsCs: return "contains_cs";
    case BinaryOp::NotContainsCs: return "!contains_cs";
    case BinaryOp::StartsWith: return "startswith";
    case BinaryOp::NotStartsWith: return "!startswith";
    case BinaryOp::StartsWithCs: return "startswith_cs";
    case BinaryOp::NotStartsWithCs: return "!startswith_cs";
    case BinaryOp::EndsWith: return "endswith";
    case BinaryOp::NotEndsWith: return "!endswith";
    case BinaryOp::EndsWithCs: return "endswith_cs";
    case BinaryOp::NotEndsWithCs: return "!endswith_cs";
    case BinaryOp::MatchesRegex: return "matches regex";
  }
  return "?";
}

std::string_view to_string(InOp op) {
  switch (op) {
    case InOp::In: return "in";
    case InOp::NotIn: return "!in";
    case InOp::InCi: return "in~";
    case InOp::NotInCi: return "!in~";
    case InOp::HasAny: return "has_any";
    case InOp::HasAll: return "has_all";
  }
  return "?";
}

std::string_view to_string(JoinKind k) {
  switch (k) {
    case JoinKind::Default: return "default";
    case JoinKind::InnerUnique: return "innerunique";
    case JoinKind::Inner: return "inner";
    case JoinKind::LeftOuter: return "leftouter";
    case JoinKind::RightOuter: return "rightouter";
    case JoinKind::FullOuter: return "fullouter";
    case JoinKind::LeftAnti: return "leftanti";
    case JoinKind::RightAnti: return "rightanti";
    case JoinKind::LeftSemi: return "leftsemi";
    case JoinKind::RightSemi: return "rightsemi";
  }
  return "?";
}

namespace {

using json = nlohmann::ordered_json;

json rng(SourceRange r) { return json::array({r.begin, r.end}); }
json node(std::string_view kind, SourceRange r) {
  json j = json::object();
  // Room for every member up front: ordered_json's members live in a vector whose growth copies
  // them (pair<const string, json> cannot move), which made deep trees (a and b and ...) quadratic.
  j.get_ref<json::object_t&>().reserve(16);
  j["kind"] = kind;
  j["range"] = rng(r);
  return j;
}

json tab(const TabularExpr* t);
json expr(const Expr* e);

json literal_value(const Literal& l) {
  return std::visit(
      [&](const auto& v) -> json {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::monostate>) return nullptr;
        else if constexpr (std::is_same_v<V, bool>) return v;
        else if constexpr (std::is_same_v<V, std::int64_t>) return v;
        else if constexpr (std::is_same_v<V, double>) return std::isfinite(v) ? json(v) : json(std::to_string(v));
        else if constexpr (std::is_same_v<V, std::string>) return v;
        else if constexpr (std::is_same_v<V, DateTime>) return format_datetime(v);
        else if constexpr (std::is_same_v<V, TimeSpan>) return format_timespan(v);
        else if constexpr (std::is_same_v<V, Guid>) return format_guid(v);
        else return json::parse(rulelab::to_json(v.ref()), nullptr, false);
      },
      l.value);
}

json args(const std::vector<Arg>& a) {
  json out = json::array();
  for (const auto& x : a) {
    json j = expr(x.value.get());
    if (x.name) j["arg_name"] = *x.name;
    out.push_back(std::move(j));
  }
  return out;
}
json call(const Call& c) {
  json j;
  j["name"] = c.name;
  j["args"] = args(c.args);
  return j;
}

json expr(const Expr* e) {
  if (!e) return nullptr;
  return std::visit(
      [&](const auto& n) -> json {
        using N = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<N, Literal>) {
          json j = node("literal", e->range);
          j["type"] = type_name(n.type);
          j["value"] = literal_value(n);
          return j;
        } else if constexpr (std::is_same_v<N, Name>) {
          json j = node("name", e->range);
          j["name"] = n.name;
          return j;
        } else if constexpr (std::is_same_v<N, JoinSideRef>) {
          return node(n.right ? "$right" : "$left", e->range);
        } else if constexpr (std::is_same_v<N, Member>) {
          json j = node("member", e->range);
          j["object"] = expr(n.object.get());
          j["member"] = n.member;
          return j;
        } else if constexpr (std::is_same_v<N, Index>) {
          json j = node("index", e->range);
          j["object"] = expr(n.object.get());
          j["index"] = expr(n.index.get());
          return j;
        } else if constexpr (std::is_same_v<N, Unary>) {
          json j = node(n.op == UnaryOp::Negate ? "negate" : "plus", e->range);
          j["operand"] = expr(n.operand.get());
          return j;
        } else if constexpr (std::is_same_v<N, Binary>) {
          json j = node("binary", e->range);
          j["op"] = to_string(n.op);
          j["lhs"] = expr(n.lhs.get());
          j["rhs"] = expr(n.rhs.get());
          return j;
        } else if constexpr (std::is_same_v<N, InExpr>) {
          json j = node("in", e->range);
          j["op"] = to_string(n.op);
          j["lhs"] = expr(n.lhs.get());
          if (n.subquery) {
            j["subquery"] = tab(n.subquery.get());
          } else {
            j["items"] = json::array();
            for (const auto& i : n.items) j["items"].push_back(expr(i.get()));
          }
          return j;
        } else if constexpr (std::is_same_v<N, Between>) {
          json j = node(n.negated ? "!between" : "between", e->range);
          j["lhs"] = expr(n.lhs.get());
          j["low"] = expr(n.low.get());
          j["high"] = expr(n.high.get());
          return j;
        } else if constexpr (std::is_same_v<N, Call>) {
          json j = node("call", e->range);
          j.update(call(n));
          return j;
        } else if constexpr (std::is_same_v<N, Star>) {
          return node("star", e->range);
        } else {
          json j = node("tabular", e->range);
          j["query"] = tab(n.query.get());
          return j;
        }
      },
      e->node);
}

json assignments(const std::vector<Assignment>& v) {
  json out = json::array();
  for (const auto& a : v) {
    json j = expr(a.value.get());
    if (!a.names.empty()) j["as"] = a.names;
    out.push_back(std::move(j));
  }
  return out;
}
json params(const std::vector<OperatorParam>& ps) {
  json j = json::object();
  for (const auto& p : ps) j[p.name] = p.value;
  return j;
}
json exprs(const std::vector<ExprPtr>& v) {
  json out = json::array();
  for (const auto& e : v) out.push_back(expr(e.get()));
  return out;
}
json columns(const std::vector<ColumnDecl>& v) {
  json out = json::array();
  for (const auto& c : v) out.push_back({{"name", c.name}, {"type", type_name(c.type)}});
  return out;
}
json sort_key(const SortKey& k) {
  json j = expr(k.value.get());
  j["order"] = k.descending ? "desc" : "asc";
  if (k.nulls_first) j["nulls"] = *k.nulls_first ? "first" : "last";
  return j;
}
json expand(const std::vector<ExpandItem>& items) {
  json out = json::array();
  for (const auto& i : items) {
    json j = expr(i.value.get());
    if (i.name) j["as"] = *i.name;
    if (i.to_type) j["to"] = type_name(*i.to_type);
    out.push_back(std::move(j));
  }
  return out;
}

json tab(const TabularExpr* t);
json search(const Search& n) {
  json j = json::object();
  j["params"] = params(n.params);
  if (n.has_in) {
    j["tables"] = json::array();
    for (const auto& t : n.tables) j["tables"].push_back(tab(t.get()));
  }
  j["predicate"] = expr(n.predicate.get());
  return j;
}

json op(const Operator& o) {
  json j = node(o.name, o.range);
  std::visit(
      [&](const auto& n) {
        using N = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<N, Where>) j["predicate"] = expr(n.predicate.get());
        else if constexpr (std::is_same_v<N, Extend> || std::is_same_v<N, Project> || std::is_same_v<N, Serialize>) j["items"] = assignments(n.items);
        else if constexpr (std::is_same_v<N, ProjectAway> || std::is_same_v<N, ProjectKeep>) j["columns"] = n.columns;
        else if constexpr (std::is_same_v<N, ProjectRename>) {
          j["items"] = json::array();
          for (const auto& i : n.items) j["items"].push_back({{"new", i.new_name}, {"old", i.old_name}});
        } else if constexpr (std::is_same_v<N, ProjectReorder>) {
          j["items"] = json::array();
          for (const auto& i : n.items) j["items"].push_back({{"pattern", i.pattern}, {"order", i.order ? json(*i.order) : json(nullptr)}});
        } else if constexpr (std::is_same_v<N, Summarize>) {
          j["params"] = params(n.params);
          j["aggregates"] = assignments(n.aggregates);
          j["by"] = assignments(n.by);
        } else if constexpr (std::is_same_v<N, Join>) {
          j["join_kind"] = to_string(n.kind);
          j["params"] = params(n.params);
          j["right"] = tab(n.right.get());
          j["on"] = exprs(n.on);
        } else if constexpr (std::is_same_v<N, Lookup>) {
          j["lookup_kind"] = n.inner ? "inner" : "leftouter";
          j["right"] = tab(n.right.get());
          j["on"] = exprs(n.on);
        } else if constexpr (std::is_same_v<N, MvExpand>) {
          j["params"] = params(n.params);
          j["items"] = expand(n.items);
          j["limit"] = expr(n.limit.get());
        } else if constexpr (std::is_same_v<N, MvApply>) {
          j["params"] = params(n.params);
          j["items"] = expand(n.items);
          j["limit"] = expr(n.limit.get());
          j["subquery"] = tab(n.subquery.get());
        } else if constexpr (std::is_same_v<N, Parse>) {
          j["parse_kind"] = n.kind == ParseKind::Simple ? "simple" : n.kind == ParseKind::Regex ? "regex" : "relaxed";
          if (!n.flags.empty()) j["flags"] = n.flags;
          j["source"] = expr(n.source.get());
          j["pattern"] = json::array();
          for (const auto& p : n.pattern) {
            if (p.kind == ParsePart::Kind::Text) j["pattern"].push_back({{"text", p.text}});
            else if (p.kind == ParsePart::Kind::Star) j["pattern"].push_back("*");
            else j["pattern"].push_back({{"column", p.column}, {"type", p.type ? json(type_name(*p.type)) : json(nullptr)}});
          }
        } else if constexpr (std::is_same_v<N, ParseKv>) {
          j["source"] = expr(n.source.get());
          j["columns"] = columns(n.columns);
          j["with"] = args(n.with);
        } else if constexpr (std::is_same_v<N, MakeSeries>) {
          j["aggregates"] = json::array();
          for (const auto& a : n.aggregates) {
            json x = expr(a.agg.value.get());
            if (!a.agg.names.empty()) x["as"] = a.agg.names;
            if (a.default_value) x["default"] = expr(a.default_value.get());
            j["aggregates"].push_back(std::move(x));
          }
          j["axis"] = expr(n.axis.get());
          j["from"] = expr(n.from.get());
          j["to"] = expr(n.to.get());
          j["step"] = expr(n.step.get());
          j["by"] = assignments(n.by);
        } else if constexpr (std::is_same_v<N, Evaluate>) {
          j["plugin"] = call(n.plugin);
        } else if constexpr (std::is_same_v<N, Sort>) {
          j["keys"] = json::array();
          for (const auto& k : n.keys) j["keys"].push_back(sort_key(k));
        } else if constexpr (std::is_same_v<N, Top>) {
          j["count"] = expr(n.count.get());
          j["by"] = sort_key(n.by);
        } else if constexpr (std::is_same_v<N, TopNested>) {
          j["levels"] = json::array();
          for (const auto& l : n.levels) {
            json x;
            x["count"] = expr(l.count.get());
            x["of"] = expr(l.of.value.get());
            x["by"] = expr(l.by.value.get());
            x["order"] = l.descending ? "desc" : "asc";
            j["levels"].push_back(std::move(x));
          }
        } else if constexpr (std::is_same_v<N, Take> || std::is_same_v<N, Sample>) j["count"] = expr(n.count.get());
        else if constexpr (std::is_same_v<N, SampleDistinct>) {
          j["count"] = expr(n.count.get());
          j["of"] = expr(n.of.get());
        } else if constexpr (std::is_same_v<N, Distinct>) j["items"] = assignments(n.items);
        else if constexpr (std::is_same_v<N, As>) j["name"] = n.name;
        else if constexpr (std::is_same_v<N, Invoke>) j["function"] = call(n.function);
        else if constexpr (std::is_same_v<N, UnionOp>) {
          j["params"] = params(n.params);
          j["tables"] = json::array();
          for (const auto& t : n.tables) j["tables"].push_back(tab(t.get()));
        } else if constexpr (std::is_same_v<N, Render>) j["chart"] = n.chart;
        else if constexpr (std::is_same_v<N, Search>) j.update(search(n));
        else if constexpr (std::is_same_v<N, Facet>) {
          j["columns"] = json::array();
          for (const auto& c : n.columns) j["columns"].push_back(c.name);
          j["with"] = tab(n.with.get());
        } else if constexpr (std::is_same_v<N, Fork>) {
          j["legs"] = json::array();
          for (const auto& l : n.legs) {
            json x = tab(l.query.get());
            if (l.name) x["name"] = *l.name;
            j["legs"].push_back(std::move(x));
          }
        } else if constexpr (std::is_same_v<N, Reduce>) {
          j["params"] = params(n.params);
          j["by"] = expr(n.by.get());
        }
      },
      o.op);
  return j;
}

json source(const Source& s) {
  return std::visit(
      [&](const auto& n) -> json {
        using N = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<N, TableRef>) {
          json j = node("table", s.range);
          j["name"] = n.name;
          if (n.wildcard) j["wildcard"] = true;
          return j;
        } else if constexpr (std::is_same_v<N, CallSource>) {
          json j = node("call", s.range);
          j.update(call(n.call));
          return j;
        } else if constexpr (std::is_same_v<N, UnionSource>) {
          json j = node("union", s.range);
          j["params"] = params(n.params);
          j["tables"] = json::array();
          for (const auto& t : n.tables) j["tables"].push_back(tab(t.get()));
          return j;
        } else if constexpr (std::is_same_v<N, DatatableSource>) {
          json j = node("datatable", s.range);
          j["columns"] = columns(n.schema);
          j["values"] = exprs(n.values);
          return j;
        } else if constexpr (std::is_same_v<N, ExternalDataSource>) {
          json j = node("externaldata", s.range);
          j["columns"] = columns(n.schema);
          j["uris"] = exprs(n.uris);
          j["with"] = args(n.with);
          return j;
        } else if constexpr (std::is_same_v<N, PrintSource>) {
          json j = node("print", s.range);
          j["items"] = assignments(n.items);
          return j;
        } else if constexpr (std::is_same_v<N, RangeSource>) {
          json j = node("range", s.range);
          j["column"] = n.column;
          j["from"] = expr(n.from.get());
          j["to"] = expr(n.to.get());
          j["step"] = expr(n.step.get());
          return j;
        } else if constexpr (std::is_same_v<N, ParenSource>) {
          json j = node("paren", s.range);
          j["query"] = tab(n.query.get());
          return j;
        } else if constexpr (std::is_same_v<N, Search>) {
          json j = node("search", s.range);
          j.update(search(n));
          return j;
        } else if constexpr (std::is_same_v<N, Find>) {
          json j = node("find", s.range);
          j["withsource"] = n.withsource;
          if (n.has_in) {
            j["tables"] = json::array();
            for (const auto& t : n.tables) j["tables"].push_back(tab(t.get()));
          }
          j["predicate"] = expr(n.predicate.get());
          if (n.project_smart) j["project"] = "project-smart";
          else {
            j["project"] = json::array();
            for (const auto& c : n.columns) {
              if (c.pack_all) j["project"].push_back({{"kind", "call"}, {"name", "pack_all"}});
              else j["project"].push_back({{"name", c.name}, {"type", c.type ? json(type_name(*c.type)) : json(nullptr)}});
            }
          }
          return j;
        } else {
          return node("apply_input", s.range);
        }
      },
      s.node);
}

json tab(const TabularExpr* t) {
  if (!t) return nullptr;
  json j = node("pipeline", t->range);
  j["source"] = source(t->source);
  j["operators"] = json::array();
  for (const auto& o : t->operators) j["operators"].push_back(op(o));
  return j;
}

json param_list(const std::vector<Param>& ps) {
  json out = json::array();
  for (const auto& p : ps) {
    json j{{"name", p.name}};
    if (p.tabular) j["columns"] = p.any_columns ? json("*") : columns(p.columns);
    else if (p.type) j["type"] = type_name(*p.type);
    if (p.default_value) j["default"] = expr(p.default_value.get());
    out.push_back(std::move(j));
  }
  return out;
}

json statement(const Statement& s) {
  return std::visit(
      [&](const auto& n) -> json {
        using N = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<N, Let>) {
          json j = node("let", s.range);
          j["name"] = n.name;
          if (auto* e = std::get_if<ExprPtr>(&n.value)) j["scalar"] = expr(e->get());
          else if (auto* t = std::get_if<TabularPtr>(&n.value)) j["tabular"] = tab(t->get());
          else {
            const auto& f = std::get<FunctionDef>(n.value);
            j["function"]["params"] = param_list(f.params);
            j["function"]["body"] = json::array();
            for (const auto& b : f.body->statements) j["function"]["body"].push_back(statement(b));
          }
          return j;
        } else if constexpr (std::is_same_v<N, DeclareQueryParameters>) {
          json j = node("declare_query_parameters", s.range);
          j["params"] = param_list(n.params);
          return j;
        } else if constexpr (std::is_same_v<N, TabularStatement>) {
          json j = node("query", s.range);
          j["query"] = tab(n.query.get());
          return j;
        } else {
          json j = node("scalar", s.range);
          j["value"] = expr(n.value.get());
          return j;
        }
      },
      s.node);
}

}  // namespace

std::string to_json(const Query& q) {
  json j;
  j["statements"] = json::array();
  for (const auto& s : q.statements) j["statements"].push_back(statement(s));
  // Invalid UTF-8 in a literal or name is written as U+FFFD rather than failing (found by fuzzing).
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace rulelab::kusto
