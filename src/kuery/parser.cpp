// Kuery parser: the PEGTL grammar (grammar/kuery.hpp) run into a parse tree, converted into the
// typed AST. All PEGTL instantiations of the kuery dialect live in this file.
//
// Syntax errors are reported as peggy (Kibana's parser generator) reports them: at the furthest
// position any alternative reached, listing what named rules and terminals were expected there.
#include <algorithm>
#include <set>
#include <tao/pegtl/contrib/analyze.hpp>
#include <tao/pegtl/contrib/limit_depth.hpp>
#include <tao/pegtl/contrib/parse_tree.hpp>

#include "grammar/kuery.hpp"
#include "kuery/ast.hpp"

namespace rulelab::kuery {

namespace g = kuery_grammar;
namespace pegtl = tao::pegtl;

// ---- error expectations ---------------------------------------------------------------------------
namespace {

template <class Rule> struct expect_name { static constexpr const char* named = nullptr; static constexpr const char* terminal = nullptr; };
template <> struct expect_name<g::field> { static constexpr const char* named = "field name"; static constexpr const char* terminal = nullptr; };
template <> struct expect_name<g::value> { static constexpr const char* named = "value"; static constexpr const char* terminal = nullptr; };
template <> struct expect_name<g::literal> { static constexpr const char* named = "literal"; static constexpr const char* terminal = nullptr; };
template <> struct expect_name<g::or_kw> { static constexpr const char* named = "OR"; static constexpr const char* terminal = nullptr; };
template <> struct expect_name<g::and_kw> { static constexpr const char* named = "AND"; static constexpr const char* terminal = nullptr; };
template <> struct expect_name<g::not_kw> { static constexpr const char* named = "NOT"; static constexpr const char* terminal = nullptr; };
template <> struct expect_name<g::space_char> { static constexpr const char* named = "whitespace"; static constexpr const char* terminal = nullptr; };
template <> struct expect_name<g::lparen> { static constexpr const char* named = nullptr; static constexpr const char* terminal = "\"(\""; };
template <> struct expect_name<g::rparen> { static constexpr const char* named = nullptr; static constexpr const char* terminal = "\")\""; };
template <> struct expect_name<g::lbrace> { static constexpr const char* named = nullptr; static constexpr const char* terminal = "\"{\""; };
template <> struct expect_name<g::rbrace> { static constexpr const char* named = nullptr; static constexpr const char* terminal = "\"}\""; };
template <> struct expect_name<g::colon> { static constexpr const char* named = nullptr; static constexpr const char* terminal = "\":\""; };
template <> struct expect_name<g::range_op> { static constexpr const char* named = nullptr; static constexpr const char* terminal = "\"<\", \"<=\", \">\", \">=\""; };
template <> struct expect_name<pegtl::eof> { static constexpr const char* named = nullptr; static constexpr const char* terminal = "end of input"; };

struct Expectations {
  std::size_t silent = 0;              // inside a named rule: its parts are not reported
  std::vector<std::size_t> starts;     // start offsets of the tracked rules being matched
  std::size_t max_pos = 0;
  std::set<std::string> expected;
  void record(std::size_t pos, const char* what) {
    if (pos > max_pos) {
      max_pos = pos;
      expected.clear();
    }
    if (pos == max_pos) expected.insert(what);
  }
};

template <class Rule>
struct tracking_control : pegtl::normal<Rule> {
  static constexpr bool tracked = expect_name<Rule>::named != nullptr || expect_name<Rule>::terminal != nullptr;
  template <class Input>
  static void start(const Input& in, Expectations& e) {
    if constexpr (tracked) {
      e.starts.push_back(static_cast<std::size_t>(in.current() - in.begin()));
      if constexpr (expect_name<Rule>::named != nullptr) ++e.silent;
    }
  }
  template <class Input>
  static void success(const Input&, Expectations& e) {
    if constexpr (tracked) {
      e.starts.pop_back();
      if constexpr (expect_name<Rule>::named != nullptr) --e.silent;
    }
  }
  template <class Input>
  static void failure(const Input&, Expectations& e) {
    if constexpr (tracked) {
      const std::size_t pos = e.starts.back();
      e.starts.pop_back();
      if constexpr (expect_name<Rule>::named != nullptr) {
        --e.silent;
        if (e.silent == 0) e.record(pos, expect_name<Rule>::named);
      } else {
        if (e.silent == 0) e.record(pos, expect_name<Rule>::terminal);
      }
    }
  }
  template <class Input>
  static void unwind(const Input&, Expectations& e) {
    if constexpr (tracked) {
      e.starts.pop_back();
      if constexpr (expect_name<Rule>::named != nullptr) --e.silent;
    }
  }
};

// Depth limit on the recursive rules (parenthesised queries, value lists, nested queries).
template <class Rule> struct depth_action : pegtl::nothing<Rule> {};
template <> struct depth_action<g::paren_query> : pegtl::limit_depth<64> {};
template <> struct depth_action<g::paren_list> : pegtl::limit_depth<64> {};
template <> struct depth_action<g::nested_query> : pegtl::limit_depth<64> {};

template <class Rule>
using selector = pegtl::parse_tree::selector<
    Rule,
    pegtl::parse_tree::store_content::on<g::or_query, g::and_query, g::not_prefixed, g::nested_query, g::field_range_expr,
                                         g::field_value_expr, g::value_expr, g::or_list, g::and_list, g::not_list_prefixed,
                                         g::field, g::value, g::literal, g::quoted_string, g::unquoted_literal, g::range_op>>;

using PNode = pegtl::parse_tree::node;

// ---- literal decoding ------------------------------------------------------------------------------
void put_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) out += static_cast<char>(cp);
  else if (cp < 0x800) { out += static_cast<char>(0xC0 | (cp >> 6)); out += static_cast<char>(0x80 | (cp & 0x3F)); }
  else if (cp < 0x10000) { out += static_cast<char>(0xE0 | (cp >> 12)); out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)); out += static_cast<char>(0x80 | (cp & 0x3F)); }
  else { out += static_cast<char>(0xF0 | (cp >> 18)); out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F)); out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F)); out += static_cast<char>(0x80 | (cp & 0x3F)); }
}
std::uint32_t hex4(std::string_view s) {
  std::uint32_t v = 0;
  for (char c : s) v = v * 16 + static_cast<std::uint32_t>(std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::tolower(c) - 'a' + 10);
  return v;
}
// Pending UTF-16 high surrogate from a \uXXXX escape (JavaScript strings are UTF-16).
struct Utf16Joiner {
  std::uint32_t high = 0;
  void flush(std::string& out) {
    if (high) put_utf8(out, 0xFFFD);
    high = 0;
  }
  void unit(std::string& out, std::uint32_t u) {
    if (u >= 0xD800 && u < 0xDC00) {
      flush(out);
      high = u;
    } else if (u >= 0xDC00 && u < 0xE000) {
      if (high) put_utf8(out, 0x10000 + ((high - 0xD800) << 10) + (u - 0xDC00));
      else put_utf8(out, 0xFFFD);
      high = 0;
    } else {
      flush(out);
      put_utf8(out, u);
    }
  }
};

