// H3 cell functions of the reference (learn.microsoft.com/kusto/query/geo-point-to-h3cell-function,
// geo-h3cell-to-central-point-function, geo-h3cell-to-polygon-function, geo-h3cell-neighbors-function,
// geo-h3cell-rings-function, geo-polygon-to-h3cells-function, geo-h3cell-level-function,
// geo-h3cell-parent-function, geo-h3cell-children-function) over the grid of h3.cpp. A token is
// the cell index in lower-case hex; an invalid token gives null (an empty string for the functions
// that return a token).
#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_set>
#include <vector>

#include "engine/functions.hpp"
#include "engine/geo.hpp"
#include "engine/h3.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;

Value null_dyn() { return Value::null_of(Type::Dynamic); }

std::optional<h3::Cell> cell_arg(const Value& v) {
  if (v.is_null()) return std::nullopt;
  return h3::parse(to_kusto_string(v));
}
// An integer argument in [lo, hi]; absent gives dflt; null, fractional or out of range: nullopt.
std::optional<int> int_arg(const CallArgs& a, std::size_t i, int dflt, int lo, int hi) {
  if (a.size() <= i) return dflt;
  if (a[i].is_null()) return std::nullopt;
  bool ok = true;
  const double v = number_of(a[i], ok);
  if (!ok || !(v >= lo && v <= hi) || v != std::floor(v)) return std::nullopt;
  return static_cast<int>(v);
}
Value token_array(const std::vector<h3::Cell>& cells) {
  std::string out;
  DynWriter w(out);
  w.begin_array();
  for (auto c : cells) w.string(h3::token(c));
  w.end();
  return Value::of_dynamic(std::move(out));
}

Value f_geo_h3cell_level(const CallArgs& a) {
  auto h = cell_arg(a[0]);
  return h ? Value::of_int(h3::resolution(*h)) : Value::null_of(Type::Int);
}
// geo_h3cell_parent(h3cell [, resolution]): the immediate parent by default; a resolution out of
// [0, 14] or above the cell's gives an empty string.
Value f_geo_h3cell_parent(const CallArgs& a) {
  auto h = cell_arg(a[0]);
  if (!h) return Value::of_string("");
  const int res = h3::resolution(*h);
  bool ok = true;
  const double want = a.size() > 1 && !a[1].is_null() ? number_of(a[1], ok) : res - 1;
  if (!ok || want < 0 || want > 14 || want != std::floor(want) || want > res) return Value::of_string("");
  h3::Cell p = h3::set_resolution(*h, static_cast<int>(want));
  for (int r = static_cast<int>(want) + 1; r <= res; ++r) p = h3::set_digit(p, r, 7);
  return Value::of_string(h3::token(p));
}
// geo_h3cell_children(h3cell [, resolution]): the immediate children by default, in digit order; a
// resolution out of [1, 15], below the cell's or more than 5 levels below it gives null. A
// pentagon has no child of digit 1 where all digits above are 0.
void h3_children(h3::Cell h, int target, std::vector<h3::Cell>& out) {
  const int res = h3::resolution(h);
  if (res == target) {
    out.push_back(h);
    return;
  }
  const bool pent = h3::is_pentagon(h);
  for (int d = 0; d < 7; ++d) {
    if (pent && d == 1) continue;
    h3_children(h3::set_digit(h3::set_resolution(h, res + 1), res + 1, d), target, out);
  }
}
Value f_geo_h3cell_children(const CallArgs& a) {
  auto h = cell_arg(a[0]);
  if (!h) return null_dyn();
  const int res = h3::resolution(*h);
  bool ok = true;
  const double want = a.size() > 1 && !a[1].is_null() ? number_of(a[1], ok) : res + 1;
  if (!ok || want < 1 || want > 15 || want != std::floor(want) || want < res || want - res > 5) return null_dyn();
  std::vector<h3::Cell> kids;
  h3_children(*h, static_cast<int>(want), kids);
  return token_array(kids);
}

