// Output of one run (rulelab run): table, json, ndjson, csv. Formatting only: the run itself is
// app::Runner's.
#pragma once
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "app/rule.hpp"
#include "app/run_result.hpp"
#include "app/runner.hpp"
#include "commands.hpp"

namespace rulelab::cli {

// The data options of a command's arguments (one NAME=FILE rule, app::parse_data_spec).
app::DataOptions data_options(const RunArgs& a, bool elastic);
// The same for explain (tools/rulelab/cmd_explain.cpp).
app::DataOptions explain_data_options(const ExplainArgs& a, bool elastic);

// The JSON document of one run (`rulelab run --format json`).
// (r by value: a caller done with its result moves it in, and its rows are not copied.)
nlohmann::ordered_json run_json(const app::LoadedRule& rule, app::RunResult r, bool provenance);
// Prints a run in the given format; notes and warnings go to `err`.
void print_run(const app::LoadedRule& rule, const app::RunResult& r, const RunArgs& a, std::ostream& out, std::ostream& err);

// "the window [..] holds none of the N events: ... --now T would include the latest" (empty when
// the window left nothing out).
std::string window_hint(const app::LoadedRule& rule, const app::RunResult& r);

}  // namespace rulelab::cli
