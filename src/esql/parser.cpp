// ES|QL parser: the only translation unit that instantiates grammar/esql.hpp. The parse tree
// (selected nodes only) is turned into the AST of esql/ast.hpp.
#include "esql/parser.hpp"

#include <tao/pegtl/contrib/analyze.hpp>
#include <tao/pegtl/contrib/limit_depth.hpp>
#include <tao/pegtl/contrib/parse_tree.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>

#include "grammar/esql.hpp"

namespace rulelab::esql {
namespace {
namespace pg = tao::pegtl;
namespace g = grammar;

template <typename Rule>
inline constexpr const char* message = nullptr;
#define RULELAB_ESQL_ERROR(rule, text) \
  template <>                          \
  inline constexpr const char* message<g::rule> = text;
RULELAB_ESQL_ERROR(source_cmd, "expected a source command: FROM index or ROW")
RULELAB_ESQL_ERROR(processing_cmd,
                   "expected a processing command after '|' (WHERE, EVAL, STATS, INLINE STATS, KEEP, DROP, RENAME, SORT, "
                   "LIMIT, DISSECT, GROK, MV_EXPAND, ENRICH, LOOKUP JOIN, COMPLETION, FORK)")
RULELAB_ESQL_ERROR(fork_close, "expected ')' to end the FORK branch, or '|' and a processing command")
RULELAB_ESQL_ERROR(fork_branches, "expected a FORK branch: ( processing commands )")
RULELAB_ESQL_ERROR(join_on_item, "expected a join field or a join condition")
RULELAB_ESQL_ERROR(eof_expected, "unexpected text: expected '|' and a processing command, or the end of the query")
RULELAB_ESQL_ERROR(bool_expr, "expected an expression")
RULELAB_ESQL_ERROR(fields, "expected a field definition (name = expression, or an expression)")
RULELAB_ESQL_ERROR(field_def, "expected a field definition (name = expression, or an expression)")
RULELAB_ESQL_ERROR(agg_def, "expected an aggregation (name = function(...))")
RULELAB_ESQL_ERROR(index_list, "expected an index name or pattern")
RULELAB_ESQL_ERROR(index_pattern, "expected the lookup index's name")
RULELAB_ESQL_ERROR(kw_on, "expected ON and the join field(s)")
RULELAB_ESQL_ERROR(metadata_field, "expected a metadata field (_id, _index, _version, ...)")
RULELAB_ESQL_ERROR(patterns, "expected a field name or pattern")
RULELAB_ESQL_ERROR(name_pattern, "expected a field name or pattern")
RULELAB_ESQL_ERROR(rename_clause, "expected `old AS new` or `new = old`")
RULELAB_ESQL_ERROR(rename_new, "expected the new field name")
RULELAB_ESQL_ERROR(rename_old, "expected the field to rename")
RULELAB_ESQL_ERROR(sort_key, "expected a sort expression")
RULELAB_ESQL_ERROR(limit_value, "expected an integer after LIMIT")
RULELAB_ESQL_ERROR(primary, "expected a field or an expression")
RULELAB_ESQL_ERROR(string_literal, "expected a quoted string pattern")
RULELAB_ESQL_ERROR(qualified_name, "expected a field name")
RULELAB_ESQL_ERROR(close_paren, "expected ')'")
RULELAB_ESQL_ERROR(like_pattern, "expected a quoted pattern or a list of patterns in parentheses")
RULELAB_ESQL_ERROR(constant, "expected a literal value")
RULELAB_ESQL_ERROR(dq_body, "unterminated string")
RULELAB_ESQL_ERROR(triple_body, "unterminated string")
RULELAB_ESQL_ERROR(bq_body, "unterminated quoted identifier")
RULELAB_ESQL_ERROR(bq_close, "unterminated quoted identifier")
RULELAB_ESQL_ERROR(block_comment_end, "unterminated comment")
#undef RULELAB_ESQL_ERROR
template <>
inline constexpr const char* message<pg::sor<g::nulls_first, g::nulls_last>> = "expected FIRST or LAST after NULLS";
template <>
inline constexpr const char* message<pg::string<'"', '"', '"'>> = "unterminated string";

struct errors {
  template <typename Rule>
  static constexpr const char* message = esql::message<Rule>;
  template <typename Rule>
  static constexpr bool raise_on_failure = false;
};

template <typename Rule>
using control = pg::must_if<errors, pg::normal, false>::control<Rule>;

template <typename Rule>
struct depth_action : pg::limit_depth<1000> {};

template <typename Rule>
struct selector
    : pg::parse_tree::selector<
          Rule,
          pg::parse_tree::store_content::on<
              g::or_expr, g::and_expr, g::logical_not, g::predicate, g::comparison, g::arith, g::term, g::unary_neg,
              g::cast, g::type_name, g::cmp_op, g::add_op, g::mul_op, g::call, g::fn_name, g::star_arg, g::map_expr,
              g::map_entry, g::field_ref, g::null_lit, g::true_lit, g::false_lit, g::qualified_number, g::number_body,
              g::unit_name, g::string_literal, g::list_literal, g::list_item, g::param, g::is_null, g::in_list, g::like,
              g::rlike, g::match_op, g::not_mark, g::from_cmd, g::row_cmd, g::where_cmd, g::eval_cmd, g::stats_cmd,
              g::inline_stats_cmd, g::keep_cmd, g::drop_cmd, g::rename_cmd, g::sort_cmd, g::limit_cmd, g::dissect_cmd,
              g::grok_cmd, g::mv_expand_cmd, g::enrich_cmd, g::lookup_cmd, g::join_on_item, g::completion_cmd, g::completion_endpoint, g::other_cmd, g::fork_cmd, g::fork_branch,
              g::field_def, g::assign_name, g::agg_def, g::agg_where, g::by_clause, g::index_pattern,
              g::metadata_field, g::name_pattern, g::rename_old, g::rename_new, g::sort_key, g::asc, g::desc,
              g::nulls_first, g::nulls_last, g::limit_value, g::command_option, g::option_name, g::qualified_name>> {};

using Node = pg::parse_tree::node;

struct Failure {
  std::string message;
  std::size_t at;
};
[[noreturn]] void fail(std::string msg, std::size_t at) { throw Failure{std::move(msg), at}; }

std::string unquote_string(std::string_view s, std::size_t at) {
  if (s.size() >= 6 && s.substr(0, 3) == "\"\"\"") return std::string(s.substr(3, s.size() - 6));
  std::string out;
  s = s.substr(1, s.size() - 2);
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    char e = s[++i];
    switch (e) {
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      default: fail(std::string("invalid escape sequence \\") + e + " (ES|QL strings allow \\t \\n \\r \\\" \\\\)", at + i);
    }
  }
  return out;
}

// A dotted name; backquoted segments lose their quotes (`` doubles a backquote).
std::string name_text(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '`') {
      for (++i; i < s.size(); ++i) {
        if (s[i] == '`') {
          if (i + 1 < s.size() && s[i + 1] == '`') {
            out += '`';
            ++i;
            continue;
          }
          break;
        }
        out += s[i];
      }
    } else {
      out += s[i];
    }
  }
  return out;
}