// geo_point_to_h3cell(longitude, latitude [, resolution]): resolution 0..15, 6 by default; invalid
// coordinates or resolution (a null one included) give an empty string.
Value f_geo_point_to_h3cell(const CallArgs& a) {
  bool ok = true;
  const double lon = number_of(a[0], ok), lat = number_of(a[1], ok);
  const auto res = int_arg(a, 2, 6, 0, 15);
  if (!ok || !res || !(lon >= -180 && lon <= 180) || !(lat >= -90 && lat <= 90)) return Value::of_string("");
  auto h = h3::from_point(lon, lat, *res);
  return h ? Value::of_string(h3::token(*h)) : Value::of_string("");
}

// geo_h3cell_to_central_point(h3cell): a GeoJSON point.
Value f_geo_h3cell_to_central_point(const CallArgs& a) {
  auto h = cell_arg(a[0]);
  if (!h) return null_dyn();
  const geo::LonLat p = h3::center(*h);
  std::string out;
  DynWriter w(out);
  w.begin_object();
  w.key("type");
  w.string("Point");
  w.key("coordinates");
  w.begin_array();
  w.real(p.lon);
  w.real(p.lat);
  w.end();
  w.end();
  return Value::of_dynamic(std::move(out));
}

// geo_h3cell_to_polygon(h3cell): a GeoJSON polygon of the cell's boundary, counterclockwise, closed.
Value f_geo_h3cell_to_polygon(const CallArgs& a) {
  auto h = cell_arg(a[0]);
  if (!h) return null_dyn();
  std::vector<std::pair<double, double>> ring;
  for (auto& p : h3::boundary(*h)) ring.emplace_back(p.lon, p.lat);
  ring.push_back(ring.front());
  return geo::polygon_value(ring);
}

// geo_h3cell_neighbors(h3cell): the cells at grid distance 1 (6, or 5 around a pentagon).
Value f_geo_h3cell_neighbors(const CallArgs& a) {
  auto h = cell_arg(a[0]);
  if (!h) return null_dyn();
  return token_array(h3::rings(*h, 1)[1]);
}

// geo_h3cell_rings(h3cell, distance): an array of rings, distance 0..142.
Value f_geo_h3cell_rings(const CallArgs& a) {
  auto h = cell_arg(a[0]);
  const auto k = int_arg(a, 1, 0, 0, 142);
  if (!h || !k) return null_dyn();
  std::string out;
  DynWriter w(out);
  w.begin_array();
  for (auto& ring : h3::rings(*h, *k)) {
    w.begin_array();
    for (auto c : ring) w.string(h3::token(c));
    w.end();
  }
  w.end();
  return Value::of_dynamic(std::move(out));
}

// geo_polygon_to_h3cells(polygon [, resolution [, radius]]): the cells whose centers lie inside the
// polygon (edges are straight lines in longitude and latitude; holes excluded) or, with a positive
// radius in meters, within that distance of it; in index order (the page does not define an order).
// More than 61680 cells give null.
constexpr std::size_t kMaxPolygonCells = 61680;
// Polygon edges are sampled at a quarter of the resolution's average hexagon edge to find the cells
// they pass through (rulelab's bound on the work: 4,000,000 samples, beyond it the result is null).
constexpr double kRes0EdgeM = 1107712.591;
constexpr std::size_t kMaxSamples = 4000000;

bool inside_planar(const std::vector<geo::Chain>& poly, geo::LonLat p) {
  bool in = false;
  for (auto& ring : poly)
    for (std::size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
      const auto& a = ring[i];
      const auto& b = ring[j];
      if ((a.lat > p.lat) != (b.lat > p.lat) && p.lon < (b.lon - a.lon) * (p.lat - a.lat) / (b.lat - a.lat) + a.lon) in = !in;
    }
  return in;
}
bool near_boundary(const std::vector<geo::Chain>& poly, geo::LonLat p, double radius) {
  for (auto& ring : poly)
    for (std::size_t i = 0; i + 1 < ring.size(); ++i)
      if (geo::distance_to_edge_m(p, ring[i], ring[i + 1]) <= radius) return true;
  return false;
}

