// Encoding of simdjson DOM elements as dynamic values (for the JSON readers; includes simdjson).
#pragma once
#include <simdjson.h>

#include <optional>
#include <string>

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

}  // namespace rulelab
