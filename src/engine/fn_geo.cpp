// Geospatial functions of the reference (learn.microsoft.com/kusto/query/geo-*-function): points
// are (longitude, latitude) in degrees on a sphere; shapes are GeoJSON. Distances, measures,
// containment, intersections, centroids, interpolation, densification, WKT, geohash cells, S2
// cells (the S2 library's public cell-id scheme); H3 cells are in fn_geo_h3.cpp.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

#include "engine/functions.hpp"
#include "engine/geo.hpp"
#include "engine/geo_overlay.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;

constexpr double kPi = 3.14159265358979323846;

double num(const Value& v, bool& ok) { return number_of(v, ok); }

// ---- geospatial (geospatial functions of the reference): points are (longitude, latitude) in
// degrees; distances in meters on a sphere of radius 6,371,010 m (the S2 library's Earth radius:
// with it the great-circle distance gives geo-distance-2points-function's 1546754.35197381 m
// between its Seattle and Los Angeles points).
constexpr double kEarthRadius = geo::kEarthRadiusM;
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

// ---- spherical geometry (geospatial functions' notes: WGS-84 coordinates on a sphere, edges are
// geodesics, an edge is the shorter arc between its vertices; invalid input gives null).
using geo::V3;
using geo::to_v3;
double lon_of(V3 v) { return std::atan2(v.y, v.x) * 180 / kPi; }
double lat_of(V3 v) { return std::atan2(v.z, std::sqrt(v.x * v.x + v.y * v.y)) * 180 / kPi; }

// A vertex as read from GeoJSON: kept in degrees for the output, as a unit vector for the math.
struct Pt {
  double lon = 0, lat = 0;
  V3 v;
};
using Ring = std::vector<Pt>;                 // a line's vertices, or a closed ring (last == first)
using Poly = std::vector<Ring>;               // shell, then holes
std::optional<Pt> point_of(DynRef c) {
  if (!c.is_array() || c.size() < 2 || !c.at(0).is_number() || !c.at(1).is_number()) return std::nullopt;
  const double lon = c.at(0).as_number(), lat = c.at(1).as_number();
  if (!valid_point(lon, lat)) return std::nullopt;
  return Pt{lon, lat, to_v3(lon, lat)};
}
std::optional<Ring> line_of(DynRef c) {
  if (!c.is_array() || c.size() < 2) return std::nullopt;
  Ring r;
  bool ok = true;
  c.for_each_element([&](DynRef e) {
    auto p = point_of(e);
    if (!p) ok = false;
    else r.push_back(*p);
  });
  if (!ok) return std::nullopt;
  // an edge between antipodal vertices has no shorter arc
  for (std::size_t i = 0; i + 1 < r.size(); ++i)
    if (dot(r[i].v, r[i + 1].v) < -1 + 1e-15) return std::nullopt;
  return r;
}
// A LinearRing: at least four entries, first == last, at least three distinct vertices, no two
// consecutive vertices equal (the pages' invalid example [[0,0],[10,10],[10,10],[0,0]]).
std::optional<Ring> ring_of(DynRef c) {
  auto r = line_of(c);
  if (!r || r->size() < 4) return std::nullopt;
  if (r->front().lon != r->back().lon || r->front().lat != r->back().lat) return std::nullopt;
  for (std::size_t i = 0; i + 1 < r->size(); ++i)
    if ((*r)[i].lon == (*r)[i + 1].lon && (*r)[i].lat == (*r)[i + 1].lat) return std::nullopt;
  return r;
}
DynRef geo_dyn(const Value& v) {
  if (v.type != Type::Dynamic || v.is_null()) return DynRef();
  DynRef d = v.dyn();
  return d.is_object() ? d : DynRef();
}
std::string_view type_of(DynRef g) {
  DynRef t = g.get("type");
  return t.valid() && t.is_string() ? t.as_string() : std::string_view();
}
// Each element of a non-empty array read by `one`; nullopt when the array is empty or any element fails.
template <class T, class F>
std::optional<std::vector<T>> each_of(DynRef c, F one) {
  if (!c.is_array() || c.size() == 0) return std::nullopt;
  std::vector<T> out;
  bool ok = true;
  c.for_each_element([&](DynRef e) {
    auto x = one(e);
    if (!x) ok = false;
    else out.push_back(std::move(*x));
  });
  if (!ok) return std::nullopt;
  return out;
}
// LineString or MultiLineString: its lines; nullopt when invalid.
std::optional<std::vector<Ring>> lines_of(const Value& v) {
  DynRef g = geo_dyn(v);
  if (!g.valid()) return std::nullopt;
  DynRef c = g.get("coordinates");
  const std::string_view t = type_of(g);
  std::vector<Ring> out;
  if (t == "LineString") {
    auto l = line_of(c);
    if (!l) return std::nullopt;
    out.push_back(std::move(*l));
  } else if (t == "MultiLineString") {
    auto ls = each_of<Ring>(c, line_of);
    if (!ls) return std::nullopt;
    out = std::move(*ls);
  } else {
    return std::nullopt;
  }
  return out;
}
std::optional<Poly> poly_of(DynRef c) { return each_of<Ring>(c, ring_of); }
// Polygon or MultiPolygon: its polygons; nullopt when invalid.
std::optional<std::vector<Poly>> polys_of(const Value& v) {
  DynRef g = geo_dyn(v);
  if (!g.valid()) return std::nullopt;
  DynRef c = g.get("coordinates");
  const std::string_view t = type_of(g);
  std::vector<Poly> out;
  if (t == "Polygon") {
    auto p = poly_of(c);
    if (!p) return std::nullopt;
    out.push_back(std::move(*p));
  } else if (t == "MultiPolygon") {
    auto ps = each_of<Poly>(c, poly_of);
    if (!ps) return std::nullopt;
    out = std::move(*ps);
  } else {
    return std::nullopt;
  }
  return out;
}

Value point_value_deg(double lon, double lat) {
  std::string out;
  DynWriter w(out);
  w.begin_object();
  w.key("type");
  w.string("Point");
  w.key("coordinates");
  w.begin_array();
  w.real(lon);
  w.real(lat);
  w.end();
  w.end();
  return Value::of_dynamic(std::move(out));
}

Value point_value(V3 v) { return point_value_deg(lon_of(v), lat_of(v)); }

// Signed area (steradians) of a ring, counterclockwise positive: a fan of triangles from the first
// vertex, each by tan(E/2) = a.(b x c) / (1 + a.b + b.c + c.a) (Eriksson's formula).
double signed_ring_area(const Ring& r) {
  double sum = 0;
  const V3 a = r[0].v;
  for (std::size_t i = 1; i + 2 < r.size(); ++i) {
    const V3 b = r[i].v, c = r[i + 1].v;
    sum += 2 * std::atan2(dot(a, cross(b, c)), 1 + dot(a, b) + dot(b, c) + dot(c, a));
  }
  return sum;
}
// A ring's area: the smaller of the two regions it divides the sphere into.
double ring_area(const Ring& r) {
  const double a = std::fabs(signed_ring_area(r));
  return a > 2 * kPi ? 4 * kPi - a : a;
}
double line_angle(const Ring& r) {
  double s = 0;
  for (std::size_t i = 0; i + 1 < r.size(); ++i) s += angle(r[i].v, r[i + 1].v);
  return s;
}

// Point in polygon by gnomonic projection: centred on the normalized sum of the shell's vertices,
// it maps geodesics to straight lines, so the planar crossing test is exact for a polygon that
// lies in the open hemisphere around that centre (the shell is at most half the sphere). A
// polygon that does not gives nullopt.
struct Plane {
  V3 c, e1, e2;
};
std::optional<Plane> plane_of(const Poly& p) {
  V3 s;
  for (std::size_t i = 0; i + 1 < p[0].size(); ++i) s = s + p[0][i].v;
  if (norm(s) < 1e-12) return std::nullopt;
  Plane pl;
  pl.c = unit(s);
  const V3 ref = std::fabs(pl.c.z) < 0.9 ? V3{0, 0, 1} : V3{1, 0, 0};
  pl.e1 = unit(cross(ref, pl.c));
  pl.e2 = cross(pl.c, pl.e1);
  for (auto& ring : p)
    for (auto& q : ring)
      if (dot(q.v, pl.c) <= 1e-12) return std::nullopt;
  return pl;
}
bool proj(const Plane& pl, V3 v, double& x, double& y) {
  const double d = dot(v, pl.c);
  if (d <= 1e-12) return false;
  x = dot(v, pl.e1) / d;
  y = dot(v, pl.e2) / d;
  return true;
}
std::optional<bool> in_poly(const Poly& p, V3 v) {
  auto pl = plane_of(p);
  if (!pl) return std::nullopt;
  double px = 0, py = 0;
  if (!proj(*pl, v, px, py)) return false;
  bool inside = false;
  for (auto& ring : p) {
    for (std::size_t i = 0; i + 1 < ring.size(); ++i) {
      double ax = 0, ay = 0, bx = 0, by = 0;
      proj(*pl, ring[i].v, ax, ay);
      proj(*pl, ring[i + 1].v, bx, by);
      if ((ay > py) != (by > py)) {
        const double xint = ax + (py - ay) * (bx - ax) / (by - ay);
        if (px < xint) inside = !inside;
      }
    }
  }
  return inside;
}
std::optional<bool> in_polys(const std::vector<Poly>& ps, V3 v) {
  for (auto& p : ps) {
    auto r = in_poly(p, v);
    if (!r) return std::nullopt;
    if (*r) return true;
  }
  return false;
}

