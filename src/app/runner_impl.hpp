// The runners of each rule family (runner.cpp picks one).
#pragma once
#include <memory>
#include <optional>
#include <utility>

#include "app/runner.hpp"

namespace rulelab::app {

std::unique_ptr<Runner> make_sentinel_runner(const LoadedRule& rule, const DataOptions& data,
                                             std::optional<std::pair<DateTime, DateTime>> span);
// Kibana KQL rules (query, threshold, new_terms): the documents are read once per runner.
Result<std::unique_ptr<Runner>> make_kuery_runner(const LoadedRule& rule, const DataOptions& data);
// EQL rules: the event store and field types are built once per runner.
Result<std::unique_ptr<Runner>> make_eql_runner(const LoadedRule& rule, const DataOptions& data);

}  // namespace rulelab::app
