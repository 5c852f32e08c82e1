// Scalar literals. Examples follow the Kusto reference pages named in each test case
// (learn.microsoft.com/kusto/query/scalar-data-types/...).
#include <cmath>

#include "core/datetime.hpp"
#include "kusto_test_util.hpp"

using namespace kusto_test;

namespace {
const Literal& lit(const Query& q) { return literal_of(q); }
std::string str(std::string_view query) {
  Query q = parse_ok(query);
  const auto& l = lit(q);
  REQUIRE(l.type == rulelab::Type::String);
  return std::get<std::string>(l.value);
}
}  // namespace

TEST_CASE("string literals (scalar-data-types/string: escapes, verbatim, obfuscated, multi-line)") {
  CHECK(str(R"(T | where x == 'a"b')") == "a\"b");
  CHECK(str(R"(T | where x == "a\"b")") == "a\"b");
  CHECK(str(R"(T | where x == "a\\b")") == "a\\b");
  CHECK(str(R"(T | where x == "tab\there")") == "tab\there");
  CHECK(str(R"(T | where x == @"C:\backslash\path")") == "C:\\backslash\\path");
  CHECK(str(R"(T | where x == @'it''s')") == "it's");
  CHECK(str(R"(T | where x == @"say ""hi""")") == "say \"hi\"");
  CHECK(str(R"(T | where x == h'secret')") == "secret");
  CHECK(str(R"(T | where x == H@"obf\x")") == "obf\\x");
  CHECK(str("T | where x == ```line1\nline2```") == "line1\nline2");
  // Adjacent literals are concatenated, also across lines and comments.
  CHECK(str("T | where x == 'ab' \"cd\" // c\n @'ef'") == "abcdef");
  // An unknown escape keeps the backslash (regular expressions written in plain strings).
  CHECK(str(R"(T | where x == "\d+")") == "\\d+");
  CHECK(str(R"(T | where x == "\u00e9")") == "\xC3\xA9");
}

TEST_CASE("numbers, booleans and typed numeric literals (scalar-data-types/long, int, real, bool)") {
  {
    Query q = parse_ok("T | where x == 42");
    CHECK(lit(q).type == rulelab::Type::Long);
    CHECK(std::get<std::int64_t>(lit(q).value) == 42);
  }
  {
    Query q = parse_ok("T | where x == 0x1F");
    CHECK(std::get<std::int64_t>(lit(q).value) == 31);
  }
  {
    Query q = parse_ok("T | where x == 1.5e3");
    CHECK(lit(q).type == rulelab::Type::Real);
    CHECK(std::get<double>(lit(q).value) == 1500.0);
  }
  {
    Query q = parse_ok("T | where x == int(-5)");
    CHECK(lit(q).type == rulelab::Type::Int);
    CHECK(std::get<std::int64_t>(lit(q).value) == -5);
  }
  {
    Query q = parse_ok("T | where x == int(0xf090013d)");  // a bit pattern: negative 32-bit value
    CHECK(std::get<std::int64_t>(lit(q).value) == static_cast<std::int32_t>(0xf090013dU));
  }
  {
    Query q = parse_ok("T | where x == real(+inf)");
    CHECK(std::isinf(std::get<double>(lit(q).value)));
  }
  {
    Query q = parse_ok("T | where x == true");
    CHECK(std::get<bool>(lit(q).value) == true);
  }
  {
    Query q = parse_ok("T | where x == bool(null)");
    CHECK(lit(q).type == rulelab::Type::Bool);
    CHECK(lit(q).is_null());
  }
  for (const char* t : {"long(null)", "int(null)", "real(null)", "double(null)", "datetime(null)", "timespan(null)", "guid(null)"}) {
    Query q = parse_ok(std::string("T | where x == ") + t);
    CHECK_MESSAGE(lit(q).is_null(), t);
  }
  parse_err("T | where x == int(99999999999)");
}

TEST_CASE("timespan literals (scalar-data-types/timespan)") {
  using rulelab::TimeSpan;
  auto ts = [](std::string_view l) {
    Query q = parse_ok(std::string("T | where x == ") + std::string(l));
    REQUIRE(lit(q).type == rulelab::Type::TimeSpan);
    return std::get<TimeSpan>(lit(q).value).ticks;
  };
  const std::int64_t s = rulelab::kTicksPerSecond;
  CHECK(ts("2d") == 2 * rulelab::kTicksPerDay);
  CHECK(ts("1.5h") == 5400 * s);
  CHECK(ts("30m") == 1800 * s);
  CHECK(ts("10s") == 10 * s);
  CHECK(ts("0.1s") == s / 10);
  CHECK(ts("100ms") == s / 10);
  CHECK(ts("10microsecond") == 100);
  CHECK(ts("1tick") == 1);
  CHECK(ts("5min") == 300 * s);
  CHECK(ts("time(0s)") == 0);
  CHECK(ts("timespan(1d)") == rulelab::kTicksPerDay);
  CHECK(ts("time(1.02:03:04)") == rulelab::kTicksPerDay + (2 * 3600 + 3 * 60 + 4) * s);
  CHECK(ts("time('0.00:05:00')") == 300 * s);
}

TEST_CASE("datetime and guid literals (scalar-data-types/datetime, guid)") {
  {
    Query q = parse_ok("T | where x == datetime(2015-12-31 23:59:59.9)");
    CHECK(rulelab::format_datetime(std::get<rulelab::DateTime>(lit(q).value)) == "2015-12-31T23:59:59.9000000Z");
  }
  {
    Query q = parse_ok("T | where x == datetime(2015-12-31)");
    CHECK(rulelab::format_datetime(std::get<rulelab::DateTime>(lit(q).value)).substr(0, 10) == "2015-12-31");
  }
  {
    // datetime() and datetime(now): the current time, i.e. now().
    Query q = parse_ok("T | where x == datetime(now)");
    CHECK(as<Call>(*as<Binary>(where_expr(q)).rhs).name == "now");
  }
  {
    Query q = parse_ok("T | where x == guid(74be27de-1e4e-49d9-b579-fe0b331d3642)");
    CHECK(rulelab::format_guid(std::get<rulelab::Guid>(lit(q).value)) == "74be27de-1e4e-49d9-b579-fe0b331d3642");
  }
  auto e = parse_err("T | where x == datetime(2015-13-45)");
  CHECK(e.message.find("invalid datetime literal") != std::string::npos);
  CHECK(e.column == 25);
}

TEST_CASE("dynamic literals (scalar-data-types/dynamic)") {
  Query q = parse_ok(R"(T | where x == dynamic({"a": 1, 'b': [true, null, 2.5, "s"], c: datetime(2020-01-01)}))");
  const auto& l = lit(q);
  REQUIRE(l.type == rulelab::Type::Dynamic);
  const auto& d = std::get<rulelab::Dynamic>(l.value);
  CHECK(rulelab::to_json(d.ref()) == R"({"a":1,"b":[true,null,2.5,"s"],"c":"2020-01-01T00:00:00Z"})");
  Query q2 = parse_ok("T | where x == dynamic(null)");
  CHECK(rulelab::to_json(std::get<rulelab::Dynamic>(lit(q2).value).ref()) == "null");
  Query q3 = parse_ok("T | where x in (dynamic(['a', 'b']))");
  CHECK(as<InExpr>(where_expr(q3)).items.size() == 1);
}