// The point of arc a-b closest to p (the projection of p on the great circle when it falls
// inside the arc, else the nearer end, kept as the vertex given so its coordinates stay exact).
struct Hit {
  V3 v;
  const Pt* vertex = nullptr;
};
Hit closest_on_edge(V3 p, const Pt& a, const Pt& b) {
  const Hit end = angle(p, a.v) <= angle(p, b.v) ? Hit{a.v, &a} : Hit{b.v, &b};
  const V3 n = cross(a.v, b.v);
  const double nn = norm(n);
  if (nn < 1e-15) return end;
  const V3 u = n * (1 / nn);
  const V3 q = p - u * dot(p, u);
  if (norm(q) > 1e-15) {
    const V3 qu = unit(q);
    if (dot(cross(a.v, qu), u) > 0 && dot(cross(qu, b.v), u) > 0) return Hit{qu, nullptr};
  }
  return end;
}
Hit closest_on_lines(const std::vector<Ring>& lines, V3 p) {
  Hit best{lines[0][0].v, &lines[0][0]};
  double bd = angle(p, best.v);
  for (auto& l : lines)
    for (std::size_t i = 0; i + 1 < l.size(); ++i) {
      const Hit q = closest_on_edge(p, l[i], l[i + 1]);
      const double d = angle(p, q.v);
      if (d < bd) { bd = d; best = q; }
    }
  return best;
}
Value point_value(const Hit& h) {
  if (!h.vertex) return point_value(h.v);
  return point_value_deg(h.vertex->lon, h.vertex->lat);
}
Hit closest_on_boundary(const std::vector<Poly>& ps, V3 p) {
  std::vector<Ring> rings;
  for (auto& poly : ps)
    for (auto& r : poly) rings.push_back(r);
  return closest_on_lines(rings, p);
}

// Whether arcs a-b and c-d share a point.
bool on_arc(V3 x, V3 a, V3 b) {
  const V3 n = cross(a, b);
  if (norm(n) < 1e-15) return angle(x, a) < 1e-12;
  if (std::fabs(dot(x, unit(n))) > 1e-12) return false;
  return dot(cross(a, x), n) >= -1e-18 && dot(cross(x, b), n) >= -1e-18;
}
bool arcs_meet(V3 a, V3 b, V3 c, V3 d) {
  const V3 n1 = cross(a, b), n2 = cross(c, d);
  const V3 x = cross(n1, n2);
  if (norm(x) < 1e-15) return on_arc(c, a, b) || on_arc(d, a, b) || on_arc(a, c, d) || on_arc(b, c, d);
  const V3 u = unit(x);
  for (V3 cand : {u, u * -1.0}) {
    const bool in1 = dot(cross(a, cand), n1) >= -1e-15 && dot(cross(cand, b), n1) >= -1e-15;
    const bool in2 = dot(cross(c, cand), n2) >= -1e-15 && dot(cross(cand, d), n2) >= -1e-15;
    if (in1 && in2) return true;
  }
  return false;
}
bool rings_meet(const std::vector<Ring>& x, const std::vector<Ring>& y) {
  for (auto& l1 : x)
    for (std::size_t i = 0; i + 1 < l1.size(); ++i)
      for (auto& l2 : y)
        for (std::size_t j = 0; j + 1 < l2.size(); ++j)
          if (arcs_meet(l1[i].v, l1[i + 1].v, l2[j].v, l2[j + 1].v)) return true;
  return false;
}
std::vector<Ring> rings_of(const std::vector<Poly>& ps) {
  std::vector<Ring> r;
  for (auto& p : ps)
    for (auto& ring : p) r.push_back(ring);
  return r;
}
// The parts of a MultiPolygon overlap or touch (their union is not their sum): the pages define
// the area, perimeter and centroid of a MultiPolygon as those of the union, which rulelab does not
// compute; it gives null then rather than a sum that counts the overlap twice.
bool parts_overlap(const std::vector<Poly>& ps) {
  for (std::size_t i = 0; i < ps.size(); ++i)
    for (std::size_t j = i + 1; j < ps.size(); ++j) {
      if (rings_meet(rings_of({ps[i]}), rings_of({ps[j]}))) return true;
      auto a = in_poly(ps[i], ps[j][0][0].v), b = in_poly(ps[j], ps[i][0][0].v);
      if (!a || !b || *a || *b) return true;
    }
  return false;
}

// A Polygon's or MultiPolygon's polygons for measuring: as given, or, when the parts overlap or
// touch, the polygons of their union (fn_geo_overlay.cpp), as the pages measure a MultiPolygon.
std::optional<std::vector<Poly>> measured_polys(const Value& v) {
  auto ps = polys_of(v);
  if (!ps || !parts_overlap(*ps)) return ps;
  auto region = geo::read_polygons(v);
  if (!region) return std::nullopt;
  auto u = geo::overlay({std::move(*region)}, geo::OverlayOp::Union);
  std::vector<Poly> out;
  for (auto& poly : u.polygons) {
    Poly p;
    for (auto& ring : poly) {
      Ring r;
      for (auto& q : ring) r.push_back(Pt{q.lon, q.lat, to_v3(q.lon, q.lat)});
      p.push_back(std::move(r));
    }
    out.push_back(std::move(p));
  }
  if (out.empty()) return std::nullopt;
  return out;
}

Value null_real() { return Value::null_of(Type::Real); }
Value null_dyn() { return Value::null_of(Type::Dynamic); }
Value null_bool() { return Value::null_of(Type::Bool); }
std::optional<Pt> point_args(const CallArgs& a, std::size_t i) {
  bool ok = true;
  const double lon = num(a[i], ok), lat = num(a[i + 1], ok);
  if (!ok || !valid_point(lon, lat)) return std::nullopt;
  return Pt{lon, lat, to_v3(lon, lat)};
}

