// The subcommands of the rulelab program. Each lives in its own cmd_*.cpp and registers itself
// through one of the add_* functions, called from main.cpp. Dialect-specific work sits behind the
// functions declared below, each implemented in its own file (sentinel_*.cpp, elastic_*.cpp, eql_*.cpp).
#pragma once
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "app/rule.hpp"
#include "app/runner.hpp"
#include "app/rule_check.hpp"
#include "core/datetime.hpp"
#include "core/limits.hpp"

namespace rulelab::cli {

// --parsers DIR and --watchlist NAME[:KEY]=FILE.csv (Sentinel workspaces: ASIM parsers, watchlists).
// Also --value-list ID=FILE (Elastic: the value lists exception entries of type "list" name) and
// --completion FILE (ES|QL: the answers COMPLETION's inference endpoint gives), where given.
void add_workspace_options(CLI::App* sub, std::vector<std::string>& parser_dirs, std::vector<std::string>& watchlists,
                           std::vector<std::string>* value_lists, std::vector<std::string>* completions = nullptr);

// --timeout SECONDS and --max-rows N (core/limits.hpp), for every command that runs queries.
void add_limit_options(CLI::App* sub, Limits& limits);

// --date-order mdy|dmy: how slash dates of a CSV export read when no value of their column tells
// (core/ingest.hpp, IngestOptions::date_order); "" = unset. date_order_of turns it into the option.
void add_date_order_option(CLI::App* sub, std::string& order);
std::optional<DateOrder> date_order_of(const std::string& order);

// Ends the process once a command's output is written, without freeing what the command built
// (a result of thousands of JSON rows, the rules): the system takes the memory back at once,
// where freeing it allocation by allocation took tens of milliseconds after the last byte was
// out. std::exit still flushes C streams and runs exit handlers (and LeakSanitizer's check, which
// sees these objects as reachable from the stack).
[[noreturn]] inline void exit_keeping_memory(int rc) {
  std::cout.flush();
  std::cerr.flush();
  std::exit(rc);
}

// What a command does once its arguments are parsed: returns the process exit code.
using Action = std::function<int()>;
struct Registry {
  std::vector<std::pair<CLI::App*, Action>> commands;
  void add(CLI::App* sub, Action a) { commands.emplace_back(sub, std::move(a)); }
};

void add_ingest(CLI::App& app, Registry& r);
void add_parse(CLI::App& app, Registry& r);
void add_corpus(CLI::App& app, Registry& r);
void add_run(CLI::App& app, Registry& r);
void add_query(CLI::App& app, Registry& r);
void add_corpus_run(CLI::App& app, Registry& r);  // tools/rulelab/cmd_corpus_run.cpp (Kusto executor over a rule corpus)
void add_test(CLI::App& app, Registry& r);
void add_simulate(CLI::App& app, Registry& r);
void add_diff(CLI::App& app, Registry& r);
void add_explain(CLI::App& app, Registry& r);

// ---- rule files: parse and corpus ------------------------------------------------------------
using app::RuleCheck;
// Which loader takes a file, from its name and first bytes: "sentinel", "elastic" or "" (none).
using app::rule_family;
using app::check_rule_file;

// ---- running --------------------------------------------------------------------------------
struct RunArgs {
  std::string rule;                   // rule file
  std::vector<std::string> data;      // TABLE=FILE (Sentinel) or INDEX=FILE (Elastic); FILE alone: name from the file
  std::string now;                    // ISO 8601; empty: the current time
  std::string format = "table";       // table, json, ndjson, csv
  std::string schema_dir;             // Log Analytics schemas (Sentinel)
  std::vector<std::string> functions; // NAME=FILE.kql workspace functions (Sentinel)
  std::vector<std::string> parser_dirs;  // --parsers: ASIM parser YAML files or directories (Sentinel)
  std::vector<std::string> watchlists;   // --watchlist NAME[:KEY]=FILE.csv (Sentinel)
  std::vector<std::string> value_lists;  // --value-list ID=FILE (Elastic exception value lists)
  std::vector<std::string> completions;  // --completion FILE (ES|QL COMPLETION answers)
  std::string mapping;                // Elasticsearch index mapping JSON (Elastic)
  std::vector<std::string> index_mappings;  // --mapping INDEX=FILE: one index's mapping (ES|QL rules)
  bool strict = false;                // unreadable log records are fatal
  bool provenance = false;            // JSON output lists, per row, the input records it derives from
  Limits limits;                      // per query run: --timeout, --max-rows
  bool no_pushdown = false;           // read every row in the window / every document (no filter while reading)
  std::vector<std::string> external;  // URL=FILE: local copies of externaldata URLs (Sentinel)
  std::string date_order;             // --date-order mdy|dmy (CSV exports' ambiguous slash dates)
  std::int64_t alerts_max = app::kKibanaAlertsMax;  // --alerts-max: Kibana's xpack.alerting.rules.run.alerts.max
};
// rulelab run: every rule of the file through app::Runner, printed (tools/rulelab/cmd_run.cpp).
int run_rule(const RunArgs& a);
// The rule commands' --mapping: FILE for every index (once), INDEX=FILE for one (repeatable).
void add_mapping_option(CLI::App* sub, std::string& mapping, std::vector<std::string>& index_mappings);
// The rule commands' --alerts-max N: Kibana's xpack.alerting.rules.run.alerts.max (Elastic rules).
void add_alerts_max_option(CLI::App* sub, std::int64_t& alerts_max);

struct QueryArgs {
  std::string dialect;  // kusto, kuery, eql
  std::string query;
  std::vector<std::string> data;
  std::string now;
  std::string format = "table";
  std::string schema_dir;
  std::vector<std::string> functions;
  std::vector<std::string> parser_dirs, watchlists;  // --parsers, --watchlist (Kusto)
  std::string mapping;
  std::optional<std::size_t> size;  // EQL/Kuery result size
  // EQL search options, as Elasticsearch's EQL search API takes them (empty: its defaults).
  std::string tiebreaker, timestamp_field, event_category_field;
  std::optional<std::size_t> max_samples_per_key;
  std::vector<std::string> params;  // ES|QL: --param NAME=VALUE or --param VALUE (the request's params)
  std::vector<std::string> completions;  // ES|QL: --completion FILE (COMPLETION's answers)
  bool strict = false;
  std::vector<std::string> external;  // URL=FILE: local copies of externaldata URLs (Kusto)
  bool no_pushdown = false;           // Kusto: read every row into memory first; kuery, EQL: every document
  Limits limits;
  std::string date_order;             // --date-order mdy|dmy
};
int query_kusto(const QueryArgs& a);  // tools/rulelab/sentinel_run.cpp
int query_kuery(const QueryArgs& a);  // tools/rulelab/elastic_run.cpp
int query_eql(const QueryArgs& a);    // tools/rulelab/eql_run.cpp
// ES|QL (tools/rulelab/esql_run.cpp); `mappings`: NAME=FILE per index, or FILE for every index.
int query_esql(const QueryArgs& a, const std::vector<std::string>& mappings);


// ---- explain ----------------------------------------------------------------------------------
struct ExplainArgs {
  std::string rule, event, now, format = "table", schema_dir, mapping, date_order;
  std::vector<std::string> index_mappings;  // --mapping INDEX=FILE
  std::vector<std::string> data, functions, parser_dirs, watchlists, value_lists, completions;
  Limits limits;
  std::int64_t alerts_max = app::kKibanaAlertsMax;  // --alerts-max
};
int explain_sentinel(const ExplainArgs& a);  // tools/rulelab/sentinel_explain.cpp
int explain_elastic(const ExplainArgs& a);   // tools/rulelab/elastic_explain.cpp
// EQL rules (tools/rulelab/eql_explain.cpp); explain_elastic hands them over.
int explain_elastic_eql(const ExplainArgs& a, const app::LoadedRule& rule);
// ES|QL rules (tools/rulelab/esql_explain.cpp); explain_elastic hands them over.
int explain_elastic_esql(const ExplainArgs& a, const app::LoadedRule& rule);
}  // namespace rulelab::cli
