// Aggregation functions (learn.microsoft.com/kusto/query/<name>-aggregation-function).
#include "engine/aggregates.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_set>

namespace rulelab::engine {
namespace {

using Types = std::vector<Type>;
using Consts = std::vector<const Value*>;

std::vector<Type> one(Type t) { return {t}; }
std::vector<Type> t_long(const Types&, const Consts&, std::string&) { return one(Type::Long); }
std::vector<Type> t_real(const Types&, const Consts&, std::string&) { return one(Type::Real); }
std::vector<Type> t_dynamic(const Types&, const Consts&, std::string&) { return one(Type::Dynamic); }
std::vector<Type> t_first(const Types& a, const Consts&, std::string&) { return one(a.empty() ? Type::Dynamic : a[0]); }
std::vector<Type> t_all(const Types& a, const Consts&, std::string&) { return a; }
std::vector<Type> t_sum(const Types& a, const Consts&, std::string& err) {
  Type t = a[0];
  if (t == Type::Int || t == Type::Long || t == Type::Bool) return one(Type::Long);
  if (t == Type::Real || t == Type::Decimal || t == Type::Dynamic) return one(Type::Real);
  if (t == Type::TimeSpan) return one(Type::TimeSpan);
  err = "sum() expects a numeric argument, got " + std::string(type_name(t));
  return one(Type::Real);
}
// avg(): real, but a datetime or timespan average keeps its type (Kusto.Language's avg signatures:
// avg(timespan) is timespan, avg(datetime) is datetime).
std::vector<Type> t_avg(const Types& a, const Consts&, std::string&) {
  const Type t = a.empty() ? Type::Real : a[0];
  return one(t == Type::DateTime || t == Type::TimeSpan ? t : Type::Real);
}
bool truthy(const Value& v) { return !v.is_null() && (v.type == Type::Bool ? v.i != 0 : convert_to(v, Type::Bool).i != 0); }

// count(), countif(p)
struct Count : AggState {
  bool conditional;
  std::int64_t n = 0;
  explicit Count(bool c) : conditional(c) {}
  void add(const Value* a, std::size_t) override { if (!conditional || truthy(a[0])) ++n; }
  std::vector<Value> result() const override { return {Value::of_long(n)}; }
};
// dcount(x), dcountif(x, p): exact distinct count (Kusto's is an estimate; exact for small inputs).
struct DCount : AggState {
  bool conditional;
  std::unordered_set<std::string> seen;
  explicit DCount(bool c) : conditional(c) {}
  void add(const Value* a, std::size_t) override {
    if (a[0].is_null() || (conditional && !truthy(a[1]))) return;
    std::string k;
    append_key(k, a[0]);
    seen.insert(std::move(k));
  }
  std::vector<Value> result() const override { return {Value::of_long(static_cast<std::int64_t>(seen.size()))}; }
};
// sum/sumif/avg/avgif
struct Sum : AggState {
  Type in, out;
  bool conditional, average;
  std::int64_t isum = 0;
  double rsum = 0;
  std::int64_t n = 0;
  // avg of datetimes/timespans: ticks summed as offsets from the first value (no overflow)
  std::int64_t first_ticks = 0;
  long double tick_offsets = 0;
  Sum(Type i, Type o, bool c, bool avg) : in(i), out(o), conditional(c), average(avg) {}
  void add(const Value* a, std::size_t) override {
    if (a[0].is_null() || (conditional && !truthy(a[1]))) return;
    if (average && (out == Type::DateTime || out == Type::TimeSpan)) {
      if (n++ == 0) first_ticks = a[0].i;
      tick_offsets += static_cast<long double>(a[0].i) - static_cast<long double>(first_ticks);
      return;
    }
    bool ok;
    double d = number_of(a[0], ok);
    if (!ok) return;
    ++n;
    if (a[0].type == Type::Int || a[0].type == Type::Long || a[0].type == Type::TimeSpan || a[0].type == Type::Bool) isum += a[0].i;
    rsum += d;
  }
  std::vector<Value> result() const override {
    if (average && (out == Type::DateTime || out == Type::TimeSpan)) {
      if (n == 0) return {Value::null_of(out)};
      const auto ticks = first_ticks + static_cast<std::int64_t>(std::llround(static_cast<double>(tick_offsets / static_cast<long double>(n))));
      return {out == Type::DateTime ? Value::of_datetime(ticks) : Value::of_timespan(ticks)};
    }
    if (average) {
      if (n == 0) return {Value::null_of(Type::Real)};
      return {Value::of_real(rsum / static_cast<double>(n))};
    }
    if (n == 0) return {Value::null_of(out)};
    if (out == Type::Long) return {Value::of_long(isum)};
    if (out == Type::TimeSpan) return {Value::of_timespan(isum)};
    return {Value::of_real(rsum)};
  }
};
// min/max/minif/maxif
struct MinMax : AggState {
  bool is_max, conditional;
  Value best;
  MinMax(Type t, bool mx, bool c) : is_max(mx), conditional(c), best(Value::null_of(t)) {}
  void add(const Value* a, std::size_t) override {
    if (a[0].is_null() || (conditional && !truthy(a[1]))) return;
    if (a[0].type == Type::String && a[0].s.empty()) return;
    if (best.is_null() || (best.type == Type::String && best.s.empty())) { best = a[0]; return; }
    auto c = compare_values(a[0], best);
    if (c && (is_max ? *c > 0 : *c < 0)) best = a[0];
  }
  std::vector<Value> result() const override { return {best}; }
};
// arg_max / arg_min (ExprToMaximize, cols...): the row where the expression is largest.
struct ArgMax : AggState {
  bool is_max;
  std::vector<Value> best;
  bool have = false, have_null_row = false;
  ArgMax(const Types& t, bool mx) : is_max(mx) { for (Type x : t) best.push_back(Value::null_of(x)); }
  void add(const Value* a, std::size_t n) override {
    // arg-max-aggregation-function, "Null handling": rows where the expression is null are
    // ignored, unless it is null on every row: then one row is picked (the documented example
    // gives Banana's first row, Yellow: rulelab picks the first).
    if (a[0].is_null()) {
      if (!have && !have_null_row && best.size() == n) { for (std::size_t i = 0; i < n; ++i) best[i] = a[i]; have_null_row = true; }
      return;
    }
    if (have) {
      auto c = compare_values(a[0], best[0]);
      if (!c || !(is_max ? *c > 0 : *c < 0)) return;
    }
    have = true;
    for (std::size_t i = 0; i < n; ++i) best[i] = a[i];
  }
  std::vector<Value> result() const override { return best; }
};
// make_list / make_set (+ _if), max size as the optional last argument.
struct MakeList : AggState {
  bool set, conditional, with_nulls;
  std::int64_t max = 1048576;
  std::string b;
  std::size_t count = 0;
  std::unordered_set<std::string> seen;
  std::vector<std::string> items;
  MakeList(bool s, bool c, bool wn, const std::vector<Value>& consts) : set(s), conditional(c), with_nulls(wn) {
    std::size_t k = c ? 2 : 1;
    if (consts.size() > k && !consts[k].is_null()) { bool ok; max = static_cast<std::int64_t>(number_of(consts[k], ok)); }
  }
  void add(const Value* a, std::size_t) override {
    if (conditional && !truthy(a[1])) return;
    if (a[0].is_null() && !with_nulls) return;
    if (static_cast<std::int64_t>(items.size()) >= max) return;
    if (set) {
      // make-set-aggregation-function, "Set from array column": an array adds its elements.
      if (a[0].type == Type::Dynamic && a[0].dyn().is_array()) {
        a[0].dyn().for_each_element([&](DynRef e) {
          if (static_cast<std::int64_t>(items.size()) >= max) return;
          Value v = Value::of_dynamic(e);
          std::string k;
          append_key(k, v);
          if (!seen.insert(k).second) return;
          std::string el;
          DynWriter w(el);
          w.raw(e);
          items.push_back(std::move(el));
        });
        return;
      }
      Value v = a[0];
      std::string k;
      append_key(k, v);
      if (!seen.insert(k).second) return;
    }
    std::string e;
    DynWriter w(e);
    write_dynamic(w, a[0]);
    items.push_back(std::move(e));
  }
  std::vector<Value> result() const override {
    std::string out;
    DynWriter w(out);
    w.begin_array();
    for (auto& e : items) w.raw(DynRef(std::string_view(e)));
    w.end();
    return {Value::of_dynamic(std::move(out))};
  }
};
// make_bag(dyn [, max]): merges property bags; the first value of a key wins.
struct MakeBag : AggState {
  bool conditional;
  std::vector<std::pair<std::string, std::string>> members;
  std::set<std::string> seen;
  explicit MakeBag(bool c) : conditional(c) {}
  void add(const Value* a, std::size_t) override {
    if (conditional && !truthy(a[1])) return;
    if (a[0].type != Type::Dynamic || !a[0].dyn().is_object()) return;
    a[0].dyn().for_each_member([&](std::string_view k, DynRef v) {
      if (seen.insert(std::string(k)).second) members.emplace_back(std::string(k), std::string(v.bytes()));
    });
  }
  std::vector<Value> result() const override {
    std::string out;
    DynWriter w(out);
    w.begin_object();
    for (auto& [k, v] : members) { w.key(k); w.raw(DynRef(std::string_view(v))); }
    w.end();
    return {Value::of_dynamic(std::move(out))};
  }
};
// take_any(x, ...) / any(): one (the first seen) value; take_anyif(x, p).
struct TakeAny : AggState {
  bool conditional;
  std::vector<Value> vals;
  bool have = false;
  TakeAny(const Types& t, bool c) : conditional(c) { for (std::size_t i = 0; i < (c ? 1 : t.size()); ++i) vals.push_back(Value::null_of(t[i])); }
  void add(const Value* a, std::size_t n) override {
    if (have) return;
    if (conditional) { if (!truthy(a[1])) return; n = 1; }
    // with one expression, a non-null, non-empty value is preferred (take-any-aggregation-function)
    if (n == 1 && (a[0].is_null() || (a[0].type == Type::String && a[0].s.empty()))) return;
    for (std::size_t i = 0; i < n && i < vals.size(); ++i) vals[i] = a[i];
    have = true;
  }
  std::vector<Value> result() const override { return vals; }
};
// stdev/variance (sample), stdevp/variancep (population).
struct Variance : AggState {
  bool sample, root, conditional;
  std::vector<double> xs;
  Variance(bool s, bool r, bool c) : sample(s), root(r), conditional(c) {}
  void add(const Value* a, std::size_t) override {
    if (a[0].is_null() || (conditional && !truthy(a[1]))) return;
    bool ok;
    double d = number_of(a[0], ok);
    if (ok) xs.push_back(d);
  }
  std::vector<Value> result() const override {
    const double n = static_cast<double>(xs.size());
    if (xs.empty() || (sample && xs.size() < 2)) return {Value::of_real(0)};
    double mean = 0;
    for (double x : xs) mean += x;
    mean /= n;
    double ss = 0;
    for (double x : xs) ss += (x - mean) * (x - mean);
    double v = ss / (sample ? n - 1 : n);
    return {Value::of_real(root ? std::sqrt(v) : v)};
  }
};
// percentile(x, p) / percentiles(x, p1, ...): nearest-rank on the sorted values.
struct Percentile : AggState {
  Type t;
  std::vector<double> ps;
  std::vector<Value> xs;
  Percentile(Type ty, const std::vector<Value>& consts) : t(ty) {
    for (std::size_t k = 1; k < consts.size(); ++k) { bool ok; ps.push_back(number_of(consts[k], ok)); }
  }
  void add(const Value* a, std::size_t) override { if (!a[0].is_null()) xs.push_back(a[0]); }
  std::vector<Value> result() const override {
    std::vector<Value> sorted = xs;
    std::sort(sorted.begin(), sorted.end(), [](const Value& a, const Value& b) { auto c = compare_values(a, b); return c && *c < 0; });
    std::vector<Value> out;
    for (double p : ps) {
      if (sorted.empty()) { out.push_back(Value::null_of(t)); continue; }
      double rank = std::ceil(p / 100.0 * static_cast<double>(sorted.size()));
      std::size_t idx = rank <= 1 ? 0 : static_cast<std::size_t>(rank) - 1;
      if (idx >= sorted.size()) idx = sorted.size() - 1;
      out.push_back(sorted[idx]);
    }
    return out;
  }
};
std::vector<Type> t_percentiles(const Types& a, const Consts& c, std::string& err) {
  std::vector<Type> r;
  Type t = a[0] == Type::Int ? Type::Long : a[0];
  for (std::size_t k = 1; k < a.size(); ++k) {
    if (!c[k]) err = "percentile values must be constants";
    r.push_back(t);
  }
  return r;
}

}  // namespace

AggregateRegistry::AggregateRegistry() {
  std::string_view cat;  // the reference category of the entries below (empty: the family's)
  auto add = [&](const char* n, int mn, int mx, auto types, auto make) {
    all_.push_back(AggregateFunction{n, mn, mx, types, make}); all_.back().category = cat;
  };
  cat = "Statistical functions";
  add("count", 0, 1, t_long, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<Count>(false); });
  add("countif", 1, 1, t_long, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<Count>(true); });
  add("dcount", 1, 2, t_long, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<DCount>(false); });
  add("count_distinct", 1, 1, t_long, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<DCount>(false); });
  add("dcountif", 2, 3, t_long, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<DCount>(true); });
  add("sum", 1, 1, t_sum, [](const Types& t, const std::vector<Value>& c) -> std::unique_ptr<AggState> { std::string e; (void)c; return std::make_unique<Sum>(t[0], t_sum(t, {}, e)[0], false, false); });
  add("sumif", 2, 2, t_sum, [](const Types& t, const std::vector<Value>&) -> std::unique_ptr<AggState> { std::string e; return std::make_unique<Sum>(t[0], t_sum(t, {}, e)[0], true, false); });
  add("avg", 1, 1, t_avg, [](const Types& t, const std::vector<Value>&) -> std::unique_ptr<AggState> { std::string e; return std::make_unique<Sum>(t[0], t_avg(t, {}, e)[0], false, true); });
  add("avgif", 2, 2, t_avg, [](const Types& t, const std::vector<Value>&) -> std::unique_ptr<AggState> { std::string e; return std::make_unique<Sum>(t[0], t_avg(t, {}, e)[0], true, true); });
  add("min", 1, 1, t_first, [](const Types& t, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<MinMax>(t[0], false, false); });
  add("max", 1, 1, t_first, [](const Types& t, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<MinMax>(t[0], true, false); });
  add("minif", 2, 2, t_first, [](const Types& t, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<MinMax>(t[0], false, true); });
  add("maxif", 2, 2, t_first, [](const Types& t, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<MinMax>(t[0], true, true); });
  cat = "Row selector functions";
  add("arg_max", 1, -1, t_all, [](const Types& t, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<ArgMax>(t, true); });
  add("arg_min", 1, -1, t_all, [](const Types& t, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<ArgMax>(t, false); });
  cat = "Dynamic functions";
  add("make_list", 1, 2, t_dynamic, [](const Types&, const std::vector<Value>& c) -> std::unique_ptr<AggState> { return std::make_unique<MakeList>(false, false, false, c); });
  cat = "rulelab";
  add("makelist", 1, 2, t_dynamic, [](const Types&, const std::vector<Value>& c) -> std::unique_ptr<AggState> { return std::make_unique<MakeList>(false, false, false, c); });
  cat = "Dynamic functions";
  add("make_list_if", 2, 3, t_dynamic, [](const Types&, const std::vector<Value>& c) -> std::unique_ptr<AggState> { return std::make_unique<MakeList>(false, true, false, c); });
  add("make_list_with_nulls", 1, 2, t_dynamic, [](const Types&, const std::vector<Value>& c) -> std::unique_ptr<AggState> { return std::make_unique<MakeList>(false, false, true, c); });
  add("make_set", 1, 2, t_dynamic, [](const Types&, const std::vector<Value>& c) -> std::unique_ptr<AggState> { return std::make_unique<MakeList>(true, false, false, c); });
  cat = "rulelab";
  add("makeset", 1, 2, t_dynamic, [](const Types&, const std::vector<Value>& c) -> std::unique_ptr<AggState> { return std::make_unique<MakeList>(true, false, false, c); });
  cat = "Dynamic functions";
  add("make_set_if", 2, 3, t_dynamic, [](const Types&, const std::vector<Value>& c) -> std::unique_ptr<AggState> { return std::make_unique<MakeList>(true, true, false, c); });
  add("make_bag", 1, 2, t_dynamic, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<MakeBag>(false); });
  add("make_bag_if", 2, 3, t_dynamic, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<MakeBag>(true); });
  cat = "Row selector functions";
  add("take_any", 1, -1, t_all, [](const Types& t, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<TakeAny>(t, false); });
  cat = "rulelab";
  add("any", 1, -1, t_all, [](const Types& t, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<TakeAny>(t, false); });
  cat = "Row selector functions";
  add("take_anyif", 2, 2, t_first, [](const Types& t, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<TakeAny>(t, true); });
  cat = "rulelab";
  add("anyif", 2, 2, t_first, [](const Types& t, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<TakeAny>(t, true); });
  cat = "Statistical functions";
  add("stdev", 1, 1, t_real, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<Variance>(true, true, false); });
  add("stdevif", 2, 2, t_real, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<Variance>(true, true, true); });
  add("stdevp", 1, 1, t_real, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<Variance>(false, true, false); });
  add("variance", 1, 1, t_real, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<Variance>(true, false, false); });
  add("varianceif", 2, 2, t_real, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<Variance>(true, false, true); });
  add("variancep", 1, 1, t_real, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<Variance>(false, false, false); });
  add("percentile", 2, 2, t_percentiles, [](const Types& t, const std::vector<Value>& c) -> std::unique_ptr<AggState> { return std::make_unique<Percentile>(t[0] == Type::Int ? Type::Long : t[0], c); });
  add("percentiles", 2, -1, t_percentiles, [](const Types& t, const std::vector<Value>& c) -> std::unique_ptr<AggState> { return std::make_unique<Percentile>(t[0] == Type::Int ? Type::Long : t[0], c); });
  add_more_aggregates(all_);
  for (std::size_t i = 0; i < all_.size(); ++i) by_name_[all_[i].name] = i;
}

const AggregateFunction* AggregateRegistry::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &all_[it->second];
}

}  // namespace rulelab::engine
