// The one translation unit that instantiates the EQL grammar: parse tree -> typed AST, plus the
// checks Elasticsearch's EQL analyzer makes before running a query (known functions and their
// arities, `~` only where a function has a case-insensitive form, head/tail pipes, maxspan units).
#include "eql/parser.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <cmath>
#include <type_traits>
#include <tao/pegtl/contrib/analyze.hpp>
#include <tao/pegtl/contrib/limit_depth.hpp>
#include <tao/pegtl/contrib/parse_tree.hpp>

#include "eql/eval.hpp"
#include "eql/functions.hpp"
#include "grammar/eql.hpp"

namespace rulelab::eql {
namespace {
namespace pg = tao::pegtl;
namespace g = grammar;

// ---- error messages for the committed points of the grammar ----------------------------------
template <typename Rule>
inline constexpr const char* message = nullptr;
#define RULELAB_EQL_ERROR(rule, text) \
  template <>                         \
  inline constexpr const char* message<g::rule> = text;
RULELAB_EQL_ERROR(block_comment_end, "unterminated /* comment")
RULELAB_EQL_ERROR(raw_body, "unterminated \"\"\" string")
RULELAB_EQL_ERROR(dq_body, "unterminated string (a \"...\" string ends on its line; use \"\"\"...\"\"\" for raw text)")
RULELAB_EQL_ERROR(sq_string, "single-quoted strings are not supported in EQL; use double quotes \"...\"")
RULELAB_EQL_ERROR(bq_body, "unterminated backquoted field name")
RULELAB_EQL_ERROR(bq_close, "unterminated backquoted field name")
RULELAB_EQL_ERROR(paren_inner, "expected an expression after '('")
RULELAB_EQL_ERROR(in_item, "expected a value in the list")
RULELAB_EQL_ERROR(paren_close, "expected ')'")
RULELAB_EQL_ERROR(unary_operand, "expected an operand after the sign")
RULELAB_EQL_ERROR(term_operand, "expected an operand after the operator")
RULELAB_EQL_ERROR(arith_operand, "expected an operand after the operator")
RULELAB_EQL_ERROR(cmp_operand, "expected a value to compare with")
RULELAB_EQL_ERROR(single_eq, "'=' is not an EQL operator; use '==' for equality or ':' for case-insensitive matching")
RULELAB_EQL_ERROR(in_list, "expected '(' and a list of values after 'in'")
RULELAB_EQL_ERROR(in_close, "expected ',' or ')' in the list")
RULELAB_EQL_ERROR(pattern_list, "expected a string or a parenthesised list of strings")
RULELAB_EQL_ERROR(pattern_item, "expected a constant (string, number, true, false or null)")
RULELAB_EQL_ERROR(pattern_close, "expected ',' or ')' in the list")
RULELAB_EQL_ERROR(not_operand, "expected a condition after 'not'")
RULELAB_EQL_ERROR(and_operand, "expected a condition after 'and'")
RULELAB_EQL_ERROR(or_operand, "expected a condition after 'or'")
RULELAB_EQL_ERROR(where_kw, "expected 'where' after the event category")
RULELAB_EQL_ERROR(condition, "expected a condition after 'where'")
RULELAB_EQL_ERROR(stage_filter, "expected an event category (or 'any') followed by 'where' and a condition")
RULELAB_EQL_ERROR(join_key, "expected a join key after 'by' or ','")
RULELAB_EQL_ERROR(param, "expected a parameter after 'with' (maxspan=... or runs=...)")
RULELAB_EQL_ERROR(param_eq, "expected '=' after the parameter name")
RULELAB_EQL_ERROR(param_value, "expected a number (with a time unit for maxspan, e.g. 5m)")
RULELAB_EQL_ERROR(bracket_close, "expected ']' to close the event query")
RULELAB_EQL_ERROR(until_term, "expected a [ category where condition ] stage after 'until'")
RULELAB_EQL_ERROR(seq_terms, "expected [ category where condition ] stages")
RULELAB_EQL_ERROR(pipe_name, "expected a pipe name after '|' (head or tail)")
RULELAB_EQL_ERROR(end_of_query, "unexpected text after the query")
RULELAB_EQL_ERROR(body, "expected an event query (category where condition), a sequence or a sample")
RULELAB_EQL_ERROR(join, "'join' queries are not supported by Elasticsearch EQL")
#undef RULELAB_EQL_ERROR

// Rules that only ever fail through raise<> (their failure is ordinary backtracking).
template <typename Rule>
inline constexpr bool raise_only = std::is_same_v<Rule, g::sq_string> || std::is_same_v<Rule, g::single_eq> ||
                                   std::is_same_v<Rule, g::join>;

struct errors {
  template <typename Rule>
  static constexpr const char* message = eql::message<Rule>;
  template <typename Rule>
  static constexpr bool raise_on_failure = eql::message<Rule> != nullptr && !raise_only<Rule>;
};

template <typename Rule>
using control = pg::must_if<errors, pg::normal, false>::control<Rule>;

// Bounded nesting: deep parentheses or `not not not ...` end in an error, not a stack overflow.
template <typename Rule>
struct depth_action : pg::limit_depth<2000> {};

template <typename Rule>
struct selector
    : pg::parse_tree::selector<
          Rule,
          pg::parse_tree::store_content::on<
              g::kw_any, g::raw_string, g::dq_string, g::first_segment, g::name_segment, g::backquoted,
              g::optional_mark, g::field, g::call, g::func_name, g::neg_form, g::mul_op, g::add_op, g::cmp_op,
              g::comparison, g::not_in, g::in_op, g::in_predicate, g::colon_op, g::like_op, g::regex_op,
              g::match_predicate, g::not_form, g::kw_null, g::kw_true, g::kw_false, g::real_literal, g::int_literal,
              g::category, g::event_filter, g::by_clause, g::with_clause, g::param_name, g::param_value, g::unit,
              g::missing_mark, g::subquery, g::seq_term, g::until_clause, g::sequence, g::sample, g::pipe,
              g::pipe_name>,
          pg::parse_tree::fold_one::on<g::term, g::arith, g::value_expr, g::and_expr, g::or_expr>> {};

using Node = pg::parse_tree::node;

// ---- parse tree -> AST -------------------------------------------------------------------------
struct Builder {
  std::string_view text;
  const SourceContext& where;

