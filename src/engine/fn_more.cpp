// Mathematical, datetime, set and conversion functions of the reference's categories that the
// other files do not hold (learn.microsoft.com/kusto/query/<name>-function): pi, radians, degrees,
// cot, jaccard_index, has_any_index, base64_encode_fromguid, base64_decode_toguid,
// geo_distance_2points, geo_point_in_circle, geo_point_to_geohash, geo_geohash_to_central_point.
#include <cmath>
#include <cstring>
#include <set>

#include "engine/functions.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;

constexpr double kPi = 3.14159265358979323846;

double num(const Value& v, bool& ok) { return number_of(v, ok); }

Value f_pi(const CallArgs&) { return Value::of_real(kPi); }
Value f_radians(const CallArgs& a) {
  bool ok;
  const double d = num(a[0], ok);
  return ok ? Value::of_real(d * kPi / 180.0) : Value::null_of(Type::Real);
}
Value f_degrees(const CallArgs& a) {
  bool ok;
  const double d = num(a[0], ok);
  return ok ? Value::of_real(d * 180.0 / kPi) : Value::null_of(Type::Real);
}
Value f_cot(const CallArgs& a) {
  bool ok;
  const double d = num(a[0], ok);
  return ok ? Value::of_real(1.0 / std::tan(d)) : Value::null_of(Type::Real);
}

// jaccard_index(set1, set2) (jaccard-index-function): |intersection| / |union| of the distinct
// values of two arrays.
Value f_jaccard_index(const CallArgs& a) {
  if (a[0].type != Type::Dynamic || a[1].type != Type::Dynamic || !a[0].dyn().is_array() || !a[1].dyn().is_array())
    return Value::null_of(Type::Real);
  std::set<std::string> x, y;
  auto fill = [](const Value& v, std::set<std::string>& s) {
    v.dyn().for_each_element([&](DynRef e) {
      std::string k;
      append_key(k, Value::of_dynamic(e));
      s.insert(std::move(k));
    });
  };
  fill(a[0], x);
  fill(a[1], y);
  std::size_t inter = 0;
  for (auto& k : x) inter += y.count(k);
  const std::size_t uni = x.size() + y.size() - inter;
  if (uni == 0) return Value::null_of(Type::Real);
  return Value::of_real(static_cast<double>(inter) / static_cast<double>(uni));
}

// has_any_index(source, values) (has-any-index-function): the index of the first element of
// values that source `has`, else -1.
Value f_has_any_index(const CallArgs& a) {
  if (a[1].type != Type::Dynamic || !a[1].dyn().is_array()) return Value::null_of(Type::Long);
  const std::string src = to_kusto_string(a[0]);
  std::int64_t i = 0, found = -1;
  a[1].dyn().for_each_element([&](DynRef e) {
    if (found < 0) {
      const std::string needle = to_kusto_string(Value::of_dynamic(e));
      if (has_term(src, needle, false)) found = i;
    }
    ++i;
  });
  return Value::of_long(found);
}

// base64_encode_fromguid / base64_decode_toguid (base64-encode-fromguid-function): the guid's 16
// bytes in .NET's order (the first three fields little-endian): "ae3133f2-6e22-49ae-b06a-16e6a9b212eb"
// is "8jMxriJurkmwahbmqbIS6w==".
const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr int kNetOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
Value f_base64_encode_fromguid(const CallArgs& a) {
  if (a[0].type != Type::Guid || a[0].is_null()) return Value::of_string("");
  unsigned char b[16];
  for (int i = 0; i < 16; ++i) b[i] = a[0].g.bytes[kNetOrder[i]];
  std::string o;
  int i = 0;
  for (; i + 2 < 16; i += 3) {
    const unsigned v = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    o += kB64[v >> 18 & 63]; o += kB64[v >> 12 & 63]; o += kB64[v >> 6 & 63]; o += kB64[v & 63];
  }
  const unsigned v = b[15] << 16;
  o += kB64[v >> 18 & 63]; o += kB64[v >> 12 & 63]; o += "==";
  return Value::of_string(o);
}
int b64v(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}
Value f_base64_decode_toguid(const CallArgs& a) {
  const std::string s = to_kusto_string(a[0]);
  std::string bytes;
  unsigned acc = 0;
  int bits = 0;
  for (char c : s) {
    if (c == '=') break;
    const int v = b64v(c);
    if (v < 0) return Value::null_of(Type::Guid);
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) { bits -= 8; bytes.push_back(static_cast<char>((acc >> bits) & 0xFF)); }
  }
  if (bytes.size() != 16) return Value::null_of(Type::Guid);
  Guid g;
  for (int i = 0; i < 16; ++i) g.bytes[kNetOrder[i]] = static_cast<std::uint8_t>(bytes[static_cast<std::size_t>(i)]);
  return Value::of_guid(g);
}

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

void add_more_functions(std::vector<ScalarFunction>& out) {
  auto add = [&](const char* n, int mn, int mx, TypeRule t, ScalarImpl f) { out.push_back(ScalarFunction{n, mn, mx, t, f, nullptr, true}); };
  add("pi", 0, 0, ret_real, f_pi);
  add("radians", 1, 1, ret_real, f_radians);
  add("degrees", 1, 1, ret_real, f_degrees);
  add("cot", 1, 1, ret_real, f_cot);
  add("jaccard_index", 2, 2, ret_real, f_jaccard_index);
  add("has_any_index", 2, 2, ret_long, f_has_any_index);
  add("base64_encode_fromguid", 1, 1, ret_string, f_base64_encode_fromguid);
  add("base64_decode_toguid", 1, 1, ret_guid, f_base64_decode_toguid);
  add("geo_distance_2points", 4, 4, ret_real, f_geo_distance_2points);
  add("geo_point_in_circle", 5, 5, ret_bool, f_geo_point_in_circle);
  add("geo_point_to_geohash", 2, 3, ret_string, f_geo_point_to_geohash);
  add("geo_geohash_to_central_point", 1, 1, ret_dynamic, f_geo_geohash_to_central_point);
}

}  // namespace rulelab::engine
