#include "core/json_scan.hpp"
#include "core/shape_hash.hpp"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>


namespace rulelab {

namespace {

// Stage 1 (simdjson's structural indexer) has checked the UTF-8, that every string is closed and
// that no string holds an unescaped control character, and indexed each `{ } [ ] : ,`, each
// string's opening quote and the first byte of each other scalar (any byte after whitespace or an
// operator that is neither). Stage 2, here, checks the grammar on that index and each scalar's
// bytes, as the DOM's stage 2 does, but gives up (false) wherever it would have to decide something
// the DOM decides its own way: the DOM then parses the document.

// Whitespace or an operator: what may follow an atom or a number (simdjson's
// structural_or_whitespace).
bool ends_scalar(char c) {
  switch (c) {
    case ' ': case '\t': case '\n': case '\r': case ',': case ':': case '[': case ']': case '{': case '}': return true;
    default: return false;
  }
}

bool json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Shape: also the document's shape hash (dyn_shape's, core/shape_hash.hpp), into `h` arguments.
template <bool Shape>
class Scan {
 public:
  Scan(const char* buf, std::size_t len, const std::uint32_t* idx, std::uint32_t n, DynWriter& w, ProjectionScanner::State& st)
      : buf_(buf), end_(len), idx_(idx), n_(n), w_(w), scratch_(st.scratch), unescaped_(st.unescaped), keys_(st.keys) {}

  bool document(std::uint64_t& h) {
    if (n_ == 0 || at(0) != '{') return false;
    if (!value(0, true, h)) return false;
    return pos_ == n_;  // nothing after the root
  }

 private:
  char at(std::uint32_t i) const { return buf_[idx_[i]]; }

  // Whether a backslash lies in [from, to) (ranges visited in the text's order): the next
  // backslash at or after a range's start is found once and kept until passed.
  bool backslash_in(std::size_t from, std::size_t to) {
    if (next_backslash_ < from) {
      const void* b = std::memchr(buf_ + from, '\\', end_ - from);
      next_backslash_ = b ? static_cast<std::size_t>(static_cast<const char*>(b) - buf_) : end_;
    }
    return next_backslash_ < to;
  }
  bool has_backslash(std::string_view s) {
    const std::size_t from = static_cast<std::size_t>(s.data() - buf_);
    return backslash_in(from, from + s.size());
  }

  // The string whose opening quote is structural pos_: its bytes up to the closing quote, which
  // is the last non-whitespace byte before the next structural (stage 1 makes any other byte
  // there a structural of its own).
  bool string_bytes(std::string_view& s) const {
    if (pos_ + 1 >= n_) return false;
    const std::uint32_t open = idx_[pos_];
    std::uint32_t close = idx_[pos_ + 1];
    while (close > open + 1 && json_space(buf_[close - 1])) --close;
    if (close <= open + 1 || buf_[close - 1] != '"') return false;
    s = std::string_view(buf_ + open + 1, close - open - 2);
    return true;
  }

  // Checks the escapes of s and, when `out` is given, writes its value there. Surrogate escapes
  // (and any escape the DOM might read otherwise) give up.
  static bool unescape(std::string_view s, std::string* out) {
    std::size_t i = 0;
    if (out) out->clear();
    while (true) {
      const void* b = std::memchr(s.data() + i, '\\', s.size() - i);
      if (!b) {
        if (out) out->append(s.data() + i, s.size() - i);
        return true;
      }
      const std::size_t k = static_cast<std::size_t>(static_cast<const char*>(b) - s.data());
      if (out) out->append(s.data() + i, k - i);
      if (k + 1 >= s.size()) return false;
      char c = s[k + 1];
      i = k + 2;
      switch (c) {
        case '"': case '\\': case '/': break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case 'u': {
          if (k + 6 > s.size()) return false;
          unsigned cp = 0;
          for (std::size_t j = k + 2; j < k + 6; ++j) {
            const int d = hex_digit(s[j]);
            if (d < 0) return false;
            cp = cp * 16 + static_cast<unsigned>(d);
          }
          if (cp >= 0xD800 && cp <= 0xDFFF) return false;
          i = k + 6;
          if (!out) continue;
          if (cp < 0x80) {
            out->push_back(static_cast<char>(cp));
          } else if (cp < 0x800) {
            out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
          } else {
            out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
          }
          continue;
        }
        default: return false;
      }
      if (out) out->push_back(c);
    }
  }

