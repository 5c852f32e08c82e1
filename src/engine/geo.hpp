// Geospatial helpers of fn_geo.cpp that the other geo files (fn_geo_simplify.cpp) call: GeoJSON
// lines and polygons read and checked as the geospatial pages define them, unit-sphere vectors,
// and distances on rulelab's sphere (radius 6,371,010 m, the S2 library's Earth radius).
#pragma once
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "engine/value.hpp"

namespace rulelab::engine::geo {

struct LonLat {
  double lon = 0, lat = 0;
};
using Chain = std::vector<LonLat>;  // a line's vertices, or a closed ring (last == first)

// LineString or MultiLineString: its lines; nullopt when invalid.
std::optional<std::vector<Chain>> read_lines(const Value& v);
// Polygon or MultiPolygon: its polygons, each its shell then its holes; nullopt when invalid.
std::optional<std::vector<std::vector<Chain>>> read_polygons(const Value& v);
// ---- points on the unit sphere (3-vectors), shared by the geo files
struct V3 {
  double x = 0, y = 0, z = 0;
};
inline V3 operator+(V3 a, V3 b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
inline V3 operator-(V3 a, V3 b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
inline V3 operator*(V3 a, double k) { return {a.x * k, a.y * k, a.z * k}; }
inline double dot(V3 a, V3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
inline V3 cross(V3 a, V3 b) { return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x}; }
inline double norm(V3 a) { return std::sqrt(dot(a, a)); }
inline V3 unit(V3 a) {
  const double n = norm(a);
  return n > 0 ? a * (1 / n) : a;
}
// The angle between two unit vectors, in radians (atan2 keeps small angles exact).
inline double angle(V3 a, V3 b) { return std::atan2(norm(cross(a, b)), dot(a, b)); }
// Degrees of longitude and latitude to the unit vector, and back.
inline V3 to_v3(double lon, double lat) {
  constexpr double pi = 3.14159265358979323846;
  const double l = lon * pi / 180, p = lat * pi / 180;
  return {std::cos(p) * std::cos(l), std::cos(p) * std::sin(l), std::sin(p)};
}
inline V3 to_v3(LonLat p) { return to_v3(p.lon, p.lat); }
inline LonLat lonlat_of(V3 v) {
  constexpr double pi = 3.14159265358979323846;
  return {std::atan2(v.y, v.x) * 180 / pi, std::atan2(v.z, std::sqrt(v.x * v.x + v.y * v.y)) * 180 / pi};
}

// rulelab's Earth radius in meters (the S2 library's).
inline constexpr double kEarthRadiusM = 6371010.0;
// A GeoJSON Polygon of one ring of (longitude, latitude) vertices in degrees, as given (closed by
// the caller).
Value polygon_value(const std::vector<std::pair<double, double>>& ring);
// Great-circle distance in meters.
double distance_m(LonLat a, LonLat b);
// Distance in meters from p to the geodesic edge a-b (the shorter arc).
double distance_to_edge_m(LonLat p, LonLat a, LonLat b);
// The ring geo_point_buffer draws around a circle (fn_geo_buffer.cpp): closed, counterclockwise,
// every point within radius_m of the center inside; the tolerance as that page defines it (meters,
// clamped to [radius * 1e-6, radius * 0.999]). nullopt when the radius is not positive or the
// circle reaches a quarter of the Earth's circumference.
std::optional<Chain> circle_ring(LonLat center, double radius_m, double tolerance_m);
// geo_polygon_simplify's rule for one closed ring (fn_geo_simplify.cpp): nullopt when it vanishes.
std::optional<Chain> simplified_ring(const Chain& ring, double tolerance_m);

}  // namespace rulelab::engine::geo
