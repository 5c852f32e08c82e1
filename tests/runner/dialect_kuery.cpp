// The kuery dialect of the query test runner (`dialect kuery`, format in README.md, "Data-driven
// tests"): Kibana Query Language queries and Elasticsearch query DSL over inline JSON documents,
// run by the kuery parser and matcher (src/kuery); expected results are the numbers of the matching
// documents, one per line.
#include <string>
#include <vector>

#include "core/datetime.hpp"
#include "core/dynamic.hpp"
#include "core/error.hpp"
#include "elastic/field_types.hpp"
#include "kuery/ast.hpp"
#include "kuery/matcher.hpp"
#include "runner.hpp"
#include <nlohmann/json.hpp>

using namespace rulelab;
using namespace rulelab::elastic;
using namespace rulelab::kuery;

namespace {

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string s;
  for (std::size_t k = 0; k < v.size(); ++k) s += (k ? sep : "") + v[k];
  return s;
}

struct Runner {
  explicit Runner(testrunner::FileRun& file) : f(file) {}

  testrunner::FileRun& f;
  bool ecs = true;
  std::string mapping_json;
  std::vector<std::string> docs;  // encoded
  DateTime now = *parse_datetime("2024-05-01T12:00:00Z");

  void fail(std::size_t line, const std::string& what) { f.fail(line, what); }

  FieldTypes current_types() const {
    FieldTypes t = ecs ? FieldTypes::builtin() : FieldTypes();
    if (!mapping_json.empty()) (void)t.add_mapping_json(mapping_json, f.file);
    return t;
  }

  // Compares the matching documents (numbered from 1) with the expected rows: one number a line,
  // or `(empty)`.
  template <class Matches>
  void check_matches(std::size_t at, const std::string& what, Matches matches, std::vector<std::string> want) {
    std::vector<std::string> got;
    for (std::size_t k = 0; k < docs.size(); ++k)
      if (matches(DynRef(docs[k]))) got.push_back(std::to_string(k + 1));
    if (want.size() == 1 && want[0] == "(empty)") want.clear();
    if (got != want)
      fail(at, what + ": matched " + (got.empty() ? "(empty)" : join(got, " ")) + ", expected " +
                   (want.empty() ? "(empty)" : join(want, " ")));
    else f.pass();
  }

  void run(std::size_t first) {
    const std::vector<std::string>& lines = f.lines;
    std::size_t i = first;
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
        auto dt = parse_datetime(line.substr(4));
        if (!dt) { fail(at, "bad datetime " + line.substr(4)); return; }
        now = *dt;
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
        const std::string text = join(block(i, true), "\n");
        auto expect = block(i, false);
        auto r = parse_kuery(text);
        if (!r.query) { fail(at, "parse failed: " + r.failure->message); continue; }
        const std::string got = to_kuery(*r.query->root);
        if (expect.empty() || got != expect[0]) fail(at, "parse: got " + got + ", expected " + (expect.empty() ? "" : expect[0]));
        else f.pass();
      } else if (line.rfind("parse error", 0) == 0) {
        const std::string pos = line.size() > 12 ? line.substr(12) : "";
        const std::string text = join(block(i, true), "\n");
        auto expect = block(i, false);
        auto r = parse_kuery(text);
        if (r.query) { fail(at, "expected a parse error, got " + to_kuery(*r.query->root)); continue; }
        const LineInfo li = locate(text, r.failure->offset);
        const std::string got = std::to_string(li.line) + ":" + std::to_string(li.column);
        if (!pos.empty() && got != pos) { fail(at, "error at " + got + ", expected " + pos + " (" + r.failure->message + ")"); continue; }
        if (!expect.empty() && r.failure->message != expect[0]) { fail(at, "message: " + r.failure->message + " expected " + expect[0]); continue; }
        f.pass();
      } else if (line == "dsl") {
        std::string text;
        for (const auto& l : block(i, true)) text += l + "\n";
        auto expect = block(i, false);
        const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
        if (j.is_discarded()) { fail(at, "bad DSL JSON"); continue; }
        const FieldTypes t = current_types();
        IndexFields fields(t);
        for (const auto& d : docs) fields.observe(DynRef(d));
        auto cq = CompiledQuery::compile_dsl(j, fields, now);
        if (!cq.errors().empty()) { fail(at, "dsl error: " + cq.errors().front().message); continue; }
        check_matches(at, "dsl " + j.dump(), [&](DynRef d) { return cq.matches(d); }, expect);
      } else if (line == "query" || line == "query error") {
        const std::string text = join(block(i, true), "\n");
        auto expect = block(i, false);
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
          f.pass();
          continue;
        }
        if (!cq.errors().empty()) { fail(at, "query error: " + cq.errors().front().message); continue; }
        check_matches(at, "query " + text, [&](DynRef d) { return cq.matches(d); }, expect);
      } else {
        fail(at, "unknown directive: " + line);
      }
    }
  }
};

}  // namespace

void rulelab::testrunner::run_kuery(FileRun& f, std::size_t first) {
  Runner r(f);
  r.run(first);
}
