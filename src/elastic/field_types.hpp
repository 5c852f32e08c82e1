// Elasticsearch field mapping types, as they decide how a kuery matches a field: from ECS 9.5
// and integration field files (a compiled-in table), from a user-supplied index mapping
// (`GET index/_mapping` JSON), and, for fields mapped nowhere, Elasticsearch's dynamic mapping of
// the values found in the documents (a JSON string becomes `text` with a `.keyword` sub-field,
// ignore_above 256; strings that look like dates become `date`; integers `long`; decimals `float`).
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dynamic.hpp"
#include "core/error.hpp"

namespace rulelab::elastic {

enum class FieldType {
  Keyword, ConstantKeyword, Wildcard, Text, MatchOnlyText,
  Long, Integer, Short, Byte, UnsignedLong, Double, Float, HalfFloat, ScaledFloat,
  Date, DateNanos, Ip, Boolean, Flattened, Nested, Object, GeoPoint, Alias, Other
};
FieldType field_type_from_name(std::string_view name);
bool is_keyword_like(FieldType t);  // keyword, constant_keyword, wildcard, flattened leaves
bool is_text_like(FieldType t);     // text, match_only_text
bool is_numeric(FieldType t);
bool is_integral(FieldType t);

struct FieldMapping {
  std::string type_name = "keyword";
  FieldType type = FieldType::Keyword;
  std::int64_t ignore_above = -1;  // -1: none
  bool index = true;
  bool lowercase_normalizer = false;  // keyword with the "lowercase" normalizer
  std::string constant_value;         // constant_keyword: the mapped value
  std::string alias_path;             // alias: the field it points to
  // `{}`: clang (with libstdc++) otherwise needs FieldMapping complete to default-construct the vector.
  std::vector<std::pair<std::string, FieldMapping>> multi_fields{};  // sub-field name -> mapping
};

enum class MappingOrigin { User, Ecs, Dynamic, Unmapped };
std::string_view to_string(MappingOrigin o);

// A concrete field resolved for matching.
struct ResolvedField {
  std::string name;         // as queried ("user.name.text", "x.keyword")
  std::string source_path;  // where the values are in _source ("user.name", "x")
  FieldMapping mapping;
  MappingOrigin origin = MappingOrigin::Unmapped;
};

// Static mappings: ECS + integrations (built in) and the user's index mapping (which wins).
class FieldTypes {
 public:
  // The compiled-in ECS 9.5 + integration table.
  static FieldTypes builtin();
  // An empty set (no ECS): every field is dynamic unless the user maps it.
  FieldTypes() = default;

  // Adds an Elasticsearch mapping: the `GET index/_mapping` response ({"idx":{"mappings":{...}}}),
  // a bare {"mappings":{...}} or {"properties":{...}}.
  Result<std::size_t> add_mapping_json(std::string_view json_text, const std::string& file);
  void add(const std::string& name, FieldMapping m, MappingOrigin origin);

  // The mapping of a concrete field name (exact, multi-field of a mapped field, pattern, or under
  // a flattened field); nullopt when neither ECS nor the user maps it.
  std::optional<ResolvedField> lookup(std::string_view name) const;
  // The nearest ancestor of `name` mapped as nested ("" when none).
  std::string nested_ancestor(std::string_view name) const;
  // Names of all explicitly mapped (non-pattern) fields of the user mapping, with their multi-fields.
  std::vector<std::string> user_fields() const;

 private:
  struct Entry {
    FieldMapping mapping;
    MappingOrigin origin;
  };
  std::optional<ResolvedField> lookup_plain(std::string_view name) const;
  std::optional<Entry> builtin_entry(std::string_view name) const;  // binary search in the compiled table
  bool builtin_ = false;
  std::map<std::string, Entry, std::less<>> exact_;
  std::vector<std::pair<std::string, Entry>> patterns_;  // names with '*'
};

// The fields of one "index" (a data set the rule reads): the static mappings plus dynamic mappings
// of the fields the documents hold, computed once over all documents (first value decides, as
// Elasticsearch's dynamic mapping does for the first document that brings a field).
class IndexFields {
 public:
  IndexFields(const FieldTypes& types) : types_(&types) {}
  void observe(DynRef doc);  // call for every document before matching
  // Resolves a concrete (non-wildcard) field name.
  ResolvedField resolve(std::string_view name) const;
  // Every field name of the index: leaf paths of the documents, their multi-fields and the user
  // mapping's fields; used to expand wildcard field names as Kibana does with the data view.
  const std::vector<std::string>& all_fields() const { return all_; }
  std::vector<std::string> expand(std::string_view pattern) const;
  // Expand wildcard field names against another field set (Kibana's data view spans all the
  // indices a rule reads, while each index keeps its own mapping).
  void set_data_view(const IndexFields* dv) { data_view_ = dv; }
  // Fields that got a dynamic mapping (no ECS/integration/user mapping), for the CLI note.
  std::vector<std::string> dynamic_fields() const;
  const FieldTypes& types() const { return *types_; }

 private:
  void add_name(const std::string& n);
  const FieldTypes* types_;
  const IndexFields* data_view_ = nullptr;
  std::map<std::string, FieldMapping, std::less<>> dynamic_;
  std::map<std::string, std::string, std::less<>> constants_;  // constant_keyword values seen first
  std::map<std::string, bool, std::less<>> known_;
  std::vector<std::string> all_;
};

// Elasticsearch's dynamic date detection (dynamic_date_formats: strict_date_optional_time,
// yyyy/MM/dd HH:mm:ss Z, yyyy/MM/dd Z).
bool looks_like_dynamic_date(std::string_view s);

}  // namespace rulelab::elastic
