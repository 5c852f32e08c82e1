// Elastic documents filtered while reading (app/elastic_read_filter.hpp, app/eql_read_filter.hpp):
// what each filter keeps and drops, judged one document at a time as a parsing thread does.
// Semantics: Kibana's kuery and Elasticsearch's EQL reference (the run's own matchers decide);
// the first document of each shape is kept so that Elasticsearch's dynamic mapping ("the first
// document that brings a field decides its type") is observed over the kept documents.
#include <doctest/doctest.h>

#include "app/doc_shape.hpp"
#include "app/elastic_read_filter.hpp"
#include "app/eql_read_filter.hpp"
#include "core/dynamic.hpp"
#include "eql/parser.hpp"

using namespace rulelab;
using namespace rulelab::app;

namespace {
Dynamic doc(std::string_view json) {
  std::string enc;
  JsonParser p;
  REQUIRE(!p.parse(json, enc));
  return Dynamic(std::move(enc));
}
}  // namespace

TEST_CASE("document shapes: keys, structure and JSON kinds decide, values do not") {
  ShapeSet s;
  CHECK(s.first_of_shape(doc(R"({"a":"x","b":{"c":1}})").ref()));
  CHECK_FALSE(s.first_of_shape(doc(R"({"a":"y","b":{"c":2}})").ref()));    // other values, same shape
  CHECK(s.first_of_shape(doc(R"({"a":null,"b":{"c":2}})").ref()));         // null is a kind of its own
  CHECK(s.first_of_shape(doc(R"({"a":"y","b":{"c":2.5}})").ref()));        // real is not integer
  CHECK(s.first_of_shape(doc(R"({"a":"y","b":{"d":2}})").ref()));          // another key
  CHECK(s.first_of_shape(doc(R"({"b":{"c":2},"a":"y"})").ref()));          // another order
  CHECK(s.first_of_shape(doc(R"({"a":["x"],"b":{"c":2}})").ref()));        // an array
  CHECK_FALSE(s.first_of_shape(doc(R"({"a":["x","y","z"],"b":{"c":3}})").ref()));  // more elements of one shape
}

TEST_CASE("kuery read filter: matching documents and the first of each shape are kept; the others dropped and counted") {
  const elastic::FieldTypes types = elastic::FieldTypes::builtin();
  kuery::RuleWindow w;
  w.timestamp_field = "@timestamp";
  auto f = KueryReadFilter::make(R"(event.outcome:success and event.action:"Add user")", types, w);
  REQUIRE(f);
  IngestOptions opt;
  ReadFilterCounts counts;
  REQUIRE(f->install(opt, counts, "logs"));
  {
    auto judge = opt.make_document_filter();
    CHECK(judge->keep(doc(R"({"@timestamp":"2026-01-01T00:00:00Z","event":{"outcome":"failure","action":"Add user"}})").ref(), 1));  // first of its shape
    CHECK_FALSE(judge->keep(doc(R"({"@timestamp":"2026-01-01T00:00:01Z","event":{"outcome":"failure","action":"Add user"}})").ref(), 2));
    CHECK(judge->keep(doc(R"({"@timestamp":"2026-01-01T00:00:02Z","event":{"outcome":"success","action":"Add user"}})").ref(), 3));  // matches
    CHECK_FALSE(judge->keep(doc(R"({"@timestamp":"2026-01-01T00:00:03Z","event":{"outcome":"Success","action":"Add user"}})").ref(), 4));  // keyword: case-sensitive
    CHECK(judge->keep(doc(R"({"event":{"outcome":"failure"}})").ref(), 5));  // a new shape
    CHECK_FALSE(judge->keep(doc(R"({"event":{"outcome":"unknown"}})").ref(), 6));  // dropped, no time
  }  // the thread's counts are merged when its filter ends
  CHECK(counts.dropped == 3);
  CHECK(counts.dropped_times.size() == 2);
  // Queries that need the data to compile read everything.
  CHECK_FALSE(KueryReadFilter::make("azure.auditlogs.properties.target_resources.*.display_name:guest", types, w));
  CHECK_FALSE(KueryReadFilter::make("guest", types, w));                         // free text
  CHECK_FALSE(KueryReadFilter::make("not_an_ecs_field:1", types, w));            // dynamic mapping
  CHECK_FALSE(KueryReadFilter::make("@timestamp >= now-1d", types, w));           // relative to the run's now
}

TEST_CASE("EQL read filter: a document passing no event filter is dropped; timestamps and shapes kept") {
  const elastic::FieldTypes types = elastic::FieldTypes::builtin();
  eql::SourceContext where;
  auto q = eql::parse_query(R"(sequence by user.name [iam where event.action == "Add user"] [any where event.action : "delete user"])", where);
  REQUIRE(q);
  auto make = eql_read_filter(*q, types, "@timestamp", "event.category", "logs");
  REQUIRE(make);
  auto judge = make();
  CHECK(judge->keep(doc(R"({"@timestamp":"2026-01-01T00:00:00Z","event":{"category":"iam","action":"Update user"}})").ref(), 1));  // first shape
  CHECK_FALSE(judge->keep(doc(R"({"@timestamp":"2026-01-01T00:00:01Z","event":{"category":"iam","action":"Update user"}})").ref(), 2));
  CHECK(judge->keep(doc(R"({"@timestamp":"2026-01-01T00:00:02Z","event":{"category":"iam","action":"Add user"}})").ref(), 3));
  CHECK_FALSE(judge->keep(doc(R"({"@timestamp":"2026-01-01T00:00:03Z","event":{"category":"web","action":"Add user"}})").ref(), 4));  // stage 1 is iam
  CHECK(judge->keep(doc(R"({"@timestamp":"2026-01-01T00:00:04Z","event":{"category":"web","action":"DELETE USER"}})").ref(), 5));  // `:` ignores case
  CHECK(judge->keep(doc(R"({"@timestamp":"not a date","event":{"category":"web","action":"x"}})").ref(), 6));  // no readable timestamp: counted by the run
  // A field typed only by the data: everything is read.
  auto q2 = eql::parse_query(R"(any where custom_field == "x")", where);
  REQUIRE(q2);
  CHECK_FALSE(eql_read_filter(*q2, types, "@timestamp", "event.category", "logs"));
}
