// Evaluating a kuery against Elastic documents exactly as Elasticsearch evaluates the query Kibana
// builds from it (packages/kbn-es-query/src/kuery/functions/*.ts), per field mapping type:
//
//   field:value     match (unquoted) / match_phrase (quoted) on each field the name resolves to;
//                   keyword-like: one exact, case-sensitive term; text: standard-analyzed tokens,
//                   any token (match) or consecutive tokens (phrase); numbers, dates (the whole
//                   precision of the value: 2024-01-01 is the whole day), ip (CIDR), boolean
//   field:a*b       keyword fields: a `wildcard` query over the whole value (whitespace literal);
//                   other fields: query_string {fields:[field], query} with Kibana's escaping: the
//                   value splits on whitespace into OR-ed terms; wildcard terms are Lucene wildcards
//                   on the whole value (wildcard type) or on each lowercased text token; `?` is literal
//   field:*         exists;  *:* match_all
//   field < v       range (keyword: byte order; dates: ES rounding, lt/gte round down, lte/gt up)
//   a.*.b:v         the field pattern expands to the index's fields (as the detection engine's data
//                   view does since Kibana 8.8); no field: the name as-is, which matches nothing
//   value           free text: multi_match / query_string over all fields, lenient
//   not q           bool must_not: documents without the field match
//   path:{ q }      nested query (the path must be mapped as nested)
//
// Queries Elasticsearch would reject (a non-numeric value for a long field, a wildcard on an ip
// field, ...) are reported by errors(): a rule with such a query fails in Kibana.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/column.hpp"
#include "core/dynamic.hpp"
#include "core/raw_prefilter.hpp"
#include "core/types.hpp"
#include "elastic/field_types.hpp"
#include "kuery/ast.hpp"

namespace rulelab::kuery {

struct QueryIssue {
  SourceRange range;  // in the query text
  std::string message;
};

struct Plan;

class CompiledQuery {
 public:
  // Resolves field names against the index fields and prepares the values per field type.
  static CompiledQuery compile(const Node& root, const elastic::IndexFields& fields, DateTime now);
  // Compiles Elasticsearch query DSL, the subset Kibana filters and exception items use: bool
  // (must/filter/should/must_not/minimum_should_match), match, match_phrase, term, terms, wildcard
  // (case_insensitive), exists, range, nested, match_all. Anything else is reported in errors().
  static CompiledQuery compile_dsl(const nlohmann::json& query, const elastic::IndexFields& fields, DateTime now);
  CompiledQuery(CompiledQuery&&) noexcept;
  CompiledQuery& operator=(CompiledQuery&&) noexcept;
  ~CompiledQuery();

  bool matches(DynRef doc) const;
  // Narrows `sel` (rows of `docs`, ascending) to the documents that match, a batch at a time:
  // clause by clause, an AND's children one after another on what the earlier ones kept, an OR's
  // each on the rows no earlier child matched, a NOT removing what its child keeps
  // (core/selection.hpp). Each document gets matches()'s answer.
  void select(std::span<const DynRef> docs, SelectionVector& sel) const;
  // Literals a document's bytes must hold for matches() to be true (core/raw_prefilter.hpp): the
  // exact terms of keyword fields without a normalizer or null_value (term, match, phrase,
  // wildcard and query_string pieces; caseless where the query is case-insensitive), combined as
  // the query combines them; anything else (text fields, ranges, exists, not) adds nothing.
  RawPrefilter raw_prefilter() const;
  // Elasticsearch would reject the query: the search fails.
  const std::vector<QueryIssue>& errors() const { return errors_; }
  // Worth telling the user (wildcard field names that matched no field, fields mapped nowhere).
  const std::vector<QueryIssue>& notes() const { return notes_; }

 private:
  CompiledQuery();
  std::unique_ptr<Plan> plan_;
  std::vector<QueryIssue> errors_;
  std::vector<QueryIssue> notes_;
};

// Narrows `sel` (rows of `docs`) to the documents every filter keeps, a batch at a time: a filter
// keeps what it matches, a negated one (Kibana's filter `meta.negate`) what it does not.
void select_filters(const std::vector<std::pair<CompiledQuery, bool>>& filters, std::span<const DynRef> docs, SelectionVector& sel);

// ---- value helpers shared with exceptions and filters ----------------------------------------------
// Lucene wildcard match where only '*' is special (segments between the wildcards are literal).
bool glob_segments_match(const std::vector<std::string>& segments, std::string_view s);
// Lucene wildcard syntax: '*' any run, '?' one character, '\' escapes (used by ES wildcard queries).
bool lucene_wildcard_match(std::string_view pattern, std::string_view s, bool case_insensitive);
// The string Elasticsearch indexes for a JSON scalar in a keyword field (numbers and booleans as text).
std::optional<std::string> keyword_text(DynRef v);
// Elasticsearch date parsing of a query value: date math, strict_date_optional_time, epoch millis;
// round_up fills the missing precision with its maximum (2024-01-01 -> 23:59:59.999).
// `format`: the field's mapping `format`, when it has one (date math anchors keep the default).
std::optional<DateTime> parse_es_date(std::string_view text, DateTime now, bool round_up, const elastic::DateFormats* format = nullptr);
// A document value its field's type cannot take (a word in a long field, a string that is no IP
// or no date): Elasticsearch does not index it (ignore_malformed).
bool doc_value_malformed(DynRef v, const elastic::FieldMapping& m);
// A document's date value (string or epoch millis), truncated to milliseconds unless nanos.
// `format`: the field's mapping `format`, when it has one.
std::optional<DateTime> doc_date(DynRef v, bool nanos, const elastic::DateFormats* format = nullptr);

}  // namespace rulelab::kuery
