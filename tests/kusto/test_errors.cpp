// Diagnostics: the position of the problem and a message a user understands.
#include "kusto_test_util.hpp"

using namespace kusto_test;

TEST_CASE("unterminated string points at the opening quote") {
  auto e = parse_err("T\n| where Name == 'abc\n| take 1");
  CHECK(e.message == "unterminated string literal");
  CHECK(e.line == 2);
  CHECK(e.column == 17);
  CHECK(e.source_line == "| where Name == 'abc");
  auto e2 = parse_err("T | where x == @\"abc");
  CHECK(e2.message == "unterminated string literal");
  CHECK(e2.column == 16);
}

TEST_CASE("missing ')'") {
  // A pipe inside parentheses is a subquery, so the ')' is missed only at the end.
  auto e = parse_err("T | where tolower(Name == 'a'\n| take 1");
  CHECK(e.message == "expected ')' to close the '(' at 1:18");
  CHECK(e.line == 2);
  CHECK(e.column == 9);
  auto e2 = parse_err("T | where a in ('x', 'y'");
  CHECK(e2.message == "expected ')' to close the '(' at 1:16");
  CHECK(e2.column == 25);
  auto e3 = parse_err("T | where a == 1)");
  CHECK(e3.message == "unexpected ')' without a matching '('");
  CHECK(e3.column == 17);
}

TEST_CASE("unknown operator after '|', with a suggestion") {
  auto e = parse_err("T\n| wher x == 1");
  CHECK(e.message == "unknown tabular operator 'wher' after '|' (did you mean 'where'?)");
  CHECK(e.line == 2);
  CHECK(e.column == 3);
  auto e2 = parse_err("T | Where x == 1");  // keywords are case-sensitive
  CHECK(e2.message.find("unknown tabular operator 'Where'") == 0);
  auto e3 = parse_err("T | frobnicate");
  CHECK(e3.message == "unknown tabular operator 'frobnicate' after '|'");
  auto e4 = parse_err("T | ");
  CHECK(e4.message == "expected a tabular operator after '|'");
}

TEST_CASE("join without 'on'") {
  auto e = parse_err("T\n| join kind=inner (S | where x)\n| project a");
  CHECK(e.message == "expected 'on' and the columns to match");
  CHECK(e.line == 3);
  CHECK(e.column == 1);
  auto e2 = parse_err("T | join kind=inner (S) on");
  CHECK(e2.message.find("expected the columns to match after 'on'") == 0);
}

TEST_CASE("other committed points") {
  CHECK(parse_err("T | where").message == "expected a predicate after 'where'");
  CHECK(parse_err("T | where a and").message == "expected an expression after 'and'");
  CHECK(parse_err("let = 1; T").message == "expected a name after 'let'");
  CHECK(parse_err("let x 1; T").message == "expected '=' after the name in 'let'");
  CHECK(parse_err("let x = 1 T").message == "unexpected 'T': expected '|', ';' or the end of the query");
  CHECK(parse_err("T | sort x").message == "expected 'by'");
  CHECK(parse_err("T | extend").message == "expected a column, or 'Name = expression'");
  CHECK(parse_err("T | parse x \"a\" y").message == "expected 'with' and the pattern after the parsed expression");
  CHECK(parse_err("").message == "the query is empty");
  CHECK(parse_err("let x = 1;").message == "the query has no tabular expression after its let statements");
}

TEST_CASE("positions are mapped into the rule file and formatted with a caret") {
  // A YAML block scalar: the query starts on line 3, indented by two spaces.
  const std::string file = "name: x\nquery: |\n  T\n  | wher a\n";
  ParseOptions o;
  o.location.file = "rule.yaml";
  o.location.file_text = std::make_shared<const std::string>(file);
  o.location.segments = {{0, 19}, {2, 23}};
  auto r = parse_query("T\n| wher a\n", o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().line == 4);
  CHECK(r.error().column == 5);
  CHECK(r.error().format() ==
        "rule.yaml:4:5: unknown tabular operator 'wher' after '|' (did you mean 'where'?)\n  | wher a\n    ^");
}