bool is_special(char c) { return std::string_view("\\():<>\"*{}").find(c) != std::string_view::npos; }
bool istarts(std::string_view s, std::size_t i, std::string_view kw) {
  if (i + kw.size() > s.size()) return false;
  for (std::size_t k = 0; k < kw.size(); ++k)
    if (std::tolower(static_cast<unsigned char>(s[i + k])) != kw[k]) return false;
  return true;
}

// JavaScript's String.prototype.trim: removes WhiteSpace and LineTerminator code points.
bool js_space_at(std::string_view s, std::size_t i, std::size_t& len) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') { len = 1; return true; }
  auto is = [&](std::string_view seq) { return s.substr(i, seq.size()) == seq; };
  static const char* const kSeqs[] = {"\xC2\xA0", "\xE1\x9A\x80", "\xE2\x80\xA8", "\xE2\x80\xA9", "\xE2\x80\xAF",
                                      "\xE2\x81\x9F", "\xE3\x80\x80", "\xEF\xBB\xBF"};
  for (const char* q : kSeqs)
    if (is(q)) { len = std::string_view(q).size(); return true; }
  if (is("\xE2\x80") && i + 2 < s.size() && static_cast<unsigned char>(s[i + 2]) >= 0x80 && static_cast<unsigned char>(s[i + 2]) <= 0x8A) {
    len = 3;  // U+2000..U+200A
    return true;
  }
  return false;
}

// Decoded pieces of an unquoted literal: text with wildcard marks.
struct Piece {
  std::string text;
  bool wildcard = false;
};

