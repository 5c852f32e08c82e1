// Runs a rule through the same code path as `rulelab run --format json` and keeps what it prints.
#pragma once
#include <string>

#include "commands.hpp"

namespace rulelab::cli {

struct Captured {
  int code = 0;
  std::string out;  // standard output (the JSON document)
  std::string err;  // diagnostics and warnings
};

// Dispatches on the rule family (Sentinel or Elastic), with std::cout and std::cerr redirected.
Captured capture_run(const RunArgs& args);

}  // namespace rulelab::cli