  // The number at structural pos_ (checked against JSON's grammar), written when `write`. Read
  // no further than the document's end: a number there ends nothing valid (the padding after it
  // may be digits of the next line).
  bool number(bool write) {
    const char* p = buf_ + idx_[pos_];
    const char* const end = buf_ + end_;
    const char* q = p;
    auto digit = [&] { return q < end && *q >= '0' && *q <= '9'; };
    auto is = [&](char c) { return q < end && *q == c; };
    if (is('-')) ++q;
    const char* digits = q;
    if (is('0')) {
      ++q;
    } else if (digit()) {
      while (digit()) ++q;
    } else {
      return false;
    }
    const std::size_t int_digits = static_cast<std::size_t>(q - digits);
    bool real = false;
    if (is('.')) {
      real = true;
      ++q;
      if (!digit()) return false;
      while (digit()) ++q;
    }
    if (is('e') || is('E')) {
      real = true;
      ++q;
      if (is('+') || is('-')) ++q;
      if (!digit()) return false;
      while (digit()) ++q;
    }
    if (q == end || !ends_scalar(*q)) return false;
    real_ = real;
    if (!real) {
      if (int_digits > 18) return false;                  // near or past the 64-bit range: the DOM decides
      if (*p == '-' && int_digits == 1 && *digits == '0') return false;  // -0
      if (write) {
        std::int64_t v = 0;
        for (const char* d = digits; d < q; ++d) v = v * 10 + (*d - '0');
        w_.integer(*p == '-' ? -v : v);
      }
      return true;
    }
    double d = 0;
    const auto r = std::from_chars(p, q, d);
    if (r.ec != std::errc() || r.ptr != q || !std::isfinite(d)) return false;
    if (write) w_.real(d);
    return true;
  }

  // true, false or null at structural pos_.
  bool atom(bool write) {
    const char* p = buf_ + idx_[pos_];
    switch (*p) {
      case 't':
        if (std::memcmp(p, "true", 4) != 0 || !ends_scalar(p[4])) return false;
        if (write) w_.boolean(true);
        return true;
      case 'f':
        if (std::memcmp(p, "false", 5) != 0 || !ends_scalar(p[5])) return false;
        if (write) w_.boolean(false);
        return true;
      default:
        if (std::memcmp(p, "null", 4) != 0 || !ends_scalar(p[4])) return false;
        if (write) w_.null();
        return true;
    }
  }

  static void mix_kind(std::uint64_t& h, DynKind k) {
    if constexpr (Shape) shape_mix(h, static_cast<std::uint64_t>(k) + 1);
  }

  // The value at structural pos_, checked only; pos_ moves past it. (A string without a
  // backslash, most values, is passed here, without a call.)
  bool skip_value(std::size_t depth, std::uint64_t& h) {
    if (pos_ + 1 < n_ && at(pos_) == '"' && !backslash_in(idx_[pos_] + 1, idx_[pos_ + 1])) {
      mix_kind(h, DynKind::String);
      ++pos_;
      return true;
    }
    pos_ = skip(pos_, static_cast<unsigned>(depth), h);
    return pos_ != 0;
  }

  // The skipping walk passes positions (structural indexes) by value, to keep them in registers:
  // each returns the position after the value at `pos`, or 0 where it gives up.

