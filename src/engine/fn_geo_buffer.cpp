// geo_point_buffer (learn.microsoft.com/kusto/query/geo-point-buffer-function): "a polygon that
// contains all points within the given radius of the point", deviating from the ideal radius by at
// most the tolerance (meters, 10 by default; no lower than 0.0001% of the radius; a tolerance above
// the radius is lowered below it). The page shows no coordinates, so the polygon is rulelab's own:
// the regular spherical polygon around the circle (its edges touch the circle from outside:
// tan(inradius) = tan(circumradius) * cos(pi / n)), with the fewest vertices n (at least 4) whose
// corners lie within the tolerance of the circle, the first vertex due north, counterclockwise.
// A radius that is not positive, or a circle of a quarter of the Earth's circumference or more,
// gives null.
#include <algorithm>
#include <cmath>
#include <string>

#include "engine/functions.hpp"
#include "engine/geo.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;

constexpr double kPi = 3.14159265358979323846;
constexpr double kEarthRadius = geo::kEarthRadiusM;

Value f_geo_point_buffer(const CallArgs& a) {
  bool ok = true;
  const double lon = number_of(a[0], ok), lat = number_of(a[1], ok), radius = number_of(a[2], ok);
  const double tol = a.size() > 3 && !a[3].is_null() ? number_of(a[3], ok) : 10;
  if (!ok || !(lon >= -180 && lon <= 180) || !(lat >= -90 && lat <= 90) || !(tol > 0)) return Value::null_of(Type::Dynamic);
  auto ring = geo::circle_ring({lon, lat}, radius, tol);
  if (!ring) return Value::null_of(Type::Dynamic);
  std::vector<std::pair<double, double>> out;
  out.reserve(ring->size());
  for (auto& p : *ring) out.emplace_back(p.lon, p.lat);
  return geo::polygon_value(out);
}

}  // namespace

std::optional<geo::Chain> geo::circle_ring(LonLat center, double radius, double tol) {
  const double r = radius / kEarthRadius;  // angular radius of the circle
  if (!(radius > 0) || !(tol > 0) || r >= kPi / 2) return std::nullopt;
  tol = std::clamp(tol, radius * 1e-6, radius * 0.999);
  int n = 4;
  auto corner = [&](int k) { return std::atan(std::tan(r) / std::cos(kPi / k)); };
  while ((corner(n) - r) * kEarthRadius > tol || corner(n) >= kPi / 2) ++n;
  const double rho = corner(n);
  const double p1 = center.lat * kPi / 180, l1 = center.lon * kPi / 180;
  Chain ring;
  ring.reserve(static_cast<std::size_t>(n) + 1);
  for (int k = 0; k <= n; ++k) {
    // bearing clockwise from north; counterclockwise order walks the bearings backwards
    const double b = -2 * kPi * (k % n) / n;
    const double p2 = std::asin(std::clamp(std::sin(p1) * std::cos(rho) + std::cos(p1) * std::sin(rho) * std::cos(b), -1.0, 1.0));
    double l2 = l1 + std::atan2(std::sin(b) * std::sin(rho) * std::cos(p1), std::cos(rho) - std::sin(p1) * std::sin(p2));
    double lon2 = l2 * 180 / kPi;
    while (lon2 > 180) lon2 -= 360;
    while (lon2 < -180) lon2 += 360;
    ring.push_back({lon2, p2 * 180 / kPi});
  }
  return ring;
}

void add_geo_buffer_functions(std::vector<ScalarFunction>& out) {
  out.push_back(ScalarFunction{"geo_point_buffer", 3, 4, ret_dynamic, f_geo_point_buffer, nullptr, true});
}

}  // namespace rulelab::engine
