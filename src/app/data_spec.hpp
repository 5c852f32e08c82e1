// The one rule for naming data on the command line and in test files: NAME=FILE, or FILE alone.
#pragma once
#include <string>

namespace rulelab::app {

struct DataSpec {
  std::string name;    // table (Sentinel) or index (Elastic)
  std::string file;
  bool named = false;  // written NAME=FILE
};

// "NAME=FILE" -> {NAME, FILE, named}. "FILE" -> named by its base name: compression suffixes
// (.gz, .zst, .bz2, .xz) and data suffixes (.ndjson, .jsonl, .json, .csv, .tsv, .log, .txt)
// removed; what remains is cut at its first dot unless it is an Elastic index name, which may hold
// dots (`logs-endpoint.events.process-default.ndjson` names that index; `AuditLogs.2026-09.ndjson.gz`
// names the table `AuditLogs`: Log Analytics table names have no dots).
DataSpec parse_data_spec(const std::string& spec, bool elastic = false);

// The name a file gets when given without one (as above).
std::string data_name_of_file(const std::string& file, bool elastic = false);

}  // namespace rulelab::app
