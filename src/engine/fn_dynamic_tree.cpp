// Dynamic functions (learn.microsoft.com/kusto/query/treepath-function): treepath(object), the
// path expressions of a property bag: ['key'] for each key, ['key'][0] for an array (one index
// stands for all its elements), and the paths inside its elements under that index, each path
// once, in the order first met.
#include <set>
#include <string>
#include <vector>

#include "engine/functions.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;

void walk(DynRef v, const std::string& prefix, std::vector<std::string>& out, std::set<std::string>& seen) {
  auto emit = [&](const std::string& p) { if (seen.insert(p).second) out.push_back(p); };
  if (v.is_object()) {
    v.for_each_member([&](std::string_view k, DynRef x) {
      std::string key;
      for (char c : k) { if (c == '\'' || c == '\\') key += '\\'; key += c; }
      const std::string p = prefix + "['" + key + "']";
      emit(p);
      walk(x, p, out, seen);
    });
  } else if (v.is_array()) {
    const std::string p = prefix + "[0]";
    bool any = false;
    v.for_each_element([&](DynRef x) {
      if (!any) { emit(p); any = true; }
      walk(x, p, out, seen);
    });
  }
}
Value f_treepath(const CallArgs& a) {
  if (a[0].type != Type::Dynamic || a[0].is_null()) return Value::null_of(Type::Dynamic);
  std::vector<std::string> paths;
  std::set<std::string> seen;
  walk(a[0].dyn(), "", paths, seen);
  std::string b;
  DynWriter w(b);
  w.begin_array();
  for (auto& p : paths) w.string(p);
  w.end();
  return Value::of_dynamic(std::move(b));
}

}  // namespace

void add_dynamic_tree_functions(std::vector<ScalarFunction>& out) {
  out.push_back(ScalarFunction{"treepath", 1, 1, ret_dynamic, f_treepath, nullptr, true});
}

}  // namespace rulelab::engine
