// Encoding of simdjson DOM elements as dynamic values (for the JSON readers; includes simdjson).
#pragma once
#include <simdjson.h>

#include "core/dynamic.hpp"

namespace rulelab {

// Appends the encoding of e. Depth is bounded by simdjson's parser (max depth 1024 by default).
void encode_element(simdjson::dom::element e, DynWriter& w);

}  // namespace rulelab
