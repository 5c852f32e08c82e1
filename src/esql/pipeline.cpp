// The ES|QL pipeline: each command a columnar operator over pages. FROM (index patterns,
// METADATA), ROW, WHERE, EVAL, STATS ... BY, INLINE STATS, KEEP, DROP, RENAME, SORT, LIMIT,
// DISSECT, GROK, MV_EXPAND; the implicit LIMIT 1000. Reference: ES|QL "Commands".
#include <re2/re2.h>

#include <algorithm>
#include <deque>
#include <cctype>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "elastic/analyzer.hpp"
#include "core/column.hpp"
#include "core/paths.hpp"
#include "elastic/field_types.hpp"
#include "esql/eval.hpp"
#include "esql/functions.hpp"
#include "elastic/coerce.hpp"
#include "esql/source.hpp"

namespace rulelab::esql {
namespace {

// `*` matches any run of characters, everything else itself: core's pattern matcher, greedy with
// one remembered star (at most pattern x text steps; a recursive match here was exponential in
// the stars, and FROM with a run of stars hung).
bool glob_match(std::string_view pat, std::string_view s) { return field_pattern_matches(pat, s); }

}  // namespace

bool index_matches(std::string_view pattern, std::string_view index) { return glob_match(pattern, index); }

namespace {

Page take_rows(const Page& p, const std::vector<std::size_t>& rows) {
  Page out;
  out.columns.reserve(p.columns.size());
  for (const auto& c : p.columns) {
    Column n{c.name, c.type, {}};
    n.cells.reserve(rows.size());
    for (auto r : rows) n.cells.push_back(c.cells[r]);
    out.columns.push_back(std::move(n));
  }
  for (auto r : rows) out.origin.push_back(p.origin[r]);
  return out;
}

// take_rows() in place, for rows in increasing order: the kept cells are moved, not copied.
void keep_rows(Page& p, const std::vector<std::size_t>& rows) {
  if (rows.size() == p.rows()) return;  // increasing and as many as the rows: all of them
  for (auto& c : p.columns) {
    for (std::size_t i = 0; i < rows.size(); ++i)
      if (rows[i] != i) c.cells[i] = std::move(c.cells[rows[i]]);
    c.cells.resize(rows.size());
  }
  for (std::size_t i = 0; i < rows.size(); ++i) p.origin[i] = p.origin[rows[i]];
  p.origin.resize(rows.size());
}

void set_column(Page& p, Column c) {
  int i = p.find(c.name);
  if (i >= 0) p.columns.erase(p.columns.begin() + i);
  p.columns.push_back(std::move(c));
}

// ---- aggregation -------------------------------------------------------------------------------

struct AggCall {
  const Expr* call;
  std::string slot;  // synthetic column name
};

// Replaces aggregate calls in an expression by references to synthetic columns.
std::string squash(std::string_view s) {
  std::string out;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Grouping expressions repeated in an aggregate's expression read the grouping key.
ExprPtr replace_keys(const ExprPtr& e, const std::vector<Assign>& by, std::string_view q) {
  if (e->kind != ExprKind::Field && e->kind != ExprKind::Literal)
    for (const auto& b : by)
      if (b.named && b.expr->kind != ExprKind::Field && squash(expr_text(*e, q)) == squash(expr_text(*b.expr, q))) {
        auto f = std::make_shared<Expr>(*e);
        f->kind = ExprKind::Field;
        f->name = b.name;
        f->args.clear();
        return f;
      }
  if (e->args.empty() || (e->kind == ExprKind::Call && is_aggregate(e->name))) return e;
  auto copy = std::make_shared<Expr>(*e);
  for (auto& a : copy->args) a = replace_keys(a, by, q);
  return copy;
}

ExprPtr extract_aggs(const ExprPtr& e, std::vector<AggCall>& aggs) {
  if (e->kind == ExprKind::Call && is_aggregate(e->name)) {
    std::string slot = "$agg" + std::to_string(aggs.size());
    aggs.push_back({e.get(), slot});
    auto f = std::make_shared<Expr>();
    f->kind = ExprKind::Field;
    f->name = slot;
    f->begin = e->begin;
    f->end = e->end;
    return f;
  }
  if (e->args.empty()) return e;
  auto copy = std::make_shared<Expr>(*e);
  for (auto& a : copy->args) a = extract_aggs(a, aggs);
  return copy;
}

struct AggInput {
  Column own;                 // the first argument, when computed
  const Column* value = &own; // the first argument (a field's column is read in place)
  Column extra;   // weighted_avg weight
  Cell param;     // percentile / top parameters
  Cell param2;
  std::vector<bool> where;  // filter per row (empty: all)
};

Type agg_result_type(const Expr& call, const AggInput& in, std::string_view q) {
  const std::string& fn = call.name;
  Type t = in.value->type;
  if (fn == "count" || fn == "count_distinct") return Type::Long;
  if (fn == "present" || fn == "absent") return Type::Boolean;
  if (fn == "avg" || fn == "median" || fn == "percentile" || fn == "std_dev" || fn == "variance" || fn == "weighted_avg" ||
      fn == "median_absolute_deviation") {
    if (!is_numeric(t) && t != Type::Null)
      throw QueryError("first argument of [" + expr_text(call, q) + "] must be [numeric except unsigned_long or counter types], found value [" +
                           expr_text(*call.args[0], q) + "] type [" + std::string(type_name(t)) + "]",
                       call.args[0]->begin);
    return Type::Double;
  }
  if (fn == "sum") {
    if (!is_numeric(t) && t != Type::Null)
      throw QueryError("first argument of [" + expr_text(call, q) + "] must be [numeric except counter types], found value [" +
                           expr_text(*call.args[0], q) + "] type [" + std::string(type_name(t)) + "]",
                       call.args[0]->begin);
    return t == Type::Integer ? Type::Long : t;
  }
  if (fn == "min" || fn == "max") {
    if (t == Type::Text) throw QueryError("first argument of [" + expr_text(call, q) + "] must be [representable except unsigned_long and spatial types], found value [" +
                                              expr_text(*call.args[0], q) + "] type [text]", call.args[0]->begin);
    return t;
  }
  if (fn == "top" && call.args.size() > 3) {
    // TOP(field, limit, order, outputField) (9.2, "TOP" reference: the types table): a date or
    // number (but unsigned_long) sorts, a date or number (but unsigned_long) is output.
    auto sortable = [](Type x) { return x == Type::Date || x == Type::Null || (is_numeric(x) && x != Type::UnsignedLong); };
    if (!sortable(t))
      throw QueryError("first argument of [" + expr_text(call, q) + "] must be [date or numeric except unsigned_long], found value [" +
                           expr_text(*call.args[0], q) + "] type [" + std::string(type_name(t)) + "] (with an outputField)",
                       call.args[0]->begin);
    if (!sortable(in.extra.type))
      throw QueryError("fourth argument of [" + expr_text(call, q) + "] must be [date or numeric except unsigned_long], found value [" +
                           expr_text(*call.args[3], q) + "] type [" + std::string(type_name(in.extra.type)) + "]",
                       call.args[3]->begin);
    return in.extra.type;
  }
  if (fn == "values" || fn == "top" || fn == "sample" || fn == "first" || fn == "last") return t == Type::Text ? Type::Keyword : t;
  return t;
}

Cell aggregate(const Expr& call, Type rt, const AggInput& in, const std::vector<std::size_t>& rows, Warnings& w) {
  const std::string& fn = call.name;
  Type t = in.value->type;
  auto live = [&](std::size_t r) { return in.where.empty() || in.where[r]; };
  if ((fn == "first" || fn == "last") && !in.extra.cells.empty()) {
    // FIRST(value, sort) / LAST(value, sort): the value of the row with the smallest / largest sort
    // value (rows whose sort value is null are skipped; a tie keeps the earlier row).
    const bool first = fn == "first";
    Type st = in.extra.type;
    const Scalar* best = nullptr;
    std::size_t best_row = 0;
    for (auto r : rows) {
      if (!live(r)) continue;
      for (const auto& v : in.extra.cells[r])
        if (!best || (first ? compare_scalar(st, v, st, *best) < 0 : compare_scalar(st, v, st, *best) > 0)) {
          best = &v;
          best_row = r;
        }
    }
    if (!best) return {};
    return in.value->cells[best_row];
  }
  // PRESENT / ABSENT (9.2 aggregate functions): whether some row of the group has a value of the
  // field (false / true for none, never null).
  if (fn == "present" || fn == "absent") {
    bool any = false;
    for (auto r : rows)
      if (live(r) && (call.star || call.args.empty() || !in.value->cells[r].empty())) any = true;  // (`*`: any row)
    return {Scalar::of_int(fn == "present" ? any : !any)};
  }
  if (fn == "count") {
    std::int64_t c = 0;
    for (auto r : rows)
      if (live(r)) c += call.star || call.args.empty() ? 1 : static_cast<std::int64_t>(in.value->cells[r].size());
    return {Scalar::of_int(c)};
  }
  if ((fn == "count_distinct" || fn == "values") && t != Type::Version &&
      (is_string(t) || t == Type::Ip || t == Type::GeoPoint || t == Type::Source)) {
    // Values equal as compare_scalar sees them are equal bytes: distinct ones found by hashing
    // first, then only those copied and sorted (the same answer as sorting them all).
    std::unordered_set<std::string_view> seen;
    std::vector<const Scalar*> distinct;
    for (auto r : rows)
      if (live(r))
        for (const auto& v : in.value->cells[r])
          if (seen.insert(v.s).second) distinct.push_back(&v);
    if (fn == "count_distinct") return {Scalar::of_int(static_cast<std::int64_t>(distinct.size()))};
    std::sort(distinct.begin(), distinct.end(), [](const Scalar* a, const Scalar* b) { return a->s < b->s; });
    Cell out;
    out.reserve(distinct.size());
    for (const Scalar* v : distinct) out.push_back(*v);
    return out;
  }
  Cell vals;
  for (auto r : rows)
    if (live(r))
      for (const auto& v : in.value->cells[r]) vals.push_back(v);
  if (fn == "count_distinct") {
    // Exact: rulelab counts distinct values exactly (Elasticsearch's HyperLogLog++ is exact below
    // its precision threshold, 3000 by default, which covers sample logs).
    std::stable_sort(vals.begin(), vals.end(), [&](const Scalar& a, const Scalar& b) { return compare_scalar(t, a, t, b) < 0; });
    std::int64_t c = 0;
    for (std::size_t k = 0; k < vals.size(); ++k)
      if (k == 0 || compare_scalar(t, vals[k - 1], t, vals[k]) != 0) ++c;
    return {Scalar::of_int(c)};
  }
  if (vals.empty() || t == Type::Null) return {};
  auto sorted = [&] {
    Cell s = vals;
    std::stable_sort(s.begin(), s.end(), [&](const Scalar& a, const Scalar& b) { return compare_scalar(t, a, t, b) < 0; });
    return s;
  };
  if (fn == "min" || fn == "max") {
    Cell s = sorted();
    return {fn == "min" ? s.front() : s.back()};
  }
  if (fn == "sum") {
    Scalar s;
    if (rt == Type::Double) {
      for (const auto& v : vals) s.d += as_double(t, v);
    } else if (rt == Type::UnsignedLong) {
      for (const auto& v : vals)
        if (__builtin_add_overflow(s.u, v.u, &s.u)) {
          w.failure(call, "java.lang.ArithmeticException: unsigned_long overflow");
          return {};
        }
    } else {
      for (const auto& v : vals)
        if (__builtin_add_overflow(s.i, v.i, &s.i)) {
          w.failure(call, "java.lang.ArithmeticException: long overflow");
          return {};
        }
    }
    return {s};
  }
  if (fn == "avg") {
    double s = 0;
    for (const auto& v : vals) s += as_double(t, v);
    return {Scalar::of_double(s / static_cast<double>(vals.size()))};
  }
  if (fn == "median" || fn == "percentile") {
    double p = 50;
    if (fn == "percentile") {
      if (in.param.empty()) return {};
      p = in.param[0].d;
    }
    Cell s = sorted();
    double idx = p / 100 * static_cast<double>(s.size() - 1);
    std::size_t lo = static_cast<std::size_t>(std::floor(idx));
    std::size_t hi = std::min(lo + 1, s.size() - 1);
    double frac = idx - static_cast<double>(lo);
    return {Scalar::of_double(as_double(t, s[lo]) + (as_double(t, s[hi]) - as_double(t, s[lo])) * frac)};
  }
  if (fn == "std_dev" || fn == "variance") {
    double mean = 0;
    for (const auto& v : vals) mean += as_double(t, v);
    mean /= static_cast<double>(vals.size());
    double m2 = 0;
    for (const auto& v : vals) m2 += (as_double(t, v) - mean) * (as_double(t, v) - mean);
    double var = m2 / static_cast<double>(vals.size());
    return {Scalar::of_double(fn == "variance" ? var : std::sqrt(var))};
  }
  if (fn == "median_absolute_deviation") {
    Cell s = sorted();
    auto med = [&](std::vector<double> d) {
      std::sort(d.begin(), d.end());
      std::size_t n = d.size();
      return n % 2 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2;
    };
    std::vector<double> d;
    for (const auto& v : s) d.push_back(as_double(t, v));
    double m = med(d);
    for (auto& x : d) x = std::fabs(x - m);
    return {Scalar::of_double(med(d))};
  }
  if (fn == "weighted_avg") {
    // Elasticsearch rewrites WEIGHTED_AVG with a constant: a constant value is its own average
    // (MV_AVG of it), a constant positive weight makes it SUM(value) / COUNT(value) over every value
    // (multi-values included; SUM's overflow is null with its warning).
    auto constant_num = [&](const Expr& x) -> const Cell* {
      return x.kind == ExprKind::Literal && !x.value.empty() && is_numeric(x.type) ? &x.value : nullptr;
    };
    if (const Cell* c = constant_num(*call.args[0])) {
      double s = 0;
      for (const auto& v : *c) s += as_double(call.args[0]->type, v);
      return {Scalar::of_double(s / static_cast<double>(c->size()))};
    }
    if (const Cell* c = constant_num(*call.args[1]); c && c->size() == 1 && as_double(call.args[1]->type, (*c)[0]) > 0) {
      double sd = 0;
      std::int64_t si = 0, cnt = 0;
      bool integral = t == Type::Integer || t == Type::Long;
      for (auto r : rows) {
        if (!live(r)) continue;
        for (const auto& v : in.value->cells[r]) {
          ++cnt;
          if (!integral) sd += as_double(t, v);
          else if (__builtin_add_overflow(si, v.i, &si)) {
            w.failure(call, "java.lang.ArithmeticException: long overflow");
            return {};
          }
        }
      }
      if (cnt == 0) return {};
      return {Scalar::of_double((integral ? static_cast<double>(si) : sd) / static_cast<double>(cnt))};
    }
    double num = 0, den = 0;
    std::size_t used = 0;  // rows with one value and one weight (multi-values are nulls, with a warning)
    for (auto r : rows) {
      if (!live(r)) continue;
      const Cell& v = in.value->cells[r];
      const Cell& wt = in.extra.cells[r];
      if (v.size() > 1 || wt.size() > 1) {
        w.failure(call, "java.lang.IllegalArgumentException: single-value function encountered multi-value");
        continue;
      }
      if (v.size() != 1 || wt.size() != 1) continue;
      double wv = as_double(in.extra.type, wt[0]);
      num += as_double(t, v[0]) * wv;
      den += wv;
      ++used;
    }
    if (den == 0) {
      if (num == 0 && used > 0) w.failure(call, "java.lang.ArithmeticException: / by zero");
      return {};
    }
    return {Scalar::of_double(num / den)};
  }
  if (fn == "values") {
    Cell s = sorted();
    s.erase(std::unique(s.begin(), s.end(), [&](const Scalar& a, const Scalar& b) { return compare_scalar(t, a, t, b) == 0; }), s.end());
    return s;
  }
  if (fn == "top" && !in.extra.cells.empty()) {
    // TOP(field, limit, order, outputField): the outputField values of the `limit` first
    // (field, outputField) pairs in the field's order; a row with either null adds none, a row's
    // multi-values add every pair (TopIntLongAggregatorFunction.addRawBlock). Pairs of one field
    // value are ordered by their output the same way (stats_top.csv-spec
    // outputFieldAndShouldNotSurrogate: the tallest of five at 2.1 m is the last emp_no).
    const bool desc = !in.param2.empty() && (in.param2[0].s == "desc" || in.param2[0].s == "DESC");
    std::vector<std::pair<const Scalar*, const Scalar*>> pairs;
    for (auto r : rows) {
      if (!live(r)) continue;
      for (const auto& v : in.value->cells[r])
        for (const auto& o : in.extra.cells[r]) pairs.emplace_back(&v, &o);
    }
    const Type ot = in.extra.type;
    std::stable_sort(pairs.begin(), pairs.end(), [&](const auto& a, const auto& b) {
      int c = compare_scalar(t, *a.first, t, *b.first);
      if (c == 0) c = compare_scalar(ot, *a.second, ot, *b.second);  // (ties: by the output, the same way)
      return desc ? c > 0 : c < 0;
    });
    const std::size_t k = in.param.empty() ? 1 : static_cast<std::size_t>(std::max<std::int64_t>(in.param[0].i, 0));
    Cell out;
    for (std::size_t i = 0; i < pairs.size() && i < k; ++i) out.push_back(*pairs[i].second);
    return out;
  }
  if (fn == "top") {
    Cell s = sorted();
    bool desc = !in.param2.empty() && (in.param2[0].s == "desc" || in.param2[0].s == "DESC");
    if (desc) std::reverse(s.begin(), s.end());
    std::size_t k = in.param.empty() ? 1 : static_cast<std::size_t>(std::max<std::int64_t>(in.param[0].i, 0));
    if (s.size() > k) s.resize(k);
    return s;
  }
  if (fn == "sample" || fn == "first" || fn == "last") return {vals.front()};
  return {};
}

struct GroupKeyHash {
  std::size_t operator()(const std::string& s) const { return std::hash<std::string>()(s); }
};

// Appends a group key part: 0 for null, else 1 and the value's bytes.
void append_key(std::string& k, Type t, const Scalar* v) {
  if (!v) {
    k += '\0';
    return;
  }
  k += '\1';
  switch (t) {
    case Type::Double: k.append(reinterpret_cast<const char*>(&v->d), sizeof v->d); break;
    case Type::UnsignedLong: k.append(reinterpret_cast<const char*>(&v->u), sizeof v->u); break;
    case Type::Keyword: case Type::Text: case Type::Ip: case Type::Version: case Type::GeoPoint: case Type::Source: k += v->s; break;
    default: k.append(reinterpret_cast<const char*>(&v->i), sizeof v->i); k.append(reinterpret_cast<const char*>(&v->j), sizeof v->j);
  }
}

struct StatsResult {
  Page groups;                                // aggregates then keys (STATS output)
  std::vector<std::vector<std::size_t>> members;  // input rows of each group
  std::vector<std::vector<std::size_t>> row_groups;  // groups of each input row, distinct, in key-value order (with_row_groups)
};

// The number of arguments each aggregate takes ("ES|QL aggregation functions"): a call with more
// or fewer is the query's error (it used to ignore the extra ones silently: MAX(a, 2)).
void check_agg_arity(const Expr& ce, std::string_view q) {
  static constexpr struct { const char* name; std::size_t lo, hi; } arity[] = {
      {"count", 0, 1}, {"count_distinct", 1, 2}, {"min", 1, 1}, {"max", 1, 1}, {"sum", 1, 1}, {"avg", 1, 1}, {"values", 1, 1},
      {"median", 1, 1}, {"median_absolute_deviation", 1, 1}, {"std_dev", 1, 1}, {"variance", 1, 1}, {"std_var", 1, 1},
      {"present", 0, 1}, {"absent", 0, 1}, {"percentile", 2, 2}, {"weighted_avg", 2, 2}, {"top", 2, 4}, {"sample", 2, 2},
      {"first", 1, 2}, {"last", 1, 2}};
  const std::size_t n = ce.star ? 0 : ce.args.size();
  for (const auto& a : arity)
    if (ce.name == a.name && (n < a.lo || n > a.hi))
      throw QueryError("function [" + expr_text(ce, q) + "] takes " +
                           (a.lo == a.hi ? std::to_string(a.lo) : a.lo == 0 ? "at most " + std::to_string(a.hi)
                                                                           : std::to_string(a.lo) + " to " + std::to_string(a.hi)) +
                           " argument" + (a.hi == 1 ? "" : "s") + ", got " + std::to_string(n),
                       ce.begin);
}

StatsResult run_stats(const Command& c, const Page& in, EvalCtx& ctx, bool with_row_groups = false) {
  // Group keys; of two keys with one name, the last.
  std::vector<Assign> by;
  for (std::size_t i = 0; i < c.by.size(); ++i) {
    bool later = false;
    for (std::size_t j = i + 1; j < c.by.size(); ++j) later = later || c.by[j].name == c.by[i].name;
    if (!later) by.push_back(c.by[i]);
  }
  // A key that is a field reads its column in place; others are computed.
  struct Key {
    std::string name;
    const Column* col = nullptr;
  };
  std::vector<Key> keys;
  std::deque<Column> computed;
  for (const auto& b : by) {
    if (b.expr->kind == ExprKind::Call && is_aggregate(b.expr->name))
      throw QueryError("grouping key [" + expr_text(*b.expr, ctx.query) + "] cannot be an aggregate function", b.expr->begin);
    const int in_place = b.expr->kind == ExprKind::Field ? in.find(b.expr->name) : -1;
    if (in_place >= 0) {
      keys.push_back({b.name, &in.columns[static_cast<std::size_t>(in_place)]});
    } else {
      computed.push_back(eval(*b.expr, ctx));
      keys.push_back({b.name, &computed.back()});
    }
  }
  // A name given twice: the last one (a grouping key over an aggregate) wins, with a warning.
  {
    std::vector<std::pair<std::string, std::size_t>> names;
    for (const auto& a : c.fields) names.emplace_back(a.name, a.offset);
    for (const auto& b : c.by) names.emplace_back(b.name, b.offset);
    for (std::size_t i = 0; i < names.size(); ++i)
      for (std::size_t j = names.size(); j-- > i + 1;)
        if (names[i].first == names[j].first) {
          std::string at = ctx.warn.where(names[j].second);  // "Line L:C: "
          ctx.warn.add(ctx.warn.where(names[i].second) + "Field '" + names[i].first + "' shadowed by field at line " +
                       at.substr(5, at.size() - 7));
          break;
        }
  }
  // Aggregates may read the grouping keys by their names (BY a = x + y ... MAX(a)).
  Page with_keys;
  const Page* agg_in = &in;
  if (std::any_of(by.begin(), by.end(), [](const Assign& b) { return b.named; })) {
    with_keys = in;
    for (const auto& k : keys) {
      Column c = *k.col;
      c.name = k.name;
      set_column(with_keys, std::move(c));
    }
    agg_in = &with_keys;
  }
  EvalCtx actx{*agg_in, ctx.warn, ctx.now_ms, ctx.query, ctx.indices, ctx.not_source};
  // Groups: a row with a multi-valued key belongs to one group per value.
  std::unordered_map<std::string, std::size_t, GroupKeyHash> index;
  std::vector<std::vector<const Scalar*>> group_keys;
  std::vector<std::vector<std::size_t>> members;
  std::size_t n = in.rows();
  std::vector<std::vector<std::size_t>> row_groups(with_row_groups ? n : 0);
  std::vector<std::size_t> counts(keys.size());
  std::vector<const Scalar*> kv(keys.size());
  // Two keys that name one field (BY a = f, b = f) are one grouping in Elasticsearch (the aliases
  // share the field's attribute): a multi-value makes a group per value, not per pair.
  std::vector<std::size_t> same_as(keys.size());
  for (std::size_t k = 0; k < keys.size(); ++k) {
    same_as[k] = k;
    for (std::size_t j = 0; j < k && same_as[k] == k; ++j)
      if (by[k].expr->kind == ExprKind::Field && by[j].expr->kind == ExprKind::Field && by[k].expr->name == by[j].expr->name) same_as[k] = j;
  }
  std::string key;
  for (std::size_t r = 0; r < n; ++r) {
    // cartesian product of the key values
    std::size_t combos = 1;
    for (std::size_t k = 0; k < keys.size(); ++k) {
      counts[k] = same_as[k] != k ? 1 : std::max<std::size_t>(1, keys[k].col->cells[r].size());
      combos *= counts[k];
    }
    for (std::size_t combo = 0; combo < combos; ++combo) {
      std::size_t rem = combo;
      key.clear();
      for (std::size_t k = 0; k < keys.size(); ++k) {
        std::size_t i = rem % counts[k];
        rem /= counts[k];
        if (same_as[k] != k) {
          kv[k] = kv[same_as[k]];
          append_key(key, keys[k].col->type, kv[k]);
          key += '\2';
          continue;
        }
        kv[k] = keys[k].col->cells[r].empty() ? nullptr : &keys[k].col->cells[r][i];
        append_key(key, keys[k].col->type, kv[k]);
        key += '\2';
      }
      auto [it, fresh] = index.try_emplace(key, group_keys.size());
      if (fresh) {
        group_keys.push_back(kv);
        members.emplace_back();
      }
      members[it->second].push_back(r);
      if (with_row_groups) {
        auto& rg = row_groups[r];
        if (std::find(rg.begin(), rg.end(), it->second) == rg.end()) rg.push_back(it->second);
      }
    }
  }
  if (keys.empty() && group_keys.empty()) {
    group_keys.emplace_back();
    members.emplace_back();
  }
  // Aggregates.
  std::size_t g = group_keys.size();
  Page out;
  out.origin.assign(g, -1);
  Page agg_page;
  agg_page.origin.assign(g, -1);
  std::vector<std::pair<std::string, ExprPtr>> outputs;
  std::vector<AggCall> all_calls;
  for (const auto& a : c.fields) {
    std::size_t first_call = all_calls.size();
    ExprPtr rewritten = extract_aggs(replace_keys(a.expr, by, ctx.query), all_calls);
    std::vector<AggCall> calls(all_calls.begin() + static_cast<std::ptrdiff_t>(first_call), all_calls.end());
    if (calls.empty() && keys.empty())
      throw QueryError("expected an aggregate function but found [" + expr_text(*a.expr, ctx.query) + "]", a.expr->begin);
    for (const auto& call : calls) {
      const Expr& ce = *call.call;
      check_agg_arity(ce, ctx.query);
      AggInput ai;
      if (!ce.args.empty() && !ce.star) {
        for (const auto& arg : ce.args[0]->args)
          if (arg->kind == ExprKind::Call && is_aggregate(arg->name))
            throw QueryError("aggregate function's field must be non-aggregate; found [" + expr_text(*arg, ctx.query) + "]", arg->begin);
        const Expr& arg = *ce.args[0];
        const int in_place = arg.kind == ExprKind::Field ? agg_in->find(arg.name) : -1;
        if (in_place >= 0) ai.value = &agg_in->columns[static_cast<std::size_t>(in_place)];
        else ai.own = eval(arg, actx);
      } else {
        ai.own.type = Type::Long;
        if (ce.name != "count") ai.own.cells.resize(n);  // COUNT(*) counts rows and reads no cell; others read nulls
      }
      if (ce.name == "weighted_avg" || ((ce.name == "first" || ce.name == "last") && ce.args.size() == 2)) {
        if (ce.args.size() != 2) throw QueryError("function [weighted_avg] takes 2 arguments", ce.begin);
        ai.extra = eval(*ce.args[1], actx);
      } else if (ce.args.size() > 1 && ce.name != "count_distinct") {
        Column p = eval(*ce.args[1], actx);
        if (!p.cells.empty()) ai.param = p.cells[0];
        else {
          Page one;
          one.origin = {-1};
          EvalCtx c1{one, ctx.warn, ctx.now_ms, ctx.query};
          ai.param = eval(*ce.args[1], c1).cells[0];
        }
        if (ce.name == "percentile" && !ai.param.empty()) {
          // percentile parameter may be an integer
          Column pc = [&] {
            Page one;
            one.origin = {-1};
            EvalCtx c1{one, ctx.warn, ctx.now_ms, ctx.query};
            return eval(*ce.args[1], c1);
          }();
          ai.param = {Scalar::of_double(as_double(pc.type, pc.cells[0][0]))};
        }
        if (ce.args.size() > 2) {
          Page one;
          one.origin = {-1};
          EvalCtx c1{one, ctx.warn, ctx.now_ms, ctx.query};
          ai.param2 = eval(*ce.args[2], c1).cells[0];
          for (auto& v : ai.param2) for (auto& ch : v.s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        }
      }
      if (ce.name == "top" && ce.args.size() > 3) ai.extra = eval(*ce.args[3], actx);  // TOP's outputField
      if (a.where) {
        Column wc = eval(*a.where, actx);
        ai.where.resize(n);
        for (std::size_t r = 0; r < n; ++r) ai.where[r] = truthy(wc.cells[r]);
      }
      Type rt = agg_result_type(ce, ai, ctx.query);
      Column col{call.slot, rt, {}};
      col.cells.reserve(g);
      for (std::size_t gi = 0; gi < g; ++gi) col.cells.push_back(aggregate(ce, rt, ai, members[gi], ctx.warn));
      agg_page.columns.push_back(std::move(col));
    }
    outputs.emplace_back(a.name, rewritten);
  }
  for (std::size_t k = 0; k < keys.size(); ++k) {
    Column kc{keys[k].name, keys[k].col->type, {}};
    for (std::size_t gi = 0; gi < g; ++gi) kc.cells.push_back(group_keys[gi][k] ? Cell{*group_keys[gi][k]} : Cell{});
    agg_page.columns.push_back(kc);
  }
  EvalCtx gctx{agg_page, ctx.warn, ctx.now_ms, ctx.query};
  for (auto& [name, ex] : outputs) {
    Column col = eval(*ex, gctx);
    col.name = name;
    set_column(out, std::move(col));
  }
  for (std::size_t k = 0; k < keys.size(); ++k) set_column(out, agg_page.columns[agg_page.columns.size() - keys.size() + k]);
  return {std::move(out), std::move(members), std::move(row_groups)};
}

// ---- DISSECT -------------------------------------------------------------------------------------

struct DissectKey {
  std::string name;
  bool skip = false, append = false, right_pad = false, ref_name = false, ref_value = false;
  int order = 0;
};
struct DissectPattern {
  std::string prefix;
  std::vector<DissectKey> keys;
  std::vector<std::string> delims;  // after each key
};

DissectPattern parse_dissect(const std::string& p, std::size_t offset) {
  DissectPattern d;
  std::size_t i = p.find("%{");
  d.prefix = p.substr(0, i);
  if (i == std::string::npos) throw QueryError("Invalid pattern for dissect: [" + p + "]", offset);
  while (i != std::string::npos) {
    std::size_t close = p.find('}', i);
    if (close == std::string::npos) throw QueryError("Invalid pattern for dissect: [" + p + "]", offset);
    std::string body = p.substr(i + 2, close - i - 2);
    DissectKey k;
    if (body.ends_with("->")) {
      k.right_pad = true;
      body.resize(body.size() - 2);
    }
    if (!body.empty() && body[0] == '?') { k.skip = true; body.erase(0, 1); }
    else if (!body.empty() && body[0] == '+') {
      k.append = true;
      body.erase(0, 1);
      std::size_t sl = body.find('/');
      if (sl != std::string::npos) {
        k.order = std::stoi(body.substr(sl + 1));
        body.resize(sl);
      }
    } else if (!body.empty() && body[0] == '*') { k.ref_name = true; body.erase(0, 1); }
    else if (!body.empty() && body[0] == '&') { k.ref_value = true; body.erase(0, 1); }
    if (body.empty()) k.skip = true;
    k.name = body;
    d.keys.push_back(k);
    std::size_t next = p.find("%{", close);
    d.delims.push_back(p.substr(close + 1, next == std::string::npos ? std::string::npos : next - close - 1));
    i = next;
  }
  return d;
}

std::optional<std::vector<std::pair<std::string, std::string>>> dissect(const DissectPattern& d, std::string_view s, const std::string& sep) {
  if (s.substr(0, d.prefix.size()) != d.prefix) return std::nullopt;
  std::size_t pos = d.prefix.size();
  std::vector<std::pair<const DissectKey*, std::string>> vals;
  for (std::size_t k = 0; k < d.keys.size(); ++k) {
    const std::string& delim = d.delims[k];
    std::string v;
    if (delim.empty()) {
      if (k + 1 == d.keys.size()) {
        v = std::string(s.substr(pos));
        pos = s.size();
      } else {
        v = "";
      }
    } else {
      std::size_t e = s.find(delim, pos);
      if (e == std::string_view::npos) return std::nullopt;
      v = std::string(s.substr(pos, e - pos));
      pos = e + delim.size();
      if (d.keys[k].right_pad)
        while (s.substr(pos, delim.size()) == delim) pos += delim.size();
    }
    vals.emplace_back(&d.keys[k], v);
  }
  std::vector<std::pair<std::string, std::string>> out;
  std::map<std::string, std::vector<std::pair<int, std::string>>> appends;
  std::map<std::string, std::string> ref_names, ref_values;
  std::vector<std::string> order;
  for (auto& [k, v] : vals) {
    if (k->skip) continue;
    if (k->ref_name) { ref_names[k->name] = v; continue; }
    if (k->ref_value) { ref_values[k->name] = v; continue; }
    if (std::find(order.begin(), order.end(), k->name) == order.end()) order.push_back(k->name);
    if (!k->append) appends[k->name].clear();  // a key given twice without `+`: the last value
    appends[k->name].emplace_back(k->order, v);
  }
  for (const auto& name : order) {
    auto list = appends[name];
    std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string joined;
    for (std::size_t i = 0; i < list.size(); ++i) joined += (i ? sep : "") + list[i].second;
    out.emplace_back(name, joined);
  }
  for (const auto& [k, n] : ref_names) out.emplace_back(n, ref_values[k]);
  return out;
}

// ---- GROK ----------------------------------------------------------------------------------------

// The standard grok patterns ES|QL's GROK uses (the Elasticsearch/Logstash "legacy" set), as RE2
// expressions; lookarounds of the originals are dropped (RE2 has none).
const std::map<std::string, std::string>& grok_patterns() {
  static const std::map<std::string, std::string> m = {
      {"USERNAME", "[a-zA-Z0-9._-]+"},
      {"USER", "%{USERNAME}"},
      {"EMAILLOCALPART", "[a-zA-Z0-9!#$%&'*+\\-/=?^_`{|}~]+(?:\\.[a-zA-Z0-9!$%&'*+\\-/=?^_`{|}~]+)*"},
      {"EMAILADDRESS", "%{EMAILLOCALPART}@%{HOSTNAME}"},
      {"INT", "(?:[+-]?(?:[0-9]+))"},
      {"BASE10NUM", "(?:[+-]?(?:(?:[0-9]+(?:\\.[0-9]+)?)|(?:\\.[0-9]+)))"},
      {"NUMBER", "(?:%{BASE10NUM})"},
      {"BASE16NUM", "(?:0[xX]?[0-9a-fA-F]+)"},
      {"POSINT", "\\b(?:[1-9][0-9]*)\\b"},
      {"NONNEGINT", "\\b(?:[0-9]+)\\b"},
      {"WORD", "\\b\\w+\\b"},
      {"NOTSPACE", "\\S+"},
      {"SPACE", "\\s*"},
      {"DATA", ".*?"},
      {"GREEDYDATA", ".*"},
      {"QUOTEDSTRING", "(?:\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`(?:[^`\\\\]|\\\\.)*`)"},
      {"QS", "%{QUOTEDSTRING}"},
      {"UUID", "[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}"},
      {"MAC", "(?:%{CISCOMAC}|%{WINDOWSMAC}|%{COMMONMAC})"},
      {"CISCOMAC", "(?:(?:[A-Fa-f0-9]{4}\\.){2}[A-Fa-f0-9]{4})"},
      {"WINDOWSMAC", "(?:(?:[A-Fa-f0-9]{2}-){5}[A-Fa-f0-9]{2})"},
      {"COMMONMAC", "(?:(?:[A-Fa-f0-9]{2}:){5}[A-Fa-f0-9]{2})"},
      {"IPV6", "(?:(?:(?:[0-9A-Fa-f]{1,4}:){7}(?:[0-9A-Fa-f]{1,4}|:))|(?:(?:[0-9A-Fa-f]{1,4}:){6}(?::[0-9A-Fa-f]{1,4}|(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(?:\\.(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3})|:))|(?:(?:[0-9A-Fa-f]{1,4}:){5}(?:(?:(?::[0-9A-Fa-f]{1,4}){1,2})|:(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(?:\\.(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3})|:))|(?:(?:[0-9A-Fa-f]{1,4}:){1,4}(?::[0-9A-Fa-f]{1,4}){1,3})|(?:(?:[0-9A-Fa-f]{1,4}:){1,6}:)|(?::(?::[0-9A-Fa-f]{1,4}){1,7})|(?:::))"},
      {"IPV4", "(?:(?:25[0-5]|2[0-4][0-9]|[0-1]?[0-9]{1,2})[.](?:25[0-5]|2[0-4][0-9]|[0-1]?[0-9]{1,2})[.](?:25[0-5]|2[0-4][0-9]|[0-1]?[0-9]{1,2})[.](?:25[0-5]|2[0-4][0-9]|[0-1]?[0-9]{1,2}))"},
      {"IP", "(?:%{IPV6}|%{IPV4})"},
      {"HOSTNAME", "\\b(?:[0-9A-Za-z][0-9A-Za-z-]{0,62})(?:\\.(?:[0-9A-Za-z][0-9A-Za-z-]{0,62}))*(?:\\.?|\\b)"},
      {"IPORHOST", "(?:%{IP}|%{HOSTNAME})"},
      {"HOSTPORT", "%{IPORHOST}:%{POSINT}"},
      {"PATH", "(?:%{UNIXPATH}|%{WINPATH})"},
      {"UNIXPATH", "(?:/[\\w_%!$@:.,+~-]*)+"},
      {"WINPATH", "(?:[A-Za-z]+:|\\\\)(?:\\\\[^\\\\?*]*)+"},
      {"URIPROTO", "[A-Za-z]([A-Za-z0-9+\\-.]+)+"},
      {"URIHOST", "%{IPORHOST}(?::%{POSINT})?"},
      {"URIPATH", "(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_\\-]*)+"},
      {"URIPARAM", "\\?[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\\-\\[\\]<>]*"},
      {"URIPATHPARAM", "%{URIPATH}(?:%{URIPARAM})?"},
      {"URI", "%{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?(?:%{URIHOST})?(?:%{URIPATHPARAM})?"},
      {"MONTH", "\\b(?:[Jj]an(?:uary|uar)?|[Ff]eb(?:ruary|ruar)?|[Mm](?:a|ä)?r(?:ch|z)?|[Aa]pr(?:il)?|[Mm]a(?:y|i)?|[Jj]un(?:e|i)?|[Jj]ul(?:y|i)?|[Aa]ug(?:ust)?|[Ss]ep(?:tember)?|[Oo](?:c|k)?t(?:ober)?|[Nn]ov(?:ember)?|[Dd]e(?:c|z)(?:ember)?)\\b"},
      {"MONTHNUM", "(?:0?[1-9]|1[0-2])"},
      {"MONTHNUM2", "(?:0[1-9]|1[0-2])"},
      {"MONTHDAY", "(?:(?:0[1-9])|(?:[12][0-9])|(?:3[01])|[1-9])"},
      {"DAY", "(?:Mon(?:day)?|Tue(?:sday)?|Wed(?:nesday)?|Thu(?:rsday)?|Fri(?:day)?|Sat(?:urday)?|Sun(?:day)?)"},
      {"YEAR", "(?:\\d\\d){1,2}"},
      {"HOUR", "(?:2[0123]|[01]?[0-9])"},
      {"MINUTE", "(?:[0-5][0-9])"},
      {"SECOND", "(?:(?:[0-5]?[0-9]|60)(?:[:.,][0-9]+)?)"},
      {"TIME", "%{HOUR}:%{MINUTE}(?::%{SECOND})?"},
      {"DATE_US", "%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}"},
      {"DATE_EU", "%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}"},
      {"ISO8601_TIMEZONE", "(?:Z|[+-]%{HOUR}(?::?%{MINUTE}))"},
      {"ISO8601_SECOND", "%{SECOND}"},
      {"TIMESTAMP_ISO8601", "%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?%{ISO8601_TIMEZONE}?"},
      {"DATE", "%{DATE_US}|%{DATE_EU}"},
      {"DATESTAMP", "%{DATE}[- ]%{TIME}"},
      {"TZ", "(?:[APMCE][SD]T|UTC)"},
      {"HTTPDATE", "%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} %{INT}"},
      {"SYSLOGTIMESTAMP", "%{MONTH} +%{MONTHDAY} %{TIME}"},
      {"PROG", "[\\x21-\\x5a\\x5c\\x5e-\\x7e]+"},
      {"SYSLOGPROG", "%{PROG:program}(?:\\[%{POSINT:pid}\\])?"},
      {"SYSLOGHOST", "%{IPORHOST}"},
      {"LOGLEVEL", "(?:[Aa]lert|ALERT|[Tt]race|TRACE|[Dd]ebug|DEBUG|[Nn]otice|NOTICE|[Ii]nfo?(?:rmation)?|INFO?(?:RMATION)?|[Ww]arn?(?:ing)?|WARN?(?:ING)?|[Ee]rr?(?:or)?|ERR?(?:OR)?|[Cc]rit?(?:ical)?|CRIT?(?:ICAL)?|[Ff]atal|FATAL|[Ss]evere|SEVERE|EMERG(?:ENCY)?|[Ee]merg(?:ency)?)"},
  };
  return m;
}

struct GrokField {
  std::string name;
  Type type = Type::Keyword;
};

// Expands %{NAME:field:type} into RE2 with named groups; fields in order of first appearance.
std::string expand_grok(const std::string& p, std::vector<GrokField>& fields, std::size_t offset, int& groups, int depth = 0) {
  if (depth > 20) throw QueryError("grok pattern nests too deeply", offset);
  std::string out;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '%' && i + 1 < p.size() && p[i + 1] == '{') {
      std::size_t close = p.find('}', i);
      if (close == std::string::npos) throw QueryError("Invalid GROK pattern [" + p + "]: unterminated %{", offset);
      std::string body = p.substr(i + 2, close - i - 2);
      std::vector<std::string> parts;
      std::size_t st = 0;
      for (std::size_t c = body.find(':'); ; c = body.find(':', st)) {
        parts.push_back(body.substr(st, c == std::string::npos ? std::string::npos : c - st));
        if (c == std::string::npos) break;
        st = c + 1;
      }
      auto it = grok_patterns().find(parts[0]);
      if (it == grok_patterns().end()) throw QueryError("Unable to find pattern [" + parts[0] + "] in Grok's pattern dictionary", offset);
      std::string inner = expand_grok(it->second, fields, offset, groups, depth + 1);
      if (parts.size() > 1 && !parts[1].empty()) {
        GrokField f{parts[1], Type::Keyword};
        if (parts.size() > 2) f.type = parts[2] == "int" ? Type::Integer : parts[2] == "float" || parts[2] == "double" ? Type::Double
                                       : parts[2] == "long" ? Type::Long : parts[2] == "boolean" ? Type::Boolean : Type::Keyword;
        std::size_t idx = fields.size();
        for (std::size_t k = 0; k < fields.size(); ++k)
          if (fields[k].name == f.name) idx = k;
        if (idx == fields.size()) fields.push_back(f);
        out += "(?P<g" + std::to_string(idx) + "_" + std::to_string(groups++) + ">" + inner + ")";
      } else {
        out += "(?:" + inner + ")";
      }
      i = close;
    } else if (p[i] == '(' && i + 2 < p.size() && p[i + 1] == '?' && p[i + 2] == '<' && i + 3 < p.size() && p[i + 3] != '=' && p[i + 3] != '!') {
      // (?<name>...) oniguruma named group
      std::size_t close = p.find('>', i);
      std::string name = p.substr(i + 3, close - i - 3);
      std::size_t idx = fields.size();
      for (std::size_t k = 0; k < fields.size(); ++k)
        if (fields[k].name == name) idx = k;
      if (idx == fields.size()) fields.push_back({name, Type::Keyword});
      out += "(?P<g" + std::to_string(idx) + "_" + std::to_string(groups++) + ">";
      i = close;
    } else {
      out += p[i];
    }
  }
  return out;
}

// ---- output ----------------------------------------------------------------------------------

std::string json_escape(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", c);
          out += b;
        } else out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string scalar_json(Type t, const Scalar& v) {
  switch (t) {
    case Type::Boolean: return v.i ? "true" : "false";
    case Type::Integer: case Type::Long: return std::to_string(v.i);
    case Type::UnsignedLong: return std::to_string(v.u);
    case Type::Double: {
      if (!std::isfinite(v.d)) return "null";
      return format_double(v.d);
    }
    case Type::Source: return v.s;  // the document itself, as Elasticsearch returns _source
    default: return json_escape(to_text(t, v));
  }
}

}  // namespace

std::string cell_json(Type t, const Cell& c) {
  if (c.empty()) return "null";
  if (c.size() == 1) return scalar_json(t, c[0]);
  std::string s = "[";
  for (std::size_t i = 0; i < c.size(); ++i) s += (i ? "," : "") + scalar_json(t, c[i]);
  return s + "]";
}

std::string result_json(const RunOutput& out) {
  std::string s = "{\"columns\":[";
  for (std::size_t i = 0; i < out.page.columns.size(); ++i) {
    const auto& c = out.page.columns[i];
    s += (i ? "," : "") + std::string("{\"name\":") + json_escape(c.name) + ",\"type\":\"" + std::string(type_name(c.type)) + "\"}";
  }
  s += "],\"values\":[";
  for (std::size_t r = 0; r < out.page.rows(); ++r) {
    s += r ? ",[" : "[";
    for (std::size_t i = 0; i < out.page.columns.size(); ++i) s += (i ? "," : "") + cell_json(out.page.columns[i].type, out.page.columns[i].cells[r]);
    s += "]";
  }
  s += "],\"warnings\":[";
  for (std::size_t i = 0; i < out.warnings.size(); ++i) s += (i ? "," : "") + json_escape(out.warnings[i]);
  return s + "]}";
}

namespace {

// METADATA _ignored: the fields of a document that Elasticsearch did not index, those whose
// keyword value is longer than the mapping's ignore_above (sub-fields included; a string field
// with no mapping gets the dynamic text + .keyword (ignore_above 256)) and those whose value the
// field's type cannot take (ignore_malformed: DocumentParserContext.addIgnoredField); sorted,
// each once.
Cell ignored_fields(const Index& idx, DynRef doc) {
  std::set<std::string> names;
  auto too_long = [](DynRef v, std::int64_t limit) {
    return limit >= 0 && v.is_string() && static_cast<std::int64_t>(elastic::java_length(v.as_string())) > limit;
  };
  for (const auto& path : leaf_paths(doc)) {
    std::optional<elastic::ResolvedField> rf = idx.types ? idx.types->lookup(path) : std::nullopt;
    for_each_value_at(doc, path, [&](DynRef v) {
      if (rf) {
        if (elastic::is_keyword_like(rf->mapping.type) && too_long(v, rf->mapping.ignore_above)) names.insert(path);
        if (value_is_malformed(v, rf->mapping.type_name)) names.insert(path);
        for (const auto& [sub, m] : rf->mapping.multi_fields)
          if (elastic::is_keyword_like(m.type) && too_long(v, m.ignore_above)) names.insert(path + "." + sub);
      } else if (!idx.types || idx.types->dynamic()) {
        if (too_long(v, 256)) names.insert(path + ".keyword");
      }
    });
  }
  Cell out;
  for (const auto& n : names) out.push_back(Scalar::of_str(n));
  return out;
}

// A document's dates hold one in the rule's window [from, to].
bool in_window(const Cell& timestamps, const std::pair<std::int64_t, std::int64_t>& window) {
  for (const auto& v : timestamps)
    if (v.i >= window.first && v.i <= window.second) return true;
  return false;
}

// The columns of a page that the rule's window reads (RunOptions::window_field, window_fallback).
struct WindowColumns {
  int primary = -1, fallback = -1;
};
WindowColumns window_columns(const Page& p, const RunOptions& o) {
  return {p.find(o.window_field), o.window_fallback.empty() || o.window_fallback == o.window_field ? -1 : p.find(o.window_fallback)};
}

// Row r of page p is in the rule's window (RunOptions::window): its window field holds a date in
// it, or it has no value of that field and the fallback holds one. A window field that is not a
// date field holds no date in any window (Kibana's range filter reads dates).
bool row_in_window(const Page& p, WindowColumns w, std::size_t r, const std::pair<std::int64_t, std::int64_t>& window) {
  if (w.primary >= 0) {
    const Column& c = p.columns[static_cast<std::size_t>(w.primary)];
    if (!c.cells[r].empty()) return c.type == Type::Date && in_window(c.cells[r], window);
  }
  if (w.fallback < 0) return false;
  const Column& f = p.columns[static_cast<std::size_t>(w.fallback)];
  return f.type == Type::Date && in_window(f.cells[r], window);
}

// METADATA _id, _index, _version (1: documents are written once) and _score (0: no scoring).
Cell document_metadata(const std::string& name, const std::string& id, const std::string& index) {
  if (name == "_id") return {Scalar::of_str(id)};
  if (name == "_index") return {Scalar::of_str(index)};
  if (name == "_version") return {Scalar::of_int(1)};
  return {Scalar::of_double(0)};
}

// The indices FROM's patterns choose, with their numbers in `all`.
void choose_indices(const Command& c, const std::vector<const Index*>& all, std::vector<const Index*>& chosen,
                    std::vector<std::size_t>& chosen_no) {
  for (const auto& pat : c.indices) {
    bool any = false;
    for (std::size_t k = 0; k < all.size(); ++k) {
      const Index& idx = *all[k];
      if (glob_match(pat, idx.name)) {
        any = true;
        if (std::find(chosen.begin(), chosen.end(), &idx) == chosen.end()) {
          chosen.push_back(&idx);
          chosen_no.push_back(k);
        }
      }
    }
    if (!any && pat.find('*') == std::string::npos) throw QueryError("Unknown index [" + pat + "]", c.offset + 5);
  }
}

// METADATA columns (empty); throws for the ones rulelab does not have.
std::vector<Column> metadata_columns(const Command& c) {
  std::vector<Column> meta;
  for (const auto& m : c.metadata) {
    if (m == "_id" || m == "_index") meta.push_back(Column{m, Type::Keyword, {}});
    else if (m == "_version") meta.push_back(Column{m, Type::Long, {}});
    else if (m == "_score") meta.push_back(Column{m, Type::Double, {}});
    else if (m == "_source") meta.push_back(Column{m, Type::Source, {}});
    else if (m == "_ignored") meta.push_back(Column{m, Type::Keyword, {}});
    else if (m == "_index_mode" || m == "_tsid")
      throw QueryError("metadata field [" + m + "] is not supported by rulelab", c.offset, true);
    else throw QueryError("unsupported metadata field [" + m + "]", c.offset);
  }
  return meta;
}

// rulelab's note on values of `field` (mapped as `mtype`) that its type refused (MalformedField).
std::string malformed_note(const Index& idx, const std::string& field, const std::string& mtype, const MalformedField& m) {
  if (m.index_value)
    return elastic::constant_conflict_note(idx.name + " (" + idx.file + ")", field, *m.index_value, m.values, m.first_line, m.first_value);
  return elastic::malformed_note(idx.name + " (" + idx.file + ")", field, mtype, m.values, m.first_line, m.first_value);
}

// The union of the indices' fields, sorted by name (as ES|QL lists an index's fields); a field the
// indices type two ways is unsupported.
std::vector<Column> union_columns(const std::vector<const Index*>& indices) {
  std::map<std::string, Type> cols;
  for (const Index* idx : indices)
    for (const auto& col : idx->data.columns) {
      auto [it, fresh] = cols.emplace(col.name, col.type);
      if (!fresh && it->second != col.type) it->second = Type::Unsupported;
    }
  std::vector<Column> out;
  for (const auto& [name, type] : cols) out.push_back(Column{name, type, {}});
  return out;
}

// Appends rows `sel` of `idx` to union_columns' columns (null where the index lacks the column or
// the column is unsupported).
void append_rows(std::vector<Column>& cols, const Index& idx, const std::vector<std::size_t>& sel) {
  for (auto& col : cols) {
    const int src = idx.data.find(col.name);
    for (auto r : sel) {
      if (src < 0 || col.type == Type::Unsupported) col.cells.emplace_back();
      else col.cells.push_back(idx.data.columns[static_cast<std::size_t>(src)].cells[r]);
    }
  }
}

Page source_page(const Command& c, const std::vector<const Index*>& all, const RunOptions& opts, std::vector<std::string>& names,
                 std::map<std::size_t, std::pair<std::size_t, std::size_t>>& documents, std::vector<std::string>& notes,
                 std::map<std::size_t, std::size_t>& excluded, std::map<std::size_t, std::size_t>& seen) {
  Page out;
  std::vector<const Index*> chosen;
  std::vector<std::size_t> chosen_no;
  choose_indices(c, all, chosen, chosen_no);
  for (const Index* idx : chosen)
    if (idx->unreadable)
      notes.push_back("index " + idx->name + " (" + idx->file + "): " + std::to_string(idx->unreadable) +
                      " line(s) are not a document Elasticsearch indexes and are left out (the first at line " +
                      std::to_string(idx->first_unreadable_line) + ": " + idx->first_unreadable_reason + ")");
  for (const Index* idx : chosen)
    for (const auto& [field, m] : idx->malformed) {
      std::optional<elastic::ResolvedField> rf = idx->types ? idx->types->lookup(field) : std::nullopt;
      const int col = idx->data.find(field);
      const std::string mtype = rf ? rf->mapping.type_name
                                   : col >= 0 ? std::string(type_name(idx->data.columns[static_cast<std::size_t>(col)].type)) : "its type";
      notes.push_back(malformed_note(*idx, field, mtype, m));
    }
  for (const Index* idx : all) names.push_back(idx->name);
  out.columns = union_columns(chosen);
  std::vector<Column> meta = metadata_columns(c);
  for (std::size_t ci = 0; ci < chosen.size(); ++ci) {
    const Index& idx = *chosen[ci];
    std::size_t rows = idx.data.rows();
    const WindowColumns wc = window_columns(idx.data, opts);
    std::vector<std::size_t> sel;
    for (std::size_t r = 0; r < rows; ++r) {
      if (opts.window && !row_in_window(idx.data, wc, r, *opts.window)) continue;
      if (idx.excluded(r)) {
        ++excluded[chosen_no[ci]];
        continue;
      }
      if (idx.seen(r)) {
        ++seen[chosen_no[ci]];
        continue;
      }
      sel.push_back(r);
    }
    append_rows(out.columns, idx, sel);
    for (auto& m : meta)
      for (auto r : sel) {
        if (m.name == "_id" || m.name == "_index" || m.name == "_version" || m.name == "_score")
          m.cells.push_back(document_metadata(m.name, idx.doc_ids[r], idx.name));
        else if (m.name == "_source") m.cells.push_back(r < idx.sources.size() ? Cell{Scalar::of_str(to_json(idx.sources[r].ref()))} : Cell{});
        else m.cells.push_back(r < idx.sources.size() ? ignored_fields(idx, idx.sources[r].ref()) : Cell{});  // _ignored
      }
    for (auto r : sel) out.origin.push_back(static_cast<std::int64_t>(chosen_no[ci]) << 32 | static_cast<std::int64_t>(r));
    documents[chosen_no[ci]] = {rows, sel.size()};
  }
  for (auto& m : meta) set_column(out, std::move(m));
  return out;
}


void field_names(const Expr& e, std::vector<std::string>& out) {
  if (e.kind == ExprKind::Field && std::find(out.begin(), out.end(), e.name) == out.end()) out.push_back(e.name);
  for (const auto& a : e.args) field_names(*a, out);
}

// Each condition of a WHERE (its top-level AND operands) on row `r` of the page it filtered.
std::vector<TracePart> judge_where(const Command& c, const Page& page, std::size_t r, const RunOptions& opts, const std::vector<const Index*>& all,
                                   const char* not_source, std::string_view query) {
  std::vector<ExprPtr> parts;
  and_parts(c.expr, parts);
  Warnings quiet(query);  // the real run already reported this evaluation's warnings
  std::vector<TracePart> out;
  for (const auto& p : parts) {
    TracePart tp;
    tp.text = expr_text(*p, query);
    EvalCtx ctx{page, quiet, opts.now_ms, query, &all, not_source};
    try {
      Column v = eval(*p, ctx);
      tp.value = v.cells[r].empty() ? "null" : truthy(v.cells[r]) ? "true" : "false";
    } catch (const QueryError& e) {
      tp.value = std::string("error: ") + e.what();
    }
    std::vector<std::string> names;
    field_names(*p, names);
    for (const auto& n : names) {
      int i = page.find(n);
      if (i >= 0) tp.fields.emplace_back(n, cell_json(page.columns[static_cast<std::size_t>(i)].type, page.columns[static_cast<std::size_t>(i)].cells[r]));
    }
    out.push_back(std::move(tp));
  }
  return out;
}

// Explain's state while a query runs: the page origins that carry the traced document (after
// STATS, the ids of its groups), those rows before the current command, and what it did.
struct TraceState {
  std::set<std::int64_t> ids;
  std::vector<std::size_t> before;
  TraceStep step;
};

// The command that made rows something else than source documents, before command `ci`.
const char* not_source_before(const Query& q, std::size_t ci) {
  const char* ns = nullptr;
  for (std::size_t k = 0; k < ci; ++k) {
    if (q.commands[k].kind == CommandKind::From) ns = nullptr;
    else if (q.commands[k].kind == CommandKind::Row) ns = "ROW";
    else if (q.commands[k].kind == CommandKind::Stats) ns = "STATS";
    else if (q.commands[k].kind == CommandKind::Fork) ns = "FORK";
  }
  return ns;
}

// A command's text as written, without the whitespace before the next `|`.
std::string command_text(std::string_view text, const Command& c) {
  std::string_view s = text.substr(std::min(c.offset, text.size()), c.end > c.offset ? c.end - c.offset : 0);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// LOOKUP JOIN's family of a join key's type (ES|QL "LOOKUP JOIN", data type compatibility): keys
// join within a family; 0: the type cannot be a join key on the lookup side.
int join_family(Type t, bool lookup_side) {
  switch (t) {
    case Type::Integer:
    case Type::Long:
    case Type::Double: return 1;
    case Type::Keyword: return 2;
    case Type::Text: return lookup_side ? 0 : 2;  // a text field only on the left (its keyword value)
    case Type::Date: return 3;
    case Type::Boolean: return 4;
    case Type::Ip: return 5;
    default: return 0;
  }
}

// The term a join key value is looked up by: numbers of the numeric family compare by value (an
// integral double is the long it equals).
std::string join_term(Type t, const Scalar& v) {
  switch (t) {
    case Type::Integer:
    case Type::Long: return "n" + std::to_string(v.i);
    case Type::Double:
      if (std::isfinite(v.d) && v.d == std::trunc(v.d) && std::fabs(v.d) < 9.2e18) return "n" + std::to_string(static_cast<std::int64_t>(v.d));
      return "d" + format_double(v.d);
    case Type::Date: return "t" + std::to_string(v.i);
    case Type::Boolean: return v.i ? "b1" : "b0";
    default: return "s" + v.s;  // keyword, text, ip (16 bytes)
  }
}

// LOOKUP JOIN <index> ON <fields> (ES|QL reference "LOOKUP JOIN"; Join.computeOutput; the REST
// tests of 190_lookup_join): a left join. Each row meets the lookup documents whose join fields
// equal its own (all of them, when several are named); it is kept once with nulls when none does,
// and repeated once per document otherwise. A multi-valued key matches nothing, on either side
// (a row's multi-value with Elasticsearch's warning). The lookup index's fields other than the
// join fields are added after the row's columns, in the index's order (by name), and replace
// any column of the same name.
// With a trace, the step's note says which lookup documents the event's row met (explain).
std::string data_type_name(Type t);

// The rows a LOOKUP JOIN makes: the row's columns that lookup fields do not replace, then the
// lookup fields (by name; those in `not_added` left out), a row per matching document or one with
// nulls (a left join).
struct LookupRows {
  const Page& page;
  const Page& right;
  std::vector<std::size_t> kept, added;
  Page out;
  LookupRows(const Page& p, const Page& r, const std::set<std::string>& not_added) : page(p), right(r) {
    for (std::size_t k = 0; k < right.columns.size(); ++k)
      if (!not_added.count(right.columns[k].name)) added.push_back(k);
    std::sort(added.begin(), added.end(), [&](std::size_t a, std::size_t b) { return right.columns[a].name < right.columns[b].name; });
    std::set<std::string> replaced;
    for (std::size_t k : added) replaced.insert(right.columns[k].name);
    for (std::size_t k = 0; k < page.columns.size(); ++k)
      if (!replaced.count(page.columns[k].name)) {
        kept.push_back(k);
        out.columns.push_back(Column{page.columns[k].name, page.columns[k].type, {}});
      }
    for (std::size_t k : added) out.columns.push_back(Column{right.columns[k].name, right.columns[k].type, {}});
  }
  void emit(std::size_t r, const std::vector<std::size_t>& matches) {
    const std::size_t times = std::max<std::size_t>(1, matches.size());
    for (std::size_t m = 0; m < times; ++m) {
      for (std::size_t j = 0; j < kept.size(); ++j) out.columns[j].cells.push_back(page.columns[kept[j]].cells[r]);
      for (std::size_t j = 0; j < added.size(); ++j)
        out.columns[kept.size() + j].cells.push_back(matches.empty() ? Cell{} : right.columns[added[j]].cells[matches[m]]);
      out.origin.push_back(page.origin[r]);
    }
  }
};

// Explain's note on the lookup documents a row met (file:line of the first five).
std::string met_note(const std::string& what, const std::vector<std::size_t>& matches,
                     const std::vector<std::pair<const Index*, std::size_t>>& doc_of, const std::string& name) {
  std::string note = what + " met " + std::to_string(matches.size()) + " document(s) of " + name + " (";
  for (std::size_t m = 0; m < matches.size() && m < 5; ++m) {
    const auto& [idx, row] = doc_of[matches[m]];
    note += (m ? ", " : "") + idx->file + ":" + std::to_string(row < idx->lines.size() ? idx->lines[row] : row + 1);
  }
  note += matches.size() > 5 ? ", ...)" : ")";
  if (matches.size() > 1) note += ": a row for each";
  return note;
}

void lookup_multi_warning(Warnings& warn, const Command& c, std::string_view text) {
  warn.add(warn.where(c.offset) + "evaluation of [" + command_text(text, c) + "] failed, treating result as null. Only first 20 failures recorded.");
  warn.add(warn.where(c.offset) + "java.lang.IllegalArgumentException: LOOKUP JOIN encountered multi-value");
}

// The rows a join makes, counted as they are found: more than --max-rows is the query's error
// before any is made (as MV_EXPAND's).
struct JoinBudget {
  std::uint64_t max_rows = 0;
  std::uint64_t rows = 0;
  const Command& c;
  void add(std::size_t matches) {
    rows += std::max<std::size_t>(1, matches);
    if (max_rows && rows > max_rows)
      throw QueryError("LOOKUP JOIN would make more than " + std::to_string(max_rows) +
                           " rows (rulelab's --max-rows; Elasticsearch's circuit breaker may refuse such a query too)",
                       c.offset);
  }
};

// LOOKUP JOIN ... ON an expression (9.2; the LOOKUP JOIN reference page, Elasticsearch's
// LogicalPlanBuilder, Analyzer.resolveAndOrientJoinCondition, ExpressionQueryList and
// BinaryComparisonQueryList, lookup-join-expression.csv-spec): predicates AND-ed, each comparing
// a column of the rows with a field of the lookup index (==, !=, <, <=, >, >=; written either
// way round; NOT (a == b) is a != b). A conjunct over lookup fields alone filters the lookup
// documents (9.3). A row meets every lookup document that satisfies all predicates, each side
// single-valued and not null (a null row value meets none; a multi-valued one none, with the
// warning); every lookup field is added after the row's columns, replacing same-named ones.
void lookup_join_on(const Command& c, Page& page, const Page& right, const std::vector<std::pair<const Index*, std::size_t>>& doc_of,
                    const std::string& name, Warnings& warn, std::string_view text, TraceState* trace, std::uint64_t max_rows) {
  auto src = [&](const Expr& e) { return std::string(text.substr(e.begin, e.end - e.begin)); };
  std::vector<ExprPtr> conj;
  and_parts(c.expr, conj);
  struct Pred {
    std::size_t left, right;  // columns of the rows and of the lookup documents
    std::string op;           // the rows' value op the document's
    const Expr* at;
  };
  std::vector<Pred> preds;
  std::vector<ExprPtr> lookup_filters;
  const Expr* unsupported = nullptr;  // the first conjunct neither a predicate across the sides nor a lookup filter
  auto side = [&](const Expr& f) -> int {  // 0: the rows, 1: the lookup index
    const bool l = page.find(f.name) >= 0, r = right.find(f.name) >= 0;
    if (l && r)
      throw QueryError("Reference [" + f.name + "] is ambiguous (to disambiguate use quotes or qualifiers): a column of the rows and a field of the lookup index [" + name +
                           "] (each name in the join condition must be on one side only; RENAME one)",
                       f.begin);
    if (!l && !r) throw QueryError("Unknown column [" + f.name + "]", f.begin);
    return r ? 1 : 0;
  };
  auto flip = [](const std::string& op) -> std::string {
    if (op == "<") return ">";
    if (op == ">") return "<";
    if (op == "<=") return ">=";
    if (op == ">=") return "<=";
    return op;
  };
  for (const auto& x : conj) {
    const Expr* cmp = x.get();
    std::string op;
    if (cmp->kind == ExprKind::Not && cmp->args[0]->kind == ExprKind::Compare && cmp->args[0]->name == "==") {
      cmp = cmp->args[0].get();
      op = "!=";
    } else if (cmp->kind == ExprKind::Compare && cmp->name != "=~") {
      op = cmp->name;
    }
    if (!op.empty() && cmp->args[0]->kind == ExprKind::Field && cmp->args[1]->kind == ExprKind::Field) {
      const int a = side(*cmp->args[0]), b = side(*cmp->args[1]);
      if (a != b) {
        const Expr& lf = a == 0 ? *cmp->args[0] : *cmp->args[1];
        const Expr& rf = a == 0 ? *cmp->args[1] : *cmp->args[0];
        preds.push_back({static_cast<std::size_t>(page.find(lf.name)), static_cast<std::size_t>(right.find(rf.name)), a == 0 ? op : flip(op), x.get()});
        continue;
      }
    }
    // Not a predicate across the sides: a filter on the lookup documents when it reads lookup
    // fields only (9.3), else Elasticsearch's error.
    std::vector<std::string> names;
    field_names(*x, names);
    bool lookup_only = !names.empty();
    for (const auto& n : names) lookup_only = lookup_only && right.find(n) >= 0 && page.find(n) < 0;
    // ... and only shapes Elasticsearch translates to a Lucene query on the lookup index
    // (isCompletelyRightSideAndTranslatable): field op constant, IS [NOT] NULL, LIKE / RLIKE, IN
    // of constants, the full-text and string-prefix functions, and AND / OR / NOT of these.
    auto pushable = [&](const Expr& e, const auto& self) -> bool {
      switch (e.kind) {
        case ExprKind::And: case ExprKind::Or: case ExprKind::Not:
          for (const auto& a : e.args)
            if (!self(*a, self)) return false;
          return true;
        case ExprKind::Compare:
          return (e.args[0]->kind == ExprKind::Field && is_constant(*e.args[1])) ||
                 (e.args[1]->kind == ExprKind::Field && is_constant(*e.args[0]));
        case ExprKind::IsNull: case ExprKind::Like: case ExprKind::RLike: case ExprKind::Match:
          return e.args[0]->kind == ExprKind::Field;
        case ExprKind::In:
          if (e.args[0]->kind != ExprKind::Field) return false;
          for (std::size_t k = 1; k < e.args.size(); ++k)
            if (!is_constant(*e.args[k])) return false;
          return true;
        case ExprKind::Call: {
          static constexpr const char* fns[] = {"match", "match_phrase", "multi_match", "qstr", "kql", "starts_with", "ends_with", "cidr_match"};
          if (std::none_of(std::begin(fns), std::end(fns), [&](const char* f) { return e.name == f; })) return false;
          for (std::size_t k = 0; k < e.args.size(); ++k)
            if (!(k == 0 && e.args[0]->kind == ExprKind::Field) && !is_constant(*e.args[k])) return false;
          return true;
        }
        default: return false;
      }
    };
    lookup_only = lookup_only && pushable(*x, pushable);
    if (!lookup_only && !unsupported) unsupported = x.get();
    if (lookup_only) lookup_filters.push_back(x);
  }
  if (preds.empty() && !unsupported)
    throw QueryError("JOIN ON clause with expressions must contain at least one condition relating the left index and the lookup index",
                     c.expr->begin);
  if (unsupported) throw QueryError("Unsupported join filter expression:" + src(*unsupported), unsupported->begin);
  // Types: the comparison's own check, then the join's (Join.postAnalysisVerification).
  for (const auto& p : preds) {
    const Column& lc = page.columns[p.left];
    const Column& rc = right.columns[p.right];
    Page probe;
    probe.columns.push_back(Column{"l", lc.type, {}});
    probe.columns.push_back(Column{"r", rc.type, {}});
    Warnings scratch(text);
    EvalCtx pctx{probe, scratch, 0, text};
    Expr l, r, e;
    l.kind = r.kind = ExprKind::Field;
    l.name = "l";
    r.name = "r";
    e.kind = ExprKind::Compare;
    e.name = p.op;
    e.begin = p.at->begin;
    e.end = p.at->end;
    e.args = {std::make_shared<Expr>(l), std::make_shared<Expr>(r)};
    eval(e, pctx);  // (throws the comparison's type error)
    if (!join_family(rc.type, true))
      throw QueryError("JOIN with right field [" + rc.name + "] of type [" + data_type_name(rc.type) + "] is not supported", p.at->begin);
    if (join_family(lc.type, false) != join_family(rc.type, true))
      throw QueryError("JOIN left field [" + lc.name + "] of type [" + data_type_name(lc.type) + "] is incompatible with right field [" + rc.name +
                           "] of type [" + data_type_name(rc.type) + "]",
                       p.at->begin);
  }
  // The lookup documents the filters keep (evaluated as a WHERE on the lookup index).
  std::vector<std::size_t> docs(right.rows());
  std::iota(docs.begin(), docs.end(), 0);
  for (const auto& f : lookup_filters) {
    EvalCtx rctx{right, warn, 0, text};
    Column b = eval(*f, rctx);
    std::vector<std::size_t> kept;
    for (std::size_t d : docs)
      if (b.cells[d].size() == 1 && b.cells[d][0].i) kept.push_back(d);
    docs = std::move(kept);
  }
  LookupRows rows(page, right, {});  // (every lookup field, the condition's too)
  auto holds = [](const std::string& op, int cmp) {
    if (op == "==") return cmp == 0;
    if (op == "!=") return cmp != 0;
    if (op == "<") return cmp < 0;
    if (op == "<=") return cmp <= 0;
    if (op == ">") return cmp > 0;
    return cmp >= 0;
  };
  // With an == predicate, the candidates of a row are the documents of its value (hashed once);
  // else every document the filters kept.
  std::optional<std::size_t> eq;
  for (std::size_t k = 0; k < preds.size() && !eq; ++k)
    if (preds[k].op == "==") eq = k;
  std::unordered_map<std::string, std::vector<std::size_t>> by_value;
  if (eq)
    for (std::size_t d : docs) {
      const Cell& v = right.columns[preds[*eq].right].cells[d];
      if (v.size() == 1) by_value[join_term(right.columns[preds[*eq].right].type, v[0])].push_back(d);
    }
  const std::vector<std::size_t> none;
  bool multi = false;
  JoinBudget budget{max_rows, 0, c};
  std::vector<std::vector<std::size_t>> found(page.rows());
  std::vector<bool> usable_rows(page.rows(), false);
  for (std::size_t r = 0; r < page.rows(); ++r) {
    std::vector<std::size_t>& matches = found[r];
    // The row's values, predicate by predicate: the first null or multi-valued one ends the
    // row's query (a null: no match; a multi-value: no match and the warning).
    bool usable = true;
    for (const auto& p : preds) {
      const std::size_t nv = page.columns[p.left].cells[r].size();
      if (nv == 1) continue;
      if (nv > 1) multi = true;
      usable = false;
      break;
    }
    usable_rows[r] = usable;
    const std::vector<std::size_t>* candidates = &docs;
    if (usable && eq) {
      const Column& lc = page.columns[preds[*eq].left];
      auto it = by_value.find(join_term(lc.type, lc.cells[r][0]));
      candidates = it == by_value.end() ? &none : &it->second;
    }
    if (usable)
      for (std::size_t d : *candidates) {
        bool all = true;
        for (std::size_t k = 0; k < preds.size() && all; ++k) {
          const Pred& p = preds[k];
          const Cell& rv = right.columns[p.right].cells[d];
          if (rv.size() != 1) {
            all = false;
            break;
          }
          const Column& lc = page.columns[p.left];
          all = holds(p.op, compare_scalar(lc.type, lc.cells[r][0], right.columns[p.right].type, rv[0]));
        }
        if (all) matches.push_back(d);
      }
    budget.add(matches.size());
  }
  for (std::size_t r = 0; r < page.rows(); ++r) {
    const std::vector<std::size_t>& matches = found[r];
    const bool usable = usable_rows[r];
    if (trace && std::find(trace->before.begin(), trace->before.end(), r) != trace->before.end() && trace->step.note.empty()) {
      std::string cond = src(*c.expr);
      if (!usable) {
        trace->step.note = "a column the condition reads is null or multi-valued on the event's row: it meets no document of " + name +
                           ", whose fields are null";
      } else if (matches.empty()) {
        trace->step.note = "no document of " + name + " satisfies " + cond + " with the row: its fields are null (a left join keeps the row)";
      } else {
        trace->step.note = met_note(cond, matches, doc_of, name);
      }
    }
    rows.emit(r, matches);
  }
  if (multi) lookup_multi_warning(warn, c, text);
  page = std::move(rows.out);
}

void lookup_join(const Command& c, Page& page, const std::vector<const Index*>& all, Warnings& warn, std::string_view text,
                 TraceState* trace, std::uint64_t max_rows) {
  if (c.indices.empty())
    throw QueryError("LOOKUP without JOIN (a table of the request) is not supported by rulelab", c.offset, true);
  const std::string& name = c.indices[0];
  const std::size_t at = c.pattern_offsets.empty() ? c.offset : c.pattern_offsets[0];
  if (name.find('*') != std::string::npos) throw QueryError("invalid index pattern [" + name + "], * is not allowed in LOOKUP JOIN", at);
  if (name.find(',') != std::string::npos || name.find(':') != std::string::npos)
    throw QueryError("invalid index pattern [" + name + "]: LOOKUP JOIN takes one index of this cluster", at);
  // The lookup index: every --data file given that name (their documents in order, their fields
  // merged as FROM merges indices: a field typed two ways is unsupported).
  std::vector<const Index*> parts;
  for (const Index* idx : all)
    if (idx->name == name) parts.push_back(idx);
  if (parts.empty()) throw QueryError("Unknown index [" + name + "] (a lookup index is given as data: --data " + name + "=FILE)", at);
  for (const Index* idx : parts)
    if (idx->streamed()) throw QueryError("the lookup index [" + name + "] was not loaded", at);
  Page merged;
  std::vector<std::pair<const Index*, std::size_t>> doc_of;  // per lookup row: its index and row there
  if (parts.size() > 1) merged.columns = union_columns(parts);
  for (const Index* idx : parts) {
    std::vector<std::size_t> rows(idx->data.rows());
    std::iota(rows.begin(), rows.end(), 0);
    if (parts.size() > 1) {
      append_rows(merged.columns, *idx, rows);
      merged.origin.insert(merged.origin.end(), rows.size(), -1);
    }
    for (std::size_t r : rows) doc_of.emplace_back(idx, r);
  }
  const Page& right = parts.size() > 1 ? merged : parts[0]->data;
  if (c.expr) {
    lookup_join_on(c, page, right, doc_of, name, warn, text, trace, max_rows);
    return;
  }
  struct Key {
    std::size_t left, right;
    Type lt, rt;
  };
  std::vector<Key> keys;
  for (std::size_t k = 0; k < c.patterns.size(); ++k) {
    const std::string& f = c.patterns[k];
    const std::size_t fat = k + 1 < c.pattern_offsets.size() ? c.pattern_offsets[k + 1] : c.offset;
    const int l = page.find(f);
    if (l < 0) throw QueryError("Unknown column [" + f + "] in left side of join", fat);
    const int r = right.find(f);
    if (r < 0) throw QueryError("Unknown column [" + f + "] in right side of join", fat);
    const Type lt = page.columns[static_cast<std::size_t>(l)].type, rt = right.columns[static_cast<std::size_t>(r)].type;
    if (!join_family(rt, true))
      throw QueryError("JOIN with right field [" + f + "] of type [" + data_type_name(rt) + "] is not supported", fat);
    if (join_family(lt, false) != join_family(rt, true))
      throw QueryError("JOIN left field [" + f + "] of type [" + data_type_name(lt) + "] is incompatible with right field [" + f + "] of type [" +
                           data_type_name(rt) + "]",
                       fat);
    keys.push_back({static_cast<std::size_t>(l), static_cast<std::size_t>(r), lt, rt});
  }
  // The lookup documents by their first key's (single) value.
  std::unordered_map<std::string, std::vector<std::size_t>> docs;
  for (std::size_t d = 0; d < right.rows(); ++d) {
    const Cell& v = right.columns[keys[0].right].cells[d];
    if (v.size() == 1) docs[join_term(keys[0].rt, v[0])].push_back(d);
  }
  // Output: the row's columns that the lookup fields do not replace, then those fields (the join
  // fields left out: the row's are kept).
  LookupRows rows(page, right, std::set<std::string>(c.patterns.begin(), c.patterns.end()));
  bool multi = false;
  JoinBudget budget{max_rows, 0, c};
  std::vector<std::vector<std::size_t>> found(page.rows());
  std::vector<bool> single_rows(page.rows(), false);
  for (std::size_t r = 0; r < page.rows(); ++r) {
    std::vector<std::size_t>& matches = found[r];
    bool single = true;
    for (const Key& k : keys) {
      const std::size_t n = page.columns[k.left].cells[r].size();
      if (n > 1) multi = true;
      single = single && n == 1;
    }
    single_rows[r] = single;
    if (single) {
      auto it = docs.find(join_term(keys[0].lt, page.columns[keys[0].left].cells[r][0]));
      if (it != docs.end())
        for (std::size_t d : it->second) {
          bool all_keys = true;
          for (std::size_t k = 1; k < keys.size() && all_keys; ++k) {
            const Cell& rv = right.columns[keys[k].right].cells[d];
            all_keys = rv.size() == 1 && join_term(keys[k].rt, rv[0]) == join_term(keys[k].lt, page.columns[keys[k].left].cells[r][0]);
          }
          if (all_keys) matches.push_back(d);
        }
    }
    budget.add(matches.size());
  }
  for (std::size_t r = 0; r < page.rows(); ++r) {
    const std::vector<std::size_t>& matches = found[r];
    const bool single = single_rows[r];
    if (trace && std::find(trace->before.begin(), trace->before.end(), r) != trace->before.end() && trace->step.note.empty()) {
      std::string key;
      for (std::size_t k = 0; k < keys.size(); ++k)
        key += (k ? ", " : "") + c.patterns[k] + " = " + cell_json(keys[k].lt, page.columns[keys[k].left].cells[r]);
      if (!single) {
        trace->step.note = "the row's " + key + " matches nothing (a null or multi-valued key): the fields of " + name + " are null";
      } else if (matches.empty()) {
        trace->step.note = "no document of " + name + " has " + key + ": its fields are null (a left join keeps the row)";
      } else {
        trace->step.note = met_note(key, matches, doc_of, name);
      }
    }
    rows.emit(r, matches);
  }
  if (multi) lookup_multi_warning(warn, c, text);
  page = std::move(rows.out);
}

// COMPLETION [column =] prompt WITH endpoint ("COMPLETION" reference): each row's prompt (its
// values joined by newlines, as Elasticsearch's InputTextReader reads a multi-value; null gives
// null without asking) is answered by the first of the user's answers that fits (--completion),
// in a keyword column that replaces one of the same name. A prompt no answer fits is an error.
void completion(const Command& c, Page& page, EvalCtx& ctx, const RunOptions& opts, RunOutput& out_notes, TraceState* trace) {
  if ((c.fields.empty() || c.field.empty()) && opts.completions)
    throw QueryError("syntax error: expected COMPLETION [column =] prompt WITH { \"inference_id\": \"...\" }", c.offset);
  if (c.fields.empty() || c.field.empty())
    throw QueryError("COMPLETION needs an inference endpoint of an Elasticsearch cluster; rulelab has none", c.offset, true, true);
  if (!opts.completions)
    throw QueryError("COMPLETION needs an inference endpoint of an Elasticsearch cluster; rulelab has none (give its answers with "
                     "--completion FILE)",
                     c.offset, true, true);
  // Elasticsearch 9.3+ hands COMPLETION at most 100 rows (esql.command.completion.limit, applied
  // before the command): the rows after them are dropped.
  constexpr std::size_t kCompletionLimit = 100;
  if (page.rows() > kCompletionLimit) {
    out_notes.notes.push_back("COMPLETION reads at most " + std::to_string(kCompletionLimit) +
                              " rows (esql.command.completion.limit, Elasticsearch 9.3 and later): " +
                              std::to_string(page.rows() - kCompletionLimit) + " row(s) after them dropped before it");
    std::vector<std::size_t> first(kCompletionLimit);
    std::iota(first.begin(), first.end(), 0);
    keep_rows(page, first);
  }
  const Assign& a = c.fields[0];
  Column prompt = eval(*a.expr, ctx);
  if (!is_string(prompt.type) && prompt.type != Type::Null)
    throw QueryError("prompt must be of type [text] but is [" + std::string(type_name(prompt.type)) + "]", a.expr->begin);
  Column out{a.name, Type::Keyword, {}};
  out.cells.reserve(page.rows());
  for (std::size_t r = 0; r < page.rows(); ++r) {
    const Cell& v = prompt.cells[r];
    if (v.empty()) {
      out.cells.emplace_back();
      continue;
    }
    std::string text;
    for (std::size_t k = 0; k < v.size(); ++k) text += (k ? "\n" : "") + v[k].s;
    const CompletionAnswer* hit = nullptr;
    for (const auto& ans : *opts.completions)
      if ((ans.inference_id.empty() || ans.inference_id == c.field) && (ans.prompt_contains.empty() || text.find(ans.prompt_contains) != std::string::npos)) {
        hit = &ans;
        break;
      }
    if (!hit) {
      std::string shown = text.size() > 120 ? text.substr(0, 120) + "..." : text;
      throw QueryError("no --completion answer fits the prompt of row " + std::to_string(r + 1) + " (endpoint " + c.field + "): \"" + shown + "\"",
                       c.offset);
    }
    if (trace && trace->step.note.empty() && std::find(trace->before.begin(), trace->before.end(), r) != trace->before.end()) {
      const std::string said = hit->response ? (hit->response->size() > 120 ? hit->response->substr(0, 120) + "..." : *hit->response) : "null";
      trace->step.note = "answered by " + hit->file + (hit->element ? "[" + std::to_string(hit->element) + "]" : ":" + std::to_string(hit->line)) +
                         " (stands in for " + c.field + "): " + said;
    }
    if (hit->response) out.cells.push_back(Cell{Scalar::of_str(*hit->response)});
    else out.cells.emplace_back();
  }
  set_column(page, std::move(out));
}

// Runs command `ci` of the query over `page`.
void run_fork(const Query& q, std::size_t ci, Page& page, Warnings& warn, const RunOptions& opts, RunOutput& out,
              const std::vector<const Index*>& all, TraceState* trace);
void finish(Page& page, const RunOptions& opts, std::size_t cap);
std::size_t result_cap(const std::vector<Command>& cmds);
std::size_t result_cap(const Query& q);

void run_command(const Query& q, std::size_t ci, Page& page, Warnings& warn, const RunOptions& opts, RunOutput& out,
                 const std::vector<const Index*>& all, TraceState* trace = nullptr) {
  const Command& c = q.commands[ci];
  const char* not_source = not_source_before(q, ci);
  EvalCtx ctx{page, warn, opts.now_ms, q.text, &all, not_source};
  switch (c.kind) {
    case CommandKind::From: page = source_page(c, all, opts, out.index_names, out.documents, out.notes, out.excluded, out.seen); break;
    case CommandKind::Row: {
      Page one;
      one.origin = {-1};
      for (const auto& f : c.fields) {
        EvalCtx rctx{one, warn, opts.now_ms, q.text};
        Column col = eval(*f.expr, rctx);
        col.name = f.name;
        set_column(one, std::move(col));
      }
      page = std::move(one);
      break;
    }
    case CommandKind::Where: {
      Column b = eval(*c.expr, ctx);
      if (b.type != Type::Boolean && b.type != Type::Null)
        throw QueryError("Condition expression needs to be boolean, found [" + std::string(type_name(b.type)) + "]", c.expr->begin);
      std::vector<std::size_t> keep;
      for (std::size_t r = 0; r < page.rows(); ++r)
        if (truthy(b.cells[r])) keep.push_back(r);
      if (trace)
        for (auto r : trace->before)
          if (!truthy(b.cells[r])) {
            trace->step.parts = judge_where(c, page, r, opts, all, not_source, q.text);
            break;
          }
      keep_rows(page, keep);
      break;
    }
    case CommandKind::Eval:
      for (const auto& f : c.fields) {
        EvalCtx ectx{page, warn, opts.now_ms, q.text, &all, not_source};
        Column col = eval(*f.expr, ectx);
        col.name = f.name;
        set_column(page, std::move(col));
      }
      break;
    case CommandKind::Stats: {
      StatsResult sr = run_stats(c, page, ctx);
      page = std::move(sr.groups);
      out.aggregating = true;
      // Group rows get their own ids (negative: not documents), so later commands can be traced.
      std::set<std::int64_t> groups_of_traced;
      page.origin.assign(page.rows(), -1);
      for (std::size_t g = 0; g < sr.members.size() && g < page.rows(); ++g) {
        page.origin[g] = -static_cast<std::int64_t>(g) - 2;
        if (trace)
          for (auto r : sr.members[g])
            if (std::find(trace->before.begin(), trace->before.end(), r) != trace->before.end()) {
              groups_of_traced.insert(page.origin[g]);
              break;
            }
      }
      if (trace) trace->ids = std::move(groups_of_traced);
      break;
    }
    case CommandKind::InlineStats: {
      // The one-word spelling still runs, with Elasticsearch's deprecation warning (9.2).
      if (c.keyword == "INLINESTATS")
        warn.add(warn.where(c.offset) + "INLINESTATS is deprecated, use INLINE STATS instead");
      StatsResult sr = run_stats(c, page, ctx, true);
      // Each input row gets its group's aggregates. A row with a multi-valued key is in one group
      // per distinct key value (per combination of several keys): it gets the values of all its
      // groups, in the order of its key values, as one multi-value (a count of 2 for each of three
      // job positions is [2, 2, 2], as Elasticsearch answers).
      auto of_groups = [&](const Column& gc, std::size_t r) {
        const auto& gs = sr.row_groups[r];
        if (gs.size() == 1) return gc.cells[gs[0]];
        Cell out;
        for (auto g : gs) out.insert(out.end(), gc.cells[g].begin(), gc.cells[g].end());
        return out;
      };
      std::size_t naggs = c.fields.size();
      for (std::size_t k = 0; k < naggs; ++k) {
        int gi = sr.groups.find(c.fields[k].name);
        if (gi < 0) continue;
        const Column& gc = sr.groups.columns[static_cast<std::size_t>(gi)];
        Column col{gc.name, gc.type, {}};
        for (std::size_t r = 0; r < page.rows(); ++r)
          col.cells.push_back(of_groups(gc, r));
        set_column(page, std::move(col));
      }
      // BY expressions that are not plain columns are added too.
      for (std::size_t k = 0; k < c.by.size(); ++k) {
        if (c.by[k].expr->kind == ExprKind::Field && c.by[k].expr->name == c.by[k].name) {
          int i = page.find(c.by[k].name);
          if (i >= 0) {
            Column moved = page.columns[static_cast<std::size_t>(i)];
            set_column(page, std::move(moved));
          }
          continue;
        }
        int gi = sr.groups.find(c.by[k].name);
        if (gi < 0) continue;
        const Column& gc = sr.groups.columns[static_cast<std::size_t>(gi)];
        Column col{gc.name, gc.type, {}};
        for (std::size_t r = 0; r < page.rows(); ++r)
          col.cells.push_back(of_groups(gc, r));
        set_column(page, std::move(col));
      }
      break;
    }
    case CommandKind::Keep: {
      std::vector<int> best(page.columns.size(), -1);
      std::vector<bool> exact(page.columns.size(), false);
      for (std::size_t p = 0; p < c.patterns.size(); ++p) {
        const std::string& pat = c.patterns[p];
        bool any = false;
        for (std::size_t i = 0; i < page.columns.size(); ++i) {
          if (!glob_match(pat, page.columns[i].name)) continue;
          any = true;
          bool is_exact = pat.find('*') == std::string::npos;
          if (is_exact) {
            best[i] = static_cast<int>(p);
            exact[i] = true;
          } else if (!exact[i]) {
            best[i] = static_cast<int>(p);
          }
        }
        if (!any && pat.find('*') == std::string::npos) throw QueryError("Unknown column [" + pat + "]", c.pattern_offsets[p]);
      }
      std::vector<std::size_t> order;
      for (std::size_t i = 0; i < page.columns.size(); ++i)
        if (best[i] >= 0) order.push_back(i);
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return best[a] < best[b]; });
      Page np;
      np.origin = page.origin;
      for (auto i : order) np.columns.push_back(std::move(page.columns[i]));
      page = std::move(np);
      break;
    }
    case CommandKind::Drop: {
      std::vector<std::string> before;
      for (const auto& col : page.columns) before.push_back(col.name);
      for (std::size_t p = 0; p < c.patterns.size(); ++p) {
        const std::string& pat = c.patterns[p];
        bool any = false;
        for (std::size_t i = page.columns.size(); i-- > 0;)
          if (glob_match(pat, page.columns[i].name)) {
            page.columns.erase(page.columns.begin() + static_cast<std::ptrdiff_t>(i));
            any = true;
          }
        if (!any && pat.find('*') == std::string::npos && std::find(before.begin(), before.end(), pat) == before.end())
          throw QueryError("Unknown column [" + pat + "]", c.pattern_offsets[p]);
      }
      break;
    }
    case CommandKind::Rename:
      for (std::size_t k = 0; k < c.renames.size(); ++k) {
        const auto& [from, to] = c.renames[k];
        int i = page.find(from);
        if (i < 0) throw QueryError("Unknown column [" + from + "]", c.pattern_offsets[k]);
        if (from == to) continue;
        page.columns[static_cast<std::size_t>(i)].name = to;
        for (std::size_t j = 0; j < page.columns.size(); ++j)
          if (j != static_cast<std::size_t>(i) && page.columns[j].name == to) {
            page.columns.erase(page.columns.begin() + static_cast<std::ptrdiff_t>(j));
            break;
          }
      }
      break;
    case CommandKind::Sort: {
      std::vector<Column> keys;
      for (const auto& k : c.keys) keys.push_back(eval(*k.expr, ctx));
      std::vector<std::size_t> idx(page.rows());
      std::iota(idx.begin(), idx.end(), 0);
      std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
        for (std::size_t k = 0; k < keys.size(); ++k) {
          const SortKey& sk = c.keys[k];
          const Cell& x = keys[k].cells[a];
          const Cell& y = keys[k].cells[b];
          bool nf = sk.nulls_first.value_or(sk.desc);
          if (x.empty() || y.empty()) {
            if (x.empty() && y.empty()) continue;
            return x.empty() ? nf : !nf;
          }
          Type t = keys[k].type;
          // multi-values sort by their minimum ascending, their maximum descending
          auto pick = [&](const Cell& cell) {
            const Scalar* best = &cell[0];
            for (const auto& v : cell) {
              int cmp = compare_scalar(t, v, t, *best);
              if (sk.desc ? cmp > 0 : cmp < 0) best = &v;
            }
            return best;
          };
          int cmp = compare_scalar(t, *pick(x), t, *pick(y));
          if (cmp != 0) return sk.desc ? cmp > 0 : cmp < 0;
        }
        return false;
      });
      page = take_rows(page, idx);
      break;
    }
    case CommandKind::Limit: {
      std::vector<std::size_t> keep;
      for (std::size_t r = 0; r < page.rows() && static_cast<std::int64_t>(r) < c.limit; ++r) keep.push_back(r);
      keep_rows(page, keep);
      break;
    }
    case CommandKind::MvExpand: {
      int i = page.find(c.field);
      if (i < 0) throw QueryError("Unknown column [" + c.field + "]", c.offset);
      std::size_t col = static_cast<std::size_t>(i);
      // Only the rows a LIMIT ahead keeps are made (Elasticsearch pushes a LIMIT into MV_EXPAND):
      // the commands between keep the rows' order and make at least one row of each.
      // (Explain makes every row, so that the LIMIT is the command it names.)
      std::optional<std::size_t> cap;
      for (std::size_t n = ci + 1; !opts.trace; ++n) {
        if (n == q.commands.size()) {  // the implicit LIMIT ends the query
          if (opts.implicit_limit) cap = result_cap(q);
          break;
        }
        const CommandKind k = q.commands[n].kind;
        if (k == CommandKind::Limit) {
          cap = static_cast<std::size_t>(std::max<std::int64_t>(0, q.commands[n].limit));
          break;
        }
        if (k != CommandKind::Eval && k != CommandKind::Rename && k != CommandKind::Keep && k != CommandKind::Drop &&
            k != CommandKind::MvExpand && k != CommandKind::Dissect && k != CommandKind::Grok)
          break;
      }
      std::size_t made = 0;  // the rows it makes, counted before any is (a guard on memory)
      for (const Cell& cell : page.columns[col].cells) made += std::max<std::size_t>(1, cell.size());
      if (cap) made = std::min(made, *cap);
      if (opts.max_rows && made > opts.max_rows)
        throw QueryError("MV_EXPAND would make " + std::to_string(made) + " rows, more than " + std::to_string(opts.max_rows) +
                             " (rulelab's --max-rows; Elasticsearch's circuit breaker may refuse such a query too)",
                         c.offset);
      Page np;
      for (const auto& cc : page.columns) {
        np.columns.push_back(Column{cc.name, cc.type, {}});
        np.columns.back().cells.reserve(made);
      }
      np.origin.reserve(made);
      for (std::size_t r = 0; r < page.rows() && !(cap && np.rows() >= *cap); ++r) {
        const Cell& cell = page.columns[col].cells[r];
        std::size_t k = std::max<std::size_t>(1, cell.size());
        for (std::size_t v = 0; v < k && !(cap && np.rows() >= *cap); ++v) {
          for (std::size_t j = 0; j < page.columns.size(); ++j) {
            if (j == col) np.columns[j].cells.push_back(cell.empty() ? Cell{} : Cell{cell[v]});
            else np.columns[j].cells.push_back(page.columns[j].cells[r]);
          }
          np.origin.push_back(page.origin[r]);
        }
      }
      if (page.columns[col].type == Type::Text) np.columns[col].type = Type::Text;
      page = std::move(np);
      break;
    }
    case CommandKind::Dissect: {
      Column in = eval(*c.expr, ctx);
      if (!is_string(in.type) && in.type != Type::Null)
        throw QueryError("Dissect only supports KEYWORD or TEXT values, found expression [" + expr_text(*c.expr, q.text) + "] type [" +
                             std::string(type_name(in.type)) + "]", c.expr->begin);
      DissectPattern d = parse_dissect(c.patterns[0], c.offset);
      std::vector<std::string> names;
      for (const auto& k : d.keys)
        if (!k.skip && !k.ref_value && !k.ref_name && std::find(names.begin(), names.end(), k.name) == names.end()) names.push_back(k.name);
      if (std::any_of(d.keys.begin(), d.keys.end(), [](const DissectKey& k) { return k.ref_name; }))
        throw QueryError("Reference keys (%{*key} / %{&key}) are not supported in DISSECT", c.offset);
      std::vector<Column> cols;
      for (const auto& nm : names) cols.push_back(Column{nm, Type::Keyword, std::vector<Cell>(page.rows())});
      for (std::size_t r = 0; r < page.rows(); ++r) {
        for (const auto& value : in.cells[r]) {
          auto m = dissect(d, value.s, c.append_separator);
          if (!m) continue;
          for (auto& col : cols) {
            std::optional<std::string> last;
            for (auto& [nm, v] : *m)
              if (col.name == nm) last = v;
            if (last) col.cells[r].push_back(Scalar::of_str(*last));
          }
        }
      }
      for (auto& col : cols) set_column(page, std::move(col));
      break;
    }
    case CommandKind::Grok: {
      Column in = eval(*c.expr, ctx);
      if (!is_string(in.type) && in.type != Type::Null)
        throw QueryError("GROK only supports KEYWORD or TEXT values, found expression [" + expr_text(*c.expr, q.text) + "] type [" +
                             std::string(type_name(in.type)) + "]", c.expr->begin);
      std::vector<GrokField> fields;
      std::string re;
      int ngroups = 0;
      for (std::size_t k = 0; k < c.patterns.size(); ++k)
        re += (k ? "|" : "") + std::string("(?:") + expand_grok(c.patterns[k], fields, c.offset, ngroups) + ")";
      RE2::Options o;
      o.set_log_errors(false);
      RE2 rx(re, o);
      if (!rx.ok()) throw QueryError("invalid GROK pattern: " + rx.error(), c.offset, true);
      // group index -> field index
      std::vector<int> group_field(static_cast<std::size_t>(rx.NumberOfCapturingGroups() + 1), -1);
      for (const auto& [name, gi] : rx.NamedCapturingGroups()) {
        std::size_t us = name.find('_');
        group_field[static_cast<std::size_t>(gi)] = std::stoi(name.substr(1, us - 1));
      }
      std::vector<Column> cols;
      for (const auto& f : fields) cols.push_back(Column{f.name, f.type, std::vector<Cell>(page.rows())});
      std::size_t ng = group_field.size();
      std::vector<re2::StringPiece> groups(ng);
      for (std::size_t r = 0; r < page.rows(); ++r) {
        const Cell& cell = in.cells[r];
        for (const auto& value : cell) {
        const std::string& s = value.s;
        if (!rx.Match(s, 0, s.size(), RE2::UNANCHORED, groups.data(), static_cast<int>(ng))) continue;
        for (std::size_t gi = 1; gi < ng; ++gi) {
          if (group_field[gi] < 0 || groups[gi].data() == nullptr) continue;
          Column& col = cols[static_cast<std::size_t>(group_field[gi])];
          std::string v(groups[gi].data(), groups[gi].size());
          Scalar sv;
          if (col.type == Type::Integer || col.type == Type::Long) {
            try { sv.i = std::stoll(v); } catch (...) { continue; }
          } else if (col.type == Type::Double) {
            try { sv.d = std::stod(v); } catch (...) { continue; }
          } else if (col.type == Type::Boolean) {
            sv.i = v == "true";
          } else sv.s = v;
          col.cells[r].push_back(sv);
        }
        }
      }
      for (auto& col : cols) set_column(page, std::move(col));
      break;
    }
    case CommandKind::Enrich:
      throw QueryError("ENRICH needs an enrich policy of an Elasticsearch cluster; rulelab has none", c.offset, true, true);
    case CommandKind::LookupJoin: lookup_join(c, page, all, warn, q.text, trace, opts.max_rows); break;
    case CommandKind::Completion: completion(c, page, ctx, opts, out, trace); break;
    case CommandKind::Fork: run_fork(q, ci, page, warn, opts, out, all, trace); break;
    case CommandKind::Other:
      throw QueryError("command " + c.keyword + " is not supported by rulelab", c.offset, true);
  }
}

