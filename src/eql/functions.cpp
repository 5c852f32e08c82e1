#include "eql/functions.hpp"

#include <array>

namespace rulelab::eql {
namespace {
constexpr std::array<FunctionInfo, 16> kFunctions{{
    {"add", 2, 2, false, "nn", 'n'},
    {"between", 3, 4, true, "sssb", 's'},
    {"cidrMatch", 2, kVariadic, false, "*s", 'b'},
    {"concat", 1, kVariadic, false, "*", 's'},
    {"divide", 2, 2, false, "nn", 'n'},
    {"endsWith", 2, 2, true, "ss", 'b'},
    {"indexOf", 2, 3, true, "ssi", 'i'},
    {"length", 1, 1, false, "s", 'i'},
    {"modulo", 2, 2, false, "nn", 'n'},
    {"multiply", 2, 2, false, "nn", 'n'},
    {"number", 1, 2, false, "si", 'n'},
    {"startsWith", 2, 2, true, "ss", 'b'},
    {"string", 1, 1, false, "*", 's'},
    {"stringContains", 2, 2, true, "ss", 'b'},
    {"substring", 2, 3, false, "sii", 's'},
    {"subtract", 2, 2, false, "nn", 'n'},
}};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}
}  // namespace

const FunctionInfo* find_function(std::string_view name) {
  for (const auto& f : kFunctions)
    if (iequals(f.name, name)) return &f;
  return nullptr;
}

}  // namespace rulelab::eql
