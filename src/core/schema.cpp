#include "core/schema.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace rulelab {

namespace {

// Drops // comments and commas that stand before a closing bracket, outside strings.
std::string relax_json(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) out += text[++i];
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') { in_string = true; out += c; continue; }
    if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i < text.size() && text[i] != '\n') ++i;
      out += '\n';
      continue;
    }
    if (c == ',') {
      std::size_t j = i + 1;
      while (j < text.size() && std::isspace(static_cast<unsigned char>(text[j]))) ++j;
      if (j < text.size() && (text[j] == '}' || text[j] == ']')) continue;
    }
    out += c;
  }
  return out;
}

const nlohmann::json* member_ci(const nlohmann::json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    const std::string& k = it.key();
    if (k.size() == key.size() &&
        std::equal(k.begin(), k.end(), key.begin(), [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); }))
      return &*it;
  }
  return nullptr;
}

// A column type as the Azure-Sentinel custom-table files spell it. The repository's KQL validation
// loads every file of .script/tests/KqlvalidationsTests/CustomTables, which also write the Kusto
// type names with spaces around them ("string ", " string", "int ") and three names that are not
// Kusto's: "Integer" (.NET's 32-bit Integer, Kusto int), "bigint" (SQL's 64-bit integer, Kusto
// long) and "Date/time" (the HTTP Data Collector API's name for the type of its _t columns,
// Kusto datetime).
std::optional<Type> schema_type_name(std::string_view t) {
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
  std::string l(t);
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (l == "integer") return Type::Int;
  if (l == "bigint") return Type::Long;
  if (l == "date/time") return Type::DateTime;
  return parse_type_name(t);
}

}  // namespace

Result<Schema> parse_schema_json(std::string_view text, const std::string& origin) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(relax_json(text));
  } catch (const nlohmann::json::parse_error& e) {
    return Error{std::string("not a schema file: ") + e.what(), origin};
  }
  Schema s;
  if (const auto* name = member_ci(j, "Name"); name && name->is_string()) s.table = name->get<std::string>();
  const auto* props = member_ci(j, "Properties");
  if (!props || !props->is_array())
    return Error{"schema file has no \"Properties\" list of {\"name\", \"type\"}", origin};
  for (const auto& p : *props) {
    const auto* n = member_ci(p, "name");
    const auto* t = member_ci(p, "type");
    if (!n || !t || !n->is_string() || !t->is_string())
      return Error{"schema property without string \"name\" and \"type\": " + p.dump(), origin};
    auto type = schema_type_name(t->get<std::string>());
    if (!type) return Error{"unknown column type \"" + t->get<std::string>() + "\" for column " + n->get<std::string>(), origin};
    if (s.index_of(n->get<std::string>()) >= 0) continue;  // repeated column: first wins
    s.fields.push_back({n->get<std::string>(), *type});
  }
  if (s.table.empty()) s.table = std::filesystem::path(origin).stem().string();
  return s;
}

Result<Schema> load_schema_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot open schema file", path};
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_schema_json(ss.str(), path);
}

Result<std::map<std::string, Schema>> load_schema_dir(const std::string& dir, std::vector<Error>* skipped) {
  std::map<std::string, Schema> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return Error{"not a directory", dir};
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto s = load_schema_file(f.string());
    if (!s && skipped) {
      skipped->push_back(s.error());
      continue;
    }
    if (!s) return s.error();
    out.emplace(s->table, std::move(*s));
  }
  return out;
}

std::optional<Schema> builtin_schema(std::string_view table) {
  std::string_view text = builtin_schema_text();
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || line.substr(0, colon) != table) continue;
    Schema s;
    s.table = std::string(table);
    std::string_view cols = line.substr(colon + 1);
    while (!cols.empty()) {
      std::size_t comma = cols.find(',');
      std::string_view item = cols.substr(0, comma);
      const std::size_t sp = item.find(' ');
      s.fields.push_back({std::string(item.substr(0, sp)), parse_type_name(item.substr(sp + 1)).value_or(Type::String)});
      if (comma == std::string_view::npos) break;
      cols.remove_prefix(comma + 1);
    }
    return s;
  }
  return std::nullopt;
}

std::vector<std::string> builtin_schema_names() {
  std::vector<std::string> names;
  std::string_view text = builtin_schema_text();
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (auto colon = line.find(':'); colon != std::string_view::npos) names.emplace_back(line.substr(0, colon));
    pos = end + 1;
  }
  return names;
}

}  // namespace rulelab
