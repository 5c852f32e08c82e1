// Placeholder until the Elastic engine lands: says so instead of giving a wrong answer.
#include <iostream>

#include "commands.hpp"

namespace rulelab::cli {
int run_elastic(const RunArgs& a) {
  std::cerr << a.rule << ": running Elastic rules is not implemented yet\n";
  return 2;
}
int query_kuery(const QueryArgs&) {
  std::cerr << "rulelab query --dialect kuery: not implemented yet\n";
  return 2;
}
}  // namespace rulelab::cli
