// H3's grid (h3geo.org/docs/core-library/overview): 122 base cells on an icosahedron, each face
// carrying a hexagonal ijk coordinate system under a gnomonic projection; finer resolutions
// alternate Class II and Class III grids (aperture 7, the Class III one rotated by
// asin(sqrt(3/28))). A cell index's digits are the path from its base cell: each digit is the
// unit ijk vector from the parent's center (moved down one aperture) to the child. The grid's
// numeric tables are in h3_tables.inc (see its header for their source).
#include "engine/h3.hpp"

#include <algorithm>
#include <cmath>

namespace rulelab::engine::h3 {
namespace {

struct Ijk {
  int i = 0, j = 0, k = 0;
};
struct FaceOrient {
  int face;
  Ijk translate;
  int ccw_rot;
};
struct BaseCellRot {
  int base_cell;
  int ccw_rot;
};
struct BaseCellHome {
  int face;
  Ijk ijk;
  int pentagon;
  int cw_offset[2];
};
#include "engine/h3_tables.inc"

constexpr double kPi = 3.14159265358979323846;
constexpr double kTwoPi = 2 * kPi;
constexpr double kEpsilon = 1e-16;
constexpr double kSqrt3Half = 0.8660254037844386467637231707529361834714;  // sqrt(3) / 2
constexpr double kSqrt7 = 2.6457513110645905905016157536392604257102;
constexpr double kInvSqrt7 = 0.37796447300922722721451653623418006081576;
constexpr double kAp7Rot = 0.333473172251832115336090755351601070065900389;  // asin(sqrt(3/28))
// Resolution 0's hexagon edge in gnomonic units: 1 / golden ratio squared.
constexpr double kRes0U = 0.38196601125010500003;
constexpr double kInvRes0U = 2.61803398874989588842;
constexpr double kFloatEpsilon = 1.1920928955078125e-07;

enum Dir { kCenter = 0, kK = 1, kJ = 2, kJK = 3, kI = 4, kIK = 5, kIJ = 6, kInvalid = 7 };
enum FaceQuadrant { kQuadIJ = 1, kQuadKI = 2, kQuadJK = 3 };
enum class Overage { None, FaceEdge, NewFace };

bool odd(int res) { return res % 2 == 1; }

// ---- ijk coordinates: three axes 120 degrees apart; (1,1,1) is the origin, so a coordinate is
// normalised to its representative with no negative component and at least one zero.
Ijk norm(Ijk a) {
  const int m = std::min({a.i, a.j, a.k});
  return {a.i - m, a.j - m, a.k - m};
}
Ijk add(Ijk a, Ijk b) { return {a.i + b.i, a.j + b.j, a.k + b.k}; }
Ijk sub(Ijk a, Ijk b) { return {a.i - b.i, a.j - b.j, a.k - b.k}; }
Ijk scale(Ijk a, int f) { return {a.i * f, a.j * f, a.k * f}; }
bool is_zero(Ijk a) { return a.i == 0 && a.j == 0 && a.k == 0; }
// The linear map taking the unit i, j and k vectors to ei, ej, ek.
Ijk map(Ijk a, Ijk ei, Ijk ej, Ijk ek) { return norm(add(add(scale(ei, a.i), scale(ej, a.j)), scale(ek, a.k))); }
// One resolution finer: aperture 7 counterclockwise (into Class III) and clockwise (into Class II),
// and the aperture 3 steps of the vertex substrate grid.
Ijk down7(Ijk a) { return map(a, {3, 0, 1}, {1, 3, 0}, {0, 1, 3}); }
Ijk down7r(Ijk a) { return map(a, {3, 1, 0}, {0, 3, 1}, {1, 0, 3}); }
Ijk down3(Ijk a) { return map(a, {2, 0, 1}, {1, 2, 0}, {0, 1, 2}); }
Ijk down3r(Ijk a) { return map(a, {2, 1, 0}, {0, 2, 1}, {1, 0, 2}); }
Ijk rot_ccw(Ijk a) { return map(a, {1, 1, 0}, {0, 1, 1}, {1, 0, 1}); }
Ijk rot_cw(Ijk a) { return map(a, {1, 0, 1}, {1, 1, 0}, {0, 1, 1}); }
// n / 7 to the nearest integer (never a tie).
int div7(long n) { return static_cast<int>(n >= 0 ? (2 * n + 7) / 14 : -((-2 * n + 7) / 14)); }
// One resolution coarser: the inverse maps, each ij component rounded.
Ijk up7(Ijk a) {
  const long i = a.i - a.k, j = a.j - a.k;
  return norm({div7(3 * i - j), div7(i + 2 * j), 0});
}
Ijk up7r(Ijk a) {
  const long i = a.i - a.k, j = a.j - a.k;
  return norm({div7(2 * i + j), div7(3 * j - i), 0});
}
// A direction digit's unit vector is its bits (i, j, k).
Ijk unit(int d) { return {(d >> 2) & 1, (d >> 1) & 1, d & 1}; }
int digit_of(Ijk u) {
  u = norm(u);
  if (u.i > 1 || u.j > 1 || u.k > 1) return kInvalid;
  return u.i * 4 + u.j * 2 + u.k;
}
int rot_digit_ccw(int d) {
  constexpr int t[8] = {0, 5, 3, 1, 6, 4, 2, 7};
  return t[d];
}
int rot_digit_cw(int d) {
  constexpr int t[8] = {0, 3, 6, 2, 5, 1, 4, 7};
  return t[d];
}

struct V2 {
  double x = 0, y = 0;
};
V2 hex_of(Ijk a) {
  const int i = a.i - a.k, j = a.j - a.k;
  return {i - 0.5 * j, j * kSqrt3Half};
}
// The hexagon whose center is nearest to v: cube rounding in the axial frame of the unit vectors
// i and i + j (60 degrees apart), where the centers are the integer points.
Ijk ijk_of(V2 v) {
  const double b = v.y / kSqrt3Half, a = v.x + b / 2;  // v = a * i + b * j
  const double q = a - b, r = b, s = -q - r;           // v = q * i + r * (i + j)
  double rq = std::round(q), rr = std::round(r), rs = std::round(s);
  const double dq = std::fabs(rq - q), dr = std::fabs(rr - r), ds = std::fabs(rs - s);
  if (dq > dr && dq > ds) rq = -rr - rs;
  else if (dr > ds) rr = -rq - rs;
  const int i = static_cast<int>(rq + rr), j = static_cast<int>(rr);
  return norm({i, j, 0});
}

// ---- points on the unit sphere
struct V3 {
  double x = 0, y = 0, z = 0;
};
double dot(V3 a, V3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
V3 comb(double a, V3 p, double b, V3 q) { return {a * p.x + b * q.x, a * p.y + b * q.y, a * p.z + b * q.z}; }
V3 unitv(V3 a) {
  const double n = std::sqrt(dot(a, a));
  return n > 0 ? V3{a.x / n, a.y / n, a.z / n} : a;
}
V3 cross(V3 a, V3 b) { return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x}; }
V3 face_center(int f) { return {kFaceCenter[f][0], kFaceCenter[f][1], kFaceCenter[f][2]}; }
// North and east unit vectors of the tangent plane at p (never a pole: face centers are not).
void tangent(V3 p, V3& north, V3& east) {
  north = unitv(comb(1, V3{0, 0, 1}, -p.z, p));
  east = cross(north, p);
}
double pos_angle(double a) {
  if (a < 0) a += kTwoPi;
  if (a >= kTwoPi) a -= kTwoPi;
  return a;
}
geo::LonLat lonlat_of(V3 p) {
  return {std::atan2(p.y, p.x) * 180 / kPi, std::asin(std::clamp(p.z, -1.0, 1.0)) * 180 / kPi};
}

// A point of a face's hex2d plane (at resolution res; substrate: the vertex grid, a third of the
// cell spacing) back on the sphere: inverse gnomonic projection from the face center.
geo::LonLat point_of(V2 v, int face, int res, bool substrate) {
  double r = std::sqrt(v.x * v.x + v.y * v.y);
  const V3 c = face_center(face);
  if (r < kEpsilon) return lonlat_of(c);
  double theta = std::atan2(v.y, v.x);
  for (int i = 0; i < res; ++i) r *= kInvSqrt7;
  if (substrate) r /= 3;
  r = std::atan(r * kRes0U);
  if (!substrate && odd(res)) theta = pos_angle(theta + kAp7Rot);
  theta = pos_angle(kFaceAxisAz[face][0] - theta);  // an azimuth: clockwise from north
  V3 north, east;
  tangent(c, north, east);
  const V3 dir = comb(std::cos(theta), north, std::sin(theta), east);
  return lonlat_of(unitv(comb(std::cos(r), c, std::sin(r), dir)));
}

struct FaceIjk {
  int face = 0;
  Ijk c;
};

// ---- index bits
constexpr int kBaseShift = 45, kResShift = 52;
int leading_digit(Cell h) {
  for (int r = 1; r <= resolution(h); ++r)
    if (const int d = digit(h, r)) return d;
  return kCenter;
}
bool leading_is(Cell h, int d) { return leading_digit(h) == d; }
Cell set_base(Cell h, int bc) { return (h & ~(Cell{127} << kBaseShift)) | (static_cast<Cell>(bc) << kBaseShift); }
Cell rotate_ccw(Cell h) {
  for (int r = 1; r <= resolution(h); ++r) h = set_digit(h, r, rot_digit_ccw(digit(h, r)));
  return h;
}
Cell rotate_cw(Cell h) {
  for (int r = 1; r <= resolution(h); ++r) h = set_digit(h, r, rot_digit_cw(digit(h, r)));
  return h;
}
// Rotations about a pentagon's center: a path whose leading digit would become the deleted k axis
// (digit 1) turns once more.
Cell rotate_pent_ccw(Cell h) {
  bool seen = false;
  for (int r = 1; r <= resolution(h); ++r) {
    h = set_digit(h, r, rot_digit_ccw(digit(h, r)));
    if (!seen && digit(h, r) != 0) {
      seen = true;
      if (leading_is(h, kK)) h = rotate_ccw(h);
    }
  }
  return h;
}
bool cw_offset(int bc, int face) { return bc >= 0 && bc < 122 && (kBaseCellData[bc].cw_offset[0] == face || kBaseCellData[bc].cw_offset[1] == face); }
int pow7(int e) {
  int v = 1;
  while (e-- > 0) v *= 7;
  return v;
}

// A face's ijk coordinates at resolution res to the cell index.
std::optional<Cell> cell_of(FaceIjk f, int res) {
  Cell h = (Cell{1} << 59) | (static_cast<Cell>(res) << kResShift) | ((Cell{1} << kBaseShift) - 1);
  Ijk c = f.c;
  for (int r = res - 1; r >= 0; --r) {
    const Ijk last = c;
    Ijk parent_center;
    if (odd(r + 1)) {
      c = up7(c);
      parent_center = down7(c);
    } else {
      c = up7r(c);
      parent_center = down7r(c);
    }
    h = set_digit(h, r + 1, digit_of(sub(last, parent_center)));
  }
  if (c.i > 2 || c.j > 2 || c.k > 2) return std::nullopt;
  const BaseCellRot& b = kFaceIjkBaseCells[f.face * 27 + c.i * 9 + c.j * 3 + c.k];
  h = set_base(h, b.base_cell);
  if (is_pentagon_base(b.base_cell)) {
    if (leading_is(h, kK)) h = cw_offset(b.base_cell, f.face) ? rotate_cw(h) : rotate_ccw(h);
    for (int i = 0; i < b.ccw_rot; ++i) h = rotate_pent_ccw(h);
  } else {
    for (int i = 0; i < b.ccw_rot; ++i) h = rotate_ccw(h);
  }
  return h;
}

// Moves coordinates that fall past the face's edge (Class II resolution res; substrate: the
// vertex grid) onto the adjacent face.
Overage adjust_overage(FaceIjk& f, int res, bool pent_leading4, bool substrate) {
  const int unit_scale = pow7(res / 2) * (substrate ? 3 : 1);
  const int max_dim = 2 * unit_scale;
  Ijk& c = f.c;
  if (substrate && c.i + c.j + c.k == max_dim) return Overage::FaceEdge;
  if (c.i + c.j + c.k <= max_dim) return Overage::None;
  int quad = kQuadIJ;
  if (c.k > 0) {
    if (c.j > 0) {
      quad = kQuadJK;
    } else {
      quad = kQuadKI;
      if (pent_leading4) {  // the pentagon's missing sequence: turn about its center
        const Ijk origin{max_dim, 0, 0};
        c = add(rot_cw(sub(c, origin)), origin);
      }
    }
  }
  const FaceOrient& o = kFaceNeighbors[f.face][quad];
  f.face = o.face;
  for (int i = 0; i < o.ccw_rot; ++i) c = rot_ccw(c);
  c = norm(add(c, scale(o.translate, unit_scale)));
  if (substrate && c.i + c.j + c.k == max_dim) return Overage::FaceEdge;
  return Overage::NewFace;
}

// The cell's face and ijk coordinates, on the face that holds its center.
FaceIjk face_ijk_of(Cell h) {
  const int bc = std::min(base_cell(h), 121);  // parse() admits 0..121 only
  const bool pent = is_pentagon_base(bc);
  if (pent && leading_is(h, kIK)) h = rotate_cw(h);
  const BaseCellHome& home = kBaseCellData[bc];
  FaceIjk f{home.face, home.ijk};
  const int res = resolution(h);
  const bool may_overflow = pent || (res != 0 && !is_zero(f.c));
  for (int r = 1; r <= res; ++r) {
    f.c = odd(r) ? down7(f.c) : down7r(f.c);
    f.c = norm(add(f.c, unit(digit(h, r))));
  }
  if (!may_overflow) return f;
  const Ijk orig = f.c;
  int ares = res;
  if (odd(res)) {
    f.c = down7r(f.c);
    ++ares;
  }
  if (adjust_overage(f, ares, pent && leading_is(h, kI), false) != Overage::None) {
    // A pentagon's cells may pass over a second face edge (at most a few: bounded for safety).
    for (int guard = 0; pent && guard < 8 && adjust_overage(f, ares, false, false) != Overage::None; ++guard) {
    }
    if (ares != res) f.c = up7r(f.c);
  } else if (ares != res) {
    f.c = orig;
  }
  return f;
}

V2 intersect(V2 p0, V2 p1, V2 p2, V2 p3) {
  const V2 s1{p1.x - p0.x, p1.y - p0.y}, s2{p3.x - p2.x, p3.y - p2.y};
  const double t = (s2.x * (p0.y - p2.y) - s2.y * (p0.x - p2.x)) / (-s2.x * s1.y + s1.x * s2.y);
  return {p0.x + t * s1.x, p0.y + t * s1.y};
}
bool near(V2 a, V2 b) { return std::fabs(a.x - b.x) < kFloatEpsilon && std::fabs(a.y - b.y) < kFloatEpsilon; }
// The face's edge between the face center's neighbours in quadrant quad, in the hex2d plane of a
// substrate grid of Class II resolution res.
void face_edge(int quad, int res, V2& e0, V2& e1) {
  const double m = 2.0 * pow7(res / 2);
  const V2 v0{3.0 * m, 0.0}, v1{-1.5 * m, 3.0 * kSqrt3Half * m}, v2{-1.5 * m, -3.0 * kSqrt3Half * m};
  if (quad == kQuadIJ) {
    e0 = v0;
    e1 = v1;
  } else if (quad == kQuadJK) {
    e0 = v1;
    e1 = v2;
  } else {
    e0 = v2;
    e1 = v0;
  }
}

// The corners of an origin-centered cell in the vertex substrate grid, counterclockwise from the
// i axis: aperture 3 then 3r (Class II), or 3, 3r and 7r (Class III).
constexpr Ijk kVertsII[6] = {{2, 1, 0}, {1, 2, 0}, {0, 2, 1}, {0, 1, 2}, {1, 0, 2}, {2, 0, 1}};
constexpr Ijk kVertsIII[6] = {{5, 4, 0}, {1, 5, 0}, {0, 5, 4}, {0, 1, 5}, {4, 0, 5}, {5, 0, 1}};

std::vector<geo::LonLat> hexagon_boundary(FaceIjk f, int res) {
  int ares = res;
  Ijk c = down3r(down3(f.c));
  if (odd(res)) {
    c = down7r(c);
    ++ares;
  }
  FaceIjk verts[6];
  for (int v = 0; v < 6; ++v) verts[v] = {f.face, norm(add(c, odd(res) ? kVertsIII[v] : kVertsII[v]))};
  std::vector<geo::LonLat> out;
  int last_face = -1;
  Overage last_overage = Overage::None;
  for (int n = 0; n <= 6; ++n) {  // n == 6 revisits vertex 0 for the last edge's crossing
    const int v = n % 6;
    FaceIjk fv = verts[v];
    const Overage ov = adjust_overage(fv, ares, false, true);
    // A Class III edge that crosses an icosahedron edge gets a vertex at the crossing, so that
    // each part is projected from its own face.
    if (odd(res) && n > 0 && fv.face != last_face && last_overage != Overage::FaceEdge) {
      const V2 a = hex_of(verts[(v + 5) % 6].c), b = hex_of(verts[v].c);
      const int other = last_face == f.face ? fv.face : last_face;
      const int quad = kAdjacentFaceDir[f.face][other];
      if (quad > 0) {
        V2 e0, e1;
        face_edge(quad, ares, e0, e1);
        const V2 x = intersect(a, b, e0, e1);
        if (!near(a, x) && !near(b, x)) out.push_back(point_of(x, f.face, ares, true));
      }
    }
    if (n < 6) out.push_back(point_of(hex_of(fv.c), fv.face, ares, true));
    last_face = fv.face;
    last_overage = ov;
  }
  return out;
}

std::vector<geo::LonLat> pentagon_boundary(FaceIjk f, int res) {
  int ares = res;
  Ijk c = down3r(down3(f.c));
  if (odd(res)) {
    c = down7r(c);
    ++ares;
  }
  FaceIjk verts[5];
  for (int v = 0; v < 5; ++v) verts[v] = {f.face, norm(add(c, odd(res) ? kVertsIII[v] : kVertsII[v]))};
  std::vector<geo::LonLat> out;
  FaceIjk last;
  const int unit_scale = pow7(ares / 2) * 3;
  for (int n = 0; n <= 5; ++n) {
    FaceIjk fv = verts[n % 5];
    for (int guard = 0; guard < 8 && adjust_overage(fv, ares, false, true) == Overage::NewFace; ++guard) {
    }
    // Every Class III pentagon edge crosses an icosahedron edge: find the crossing in the
    // previous vertex's face.
    if (odd(res) && n > 0) {
      const int to_last = kAdjacentFaceDir[fv.face][last.face];
      if (to_last > 0) {
        const FaceOrient& o = kFaceNeighbors[fv.face][to_last];
        FaceIjk t{o.face, fv.c};
        for (int i = 0; i < o.ccw_rot; ++i) t.c = rot_ccw(t.c);
        t.c = norm(add(t.c, scale(o.translate, unit_scale)));
        const int quad = kAdjacentFaceDir[t.face][fv.face];
        if (quad > 0) {
          V2 e0, e1;
          face_edge(quad, ares, e0, e1);
          out.push_back(point_of(intersect(hex_of(last.c), hex_of(t.c), e0, e1), t.face, ares, true));
        }
      }
    }
    if (n < 5) out.push_back(point_of(hex_of(fv.c), fv.face, ares, true));
    last = fv;
  }
  return out;
}

// ---- moving one cell: the digits are carried upward (the tables give, per digit and direction,
// the new digit and the direction still to move at the coarser resolution); a move out of the
// base cell goes to its neighbour, whose frame may be rotated. rotations (in/out) is the number of
// ccw turns to apply to directions after crossing rotated frames. nullopt: the deleted direction
// of a pentagon.
std::optional<Cell> neighbor(Cell origin, int dir, int& rotations) {
  Cell cur = origin;
  rotations %= 6;
  for (int i = 0; i < rotations; ++i) dir = rot_digit_ccw(dir);
  int new_rot = 0;
  const int old_bc = base_cell(cur);
  const int old_leading = leading_digit(cur);
  for (int r = resolution(cur) - 1;; --r) {
    if (r == -1) {
      int nb = kBaseCellNeighbors[old_bc][dir];
      new_rot = kBaseCellNeighborRots[old_bc][dir];
      if (nb == 127) {  // the deleted k direction of a pentagon base cell: the ik neighbour borders it
        nb = kBaseCellNeighbors[old_bc][kIK];
        new_rot = kBaseCellNeighborRots[old_bc][kIK];
        cur = rotate_ccw(cur);
        ++rotations;
      }
      cur = set_base(cur, nb);
      break;
    }
    const int old_digit = digit(cur, r + 1);
    if (old_digit == kInvalid) return std::nullopt;
    int next;
    if (odd(r + 1)) {
      cur = set_digit(cur, r + 1, kNewDigitII[old_digit][dir]);
      next = kNewAdjustmentII[old_digit][dir];
    } else {
      cur = set_digit(cur, r + 1, kNewDigitIII[old_digit][dir]);
      next = kNewAdjustmentIII[old_digit][dir];
    }
    if (next == kCenter) break;
    dir = next;
  }
  const int new_bc = base_cell(cur);
  if (is_pentagon_base(new_bc)) {
    bool adjusted = false;
    if (leading_is(cur, kK)) {
      if (old_bc != new_bc) {
        cur = cw_offset(new_bc, kBaseCellData[old_bc].face) ? rotate_cw(cur) : rotate_ccw(cur);
        adjusted = true;
      } else if (old_leading == kJK) {
        cur = rotate_ccw(cur);
        ++rotations;
      } else if (old_leading == kIK) {
        cur = rotate_cw(cur);
        rotations += 5;
      } else {
        return std::nullopt;
      }
    }
    for (int i = 0; i < new_rot; ++i) cur = rotate_pent_ccw(cur);
    if (old_bc != new_bc) {
      if (new_bc == 4 || new_bc == 117) {  // the polar pentagons: every neighbour faces them on i
        if (old_bc != 118 && old_bc != 8 && !leading_is(cur, kJK)) ++rotations;
      } else if (leading_is(cur, kIK) && !adjusted) {
        ++rotations;
      }
    }
  } else {
    for (int i = 0; i < new_rot; ++i) cur = rotate_ccw(cur);
  }
  rotations = (rotations + new_rot) % 6;
  return cur;
}

constexpr int kRingDirs[6] = {kJ, kJK, kK, kIK, kI, kIJ};

// The ring walk: one step out along i, then `ring` steps along each of six directions; fails when
// it meets a pentagon (whose deleted direction breaks the walk).
bool walk_rings(Cell origin, int k, std::vector<std::vector<Cell>>& out) {
  out.assign(1, {origin});
  if (is_pentagon(origin)) return false;
  int rotations = 0;
  for (int ring = 1; ring <= k; ++ring) {
    out.emplace_back();
    auto next = neighbor(origin, kI, rotations);
    if (!next || is_pentagon(*next)) return false;
    origin = *next;
    for (int side = 0; side < 6; ++side)
      for (int step = 0; step < ring; ++step) {
        next = neighbor(origin, kRingDirs[side], rotations);
        if (!next) return false;
        origin = *next;
        out.back().push_back(origin);
        if (is_pentagon(origin)) return false;
      }
  }
  return true;
}

// Around pentagons: every cell reached within k steps, kept in a table of 3k(k+1)+1 slots (the
// slot is the index modulo the size, then the next free one), read back in slot order.
struct DiskTable {
  std::vector<Cell> cells;
  std::vector<int> dist;
  explicit DiskTable(std::size_t n) : cells(n, 0), dist(n, 0) {}
  void visit(Cell h, int k, int d) {
    const std::size_t n = cells.size();
    std::size_t at = static_cast<std::size_t>(h % n);
    while (cells[at] != 0 && cells[at] != h) at = (at + 1) % n;
    if (cells[at] == h && dist[at] <= d) return;
    cells[at] = h;
    dist[at] = d;
    if (d >= k) return;
    for (int dir : kRingDirs) {
      int rot = 0;
      if (auto nb = neighbor(h, dir, rot)) visit(*nb, k, d + 1);
    }
  }
};

}  // namespace

int resolution(Cell h) { return static_cast<int>((h >> kResShift) & 15); }
int base_cell(Cell h) { return static_cast<int>((h >> kBaseShift) & 127); }
int digit(Cell h, int r) { return static_cast<int>((h >> ((15 - r) * 3)) & 7); }
Cell set_digit(Cell h, int r, int d) {
  const int sh = (15 - r) * 3;
  return (h & ~(Cell{7} << sh)) | (static_cast<Cell>(d) << sh);
}
Cell set_resolution(Cell h, int r) { return (h & ~(Cell{15} << kResShift)) | (static_cast<Cell>(r) << kResShift); }
bool is_pentagon_base(int bc) { return bc >= 0 && bc < 122 && kBaseCellData[bc].pentagon != 0; }
bool is_pentagon(Cell h) { return is_pentagon_base(base_cell(h)) && leading_digit(h) == kCenter; }

std::optional<Cell> parse(std::string_view t) {
  if (t.empty() || t.size() > 16) return std::nullopt;
  Cell h = 0;
  for (char ch : t) {
    int d;
    if (ch >= '0' && ch <= '9') d = ch - '0';
    else if (ch >= 'a' && ch <= 'f') d = ch - 'a' + 10;
    else if (ch >= 'A' && ch <= 'F') d = ch - 'A' + 10;
    else return std::nullopt;
    h = h << 4 | static_cast<Cell>(d);
  }
  if ((h >> 63) != 0 || ((h >> 59) & 15) != 1 || ((h >> 56) & 7) != 0) return std::nullopt;
  const int bc = base_cell(h);
  if (bc > 121) return std::nullopt;
  const int res = resolution(h);
  bool leading_zero = true;
  for (int r = 1; r <= 15; ++r) {
    const int d = digit(h, r);
    if (r <= res) {
      if (d == 7) return std::nullopt;
      if (leading_zero && d != 0) {
        if (d == 1 && is_pentagon_base(bc)) return std::nullopt;  // the deleted subsequence
        leading_zero = false;
      }
    } else if (d != 7) {
      return std::nullopt;
    }
  }
  return h;
}

std::string token(Cell h) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string t;
  for (int k = 15; k >= 0; --k) t.push_back(kHex[(h >> (4 * k)) & 15]);
  const auto first = t.find_first_not_of('0');
  return first == std::string::npos ? "0" : t.substr(first);
}

