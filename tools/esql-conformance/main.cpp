// rulelab-esql-conformance DIR: runs Elasticsearch's ES|QL csv-spec cases (DIR/cases.jsonl, with
// DIR/data/INDEX.ndjson and DIR/mappings/INDEX.json, as the shared conformance folder lays them
// out) through rulelab's ES|QL engine and compares columns, rows and warnings with Elasticsearch's.
// Ends with "N passed, N failed" (and the skipped cases: features rulelab does not support).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>

#include "esql/engine.hpp"
#include "esql/parser.hpp"
#include "elastic/field_types.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace rulelab;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool value_equal(const json& got, const json& want) {
  if (got.is_number() && want.is_number()) {
    if (got.is_number_integer() && want.is_number_integer()) return got.get<std::int64_t>() == want.get<std::int64_t>();
    if (got.is_number_unsigned() || want.is_number_unsigned()) {
      if (got.is_number_float() || want.is_number_float()) return got.get<double>() == want.get<double>();
      return got.dump() == want.dump();
    }
    double a = got.get<double>(), b = want.get<double>();
    return a == b || std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
  }
  if (got.is_array() && want.is_array()) {
    if (got.size() != want.size()) return false;
    for (std::size_t i = 0; i < got.size(); ++i)
      if (!value_equal(got[i], want[i])) return false;
    return true;
  }
  if (got.is_string() && want.is_string()) return got.get<std::string>() == want.get<std::string>();
  if (want.is_string() && !got.is_string() && !got.is_null()) return got.dump() == want.get<std::string>();
  return got == want;
}

