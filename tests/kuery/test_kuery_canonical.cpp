// The canonical kuery text (to_kuery, `rulelab parse` output) parses back to the same query.
// Inputs found by fuzz/kuery_parser, with the grammar rule they exercise (grammar/kuery.hpp, after
// Kibana's grammar.peggy).
#include <doctest/doctest.h>

#include "kuery/ast.hpp"

using namespace rulelab::kuery;

namespace {
std::string canonical(std::string_view text) {
  auto r = parse_kuery(text);
  REQUIRE(r.query);
  return to_kuery(*r.query->root);
}
std::string field_text(std::string_view text) {
  auto r = parse_kuery(text);
  REQUIRE(r.query);
  REQUIRE(r.query->root->field);
  return r.query->root->field->text;
}
}  // namespace

TEST_CASE("canonical kuery: a field named like a keyword") {
  // Not = 'not'i Space+: "not>." is a range on the field "not"; "not > ." would be a negation.
  // "\not" is not an escape for it: EscapedWhitespace ("\n") comes first, so \u006e is used.
  CHECK(field_text("not>.") == "not");
  CHECK(canonical("not>.") == "\\u006eot > .");
  CHECK(field_text(canonical("not>.")) == "not");
  CHECK(canonical(canonical("not>.")) == canonical("not>."));
  // Or = Space+ 'or'i Space+ inside a value: escaped as \or so it stays one value.
  CHECK(canonical("a:x\\or b") == "a:xor b");  // no whitespace before: not a keyword
  CHECK(canonical("a:(x \\or y)") == "a:x \\or y");
  CHECK(canonical(canonical("a:(x \\or y)")) == "a:x \\or y");
  CHECK(canonical("a:x\\ty") == "a:x\\ty");
}

TEST_CASE("canonical kuery: a value that trims to nothing") {
  // U+2028 is not a Space of the grammar, so it is an unquoted value; JavaScript's trim empties it.
  const std::string ls = "\xE2\x80\xA8";
  auto r = parse_kuery(ls);
  REQUIRE(r.query);
  CHECK(r.query->root->kind == Node::Kind::Is);
  CHECK(r.query->root->value.text.empty());
  CHECK(canonical(ls) == "\\u2028");
  CHECK(canonical(canonical(ls)) == "\\u2028");
}

TEST_CASE("kuery AST as JSON with invalid UTF-8 in a value") {
  auto r = parse_kuery("user.name:x");
  REQUIRE(r.query);
  r.query->root->value.text = "\xFF";  // as a document value or a query read from a file may hold
  CHECK(to_json(*r.query->root).find("\xEF\xBF\xBD") != std::string::npos);
}
