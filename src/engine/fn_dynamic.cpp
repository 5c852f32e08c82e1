// Dynamic (JSON) functions (learn.microsoft.com/kusto/query/<name>-function): member and index access,
// parse_json/todynamic, array_*, bag_*, pack*, set_*, parse_url, parse_path.
#include <algorithm>
#include <set>

#include "engine/functions.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;

Value dyn_null() { return Value::null_of(Type::Dynamic); }

// x.key / x["key"]: a member of an object; null otherwise.
Value f_getmember(const CallArgs& a) {
  if (a[0].type != Type::Dynamic || a[0].is_null()) return dyn_null();
  DynRef r = a[0].dyn();
  if (!r.is_object()) return dyn_null();
  DynRef m = r.get(to_kusto_string(a[1]));
  if (!m.valid()) return dyn_null();
  return Value::of_dynamic(m);
}
// x[i]: an array element (negative from the end) or, with a string, an object member.
Value f_getindex(const CallArgs& a) {
  if (a[1].type == Type::String || (a[1].type == Type::Dynamic && a[1].dyn().is_string())) return f_getmember(a);
  if (a[0].type != Type::Dynamic || a[0].is_null() || a[1].is_null()) return dyn_null();
  DynRef r = a[0].dyn();
  if (!r.is_array()) return dyn_null();
  bool ok;
  double i = number_of(a[1], ok);
  if (!ok) return dyn_null();
  DynRef e = r.at(static_cast<std::int64_t>(i));
  if (!e.valid()) return dyn_null();
  return Value::of_dynamic(e);
}

// parse_json / todynamic: a string holding JSON is parsed; other strings stay strings (as Kusto does).
Value f_parse_json(const CallArgs& a) {
  if (a[0].type == Type::Dynamic) {
    DynRef r = a[0].dyn();
    if (!r.is_string()) return a[0];
    std::string out;
    JsonParser p;
    if (p.parse(r.as_string(), out)) return a[0];
    return Value::of_dynamic(std::move(out));
  }
  if (a[0].type != Type::String) return to_dynamic(a[0]);
  std::string out;
  JsonParser p;
  if (auto err = p.parse(a[0].s, out)) return Value::of_dynamic(Dynamic::from_string(a[0].s).bytes());
  return Value::of_dynamic(std::move(out));
}

