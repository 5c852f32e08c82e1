// Limits of an EQL run: the deadline (--timeout) ends a run with its message, and a regular
// expression over RE2's program-size limit is an error at the pattern, not a non-match.
#include <doctest/doctest.h>

#include <string>

#include "eql/engine.hpp"
#include "eql/parser.hpp"

using namespace rulelab;
using namespace rulelab::eql;

namespace {

EventStore thousand_events() {
  EventStore store;
  std::string nd;
  for (int i = 0; i < 1000; ++i)
    nd += "{\"@timestamp\":\"2026-01-01T00:00:" + std::to_string(10 + i % 50) + "Z\",\"event\":{\"category\":\"process\"},\"n\":" +
          std::to_string(i) + ",\"user\":{\"name\":\"u" + std::to_string(i % 7) + "\"}}\n";
  REQUIRE_FALSE(store.add_ndjson("logs", nd).has_value());
  return store;
}

// A deadline that has certainly passed (no timing in the test: we wait until it has).
Deadline passed() {
  Deadline d = Deadline::after(1e-9);
  while (!d.expired()) {
  }
  return d;
}

}  // namespace

TEST_CASE("an EQL run past its deadline fails with the time-limit message") {
  EventStore store = thousand_events();
  for (const char* text : {"process where n >= 0", "sequence by user.name [process where true] [process where true]",
                           "sample by user.name [process where true] [process where true]"}) {
    CAPTURE(text);
    auto q = parse_query(text);
    REQUIRE(q.ok());
    RunOptions opts;
    auto ok = run_query(*q, store, opts);
    REQUIRE(ok.ok());
    opts.deadline = passed();
    auto r = run_query(*q, store, opts);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "query exceeded the time limit of 1e-09 s (--timeout)");
  }
}

TEST_CASE("an EQL regex over the program-size limit is a positioned error") {
  EventStore store = thousand_events();
  // 120 runs of any 1000 characters: 120,000 positions, each a UTF-8 "any character" program
  std::string big;
  for (int i = 0; i < 120; ++i) big += ".{1000}";
  // the parser compiles constant patterns: the error is positioned at the pattern
  auto q = parse_query("process where user.name regex \"" + big + "\"");
  REQUIRE_FALSE(q.ok());
  CHECK(q.error().message.find("the regular expression is too large") != std::string::npos);
  CHECK(q.error().line == 1);
  CHECK(q.error().column == 31);
  // a pattern of ordinary size matches in linear time even when built to make backtrackers explode
  auto lin = parse_query("process where user.name regex \"(u+)+[0-9]\"");
  REQUIRE(lin.ok());
  auto ok = run_query(*lin, store, RunOptions{});
  REQUIRE(ok.ok());
  CHECK(ok->events.size() == 10);  // the default result size
}