// geo_azimuth (geo-azimuth-function): the initial bearing from p1 to p2, clockwise from north, in
// [0, 2pi); null for equal or antipodal points.
std::optional<double> azimuth(const Pt& p1, const Pt& p2) {
  const double d = dot(p1.v, p2.v);
  if (d >= 1 - 1e-15 || d <= -1 + 1e-15) return std::nullopt;
  const double f1 = p1.lat * kPi / 180, f2 = p2.lat * kPi / 180, dl = (p2.lon - p1.lon) * kPi / 180;
  double az = std::atan2(std::sin(dl) * std::cos(f2), std::cos(f1) * std::sin(f2) - std::sin(f1) * std::cos(f2) * std::cos(dl));
  if (az < 0) az += 2 * kPi;
  if (az >= 2 * kPi) az -= 2 * kPi;
  return az;
}
Value f_geo_azimuth(const CallArgs& a) {
  auto p1 = point_args(a, 0), p2 = point_args(a, 2);
  if (!p1 || !p2) return null_real();
  auto az = azimuth(*p1, *p2);
  return az ? Value::of_real(*az) : null_real();
}
// geo_angle (geo-angle-function): clockwise from line [p2, p1] to line [p2, p3] at p2, [0, 2pi).
Value f_geo_angle(const CallArgs& a) {
  auto p1 = point_args(a, 0), p2 = point_args(a, 2), p3 = point_args(a, 4);
  if (!p1 || !p2 || !p3) return null_real();
  auto a1 = azimuth(*p2, *p1), a3 = azimuth(*p2, *p3);
  if (!a1 || !a3) return null_real();
  double r = *a3 - *a1;
  if (r < 0) r += 2 * kPi;
  if (r >= 2 * kPi) r -= 2 * kPi;
  return Value::of_real(r);
}
// geo_line_length (geo-line-length-function): the sum of the geodesic edges. For a
// MultiLineString the page gives the length of the lines' union: rulelab adds the lines' lengths,
// which is the same unless lines run over each other (then that stretch counts once per line).
Value f_geo_line_length(const CallArgs& a) {
  auto ls = lines_of(a[0]);
  if (!ls) return null_real();
  double s = 0;
  for (auto& l : *ls) s += line_angle(l);
  return Value::of_real(s * kEarthRadius);
}
// geo_polygon_area (geo-polygon-area-function): shell minus holes, each the smaller region its
// ring bounds, on the sphere.
Value f_geo_polygon_area(const CallArgs& a) {
  auto ps = measured_polys(a[0]);
  if (!ps) return null_real();
  double s = 0;
  for (auto& p : *ps) {
    double area = ring_area(p[0]);
    for (std::size_t i = 1; i < p.size(); ++i) area -= ring_area(p[i]);
    s += area;
  }
  return Value::of_real(s * kEarthRadius * kEarthRadius);
}
// geo_polygon_perimeter (geo-polygon-perimeter-function): the length of all rings.
Value f_geo_polygon_perimeter(const CallArgs& a) {
  auto ps = measured_polys(a[0]);
  if (!ps) return null_real();
  double s = 0;
  for (auto& p : *ps)
    for (auto& r : p) s += line_angle(r);
  return Value::of_real(s * kEarthRadius);
}
// geo_point_in_polygon (geo-point-in-polygon-function)
Value f_geo_point_in_polygon(const CallArgs& a) {
  auto p = point_args(a, 0);
  auto ps = polys_of(a[2]);
  if (!p || !ps) return null_bool();
  auto r = in_polys(*ps, p->v);
  return r ? Value::of_bool(*r) : null_bool();
}
// geo_distance_point_to_line (geo-distance-point-to-line-function)
Value f_geo_distance_point_to_line(const CallArgs& a) {
  auto p = point_args(a, 0);
  auto ls = lines_of(a[2]);
  if (!p || !ls) return null_real();
  return Value::of_real(angle(p->v, closest_on_lines(*ls, p->v).v) * kEarthRadius);
}
// geo_distance_point_to_polygon (geo-distance-point-to-polygon-function): 0 inside.
Value f_geo_distance_point_to_polygon(const CallArgs& a) {
  auto p = point_args(a, 0);
  auto ps = polys_of(a[2]);
  if (!p || !ps) return null_real();
  auto in = in_polys(*ps, p->v);
  if (!in) return null_real();
  if (*in) return Value::of_real(0);
  return Value::of_real(angle(p->v, closest_on_boundary(*ps, p->v).v) * kEarthRadius);
}
// geo_closest_point_on_line (geo-closest-point-on-line-function)
Value f_geo_closest_point_on_line(const CallArgs& a) {
  auto p = point_args(a, 0);
  auto ls = lines_of(a[2]);
  if (!p || !ls) return null_dyn();
  return point_value(closest_on_lines(*ls, p->v));
}
// geo_closest_point_on_polygon (geo-closest-point-on-polygon-function): the point itself inside.
Value f_geo_closest_point_on_polygon(const CallArgs& a) {
  auto p = point_args(a, 0);
  auto ps = polys_of(a[2]);
  if (!p || !ps) return null_dyn();
  auto in = in_polys(*ps, p->v);
  if (!in) return null_dyn();
  if (*in) return point_value_deg(p->lon, p->lat);
  return point_value(closest_on_boundary(*ps, p->v));
}
// geo_intersects_2lines (geo-intersects-2lines-function)
Value f_geo_intersects_2lines(const CallArgs& a) {
  auto x = lines_of(a[0]), y = lines_of(a[1]);
  if (!x || !y) return null_bool();
  return Value::of_bool(rings_meet(*x, *y));
}
// geo_intersects_line_with_polygon (geo-intersects-line-with-polygon-function): an edge crosses
// the boundary or a vertex of the line lies inside.
Value f_geo_intersects_line_with_polygon(const CallArgs& a) {
  auto ls = lines_of(a[0]);
  auto ps = polys_of(a[1]);
  if (!ls || !ps) return null_bool();
  if (rings_meet(*ls, rings_of(*ps))) return Value::of_bool(true);
  auto in = in_polys(*ps, (*ls)[0][0].v);
  if (!in) return null_bool();
  return Value::of_bool(*in);
}
// geo_intersects_2polygons (geo-intersects-2polygons-function): boundaries meet, or one holds a
// vertex of the other.
Value f_geo_intersects_2polygons(const CallArgs& a) {
  auto x = polys_of(a[0]), y = polys_of(a[1]);
  if (!x || !y) return null_bool();
  if (rings_meet(rings_of(*x), rings_of(*y))) return Value::of_bool(true);
  for (auto& p : *y) {
    auto in = in_polys(*x, p[0][0].v);
    if (!in) return null_bool();
    if (*in) return Value::of_bool(true);
  }
  for (auto& p : *x) {
    auto in = in_polys(*y, p[0][0].v);
    if (!in) return null_bool();
    if (*in) return Value::of_bool(true);
  }
  return Value::of_bool(false);
}
// geo_line_centroid (geo-line-centroid-function): the direction of the integral of the unit
// vector along the lines (each arc of angle t contributes 2 sin(t/2) times its midpoint).
Value f_geo_line_centroid(const CallArgs& a) {
  auto ls = lines_of(a[0]);
  if (!ls) return null_dyn();
  V3 s;
  for (auto& l : *ls)
    for (std::size_t i = 0; i + 1 < l.size(); ++i) {
      const V3 m = l[i].v + l[i + 1].v;
      const double t = angle(l[i].v, l[i + 1].v);
      if (norm(m) > 0) s = s + unit(m) * (2 * std::sin(t / 2));
    }
  if (norm(s) < 1e-300) return null_dyn();
  return point_value(unit(s));
}
// geo_polygon_centroid (geo-polygon-centroid-function): a fan of triangles from each ring's first
// vertex, each contributing the mean of its vertices weighted by its signed spherical area (shells
// counted positive, holes negative); the direction of the sum. (This is the weighting that gives
// the page's Central Park centroid to 1e-10 degrees; the exact integral over the area differs from
// it by about 1e-8 degrees there.)
Value f_geo_polygon_centroid(const CallArgs& a) {
  auto ps = measured_polys(a[0]);
  if (!ps) return null_dyn();
  V3 s;
  for (auto& p : *ps)
    for (std::size_t k = 0; k < p.size(); ++k) {
      const Ring& r = p[k];
      V3 ring_sum;
      double ring_area_signed = 0;
      const V3 v0 = r[0].v;
      for (std::size_t i = 1; i + 2 < r.size(); ++i) {
        const V3 b = r[i].v, c = r[i + 1].v;
        const double e = 2 * std::atan2(dot(v0, cross(b, c)), 1 + dot(v0, b) + dot(b, c) + dot(c, v0));
        ring_area_signed += e;
        ring_sum = ring_sum + (v0 + b + c) * (e / 3);
      }
      double sign = ring_area_signed >= 0 ? 1 : -1;
      if (k > 0) sign = -sign;
      s = s + ring_sum * sign;
    }
  if (norm(s) < 1e-300) return null_dyn();
  return point_value(unit(s));
}
// geo_line_interpolate_point (geo-line-interpolate-point-function): the point at a fraction of the
// length of a single LineString, along its geodesic edges.
Value f_geo_line_interpolate_point(const CallArgs& a) {
  auto ls = lines_of(a[0]);
  bool ok = true;
  const double f = num(a[1], ok);
  if (!ls || ls->size() != 1 || !ok || f < 0 || f > 1) return null_dyn();
  const Ring& l = (*ls)[0];
  double target = line_angle(l) * f;
  for (std::size_t i = 0; i + 1 < l.size(); ++i) {
    const double t = angle(l[i].v, l[i + 1].v);
    if (target <= t || i + 2 == l.size()) {
      if (t <= 0) return point_value(l[i].v);
      const double u = std::min(target, t);
      // slerp from l[i] toward l[i+1] by angle u
      const double st = std::sin(t);
      const V3 p = l[i].v * (std::sin(t - u) / st) + l[i + 1].v * (std::sin(u) / st);
      return point_value(unit(p));
    }
    target -= t;
  }
  return point_value(l.back().v);
}
// geo_line_locate_point (geo-line-locate-point-function): the fraction of the length up to the
// point of the line closest to the given point.
Value f_geo_line_locate_point(const CallArgs& a) {
  auto ls = lines_of(a[0]);
  auto p = point_args(a, 1);
  if (!ls || ls->size() != 1 || !p) return null_real();
  const Ring& l = (*ls)[0];
  const double total = line_angle(l);
  if (total <= 0) return Value::of_real(0);
  double best = -1, best_at = 0, run = 0;
  for (std::size_t i = 0; i + 1 < l.size(); ++i) {
    const V3 q = closest_on_edge(p->v, l[i], l[i + 1]).v;
    const double d = angle(p->v, q);
    if (best < 0 || d < best) { best = d; best_at = run + angle(l[i].v, q); }
    run += angle(l[i].v, l[i + 1].v);
  }
  return Value::of_real(best_at / total);
}

