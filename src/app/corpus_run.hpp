// Every Sentinel rule of a directory run over empty tables (all tables of the schema
// directories): how many run without an "unsupported" error (`rulelab corpus-run`). Rules whose
// tables or workspace functions do not exist are counted apart.
#pragma once
#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace rulelab::app {

struct CorpusRun {
  std::size_t rules = 0, ok = 0, unsupported = 0, errors_count = 0, parse_errors = 0, missing_table = 0, missing_function = 0,
              not_rules = 0, tables = 0;
  std::map<std::string, std::size_t> features;  // unsupported feature -> rules
  std::map<std::string, std::size_t> errors;    // other error -> rules
  nlohmann::json failures = nlohmann::json::array();  // {file, kind, message}
  std::vector<std::string> warnings;
  double seconds = 0;
};

// parser_dirs: ASIM parser YAMLs (files or directories) registered as workspace functions, as
// --parsers registers them for run.
Result<CorpusRun> run_corpus(const std::string& dir, const std::vector<std::string>& schema_dirs, bool verbose,
                             const std::vector<std::string>& parser_dirs = {});

}  // namespace rulelab::app
