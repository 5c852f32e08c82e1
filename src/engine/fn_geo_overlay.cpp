// Spherical polygon overlay (geo_overlay.hpp) and the Kusto functions built on it:
// geo_intersection_2polygons, geo_union_polygons_array, geo_simplify_polygons_array
// (learn.microsoft.com/kusto/query/geo-intersection-2polygons-function,
// geo-union-polygons-array-function, geo-simplify-polygons-array-function).
//
// The overlay: every ring is oriented so its polygon lies on its left (shells counterclockwise
// around the smaller region, holes clockwise); every edge is split where it crosses or touches an
// edge of another ring (vertices closer than kMerge radians are one vertex, so edges that run over
// each other split at the same vertices and become identical pieces); each piece is classified by
// which operands lie on its left and on its right (an operand whose own piece coincides with it
// counts by that piece's direction, any other by a point-in-polygon test at the piece's midpoint);
// the pieces whose two sides differ in the result form its boundary, turned so the result lies on
// their left, one copy of each. They are chained into loops, at a vertex where several meet taking
// the sharpest right turn (so shells that touch at a point stay separate loops); a loop around a
// region smaller than half the sphere is a shell, else a hole, and each hole goes to the smallest
// shell holding it. Loops start at their first piece in input order (the first operand's edges
// first), as the intersection page's examples print them. For an intersection, pieces that both
// closures hold but neither interior side does are lines, and vertices that both closures hold
// and no output touches are points (the page: two polygons that touch at a corner meet in a Point).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "engine/functions.hpp"
#include "engine/geo_overlay.hpp"

namespace rulelab::engine {
namespace geo {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kMerge = 1e-12;  // radians (about 6 micrometers): closer vertices are one

// The unit normal of the great circle through a and b, to the left of a -> b ((a - b) x (a + b) is
// 2 a x b, computed with less cancellation for close points).
V3 normal(V3 a, V3 b) { return unit(cross(a - b, a + b)); }

struct Vert {
  V3 v;
  LonLat ll;  // as given for an input vertex, so its coordinates come out unchanged
};
struct Part {
  std::size_t operand = 0;
  std::vector<std::vector<std::uint32_t>> rings;  // vertex ids, not closed; shell first
  V3 cap_center;
  double cap_cos = -2;  // points with dot(p, cap_center) below this are outside
  double lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0};  // a box around the shell (its edges' bulge included)
};
struct Edge {
  std::uint32_t a = 0, b = 0;
  std::size_t part = 0, ring = 0;
};
struct Piece {
  std::uint32_t u = 0, v = 0;
  std::size_t part = 0;
};

std::uint64_t key_of(std::uint32_t a, std::uint32_t b) {
  return (static_cast<std::uint64_t>(std::min(a, b)) << 32) | std::max(a, b);
}

class Overlayer {
 public:
  Overlayer(const std::vector<Region>& operands, OverlayOp op) : op_(op), operands_(operands.size()) {
    for (std::size_t k = 0; k < operands.size(); ++k)
      for (auto& poly : operands[k]) add_part(k, poly);
  }

  Overlay run() {
    split_edges();
    index_parts();
    classify();
    Overlay out;
    assemble(out);
    if (op_ == OverlayOp::Intersection) lower_dimensions(out);
    return out;
  }

 private:
  OverlayOp op_;
  std::size_t operands_;
  std::vector<Vert> verts_;
  std::map<std::pair<double, double>, std::uint32_t> by_coord_;
  std::vector<Part> parts_;
  std::vector<Edge> edges_;
  std::vector<std::vector<std::uint32_t>> splits_;  // per edge: vertices inside it
  std::vector<Piece> pieces_;
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> pieces_at_;  // undirected -> pieces
  std::vector<std::pair<std::uint32_t, std::uint32_t>> boundary_;          // result on the left
  std::vector<std::pair<std::uint32_t, std::uint32_t>> line_edges_;

