// Parsing EQL text into the AST (grammar/eql.hpp; all PEGTL instantiations live in parser.cpp).
#pragma once
#include <string>
#include <string_view>

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
};

// Parses and checks an EQL query (syntax, function names and arities, pipes, parameters).
Result<Query> parse_query(std::string_view text, const SourceContext& where = {});

// An error at byte `at` of the query text, placed within the source context.
Error make_error(std::string message, std::string_view text, std::size_t at, const SourceContext& where);

// Checks the grammar for PEGTL's analyzer (infinite loops); returns the number of issues.
std::size_t analyze_grammar();

}  // namespace rulelab::eql
