// Dates outside the 64-bit nanosecond range (years 1677-2262) in EQL comparisons: found by
// fuzz/eql_exec (`@timestamp == "3077-03-03T..."` overflowed a signed multiplication). Such a value
// is not a nanosecond date: the comparison is not true, and nothing is computed from an overflow.
#include <doctest/doctest.h>

#include "eql/engine.hpp"
#include "eql/parser.hpp"
#include "eql/value.hpp"

using namespace rulelab::eql;

TEST_CASE("parse_date_nanos: the 64-bit nanosecond range") {
  CHECK(parse_date_nanos("2026-01-01T00:00:00.123456789Z") == std::optional<std::int64_t>(1767225600123456789));
  CHECK(parse_date_nanos("2262-04-11T23:47:16.854775807Z") == std::optional<std::int64_t>(INT64_MAX));
  CHECK_FALSE(parse_date_nanos("2262-04-11T23:47:16.854775808Z").has_value());
  CHECK_FALSE(parse_date_nanos("3077-03-03T02:22:54.294365140Z").has_value());
  CHECK_FALSE(parse_date_nanos("1601-01-01T00:00:00Z").has_value());
}

TEST_CASE("comparing a date with values beyond the nanosecond range") {
  const Value d = Value::date(1767225600000000000);
  CHECK_FALSE(compare(d, Value::string("3077-03-03T02:22:54.294365140Z")).has_value());
  CHECK_FALSE(compare(d, Value::integer(INT64_MAX)).has_value());      // epoch milliseconds
  CHECK_FALSE(compare(d, Value::real(1e300)).has_value());
  REQUIRE(compare(d, Value::integer(1767225600000)).has_value());     // 2026-01-01 in milliseconds
  CHECK(*compare(d, Value::integer(1767225600000)) == 0);
}

TEST_CASE("an EQL query comparing @timestamp with a date after 2262 runs and matches nothing") {
  EventStore store;
  REQUIRE_FALSE(store.add_ndjson("i", R"({"@timestamp":"2026-09-03T14:00:00Z","event":{"category":"process"}})" "\n"));
  auto q = parse_query(R"(process where @timestamp == "3077-03-03T02:22:54.294365140Z")");
  REQUIRE(q.ok());
  auto r = run_query(*q, store, RunOptions{});
  REQUIRE(r.ok());
  CHECK(r->events.empty());
  auto all = parse_query("process where true");
  REQUIRE(all.ok());
  auto r2 = run_query(*all, store, RunOptions{});
  REQUIRE(r2.ok());
  CHECK(r2->events.size() == 1);
}
