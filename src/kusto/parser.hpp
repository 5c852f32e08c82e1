// Kusto query text -> typed AST (ast.hpp), with diagnostics positioned in the rule file.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "kusto/ast.hpp"

namespace rulelab::kusto {

// Where a query's bytes sit in the file it came from. A rule file holds the query inside YAML (a
// block scalar: each line indented), JSON (a string with escapes) or as the whole file (.kql).
// The mapping is a sorted list of segments: query bytes [query_begin, next segment's query_begin)
// lie at file bytes file_begin, file_begin + 1, ...
struct QueryLocation {
  struct Segment {
    std::size_t query_begin = 0;
    std::size_t file_begin = 0;
  };
  std::string file;                             // path for messages ("" for a query typed on the command line)
  std::shared_ptr<const std::string> file_text; // the whole file (null: the query itself is the text)
  std::vector<Segment> segments;                // empty: identity mapping

  // The identity mapping for a query that is a file by itself (or command-line text).
  static QueryLocation identity(std::string file = {});

  // File byte offset of query byte `query_offset`.
  std::size_t file_offset(std::size_t query_offset) const;

  // An Error at query byte `query_offset`, with file line/col and the file's source line (taken
  // from file_text, or from `query_text` when file_text is null).
  Error error_at(std::string_view query_text, std::size_t query_offset, std::string message) const;
};

struct ParseOptions {
  QueryLocation location;        // maps diagnostics into the rule file
  std::size_t max_depth = 256;   // nesting limit for parentheses, pipelines, lets, expressions
};

// Parses a whole query (statements; the last tabular statement is the result). On failure the
// Error carries file:line:col of the problem in the rule file and a message such as
// "unterminated string literal", "expected ')'", "unknown operator 'wher' after '|'",
// "join needs 'on' with the join columns".
Result<Query> parse_query(std::string_view text, const ParseOptions& options = {});

namespace detail {
// tao::pegtl::analyze<> of the grammar (for the unit test): the number of problems found
// (rules that can loop without progress, or left recursion); 0 is good.
std::size_t analyze_grammar();
}  // namespace detail

}  // namespace rulelab::kusto
