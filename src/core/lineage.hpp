// Provenance of rows built from several input records (a join pair, a summarize group).
//
// A RowSource names one input record (file index, line). A row made of several records carries
// a composite RowSource: file == kCompositeFile and line = the index of a set in a Lineage arena
// that lists the records (flattened: sets never nest). Operators that copy rows copy RowSources
// unchanged, so provenance flows through them for free; only the operators that combine rows
// call Lineage::combine. The arena is owned by one query run; without one, provenance is off and
// combined rows keep the first record's source.
#pragma once
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

#include "core/column.hpp"

namespace rulelab {

inline constexpr std::uint32_t kCompositeFile = 0xFFFFFFFFu;

class Lineage {
 public:
  // A RowSource for the union of the records behind `parts`.
  RowSource combine(std::span<const RowSource> parts) {
    std::vector<RowSource> set;
    for (const RowSource& p : parts) expand(p, set);
    std::sort(set.begin(), set.end(), less);
    set.erase(std::unique(set.begin(), set.end(), same), set.end());
    if (set.size() == 1) return set.front();
    sets_.push_back(std::move(set));
    return RowSource{kCompositeFile, static_cast<std::uint32_t>(sets_.size() - 1)};
  }
  RowSource combine(RowSource a, RowSource b) {
    const RowSource parts[2] = {a, b};
    return combine(std::span<const RowSource>(parts, 2));
  }
  // Appends the records behind s (itself, or the members of its set).
  void expand(RowSource s, std::vector<RowSource>& out) const {
    if (s.file == kCompositeFile && s.line < sets_.size()) {
      const auto& set = sets_[s.line];
      out.insert(out.end(), set.begin(), set.end());
    } else if (s.file != kCompositeFile) {
      out.push_back(s);
    }
  }
  std::vector<RowSource> records(RowSource s) const {
    std::vector<RowSource> out;
    expand(s, out);
    return out;
  }

 private:
  static bool less(const RowSource& a, const RowSource& b) { return a.file != b.file ? a.file < b.file : a.line < b.line; }
  static bool same(const RowSource& a, const RowSource& b) { return a.file == b.file && a.line == b.line; }
  std::vector<std::vector<RowSource>> sets_;
};

}  // namespace rulelab
