// Scalar expressions: precedence, string operators, in/between, member access, calls.
// Reference pages (learn.microsoft.com/kusto/query/...): datatypes-string-operators,
// in-operator, between-operator, numerical-operators, logical-operators, scalar-data-types/dynamic.
#include "kusto_test_util.hpp"

using namespace kusto_test;

TEST_CASE("operator precedence: arithmetic > comparison > and > or (logical-operators, numerical-operators)") {
  Query q = parse_ok("T | where a or b and c == 1 + 2 * 3");
  const auto& orx = as<Binary>(where_expr(q));
  CHECK(orx.op == BinaryOp::Or);
  CHECK(as<Name>(*orx.lhs).name == "a");
  const auto& andx = as<Binary>(*orx.rhs);
  CHECK(andx.op == BinaryOp::And);
  const auto& eq = as<Binary>(*andx.rhs);
  CHECK(eq.op == BinaryOp::Eq);
  const auto& add = as<Binary>(*eq.rhs);
  CHECK(add.op == BinaryOp::Add);
  CHECK(as<Binary>(*add.rhs).op == BinaryOp::Mul);
  // Left associativity and unary minus.
  Query q2 = parse_ok("T | where x == 10 - 4 - -3");
  const auto& sub = as<Binary>(*as<Binary>(where_expr(q2)).rhs);
  CHECK(sub.op == BinaryOp::Sub);
  CHECK(as<Binary>(*sub.lhs).op == BinaryOp::Sub);
  CHECK(as<Unary>(*sub.rhs).op == UnaryOp::Negate);
  // Parentheses.
  Query q3 = parse_ok("T | where (a or b) and c");
  CHECK(as<Binary>(where_expr(q3)).op == BinaryOp::And);
}

TEST_CASE("every string operator and its negated/_cs forms (datatypes-string-operators)") {
  const std::pair<const char*, BinaryOp> cases[] = {
      {"==", BinaryOp::Eq}, {"!=", BinaryOp::Ne}, {"=~", BinaryOp::EqCi}, {"!~", BinaryOp::NeCi},
      {"has", BinaryOp::Has}, {"!has", BinaryOp::NotHas}, {"has_cs", BinaryOp::HasCs}, {"!has_cs", BinaryOp::NotHasCs},
      {"hasprefix", BinaryOp::HasPrefix}, {"!hasprefix", BinaryOp::NotHasPrefix},
      {"hasprefix_cs", BinaryOp::HasPrefixCs}, {"!hasprefix_cs", BinaryOp::NotHasPrefixCs},
      {"hassuffix", BinaryOp::HasSuffix}, {"!hassuffix", BinaryOp::NotHasSuffix},
      {"hassuffix_cs", BinaryOp::HasSuffixCs}, {"!hassuffix_cs", BinaryOp::NotHasSuffixCs},
      {"contains", BinaryOp::Contains}, {"!contains", BinaryOp::NotContains},
      {"contains_cs", BinaryOp::ContainsCs}, {"!contains_cs", BinaryOp::NotContainsCs},
      {"containscs", BinaryOp::ContainsCs}, {"!containscs", BinaryOp::NotContainsCs},
      {"startswith", BinaryOp::StartsWith}, {"!startswith", BinaryOp::NotStartsWith},
      {"startswith_cs", BinaryOp::StartsWithCs}, {"!startswith_cs", BinaryOp::NotStartsWithCs},
      {"endswith", BinaryOp::EndsWith}, {"!endswith", BinaryOp::NotEndsWith},
      {"endswith_cs", BinaryOp::EndsWithCs}, {"!endswith_cs", BinaryOp::NotEndsWithCs},
      {"matches regex", BinaryOp::MatchesRegex}, {"<", BinaryOp::Lt}, {"<=", BinaryOp::Le}, {">", BinaryOp::Gt},
      {">=", BinaryOp::Ge}, {"<>", BinaryOp::Ne}};
  for (const auto& [text, op] : cases) {
    Query q = parse_ok(std::string("T | where Col ") + text + " \"x\"");
    CHECK_MESSAGE(as<Binary>(where_expr(q)).op == op, text);
    CHECK(to_string(op).size() > 0);
  }
  // Keywords are case-sensitive: `HAS` is not an operator.
  parse_err("T | where Col HAS 'x'");
}

TEST_CASE("in, !in, in~, !in~, has_any, has_all with lists and subqueries (in-operator, has-any-operator)") {
  const std::pair<const char*, InOp> cases[] = {{"in", InOp::In}, {"!in", InOp::NotIn}, {"in~", InOp::InCi},
                                                {"!in~", InOp::NotInCi}, {"has_any", InOp::HasAny}, {"has_all", InOp::HasAll}};
  for (const auto& [text, op] : cases) {
    Query q = parse_ok(std::string("T | where Col ") + text + " (\"a\", 'b', 3)");
    const auto& in = as<InExpr>(where_expr(q));
    CHECK_MESSAGE(in.op == op, text);
    CHECK(in.items.size() == 3);
    CHECK(in.subquery == nullptr);
  }
  Query q = parse_ok("T | where Col in ((S | where x > 1 | project y))");  // extra parentheses: same subquery
  REQUIRE(as<InExpr>(where_expr(q)).subquery != nullptr);
  CHECK(as<InExpr>(where_expr(q)).items.empty());
  Query q2 = parse_ok("T | where Col in (S | where x > 1 | project y)");
  const auto& in2 = as<InExpr>(where_expr(q2));
  REQUIRE(in2.subquery != nullptr);
  CHECK(in2.subquery->operators.size() == 2);
  Query q3 = parse_ok("let L = dynamic(['a']); T | where Col !in~ (L)");
  CHECK(as<Name>(*as<InExpr>(where_expr(q3)).items.at(0)).name == "L");
}

