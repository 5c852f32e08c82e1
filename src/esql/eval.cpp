// Column-at-a-time evaluation of ES|QL expressions: operators, null propagation, multi-values
// (a single-value operator or function on a multi-value gives null and a warning), implicit
// conversion of string literals compared with dates, IPs and versions.
// Reference: ES|QL "Operators", "Multivalued fields", "Null values".
#include "esql/eval.hpp"
#include "core/unicode_case.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "esql/functions.hpp"

namespace rulelab::esql {

std::string Warnings::where(std::size_t offset) const {
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < offset && i < query_.size(); ++i) {
    if (query_[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "Line " + std::to_string(line) + ":" + std::to_string(col) + ": ";
}

void Warnings::add(std::string w) {
  if (record_) {
    if (seen_.insert(w).second) calls_.push_back(Call{nullptr, std::move(w), {}});
    return;
  }
  // As Elasticsearch's Warning response header carries it (HeaderWarning's encoding, over Java's
  // chars): '%' and control characters other than tab percent-encoded, characters U+0080..U+00FF
  // left as they are, characters above U+00FF as their UTF-8 bytes percent-encoded ("max %25 0").
  static const char* hex = "0123456789ABCDEF";
  auto percent = [&](std::string& out, unsigned char c) {
    out += '%';
    out += hex[c >> 4];
    out += hex[c & 15];
  };
  std::string enc;
  enc.reserve(w.size());
  for (std::size_t i = 0; i < w.size();) {
    const auto c = static_cast<unsigned char>(w[i]);
    if (c < 0x80) {
      if (c == '\t' || (c >= 0x20 && c <= 0x7e && c != '%')) enc += w[i];
      else percent(enc, c);
      ++i;
      continue;
    }
    const std::size_t len = (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    const std::size_t end = std::min(w.size(), i + len);
    if (len == 2 && c <= 0xC3) enc.append(w, i, end - i);  // U+0080..U+00FF
    else
      for (std::size_t k = i; k < end; ++k) percent(enc, static_cast<unsigned char>(w[k]));
    i = end;
  }
  if (seen_.insert(enc).second) list_.push_back(std::move(enc));
}

void Warnings::failure(const Expr& e, const std::string& exception, const char* treated) {
  int& n = counts_[&e];
  if (record_) {
    if (n < 20) calls_.push_back(Call{&e, exception, treated});
    ++n;
    return;
  }
  if (n == 0)
    add(where(e.begin) + "evaluation of [" + expr_text(e, query_) + "] failed, treating result as " + treated +
        ". Only first 20 failures recorded.");
  if (n < 20) add(where(e.begin) + exception);
  ++n;
}

void Warnings::replay(Warnings& into) const {
  for (const auto& c : calls_) {
    if (c.expr) into.failure(*c.expr, c.text, c.treated.c_str());
    else into.add(c.text);
  }
}

void Warnings::replay_all(const std::vector<const Warnings*>& recordings, const std::map<const Expr*, std::size_t>& rank, Warnings& into) {
  struct Site {
    std::size_t order = 0;
    std::vector<const Call*> calls;
  };
  std::map<std::pair<const Expr*, std::string>, Site> sites;  // by expression (an add(): by text)
  std::size_t next = 0;
  for (const Warnings* w : recordings)
    for (const auto& c : w->calls_) {
      auto key = c.expr ? std::make_pair(c.expr, std::string()) : std::make_pair(static_cast<const Expr*>(nullptr), c.text);
      auto [it, fresh] = sites.try_emplace(std::move(key));
      if (fresh) {
        auto r = c.expr ? rank.find(c.expr) : rank.end();
        it->second.order = r != rank.end() ? r->second : rank.size() + next;
        ++next;
      }
      it->second.calls.push_back(&c);
    }
  std::vector<const Site*> order;
  for (const auto& [key, site] : sites) order.push_back(&site);
  std::stable_sort(order.begin(), order.end(), [](const Site* a, const Site* b) { return a->order < b->order; });
  for (const Site* s : order)
    for (const Call* c : s->calls) {
      if (c->expr) into.failure(*c->expr, c->text, c->treated.c_str());
      else into.add(c->text);
    }
}

std::string expr_text(const Expr& e, std::string_view query) {
  if (e.end <= query.size() && e.begin <= e.end) return std::string(query.substr(e.begin, e.end - e.begin));
  return e.name;
}

bool truthy(const Cell& c) { return c.size() == 1 && c[0].i != 0; }

namespace {

const char* kMulti = "java.lang.IllegalArgumentException: single-value function encountered multi-value";

Column constant(Type t, const Cell& v, std::size_t n) {
  Column c;
  c.type = t;
  c.cells.assign(n, v);
  return c;
}

// The value of a single-valued cell; nullptr for null, and for a multi-value (with the warning).
const Scalar* single(const Cell& c, const Expr& e, Warnings& w) {
  if (c.empty()) return nullptr;
  if (c.size() > 1) {
    w.failure(e, kMulti);
    return nullptr;
  }
  return &c[0];
}

bool literal_string(const Expr& e) { return e.kind == ExprKind::Literal && e.type == Type::Keyword; }

// String literals compared with a date, ip or version become that type.
void coerce_literal(Column& lit, const Expr& le, Type to, Warnings& w) {
  lit.cells = [&] {
    std::vector<Cell> out;
    out.reserve(lit.cells.size());
    Cell conv = convert_cell(lit.cells.empty() ? Cell{} : lit.cells[0], Type::Keyword, to, le, w);
    out.assign(lit.cells.size(), conv);
    return out;
  }();
  lit.type = to;
}

bool comparable(Type a, Type b) {
  if (a == Type::Null || b == Type::Null) return true;
  if (is_numeric(a) && is_numeric(b)) return true;
  if (is_string(a) && is_string(b)) return true;
  return a == b;
}

Type arith_type(Type a, Type b) {
  if (a == Type::Null) return b;
  if (b == Type::Null) return a;
  if (a == Type::Double || b == Type::Double) return Type::Double;
  if (a == Type::UnsignedLong || b == Type::UnsignedLong) return Type::UnsignedLong;
  if (a == Type::Long || b == Type::Long) return Type::Long;
  return Type::Integer;
}

Column eval_arith(const Expr& e, EvalCtx& ctx) {
  Column a = eval(*e.args[0], ctx), b = eval(*e.args[1], ctx);
  const char op = e.name[0];
  std::size_t n = ctx.page.rows();
  Column out;
  // Date arithmetic (a string literal next to a time span is a date).
  auto span_t = [](Type t) { return t == Type::TimeDuration || t == Type::DatePeriod; };
  if (span_t(a.type) && literal_string(*e.args[1])) coerce_literal(b, *e.args[1], Type::Date, ctx.warn);
  if (span_t(b.type) && literal_string(*e.args[0])) coerce_literal(a, *e.args[0], Type::Date, ctx.warn);
  bool adate = a.type == Type::Date, bdate = b.type == Type::Date;
  auto is_span = [](Type t) { return t == Type::TimeDuration || t == Type::DatePeriod; };
  if ((adate && (is_span(b.type) || b.type == Type::Null)) || (bdate && (is_span(a.type) || a.type == Type::Null) && op == '+')) {
    if (op != '+' && op != '-') throw QueryError("[" + e.name + "] is not defined between a date and a time span", e.begin);
    const Column& d = adate ? a : b;
    const Column& s = adate ? b : a;
    out.type = Type::Date;
    out.cells.resize(n);
    for (std::size_t r = 0; r < n; ++r) {
      const Scalar* x = single(d.cells[r], e, ctx.warn);
      const Scalar* y = single(s.cells[r], e, ctx.warn);
      if (!x || !y) continue;
      std::int64_t sign = op == '-' ? -1 : 1;
      Scalar v;
      if (s.type == Type::TimeDuration) {
        // Beyond a long's milliseconds: null, with Java's exception as Elasticsearch reports it.
        if (op == '-' ? __builtin_sub_overflow(x->i, y->i, &v.i) : __builtin_add_overflow(x->i, y->i, &v.i)) {
          ctx.warn.failure(e, "java.lang.ArithmeticException: long overflow");
          continue;
        }
      } else {
        // A year beyond java.time's range, or milliseconds beyond a long's: null, with Java's exception.
        PeriodOverflow overflow;
        v.i = add_months_impl(x->i, sign * y->i, sign * y->j, &overflow);
        if (overflow.year) {
          ctx.warn.failure(e, "java.time.DateTimeException: Invalid value for Year (valid values -999999999 - 999999999): " +
                                  std::to_string(*overflow.year));
          continue;
        }
        if (overflow.long_overflow) {
          ctx.warn.failure(e, "java.lang.ArithmeticException: long overflow");
          continue;
        }
      }
      out.cells[r] = {v};
    }
    return out;
  }
  // A time span and null: null, still a span (so that `1 second + null + dt` is a null date).
  if ((is_span(a.type) && b.type == Type::Null) || (a.type == Type::Null && is_span(b.type))) {
    if (op != '+' && op != '-') throw QueryError("[" + e.name + "] is not defined for a time span", e.begin);
    out.type = is_span(a.type) ? a.type : b.type;
    out.cells.resize(n);
    return out;
  }
  if (is_span(a.type) && is_span(b.type) && a.type == b.type && (op == '+' || op == '-')) {
    out.type = a.type;
    out.cells.resize(n);
    for (std::size_t r = 0; r < n; ++r) {
      if (a.cells[r].empty() || b.cells[r].empty()) continue;
      Scalar v;
      const Scalar &x = a.cells[r][0], &y = b.cells[r][0];
      const bool over = op == '-' ? __builtin_sub_overflow(x.i, y.i, &v.i) || __builtin_sub_overflow(x.j, y.j, &v.j)
                                  : __builtin_add_overflow(x.i, y.i, &v.i) || __builtin_add_overflow(x.j, y.j, &v.j);
      if (over) {
        ctx.warn.failure(e, "java.lang.ArithmeticException: long overflow");
        continue;
      }
      out.cells[r] = {v};
    }
    return out;
  }
  if (!(is_numeric(a.type) || a.type == Type::Null) || !(is_numeric(b.type) || b.type == Type::Null))
    throw QueryError("first argument of [" + expr_text(e, ctx.query) + "] is [" + std::string(type_name(a.type)) +
                         "] and second is [" + std::string(type_name(b.type)) + "]; [" + e.name + "] needs numbers",
                     e.begin);
  if ((a.type == Type::UnsignedLong) != (b.type == Type::UnsignedLong) && a.type != Type::Null && b.type != Type::Null &&
      a.type != Type::Double && b.type != Type::Double)
    throw QueryError("[" + e.name + "] has arguments with incompatible types [" + std::string(type_name(a.type)) + "] and [" +
                         std::string(type_name(b.type)) + "]",
                     e.begin);
  out.type = arith_type(a.type, b.type);
  out.cells.resize(n);
  if (a.type == Type::Null || b.type == Type::Null) return out;
  for (std::size_t r = 0; r < n; ++r) {
    const Scalar* x = single(a.cells[r], e, ctx.warn);
    const Scalar* y = single(b.cells[r], e, ctx.warn);
    if (!x || !y) continue;
    Scalar v;
    if (out.type == Type::Double) {
      double p = as_double(a.type, *x), q = as_double(b.type, *y);
      double res = 0;
      switch (op) {
        case '+': res = p + q; break;
        case '-': res = p - q; break;
        case '*': res = p * q; break;
        case '/':
          if (q == 0) { ctx.warn.failure(e, "java.lang.ArithmeticException: / by zero"); continue; }
          res = p / q; break;
        default:
          if (q == 0) { ctx.warn.failure(e, "java.lang.ArithmeticException: / by zero"); continue; }
          res = std::fmod(p, q);
      }
      if (!std::isfinite(res)) {
        ctx.warn.failure(e, "java.lang.ArithmeticException: not a finite double number: " + format_double(res));
        continue;
      }
      v.d = res;
    } else if (out.type == Type::UnsignedLong) {
      std::uint64_t p = x->u, q = y->u, res = 0;
      bool ovf = false;
      switch (op) {
        case '+': ovf = __builtin_add_overflow(p, q, &res); break;
        case '-': ovf = __builtin_sub_overflow(p, q, &res); break;
        case '*': ovf = __builtin_mul_overflow(p, q, &res); break;
        case '/':
          if (q == 0) { ctx.warn.failure(e, "java.lang.ArithmeticException: / by zero"); continue; }
          res = p / q; break;
        default:
          if (q == 0) { ctx.warn.failure(e, "java.lang.ArithmeticException: / by zero"); continue; }
          res = p % q;
      }
      if (ovf) { ctx.warn.failure(e, "java.lang.ArithmeticException: unsigned_long overflow"); continue; }
      v.u = res;
    } else {
      std::int64_t p = x->i, q = y->i, res = 0;
      bool ovf = false;
      switch (op) {
        case '+': ovf = __builtin_add_overflow(p, q, &res); break;
        case '-': ovf = __builtin_sub_overflow(p, q, &res); break;
        case '*': ovf = __builtin_mul_overflow(p, q, &res); break;
        case '/':
          if (q == 0) { ctx.warn.failure(e, "java.lang.ArithmeticException: / by zero"); continue; }
          if (p == std::numeric_limits<std::int64_t>::min() && q == -1) ovf = true; else res = p / q;
          break;
        default:
          if (q == 0) { ctx.warn.failure(e, "java.lang.ArithmeticException: / by zero"); continue; }
          res = q == -1 ? 0 : p % q;
      }
      if (out.type == Type::Integer && !ovf && (res < std::numeric_limits<std::int32_t>::min() || res > std::numeric_limits<std::int32_t>::max()))
        ovf = true;
      if (ovf) {
        ctx.warn.failure(e, out.type == Type::Integer ? "java.lang.ArithmeticException: integer overflow"
                                                      : "java.lang.ArithmeticException: long overflow");
        continue;
      }
      v.i = res;
    }
    out.cells[r] = {v};
  }
  return out;
}

// An operand of a row-by-row operator: a field's column read in place, a literal's one value for
// every row, anything else evaluated (the same cells eval() gives, without copying them).
class Operand {
 public:
  Operand(const Expr& e, EvalCtx& ctx) {
    if (e.kind == ExprKind::Field) {
      const int i = ctx.page.find(e.name);
      if (i >= 0) {
        page_col_ = &ctx.page.columns[static_cast<std::size_t>(i)];
        return;
      }
    }
    if (e.kind == ExprKind::Literal) {
      own_ = constant(e.type, e.value, ctx.page.rows() ? 1 : 0);
      constant_ = true;
      return;
    }
    own_ = eval(e, ctx);
  }
  Type type() const { return page_col_ ? page_col_->type : own_.type; }
  const Cell& at(std::size_t r) const { return page_col_ ? page_col_->cells[r] : own_.cells[constant_ ? 0 : r]; }
  // The evaluated column, for changes (a literal's cell: one for all rows).
  Column* own() { return page_col_ ? nullptr : &own_; }

 private:
  const Column* page_col_ = nullptr;
  Column own_;
  bool constant_ = false;
};

Column eval_compare(const Expr& e, EvalCtx& ctx) {
  Operand a(*e.args[0], ctx), b(*e.args[1], ctx);
  std::size_t n = ctx.page.rows();
  auto special = [](Type t) { return t == Type::Date || t == Type::Ip || t == Type::Version || t == Type::Boolean; };
  if (special(a.type()) && literal_string(*e.args[1])) coerce_literal(*b.own(), *e.args[1], a.type(), ctx.warn);
  else if (special(b.type()) && literal_string(*e.args[0])) coerce_literal(*a.own(), *e.args[0], b.type(), ctx.warn);
  const Type ta = a.type(), tb = b.type();
  if (!comparable(ta, tb))
    throw QueryError("first argument of [" + expr_text(e, ctx.query) + "] is [" + std::string(type_name(ta)) +
                         "] so second argument must also be [" + std::string(type_name(ta)) + "] but was [" +
                         std::string(type_name(tb)) + "]",
                     e.begin);
  Column out;
  out.type = Type::Boolean;
  out.cells.resize(n);
  if (ta == Type::Null || tb == Type::Null) return out;
  enum class Op { Caseless, Eq, Ne, Lt, Le, Gt, Ge };
  const std::string& name = e.name;
  const Op op = name == "=~" ? Op::Caseless : name == "==" ? Op::Eq : name == "!=" ? Op::Ne : name == "<" ? Op::Lt
              : name == "<=" ? Op::Le : name == ">" ? Op::Gt : Op::Ge;
  const bool doubles = ta == Type::Double || tb == Type::Double;
  for (std::size_t r = 0; r < n; ++r) {
    const Scalar* x = single(a.at(r), e, ctx.warn);
    const Scalar* y = single(b.at(r), e, ctx.warn);
    if (!x || !y) continue;
    bool res;
    if (op == Op::Caseless) {
      // InsensitiveEquals: Lucene's case-insensitive automaton of the right side (simple case folding)
      res = fold_simple(x->s) == fold_simple(y->s);
    } else {
      int c = compare_scalar(ta, *x, tb, *y);
      if (doubles) {
        double p = as_double(ta, *x), q = as_double(tb, *y);
        if (std::isnan(p) || std::isnan(q)) c = 2;  // unordered
      }
      switch (op) {
        case Op::Eq: res = c == 0; break;
        case Op::Ne: res = c != 0; break;
        case Op::Lt: res = c == -1; break;
        case Op::Le: res = c == -1 || c == 0; break;
        case Op::Gt: res = c == 1; break;
        default: res = c == 1 || c == 0; break;
      }
    }
    out.cells[r] = {Scalar::of_int(res)};
  }
  return out;
}

Column eval_logic(const Expr& e, EvalCtx& ctx) {
  Column a = eval(*e.args[0], ctx), b = eval(*e.args[1], ctx);
  for (const Column* c : {&a, &b})
    if (c->type != Type::Boolean && c->type != Type::Null)
      throw QueryError("argument of [" + expr_text(e, ctx.query) + "] must be [boolean], found value of type [" +
                           std::string(type_name(c->type)) + "]",
                       e.begin);
  std::size_t n = ctx.page.rows();
  Column out;
  out.type = Type::Boolean;
  out.cells.resize(n);
  bool is_and = e.kind == ExprKind::And;
  for (std::size_t r = 0; r < n; ++r) {
    const Scalar* x = single(a.cells[r], e, ctx.warn);
    const Scalar* y = single(b.cells[r], e, ctx.warn);
    std::optional<bool> p = x ? std::optional<bool>(x->i != 0) : std::nullopt;
    std::optional<bool> q = y ? std::optional<bool>(y->i != 0) : std::nullopt;
    std::optional<bool> res;
    if (is_and) {
      if ((p && !*p) || (q && !*q)) res = false;
      else if (p && q) res = true;
    } else {
      if ((p && *p) || (q && *q)) res = true;
      else if (p && q) res = false;
    }
    if (res) out.cells[r] = {Scalar::of_int(*res)};
  }
  return out;
}

Column eval_in(const Expr& e, EvalCtx& ctx) {
  Column a = eval(*e.args[0], ctx);
  std::size_t n = ctx.page.rows();
  std::vector<Column> items;
  for (std::size_t i = 1; i < e.args.size(); ++i) {
    Column c = eval(*e.args[i], ctx);
    auto special = [](Type t) { return t == Type::Date || t == Type::Ip || t == Type::Version || t == Type::Boolean; };
    if (special(a.type) && literal_string(*e.args[i])) coerce_literal(c, *e.args[i], a.type, ctx.warn);
    if (!comparable(a.type, c.type))
      throw QueryError("[" + expr_text(e, ctx.query) + "] has values of incompatible types: [" + std::string(type_name(a.type)) +
                           "] and [" + std::string(type_name(c.type)) + "]",
                       e.args[i]->begin);
    items.push_back(std::move(c));
  }
  Column out;
  out.type = Type::Boolean;
  out.cells.resize(n);
  if (a.type == Type::Null) return out;
  for (std::size_t r = 0; r < n; ++r) {
    const Scalar* x = single(a.cells[r], e, ctx.warn);
    if (!x) continue;
    bool found = false, saw_null = false;
    for (const auto& c : items) {
      const Cell& cell = c.cells[r];
      if (cell.empty() || c.type == Type::Null) {
        saw_null = true;
        continue;
      }
      if (cell.size() > 1) {
        saw_null = true;
        continue;
      }
      if (compare_scalar(a.type, *x, c.type, cell[0]) == 0) {
        found = true;
        break;
      }
    }
    if (found) out.cells[r] = {Scalar::of_int(!e.negated)};
    else if (!saw_null) out.cells[r] = {Scalar::of_int(e.negated)};
  }
  return out;
}

Column eval_like(const Expr& e, EvalCtx& ctx) {
  Column a = eval(*e.args[0], ctx);
  if (!is_string(a.type) && a.type != Type::Null)
    throw QueryError("first argument of [" + expr_text(e, ctx.query) + "] must be [string], found value [" +
                         expr_text(*e.args[0], ctx.query) + "] type [" + std::string(type_name(a.type)) + "]",
                     e.begin);
  std::vector<std::string> patterns = e.patterns;
  for (std::size_t i = 1; i < e.args.size(); ++i) {
    Column p = eval(*e.args[i], ctx);
    if (!is_string(p.type) && p.type != Type::Null)
      throw QueryError("pattern of [" + expr_text(e, ctx.query) + "] must be a string", e.args[i]->begin);
    if (p.cells.empty()) continue;
    // A folded constant: the same on every row.
    if (p.cells[0].size() != 1) throw QueryError("pattern of [" + expr_text(e, ctx.query) + "] must be a constant string", e.args[i]->begin);
    patterns.push_back(p.cells[0][0].s);
  }
  std::size_t n = ctx.page.rows();
  // Elasticsearch's optimizer (ReplaceRegexMatch) turns a match of a pattern that matches
  // everything (LIKE "*", RLIKE ".*") into `IS NOT NULL`: true for a multi-value (no warning),
  // false for null, so `NOT LIKE "*"` keeps the rows where the value is null.
  auto matches_all = [&](const std::string& p) {
    if (e.kind == ExprKind::Like) return p == "*";
    std::string bare;
    for (char c : p)
      if (c != '(' && c != ')') bare += c;
    if (bare.empty() || bare.size() % 2) return false;
    for (std::size_t i = 0; i < bare.size(); i += 2)
      if (bare.compare(i, 2, ".*") != 0) return false;
    return true;
  };
  if (std::any_of(patterns.begin(), patterns.end(), matches_all)) {
    Column out;
    out.type = Type::Boolean;
    out.cells.resize(n);
    for (std::size_t r = 0; r < n; ++r) out.cells[r] = {Scalar::of_int(a.cells[r].empty() == e.negated)};
    return out;
  }
  std::vector<std::unique_ptr<RE2>> res;
  RE2::Options o;
  o.set_log_errors(false);
  o.set_dot_nl(true);
  for (const auto& p : patterns) {
    std::string re = e.kind == ExprKind::Like ? like_to_re2(p) : rlike_to_re2(p, e.begin);
    auto r = std::make_unique<RE2>(re, o);
    if (!r->ok()) throw QueryError("invalid pattern [" + p + "]: " + r->error(), e.begin);
    res.push_back(std::move(r));
  }
  Column out;
  out.type = Type::Boolean;
  out.cells.resize(n);
  for (std::size_t r = 0; r < n; ++r) {
    const Scalar* x = single(a.cells[r], e, ctx.warn);
    if (!x) continue;
    bool m = false;
    for (const auto& re : res) m = m || RE2::FullMatch(x->s, *re);
    out.cells[r] = {Scalar::of_int(m != e.negated)};
  }
  return out;
}

}  // namespace


std::string like_to_re2(std::string_view p) {
  std::string out;
  for (std::size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      out += RE2::QuoteMeta(std::string(1, p[++i]));
    } else if (c == '*') {
      out += "(?s:.*)";
    } else if (c == '?') {
      out += "(?s:.)";
    } else {
      out += RE2::QuoteMeta(std::string(1, c));
    }
  }
  return out;
}

namespace {

// Lucene's RegExp grammar (org.apache.lucene.util.automaton.RegExp, all syntax flags, as ES|QL's
// RLIKE reads it), parsed the way Lucene parses it and written as RE2:
//   union  := inter ('|' union)?        inter := concat ('&' inter)?
//   concat := repeat concat?  (stops before ')', '|' and '&')
//   repeat := compl ('?' | '*' | '+' | '{n}' | '{n,}' | '{n,m}')*
//   simple := '.' | '#' (empty language) | '@' (any string) | '"..."' (literal) | '(' union? ')'
//           | '[' class ']' | '\' char | any other character, literally
// The first character of an expression is read as a literal whatever it is: `*sh` matches a
// literal "*sh", and `a&|b` intersects `a` with the literal "|b". Intersection has no RE2 form in
// general; when one side is a plain string it is that string if the other side matches it, else
// the empty language (exact). Complement `~` and numeric ranges `<n-m>` are refused.
class LuceneRegex {
 public:
  LuceneRegex(std::string_view p, std::size_t offset) : p_(p), offset_(offset) {}
  std::string translate() {
    // Lucene's RegExp takes the empty pattern as the language of the empty string.
    if (p_.empty()) return std::string();
    Part e = union_exp();
    if (i_ < p_.size()) fail("end of pattern expected at position " + std::to_string(i_) + " (an unmatched ')')");
    return e.empty ? std::string(kEmpty) : e.re;
  }

 private:
  static constexpr const char* kEmpty = "[^\\x{0}-\\x{10FFFF}]";
  struct Part {
    std::string re;
    std::optional<std::string> literal;  // the piece is exactly this string
    bool empty = false;                  // the empty language
  };
  [[noreturn]] void fail(const std::string& m) const { throw QueryError("invalid RLIKE pattern [" + std::string(p_) + "]: " + m, offset_); }
  bool more() const { return i_ < p_.size(); }
  bool peek(std::string_view chars) const { return more() && chars.find(p_[i_]) != std::string_view::npos; }

  Part union_exp() {
    Part e = inter_exp();
    if (more() && p_[i_] == '|') {
      ++i_;
      Part r = union_exp();
      if (e.empty) return r;
      if (r.empty) return e;
      return Part{"(?:" + e.re + "|" + r.re + ")", std::nullopt, false};
    }
    return e;
  }
  Part inter_exp() {
    Part e = concat_exp();
    if (more() && p_[i_] == '&') {
      std::size_t at = i_++;
      Part r = inter_exp();
      return intersect(std::move(e), std::move(r), at);
    }
    return e;
  }
  Part intersect(Part a, Part b, std::size_t at) {
    if (a.empty || b.empty) return Part{"", std::nullopt, true};
    const Part* lit = a.literal ? &a : b.literal ? &b : nullptr;
    if (!lit)
      throw QueryError("RLIKE pattern operator '&' (Lucene intersection) at position " + std::to_string(at) +
                           " joins two patterns neither of which is a plain string; rulelab cannot translate that to RE2",
                       offset_, true);
    const Part& other = lit == &a ? b : a;
    RE2::Options o;
    o.set_log_errors(false);
    o.set_dot_nl(true);
    RE2 re(other.re, o);
    if (!re.ok()) fail(re.error());
    if (RE2::FullMatch(*lit->literal, re)) return *lit;
    return Part{"", std::nullopt, true};
  }
  Part concat_exp() {
    Part e = repeat_exp();
    if (more() && !peek(")|&")) {
      Part r = concat_exp();
      if (e.empty || r.empty) return Part{"", std::nullopt, true};
      Part c{e.re + r.re, std::nullopt, false};
      if (e.literal && r.literal) c.literal = *e.literal + *r.literal;
      return c;
    }
    return e;
  }
  Part repeat_exp() {
    Part e = simple_exp();
    while (peek("?*+{")) {
      char c = p_[i_++];
      std::string op(1, c);
      if (c == '{') {
        std::size_t close = p_.find('}', i_);
        if (close == std::string_view::npos) fail("expected '}'");
        std::string body(p_.substr(i_, close - i_));
        if (body.empty() || body.find_first_not_of("0123456789,") != std::string::npos || body[0] == ',' ||
            std::count(body.begin(), body.end(), ',') > 1)
          fail("integer expected in {" + body + "}");
        op = "{" + body + "}";
        i_ = close + 1;
      }
      if (e.empty) continue;
      e = Part{"(?:" + e.re + ")" + op, std::nullopt, false};
    }
    return e;
  }
  Part simple_exp() {
    if (!more()) fail("unexpected end of pattern");
    char c = p_[i_];
    if (c == '~') throw QueryError("RLIKE pattern operator '~' (Lucene complement) is not supported by rulelab", offset_, true);
    if (c == '<') throw QueryError("RLIKE pattern operator '<n-m>' (Lucene numeric range) is not supported by rulelab", offset_, true);
    if (c == '.') { ++i_; return Part{".", std::nullopt, false}; }
    if (c == '#') { ++i_; return Part{"", std::nullopt, true}; }
    if (c == '@') { ++i_; return Part{"(?s:.*)", std::nullopt, false}; }
    if (c == '"') {
      std::size_t close = p_.find('"', i_ + 1);
      if (close == std::string_view::npos) fail("unterminated quoted string");
      std::string lit(p_.substr(i_ + 1, close - i_ - 1));
      i_ = close + 1;
      return Part{"(?:" + RE2::QuoteMeta(lit) + ")", lit, false};
    }
    if (c == '(') {
      ++i_;
      if (more() && p_[i_] == ')') { ++i_; return Part{"(?:)", std::string(), false}; }
      Part e = union_exp();
      if (!more() || p_[i_] != ')') fail("expected ')' at position " + std::to_string(i_));
      ++i_;
      if (!e.empty) e.re = "(?:" + e.re + ")";
      return e;
    }
    if (c == '[') {
      // character class: copied through to ']' (Lucene classes are RE2-compatible, `^` included)
      std::size_t j = i_ + 1;
      if (j < p_.size() && p_[j] == '^') ++j;
      if (j < p_.size() && p_[j] == ']') ++j;
      while (j < p_.size() && p_[j] != ']') {
        if (p_[j] == '\\') ++j;
        ++j;
      }
      if (j >= p_.size()) fail("expected ']'");
      std::string cls(p_.substr(i_, j - i_ + 1));
      i_ = j + 1;
      return Part{cls, std::nullopt, false};
    }
    if (c == '\\') {
      if (i_ + 1 >= p_.size()) fail("trailing backslash");
      char n = p_[i_ + 1];
      if (n == 'd' || n == 'D' || n == 'w' || n == 'W' || n == 's' || n == 'S') {
        i_ += 2;
        return Part{std::string("\\") + n, std::nullopt, false};
      }
      ++i_;  // any other escaped character is itself
    }
    // One character (a whole UTF-8 sequence), literally.
    unsigned char b = static_cast<unsigned char>(p_[i_]);
    std::size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 1;
    std::string ch(p_.substr(i_, len));
    i_ += ch.size();
    return Part{RE2::QuoteMeta(ch), ch, false};
  }

  std::string_view p_;
  std::size_t offset_;
  std::size_t i_ = 0;
};

}  // namespace

std::string rlike_to_re2(std::string_view p, std::size_t offset) { return LuceneRegex(p, offset).translate(); }

Column eval(const Expr& e, EvalCtx& ctx) {
  std::size_t n = ctx.page.rows();
  switch (e.kind) {
    case ExprKind::Literal: return constant(e.type, e.value, n);
    case ExprKind::Field: {
      int i = ctx.page.find(e.name);
      if (i < 0) throw QueryError("Unknown column [" + e.name + "]", e.begin);
      Column c = ctx.page.columns[static_cast<std::size_t>(i)];
      return c;
    }
    case ExprKind::Neg: {
      Column a = eval(*e.args[0], ctx);
      if (a.type == Type::TimeDuration || a.type == Type::DatePeriod) {
        for (auto& c : a.cells)
          for (auto& v : c) {
            v.i = -v.i;
            v.j = -v.j;
          }
        return a;
      }
      if (!is_numeric(a.type) && a.type != Type::Null)
        throw QueryError("argument of [" + expr_text(e, ctx.query) + "] must be numeric, found [" + std::string(type_name(a.type)) + "]",
                         e.begin);
      if (a.type == Type::UnsignedLong) throw QueryError("argument of [" + expr_text(e, ctx.query) + "] must be a signed number, found [unsigned_long]", e.begin);
      Column out;
      out.type = a.type;
      out.cells.resize(n);
      for (std::size_t r = 0; r < n; ++r) {
        const Scalar* x = single(a.cells[r], e, ctx.warn);
        if (!x) continue;
        Scalar v;
        if (a.type == Type::Double) v.d = -x->d;
        else if ((a.type == Type::Integer && x->i == std::numeric_limits<std::int32_t>::min()) ||
                 x->i == std::numeric_limits<std::int64_t>::min()) {
          ctx.warn.failure(e, a.type == Type::Integer ? "java.lang.ArithmeticException: integer overflow"
                                                      : "java.lang.ArithmeticException: long overflow");
          continue;
        } else
          v.i = -x->i;
        out.cells[r] = {v};
      }
      return out;
    }
    case ExprKind::Not: {
      Column a = eval(*e.args[0], ctx);
      if (a.type != Type::Boolean && a.type != Type::Null)
        throw QueryError("argument of [" + expr_text(e, ctx.query) + "] must be [boolean], found value of type [" +
                             std::string(type_name(a.type)) + "]",
                         e.begin);
      Column out;
      out.type = Type::Boolean;
      out.cells.resize(n);
      for (std::size_t r = 0; r < n; ++r) {
        const Scalar* x = single(a.cells[r], e, ctx.warn);
        if (x) out.cells[r] = {Scalar::of_int(x->i == 0)};
      }
      return out;
    }
    case ExprKind::And:
    case ExprKind::Or: return eval_logic(e, ctx);
    case ExprKind::Arith: return eval_arith(e, ctx);
    case ExprKind::Compare: return eval_compare(e, ctx);
    case ExprKind::IsNull: {
      Column a = eval(*e.args[0], ctx);
      Column out;
      out.type = Type::Boolean;
      out.cells.resize(n);
      for (std::size_t r = 0; r < n; ++r) out.cells[r] = {Scalar::of_int(a.cells[r].empty() != e.negated)};
      return out;
    }
    case ExprKind::In: return eval_in(e, ctx);
    case ExprKind::Like:
    case ExprKind::RLike: return eval_like(e, ctx);
    case ExprKind::Cast: {
      Column a = eval(*e.args[0], ctx);
      Type to = *type_from_name(e.name);
      Column out;
      out.type = to;
      out.cells.resize(n);
      for (std::size_t r = 0; r < n; ++r) out.cells[r] = convert_cell(a.cells[r], a.type, to, e, ctx.warn);
      return out;
    }
    case ExprKind::Call: return call_function(e, ctx);
    case ExprKind::Match: return eval_match(e, ctx);
    case ExprKind::Map: throw QueryError("a map of options is only allowed as a function's last argument", e.begin);
    case ExprKind::Param: throw QueryError("query parameters are not supported", e.begin, true);
  }
  throw QueryError("unexpected expression", e.begin);
}

}  // namespace rulelab::esql