// Elasticsearch's DataType names, as its verifier's messages write them.
std::string data_type_name(Type t) {
  if (t == Type::Date) return "DATETIME";
  std::string s(type_name(t));
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

// Where a column a branch outputs was made (for the verifier's messages, which point there): the
// last command of the branch, or before the FORK, that assigns the name; 0 (the source's fields) else.
std::size_t defined_at(const std::vector<Command>& cmds, const std::string& name) {
  for (std::size_t k = cmds.size(); k-- > 0;) {
    const Command& c = cmds[k];
    for (const auto* list : {&c.fields, &c.by})
      for (const auto& a : *list)
        if (a.name == name) return a.offset;
    for (const auto& [from, to] : c.renames)
      if (to == name) return c.offset;
    if ((c.kind == CommandKind::Dissect || c.kind == CommandKind::Grok) && !c.patterns.empty())
      for (const auto& pat : c.patterns)
        if (pat.find(name + "}") != std::string::npos || pat.find(name + ":") != std::string::npos) return c.offset;
  }
  return 0;
}

// FORK ("ES|QL FORK command"): each branch runs its commands on a copy of the input, ends with the
// branch's implicit LIMIT and a `_fork` column ("fork1", "fork2", ...); the result is the
// branches' rows, branch after branch (Elasticsearch may interleave them: only SORT fixes the
// order), over the union of their columns in order of first appearance, null where a branch has
// no such column. A column's type is the first branch's that has it with a supported type
// (unsupported only if none does); another type in another branch is the verifier's error
// (Fork.checkFork), at the place that branch made the column. Traced (explain): each branch is
// traced on its own; the note says what each did with the event's row.
void run_fork(const Query& q, std::size_t ci, Page& page, Warnings& warn, const RunOptions& opts, RunOutput& out,
              const std::vector<const Index*>& all, TraceState* trace) {
  const Command& c = q.commands[ci];
  std::vector<Page> outs;
  std::vector<std::vector<Command>> scopes;  // per branch: the commands before the FORK, then the branch's
  // A STATS in a branch does not make the query aggregating: Kibana's rule executor looks for a
  // STATS among the query's own commands (computeIsESQLQueryAggregating).
  const bool aggregating = out.aggregating;
  std::set<std::int64_t> traced_ids;
  std::string trace_note;
  for (std::size_t k = 0; k < c.branches.size(); ++k) {
    // The branch runs as the rest of a query whose commands before it are the FORK's (so that a
    // command's look at what precedes or follows it sees the branch's pipeline).
    Query bq;
    bq.text = q.text;
    bq.commands.assign(q.commands.begin(), q.commands.begin() + static_cast<std::ptrdiff_t>(ci));
    bq.commands.insert(bq.commands.end(), c.branches[k].begin(), c.branches[k].end());
    Page p = page;
    std::optional<TraceState> bt;
    if (trace) bt.emplace(TraceState{trace->ids, {}, {}});
    auto traced_rows = [&](const Page& pg) {
      std::vector<std::size_t> v;
      for (std::size_t r = 0; r < pg.rows(); ++r)
        if (bt->ids.count(pg.origin[r])) v.push_back(r);
      return v;
    };
    std::string dropped_by;
    for (std::size_t j = ci; j < bq.commands.size(); ++j) {
      if (bt) {
        bt->before = traced_rows(p);
        bt->step = TraceStep{};
      }
      run_command(bq, j, p, warn, opts, out, all, bt ? &*bt : nullptr);
      if (bt && dropped_by.empty() && !bt->before.empty() && traced_rows(p).empty()) dropped_by = command_text(q.text, bq.commands[j]);
    }
    const std::size_t before_limit = bt ? traced_rows(p).size() : 0;
    finish(p, opts, result_cap(bq.commands));  // (each branch's own implicit LIMIT: AddImplicitForkLimit)
    const std::string label = "fork" + std::to_string(k + 1);
    if (bt) {
      const std::size_t kept = traced_rows(p).size();
      if (dropped_by.empty() && kept < before_limit) dropped_by = "its implicit LIMIT";
      trace_note += (trace_note.empty() ? "" : "; ") + label + ": " +
                    (kept ? std::to_string(kept) + " row(s) carry the event" : !dropped_by.empty() ? "dropped by " + dropped_by : "no row");
    }
    // Group rows of a branch's STATS are numbered from -2 in each branch: made distinct here.
    const std::int64_t shift = static_cast<std::int64_t>(k + 1) << 40;
    for (auto& o : p.origin)
      if (o <= -2) {
        if (bt && bt->ids.count(o)) traced_ids.insert(o - shift);
        o -= shift;
      } else if (bt && bt->ids.count(o)) {
        traced_ids.insert(o);
      }
    Column f{"_fork", Type::Keyword, {}};
    f.cells.assign(p.rows(), Cell{Scalar::of_str(label)});
    set_column(p, std::move(f));
    outs.push_back(std::move(p));
    scopes.push_back(std::move(bq.commands));
  }
  out.aggregating = aggregating;
  if (trace) {
    trace->ids = std::move(traced_ids);
    trace->step.note = trace_note;
  }
  // The output's columns and types.
  Page merged;
  for (const auto& p : outs)
    for (const auto& col : p.columns) {
      const int at = merged.find(col.name);
      if (at < 0) merged.columns.push_back(Column{col.name, col.type, {}});
      else if (merged.columns[static_cast<std::size_t>(at)].type == Type::Unsupported)
        merged.columns[static_cast<std::size_t>(at)].type = col.type;
    }
  for (std::size_t k = 0; k < outs.size(); ++k)
    for (const auto& col : outs[k].columns) {
      const Type t = merged.columns[static_cast<std::size_t>(merged.find(col.name))].type;
      if (t != col.type && t != Type::Unsupported)
        throw QueryError("Column [" + col.name + "] has conflicting data types in FORK branches: [" + data_type_name(col.type) + "] and [" +
                             data_type_name(t) + "]",
                         defined_at(scopes[k], col.name));
    }
  for (auto& p : outs) {
    const std::size_t n = p.rows();
    for (auto& mc : merged.columns) {
      const int at = p.find(mc.name);
      if (at < 0) {
        mc.cells.resize(mc.cells.size() + n);
        continue;
      }
      auto& src = p.columns[static_cast<std::size_t>(at)].cells;
      mc.cells.insert(mc.cells.end(), std::make_move_iterator(src.begin()), std::make_move_iterator(src.end()));
    }
    merged.origin.insert(merged.origin.end(), p.origin.begin(), p.origin.end());
  }
  page = std::move(merged);
}

bool reads_documents(const Expr& e) {
  if (e.kind == ExprKind::Match || (e.kind == ExprKind::Call && (e.name == "kql" || e.name == "match" || e.name == "match_phrase" || e.name == "qstr" || e.name == "multi_match"))) return true;
  for (const auto& a : e.args)
    if (reads_documents(*a)) return true;
  return false;
}

// The query reads whole source documents (KQL, MATCH, `:`, METADATA _source or _ignored): the
// indices are loaded whole, with their documents.
bool needs_documents(const Query& q) {
  for (const Command* cp : all_commands(q)) {  // (a FORK's branches' too)
    const Command& c = *cp;
    for (const auto& m : c.metadata)
      if (m == "_source" || m == "_ignored") return true;
    if (c.expr && reads_documents(*c.expr)) return true;
    for (const auto& f : c.fields)
      if (reads_documents(*f.expr) || (f.where && reads_documents(*f.where))) return true;
    for (const auto& b : c.by)
      if (reads_documents(*b.expr)) return true;
  }
  return false;
}

// Commands that look at one row at a time: over a stream of documents they run chunk by chunk.
// (MV_EXPAND is not: its row limits, --max-rows and a later LIMIT's, count all rows at once.)
bool row_local(CommandKind k) {
  return k == CommandKind::Where || k == CommandKind::Eval || k == CommandKind::Dissect || k == CommandKind::Grok ||
         k == CommandKind::Rename || k == CommandKind::Drop || k == CommandKind::Keep;
}

// The order a run evaluates the expressions of command `c` in (each after its arguments), from
// `next` on: a STATS its keys, then its aggregates; any other command its expression, its
// assignments, its keys.
void eval_order(const Command& c, std::map<const Expr*, std::size_t>& rank, std::size_t& next) {
  std::function<void(const Expr&)> walk = [&](const Expr& e) {
    for (const auto& a : e.args)
      if (a) walk(*a);
    rank.try_emplace(&e, next++);
  };
  auto fields = [&] {
    for (const auto& f : c.fields) {
      if (f.expr) walk(*f.expr);
      if (f.where) walk(*f.where);
    }
  };
  auto by = [&] {
    for (const auto& b : c.by)
      if (b.expr) walk(*b.expr);
  };
  if (c.kind == CommandKind::Stats) {
    by();
    fields();
    return;
  }
  if (c.expr) walk(*c.expr);
  fields();
  by();
}

// The implicit LIMIT of the ES|QL API (Elasticsearch's AddImplicitLimit): 1000 rows
// (esql.query.result_truncation_default_size) when no LIMIT is written anywhere in the pipeline
// (a FORK branch's included), else at most 10,000 (result_truncation_max_size).
std::size_t result_cap(const std::vector<Command>& cmds) {
  for (const auto& c : cmds) {
    if (c.kind == CommandKind::Limit) return 10000;
    for (const auto& b : c.branches)
      if (result_cap(b) == 10000) return 10000;
  }
  return 1000;
}

// A LIMIT appended by the caller (Kibana's `| limit max_signals + 1`) is the last LIMIT: at most
// its rows, and never more than 10,000.
std::size_t result_cap(const Query& q) { return q.appended_limit ? std::min<std::size_t>(q.appended_limit, 10000) : result_cap(q.commands); }

void finish(Page& page, const RunOptions& opts, std::size_t cap) {
  if (opts.implicit_limit && page.rows() > cap) {
    std::vector<std::size_t> keep(cap);
    std::iota(keep.begin(), keep.end(), 0);
    keep_rows(page, keep);
  }
}

// A query over indices read at query time (source.hpp), when its result names its columns (a
// STATS or a KEEP, no wildcard in KEEP/DROP): only the fields it references are read, a chunk of
// documents at a time through its leading row-by-row commands. nullopt: the query needs the
// indices whole (see source.hpp), and run_query loads them.
// A STATS whose aggregates can be computed per chunk and merged: each is COUNT(*), COUNT(f),
// COUNT_DISTINCT(f) (exact here), MIN(f) or MAX(f) of a field, without WHERE, and each key is a
// field; no name is given twice. The partial STATS runs on each chunk (COUNT, VALUES, MIN, MAX by
// the same keys) and the final one over the partial rows (SUM, COUNT_DISTINCT, MIN, MAX), which
// gives the same rows, columns and types as the STATS over all rows at once.
std::optional<std::pair<Command, Command>> split_stats(const Command& c) {
  if (c.kind != CommandKind::Stats || c.fields.empty()) return std::nullopt;
  std::set<std::string> names;
  auto field = [](const std::string& name, const Expr& at) {
    auto e = std::make_shared<Expr>();
    e->kind = ExprKind::Field;
    e->name = name;
    e->begin = at.begin;
    e->end = at.end;
    return e;
  };
  auto call = [](const std::string& name, ExprPtr arg, const Expr& at) {
    auto e = std::make_shared<Expr>();
    e->kind = ExprKind::Call;
    e->name = name;
    e->args.push_back(std::move(arg));
    e->begin = at.begin;
    e->end = at.end;
    return e;
  };
  Command partial = c, final = c;
  partial.fields.clear();
  final.fields.clear();
  final.by.clear();
  for (const auto& b : c.by) {
    if (!b.expr || b.expr->kind != ExprKind::Field || b.where || !names.insert(b.name).second) return std::nullopt;
    Assign k = b;
    k.expr = field(b.name, *b.expr);
    final.by.push_back(std::move(k));
  }
  for (std::size_t i = 0; i < c.fields.size(); ++i) {
    const Assign& a = c.fields[i];
    if (!a.expr || a.where || a.expr->kind != ExprKind::Call || !names.insert(a.name).second) return std::nullopt;
    const Expr& e = *a.expr;
    const bool one_field = e.args.size() == 1 && e.args[0] && e.args[0]->kind == ExprKind::Field;
    const std::string slot = "\x01partial" + std::to_string(i);  // no query can name it (a control character)
    Assign p;
    p.name = slot;
    p.named = true;
    p.offset = a.offset;
    Assign f = a;
    if (e.name == "count" && (e.star || one_field)) {
      p.expr = a.expr;
      f.expr = call("sum", field(slot, e), e);
    } else if (e.name == "count_distinct" && one_field && !e.star) {
      p.expr = call("values", e.args[0], e);
      f.expr = call("count_distinct", field(slot, e), e);
    } else if ((e.name == "min" || e.name == "max") && one_field && !e.star) {
      p.expr = a.expr;
      f.expr = call(e.name, field(slot, e), e);
    } else {
      return std::nullopt;
    }
    partial.fields.push_back(std::move(p));
    final.fields.push_back(std::move(f));
  }
  return std::make_pair(std::move(partial), std::move(final));
}

// A partial STATS (split_stats) computed in place on the reading threads: each key and aggregated
// field a keyword field that only the STATS reads (lazy: never made a column), after WHEREs alone.
// A batch whose rows passing the WHEREs hold one string or none in each of these fields is
// grouped on views of the documents (no cell a row); any other batch is made columns and runs
// the partial STATS as written. Both give the same partial rows (groups in the order they first
// appear; each aggregate as run_stats computes it), so the final STATS is unchanged.
struct ViewPred;
struct FusedStats {
  enum class Agg { Count, Values, Min, Max };
  struct Out {
    std::string name;  // the partial slot
    Agg agg = Agg::Count;
    int field = -1;  // plan field; -1: COUNT(*)
  };
  std::vector<Out> outs;
  std::vector<std::pair<std::string, std::size_t>> keys;  // name, plan field
  // The leading WHEREs, when each is a ViewPred: judged on the views too.
  std::vector<std::shared_ptr<const ViewPred>> where;
  std::vector<std::size_t> where_fields;  // the plan fields they read
};

// A WHERE condition judged on views of keyword fields (one string or none each): AND, OR, NOT of
// `field == "text"`, `field != "text"`, `field [NOT] IN ("text", ...)`, `field IS [NOT] NULL`,
// with ES|QL's three-valued logic (a missing field makes a comparison null; a row is kept when
// its condition is true). A document holding anything else in such a field is judged as written.
struct ViewPred {
  enum class Op { And, Or, Not, Eq, Ne, In, NotIn, IsNull, NotNull };
  Op op = Op::Eq;
  std::size_t field = 0;
  std::vector<std::string> texts;
  std::vector<ViewPred> kids;
  // 0 false, 1 true, 2 null
  int judge(const std::vector<ViewColumn>& views, std::size_t row) const {
    switch (op) {
      case Op::And:
      case Op::Or: {
        // AND: a false decides, OR: a true decides; else null if any is null
        const int decides = op == Op::And ? 0 : 1;
        int r = 1 - decides;
        for (const auto& k : kids) {
          const int v = k.judge(views, row);
          if (v == decides) return v;
          if (v == 2) r = 2;
        }
        return r;
      }
      case Op::Not: {
        const int v = kids[0].judge(views, row);
        return v == 2 ? 2 : 1 - v;
      }
      default: break;
    }
    const ViewColumn& vc = views[field];
    const bool none = vc.kind[row] == ViewColumn::None;
    if (op == Op::IsNull) return none ? 1 : 0;
    if (op == Op::NotNull) return none ? 0 : 1;
    if (none) return 2;
    const std::string_view v = vc.text[row];
    const bool any = std::find(texts.begin(), texts.end(), v) != texts.end();
    return (op == Op::Eq || op == Op::In) ? (any ? 1 : 0) : (any ? 0 : 1);
  }
};

// `e` as a ViewPred over the plan's keyword fields (their indexes into `fields`), if it is one.
std::optional<ViewPred> view_pred(const Expr& e, const StreamPlan& plan, std::vector<std::size_t>& fields) {
  auto keyword_field = [&](const Expr& f) -> std::optional<std::size_t> {
    if (f.kind != ExprKind::Field) return std::nullopt;
    for (std::size_t j = 0; j < plan.fields.size(); ++j)
      if (plan.fields[j].name == f.name) {
        if (plan.fields[j].type != Type::Keyword) return std::nullopt;
        fields.push_back(j);
        return j;
      }
    return std::nullopt;
  };
  auto text = [](const Expr& l) -> std::optional<std::string> {
    if (l.kind != ExprKind::Literal || l.type != Type::Keyword || l.value.size() != 1) return std::nullopt;
    return l.value[0].s;
  };
  ViewPred p;
  switch (e.kind) {
    case ExprKind::And:
    case ExprKind::Or:
    case ExprKind::Not: {
      p.op = e.kind == ExprKind::And ? ViewPred::Op::And : e.kind == ExprKind::Or ? ViewPred::Op::Or : ViewPred::Op::Not;
      if (e.args.empty()) return std::nullopt;
      for (const auto& a : e.args) {
        if (!a) return std::nullopt;
        auto k = view_pred(*a, plan, fields);
        if (!k) return std::nullopt;
        p.kids.push_back(std::move(*k));
      }
      return p;
    }
    case ExprKind::Compare: {
      if (e.args.size() != 2 || !e.args[0] || !e.args[1] || (e.name != "==" && e.name != "!=")) return std::nullopt;
      const bool flip = e.args[0]->kind == ExprKind::Literal;
      auto f = keyword_field(flip ? *e.args[1] : *e.args[0]);
      auto t = text(flip ? *e.args[0] : *e.args[1]);
      if (!f || !t) return std::nullopt;
      p.op = e.name == "==" ? ViewPred::Op::Eq : ViewPred::Op::Ne;
      p.field = *f;
      p.texts.push_back(std::move(*t));
      return p;
    }
    case ExprKind::In: {
      if (e.args.size() < 2 || !e.args[0]) return std::nullopt;
      auto f = keyword_field(*e.args[0]);
      if (!f) return std::nullopt;
      for (std::size_t i = 1; i < e.args.size(); ++i) {
        auto t = e.args[i] ? text(*e.args[i]) : std::nullopt;
        if (!t) return std::nullopt;
        p.texts.push_back(std::move(*t));
      }
      p.op = e.negated ? ViewPred::Op::NotIn : ViewPred::Op::In;
      p.field = *f;
      return p;
    }
    case ExprKind::IsNull: {
      if (e.args.size() != 1 || !e.args[0]) return std::nullopt;
      auto f = keyword_field(*e.args[0]);
      if (!f) return std::nullopt;
      p.op = e.negated ? ViewPred::Op::NotNull : ViewPred::Op::IsNull;
      p.field = *f;
      return p;
    }
    default: return std::nullopt;
  }
}

std::optional<FusedStats> fuse_stats(const Query& q, std::size_t prefix_end, const Command& partial, StreamPlan& plan,
                                     const std::vector<std::string>& window_fields) {
  for (std::size_t ci = 1; ci < prefix_end; ++ci)
    if (q.commands[ci].kind != CommandKind::Where) return std::nullopt;
  Query prefix;
  for (std::size_t ci = 1; ci < prefix_end; ++ci) prefix.commands.push_back(q.commands[ci]);
  // WHEREs of ViewPreds read their fields as views; any other WHERE reads them as columns (and
  // then every WHERE runs as written, in its order).
  std::vector<std::shared_ptr<const ViewPred>> where;
  std::vector<std::size_t> where_fields;
  for (std::size_t ci = 1; ci < prefix_end; ++ci) {
    auto p = q.commands[ci].expr ? view_pred(*q.commands[ci].expr, plan, where_fields) : std::nullopt;
    if (!p) {
      where.clear();
      where_fields.clear();
      break;
    }
    where.push_back(std::make_shared<const ViewPred>(std::move(*p)));
  }
  std::vector<std::string> read = where.empty() ? referenced_fields(prefix) : std::vector<std::string>{};
  read.insert(read.end(), window_fields.begin(), window_fields.end());
  for (auto j : where_fields)
    if (std::find(read.begin(), read.end(), plan.fields[j].name) != read.end()) return std::nullopt;  // (a window field)
  // A key given a name (BY k = f): aggregates reading `k` read the key's values (run_stats), not
  // a field of that name.
  for (const auto& b : partial.by)
    if (!b.expr || b.expr->kind != ExprKind::Field || b.expr->name != b.name) read.push_back(b.name);
  std::vector<std::size_t> lazy;
  auto field = [&](const Expr& e) -> int {
    if (e.kind != ExprKind::Field || std::find(read.begin(), read.end(), e.name) != read.end()) return -2;
    for (std::size_t j = 0; j < plan.fields.size(); ++j)
      if (plan.fields[j].name == e.name) {
        if (plan.fields[j].type != Type::Keyword) return -2;
        lazy.push_back(j);
        return static_cast<int>(j);
      }
    return -2;
  };
  FusedStats fs;
  for (const auto& a : partial.fields) {
    if (!a.expr || a.expr->kind != ExprKind::Call) return std::nullopt;
    const Expr& e = *a.expr;
    FusedStats::Out o;
    o.name = a.name;
    if (e.name == "count" && e.star) {
      fs.outs.push_back(o);
      continue;
    }
    if (e.args.size() != 1 || !e.args[0]) return std::nullopt;
    if (e.name == "count") o.agg = FusedStats::Agg::Count;
    else if (e.name == "values") o.agg = FusedStats::Agg::Values;
    else if (e.name == "min") o.agg = FusedStats::Agg::Min;
    else if (e.name == "max") o.agg = FusedStats::Agg::Max;
    else return std::nullopt;
    o.field = field(*e.args[0]);
    if (o.field < 0) return std::nullopt;
    fs.outs.push_back(o);
  }
  for (const auto& b : partial.by) {
    const int f = b.expr ? field(*b.expr) : -2;
    if (f < 0) return std::nullopt;
    fs.keys.emplace_back(b.name, static_cast<std::size_t>(f));
  }
  for (auto j : lazy) plan.fields[j].lazy = true;
  for (auto j : where_fields) plan.fields[j].lazy = true;
  fs.where = std::move(where);
  std::sort(where_fields.begin(), where_fields.end());
  where_fields.erase(std::unique(where_fields.begin(), where_fields.end()), where_fields.end());
  fs.where_fields = std::move(where_fields);
  return fs;
}

// Distinct strings held elsewhere, each numbered in the order first added (open addressing with
// linear probing, the hashes kept): the groups of a one-key STATS and each group's VALUES, looked
// up once per row.
class ViewIndex {
 public:
  // v's number, and whether it was added now (numbered `size()` before the call).
  std::pair<std::uint32_t, bool> add(std::string_view v) {
    if ((count_ + 1) * 4 > slots_.size() * 3) grow();
    const std::uint64_t h = std::hash<std::string_view>{}(v);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.number == kEmpty) {
        s = Slot{v, h, static_cast<std::uint32_t>(count_)};
        return {static_cast<std::uint32_t>(count_++), true};
      }
      if (s.hash == h && s.text == v) return {s.number, false};
    }
  }
  std::size_t size() const { return count_; }

 private:
  static constexpr std::uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    std::string_view text;
    std::uint64_t hash = 0;
    std::uint32_t number = kEmpty;
  };
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : old.size() * 2, Slot{});
    const std::size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.number == kEmpty) continue;
      std::size_t i = s.hash & mask;
      while (slots_[i].number != kEmpty) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }
  std::vector<Slot> slots_;
  std::size_t count_ = 0;
};

