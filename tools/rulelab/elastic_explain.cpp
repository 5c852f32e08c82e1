// rulelab explain (Elastic rules): placeholder until the per-clause explanation lands.
#include <iostream>

#include "commands.hpp"

namespace rulelab::cli {
int explain_elastic(const ExplainArgs& a) {
  std::cerr << a.rule << ": explain is not implemented for Elastic rules yet (use rulelab run --format json)\n";
  return 2;
}
}  // namespace rulelab::cli