Value f_geo_polygon_to_h3cells(const CallArgs& a) {
  auto polys = geo::read_polygons(a[0]);
  const auto res = int_arg(a, 1, 6, 0, 15);
  bool ok = true;
  const double radius = a.size() > 2 && !a[2].is_null() ? number_of(a[2], ok) : 0;
  if (!polys || !res || !ok || !(radius >= 0) || !std::isfinite(radius)) return null_dyn();
  const double step = kRes0EdgeM * std::pow(7.0, -*res / 2.0) / 4;
  std::vector<h3::Cell> out;
  std::unordered_set<h3::Cell> kept, seen;
  std::size_t samples = 0;
  for (auto& poly : *polys) {
    auto qualifies = [&](h3::Cell c) {
      const geo::LonLat p = h3::center(c);
      return inside_planar(poly, p) || (radius > 0 && near_boundary(poly, p, radius));
    };
    // Seeds: the cells the boundary passes through; then a flood over neighbours that qualify.
    std::vector<h3::Cell> frontier;
    seen.clear();
    for (auto& ring : poly)
      for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
        const geo::LonLat p = ring[i], q = ring[i + 1];
        const auto n = static_cast<std::size_t>(std::ceil(geo::distance_m(p, q) / step)) + 1;
        if ((samples += n) > kMaxSamples) return null_dyn();
        for (std::size_t s = 0; s < n; ++s) {
          const double t = static_cast<double>(s) / static_cast<double>(n);
          auto c = h3::from_point(p.lon + (q.lon - p.lon) * t, p.lat + (q.lat - p.lat) * t, *res);
          if (c && seen.insert(*c).second) frontier.push_back(*c);
        }
      }
    std::vector<h3::Cell> next;
    while (!frontier.empty()) {
      next.clear();
      for (auto c : frontier) {
        for (auto& ring : h3::rings(c, 1))
          for (auto n : ring) {
            if (kept.count(n) || !qualifies(n)) continue;
            kept.insert(n);
            out.push_back(n);
            if (out.size() > kMaxPolygonCells) return null_dyn();
            next.push_back(n);
          }
      }
      std::swap(frontier, next);
    }
  }
  std::sort(out.begin(), out.end());
  return token_array(out);
}

}  // namespace

void add_geo_h3_functions(std::vector<ScalarFunction>& out) {
  auto add = [&](const char* n, int mn, int mx, TypeRule t, ScalarImpl f) { out.push_back(ScalarFunction{n, mn, mx, t, f, nullptr, true}); };
  add("geo_h3cell_level", 1, 1, ret_int, f_geo_h3cell_level);
  add("geo_h3cell_parent", 1, 2, ret_string, f_geo_h3cell_parent);
  add("geo_h3cell_children", 1, 2, ret_dynamic, f_geo_h3cell_children);
  add("geo_point_to_h3cell", 2, 3, ret_string, f_geo_point_to_h3cell);
  add("geo_h3cell_to_central_point", 1, 1, ret_dynamic, f_geo_h3cell_to_central_point);
  add("geo_h3cell_to_polygon", 1, 1, ret_dynamic, f_geo_h3cell_to_polygon);
  add("geo_h3cell_neighbors", 1, 1, ret_dynamic, f_geo_h3cell_neighbors);
  add("geo_h3cell_rings", 2, 2, ret_dynamic, f_geo_h3cell_rings);
  add("geo_polygon_to_h3cells", 1, 3, ret_dynamic, f_geo_polygon_to_h3cells);
}

}  // namespace rulelab::engine