// ---- geohash cells (geo-geohash-to-polygon-function, geo-geohash-neighbors-function)
// The cell of a geohash of 1..18 characters: its longitude and latitude bounds.
bool geohash_bounds(std::string_view h, double lo[2], double hi[2]) {
  if (h.empty() || h.size() > 18) return false;
  lo[0] = -180; lo[1] = -90; hi[0] = 180; hi[1] = 90;
  int dim = 0;
  for (char c : h) {
    const char* at = c ? std::strchr(kGeohash, c) : nullptr;
    if (!at) return false;
    const int v = static_cast<int>(at - kGeohash);
    for (int b = 4; b >= 0; --b) {
      const double mid = (lo[dim] + hi[dim]) / 2;
      if ((v >> b) & 1) lo[dim] = mid;
      else hi[dim] = mid;
      dim ^= 1;
    }
  }
  return true;
}
std::string geohash_of(double lon, double lat, std::size_t len) {
  double lo[2] = {-180, -90}, hi[2] = {180, 90};
  const double p[2] = {lon, lat};
  std::string out;
  int bit = 0, ch = 0, dim = 0;
  while (out.size() < len) {
    const double mid = (lo[dim] + hi[dim]) / 2;
    ch <<= 1;
    if (p[dim] >= mid) { ch |= 1; lo[dim] = mid; }
    else hi[dim] = mid;
    dim ^= 1;
    if (++bit == 5) { out.push_back(kGeohash[ch]); bit = 0; ch = 0; }
  }
  return out;
}
// A polygon of vertices given in degrees, one ring, closed.
Value polygon_value(const std::vector<std::pair<double, double>>& ring) {
  std::string out;
  DynWriter w(out);
  w.begin_object();
  w.key("type");
  w.string("Polygon");
  w.key("coordinates");
  w.begin_array();
  w.begin_array();
  for (auto& [lon, lat] : ring) {
    w.begin_array();
    w.real(lon);
    w.real(lat);
    w.end();
  }
  w.end();
  w.end();
  w.end();
  return Value::of_dynamic(std::move(out));
}
// The rectangle counterclockwise from its south-west corner (the page's "dr5ru").
Value f_geo_geohash_to_polygon(const CallArgs& a) {
  if (a[0].is_null()) return null_dyn();
  double lo[2], hi[2];
  if (!geohash_bounds(to_kusto_string(a[0]), lo, hi)) return null_dyn();
  return polygon_value({{lo[0], lo[1]}, {hi[0], lo[1]}, {hi[0], hi[1]}, {lo[0], hi[1]}, {lo[0], lo[1]}});
}
// The eight cells around, in the order of the page's example ('sunny': south-west, north-west,
// south-east, north, west, north-east, east, south; the page does not define an order); longitudes
// wrap at +-180; beyond a pole there is no cell.
Value f_geo_geohash_neighbors(const CallArgs& a) {
  if (a[0].is_null()) return null_dyn();
  const std::string h = to_kusto_string(a[0]);
  double lo[2], hi[2];
  if (!geohash_bounds(h, lo, hi)) return null_dyn();
  const double w = hi[0] - lo[0], ht = hi[1] - lo[1], cx = (lo[0] + hi[0]) / 2, cy = (lo[1] + hi[1]) / 2;
  constexpr int kOrder[8][2] = {{-1, -1}, {-1, 1}, {1, -1}, {0, 1}, {-1, 0}, {1, 1}, {1, 0}, {0, -1}};
  std::string out;
  DynWriter wr(out);
  wr.begin_array();
  for (auto& d : kOrder) {
    double x = cx + d[0] * w;
    const double y = cy + d[1] * ht;
    if (y < -90 || y > 90) continue;
    if (x < -180) x += 360;
    if (x >= 180) x -= 360;
    wr.string(geohash_of(x, y, h.size()));
  }
  wr.end();
  return Value::of_dynamic(std::move(out));
}

// ---- S2 cells (geo-point-to-s2cell-function and the s2cell pages): the S2 library's public cell
// scheme. A point goes to the cube face of its largest coordinate, to (u, v) on that face, to
// (s, t) by the quadratic projection, to integer (i, j) of 30 bits, and along the Hilbert curve of
// the face to a 64-bit id: face (3 bits), two bits a level, then a 1 bit. A token is the id in
// lower-case hex without its trailing zeros.
constexpr int kS2MaxLevel = 30;
constexpr std::int64_t kS2MaxSize = std::int64_t{1} << kS2MaxLevel;
constexpr int kIJtoPos[4][4] = {{0, 1, 3, 2}, {0, 3, 1, 2}, {2, 3, 1, 0}, {2, 1, 3, 0}};
constexpr int kPosToIJ[4][4] = {{0, 1, 3, 2}, {0, 2, 3, 1}, {3, 2, 0, 1}, {3, 1, 0, 2}};
constexpr int kPosToOrientation[4] = {1, 0, 0, 3};
int xyz_to_face_uv(V3 p, double& u, double& v) {
  const double ax = std::fabs(p.x), ay = std::fabs(p.y), az = std::fabs(p.z);
  int face = ax > ay ? (ax > az ? 0 : 2) : (ay > az ? 1 : 2);
  const double c = face == 0 ? p.x : face == 1 ? p.y : p.z;
  if (c < 0) face += 3;
  switch (face) {
    case 0: u = p.y / p.x; v = p.z / p.x; break;
    case 1: u = -p.x / p.y; v = p.z / p.y; break;
    case 2: u = -p.x / p.z; v = -p.y / p.z; break;
    case 3: u = p.z / p.x; v = p.y / p.x; break;
    case 4: u = p.z / p.y; v = -p.x / p.y; break;
    default: u = -p.y / p.z; v = -p.x / p.z; break;
  }
  return face;
}
V3 face_uv_to_xyz(int face, double u, double v) {
  switch (face) {
    case 0: return {1, u, v};
    case 1: return {-u, 1, v};
    case 2: return {-u, -v, 1};
    case 3: return {-1, -v, -u};
    case 4: return {v, -1, -u};
    default: return {v, u, -1};
  }
}
double uv_to_st(double u) { return u >= 0 ? 0.5 * std::sqrt(1 + 3 * u) : 1 - 0.5 * std::sqrt(1 - 3 * u); }
double st_to_uv(double s) { return s >= 0.5 ? (1.0 / 3) * (4 * s * s - 1) : (1.0 / 3) * (1 - 4 * (1 - s) * (1 - s)); }
std::int64_t st_to_ij(double s) {
  const auto i = static_cast<std::int64_t>(std::floor(static_cast<double>(kS2MaxSize) * s));
  return std::max<std::int64_t>(0, std::min<std::int64_t>(kS2MaxSize - 1, i));
}
std::uint64_t s2_from_face_ij(int face, std::int64_t i, std::int64_t j) {
  std::uint64_t pos = 0;
  int orientation = face & 1;
  for (int b = kS2MaxLevel - 1; b >= 0; --b) {
    const int ij = static_cast<int>(((i >> b) & 1) << 1 | ((j >> b) & 1));
    const int p = kIJtoPos[orientation][ij];
    pos = pos << 2 | static_cast<std::uint64_t>(p);
    orientation ^= kPosToOrientation[p];
  }
  return static_cast<std::uint64_t>(face) << 61 | pos << 1 | 1;
}
std::uint64_t s2_lsb_for_level(int level) { return std::uint64_t{1} << (2 * (kS2MaxLevel - level)); }
std::uint64_t s2_parent(std::uint64_t id, int level) {
  const std::uint64_t lsb = s2_lsb_for_level(level);
  return (id & (~lsb + 1)) | lsb;
}
int s2_level(std::uint64_t id) {
  int level = kS2MaxLevel;
  while (level > 0 && !(id & s2_lsb_for_level(level))) --level;
  return level;
}
bool s2_valid(std::uint64_t id) {
  if ((id >> 61) > 5 || id == 0) return false;
  const std::uint64_t low = id & (~id + 1);
  return (low & 0x1555555555555555ULL) != 0;
}
// The cell's face and the (i, j) of its lower-left leaf.
int s2_face_ij(std::uint64_t id, std::int64_t& i, std::int64_t& j) {
  const int face = static_cast<int>(id >> 61);
  const int level = s2_level(id);
  int orientation = face & 1;
  i = 0;
  j = 0;
  for (int k = 0; k < kS2MaxLevel; ++k) {
    int ij = 0;
    if (k < level) {
      const int p = static_cast<int>((id >> (2 * (kS2MaxLevel - 1 - k) + 1)) & 3);
      ij = kPosToIJ[orientation][p];
      orientation ^= kPosToOrientation[p];
    }
    i = i << 1 | (ij >> 1);
    j = j << 1 | (ij & 1);
  }
  return face;
}
std::string s2_token(std::uint64_t id) {
  static const char* kHex = "0123456789abcdef";
  std::string t;
  for (int k = 15; k >= 0; --k) t.push_back(kHex[(id >> (4 * k)) & 15]);
  while (!t.empty() && t.back() == '0') t.pop_back();
  return t.empty() ? "X" : t;
}
std::optional<std::uint64_t> s2_from_token(std::string_view t) {
  if (t.empty() || t.size() > 16) return std::nullopt;
  std::uint64_t id = 0;
  for (char c : t) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else return std::nullopt;
    id = id << 4 | static_cast<std::uint64_t>(v);
  }
  id <<= 4 * (16 - t.size());
  if (!s2_valid(id)) return std::nullopt;
  return id;
}
// geo_point_to_s2cell(longitude, latitude [, level]): level 0..30, 11 by default; invalid input
// gives an empty string.
Value f_geo_point_to_s2cell(const CallArgs& a) {
  bool ok = true;
  const double lon = num(a[0], ok), lat = num(a[1], ok);
  const double level = a.size() > 2 && !a[2].is_null() ? num(a[2], ok) : 11;
  if (!ok || !valid_point(lon, lat) || level < 0 || level > kS2MaxLevel || level != std::floor(level)) return Value::of_string("");
  double u, v;
  const int face = xyz_to_face_uv(to_v3(lon, lat), u, v);
  const std::uint64_t leaf = s2_from_face_ij(face, st_to_ij(uv_to_st(u)), st_to_ij(uv_to_st(v)));
  return Value::of_string(s2_token(s2_parent(leaf, static_cast<int>(level))));
}
std::optional<std::uint64_t> s2_arg(const Value& v) {
  if (v.is_null()) return std::nullopt;
  return s2_from_token(to_kusto_string(v));
}
// geo_s2cell_to_central_point (geo-s2cell-to-central-point-function)
Value f_geo_s2cell_to_central_point(const CallArgs& a) {
  auto id = s2_arg(a[0]);
  if (!id) return null_dyn();
  std::int64_t i, j;
  const int face = s2_face_ij(*id, i, j);
  const std::int64_t size = std::int64_t{1} << (kS2MaxLevel - s2_level(*id));
  const double s = static_cast<double>(2 * i + size) / static_cast<double>(2 * kS2MaxSize);
  const double t = static_cast<double>(2 * j + size) / static_cast<double>(2 * kS2MaxSize);
  return point_value(unit(face_uv_to_xyz(face, st_to_uv(s), st_to_uv(t))));
}
// geo_s2cell_to_polygon (geo-s2cell-to-polygon-function): the cell's four corners.
Value f_geo_s2cell_to_polygon(const CallArgs& a) {
  auto id = s2_arg(a[0]);
  if (!id) return null_dyn();
  std::int64_t i, j;
  const int face = s2_face_ij(*id, i, j);
  const std::int64_t size = std::int64_t{1} << (kS2MaxLevel - s2_level(*id));
  const double m = static_cast<double>(kS2MaxSize);
  const double u0 = st_to_uv(static_cast<double>(i) / m), u1 = st_to_uv(static_cast<double>(i + size) / m);
  const double v0 = st_to_uv(static_cast<double>(j) / m), v1 = st_to_uv(static_cast<double>(j + size) / m);
  std::vector<std::pair<double, double>> ring;
  for (auto [u, v] : {std::pair{u0, v0}, std::pair{u1, v0}, std::pair{u1, v1}, std::pair{u0, v1}}) {
    const V3 p = unit(face_uv_to_xyz(face, u, v));
    ring.emplace_back(lon_of(p), lat_of(p));
  }
  ring.push_back(ring.front());
  return polygon_value(ring);
}
// A leaf (i, j) possibly off the face, as a cell of the face it falls on (the S2 library's
// FromFaceIJWrap).
std::uint64_t s2_from_face_ij_wrap(int face, std::int64_t i, std::int64_t j) {
  i = std::max<std::int64_t>(-1, std::min(kS2MaxSize, i));
  j = std::max<std::int64_t>(-1, std::min(kS2MaxSize, j));
  constexpr double kScale = 1.0 / static_cast<double>(kS2MaxSize);
  constexpr double kLimit = 1.0 + 2.220446049250313e-16;
  double u = std::max(-kLimit, std::min(kLimit, kScale * static_cast<double>(2 * (i - kS2MaxSize / 2) + 1)));
  double v = std::max(-kLimit, std::min(kLimit, kScale * static_cast<double>(2 * (j - kS2MaxSize / 2) + 1)));
  const int f = xyz_to_face_uv(face_uv_to_xyz(face, u, v), u, v);
  return s2_from_face_ij(f, st_to_ij(0.5 * (u + 1)), st_to_ij(0.5 * (v + 1)));
}
// geo_s2cell_neighbors (geo-s2cell-neighbors-function): the eight cells of the same level around
// (seven at a cube corner, four for a face), in the order of the S2 library's AppendAllNeighbors;
// the page lists the same cells for '89c259' in another order, which it does not define.
Value f_geo_s2cell_neighbors(const CallArgs& a) {
  auto id = s2_arg(a[0]);
  if (!id) return null_dyn();
  std::int64_t i, j;
  const int face = s2_face_ij(*id, i, j);
  const int level = s2_level(*id);
  const std::int64_t size = std::int64_t{1} << (kS2MaxLevel - level);
  auto cell = [&](std::int64_t ci, std::int64_t cj) {
    const bool same = ci >= 0 && cj >= 0 && ci < kS2MaxSize && cj < kS2MaxSize;
    return s2_parent(same ? s2_from_face_ij(face, ci, cj) : s2_from_face_ij_wrap(face, ci, cj), level);
  };
  std::vector<std::uint64_t> ids;
  for (std::int64_t k = -size;; k += size) {
    if (k >= 0 && k < size) {
      ids.push_back(cell(i + k, j - size));
      ids.push_back(cell(i + k, j + size));
    }
    ids.push_back(cell(i - size, j + k));
    ids.push_back(cell(i + size, j + k));
    if (k >= size) break;
  }
  std::string out;
  DynWriter w(out);
  w.begin_array();
  std::vector<std::uint64_t> seen;
  for (auto n : ids) {
    if (n == *id || std::find(seen.begin(), seen.end(), n) != seen.end()) continue;  // a face corner has 7
    seen.push_back(n);
    w.string(s2_token(n));
  }
  w.end();
  return Value::of_dynamic(std::move(out));
}

