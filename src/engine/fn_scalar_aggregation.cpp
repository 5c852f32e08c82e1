// Scalar aggregation functions (learn.microsoft.com/kusto/query/<name>-function) over the sketch
// values of hll() and tdigest() (sketch.hpp): dcount_hll, hll_merge, percentile_tdigest,
// percentiles_array_tdigest, percentrank_tdigest, rank_tdigest, merge_tdigest.
#include <algorithm>
#include <cmath>

#include "engine/functions.hpp"
#include "engine/sketch.hpp"

namespace rulelab::engine {

bool long_of(double d, std::int64_t& out) {
  if (!(d >= -9.2e18 && d <= 9.2e18)) return false;  // NaN and values past long's range
  out = static_cast<std::int64_t>(d);
  return true;
}

Value scalar_of(DynRef e) {
  switch (e.kind()) {
    case DynKind::Int: return Value::of_long(e.as_int());
    case DynKind::Real: return Value::of_real(e.as_real());
    case DynKind::String: return Value::of_string(std::string(e.as_string()));
    case DynKind::True: case DynKind::False: return Value::of_bool(e.as_bool());
    default: return Value::of_dynamic(e);
  }
}

void HllSet::add(const Value& v) {
  std::string k;
  append_key(k, v);
  if (keys_.insert(std::move(k)).second) values_.push_back(v);
}
void HllSet::merge(const Value& hll) {
  if (hll.type != Type::Dynamic || hll.is_null() || !hll.dyn().is_array()) return;
  hll.dyn().for_each_element([&](DynRef e) { if (!e.is_null()) add(scalar_of(e)); });
}
Value HllSet::to_value() const {
  std::string b;
  DynWriter w(b);
  w.begin_array();
  for (auto& v : values_) write_dynamic(w, v);
  w.end();
  return Value::of_dynamic(std::move(b));
}

void Digest::add(const Value& v, std::int64_t weight) {
  if (!v.is_null() && weight > 0) items_.emplace_back(v, weight);
}
void Digest::merge(const Value& d) {
  if (d.type != Type::Dynamic || d.is_null() || !d.dyn().is_array()) return;
  d.dyn().for_each_element([&](DynRef pair) {
    if (!pair.is_array()) return;
    std::vector<DynRef> parts;
    pair.for_each_element([&](DynRef x) { parts.push_back(x); });
    if (parts.size() != 2 || !parts[1].is_number() || parts[0].is_null()) return;
    std::int64_t w;
    if (long_of(parts[1].as_number(), w)) add(scalar_of(parts[0]), w);
  });
}
namespace {
bool less_value(const Value& a, const Value& b) {
  auto c = compare_values(a, b);
  if (c) return *c < 0;
  return a.type < b.type;  // values that do not compare (mixed kinds): grouped by type
}
}  // namespace
void Digest::normalize() {
  std::stable_sort(items_.begin(), items_.end(), [](auto& x, auto& y) { return less_value(x.first, y.first); });
  std::vector<std::pair<Value, std::int64_t>> out;
  for (auto& it : items_) {
    if (!out.empty()) {
      auto eq = equal_values(out.back().first, it.first);
      if (eq && *eq) { out.back().second += it.second; continue; }
    }
    out.push_back(it);
  }
  items_ = std::move(out);
}
// Weights are summed as doubles: no overflow however large (exact up to 2^53).
double Digest::total() const {
  double t = 0;
  for (auto& it : items_) t += static_cast<double>(it.second);
  return t;
}
const Value* Digest::percentile(double p) const {
  if (items_.empty()) return nullptr;
  const double want = std::max(1.0, std::ceil(p / 100.0 * total()));
  double cum = 0;
  for (auto& it : items_) {
    cum += static_cast<double>(it.second);
    if (cum >= want) return &it.first;
  }
  return &items_.back().first;
}
double Digest::rank(const Value& v) const {
  double r = 0;
  for (auto& it : items_) {
    auto c = compare_values(it.first, v);
    if (c && *c <= 0) r += static_cast<double>(it.second);
  }
  return r;
}
Value Digest::to_value() const {
  std::string b;
  DynWriter w(b);
  w.begin_array();
  for (auto& [v, n] : items_) {
    w.begin_array();
    write_dynamic(w, v);
    w.integer(n);
    w.end();
  }
  w.end();
  return Value::of_dynamic(std::move(b));
}

namespace {
using namespace rules;

Digest digest_of(const Value& v) {
  Digest d;
  d.merge(v);
  d.normalize();
  return d;
}

// dcount_hll(hll) (dcount-hll-function): the number of distinct values of an hll() value.
Value f_dcount_hll(const CallArgs& a) {
  if (a[0].type != Type::Dynamic || a[0].is_null() || !a[0].dyn().is_array()) return Value::null_of(Type::Long);
  HllSet s;
  s.merge(a[0]);
  return Value::of_long(static_cast<std::int64_t>(s.size()));
}
// hll_merge(hll1, hll2, ...) (hll-merge-function): one hll() value of the union.
Value f_hll_merge(const CallArgs& a) {
  HllSet s;
  for (std::size_t k = 0; k < a.size(); ++k) s.merge(a[k]);
  return s.to_value();
}
// merge_tdigest(d1, d2, ...) (merge-tdigest-function): one tdigest() value of them all.
Value f_merge_tdigest(const CallArgs& a) {
  Digest d;
  for (std::size_t k = 0; k < a.size(); ++k) d.merge(a[k]);
  d.normalize();
  return d.to_value();
}

// percentile_tdigest(digest, percentile [, typeof(T)]): the value at that percentile, of type T
// when given (typeof(T) binds to a null of T), else dynamic.
Type ret_typed(const std::vector<Type>& t, std::string&) { return t.size() > 2 ? t[2] : Type::Dynamic; }
Value f_percentile_tdigest(const CallArgs& a) {
  const Type out = a.size() > 2 ? a[2].type : Type::Dynamic;
  bool ok;
  const double p = number_of(a[1], ok);
  if (!ok || a[1].is_null()) return Value::null_of(out);
  const Digest d = digest_of(a[0]);
  const Value* v = d.percentile(p);
  if (!v) return Value::null_of(out);
  return out == Type::Dynamic ? to_dynamic(*v) : convert_to(*v, out);
}
// percentiles_array_tdigest(digest, p1, p2, ... | dynamic array [, typeof(T)]): a dynamic array of
// the values at those percentiles.
Value f_percentiles_array_tdigest(const CallArgs& a) {
  std::vector<double> ps;
  Type cast = Type::Dynamic;
  for (std::size_t k = 1; k < a.size(); ++k) {
    const Value& x = a[k];
    if (x.type == Type::Dynamic && !x.is_null() && x.dyn().is_array()) {
      x.dyn().for_each_element([&](DynRef e) { if (e.is_number()) ps.push_back(e.as_number()); });
    } else if (x.is_null() && k + 1 == a.size() && k > 1) {
      cast = x.type;  // typeof(T)
    } else {
      bool ok;
      const double p = number_of(x, ok);
      if (!ok || x.is_null()) return Value::null_of(Type::Dynamic);
      ps.push_back(p);
    }
  }
  const Digest d = digest_of(a[0]);
  std::string b;
  DynWriter w(b);
  w.begin_array();
  for (double p : ps) {
    const Value* v = d.percentile(p);
    if (!v) { w.null(); continue; }
    write_dynamic(w, cast == Type::Dynamic ? *v : convert_to(*v, cast));
  }
  w.end();
  return Value::of_dynamic(std::move(b));
}
// rank_tdigest(digest, value) (rank-tdigest-function): the number of values <= value (685 of
// 1..1000 is 685); percentrank_tdigest: that number as a percentage of all values.
Value f_rank_tdigest(const CallArgs& a) {
  if (a[1].is_null()) return Value::null_of(Type::Long);
  const Digest d = digest_of(a[0]);
  if (d.total() == 0) return Value::null_of(Type::Long);
  std::int64_t r;
  if (!long_of(d.rank(a[1]), r)) return Value::null_of(Type::Long);
  return Value::of_long(r);
}
Value f_percentrank_tdigest(const CallArgs& a) {
  if (a[1].is_null()) return Value::null_of(Type::Real);
  const Digest d = digest_of(a[0]);
  if (d.total() == 0) return Value::null_of(Type::Real);
  return Value::of_real(d.rank(a[1]) * 100.0 / d.total());
}

}  // namespace

void add_scalar_aggregation_functions(std::vector<ScalarFunction>& out) {
  std::string_view cat;  // the reference category of the entries below (empty: the family's)
  auto add = [&](const char* n, int mn, int mx, TypeRule t, ScalarImpl f) { out.push_back(ScalarFunction{n, mn, mx, t, f, nullptr, true}); out.back().category = cat; };
  cat = {};
  add("dcount_hll", 1, 1, ret_long, f_dcount_hll);
  add("hll_merge", 2, 64, ret_dynamic, f_hll_merge);
  add("merge_tdigest", 1, -1, ret_dynamic, f_merge_tdigest);
  cat = "rulelab";
  add("tdigest_merge", 1, -1, ret_dynamic, f_merge_tdigest);
  cat = {};
  add("percentile_tdigest", 2, 3, ret_typed, f_percentile_tdigest);
  cat = "rulelab";
  add("percentiles_array_tdigest", 2, -1, ret_dynamic, f_percentiles_array_tdigest);
  cat = {};
  add("percentile_array_tdigest", 2, -1, ret_dynamic, f_percentiles_array_tdigest);
  add("rank_tdigest", 2, 2, ret_long, f_rank_tdigest);
  add("percentrank_tdigest", 2, 2, ret_real, f_percentrank_tdigest);
}

}  // namespace rulelab::engine
