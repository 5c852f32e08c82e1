// rulelab ingest FILE: what was read, rejected, and the schema.
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/data_spec.hpp"
#include "commands.hpp"
#include "core/ingest.hpp"
#include "core/schema.hpp"

namespace rulelab::cli {

namespace {

struct IngestArgs {
  std::string file, table, schema, format = "table", input_format = "auto", columns, date_order;
  bool strict = false, documents = false;
  unsigned threads = 0;
};

int run_ingest(const IngestArgs& a) {
  IngestOptions opt;
  opt.table = a.table;
  opt.strict = a.strict;
  opt.threads = a.threads;
  opt.documents = a.documents;
  opt.date_order = date_order_of(a.date_order);
  if (a.input_format == "ndjson") opt.format = InputFormat::NDJson;
  else if (a.input_format == "json") opt.format = InputFormat::JsonArray;
  else if (a.input_format == "csv") opt.format = InputFormat::Csv;
  for (std::size_t pos = 0; pos < a.columns.size();) {
    std::size_t comma = a.columns.find(',', pos);
    if (comma == std::string::npos) comma = a.columns.size();
    if (comma > pos) opt.columns.push_back(a.columns.substr(pos, comma - pos));
    pos = comma + 1;
  }
  if (!a.schema.empty()) {
    if (std::filesystem::is_directory(a.schema)) {
      std::vector<Error> skipped;
      auto dir = load_schema_dir(a.schema, &skipped);
      if (!dir) { std::cerr << dir.error().format() << "\n"; return 1; }
      for (const auto& e : skipped) std::cerr << "warning: schema file skipped: " << e.format() << "\n";
      std::string table = a.table.empty() ? app::data_name_of_file(a.file, a.documents) : a.table;
      auto it = dir->find(table);
      if (it == dir->end()) {
        std::cerr << a.schema << ": no schema for table " << table << " (name it with --table)\n";
        return 1;
      }
      opt.schema = it->second;
    } else {
      auto s = load_schema_file(a.schema);
      if (!s) { std::cerr << s.error().format() << "\n"; return 1; }
      opt.schema = *s;
    }
  }
  auto res = ingest_file(a.file, opt);
  if (!res) {
    std::cerr << res.error().format() << "\n";
    return 1;
  }
  const IngestStats& st = res->stats;
  const Schema& schema = res->table.schema;
  const char* origin = st.schema_inferred ? "inferred" : st.schema_builtin ? "built-in" : opt.documents ? "documents" : "given";
  if (a.format == "json") {
    nlohmann::json j;
    j["file"] = st.file;
    j["format"] = std::string(format_name(st.format));
    j["table"] = schema.table;
    j["schema"] = origin;
    j["bytes"] = st.bytes;
    j["records"] = st.records;
    j["rows"] = st.rows;
    j["rejected"] = st.rejected;
    j["filtered"] = st.filtered;
    auto& rej = j["rejections"] = nlohmann::json::array();
    for (const auto& r : st.first_rejections) rej.push_back({{"line", r.line}, {"reason", r.reason}});
    j["warnings"] = st.warnings;
    j["notes"] = st.notes;
    auto& cols = j["columns"] = nlohmann::json::array();
    for (const auto& f : schema.fields) cols.push_back({{"name", f.name}, {"type", std::string(type_name(f.type))}});
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << "file:     " << st.file << " (" << format_name(st.format) << ", " << st.bytes << " bytes)\n";
  std::cout << "table:    " << schema.table << " (" << origin << " schema, " << schema.fields.size() << " columns)\n";
  std::cout << "rows:     " << st.rows << "\n";
  std::cout << "rejected: " << st.rejected << "\n";
  if (st.filtered) std::cout << "filtered: " << st.filtered << "\n";
  std::cout << "records:  " << st.records << " (rows + rejected" << (st.filtered ? " + filtered" : "") << ")\n";
  if (!st.first_rejections.empty()) {
    std::cout << "\nrejected records" << (st.rejected > st.first_rejections.size() ? " (first " + std::to_string(st.first_rejections.size()) + ")" : "") << ":\n";
    for (const auto& r : st.first_rejections) std::cout << "  " << st.file << ":" << r.line << ": " << r.reason << "\n";
  }
  if (!st.warnings.empty()) {
    std::cout << "\nwarnings:\n";
    for (const auto& w : st.warnings) std::cout << "  " << w << "\n";
  }
  if (!st.notes.empty()) {
    std::cout << "\nnotes:\n";
    for (const auto& n : st.notes) std::cout << "  " << n << "\n";
  }
  std::cout << "\ncolumns:\n";
  std::size_t width = 0;
  for (const auto& f : schema.fields) width = std::max(width, f.name.size());
  for (const auto& f : schema.fields) std::cout << "  " << f.name << std::string(width - f.name.size() + 2, ' ') << type_name(f.type) << "\n";
  return 0;
}

}  // namespace

void add_ingest(CLI::App& app, Registry& r) {
  auto a = std::make_shared<IngestArgs>();
  CLI::App* sub = app.add_subcommand("ingest", "Read a log file (NDJSON, JSON array, CSV; gzip or not) and report rows, rejects and schema");
  sub->add_option("file", a->file, "log file")->required();
  sub->add_option("--table", a->table, "table name (picks a built-in schema such as AuditLogs)");
  sub->add_option("--schema", a->schema, "schema file ({\"Name\",\"Properties\"}) or a directory of them");
  sub->add_option("--format", a->format, "output: table or json")->check(CLI::IsMember({"table", "json"}));
  sub->add_option("--input-format", a->input_format, "auto, ndjson, json or csv")->check(CLI::IsMember({"auto", "ndjson", "json", "csv"}));
  sub->add_option("--columns", a->columns, "read only these columns (comma-separated)");
  sub->add_option("--threads", a->threads, "parsing threads (default: one per core)");
  sub->add_flag("--strict", a->strict, "a record that cannot be read is fatal");
  sub->add_flag("--documents", a->documents, "read records as whole documents (Elastic _source)");
  add_date_order_option(sub, a->date_order);
  r.add(sub, [a] { return run_ingest(*a); });
}

}  // namespace rulelab::cli
