// Case mappings after the Unicode character database (core/unicode_case.hpp). Expected values are
// the mappings of UnicodeData.txt (simple), SpecialCasing.txt (full) and CaseFolding.txt (folding).
#include <doctest/doctest.h>

#include "core/unicode_case.hpp"

using namespace rulelab;

TEST_CASE("simple case mappings: one code point to one, every script") {
  CHECK(lower_simple("HELLO, World 42") == "hello, world 42");
  CHECK(lower_simple("ÅSA MÜLLER") == "åsa müller");                 // Latin-1
  CHECK(lower_simple("HỒ CHÍ MINH") == "hồ chí minh");               // Latin Extended Additional
  CHECK(lower_simple("ΣΟΦΊΑ ԱՐԱՄ ХОЛОД") == "σοφία արամ холод");     // Greek, Armenian, Cyrillic
  // UnicodeData.txt: U+0130 LATIN CAPITAL LETTER I WITH DOT ABOVE lowers to U+0069 (one code point)
  CHECK(lower_simple("\u0130") == "i");
  // no simple upper case mapping of ß (its full mapping is SS)
  CHECK(upper_simple("straße") == "STRAßE");
  CHECK(upper_simple("åsa") == "ÅSA");
  CHECK(lower_code_point(0x1ED2) == 0x1ED3);
  CHECK(lower_code_point('Q') == 'q');
}

TEST_CASE("full mappings (root locale): SpecialCasing") {
  CHECK(upper_full("straße") == "STRASSE");
  // Final_Sigma: a capital sigma at the end of a word lowers to ς
  CHECK(lower_full("ΟΔΟΣ ΟΔΟΣ") == "οδος οδος");
  CHECK(lower_full("\u0130") == "i\u0307");
  CHECK(lower_full("ABC") == "abc");
}

TEST_CASE("simple case folding: the variants Lucene's case-insensitive automata accept") {
  CHECK(fold_simple("\u212Aelvin") == fold_simple("KELVIN"));   // KELVIN SIGN folds to k
  CHECK(fold_simple("ΟΔΟΣ") == fold_simple("οδος"));            // σ, ς and Σ fold alike
  CHECK(fold_simple("ſ") == "s");                               // LONG S
  CHECK(fold_simple("MÜLLER") == "müller");
  CHECK(fold_simple("MÜLLER") != fold_simple("muller"));
}

TEST_CASE("bytes that are not UTF-8 are kept as they are") {
  CHECK(lower_simple(std::string("A\xff" "B", 3)) == std::string("a\xff" "b", 3));
  CHECK(lower_full(std::string("\xc3\x85\xff\xce\xa3", 5)) == std::string("\xc3\xa5\xff\xcf\x83", 5));
  CHECK(fold_simple(std::string("\xe2\x82", 2)) == std::string("\xe2\x82", 2));  // a cut sequence
  CHECK(is_ascii("plain text"));
  CHECK_FALSE(is_ascii("café"));
}