  // Vertices closer than kMerge are one: a grid of cells of side kCell finds the near ones.
  static constexpr double kCell = 1e-9;
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> grid_;
  static std::uint64_t cell_key(std::int64_t i, std::int64_t j, std::int64_t k) {
    return static_cast<std::uint64_t>(i) * 0x9E3779B97F4A7C15ull ^ static_cast<std::uint64_t>(j) * 0xC2B2AE3D27D4EB4Full ^
           static_cast<std::uint64_t>(k) * 0x165667B19E3779F9ull;
  }
  static std::int64_t cell_of(double c) { return static_cast<std::int64_t>(std::floor(c / kCell)); }
  std::uint32_t vertex(V3 v, LonLat ll) {
    const std::int64_t i = cell_of(v.x), j = cell_of(v.y), k = cell_of(v.z);
    // the neighbour cells on an axis only when v lies within kMerge of that side
    auto lo = [](double c, std::int64_t n) -> std::int64_t { return c - kMerge < static_cast<double>(n) * kCell ? -1 : 0; };
    auto hi = [](double c, std::int64_t n) -> std::int64_t { return c + kMerge >= static_cast<double>(n + 1) * kCell ? 1 : 0; };
    for (std::int64_t di = lo(v.x, i); di <= hi(v.x, i); ++di)
      for (std::int64_t dj = lo(v.y, j); dj <= hi(v.y, j); ++dj)
        for (std::int64_t dk = lo(v.z, k); dk <= hi(v.z, k); ++dk) {
          auto it = grid_.find(cell_key(i + di, j + dj, k + dk));
          if (it == grid_.end()) continue;
          for (auto id : it->second)
            if (angle(v, at(id)) <= kMerge) return id;
        }
    verts_.push_back({v, ll});
    const auto id = static_cast<std::uint32_t>(verts_.size() - 1);
    grid_[cell_key(i, j, k)].push_back(id);
    return id;
  }
  std::uint32_t input_vertex(LonLat p) {
    auto [it, added] = by_coord_.emplace(std::make_pair(p.lon, p.lat), 0);
    if (added) it->second = vertex(to_v3(p), p);
    return it->second;
  }
  std::uint32_t new_vertex(V3 v) { return vertex(v, lonlat_of(v)); }
  V3 at(std::uint32_t id) const { return verts_[id].v; }

  static double signed_area(const std::vector<V3>& r) {
    double sum = 0;
    for (std::size_t i = 1; i + 1 < r.size(); ++i) {
      const V3 a = r[0], b = r[i], c = r[i + 1];
      sum += 2 * std::atan2(dot(a, cross(b, c)), 1 + dot(a, b) + dot(b, c) + dot(c, a));
    }
    return sum;
  }

  void add_part(std::size_t operand, const Polygon& poly) {
    Part part;
    part.operand = operand;
    for (std::size_t r = 0; r < poly.size(); ++r) {
      std::vector<std::uint32_t> ids;
      for (std::size_t i = 0; i + 1 < poly[r].size(); ++i) {
        const std::uint32_t id = input_vertex(poly[r][i]);
        if (ids.empty() || ids.back() != id) ids.push_back(id);
      }
      while (ids.size() > 1 && ids.back() == ids.front()) ids.pop_back();
      if (ids.size() < 3) {
        if (r == 0) return;  // a shell of no area: the polygon is nothing
        continue;
      }
      std::vector<V3> pts;
      for (auto id : ids) pts.push_back(at(id));
      const double area = signed_area(pts);
      // shells counterclockwise around their smaller region, holes clockwise
      if ((r == 0) == (area < 0)) std::reverse(ids.begin(), ids.end());
      part.rings.push_back(std::move(ids));
    }
    V3 s;
    for (auto id : part.rings[0]) s = s + at(id);
    if (norm(s) > 1e-9) {
      part.cap_center = unit(s);
      double lo = 1;
      for (auto id : part.rings[0]) lo = std::min(lo, dot(at(id), part.cap_center));
      if (lo > 0.01) part.cap_cos = lo - 1e-9;
    }
    // the box of the cap's ball (the polygon bulges outward between its vertices); no cap: all
    {
      const double d = part.cap_cos > -2 ? std::sqrt(std::max(0.0, 2 - 2 * part.cap_cos)) + 1e-9 : 2.0;
      const double c[3] = {part.cap_center.x, part.cap_center.y, part.cap_center.z};
      for (int k = 0; k < 3; ++k) {
        part.lo[k] = part.cap_cos > -2 ? c[k] - d : -2;
        part.hi[k] = part.cap_cos > -2 ? c[k] + d : 2;
      }
    }
    const std::size_t p = parts_.size();
    for (std::size_t r = 0; r < part.rings.size(); ++r) {
      auto& ids = part.rings[r];
      for (std::size_t i = 0; i < ids.size(); ++i) edges_.push_back({ids[i], ids[(i + 1) % ids.size()], p, r});
    }
    parts_.push_back(std::move(part));
  }

