// Placeholder until the Kusto executor lands: says so instead of giving a wrong answer.
#include <iostream>

#include "commands.hpp"

namespace rulelab::cli {
int run_sentinel(const RunArgs& a) {
  std::cerr << a.rule << ": running Sentinel rules is not implemented yet\n";
  return 2;
}
int query_kusto(const QueryArgs&) {
  std::cerr << "rulelab query --dialect kusto: not implemented yet\n";
  return 2;
}
}  // namespace rulelab::cli