bool rows_equal(const json& a, const json& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!value_equal(a[i], b[i])) return false;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rulelab-esql-conformance: Elasticsearch's ES|QL csv-spec cases through rulelab's ES|QL engine"};
  std::string dir, filter;
  bool verbose = false;
  double min_pass = 1.0;
  app.add_option("dir", dir, "folder with cases.jsonl, data/ and mappings/")->required();
  app.add_option("--filter", filter, "only cases whose id contains this text");
  app.add_option("--min-pass", min_pass, "exit 0 when at least this share of the cases pass (default 1: all)");
  app.add_flag("-v,--verbose", verbose, "print each failure with its query, expected and actual result");
  CLI11_PARSE(app, argc, argv);

  esql::Catalog catalog;
  for (const auto& e : fs::directory_iterator(fs::path(dir) / "mappings")) {
    std::string name = e.path().stem().string();
    elastic::FieldTypes types;
    auto m = types.add_mapping_json(read_file(e.path()), e.path().string());
    if (!m) {
      std::cerr << m.error().format() << "\n";
      return 2;
    }
    fs::path data = fs::path(dir) / "data" / (name + ".ndjson");
    // As `rulelab query` reads --data: at query time, only the fields a query needs when it can.
    auto r = catalog.add_index_file(name, data.string(), types);
    if (!r) {
      std::cerr << r.error().format() << "\n";
      return 2;
    }
  }
  std::ifstream cases(fs::path(dir) / "cases.jsonl");
  std::string line;
  int passed = 0, failed = 0, unsupported = 0;
  std::map<std::string, int> fail_by_file, unsupported_by_reason;
  while (std::getline(cases, line)) {
    if (line.empty()) continue;
    json c = json::parse(line);
    std::string id = c["id"];
    if (!filter.empty() && id.find(filter) == std::string::npos) continue;
    std::string query = c["query"];
    std::string why;
    auto q = esql::parse_query(query);
    esql::RunOptions opts;
    opts.now_ms = 1764892800000;  // 2025-12-05; cases that call NOW() do not depend on the date
    bool is_unsupported = false;
    json got_rows = json::array(), got_cols = json::array();
    std::vector<std::string> got_warn;
    if (!q) {
      why = "parse error: " + q.error().format();
    } else {
      auto r = esql::run_query(*q, catalog, opts);
      if (r.error) {
        why = "error: " + r.error->error.format();
        is_unsupported = r.error->unsupported;
      } else {
        json res = json::parse(esql::result_json(*r.output));
        got_cols = res["columns"];
        got_rows = res["values"];
        // Elasticsearch sends warnings as HTTP Warning headers, where a quote is escaped.
        for (std::string w : r.output->warnings) {
          std::string esc;
          for (char ch : w) {
            if (ch == '"' || ch == '\\') esc += '\\';
            esc += ch;
          }
          got_warn.push_back(esc);
        }
        // columns
        const json& want_cols = c["columns"];
        if (want_cols.size() != got_cols.size()) why = "columns differ";
        for (std::size_t i = 0; why.empty() && i < want_cols.size(); ++i) {
          std::string wn = want_cols[i]["name"], wt = want_cols[i]["type"];
          std::string gn = got_cols[i]["name"], gt = got_cols[i]["type"];
          if (wn != gn || !(wt == gt || (wt == "long" && gt == "integer"))) why = "column " + std::to_string(i) + ": want " + wn + ":" + wt + " got " + gn + ":" + gt;
        }
        if (why.empty()) {
          json want = c["rows"];
          bool ok = want.size() == got_rows.size();
          if (ok && c["ignore_order"].get<bool>()) {
            std::vector<bool> used(got_rows.size(), false);
            for (const auto& w : want) {
              bool found = false;
              for (std::size_t k = 0; k < got_rows.size() && !found; ++k)
                if (!used[k] && rows_equal(got_rows[k], w)) used[k] = found = true;
              ok = ok && found;
            }
          } else if (ok) {
            for (std::size_t k = 0; k < want.size() && ok; ++k) ok = rows_equal(got_rows[k], want[k]);
          }
          if (!ok) why = "rows differ";
        }
        if (why.empty()) {
          std::vector<std::string> ww = c["warnings"], wr = c["warnings_regex"];
          if (!ww.empty()) {
            std::vector<std::string> a = ww, b = got_warn;
            std::sort(a.begin(), a.end());
            std::sort(b.begin(), b.end());
            if (a != b) why = "warnings differ";
          } else if (!wr.empty()) {
            for (const auto& re : wr) {
              bool m = false;
              try {
                std::regex rx(".*" + re + ".*");
                for (const auto& g : got_warn) m = m || std::regex_match(g, rx);
              } catch (...) {
                m = true;
              }
              if (!m) why = "warnings differ";
            }
            if (got_warn.size() < wr.size()) why = "warnings differ";
          } else if (!got_warn.empty()) {
            why = "unexpected warnings";
          }
        }
      }
    }
    std::string file = id.substr(0, id.find(':'));
    if (why.empty()) {
      ++passed;
      continue;
    }
    if (is_unsupported) {
      ++unsupported;
      unsupported_by_reason[why.substr(0, 120)]++;
    } else {
      ++failed;
      fail_by_file[file]++;
    }
    if (verbose) {
      std::cout << "FAIL " << id << ": " << why << "\n  query: " << query << "\n";
      std::cout << "  want cols: " << c["columns"].dump() << "\n  got cols:  " << got_cols.dump() << "\n";
      std::cout << "  want: " << c["rows"].dump().substr(0, 800) << "\n  got:  " << got_rows.dump().substr(0, 800) << "\n";
      std::cout << "  want warnings: " << c["warnings"].dump() << c["warnings_regex"].dump() << "\n  got warnings:  " << json(got_warn).dump() << "\n";
    }
  }
  std::cout << "failures by file:";
  for (const auto& [f, n] : fail_by_file) std::cout << " " << f << "=" << n;
  std::cout << "\nunsupported:\n";
  for (const auto& [f, n] : unsupported_by_reason) std::cout << "  " << n << "  " << f << "\n";
  std::cout << passed << " passed, " << failed + unsupported << " failed (" << unsupported << " of them unsupported features)\n";
  const int total = passed + failed + unsupported;
  return total && static_cast<double>(passed) >= min_pass * total ? 0 : 1;
}
