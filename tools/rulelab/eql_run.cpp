// Placeholder until the EQL engine lands: says so instead of giving a wrong answer.
#include <iostream>

#include "commands.hpp"

namespace rulelab::cli {
int query_eql(const QueryArgs&) {
  std::cerr << "rulelab query --dialect eql: not implemented yet\n";
  return 2;
}
void check_eql_query(const std::string&, std::size_t, const std::string&, bool, RuleCheck& out) {
  out.parsed = false;
  out.diagnostics.push_back(out.file + ": EQL parsing is not implemented yet");
}
int run_elastic_eql(const RunArgs& a) {
  std::cerr << a.rule << ": running EQL rules is not implemented yet\n";
  return 2;
}
}  // namespace rulelab::cli
