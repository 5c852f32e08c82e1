// Rule tests (`*.test.yaml`): a rule, its logs, a clock or a schedule range, and per case the
// expected alerts. Each case runs through the same Runner and schedule loop as run and simulate.
#pragma once
#include <string>
#include <vector>

#include "core/limits.hpp"

namespace rulelab::app {

struct CaseResult {
  std::string spec, rule, name, reason, note;
  std::vector<std::string> tags;
  bool passed = false;
  bool bypass = false;  // expected no alert and tagged as a bypass: a reproduced bypass
  std::vector<std::string> problems;
  std::string output;  // the run's errors, warnings and notes, on failure
  double seconds = 0;
  std::size_t rows = 0;
  bool alert = false;
};

struct TestRun {
  std::vector<CaseResult> cases;
  std::vector<std::string> errors;  // spec files that could not be read ("file:line:col: message")
};

// The spec files named: files as given, directories searched for *.test.yaml (sorted).
std::vector<std::string> find_test_specs(const std::vector<std::string>& paths);

// Runs every case of every spec file. Inline events are written to a temporary folder, removed after.
TestRun run_test_specs(const std::vector<std::string>& spec_files, const Limits& limits);

}  // namespace rulelab::app
