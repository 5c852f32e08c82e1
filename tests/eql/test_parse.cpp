// Parser tests: the grammar is sound, documented syntax becomes the expected AST, errors are
// positioned within the rule file. Syntax per the Elasticsearch "EQL syntax reference".
#include <doctest/doctest.h>

#include "core/unicode_case.hpp"
#include "eql/eval.hpp"
#include "eql/parser.hpp"

using namespace rulelab;
using namespace rulelab::eql;

namespace {
Query parse_ok(std::string_view text) {
  auto r = parse_query(text);
  if (!r) FAIL(r.error().format());
  return std::move(r.value());
}
std::string cond(std::string_view text) { return to_string(*parse_ok(text).event.condition); }
}  // namespace

TEST_CASE("EQL grammar has no PEGTL analysis issues") { CHECK(analyze_grammar() == 0); }

TEST_CASE("operator precedence: not > and > or; comparison below arithmetic") {
  CHECK(cond("any where a or b and not c") == "(a or (b and not c))");
  CHECK(cond("any where not a == 1 and b") == "(not (a == 1) and b)");
  CHECK(cond("any where a + 2 * b - 1 > c % 3") == "(((a + (2 * b)) - 1) > (c % 3))");
  CHECK(cond("any where -1 < x") == "(-1 < x)");
  CHECK(cond("any where -x + 1 == 0") == "((-x + 1) == 0)");
}

TEST_CASE("lookups, patterns and their case sensitivity") {
  CHECK(cond("any where a not in (1, 2)") == "a not in (1, 2)");
  CHECK(cond("any where a in~ (\"X\")") == "a in~ (\"X\")");
  CHECK(cond("any where a : (\"x*\", \"y\")") == "a : (\"x*\", \"y\")");
  CHECK(cond("any where a like~ \"x*\"") == "a like~ (\"x*\")");
  CHECK(cond("any where a regex \"x.*\"") == "a regex (\"x.*\")");
  auto q = parse_ok("any where a : \"x\"");
  CHECK(q.event.condition->insensitive);  // `:` is always case-insensitive
  auto l = parse_ok("any where a like \"x\"");
  CHECK_FALSE(l.event.condition->insensitive);
}