// ---- geo_from_wkt (geo-from-wkt-function): WKT POINT, LINESTRING, POLYGON, MULTIPOINT,
// MULTILINESTRING, MULTIPOLYGON and GEOMETRYCOLLECTION (keywords in any case) to GeoJSON. EMPTY
// geometries, Z/M coordinates and coordinates out of range are unsupported: null; so are
// collections nested more than 64 deep.
class WktReader {
 public:
  explicit WktReader(std::string_view s) : s_(s) {}
  bool geometry(DynWriter& w) {
    const std::string kw = keyword();
    if (kw == "POINT") {
      begin(w, "Point");
      if (!open() || !coord(w) || !close()) return false;
    } else if (kw == "LINESTRING") {
      begin(w, "LineString");
      if (!coords(w, 2)) return false;
    } else if (kw == "POLYGON") {
      begin(w, "Polygon");
      if (!rings(w)) return false;
    } else if (kw == "MULTIPOINT") {
      begin(w, "MultiPoint");
      if (!open()) return false;
      w.begin_array();
      do {
        skip();
        const bool paren = peek() == '(';
        if (paren) ++i_;
        if (!coord(w) || (paren && !close())) return false;
      } while (comma());
      w.end();
      if (!close()) return false;
    } else if (kw == "MULTILINESTRING") {
      begin(w, "MultiLineString");
      if (!open()) return false;
      w.begin_array();
      do {
        if (!coords(w, 2)) return false;
      } while (comma());
      w.end();
      if (!close()) return false;
    } else if (kw == "MULTIPOLYGON") {
      begin(w, "MultiPolygon");
      if (!open()) return false;
      w.begin_array();
      do {
        if (!rings(w)) return false;
      } while (comma());
      w.end();
      if (!close()) return false;
    } else if (kw == "GEOMETRYCOLLECTION") {
      if (++depth_ > kMaxDepth) return false;  // nested collections: bounded recursion
      w.begin_object();
      w.key("type");
      w.string("GeometryCollection");
      w.key("geometries");
      if (!open()) return false;
      w.begin_array();
      do {
        if (!geometry(w)) return false;
      } while (comma());
      w.end();
      if (!close()) return false;
      w.end();
      return true;
    } else {
      return false;
    }
    w.end();  // the geometry's object
    return true;
  }
  bool at_end() {
    skip();
    return i_ == s_.size();
  }