ExprPtr make(ExprKind k, const Node& n) {
  auto e = std::make_shared<Expr>();
  e->kind = k;
  e->begin = n.begin().byte;
  e->end = n.end().byte;
  return e;
}

// An integer literal: integer when it fits, else long, else unsigned_long, else double.
void integer_literal(Expr& e, std::string_view s, bool negative) {
  unsigned long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc()) {
    if (!negative) {
      if (v <= static_cast<unsigned long long>(std::numeric_limits<std::int32_t>::max())) {
        e.type = Type::Integer;
        e.value = {Scalar::of_int(static_cast<std::int64_t>(v))};
      } else if (v <= static_cast<unsigned long long>(std::numeric_limits<std::int64_t>::max())) {
        e.type = Type::Long;
        e.value = {Scalar::of_int(static_cast<std::int64_t>(v))};
      } else {
        e.type = Type::UnsignedLong;
        e.value = {Scalar::of_ul(v)};
      }
      return;
    }
    if (v <= 2147483648ULL) {
      e.type = Type::Integer;
      e.value = {Scalar::of_int(-static_cast<std::int64_t>(v))};
      return;
    }
    if (v <= 9223372036854775808ULL) {
      e.type = Type::Long;
      e.value = {Scalar::of_int(v == 9223372036854775808ULL ? std::numeric_limits<std::int64_t>::min()
                                                             : -static_cast<std::int64_t>(v))};
      return;
    }
  }
  e.type = Type::Double;
  double d = std::strtod(std::string(s).c_str(), nullptr);
  e.value = {Scalar::of_double(negative ? -d : d)};
}

void number_literal(Expr& e, std::string_view s, bool negative) {
  bool decimal = s.find_first_of(".eE") != std::string_view::npos;
  if (!decimal) return integer_literal(e, s, negative);
  e.type = Type::Double;
  double d = std::strtod(std::string(s).c_str(), nullptr);
  e.value = {Scalar::of_double(negative ? -d : d)};
}

