// Overlay of (Multi)Polygons with holes on rulelab's sphere (geodesic edges, as the geospatial
// pages define them): the union of any number of operands, the intersection of two. fn_geo_overlay.cpp.
#pragma once
#include <vector>

#include "engine/geo.hpp"
#include "engine/value.hpp"

namespace rulelab::engine::geo {

using Polygon = std::vector<Chain>;  // shell, then holes; each ring closed
using Region = std::vector<Polygon>; // a Polygon's or MultiPolygon's polygons

enum class OverlayOp { Union, Intersection };

// The result of an overlay: polygons (shells counterclockwise, holes clockwise, each ring closed),
// and for an intersection the lines and points where the operands' closures meet without area.
struct Overlay {
  std::vector<Polygon> polygons;
  std::vector<Chain> lines;
  std::vector<LonLat> points;
};

// Union of all operands, or intersection of exactly two. Each ring is read as the pages define it
// (the smaller region; shells and holes reoriented whatever order they come in).
Overlay overlay(const std::vector<Region>& operands, OverlayOp op);

// GeoJSON of an overlay: Polygon or MultiPolygon alone; Point/MultiPoint, LineString/
// MultiLineString alone; several kinds as a GeometryCollection (points, lines, polygons); nothing
// as an empty GeometryCollection.
Value overlay_value(const Overlay& o);

}  // namespace rulelab::engine::geo