 private:
  void begin(DynWriter& w, const char* type) {
    w.begin_object();
    w.key("type");
    w.string(type);
    w.key("coordinates");
  }
  void skip() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  char peek() { return i_ < s_.size() ? s_[i_] : '\0'; }
  std::string keyword() {
    skip();
    std::string k;
    while (i_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[i_]))) k.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(s_[i_++]))));
    return k;
  }
  bool open() {
    skip();
    if (peek() != '(') return false;
    ++i_;
    return true;
  }
  bool close() {
    skip();
    if (peek() != ')') return false;
    ++i_;
    return true;
  }
  bool comma() {
    skip();
    if (peek() != ',') return false;
    ++i_;
    return true;
  }
  bool number(double& d) {
    skip();
    const std::size_t start = i_;
    while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.' || s_[i_] == '-' || s_[i_] == '+' || s_[i_] == 'e' || s_[i_] == 'E')) ++i_;
    if (i_ == start) return false;
    const std::string t(s_.substr(start, i_ - start));
    char* end = nullptr;
    d = std::strtod(t.c_str(), &end);
    return end == t.c_str() + t.size() && std::isfinite(d);
  }
  bool coord(DynWriter& w) {
    double lon, lat;
    if (!number(lon) || !number(lat) || !valid_point(lon, lat)) return false;
    w.begin_array();
    w.real(lon);
    w.real(lat);
    w.end();
    return true;
  }
  bool coords(DynWriter& w, std::size_t min) {
    if (!open()) return false;
    w.begin_array();
    std::size_t n = 0;
    do {
      if (!coord(w)) return false;
      ++n;
    } while (comma());
    w.end();
    return close() && n >= min;
  }
  bool rings(DynWriter& w) {
    if (!open()) return false;
    w.begin_array();
    do {
      if (!coords(w, 4)) return false;
    } while (comma());
    w.end();
    return close();
  }
  static constexpr int kMaxDepth = 64;
  std::string_view s_;
  std::size_t i_ = 0;
  int depth_ = 0;
};
Value f_geo_from_wkt(const CallArgs& a) {
  if (a[0].is_null()) return null_dyn();
  const std::string text = to_kusto_string(a[0]);
  std::string out;
  DynWriter w(out);
  WktReader r(text);
  if (!r.geometry(w) || !r.at_end()) return null_dyn();
  return Value::of_dynamic(std::move(out));
}

// ---- geo_line_densify / geo_polygon_densify (geo-line-densify-function,
// geo-polygon-densify-function): each edge, read as a straight line in longitude and latitude, is
// split at its planar midpoint while that midpoint lies farther than tolerance (meters, 0.1 to
// 10000, 10 by default) from the geodesic between the edge's ends, recursively. The pages do not
// give Kusto's rule; this one reproduces their examples (the 130 km edge in 8 pieces, the 110 km
// parallel edges in 4, meridian and short edges unchanged). With preserve_crossing, an edge whose
// longitudes differ by more than 180 degrees crosses the antimeridian; without, it runs through
// longitude 0 as written. More than 10485760 points give null.
constexpr std::size_t kMaxDensifyPoints = 10485760;
double dist_to_arc(V3 p, V3 a, V3 b) {
  Pt pa{0, 0, a}, pb{0, 0, b};
  return angle(p, closest_on_edge(p, pa, pb).v);
}
bool densify_edge(double lon1, double lat1, double lon2, double lat2, double tol_rad, int depth, std::vector<std::pair<double, double>>& out) {
  if (out.size() > kMaxDensifyPoints) return false;
  const double mlon = (lon1 + lon2) / 2, mlat = (lat1 + lat2) / 2;
  auto wrap = [](double l) { return l > 180 ? l - 360 : l < -180 ? l + 360 : l; };
  const V3 a = to_v3(wrap(lon1), lat1), b = to_v3(wrap(lon2), lat2), m = to_v3(wrap(mlon), mlat);
  if (depth < 60 && dist_to_arc(m, a, b) > tol_rad) {
    if (!densify_edge(lon1, lat1, mlon, mlat, tol_rad, depth + 1, out)) return false;
    out.emplace_back(wrap(mlon), mlat);
    return densify_edge(mlon, mlat, lon2, lat2, tol_rad, depth + 1, out);
  }
  return true;
}
std::optional<std::vector<std::pair<double, double>>> densify_chain(const Ring& r, double tol_rad, bool crossing) {
  std::vector<std::pair<double, double>> out;
  out.emplace_back(r[0].lon, r[0].lat);
  for (std::size_t i = 0; i + 1 < r.size(); ++i) {
    double lon2 = r[i + 1].lon;
    if (crossing && std::fabs(lon2 - r[i].lon) > 180) lon2 += lon2 < r[i].lon ? 360 : -360;
    if (!densify_edge(r[i].lon, r[i].lat, lon2, r[i + 1].lat, tol_rad, 0, out)) return std::nullopt;
    out.emplace_back(r[i + 1].lon, r[i + 1].lat);
  }
  return out;
}
void write_chain(DynWriter& w, const std::vector<std::pair<double, double>>& c) {
  w.begin_array();
  for (auto& [lon, lat] : c) {
    w.begin_array();
    w.real(lon);
    w.real(lat);
    w.end();
  }
  w.end();
}
std::optional<double> densify_tolerance(const CallArgs& a) {
  bool ok = true;
  const double tol = a.size() > 1 && !a[1].is_null() ? num(a[1], ok) : 10;
  if (!ok || !(tol >= 0.1 && tol <= 10000)) return std::nullopt;
  return tol / kEarthRadius;
}
Value f_geo_line_densify(const CallArgs& a) {
  auto ls = lines_of(a[0]);
  auto tol = densify_tolerance(a);
  if (!ls || !tol) return null_dyn();
  const bool crossing = a.size() > 2 && a[2].truthy();
  const bool multi = type_of(geo_dyn(a[0])) == "MultiLineString";
  std::string out;
  DynWriter w(out);
  w.begin_object();
  w.key("type");
  w.string(multi ? "MultiLineString" : "LineString");
  w.key("coordinates");
  if (multi) w.begin_array();
  std::size_t total = 0;
  for (auto& l : *ls) {
    auto c = densify_chain(l, *tol, crossing);
    if (!c || (total += c->size()) > kMaxDensifyPoints) return null_dyn();
    write_chain(w, *c);
  }
  if (multi) w.end();
  w.end();
  return Value::of_dynamic(std::move(out));
}
Value f_geo_polygon_densify(const CallArgs& a) {
  auto ps = polys_of(a[0]);
  auto tol = densify_tolerance(a);
  if (!ps || !tol) return null_dyn();
  const bool crossing = a.size() > 2 && a[2].truthy();
  const bool multi = type_of(geo_dyn(a[0])) == "MultiPolygon";
  std::string out;
  DynWriter w(out);
  w.begin_object();
  w.key("type");
  w.string(multi ? "MultiPolygon" : "Polygon");
  w.key("coordinates");
  if (multi) w.begin_array();
  std::size_t total = 0;
  for (auto& p : *ps) {
    w.begin_array();
    for (auto& r : p) {
      auto c = densify_chain(r, *tol, crossing);
      if (!c || (total += c->size()) > kMaxDensifyPoints) return null_dyn();
      write_chain(w, *c);
    }
    w.end();
  }
  if (multi) w.end();
  w.end();
  return Value::of_dynamic(std::move(out));
}

