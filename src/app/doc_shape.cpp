#include "app/doc_shape.hpp"

#include "core/json_encode.hpp"

namespace rulelab::app {

bool document_shape(DynRef doc, std::uint64_t& hash) { return dyn_shape(doc, hash); }

}  // namespace rulelab::app
