// Statements, tabular sources and operators. Examples follow the Kusto reference pages
// (learn.microsoft.com/kusto/query/<page>) named in each test case.
#include "kusto_test_util.hpp"

using namespace kusto_test;

TEST_CASE("grammar analysis finds no loops without progress (tao::pegtl::analyze)") {
  CHECK(detail::analyze_grammar() == 0);
}

TEST_CASE("let statements: scalar, tabular, materialize, functions with defaults (let-statement)") {
  Query q = parse_ok(R"(
let start = ago(1d);
let Events = SecurityEvent | where EventID == 4624;
let M = materialize(Events | summarize count() by Account);
let f = (x:long, y:string = "d") { x + 1 };
let g = (T:(Account:string), n:int) { T | take n };
let h = (T:(*)) { T | count };
let A = SigninLogs;
Events | where TimeGenerated > start
)");
  REQUIRE(q.statements.size() == 8);
  const auto& s0 = *q.statements[0].as<Let>();
  CHECK(s0.name == "start");
  CHECK(std::holds_alternative<ExprPtr>(s0.value));
  CHECK(std::holds_alternative<TabularPtr>(q.statements[1].as<Let>()->value));
  const auto& m = std::get<TabularPtr>(q.statements[2].as<Let>()->value);
  CHECK(m->source.as<CallSource>()->call.name == "materialize");
  const auto& f = std::get<FunctionDef>(q.statements[3].as<Let>()->value);
  REQUIRE(f.params.size() == 2);
  CHECK(f.params[0].type == rulelab::Type::Long);
  CHECK(f.params[1].default_value != nullptr);
  CHECK(f.body->statements.back().as<ScalarStatement>() != nullptr);
  const auto& g = std::get<FunctionDef>(q.statements[4].as<Let>()->value);
  CHECK(g.params[0].tabular);
  CHECK(g.params[0].columns.size() == 1);
  CHECK(g.body->statements.back().as<TabularStatement>() != nullptr);
  CHECK(std::get<FunctionDef>(q.statements[5].as<Let>()->value).params[0].any_columns);
  // `let A = SigninLogs;` is syntactically a scalar name: the binder decides it is a table.
  CHECK(std::get<ExprPtr>(q.statements[6].as<Let>()->value)->as<Name>() != nullptr);
  CHECK(result(q).source.as<TableRef>()->name == "Events");
}

TEST_CASE("declare query_parameters, set, comments, trailing ';' (query-parameters-statements)") {
  Query q = parse_ok("declare query_parameters(UserName:string = 'x', Limit:long);\nset querytrace;\n// comment\nT | take Limit;\n");
  REQUIRE(q.statements.size() == 2);
  const auto& d = *q.statements[0].as<DeclareQueryParameters>();
  CHECK(d.params.size() == 2);
  CHECK(d.params[0].default_value != nullptr);
}

TEST_CASE("sources: datatable, externaldata, union, print, range, table(), function call (datatable-operator, externaldata-operator, union-operator, print-operator, range-operator)") {
  Query q = parse_ok("datatable(Name:string, Age:long) ['a', 1, 'b', -2,]");
  const auto* dt = result(q).source.as<DatatableSource>();
  REQUIRE(dt);
  CHECK(dt->schema.size() == 2);
  CHECK(dt->schema[1].type == rulelab::Type::Long);
  CHECK(dt->values.size() == 4);

  Query q2 = parse_ok("externaldata(Hash:string)[@'https://example.com/a.csv'] with (format='csv', ignoreFirstRecord=true)");
  const auto* ed = result(q2).source.as<ExternalDataSource>();
  REQUIRE(ed);
  CHECK(ed->uris.size() == 1);
  CHECK(ed->with.size() == 2);
  CHECK(ed->with[0].name == std::optional<std::string>("format"));
  parse_ok("externaldata(Hash:string)[h@'https://example.com/a.csv']");

  Query q3 = parse_ok("union isfuzzy=true withsource=TableName SecurityEvent, (Syslog | where x), Event*");
  const auto* u = result(q3).source.as<UnionSource>();
  REQUIRE(u);
  CHECK(u->params.size() == 2);
  CHECK(u->params[1].name == "withsource");
  CHECK(u->params[1].value == "TableName");
  CHECK(u->tables.size() == 3);
  CHECK(u->tables[2]->source.as<TableRef>()->wildcard);

  Query q4 = parse_ok("print x = 1, 'two'");
  CHECK(result(q4).source.as<PrintSource>()->items.size() == 2);
  Query q5 = parse_ok("range x from 1 to 10 step 2");
  CHECK(result(q5).source.as<RangeSource>()->column == "x");
  Query q6 = parse_ok("table('SigninLogs') | take 1");
  CHECK(result(q6).source.as<CallSource>()->call.name == "table");
  Query q7 = parse_ok("(SigninLogs | where x) | take 1");
  CHECK(result(q7).source.as<ParenSource>() != nullptr);
  Query q8 = parse_ok("T | union kind=outer S");
  CHECK(op<UnionOp>(q8, 0).tables.size() == 1);
}