// The partial STATS's rows over `rows` (the batch's documents passing the WHEREs), every lazy
// value of them one string or none.
Page fused_partial(const FusedStats& fs, const std::vector<std::int64_t>& rows, const std::vector<ViewColumn>& views) {
  struct Group {
    std::vector<std::int64_t> count;
    std::vector<std::vector<std::string_view>> values;
    std::vector<ViewIndex> seen;
    std::vector<std::optional<std::string_view>> best;
    std::vector<std::optional<std::string_view>> key;
  };
  std::vector<Group> groups;
  std::unordered_map<std::string, std::size_t> index;  // several keys: their values, length-prefixed
  ViewIndex one_key;                                   // one key: its values, numbered
  std::vector<std::size_t> key_group;                  // and each number's group
  std::optional<std::size_t> one_key_null;             // the group of rows without it
  std::string key;
  auto fresh = [&] {
    Group g;
    g.count.assign(fs.outs.size(), 0);
    g.values.resize(fs.outs.size());
    g.seen.resize(fs.outs.size());
    g.best.resize(fs.outs.size());
    return g;
  };
  auto value = [&](std::size_t field, std::size_t row) -> std::optional<std::string_view> {
    const ViewColumn& v = views[field];
    if (v.kind[row] == ViewColumn::None) return std::nullopt;
    return v.text[row];
  };
  for (const std::int64_t o : rows) {
    const auto row = static_cast<std::size_t>(o & 0xffffffff);
    std::size_t gi = 0;
    bool is_new = false;
    if (fs.keys.size() == 1) {
      if (auto v = value(fs.keys[0].second, row)) {
        const auto [number, added] = one_key.add(*v);
        if (added) key_group.push_back(groups.size());
        gi = key_group[number];
        is_new = added;
      } else {
        is_new = !one_key_null;
        if (is_new) one_key_null = groups.size();
        gi = *one_key_null;
      }
    } else {
      key.clear();
      for (const auto& [name, f] : fs.keys) {
        auto v = value(f, row);
        key += v ? '\1' : '\0';
        if (v) {
          const auto n = static_cast<std::uint32_t>(v->size());
          key.append(reinterpret_cast<const char*>(&n), sizeof n);
          key.append(*v);
        }
      }
      auto [it, added] = index.try_emplace(key, groups.size());
      gi = it->second;
      is_new = added;
    }
    if (is_new) {
      groups.push_back(fresh());
      for (const auto& [name, f] : fs.keys) groups.back().key.push_back(value(f, row));
    }
    Group& g = groups[gi];
    for (std::size_t i = 0; i < fs.outs.size(); ++i) {
      const auto& out = fs.outs[i];
      if (out.field < 0) {
        ++g.count[i];
        continue;
      }
      auto v = value(static_cast<std::size_t>(out.field), row);
      if (!v) continue;
      switch (out.agg) {
        case FusedStats::Agg::Count: ++g.count[i]; break;
        case FusedStats::Agg::Values:
          if (g.seen[i].add(*v).second) g.values[i].push_back(*v);
          break;
        case FusedStats::Agg::Min:
          if (!g.best[i] || *v < *g.best[i]) g.best[i] = *v;
          break;
        case FusedStats::Agg::Max:
          if (!g.best[i] || *v > *g.best[i]) g.best[i] = *v;
          break;
      }
    }
  }
  if (fs.keys.empty() && groups.empty()) groups.push_back(fresh());  // no BY: one row, over no rows too
  Page out;
  const std::size_t ng = groups.size();
  auto str = [](std::string_view v) { return Cell{Scalar::of_str(std::string(v))}; };
  for (std::size_t i = 0; i < fs.outs.size(); ++i) {
    const auto agg = fs.outs[i].agg;
    Column col{fs.outs[i].name, agg == FusedStats::Agg::Count ? Type::Long : Type::Keyword, {}};
    col.cells.reserve(ng);
    for (const Group& g : groups) {
      if (agg == FusedStats::Agg::Count) {
        col.cells.push_back(Cell{Scalar::of_int(g.count[i])});
      } else if (agg == FusedStats::Agg::Values) {
        Cell c;
        for (auto v : g.values[i]) c.push_back(Scalar::of_str(std::string(v)));
        col.cells.push_back(std::move(c));
      } else {
        col.cells.push_back(g.best[i] ? str(*g.best[i]) : Cell{});
      }
    }
    out.columns.push_back(std::move(col));
  }
  for (std::size_t k = 0; k < fs.keys.size(); ++k) {
    Column col{fs.keys[k].first, Type::Keyword, {}};
    for (const Group& g : groups) col.cells.push_back(g.key[k] ? str(*g.key[k]) : Cell{});
    out.columns.push_back(std::move(col));
  }
  out.origin.resize(ng);
  for (std::size_t gi = 0; gi < ng; ++gi) out.origin[gi] = -static_cast<std::int64_t>(gi) - 2;
  return out;
}

