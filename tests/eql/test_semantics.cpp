// Data-driven semantics tests: tests/data/eql/semantics/*.test (format in that folder's README.md).
// Each file names the Elasticsearch documentation page its expectations follow.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "eql/engine.hpp"
#include "eql/parser.hpp"

using namespace rulelab;
using namespace rulelab::eql;

namespace {

std::string id_text(const Doc* d) {
  if (!d) return "-";
  std::vector<DynRef> vals;
  collect_values(d->source, "id", vals);
  if (vals.empty()) return "?";
  return vals[0].is_string() ? std::string(vals[0].as_string()) : to_json(vals[0]);
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.pop_back();
  return s;
}

struct FileResult {
  int passed = 0, failed = 0;
};

FileResult run_file(const std::filesystem::path& path) {
  FileResult fr;
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(trim(l));
  EventStore store;
  RunOptions opts;
  opts.tiebreaker_field = "id";
  std::string file = path.filename().string();
  bool has_dialect = false;
  std::size_t i = 0;
  auto block_until = [&](const std::string& end) {
    std::string text;
    while (i < lines.size() && lines[i] != end) text += lines[i++] + "\n";
    ++i;
    return text;
  };
  while (i < lines.size()) {
    const std::string line = lines[i];
    std::size_t at = i + 1;  // 1-based line of this directive
    ++i;
    if (line.rfind("# dialect: eql", 0) == 0) has_dialect = true;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string cmd;
    words >> cmd;
    if (cmd == "data") {
      std::string index = "test";
      words >> index;
      auto err = store.add_ndjson(index, block_until("end"));
      if (err) FAIL(file << ":" << at << ": bad data: " << err->format());
    } else if (cmd == "mapping") {
      std::string index = "test";
      words >> index;
      auto m = Mapping::from_json(block_until("end"), file);
      REQUIRE_MESSAGE(m.ok(), file << ":" << at);
      store.set_mapping(index, m.value());
    } else if (cmd == "options") {
      for (std::string kv; words >> kv;) {
        auto eq = kv.find('=');
        std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
        if (k == "tiebreaker") opts.tiebreaker_field = v == "none" ? "" : v;
        else if (k == "size") opts.size = std::stoul(v);
        else if (k == "max_samples") opts.max_samples_per_key = std::stoul(v);
        else if (k == "category") opts.category_field = v;
        else if (k == "timestamp") opts.timestamp_field = v;
        else FAIL(file << ":" << at << ": unknown option " << k);
      }
    } else if (cmd == "query" || cmd == "error") {
      std::string pos;
      words >> pos;
      std::string query = block_until("----");
      if (!query.empty()) query.pop_back();  // the last line's newline
      std::vector<std::string> expected;
      while (i < lines.size() && !lines[i].empty()) expected.push_back(lines[i++]);
      std::vector<std::string> got;
      auto q = parse_query(query);
      if (cmd == "error") {
        std::string msg = q ? std::string("parsed") : q.error().format();
        std::string where = q ? "" : std::to_string(q.error().line) + ":" + std::to_string(q.error().column);
        bool ok = !q && where == pos && (expected.empty() || msg.find(expected[0]) != std::string::npos);
        if (ok) ++fr.passed;
        else {
          ++fr.failed;
          FAIL_CHECK(file << ":" << at << ": expected an error at " << pos << " containing \""
                          << (expected.empty() ? "" : expected[0]) << "\", got " << where << " " << msg);
        }
        continue;
      }
      if (!q) {
        got.push_back("parse error: " + q.error().format());
      } else {
        auto r = run_query(*q, store, opts);
        if (!r) got.push_back("error: " + r.error().format());
        else {
          for (const Doc* d : r->events) got.push_back(id_text(d));
          for (const auto& m : r->matches) {
            std::string s;
            for (const Doc* d : m.events) s += (s.empty() ? "" : " ") + id_text(d);
            got.push_back(s);
          }
        }
      }
      if (expected.size() == 1 && expected[0] == "(empty)") expected.clear();
      if (got == expected) ++fr.passed;
      else {
        ++fr.failed;
        std::string e, g;
        for (auto& x : expected) e += "\n    " + x;
        for (auto& x : got) g += "\n    " + x;
        FAIL_CHECK(file << ":" << at << ": " << trim(query) << "\n  expected:" << (e.empty() ? " (empty)" : e)
                        << "\n  got:" << (g.empty() ? " (empty)" : g));
      }
    } else {
      FAIL(file << ":" << at << ": unknown directive " << cmd);
    }
  }
  CHECK_MESSAGE(has_dialect, file << ": missing '# dialect: eql'");
  return fr;
}

}  // namespace

TEST_CASE("EQL semantics tests (tests/data/eql/semantics/*.test)") {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(std::string(RULELAB_SOURCE_DIR) + "/tests/data/eql/semantics"))
    if (e.path().extension() == ".test") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(!files.empty());
  int passed = 0, failed = 0;
  for (const auto& f : files) {
    FileResult r = run_file(f);
    MESSAGE(f.filename().string() << ": " << r.passed << " passed, " << r.failed << " failed");
    passed += r.passed;
    failed += r.failed;
  }
  MESSAGE(passed << " passed, " << failed << " failed");
}