TEST_CASE("between and !between (between-operator)") {
  Query q = parse_ok("T | where TimeDelta between (time(0s) .. queryperiod)");
  const auto& b = as<Between>(where_expr(q));
  CHECK_FALSE(b.negated);
  CHECK(as<Name>(*b.high).name == "queryperiod");
  Query q2 = parse_ok("T | where x !between (1..5)");
  CHECK(as<Between>(where_expr(q2)).negated);
  Query q3 = parse_ok("T | where t between (ago(1d) .. now())");
  CHECK(as<Call>(*as<Between>(where_expr(q3)).low).name == "ago");
}

TEST_CASE("member and index access on dynamic values (scalar-data-types/dynamic)") {
  Query q = parse_ok("T | where InitiatedBy.user['userPrincipalName'] == TargetResources[0].id");
  const auto& eq = as<Binary>(where_expr(q));
  const auto& m = as<Member>(*eq.lhs);
  CHECK(m.member == "userPrincipalName");
  CHECK(m.bracketed);
  CHECK(as<Member>(*m.object).member == "user");
  const auto& id = as<Member>(*eq.rhs);
  CHECK(id.member == "id");
  const auto& ix = as<Index>(*id.object);
  CHECK(std::get<std::int64_t>(as<Literal>(*ix.index).value) == 0);
  // Dotted bracket forms found in Sentinel rules: a.[0], a.["#text"]
  Query q2 = parse_ok(R"(T | extend x = EventDetail.[4].["#text"])");
  const auto& e = *op<Extend>(q2, 0).items.at(0).value;
  CHECK(as<Member>(e).member == "#text");
  CHECK(as<Index>(*as<Member>(e).object).index != nullptr);
  // Keywords are fine after '.'
  parse_ok("T | where a.on == a.by");
  // $left / $right
  Query q3 = parse_ok("T | join (S) on $left.A == $right.B");
  const auto& on = as<Binary>(*op<Join>(q3, 0).on.at(0));
  CHECK_FALSE(as<JoinSideRef>(*as<Member>(*on.lhs).object).right);
  CHECK(as<JoinSideRef>(*as<Member>(*on.rhs).object).right);
}

TEST_CASE("calls: named arguments, star, iff/case, tabular arguments") {
  Query q = parse_ok("T | extend a = iff(x > 1, 'big', 'small'), b = case(x == 1, 'one', x == 2, 'two', 'many')");
  const auto& items = op<Extend>(q, 0).items;
  CHECK(as<Call>(*items[0].value).args.size() == 3);
  CHECK(as<Call>(*items[1].value).args.size() == 5);
  Query q2 = parse_ok("T | summarize count(*), c = dcount(x, accuracy=4) by bin(TimeGenerated, 1h)");
  const auto& s = op<Summarize>(q2, 0);
  CHECK(as<Call>(*s.aggregates[0].value).args.at(0).value->as<Star>() != nullptr);
  CHECK(as<Call>(*s.aggregates[1].value).args.at(1).name == std::optional<std::string>("accuracy"));
  CHECK(s.aggregates[1].names == std::vector<std::string>{"c"});
  Query q3 = parse_ok("let n = toscalar(T | summarize count()); print n");
  const auto& let = *q3.statements[0].as<Let>();
  const auto& call = as<Call>(*std::get<ExprPtr>(let.value));
  CHECK(call.args.at(0).value->as<TabularArg>() != nullptr);
  // A reserved word is not a name.
  parse_err("T | extend by = 1");
}

TEST_CASE("names: brackets and quotes") {
  Query q = parse_ok("T | extend ['a b'] = [\"c\"]");
  const auto& a = op<Extend>(q, 0).items.at(0);
  CHECK(a.names == std::vector<std::string>{"a b"});
  CHECK(as<Name>(*a.value).name == "c");
  CHECK(as<Name>(*a.value).quoted);
  Query q3 = parse_ok("[SigninLogs] | where [ResultType] == 0");
  CHECK(result(q3).source.as<TableRef>()->name == "SigninLogs");
  CHECK(as<Name>(*as<Binary>(where_expr(q3)).lhs).name == "ResultType");
  Query q2 = parse_ok("['My Table'] | take 1");
  CHECK(result(q2).source.as<TableRef>()->name == "My Table");
}

TEST_CASE("source ranges cover the text of each node") {
  Query q = parse_ok("T\n| where  tolower(Name) has 'adm'");
  const auto& w = where_expr(q);
  CHECK(text_of(q, w.range) == "tolower(Name) has 'adm'");
  CHECK(text_of(q, as<Binary>(w).lhs->range) == "tolower(Name)");
  CHECK(text_of(q, result(q).operators.at(0).range) == "where  tolower(Name) has 'adm'");
}