  // p lies on the arc a-b (normal n), strictly between its ends.
  bool inside_arc(V3 p, V3 a, V3 b, V3 n) const {
    if (std::fabs(dot(p, n)) > kMerge) return false;
    if (angle(p, a) <= kMerge || angle(p, b) <= kMerge) return false;
    return dot(cross(a, p), n) > 0 && dot(cross(p, b), n) > 0;
  }

  void add_split(std::size_t e, std::uint32_t id) {
    if (id != edges_[e].a && id != edges_[e].b) splits_[e].push_back(id);
  }

  // A crossing point of edges e and f: an end of either when that close, else a vertex already on
  // either edge when that close, else a new vertex.
  std::uint32_t crossing_vertex(std::size_t e, std::size_t f, V3 x) {
    for (std::uint32_t id : {edges_[e].a, edges_[e].b, edges_[f].a, edges_[f].b})
      if (angle(x, at(id)) <= kMerge) return id;
    for (std::size_t g : {e, f})
      for (std::uint32_t id : splits_[g])
        if (angle(x, at(id)) <= kMerge) return id;
    return new_vertex(x);
  }

  void intersect(std::size_t e, std::size_t f) {
    const Edge E = edges_[e], F = edges_[f];
    const V3 a = at(E.a), b = at(E.b), c = at(F.a), d = at(F.b);
    const V3 n1 = normal(a, b), n2 = normal(c, d);
    // an end of one edge on the other
    for (std::uint32_t id : {F.a, F.b})
      if (id != E.a && id != E.b && inside_arc(at(id), a, b, n1)) add_split(e, id);
    for (std::uint32_t id : {E.a, E.b})
      if (id != F.a && id != F.b && inside_arc(at(id), c, d, n2)) add_split(f, id);
    // a proper crossing
    const double sc = dot(c, n1), sd = dot(d, n1), sa = dot(a, n2), sb = dot(b, n2);
    const bool cd_apart = (sc > kMerge && sd < -kMerge) || (sc < -kMerge && sd > kMerge);
    const bool ab_apart = (sa > kMerge && sb < -kMerge) || (sa < -kMerge && sb > kMerge);
    if (!cd_apart || !ab_apart) return;
    V3 x = unit(cross(n1, n2));
    if (dot(x, a + b) < 0) x = x * -1.0;
    if (dot(x, c + d) <= 0) return;
    const std::uint32_t id = crossing_vertex(e, f, x);
    add_split(e, id);
    add_split(f, id);
  }

