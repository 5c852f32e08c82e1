#include "core/types.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace rulelab {

std::string_view type_name(Type t) {
  switch (t) {
    case Type::Bool: return "bool";
    case Type::Int: return "int";
    case Type::Long: return "long";
    case Type::Real: return "real";
    case Type::Decimal: return "decimal";
    case Type::String: return "string";
    case Type::DateTime: return "datetime";
    case Type::TimeSpan: return "timespan";
    case Type::Guid: return "guid";
    case Type::Dynamic: return "dynamic";
  }
  return "?";
}

std::optional<Type> parse_type_name(std::string_view name) {
  std::string n(name);
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (n.starts_with("system.")) n = n.substr(7);
  static constexpr std::array<std::pair<std::string_view, Type>, 24> kNames{{
      {"bool", Type::Bool},         {"boolean", Type::Bool},      {"int", Type::Int},
      {"int32", Type::Int},         {"long", Type::Long},         {"int64", Type::Long},
      {"real", Type::Real},         {"double", Type::Real},       {"float", Type::Real},
      {"decimal", Type::Decimal},   {"string", Type::String},     {"datetime", Type::DateTime},
      {"date", Type::DateTime},     {"timespan", Type::TimeSpan}, {"time", Type::TimeSpan},
      {"guid", Type::Guid},         {"uniqueid", Type::Guid},     {"dynamic", Type::Dynamic},
      {"object", Type::Dynamic},    {"sbyte", Type::Bool},        {"byte", Type::Int},
      {"int16", Type::Int},         {"single", Type::Real},       {"uint64", Type::Long},
  }};
  for (const auto& [k, t] : kNames)
    if (k == n) return t;
  return std::nullopt;
}

}  // namespace rulelab