Term decode_unquoted(std::string_view s, SourceRange range) {
  std::vector<Piece> pieces{{}};
  Utf16Joiner j;
  std::size_t i = 0;
  while (i < s.size()) {
    std::string& out = pieces.back().text;
    const char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      const char d = s[i + 1];
      if (d == 't' || d == 'r' || d == 'n') { j.flush(out); out += d == 't' ? '\t' : d == 'r' ? '\r' : '\n'; i += 2; continue; }
      if (is_special(d)) { j.flush(out); out += d; i += 2; continue; }
      if (d == 'u' && i + 5 < s.size() + 0 && std::all_of(s.begin() + static_cast<long>(i) + 2, s.begin() + static_cast<long>(i) + 6,
                                                          [](char h) { return std::isxdigit(static_cast<unsigned char>(h)); })) {
        j.unit(out, hex4(s.substr(i + 2, 4)));
        i += 6;
        continue;
      }
      for (std::string_view kw : {"or", "and", "not"})
        if (istarts(s, i + 1, kw)) {
          j.flush(out);
          out += s.substr(i + 1, kw.size());
          i += 1 + kw.size();
          goto next;
        }
      j.flush(out);
      out += c;  // unreachable for grammar-accepted text
      ++i;
      continue;
    }
    if (c == '*') {
      j.flush(out);
      pieces.back().wildcard = true;
      pieces.push_back({});
      ++i;
      continue;
    }
    j.flush(out);
    out += c;
    ++i;
  next:;
  }
  j.flush(pieces.back().text);
  // trim the whole sequence (wildcards are not whitespace)
  {
    std::string& first = pieces.front().text;
    std::size_t b = 0, len = 0;
    while (b < first.size() && js_space_at(first, b, len)) b += len;
    first.erase(0, b);
    std::string& last = pieces.back().text;
    // trailing: scan from start to find the last non-space position
    std::size_t keep = 0, p = 0;
    while (p < last.size()) {
      if (js_space_at(last, p, len)) p += len;
      else {
        std::size_t n = 1;
        while (p + n < last.size() && (static_cast<unsigned char>(last[p + n]) & 0xC0) == 0x80) ++n;
        p += n;
        keep = p;
      }
    }
    last.resize(keep);
  }
  Term t;
  t.range = range;
  t.quoted = false;
  if (pieces.size() == 1) {
    t.text = pieces.front().text;
    if (t.text == "null") t.kind = Term::Kind::Null;
    else if (t.text == "true") t.kind = Term::Kind::True;
    else if (t.text == "false") t.kind = Term::Kind::False;
    else t.kind = Term::Kind::String;
    return t;
  }
  t.kind = Term::Kind::Wildcard;
  for (std::size_t k = 0; k < pieces.size(); ++k) {
    if (k) t.text += '*';
    t.text += pieces[k].text;
    t.segments.push_back(pieces[k].text);
  }
  return t;
}

Term decode_quoted(std::string_view s, SourceRange range) {
  Term t;
  t.quoted = true;
  t.range = range;
  Utf16Joiner j;
  std::string& out = t.text;
  for (std::size_t i = 1; i + 1 < s.size();) {
    const char c = s[i];
    if (c == '\\' && i + 2 < s.size()) {
      const char d = s[i + 1];
      if (d == 't' || d == 'r' || d == 'n') { j.flush(out); out += d == 't' ? '\t' : d == 'r' ? '\r' : '\n'; i += 2; continue; }
      if (d == 'u' && i + 6 < s.size() &&
          std::all_of(s.begin() + static_cast<long>(i) + 2, s.begin() + static_cast<long>(i) + 6,
                      [](char h) { return std::isxdigit(static_cast<unsigned char>(h)); })) {
        j.unit(out, hex4(s.substr(i + 2, 4)));
        i += 6;
        continue;
      }
      if (d == '\\' || d == '"') { j.flush(out); out += d; i += 2; continue; }
    }
    j.flush(out);
    out += c;
    ++i;
  }
  j.flush(out);
  return t;
}

// ---- parse tree -> AST ------------------------------------------------------------------------------
class Builder {
 public:
  explicit Builder(std::size_t base) : base_(base) {}

  SourceRange range_of(const PNode& n) const {
    return {static_cast<std::size_t>(n.begin().byte) - base_, static_cast<std::size_t>(n.end().byte) - base_};
  }

  Term term(const PNode& n) const {  // field / value / literal node, or the literal itself
    const PNode& lit = (n.is_type<g::field>() || n.is_type<g::value>() || n.is_type<g::literal>()) ? *n.children.at(0) : n;
    if (lit.is_type<g::quoted_string>()) return decode_quoted(lit.string_view(), range_of(lit));
    return decode_unquoted(lit.string_view(), range_of(lit));
  }