Value f_array_length(const CallArgs& a) {
  if (a[0].type != Type::Dynamic || !a[0].dyn().is_array()) return Value::null_of(Type::Long);
  return Value::of_long(a[0].dyn().size());
}
Value f_array_concat(const CallArgs& a) {
  std::string b;
  DynWriter w(b);
  w.begin_array();
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k].type != Type::Dynamic || !a[k].dyn().is_array()) return dyn_null();
    a[k].dyn().for_each_element([&](DynRef e) { w.raw(e); });
  }
  w.end();
  return Value::of_dynamic(std::move(b));
}
Value f_array_slice(const CallArgs& a) {
  if (a[0].type != Type::Dynamic || !a[0].dyn().is_array()) return dyn_null();
  DynRef r = a[0].dyn();
  const std::int64_t n = r.size();
  bool ok1, ok2;
  auto s = static_cast<std::int64_t>(number_of(a[1], ok1));
  auto e = static_cast<std::int64_t>(number_of(a[2], ok2));
  if (!ok1 || !ok2) return dyn_null();
  if (s < 0) s += n;
  if (e < 0) e += n;
  s = std::max<std::int64_t>(s, 0);
  e = std::min<std::int64_t>(e, n - 1);
  std::string b;
  DynWriter w(b);
  w.begin_array();
  std::int64_t i = 0;
  r.for_each_element([&](DynRef el) { if (i >= s && i <= e) w.raw(el); ++i; });
  w.end();
  return Value::of_dynamic(std::move(b));
}
Value f_array_index_of(const CallArgs& a) {
  // array_index_of(array, value [, start [, length [, occurrence]]]) (array-index-of-function):
  // a negative start counts from the end; length -1 is unlimited; null for occurrence < 0 or
  // length < -1.
  if (a[0].type != Type::Dynamic || !a[0].dyn().is_array()) return Value::null_of(Type::Long);
  const std::int64_t n = a[0].dyn().size();
  std::int64_t start = 0, length = -1, occurrence = 1;
  bool ok = true;
  if (a.size() > 2 && !a[2].is_null()) start = static_cast<std::int64_t>(number_of(a[2], ok));
  if (a.size() > 3 && !a[3].is_null()) length = static_cast<std::int64_t>(number_of(a[3], ok));
  if (a.size() > 4 && !a[4].is_null()) occurrence = static_cast<std::int64_t>(number_of(a[4], ok));
  if (!ok || occurrence < 0 || length < -1) return Value::null_of(Type::Long);
  if (start < 0) start = std::max<std::int64_t>(0, n + start);
  const std::int64_t end = length < 0 ? n : std::min(n, start + length);
  std::int64_t i = 0, found = -1, seen = 0;
  a[0].dyn().for_each_element([&](DynRef e) {
    if (found < 0 && i >= start && i < end) {
      auto eq = equal_values(Value::of_dynamic(e), a[1]);
      if (eq && *eq && ++seen >= occurrence) found = i;
    }
    ++i;
  });
  return Value::of_long(found);
}
Value f_array_reverse(const CallArgs& a) {
  if (a[0].type != Type::Dynamic || !a[0].dyn().is_array()) return dyn_null();
  std::vector<DynRef> els;
  a[0].dyn().for_each_element([&](DynRef e) { els.push_back(e); });
  std::string b;
  DynWriter w(b);
  w.begin_array();
  for (auto it = els.rbegin(); it != els.rend(); ++it) w.raw(*it);
  w.end();
  return Value::of_dynamic(std::move(b));
}
// range(start, stop [, step]) (range-function): start, start+step, ... up to stop included; step 1
// for numbers, 1h for datetimes and timespans; at most 1,048,576 elements (the array is cut).
Value f_range(const CallArgs& a) {
  for (std::size_t k = 0; k < a.size(); ++k) if (a[k].is_null()) return dyn_null();
  constexpr std::int64_t kMax = 1048576;
  std::string b;
  DynWriter w(b);
  w.begin_array();
  const Type t = a[0].type;
  if (t == Type::DateTime || t == Type::TimeSpan) {
    const std::int64_t st = a.size() > 2 ? a[2].i : 36000000000LL;
    if (a.size() > 2 && a[2].type != Type::TimeSpan) return dyn_null();
    if (st == 0) return dyn_null();
    std::int64_t n = 0;
    for (std::int64_t x = a[0].i; (st > 0 ? x <= a[1].i : x >= a[1].i) && n < kMax; ++n) {
      write_dynamic(w, t == Type::DateTime ? Value::of_datetime(x) : Value::of_timespan(x));
      if (__builtin_add_overflow(x, st, &x)) break;
    }
  } else {
    bool ok = true;
    const bool real = t == Type::Real || a[1].type == Type::Real || (a.size() > 2 && a[2].type == Type::Real);
    const double from = number_of(a[0], ok), to = number_of(a[1], ok), st = a.size() > 2 ? number_of(a[2], ok) : 1.0;
    if (!ok || st == 0) return dyn_null();
    std::int64_t n = 0;
    if (real) {
      for (double x = from; (st > 0 ? x <= to : x >= to) && n < kMax; ++n, x = from + static_cast<double>(n) * st) w.real(x);
    } else {
      const auto lfrom = static_cast<std::int64_t>(from), lto = static_cast<std::int64_t>(to), lst = static_cast<std::int64_t>(st);
      if (lst == 0) return dyn_null();
      for (std::int64_t x = lfrom; (lst > 0 ? x <= lto : x >= lto) && n < kMax; ++n) {
        w.integer(x);
        if (__builtin_add_overflow(x, lst, &x)) break;
      }
    }
  }
  w.end();
  return Value::of_dynamic(std::move(b));
}
Value f_array_sum(const CallArgs& a) {
  if (a[0].type != Type::Dynamic || !a[0].dyn().is_array()) return Value::null_of(Type::Real);
  double s = 0;
  a[0].dyn().for_each_element([&](DynRef e) { if (e.is_number()) s += e.as_number(); });
  return Value::of_real(s);
}
Value f_bag_keys(const CallArgs& a) {
  if (a[0].type != Type::Dynamic || !a[0].dyn().is_object()) return dyn_null();
  std::string b;
  DynWriter w(b);
  w.begin_array();
  a[0].dyn().for_each_member([&](std::string_view k, DynRef) { w.string(k); });
  w.end();
  return Value::of_dynamic(std::move(b));
}
// A key of bag_has_key / bag_remove_keys: a top-level key, or a JSONPath ($.a.b, $['a']['b'])
// naming a nested one (jsonpath.md; array indexing is not supported there).
std::vector<std::string> key_path(const std::string& k) {
  if (k.empty() || k[0] != '$') return {k};
  std::vector<std::string> out;
  std::size_t i = 1;
  while (i < k.size()) {
    if (k[i] == '.') {
      const std::size_t st = ++i;
      while (i < k.size() && k[i] != '.' && k[i] != '[') ++i;
      out.push_back(k.substr(st, i - st));
    } else if (k[i] == '[' && i + 1 < k.size() && (k[i + 1] == '\'' || k[i + 1] == '"')) {
      const char q = k[i + 1];
      const std::size_t e = k.find(q, i + 2);
      if (e == std::string::npos) return {};
      out.push_back(k.substr(i + 2, e - i - 2));
      i = e + 1;
      if (i < k.size() && k[i] == ']') ++i;
    } else {
      return {};  // array index or malformed: names nothing
    }
  }
  return out;
}
Value f_bag_has_key(const CallArgs& a) {
  if (a[0].type != Type::Dynamic || !a[0].dyn().is_object()) return Value::of_bool(false);
  const auto path = key_path(to_kusto_string(a[1]));
  if (path.empty()) return Value::of_bool(false);
  DynRef cur = a[0].dyn();
  for (auto& k : path) {
    if (!cur.is_object()) return Value::of_bool(false);
    cur = cur.get(k);
    if (!cur.valid()) return Value::of_bool(false);
  }
  return Value::of_bool(true);
}
// bag_merge: the first bag wins on duplicate keys.
Value f_bag_merge(const CallArgs& a) {
  std::vector<std::pair<std::string, std::string>> members;
  std::set<std::string> seen;
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k].type != Type::Dynamic || !a[k].dyn().is_object()) continue;
    a[k].dyn().for_each_member([&](std::string_view key, DynRef v) {
      if (seen.insert(std::string(key)).second) members.emplace_back(std::string(key), std::string(v.bytes()));
    });
  }
  std::string b;
  DynWriter w(b);
  w.begin_object();
  for (auto& [k, v] : members) { w.key(k); w.raw(DynRef(std::string_view(v))); }
  w.end();
  return Value::of_dynamic(std::move(b));
}
// Writes obj without the members the paths name (a path of one key removes that member; a longer
// one descends into the member's object).
void write_without(DynWriter& w, DynRef obj, const std::vector<std::vector<std::string>>& paths, std::size_t depth) {
  w.begin_object();
  obj.for_each_member([&](std::string_view k, DynRef v) {
    std::vector<std::vector<std::string>> deeper;
    for (auto& p : paths) {
      if (p.size() <= depth || p[depth] != k) continue;
      if (p.size() == depth + 1) return;  // removed
      deeper.push_back(p);
    }
    w.key(k);
    if (!deeper.empty() && v.is_object()) write_without(w, v, deeper, depth + 1);
    else w.raw(v);
  });
  w.end();
}
Value f_bag_remove_keys(const CallArgs& a) {
  if (a[0].type != Type::Dynamic || !a[0].dyn().is_object()) return dyn_null();
  std::vector<std::vector<std::string>> paths;
  if (a[1].type == Type::Dynamic)
    a[1].dyn().for_each_element([&](DynRef e) {
      if (!e.is_string()) return;
      auto p = key_path(std::string(e.as_string()));
      if (!p.empty()) paths.push_back(std::move(p));
    });
  std::string b;
  DynWriter w(b);
  write_without(w, a[0].dyn(), paths, 0);
  return Value::of_dynamic(std::move(b));
}
// pack / bag_pack(key1, value1, ...)
Value f_pack(const CallArgs& a) {
  std::string b;
  DynWriter w(b);
  w.begin_object();
  for (std::size_t k = 0; k + 1 < a.size(); k += 2) {
    w.key(to_kusto_string(a[k]));
    write_dynamic(w, a[k + 1]);
  }
  w.end();
  return Value::of_dynamic(std::move(b));
}
// pack_all(true) (pack-all-function): null and empty values are left out.
Value f_pack_nonempty(const CallArgs& a) {
  std::string b;
  DynWriter w(b);
  w.begin_object();
  for (std::size_t k = 0; k + 1 < a.size(); k += 2) {
    const Value& v = a[k + 1];
    if (v.is_null() || (v.type == Type::String && v.s.empty())) continue;
    if (v.type == Type::Dynamic && v.dyn().kind() == DynKind::Null) continue;
    w.key(to_kusto_string(a[k]));
    write_dynamic(w, v);
  }
  w.end();
  return Value::of_dynamic(std::move(b));
}
Type pack_rule(const std::vector<Type>& t, std::string& err) {
  if (t.size() % 2) err = "pack()/bag_pack() expects an even number of arguments (key, value pairs)";
  return Type::Dynamic;
}
Value f_pack_array(const CallArgs& a) {
  std::string b;
  DynWriter w(b);
  w.begin_array();
  for (std::size_t k = 0; k < a.size(); ++k) write_dynamic(w, a[k]);
  w.end();
  return Value::of_dynamic(std::move(b));
}

