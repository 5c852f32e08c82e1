// Sentinel rule loaders (stub: filled in below the contract commit).
#include "kusto/sentinel_rule.hpp"

namespace rulelab::kusto {

Result<std::vector<SentinelRule>> load_sentinel_file(const std::string& path) {
  return Error("Sentinel rule loading is not implemented yet", path);
}
Result<std::vector<SentinelRule>> load_sentinel_text(const std::string& path, std::string) {
  return Error("Sentinel rule loading is not implemented yet", path);
}
std::optional<TimeSpan> parse_sentinel_duration(std::string_view) { return std::nullopt; }
std::optional<TriggerOperator> parse_trigger_operator(std::string_view) { return std::nullopt; }
std::string_view to_string(TriggerOperator op) {
  switch (op) {
    case TriggerOperator::GreaterThan: return "GreaterThan";
    case TriggerOperator::LessThan: return "LessThan";
    case TriggerOperator::Equal: return "Equal";
    case TriggerOperator::NotEqual: return "NotEqual";
  }
  return "?";
}

}  // namespace rulelab::kusto
