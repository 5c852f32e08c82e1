// Placeholder until the Kusto front end lands.
#include "commands.hpp"

namespace rulelab::cli {
std::vector<RuleCheck> check_sentinel_file(const std::string& path, bool) {
  RuleCheck c;
  c.file = path;
  c.dialect = "kusto";
  c.diagnostics.push_back(path + ": Sentinel rule loading is not implemented yet");
  return {c};
}
}  // namespace rulelab::cli
