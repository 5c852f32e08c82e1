// The EQL dialect of the query test runner (`dialect eql`, format in README.md, "Data-driven
// tests"): EQL queries over inline NDJSON documents, run by the EQL parser and engine (src/eql);
// expected results are document ids, one event or one sequence / sample a line. `cases FILE`
// runs the Elasticsearch EQL QA cases of a JSON-lines file (tests/data/eql/cases.jsonl).
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "eql/engine.hpp"
#include "eql/parser.hpp"
#include "runner.hpp"
#include <nlohmann/json.hpp>

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

// The numeric id of a conformance case's event in `field`; -1 for a missing-event stage.
std::int64_t id_of(const Doc* d, const std::string& field) {
  if (!d) return -1;
  std::vector<DynRef> vals;
  collect_values(d->source, field, vals);
  for (auto v : vals)
    if (v.is_number()) return static_cast<std::int64_t>(v.as_number());
  return -2;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.pop_back();
  return s;
}

bool slurp(const std::filesystem::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

struct Runner {
  explicit Runner(testrunner::FileRun& file) : f(file) {}

  testrunner::FileRun& f;
  std::vector<std::string> lines;  // f.lines without trailing blanks
  std::size_t i = 0;
  EventStore store;
  RunOptions opts;

  void fail(std::size_t line, const std::string& what) { f.fail(line, what); }

  std::string block_until(const std::string& end) {
    std::string text;
    while (i < lines.size() && lines[i] != end) text += lines[i++] + "\n";
    ++i;
    return text;
  }

  // `cases FILE [KNOWN_FAILURES]`: one case per JSON line (format in tests/data/eql/README.md),
  // paths relative to the .test file. A case named in KNOWN_FAILURES must fail (each line starts
  // with a case id; `#` comments); every other case must give Elasticsearch's event ids.
  void run_cases(std::size_t at, const std::string& cases_file, const std::string& known_file) {
    const std::filesystem::path dir = std::filesystem::path(f.file).parent_path();
    std::set<std::string> known;
    if (!known_file.empty()) {
      std::string text;
      if (!slurp(dir / known_file, text)) { fail(at, "cannot read " + known_file); return; }
      std::istringstream kf(text);
      for (std::string line; std::getline(kf, line);)
        if (!line.empty() && line[0] != '#') known.insert(line.substr(0, line.find_first_of(" \t")));
    }
    std::string all;
    if (!slurp(dir / cases_file, all)) { fail(at, "cannot read " + cases_file); return; }
    std::istringstream cases(all);
    std::size_t case_line = 0;
    for (std::string line; std::getline(cases, line);) {
      ++case_line;
      if (line.empty()) continue;
      const std::string where = cases_file + ":" + std::to_string(case_line);
      const nlohmann::json c = nlohmann::json::parse(line, nullptr, false);
      if (c.is_discarded() || !c.is_object()) { fail(at, where + ": bad JSON"); continue; }
      const std::string id = c.value("id", where);
      EventStore cstore;
      bool loaded = true;
      for (const auto& idx : c["indices"]) {
        const std::string name = idx;
        std::string data, mapping;
        if (!slurp(dir / c["data"][name].get<std::string>(), data) ||
            !slurp(dir / c["mappings"][name].get<std::string>(), mapping)) {
          fail(at, id + ": cannot read the data or mapping of " + name);
          loaded = false;
          break;
        }
        if (auto err = cstore.add_ndjson(name, data)) { fail(at, id + ": bad data: " + err->format()); loaded = false; break; }
        auto m = Mapping::from_json(mapping, name);
        if (!m.ok()) { fail(at, id + ": bad mapping: " + m.error().format()); loaded = false; break; }
        cstore.set_mapping(name, m.value());
      }
      if (!loaded) continue;
      RunOptions o;
      o.timestamp_field = c["timestamp_field"];
      o.category_field = c["event_category_field"];
      const bool sample = c["tiebreaker_field"].is_null();
      if (!sample) o.tiebreaker_field = c["tiebreaker_field"];
      o.size = c["size"];
      if (c["max_samples_per_key"].is_number()) o.max_samples_per_key = c["max_samples_per_key"];
      std::string got_text;
      bool ok = false;
      auto q = parse_query(c["query"].get<std::string>());
      if (!q) {
        got_text = "parse error: " + q.error().format();
      } else {
        auto r = run_query(*q, cstore, o);
        if (!r) {
          got_text = "error: " + r.error().format();
        } else {
          const std::string field = sample ? "id" : o.tiebreaker_field;
          std::vector<std::int64_t> got;
          for (const Doc* d : r->events) got.push_back(id_of(d, field));
          for (const auto& m : r->matches)
            for (const Doc* d : m.events) got.push_back(id_of(d, field));
          const nlohmann::json& exp = c["expected_event_ids"];
          if (!exp.empty() && exp[0].is_array()) {
            for (const auto& alt : exp) ok = ok || alt.get<std::vector<std::int64_t>>() == got;
          } else {
            ok = exp.get<std::vector<std::int64_t>>() == got;
          }
          got_text = nlohmann::json(got).dump();
        }
      }
      const bool is_known = known.count(id) > 0;
      if (ok && is_known) fail(at, id + " passes but is listed in " + known_file);
      else if (ok || is_known) f.pass();
      else
        fail(at, id + " (" + where + ")\n  query: " + c["query"].get<std::string>() + "\n  expected " +
                     c["expected_event_ids"].dump() + "\n  got      " + got_text);
    }
  }

  void run(std::size_t first) {
    for (const auto& l : f.lines) lines.push_back(trim(l));
    opts.tiebreaker_field = "id";
    i = first;
    while (i < lines.size()) {
      const std::string line = lines[i];
      const std::size_t at = i + 1;  // 1-based line of this directive
      ++i;
      if (line.empty() || line[0] == '#') continue;
      std::istringstream words(line);
      std::string cmd;
      words >> cmd;
      if (cmd == "data") {
        std::string index = "test";
        words >> index;
        auto err = store.add_ndjson(index, block_until("end"));
        if (err) { fail(at, "bad data: " + err->format()); return; }
      } else if (cmd == "mapping") {
        std::string index = "test";
        words >> index;
        auto m = Mapping::from_json(block_until("end"), f.file);
        if (!m.ok()) { fail(at, "bad mapping: " + m.error().format()); return; }
        store.set_mapping(index, m.value());
      } else if (cmd == "options") {
        for (std::string kv; words >> kv;) {
          auto eq = kv.find('=');
          std::string k = kv.substr(0, eq), v = eq == std::string::npos ? "" : kv.substr(eq + 1);
          if (k == "tiebreaker") opts.tiebreaker_field = v == "none" ? "" : v;
          else if (k == "size") opts.size = std::stoul(v);
          else if (k == "max_samples") opts.max_samples_per_key = std::stoul(v);
          else if (k == "category") opts.category_field = v;
          else if (k == "timestamp") opts.timestamp_field = v;
          else { fail(at, "unknown option " + k); return; }
        }
      } else if (cmd == "cases") {
        std::string cases_file, known_file;
        words >> cases_file >> known_file;
        if (cases_file.empty()) { fail(at, "cases FILE [KNOWN_FAILURES]"); return; }
        run_cases(at, cases_file, known_file);
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
          if (ok) f.pass();
          else
            fail(at, "expected an error at " + pos + " containing \"" + (expected.empty() ? "" : expected[0]) +
                         "\", got " + where + " " + msg);
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
        if (got == expected) f.pass();
        else {
          std::string e, g;
          for (auto& x : expected) e += "\n    " + x;
          for (auto& x : got) g += "\n    " + x;
          fail(at, trim(query) + "\n  expected:" + (e.empty() ? " (empty)" : e) + "\n  got:" + (g.empty() ? " (empty)" : g));
        }
      } else {
        fail(at, "unknown directive " + cmd);
        return;
      }
    }
  }
};

}  // namespace

void rulelab::testrunner::run_eql(FileRun& f, std::size_t first) {
  Runner r(f);
  r.run(first);
}
