// Placeholder until the EQL engine lands: says so instead of giving a wrong answer.
#include <iostream>

#include "commands.hpp"

namespace rulelab::cli {
int query_eql(const QueryArgs&) {
  std::cerr << "rulelab query --dialect eql: not implemented yet\n";
  return 2;
}
}  // namespace rulelab::cli
