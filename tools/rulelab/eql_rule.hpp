// An EQL rule prepared as `rulelab run` prepares it (app/eql_rule.hpp), for explain.
#pragma once
#include <cstdint>
#include <string>

#include "app/eql_rule.hpp"
#include "commands.hpp"

namespace rulelab::cli {

using app::eql_doc_kept;
using app::EqlRuleRun;

// Prepares `out` for a run of `rule` (loaded from `text`) at `now_nanos`. Returns 0, or an exit
// status after printing the error. Notes (unmapped fields, expired exception items) go to stderr.
int prepare_eql_rule(const kql::ElasticRule& rule, const std::string& text, const RunArgs& a, std::int64_t now_nanos,
                     EqlRuleRun& out);

}  // namespace rulelab::cli