  // A string, atom or number at pos. (A string's bytes end before the next structural, so a
  // string holds a backslash only if one lies before that.)
  std::uint32_t skip_scalar(std::uint32_t pos, std::uint64_t& h) {
    const std::uint32_t saved = pos_;
    pos_ = pos;
    bool ok;
    switch (buf_[idx_[pos]]) {
      case '"': {
        std::string_view s;
        ok = pos + 1 < n_ && (!backslash_in(idx_[pos] + 1, idx_[pos + 1]) || (string_bytes(s) && unescape(s, nullptr)));
        mix_kind(h, DynKind::String);
        break;
      }
      case 't': case 'f': ok = atom(false); mix_kind(h, DynKind::False); break;
      case 'n': ok = atom(false); mix_kind(h, DynKind::Null); break;
      default: ok = number(false); mix_kind(h, real_ ? DynKind::Real : DynKind::Int); break;
    }
    pos_ = saved;
    return ok ? pos + 1 : 0;
  }

  std::uint32_t skip(std::uint32_t pos, unsigned depth, std::uint64_t& h) {
    const char c = buf_[idx_[pos]];
    if (c == '{') return skip_object(pos, depth, h);
    if (c == '[') return skip_array(pos, depth, h);
    if (c == '"' && pos + 1 < n_ && !backslash_in(idx_[pos] + 1, idx_[pos + 1])) {
      mix_kind(h, DynKind::String);
      return pos + 1;
    }
    return skip_scalar(pos, h);
  }

  // An array; its shape: each run of elements of one shape counts once.
  std::uint32_t skip_array(std::uint32_t pos, unsigned depth, std::uint64_t& h) {
    if (depth > max_depth) return 0;
    mix_kind(h, DynKind::Array);
    std::uint64_t prev = 0;
    const char* const buf = buf_;
    const std::uint32_t* const idx = idx_;
    const std::uint32_t n = n_;
    if (++pos >= n) return 0;
    if (buf[idx[pos]] == ']') return pos + 1;
    if (Shape && depth >= 64) return 0;  // its elements are past the shape's depth
    while (true) {
      std::uint64_t eh = 0x51ed27u;
      pos = skip(pos, depth + 1, eh);
      if constexpr (Shape) {
        if (eh != prev) shape_mix(h, eh);
        prev = eh;
      }
      if (pos == 0 || pos >= n) return 0;
      const char c = buf[idx[pos++]];
      if (c == ']') return pos;
      if (c != ',' || pos >= n) return 0;
    }
  }

  // An object: its grammar, and that no key is written twice (a 64-bit filter of the keys'
  // lengths and end bytes sends a key to the comparison with the earlier ones only when its bit
  // is taken already).
  std::uint32_t skip_object(std::uint32_t pos, unsigned depth, std::uint64_t& h) {
    if (depth > max_depth) return 0;
    mix_kind(h, DynKind::Object);
    const char* const buf = buf_;
    const std::uint32_t* const idx = idx_;
    const std::uint32_t n = n_;
    if (++pos >= n) return 0;
    if (buf[idx[pos]] == '}') return pos + 1;
    if (Shape && depth >= 64) return 0;  // its members are past the shape's depth
    const std::size_t first = nkeys_;
    std::uint64_t bits = 0;
    while (true) {
      if (pos + 2 >= n) return 0;
      const std::uint32_t open = idx[pos];
      std::uint32_t close = idx[pos + 1];
      if (buf[open] != '"' || buf[close] != ':') return 0;
      while (close > open + 1 && json_space(buf[close - 1])) --close;
      if (close <= open + 1 || buf[close - 1] != '"') return 0;
      const std::string_view k(buf + open + 1, close - open - 2);
      if (backslash_in(open + 1, close - 1)) return 0;  // an escaped key: the DOM compares it
      if (!new_key(k, bits, first)) return 0;
      if constexpr (Shape) shape_mix(h, key_hash(k));
      pos += 2;
      // A string without a backslash (most values) is passed here, without a call.
      if (pos + 1 < n && buf[idx[pos]] == '"' && !backslash_in(idx[pos] + 1, idx[pos + 1])) {
        mix_kind(h, DynKind::String);
        ++pos;
      } else {
        pos = skip(pos, depth + 1, h);
      }
      if (pos == 0 || pos >= n) return 0;
      const char c = buf[idx[pos++]];
      if (c == '}') {
        nkeys_ = first;
        return pos;
      }
      if (c != ',') return 0;
    }
  }

