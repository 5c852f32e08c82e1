// Runs a loaded rule over a data set: once at a given `now`, or on its schedule between two times.
// The data are read once per Runner; each run costs only its evaluation.
#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/data_spec.hpp"
#include "app/rule.hpp"
#include "app/run_result.hpp"
#include "core/datetime.hpp"
#include "core/error.hpp"
#include "core/limits.hpp"
#include "app/workspace_content.hpp"

namespace rulelab::app {

// Kibana's default of xpack.alerting.rules.run.alerts.max (Kibana's alerting settings).
inline constexpr std::int64_t kKibanaAlertsMax = 1000;

// What the data set is and how to read it (the same for every command).
struct DataOptions {
  std::vector<DataSpec> data;
  std::string schema_dir;              // Log Analytics table schemas (Sentinel)
  std::vector<std::string> functions;  // NAME=FILE.kql workspace functions (Sentinel)
  std::string mapping;                 // Elasticsearch index mapping JSON (Elastic)
  // --mapping INDEX=FILE: the mapping of one index, in place of `mapping` (ES|QL rules).
  std::vector<std::pair<std::string, std::string>> index_mappings;
  std::vector<std::string> external;   // URL=FILE local copies of externaldata URLs (Sentinel)
  std::vector<std::string> parser_dirs;  // --parsers: ASIM parser YAMLs, files or directories (Sentinel)
  std::vector<std::string> watchlists;   // --watchlist NAME[:KEY]=FILE.csv (Sentinel)
  std::vector<std::string> value_lists;  // --value-list ID=FILE: Kibana value lists exception entries name (Elastic)
  std::vector<std::string> completions;  // --completion FILE: what ES|QL COMPLETION's endpoint answers
  std::string parsers_note;              // why these parsers (set when taken from the folder next to the rule)
  // The functions, parsers and watchlists above, loaded once (app/workspace_content.hpp).
  mutable std::shared_ptr<const WorkspaceContent> content;
  mutable std::vector<std::string> content_key;
  bool strict = false;                 // an unreadable record is fatal
  bool provenance = true;              // carry file:line of source events through the run (Sentinel)
  bool no_pushdown = false;            // Sentinel single runs: every row in the window; Elastic: every document
  std::optional<DateOrder> date_order; // --date-order: slash dates no value of their column orders (CSV exports)
  Limits limits;
  // Kibana's xpack.alerting.rules.run.alerts.max (--alerts-max): no rule writes more alerts in one
  // run, whatever its max_signals (0: no such cap).
  std::int64_t alerts_max = kKibanaAlertsMax;
};

// Caps an Elastic rule's max_signals at `alerts_max`, as Kibana's security rule executor does
// before every run (getRuleRangeTuples: the smaller of the two, for every rule type but EQL, whose
// executor searches with the rule's own value). Returns the warning Kibana records with the run's
// "partial failure" status when the rule's value is above the limit, else nullopt.
std::optional<std::string> cap_max_signals(LoadedRule& rule, std::int64_t alerts_max);

// The data specs given on the command line (NAME=FILE or FILE), named by the one rule.
std::vector<DataSpec> data_specs(const std::vector<std::string>& args, bool elastic);

class Runner {
 public:
  virtual ~Runner() = default;
  // One run at `now`. A failure is an Error (positioned where it can be); `unsupported` is set
  // when the rule needs something rulelab does not implement.
  virtual Result<RunResult> run(DateTime now) = 0;
  bool unsupported = false;
  // When a run has no result row, count the events its window left out (RunResult::missed). Off
  // in schedule mode, where simulate reports the events no run saw.
  bool explain_misses = true;
  // Alert bodies may refer to their result row (body["row_index"] into RunResult::rows) instead of
  // holding a copy of the document: set by the alert suppression wrapper, which fills the alerts it keeps.
  bool light_alerts = false;
  // Elastic: a run leaves out the alerts an earlier run of this runner created before it counts
  // max_signals (Kibana's bulkCreate drops existing alert ids). Off under alert suppression, whose
  // wrapper decides what the earlier alerts take.
  bool skip_earlier_alerts = true;
  // Elastic: a run stops at max_signals alerts. Off under alert suppression (ES|QL), whose
  // wrapper caps the grouped alerts (Kibana's bulkCreateSuppressedAlertsInMemory) while the
  // requests page as without it.
  bool cap_alerts = true;
  // ES|QL: an alert of a document (a row with _id, of a non-aggregating query) carries the document
  // (body "source"), as Kibana fetches it to merge the row into (fetchSourceDocuments,
  // mergeEsqlResultInSource): alert suppression reads a group_by field the result lacks there. Set
  // by the alert suppression wrapper.
  bool attach_sources = false;
};

// A runner for `rule`. `span`: the earliest and latest `now` the runner will be asked for; the data
// are then read once, for the union of those runs' windows (schedule mode). Without a span each
// run reads what it needs (filters pushed down into reading).
Result<std::unique_ptr<Runner>> make_runner(const LoadedRule& rule, const DataOptions& data,
                                            std::optional<std::pair<DateTime, DateTime>> span = std::nullopt);

// Tables or indexes the rule reads that no --data names (a warning: they are read as empty).
std::vector<std::string> unmatched_data(const LoadedRule& rule, const DataOptions& data);

}  // namespace rulelab::app
