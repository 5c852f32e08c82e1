// ASIM parser YAML loader (kusto/asim_parser.hpp).
#include "kusto/asim_parser.hpp"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "kusto/sentinel_rule.hpp"

namespace rulelab::kusto {
namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A string default as a Kusto literal: the YAML value is the string itself ('*' in YAML is *), as
// Azure-Sentinel's KQL validation and deployment templates quote it.
std::string kusto_string_literal(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

Error at(const std::string& path, const std::string& text, const YAML::Mark& m, std::string msg) {
  if (m.pos < 0) return Error(std::move(msg), path);
  LineInfo li = locate(text, static_cast<std::size_t>(m.pos));
  return Error(std::move(msg), path, li.line, li.column, std::move(li.text));
}

}  // namespace

Result<AsimParser> load_asim_parser_text(const std::string& path, std::string text_in) {
  auto text = std::make_shared<const std::string>(std::move(text_in));
  YAML::Node doc;
  try {
    doc = YAML::Load(*text);
  } catch (const YAML::Exception& e) {
    return at(path, *text, e.mark, "invalid YAML: " + e.msg);
  }
  if (!doc.IsMap() || !doc["ParserName"] || !doc["ParserQuery"])
    return Error("not an ASIM parser: no ParserName and ParserQuery", path);
  const YAML::Node name = doc["ParserName"], query = doc["ParserQuery"];
  if (!name.IsScalar() || trimmed(name.Scalar()).empty()) return at(path, *text, name.Mark(), "ParserName must be a name");
  if (!query.IsScalar()) return at(path, *text, query.Mark(), "ParserQuery must be a string");
  AsimParser p;
  p.file = path;
  p.name = trimmed(name.Scalar());
  if (const YAML::Node b = doc["EquivalentBuiltInParser"]; b && b.IsScalar()) p.builtin_name = trimmed(b.Scalar());
  if (const YAML::Node n = doc["Normalization"]; n && n.IsMap() && n["Schema"] && n["Schema"].IsScalar())
    p.schema = trimmed(n["Schema"].Scalar());
  if (const YAML::Node l = doc["Parsers"]; l && l.IsSequence())
    for (const auto& e : l)
      if (e.IsScalar()) p.parsers.push_back(trimmed(e.Scalar()));
  p.query = query.Scalar();
  const YAML::Node params = doc["ParserParams"];
  if (params && !params.IsSequence() && !(params.IsScalar() && params.Scalar().empty()) && !params.IsNull())
    return at(path, *text, params.Mark(), "ParserParams must be a list of {Name, Type, Default}");
  std::string signature;
  if (params && params.IsSequence()) {
    for (const auto& e : params) {
      if (!e.IsMap() || !e["Name"] || !e["Type"] || !e["Name"].IsScalar() || !e["Type"].IsScalar())
        return at(path, *text, e.Mark(), "a ParserParams entry needs a Name and a Type");
      AsimParserParam pp;
      pp.name = trimmed(e["Name"].Scalar());
      pp.type = lower(trimmed(e["Type"].Scalar()));
      if (const YAML::Node d = e["Default"]; d && d.IsScalar()) {
        pp.has_default = true;
        pp.default_text = pp.type == "string" ? kusto_string_literal(d.Scalar()) : trimmed(d.Scalar());
      }
      signature += (signature.empty() ? "" : ", ") + pp.name + ":" + pp.type + (pp.has_default ? "=" + pp.default_text : "");
      p.params.push_back(std::move(pp));
    }
  }
  const std::size_t query_pos = query.Mark().pos < 0 ? 0 : static_cast<std::size_t>(query.Mark().pos);
  QueryLocation body = yaml_scalar_location(path, text, p.query, query_pos);
  if (p.params.empty()) {
    p.function_text = p.query;
    p.location = std::move(body);
    return p;
  }
  // `let f = (params) {` + ParserQuery + `};` f: the prefix maps to ParserParams, the body to
  // ParserQuery's lines, so that an error in either is reported where it is written.
  const std::string fn = "__asim_" + p.name;
  const std::string prefix = "let " + fn + " = (" + signature + ") {\n";
  p.function_text = prefix + p.query + "\n};\n" + fn;
  QueryLocation loc;
  loc.file = path;
  loc.file_text = text;
  loc.segments.push_back({0, params.Mark().pos < 0 ? query_pos : static_cast<std::size_t>(params.Mark().pos)});
  for (const auto& s : body.segments) loc.segments.push_back({s.query_begin + prefix.size(), s.file_begin});
  p.location = std::move(loc);
  return p;
}

Result<AsimParser> load_asim_parser(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error("cannot open file", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return load_asim_parser_text(path, ss.str());
}

}  // namespace rulelab::kusto