TEST_CASE("project family (project-operator, project-away, project-keep, project-rename, project-reorder)") {
  Query q = parse_ok("T | project a, b = c + 1 | project-away x*, ['y z'] | project-keep a | project-rename n = a | project-reorder b desc, a");
  CHECK(op<Project>(q, 0).items.size() == 2);
  CHECK(op<ProjectAway>(q, 1).columns == std::vector<std::string>{"x*", "y z"});
  CHECK(op<ProjectKeep>(q, 2).columns.size() == 1);
  CHECK(op<ProjectRename>(q, 3).items.at(0).new_name == "n");
  CHECK(op<ProjectRename>(q, 3).items.at(0).old_name == "a");
  CHECK(op<ProjectReorder>(q, 4).items.at(0).order == std::optional<std::string>("desc"));
}

TEST_CASE("summarize with hints, by and bin (summarize-operator)") {
  Query q = parse_ok("T | summarize hint.strategy=shuffle Count = count(), make_set(x, 100) by Account, bin(TimeGenerated, 1h)");
  const auto& s = op<Summarize>(q, 0);
  CHECK(s.params.at(0).name == "hint.strategy");
  CHECK(s.aggregates.size() == 2);
  CHECK(s.by.size() == 2);
  Query q2 = parse_ok("T | summarize by Account");
  CHECK(op<Summarize>(q2, 0).aggregates.empty());
}

TEST_CASE("join kinds, hints, conditions; lookup (join-operator, lookup-operator)") {
  const std::pair<const char*, JoinKind> kinds[] = {
      {"innerunique", JoinKind::InnerUnique}, {"inner", JoinKind::Inner}, {"leftouter", JoinKind::LeftOuter},
      {"rightouter", JoinKind::RightOuter}, {"fullouter", JoinKind::FullOuter}, {"leftanti", JoinKind::LeftAnti},
      {"rightanti", JoinKind::RightAnti}, {"leftsemi", JoinKind::LeftSemi}, {"rightsemi", JoinKind::RightSemi},
      {"anti", JoinKind::LeftAnti}};
  for (const auto& [k, v] : kinds) {
    Query q = parse_ok(std::string("T | join kind=") + k + " hint.strategy=broadcast (S | where x) on Id, $left.A == $right.B");
    const auto& j = op<Join>(q, 0);
    CHECK_MESSAGE(j.kind == v, k);
    CHECK(j.on.size() == 2);
    CHECK(j.right->operators.size() == 1);
  }
  Query q = parse_ok("T | join S on A");
  CHECK(op<Join>(q, 0).kind == JoinKind::Default);
  CHECK(op<Join>(q, 0).right->source.as<TableRef>()->name == "S");
  Query q2 = parse_ok("T | join kind=inner F(1d) on $left.A == $right.A and $left.B == $right.B");
  CHECK(op<Join>(q2, 0).on.size() == 2);  // `and` is flattened into separate conditions
  CHECK(op<Join>(q2, 0).right->source.as<CallSource>() != nullptr);
  parse_err("T | join kind=sideways (S) on A");
  Query q3 = parse_ok("T | lookup kind=inner (S) on Id");
  CHECK(op<Lookup>(q3, 0).inner);
}

TEST_CASE("mv-expand and mv-apply (mv-expand-operator, mv-apply-operator)") {
  Query q = parse_ok("T | mv-expand with_itemindex=i kind=array a = Arr to typeof(string), b limit 10 | mvexpand c");
  const auto& m = op<MvExpand>(q, 0);
  CHECK(m.with_itemindex == std::optional<std::string>("i"));
  REQUIRE(m.items.size() == 2);
  CHECK(m.items[0].name == std::optional<std::string>("a"));
  CHECK(m.items[0].to_type == rulelab::Type::String);
  CHECK(m.limit != nullptr);
  CHECK(result(q).operators[1].name == "mvexpand");
  Query q2 = parse_ok("T | mv-apply TargetResource = TargetResources to typeof(dynamic) on (where TargetResource.type == 'User' | extend U = tostring(TargetResource.id))");
  const auto& a = op<MvApply>(q2, 0);
  REQUIRE(a.subquery);
  CHECK(a.subquery->source.as<ApplyInput>() != nullptr);
  CHECK(a.subquery->operators.size() == 2);
  Query q3 = parse_ok("T | mv-apply x = arr on (summarize total = sum(todouble(x)))");
  CHECK(op<MvApply>(q3, 0).subquery->operators.size() == 1);
}

