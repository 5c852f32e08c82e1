// Finding the event an explain --event selector names.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/data_spec.hpp"
#include "app/events.hpp"
#include "core/error.hpp"
#include "core/types.hpp"

namespace rulelab::cli {

// The record an --event selector names (app::find_event), with --data given as NAME=FILE or FILE.
using app::FoundEvent;
Result<FoundEvent> find_event(const std::string& selector, const std::vector<std::string>& data, const std::string& time_field,
                              bool documents);

using app::dyn_time;

// "NAME=FILE" -> {NAME, FILE}; "FILE" -> {its name by app::parse_data_spec, FILE}.
inline std::pair<std::string, std::string> split_data_spec(const std::string& spec, bool elastic) {
  app::DataSpec d = app::parse_data_spec(spec, elastic);
  return {d.name, d.file};
}

}  // namespace rulelab::cli
