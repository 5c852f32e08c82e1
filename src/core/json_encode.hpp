// Encoding of simdjson DOM elements as dynamic values (for the JSON readers; includes simdjson).
#pragma once
#include <simdjson.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dynamic.hpp"

namespace rulelab {

// Appends the encoding of e. Depth is bounded by simdjson's parser (max depth 1024 by default:
// deeper text is a parse error, so the recursion here stays within the stack). An object with a
// key written twice keeps one entry: the first position, the last value (JSON.parse, and
// DynRef::get's "last wins").
void encode_element(simdjson::dom::element e, DynWriter& w);

// The first key written twice in one object, anywhere inside e (Elasticsearch rejects such a
// document: its JSON parser has strict duplicate detection on since 6.0).
std::optional<std::string> find_duplicate_key(simdjson::dom::element e);

// Appends the encoding of the part of e that lies on the given dotted paths: an object keeps a
// member whose key is a path, starts one ("a" or "a.b" for "a.b.c": kept with what lies on the
// rest of the path) or lies under one ("a.b.c" for "a.b": kept whole); arrays keep every element
// (each projected alike), scalars stay. Whatever a path resolver reads at those paths (nested
// objects, dotted keys or both, arrays flattened) reads the same in the projection.
// `scratch` is reused between calls (one list of remaining paths per depth).
void encode_projection(simdjson::dom::element e, const std::vector<std::string_view>& paths, DynWriter& w,
                       std::vector<std::vector<std::string_view>>& scratch);

// A hash of a document's shape: its keys and structure and each value's JSON kind (null, boolean,
// integer, real, string; a run of array elements of one shape counts once), not its values. The
// element and its encoding hash alike. False when deeper than 64 levels.
bool json_shape(simdjson::dom::element e, std::uint64_t& hash);

// One walk for the document reader: find_duplicate_key's answer, and json_shape's hash (`shaped`
// false when too deep to hash).
std::optional<std::string> inspect_document(simdjson::dom::element e, std::uint64_t& shape, bool& shaped);
// The same over the document a dom::parser parsed last (its root), read from the tape directly.
std::optional<std::string> inspect_document(const simdjson::dom::document& doc, std::uint64_t& shape, bool& shaped);
// Only the first half of that (the same key), for a reader that has no use for the shape.
std::optional<std::string> find_duplicate_key(const simdjson::dom::document& doc);
// find_duplicate_key(doc) and, when it finds none, encode_projection of the root on `paths`, in
// one walk of the tape (with a duplicate, what `w` holds is unfinished).
std::optional<std::string> project_document(const simdjson::dom::document& doc, const std::vector<std::string_view>& paths, DynWriter& w,
                                            std::vector<std::vector<std::string_view>>& scratch);

}  // namespace rulelab
