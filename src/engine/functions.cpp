#include "engine/functions.hpp"

namespace rulelab::engine {

FunctionRegistry::FunctionRegistry() {
  // Each family's table, with the reference category of the entries that do not name their own.
  auto family = [&](void (*add)(std::vector<ScalarFunction>&), std::string_view category) {
    const std::size_t from = all_.size();
    add(all_);
    for (std::size_t i = from; i < all_.size(); ++i)
      if (all_[i].category.empty()) all_[i].category = category;
  };
  family(add_operator_functions, "rulelab");
  family(add_string_functions, "String functions");
  family(add_datetime_functions, "DateTime/timespan functions");
  family(add_dynamic_functions, "Dynamic functions");
  family(add_conversion_functions, "Conversion functions");
  family(add_type_functions, "Type functions");
  family(add_conditional_functions, "Conditional functions");
  family(add_array_functions, "Dynamic/array functions");
  family(add_binary_functions, "Binary functions");
  family(add_ip_functions, "IPv4/IPv6 functions");
  family(add_hash_functions, "Hash functions");
  family(add_series_functions, "Series processing functions");
  family(add_math_functions, "Mathematical functions");
  family(add_units_functions, "Units conversion functions");
  family(add_scalar_aggregation_functions, "Scalar aggregation functions");
  family(add_tz_functions, "DateTime/timespan functions");
  family(add_string_parse_functions, "String functions");
  family(add_dynamic_tree_functions, "Dynamic/array functions");
  family(add_geo_functions, "Geospatial functions");
  family(add_version_functions, "String functions");
  family(add_geo_simplify_functions, "Geospatial functions");
  family(add_geo_buffer_functions, "Geospatial functions");
  family(add_geo_union_functions, "Geospatial functions");
  family(add_geo_overlay_functions, "Geospatial functions");
  family(add_geo_line_buffer_functions, "Geospatial functions");
  family(add_geo_h3_functions, "Geospatial functions");
  add_operator_kernels(all_);
  for (std::size_t i = 0; i < all_.size(); ++i) by_name_[all_[i].name] = i;
}

const ScalarFunction* FunctionRegistry::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &all_[it->second];
}

std::vector<std::string> FunctionRegistry::names() const {
  std::vector<std::string> r;
  for (auto& [k, v] : by_name_) r.push_back(k);
  return r;
}

namespace rules {
Type ret_bool(const std::vector<Type>&, std::string&) { return Type::Bool; }
Type ret_long(const std::vector<Type>&, std::string&) { return Type::Long; }
Type ret_int(const std::vector<Type>&, std::string&) { return Type::Int; }
Type ret_real(const std::vector<Type>&, std::string&) { return Type::Real; }
Type ret_string(const std::vector<Type>&, std::string&) { return Type::String; }
Type ret_datetime(const std::vector<Type>&, std::string&) { return Type::DateTime; }
Type ret_timespan(const std::vector<Type>&, std::string&) { return Type::TimeSpan; }
Type ret_dynamic(const std::vector<Type>&, std::string&) { return Type::Dynamic; }
Type ret_guid(const std::vector<Type>&, std::string&) { return Type::Guid; }
Type ret_first(const std::vector<Type>& a, std::string&) { return a.empty() ? Type::Dynamic : a[0]; }
}  // namespace rules

namespace {
bool alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool eq_at(std::string_view hay, std::size_t p, std::string_view needle, bool cs) {
  if (cs) return hay.compare(p, needle.size(), needle) == 0;
  for (std::size_t i = 0; i < needle.size(); ++i)
    if (ascii_lower(hay[p + i]) != ascii_lower(needle[i])) return false;
  return true;
}
// Finds needle at a position where the start (and/or end) falls on a term boundary.
bool find_bounded(std::string_view hay, std::string_view needle, bool cs, bool need_start, bool need_end) {
  if (needle.empty()) return true;
  if (needle.size() > hay.size()) return false;
  const bool first_alnum = alnum(needle.front()), last_alnum = alnum(needle.back());
  for (std::size_t p = 0; p + needle.size() <= hay.size(); ++p) {
    if (need_start && first_alnum && p > 0 && alnum(hay[p - 1])) continue;
    const std::size_t e = p + needle.size();
    if (need_end && last_alnum && e < hay.size() && alnum(hay[e])) continue;
    if (eq_at(hay, p, needle, cs)) return true;
  }
  return false;
}
}  // namespace

bool has_term(std::string_view hay, std::string_view needle, bool cs) { return find_bounded(hay, needle, cs, true, true); }
bool has_prefix_term(std::string_view hay, std::string_view needle, bool cs) { return find_bounded(hay, needle, cs, true, false); }
bool has_suffix_term(std::string_view hay, std::string_view needle, bool cs) { return find_bounded(hay, needle, cs, false, true); }
bool contains_text(std::string_view hay, std::string_view needle, bool cs) { return find_bounded(hay, needle, cs, false, false); }

}  // namespace rulelab::engine