// The parameter each `?`, `?N` or `?name` of the query stands for, by its byte offset, resolved
// in the order they are written, with the errors of Elasticsearch's parser (EsqlParser's
// ParametrizedTokenSource, ExpressionBuilder.paramByNameOrPosition): one query uses one kind of
// parameter; `?` takes the next one; `?N` the N-th (1-based, named ones counted); `?name` by name.
void resolve_params(const Node& n, const std::vector<Param>& params, std::map<std::size_t, const Param*>& out, std::size_t& next,
                    int& kinds) {
  if (n.is_type<g::param>()) {
    const std::size_t at = n.begin().byte;
    const std::string_view t = n.string_view().substr(1);
    const std::string mixed = "Inconsistent parameter declaration, use one of positional, named or anonymous params but not a combination of ";
    const bool positional = !t.empty() && std::all_of(t.begin(), t.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    const int kind = t.empty() ? 1 : positional ? 4 : 2;
    if (kinds & ~kind) {
      const char* self = kind == 1 ? "anonymous" : kind == 2 ? "named" : "positional";
      const int other = kinds & ~kind;
      const char* them = kind == 1 ? ((other & 2) ? "named" : "positional") : kind == 2 ? ((other & 1) ? "anonymous" : "positional")
                                                                                      : ((other & 1) ? "anonymous" : "named");
      fail(mixed + self + " and " + them, at);
    }
    kinds |= kind;
    const std::string hint = params.empty() ? " (rulelab query takes parameters as --param NAME=VALUE, or --param VALUE in order)" : "";
    if (kind == 1) {
      if (next >= params.size()) fail("Not enough actual parameters " + std::to_string(params.size()) + hint, at);
      out[at] = &params[next++];
    } else if (kind == 4) {
      std::size_t index = 0;
      auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), index);
      if (ec != std::errc() || index < 1 || index > params.size()) {
        std::string msg = "No parameter is defined for position " + std::string(t);
        if (!params.empty()) msg += ", did you mean " + (params.size() == 1 ? std::string("position 1?") : "any position between 1 and " + std::to_string(params.size()) + "?");
        fail(msg + hint, at);
      }
      out[at] = &params[index - 1];
    } else {
      const Param* found = nullptr;
      for (const auto& p : params)
        if (p.name == t) found = &p;
      if (!found) fail("Unknown query parameter [" + std::string(t) + "]" + hint, at);
      out[at] = found;
    }
    return;
  }
  for (const auto& c : n.children) resolve_params(*c, params, out, next, kinds);
}

// An index pattern as written: bare, "quoted" or """triple-quoted""" (grammar index_pattern).
std::string unquoted_index(std::string v) {
  if (v.size() >= 6 && v.compare(0, 3, "\"\"\"") == 0) return v.substr(3, v.size() - 6);
  if (!v.empty() && v[0] == '"') return v.substr(1, v.size() - 2);
  return v;
}

struct Builder {
  std::string_view text;
  std::map<std::size_t, const Param*> params;  // by the offset of each `?` in the query

  // The literal a parameter stands for.
  ExprPtr param(const Node& n) {
    auto it = params.find(n.begin().byte);
    if (it == params.end()) fail("Unexpected parameter", n.begin().byte);
    auto e = make(ExprKind::Literal, n);
    e->type = it->second->type;
    if (e->type != Type::Null) e->value = {it->second->value};
    return e;
  }

  ExprPtr literal(const Node& n, Type t, Cell v) {
    auto e = make(ExprKind::Literal, n);
    e->type = t;
    e->value = std::move(v);
    return e;
  }

  ExprPtr list_item(const Node& n, Type& t) {
    std::string_view s = n.string_view();
    auto e = make(ExprKind::Literal, n);
    if (!n.children.empty() && n.children[0]->is_type<g::string_literal>()) {
      e->type = Type::Keyword;
      e->value = {Scalar::of_str(unquote_string(n.children[0]->string_view(), n.begin().byte))};
    } else if (!n.children.empty() && n.children[0]->is_type<g::number_body>()) {
      bool neg = s[0] == '-';
      number_literal(*e, n.children[0]->string_view(), neg);
    } else if (!n.children.empty() && n.children[0]->is_type<g::param>()) {
      ExprPtr p = param(*n.children[0]);
      t = p->type;  // (null: refused by the list, as a written null is)
      return p;
    } else {
      std::string low;
      for (char c : s) low += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (low == "null") {
        e->type = Type::Null;
      } else {
        e->type = Type::Boolean;
        e->value = {Scalar::of_int(low == "true")};
      }
    }
    t = e->type;
    return e;
  }