  struct Failure {
    std::string message;
    std::size_t at;
  };

  SourceRange range(const Node& n) const { return {n.begin().byte, n.end().byte}; }
  [[noreturn]] void fail(std::string msg, std::size_t at) const { throw Failure{std::move(msg), at}; }

  static std::string decode_string(const Node& n, std::size_t at, const Builder& b) {
    std::string_view s = n.string_view();
    if (n.is_type<g::raw_string>()) return std::string(s.substr(3, s.size() - 6));
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
        case '\'': out += '\''; break;
        case '\\': out += '\\'; break;
        case 'u': {
          // \u{XXXX}: a Unicode code point (1 to 8 hex digits).
          std::size_t close = s.find('}', i);
          if (i + 1 >= s.size() || s[i + 1] != '{' || close == std::string_view::npos || close - i - 2 < 1 ||
              close - i - 2 > 8)
            b.fail("invalid \\u escape: expected \\u{XXXX}", at + 1 + i);
          std::uint32_t cp = 0;
          auto hex = s.substr(i + 2, close - i - 2);
          auto [p, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), cp, 16);
          if (ec != std::errc() || p != hex.data() + hex.size() || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            b.fail("invalid Unicode code point in \\u escape", at + 1 + i);
          if (cp < 0x80) {
            out += static_cast<char>(cp);
          } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          }
          i = close;
          break;
        }
        default: b.fail(std::string("invalid escape sequence \\") + e, at + 1 + i - 1);
      }
    }
    return out;
  }

  static std::string decode_backquoted(std::string_view s) {
    std::string out;
    s = s.substr(1, s.size() - 2);
    for (std::size_t i = 0; i < s.size(); ++i) {
      out += s[i];
      if (s[i] == '`') ++i;  // `` stands for one backquote
    }
    return out;
  }

  ExprPtr leaf(ExprKind k, const Node& n) const {
    auto e = std::make_unique<Expr>();
    e->kind = k;
    e->range = range(n);
    return e;
  }

  ExprPtr binary(ExprKind k, Op op, ExprPtr l, ExprPtr r) const {
    auto e = std::make_unique<Expr>();
    e->kind = k;
    e->op = op;
    e->range = {l->range.begin, r->range.end};
    e->args.push_back(std::move(l));
    e->args.push_back(std::move(r));
    return e;
  }

  ExprPtr literal(const Node& n) const {
    auto e = leaf(ExprKind::Literal, n);
    if (n.is_type<g::kw_null>()) {
      e->value = Value::null();
    } else if (n.is_type<g::kw_true>()) {
      e->value = Value::boolean(true);
    } else if (n.is_type<g::kw_false>()) {
      e->value = Value::boolean(false);
    } else if (n.is_type<g::int_literal>()) {
      std::string_view s = n.string_view();
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec == std::errc() && p == s.data() + s.size()) {
        e->value = Value::integer(v);
      } else {
        e->value = Value::real(std::strtod(std::string(s).c_str(), nullptr));  // beyond long: a double
      }
    } else if (n.is_type<g::real_literal>()) {
      e->value = Value::real(std::strtod(n.string().c_str(), nullptr));
    } else {
      e->value = Value::string(decode_string(n, n.begin().byte, *this));
    }
    return e;
  }

  ExprPtr field(const Node& n) const {
    auto e = leaf(ExprKind::Field, n);
    for (const auto& c : n.children) {
      if (c->is_type<g::optional_mark>()) {
        e->optional = true;
        continue;
      }
      if (!e->name.empty()) e->name += '.';
      e->name += c->is_type<g::backquoted>() ? decode_backquoted(c->string_view()) : c->string();
    }
    if (e->name.empty()) fail("empty field name", n.begin().byte);
    return e;
  }

  // The type an expression is known to have before any event is read, as a letter of
  // FunctionInfo::params ('s', 'n' (integer/long: 'i'), 'b'), with the type name Elasticsearch
  // reports; 0 when only the data tells (a field) or the value is null.
  static std::pair<char, std::string_view> static_type(const Expr& e) {
    switch (e.kind) {
      case ExprKind::Literal:
        switch (e.value.kind) {
          case Value::Kind::Long:
            return {'i', e.value.i >= INT32_MIN && e.value.i <= INT32_MAX ? "integer" : "long"};
          case Value::Kind::Double: return {'n', "double"};
          case Value::Kind::String: return {'s', "keyword"};
          case Value::Kind::Bool: return {'b', "boolean"};
          default: return {0, ""};
        }
      case ExprKind::Call: {
        const FunctionInfo* f = find_function(e.name);
        if (!f) return {0, ""};
        switch (f->result) {
          case 's': return {'s', "keyword"};
          case 'b': return {'b', "boolean"};
          case 'i': return {'i', "integer"};
          default: return {'n', "double"};
        }
      }
      case ExprKind::Arith:
      case ExprKind::Neg: return {'n', "double"};
      case ExprKind::Compare:
      case ExprKind::And:
      case ExprKind::Or:
      case ExprKind::Not:
      case ExprKind::In:
      case ExprKind::Match: return {'b', "boolean"};
      default: return {0, ""};
    }
  }

  // Elasticsearch's verifier rejects an argument whose type is wrong before the query runs:
  // "first argument of [number(1)] must be [string], found value [1] type [integer]".
  void check_argument_types(const FunctionInfo& f, const Expr& call, const Node& n) const {
    static constexpr std::array<std::string_view, 5> kOrdinal{"first ", "second ", "third ", "fourth ", "fifth "};
    for (std::size_t i = 0; i < call.args.size(); ++i) {
      char want = f.params.empty() ? '*' : f.params[std::min(i, f.params.size() - 1)];
      if (want == '*') continue;
      auto [have, type_name] = static_type(*call.args[i]);
      if (have == 0) continue;
      bool ok = want == have || (want == 'n' && have == 'i');
      if (ok) continue;
      const char* expected = want == 's' ? "string" : want == 'i' ? "integer" : want == 'n' ? "numeric" : "boolean";
      std::string ordinal = f.max_args == 1 ? "" : std::string(i < kOrdinal.size() ? kOrdinal[i] : "");
      // A computed number (arithmetic) may be an integer; only say "double" for a literal.
      if (call.args[i]->kind != ExprKind::Literal && have == 'n') {
        if (want == 'i') continue;  // integer arithmetic passes isInteger in Elasticsearch
        type_name = "numeric";
      }
      // The texts as written, from the AST's ranges (a parse-tree child need not be argument i).
      auto written = [&](SourceRange r) {
        return r.begin <= r.end && r.end <= text.size() ? std::string(text.substr(r.begin, r.end - r.begin)) : std::string();
      };
      fail(ordinal + "argument of [" + written(range(n)) + "] must be [" + expected + "], found value [" +
               written(call.args[i]->range) + "] type [" + std::string(type_name) + "]",
           call.args[i]->range.begin);
    }
  }

  ExprPtr call(const Node& n) const {
    auto e = leaf(ExprKind::Call, n);
    std::string written = n.children[0]->string();
    if (!written.empty() && written.back() == '~') {
      e->insensitive = true;
      written.pop_back();
    }
    const FunctionInfo* f = find_function(written);
    if (!f) fail("unknown function '" + written + "'", n.begin().byte);
    if (e->insensitive && !f->has_insensitive)
      fail("function '" + std::string(f->name) + "' has no case-insensitive form '~'", n.begin().byte);
    e->name = f->name;
    for (std::size_t i = 1; i < n.children.size(); ++i) e->args.push_back(expr(*n.children[i]));
    std::size_t argc = e->args.size();
    if (argc < f->min_args || argc > f->max_args) {
      std::string want = f->max_args == f->min_args ? std::to_string(f->min_args)
                         : f->max_args == kVariadic ? "at least " + std::to_string(f->min_args)
                                                    : std::to_string(f->min_args) + " to " + std::to_string(f->max_args);
      fail("function '" + std::string(f->name) + "' takes " + want + " argument" + (want == "1" ? "" : "s") +
               ", got " + std::to_string(argc),
           n.begin().byte);
    }
    check_argument_types(*f, *e, n);
    if (e->name == "cidrMatch") {
      for (std::size_t i = 1; i < argc; ++i)
        if (e->args[i]->kind != ExprKind::Literal || e->args[i]->value.kind != Value::Kind::String)
          fail("cidrMatch: CIDR blocks must be string constants", e->args[i]->range.begin);
    }
    return e;
  }

  // A left-associative chain: operand (op operand)*.
  ExprPtr chain(const Node& n) const {
    ExprPtr acc = expr(*n.children[0]);
    for (std::size_t i = 1; i + 1 < n.children.size(); i += 2) {
      char c = n.children[i]->string_view()[0];
      Op op = c == '+' ? Op::Add : c == '-' ? Op::Sub : c == '*' ? Op::Mul : c == '/' ? Op::Div : Op::Mod;
      acc = binary(ExprKind::Arith, op, std::move(acc), expr(*n.children[i + 1]));
    }
    return acc;
  }

  ExprPtr value_expr(const Node& n) const {
    ExprPtr lhs = expr(*n.children[0]);
    const Node& p = *n.children[1];
    if (p.is_type<g::comparison>()) {
      std::string_view o = p.children[0]->string_view();
      Op op = o == "==" ? Op::Eq : o == "!=" ? Op::Ne : o == "<=" ? Op::Le : o == ">=" ? Op::Ge : o == "<" ? Op::Lt : Op::Gt;
      return binary(ExprKind::Compare, op, std::move(lhs), expr(*p.children[1]));
    }
    auto e = std::make_unique<Expr>();
    e->range = {lhs->range.begin, p.end().byte};
    const Node& opn = *p.children[0];
    std::string_view o = opn.string_view();
    e->insensitive = !o.empty() && o.back() == '~';
    e->args.push_back(std::move(lhs));
    if (p.is_type<g::in_predicate>()) {
      e->kind = ExprKind::In;
      e->negated = opn.is_type<g::not_in>();
    } else {
      e->kind = ExprKind::Match;
      e->op = opn.is_type<g::colon_op>() ? Op::Seq : opn.is_type<g::like_op>() ? Op::Like : Op::Regex;
      if (e->op == Op::Seq) e->insensitive = true;
    }
    for (std::size_t i = 1; i < p.children.size(); ++i) {
      ExprPtr v = expr(*p.children[i]);
      if (e->kind == ExprKind::Match && (v->kind != ExprKind::Literal || v->value.is_null()))
        fail("expected a non-null constant pattern", v->range.begin);
      if (e->kind == ExprKind::Match && e->op != Op::Seq && v->value.kind != Value::Kind::String)
        fail(std::string(e->op == Op::Like ? "like" : "regex") + " takes string patterns", v->range.begin);
      e->args.push_back(std::move(v));
    }
    return e;
  }

  ExprPtr expr(const Node& n) const {
    if (n.is_type<g::or_expr>() || n.is_type<g::and_expr>()) {
      ExprKind k = n.is_type<g::or_expr>() ? ExprKind::Or : ExprKind::And;
      ExprPtr acc = expr(*n.children[0]);
      for (std::size_t i = 1; i < n.children.size(); ++i) acc = binary(k, Op::None, std::move(acc), expr(*n.children[i]));
      return acc;
    }
    if (n.is_type<g::not_form>()) {
      auto e = leaf(ExprKind::Not, n);
      e->args.push_back(expr(*n.children[0]));
      return e;
    }
    if (n.is_type<g::neg_form>()) {
      ExprPtr inner = expr(*n.children[0]);
      // -<number> is a negative literal.
      if (inner->kind == ExprKind::Literal && inner->value.is_number()) {
        if (inner->value.kind == Value::Kind::Long) inner->value.i = -inner->value.i;
        else inner->value.d = -inner->value.d;
        inner->range.begin = n.begin().byte;
        return inner;
      }
      auto e = leaf(ExprKind::Neg, n);
      e->args.push_back(std::move(inner));
      return e;
    }
    if (n.is_type<g::term>() || n.is_type<g::arith>()) return chain(n);
    if (n.is_type<g::value_expr>()) return value_expr(n);
    if (n.is_type<g::field>()) return field(n);
    if (n.is_type<g::call>()) return call(n);
    return literal(n);
  }

  std::vector<ExprPtr> keys(const Node& by) const {
    std::vector<ExprPtr> out;
    for (const auto& c : by.children) out.push_back(expr(*c));
    return out;
  }

  EventFilter event_filter(const Node& n) const {
    EventFilter f;
    f.range = range(n);
    const Node& cat = *n.children[0]->children[0];
    if (cat.is_type<g::kw_any>()) f.category.clear();
    else if (cat.is_type<g::first_segment>()) f.category = cat.string();
    else f.category = decode_string(cat, cat.begin().byte, *this);
    f.condition = expr(*n.children[1]);
    return f;
  }

  // with maxspan=5m / with runs=3
  std::pair<std::string, std::int64_t> param(const Node& w) const {
    std::string name = w.children[0]->string();
    const Node& val = *w.children[1];
    const Node& num = *val.children[0];
    if (!num.is_type<g::int_literal>()) fail("expected a whole number", num.begin().byte);
    std::int64_t v = 0;
    std::string_view s = num.string_view();
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc()) fail("number out of range", num.begin().byte);
    std::string unit = val.children.size() > 1 ? val.children[1]->string() : "";
    if (name == "maxspan") {
      static constexpr std::array<std::pair<const char*, std::int64_t>, 5> units{
          {{"ms", 1'000'000LL}, {"s", 1'000'000'000LL}, {"m", 60'000'000'000LL}, {"h", 3'600'000'000'000LL},
           {"d", 86'400'000'000'000LL}}};
      if (unit.empty()) fail("maxspan needs a time unit (ms, s, m, h, d), e.g. maxspan=5m", num.begin().byte);
      for (auto& [u, nanos] : units)
        if (unit == u) {
          if (v > INT64_MAX / nanos) fail("maxspan out of range", num.begin().byte);
          return {name, v * nanos};
        }
      fail("unknown time unit '" + unit + "' (use ms, s, m, h or d)", val.children[1]->begin().byte);
    }
    if (name == "runs") {
      if (!unit.empty()) fail("runs takes a plain number", val.children[1]->begin().byte);
      if (v < 1 || v > 100) fail("runs must be between 1 and 100", num.begin().byte);
      return {name, v};
    }
    fail("unknown parameter '" + name + "'", w.children[0]->begin().byte);
  }

  Stage stage(const Node& term, bool allow_runs) const {
    Stage s;
    s.range = range(term);
    const Node& sub = *term.children[0];
    std::size_t fi = 0;
    if (sub.children[0]->is_type<g::missing_mark>()) {
      s.missing = true;
      fi = 1;
    }
    s.filter = event_filter(*sub.children[fi]);
    for (std::size_t i = 1; i < term.children.size(); ++i) {
      const Node& c = *term.children[i];
      if (c.is_type<g::by_clause>()) {
        s.keys = keys(c);
      } else {
        auto [name, v] = param(c);
        if (name != "runs" || !allow_runs) fail("only 'with runs=N' is allowed after a sequence stage", c.begin().byte);
        s.runs = v;
      }
    }
    return s;
  }

  Query query(const Node& root) const {
    Query q;
    q.range = {0, text.size()};
    for (const auto& c : root.children) {
      if (c->is_type<g::pipe>()) {
        Pipe p;
        p.range = range(*c);
        p.name = c->children[0]->string();
        if (p.name != "head" && p.name != "tail")
          fail("unsupported pipe '" + p.name + "' (Elasticsearch EQL supports head and tail)", c->children[0]->begin().byte);
        if (c->children.size() != 2) fail("'" + p.name + "' takes one number", c->begin().byte);
        ExprPtr n = expr(*c->children[1]);
        if (n->kind != ExprKind::Literal || n->value.kind != Value::Kind::Long || n->value.i < 0)
          fail("'" + p.name + "' takes a non-negative whole number", n->range.begin);
        p.count = n->value.i;
        q.pipes.push_back(std::move(p));
        continue;
      }
      if (c->is_type<g::event_filter>()) {
        q.kind = QueryKind::Event;
        q.event = event_filter(*c);
        continue;
      }
      bool is_seq = c->is_type<g::sequence>();
      q.kind = is_seq ? QueryKind::Sequence : QueryKind::Sample;
      bool seen_stage = false;
      for (const auto& part : c->children) {
        if (part->is_type<g::by_clause>()) {
          if (!q.shared_keys.empty()) fail("join keys given twice", part->begin().byte);
          q.shared_keys = keys(*part);
        } else if (part->is_type<g::with_clause>()) {
          auto [name, v] = param(*part);
          if (name != "maxspan" || !is_seq) fail("expected 'with maxspan=...' here", part->begin().byte);
          q.maxspan_nanos = v;
        } else if (part->is_type<g::seq_term>()) {
          q.stages.push_back(stage(*part, is_seq));
          seen_stage = true;
          if (!is_seq && q.stages.back().missing)
            fail("missing events ![...] are only allowed in sequences", part->begin().byte);
        } else if (part->is_type<g::until_clause>()) {
          q.until = stage(*part->children[0], false);
          if (q.until->missing) fail("'until' cannot be a missing event", part->begin().byte);
        }
      }
      (void)seen_stage;
      std::size_t positive = 0, total = 0;
      for (const auto& s : q.stages) {
        total += static_cast<std::size_t>(s.runs);
        if (!s.missing) positive += static_cast<std::size_t>(s.runs);
      }
      if (is_seq) {
        if (total < 2) fail("a sequence needs at least two stages", c->begin().byte);
        if (positive < 1) fail("a sequence needs at least one stage that is not a missing event", c->begin().byte);
      } else if (q.stages.size() < 2) {
        fail("a sample needs at least two stages", c->begin().byte);
      }
      // Every stage joins on the same number of keys.
      std::size_t nkeys = q.stages.empty() ? 0 : q.stages[0].keys.size();
      for (const auto& s : q.stages)
        if (s.keys.size() != nkeys)
          fail("inconsistent number of join keys: every stage needs the same number of 'by' keys", s.range.begin);
      if (q.until && q.until->keys.size() != nkeys)
        fail("inconsistent number of join keys in 'until'", q.until->range.begin);
    }
    return q;
  }
};

}  // namespace