std::optional<RunResult> run_streamed(const Query& q, const Catalog& catalog, const RunOptions& opts) {
  if (!opts.stream || opts.trace || q.commands.empty() || q.commands[0].kind != CommandKind::From || needs_documents(q)) return std::nullopt;
  bool names_columns = false;
  for (const auto& c : q.commands) {
    if (c.kind == CommandKind::LookupJoin) return std::nullopt;  // the lookup index is read whole
    if (c.kind == CommandKind::Fork) return std::nullopt;        // the branches read the input whole
    if (c.kind == CommandKind::Stats || c.kind == CommandKind::Keep) names_columns = true;
    if (c.kind == CommandKind::Keep || c.kind == CommandKind::Drop)
      for (const auto& p : c.patterns)
        if (p.find('*') != std::string::npos) return std::nullopt;
  }
  if (!names_columns) return std::nullopt;
  std::vector<const Index*> all;
  for (const auto& idx : catalog.indices()) all.push_back(&idx);
  const Command& from = q.commands[0];
  std::vector<const Index*> chosen;
  std::vector<std::size_t> chosen_no;
  std::vector<Column> meta;
  try {
    choose_indices(from, all, chosen, chosen_no);
    meta = metadata_columns(from);
  } catch (const QueryError&) {
    return std::nullopt;
  }
  bool any_streamed = false;
  for (const Index* idx : chosen) {
    if (idx->streamed()) any_streamed = true;
    else if (idx->data.rows() > 0) return std::nullopt;
  }
  if (!any_streamed) return std::nullopt;
  std::vector<std::string> needed = referenced_fields(q);
  for (auto& f : opts.window_fields()) needed.push_back(std::move(f));
  // Columns: the union of the chosen indices' columns, as source_page makes it.
  std::vector<StreamPlan> plans(chosen.size());
  std::map<std::string, Type> cols;
  for (std::size_t k = 0; k < chosen.size(); ++k) {
    if (chosen[k]->streamed()) {
      plans[k] = stream_plan(*chosen[k]->stream_types, needed);
      for (const auto& f : plans[k].fields) {
        // The scan layer holds JSON integers as 64-bit signed or double: an unsigned_long above
        // 2^63 would lose its low digits, so such an index is read whole (exact values).
        if (f.type == Type::UnsignedLong) return std::nullopt;
        auto [it, fresh] = cols.emplace(f.name, f.type);
        if (!fresh && it->second != f.type) return std::nullopt;
      }
    }
  }
  for (std::size_t k = 0; k < chosen.size(); ++k)
    if (!chosen[k]->streamed())
      for (const auto& col : chosen[k]->data.columns) {
        auto [it, fresh] = cols.emplace(col.name, col.type);
        if (!fresh && it->second != col.type) return std::nullopt;
      }
  std::size_t prefix_end = 1;
  while (prefix_end < q.commands.size() && row_local(q.commands[prefix_end].kind)) ++prefix_end;
  // A STATS right after them reads only its own fields: the chunks keep only those columns.
  std::optional<std::vector<std::string>> stats_fields;
  if (prefix_end < q.commands.size() && q.commands[prefix_end].kind == CommandKind::Stats) {
    Query one;
    one.commands.push_back(q.commands[prefix_end]);
    stats_fields = referenced_fields(one);
  }
  // ... and, when it can be merged, is computed chunk by chunk (split_stats).
  std::optional<Query> partial_q, final_q;
  if (stats_fields)
    if (auto split = split_stats(q.commands[prefix_end])) {
      partial_q = q;
      partial_q->commands[prefix_end] = std::move(split->first);
      final_q = q;
      final_q->commands[prefix_end] = std::move(split->second);
    }

  RunResult result;
  Warnings warn(q.text);
  RunOutput out;
  for (const Index* idx : all) out.index_names.push_back(idx->name);
  Page acc;
  std::vector<Page> parts;
  bool started = false, failed = false;
  // Each chunk's warnings, recorded, replayed once all are read (Warnings::replay_all).
  std::vector<std::unique_ptr<Warnings>> chunk_warnings;
  // A chunk's columns: the union's (a column its index lacks is null).
  auto union_page = [&](Page&& chunk) {
    Page page;
    page.origin = std::move(chunk.origin);
    const std::size_t rows = page.origin.size();
    for (const auto& [name, type] : cols) {
      int src = chunk.find(name);
      if (src >= 0) page.columns.push_back(Column{name, type, std::move(chunk.columns[static_cast<std::size_t>(src)].cells)});
      else page.columns.push_back(Column{name, type, std::vector<Cell>(rows)});
    }
    return page;
  };
  // After the window and METADATA: the leading row-by-row commands, and the partial STATS.
  // Throws QueryError.
  auto run_prefix = [&](Page& page, Warnings& w, RunOutput& o) {
    for (std::size_t ci = 1; ci < prefix_end; ++ci) run_command(q, ci, page, w, opts, o, all);
    if (stats_fields)
      std::erase_if(page.columns, [&](const Column& col) {
        return !std::binary_search(stats_fields->begin(), stats_fields->end(), col.name);
      });
    if (partial_q) run_command(*partial_q, prefix_end, page, w, opts, o, all);
  };
  // One chunk of documents of chosen index k: the union's columns, the window, METADATA, then
  // the leading row-by-row commands; what is left joins `acc`.
  auto take_chunk = [&](std::size_t k, Page&& chunk) {
    if (failed) return;
    const Index& idx = *chosen[k];
    Page page = union_page(std::move(chunk));
    std::size_t rows = page.rows();
    if (opts.window || idx.excluded_docs || idx.seen_docs) {
      const WindowColumns wc = window_columns(page, opts);
      std::vector<std::size_t> sel;
      for (std::size_t r = 0; r < rows; ++r) {
        if (opts.window && !row_in_window(page, wc, r, *opts.window)) continue;
        if (idx.excluded_docs) {
          if (idx.excluded(static_cast<std::size_t>(page.origin[r] & 0xffffffff))) {
            ++out.excluded[chosen_no[k]];
            continue;
          }
        }
        if (idx.seen_docs && idx.seen(static_cast<std::size_t>(page.origin[r] & 0xffffffff))) {
          ++out.seen[chosen_no[k]];
          continue;
        }
        sel.push_back(r);
      }
      keep_rows(page, sel);
      rows = page.rows();
    }
    out.documents[chosen_no[k]].second += rows;
    for (const auto& m0 : meta) {
      Column m{m0.name, m0.type, {}};
      for (std::size_t r = 0; r < rows; ++r) {
        std::int64_t ordinal = page.origin[r] & 0xffffffff;
        m.cells.push_back(document_metadata(m.name, std::to_string(ordinal + 1), idx.name));
      }
      set_column(page, std::move(m));
    }
    chunk_warnings.push_back(std::make_unique<Warnings>(Warnings::recording(q.text)));
    try {
      run_prefix(page, *chunk_warnings.back(), out);
    } catch (const QueryError&) {
      failed = true;  // the whole-index run gives the error, with every column there
      return;
    }
    // Kept chunk by chunk and joined once at the end, sized exactly (appending to one page would
    // hold up to three times its cells while a vector grows).
    started = true;
    parts.push_back(std::move(page));
  };
  // Where no step needs a document's position in the file (no METADATA, no documents left out by
  // earlier runs), all of it runs on the reading threads, each batch on the thread that read it
  // (its warnings recorded and replayed here in file order): this thread only collects the pages.
  struct StageOut : ChunkWork {
    explicit StageOut(std::string_view text) : warn(Warnings::recording(text)) {}
    Warnings warn;
    std::size_t in_window = 0;
    bool failed = false;
  };
  bool on_readers = meta.empty();
  for (const Index* idx : chosen)
    if (idx->excluded_docs || idx->seen_docs) on_readers = false;
  std::optional<FusedStats> fused;
  if (on_readers && partial_q && chosen.size() == 1 && chosen[0]->streamed())
    fused = fuse_stats(q, prefix_end, partial_q->commands[prefix_end], plans[0], opts.window_fields());
  auto stage = [&](Page& chunk, const std::vector<ViewColumn>& views) -> std::unique_ptr<ChunkWork> {
    auto so = std::make_unique<StageOut>(q.text);
    // The rule's window.
    auto window = [&](Page& page) {
      if (!opts.window) return;
      const WindowColumns wc = window_columns(page, opts);
      std::vector<std::size_t> sel;
      for (std::size_t r = 0; r < page.rows(); ++r)
        if (row_in_window(page, wc, r, *opts.window)) sel.push_back(r);
      keep_rows(page, sel);
    };
    if (fused) {
      // (the lazy fields are views, not columns: union_page would make them null columns)
      Page page;
      page.origin = std::move(chunk.origin);
      for (auto& col : chunk.columns) page.columns.push_back(std::move(col));
      window(page);
      so->in_window = page.rows();
      // Whether a field of `fields` (all lazy ones: empty) holds anything but one string or none in a row of the page.
      auto other = [&](const std::vector<std::size_t>* fields) {
        for (std::size_t j = 0; j < views.size(); ++j) {
          if (views[j].other.empty() || (fields && !std::binary_search(fields->begin(), fields->end(), j))) continue;
          for (auto o : page.origin)
            if (views[j].kind[static_cast<std::size_t>(o & 0xffffffff)] == ViewColumn::Other) return true;
        }
        return false;
      };
      // The lazy fields as columns of the page's rows, for the commands as written.
      auto materialize = [&] {
        for (std::size_t j = 0; j < plans[0].fields.size(); ++j) {
          if (!plans[0].fields[j].lazy) continue;
          Column col{plans[0].fields[j].name, plans[0].fields[j].type, {}};
          col.cells.reserve(page.rows());
          for (auto o : page.origin) col.cells.push_back(views[j].cell(static_cast<std::size_t>(o & 0xffffffff)));
          set_column(page, std::move(col));
        }
      };
      try {
        RunOutput local;
        bool columns = false;  // the lazy fields are columns of the page
        if (!fused->where.empty() && !other(&fused->where_fields)) {
          std::vector<std::size_t> sel;
          for (std::size_t r = 0; r < page.rows(); ++r) {
            const auto row = static_cast<std::size_t>(page.origin[r] & 0xffffffff);
            bool keep = true;
            for (const auto& w : fused->where) keep = keep && w->judge(views, row) == 1;
            if (keep) sel.push_back(r);
          }
          keep_rows(page, sel);
        } else {
          if (!fused->where.empty()) {
            materialize();
            columns = true;
          }
          for (std::size_t ci = 1; ci < prefix_end; ++ci) run_command(q, ci, page, so->warn, opts, local, all);
        }
        if (!columns && !other(nullptr)) {
          chunk = fused_partial(*fused, page.origin, views);
          return so;
        }
        // Some value is not one string: the lazy fields become columns, and the STATS runs as written.
        if (!columns) materialize();
        std::erase_if(page.columns, [&](const Column& col) {
          return !std::binary_search(stats_fields->begin(), stats_fields->end(), col.name);
        });
        run_command(*partial_q, prefix_end, page, so->warn, opts, local, all);
      } catch (const QueryError&) {
        so->failed = true;
      }
      chunk = std::move(page);
      return so;
    }
    Page page = union_page(std::move(chunk));
    window(page);
    so->in_window = page.rows();
    try {
      RunOutput local;
      run_prefix(page, so->warn, local);
    } catch (const QueryError&) {
      so->failed = true;
    }
    chunk = std::move(page);
    return so;
  };
  auto take_staged = [&](std::size_t k, Page&& page, std::unique_ptr<ChunkWork> work) {
    if (failed) return;
    auto& so = static_cast<StageOut&>(*work);
    if (so.failed) {
      failed = true;
      return;
    }
    out.documents[chosen_no[k]].second += so.in_window;
    chunk_warnings.push_back(std::make_unique<Warnings>(std::move(so.warn)));
    started = true;
    parts.push_back(std::move(page));
  };
  for (std::size_t k = 0; k < chosen.size() && !failed; ++k) {
    if (!chosen[k]->streamed()) continue;
    std::vector<std::uint32_t>& lines = out.source_lines[chosen_no[k]];
    // (A STATS computed chunk by chunk takes each batch as it comes: its cells are not moved.)
    auto each = [&](Page&& chunk, std::unique_ptr<ChunkWork> work) {
      if (work) take_staged(k, std::move(chunk), std::move(work));
      else take_chunk(k, std::move(chunk));
    };
    auto st = on_readers ? stream_documents(*chosen[k], chosen_no[k], plans[k], rulelab::kBatchRows, lines, each, stage)
                         : stream_documents(*chosen[k], chosen_no[k], plans[k], partial_q ? rulelab::kBatchRows : 16384, lines, each);
    if (!st) {
      return std::nullopt;  // (the whole-index run reads the file as add_index does, and says what is wrong)
    }
    out.documents[chosen_no[k]].first = st->documents;
    for (std::size_t f = 0; f < plans[k].fields.size() && f < st->malformed.size(); ++f)
      if (st->malformed[f].values) out.notes.push_back(malformed_note(*chosen[k], plans[k].fields[f].name, plans[k].fields[f].mtype, st->malformed[f]));
    if (st->watch_seen) return std::nullopt;
    for (std::size_t f = 0; f < plans[k].fields.size(); ++f)
      if (!st->field_seen[f] && !plans[k].fields[f].user) return std::nullopt;
  }
  if (failed) return std::nullopt;
  {
    std::map<const Expr*, std::size_t> rank;
    std::size_t next = 0;
    for (std::size_t ci = 1; ci < prefix_end; ++ci) eval_order(q.commands[ci], rank, next);
    if (partial_q) eval_order(partial_q->commands[prefix_end], rank, next);
    std::vector<const Warnings*> recs;
    for (const auto& w : chunk_warnings) recs.push_back(w.get());
    Warnings::replay_all(recs, rank, warn);
  }
  if (!parts.empty()) {
    std::size_t total = 0;
    for (const auto& p : parts) total += p.rows();
    acc.columns.clear();
    for (const auto& col : parts.front().columns) {
      acc.columns.push_back(Column{col.name, col.type, {}});
      acc.columns.back().cells.reserve(total);
    }
    acc.origin.reserve(total);
    for (auto& p : parts) {
      for (std::size_t j = 0; j < acc.columns.size() && j < p.columns.size(); ++j) {
        auto& dst = acc.columns[j].cells;
        auto& srcc = p.columns[j].cells;
        dst.insert(dst.end(), std::make_move_iterator(srcc.begin()), std::make_move_iterator(srcc.end()));
        std::vector<Cell>().swap(srcc);  // its memory goes back now
      }
      acc.origin.insert(acc.origin.end(), p.origin.begin(), p.origin.end());
      p = Page{};
    }
    parts.clear();
  }
  try {
    if (!started) {
      // No documents: the leading commands still run (over no rows) to type the columns.
      Page page;
      for (const auto& [name, type] : cols) page.columns.push_back(Column{name, type, {}});
      for (auto& m : meta) set_column(page, Column{m.name, m.type, {}});
      for (std::size_t ci = 1; ci < prefix_end; ++ci) run_command(q, ci, page, warn, opts, out, all);
      acc = std::move(page);
    }
    for (std::size_t ci = prefix_end; ci < q.commands.size(); ++ci)
      run_command(partial_q && started && ci == prefix_end ? *final_q : q, ci, acc, warn, opts, out, all);
  } catch (const QueryError& e) {
    result.error = RunError{error_at(q.text, e.offset, e.what(), opts.where), e.unsupported, e.needs_service};
    return result;
  }
  finish(acc, opts, result_cap(q));
  out.page = std::move(acc);
  out.warnings = warn.list();
  result.output = std::move(out);
  return result;
}

}  // namespace

