// geo_line_simplify and geo_polygon_simplify (learn.microsoft.com/kusto/query/
// geo-line-simplify-function, geo-polygon-simplify-function): "replacing nearly straight chains of
// short edges with a single long edge", the result having "no two vertices with distance less than
// tolerance" (meters, 10 by default), a shape that the tolerance makes vanish giving null.
// rulelab's rule (the pages name no algorithm): Douglas-Peucker on the sphere (a vertex stays when
// it lies more than the tolerance from the geodesic edge that would replace it), then vertices
// closer than the tolerance to the vertex kept before them are dropped. A line keeps its end
// points; a ring keeps its first vertex and splits at the vertex farthest from it. A line or ring
// that collapses (fewer than 2, resp. 3, vertices left, or its ends closer than the tolerance)
// vanishes; a shell that vanishes takes its holes with it. The pages' examples give their outputs;
// Kusto (the S2 library's simplification) may keep other vertices on other shapes.
// A MultiPolygon of several polygons is united first (the page: "the result will be the area of
// polygons union"; fn_geo_overlay.cpp); a MultiLineString's lines are simplified one by one.
#include <cmath>
#include <string>

#include "engine/functions.hpp"
#include "engine/geo.hpp"
#include "engine/geo_overlay.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;
using geo::Chain;
using geo::LonLat;

Value null_geo() { return Value::null_of(Type::Dynamic); }

// Douglas-Peucker between c[from] and c[to] (both kept): marks the vertices to keep.
void douglas_peucker(const Chain& c, std::size_t from, std::size_t to, double tol, std::vector<bool>& keep) {
  if (to <= from + 1) return;
  double worst = -1;
  std::size_t at = from;
  for (std::size_t i = from + 1; i < to; ++i) {
    const double d = geo::distance_to_edge_m(c[i], c[from], c[to]);
    if (d > worst) {
      worst = d;
      at = i;
    }
  }
  if (worst <= tol) return;
  keep[at] = true;
  douglas_peucker(c, from, at, tol, keep);
  douglas_peucker(c, at, to, tol, keep);
}

// Drops kept vertices closer than tol to the one kept before them; the last vertex stays (a closer
// vertex before it goes instead).
Chain thin(const Chain& c, const std::vector<bool>& keep, double tol) {
  Chain out;
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (!keep[i]) continue;
    if (i + 1 == c.size()) {
      while (out.size() > 1 && geo::distance_m(out.back(), c[i]) < tol) out.pop_back();
      out.push_back(c[i]);
    } else if (out.empty() || geo::distance_m(out.back(), c[i]) >= tol) {
      out.push_back(c[i]);
    }
  }
  return out;
}

// A line: nullopt when it vanishes.
std::optional<Chain> simplify_line(const Chain& c, double tol) {
  std::vector<bool> keep(c.size(), false);
  keep.front() = keep.back() = true;
  douglas_peucker(c, 0, c.size() - 1, tol, keep);
  Chain out = thin(c, keep, tol);
  if (out.size() < 2 || (out.size() == 2 && geo::distance_m(out.front(), out.back()) < tol)) return std::nullopt;
  return out;
}

// A closed ring (last == first): nullopt when it vanishes.
std::optional<Chain> simplify_ring(const Chain& c, double tol) {
  const std::size_t n = c.size() - 1;  // distinct vertices
  std::size_t far = 1;
  for (std::size_t i = 1; i < n; ++i)
    if (geo::distance_m(c[0], c[i]) > geo::distance_m(c[0], c[far])) far = i;
  std::vector<bool> keep(c.size(), false);
  keep[0] = keep[far] = keep[n] = true;
  douglas_peucker(c, 0, far, tol, keep);
  douglas_peucker(c, far, n, tol, keep);
  Chain out = thin(c, keep, tol);  // ends with the closing vertex
  if (out.size() < 4) return std::nullopt;
  return out;
}

void write_chain(DynWriter& w, const Chain& c) {
  w.begin_array();
  for (auto& p : c) {
    w.begin_array();
    w.real(p.lon);
    w.real(p.lat);
    w.end();
  }
  w.end();
}

std::optional<double> tolerance(const CallArgs& a, double lo, double hi) {
  bool ok = true;
  const double tol = a.size() > 1 && !a[1].is_null() ? number_of(a[1], ok) : 10;
  if (!ok || !(tol >= lo && tol <= hi)) return std::nullopt;
  return tol;
}

bool is_multi(const Value& v, const char* type) {
  DynRef t = v.dyn().get("type");
  return t.valid() && t.is_string() && t.as_string() == type;
}

// geo_line_simplify(lineString [, tolerance]): tolerance in [0, ~7,800,000) meters (the page).
Value f_geo_line_simplify(const CallArgs& a) {
  auto ls = geo::read_lines(a[0]);
  auto tol = tolerance(a, 0, 7800000);
  if (!ls || !tol) return null_geo();
  std::vector<Chain> kept;
  for (auto& l : *ls)
    if (auto s = simplify_line(l, *tol)) kept.push_back(std::move(*s));
  if (kept.empty()) return null_geo();
  const bool multi = kept.size() > 1 || is_multi(a[0], "MultiLineString");
  std::string out;
  DynWriter w(out);
  w.begin_object();
  w.key("type");
  w.string(multi ? "MultiLineString" : "LineString");
  w.key("coordinates");
  if (multi) w.begin_array();
  for (auto& l : kept) write_chain(w, l);
  if (multi) w.end();
  w.end();
  return Value::of_dynamic(std::move(out));
}

// geo_polygon_simplify(polygon [, tolerance]): tolerance in [0.1, 10000] meters (the page's
// parameter table).
Value f_geo_polygon_simplify(const CallArgs& a) {
  auto ps = geo::read_polygons(a[0]);
  auto tol = tolerance(a, 0.1, 10000);
  if (!ps || !tol) return null_geo();
  const bool united = ps->size() > 1;  // then the union's parts decide Polygon or MultiPolygon
  if (united) ps = geo::overlay({std::move(*ps)}, geo::OverlayOp::Union).polygons;
  std::vector<std::vector<Chain>> kept;
  for (auto& p : *ps) {
    auto shell = simplify_ring(p[0], *tol);
    if (!shell) continue;
    kept.push_back({std::move(*shell)});
    for (std::size_t h = 1; h < p.size(); ++h)
      if (auto hole = simplify_ring(p[h], *tol)) kept.back().push_back(std::move(*hole));
  }
  if (kept.empty()) return null_geo();
  const bool multi = kept.size() > 1 || (!united && is_multi(a[0], "MultiPolygon"));
  std::string out;
  DynWriter w(out);
  w.begin_object();
  w.key("type");
  w.string(multi ? "MultiPolygon" : "Polygon");
  w.key("coordinates");
  if (multi) w.begin_array();
  for (auto& p : kept) {
    w.begin_array();
    for (auto& r : p) write_chain(w, r);
    w.end();
  }
  if (multi) w.end();
  w.end();
  return Value::of_dynamic(std::move(out));
}

}  // namespace

std::optional<geo::Chain> geo::simplified_ring(const Chain& ring, double tolerance_m) { return engine::simplify_ring(ring, tolerance_m); }

void add_geo_simplify_functions(std::vector<ScalarFunction>& out) {
  out.push_back(ScalarFunction{"geo_line_simplify", 1, 2, ret_dynamic, f_geo_line_simplify, nullptr, true});
  out.push_back(ScalarFunction{"geo_polygon_simplify", 1, 2, ret_dynamic, f_geo_polygon_simplify, nullptr, true});
}

}  // namespace rulelab::engine