std::vector<std::size_t> escaped_query_map(std::string_view f, std::size_t offset, std::string_view query) {
  if (offset > f.size() || f.substr(offset, query.size()) == query) return {};
  std::vector<std::size_t> map;
  std::string decoded;
  std::size_t i = offset;
  auto put = [&](std::uint32_t cp, std::size_t at) {
    std::size_t before = decoded.size();
    if (cp < 0x80) {
      decoded += static_cast<char>(cp);
    } else if (cp < 0x800) {
      decoded += static_cast<char>(0xC0 | (cp >> 6));
      decoded += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      decoded += static_cast<char>(0xE0 | (cp >> 12));
      decoded += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      decoded += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      decoded += static_cast<char>(0xF0 | (cp >> 18));
      decoded += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      decoded += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      decoded += static_cast<char>(0x80 | (cp & 0x3F));
    }
    map.insert(map.end(), decoded.size() - before, at);
  };
  while (decoded.size() < query.size() && i < f.size()) {
    char c = f[i];
    if (c != '\\' || i + 1 >= f.size()) {
      decoded += c;
      map.push_back(i++);
      continue;
    }
    char n = f[i + 1];
    std::size_t hex = n == 'u' ? 4 : n == 'U' ? 8 : 0;
    if (hex) {
      std::uint32_t cp = 0;
      auto digits = f.substr(i + 2, hex);
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, 16);
      if (ec != std::errc() || p != digits.data() + digits.size()) return {};
      put(cp, i);
      i += 2 + hex;
      continue;
    }
    std::size_t j = i + 1;
    while (j < f.size() && (f[j] == ' ' || f[j] == '\t')) ++j;
    if (j < f.size() && (f[j] == '\n' || f[j] == '\r')) {  // TOML line-ending backslash
      while (j < f.size() && (f[j] == ' ' || f[j] == '\t' || f[j] == '\n' || f[j] == '\r')) ++j;
      i = j;
      continue;
    }
    static constexpr std::string_view from = "nrtbf\"\\/e", to = "\n\r\t\b\f\"\\/\x1b";
    auto k = from.find(n);
    if (k == std::string_view::npos) return {};
    decoded += to[k];
    map.push_back(i);
    i += 2;
  }
  if (decoded != query) return {};
  map.push_back(i);
  return map;
}