  std::unique_ptr<Node> query(const PNode& n) const {
    auto out = std::make_unique<Node>();
    out->range = range_of(n);
    if (n.is_type<g::or_query>() || n.is_type<g::and_query>()) {
      if (n.children.size() == 1) return query(*n.children[0]);
      out->kind = n.is_type<g::or_query>() ? Node::Kind::Or : Node::Kind::And;
      for (const auto& c : n.children) out->children.push_back(query(*c));
      return out;
    }
    if (n.is_type<g::not_prefixed>()) {
      out->kind = Node::Kind::Not;
      out->children.push_back(query(*n.children.at(0)));
      return out;
    }
    if (n.is_type<g::nested_query>()) {
      out->kind = Node::Kind::Nested;
      out->field = term(*n.children.at(0));
      out->children.push_back(query(*n.children.at(1)));
      return out;
    }
    if (n.is_type<g::field_range_expr>()) {
      out->kind = Node::Kind::Range;
      out->field = term(*n.children.at(0));
      const std::string_view op = n.children.at(1)->string_view();
      out->op = op == "<=" ? RangeOp::Lte : op == ">=" ? RangeOp::Gte : op == "<" ? RangeOp::Lt : RangeOp::Gt;
      out->value = term(*n.children.at(2));
      return out;
    }
    if (n.is_type<g::field_value_expr>()) {
      const Term f = term(*n.children.at(0));
      return values(*n.children.at(1), &f);
    }
    if (n.is_type<g::value_expr>()) return values(*n.children.at(0), nullptr);
    out->kind = Node::Kind::MatchAll;  // not reached for accepted input
    return out;
  }

  // A list of values (or one) under a field: Kibana distributes the field into each value.
  std::unique_ptr<Node> values(const PNode& n, const Term* field) const {
    auto out = std::make_unique<Node>();
    out->range = range_of(n);
    if (n.is_type<g::or_list>() || n.is_type<g::and_list>()) {
      if (n.children.size() == 1) return values(*n.children[0], field);
      out->kind = n.is_type<g::or_list>() ? Node::Kind::Or : Node::Kind::And;
      for (const auto& c : n.children) out->children.push_back(values(*c, field));
      return out;
    }
    if (n.is_type<g::not_list_prefixed>()) {
      out->kind = Node::Kind::Not;
      out->children.push_back(values(*n.children.at(0), field));
      return out;
    }
    // a value
    out->kind = Node::Kind::Is;
    out->value = term(n);
    if (field) {
      out->field = *field;
      out->range.begin = std::min(out->range.begin, field->range.begin);
    }
    // *:* is match_all
    if (field && field->is_lone_wildcard() && out->value.is_lone_wildcard()) out->kind = Node::Kind::MatchAll;
    return out;
  }

 private:
  std::size_t base_;
};

std::string describe_found(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return "end of input";
  std::size_t n = 1;
  while (pos + n < text.size() && (static_cast<unsigned char>(text[pos + n]) & 0xC0) == 0x80) ++n;
  std::string s(text.substr(pos, n));
  if (s == "\"") return "\"\\\"\"";
  if (s == "\n") return "\"\\n\"";
  if (s == "\t") return "\"\\t\"";
  if (s == "\r") return "\"\\r\"";
  return "\"" + s + "\"";
}

}  // namespace

std::string Term::as_text() const {
  switch (kind) {
    case Kind::True: return "true";
    case Kind::False: return "false";
    case Kind::Null: return "null";
    default: return text;
  }
}

std::string_view to_string(RangeOp op) {
  switch (op) {
    case RangeOp::Lt: return "lt";
    case RangeOp::Lte: return "lte";
    case RangeOp::Gt: return "gt";
    case RangeOp::Gte: return "gte";
  }
  return "";
}

ParseOutcome parse_kuery(std::string_view text) {
  ParseOutcome out;
  pegtl::memory_input in(text.data(), text.size(), "query");
  Expectations exp;
  try {
    auto root = pegtl::parse_tree::parse<g::grammar, selector, depth_action, tracking_control>(in, exp);
    if (root) {
      Query q;
      q.text = std::string(text);
      Builder b(0);
      if (root->children.empty()) {
        q.root = std::make_unique<Node>();  // empty query: Kibana's is('*','*') = match_all
        q.root->kind = Node::Kind::MatchAll;
        q.root->range = {0, text.size()};
      } else {
        q.root = b.query(*root->children.front());
      }
      out.query = std::move(q);
      return out;
    }
  } catch (const pegtl::parse_error& e) {
    ParseFailure f;
    f.offset = e.positions().empty() ? 0 : e.positions().front().byte;
    f.message = "the query nests parentheses or braces too deeply (limit 64)";
    out.failure = f;
    return out;
  }
  ParseFailure f;
  f.offset = exp.max_pos;
  std::vector<std::string> names(exp.expected.begin(), exp.expected.end());
  std::string list;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) list += i + 1 == names.size() ? " or " : ", ";
    list += names[i];
  }
  f.message = "Expected " + list + " but " + describe_found(text, exp.max_pos) + " found.";
  out.failure = f;
  return out;
}

// Grammar self-check for the unit tests: PEGTL's analysis of infinite loops.
std::size_t analyze_kuery_grammar() { return pegtl::analyze<g::grammar>(-1); }

}  // namespace rulelab::kuery