TEST_CASE("parse, parse-where, parse-kv (parse-operator, parse-where-operator, parse-kv-operator)") {
  Query q = parse_ok(R"k(T | parse EventText with * "resourceName=" resourceName ", totalSlices=" totalSlices:long * "releaseTime=" releaseTime:date ")" *)k");
  const auto& p = op<Parse>(q, 0);
  CHECK(p.kind == ParseKind::Simple);
  REQUIRE(p.pattern.size() == 10);
  CHECK(p.pattern[0].kind == ParsePart::Kind::Star);
  CHECK(p.pattern[1].text == "resourceName=");
  CHECK(p.pattern[4].column == "totalSlices");
  CHECK(p.pattern[4].type == rulelab::Type::Long);
  Query q2 = parse_ok(R"(T | parse-where kind=regex flags=Ui Msg with @"user=" User @"\s")");
  CHECK(op<Parse>(q2, 0).where);
  CHECK(op<Parse>(q2, 0).kind == ParseKind::Regex);
  CHECK(op<Parse>(q2, 0).flags == "Ui");
  Query q3 = parse_ok(R"(T | parse-kv Text as (a:string, b:long) with (pair_delimiter=',', kv_delimiter='='))");
  CHECK(op<ParseKv>(q3, 0).columns.size() == 2);
  CHECK(op<ParseKv>(q3, 0).with.size() == 2);
}

TEST_CASE("make-series, evaluate, sort, top, top-nested, take, distinct, misc (make-series-operator, evaluate-operator, sort-operator, top-operator, top-nested-operator)") {
  Query q = parse_ok("T | make-series c = count() default = 0 on TimeGenerated from ago(7d) to now() step 1h by Account");
  const auto& ms = op<MakeSeries>(q, 0);
  CHECK(ms.aggregates.at(0).default_value != nullptr);
  CHECK(ms.from != nullptr);
  CHECK(ms.by.size() == 1);
  Query q1 = parse_ok("T | make-series count() on TimeGenerated in range(ago(7d), now(), 1d)");
  CHECK(op<MakeSeries>(q1, 0).step != nullptr);
  Query q2 = parse_ok("T | evaluate bag_unpack(Props, 'p_') | evaluate pivot(Kind, count())");
  CHECK(op<Evaluate>(q2, 0).plugin.name == "bag_unpack");
  Query q3 = parse_ok("T | sort by a asc nulls last, b | order by c desc | top 5 by d asc | take 3 | limit 2");
  CHECK_FALSE(op<Sort>(q3, 0).keys[0].descending);
  CHECK(op<Sort>(q3, 0).keys[0].nulls_first == std::optional<bool>(false));
  CHECK(op<Sort>(q3, 0).keys[1].descending);
  CHECK_FALSE(op<Top>(q3, 2).by.descending);
  CHECK(result(q3).operators.size() == 5);
  Query q4 = parse_ok("T | top-nested 2 of State by sum(Damage), top-nested 3 of Source with others = 'other' by count() asc");
  REQUIRE(op<TopNested>(q4, 0).levels.size() == 2);
  CHECK(op<TopNested>(q4, 0).levels.at(1).others != nullptr);
  CHECK_FALSE(op<TopNested>(q4, 0).levels.at(1).descending);
  Query q5 = parse_ok("T | distinct * | distinct a, b | count | serialize n = row_number() | as X | getschema | sample 5 | render timechart with (title='x')");
  CHECK(op<Distinct>(q5, 0).items.at(0).value->as<Star>() != nullptr);
  CHECK(op<Distinct>(q5, 1).items.size() == 2);
  CHECK(op<As>(q5, 4).name == "X");
  CHECK(op<Render>(q5, 7).chart == "timechart");
  Query q6 = parse_ok("T | invoke f(1) | filter x | extend (a, b) = f()");
  CHECK(op<Extend>(q6, 2).items.at(0).names.size() == 2);
}

TEST_CASE("nesting depth is limited, not a crash") {
  std::string deep = "print x = " + std::string(5000, '(') + "1" + std::string(5000, ')');
  auto e = parse_err(deep);
  CHECK(e.message.find("nests too deeply") != std::string::npos);
  ParseOptions o;
  o.max_depth = 4;
  CHECK_FALSE(parse_query("print x = ((((((1))))))", o).ok());
  CHECK(parse_query("print x = ((1))", o).ok());
  std::string deep_dyn = "print x = dynamic(" + std::string(5000, '[') + std::string(5000, ']') + ")";
  CHECK(parse_err(deep_dyn).message.find("nests too deeply") != std::string::npos);
  std::string chain = "print x = 1";
  for (int i = 0; i < 30000; ++i) chain += "+1";
  CHECK(parse_err(chain).message.find("binary operators") != std::string::npos);
}
