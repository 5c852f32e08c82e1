// H3 cells (h3geo.org): the index bit layout and the grid's geometry on the icosahedron, for the
// geo_*h3cell* functions (fn_geo_h3.cpp). A cell index has bit 63 clear, mode 1 in bits 59-62,
// reserved bits 56-58 clear, the resolution in bits 52-55, the base cell (0..121) in bits 45-51,
// then fifteen 3-bit digits, 0..6 up to the resolution and 7 below it. A token is the index in
// lower-case hex without leading zeros. Points are (longitude, latitude) in degrees.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/geo.hpp"

namespace rulelab::engine::h3 {

using Cell = std::uint64_t;

int resolution(Cell h);
int base_cell(Cell h);
int digit(Cell h, int r);
Cell set_digit(Cell h, int r, int d);
Cell set_resolution(Cell h, int r);
bool is_pentagon_base(int bc);
bool is_pentagon(Cell h);
// The cell of a token, nullopt when the token is not a valid cell index.
std::optional<Cell> parse(std::string_view token);
std::string token(Cell h);

// The cell of resolution res (0..15) that contains the point; nullopt when out of range.
std::optional<Cell> from_point(double lon, double lat, int res);
// The cell's center.
geo::LonLat center(Cell h);
// The cell's boundary, counterclockwise, not closed: 6 vertices for a hexagon, 5 for a pentagon,
// plus one where an edge crosses an icosahedron edge (Class III resolutions).
std::vector<geo::LonLat> boundary(Cell h);
// The cells within grid distance k of h, by distance: [0] is {h}, [1] its neighbours, ... in
// H3's ring traversal order (hexagons), or H3's order around pentagons.
std::vector<std::vector<Cell>> rings(Cell h, int k);

}  // namespace rulelab::engine::h3
