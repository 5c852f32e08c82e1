// Elasticsearch's `standard` analyzer, as text fields use it by default: the Unicode word-break
// rules of UAX #29 (Lucene's StandardTokenizer), tokens longer than 255 characters split, then
// lowercased. Covers Latin, Greek, Cyrillic and other alphabetic scripts; every ideograph, hiragana
// or katakana character is its own token, as in Lucene.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace rulelab::elastic {

std::vector<std::string> standard_tokens(std::string_view text);
// Lowercases as Lucene's LowerCaseFilter does (per code point), for the scripts above.
std::string lowercase(std::string_view text);
// The length Elasticsearch compares with a keyword's ignore_above: Java's String.length(), in
// UTF-16 code units (a character above U+FFFF counts two). KeywordFieldMapper indexes no value
// with `value.length() > ignoreAbove`.
std::size_t java_length(std::string_view utf8);

}  // namespace rulelab::elastic
