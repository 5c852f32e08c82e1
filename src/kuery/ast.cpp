// AST printing: JSON (rulelab parse --ast) and canonical kuery text.
#include <algorithm>
#include <cctype>
#include <string_view>
#include <nlohmann/json.hpp>

#include "kuery/ast.hpp"

namespace rulelab::kuery {

namespace {
nlohmann::json term_json(const Term& t) {
  const char* kind = "string";
  switch (t.kind) {
    case Term::Kind::Wildcard: kind = "wildcard"; break;
    case Term::Kind::True:
    case Term::Kind::False: kind = "boolean"; break;
    case Term::Kind::Null: kind = "null"; break;
    default: break;
  }
  nlohmann::json j{{"kind", kind}, {"value", t.as_text()}, {"quoted", t.quoted}, {"range", {t.range.begin, t.range.end}}};
  return j;
}

nlohmann::json node_json(const Node& n) {
  nlohmann::json j;
  switch (n.kind) {
    case Node::Kind::Or: j["type"] = "or"; break;
    case Node::Kind::And: j["type"] = "and"; break;
    case Node::Kind::Not: j["type"] = "not"; break;
    case Node::Kind::Is: j["type"] = "is"; break;
    case Node::Kind::Range: j["type"] = "range"; break;
    case Node::Kind::Nested: j["type"] = "nested"; break;
    case Node::Kind::MatchAll: j["type"] = "match_all"; break;
  }
  j["range"] = {n.range.begin, n.range.end};
  if (n.field) j["field"] = term_json(*n.field);
  else if (n.kind == Node::Kind::Is) j["field"] = nullptr;
  if (n.kind == Node::Kind::Is || n.kind == Node::Kind::Range) j["value"] = term_json(n.value);
  if (n.kind == Node::Kind::Range) j["operator"] = std::string(to_string(n.op));
  if (!n.children.empty()) {
    auto& c = j["children"] = nlohmann::json::array();
    for (const auto& ch : n.children) c.push_back(node_json(*ch));
  }
  return j;
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') { out += "\\n"; continue; }
    if (c == '\t') { out += "\\t"; continue; }
    if (c == '\r') { out += "\\r"; continue; }
    out += c;
  }
  return out + "\"";
}

// Appends `text` as unquoted kuery that parses back to the same text (grammar/kuery.hpp): special
// characters and \t \r \n escaped, and the words the grammar would take for keywords escaped:
// `or`/`and` after whitespace as \or, \and; `not` before whitespace or at the end (where the
// printer may put a space after the term) as \u006eot. `last`: the text ends the value (wildcard segments are
// pieces of it). The parser trims values, so a decoded text never starts or ends with whitespace.
void escape_unquoted(std::string_view text, bool last, std::string& out) {
  auto space_before = [&](std::size_t i) {  // the grammar's space characters: ' ' \t \r \n U+00A0
    if (i == 0) return false;
    const char c = text[i - 1];
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || (i >= 2 && text.compare(i - 2, 2, "\xC2\xA0") == 0);
  };
  auto word_at = [&](std::size_t i, std::string_view w) {
    if (i + w.size() > text.size()) return false;
    for (std::size_t k = 0; k < w.size(); ++k)
      if (std::tolower(static_cast<unsigned char>(text[i + k])) != w[k]) return false;
    return true;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool not_word = word_at(i, "not") && (i + 3 == text.size() ? last : space_before(i + 4) || text.compare(i + 3, 2, "\xC2\xA0") == 0);
    if (not_word) {  // not \not: the grammar reads "\n" first (escaped whitespace), so \u006e
      out += c == 'n' ? "\\u006e" : "\\u004e";
      continue;
    }
    if (space_before(i) && (word_at(i, "or") || word_at(i, "and"))) out += '\\';
    if (c == '\t') { out += "\\t"; continue; }
    if (c == '\r') { out += "\\r"; continue; }
    if (c == '\n') { out += "\\n"; continue; }
    if (std::string_view("\\():<>\"*{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
}

std::string term_kuery(const Term& t) {
  if (t.kind == Term::Kind::Wildcard) {
    std::string out;
    for (std::size_t i = 0; i < t.segments.size(); ++i) {
      if (i) out += '*';
      escape_unquoted(t.segments[i], i + 1 == t.segments.size(), out);
    }
    return out;
  }
  if (t.kind != Term::Kind::String) return t.as_text();
  if (t.quoted) return quote(t.text);
  // An unquoted value that trimmed to nothing (e.g. a lone U+2028, which is not a separator of the
  // grammar but is whitespace to JavaScript's trim): written so that it trims to nothing again.
  if (t.text.empty()) return "\\u2028";
  std::string out;
  escape_unquoted(t.text, true, out);
  return out;
}

void collect(const Node& n, const std::string& prefix, std::vector<std::string>& out) {
  std::string p = prefix;
  if (n.field && n.kind != Node::Kind::MatchAll) {
    const std::string f = prefix.empty() ? n.field->text : prefix + "." + n.field->text;
    if (n.kind == Node::Kind::Nested) p = f;
    else if (std::find(out.begin(), out.end(), f) == out.end()) out.push_back(f);
  }
  for (const auto& c : n.children) collect(*c, p, out);
}
}  // namespace

// Invalid UTF-8 in a query (a field or value) is written as U+FFFD rather than failing.
std::string to_json(const Node& n) { return node_json(n).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

std::string to_kuery(const Node& n) {
  switch (n.kind) {
    case Node::Kind::MatchAll: return "*:*";
    case Node::Kind::Or:
    case Node::Kind::And: {
      std::string out = "(";
      for (std::size_t i = 0; i < n.children.size(); ++i) {
        if (i) out += n.kind == Node::Kind::Or ? " or " : " and ";
        out += to_kuery(*n.children[i]);
      }
      return out + ")";
    }
    case Node::Kind::Not: return "not " + to_kuery(*n.children.at(0));
    case Node::Kind::Nested: return term_kuery(*n.field) + ":{ " + to_kuery(*n.children.at(0)) + " }";
    case Node::Kind::Range: {
      static const char* ops[] = {"<", "<=", ">", ">="};
      return term_kuery(*n.field) + " " + ops[static_cast<int>(n.op)] + " " + term_kuery(n.value);
    }
    case Node::Kind::Is: return (n.field ? term_kuery(*n.field) + ":" : std::string()) + term_kuery(n.value);
  }
  return "";
}

std::vector<std::string> fields_of(const Node& n) {
  std::vector<std::string> out;
  collect(n, "", out);
  return out;
}

}  // namespace rulelab::kuery
