#include "core/limits.hpp"

#include <cstdio>

namespace rulelab {

std::string format_seconds(double seconds) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g s", seconds);
  return buf;
}

std::string regex_too_large_message() {
  return "the regular expression is too large: its compiled program exceeds the " + std::to_string(kRegexMaxMem >> 20) +
         " MiB a pattern may use (RE2 max_mem)";
}

}  // namespace rulelab