std::optional<Cell> from_point(double lon, double lat, int res) {
  if (res < 0 || res > 15 || !std::isfinite(lon) || !std::isfinite(lat)) return std::nullopt;
  const double la = lat * kPi / 180, lo = lon * kPi / 180;
  const V3 p{std::cos(la) * std::cos(lo), std::cos(la) * std::sin(lo), std::sin(la)};
  int face = 0;
  double best = 5;
  for (int f = 0; f < 20; ++f) {
    const V3 c = face_center(f);
    const double d = (c.x - p.x) * (c.x - p.x) + (c.y - p.y) * (c.y - p.y) + (c.z - p.z) * (c.z - p.z);
    if (d < best) {
      best = d;
      face = f;
    }
  }
  // Gnomonic projection onto the face: distance tan(r) along the azimuth from the face's i axis.
  double r = std::acos(std::clamp(1 - best / 2, -1.0, 1.0));
  V2 v;
  if (r >= kEpsilon) {
    const V3 c = face_center(face);
    V3 north, east;
    tangent(c, north, east);
    const V3 q = comb(1, p, -dot(p, c), c);
    double theta = pos_angle(kFaceAxisAz[face][0] - pos_angle(std::atan2(dot(q, east), dot(q, north))));
    if (odd(res)) theta = pos_angle(theta - kAp7Rot);
    r = std::tan(r) * kInvRes0U;
    for (int i = 0; i < res; ++i) r *= kSqrt7;
    v = {r * std::cos(theta), r * std::sin(theta)};
  }
  return cell_of({face, ijk_of(v)}, res);
}

geo::LonLat center(Cell h) {
  const FaceIjk f = face_ijk_of(h);
  return point_of(hex_of(f.c), f.face, resolution(h), false);
}

std::vector<geo::LonLat> boundary(Cell h) {
  const FaceIjk f = face_ijk_of(h);
  return is_pentagon(h) ? pentagon_boundary(f, resolution(h)) : hexagon_boundary(f, resolution(h));
}

std::vector<std::vector<Cell>> rings(Cell h, int k) {
  std::vector<std::vector<Cell>> out;
  if (walk_rings(h, k, out)) return out;
  DiskTable t(static_cast<std::size_t>(3 * k * (k + 1) + 1));
  t.visit(h, k, 0);
  out.assign(static_cast<std::size_t>(k) + 1, {});
  for (std::size_t i = 0; i < t.cells.size(); ++i)
    if (t.cells[i] != 0) out[static_cast<std::size_t>(t.dist[i])].push_back(t.cells[i]);
  return out;
}

}  // namespace rulelab::engine::h3
