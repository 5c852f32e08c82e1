// The registry of scalar functions and operators, owned by the engine (no global registration).
// Each family lives in its own fn_*.cpp and adds its table to the registry.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "engine/expr.hpp"

namespace rulelab::engine {

class FunctionRegistry {
 public:
  FunctionRegistry();
  // Operators are registered under their spelling ("==", "has", "+", "in~", ...).
  const ScalarFunction* find(const std::string& name) const;
  std::size_t size() const { return by_name_.size(); }
  std::vector<std::string> names() const;
  const std::vector<ScalarFunction>& all() const { return all_; }

 private:
  std::vector<ScalarFunction> all_;
  std::map<std::string, std::size_t> by_name_;
};

// Tables of each family (fn_*.cpp).
void add_operator_functions(std::vector<ScalarFunction>& out);
void add_string_functions(std::vector<ScalarFunction>& out);
void add_datetime_functions(std::vector<ScalarFunction>& out);
void add_dynamic_functions(std::vector<ScalarFunction>& out);
void add_conversion_functions(std::vector<ScalarFunction>& out);   // fn_conversion.cpp
void add_type_functions(std::vector<ScalarFunction>& out);         // fn_type.cpp
void add_conditional_functions(std::vector<ScalarFunction>& out);  // fn_conditional.cpp
void add_array_functions(std::vector<ScalarFunction>& out);
void add_binary_functions(std::vector<ScalarFunction>& out);
void add_ip_functions(std::vector<ScalarFunction>& out);
void add_hash_functions(std::vector<ScalarFunction>& out);
// Attaches the vector kernels (kernels.cpp) to the operators declared above.
void add_operator_kernels(std::vector<ScalarFunction>& fns);
void add_series_functions(std::vector<ScalarFunction>& out);
void add_math_functions(std::vector<ScalarFunction>& out);       // fn_math.cpp
void add_units_functions(std::vector<ScalarFunction>& out);      // fn_units.cpp
void add_scalar_aggregation_functions(std::vector<ScalarFunction>& out);  // fn_scalar_aggregation.cpp
void add_tz_functions(std::vector<ScalarFunction>& out);         // fn_tz.cpp
void add_string_parse_functions(std::vector<ScalarFunction>& out);  // fn_string_parse.cpp
void add_dynamic_tree_functions(std::vector<ScalarFunction>& out);  // fn_dynamic_tree.cpp
void add_geo_functions(std::vector<ScalarFunction>& out);             // fn_geo.cpp
void add_version_functions(std::vector<ScalarFunction>& out);         // fn_version.cpp
void add_geo_simplify_functions(std::vector<ScalarFunction>& out);    // fn_geo_simplify.cpp
void add_geo_buffer_functions(std::vector<ScalarFunction>& out);      // fn_geo_buffer.cpp
void add_geo_union_functions(std::vector<ScalarFunction>& out);       // fn_geo_union.cpp
void add_geo_overlay_functions(std::vector<ScalarFunction>& out);     // fn_geo_overlay.cpp
void add_geo_line_buffer_functions(std::vector<ScalarFunction>& out); // fn_geo_line_buffer.cpp
void add_geo_h3_functions(std::vector<ScalarFunction>& out);          // fn_geo_h3.cpp

// Functions that return several columns (series_stats, series_fit_line, series_decompose,
// series_decompose_anomalies): registered as scalar functions returning their columns as one
// dynamic array; the binder splits it into these columns, named `(a, b) = f(x)` or, unnamed,
// <function>_<argument>_<column> (series-stats-function: series_stats_x_min, ...).
struct MultiOutputFunction {
  std::string name;
  std::vector<std::pair<std::string, Type>> outputs;
};
const std::vector<MultiOutputFunction>& multi_output_functions();
const MultiOutputFunction* find_multi_output(std::string_view name);

// Shared type rules.
namespace rules {
Type ret_bool(const std::vector<Type>&, std::string&);
Type ret_long(const std::vector<Type>&, std::string&);
Type ret_int(const std::vector<Type>&, std::string&);
Type ret_real(const std::vector<Type>&, std::string&);
Type ret_string(const std::vector<Type>&, std::string&);
Type ret_datetime(const std::vector<Type>&, std::string&);
Type ret_timespan(const std::vector<Type>&, std::string&);
Type ret_dynamic(const std::vector<Type>&, std::string&);
Type ret_guid(const std::vector<Type>&, std::string&);
Type ret_first(const std::vector<Type>&, std::string&);
}  // namespace rules

// Term matching of the has family (learn.microsoft.com/kusto/query/datatypes-string-operators):
// terms are maximal runs of ASCII alphanumerics; `has` finds the needle at term boundaries.
bool has_term(std::string_view hay, std::string_view needle, bool case_sensitive);
bool has_prefix_term(std::string_view hay, std::string_view needle, bool case_sensitive);
bool has_suffix_term(std::string_view hay, std::string_view needle, bool case_sensitive);
bool contains_text(std::string_view hay, std::string_view needle, bool case_sensitive);

// IPv4 text "a.b.c.d" or "a.b.c.d/n" (fn_ip.cpp); prefix is 32 without "/n".
bool parse_ipv4(std::string_view s, std::uint32_t& ip, int& prefix);
std::uint32_t mask_of(int prefix);

}  // namespace rulelab::engine
