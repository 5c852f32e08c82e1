// A document's projection read from simdjson's structural index alone (its stage 1), without
// building the DOM's tape: the document reader's fast path for documents judged on a few fields.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/dynamic.hpp"

namespace simdjson::dom {
class parser;
}

namespace rulelab {

// What project_document (core/json_encode.hpp) gives for the document p[0..n) (SIMDJSON_PADDING
// readable bytes after it) when it holds no duplicate key: the projection on `paths`, written to
// `w`. It decides only documents it can read with certainty: an object whose keys hold no escape,
// whose numbers are integers of at most 18 digits or finite doubles, whose strings escape no
// surrogate, at most 128 levels deep, with no key written twice, and that simdjson's stage 1
// accepts. For any other document (invalid JSON among them) project() returns false, leaving
// what `w` wrote unfinished: the caller parses the document with the DOM, which gives the error
// or the duplicate. `parser` lends its structural index (its capacity must hold n bytes, else
// false). One per thread: it keeps its buffers from one document to the next.
class ProjectionScanner {
 public:
  ProjectionScanner();
  ~ProjectionScanner();
  // With `shape`, also the document's shape hash there (inspect_document's; a document deeper
  // than 64 levels is not decided).
  bool project(simdjson::dom::parser& parser, const char* p, std::size_t n, const std::vector<std::string_view>& paths, DynWriter& w,
               std::uint64_t* shape = nullptr);

  struct Key {
    std::uint32_t at, size;
  };
  struct State {
    std::vector<std::vector<std::string_view>> scratch;  // the paths left at each depth
    std::string unescaped;
    std::vector<Key> keys;  // the keys of the objects being walked
  };

 private:
  State state_;
};

}  // namespace rulelab
