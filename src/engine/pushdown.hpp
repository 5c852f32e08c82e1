// Filter pushdown (DESIGN 7): the `where` operators a query applies to a table before anything
// else can drop rows while the table is read, so that rows no use of the table would keep are
// never materialised. The query still applies its own predicates afterwards: the pushed filter
// only has to keep every row some use of the table keeps (the OR over the uses).
#pragma once
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/column.hpp"
#include "core/ingest.hpp"
#include "kusto/ast.hpp"

namespace rulelab::engine {

// For each use of `table` in the query, a query text that filters the rows of a table named
// kPushdownTable the way that use does first: the let statements before it, then
// `kPushdownTable | where P1 | where P2 ...` with the use's leading predicates. Empty when some
// use cannot be analysed or has no leading `where` (then nothing may be pushed down): the table
// named through a let, a wildcard union, table(), a workspace function, a function body, ...
// `other_texts` are the texts of workspace functions: a table they name is not pushed down.
std::vector<std::string> pushdown_queries(const kusto::Query& query, const std::string& table,
                                          const std::vector<std::string>& other_texts = {});

inline constexpr const char* kPushdownTable = "__rulelab_rows";

// True when the query may read columns it does not name, so that no column may be left unread:
// `*` (distinct *, project-keep-style stars; except as an argument of arg_max/arg_min/take_any,
// which only selects a row), pack_all(), getschema, evaluate (pivot groups by every other
// column; narrow reads them all).
bool reads_unnamed_columns(const kusto::Query& query);

// Every string of the query's AST: names, literals, patterns (which columns it may name).
std::set<std::string> query_strings(const kusto::Query& query);

// The pushed-down filter of one table: keeps a row when one of the use queries keeps it. Bound
// once, run per batch. One instance per reading thread (not thread-safe).
class RowFilter : public BatchFilter {
 public:
  // Binds the use queries against `schema` (the columns being read) with the clock `now_ticks`.
  // nullptr when one of them does not bind without other tables (it reads another table, a
  // function, a column the schema lacks, ...): then there is nothing to push down.
  static std::unique_ptr<RowFilter> make(const std::vector<std::string>& use_queries, const Schema& schema,
                                         std::int64_t now_ticks);
  ~RowFilter() override;
  // The columns the predicates read (a subset of the schema, in its order).
  const std::vector<std::string>& columns() const;
  // The batches select() will see have these columns (a superset of columns(), e.g. with the
  // column a time window reads); by default exactly columns().
  void set_input(const Schema& input);
  // Rows no use keeps get keep[i] = 0.
  void select(const Batch& batch, std::vector<std::uint8_t>& keep) override;
  // The literals a JSON record's bytes must hold for some use to keep its row (core/
  // raw_prefilter.hpp): string columns compared with string literals (==, =~, in, in~, has,
  // contains, startswith, endswith and their _cs forms, has_any, has_all), combined as the
  // predicates combine them; other predicates add nothing. Empty when nothing is required.
  RawPrefilter raw_prefilter() const;

 private:
  struct Impl;
  explicit RowFilter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rulelab::engine
