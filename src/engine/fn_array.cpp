// Dynamic/array functions that reorder or build arrays (learn.microsoft.com/kusto/query/<name>-function):
// array_sort_asc, array_sort_desc, array_rotate_left, array_rotate_right, array_shift_left,
// array_shift_right, array_split, array_iff (array_iif), repeat, bag_set_key, jaccard_index.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "engine/functions.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;

Value dyn_null() { return Value::null_of(Type::Dynamic); }
bool is_array(const Value& v) { return v.type == Type::Dynamic && !v.is_null() && v.dyn().is_array(); }
std::vector<DynRef> elements_of(const Value& v) {
  std::vector<DynRef> r;
  v.dyn().for_each_element([&](DynRef e) { r.push_back(e); });
  return r;
}
template <class F>  // F(DynWriter&)
Value build(F&& f) {
  std::string b;
  DynWriter w(b);
  f(w);
  return Value::of_dynamic(std::move(b));
}
Value array_from(const std::vector<DynRef>& items) {
  return build([&](DynWriter& w) { w.begin_array(); for (DynRef e : items) w.raw(e); w.end(); });
}
bool count_arg(const Value& v, std::int64_t& n) {
  bool ok;
  double d = number_of(v, ok);
  if (!ok || v.is_null()) return false;
  n = static_cast<std::int64_t>(d);
  return true;
}

// ---- array_sort_asc / array_sort_desc (array-sort-asc-function, array-sort-desc-function):
// numbers first, then strings, then everything else; nulls last unless the trailing bool says
// otherwise. The other arrays follow the first one's new order; one of another length is null.
// Several arrays give several results: the call returns them as one array of arrays, which the
// binder only lets a query index (`array_sort_asc(a, b)[1]`, as the page's summarize example).
int sort_group(DynRef e) {
  if (e.is_number()) return 0;
  if (e.is_string()) return 1;
  return 2;
}
int compare_elements(DynRef x, DynRef y) {
  const int gx = sort_group(x), gy = sort_group(y);
  if (gx != gy) return gx < gy ? -1 : 1;
  if (gx == 0) {
    if (x.kind() == DynKind::Int && y.kind() == DynKind::Int) return x.as_int() < y.as_int() ? -1 : (x.as_int() > y.as_int() ? 1 : 0);
    const double a = x.as_number(), b = y.as_number();
    return a < b ? -1 : (a > b ? 1 : 0);
  }
  if (gx == 1) {
    const int c = x.as_string().compare(y.as_string());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return 0;
}
Value sort_arrays(const CallArgs& a, bool descending) {
  std::size_t arrays = a.size();
  bool nulls_last = true;
  if (arrays > 1 && a[arrays - 1].type == Type::Bool) {
    if (!a[arrays - 1].is_null()) nulls_last = a[arrays - 1].i != 0;
    --arrays;
  }
  if (!is_array(a[0])) return dyn_null();
  std::vector<DynRef> first = elements_of(a[0]);
  std::vector<std::size_t> order(first.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) {
    const bool ni = first[i].is_null(), nj = first[j].is_null();
    if (ni || nj) return ni != nj && (nulls_last ? nj : ni);
    const int c = compare_elements(first[i], first[j]);
    return descending ? c > 0 : c < 0;
  });
  auto reorder = [&](const Value& v) -> Value {
    if (!is_array(v)) return dyn_null();
    std::vector<DynRef> els = elements_of(v);
    if (els.size() != first.size()) return dyn_null();
    std::vector<DynRef> out;
    out.reserve(els.size());
    for (std::size_t i : order) out.push_back(els[i]);
    return array_from(out);
  };
  if (arrays == 1) return reorder(a[0]);
  return build([&](DynWriter& w) {
    w.begin_array();
    for (std::size_t k = 0; k < arrays; ++k) write_dynamic(w, reorder(a[k]));
    w.end();
  });
}
Value f_array_sort_asc(const CallArgs& a) { return sort_arrays(a, false); }
Value f_array_sort_desc(const CallArgs& a) { return sort_arrays(a, true); }

// ---- array_rotate_left / array_rotate_right: a negative count rotates the other way.
Value rotate(const CallArgs& a, bool left) {
  std::int64_t n;
  if (!is_array(a[0]) || !count_arg(a[1], n)) return dyn_null();
  std::vector<DynRef> els = elements_of(a[0]);
  const auto len = static_cast<std::int64_t>(els.size());
  if (len == 0) return a[0];
  std::int64_t k = (left ? n : -n) % len;
  if (k < 0) k += len;
  std::rotate(els.begin(), els.begin() + k, els.end());
  return array_from(els);
}
Value f_array_rotate_left(const CallArgs& a) { return rotate(a, true); }
Value f_array_rotate_right(const CallArgs& a) { return rotate(a, false); }

