// geo_line_buffer and geo_polygon_buffer (learn.microsoft.com/kusto/query/geo-line-buffer-function,
// geo-polygon-buffer-function): a Polygon or MultiPolygon around the shape holding every point
// within the radius (meters, which must be positive), deviating from the ideal buffer by at most
// the tolerance (meters, 10 by default, clamped as geo_point_buffer's page says). The pages show no
// coordinates, so the tessellation is rulelab's own: the union (fn_geo_overlay.cpp) of
// geo_point_buffer's polygon around every vertex (round end caps and joins) and, along every edge,
// a band whose two long sides run at the radius from the edge (vertices at the radius, densified
// until the geodesic between two of them, which bulges away from the edge, strays no more than the
// tolerance beyond it). A polygon's buffer is the polygon united with its rings' buffers. An
// invalid shape, radius or tolerance, or a radius of a quarter of the Earth's circumference or
// more, gives null.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>

#include "engine/functions.hpp"
#include "engine/geo_overlay.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;
using geo::Chain;
using geo::LonLat;

constexpr double kPi = 3.14159265358979323846;

using geo::V3;

struct Params {
  double radius = 0, tol = 0;  // meters, tol clamped
};

// The band along edge a-b: counterclockwise, from the right side's start.
std::optional<geo::Polygon> band(LonLat pa, LonLat pb, const Params& p) {
  const V3 a = to_v3(pa), b = to_v3(pb);
  const V3 c = cross(a, b);
  const double s = norm(c), theta = std::atan2(s, dot(a, b));
  if (!(s > 0)) return std::nullopt;
  const V3 n = c * (1 / s);  // left of a -> b
  const double rho = p.radius / geo::kEarthRadiusM;
  // the geodesic between two side vertices an along-track angle d apart reaches
  // atan(tan(rho) / cos(d / 2)) from the edge at its middle
  int k = 1;
  while (k < 100000 && (std::atan(std::tan(rho) / std::cos(theta / (2 * k))) - rho) * geo::kEarthRadiusM > p.tol) ++k;
  auto side = [&](int i, double sign) {
    const double t = static_cast<double>(i) / k;
    const V3 m = (a * std::sin((1 - t) * theta) + b * std::sin(t * theta)) * (1 / std::sin(theta));
    return lonlat_of(m * std::cos(rho) + n * (sign * std::sin(rho)));
  };
  Chain ring;
  for (int i = 0; i <= k; ++i) ring.push_back(side(i, -1));
  for (int i = k; i >= 0; --i) ring.push_back(side(i, 1));
  ring.push_back(ring.front());
  return geo::Polygon{std::move(ring)};
}

// Parts of more vertices than this are refused (null; README): a long line with a tolerance near
// its floor (0.0001% of the radius) would otherwise take gigabytes.
constexpr std::size_t kMaxVertices = 1000000;

// The circles around a chain's vertices and the bands along its edges, each a region of its own;
// false when a circle is impossible or the parts pass kMaxVertices (counted in `vertices`).
bool buffer_parts(const Chain& c, const Params& p, std::vector<geo::Region>& out, std::size_t& vertices) {
  auto add = [&](geo::Polygon poly) {
    vertices += poly[0].size();
    out.push_back({std::move(poly)});
    return vertices <= kMaxVertices;
  };
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (i > 0 && c[i].lon == c[i - 1].lon && c[i].lat == c[i - 1].lat) continue;
    const bool closing = i > 0 && i + 1 == c.size() && c[i].lon == c[0].lon && c[i].lat == c[0].lat;
    if (closing) {
      if (auto b = band(c[i - 1], c[i], p))
        if (!add(std::move(*b))) return false;
      continue;
    }
    auto circle = geo::circle_ring(c[i], p.radius, p.tol);
    if (!circle || !add(geo::Polygon{std::move(*circle)})) return false;
    if (i > 0)
      if (auto b = band(c[i - 1], c[i], p))
        if (!add(std::move(*b))) return false;
  }
  return true;
}

std::optional<Params> params(const CallArgs& a) {
  bool ok = true;
  const double radius = number_of(a[1], ok);
  const double tol = a.size() > 2 && !a[2].is_null() ? number_of(a[2], ok) : 10;
  if (!ok || !(radius > 0) || !(tol > 0) || radius / geo::kEarthRadiusM >= kPi / 2) return std::nullopt;
  return Params{radius, std::clamp(tol, radius * 1e-6, radius * 0.999)};
}

// The union of parts[from, to), halves first (a cascaded union: pieces buried inside a half's
// union are gone before the halves meet, which keeps long overlapping buffers fast).
geo::Region united(const std::vector<geo::Region>& parts, std::size_t from, std::size_t to) {
  std::vector<geo::Region> ops;
  if (to - from <= 8) {
    ops.assign(parts.begin() + static_cast<std::ptrdiff_t>(from), parts.begin() + static_cast<std::ptrdiff_t>(to));
  } else {
    const std::size_t mid = from + (to - from) / 2;
    ops.push_back(united(parts, from, mid));
    ops.push_back(united(parts, mid, to));
  }
  return geo::overlay(ops, geo::OverlayOp::Union).polygons;
}
Value united(const std::vector<geo::Region>& parts) {
  geo::Overlay u;
  if (!parts.empty()) u.polygons = united(parts, 0, parts.size());
  if (u.polygons.empty()) return Value::null_of(Type::Dynamic);
  return geo::overlay_value(u);
}

// geo_line_buffer(lineString, radius [, tolerance])
Value f_geo_line_buffer(const CallArgs& a) {
  auto lines = geo::read_lines(a[0]);
  auto p = params(a);
  if (!lines || !p) return Value::null_of(Type::Dynamic);
  std::vector<geo::Region> parts;
  std::size_t vertices = 0;
  for (auto& l : *lines)
    if (!buffer_parts(l, *p, parts, vertices)) return Value::null_of(Type::Dynamic);
  return united(parts);
}

// geo_polygon_buffer(polygon, radius [, tolerance])
Value f_geo_polygon_buffer(const CallArgs& a) {
  auto polys = geo::read_polygons(a[0]);
  auto p = params(a);
  if (!polys || !p) return Value::null_of(Type::Dynamic);
  std::vector<geo::Region> parts;
  std::size_t vertices = 0;
  for (auto& poly : *polys) {
    parts.push_back({poly});
    for (auto& ring : poly)
      if (!buffer_parts(ring, *p, parts, vertices)) return Value::null_of(Type::Dynamic);
  }
  return united(parts);
}

}  // namespace

void add_geo_line_buffer_functions(std::vector<ScalarFunction>& out) {
  out.push_back(ScalarFunction{"geo_line_buffer", 2, 3, ret_dynamic, f_geo_line_buffer, nullptr, true});
  out.push_back(ScalarFunction{"geo_polygon_buffer", 2, 3, ret_dynamic, f_geo_polygon_buffer, nullptr, true});
}

}  // namespace rulelab::engine
