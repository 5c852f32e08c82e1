// The sequence engine's tracing hook (RunOptions::on_sequence_step), which `rulelab explain` reads.
// The steps follow Elasticsearch's sequence semantics (EQL syntax reference, "Sequences": join
// keys, maxspan, until): the trace must tell the same story as the result.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "eql/engine.hpp"
#include "eql/parser.hpp"

using namespace rulelab;
using namespace rulelab::eql;

namespace {

std::string id_of(const Doc* d) {
  std::vector<DynRef> vals;
  collect_values(d->source, "id", vals);
  return vals.empty() ? "?" : to_json(vals[0]);
}

// "Kind:sequence:event-id" for each step, in order.
std::vector<std::string> trace(const std::string& query, const std::string& ndjson) {
  EventStore store;
  REQUIRE_FALSE(store.add_ndjson("i", ndjson).has_value());
  SourceContext where;
  auto q = parse_query(query, where);
  REQUIRE(q);
  std::vector<std::string> out;
  RunOptions o;
  o.on_sequence_step = [&](const SequenceStep& s) {
    static const char* names[] = {"Start", "Advance", "Complete", "NoKey", "NoPending", "Replaced",
                                  "Maxspan", "Until", "MissingEvent", "MissingBounds", "Limited", "Reported"};
    out.push_back(std::string(names[static_cast<int>(s.kind)]) + ":" + std::to_string(s.id) + ":" + (s.event ? id_of(s.event) : "-"));
  };
  auto r = run_query(*q, store, o);
  REQUIRE(r);
  return out;
}

std::string ev(int id, const char* t, const char* cat, const char* host, const char* extra) {
  return std::string("{\"id\":") + std::to_string(id) + ",\"@timestamp\":\"2024-05-01T10:" + t + ":00Z\",\"event\":{\"category\":\"" + cat +
         "\"},\"host\":\"" + host + "\"" + extra + "}\n";
}

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

}  // namespace

TEST_CASE("trace: a sequence that completes is started, advanced, completed and reported") {
  auto t = trace("sequence by host [process where true] [network where true]",
                 ev(1, "01", "process", "a", "") + ev(2, "02", "network", "a", ""));
  CHECK(t == std::vector<std::string>{"Start:1:1", "Advance:1:2", "Complete:1:2", "Reported:1:-"});
}

TEST_CASE("trace: maxspan drops the sequence when the next stage comes too late") {
  auto t = trace("sequence by host with maxspan=5m [process where true] [network where true]",
                 ev(1, "01", "process", "a", "") + ev(2, "10", "network", "a", ""));
  CHECK(has(t, "Maxspan:1:2"));
  CHECK_FALSE(has(t, "Reported:1:-"));
}

TEST_CASE("trace: until ends a waiting sequence; a later stage-2 event finds none waiting") {
  auto t = trace("sequence by host [process where true] [network where true] until [file where true]",
                 ev(1, "01", "process", "a", "") + ev(2, "02", "file", "a", "") + ev(3, "03", "network", "a", ""));
  CHECK(has(t, "Until:1:2"));
  CHECK(has(t, "NoPending:0:3"));
}

TEST_CASE("trace: a newer first-stage event with the same key replaces the waiting sequence") {
  auto t = trace("sequence by host [process where true] [network where true]",
                 ev(1, "01", "process", "a", "") + ev(2, "02", "process", "a", "") + ev(3, "03", "network", "a", ""));
  CHECK(has(t, "Replaced:1:2"));
  CHECK(has(t, "Reported:2:-"));
  CHECK_FALSE(has(t, "Reported:1:-"));
}

TEST_CASE("trace: an event without the join key joins nothing; size cuts completed sequences") {
  auto t = trace("sequence by host [process where true] [network where true]",
                 "{\"id\":1,\"@timestamp\":\"2024-05-01T10:01:00Z\",\"event\":{\"category\":\"process\"}}\n");
  CHECK(has(t, "NoKey:0:1"));
  auto t2 = trace("sequence by host [process where true] [network where true] | head 1",
                  ev(1, "01", "process", "a", "") + ev(2, "02", "network", "a", "") + ev(3, "03", "process", "b", "") +
                      ev(4, "04", "network", "b", ""));
  CHECK(has(t2, "Reported:1:-"));
  CHECK(has(t2, "Limited:2:-"));
}
