// Field paths in nested documents (Elastic _source): "all values at a.b.c".
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dynamic.hpp"

namespace rulelab {

// Calls f for every value at the dotted path, through objects and arrays, whether the document
// spells the path nested ({"a":{"b":1}}), with dotted keys ({"a.b":1}) or mixed. Arrays on the
// way are descended element by element; an array at the end yields each of its elements
// (flattened, as Elasticsearch indexes arrays), never the array itself. JSON null yields nothing.
void for_each_value_at(DynRef doc, std::string_view path, const std::function<void(DynRef)>& f);
// The same, JSON nulls included (a field with a `null_value` indexes them as that value).
void for_each_value_or_null_at(DynRef doc, std::string_view path, const std::function<void(DynRef)>& f);
std::vector<DynRef> values_at(DynRef doc, std::string_view path);
// for_each_value_at's values in its order until f returns true (then true); the rest of the
// document is not read (the first value of a field without touching the document's later bytes).
bool any_value_at(DynRef doc, std::string_view path, const std::function<bool(DynRef)>& f);
// True when the path has at least one non-null value (Elasticsearch's "exists").
bool path_exists(DynRef doc, std::string_view path);

// The dotted paths of all leaves (non-object values; arrays of objects are descended) in the
// document, each once, in document order. Used to expand field names with wildcards.
std::vector<std::string> leaf_paths(DynRef doc);

// Glob match of a dotted field pattern with '*' (any run of characters, dots included) against a
// field path, as Kibana expands wildcard field names.
bool field_pattern_matches(std::string_view pattern, std::string_view path);

}  // namespace rulelab
