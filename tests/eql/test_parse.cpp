// Parser tests: the grammar is sound, documented syntax parses, errors are positioned.
#include <doctest/doctest.h>

#include "eql/parser.hpp"

using namespace rulelab::eql;

TEST_CASE("EQL grammar has no PEGTL analysis issues") { CHECK(analyze_grammar() == 0); }

TEST_CASE("smoke") {
  auto r = parse_query("process where process.name : \"cmd.exe\" and not x in (1, 2)");
  if (!r.ok()) MESSAGE(r.error().format());
  REQUIRE(r.ok());
}