// ---- geo_polygon_to_s2cells / geo_line_to_s2cells (geo-polygon-to-s2cells-function,
// geo-line-to-s2cells-function): the cells of the level (11 by default) that the shape meets, or
// that lie within radius meters of it, in cell-id order; more than 65536 give null. A descent from
// the six faces keeps a cell when a vertex of the shape falls in it, an edge of the shape crosses
// an edge of the cell (cell edges are geodesics), a corner of the cell lies in the polygon, or the
// shape comes within radius of the cell's boundary.
constexpr std::size_t kMaxCoverCells = 65536;
struct CellShape {
  V3 corner[4];
};
CellShape cell_shape(std::uint64_t id) {
  std::int64_t i, j;
  const int face = s2_face_ij(id, i, j);
  const std::int64_t size = std::int64_t{1} << (kS2MaxLevel - s2_level(id));
  const double m = static_cast<double>(kS2MaxSize);
  const double u0 = st_to_uv(static_cast<double>(i) / m), u1 = st_to_uv(static_cast<double>(i + size) / m);
  const double v0 = st_to_uv(static_cast<double>(j) / m), v1 = st_to_uv(static_cast<double>(j + size) / m);
  return {{unit(face_uv_to_xyz(face, u0, v0)), unit(face_uv_to_xyz(face, u1, v0)), unit(face_uv_to_xyz(face, u1, v1)),
           unit(face_uv_to_xyz(face, u0, v1))}};
}
std::uint64_t s2_leaf_of(V3 p) {
  double u, v;
  const int face = xyz_to_face_uv(p, u, v);
  return s2_from_face_ij(face, st_to_ij(uv_to_st(u)), st_to_ij(uv_to_st(v)));
}
bool in_cell(std::uint64_t cell, std::uint64_t leaf) {
  const std::uint64_t lsb = cell & (~cell + 1);
  return leaf >= cell - (lsb - 1) && leaf <= cell + (lsb - 1);
}
// The angle between two arcs: 0 when they meet, else the least distance from an end of one to
// the other.
double arc_distance(const Pt& a, const Pt& b, const Pt& c, const Pt& d) {
  if (arcs_meet(a.v, b.v, c.v, d.v)) return 0;
  double best = angle(a.v, closest_on_edge(a.v, c, d).v);
  best = std::min(best, angle(b.v, closest_on_edge(b.v, c, d).v));
  best = std::min(best, angle(c.v, closest_on_edge(c.v, a, b).v));
  best = std::min(best, angle(d.v, closest_on_edge(d.v, a, b).v));
  return best;
}
// The edges of the shape, each a pair of vertices.
using Edge = std::pair<const Pt*, const Pt*>;
// Whether the cell meets the shape (or lies within radius of it), given the edges that come near
// the cell (those farther than the cell's bounding cap plus radius cannot touch it). Without a
// near edge the cell is wholly inside or wholly outside a polygon: one corner decides.
bool cell_meets(std::uint64_t id, const CellShape& cs, const std::vector<Edge>& near, const std::vector<Poly>* polys, double radius) {
  Pt corner[4];
  for (int k = 0; k < 4; ++k) corner[k].v = cs.corner[k];
  for (auto& e : near)
    if (in_cell(id, s2_leaf_of(e.first->v)) || in_cell(id, s2_leaf_of(e.second->v))) return true;
  for (auto& e : near)
    for (int k = 0; k < 4; ++k)
      if (arc_distance(*e.first, *e.second, corner[k], corner[(k + 1) % 4]) <= radius) return true;
  if (polys) {
    auto in = in_polys(*polys, cs.corner[0]);
    if (in && *in) return true;
  }
  return false;
}
bool cover(std::uint64_t id, int level, const std::vector<Edge>& edges, const std::vector<Poly>* polys, double radius,
           std::vector<std::uint64_t>& out) {
  const CellShape cs = cell_shape(id);
  const V3 centre = unit(cs.corner[0] + cs.corner[1] + cs.corner[2] + cs.corner[3]);
  double cap = 0;
  for (auto& c : cs.corner) cap = std::max(cap, angle(centre, c));
  std::vector<Edge> near;
  for (auto& e : edges)
    if (angle(centre, closest_on_edge(centre, *e.first, *e.second).v) <= cap + radius + 1e-12) near.push_back(e);
  if (near.empty() && !polys) return true;
  if (!cell_meets(id, cs, near, polys, radius)) return true;
  const std::uint64_t lsb = id & (~id + 1);
  if (near.empty()) {  // wholly inside the polygon: every cell of the level below it
    const std::uint64_t lsb_l = s2_lsb_for_level(level), count = lsb / lsb_l;
    if (out.size() + count > kMaxCoverCells) return false;
    for (std::uint64_t k = 0; k < count; ++k) out.push_back(id - lsb + lsb_l + k * 2 * lsb_l);
    return true;
  }
  if (s2_level(id) == level) {
    out.push_back(id);
    return out.size() <= kMaxCoverCells;
  }
  const std::uint64_t step = lsb >> 2;
  for (std::uint64_t k = 0; k < 4; ++k)
    if (!cover(id - lsb + step + k * (lsb >> 1), level, near, polys, radius, out)) return false;
  return true;
}
Value cover_value(const std::vector<Ring>& lines, const std::vector<Poly>* polys, const CallArgs& a) {
  std::vector<Edge> edges;
  for (auto& l : lines)
    for (std::size_t i = 0; i + 1 < l.size(); ++i) edges.emplace_back(&l[i], &l[i + 1]);
  bool ok = true;
  const double level = a.size() > 1 && !a[1].is_null() ? num(a[1], ok) : 11;
  const double radius = a.size() > 2 && !a[2].is_null() ? num(a[2], ok) : 0;
  if (!ok || level < 0 || level > kS2MaxLevel || level != std::floor(level) || !(radius >= 0) || !std::isfinite(radius)) return null_dyn();
  std::vector<std::uint64_t> cells;
  for (std::uint64_t face = 0; face < 6; ++face)
    if (!cover(face << 61 | std::uint64_t{1} << 60, static_cast<int>(level), edges, polys, radius / kEarthRadius, cells)) return null_dyn();
  std::string out;
  DynWriter w(out);
  w.begin_array();
  for (auto c : cells) w.string(s2_token(c));
  w.end();
  return Value::of_dynamic(std::move(out));
}
Value f_geo_polygon_to_s2cells(const CallArgs& a) {
  auto ps = polys_of(a[0]);
  if (!ps) return null_dyn();
  for (auto& p : *ps)
    if (!plane_of(p)) return null_dyn();
  return cover_value(rings_of(*ps), &*ps, a);
}
Value f_geo_line_to_s2cells(const CallArgs& a) {
  auto ls = lines_of(a[0]);
  if (!ls) return null_dyn();
  return cover_value(*ls, nullptr, a);
}

// ---- geo_intersection_2lines, geo_intersection_line_with_polygon
// (geo-intersection-2lines-function, geo-intersection-line-with-polygon-function): the result is a
// Point, MultiPoint, LineString or MultiLineString, a GeometryCollection of points and lines when
// both occur, and an empty GeometryCollection when nothing is shared (the pages' examples). A
// crossing is where the two great circles meet inside both arcs; vertices given keep their
// coordinates. Lines are cut at the polygon's boundary and the pieces whose middle lies inside are
// kept, joined where they meet.
struct GeoPoint {
  double lon = 0, lat = 0;
  V3 v;
};
GeoPoint gp_of(const Pt& p) { return {p.lon, p.lat, p.v}; }
GeoPoint gp_of(V3 v) { return {lon_of(v), lat_of(v), v}; }
// The normal of arc a-b as (a + b) x (b - a) = 2 (a x b): more precise for close points.
V3 robust_normal(V3 a, V3 b) { return cross(a + b, b - a); }
std::optional<V3> arc_crossing(V3 a, V3 b, V3 c, V3 d) {
  const V3 n1 = robust_normal(a, b), n2 = robust_normal(c, d);
  const V3 x = cross(n1, n2);
  if (norm(x) < 1e-15 * std::max(1e-300, norm(n1) * norm(n2))) return std::nullopt;
  const V3 u = unit(x);
  for (V3 cand : {u, u * -1.0}) {
    const bool in1 = dot(cross(a, cand), n1) >= 0 && dot(cross(cand, b), n1) >= 0;
    const bool in2 = dot(cross(c, cand), n2) >= 0 && dot(cross(cand, d), n2) >= 0;
    if (in1 && in2) return cand;
  }
  return std::nullopt;
}
bool same_point(V3 a, V3 b) { return angle(a, b) < 1e-14; }
void write_geo_point(DynWriter& w, const GeoPoint& p) {
  w.begin_array();
  w.real(p.lon);
  w.real(p.lat);
  w.end();
}
Value shared_value(const std::vector<GeoPoint>& points, const std::vector<std::vector<GeoPoint>>& chains) {
  std::string out;
  DynWriter w(out);
  auto write_points = [&]() {
    w.begin_object();
    w.key("type");
    w.string(points.size() == 1 ? "Point" : "MultiPoint");
    w.key("coordinates");
    if (points.size() == 1) write_geo_point(w, points[0]);
    else {
      w.begin_array();
      for (auto& p : points) write_geo_point(w, p);
      w.end();
    }
    w.end();
  };
  auto write_lines = [&]() {
    w.begin_object();
    w.key("type");
    w.string(chains.size() == 1 ? "LineString" : "MultiLineString");
    w.key("coordinates");
    if (chains.size() > 1) w.begin_array();
    for (auto& c : chains) {
      w.begin_array();
      for (auto& p : c) write_geo_point(w, p);
      w.end();
    }
    if (chains.size() > 1) w.end();
    w.end();
  };
  if (!points.empty() && chains.empty()) write_points();
  else if (points.empty() && !chains.empty()) write_lines();
  else {
    w.begin_object();
    w.key("type");
    w.string("GeometryCollection");
    w.key("geometries");
    w.begin_array();
    if (!points.empty()) write_points();
    if (!chains.empty()) write_lines();
    w.end();
    w.end();
  }
  return Value::of_dynamic(std::move(out));
}
void add_piece(std::vector<std::vector<GeoPoint>>& chains, const GeoPoint& s, const GeoPoint& e, bool& open) {
  if (open && !chains.empty() && same_point(chains.back().back().v, s.v)) chains.back().push_back(e);
  else chains.push_back({s, e});
  open = true;
}
// The position of x along arc a-b, as the signed angle from a.
double along(V3 a, V3 b, V3 x) {
  const V3 n = cross(a, b);
  const double t = angle(a, x);
  return dot(cross(a, x), n) < 0 ? -t : t;
}
Value f_geo_intersection_2lines(const CallArgs& a) {
  auto x = lines_of(a[0]), y = lines_of(a[1]);
  if (!x || !y) return null_dyn();
  std::vector<GeoPoint> points;
  std::vector<std::vector<GeoPoint>> chains;
  bool open = false;
  for (auto& l1 : *x)
    for (std::size_t i = 0; i + 1 < l1.size(); ++i) {
      const Pt &p = l1[i], &q = l1[i + 1];
      const V3 n1 = robust_normal(p.v, q.v);
      if (norm(n1) < 1e-15) continue;
      const V3 u1 = unit(n1);
      // overlaps with edges on the same great circle
      std::vector<std::pair<double, double>> spans;
      for (auto& l2 : *y)
        for (std::size_t j = 0; j + 1 < l2.size(); ++j) {
          const Pt &c = l2[j], &d = l2[j + 1];
          if (std::fabs(dot(c.v, u1)) < 1e-12 && std::fabs(dot(d.v, u1)) < 1e-12) {  // on the same great circle (6 um)
            const double len = angle(p.v, q.v);
            double t0 = along(p.v, q.v, c.v), t1 = along(p.v, q.v, d.v);
            if (t0 > t1) std::swap(t0, t1);
            t0 = std::max(t0, 0.0);
            t1 = std::min(t1, len);
            if (t1 - t0 > 1e-15) spans.emplace_back(t0, t1);
          }
        }
      std::sort(spans.begin(), spans.end());
      const double len = angle(p.v, q.v);
      auto at = [&](double t) -> GeoPoint {
        if (t <= 1e-15) return gp_of(p);
        if (t >= len - 1e-15) return gp_of(q);
        const double st = std::sin(len);
        return gp_of(unit(p.v * (std::sin(len - t) / st) + q.v * (std::sin(t) / st)));
      };
      for (auto& [t0, t1] : spans) add_piece(chains, at(t0), at(t1), open);
      if (spans.empty()) open = false;
      for (auto& l2 : *y)
        for (std::size_t j = 0; j + 1 < l2.size(); ++j) {
          auto m = arc_crossing(p.v, q.v, l2[j].v, l2[j + 1].v);
          if (!m) continue;
          GeoPoint g = gp_of(*m);
          for (const Pt* v : std::initializer_list<const Pt*>{&p, &q, &l2[j], &l2[j + 1]})
            if (same_point(v->v, *m)) g = gp_of(*v);
          bool dup = false;
          for (auto& e : points) dup = dup || same_point(e.v, g.v);
          for (auto& c : chains)
            for (std::size_t k = 0; k + 1 < c.size() && !dup; ++k) dup = on_arc(g.v, c[k].v, c[k + 1].v);
          if (!dup) points.push_back(g);
        }
    }
  // points found before a later overlap that covers them
  std::vector<GeoPoint> kept;
  for (auto& g : points) {
    bool covered = false;
    for (auto& c : chains)
      for (std::size_t k = 0; k + 1 < c.size() && !covered; ++k) covered = on_arc(g.v, c[k].v, c[k + 1].v);
    if (!covered) kept.push_back(g);
  }
  if (kept.empty() && chains.empty()) return shared_value({}, {});
  return shared_value(kept, chains);
}
Value f_geo_intersection_line_with_polygon(const CallArgs& a) {
  auto ls = lines_of(a[0]);
  auto ps = polys_of(a[1]);
  if (!ls || !ps) return null_dyn();
  for (auto& p : *ps)
    if (!plane_of(p)) return null_dyn();
  const std::vector<Ring> boundary = rings_of(*ps);
  std::vector<std::vector<GeoPoint>> chains;
  for (auto& l : *ls) {
    bool open = false;
    for (std::size_t i = 0; i + 1 < l.size(); ++i) {
      const Pt &p = l[i], &q = l[i + 1];
      std::vector<std::pair<double, GeoPoint>> cuts{{0.0, gp_of(p)}};
      const double len = angle(p.v, q.v);
      for (auto& r : boundary)
        for (std::size_t j = 0; j + 1 < r.size(); ++j) {
          auto m = arc_crossing(p.v, q.v, r[j].v, r[j + 1].v);
          if (!m) continue;
          const double t = angle(p.v, *m);
          if (t > 1e-15 && t < len - 1e-15) cuts.emplace_back(t, gp_of(*m));
        }
      cuts.emplace_back(len, gp_of(q));
      std::sort(cuts.begin(), cuts.end(), [](auto& u, auto& v) { return u.first < v.first; });
      for (std::size_t k = 0; k + 1 < cuts.size(); ++k) {
        const GeoPoint &s0 = cuts[k].second, &e0 = cuts[k + 1].second;
        if (same_point(s0.v, e0.v)) continue;
        auto in = in_polys(*ps, unit(s0.v + e0.v));
        if (in && *in) add_piece(chains, s0, e0, open);
        else open = false;
      }
    }
  }
  return shared_value({}, chains);
}

}  // namespace

