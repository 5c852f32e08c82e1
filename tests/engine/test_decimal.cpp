// Exact decimals (engine/decimal.hpp): canonical text, digit-by-digit order, the guard against a
// stale text, and decimal columns that keep the text (Kusto's decimal is 128-bit wide,
// learn.microsoft.com/kusto/query/scalar-data-types/decimal).
#include <doctest/doctest.h>

#include "core/column.hpp"
#include "engine/decimal.hpp"
#include "engine/value.hpp"

using namespace rulelab;
using namespace rulelab::engine;

TEST_CASE("decimal text: canonical form") {
  CHECK(decimal_canonical("00012.500") == std::optional<std::string>("12.5"));
  CHECK(decimal_canonical("-0.000") == std::optional<std::string>("0"));
  CHECK(decimal_canonical("+7") == std::optional<std::string>("7"));
  CHECK(decimal_canonical(".5") == std::optional<std::string>("0.5"));
  CHECK_FALSE(decimal_canonical("1e5").has_value());
  CHECK_FALSE(decimal_canonical("").has_value());
  CHECK_FALSE(decimal_canonical("-").has_value());
  CHECK_FALSE(decimal_canonical("1.2.3").has_value());
}

TEST_CASE("decimal text: order beyond a double's digits") {
  CHECK(decimal_compare("1000000020000000300000004", "1000000020000000300000005") == -1);
  CHECK(decimal_compare("1000000020000000300000005", "1000000020000000300000004") == 1);
  CHECK(decimal_compare("99", "100") == -1);
  CHECK(decimal_compare("-99", "-100") == 1);
  CHECK(decimal_compare("-1", "0") == -1);
  CHECK(decimal_compare("1.25", "1.3") == -1);
  CHECK(decimal_compare("1.25", "1.25") == 0);
  CHECK(decimal_compare("2", "1.999999999999999999999") == 1);
}

TEST_CASE("decimal values: exact text compares, prints and survives a decimal column") {
  auto a = decimal_of_text("1000000020000000300000004");
  auto b = decimal_of_text("1000000020000000300000005");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->r == b->r);  // one double for both
  CHECK(compare_values(*a, *b) == std::optional<int>(-1));
  CHECK(to_kusto_string(*b) == "1000000020000000300000005");
  CHECK(compare_values(*decimal_of_text("5"), Value::of_long(5)) == std::optional<int>(0));
  CHECK(compare_values(*decimal_of_text("9223372036854775808"), Value::of_long(9223372036854775807LL)) == std::optional<int>(1));
  std::string ka, kb;
  append_key(ka, *a);
  append_key(kb, *b);
  CHECK(ka != kb);

  Column c(Type::Decimal);
  append_value(c, *a);
  c.append_null();
  c.append_real(1.5);
  REQUIRE(c.size() == 3);
  CHECK(to_kusto_string(get_value(c, 0)) == "1000000020000000300000004");
  CHECK(c.is_null(1));
  CHECK(c.get_real(2) == 1.5);
  Column t = c.take({2, 0});
  CHECK(to_kusto_string(get_value(t, 1)) == "1000000020000000300000004");
  CHECK(get_value(t, 0).r == 1.5);
}

TEST_CASE("decimal values: a text that no longer matches the double is ignored") {
  Value v = *decimal_of_text("12.5");
  v.r = 3;  // a function changed the number and kept the text
  CHECK(exact_decimal(v).empty());
  CHECK(to_kusto_string(v) == "3");
}
