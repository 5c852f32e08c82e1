// The tables, schemas and workspace functions a Sentinel rule runs against (run, query, explain):
// loading --data into the engine with column pruning, the window and the query's leading filters
// applied while reading (two-step reading), and the alert JSON of a Sentinel alert.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "app/data_spec.hpp"
#include "core/raw_prefilter.hpp"
#include "app/runner.hpp"
#include "core/column.hpp"
#include "core/lineage.hpp"
#include "engine/engine.hpp"
#include "engine/file_table.hpp"
#include "engine/plan.hpp"
#include "kusto/sentinel_rule.hpp"

namespace rulelab::app {

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
  std::map<std::string, std::shared_ptr<const RawPrefilter>> prefilters;  // per file: the literals its records must hold
  std::map<std::string, std::shared_ptr<const Table>> tables;  // tables loaded into memory, by name
  std::vector<std::string> messages;  // errors (when loading fails) and warnings (records skipped, schemas skipped, ingest warnings)
  std::vector<std::string> notes;     // what reading the data decided: columns kept that the schema lacks, date orders
  std::optional<DateOrder> date_order;  // --date-order: slash dates no value of their column orders
  // Functions, ASIM parsers and watchlists (workspace_content()); when set, load_workspace_projected
  // registers these instead of reading its `functions` argument.
  std::shared_ptr<const WorkspaceContent> content;
  // Azure Monitor standard columns (_ItemId, _BilledSize, ...) the query or its functions name:
  // added, empty, to the tables that lack them (standard_columns_named()).
  std::set<std::string> standard_columns;
};

// The engine's warnings (and notes) as printed, each once: the legs that `union isfuzzy=true` left
// out of one file because they call functions that do not exist (a unifying ASIM parser's source
// parsers that no --parsers YAML gives) are one warning naming them all.
std::vector<std::string> format_engine_messages(const std::vector<Error>& messages);

// The Azure Monitor standard columns that the query text or a workspace function names.
std::set<std::string> standard_columns_named(const std::string& query, const WorkspaceContent* content);

// The query's filters to push down into reading its tables: the use queries of each table
// (engine/pushdown.hpp) and the clock they read.
struct PushdownPlan {
  std::int64_t now = 0;
  std::map<std::string, std::vector<std::string>> uses;
};

// Loads --schema, --function and every --data TABLE=FILE into the engine. A window
// [from, to] (ticks) keeps only rows whose TimeGenerated lies inside (Sentinel's queryPeriod).
bool load_workspace(Workspace& ws, const std::vector<DataSpec>& data, const std::string& schema_dir,
                    const std::vector<std::string>& functions, bool strict,
                    std::optional<std::pair<std::int64_t, std::int64_t>> window);
// As load_workspace, reading only the columns `projection` names for the tables it lists, and
// dropping while reading the rows the query's leading filters drop (`pushdown`). lazy: tables of a
// known schema stay in their files until the query reads them (FileTable). skip_outside_window:
// JSON records whose TimeGenerated is written plainly outside the window are skipped unparsed
// (RawTimeWindow; not for explain, which reads every line, nor --no-pushdown).
bool load_workspace_projected(Workspace& ws, const std::vector<DataSpec>& data, const std::string& schema_dir,
                              const std::vector<std::string>& functions, bool strict,
                              std::optional<std::pair<std::int64_t, std::int64_t>> window,
                              const std::map<std::string, std::vector<std::string>>* projection,
                              const PushdownPlan* pushdown = nullptr, bool lazy = false, bool skip_outside_window = false);
// The rows of `t` whose datetime `column` lies in [window.first, window.second] (ticks); batches
// every row of which lies inside are shared, not copied.
Table rows_in_window(const Table& t, std::size_t column, std::pair<std::int64_t, std::int64_t> window);
// After a run: what reading the lazily read files gave (Workspace::reads).
void collect_reads(Workspace& ws);

// Column pruning (read only the columns the query uses); empty: read every column.
std::map<std::string, std::vector<std::string>> plan_projection(const kusto::SentinelRule& rule, const DataOptions& a,
                                                                const std::map<std::string, Schema>& schemas);
PushdownPlan plan_pushdown(const kusto::SentinelRule& rule, const DataOptions& a, std::int64_t now);

// --external URL=FILE (split at the last '=': URLs carry '=' in their query strings).
bool external_files(const std::vector<std::string>& args, std::map<std::string, std::string>& out, std::string& error);

// Sentinel's alert decision: the result count against triggerOperator / triggerThreshold.
bool trigger(kusto::TriggerOperator op, std::int64_t count, std::int64_t threshold);

// One Sentinel alert over `rows` of the result: entities, custom details, alertDetailsOverride.
nlohmann::ordered_json alert_json(const kusto::SentinelRule& rule, const Table& t, const std::vector<engine::RowRef>& rows);

// For each result row, the input records it derives from, as "file:line".
std::vector<std::vector<std::string>> provenance_lists(const Table& result, const Lineage& lineage,
                                                       const std::vector<std::string>& files);

// The --function NAME=FILE arguments as {name, file, text}; false when one is malformed.
bool function_texts(const std::vector<std::string>& functions, std::vector<FunctionText>& out);

}  // namespace rulelab::app
