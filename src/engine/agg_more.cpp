// Aggregation functions (learn.microsoft.com/kusto/query/<name>-aggregation-function) beyond
// aggregates.cpp: count_distinctif, variancepif, percentiles_array, percentilew, percentilesw,
// percentilesw_array, binary_all_and/or/xor, buildschema, and the sketches hll, hll_if, hll_merge,
// tdigest, tdigest_merge (merge_tdigests).
//
// Sketches: Kusto's hll() and tdigest() values are its own internal format. rulelab's are its own
// too, and exact: hll() is the array of the distinct values (dcount_hll counts them), tdigest() the
// array of [value, weight] pairs sorted by value (percentile_tdigest and friends read them by
// nearest rank, as percentile() does). Answers over them are exact where Kusto's are estimates.
#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_set>

#include "engine/aggregates.hpp"
#include "engine/sketch.hpp"

namespace rulelab::engine {
namespace {

using Types = std::vector<Type>;
using Consts = std::vector<const Value*>;
using Make = std::unique_ptr<AggState> (*)(const Types&, const std::vector<Value>&);

bool truthy(const Value& v) { return !v.is_null() && (v.type == Type::Bool ? v.i != 0 : convert_to(v, Type::Bool).i != 0); }

std::vector<Type> t_long(const Types&, const Consts&, std::string&) { return {Type::Long}; }
std::vector<Type> t_real(const Types&, const Consts&, std::string&) { return {Type::Real}; }
std::vector<Type> t_dynamic(const Types&, const Consts&, std::string&) { return {Type::Dynamic}; }

// count_distinctif(expr, predicate): the exact number of distinct non-null values where predicate.
struct DistinctIf : AggState {
  std::unordered_set<std::string> seen;
  void add(const Value* a, std::size_t) override {
    if (a[0].is_null() || !truthy(a[1])) return;
    std::string k;
    append_key(k, a[0]);
    seen.insert(std::move(k));
  }
  std::vector<Value> result() const override { return {Value::of_long(static_cast<std::int64_t>(seen.size()))}; }
};

// variancepif(expr, predicate): population variance of the values where predicate (0 without any).
struct VariancePIf : AggState {
  std::vector<double> xs;
  void add(const Value* a, std::size_t) override {
    if (a[0].is_null() || !truthy(a[1])) return;
    bool ok;
    const double d = number_of(a[0], ok);
    if (ok) xs.push_back(d);
  }
  std::vector<Value> result() const override {
    if (xs.empty()) return {Value::of_real(0)};
    double mean = 0;
    for (double x : xs) mean += x;
    mean /= static_cast<double>(xs.size());
    double ss = 0;
    for (double x : xs) ss += (x - mean) * (x - mean);
    return {Value::of_real(ss / static_cast<double>(xs.size()))};
  }
};

// The percentiles of a call: constant numbers from argument `first` on, or one constant dynamic
// array of them (percentiles_array, percentilesw_array).
std::vector<double> percents_of(const std::vector<Value>& consts, std::size_t first) {
  std::vector<double> ps;
  for (std::size_t k = first; k < consts.size(); ++k) {
    if (consts[k].type == Type::Dynamic && !consts[k].is_null() && consts[k].dyn().is_array()) {
      consts[k].dyn().for_each_element([&](DynRef e) { if (e.is_number()) ps.push_back(e.as_number()); });
    } else {
      bool ok;
      const double p = number_of(consts[k], ok);
      if (ok) ps.push_back(p);
    }
  }
  return ps;
}
std::string check_percents(const Types& a, const Consts& c, std::size_t first) {
  if (a.size() <= first) return "expects at least one percentile";
  for (std::size_t k = first; k < a.size(); ++k)
    if (!c[k]) return "percentile values must be constants";
  return "";
}

// percentilew / percentilesw (weighted, one column per percentile), percentiles_array and
// percentilesw_array (one dynamic array): nearest rank over the values, each counted `weight` times
// (percentilesw-aggregation-function's latency buckets: 50, 75, 99.9 of weights 8, 6, 3, 1 over 10,
// 20, 30, 40 are 20, 20, 40).
struct WeightedPercentiles : AggState {
  Type t;
  bool weighted, as_array;
  std::vector<double> ps;
  Digest d;
  WeightedPercentiles(Type ty, bool w, bool arr, const std::vector<Value>& consts)
      : t(ty), weighted(w), as_array(arr), ps(percents_of(consts, w ? 2 : 1)) {}
  void add(const Value* a, std::size_t) override {
    if (a[0].is_null()) return;
    std::int64_t w = 1;
    if (weighted) {
      bool ok;
      const double x = number_of(a[1], ok);
      if (!ok || a[1].is_null() || x <= 0 || !long_of(x, w)) return;
    }
    d.add(a[0], w);
  }
  std::vector<Value> result() const override {
    Digest s = d;
    s.normalize();
    std::vector<Value> out;
    if (as_array) {
      std::string b;
      DynWriter w(b);
      w.begin_array();
      for (double p : ps) {
        const Value* v = s.percentile(p);
        if (v) write_dynamic(w, *v); else w.null();
      }
      w.end();
      return {Value::of_dynamic(std::move(b))};
    }
    for (double p : ps) {
      const Value* v = s.percentile(p);
      out.push_back(v ? convert_to(*v, t) : Value::null_of(t));
    }
    return out;
  }
};
std::vector<Type> t_percentilesw(const Types& a, const Consts& c, std::string& err) {
  err = check_percents(a, c, 2);
  const Type t = a[0] == Type::Int ? Type::Long : a[0];
  std::vector<Type> r;
  for (std::size_t k = 2; k < a.size(); ++k) r.push_back(t);
  if (r.empty()) r.push_back(t);
  return r;
}
std::vector<Type> t_percentiles_array(const Types& a, const Consts& c, std::string& err) {
  err = check_percents(a, c, 1);
  return {Type::Dynamic};
}
std::vector<Type> t_percentilesw_array(const Types& a, const Consts& c, std::string& err) {
  err = check_percents(a, c, 2);
  return {Type::Dynamic};
}

// binary_all_and / binary_all_or / binary_all_xor (expr): the bitwise fold of the non-null longs;
// null when there is none.
struct BinaryAll : AggState {
  char op;
  bool have = false;
  std::int64_t acc = 0;
  explicit BinaryAll(char o) : op(o) {}
  void add(const Value* a, std::size_t) override {
    if (a[0].is_null()) return;
    bool ok;
    std::int64_t v;
    if (a[0].type == Type::Int || a[0].type == Type::Long) v = a[0].i;
    else {
      const double d = number_of(a[0], ok);
      if (!ok) return;
      if (!long_of(d, v)) return;
    }
    if (!have) { acc = v; have = true; return; }
    acc = op == '&' ? (acc & v) : op == '|' ? (acc | v) : (acc ^ v);
  }
  std::vector<Value> result() const override { return {have ? Value::of_long(acc) : Value::null_of(Type::Long)}; }
};

// buildschema(DynamicExpr) (buildschema-aggregation-function): the minimal schema admitting every
// value: a scalar is its type name (long, double, string, bool), an object is an object of its
// keys' schemas, an array is {"`indexer`": schema of its elements}; a key with several kinds of
// value holds the list of the alternatives, in the order first seen. Nulls admit anything.
struct Schema {
  std::vector<std::string> alts;  // scalar type names, and "" for the container, in first-seen order
  // The container's keys (`indexer` for arrays) and their schemas, in first-seen order (two
  // vectors: a vector of an incomplete type is allowed, a pair holding one is not).
  std::vector<std::string> member_names;
  std::vector<Schema> member_schemas;
  bool has_container = false;
  Schema& member(std::string_view k) {
    for (std::size_t i = 0; i < member_names.size(); ++i)
      if (member_names[i] == k) return member_schemas[i];
    member_names.emplace_back(k);
    member_schemas.emplace_back();
    return member_schemas.back();
  }
  void add_alt(const std::string& a) {
    if (std::find(alts.begin(), alts.end(), a) == alts.end()) alts.push_back(a);
  }
  void admit(DynRef v) {
    switch (v.kind()) {
      case DynKind::Null: return;
      case DynKind::True: case DynKind::False: add_alt("bool"); return;
      case DynKind::Int: add_alt("long"); return;
      case DynKind::Real: add_alt("double"); return;
      case DynKind::String: add_alt("string"); return;
      case DynKind::Array:
        add_alt("");
        {
          Schema& e = member("`indexer`");
          v.for_each_element([&](DynRef x) { e.admit(x); });
        }
        return;
      case DynKind::Object:
        add_alt("");
        v.for_each_member([&](std::string_view k, DynRef x) { member(k).admit(x); });
        return;
    }
  }
  void write_container(DynWriter& w) const {
    w.begin_object();
    for (std::size_t i = 0; i < member_names.size(); ++i) { w.key(member_names[i]); member_schemas[i].write(w); }
    w.end();
  }
  void write(DynWriter& w) const {
    if (alts.empty()) { w.null(); return; }
    if (alts.size() == 1) {
      if (alts[0].empty()) write_container(w); else w.string(alts[0]);
      return;
    }
    w.begin_array();
    for (auto& a : alts) {
      if (a.empty()) write_container(w); else w.string(a);
    }
    w.end();
  }
};
struct BuildSchema : AggState {
  Schema s;
  void add(const Value* a, std::size_t) override {
    if (a[0].is_null()) return;
    if (a[0].type == Type::Dynamic) s.admit(a[0].dyn());
    else s.admit(to_dynamic(a[0]).dyn());
  }
  std::vector<Value> result() const override {
    std::string b;
    DynWriter w(b);
    s.write(w);
    return {Value::of_dynamic(std::move(b))};
  }
};

// hll(expr [, accuracy]), hll_if(expr, predicate [, accuracy]): the distinct values (see the top).
struct Hll : AggState {
  bool conditional;
  HllSet set;
  explicit Hll(bool c) : conditional(c) {}
  void add(const Value* a, std::size_t) override {
    if (a[0].is_null() || (conditional && !truthy(a[1]))) return;
    set.add(a[0]);
  }
  std::vector<Value> result() const override { return {set.to_value()}; }
};
// hll_merge(hll): the union of hll() values.
struct HllMerge : AggState {
  HllSet set;
  void add(const Value* a, std::size_t) override { set.merge(a[0]); }
  std::vector<Value> result() const override { return {set.to_value()}; }
};
// tdigest(expr [, weight]): the values with their weights (see the top).
struct TDigest : AggState {
  bool weighted;
  Digest d;
  explicit TDigest(bool w) : weighted(w) {}
  void add(const Value* a, std::size_t) override {
    if (a[0].is_null()) return;
    std::int64_t w = 1;
    if (weighted) {
      bool ok;
      const double x = number_of(a[1], ok);
      if (!ok || a[1].is_null() || x <= 0 || !long_of(x, w)) return;
    }
    d.add(a[0], w);
  }
  std::vector<Value> result() const override {
    Digest s = d;
    s.normalize();
    return {s.to_value()};
  }
};
// tdigest_merge(tdigest) / merge_tdigests: the union of tdigest() values.
struct TDigestMerge : AggState {
  Digest d;
  void add(const Value* a, std::size_t) override { d.merge(a[0]); }
  std::vector<Value> result() const override {
    Digest s = d;
    s.normalize();
    return {s.to_value()};
  }
};

}  // namespace

void add_more_aggregates(std::vector<AggregateFunction>& out) {
  std::string_view cat;  // the reference category of the entries below (empty: the family's)
  auto add = [&](const char* n, int mn, int mx, auto types, Make make) { out.push_back(AggregateFunction{n, mn, mx, types, make}); out.back().category = cat; };
  cat = "Statistical functions";
  add("count_distinctif", 2, 2, t_long, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<DistinctIf>(); });
  add("variancepif", 2, 2, t_real, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<VariancePIf>(); });
  add("percentiles_array", 2, -1, t_percentiles_array, [](const Types& t, const std::vector<Value>& c) -> std::unique_ptr<AggState> { return std::make_unique<WeightedPercentiles>(t[0], false, true, c); });
  cat = "rulelab";
  add("percentilew", 3, 3, t_percentilesw, [](const Types& t, const std::vector<Value>& c) -> std::unique_ptr<AggState> { return std::make_unique<WeightedPercentiles>(t[0] == Type::Int ? Type::Long : t[0], true, false, c); });
  cat = "Statistical functions";
  add("percentilesw", 3, -1, t_percentilesw, [](const Types& t, const std::vector<Value>& c) -> std::unique_ptr<AggState> { return std::make_unique<WeightedPercentiles>(t[0] == Type::Int ? Type::Long : t[0], true, false, c); });
  add("percentilesw_array", 3, -1, t_percentilesw_array, [](const Types& t, const std::vector<Value>& c) -> std::unique_ptr<AggState> { return std::make_unique<WeightedPercentiles>(t[0], true, true, c); });
  cat = "Binary functions";
  add("binary_all_and", 1, 1, t_long, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<BinaryAll>('&'); });
  add("binary_all_or", 1, 1, t_long, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<BinaryAll>('|'); });
  add("binary_all_xor", 1, 1, t_long, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<BinaryAll>('^'); });
  cat = "Dynamic functions";
  add("buildschema", 1, 1, t_dynamic, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<BuildSchema>(); });
  cat = "Statistical functions";
  add("hll", 1, 2, t_dynamic, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<Hll>(false); });
  add("hll_if", 2, 3, t_dynamic, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<Hll>(true); });
  add("hll_merge", 1, 1, t_dynamic, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<HllMerge>(); });
  add("tdigest", 1, 2, t_dynamic, [](const Types& t, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<TDigest>(t.size() > 1); });
  add("tdigest_merge", 1, 1, t_dynamic, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<TDigestMerge>(); });
  cat = "rulelab";
  add("merge_tdigests", 1, 1, t_dynamic, [](const Types&, const std::vector<Value>&) -> std::unique_ptr<AggState> { return std::make_unique<TDigestMerge>(); });
}

}  // namespace rulelab::engine
