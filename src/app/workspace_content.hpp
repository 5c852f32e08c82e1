// What a Sentinel workspace holds besides tables: workspace functions (--function NAME=FILE.kql),
// ASIM parsers loaded unchanged from their YAML (--parsers DIR), and watchlists (--watchlist).
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/column.hpp"
#include "core/error.hpp"
#include "kusto/parser.hpp"

namespace rulelab::app {

struct DataOptions;

struct FunctionText {
  std::string name, file, text;
  kusto::QueryLocation location;  // text offsets -> positions in `file`
};

// A watchlist as `_GetWatchlist('alias')` returns it: _DTItemId, LastUpdatedTimeUTC, SearchKey,
// WatchlistItem (the row as a property bag), then the CSV's own columns, all strings (Sentinel
// stores watchlist items as strings). Rows carry their CSV line (RowSource::file 0).
struct Watchlist {
  std::string alias, file, search_key;
  std::shared_ptr<const Table> table;
};

struct WorkspaceContent {
  std::vector<FunctionText> functions;  // each name once: --function files first, then ASIM parsers
  std::vector<Watchlist> watchlists;
  std::size_t parser_files = 0;         // ASIM parser YAMLs loaded
  std::vector<std::string> warnings;    // files skipped, names given twice
  std::vector<std::string> notes;       // what rulelab chose (SearchKey column, default parser folder)
};

// --watchlist NAME=FILE.csv (SearchKey: the first column) or NAME:KEY=FILE.csv.
Result<Watchlist> load_watchlist(const std::string& arg);

// Reads the --function files, every ASIM parser YAML under --parsers (files or directories,
// searched recursively; YAML files without ParserName/ParserQuery are counted and skipped) and the
// --watchlist CSVs. Each parser is registered under its ParserName and its EquivalentBuiltInParser.
// Loaded once per DataOptions (cached in it).
Result<std::shared_ptr<const WorkspaceContent>> workspace_content(const DataOptions& a);

// The --parsers a rule runs with: those given, or else a `Parsers` folder next to the rule file
// (as Azure-Sentinel's layout keeps parsers beside the content that uses them), with a note.
DataOptions with_default_parsers(const DataOptions& a, const std::string& rule_path);

}  // namespace rulelab::app
