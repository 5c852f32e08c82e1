// geo_union_lines_array (learn.microsoft.com/kusto/query/geo-union-lines-array-function): the union
// of an array of lines and multilines, as one line or multiline; null when the argument is not a
// non-empty array or any element is not a valid line. rulelab's union merges edges that join the
// same two vertices (in either direction) into one, then chains the edges into lines through the
// vertices where exactly two edges meet, each line in the direction of its first edge in input
// order. This gives the page's examples (three lines sharing edges become one 4-vertex line).
// Edges that overlap only in part, or cross, are kept as given (Kusto's S2 union may split them):
// the README says so.
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/functions.hpp"
#include "engine/geo.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;
using geo::Chain;
using geo::LonLat;

using Key = std::pair<double, double>;
Key key_of(const LonLat& p) { return {p.lon, p.lat}; }

Value f_geo_union_lines_array(const CallArgs& a) {
  const Value null = Value::null_of(Type::Dynamic);
  if (a[0].type != Type::Dynamic || a[0].is_null()) return null;
  DynRef arr = a[0].dyn();
  if (!arr.is_array() || arr.size() == 0) return null;
  // vertices by their coordinates; edges as vertex pairs, each once
  std::vector<LonLat> verts;
  std::map<Key, std::size_t> vid;
  std::vector<std::pair<std::size_t, std::size_t>> edges;
  std::map<std::pair<std::size_t, std::size_t>, bool> seen;
  bool ok = true;
  arr.for_each_element([&](DynRef e) {
    if (!ok) return;
    auto ls = geo::read_lines(Value::of_dynamic(e));
    if (!ls) {
      ok = false;
      return;
    }
    for (auto& l : *ls) {
      std::size_t prev = 0;
      for (std::size_t i = 0; i < l.size(); ++i) {
        auto [it, added] = vid.emplace(key_of(l[i]), verts.size());
        if (added) verts.push_back(l[i]);
        const std::size_t v = it->second;
        if (i > 0 && v != prev) {
          const std::pair<std::size_t, std::size_t> undirected{std::min(prev, v), std::max(prev, v)};
          if (seen.emplace(undirected, true).second) edges.emplace_back(prev, v);
        }
        prev = v;
      }
    }
  });
  if (!ok || edges.empty()) return null;
  std::vector<std::vector<std::size_t>> at(verts.size());  // edges at each vertex
  for (std::size_t e = 0; e < edges.size(); ++e) {
    at[edges[e].first].push_back(e);
    at[edges[e].second].push_back(e);
  }
  std::vector<bool> used(edges.size(), false);
  auto other = [&](std::size_t e, std::size_t v) { return edges[e].first == v ? edges[e].second : edges[e].first; };
  // the next unused edge through v when exactly two edges meet there
  auto through = [&](std::size_t v) -> std::optional<std::size_t> {
    if (at[v].size() != 2) return std::nullopt;
    for (auto e : at[v])
      if (!used[e]) return e;
    return std::nullopt;
  };
  std::vector<std::vector<std::size_t>> chains;
  for (std::size_t e = 0; e < edges.size(); ++e) {
    if (used[e]) continue;
    used[e] = true;
    std::vector<std::size_t> fwd{edges[e].first, edges[e].second}, back;
    while (auto n = through(fwd.back())) {
      used[*n] = true;
      fwd.push_back(other(*n, fwd.back()));
    }
    std::size_t start = edges[e].first;
    while (auto n = through(start)) {
      used[*n] = true;
      start = other(*n, start);
      back.push_back(start);
    }
    std::vector<std::size_t> c(back.rbegin(), back.rend());
    c.insert(c.end(), fwd.begin(), fwd.end());
    chains.push_back(std::move(c));
  }
  std::string out;
  DynWriter w(out);
  w.begin_object();
  w.key("type");
  w.string(chains.size() == 1 ? "LineString" : "MultiLineString");
  w.key("coordinates");
  if (chains.size() > 1) w.begin_array();
  for (auto& c : chains) {
    w.begin_array();
    for (auto v : c) {
      w.begin_array();
      w.real(verts[v].lon);
      w.real(verts[v].lat);
      w.end();
    }
    w.end();
  }
  if (chains.size() > 1) w.end();
  w.end();
  return Value::of_dynamic(std::move(out));
}

}  // namespace

void add_geo_union_functions(std::vector<ScalarFunction>& out) {
  out.push_back(ScalarFunction{"geo_union_lines_array", 1, 1, ret_dynamic, f_geo_union_lines_array, nullptr, true});
}

}  // namespace rulelab::engine
