// Conditional functions (learn.microsoft.com/kusto/query/scalar-functions#conditional-functions):
// max_of, min_of (iff, case and coalesce are expression kinds of the binder).
#include <optional>

#include "engine/functions.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;

Value f_max_of(const CallArgs& a) {
  Value best = Value::null_of(a[0].type);
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k].is_null()) continue;
    auto c = best.is_null() ? std::optional<int>(1) : compare_values(a[k], best);
    if (c && *c > 0) best = a[k];
  }
  return best;
}
Value f_min_of(const CallArgs& a) {
  Value best = Value::null_of(a[0].type);
  for (std::size_t k = 0; k < a.size(); ++k) {
    if (a[k].is_null()) continue;
    auto c = best.is_null() ? std::optional<int>(-1) : compare_values(a[k], best);
    if (c && *c < 0) best = a[k];
  }
  return best;
}
Type minmax_rule(const std::vector<Type>& t, std::string&) {
  Type r = t[0];
  for (Type x : t) if (is_numeric(x) && is_numeric(r)) r = promote_numeric(r, x);
  return r;
}

}  // namespace

void add_conditional_functions(std::vector<ScalarFunction>& out) {
  auto add = [&](const char* n, int mn, int mx, TypeRule t, ScalarImpl f) { out.push_back(ScalarFunction{n, mn, mx, t, f, nullptr, true}); };
  add("max_of", 1, 64, minmax_rule, f_max_of);
  add("min_of", 1, 64, minmax_rule, f_min_of);
}

}  // namespace rulelab::engine
