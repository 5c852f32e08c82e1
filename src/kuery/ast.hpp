// Typed AST of a Kibana kuery (KQL) query, with the node kinds of Kibana's kuery functions
// (or, and, not, is, range, nested, exists/match_all as special forms of is).
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace rulelab::kuery {

struct SourceRange {
  std::size_t begin = 0;  // byte offsets in the query text
  std::size_t end = 0;
};

// A value or field name as written: quoted literal, unquoted literal (maybe with wildcards), or one
// of the unquoted keywords true/false/null that Kibana turns into JSON literals.
struct Term {
  enum class Kind { String, Wildcard, True, False, Null };
  Kind kind = Kind::String;
  bool quoted = false;
  std::string text;                   // decoded (escapes resolved); for Wildcard '*' stands for each wildcard
  std::vector<std::string> segments;  // Wildcard: the literal pieces around the wildcards (n wildcards: n+1 pieces)
  SourceRange range;
  bool is_wildcard() const { return kind == Kind::Wildcard; }
  bool is_lone_wildcard() const { return kind == Kind::Wildcard && segments.size() == 2 && segments[0].empty() && segments[1].empty(); }
  // The value as Elasticsearch receives it (true/false/null spelled out).
  std::string as_text() const;
};

enum class RangeOp { Lt, Lte, Gt, Gte };
std::string_view to_string(RangeOp op);

struct Node {
  enum class Kind { Or, And, Not, Is, Range, Nested, MatchAll };
  Kind kind = Kind::MatchAll;
  SourceRange range;
  std::vector<std::unique_ptr<Node>> children;  // Or, And: two or more; Not, Nested: one
  std::optional<Term> field;                    // Is (absent: free text), Range, Nested (the path)
  Term value;                                   // Is, Range
  RangeOp op = RangeOp::Lt;                     // Range
};

struct Query {
  std::unique_ptr<Node> root;  // never null after a successful parse (empty query: MatchAll)
  std::string text;            // the query text the ranges refer to
};

// Parses kuery text. Errors carry the byte offset in `text` of the failure (Error::column is set
// from it only when `text` is the whole input; callers map offsets into files with query_error()).
struct ParseFailure {
  std::size_t offset = 0;
  std::string message;  // "Expected ... but ... found."
};
struct ParseOutcome {
  std::optional<Query> query;
  std::optional<ParseFailure> failure;
};
ParseOutcome parse_kuery(std::string_view text);

// PEGTL's grammar analysis (number of problems found; 0 = none), for the unit tests.
std::size_t analyze_kuery_grammar();

// The AST as JSON text (for `rulelab parse --ast`) and as kuery text (canonical form).
std::string to_json(const Node& n);
std::string to_kuery(const Node& n);

// Every field name the query mentions (with nested paths joined), for mapping notes.
std::vector<std::string> fields_of(const Node& n);

}  // namespace rulelab::kuery