namespace {

// What a command did to the traced rows (`now`: those after it), for explain.
void trace_note(const Command& c, const Page& page, const std::vector<std::size_t>& now, TraceStep& step) {
  step.rows_after = now.size();
  auto positions = [&] {
    std::string s;
    for (std::size_t k = 0; k < now.size() && k < 5; ++k) s += (k ? ", " : "") + std::to_string(now[k] + 1);
    if (now.size() > 5) s += ", ...";
    return s;
  };
  if (c.kind == CommandKind::Stats && !now.empty()) {
    step.note = "aggregated into " + std::to_string(now.size()) + " group row" + (now.size() == 1 ? "" : "s") + " (of " +
                std::to_string(page.rows()) + "):";
    for (std::size_t k = 0; k < now.size() && k < 5; ++k) {
      step.note += k ? "; " : " ";
      for (std::size_t b = 0; b < c.by.size(); ++b) {
        int i = page.find(c.by[b].name);
        if (i >= 0) step.note += (b ? ", " : "") + c.by[b].name + "=" + cell_json(page.columns[static_cast<std::size_t>(i)].type, page.columns[static_cast<std::size_t>(i)].cells[now[k]]);
      }
      if (c.by.empty()) step.note += "the single row (no BY)";
    }
  } else if (c.kind == CommandKind::Limit && now.size() < step.rows_before) {
    step.note = "LIMIT " + std::to_string(c.limit) + " keeps the first " + std::to_string(c.limit) + " rows; the event's row was not among them";
  } else if (c.kind == CommandKind::Sort && !now.empty()) {
    step.note = "row position after SORT: " + positions();
  } else if (c.kind == CommandKind::MvExpand && now.size() > step.rows_before) {
    step.note = "expanded into " + std::to_string(now.size()) + " rows";
  } else if (c.kind == CommandKind::From) {
    step.note = now.empty() ? "not read: its index is not one FROM names, or the rule's window excludes it" : "read";
  } else if (c.kind == CommandKind::Where && now.size() < step.rows_before) {
    step.note = "dropped: the condition is not true on the event's row";
  }
}

}  // namespace

