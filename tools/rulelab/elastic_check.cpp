// Placeholder until the Elastic loader lands.
#include "commands.hpp"

namespace rulelab::cli {
std::vector<RuleCheck> check_elastic_file(const std::string& path, bool) {
  RuleCheck c;
  c.file = path;
  c.dialect = "kuery";
  c.diagnostics.push_back(path + ": Elastic rule loading is not implemented yet");
  return {c};
}
}  // namespace rulelab::cli
