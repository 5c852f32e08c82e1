#include "core/paths.hpp"

#include <algorithm>

namespace rulelab {

namespace {

void emit_leaf(DynRef v, const std::function<void(DynRef)>& f, bool nulls) {
  if (v.is_array()) {
    v.for_each_element([&](DynRef e) { emit_leaf(e, f, nulls); });
  } else if (nulls || !v.is_null()) {
    f(v);
  }
}

// rest: remaining path (no leading dot). nulls: JSON nulls are leaves too.
void walk(DynRef v, std::string_view rest, const std::function<void(DynRef)>& f, bool nulls = false) {
  if (rest.empty()) {
    emit_leaf(v, f, nulls);
    return;
  }
  if (v.is_array()) {
    v.for_each_element([&](DynRef e) { walk(e, rest, f, nulls); });
    return;
  }
  if (!v.is_object()) return;
  v.for_each_member([&](std::string_view key, DynRef child) {
    if (key.empty() || key[0] != rest[0] || key.size() > rest.size()) return;  // (most keys differ at once)
    if (rest.size() == key.size() && rest == key) {
      walk(child, {}, f, nulls);
    } else if (rest.size() > key.size() && rest.starts_with(key) && rest[key.size()] == '.') {
      walk(child, rest.substr(key.size() + 1), f, nulls);
    }
  });
}

// walk's visit in the same order, until f returns true (then true).
bool walk_until(DynRef v, std::string_view rest, const std::function<bool(DynRef)>& f) {
  if (rest.empty()) {
    if (v.is_array()) return v.any_element([&](DynRef e) { return walk_until(e, {}, f); });
    return !v.is_null() && f(v);
  }
  if (v.is_array()) return v.any_element([&](DynRef e) { return walk_until(e, rest, f); });
  if (!v.is_object()) return false;
  return v.any_member([&](std::string_view key, DynRef child) {
    if (key.empty() || key[0] != rest[0] || key.size() > rest.size()) return false;
    if (rest.size() == key.size() && rest == key) return walk_until(child, {}, f);
    if (rest.size() > key.size() && rest.starts_with(key) && rest[key.size()] == '.') return walk_until(child, rest.substr(key.size() + 1), f);
    return false;
  });
}

void collect(DynRef v, std::string& prefix, std::vector<std::string>& out) {
  if (v.is_object()) {
    v.for_each_member([&](std::string_view key, DynRef child) {
      const std::size_t len = prefix.size();
      if (!prefix.empty()) prefix += '.';
      prefix += key;
      collect(child, prefix, out);
      prefix.resize(len);
    });
  } else if (v.is_array()) {
    bool has_object = false;
    v.for_each_element([&](DynRef e) {
      if (e.is_object() || e.is_array()) {
        has_object = true;
        collect(e, prefix, out);
      }
    });
    if (!has_object && !prefix.empty()) out.push_back(prefix);
  } else if (!prefix.empty()) {
    out.push_back(prefix);
  }
}

}  // namespace

void for_each_value_at(DynRef doc, std::string_view path, const std::function<void(DynRef)>& f) {
  walk(doc, path, f);
}

void for_each_value_or_null_at(DynRef doc, std::string_view path, const std::function<void(DynRef)>& f) {
  walk(doc, path, f, true);
}

bool any_value_at(DynRef doc, std::string_view path, const std::function<bool(DynRef)>& f) { return walk_until(doc, path, f); }

std::vector<DynRef> values_at(DynRef doc, std::string_view path) {
  std::vector<DynRef> out;
  walk(doc, path, [&](DynRef v) { out.push_back(v); });
  return out;
}

bool path_exists(DynRef doc, std::string_view path) {
  bool found = false;
  walk(doc, path, [&](DynRef) { found = true; });
  return found;
}

std::vector<std::string> leaf_paths(DynRef doc) {
  std::vector<std::string> all;
  std::string prefix;
  collect(doc, prefix, all);
  std::vector<std::string> out;
  for (auto& p : all)
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(std::move(p));
  return out;
}

bool field_pattern_matches(std::string_view pattern, std::string_view path) {
  // Iterative glob with backtracking to the last star.
  std::size_t p = 0, s = 0, star = std::string_view::npos, mark = 0;
  while (s < path.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = s;
    } else if (p < pattern.size() && pattern[p] == path[s]) {
      ++p;
      ++s;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      s = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace rulelab
