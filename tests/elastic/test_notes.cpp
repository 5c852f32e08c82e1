// The value texts the Elastic notes show (malformed values, constant_keyword conflicts): the
// same length in the three dialects, never cut inside a UTF-8 character.
#include <doctest/doctest.h>

#include <string>

#include "elastic/coerce.hpp"

using namespace rulelab::elastic;

TEST_CASE("a note's value text: 80 bytes at most, cut on a character boundary") {
  CHECK(shortened_value("\"short\"") == "\"short\"");
  const std::string eighty(80, 'a');
  CHECK(shortened_value(eighty) == eighty);
  CHECK(shortened_value(std::string(81, 'a')) == std::string(77, 'a') + "...");
  // "é" is two bytes (C3 A9): byte 77 would fall inside the character at 76..77, so the cut is at 76.
  const std::string accented = std::string(76, 'a') + "\xC3\xA9" + std::string(10, 'b');
  CHECK(shortened_value(accented) == std::string(76, 'a') + "...");
  MalformedCount m;
  m.add(3, std::string(100, 'x'));
  m.add(9, "\"second\"");
  CHECK(m.values == 2);
  CHECK(m.first_line == 3);
  CHECK(m.first_value == std::string(77, 'x') + "...");
}