  void split_edges() {
    const std::size_t n = edges_.size();
    splits_.assign(n, {});
    struct Box {
      double lo[3], hi[3];
    };
    std::vector<Box> box(n);
    for (std::size_t e = 0; e < n; ++e) {
      const V3 a = at(edges_[e].a), b = at(edges_[e].b);
      const double bulge = 1 - std::cos(angle(a, b) / 2) + 1e-9;
      const double pa[3] = {a.x, a.y, a.z}, pb[3] = {b.x, b.y, b.z};
      for (int k = 0; k < 3; ++k) {
        box[e].lo[k] = std::min(pa[k], pb[k]) - bulge;
        box[e].hi[k] = std::max(pa[k], pb[k]) + bulge;
      }
    }
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) { return box[i].lo[0] < box[j].lo[0]; });
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t e = order[i];
      for (std::size_t j = i + 1; j < n && box[order[j]].lo[0] <= box[e].hi[0]; ++j) {
        const std::size_t f = order[j];
        if (box[f].lo[1] > box[e].hi[1] || box[e].lo[1] > box[f].hi[1] || box[f].lo[2] > box[e].hi[2] || box[e].lo[2] > box[f].hi[2]) continue;
        if (edges_[e].part == edges_[f].part && edges_[e].ring == edges_[f].ring) continue;
        intersect(e, f);
      }
    }
    for (std::size_t e = 0; e < n; ++e) {
      const Edge E = edges_[e];
      auto& s = splits_[e];
      // along the edge: by the component toward b (sin of the angle from a), or by the angle
      // itself for an edge longer than a quarter circle
      const V3 a = at(E.a), b = at(E.b), t = unit(cross(normal(a, b), a));
      std::vector<std::pair<double, std::uint32_t>> by;
      const bool long_edge = dot(a, b) < 0;
      for (auto id : s) by.emplace_back(long_edge ? std::atan2(dot(at(id), t), dot(at(id), a)) : dot(at(id), t), id);
      std::sort(by.begin(), by.end());
      for (std::size_t i = 0; i < by.size(); ++i) s[i] = by[i].second;
      s.erase(std::unique(s.begin(), s.end()), s.end());
      std::uint32_t prev = E.a;
      auto piece = [&](std::uint32_t to) {
        if (to == prev) return;
        pieces_at_[key_of(prev, to)].push_back(pieces_.size());
        pieces_.push_back({prev, to, E.part});
        prev = to;
      };
      for (auto id : s) piece(id);
      piece(E.b);
    }
  }

  // Parts by the cells of a grid their boxes cover (cell side: the median part's extent), so a
  // point is tested against the parts near it only; a part that would cover too many cells is
  // tested always.
  double part_cell_ = 1;
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> parts_at_;
  std::vector<std::size_t> big_parts_;
  void index_parts() {
    std::vector<double> ext;
    for (auto& p : parts_) ext.push_back(std::max({p.hi[0] - p.lo[0], p.hi[1] - p.lo[1], p.hi[2] - p.lo[2]}));
    if (ext.empty()) return;
    std::nth_element(ext.begin(), ext.begin() + ext.size() / 2, ext.end());
    part_cell_ = std::max(ext[ext.size() / 2], 1e-9);
    for (std::size_t q = 0; q < parts_.size(); ++q) {
      const Part& p = parts_[q];
      std::int64_t lo[3], hi[3];
      double cells = 1;
      for (int k = 0; k < 3; ++k) {
        lo[k] = static_cast<std::int64_t>(std::floor(p.lo[k] / part_cell_));
        hi[k] = static_cast<std::int64_t>(std::floor(p.hi[k] / part_cell_));
        cells *= static_cast<double>(hi[k] - lo[k] + 1);
      }
      if (cells > 4096) {
        big_parts_.push_back(q);
        continue;
      }
      for (std::int64_t i = lo[0]; i <= hi[0]; ++i)
        for (std::int64_t j = lo[1]; j <= hi[1]; ++j)
          for (std::int64_t k = lo[2]; k <= hi[2]; ++k) parts_at_[cell_key(i, j, k)].push_back(q);
    }
  }
  // The parts whose boxes may hold m, in part order.
  void parts_near(V3 m, std::vector<std::size_t>& out) const {
    out = big_parts_;
    auto it = parts_at_.find(cell_key(static_cast<std::int64_t>(std::floor(m.x / part_cell_)), static_cast<std::int64_t>(std::floor(m.y / part_cell_)),
                                      static_cast<std::int64_t>(std::floor(m.z / part_cell_))));
    if (it != parts_at_.end()) out.insert(out.end(), it->second.begin(), it->second.end());
    std::sort(out.begin(), out.end());
  }

  // Winding angle of a ring around m: about 2pi when the ring runs counterclockwise around m.
  double winding(const std::vector<std::uint32_t>& ring, V3 m) const {
    double sum = 0;
    for (std::size_t i = 0; i < ring.size(); ++i) {
      const V3 a = at(ring[i]), b = at(ring[(i + 1) % ring.size()]);
      sum += std::atan2(dot(m, cross(a, b)), dot(a, b) - dot(a, m) * dot(b, m));
    }
    return sum;
  }
  bool inside(const Part& p, V3 m) const {
    if (dot(m, p.cap_center) < p.cap_cos) return false;
    for (std::size_t r = 0; r < p.rings.size(); ++r) {
      const double w = winding(p.rings[r], m);
      if (r == 0 ? !(w > kPi) : !(w > -kPi)) return false;
    }
    return true;
  }

  bool result(const std::vector<char>& in) const {
    if (op_ == OverlayOp::Union) return std::find(in.begin(), in.end(), 1) != in.end();
    return std::find(in.begin(), in.end(), 0) == in.end();
  }

  // Which operands hold the left and the right side of a piece.
  std::vector<std::size_t> near_;
  void sides(const Piece& s, std::vector<char>& left, std::vector<char>& right) {
    left.assign(operands_, 0);
    right.assign(operands_, 0);
    const V3 m = unit(at(s.u) + at(s.v));
    const auto& same = pieces_at_.at(key_of(s.u, s.v));
    parts_near(m, near_);
    bool any_left = false, any_right = false;
    for (std::size_t q : near_) {
      const std::size_t k = parts_[q].operand;
      if (left[k] && right[k]) continue;
      // a union is decided once some operand holds each side
      if (op_ == OverlayOp::Union && any_left && any_right) break;
      bool on = false;
      for (auto t : same) {
        if (pieces_[t].part != q) continue;
        on = true;
        (pieces_[t].u == s.u ? left : right)[k] = 1;
      }
      if (!on && inside(parts_[q], m)) left[k] = right[k] = 1;
      any_left = any_left || left[k];
      any_right = any_right || right[k];
    }
  }

  void classify() {
    std::unordered_set<std::uint64_t> kept, lines;
    std::vector<char> left, right;
    for (auto& s : pieces_) {
      sides(s, left, right);
      const bool l = result(left), r = result(right);
      if (l != r) {
        const std::pair<std::uint32_t, std::uint32_t> d = l ? std::make_pair(s.u, s.v) : std::make_pair(s.v, s.u);
        if (kept.insert((static_cast<std::uint64_t>(d.first) << 32) | d.second).second) boundary_.push_back(d);
      } else if (op_ == OverlayOp::Intersection && !l) {
        bool all = true;
        for (std::size_t k = 0; k < operands_; ++k) all = all && (left[k] || right[k]);
        if (all && lines.insert(key_of(s.u, s.v)).second) line_edges_.emplace_back(s.u, s.v);
      }
    }
  }

  // Counterclockwise angle at v from the direction to u to the direction to w, in (0, 2pi].
  double turn(std::uint32_t u, std::uint32_t v, std::uint32_t w) const {
    if (u == w) return 0;
    const V3 c = at(v), tu = at(u) - c * dot(c, at(u)), tw = at(w) - c * dot(c, at(w));
    double t = std::atan2(dot(c, cross(tu, tw)), dot(tu, tw));
    if (t <= 0) t += 2 * kPi;
    return t;
  }

  void assemble(Overlay& out) {
    std::unordered_map<std::uint32_t, std::vector<std::size_t>> from;
    for (std::size_t e = 0; e < boundary_.size(); ++e) from[boundary_[e].first].push_back(e);
    std::vector<char> used(boundary_.size(), 0);
    std::vector<std::vector<std::uint32_t>> loops;
    for (std::size_t start = 0; start < boundary_.size(); ++start) {
      if (used[start]) continue;
      std::vector<std::uint32_t> loop{boundary_[start].first};
      used[start] = 1;
      std::size_t e = start;
      for (std::size_t steps = 0; steps <= boundary_.size(); ++steps) {
        const auto [u, v] = boundary_[e];
        std::optional<std::size_t> next;
        double best = -1;
        for (auto g : from[v]) {
          if (used[g] && g != start) continue;
          const double t = turn(u, v, boundary_[g].second);
          if (t > best) { best = t; next = g; }
        }
        if (!next || *next == start) break;
        loop.push_back(v);
        used[*next] = 1;
        e = *next;
      }
      if (loop.size() >= 3) loops.push_back(std::move(loop));
    }
    struct Loop {
      std::vector<std::uint32_t> ids;
      double area;
    };
    std::vector<Loop> shells, holes;
    for (auto& l : loops) {
      std::vector<V3> pts;
      for (auto id : l) pts.push_back(at(id));
      const double a = signed_area(pts);
      (a > 0 ? shells : holes).push_back({std::move(l), a});
    }
    std::vector<std::vector<std::size_t>> holes_of(shells.size());
    for (std::size_t h = 0; h < holes.size(); ++h) {
      const auto& ids = holes[h].ids;
      const V3 m = unit(at(ids[0]) + at(ids[1]));
      std::optional<std::size_t> best;
      for (std::size_t s = 0; s < shells.size(); ++s)
        if (winding(shells[s].ids, m) > kPi && (!best || shells[s].area < shells[*best].area)) best = s;
      if (best) holes_of[*best].push_back(h);
    }
    auto chain = [&](const std::vector<std::uint32_t>& ids) {
      Chain c;
      for (auto id : ids) c.push_back(verts_[id].ll);
      c.push_back(verts_[ids[0]].ll);
      return c;
    };
    for (std::size_t s = 0; s < shells.size(); ++s) {
      Polygon p{chain(shells[s].ids)};
      for (auto h : holes_of[s]) p.push_back(chain(holes[h].ids));
      out.polygons.push_back(std::move(p));
    }
    for (auto& e : boundary_) touched_.insert(e.first), touched_.insert(e.second);
  }
  std::unordered_set<std::uint32_t> touched_;

  void lower_dimensions(Overlay& out) {
    // lines: chained through vertices where exactly two line pieces meet
    std::unordered_map<std::uint32_t, std::vector<std::size_t>> at_vertex;
    for (std::size_t e = 0; e < line_edges_.size(); ++e) {
      at_vertex[line_edges_[e].first].push_back(e);
      at_vertex[line_edges_[e].second].push_back(e);
    }
    std::vector<char> used(line_edges_.size(), 0);
    auto other = [&](std::size_t e, std::uint32_t v) { return line_edges_[e].first == v ? line_edges_[e].second : line_edges_[e].first; };
    auto through = [&](std::uint32_t v) -> std::optional<std::size_t> {
      auto& es = at_vertex[v];
      if (es.size() != 2) return std::nullopt;
      for (auto e : es)
        if (!used[e]) return e;
      return std::nullopt;
    };
    for (std::size_t e = 0; e < line_edges_.size(); ++e) {
      if (used[e]) continue;
      used[e] = 1;
      std::vector<std::uint32_t> fwd{line_edges_[e].first, line_edges_[e].second}, back;
      while (auto n = through(fwd.back())) {
        used[*n] = 1;
        fwd.push_back(other(*n, fwd.back()));
      }
      std::uint32_t s = fwd.front();
      while (auto n = through(s)) {
        used[*n] = 1;
        s = other(*n, s);
        back.push_back(s);
      }
      std::vector<std::uint32_t> ids(back.rbegin(), back.rend());
      ids.insert(ids.end(), fwd.begin(), fwd.end());
      Chain c;
      for (auto id : ids) {
        c.push_back(verts_[id].ll);
        touched_.insert(id);
      }
      out.lines.push_back(std::move(c));
    }
    // points: vertices both closures hold that no polygon or line touches
    std::vector<std::vector<char>> on(operands_, std::vector<char>(verts_.size(), 0));
    for (auto& s : pieces_) on[parts_[s.part].operand][s.u] = on[parts_[s.part].operand][s.v] = 1;
    for (std::uint32_t v = 0; v < verts_.size(); ++v) {
      if (touched_.count(v)) continue;
      bool boundary = false, all = true;
      for (std::size_t k = 0; k < operands_ && all; ++k) {
        if (on[k][v]) {
          boundary = true;
          continue;
        }
        bool in = false;
        parts_near(at(v), near_);
        for (auto q : near_)
          if (parts_[q].operand == k && inside(parts_[q], at(v))) in = true;
        all = in;
      }
      if (boundary && all) out.points.push_back(verts_[v].ll);
    }
  }
};

