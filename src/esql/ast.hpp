// Typed AST of an ES|QL query: a source command and processing commands, each with its source
// offset; expressions with their source span (warnings quote an expression's text and position,
// as Elasticsearch does: "Line 1:23: evaluation of [x + 1] failed ...").
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "esql/value.hpp"

namespace rulelab::esql {

struct Expr;
using ExprPtr = std::shared_ptr<Expr>;

enum class ExprKind {
  Literal,   // value (a multi-value for list literals), type
  Field,     // name
  Call,      // name (lower case), args; star: COUNT(*)
  Neg,       // args[0]
  Not,       // args[0]
  And, Or,   // args[0], args[1]
  Arith,     // op: + - * / %
  Compare,   // op: == != < <= > >= =~
  IsNull,    // negated: IS NOT NULL
  In,        // args[0] IN (args[1..]); negated
  Like,      // args[0] LIKE patterns; negated
  RLike,     // args[0] RLIKE patterns; negated
  Cast,      // args[0] :: type_name
  Match,     // args[0] : literal (full-text match)
  Map,       // function options {"k": v}
  Param,     // ?name
};

struct Expr {
  ExprKind kind = ExprKind::Literal;
  std::size_t begin = 0, end = 0;  // byte offsets in the query
  std::string name;                // field name, function name, operator, cast type
  std::vector<ExprPtr> args;
  Cell value;                      // Literal
  Type type = Type::Null;          // Literal: its type
  bool negated = false;
  bool star = false;
  std::vector<std::string> patterns;  // Like / RLike
  std::vector<std::pair<std::string, Cell>> options;  // Map
};

struct Assign {
  std::string name;  // output column; the expression's text when unnamed
  bool named = false;
  ExprPtr expr;
  ExprPtr where;     // STATS agg WHERE cond
  std::size_t offset = 0;
};

struct SortKey {
  ExprPtr expr;
  bool desc = false;
  std::optional<bool> nulls_first;  // default: nulls last for ASC, first for DESC
};

enum class CommandKind {
  From, Row, Where, Eval, Stats, InlineStats, Keep, Drop, Rename, Sort, Limit, Dissect, Grok, MvExpand,
  Enrich, LookupJoin, Completion, Fork, Other
};

struct Command {
  CommandKind kind = CommandKind::Where;
  std::size_t offset = 0, end = 0;
  std::string keyword;                      // as written (for messages)
  std::vector<std::string> indices;         // FROM
  std::vector<std::string> metadata;        // FROM ... METADATA
  std::vector<Assign> fields;               // ROW, EVAL, STATS aggs
  std::vector<Assign> by;                   // STATS ... BY
  ExprPtr expr;                             // WHERE; DISSECT/GROK input
  std::vector<std::string> patterns;        // KEEP, DROP; DISSECT/GROK pattern(s)
  std::vector<std::size_t> pattern_offsets; // KEEP, DROP
  std::vector<std::pair<std::string, std::string>> renames;  // old, new
  std::vector<SortKey> keys;                // SORT
  std::int64_t limit = 0;                   // LIMIT
  std::string append_separator;             // DISSECT APPEND_SEPARATOR
  std::string field;                        // MV_EXPAND
  // LOOKUP JOIN: `indices` holds the lookup index, `patterns` the join fields (pattern_offsets:
  // the index's, then each field's), or `expr` the join condition.
  // FORK: each branch's commands.
  std::vector<std::vector<Command>> branches;
};

// A parameter of the request (the ES|QL API's `params`): named (`?name`) or not (name empty:
// `?` in order, `?1`...), a literal value. Positions count every parameter, named or not.
struct Param {
  std::string name;
  Type type = Type::Null;
  Scalar value;
};

struct Query {
  std::string text;
  std::vector<Command> commands;
  // A LIMIT the caller appends to the pipeline (Kibana's ES|QL rule executor sends `query | limit
  // size` and pages up to max_signals alerts): the result is then cut at 10,000 rows, not 1,000.
  std::size_t appended_limit = 0;
};

// The conjuncts of an AND tree (the expression itself when it is no AND).
inline void and_parts(const ExprPtr& e, std::vector<ExprPtr>& out) {
  if (e->kind != ExprKind::And) {
    out.push_back(e);
    return;
  }
  for (const auto& a : e->args) and_parts(a, out);
}

// An expression over no column (a literal, or calls and operators over literals): foldable.
inline bool is_constant(const Expr& x) {
  if (x.kind == ExprKind::Field) return false;
  for (const auto& c : x.args)
    if (!is_constant(*c)) return false;
  return true;
}

// Every command of a pipeline, a FORK's branches' included, in the order written.
inline void collect_commands(const std::vector<Command>& cmds, std::vector<const Command*>& out) {
  for (const auto& c : cmds) {
    out.push_back(&c);
    for (const auto& b : c.branches) collect_commands(b, out);
  }
}
inline std::vector<const Command*> all_commands(const Query& q) {
  std::vector<const Command*> out;
  collect_commands(q.commands, out);
  return out;
}

}  // namespace rulelab::esql
