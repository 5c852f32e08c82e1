// Kibana value lists for rule exceptions (Elastic "Create and manage value lists"): an exception
// entry of type "list" names a list by id; its items come from `--value-list ID=FILE` (or a rule
// test's value_lists), a file of one value a line as Kibana imports and exports them (values
// trimmed, blank lines skipped). rulelab puts keyword, ip and ip_range lists into the exception
// query, as Kibana does for lists of up to 65,536 items (build_exception_filter.ts); other list
// types are reported, not applied.
#pragma once
#include <string>
#include <vector>

#include "app/rule.hpp"
#include "core/error.hpp"

namespace rulelab::app {

// The rule with the items of every list `specs` ("ID=FILE") names attached to its list entries.
// A file that cannot be read is an error; a list no spec names stays unattached (the run says so).
// `unused`: the ids of specs no list entry of the rule names.
Result<LoadedRule> with_value_lists(const LoadedRule& rule, const std::vector<std::string>& specs,
                                    std::vector<std::string>* unused = nullptr);

}  // namespace rulelab::app
