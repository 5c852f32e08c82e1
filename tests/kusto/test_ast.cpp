// The AST contract compiles and its helpers behave.
#include <doctest/doctest.h>

#include "kusto/ast.hpp"
#include "kusto/parser.hpp"

using namespace rulelab::kusto;

TEST_CASE("QueryLocation maps query offsets through segments") {
  QueryLocation l;
  l.file = "r.yaml";
  l.file_text = std::make_shared<const std::string>("query: |\n  T\n  | where x\n");
  l.segments = {{0, 11}, {2, 15}};  // "T\n" at 11, "| where x\n" at 15
  CHECK(l.file_offset(0) == 11);
  CHECK(l.file_offset(4) == 17);
  auto e = l.error_at("T\n| where x\n", 4, "boom");
  CHECK(e.line == 3);
  CHECK(e.column == 5);
  CHECK(e.source_line == "  | where x");
}

TEST_CASE("operator names") {
  CHECK(to_string(BinaryOp::NotHasCs) == "!has_cs");
  CHECK(to_string(InOp::NotInCi) == "!in~");
  CHECK(to_string(JoinKind::LeftAnti) == "leftanti");
}