std::vector<std::string> elements(const Value& v, bool& ok) {
  std::vector<std::string> r;
  ok = v.type == Type::Dynamic && v.dyn().is_array();
  if (ok) v.dyn().for_each_element([&](DynRef e) { r.emplace_back(e.bytes()); });
  return r;
}
std::string key_of(const std::string& bytes) {
  std::string k;
  append_key(k, Value::of_dynamic(bytes));
  return k;
}
Value array_of(const std::vector<std::string>& items) {
  std::string b;
  DynWriter w(b);
  w.begin_array();
  for (auto& s : items) w.raw(DynRef(std::string_view(s)));
  w.end();
  return Value::of_dynamic(std::move(b));
}
Value f_set_union(const CallArgs& a) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (std::size_t k = 0; k < a.size(); ++k) {
    bool ok;
    for (auto& e : elements(a[k], ok)) if (seen.insert(key_of(e)).second) out.push_back(e);
    if (!ok) return dyn_null();
  }
  return array_of(out);
}
Value f_set_intersect(const CallArgs& a) {
  bool ok;
  std::vector<std::string> out;
  std::set<std::string> seen;
  std::vector<std::set<std::string>> others;
  for (std::size_t k = 1; k < a.size(); ++k) {
    std::set<std::string> s;
    for (auto& e : elements(a[k], ok)) s.insert(key_of(e));
    if (!ok) return dyn_null();
    others.push_back(std::move(s));
  }
  for (auto& e : elements(a[0], ok)) {
    std::string key = key_of(e);
    bool all = true;
    for (auto& s : others) all = all && s.count(key);
    if (all && seen.insert(key).second) out.push_back(e);
  }
  if (!ok) return dyn_null();
  return array_of(out);
}
Value f_set_difference(const CallArgs& a) {
  bool ok;
  std::set<std::string> drop;
  for (std::size_t k = 1; k < a.size(); ++k) {
    for (auto& e : elements(a[k], ok)) drop.insert(key_of(e));
    if (!ok) return dyn_null();
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (auto& e : elements(a[0], ok)) {
    std::string key = key_of(e);
    if (!drop.count(key) && seen.insert(key).second) out.push_back(e);
  }
  if (!ok) return dyn_null();
  return array_of(out);
}
Value f_set_has_element(const CallArgs& a) {
  Value r = f_array_index_of(a);
  if (r.is_null()) return Value::null_of(Type::Bool);
  return Value::of_bool(r.i >= 0);
}

// parse_url (learn.microsoft.com/kusto/query/parse-url-function)
Value f_parse_url(const CallArgs& a) {
  const std::string s = to_kusto_string(a[0]);
  std::string scheme, user, pass, host, port, path, query, fragment;
  std::size_t p = s.find("://");
  if (p == std::string::npos) {
    std::string b;
    DynWriter w(b);
    w.begin_object();
    w.end();
    return Value::of_dynamic(std::move(b));
  }
  scheme = s.substr(0, p);
  std::string rest = s.substr(p + 3);
  std::size_t h = rest.find('#');
  if (h != std::string::npos) { fragment = rest.substr(h + 1); rest.resize(h); }
  std::size_t q = rest.find('?');
  if (q != std::string::npos) { query = rest.substr(q + 1); rest.resize(q); }
  std::size_t sl = rest.find('/');
  std::string auth = sl == std::string::npos ? rest : rest.substr(0, sl);
  path = sl == std::string::npos ? "" : rest.substr(sl);
  std::size_t at = auth.rfind('@');
  if (at != std::string::npos) {
    std::string ui = auth.substr(0, at);
    auth = auth.substr(at + 1);
    std::size_t c = ui.find(':');
    user = ui.substr(0, c);
    if (c != std::string::npos) pass = ui.substr(c + 1);
  }
  std::size_t c = auth.rfind(':');
  if (c != std::string::npos && auth.find(']') == std::string::npos) { port = auth.substr(c + 1); auth.resize(c); }
  host = auth;
  std::string b;
  DynWriter w(b);
  w.begin_object();
  w.key("Scheme"); w.string(scheme);
  w.key("Host"); w.string(host);
  w.key("Port"); w.string(port);
  w.key("Path"); w.string(path);
  w.key("Username"); w.string(user);
  w.key("Password"); w.string(pass);
  w.key("Query Parameters");
  w.begin_object();
  std::size_t st = 0;
  while (!query.empty() && st <= query.size()) {
    std::size_t amp = query.find('&', st);
    std::string kv = query.substr(st, amp == std::string::npos ? std::string::npos : amp - st);
    std::size_t eq = kv.find('=');
    w.key(kv.substr(0, eq));
    w.string(eq == std::string::npos ? "" : kv.substr(eq + 1));
    if (amp == std::string::npos) break;
    st = amp + 1;
  }
  w.end();
  w.key("Fragment"); w.string(fragment);
  w.end();
  return Value::of_dynamic(std::move(b));
}

// parse_path (learn.microsoft.com/kusto/query/parse-path-function)
Value f_parse_path(const CallArgs& a) {
  const std::string s = to_kusto_string(a[0]);
  std::string scheme, root, dir, dirname, file, ext, ads;
  std::string rest = s;
  std::size_t sc = s.find("://");
  if (sc != std::string::npos) { scheme = s.substr(0, sc); }
  std::size_t last = rest.find_last_of("/\\");
  if (last != std::string::npos) { dir = rest.substr(0, last); file = rest.substr(last + 1); }
  else file = rest;
  std::size_t colon = file.find(':');
  if (colon != std::string::npos) { ads = file.substr(colon + 1); file.resize(colon); }
  std::size_t dot = file.rfind('.');
  if (dot != std::string::npos) ext = file.substr(dot + 1);
  std::size_t dl = dir.find_last_of("/\\");
  dirname = dl == std::string::npos ? dir : dir.substr(dl + 1);
  if (s.size() >= 2 && s[1] == ':') root = s.substr(0, 2);
  else if (s.rfind("\\\\", 0) == 0) { std::size_t e = s.find('\\', 2); root = s.substr(0, e); }
  std::string b;
  DynWriter w(b);
  w.begin_object();
  w.key("Scheme"); w.string(scheme);
  w.key("RootPath"); w.string(root);
  w.key("DirectoryPath"); w.string(dir);
  w.key("DirectoryName"); w.string(dirname);
  w.key("Filename"); w.string(file);
  w.key("Extension"); w.string(ext);
  w.key("AlternateDataStreamName"); w.string(ads);
  w.end();
  return Value::of_dynamic(std::move(b));
}

Value f_zip(const CallArgs& a) {
  std::vector<std::vector<std::string>> arrays;
  std::size_t n = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    bool ok;
    arrays.push_back(elements(a[k], ok));
    if (!ok) return dyn_null();
    n = std::max(n, arrays.back().size());
  }
  std::string b;
  DynWriter w(b);
  w.begin_array();
  for (std::size_t i = 0; i < n; ++i) {
    w.begin_array();
    for (auto& arr : arrays) { if (i < arr.size()) w.raw(DynRef(std::string_view(arr[i]))); else w.null(); }
    w.end();
  }
  w.end();
  return Value::of_dynamic(std::move(b));
}

}  // namespace

