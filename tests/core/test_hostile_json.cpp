// Hostile JSON in log records: duplicate keys (Log Analytics tables and Elastic documents) and
// deep nesting in documents. Nothing crashes; nothing is lost without a warning or a rejection.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/dynamic.hpp"
#include "core/ingest.hpp"

using namespace rulelab;

namespace {
std::string write_temp(const std::string& name, const std::string& content) {
  const auto p = std::filesystem::temp_directory_path() / ("rulelab_hostile_json_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(p, std::ios::binary) << content;
  return p.string();
}
IngestResult must_ingest(const std::string& path, IngestOptions opt = {}) {
  auto r = ingest_file(path, opt);
  std::remove(path.c_str());
  REQUIRE(r);
  return std::move(*r);
}
std::string cell_json(const Table& t, const char* column, std::size_t row) {
  const int c = t.schema.index_of(column);
  REQUIRE(c >= 0);
  for (const auto& b : t.batches) {
    if (row < b.rows()) return to_json(b.columns[static_cast<std::size_t>(c)].get_dynamic(row));
    row -= b.rows();
  }
  FAIL("no row");
  return {};
}
}  // namespace

TEST_CASE("duplicate keys in a table record: the last value, and a warning naming the key") {
  auto r = must_ingest(write_temp("dup.ndjson", "{\"a\":\"1\",\"d\":{\"x\":1,\"x\":2},\"a\":\"2\"}\n{\"a\":\"3\",\"d\":{}}\n"));
  CHECK(r.stats.rows == 2);
  CHECK(r.stats.rejected == 0);
  bool warned = false;
  for (const auto& w : r.stats.warnings) warned = warned || w.find("key \"a\" more than once") != std::string::npos;
  CHECK(warned);
  // inside a dynamic value the key is kept once, with its last value
  CHECK(cell_json(r.table, "d", 0) == "{\"x\":2}");
}

TEST_CASE("duplicate keys in an Elastic document: rejected as Elasticsearch rejects it, with the key") {
  // Elasticsearch parses documents with strict duplicate detection (on since 6.0): indexing
  // {"user":{"name":"a","name":"b"}} fails with json_parse_exception "Duplicate field 'name'".
  IngestOptions o;
  o.documents = true;
  auto r = must_ingest(write_temp("dupdoc.ndjson",
                                  "{\"user\":{\"name\":\"a\",\"name\":\"b\"}}\n"
                                  "{\"user\":{\"name\":\"a\"},\"tags\":[{\"k\":1},{\"k\":2,\"k\":3}]}\n"
                                  "{\"user\":{\"name\":\"a\"}}\n"),
                       o);
  CHECK(r.stats.records == 3);
  CHECK(r.stats.rows == 1);
  CHECK(r.stats.rejected == 2);
  REQUIRE(r.stats.first_rejections.size() == 2);
  CHECK(r.stats.first_rejections[0].line == 1);
  CHECK(r.stats.first_rejections[0].reason.find("duplicate field \"name\"") != std::string::npos);
  CHECK(r.stats.first_rejections[1].line == 2);
  CHECK(r.stats.first_rejections[1].reason.find("duplicate field \"k\"") != std::string::npos);
}

TEST_CASE("many keys, no duplicate: nothing is reported (the filter's collisions are checked exactly)") {
  std::string rec = "{";
  for (int i = 0; i < 200; ++i) rec += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\":" + std::to_string(i);
  rec += "}";
  IngestOptions o;
  o.documents = true;
  auto r = must_ingest(write_temp("wide.ndjson", rec + "\n"), o);
  CHECK(r.stats.rows == 1);
  CHECK(r.stats.rejected == 0);
  std::string enc;
  JsonParser p;
  REQUIRE_FALSE(p.parse(rec, enc).has_value());
  CHECK(DynRef(enc).size() == 200);
}

TEST_CASE("a 100,000-deep document is rejected by line, without overflowing the stack") {
  IngestOptions o;
  o.documents = true;
  const std::string deep = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  auto r = must_ingest(write_temp("deepdoc.ndjson", deep + "\n{\"a\":1}\n"), o);
  CHECK(r.stats.rows == 1);
  CHECK(r.stats.rejected == 1);
  CHECK(r.stats.first_rejections.at(0).line == 1);
  std::string enc;
  JsonParser p;
  CHECK(p.parse(deep, enc).has_value());  // an error message, not a crash
}
