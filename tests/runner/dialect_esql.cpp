// The ES|QL dialect of the query test runner (`dialect esql`, format in README.md, "Data-driven
// tests"): queries over inline indices (a mapping and NDJSON documents each), run by src/esql.
// Directives:
//   now ISO                the clock (NOW())
//   mapping NAME           the next lines (to an empty line): the index mapping {"properties":...}
//   data NAME              the next lines (to an empty line): the index's documents, one a line
//   query [rowsort]        the query (to `----`), then the expected result (to an empty line):
//                          `name:type` columns tab-separated, then one row a line, values as ES|QL's
//                          JSON prints them, tab-separated; `warning: TEXT` lines: expected warnings
//   query error L:C        the query (to `----`), then the expected error message (its start)
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "esql/engine.hpp"
#include "esql/parser.hpp"
#include "elastic/field_types.hpp"
#include "runner.hpp"

using namespace rulelab;

namespace rulelab::testrunner {

void run_esql(FileRun& f, std::size_t first) {
  const auto& lines = f.lines;
  std::map<std::string, std::string> mappings, data;
  std::vector<std::string> order;
  std::int64_t now_ms = 0;
  auto block = [&](std::size_t& k, bool until_dashes) {
    std::vector<std::string> out;
    while (k < lines.size()) {
      const std::string& l = lines[k];
      if (until_dashes ? l == "----" : l.empty()) break;
      out.push_back(l);
      ++k;
    }
    if (k < lines.size()) ++k;
    return out;
  };
  auto join = [](const std::vector<std::string>& v, const char* sep) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
    return s;
  };
  std::size_t i = first;
  while (i < lines.size()) {
    const std::string line = lines[i];
    const std::size_t at = i + 1;
    ++i;
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("now ", 0) == 0) {
      auto t = esql::parse_date(line.substr(4));
      if (!t) { f.fail(at, "bad date " + line.substr(4)); return; }
      now_ms = *t;
    } else if (line.rfind("mapping ", 0) == 0) {
      mappings[line.substr(8)] = join(block(i, false), "\n");
    } else if (line.rfind("data ", 0) == 0) {
      std::string name = line.substr(5);
      if (!data.count(name)) order.push_back(name);
      data[name] = join(block(i, false), "\n");
    } else if (line.rfind("query", 0) == 0) {
      const bool rowsort = line.find("rowsort") != std::string::npos;
      const bool want_error = line.rfind("query error", 0) == 0;
      const std::string text = join(block(i, true), "\n");
      std::vector<std::string> expect = block(i, false);
      esql::Catalog catalog;
      bool bad = false;
      for (const auto& name : order) {
        elastic::FieldTypes types;
        if (mappings.count(name)) {
          auto m = types.add_mapping_json(mappings[name], f.file);
          if (!m) { f.fail(at, "bad mapping: " + m.error().message); bad = true; break; }
        }
        auto r = catalog.add_index(name, data[name], f.file, types);
        if (!r) { f.fail(at, "bad data: " + r.error().message); bad = true; break; }
      }
      if (bad) continue;
      auto q = esql::parse_query(text);
      std::string err;
      std::size_t eline = 0, ecol = 0;
      std::optional<esql::RunOutput> out;
      if (!q) {
        err = q.error().message;
        eline = q.error().line;
        ecol = q.error().column;
      } else {
        esql::RunOptions o;
        o.now_ms = now_ms;
        auto r = esql::run_query(*q, catalog, o);
        if (r.error) {
          err = r.error->error.message;
          eline = r.error->error.line;
          ecol = r.error->error.column;
        } else {
          out = std::move(r.output);
        }
      }
      if (want_error) {
        std::string pos = line.size() > 12 ? line.substr(12) : "";
        std::string got_pos = std::to_string(eline) + ":" + std::to_string(ecol);
        if (out) f.fail(at, "expected an error, the query ran");
        else if (!pos.empty() && pos != got_pos) f.fail(at, "error at " + got_pos + ", expected " + pos + " (" + err + ")");
        else if (!expect.empty() && err.rfind(expect[0], 0) != 0) f.fail(at, "error: " + err + "\n  expected: " + expect[0]);
        else f.pass();
        continue;
      }
      if (!out) { f.fail(at, "query failed: " + std::to_string(eline) + ":" + std::to_string(ecol) + ": " + err); continue; }
      std::vector<std::string> got, want, got_warn, want_warn;
      std::string header;
      for (std::size_t c = 0; c < out->page.columns.size(); ++c)
        header += (c ? "\t" : "") + out->page.columns[c].name + ":" + std::string(esql::type_name(out->page.columns[c].type));
      for (std::size_t r = 0; r < out->page.rows(); ++r) {
        std::string row;
        for (std::size_t c = 0; c < out->page.columns.size(); ++c)
          row += (c ? "\t" : "") + esql::cell_json(out->page.columns[c].type, out->page.columns[c].cells[r]);
        got.push_back(row);
      }
      got_warn = out->warnings;
      std::string want_header = expect.empty() ? "" : expect[0];
      for (std::size_t k = 1; k < expect.size(); ++k) {
        if (expect[k].rfind("warning: ", 0) == 0) want_warn.push_back(expect[k].substr(9));
        else if (expect[k] != "(empty)") want.push_back(expect[k]);
      }
      if (rowsort) {
        std::sort(got.begin(), got.end());
        std::sort(want.begin(), want.end());
      }
      std::sort(got_warn.begin(), got_warn.end());
      std::sort(want_warn.begin(), want_warn.end());
      if (header != want_header) f.fail(at, "columns: " + header + "\n  expected: " + want_header);
      else if (got != want) f.fail(at, "rows:\n" + join(got, "\n") + "\n  expected:\n" + join(want, "\n"));
      else if (got_warn != want_warn) f.fail(at, "warnings:\n" + join(got_warn, "\n") + "\n  expected:\n" + join(want_warn, "\n"));
      else f.pass();
    } else {
      f.fail(at, "unknown directive: " + line);
      return;
    }
  }
}

}  // namespace rulelab::testrunner