void add_dynamic_functions(std::vector<ScalarFunction>& out) {
  std::string_view cat;  // the reference category of the entries below (empty: the family's)
  auto add = [&](const char* n, int mn, int mx, TypeRule t, ScalarImpl f) { out.push_back(ScalarFunction{n, mn, mx, t, f, nullptr, true}); out.back().category = cat; };
  cat = "rulelab";
  add(".member", 2, 2, ret_dynamic, f_getmember);
  add(".index", 2, 2, ret_dynamic, f_getindex);
  cat = "String functions";
  add("parse_json", 1, 1, ret_dynamic, f_parse_json);
  cat = "rulelab";
  add("parsejson", 1, 1, ret_dynamic, f_parse_json);
  add("todynamic", 1, 1, ret_dynamic, f_parse_json);
  add("toobject", 1, 1, ret_dynamic, f_parse_json);
  cat = "Dynamic/array functions";
  add("array_length", 1, 1, ret_long, f_array_length);
  cat = "rulelab";
  add("arraylength", 1, 1, ret_long, f_array_length);
  cat = "Dynamic/array functions";
  add("array_concat", 1, 64, ret_dynamic, f_array_concat);
  add("array_slice", 3, 3, ret_dynamic, f_array_slice);
  add("array_index_of", 2, 5, ret_long, f_array_index_of);
  add("array_reverse", 1, 1, ret_dynamic, f_array_reverse);
  add("array_sum", 1, 1, ret_real, f_array_sum);
  cat = "Mathematical functions";
  add("range", 2, 3, ret_dynamic, f_range);
  cat = "Dynamic/array functions";
  add("bag_keys", 1, 1, ret_dynamic, f_bag_keys);
  add("bag_has_key", 2, 2, ret_bool, f_bag_has_key);
  add("bag_merge", 1, 64, ret_dynamic, f_bag_merge);
  add("bag_remove_keys", 2, 2, ret_dynamic, f_bag_remove_keys);
  cat = "rulelab";
  add("pack", 0, 128, pack_rule, f_pack);
  add(".pack_nonempty", 0, -1, pack_rule, f_pack_nonempty);
  cat = "Dynamic/array functions";
  add("bag_pack", 0, 128, pack_rule, f_pack);
  cat = "rulelab";
  add("pack_dictionary", 0, 128, pack_rule, f_pack);
  cat = "Dynamic/array functions";
  add("pack_array", 0, 128, ret_dynamic, f_pack_array);
  add("set_union", 1, 64, ret_dynamic, f_set_union);
  add("set_intersect", 1, 64, ret_dynamic, f_set_intersect);
  add("set_difference", 1, 64, ret_dynamic, f_set_difference);
  add("set_has_element", 2, 2, ret_bool, f_set_has_element);
  cat = "String functions";
  add("parse_url", 1, 1, ret_dynamic, f_parse_url);
  cat = "rulelab";
  add("parse_path", 1, 1, ret_dynamic, f_parse_path);
  cat = "Dynamic/array functions";
  add("zip", 1, 16, ret_dynamic, f_zip);
}

}  // namespace rulelab::engine
