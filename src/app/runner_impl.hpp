// The runners of each rule family (runner.cpp picks one).
#pragma once
#include <memory>
#include <optional>
#include <utility>

#include "app/runner.hpp"
#include "core/column.hpp"
#include "kusto/sentinel_rule.hpp"

namespace rulelab::app {

// Result rows, the alert decision and the alerts of one Sentinel run (out.provenance filled first).
void fill_sentinel_result(const LoadedRule& rule, const kusto::SentinelRule& sentinel, std::shared_ptr<const Table> result, RunResult& out);

std::unique_ptr<Runner> make_sentinel_runner(const LoadedRule& rule, const DataOptions& data,
                                             std::optional<std::pair<DateTime, DateTime>> span);
// Kibana KQL rules (query, threshold, new_terms): the documents are read once per runner.
Result<std::unique_ptr<Runner>> make_kuery_runner(const LoadedRule& rule, const DataOptions& data);
// EQL rules: the event store and field types are built once per runner.
Result<std::unique_ptr<Runner>> make_eql_runner(const LoadedRule& rule, const DataOptions& data);
// ES|QL rules: the indices are read once per runner.
Result<std::unique_ptr<Runner>> make_esql_runner(const LoadedRule& rule, const DataOptions& data);

}  // namespace rulelab::app