Error make_error(std::string message, std::string_view text, std::size_t at, const SourceContext& where) {
  std::string_view file_text = where.file_text.empty() ? text : where.file_text;
  std::size_t off = where.file_text.empty() ? at
                    : !where.map.empty()   ? where.map[std::min(at, where.map.size() - 1)]
                                           : where.offset + at;
  LineInfo li = locate(file_text, off);
  return Error(std::move(message), where.file, li.line, li.column, li.text);
}

Result<Query> parse_query(std::string_view text, const SourceContext& where) {
  pg::memory_input in(text.data(), text.size(), where.file);
  std::unique_ptr<Node> root;
  try {
    root = pg::parse_tree::parse<g::query, selector, depth_action, control>(in);
  } catch (const pg::parse_error& e) {
    std::size_t at = e.positions().empty() ? 0 : e.positions().front().byte;
    return make_error(std::string(e.message()), text, at, where);
  }
  if (!root) return make_error("not an EQL query", text, 0, where);
  Builder b{text, where};
  try {
    Query q = b.query(*root);
    // Patterns are compiled now so that a bad regular expression is a parse-time error.
    Evaluator ev;
    if (auto err = ev.prepare(q)) return make_error(err->first, text, err->second, where);
    return q;
  } catch (const Builder::Failure& f) {
    return make_error(f.message, text, f.at, where);
  }
}

std::size_t analyze_grammar() { return pg::analyze<g::query>(); }

}  // namespace rulelab::eql