  ExprPtr expr(const Node& n) {
    if (n.is_type<g::or_expr>() || n.is_type<g::and_expr>()) {
      ExprPtr acc = expr(*n.children[0]);
      for (std::size_t i = 1; i < n.children.size(); ++i) {
        auto e = make(n.is_type<g::or_expr>() ? ExprKind::Or : ExprKind::And, n);
        e->begin = acc->begin;
        e->end = n.children[i]->end().byte;
        e->args = {acc, expr(*n.children[i])};
        acc = e;
      }
      return acc;
    }
    if (n.is_type<g::logical_not>()) {
      auto e = make(ExprKind::Not, n);
      e->args = {expr(*n.children[0])};
      return e;
    }
    if (n.is_type<g::predicate>()) {
      ExprPtr base = expr(*n.children[0]);
      if (n.children.size() == 1) return base;
      const Node& t = *n.children[1];
      bool neg = !t.children.empty() && t.children[0]->is_type<g::not_mark>();
      ExprPtr e;
      if (t.is_type<g::is_null>()) {
        e = make(ExprKind::IsNull, n);
        e->args = {base};
      } else if (t.is_type<g::in_list>()) {
        e = make(ExprKind::In, n);
        e->args = {base};
        for (const auto& c : t.children)
          if (!c->is_type<g::not_mark>()) e->args.push_back(expr(*c));
      } else if (t.is_type<g::like>() || t.is_type<g::rlike>()) {
        e = make(t.is_type<g::like>() ? ExprKind::Like : ExprKind::RLike, n);
        e->args = {base};
        for (const auto& c : t.children) {
          if (c->is_type<g::string_literal>()) e->patterns.push_back(unquote_string(c->string_view(), c->begin().byte));
          if (c->is_type<g::arith>()) {
            ExprPtr p = expr(*c);
            if (p->kind == ExprKind::Literal && p->type == Type::Keyword) e->patterns.push_back(p->value[0].s);
            else e->args.push_back(p);  // a constant expression, folded when the query runs
          }
        }
      } else {  // match_op
        e = make(ExprKind::Match, n);
        e->args = {base, expr(*t.children[0])};
      }
      e->negated = neg;
      return e;
    }
    if (n.is_type<g::comparison>()) {
      if (n.children.size() == 1) return expr(*n.children[0]);
      auto e = make(ExprKind::Compare, n);
      e->name = n.children[1]->string();
      e->args = {expr(*n.children[0]), expr(*n.children[2])};
      return e;
    }
    if (n.is_type<g::arith>() || n.is_type<g::term>()) {
      ExprPtr acc = expr(*n.children[0]);
      for (std::size_t i = 1; i + 1 < n.children.size(); i += 2) {
        auto e = make(ExprKind::Arith, n);
        e->begin = acc->begin;
        e->end = n.children[i + 1]->end().byte;
        e->name = std::string(1, n.children[i]->string_view()[0]);
        e->args = {acc, expr(*n.children[i + 1])};
        acc = e;
      }
      return acc;
    }
    if (n.is_type<g::unary_neg>()) {
      ExprPtr inner = expr(*n.children[0]);
      // -5 is a literal (so that -2147483648 is an integer).
      if (inner->kind == ExprKind::Literal && is_numeric(inner->type) && n.children[0]->is_type<g::cast>() &&
          n.children[0]->children.size() == 1 && n.children[0]->children[0]->is_type<g::number_body>()) {
        auto e = make(ExprKind::Literal, n);
        number_literal(*e, n.children[0]->children[0]->string_view(), true);
        return e;
      }
      auto e = make(ExprKind::Neg, n);
      e->args = {inner};
      return e;
    }
    if (n.is_type<g::cast>()) {
      ExprPtr acc = expr(*n.children[0]);
      for (std::size_t i = 1; i < n.children.size(); ++i) {
        auto e = make(ExprKind::Cast, n);
        e->end = n.children[i]->end().byte;
        e->name = n.children[i]->string();
        std::transform(e->name.begin(), e->name.end(), e->name.begin(), [](unsigned char c) { return std::tolower(c); });
        if (!type_from_name(e->name)) fail("unknown data type [" + n.children[i]->string() + "]", n.children[i]->begin().byte);
        e->args = {acc};
        acc = e;
      }
      return acc;
    }
    if (n.is_type<g::call>()) {
      auto e = make(ExprKind::Call, n);
      e->name = name_text(n.children[0]->string_view());
      std::transform(e->name.begin(), e->name.end(), e->name.begin(), [](unsigned char c) { return std::tolower(c); });
      // Other names Elasticsearch registers for a function (the column keeps the name as written).
      if (e->name == "std_var") e->name = "variance";
      else if (e->name == "bin") e->name = "bucket";  // (ES|QL 9.2: "BIN", BUCKET's arguments and results)
      for (std::size_t i = 1; i < n.children.size(); ++i) {
        if (n.children[i]->is_type<g::star_arg>()) {
          e->star = true;
          continue;
        }
        e->args.push_back(expr(*n.children[i]));
      }
      return e;
    }
    if (n.is_type<g::map_expr>()) {
      auto e = make(ExprKind::Map, n);
      for (const auto& c : n.children) {
        std::string key = unquote_string(c->children[0]->string_view(), c->begin().byte);
        ExprPtr v = expr(*c->children[1]);
        e->options.emplace_back(key, v->value);
        e->args.push_back(v);
      }
      return e;
    }
    if (n.is_type<g::field_ref>()) {
      auto e = make(ExprKind::Field, n);
      e->name = name_text(n.string_view());
      return e;
    }
    if (n.is_type<g::null_lit>()) return literal(n, Type::Null, {});
    if (n.is_type<g::true_lit>()) return literal(n, Type::Boolean, {Scalar::of_int(1)});
    if (n.is_type<g::false_lit>()) return literal(n, Type::Boolean, {Scalar::of_int(0)});
    if (n.is_type<g::number_body>()) {
      auto e = make(ExprKind::Literal, n);
      number_literal(*e, n.string_view(), false);
      return e;
    }
    if (n.is_type<g::string_literal>())
      return literal(n, Type::Keyword, {Scalar::of_str(unquote_string(n.string_view(), n.begin().byte))});
    if (n.is_type<g::qualified_number>()) {
      std::string_view num = n.children[0]->string_view();
      std::string unit = n.children[1]->string();
      std::transform(unit.begin(), unit.end(), unit.begin(), [](unsigned char c) { return std::tolower(c); });
      if (num.find_first_of(".eE") != std::string_view::npos) fail("a time unit needs an integer quantity", n.begin().byte);
      long long q = 0;
      auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), q);
      if (ec != std::errc()) fail("quantity out of range", n.begin().byte);
      auto e = make(ExprKind::Literal, n);
      Scalar s;
      // (a quantity whose milliseconds, months or days overflow a long is out of range too)
      auto times = [&](std::int64_t unit_size) {
        std::int64_t v = 0;
        if (__builtin_mul_overflow(static_cast<std::int64_t>(q), unit_size, &v)) fail("quantity out of range", n.begin().byte);
        return v;
      };
      auto dur = [&](std::int64_t ms) { e->type = Type::TimeDuration; s.i = times(ms); };
      auto per = [&](std::int64_t months, std::int64_t days) { e->type = Type::DatePeriod; s.i = times(months); s.j = times(days); };
      if (unit == "ms" || unit.starts_with("millisecond")) dur(1);
      else if (unit == "s" || unit == "sec" || unit.starts_with("second")) dur(1000);
      else if (unit == "min" || unit == "m" || unit.starts_with("minute")) dur(60000);
      else if (unit == "h" || unit.starts_with("hour")) dur(3600000);
      else if (unit == "d" || unit.starts_with("day")) per(0, 1);
      else if (unit == "w" || unit.starts_with("week")) per(0, 7);
      else if (unit == "mo" || unit.starts_with("month")) per(1, 0);
      else if (unit == "q" || unit.starts_with("quarter")) per(3, 0);
      else per(12, 0);  // y, yr, year(s)
      e->value = {s};
      return e;
    }
    if (n.is_type<g::list_literal>()) {
      auto e = make(ExprKind::Literal, n);
      e->type = Type::Null;
      for (const auto& c : n.children) {
        Type t = Type::Null;
        ExprPtr item = list_item(*c, t);
        if (t == Type::Null) fail("null is not allowed in a list literal", c->begin().byte);
        if (e->type == Type::Null) e->type = t;
        else if (e->type != t) {
          // integer and long mix as long, numbers with doubles as double (as Elasticsearch's parser).
          if (is_numeric(e->type) && is_numeric(t)) {
            Type wide = (e->type == Type::Double || t == Type::Double)             ? Type::Double
                        : (e->type == Type::UnsignedLong || t == Type::UnsignedLong) ? Type::UnsignedLong
                                                                                     : Type::Long;
            if (wide == Type::UnsignedLong) {
              for (auto& v : e->value)
                if (e->type != Type::UnsignedLong) v.u = static_cast<std::uint64_t>(v.i);
              if (t != Type::UnsignedLong) item->value[0].u = static_cast<std::uint64_t>(item->value[0].i);
              t = Type::UnsignedLong;
            }
            for (auto& v : e->value)
              if (wide == Type::Double && e->type != Type::Double) v.d = static_cast<double>(v.i);
            if (wide == Type::Double && t != Type::Double) item->value[0].d = static_cast<double>(item->value[0].i);
            e->type = wide;
          } else {
            fail("a list literal must hold values of one type", c->begin().byte);
          }
        } else if (e->type == Type::Double && t != Type::Double) {
          item->value[0].d = static_cast<double>(item->value[0].i);
        } else if (e->type == Type::UnsignedLong && t != Type::UnsignedLong) {
          item->value[0].u = static_cast<std::uint64_t>(item->value[0].i);
        }
        if (e->type == Type::Double && t != Type::Double) item->value[0].d = static_cast<double>(item->value[0].i);
        e->value.push_back(item->value[0]);
      }
      return e;
    }
    if (n.is_type<g::param>()) return param(n);
    if (n.is_type<g::qualified_name>()) {
      auto e = make(ExprKind::Field, n);
      e->name = name_text(n.string_view());
      return e;
    }
    fail("unexpected syntax", n.begin().byte);
  }

  Assign field_def(const Node& n) {
    Assign a;
    a.offset = n.begin().byte;
    std::size_t i = 0;
    if (n.children[0]->is_type<g::assign_name>()) {
      a.name = name_text(n.children[0]->string_view());
      a.named = true;
      i = 1;
    }
    a.expr = expr(*n.children[i]);
    if (!a.named) {
      // An unnamed expression's column is named after its text (whitespace as written).
      if (a.expr->kind == ExprKind::Field) a.name = a.expr->name;
      else a.name = std::string(text.substr(a.expr->begin, a.expr->end - a.expr->begin));
    }
    return a;
  }

  Assign agg_def(const Node& n) {
    Assign a = field_def(*n.children[0]);
    if (n.children.size() > 1) a.where = expr(*n.children[1]->children[0]);
    return a;
  }

  Command command(const Node& n) {
    Command c;
    c.offset = n.begin().byte;
    c.end = n.end().byte;
    std::string_view s = n.string_view();
    std::size_t kwend = 0;
    while (kwend < s.size() && (std::isalpha(static_cast<unsigned char>(s[kwend])) || s[kwend] == '_')) ++kwend;
    c.keyword = std::string(s.substr(0, kwend));
    std::transform(c.keyword.begin(), c.keyword.end(), c.keyword.begin(), [](unsigned char ch) { return std::toupper(ch); });
    auto stats_body = [&] {
      for (const auto& ch : n.children) {
        if (ch->is_type<g::agg_def>()) c.fields.push_back(agg_def(*ch));
        if (ch->is_type<g::by_clause>())
          for (const auto& f : ch->children) c.by.push_back(field_def(*f));
      }
    };
    if (n.is_type<g::from_cmd>()) {
      c.kind = CommandKind::From;
      for (const auto& ch : n.children) {
        if (ch->is_type<g::index_pattern>()) {
          const std::string v = unquoted_index(ch->string());
          // "a,b" in quotes is a list too.
          std::size_t start = 0;
          while (true) {
            std::size_t comma = v.find(',', start);
            std::string part = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            part.erase(0, part.find_first_not_of(' '));
            part.erase(part.find_last_not_of(' ') + 1);
            if (!part.empty()) c.indices.push_back(part);
            if (comma == std::string::npos) break;
            start = comma + 1;
          }
        }
        if (ch->is_type<g::metadata_field>()) c.metadata.push_back(ch->string());
      }
    } else if (n.is_type<g::row_cmd>()) {
      c.kind = CommandKind::Row;
      for (const auto& ch : n.children) c.fields.push_back(field_def(*ch));
    } else if (n.is_type<g::where_cmd>()) {
      c.kind = CommandKind::Where;
      c.expr = expr(*n.children[0]);
    } else if (n.is_type<g::eval_cmd>()) {
      c.kind = CommandKind::Eval;
      for (const auto& ch : n.children) c.fields.push_back(field_def(*ch));
    } else if (n.is_type<g::stats_cmd>()) {
      c.kind = CommandKind::Stats;
      stats_body();
    } else if (n.is_type<g::inline_stats_cmd>()) {
      c.kind = CommandKind::InlineStats;
      if (c.keyword != "INLINESTATS") c.keyword = "INLINE STATS";  // (the deprecated one-word spelling kept: it warns)
      stats_body();
    } else if (n.is_type<g::keep_cmd>() || n.is_type<g::drop_cmd>()) {
      c.kind = n.is_type<g::keep_cmd>() ? CommandKind::Keep : CommandKind::Drop;
      for (const auto& ch : n.children) {
        c.patterns.push_back(name_text(ch->string_view()));
        c.pattern_offsets.push_back(ch->begin().byte);
      }
    } else if (n.is_type<g::rename_cmd>()) {
      c.kind = CommandKind::Rename;
      std::string old_name, new_name;
      for (const auto& ch : n.children) {
        if (ch->is_type<g::rename_old>()) old_name = name_text(ch->string_view());
        if (ch->is_type<g::rename_new>()) new_name = name_text(ch->string_view());
        if (!old_name.empty() && !new_name.empty()) {
          c.renames.emplace_back(old_name, new_name);
          c.pattern_offsets.push_back(ch->begin().byte);
          old_name.clear();
          new_name.clear();
        }
      }
    } else if (n.is_type<g::sort_cmd>()) {
      c.kind = CommandKind::Sort;
      for (const auto& ch : n.children) {
        SortKey k;
        k.expr = expr(*ch->children[0]);
        for (std::size_t i = 1; i < ch->children.size(); ++i) {
          const Node& m = *ch->children[i];
          if (m.is_type<g::desc>()) k.desc = true;
          if (m.is_type<g::nulls_first>()) k.nulls_first = true;
          if (m.is_type<g::nulls_last>()) k.nulls_first = false;
        }
        c.keys.push_back(k);
      }
    } else if (n.is_type<g::limit_cmd>()) {
      c.kind = CommandKind::Limit;
      std::string_view v = n.children[0]->string_view();
      bool ok = true;
      if (v[0] == '?') {
        ExprPtr p = param(*n.children[0]->children[0]);
        ok = p->type == Type::Integer;
        if (ok) c.limit = p->value[0].i;
      } else {
        ok = std::from_chars(v.data(), v.data() + v.size(), c.limit).ec == std::errc();
      }
      if (!ok || c.limit < 0 || c.limit > std::numeric_limits<std::int32_t>::max())
        fail("LIMIT must be an integer between 0 and 2147483647", n.children[0]->begin().byte);
    } else if (n.is_type<g::dissect_cmd>() || n.is_type<g::grok_cmd>()) {
      c.kind = n.is_type<g::dissect_cmd>() ? CommandKind::Dissect : CommandKind::Grok;
      c.expr = expr(*n.children[0]);
      for (std::size_t i = 1; i < n.children.size(); ++i) {
        const Node& m = *n.children[i];
        if (m.is_type<g::string_literal>()) c.patterns.push_back(unquote_string(m.string_view(), m.begin().byte));
        if (m.is_type<g::command_option>()) {
          std::string opt = m.children[0]->string();
          std::transform(opt.begin(), opt.end(), opt.begin(), [](unsigned char ch) { return std::tolower(ch); });
          if (opt != "append_separator") fail("invalid option for DISSECT: [" + m.children[0]->string() + "]", m.begin().byte);
          ExprPtr v = expr(*m.children[1]);
          if (v->type != Type::Keyword) fail("Invalid value for APPEND_SEPARATOR: a string is expected", m.begin().byte);
          c.append_separator = v->value[0].s;
        }
      }
    } else if (n.is_type<g::mv_expand_cmd>()) {
      c.kind = CommandKind::MvExpand;
      c.field = name_text(n.children[0]->string_view());
    } else if (n.is_type<g::enrich_cmd>()) {
      c.kind = CommandKind::Enrich;
    } else if (n.is_type<g::lookup_cmd>()) {
      c.kind = CommandKind::LookupJoin;
      c.keyword = "LOOKUP JOIN";
      std::vector<ExprPtr> items;
      for (const auto& ch : n.children) {
        if (ch->is_type<g::index_pattern>()) {
          c.indices.push_back(unquoted_index(ch->string()));
          c.pattern_offsets.push_back(ch->begin().byte);  // [0]: the index; then each field's
        } else if (ch->is_type<g::join_on_item>()) {
          items.push_back(expr(*ch->children[0]));
        }
      }
      // The two forms (LogicalPlanBuilder.visitJoinCondition): a first item that is a field makes
      // a list of fields; else one expression, its AND-ed predicates checked by the binder.
      const auto text_of = [&](const Expr& x) { return std::string(text.substr(x.begin, x.end - x.begin)); };
      if (items.empty()) {
        // LOOKUP without JOIN: refused by the binder
      } else if (items.front()->kind == ExprKind::Field) {
        for (const auto& it : items) {
          if (it->kind != ExprKind::Field)
            fail("JOIN ON clause must be a comma separated list of fields or a single expression, found [" + text_of(*it) + "]", it->begin);
          if (std::find(c.patterns.begin(), c.patterns.end(), it->name) != c.patterns.end())
            fail("JOIN ON clause does not support multiple fields with the same name, found multiple instances of [" + it->name + "]", it->begin);
          c.patterns.push_back(it->name);
          c.pattern_offsets.push_back(it->begin);
        }
      } else if (items.front()->kind == ExprKind::Literal) {
        fail("JOIN ON clause must be a comma separated list of fields or a single expression, found [" + text_of(*items.front()) + "]",
             items.front()->begin);
      } else {
        // Elasticsearch's parser checks these on the syntax alone, at the ON keyword.
        std::size_t on = items.front()->begin;
        while (on > 0 && std::isspace(static_cast<unsigned char>(text[on - 1]))) --on;
        on = on >= 2 ? on - 2 : 0;
        if (items.size() > 1)
          fail("JOIN ON clause with expressions only supports a single expression, found [" + text_of(*items[1]) + "]", on);
        // No bare field among the AND / OR / NOT operands (containsBareFieldsInBooleanExpression).
        auto bare = [&](const Expr& x, const auto& self) -> const Expr* {
          if (x.kind != ExprKind::And && x.kind != ExprKind::Or && x.kind != ExprKind::Not) return nullptr;
          for (const auto& a : x.args) {
            if (a->kind == ExprKind::Field) return a.get();
            if (const Expr* b = self(*a, self)) return b;
          }
          return nullptr;
        };
        if (const Expr* b = bare(*items.front(), bare))
          fail("JOIN ON clause only supports fields or AND of Binary Expressions at the moment, found [" + text_of(*b) + "]", on);
        // At least one AND-ed comparison of two fields.
        std::vector<ExprPtr> conj;
        and_parts(items.front(), conj);
        bool relating = false;
        for (const auto& x : conj) {
          const Expr* cmp = x->kind == ExprKind::Not && x->args[0]->kind == ExprKind::Compare ? x->args[0].get() : x.get();
          relating = relating || (cmp->kind == ExprKind::Compare && cmp->name != "=~" && cmp->args[0]->kind == ExprKind::Field &&
                                  cmp->args[1]->kind == ExprKind::Field);
        }
        if (!relating)
          fail("JOIN ON clause with expressions must contain at least one condition relating the left index and the lookup index", on);
        c.expr = items.front();
      }
    } else if (n.is_type<g::completion_cmd>()) {
      c.kind = CommandKind::Completion;
      // fields[0]: the output column (default `completion`) and the prompt; field: the endpoint.
      for (const auto& ch : n.children) {
        if (ch->is_type<g::field_def>()) {
          Assign a = field_def(*ch);
          if (!a.named) a.name = "completion";
          c.fields.push_back(std::move(a));
        } else if (ch->is_type<g::completion_endpoint>()) {
          c.field = name_text(ch->string_view());
        } else if (ch->is_type<g::map_expr>()) {
          ExprPtr m = expr(*ch);
          for (std::size_t k = 0; k < m->options.size(); ++k) {
            const auto& [key, v] = m->options[k];
            if (key == "inference_id" && v.size() == 1) c.field = v[0].s;
            else if (key != "timeout") fail("Invalid option [" + key + "] in COMPLETION, expected one of [inference_id, timeout]", m->args[k]->begin);
          }
          if (c.field.empty()) fail("COMPLETION needs the inference_id of its inference endpoint", ch->begin().byte);
        }
      }
    } else if (n.is_type<g::fork_cmd>()) {
      c.kind = CommandKind::Fork;
      for (const auto& ch : n.children) {
        if (!ch->is_type<g::fork_branch>()) continue;
        c.branches.emplace_back();
        for (const auto& bc : ch->children) c.branches.back().push_back(command(*bc));
      }
    } else {
      c.kind = CommandKind::Other;
    }
    return c;
  }
};

