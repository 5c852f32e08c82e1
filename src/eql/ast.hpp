// Typed AST of an EQL query. Every node carries its byte range in the query text.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eql/value.hpp"

namespace rulelab::eql {

struct SourceRange {
  std::size_t begin = 0;  // byte offsets in the query text
  std::size_t end = 0;
};

enum class ExprKind {
  Literal,    // value
  Field,      // name (dotted path), optional
  Not,        // args[0]
  And,        // args[0], args[1]
  Or,         // args[0], args[1]
  Compare,    // op: Eq Ne Lt Le Gt Ge; args[0], args[1]
  Arith,      // op: Add Sub Mul Div Mod; args[0], args[1]
  Neg,        // args[0]
  In,         // args[0] in args[1..]; negated; insensitive
  Match,      // args[0] op args[1..] (constants); op: Seq (:), Like, Regex; insensitive
  Call,       // name (canonical spelling, e.g. "startsWith"), insensitive (~), args
};

enum class Op { None, Eq, Ne, Lt, Le, Gt, Ge, Add, Sub, Mul, Div, Mod, Seq, Like, Regex };

struct Expr {
  ExprKind kind = ExprKind::Literal;
  Op op = Op::None;
  SourceRange range;
  Value value;                 // Literal
  std::string name;            // Field path / Call function name
  bool optional = false;       // Field written ?name
  bool negated = false;        // In: `not in`
  bool insensitive = false;    // in~, like~, regex~, fn~; `:` is always insensitive
  std::vector<std::unique_ptr<Expr>> args;
};
using ExprPtr = std::unique_ptr<Expr>;

// `category where condition` (category empty = any).
struct EventFilter {
  std::string category;  // empty: `any`
  ExprPtr condition;
  SourceRange range;
};

// One stage of a sequence or sample: [filter] by keys; `![...]` is a missing-event stage.
struct Stage {
  EventFilter filter;
  std::vector<ExprPtr> keys;  // per-stage join keys (after the shared ones)
  bool missing = false;
  std::int64_t runs = 1;      // `with runs=N`
  SourceRange range;
};

enum class QueryKind { Event, Sequence, Sample };

struct Pipe {
  std::string name;  // head, tail
  std::int64_t count = 0;
  SourceRange range;
};

struct Query {
  QueryKind kind = QueryKind::Event;
  EventFilter event;                 // Event
  std::vector<ExprPtr> shared_keys;  // Sequence/Sample: `by` after the keyword
  std::optional<std::int64_t> maxspan_nanos;
  std::vector<Stage> stages;         // Sequence/Sample, as written (runs not expanded)
  std::optional<Stage> until;
  std::vector<Pipe> pipes;
  SourceRange range;
};

// Text of an expression as EQL (for diagnostics and AST dumps).
std::string to_string(const Expr& e);
// The AST as JSON (rulelab parse --ast).
std::string to_json(const Query& q);

}  // namespace rulelab::eql
