// The Kusto dialect of the query test runner (`dialect kusto`, format in README.md, "Data-driven
// tests", after DuckDB's sqllogictest): inline fixtures, queries with expected rows, expected
// errors and warnings, run by the Kusto engine (src/engine).
#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "core/datetime.hpp"
#include "engine/engine.hpp"
#include "engine/value.hpp"
#include "runner.hpp"

using namespace rulelab;

namespace {

std::vector<std::string> split_tabs(const std::string& s) {
  std::vector<std::string> out;
  std::size_t p = 0;
  while (true) {
    std::size_t q = s.find('\t', p);
    out.push_back(s.substr(p, q == std::string::npos ? std::string::npos : q - p));
    if (q == std::string::npos) break;
    p = q + 1;
  }
  return out;
}

std::string cell(const Column& c, std::size_t r) {
  if (c.type() != Type::String && c.is_null(r)) return "NULL";
  std::string s = engine::format_cell(c, r);
  if (s.empty()) return "(empty)";
  for (char& ch : s) if (ch == '\t' || ch == '\n') ch = ' ';
  return s;
}

struct Runner {
  explicit Runner(testrunner::FileRun& file) : f(file) {}

  testrunner::FileRun& f;
  engine::Engine eng;
  std::int64_t now = 0;
  std::vector<Error> last_warnings;  // of the last query (checked by `warning`)

  void fail(std::size_t line, const std::string& what) { f.fail(line, what); }

  bool load_data(const std::string& name, const std::vector<std::string>& lines, std::size_t line_no) {
    if (lines.empty()) { fail(line_no, "data " + name + ": missing header"); return false; }
    Schema s;
    s.table = name;
    for (auto& h : split_tabs(lines[0])) {
      auto colon = h.find(':');
      auto t = colon == std::string::npos ? std::optional<Type>() : parse_type_name(h.substr(colon + 1));
      if (!t) { fail(line_no, "data " + name + ": bad column '" + h + "' (want name:type)"); return false; }
      s.fields.push_back({h.substr(0, colon), *t});
    }
    Table t;
    t.schema = s;
    Batch b = Batch::empty_for(s);
    JsonParser jp;
    for (std::size_t i = 1; i < lines.size(); ++i) {
      auto cells = split_tabs(lines[i]);
      if (cells.size() != s.fields.size()) { fail(line_no + i, "data row has " + std::to_string(cells.size()) + " cells"); return false; }
      for (std::size_t c = 0; c < cells.size(); ++c) {
        Column& col = b.columns[c];
        const std::string& v = cells[c];
        if (v == "NULL") { col.append_null(); continue; }
        const std::string text = v == "(empty)" ? "" : v;
        if (s.fields[c].type == Type::Dynamic) {
          std::string bytes;
          if (jp.parse(text, bytes)) { fail(line_no + i, "bad JSON: " + text); return false; }
          col.append_dynamic_bytes(bytes);
          continue;
        }
        engine::Value x = engine::convert_to(engine::Value::of_string(text), s.fields[c].type);
        if (x.is_null() && s.fields[c].type != Type::String) { fail(line_no + i, "cannot read '" + text + "' as " + std::string(type_name(s.fields[c].type))); return false; }
        engine::append_value(col, x);
      }
      b.sources.push_back(RowSource{0, static_cast<std::uint32_t>(line_no + i)});
    }
    t.sources.push_back(f.file);
    t.batches.push_back(std::move(b));
    eng.add_table(name, std::make_shared<const Table>(std::move(t)));
    return true;
  }

  void run_query(const std::string& mode, const std::string& q, const std::vector<std::string>& expected, std::size_t line_no) {
    std::vector<engine::ResultTable> out;
    engine::EngineError err;
    engine::RunOptions ro;
    ro.now_ticks = now;
    last_warnings.clear();
    ro.warnings = &last_warnings;
    if (!eng.run(q, kusto::QueryLocation::identity(f.file), ro, out, err)) {
      fail(line_no, "query failed: " + err.error.format());
      return;
    }
    // One table: its header and rows. Several (fork, facet): each as `== NAME`, header, rows.
    // rowsort sorts the rows within each table.
    auto render = [&](const Table& t, std::vector<std::string>& lines) {
      std::string header;
      for (std::size_t c = 0; c < t.schema.fields.size(); ++c) header += (c ? "\t" : "") + t.schema.fields[c].name;
      lines.push_back(header);
      const std::size_t first = lines.size();
      for (auto& b : t.batches)
        for (std::size_t r = 0; r < b.rows(); ++r) {
          std::string row;
          for (std::size_t c = 0; c < b.columns.size(); ++c) row += (c ? "\t" : "") + cell(b.columns[c], r);
          lines.push_back(row);
        }
      if (mode == "rowsort") std::sort(lines.begin() + static_cast<std::ptrdiff_t>(first), lines.end());
    };
    std::vector<std::string> got;
    if (out.size() == 1) render(out[0].table, got);
    else
      for (auto& rt : out) {
        got.push_back("== " + rt.name);
        render(rt.table, got);
      }
    std::vector<std::string> want = expected;
    if (mode == "rowsort") {  // sort each table's rows: after a header (the first line or the one after `== `)
      std::size_t i = 0;
      while (i < want.size()) {
        if (want[i].rfind("== ", 0) == 0) ++i;
        const std::size_t from = i + 1;
        std::size_t to = from;
        while (to < want.size() && want[to].rfind("== ", 0) != 0) ++to;
        if (from < to) std::sort(want.begin() + static_cast<std::ptrdiff_t>(from), want.begin() + static_cast<std::ptrdiff_t>(to));
        i = to;
      }
    }
    if (want.empty()) want.push_back("");
    if (got != want) {
      std::ostringstream m;
      m << "result differs\n  query: " << q << "\n  expected:\n";
      for (auto& w : want) m << "    " << w << "\n";
      m << "  got:\n";
      for (auto& g : got) m << "    " << g << "\n";
      fail(line_no, m.str());
      return;
    }
    f.pass();
  }

