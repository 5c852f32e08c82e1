// Case mappings of UTF-8 text after the Unicode character database (ICU), for the engines whose
// reference says they map all of Unicode:
// - simple mappings, one code point to one: Java's Character.toLowerCase(int), as Lucene's
//   LowerCaseFilter (the `lowercase` token filter and normalizer) applies it to each code point;
//   .NET's ToLowerInvariant / ToUpperInvariant, which Kusto's tolower() and toupper() use;
// - full mappings in the root locale, with Unicode's SpecialCasing (a final sigma becomes ς,
//   "İ" becomes "i̇", "ß" becomes "SS"): Java's String.toLowerCase(Locale.ROOT) and
//   toUpperCase(Locale.ROOT), as ES|QL's TO_LOWER and TO_UPPER call them.
// - simple case folding (CaseFolding.txt, statuses C and S): what Lucene's case-insensitive
//   automata (Automata.makeCaseInsensitiveChar, used by Elasticsearch's case_insensitive term,
//   prefix and wildcard queries: EQL's `:` and `~` functions, ES|QL's `=~`) accept as the same
//   character: two strings match when their folds are equal.
// ASCII text takes a byte loop; bytes that are not valid UTF-8 are kept as they are.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace rulelab {

bool is_ascii(std::string_view s);

std::string lower_simple(std::string_view s);
std::string upper_simple(std::string_view s);
std::string fold_simple(std::string_view s);
std::string lower_full(std::string_view s);
std::string upper_full(std::string_view s);

// One code point's simple lower case mapping (Character.toLowerCase(int)).
std::uint32_t lower_code_point(std::uint32_t c);

}  // namespace rulelab
