// Evaluating EQL conditions on one event (an Elasticsearch document), with Elasticsearch's
// semantics: a condition that Elasticsearch turns into a query (field against constants, `:`,
// like, regex, in, and/or/not of those) holds when ANY value of a multi-valued field satisfies
// it, and a missing field makes it false (true under `not`); the rest runs as a script with
// three-valued null logic, reading a field's first doc value (the smallest, as doc values sort).
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/column.hpp"
#include "core/dynamic.hpp"
#include "core/error.hpp"
#include "elastic/analysis.hpp"
#include "elastic/field_types.hpp"
#include "eql/ast.hpp"
#include "eql/value.hpp"

namespace re2 {
class RE2;
}

namespace rulelab::eql {

struct FieldInfo {
  FieldType type = FieldType::Unknown;
  std::string alias_of;                  // an alias field: the path it points to
  std::string source_path;               // a multi-field ("name.keyword"): where its values are ("name")
  std::optional<std::string> null_value; // mapping `null_value`: what an explicit null indexes as
  // Strings longer than this (in characters) are not indexed for exact matching (keyword
  // `ignore_above`; for a text field, that of its keyword sub-field): EQL never sees them.
  std::int64_t ignore_above = -1;
  // keyword `normalizer` (e.g. Elastic Defend's .caseless: lowercase): applied to the indexed
  // values and to the terms of queries on the field, as Elasticsearch does.
  std::shared_ptr<const elastic::Normalizer> normalizer;
  // a date field's `format` (null: strict_date_optional_time||epoch_millis)
  std::shared_ptr<const elastic::DateFormats> date_format;
  // constant_keyword: its value (mapped, or the first indexed) is every document's, whether the
  // document holds the field or not (keyword.html, constant_keyword)
  std::optional<std::string> constant;
};

// Field types of one index as EQL reads them, from the Elastic field model (elastic/field_types.hpp).
class Mapping {
 public:
  // An Elasticsearch index mapping ({"properties": ...}, GET index/_mapping or GET index output,
  // with settings.analysis), read by the Elastic field model; no ECS.
  static Result<Mapping> from_json(std::string_view json, const std::string& file);
  // Every field of an index's fields (mapped, and dynamic from its documents).
  static Mapping from_fields(const elastic::IndexFields& fields);
  const FieldInfo* find(std::string_view path) const;
  // The concrete path (aliases followed) of a field.
  std::string resolve(std::string_view path) const;
  FieldType type_of(std::string_view path) const;
  void set(std::string path, FieldInfo info) { fields_[std::move(path)] = std::move(info); }
  // Adds the fields of `other`, which win over those already here.
  void overlay(const Mapping& other) {
    for (const auto& [k, v] : other.fields_) fields_[k] = v;
  }
  bool empty() const { return fields_.empty(); }
  std::size_t size() const { return fields_.size(); }

 private:
  std::map<std::string, FieldInfo, std::less<>> fields_;
};

// A field as the Elastic field model resolves it, as EQL reads it (type, alias, multi-field source,
// ignore_above, normalizer, null_value).
FieldInfo field_info(const std::string& name, const elastic::ResolvedField& rf);

// All JSON values at a dotted path (nested objects or dotted keys, arrays flattened), JSON nulls
// included (Elasticsearch indexes them as the mapping's null_value, if any).
void collect_values(DynRef doc, std::string_view path, std::vector<DynRef>& out);
// A JSON value read as a field of the given type (keyword: text; long: number; date: instant...).
Value typed_value(DynRef v, FieldType type, const elastic::DateFormats* date_format = nullptr);

// One event as the evaluator sees it.
struct EventView {
  DynRef doc;
  const Mapping* mapping = nullptr;  // may be null: types from the JSON values
};

class Evaluator {
 public:
  Evaluator();
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  // Compiles the patterns (wildcards, regular expressions) of the query once. Errors (a bad
  // regular expression) point into the query text.
  std::optional<std::pair<std::string, std::size_t>> prepare(const Query& q);

  // Whether the event passes a `where` condition, as Elasticsearch filters.
  bool matches(const Expr& cond, const EventView& ev) const;
  // matches() a batch at a time: narrows `sel` (rows of `evs`, ascending) to the events that pass,
  // clause by clause (an `and`'s operands one after the other on what the first kept, an `or`'s
  // second on what its first did not match; core/selection.hpp). A script that fails
  // (ScriptError) fails the batch with the error of the first row, in row order, whose evaluation
  // fails: the one matches() row by row would have met first.
  void select(const Expr& cond, std::span<const EventView> evs, SelectionVector& sel) const;
  // Script value of an expression (three-valued logic, nulls propagate).
  Value eval(const Expr& e, const EventView& ev) const;
  // Every value of a field (aliases followed, typed by the mapping), nulls dropped.
  void field_values(std::string_view path, const EventView& ev, std::vector<Value>& out) const;
  // The join-key values an expression gives for an event: all distinct values of a field (a
  // multi-valued key joins on each of its values), or the one value of another expression.
  // An empty result means the event has no value for the key.
  std::vector<Value> key_values(const Expr& e, const EventView& ev) const;

 private:
  struct Pattern;
  bool query_atom(const Expr& e, const EventView& ev) const;
  bool query_atom_values(const Expr& e, const EventView& ev, const std::vector<Value>& vals) const;
  struct RowError;
  struct BatchFields;
  void select_rows(const Expr& e, std::span<const EventView> evs, SelectionVector& sel, std::optional<RowError>& err,
                   BatchFields& fields) const;
  bool pattern_match(const Pattern& p, const Value& v, bool insensitive) const;
  Value call(const Expr& e, const EventView& ev) const;
  void prepare_expr(const Expr& e, std::optional<std::pair<std::string, std::size_t>>& err);
  Value term_for(const Expr& lit, const FieldInfo* info) const;
  std::unordered_map<const Expr*, std::vector<Pattern>> patterns_;
  std::unordered_map<const Expr*, std::string> ip_terms_;  // string literals that are addresses, canonical
};

// A function that Elasticsearch runs as a script failed on a value (`number("abc")`): the
// whole search fails with this message, as Elasticsearch's does.
struct ScriptError {
  std::string message;
};

// Applies an EQL function (canonical name, `~` form when insensitive) to argument values.
Value apply_function(std::string_view name, bool insensitive, const std::vector<Value>& args);

// True when Elasticsearch turns the expression into a query (not a script).
bool translatable(const Expr& e);

// Glob match with * and ? (one character), everything else literal.
bool wildcard_match(std::string_view pattern, std::string_view text);
// cidrMatch: whether the IPv4/IPv6 address lies in the block "addr/bits".
bool cidr_contains(std::string_view cidr, std::string_view ip);

}  // namespace rulelab::eql
