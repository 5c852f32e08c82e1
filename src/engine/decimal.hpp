// Exact decimal values (Kusto's decimal: "a 128-bit wide decimal number",
// learn.microsoft.com/kusto/query/scalar-data-types/decimal). rulelab computes with decimals as
// doubles, but keeps a decimal's exact text beside the double (`Value::s`; decimal columns store
// the text) so that values with more digits than a double holds, such as parse_version's
// 1,000,000,020,000,000,300,000,004, print, compare, group and join exactly.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace rulelab::engine {

struct Value;

// "[-]digits[.digits]" in canonical form (no leading zeros in the integer part, no trailing zeros
// in the fraction, no "-0"), or nullopt when `t` is not such a text (exponents, inf, nan).
std::optional<std::string> decimal_canonical(std::string_view t);
// Order of two canonical decimal texts: -1, 0, 1.
int decimal_compare(std::string_view a, std::string_view b);
// The exact text of a decimal value, or "" when it has none (a decimal made from a double), or
// when the text no longer matches the value's double (a function changed `r` and kept `s`).
std::string_view exact_decimal(const Value& v);
// A decimal value from its text (canonical or not); nullopt when the text is not a decimal.
std::optional<Value> decimal_of_text(std::string_view t);

}  // namespace rulelab::engine
