// The shape of an Elastic document: its keys and structure and each value's JSON kind (null,
// boolean, integer, real, string), not its values. Read filters keep the first document of each
// shape they see, so that what is observed over the kept documents (field paths, the first value
// of each field, hence dynamic mappings) is what all documents would give.
#pragma once
#include <cstdint>
#include <optional>
#include <unordered_set>

#include "core/dynamic.hpp"

namespace rulelab::app {

// A hash of the document's shape (core/json_encode.hpp: dyn_shape); false when too deep to hash.
bool document_shape(DynRef doc, std::uint64_t& hash);

class ShapeSet {
 public:
  // Whether doc is the first of its shape seen here (a document too deep to hash always is).
  bool first_of_shape(DynRef doc) {
    std::uint64_t h = 0;
    return !document_shape(doc, h) || seen_.insert(h).second;
  }
  // The same for a shape hashed already (core/json_encode.hpp: json_shape); nullopt: too deep.
  bool first_of_shape(std::optional<std::uint64_t> shape) { return !shape || seen_.insert(*shape).second; }

 private:
  std::unordered_set<std::uint64_t> seen_;
};

}  // namespace rulelab::app
