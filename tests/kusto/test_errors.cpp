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
  CHECK(parse_err("T | where x = 1").message == "unexpected '=': the comparison operator is '==' (or '=~' ignoring case)");
  // The one corpus rule that is not valid Kusto (PotentiallyHarmfulFileTypes): an unquoted regex.
  auto v = parse_err(R"(T | extend e = extract(@(\.\w+)$, 1, Name))");
  CHECK(v.message == "'@' must start a verbatim string literal: @'...' or @\"...\"");
  CHECK(v.column == 24);
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

TEST_CASE("every prefix and a byte flip of a real query: an error or a tree, never a crash") {
  // The query of the seed rule (Azure-Sentinel "Account Created and Deleted in Short Timeframe").
  const std::string q = R"(let queryperiod = 1d;
AuditLogs
| where TimeGenerated > ago(queryperiod)
| where OperationName =~ "Delete user"
| mv-apply TargetResource = TargetResources on (where TargetResource.type == "User" | extend U = extract(@'([a-f0-9]{32})?(.*)', 2, tostring(TargetResource.userPrincipalName)))
| extend By = tostring(InitiatedBy.user.userPrincipalName), Id = dynamic({"a": [1, 'x']})
| join kind=inner (AuditLogs | where OperationName =~ "Add user" | project-rename Created = TimeGenerated) on U
| where TimeGenerated - Created between (time(0s) .. 1d) and By !in~ ("a", "b")
| summarize count() by bin(TimeGenerated, 1h), U
| sort by U asc nulls first
)";
  std::size_t ok = 0, errors = 0;
  for (std::size_t n = 0; n <= q.size(); ++n) {
    auto r = parse_query(std::string_view(q).substr(0, n));
    if (r) {
      ++ok;
    } else {
      ++errors;
      CHECK(r.error().line >= 1);
      CHECK(r.error().column >= 1);
      CHECK_FALSE(r.error().message.empty());
    }
  }
  CHECK(ok >= 2);  // the whole query, and e.g. the query cut after `| sort by U`
  CHECK(errors > q.size() / 2);
  const char flips[] = {'(', ')', '\'', '"', '|', '[', '@', '=', '.', '!', '\n'};
  for (std::size_t i = 0; i < q.size(); i += 3) {
    std::string m = q;
    m[i] = flips[i % sizeof flips];
    auto r = parse_query(m);
    if (!r) CHECK(r.error().line >= 1);
  }
}