namespace geo {
namespace {
Chain chain_of(const Ring& r) {
  Chain c;
  c.reserve(r.size());
  for (auto& p : r) c.push_back({p.lon, p.lat});
  return c;
}
}  // namespace
std::optional<std::vector<Chain>> read_lines(const Value& v) {
  auto ls = lines_of(v);
  if (!ls) return std::nullopt;
  std::vector<Chain> out;
  for (auto& l : *ls) out.push_back(chain_of(l));
  return out;
}
std::optional<std::vector<std::vector<Chain>>> read_polygons(const Value& v) {
  auto ps = polys_of(v);
  if (!ps) return std::nullopt;
  std::vector<std::vector<Chain>> out;
  for (auto& p : *ps) {
    out.emplace_back();
    for (auto& r : p) out.back().push_back(chain_of(r));
  }
  return out;
}
double distance_m(LonLat a, LonLat b) { return haversine(a.lon, a.lat, b.lon, b.lat); }
Value polygon_value(const std::vector<std::pair<double, double>>& ring) { return engine::polygon_value(ring); }
double distance_to_edge_m(LonLat p, LonLat a, LonLat b) {
  return kEarthRadius * dist_to_arc(to_v3(p.lon, p.lat), to_v3(a.lon, a.lat), to_v3(b.lon, b.lat));
}
}  // namespace geo

void add_geo_functions(std::vector<ScalarFunction>& out) {
  auto add = [&](const char* n, int mn, int mx, TypeRule t, ScalarImpl f) { out.push_back(ScalarFunction{n, mn, mx, t, f, nullptr, true}); };
  add("geo_distance_2points", 4, 4, ret_real, f_geo_distance_2points);
  add("geo_point_in_circle", 5, 5, ret_bool, f_geo_point_in_circle);
  add("geo_point_to_geohash", 2, 3, ret_string, f_geo_point_to_geohash);
  add("geo_geohash_to_central_point", 1, 1, ret_dynamic, f_geo_geohash_to_central_point);
  add("geo_azimuth", 4, 4, ret_real, f_geo_azimuth);
  add("geo_angle", 6, 6, ret_real, f_geo_angle);
  add("geo_line_length", 1, 1, ret_real, f_geo_line_length);
  add("geo_polygon_area", 1, 1, ret_real, f_geo_polygon_area);
  add("geo_polygon_perimeter", 1, 1, ret_real, f_geo_polygon_perimeter);
  add("geo_point_in_polygon", 3, 3, ret_bool, f_geo_point_in_polygon);
  add("geo_distance_point_to_line", 3, 3, ret_real, f_geo_distance_point_to_line);
  add("geo_distance_point_to_polygon", 3, 3, ret_real, f_geo_distance_point_to_polygon);
  add("geo_closest_point_on_line", 3, 3, ret_dynamic, f_geo_closest_point_on_line);
  add("geo_closest_point_on_polygon", 3, 3, ret_dynamic, f_geo_closest_point_on_polygon);
  add("geo_intersects_2lines", 2, 2, ret_bool, f_geo_intersects_2lines);
  add("geo_intersects_line_with_polygon", 2, 2, ret_bool, f_geo_intersects_line_with_polygon);
  add("geo_intersects_2polygons", 2, 2, ret_bool, f_geo_intersects_2polygons);
  add("geo_line_centroid", 1, 1, ret_dynamic, f_geo_line_centroid);
  add("geo_polygon_centroid", 1, 1, ret_dynamic, f_geo_polygon_centroid);
  add("geo_geohash_to_polygon", 1, 1, ret_dynamic, f_geo_geohash_to_polygon);
  add("geo_geohash_neighbors", 1, 1, ret_dynamic, f_geo_geohash_neighbors);
  add("geo_point_to_s2cell", 2, 3, ret_string, f_geo_point_to_s2cell);
  add("geo_s2cell_to_central_point", 1, 1, ret_dynamic, f_geo_s2cell_to_central_point);
  add("geo_s2cell_to_polygon", 1, 1, ret_dynamic, f_geo_s2cell_to_polygon);
  add("geo_s2cell_neighbors", 1, 1, ret_dynamic, f_geo_s2cell_neighbors);
  add("geo_from_wkt", 1, 1, ret_dynamic, f_geo_from_wkt);
  add("geo_line_densify", 1, 3, ret_dynamic, f_geo_line_densify);
  add("geo_polygon_densify", 1, 3, ret_dynamic, f_geo_polygon_densify);
  add("geo_polygon_to_s2cells", 1, 3, ret_dynamic, f_geo_polygon_to_s2cells);
  add("geo_line_to_s2cells", 1, 3, ret_dynamic, f_geo_line_to_s2cells);
  add("geo_intersection_2lines", 2, 2, ret_dynamic, f_geo_intersection_2lines);
  add("geo_intersection_line_with_polygon", 2, 2, ret_dynamic, f_geo_intersection_line_with_polygon);
  add("geo_line_interpolate_point", 2, 2, ret_dynamic, f_geo_line_interpolate_point);
  add("geo_line_locate_point", 3, 3, ret_real, f_geo_line_locate_point);
}

}  // namespace rulelab::engine
