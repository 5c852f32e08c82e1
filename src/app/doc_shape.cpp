#include "app/doc_shape.hpp"

#include <functional>
#include <string_view>

namespace rulelab::app {

namespace {

void mix(std::uint64_t& h, std::uint64_t x) { h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); }

bool shape(DynRef v, std::uint64_t& h, int depth) {
  if (depth > 64) return false;
  DynKind k = v.kind();
  if (k == DynKind::True) k = DynKind::False;
  mix(h, static_cast<std::uint64_t>(k) + 1);
  bool ok = true;
  if (k == DynKind::Object) {
    v.for_each_member([&](std::string_view key, DynRef m) {
      if (!ok) return;
      mix(h, std::hash<std::string_view>{}(key));
      ok = shape(m, h, depth + 1);
    });
  } else if (k == DynKind::Array) {
    std::uint64_t prev = 0;
    v.for_each_element([&](DynRef e) {
      if (!ok) return;
      std::uint64_t eh = 0x51ed27u;
      ok = shape(e, eh, depth + 1);
      if (eh != prev) mix(h, eh);  // a run of elements of one shape counts once
      prev = eh;
    });
  }
  return ok;
}

}  // namespace

bool document_shape(DynRef doc, std::uint64_t& hash) {
  hash = 0xcbf29ce484222325ULL;
  return shape(doc, hash, 0);
}

}  // namespace rulelab::app