void write_chain(DynWriter& w, const Chain& c) {
  w.begin_array();
  for (auto& p : c) {
    w.begin_array();
    w.real(p.lon);
    w.real(p.lat);
    w.end();
  }
  w.end();
}
void write_polygon(DynWriter& w, const Polygon& p) {
  w.begin_array();
  for (auto& r : p) write_chain(w, r);
  w.end();
}
void write_point(DynWriter& w, LonLat p) {
  w.begin_array();
  w.real(p.lon);
  w.real(p.lat);
  w.end();
}
// One kind of geometry: the single type for one element, the Multi type for several.
template <class T, class F>
void write_kind(DynWriter& w, const std::vector<T>& xs, const char* one, const char* many, F each) {
  w.begin_object();
  w.key("type");
  w.string(xs.size() == 1 ? one : many);
  w.key("coordinates");
  if (xs.size() == 1) {
    each(w, xs[0]);
  } else {
    w.begin_array();
    for (auto& x : xs) each(w, x);
    w.end();
  }
  w.end();
}

}  // namespace

Overlay overlay(const std::vector<Region>& operands, OverlayOp op) { return Overlayer(operands, op).run(); }

Value overlay_value(const Overlay& o) {
  std::string out;
  DynWriter w(out);
  const int kinds = !o.points.empty() + !o.lines.empty() + !o.polygons.empty();
  auto points = [&] { write_kind(w, o.points, "Point", "MultiPoint", write_point); };
  auto lines = [&] { write_kind(w, o.lines, "LineString", "MultiLineString", write_chain); };
  auto polygons = [&] { write_kind(w, o.polygons, "Polygon", "MultiPolygon", write_polygon); };
  if (kinds == 1) {
    if (!o.points.empty()) points();
    if (!o.lines.empty()) lines();
    if (!o.polygons.empty()) polygons();
  } else {
    w.begin_object();
    w.key("type");
    w.string("GeometryCollection");
    w.key("geometries");
    w.begin_array();
    if (!o.points.empty()) points();
    if (!o.lines.empty()) lines();
    if (!o.polygons.empty()) polygons();
    w.end();
    w.end();
  }
  return Value::of_dynamic(std::move(out));
}

}  // namespace geo

