// The Elastic field model shared by kuery, EQL and ES|QL: Elasticsearch field mapping types, as
// they decide how a query matches a field. Sources, first wins: a user-supplied index mapping
// (`GET index/_mapping` or `GET index` JSON, with `settings.analysis`); the mapping Fleet gives the
// data stream of an Elastic integration package when the index is `logs-<dataset>-<namespace>`
// (compiled in from the packages' field files, with their analyzers and normalizers, and the
// logs@mappings + ecs@mappings dynamic templates for other fields; `dynamic: false` data streams
// such as Elastic Defend's index nothing else); else ECS 9.5 (a compiled-in table, a guess the
// runner reports); and, for fields mapped nowhere, Elasticsearch's dynamic mapping of the values
// found in the documents (dynamic templates first; else a JSON string becomes `text` with a
// `.keyword` sub-field, ignore_above 256; strings that look like dates become `date` unless
// date_detection is off; integers `long`; decimals `float`).
#pragma once
#include "elastic/date.hpp"
#include <map>
#include <set>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>
#include <nlohmann/json_fwd.hpp>

#include "core/dynamic.hpp"
#include "core/error.hpp"
#include "elastic/analysis.hpp"

namespace rulelab::elastic {

enum class FieldType {
  Keyword, ConstantKeyword, Wildcard, Text, MatchOnlyText,
  Long, Integer, Short, Byte, UnsignedLong, Double, Float, HalfFloat, ScaledFloat,
  Date, DateNanos, Ip, Boolean, Version, Flattened, Nested, Object, GeoPoint, Alias, Other
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
  std::shared_ptr<const Normalizer> normalizer;       // keyword: indexed and query terms normalized
  std::shared_ptr<const Analyzer> analyzer;           // text: index analyzer (null: standard)
  std::shared_ptr<const Analyzer> search_analyzer;    // text: query analyzer (null: the index analyzer)
  std::optional<std::string> null_value;              // what an explicit JSON null indexes as
  std::string constant_value;         // constant_keyword: the mapped value
  std::string alias_path;             // alias: the field it points to
  // date, date_nanos: the `format` parameter (null: strict_date_optional_time||epoch_millis, or
  // strict_date_optional_time_nanos||epoch_millis for date_nanos; elastic/date.hpp)
  std::shared_ptr<const DateFormats> date_format;
  // `{}`: clang (with libstdc++) otherwise needs FieldMapping complete to default-construct the vector.
  std::vector<std::pair<std::string, FieldMapping>> multi_fields{};  // sub-field name -> mapping

  // keyword or wildcard with no normalizer and no null_value: the terms indexed are the values
  // as the document writes them (what a raw-bytes prefilter may look for).
  bool terms_as_written() const {
    return (type == FieldType::Keyword || type == FieldType::Wildcard) && !normalizer && !null_value;
  }
  // keyword: the term indexed for a value (normalizer applied).
  std::string normalize(std::string_view v) const { return normalizer ? normalizer->apply(v) : std::string(v); }
  // text: the tokens indexed for a value / the tokens a query string searches for.
  std::vector<std::string> index_tokens(std::string_view v) const;
  std::vector<std::string> query_tokens(std::string_view v) const;
  // text: whether wildcard terms are lowercased (the search analyzer lowercases).
  bool lowercases_terms() const;
};

// Elasticsearch dynamic template (a mapping applied to unmapped fields by name and JSON type).
struct DynamicTemplate {
  std::string name;
  std::vector<std::string> match, unmatch, path_match, path_unmatch;  // '*' globs
  std::vector<std::string> match_mapping_type, unmatch_mapping_type;  // string, long, double, boolean, object, *
  FieldMapping mapping;
  bool applies(std::string_view path, std::string_view json_type) const;
};

enum class MappingOrigin { User, Ecs, Integration, Dynamic, Unmapped };
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

  // The mapping Fleet gives the data stream an index name belongs to (`logs-<dataset>-*` of a
  // compiled-in integration package), null when none does. `source` names it.
  // Parsed once per FieldTypes and data stream (a cache shared by copies of this object).
  std::shared_ptr<const FieldTypes> data_stream(std::string_view index, std::string* source = nullptr) const;
  // Adds the mapping of that data stream's integration package (its explicit fields, analysis and
  // dynamic templates, origin Integration: the user's mapping keeps precedence), or for Kibana's
  // security alerts index (.alerts-security.alerts-*, .internal.alerts-security.alerts-*) the
  // alerts-as-data mapping (every ECS field, the kibana.* fields, dynamic false); false when the
  // index is neither. `source` names it.
  bool add_data_stream(std::string_view index, std::string* source = nullptr);

  // Adds an Elasticsearch mapping: the `GET index/_mapping` or `GET index` response
  // ({"idx":{"mappings":{...},"settings":{...}}}), a bare {"mappings":{...}} or {"properties":{...}}.
  // Custom analyzers and normalizers come from settings.analysis (or settings.index.analysis);
  // dynamic templates, `dynamic` and `date_detection` from the mappings.
  Result<std::size_t> add_mapping_json(std::string_view json_text, const std::string& file,
                                       MappingOrigin origin = MappingOrigin::User);
  void add(const std::string& name, FieldMapping m, MappingOrigin origin);