// ---- Elasticsearch's filter rewrites -----------------------------------------------------------
// Elasticsearch's logical optimizer moves and merges filters before it runs a query, and which rows
// an expression is evaluated on decides which warnings the response carries. rulelab applies the
// same rewrites (results are unchanged; only what gets evaluated, and so warned about):
// - PushDownAndCombineFilters: two WHEREs in a row become one WHERE of `a AND b` (both sides are
//   evaluated on every row, as AND is); a WHERE's conjuncts move below SORT, KEEP, DROP, and below
//   an EVAL whose columns they do not read (`EVAL e = URL_ENCODE(f) | WHERE id IN (...)` encodes
//   only the kept rows).
// - CombineDisjunctions: `f == a OR f == b` (and IN lists of f) becomes `f IN (a, b)`, and
//   `CIDR_MATCH(f, a) OR CIDR_MATCH(f, b)` one CIDR_MATCH(f, a, b); the merged expression carries
//   the field's text and position ("evaluation of [f] failed" at the field).
// `explain` runs the query as written (its trace names the user's commands).
namespace {

void field_names(const Expr& e, std::set<std::string>& out) {
  if (e.kind == ExprKind::Field) out.insert(e.name);
  for (const auto& a : e.args)
    if (a) field_names(*a, out);
}


ExprPtr and_of(const ExprPtr& a, const ExprPtr& b) {
  auto e = std::make_shared<Expr>();
  e->kind = ExprKind::And;
  e->begin = std::min(a->begin, b->begin);
  e->end = std::max(a->end, b->end);
  e->args = {a, b};
  return e;
}

void split_or(const ExprPtr& e, std::vector<ExprPtr>& out) {
  if (e->kind == ExprKind::Or) {
    split_or(e->args[0], out);
    split_or(e->args[1], out);
  } else out.push_back(e);
}

ExprPtr combine_disjunctions(const ExprPtr& e) {
  if (!e) return e;
  if (e->kind != ExprKind::Or) {
    if (e->kind != ExprKind::And && e->kind != ExprKind::Not) return e;
    auto c = std::make_shared<Expr>(*e);
    for (auto& a : c->args) a = combine_disjunctions(a);
    return c;
  }
  std::vector<ExprPtr> parts;
  split_or(e, parts);
  for (auto& p : parts) p = combine_disjunctions(p);
  auto lit = [](const ExprPtr& x) { return x->kind == ExprKind::Literal && !x->value.empty(); };
  // The field and values of a disjunct that can merge: "=" for f == v / f IN (...), "cidr" for CIDR_MATCH.
  auto key_of = [&](const ExprPtr& x, ExprPtr& field, std::vector<ExprPtr>& vals) -> std::string {
    vals.clear();
    if (x->kind == ExprKind::Compare && x->name == "==" && x->args.size() == 2) {
      int fi = x->args[0]->kind == ExprKind::Field ? 0 : x->args[1]->kind == ExprKind::Field ? 1 : -1;
      if (fi < 0 || !lit(x->args[1 - fi])) return {};
      field = x->args[fi];
      vals.push_back(x->args[1 - fi]);
      return "=" + field->name;
    }
    if (x->kind == ExprKind::In && !x->negated && !x->args.empty() && x->args[0]->kind == ExprKind::Field) {
      for (std::size_t i = 1; i < x->args.size(); ++i)
        if (!lit(x->args[i])) return {};
      field = x->args[0];
      vals.assign(x->args.begin() + 1, x->args.end());
      return "=" + field->name;
    }
    if (x->kind == ExprKind::Call && x->name == "cidr_match" && x->args.size() >= 2 && x->args[0]->kind == ExprKind::Field) {
      for (std::size_t i = 1; i < x->args.size(); ++i)
        if (!lit(x->args[i])) return {};
      field = x->args[0];
      vals.assign(x->args.begin() + 1, x->args.end());
      return "cidr" + field->name;
    }
    return {};
  };
  std::map<std::string, std::size_t> count;
  {
    ExprPtr f;
    std::vector<ExprPtr> v;
    for (const auto& p : parts)
      if (auto k = key_of(p, f, v); !k.empty()) ++count[k];
  }
  std::vector<ExprPtr> out;
  std::map<std::string, std::size_t> slot;
  for (const auto& p : parts) {
    ExprPtr f;
    std::vector<ExprPtr> v;
    std::string k = key_of(p, f, v);
    if (k.empty() || count[k] < 2) {
      out.push_back(p);
      continue;
    }
    auto it = slot.find(k);
    if (it == slot.end()) {
      auto m = std::make_shared<Expr>();
      m->kind = k[0] == '=' ? ExprKind::In : ExprKind::Call;
      if (k[0] != '=') m->name = "cidr_match";
      m->begin = f->begin;
      m->end = f->end;
      m->args.push_back(f);
      slot[k] = out.size();
      out.push_back(m);
      it = slot.find(k);
    }
    auto& args = out[it->second]->args;
    args.insert(args.end(), v.begin(), v.end());
  }
  ExprPtr acc = out[0];
  for (std::size_t i = 1; i < out.size(); ++i) {
    auto o = std::make_shared<Expr>();
    o->kind = ExprKind::Or;
    o->begin = e->begin;
    o->end = e->end;
    o->args = {acc, out[i]};
    acc = o;
  }
  return acc;
}

// Where a WHERE conjunct reading `names` can run: below the trailing SORT / KEEP / DROP commands
// and EVALs that do not make any of them.
std::size_t filter_position(const std::vector<Command>& cmds, const std::set<std::string>& names) {
  std::size_t pos = cmds.size();
  while (pos > 0) {
    const Command& c = cmds[pos - 1];
    // Past KEEP only with every name it reads kept, past DROP with none dropped: an unknown column
    // stays the error it is where the user wrote the WHERE.
    auto named = [&](const std::string& n) {
      for (const auto& p : c.patterns)
        if (glob_match(p, n)) return true;
      return false;
    };
    bool pass = c.kind == CommandKind::Sort;
    if (c.kind == CommandKind::Keep) pass = std::all_of(names.begin(), names.end(), named);
    if (c.kind == CommandKind::Drop) pass = std::none_of(names.begin(), names.end(), named);
    if (c.kind == CommandKind::Eval) {
      pass = true;
      for (const auto& a : c.fields) pass = pass && !names.count(a.name);
    }
    if (!pass) break;
    --pos;
  }
  return pos;
}

Query optimize_filters(const Query& q) {
  Query out;
  out.text = q.text;
  out.appended_limit = q.appended_limit;
  for (const Command& c : q.commands) {
    if (c.kind == CommandKind::Fork) {  // each branch on its own: a filter stays in its branch
      Command f = c;
      for (auto& b : f.branches) {
        Query bq;
        bq.text = q.text;
        bq.commands = std::move(b);
        b = optimize_filters(bq).commands;
      }
      out.commands.push_back(std::move(f));
      continue;
    }
    if (c.kind != CommandKind::Where || !c.expr || out.commands.empty()) {
      out.commands.push_back(c);
      continue;
    }
    std::vector<ExprPtr> conj;
    and_parts(combine_disjunctions(c.expr), conj);
    for (const auto& x : conj) {
      std::set<std::string> names;
      field_names(*x, names);
      std::size_t pos = filter_position(out.commands, names);
      if (pos > 0 && out.commands[pos - 1].kind == CommandKind::Where) {
        out.commands[pos - 1].expr = and_of(out.commands[pos - 1].expr, x);
      } else {
        Command w = c;
        w.expr = x;
        out.commands.insert(out.commands.begin() + static_cast<std::ptrdiff_t>(pos), std::move(w));
      }
    }
  }
  return out;
}

}  // namespace