// Elasticsearch's checks of FORK (Fork.checkFork): at most 8 branches, one FORK in a pipeline
// (a FORK inside a branch, or a second one after it, is refused).
void check_forks(const std::vector<Command>& cmds) {
  const Command* seen = nullptr;
  for (const auto& c : cmds) {
    if (c.kind != CommandKind::Fork) continue;
    // (Elasticsearch's check walks down from the last FORK and names the one it meets below it.)
    if (seen) throw Failure{"Only a single FORK command is supported, but found multiple", seen->offset};
    seen = &c;
    if (c.branches.size() > 8)
      throw Failure{"FORK supports up to 8 branches, got: " + std::to_string(c.branches.size()), c.offset};
    for (const auto& b : c.branches)
      for (const auto& bc : b)
        if (bc.kind == CommandKind::Fork) throw Failure{"Only a single FORK command is supported, but found multiple", bc.offset};
  }
}

}  // namespace

Error error_at(std::string_view text, std::size_t offset, std::string message, const SourceContext& where) {
  std::string_view file_text = where.file_text.empty() ? text : where.file_text;
  std::size_t off = where.file_text.empty() ? offset : where.offset + offset;
  LineInfo li = locate(file_text, std::min(off, file_text.size()));
  return Error(std::move(message), where.file, li.line, li.column, li.text);
}

Result<Query> parse_query(std::string_view text, const SourceContext& where, const std::vector<Param>& params) {
  pg::memory_input in(text.data(), text.size(), where.file);
  std::unique_ptr<Node> root;
  try {
    root = pg::parse_tree::parse<g::query, selector, depth_action, control>(in);
  } catch (const pg::parse_error& e) {
    std::size_t at = e.positions().empty() ? 0 : e.positions().front().byte;
    std::string msg(e.message());
    if (msg.starts_with("parse error matching")) msg = "syntax error";
    return error_at(text, at, msg, where);
  }
  if (!root) return error_at(text, 0, "not an ES|QL query", where);
  Builder b{text, {}};
  Query q;
  q.text = std::string(text);
  try {
    std::size_t next = 0;
    int kinds = 0;
    resolve_params(*root, params, b.params, next, kinds);
    for (const auto& c : root->children) q.commands.push_back(b.command(*c));
    check_forks(q.commands);
  } catch (const Failure& f) {
    return error_at(text, f.at, f.message, where);
  }
  return q;
}

}  // namespace rulelab::esql
