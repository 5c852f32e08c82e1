// Geospatial functions of the reference (learn.microsoft.com/kusto/query/geospatial-*,
// geo-*-function): points are (longitude, latitude) in degrees on a sphere.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/functions.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;

constexpr double kPi = 3.14159265358979323846;

double num(const Value& v, bool& ok) { return number_of(v, ok); }

// ---- geospatial (geospatial functions of the reference): points are (longitude, latitude) in
// degrees; distances in meters on a sphere of radius 6,371,010 m (the S2 library's Earth radius:
// with it the great-circle distance gives geo-distance-2points-function's 1546754.35197381 m
// between its Seattle and Los Angeles points).
constexpr double kEarthRadius = 6371010.0;
bool valid_point(double lon, double lat) { return lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90; }
double haversine(double lon1, double lat1, double lon2, double lat2) {
  const double p1 = lat1 * kPi / 180, p2 = lat2 * kPi / 180, dp = p2 - p1, dl = (lon2 - lon1) * kPi / 180;
  const double h = std::sin(dp / 2) * std::sin(dp / 2) + std::cos(p1) * std::cos(p2) * std::sin(dl / 2) * std::sin(dl / 2);
  return 2 * kEarthRadius * std::asin(std::min(1.0, std::sqrt(h)));
}
Value f_geo_distance_2points(const CallArgs& a) {
  bool ok = true;
  const double lon1 = num(a[0], ok), lat1 = num(a[1], ok), lon2 = num(a[2], ok), lat2 = num(a[3], ok);
  if (!ok || !valid_point(lon1, lat1) || !valid_point(lon2, lat2)) return Value::null_of(Type::Real);
  return Value::of_real(haversine(lon1, lat1, lon2, lat2));
}
Value f_geo_point_in_circle(const CallArgs& a) {
  bool ok = true;
  const double lon = num(a[0], ok), lat = num(a[1], ok), clon = num(a[2], ok), clat = num(a[3], ok), r = num(a[4], ok);
  if (!ok || !valid_point(lon, lat) || !valid_point(clon, clat) || r < 0) return Value::null_of(Type::Bool);
  return Value::of_bool(haversine(lon, lat, clon, clat) <= r);
}
// geo_point_to_geohash(longitude, latitude [, accuracy]) (geo-point-to-geohash-function): the
// standard geohash (base-32 interleaved bits), accuracy 1..18, 5 by default.
const char* kGeohash = "0123456789bcdefghjkmnpqrstuvwxyz";
Value f_geo_point_to_geohash(const CallArgs& a) {
  bool ok = true;
  const double lon = num(a[0], ok), lat = num(a[1], ok);
  const double acc = a.size() > 2 && !a[2].is_null() ? num(a[2], ok) : 5;
  if (!ok || !valid_point(lon, lat) || acc < 1 || acc > 18) return Value::of_string("");
  double lo[2] = {-180, -90}, hi[2] = {180, 90};
  const double p[2] = {lon, lat};
  std::string out;
  int bit = 0, ch = 0, dim = 0;
  while (static_cast<double>(out.size()) < acc) {
    const double mid = (lo[dim] + hi[dim]) / 2;
    ch <<= 1;
    if (p[dim] >= mid) { ch |= 1; lo[dim] = mid; }
    else hi[dim] = mid;
    dim ^= 1;
    if (++bit == 5) { out.push_back(kGeohash[ch]); bit = 0; ch = 0; }
  }
  return Value::of_string(out);
}
// geo_geohash_to_central_point(geohash) (geo-geohash-to-central-point-function): a GeoJSON point
// {"type":"Point","coordinates":[lon,lat]} at the cell's center.
Value f_geo_geohash_to_central_point(const CallArgs& a) {
  const std::string h = to_kusto_string(a[0]);
  if (h.empty() || h.size() > 18) return Value::null_of(Type::Dynamic);
  double lo[2] = {-180, -90}, hi[2] = {180, 90};
  int dim = 0;
  for (char c : h) {
    const char* at = std::strchr(kGeohash, c);
    if (!at || c == 0) return Value::null_of(Type::Dynamic);
    const int v = static_cast<int>(at - kGeohash);
    for (int b = 4; b >= 0; --b) {
      const double mid = (lo[dim] + hi[dim]) / 2;
      if ((v >> b) & 1) lo[dim] = mid;
      else hi[dim] = mid;
      dim ^= 1;
    }
  }
  std::string out;
  DynWriter w(out);
  w.begin_object();
  w.key("type");
  w.string("Point");
  w.key("coordinates");
  w.begin_array();
  w.real((lo[0] + hi[0]) / 2);
  w.real((lo[1] + hi[1]) / 2);
  w.end();
  w.end();
  return Value::of_dynamic(std::move(out));
}

}  // namespace

void add_geo_functions(std::vector<ScalarFunction>& out) {
  auto add = [&](const char* n, int mn, int mx, TypeRule t, ScalarImpl f) { out.push_back(ScalarFunction{n, mn, mx, t, f, nullptr, true}); };
  add("geo_distance_2points", 4, 4, ret_real, f_geo_distance_2points);
  add("geo_point_in_circle", 5, 5, ret_bool, f_geo_point_in_circle);
  add("geo_point_to_geohash", 2, 3, ret_string, f_geo_point_to_geohash);
  add("geo_geohash_to_central_point", 1, 1, ret_dynamic, f_geo_geohash_to_central_point);
}

}  // namespace rulelab::engine
