// Selection vectors (ascending row indexes, core/column.hpp) narrowed clause by clause: the set
// operations a per-batch evaluation of AND, OR and NOT needs. A condition over a batch starts
// from the rows it may keep; AND narrows the selection child by child, OR gives each child only
// the rows no earlier child kept, NOT removes what its child keeps. Each row meets the children in
// the order a per-row evaluation with short-circuits would, so both keep the same rows.
#pragma once
#include <cstdint>
#include <utility>

#include "core/column.hpp"

namespace rulelab {

// Keeps the rows for which keep(row) is true (in order).
template <class F>
void selection_keep_if(SelectionVector& sel, F&& keep) {
  std::size_t out = 0;
  for (std::size_t k = 0; k < sel.size(); ++k)
    if (keep(sel[k])) sel[out++] = sel[k];
  sel.resize(out);
}

// sel without the rows of `gone`, a subset of it (both ascending).
inline void selection_subtract(SelectionVector& sel, const SelectionVector& gone) {
  if (gone.empty()) return;
  std::size_t out = 0, g = 0;
  for (std::size_t k = 0; k < sel.size(); ++k) {
    if (g < gone.size() && gone[g] == sel[k]) {
      ++g;
      continue;
    }
    sel[out++] = sel[k];
  }
  sel.resize(out);
}

// The union of two disjoint ascending selections, into `into`.
inline void selection_unite(SelectionVector& into, const SelectionVector& more) {
  if (more.empty()) return;
  if (into.empty()) {
    into = more;
    return;
  }
  SelectionVector out;
  out.reserve(into.size() + more.size());
  std::size_t a = 0, b = 0;
  while (a < into.size() && b < more.size()) out.push_back(into[a] < more[b] ? into[a++] : more[b++]);
  while (a < into.size()) out.push_back(into[a++]);
  while (b < more.size()) out.push_back(more[b++]);
  into = std::move(out);
}

// OR over `n` children: child(i, s) narrows s to the rows child i keeps; each child sees only the
// rows the earlier ones did not keep. sel becomes the rows any child keeps.
template <class Child>
void selection_any(SelectionVector& sel, std::size_t n, Child&& child) {
  SelectionVector rest = std::move(sel), kept, part;
  for (std::size_t i = 0; i < n && !rest.empty(); ++i) {
    part = rest;
    child(i, part);
    selection_subtract(rest, part);
    selection_unite(kept, part);
  }
  sel = std::move(kept);
}

// NOT: child(s) narrows s to the rows the child keeps; sel keeps the others.
template <class Child>
void selection_not(SelectionVector& sel, Child&& child) {
  SelectionVector part = sel;
  child(part);
  selection_subtract(sel, part);
}

// The rows [0, n) as a selection.
inline SelectionVector selection_all(std::size_t n) {
  SelectionVector s(n);
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<std::uint32_t>(i);
  return s;
}

}  // namespace rulelab