namespace {
using namespace rules;

Value null_geo() { return Value::null_of(Type::Dynamic); }

// The elements of a non-empty array of Polygons and MultiPolygons; nullopt when any is invalid.
std::optional<std::vector<geo::Region>> regions_of(const Value& v) {
  if (v.type != Type::Dynamic || v.is_null()) return std::nullopt;
  DynRef arr = v.dyn();
  if (!arr.is_array() || arr.size() == 0) return std::nullopt;
  std::vector<geo::Region> out;
  bool ok = true;
  arr.for_each_element([&](DynRef e) {
    if (!ok) return;
    auto r = geo::read_polygons(Value::of_dynamic(e));
    if (!r) ok = false;
    else out.push_back(std::move(*r));
  });
  if (!ok) return std::nullopt;
  return out;
}

// geo_intersection_2polygons(polygon1, polygon2): the intersection, with the points and lines
// where the two only touch; no common point gives an empty GeometryCollection (the page).
Value f_geo_intersection_2polygons(const CallArgs& a) {
  auto p1 = geo::read_polygons(a[0]), p2 = geo::read_polygons(a[1]);
  if (!p1 || !p2) return null_geo();
  return geo::overlay_value(geo::overlay({std::move(*p1), std::move(*p2)}, geo::OverlayOp::Intersection));
}

// geo_union_polygons_array(polygons): a Polygon or MultiPolygon.
Value f_geo_union_polygons_array(const CallArgs& a) {
  auto rs = regions_of(a[0]);
  if (!rs) return null_geo();
  auto u = geo::overlay(*rs, geo::OverlayOp::Union);
  if (u.polygons.empty()) return null_geo();
  return geo::overlay_value(u);
}

// geo_simplify_polygons_array(polygons [, tolerance]): tolerance in [0, ~7,800,000] meters, 10 by
// default. rulelab unites the polygons first (the page: the result is the area of their union,
// and shared borders then simplify once), then simplifies each ring by geo_polygon_simplify's
// rule; a shell that vanishes takes its holes; nothing left gives null (the page's example).
Value f_geo_simplify_polygons_array(const CallArgs& a) {
  auto rs = regions_of(a[0]);
  bool ok = true;
  const double tol = a.size() > 1 && !a[1].is_null() ? number_of(a[1], ok) : 10;
  if (!rs || !ok || !(tol >= 0 && tol <= 7800000)) return null_geo();
  auto u = geo::overlay(*rs, geo::OverlayOp::Union);
  geo::Overlay out;
  for (auto& p : u.polygons) {
    auto shell = geo::simplified_ring(p[0], tol);
    if (!shell) continue;
    geo::Polygon q{std::move(*shell)};
    for (std::size_t h = 1; h < p.size(); ++h)
      if (auto hole = geo::simplified_ring(p[h], tol)) q.push_back(std::move(*hole));
    out.polygons.push_back(std::move(q));
  }
  if (out.polygons.empty()) return null_geo();
  return geo::overlay_value(out);
}

}  // namespace

void add_geo_overlay_functions(std::vector<ScalarFunction>& out) {
  out.push_back(ScalarFunction{"geo_intersection_2polygons", 2, 2, ret_dynamic, f_geo_intersection_2polygons, nullptr, true});
  out.push_back(ScalarFunction{"geo_union_polygons_array", 1, 1, ret_dynamic, f_geo_union_polygons_array, nullptr, true});
  out.push_back(ScalarFunction{"geo_simplify_polygons_array", 1, 2, ret_dynamic, f_geo_simplify_polygons_array, nullptr, true});
}

}  // namespace rulelab::engine
