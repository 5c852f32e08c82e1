// The tables, schemas and workspace functions a Sentinel rule runs against (run, query, explain).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/column.hpp"
#include "engine/engine.hpp"
#include "engine/file_table.hpp"
#include "kusto/sentinel_rule.hpp"

namespace rulelab::cli {

struct Workspace {
  engine::Engine engine;
  std::map<std::string, Schema> schemas;  // from --schema DIR
  std::vector<std::string> files;          // every data file, numbered once for the whole run (RowSource::file)
  Limits limits;                           // each query run's --timeout and --max-rows
  // What reading each --data file gave: records, rows kept, rows dropped while reading (outside
  // the window, or by the query's leading where pushed down), records rejected.
  struct Read {
    std::string table, file;
    std::size_t records = 0, rows = 0, filtered = 0, rejected = 0;
    bool pushdown = false;  // the query's leading where filtered while reading
  };
  std::vector<Read> reads;
  // Tables read while the query runs (run, query): collected into `reads` after the run.
  std::vector<std::pair<std::string, std::shared_ptr<engine::FileTable>>> file_tables;
  std::map<std::string, bool> lazy_pushdown;  // per file: a filter was pushed down into reading it
};

// Loads --schema, --function and every --data TABLE=FILE into the engine. A window
// [from, to] (ticks) keeps only rows whose TimeGenerated lies inside (Sentinel's queryPeriod).
bool load_workspace(Workspace& ws, const std::vector<std::string>& data, const std::string& schema_dir,
                    const std::vector<std::string>& functions, bool strict,
                    std::optional<std::pair<std::int64_t, std::int64_t>> window);

// Sentinel's alert decision: the result count against triggerOperator / triggerThreshold.
bool trigger(kusto::TriggerOperator op, std::int64_t count, std::int64_t threshold);

// --now: ISO 8601, or the current time when empty.
std::int64_t now_ticks(const std::string& text, std::string& err);

}  // namespace rulelab::cli
