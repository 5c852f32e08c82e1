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

}  // namespace rulelab::engine::geo
