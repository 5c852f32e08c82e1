// H3 grid (engine/h3.hpp) over the whole sphere, by the properties h3geo.org states
// (docs/core-library/overview, docs/api/traversal): a cell's center lies in the cell, so indexing
// it gives the cell back; every cell has 6 neighbours (a pentagon 5), each of which has it as a
// neighbour; a resolution-r cell's parent is the cell of its center one resolution up or a
// neighbour of it (children are not contained exactly); the 122 base cells hold 12 pentagons;
// ring k of a hexagon far from pentagons holds 6k cells.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "engine/h3.hpp"

using namespace rulelab::engine;

namespace {
h3::Cell base(int bc) {
  return (h3::Cell{1} << 59) | (static_cast<h3::Cell>(bc) << 45) | ((h3::Cell{1} << 45) - 1);
}
}  // namespace

TEST_CASE("h3: a cell's center indexes back to the cell, at every resolution") {
  std::mt19937_64 gen(7);
  std::uniform_real_distribution<double> u(-1, 1);
  int failures = 0, invalid = 0;
  for (int n = 0; n < 20000; ++n) {
    const double lon = u(gen) * 180, lat = std::asin(u(gen)) * 180 / 3.14159265358979323846;
    const int res = n % 16;
    auto h = h3::from_point(lon, lat, res);
    REQUIRE(h.has_value());
    if (!h3::parse(h3::token(*h))) ++invalid;
    CHECK(h3::resolution(*h) == res);
    const auto c = h3::center(*h);
    if (h3::from_point(c.lon, c.lat, res) != h) ++failures;
  }
  CHECK(invalid == 0);
  CHECK(failures == 0);
}

TEST_CASE("h3: neighbours are mutual; 6 around a hexagon, 5 around a pentagon") {
  std::mt19937_64 gen(11);
  std::uniform_real_distribution<double> u(-1, 1);
  int bad = 0;
  for (int n = 0; n < 3000; ++n) {
    const auto h = *h3::from_point(u(gen) * 180, std::asin(u(gen)) * 180 / 3.14159265358979323846, n % 16);
    const auto ring = h3::rings(h, 1).at(1);
    if (ring.size() != (h3::is_pentagon(h) ? 5u : 6u)) ++bad;
    for (auto nb : ring) {
      const auto back = h3::rings(nb, 1).at(1);
      if (std::find(back.begin(), back.end(), h) == back.end()) ++bad;
    }
  }
  CHECK(bad == 0);
}

TEST_CASE("h3: the base cells: 12 pentagons, each with 5 neighbours and a 5-vertex boundary") {
  int pentagons = 0;
  for (int bc = 0; bc < 122; ++bc) {
    const auto h = base(bc);
    REQUIRE(h3::parse(h3::token(h)).has_value());
    const auto c = h3::center(h);
    CHECK(h3::from_point(c.lon, c.lat, 0) == h);
    const auto ring = h3::rings(h, 1).at(1);
    if (h3::is_pentagon(h)) {
      ++pentagons;
      CHECK(ring.size() == 5);
      CHECK(h3::boundary(h).size() == 5);  // Class II: vertices lie on icosahedron edges
    } else {
      CHECK(ring.size() == 6);
    }
  }
  CHECK(pentagons == 12);
}

TEST_CASE("h3: Class III pentagons get a vertex where each edge crosses an icosahedron edge") {
  // The center child of base cell 4 at resolution 1: all digits 0.
  h3::Cell p = h3::set_resolution(base(4), 1);
  p = h3::set_digit(p, 1, 0);
  REQUIRE(h3::is_pentagon(p));
  CHECK(h3::boundary(p).size() == 10);
}

TEST_CASE("h3: rings grow by 6 cells per step away from pentagons, all distinct") {
  const auto h = *h3::from_point(-74.0, 40.7, 9);
  const auto rs = h3::rings(h, 20);
  REQUIRE(rs.size() == 21);
  std::set<h3::Cell> all;
  for (std::size_t k = 0; k < rs.size(); ++k) {
    CHECK(rs[k].size() == (k == 0 ? 1 : 6 * k));
    all.insert(rs[k].begin(), rs[k].end());
  }
  CHECK(all.size() == 1 + 3 * 20 * 21);
}

TEST_CASE("h3: a cell's parent is its center's cell one resolution up, or a neighbour of it") {
  std::mt19937_64 gen(5);
  std::uniform_real_distribution<double> u(-1, 1);
  int bad = 0;
  for (int n = 0; n < 3000; ++n) {
    const int res = 1 + n % 15;
    const auto h = *h3::from_point(u(gen) * 180, std::asin(u(gen)) * 180 / 3.14159265358979323846, res);
    h3::Cell parent = h3::set_digit(h3::set_resolution(h, res - 1), res, 7);
    const auto c = h3::center(h);
    const auto up = *h3::from_point(c.lon, c.lat, res - 1);
    if (up == parent) continue;
    const auto ring = h3::rings(parent, 1).at(1);
    if (std::find(ring.begin(), ring.end(), up) == ring.end()) ++bad;
  }
  CHECK(bad == 0);
}
