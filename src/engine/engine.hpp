// The Kusto executor: binds a parsed query (kusto/ast.hpp) against tables and workspace
// functions, then runs it over columnar batches. One clock (`now`) per run.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/column.hpp"
#include "core/error.hpp"
#include "core/limits.hpp"
#include "core/lineage.hpp"
#include "engine/tap.hpp"
#include "kusto/ast.hpp"
#include "kusto/parser.hpp"

namespace rulelab::engine {

class FunctionRegistry;
class AggregateRegistry;
class FileTable;

struct RunOptions {
  std::int64_t now_ticks = 0;  // the clock now() and ago() read
  Lineage* lineage = nullptr;  // provenance of result rows through joins and summarize (null: off)
  // externaldata: a local file for each storage URL (`--external URL=FILE`); with external_empty a
  // URL without one gives no rows (corpus runs over empty tables) instead of an error.
  std::map<std::string, std::string> external;
  bool external_empty = false;
  Limits limits;               // --timeout and --max-rows (core/limits.hpp)
  bool vector_kernels = true;  // false: every call through its per-row implementation (benchmarks)
  // Out: what the run reports without failing (a `union isfuzzy=true` leg that does not resolve
  // and is left out), positioned like errors. Null: not collected.
  std::vector<Error>* warnings = nullptr;
  // Out: what the run assumed where the workspace lacks something (a watchlist _GetWatchlist reads
  // that no --watchlist gives), positioned like errors. Null: not collected.
  std::vector<Error>* notes = nullptr;
  // Called with the output of each tabular operator of every pipeline the run executes, and its
  // provenance (engine/tap.hpp): `rulelab explain`. Empty: no tap (the plan is unchanged).
  Tap tap;
};

// The outcome of a failed run: the error (file:line:col) and whether it is a feature rulelab
// does not implement (as opposed to an error in the query or the data).
struct EngineError {
  Error error;
  bool unsupported = false;
};

// One result table of a query and its name: one per tabular expression statement (batches:
// PrimaryResult, or the statement's last `as` name), several for a statement ending in fork or
// facet (fork-operator, facet-operator). `offset`: where in the query text the table's statement
// (or its fork/facet) starts.
struct ResultTable {
  std::string name;
  Table table;
  std::uint32_t offset = 0;
};

class Engine {
 public:
  Engine();
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // A table visible by name (replaces one of the same name).
  void add_table(const std::string& name, std::shared_ptr<const Table> table);
  // A table still in its log files (file_table.hpp): streamed into where/extend/project*/summarize,
  // read whole once for other operators.
  void add_file_table(const std::string& name, std::shared_ptr<FileTable> table);
  bool has_table(const std::string& name) const;
  // A workspace function (a saved query, e.g. an ASIM parser or _GetWatchlist): its body is a
  // Kusto query, optionally with parameters written as a let-function `(a:string) { ... }` or
  // as the whole body. Parsed when first used.
  void add_function(const std::string& name, std::string text, kusto::QueryLocation location);
  // A Sentinel watchlist: the table `_GetWatchlist('NAME')` returns (its columns as Sentinel's
  // _GetWatchlist gives them: _DTItemId, LastUpdatedTimeUTC, SearchKey, WatchlistItem, then the
  // watchlist's own columns). A user or workspace function named _GetWatchlist takes precedence.
  void add_watchlist(const std::string& name, std::shared_ptr<const Table> table);
  bool has_function(const std::string& name) const { return workspace_.count(name) > 0; }

  // Parses and runs a query. On failure `err` is filled and the table is empty.
  bool run(const std::string& text, const kusto::QueryLocation& location, const RunOptions& options, Table& out,
           EngineError& err);
  bool run(const kusto::Query& query, const kusto::QueryLocation& location, const RunOptions& options, Table& out,
           EngineError& err);
  // Every result table, in the order of the query's statements (batches, fork, facet). The
  // overloads above need exactly one: a query with several fails there, at the second one, with
  // an error naming them all (a Sentinel rule's query must give one result; `rulelab query`
  // prints them all).
  bool run(const std::string& text, const kusto::QueryLocation& location, const RunOptions& options,
           std::vector<ResultTable>& out, EngineError& err);
  bool run(const kusto::Query& query, const kusto::QueryLocation& location, const RunOptions& options,
           std::vector<ResultTable>& out, EngineError& err);

  const FunctionRegistry& functions() const { return *functions_; }
  const AggregateRegistry& aggregates() const { return *aggregates_; }

  struct WorkspaceFunction {
    std::string text;
    kusto::QueryLocation location;
    std::shared_ptr<kusto::Query> parsed;  // when parsed
  };

 private:
  std::unique_ptr<FunctionRegistry> functions_;
  std::unique_ptr<AggregateRegistry> aggregates_;
  std::map<std::string, std::shared_ptr<const Table>> tables_;
  std::map<std::string, std::shared_ptr<FileTable>> file_tables_;
  std::map<std::string, WorkspaceFunction> workspace_;
  std::map<std::string, std::shared_ptr<const Table>> watchlists_;
  friend class Binder;
};

// Text of one value as rulelab prints it (datetimes ISO 8601 UTC, timespans d.hh:mm:ss, dynamic as JSON).
std::string format_cell(const Column& c, std::size_t row);

}  // namespace rulelab::engine