  // The keys of the objects being walked (offset and length in the document), a stack: each
  // object's from the index it started at. Written field by field (a pair built on the stack and
  // copied whole stalled the walk on the store).
  using Key = ProjectionScanner::Key;

  // False when k repeats a key of its object (bits, and keys_ from `first`: those before it).
  bool new_key(std::string_view k, std::uint64_t& bits, std::size_t first) {
    // (k.data()[-1] is the opening quote when k is empty.)
    const unsigned h = static_cast<unsigned>(k.size()) * 31u + static_cast<unsigned char>(k.data()[0]) * 7u +
                       static_cast<unsigned char>(k.data()[static_cast<std::ptrdiff_t>(k.size()) - 1]);
    const std::uint64_t bit = std::uint64_t{1} << (h & 63);
    const auto size = static_cast<std::uint32_t>(k.size());
    if (bits & bit)
      for (std::size_t i = first; i < nkeys_; ++i)
        if (keys_[i].size == size && std::memcmp(buf_ + keys_[i].at, k.data(), size) == 0) return false;  // a duplicate: the DOM names it
    bits |= bit;
    if (nkeys_ == keys_.size()) keys_.resize(keys_.size() * 2 + 64);
    keys_[nkeys_].at = static_cast<std::uint32_t>(k.data() - buf_);
    keys_[nkeys_].size = size;
    ++nkeys_;
    return true;
  }

  // The value at structural pos_, written whole or (project) on scratch_[depth]; pos_ moves past it.
  bool value(std::size_t depth, bool project, std::uint64_t& h) {
    if (depth > max_depth) return false;
    if (project) {
      bool whole = false;
      for (auto p : scratch_[depth]) whole = whole || p.empty();
      project = !whole;
      if (project && scratch_.size() <= depth + 1) scratch_.resize(depth + 2);
    }
    switch (at(pos_)) {
      case '{': return object(depth, project, h);
      case '[': {
        ++pos_;
        w_.begin_array();
        mix_kind(h, DynKind::Array);
        std::uint64_t prev = 0;
        if (pos_ < n_ && at(pos_) == ']') {
          ++pos_;
        } else {
          if (Shape && depth >= 64) return false;  // its elements are past the shape's depth
          while (true) {
            if (pos_ >= n_) return false;
            if (project) scratch_[depth + 1] = scratch_[depth];
            std::uint64_t eh = 0x51ed27u;
            if (!value(depth + 1, project, eh)) return false;
            if constexpr (Shape) {
              if (eh != prev) shape_mix(h, eh);
              prev = eh;
            }
            if (pos_ >= n_) return false;
            const char c = at(pos_++);
            if (c == ']') break;
            if (c != ',') return false;
          }
        }
        w_.end();
        return true;
      }
      case '"': {
        std::string_view s;
        if (!string_bytes(s)) return false;
        if (has_backslash(s)) {
          if (!unescape(s, &unescaped_)) return false;
          w_.string(unescaped_);
        } else {
          w_.string(s);
        }
        mix_kind(h, DynKind::String);
        ++pos_;
        return true;
      }
      case 't': case 'f': case 'n':
        mix_kind(h, at(pos_) == 'n' ? DynKind::Null : DynKind::False);
        if (!atom(true)) return false;
        ++pos_;
        return true;
      default:
        if (!number(true)) return false;
        mix_kind(h, real_ ? DynKind::Real : DynKind::Int);
        ++pos_;
        return true;
    }
  }