RunResult run_query_as_written(const Query& q, const Catalog& catalog, const RunOptions& opts);

RunResult run_query(const Query& q, const Catalog& catalog, const RunOptions& opts) {
  if (opts.trace) return run_query_as_written(q, catalog, opts);
  return run_query_as_written(optimize_filters(q), catalog, opts);
}

RunResult run_query_as_written(const Query& q, const Catalog& catalog, const RunOptions& opts) {
  if (auto streamed = run_streamed(q, catalog, opts)) return std::move(*streamed);
  RunResult result;
  Warnings warn(q.text);
  RunOutput out;
  // Indices read at query time are loaded whole here, those the query's FROM names.
  std::vector<Index> loaded;
  loaded.reserve(catalog.indices().size());
  std::vector<const Index*> all;
  for (const auto& idx : catalog.indices()) {
    bool named = false;
    if (idx.streamed())
      for (const Command* c : all_commands(q))  // (a LOOKUP JOIN in a FORK branch too)
        for (const auto& pat : c->indices) named = named || glob_match(pat, idx.name);
    if (!named) {
      all.push_back(&idx);
      continue;
    }
    const std::vector<std::string> wanted = referenced_fields(q);
    auto l = load_streamed(idx, needs_documents(q), &wanted);
    if (!l) {
      result.error = RunError{l.error(), false};
      return result;
    }
    l->excluded_docs = idx.excluded_docs;
    l->seen_docs = idx.seen_docs;
    loaded.push_back(std::move(*l));
    // The documents' lines: the provenance of rows (Index::lines of the catalog's index is empty).
    out.source_lines[all.size()].assign(loaded.back().lines.begin(), loaded.back().lines.end());
    all.push_back(&loaded.back());
  }
  try {
    Page page;
    std::optional<TraceState> trace;
    if (opts.trace) {
      trace.emplace();
      trace->ids.insert(*opts.trace);
    }
    auto traced = [&](const Page& p) {
      std::vector<std::size_t> v;
      for (std::size_t r = 0; r < p.rows(); ++r)
        if (trace->ids.count(p.origin[r])) v.push_back(r);
      return v;
    };
    for (std::size_t ci = 0; ci < q.commands.size(); ++ci) {
      if (!trace) {
        run_command(q, ci, page, warn, opts, out, all);
        continue;
      }
      const Command& c = q.commands[ci];
      trace->before = traced(page);
      trace->step = TraceStep{};
      TraceStep& step = trace->step;
      step.command = ci;
      step.text = command_text(q.text, c);
      step.rows_before = trace->before.size();
      run_command(q, ci, page, warn, opts, out, all, &*trace);
      trace_note(c, page, traced(page), step);
      out.trace.push_back(std::move(step));
    }
    const std::size_t cap = result_cap(q);
    if (trace && opts.implicit_limit && page.rows() > cap) {
      std::size_t before = traced(page).size();
      Page cut = page;
      finish(cut, opts, cap);
      if (traced(cut).size() < before) {
        TraceStep step;
        step.command = q.commands.size();
        step.text = q.appended_limit ? "| limit " + std::to_string(q.appended_limit) + " (appended by Kibana)" : "LIMIT " + std::to_string(cap) + " (implicit)";
        step.rows_before = before;
        step.rows_after = traced(cut).size();
        step.note = q.appended_limit ? "Kibana's rule executor appends `| limit " + std::to_string(q.appended_limit) +
                                           "` (max_signals + 1) to the query (the ES|QL API returns at most 10,000 rows); the event's row was not among those it returned"
                    : cap == 1000 ? "the ES|QL API returns at most 1000 rows unless the query sets LIMIT; the event's row was not among them"
                                  : "the ES|QL API returns at most 10,000 rows whatever the query's LIMIT; the event's row was not among them";
        out.trace.push_back(std::move(step));
      }
    }
    finish(page, opts, cap);
    if (trace) out.traced_rows = traced(page);
    out.page = std::move(page);
    out.warnings = warn.list();
    result.output = std::move(out);
  } catch (const QueryError& e) {
    result.error = RunError{error_at(q.text, e.offset, e.what(), opts.where), e.unsupported, e.needs_service};
  }
  return result;
}

}  // namespace rulelab::esql
