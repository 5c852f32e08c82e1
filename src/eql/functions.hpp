// The EQL function table (Elasticsearch "EQL function reference"): names, arities and which
// functions have a case-insensitive `~` form. Implementations live in eval.cpp.
#pragma once
#include <cstddef>
#include <string_view>

namespace rulelab::eql {

inline constexpr std::size_t kVariadic = static_cast<std::size_t>(-1);

struct FunctionInfo {
  std::string_view name;  // canonical spelling
  std::size_t min_args;
  std::size_t max_args;
  bool has_insensitive;   // fn~(...)
  // The type each argument must have, as Elasticsearch's verifier checks it (one letter per
  // argument, the last repeated for variadic functions): 's' string, 'n' numeric, 'i' integer,
  // 'b' boolean, '*' any. `null` passes every check.
  std::string_view params;
  char result;            // the same letters: the type of the function's value
};

// Looks a function up by name, ignoring case (Elasticsearch resolves function names so);
// nullptr when EQL has no such function.
const FunctionInfo* find_function(std::string_view name);

}  // namespace rulelab::eql
