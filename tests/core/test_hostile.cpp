// Hostile log input: nothing crashes, nothing is lost silently (each bad record is counted with
// its line and reason).
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/datetime.hpp"
#include "core/ingest.hpp"

using namespace rulelab;

namespace {
std::string write_temp(const std::string& name, const std::string& content) {
  const auto p = std::filesystem::temp_directory_path() / ("rulelab_hostile_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(p, std::ios::binary) << content;
  return p.string();
}
IngestResult must_ingest(const std::string& path, IngestOptions opt = {}) {
  auto r = ingest_file(path, opt);
  REQUIRE(r);
  std::remove(path.c_str());
  return std::move(*r);
}
}  // namespace

TEST_CASE("deep nesting is rejected by line, not by stack overflow") {
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  auto r = must_ingest(write_temp("deep.ndjson", "{\"a\":" + deep + "}\n{\"a\":1}\n"));
  CHECK(r.stats.rows == 1);
  CHECK(r.stats.rejected == 1);
  CHECK(r.stats.first_rejections.at(0).line == 1);
}

TEST_CASE("invalid UTF-8 and NUL bytes") {
  std::string content = "{\"a\":\"ok\"}\n{\"a\":\"\xff\xfe\"}\n";
  content += std::string("{\"a\":\"x\0y\"}\n", 12);
  auto r = must_ingest(write_temp("utf8.ndjson", content));
  CHECK(r.stats.records == 3);
  CHECK(r.stats.rows + r.stats.rejected == 3);
  CHECK(r.stats.first_rejections.at(0).line == 2);
}

TEST_CASE("numbers out of range and dates outside 0001-9999") {
  auto r = must_ingest(write_temp("range.ndjson",
                                  "{\"n\":1e400}\n"
                                  "{\"n\":99999999999999999999}\n"
                                  "{\"TimeGenerated\":\"10000-01-01T00:00:00Z\"}\n"
                                  "{\"TimeGenerated\":\"1600-12-31T23:59:59Z\"}\n"),
                       [] {
                         IngestOptions o;
                         o.table = "AuditLogs";
                         return o;
                       }());
  CHECK(r.stats.records == 4);
  CHECK(r.stats.rows + r.stats.rejected == 4);
  // The year 10000 is no datetime: the value becomes null and a warning says so.
  bool warned = false;
  for (const auto& w : r.stats.warnings) warned = warned || w.find("TimeGenerated") != std::string::npos;
  CHECK(warned);
}

TEST_CASE("a ragged CSV: short and long records are rejected with their line") {
  auto r = must_ingest(write_temp("ragged.csv", "a,b\n1,2\n3\n4,5,6\n\"multi\nline\",7\n"));
  CHECK(r.stats.rows == 2);
  CHECK(r.stats.rejected == 2);
  CHECK(r.stats.first_rejections.at(0).line == 3);
  CHECK(r.stats.first_rejections.at(1).line == 4);
}

TEST_CASE("a line longer than the limit is rejected without reading it whole") {
  IngestOptions opt;
  opt.max_line_bytes = 1 << 20;
  const std::string big = "{\"a\":\"" + std::string(3 << 20, 'x') + "\"}";
  auto r = must_ingest(write_temp("long.ndjson", "{\"a\":\"1\"}\n" + big + "\n{\"a\":\"3\"}\n"), opt);
  CHECK(r.stats.rows == 2);
  CHECK(r.stats.rejected == 1);
  CHECK(r.stats.first_rejections.at(0).line == 2);
  CHECK(r.stats.records == 3);
}

TEST_CASE("Windows line ends, a byte-order mark, no final newline") {
  auto r = must_ingest(write_temp("crlf.ndjson", "\xEF\xBB\xBF{\"a\":1}\r\n{\"a\":2}"));
  CHECK(r.stats.rows == 2);
  CHECK(r.stats.rejected == 0);
}

TEST_CASE("a truncated gzip file is an error, not silent loss") {
  // A gzip header and the start of a deflate stream, cut short.
  const std::string gz("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xab\x56\x4a", 13);
  const std::string path = write_temp("cut.ndjson.gz", gz);
  auto r = ingest_file(path, {});
  std::remove(path.c_str());
  if (r) {
    // zlib may hand back the bytes it could inflate; then the partial line must be rejected.
    CHECK(r->stats.rows == 0);
    CHECK(r->stats.rejected + r->stats.rows == r->stats.records);
  } else {
    CHECK(r.error().message.find("gzip") != std::string::npos);
  }
}