  void run_error(const std::string& pos, bool want_unsupported, const std::string& q, const std::string& substr, std::size_t line_no) {
    Table out;
    engine::EngineError err;
    engine::RunOptions ro;
    ro.now_ticks = now;
    if (eng.run(q, kusto::QueryLocation::identity(f.file), ro, out, err)) { fail(line_no, "expected an error, the query succeeded: " + q); return; }
    if (want_unsupported && !err.unsupported) { fail(line_no, "expected an 'unsupported' error, got: " + err.error.format()); return; }
    if (!pos.empty()) {
      std::string got = std::to_string(err.error.line) + ":" + std::to_string(err.error.column);
      if (got != pos) { fail(line_no, "error at " + got + ", expected " + pos + ": " + err.error.format()); return; }
    }
    if (!substr.empty() && err.error.message.find(substr) == std::string::npos) {
      fail(line_no, "error message lacks '" + substr + "': " + err.error.format());
      return;
    }
    f.pass();
  }

  void run(std::size_t first) {
    const std::vector<std::string>& lines = f.lines;
    for (std::size_t i = first; i < lines.size();) {
      const std::string& l = lines[i];
      if (l.empty() || l[0] == '#') { ++i; continue; }
      const std::size_t at = i + 1;
      std::istringstream ws(l);
      std::string word;
      ws >> word;
      auto block = [&](std::size_t from, bool until_sep) {
        std::vector<std::string> b;
        std::size_t j = from;
        while (j < lines.size() && !lines[j].empty() && !(until_sep && lines[j] == "----")) b.push_back(lines[j++]);
        return std::make_pair(b, j);
      };
      if (word == "now") {
        std::string t;
        ws >> t;
        auto dt = parse_datetime(t);
        if (!dt) { fail(at, "bad datetime " + t); return; }
        now = dt->ticks;
        ++i;
      } else if (word == "data") {
        std::string name;
        ws >> name;
        auto [b, j] = block(i + 1, false);
        load_data(name, b, at);
        i = j;
      } else if (word == "query") {
        std::string mode;
        ws >> mode;
        if (mode != "nosort" && mode != "rowsort") { fail(at, "query needs nosort or rowsort"); return; }
        auto [qb, j] = block(i + 1, true);
        if (j >= lines.size() || lines[j] != "----") { fail(at, "query without ----"); return; }
        std::string q;
        for (auto& x : qb) q += (q.empty() ? "" : "\n") + x;
        auto [eb, k] = block(j + 1, false);
        run_query(mode, q, eb, at);
        i = k;
      } else if (word == "warning") {
        // the previous query reported a warning whose message contains the rest of the line
        std::string substr;
        std::getline(ws >> std::ws, substr);
        bool found = false;
        for (auto& w : last_warnings) found = found || w.message.find(substr) != std::string::npos;
        if (found) f.pass();
        else {
          std::string got;
          for (auto& w : last_warnings) got += "\n    " + w.format();
          fail(at, "no warning containing '" + substr + "'; warnings:" + (got.empty() ? " none" : got));
        }
        ++i;
      } else if (word == "statement") {
        std::string kind, pos;
        ws >> kind >> pos;
        if (kind != "error" && kind != "unsupported") { fail(at, "statement error|unsupported"); return; }
        auto [qb, j] = block(i + 1, true);
        std::string q;
        for (auto& x : qb) q += (q.empty() ? "" : "\n") + x;
        std::string substr;
        std::size_t k = j;
        if (j < lines.size() && lines[j] == "----") {
          if (j + 1 < lines.size()) substr = lines[j + 1];
          k = j + 2;
        }
        run_error(pos, kind == "unsupported", q, substr, at);
        i = k;
      } else {
        fail(at, "unknown directive '" + word + "'");
        ++i;
      }
    }
  }
};

}  // namespace

void rulelab::testrunner::run_kusto(FileRun& f, std::size_t first) {
  Runner r(f);
  r.run(first);
}
