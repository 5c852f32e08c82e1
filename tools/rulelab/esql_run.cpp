// rulelab query --dialect esql: an ES|QL query over the documents given, each --data NAME=FILE an
// index, typed by --mapping NAME=FILE (or one mapping for every index), then ECS, then
// Elasticsearch's dynamic mapping. Output: a table, or Elasticsearch's ES|QL response JSON.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/data_spec.hpp"
#include "app/elastic_data.hpp"
#include "commands.hpp"
#include "core/datetime.hpp"
#include "esql/engine.hpp"
#include "esql/parser.hpp"
#include "elastic/field_types.hpp"

namespace rulelab::cli {

namespace {

// --param NAME=VALUE (NAME an identifier) or --param VALUE: VALUE read as the ES|QL API reads a
// JSON parameter (an integer is integer when it fits, else long; a fraction double; a string
// keyword), or, when it is not JSON, as a string.
Result<esql::Param> parse_param(const std::string& spec) {
  esql::Param p;
  std::string value = spec;
  const std::size_t eq = spec.find('=');
  if (eq != std::string::npos && eq > 0) {
    const std::string name = spec.substr(0, eq);
    const bool ident = (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_') &&
                       std::all_of(name.begin(), name.end(), [](unsigned char ch) { return std::isalnum(ch) || ch == '_'; });
    if (ident) {
      p.name = name;
      value = spec.substr(eq + 1);
    }
  }
  const nlohmann::json j = nlohmann::json::parse(value, nullptr, false);
  if (j.is_discarded() || j.is_string()) {
    p.type = esql::Type::Keyword;
    p.value = esql::Scalar::of_str(j.is_string() ? j.get<std::string>() : value);
  } else if (j.is_boolean()) {
    p.type = esql::Type::Boolean;
    p.value = esql::Scalar::of_int(j.get<bool>() ? 1 : 0);
  } else if (j.is_number_integer() && (j.is_number_unsigned() ? j.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX) : true)) {
    const std::int64_t v = j.get<std::int64_t>();
    p.type = v >= INT32_MIN && v <= INT32_MAX ? esql::Type::Integer : esql::Type::Long;
    p.value = esql::Scalar::of_int(v);
  } else if (j.is_number()) {
    p.type = esql::Type::Double;
    p.value = esql::Scalar::of_double(j.get<double>());
  } else if (j.is_null()) {
    p.type = esql::Type::Null;
  } else {
    return Error("--param " + spec + ": a parameter is one value (an array or object is not supported)");
  }
  return p;
}

}  // namespace

int query_esql(const QueryArgs& a, const std::vector<std::string>& mappings) {
  std::vector<esql::Param> params;
  for (const auto& spec : a.params) {
    auto p = parse_param(spec);
    if (!p) {
      std::cerr << p.error().format() << "\n";
      return 2;
    }
    params.push_back(std::move(*p));
  }
  // The API's params are either all named or all unnamed (RequestXContent).
  std::string named, unnamed;
  for (std::size_t k = 0; k < params.size(); ++k) {
    std::string& list = params[k].name.empty() ? unnamed : named;
    list += (list.empty() ? "{" : ", {") + a.params[k] + "}";
  }
  if (!named.empty() && !unnamed.empty()) {
    std::cerr << "--param: Params cannot contain both named and unnamed parameters; got [" << named << "] and [" << unnamed
              << "] (a value holding `=` after a name is named: quote it as JSON, --param '\"a=b\"')\n";
    return 2;
  }
  auto q = esql::parse_query(a.query, {}, params);
  if (!q) {
    std::cerr << q.error().format() << "\n";
    return 1;
  }
  std::int64_t now_ms = 0;
  if (!a.now.empty()) {
    auto t = app::parse_now(a.now);  // (as every command reads --now)
    if (!t) {
      std::cerr << t.error().message << "\n";
      return 1;
    }
    now_ms = t->ticks / 10000;
  } else {
    now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  }
  // Mappings: NAME=FILE for one index, FILE for all.
  std::map<std::string, std::string> by_index;
  std::string global;
  for (const auto& m : mappings) {
    auto eq = m.find('=');
    if (eq == std::string::npos) global = m;
    else by_index[m.substr(0, eq)] = m.substr(eq + 1);
  }
  esql::Catalog catalog;
  for (const auto& spec : a.data) {
    app::DataSpec d = app::parse_data_spec(spec, true);
    elastic::FieldTypes types = elastic::FieldTypes::builtin();
    std::string mfile = by_index.count(d.name) ? by_index[d.name] : global;
    if (!mfile.empty()) {
      std::ifstream in(mfile, std::ios::binary);
      if (!in) {
        std::cerr << "cannot read mapping " << mfile << "\n";
        return 1;
      }
      std::stringstream ss;
      ss << in.rdbuf();
      auto r = types.add_mapping_json(ss.str(), mfile);
      if (!r) {
        std::cerr << r.error().format() << "\n";
        return 1;
      }
    }
    // An integration data stream's index (or Kibana's alerts index) has that mapping's fields, under
    // the user's (app::index_field_types).
    std::string source;
    const auto own = app::index_field_types(types, d.name, &source);
    if (own) std::cerr << "note: index " << d.name << ": fields typed by " << source << "\n";
    auto r = catalog.add_index_file(d.name, d.file, own ? *own : types);
    if (!r) {
      std::cerr << r.error().format() << "\n";
      return 1;
    }
  }
  esql::RunOptions opts;
  opts.now_ms = now_ms;
  opts.stream = !a.no_pushdown;
  opts.max_rows = a.limits.max_rows;
  if (!a.completions.empty()) {
    auto answers = esql::read_completion_answers(a.completions);
    if (!answers) {
      std::cerr << answers.error().format() << "\n";
      return 1;
    }
    opts.completions = std::move(*answers);
  }
  auto r = esql::run_query(*q, catalog, opts);
  if (r.error) {
    std::cerr << r.error->error.format() << "\n";
    return 1;
  }
  const esql::RunOutput& out = *r.output;
  for (const auto& n : out.notes) std::cerr << "note: " << n << "\n";
  if (a.format == "json") {
    std::cout << esql::result_json(out) << "\n";
    return 0;
  }
  for (const auto& w : out.warnings) std::cerr << "warning: " << w << "\n";
  if (a.format == "ndjson" || a.format == "csv") {
    for (std::size_t row = 0; row < out.page.rows(); ++row) {
      std::string line = a.format == "csv" ? "" : "{";
      for (std::size_t c = 0; c < out.page.columns.size(); ++c) {
        const auto& col = out.page.columns[c];
        if (a.format == "csv") line += (c ? "," : "") + esql::cell_json(col.type, col.cells[row]);
        else line += (c ? ",\"" : "\"") + col.name + "\":" + esql::cell_json(col.type, col.cells[row]);
      }
      std::cout << line << (a.format == "csv" ? "" : "}") << "\n";
    }
    return 0;
  }
  std::cout << out.page.rows() << " row" << (out.page.rows() == 1 ? "" : "s") << "\n";
  for (std::size_t c = 0; c < out.page.columns.size(); ++c)
    std::cout << (c ? "\t" : "") << out.page.columns[c].name << ":" << esql::type_name(out.page.columns[c].type);
  std::cout << "\n";
  for (std::size_t row = 0; row < out.page.rows(); ++row) {
    for (std::size_t c = 0; c < out.page.columns.size(); ++c)
      std::cout << (c ? "\t" : "") << esql::cell_json(out.page.columns[c].type, out.page.columns[c].cells[row]);
    std::cout << "\n";
  }
  return 0;
}

}  // namespace rulelab::cli
