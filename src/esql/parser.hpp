// ES|QL parser: query text -> typed AST (src/esql/ast.hpp), with positioned errors.
#pragma once
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "esql/ast.hpp"

namespace rulelab::esql {

// `file` names the query's origin in error messages ("<query>", a rule file); `file_text` is that
// file's text and `offset` where the query starts in it (empty file_text: positions are in the query).
struct SourceContext {
  std::string file = "<query>";
  std::string_view file_text;
  std::size_t offset = 0;
};

// `params`: the request's parameters, which `?`, `?1` and `?name` in the query stand for.
Result<Query> parse_query(std::string_view text, const SourceContext& where = {}, const std::vector<Param>& params = {});

// An error at byte `offset` of the query, positioned in its source.
Error error_at(std::string_view text, std::size_t offset, std::string message, const SourceContext& where);

}  // namespace rulelab::esql