  // An object written whole or projected: a member on no path is only checked (skip_value).
  bool object(std::size_t depth, bool project, std::uint64_t& h) {
    ++pos_;
    w_.begin_object();
    mix_kind(h, DynKind::Object);
    if (pos_ < n_ && at(pos_) == '}') {
      ++pos_;
      w_.end();
      return true;
    }
    if (Shape && depth >= 64) return false;  // its members are past the shape's depth
    const std::size_t first = nkeys_;  // the keys checked as skip_object checks them
    std::uint64_t bits = 0;
    // The first bytes of the paths here: a key none starts with is on no path (each case of
    // paths_below shares the first byte; an empty path is a whole value, not projected here).
    std::uint64_t starts[4] = {0, 0, 0, 0};
    if (project)
      for (auto p : scratch_[depth]) {
        const unsigned char c = p.empty() ? 0 : static_cast<unsigned char>(p[0]);
        starts[c >> 6] |= std::uint64_t{1} << (c & 63);
      }
    while (true) {
      if (pos_ + 2 >= n_ || at(pos_) != '"') return false;
      std::string_view k;
      if (!string_bytes(k) || at(pos_ + 1) != ':') return false;
      if (has_backslash(k)) return false;  // an escaped key: the DOM compares it
      if (!new_key(k, bits, first)) return false;
      if constexpr (Shape) shape_mix(h, key_hash(k));
      pos_ += 2;
      const unsigned char k0 = k.empty() ? 0 : static_cast<unsigned char>(k[0]);
      if (project && !k.empty() && !(starts[k0 >> 6] >> (k0 & 63) & 1)) {
        if (!skip_value(depth + 1, h)) return false;
      } else if (project) {
        auto& next = scratch_[depth + 1];
        next.clear();
        for (auto p : scratch_[depth]) {
          if (!p.empty() && !k.empty() && p[0] != k[0]) continue;  // (each case below shares the first byte)
          if (p == k) next.push_back({});
          else if (p.size() > k.size() && p[k.size()] == '.' && p.substr(0, k.size()) == k) next.push_back(p.substr(k.size() + 1));
          else if (k.size() > p.size() && k[p.size()] == '.' && k.substr(0, p.size()) == p) next.push_back({});
        }
        if (next.empty()) {
          if (!skip_value(depth + 1, h)) return false;
        } else {
          w_.key(k);
          if (!value(depth + 1, true, h)) return false;
        }
      } else {
        w_.key(k);
        if (!value(depth + 1, false, h)) return false;
      }
      if (pos_ >= n_) return false;
      const char c = at(pos_++);
      if (c == '}') break;
      if (c != ',') return false;
    }
    nkeys_ = first;
    w_.end();
    return true;
  }

  // Deeper documents are left to the DOM (and, hashing the shape, any value deeper than 64
  // levels: inspect_document hashes none).
  static constexpr std::size_t max_depth = 128;

  const char* buf_;
  bool real_ = false;  // the last number read has a fraction or an exponent
  std::size_t end_;                   // the document's length
  std::size_t next_backslash_ = 0;    // see has_backslash (0: not looked for yet: byte 0 is the `{`)
  const std::uint32_t* idx_;
  std::uint32_t n_;
  std::uint32_t pos_ = 0;
  DynWriter& w_;
  std::vector<std::vector<std::string_view>>& scratch_;
  std::string& unescaped_;
  std::vector<Key>& keys_;
  std::size_t nkeys_ = 0;
};

}  // namespace

ProjectionScanner::ProjectionScanner() = default;
ProjectionScanner::~ProjectionScanner() = default;

bool ProjectionScanner::project(simdjson::dom::parser& parser, const char* p, std::size_t n, const std::vector<std::string_view>& paths,
                                DynWriter& w, std::uint64_t* shape) {
  auto& impl = parser.implementation;
  if (!impl || parser.capacity() < n || n == 0) return false;
  if (impl->stage1(reinterpret_cast<const std::uint8_t*>(p), n, simdjson::stage1_mode::regular) != simdjson::SUCCESS) return false;
  if (state_.scratch.empty()) state_.scratch.resize(1);
  state_.scratch[0] = paths;
  if (shape) {
    *shape = 0xcbf29ce484222325ULL;  // as inspect_document starts it
    Scan<true> scan(p, n, impl->structural_indexes.get(), impl->n_structural_indexes, w, state_);
    return scan.document(*shape);
  }
  std::uint64_t unused = 0;
  Scan<false> scan(p, n, impl->structural_indexes.get(), impl->n_structural_indexes, w, state_);
  return scan.document(unused);
}

}  // namespace rulelab