TEST_CASE("strings, fields and functions") {
  CHECK(parse_ok(R"(any where a == "C:\\Win\t\"x\" \u{e9}")").event.condition->args[1]->value.s == "C:\\Win\t\"x\" \xC3\xA9");
  CHECK(parse_ok(R"(any where a == """C:\Win\t""")").event.condition->args[1]->value.s == "C:\\Win\\t");
  auto f = parse_ok("any where ?`user name`.`a``b` == null");
  const Expr& fld = *f.event.condition->args[0];
  CHECK(fld.kind == ExprKind::Field);
  CHECK(fld.optional);
  CHECK(fld.name == "user name.a`b");
  auto c = parse_ok("any where STARTSWITH~(process.name, \"x\")");
  CHECK(c.event.condition->name == "startsWith");
  CHECK(c.event.condition->insensitive);
  CHECK(parse_ok("\"process\" where true").event.category == "process");
  CHECK(parse_ok("any where true").event.category.empty());
}

TEST_CASE("sequences, samples and pipes") {
  auto q = parse_ok(
      "sequence by host.id, user.name with maxspan=5m\n"
      "  [process where true] by process.pid with runs=2\n"
      " ![file where true] by process.pid\n"
      "  [network where true] by process.pid\n"
      "until [process where false] by process.pid\n"
      "| head 3 | tail 1");
  CHECK(q.kind == QueryKind::Sequence);
  CHECK(q.shared_keys.size() == 2);
  REQUIRE(q.maxspan_nanos);
  CHECK(*q.maxspan_nanos == 300'000'000'000LL);
  REQUIRE(q.stages.size() == 3);
  CHECK(q.stages[0].runs == 2);
  CHECK(q.stages[1].missing);
  CHECK(q.until.has_value());
  REQUIRE(q.pipes.size() == 2);
  CHECK(q.pipes[1].name == "tail");
  CHECK(q.pipes[1].count == 1);
  auto s = parse_ok("sample by host [a where true] by os [b where true] by os");
  CHECK(s.kind == QueryKind::Sample);
  CHECK(s.stages[1].keys.size() == 1);
  auto m = parse_ok("sequence with maxspan=250ms [a where true] [b where true]");
  CHECK(*m.maxspan_nanos == 250'000'000LL);
  CHECK(to_json(m).find("\"maxspan_ms\":250") != std::string::npos);
  // Comments anywhere whitespace goes.
  CHECK(parse_ok("/* c */ process // x\n where /* y */ true").event.category == "process");
}

TEST_CASE("errors are positioned in the rule file") {
  const std::string file = "[rule]\nquery = '''\nprocess where\n  a = 1\n'''\n";
  const std::size_t off = file.find("process");
  const std::string query = file.substr(off, file.find("\n'''", off) - off);
  SourceContext where{"rule.toml", file, off, {}};
  auto r = parse_query(query, where);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().file == "rule.toml");
  CHECK(r.error().line == 4);
  CHECK(r.error().column == 5);
  CHECK(r.error().source_line == "  a = 1");
  CHECK(r.error().format() ==
        "rule.toml:4:5: '=' is not an EQL operator; use '==' for equality or ':' for case-insensitive matching\n"
        "  a = 1\n"
        "    ^");
}

TEST_CASE("deep nesting is an error, not a crash") {
  std::string q = "any where " + std::string(5000, '(') + "a" + std::string(5000, ')');
  auto r = parse_query(q);
  CHECK_FALSE(r.ok());
  std::string n = "any where ";
  for (int i = 0; i < 3000; ++i) n += "not ";
  CHECK_FALSE(parse_query(n + "a").ok());
}

TEST_CASE("helpers: wildcards, CIDR blocks, case folding, mappings") {
  CHECK(wildcard_match("*.exe", "cmd.exe"));
  CHECK(wildcard_match("c?d.*", "cmd.exe"));
  CHECK_FALSE(wildcard_match("c?d", "cd"));
  CHECK(wildcard_match("a*b*c", "axxbyyc"));
  CHECK_FALSE(wildcard_match("a*b*c", "axxbyy"));
  CHECK(cidr_contains("10.0.0.0/8", "10.6.48.157"));
  CHECK_FALSE(cidr_contains("10.0.0.0/8", "11.0.0.1"));
  CHECK(cidr_contains("0.0.0.0/0", "192.168.1.1"));
  CHECK(cidr_contains("fe80::/10", "fe80::1"));
  CHECK_FALSE(cidr_contains("fe80::/10", "2001:db8::1"));
  CHECK(fold_simple("CMD.EXE Ünïcode ΣΑ") == "cmd.exe ünïcode σα");
  auto m = Mapping::from_json(R"({"m":{"mappings":{"properties":{
      "event_type":{"type":"keyword"},
      "event":{"properties":{"category":{"type":"alias","path":"event_type"}}},
      "name":{"type":"text","fields":{"keyword":{"type":"keyword"}}},
      "opt":{"type":"keyword","null_value":"NULL"}}}}})", "m.json");
  REQUIRE(m.ok());
  // an alias reads the values of the field it points to (the Elastic field model resolves it)
  REQUIRE(m->find(m->resolve("event.category")));
  const auto* alias = m->find(m->resolve("event.category"));
  CHECK((m->resolve("event.category") == "event_type" || alias->source_path == "event_type"));
  CHECK(m->type_of("event.category") == FieldType::Keyword);
  CHECK(m->type_of("name.keyword") == FieldType::Keyword);
  REQUIRE(m->find("opt"));
  CHECK(*m->find("opt")->null_value == "NULL");
  CHECK_FALSE(Mapping::from_json("{", "bad.json").ok());
}

TEST_CASE("errors in queries written with escapes (TOML basic strings, JSON) point into the file") {
  // TOML: query = """process where file.path : "C:\\Windows\\*" and a = 1"""
  const std::string file = "[rule]\nquery = \"\"\"\nprocess where file.path : \\\"C:\\\\\\\\Win\\\\\\\\*\\\" and a = 1\n\"\"\"\n";
  const std::string query = "process where file.path : \"C:\\\\Win\\\\*\" and a = 1";
  const std::size_t off = file.find("process");
  SourceContext where{"rule.toml", file, off, escaped_query_map(file, off, query)};
  REQUIRE_FALSE(where.map.empty());
  auto r = parse_query(query, where);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().line == 3);
  // The caret sits under the '=' in the file line, past the escapes.
  const std::string& line = r.error().source_line;
  CHECK(line[r.error().column - 1] == '=');
  CHECK(line[r.error().column - 2] == ' ');
  // Verbatim text needs no map; text that does not decode to the query gets none either.
  CHECK(escaped_query_map("x process where", 2, "process where").empty());
  CHECK(escaped_query_map("x \\q", 2, "q").empty());
}
