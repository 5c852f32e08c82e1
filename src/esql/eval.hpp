// Column-at-a-time evaluation of ES|QL expressions over a page (internal to src/esql).
#pragma once
#include <functional>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "esql/engine.hpp"

namespace rulelab::esql {

// A user error at a query offset (unknown column, type mismatch, unsupported feature).
struct QueryError : std::runtime_error {
  QueryError(std::string msg, std::size_t off, bool unsupported = false, bool needs_service = false)
      : std::runtime_error(std::move(msg)), offset(off), unsupported(unsupported), needs_service(needs_service) {}
  std::size_t offset;
  bool unsupported;
  bool needs_service;  // the query needs a service of an Elasticsearch cluster (an inference endpoint, an enrich policy)
};

// Warnings of one run, as Elasticsearch words them; each distinct text once, at most 20 failures
// per expression.
class Warnings {
 public:
  explicit Warnings(std::string_view query) : query_(query) {}
  // "Line L:C: " for a query offset.
  std::string where(std::size_t offset) const;
  // A row of `e` failed with `exception` (Java's exception text): the result is null.
  void failure(const Expr& e, const std::string& exception, const char* treated = "null");
  void add(std::string w);
  std::vector<std::string> list() const { return list_; }
  // A recording, for a chunk of documents evaluated on another thread: its failure() and add()
  // calls are kept (failures: the first 20 of each expression, all any run can print) and
  // replay() makes them, in their order, on the run's Warnings, so that chunks replayed in file
  // order give the warnings of one run over the whole file.
  static Warnings recording(std::string_view query) {
    Warnings w(query);
    w.record_ = true;
    return w;
  }
  void replay(Warnings& into) const;
  // The recordings of the chunks of one stream, in file order, replayed as one run over all their
  // rows makes the calls: each expression's over every chunk before the next expression's (the
  // query evaluates an expression over all rows of a page before the next), in `rank` order (the
  // order the query evaluates its expressions in); calls of an expression `rank` lacks and add()s
  // come after, in the order first made.
  static void replay_all(const std::vector<const Warnings*>& recordings, const std::map<const Expr*, std::size_t>& rank, Warnings& into);

 private:
  struct Call {
    const Expr* expr = nullptr;  // failure(); null: add(text)
    std::string text;
    std::string treated;
  };
  bool record_ = false;
  std::vector<Call> calls_;
  std::string_view query_;
  std::vector<std::string> list_;
  std::set<std::string> seen_;
  std::map<const Expr*, int> counts_;
};

struct EvalCtx {
  const Page& page;
  Warnings& warn;
  std::int64_t now_ms = 0;
  std::string_view query;
  // The indices the query reads (by the index number of page.origin): full-text functions read
  // each row's source document there.
  const std::vector<const Index*>* indices = nullptr;
  // The page's rows are still source documents (no STATS or ROW before): the name of the command
  // that made them something else otherwise ("STATS", "ROW").
  const char* not_source = nullptr;
};

Column eval(const Expr& e, EvalCtx& ctx);
// Full-text functions (fulltext.cpp): KQL(query), MATCH(field, query[, options]), field : query.
Column eval_kql(const Expr& e, EvalCtx& ctx);
Column eval_match(const Expr& e, EvalCtx& ctx);
// QSTR(query[, options]) (Lucene query-string syntax) and MULTI_MATCH(query, field... [, options]).
Column eval_qstr(const Expr& e, EvalCtx& ctx);
Column eval_multi_match(const Expr& e, EvalCtx& ctx);
// Text of an expression as written.
std::string expr_text(const Expr& e, std::string_view query);
bool is_aggregate(const std::string& fn);

// LIKE / RLIKE patterns to RE2 (anchored); throws QueryError for what cannot be translated.
std::string like_to_re2(std::string_view pattern);
std::string rlike_to_re2(std::string_view pattern, std::size_t offset);

// Converts a cell's values to `to` (TO_* semantics); failures warn at `e`.
Cell convert_cell(const Cell& c, Type from, Type to, const Expr& e, Warnings& w);
bool truthy(const Cell& c);

}  // namespace rulelab::esql
