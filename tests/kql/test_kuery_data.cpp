// Data-driven kuery tests: every tests/data/kql/*.test file (format in tests/data/kql/README.md).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/datetime.hpp"
#include "core/dynamic.hpp"
#include "core/error.hpp"
#include "kql/field_types.hpp"
#include "kql/kuery_ast.hpp"
#include "kql/matcher.hpp"
#include <nlohmann/json.hpp>

using namespace rulelab;
using namespace rulelab::kql;

namespace {

struct Runner {
  std::string file;
  FieldTypes types = FieldTypes::builtin();
  bool ecs = true;
  std::string mapping_json;
  std::vector<std::string> docs;  // encoded
  DateTime now = *parse_datetime("2024-05-01T12:00:00Z");
  int passed = 0, failed = 0;

  void fail(std::size_t line, const std::string& what) {
    ++failed;
    const std::string msg = file + ":" + std::to_string(line) + ": " + what;
    FAIL_CHECK(msg);
  }

  FieldTypes current_types() const {
    FieldTypes t = ecs ? FieldTypes::builtin() : FieldTypes();
    if (!mapping_json.empty()) (void)t.add_mapping_json(mapping_json, file);
    return t;
  }

  void run(const std::vector<std::string>& lines) {
    std::size_t i = 0;
    auto block = [&](std::size_t& k, bool until_dashes) {
      std::vector<std::string> out;
      while (k < lines.size()) {
        const std::string& l = lines[k];
        if (until_dashes ? l == "----" : l.empty()) break;
        out.push_back(l);
        ++k;
      }
      if (k < lines.size()) ++k;  // the separator
      return out;
    };
    while (i < lines.size()) {
      const std::string line = lines[i];
      const std::size_t at = i + 1;
      ++i;
      if (line.empty() || line[0] == '#') continue;
      if (line.rfind("now ", 0) == 0) {
        now = *parse_datetime(line.substr(4));
      } else if (line == "ecs off") {
        ecs = false;
      } else if (line == "ecs on") {
        ecs = true;
      } else if (line == "mapping") {
        auto b = block(i, false);
        mapping_json.clear();
        for (auto& l : b) mapping_json += l + "\n";
      } else if (line == "data") {
        docs.clear();
        JsonParser p;
        for (auto& l : block(i, false)) {
          std::string enc;
          if (auto err = p.parse(l, enc)) fail(at, "bad JSON document: " + *err);
          docs.push_back(enc);
        }
      } else if (line == "parse") {
        auto q = block(i, true);
        auto expect = block(i, false);
        std::string text;
        for (std::size_t k = 0; k < q.size(); ++k) text += (k ? "\n" : "") + q[k];
        auto r = parse_kuery(text);
        if (!r.query) { fail(at, "parse failed: " + r.failure->message); continue; }
        const std::string got = to_kuery(*r.query->root);
        if (expect.empty() || got != expect[0]) fail(at, "parse: got " + got + ", expected " + (expect.empty() ? "" : expect[0]));
        else ++passed;
      } else if (line.rfind("parse error", 0) == 0) {
        const std::string pos = line.size() > 12 ? line.substr(12) : "";
        auto q = block(i, true);
        auto expect = block(i, false);
        std::string text;
        for (std::size_t k = 0; k < q.size(); ++k) text += (k ? "\n" : "") + q[k];
        auto r = parse_kuery(text);
        if (r.query) { fail(at, "expected a parse error, got " + to_kuery(*r.query->root)); continue; }
        const LineInfo li = locate(text, r.failure->offset);
        const std::string got = std::to_string(li.line) + ":" + std::to_string(li.column);
        if (!pos.empty() && got != pos) { fail(at, "error at " + got + ", expected " + pos + " (" + r.failure->message + ")"); continue; }
        if (!expect.empty() && r.failure->message != expect[0]) { fail(at, "message: " + r.failure->message + " expected " + expect[0]); continue; }
        ++passed;
      } else if (line == "dsl") {
        auto q = block(i, true);
        auto expect = block(i, false);
        std::string text;
        for (const auto& l : q) text += l + "\n";
        const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
        if (j.is_discarded()) { fail(at, "bad DSL JSON"); continue; }
        const FieldTypes t = current_types();
        IndexFields fields(t);
        for (const auto& d : docs) fields.observe(DynRef(d));
        auto cq = CompiledQuery::compile_dsl(j, fields, now);
        if (!cq.errors().empty()) { fail(at, "dsl error: " + cq.errors().front().message); continue; }
        std::string got;
        for (std::size_t k = 0; k < docs.size(); ++k)
          if (cq.matches(DynRef(docs[k]))) got += (got.empty() ? "" : " ") + std::to_string(k + 1);
        if (got.empty()) got = "(empty)";
        const std::string want = expect.empty() ? "" : expect[0];
        if (got != want) fail(at, "dsl " + j.dump() + ": matched " + got + ", expected " + want);
        else ++passed;
      } else if (line == "query" || line == "query error") {
        auto q = block(i, true);
        auto expect = block(i, false);
        std::string text;
        for (std::size_t k = 0; k < q.size(); ++k) text += (k ? "\n" : "") + q[k];
        auto r = parse_kuery(text);
        if (!r.query) { fail(at, "parse failed: " + r.failure->message); continue; }
        const FieldTypes t = current_types();
        IndexFields fields(t);
        for (const auto& d : docs) fields.observe(DynRef(d));
        auto cq = CompiledQuery::compile(*r.query->root, fields, now);
        if (line == "query error") {
          if (cq.errors().empty()) { fail(at, "expected a query error"); continue; }
          if (!expect.empty() && cq.errors().front().message.find(expect[0]) == std::string::npos) {
            fail(at, "error: " + cq.errors().front().message + " does not contain " + expect[0]);
            continue;
          }
          ++passed;
          continue;
        }
        if (!cq.errors().empty()) { fail(at, "query error: " + cq.errors().front().message); continue; }
        std::string got;
        for (std::size_t k = 0; k < docs.size(); ++k)
          if (cq.matches(DynRef(docs[k]))) got += (got.empty() ? "" : " ") + std::to_string(k + 1);
        if (got.empty()) got = "(empty)";
        const std::string want = expect.empty() ? "" : expect[0];
        if (got != want) fail(at, "query " + text + ": matched " + got + ", expected " + want);
        else ++passed;
      } else {
        fail(at, "unknown directive: " + line);
      }
    }
  }
};

}  // namespace

TEST_CASE("kuery data-driven tests (tests/data/kql/*.test)") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(RULELAB_SOURCE_DIR) / "tests" / "data" / "kql";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".test") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(!files.empty());
  int passed = 0, failed = 0;
  for (const auto& f : files) {
    std::ifstream in(f);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    Runner r;
    r.file = f.filename().string();
    r.run(lines);
    passed += r.passed;
    failed += r.failed;
    CHECK_MESSAGE(r.passed > 0, r.file << " has no passing case");
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  CHECK(failed == 0);
}