// ---- array_shift_left / array_shift_right: the places emptied take the default value (null, or
// "" when the array holds strings).
Value shift(const CallArgs& a, bool left) {
  std::int64_t n;
  if (!is_array(a[0]) || !count_arg(a[1], n)) return dyn_null();
  std::vector<DynRef> els = elements_of(a[0]);
  const auto len = static_cast<std::int64_t>(els.size());
  std::string fill;
  {
    DynWriter w(fill);
    if (a.size() > 2) write_dynamic(w, a[2]);
    else {
      bool strings = !els.empty();
      for (DynRef e : els) strings = strings && (e.is_string() || e.is_null());
      bool any_string = false;
      for (DynRef e : els) any_string = any_string || e.is_string();
      if (strings && any_string) w.string("");
      else w.null();
    }
  }
  const DynRef def(std::string_view(fill.data(), fill.size()));
  const std::int64_t by = left ? n : -n;  // element i of the result is element i + by of the input
  return build([&](DynWriter& w) {
    w.begin_array();
    for (std::int64_t i = 0; i < len; ++i) {
      const std::int64_t src = i + by;
      if (src >= 0 && src < len) w.raw(els[static_cast<std::size_t>(src)]);
      else w.raw(def);
    }
    w.end();
  });
}
Value f_array_shift_left(const CallArgs& a) { return shift(a, true); }
Value f_array_shift_right(const CallArgs& a) { return shift(a, false); }

// ---- array_split(array, index | dynamic indexes): N+1 arrays [0..i1), [i1..i2), ... [iN..len);
// a negative index counts from the end.
Value f_array_split(const CallArgs& a) {
  if (!is_array(a[0]) || a[1].is_null()) return dyn_null();
  std::vector<DynRef> els = elements_of(a[0]);
  const auto len = static_cast<std::int64_t>(els.size());
  std::vector<std::int64_t> cuts;
  auto add_cut = [&](double d) {
    auto i = static_cast<std::int64_t>(d);
    if (i < 0) i += len;
    cuts.push_back(std::clamp<std::int64_t>(i, 0, len));
  };
  if (a[1].type == Type::Dynamic && a[1].dyn().is_array()) {
    bool bad = false;
    a[1].dyn().for_each_element([&](DynRef e) { if (e.is_number()) add_cut(e.as_number()); else bad = true; });
    if (bad) return dyn_null();
  } else {
    bool ok;
    double d = number_of(a[1], ok);
    if (!ok) return dyn_null();
    add_cut(d);
  }
  return build([&](DynWriter& w) {
    w.begin_array();
    std::int64_t from = 0;
    for (std::size_t k = 0; k <= cuts.size(); ++k) {
      const std::int64_t to = k < cuts.size() ? std::max(cuts[k], from) : len;
      w.begin_array();
      for (std::int64_t i = from; i < to; ++i) w.raw(els[static_cast<std::size_t>(i)]);
      w.end();
      from = to;
    }
    w.end();
  });
}

// ---- array_iff(condition_array, when_true, when_false): element-wise iff; a condition that is
// neither bool nor number gives null; a value array shorter than the conditions gives null.
Value f_array_iff(const CallArgs& a) {
  if (!is_array(a[0])) return dyn_null();
  auto pick = [&](DynWriter& w, const Value& v, std::size_t i) {
    if (is_array(v)) {
      DynRef e = v.dyn().at(static_cast<std::int64_t>(i));
      if (e.valid()) w.raw(e);
      else w.null();
    } else {
      write_dynamic(w, v);
    }
  };
  return build([&](DynWriter& w) {
    w.begin_array();
    std::size_t i = 0;
    a[0].dyn().for_each_element([&](DynRef c) {
      if (c.is_bool()) pick(w, c.as_bool() ? a[1] : a[2], i);
      else if (c.is_number()) pick(w, c.as_number() != 0 ? a[1] : a[2], i);
      else w.null();
      ++i;
    });
    w.end();
  });
}

// ---- repeat(value, count): an array of count copies; empty for 0, null for a negative count.
Value f_repeat(const CallArgs& a) {
  std::int64_t n;
  if (!count_arg(a[1], n) || n < 0) return dyn_null();
  std::string one;
  DynWriter ow(one);
  write_dynamic(ow, a[0]);
  constexpr std::int64_t kMaxBytes = 256ll << 20;
  if (n > 0 && static_cast<std::int64_t>(one.size()) > kMaxBytes / n && a.site)
    fail_at(*a.site, "repeat(): " + std::to_string(n) + " copies exceed 256 MiB");
  const DynRef e(std::string_view(one.data(), one.size()));
  return build([&](DynWriter& w) {
    w.begin_array();
    for (std::int64_t i = 0; i < n; ++i) w.raw(e);
    w.end();
  });
}