  // The mapping of a concrete field name (exact, multi-field of a mapped field, pattern, or under
  // a flattened field); nullopt when neither ECS nor the user maps it.
  std::optional<ResolvedField> lookup(std::string_view name) const;
  // The nearest ancestor of `name` mapped as nested ("" when none).
  std::string nested_ancestor(std::string_view name) const;
  // Names of all explicitly mapped (non-pattern) fields of the user mapping, with their multi-fields.
  std::vector<std::string> user_fields() const;
  bool has_user_mapping() const { return has_user_; }
  bool builtin_ecs() const { return builtin_; }
  // Dynamic mapping rules of the index (root `dynamic`, `date_detection`, dynamic templates).
  bool dynamic() const { return dynamic_; }
  bool date_detection() const { return date_detection_; }
  const std::vector<DynamicTemplate>& dynamic_templates() const { return templates_; }
  // A mapping from its JSON (as in `properties`), with this index's analyzers and normalizers.
  FieldMapping parse_mapping(const nlohmann::json& spec) const;

 private:
  struct Entry {
    FieldMapping mapping;
    MappingOrigin origin;
  };
  std::optional<ResolvedField> lookup_plain(std::string_view name) const;
  std::optional<Entry> builtin_entry(std::string_view name) const;  // binary search in the compiled table
  void walk_properties(const nlohmann::json& props, const std::string& prefix, std::size_t& n, int depth, MappingOrigin origin);
  bool builtin_ = false;
  bool has_user_ = false;
  bool dynamic_ = true;
  bool date_detection_ = true;
  Analysis analysis_;
  std::vector<DynamicTemplate> templates_;
  struct StreamCache {
    std::mutex mutex;
    std::map<std::string, std::pair<std::shared_ptr<const FieldTypes>, std::string>, std::less<>> by_pattern;
  };
  std::shared_ptr<StreamCache> stream_cache_ = std::make_shared<StreamCache>();
  std::map<std::string, Entry, std::less<>> exact_;
  std::vector<std::pair<std::string, Entry>> patterns_;  // names with '*'
};

// The fields of one "index" (a data set the rule reads): the static mappings plus dynamic mappings
// of the fields the documents hold, computed once over all documents (first value decides, as
// Elasticsearch's dynamic mapping does for the first document that brings a field).
class IndexFields {
 public:
  IndexFields(const FieldTypes& types) : types_(&types) {}
  // The fields of the named index: the user's mapping first, then the mapping of the integration
  // data stream the name belongs to (if any), then (no data stream) ECS.
  IndexFields(const FieldTypes& types, std::string_view index);
  // How the index's fields are typed, for the user ("data stream logs-x-* (package p)", or the
  // guess: ECS + dynamic mapping). Empty for an IndexFields made without an index name.
  const std::string& mapping_source() const { return source_; }
  bool guessed() const { return guessed_; }
  void observe(DynRef doc);  // call for every document before matching
  // The same, with the document's dyn_shape given (computed while reading).
  void observe(DynRef doc, std::optional<std::uint64_t> shape);
  // Resolves a concrete (non-wildcard) field name.
  ResolvedField resolve(std::string_view name) const;
  // A field as the mappings type it for this index, without its documents (the user's mapping,
  // the data stream's, ECS): nullopt for a field only the dynamic mapping would type.
  std::optional<ResolvedField> mapped(std::string_view name) const { return lookup(name); }
  // The nearest ancestor mapped as nested in the mappings that type this index ("" when none).
  std::string nested_ancestor(std::string_view name) const;
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
  std::optional<ResolvedField> lookup(std::string_view name) const;
  const FieldTypes* types_;
  std::shared_ptr<const FieldTypes> stream_;  // the data stream's mapping (integration)
  std::string source_;
  bool guessed_ = false;
  const IndexFields* data_view_ = nullptr;
  std::map<std::string, FieldMapping, std::less<>> dynamic_;
  std::map<std::string, std::string, std::less<>> constants_;  // constant_keyword values seen first
  std::set<std::string, std::less<>> unset_constants_;  // constant_keyword paths seen with no value yet (nulls)
  std::map<std::string, bool, std::less<>> known_;
  std::vector<std::string> all_;
  // Shapes of the documents observed (core/json_encode.hpp: same keys, structure and JSON kinds,
  // null or not): a document of a shape seen before brings no field, no first value and no
  // constant the first one did not, so observe() skips it.
  std::unordered_set<std::uint64_t> shapes_;
};

// Elasticsearch's dynamic date detection (dynamic_date_formats: strict_date_optional_time,
// yyyy/MM/dd HH:mm:ss Z, yyyy/MM/dd Z).
bool looks_like_dynamic_date(std::string_view s);

}  // namespace rulelab::elastic
