// The Sentinel workspace for explain and query (app/sentinel_workspace.hpp), with messages on stderr.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/sentinel_workspace.hpp"

namespace rulelab::cli {

using app::trigger;
using app::Workspace;

// Loads --schema, --function and every --data TABLE=FILE (named by app::parse_data_spec) into the
// engine; messages go to stderr. A window [from, to] (ticks) keeps only rows whose TimeGenerated lies inside.
bool load_workspace(Workspace& ws, const std::vector<std::string>& data, const std::string& schema_dir,
                    const std::vector<std::string>& functions, bool strict,
                    std::optional<std::pair<std::int64_t, std::int64_t>> window);

// --now: ISO 8601, or the current time when empty.
std::int64_t now_ticks(const std::string& text, std::string& err);

}  // namespace rulelab::cli
