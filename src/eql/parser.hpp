// Parsing EQL text into the AST (grammar/eql.hpp; all PEGTL instantiations live in parser.cpp).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "eql/ast.hpp"

namespace rulelab::eql {

// Where the query text sits, for diagnostics: errors report file:line:col within `file_text`
// (the whole rule file), the query starting at byte `offset` of it. Empty file_text: positions
// are within the query itself.
struct SourceContext {
  std::string file = "<query>";
  std::string_view file_text;
  std::size_t offset = 0;
  // When the query was written with escapes (TOML basic strings, JSON), the file offset of each
  // query byte (plus one for the end); empty: byte i of the query is byte offset + i of the file.
  std::vector<std::size_t> map;
};

// Builds SourceContext::map for a query stored at `offset` of `file_text` as a TOML basic string
// or a JSON string (backslash escapes, TOML line-ending backslashes). Empty when the text at
// `offset` is the query verbatim or does not decode to it.
std::vector<std::size_t> escaped_query_map(std::string_view file_text, std::size_t offset, std::string_view query);

// Parses and checks an EQL query (syntax, function names and arities, pipes, parameters).
Result<Query> parse_query(std::string_view text, const SourceContext& where = {});

// An error at byte `at` of the query text, placed within the source context.
Error make_error(std::string message, std::string_view text, std::size_t at, const SourceContext& where);

// Checks the grammar for PEGTL's analyzer (infinite loops); returns the number of issues.
std::size_t analyze_grammar();

}  // namespace rulelab::eql
