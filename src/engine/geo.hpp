// Geospatial helpers of fn_geo.cpp that the other geo files (fn_geo_simplify.cpp) call: GeoJSON
// lines and polygons read and checked as the geospatial pages define them, and distances on
// rulelab's sphere (radius 6,371,010 m, the S2 library's Earth radius).
#pragma once
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