// ---- bag_set_key(bag, key, value): key is a root key name or a JSONPath ($.a.b, $['a']['b']);
// missing levels are created; null when bag is not a property bag.
bool parse_json_path(const std::string& key, std::vector<std::string>& out) {
  if (key.empty() || key[0] != '$') { out.push_back(key); return true; }
  std::size_t i = 1;
  while (i < key.size()) {
    if (key[i] == '.') {
      std::size_t j = i + 1;
      while (j < key.size() && key[j] != '.' && key[j] != '[') ++j;
      if (j == i + 1) return false;
      out.push_back(key.substr(i + 1, j - i - 1));
      i = j;
    } else if (key[i] == '[' && i + 1 < key.size() && (key[i + 1] == '\'' || key[i + 1] == '"')) {
      const char q = key[i + 1];
      std::size_t j = key.find(q, i + 2);
      if (j == std::string::npos || j + 1 >= key.size() || key[j + 1] != ']') return false;
      out.push_back(key.substr(i + 2, j - i - 2));
      i = j + 2;
    } else {
      return false;  // array indexing and anything else: not supported by bag_set_key
    }
  }
  return !out.empty();
}
void set_path(DynWriter& w, DynRef obj, const std::vector<std::string>& path, std::size_t k, const Value& v) {
  w.begin_object();
  bool found = false;
  if (obj.valid() && obj.is_object()) {
    obj.for_each_member([&](std::string_view key, DynRef m) {
      w.key(key);
      if (key == path[k] && !found) {
        found = true;
        if (k + 1 == path.size()) write_dynamic(w, v);
        else set_path(w, m, path, k + 1, v);
      } else {
        w.raw(m);
      }
    });
  }
  if (!found) {
    w.key(path[k]);
    if (k + 1 == path.size()) write_dynamic(w, v);
    else set_path(w, DynRef(), path, k + 1, v);
  }
  w.end();
}
Value f_bag_set_key(const CallArgs& a) {
  if (a[0].type != Type::Dynamic || a[0].is_null() || !a[0].dyn().is_object()) return dyn_null();
  std::vector<std::string> path;
  if (!parse_json_path(to_kusto_string(a[1]), path)) return dyn_null();
  return build([&](DynWriter& w) { set_path(w, a[0].dyn(), path, 0, a[2]); });
}

// jaccard_index(set1, set2) (jaccard-index-function): |intersection| / |union| of the distinct
// values of two arrays.
Value f_jaccard_index(const CallArgs& a) {
  if (a[0].type != Type::Dynamic || a[1].type != Type::Dynamic || !a[0].dyn().is_array() || !a[1].dyn().is_array())
    return Value::null_of(Type::Real);
  std::set<std::string> x, y;
  auto fill = [](const Value& v, std::set<std::string>& s) {
    v.dyn().for_each_element([&](DynRef e) {
      std::string k;
      append_key(k, Value::of_dynamic(e));
      s.insert(std::move(k));
    });
  };
  fill(a[0], x);
  fill(a[1], y);
  std::size_t inter = 0;
  for (auto& k : x) inter += y.count(k);
  const std::size_t uni = x.size() + y.size() - inter;
  if (uni == 0) return Value::null_of(Type::Real);
  return Value::of_real(static_cast<double>(inter) / static_cast<double>(uni));
}

}  // namespace

void add_array_functions(std::vector<ScalarFunction>& out) {
  std::string_view cat;  // the reference category of the entries below (empty: the family's)
  auto add = [&](const char* n, int mn, int mx, TypeRule t, ScalarImpl f) { out.push_back(ScalarFunction{n, mn, mx, t, f, nullptr, true}); out.back().category = cat; };
  add("array_sort_asc", 1, 64, ret_dynamic, f_array_sort_asc);
  add("array_sort_desc", 1, 64, ret_dynamic, f_array_sort_desc);
  add("array_rotate_left", 2, 2, ret_dynamic, f_array_rotate_left);
  add("array_rotate_right", 2, 2, ret_dynamic, f_array_rotate_right);
  add("array_shift_left", 2, 3, ret_dynamic, f_array_shift_left);
  add("array_shift_right", 2, 3, ret_dynamic, f_array_shift_right);
  add("array_split", 2, 2, ret_dynamic, f_array_split);
  add("array_iff", 3, 3, ret_dynamic, f_array_iff);
  cat = "rulelab";
  add("array_iif", 3, 3, ret_dynamic, f_array_iff);
  cat = {};
  add("repeat", 2, 2, ret_dynamic, f_repeat);
  add("bag_set_key", 3, 3, ret_dynamic, f_bag_set_key);
  add("jaccard_index", 2, 2, ret_real, f_jaccard_index);
}

}  // namespace rulelab::engine
