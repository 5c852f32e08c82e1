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

TEST_CASE("AST as JSON (rulelab parse --ast)") {
  auto q = parse_query("let n = 1h;\nT | where A has_cs 'x' and B !in~ ('a') | join kind=leftanti (S) on $left.K == $right.K");
  REQUIRE(q.ok());
  const std::string j = to_json(*q);
  CHECK(j.rfind("{\"statements\":[{\"kind\":\"let\",\"range\":[0,10],\"name\":\"n\"", 0) == 0);
  CHECK(j.find("\"op\":\"has_cs\"") != std::string::npos);
  CHECK(j.find("\"op\":\"!in~\"") != std::string::npos);
  CHECK(j.find("\"join_kind\":\"leftanti\"") != std::string::npos);
  CHECK(j.find("\"kind\":\"$right\"") != std::string::npos);
  CHECK(j.find("\"value\":\"01:00:00\"") != std::string::npos);
}

// Found by fuzz/kusto_parser: a long `and` chain is a left-deep tree as deep as the chain; its JSON
// copied every subtree at every level (ordered_json members grow by copying). The JSON of a
// 3000-operand chain is the chain, innermost operands first.
TEST_CASE("AST as JSON of a long and-chain") {
  std::string text = "T | where a0 == 0";
  for (int i = 1; i < 3000; ++i) text += " and a" + std::to_string(i) + " == " + std::to_string(i);
  auto q = parse_query(text);
  REQUIRE(q.ok());
  const std::string j = to_json(*q);
  std::size_t binaries = 0;
  for (std::size_t p = j.find("\"kind\":\"binary\""); p != std::string::npos; p = j.find("\"kind\":\"binary\"", p + 1)) ++binaries;
  CHECK(binaries == 2999 + 3000);  // the ands and the comparisons
  CHECK(j.find("\"name\":\"a0\"") < j.find("\"name\":\"a2999\""));
}

// Found by fuzz/kusto_parser: a string literal with invalid UTF-8 made to_json throw (nlohmann's
// dump rejects it), so `rulelab parse --ast` ended in std::terminate. It is written as U+FFFD.
TEST_CASE("AST as JSON of a literal holding invalid UTF-8") {
  auto q = parse_query("print s = 'src=10.1.1.123 \xFF\xFE'");
  REQUIRE(q.ok());
  const std::string j = to_json(*q);
  CHECK(j.find("src=10.1.1.123 \xEF\xBF\xBD\xEF\xBF\xBD") != std::string::npos);
}
