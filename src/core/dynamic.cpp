#include "core/dynamic.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_set>
#include <vector>

#include <boost/container/small_vector.hpp>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/json_encode.hpp"
#include "core/shape_hash.hpp"

namespace rulelab {

std::size_t DynRef::byte_size() const {
  switch (kind()) {
    case DynKind::Null:
    case DynKind::False:
    case DynKind::True: return 1;
    case DynKind::Int:
    case DynKind::Real: return 9;
    case DynKind::String: return 5 + read<std::uint32_t>(1);
    case DynKind::Array:
    case DynKind::Object: return 9 + read<std::uint32_t>(1);
  }
  return 1;
}

DynRef DynRef::get(std::string_view key) const {
  DynRef found;
  for_each_member([&](std::string_view k, DynRef v) {
    if (k == key) found = v;
  });
  return found;
}

DynRef DynRef::at(std::int64_t index) const {
  if (!is_array()) return {};
  const std::int64_t n = size();
  if (index < 0) index += n;
  if (index < 0 || index >= n) return {};
  const std::uint8_t* q = p_ + 9;
  for (std::int64_t i = 0; i < index; ++i) q += DynRef(q).byte_size();
  return DynRef(q);
}

bool operator==(DynRef a, DynRef b) {
  if (!a.valid() || !b.valid()) return a.valid() == b.valid();
  if (a.is_number() && b.is_number()) {
    if (a.kind() == DynKind::Int && b.kind() == DynKind::Int) return a.as_int() == b.as_int();
    return a.as_number() == b.as_number();
  }
  return a.bytes() == b.bytes();
}

void DynWriter::string(std::string_view s) {
  out_.push_back(static_cast<char>(DynKind::String));
  put(static_cast<std::uint32_t>(s.size()));
  out_.append(s);
  bump();
}

void DynWriter::key(std::string_view k) {
  put(static_cast<std::uint32_t>(k.size()));
  out_.append(k);
}

void DynWriter::open(DynKind k) {
  bump();
  stack_.push_back({out_.size(), 0});
  out_.push_back(static_cast<char>(k));
  put(std::uint32_t{0});
  put(std::uint32_t{0});
}

void DynWriter::end() {
  Frame f = stack_.back();
  stack_.pop_back();
  const auto payload = static_cast<std::uint32_t>(out_.size() - f.start - 9);
  std::memcpy(out_.data() + f.start + 1, &payload, 4);
  std::memcpy(out_.data() + f.start + 5, &f.count, 4);
}

namespace {
bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// The position of the first byte at or after i that needs an escape (a control character, '"'
// or '\\'), or s.size(): 16 bytes at a time, as most strings hold none.
std::size_t next_escape(std::string_view s, std::size_t i) {
#if defined(__SSE2__)
  const __m128i max_ctl = _mm_set1_epi8(0x1f), quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  for (; i + 16 <= s.size(); i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    const __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(_mm_max_epu8(x, max_ctl), max_ctl),
                                     _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)));
    if (const int m = _mm_movemask_epi8(hit)) return i + static_cast<unsigned>(__builtin_ctz(static_cast<unsigned>(m)));
  }
#endif
  while (i < s.size() && !needs_escape(static_cast<unsigned char>(s[i]))) ++i;
  return i;
}
}  // namespace

void write_json_string(std::string_view s, std::string& out) {
  out.push_back('"');
  std::size_t run = 0;  // start of the bytes not written yet, copied in one append
  for (std::size_t i = next_escape(s, 0); i < s.size(); i = next_escape(s, i + 1)) {
    const auto c = static_cast<unsigned char>(s[i]);
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

namespace {
void write_real(double d, std::string& out) {
  if (std::isnan(d)) { out += "\"NaN\""; return; }
  if (std::isinf(d)) { out += d > 0 ? "\"Infinity\"" : "\"-Infinity\""; return; }
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
  (void)ec;
  out.append(buf, p);
}
}  // namespace

namespace {
void write_json_upto(DynRef v, std::string& out, std::size_t limit) {
  if (out.size() > limit) return;
  switch (v.kind()) {
    case DynKind::Null: out += "null"; break;
    case DynKind::False: out += "false"; break;
    case DynKind::True: out += "true"; break;
    case DynKind::Int: out += std::to_string(v.as_int()); break;
    case DynKind::Real: write_real(v.as_real(), out); break;
    case DynKind::String: write_json_string(v.as_string(), out); break;
    // Past the limit, the rest of a container is not read: its bytes are mostly out of the cache
    // by the time a result is shown.
    case DynKind::Array: {
      out.push_back('[');
      bool first = true;
      v.any_element([&](DynRef e) {
        if (out.size() > limit) return true;
        if (!first) out.push_back(',');
        first = false;
        write_json_upto(e, out, limit);
        return false;
      });
      out.push_back(']');
      break;
    }
    case DynKind::Object: {
      out.push_back('{');
      bool first = true;
      v.any_member([&](std::string_view k, DynRef e) {
        if (out.size() > limit) return true;
        if (!first) out.push_back(',');
        first = false;
        write_json_string(k, out);
        out.push_back(':');
        write_json_upto(e, out, limit);
        return false;
      });
      out.push_back('}');
      break;
    }
  }
}

}  // namespace

namespace {
// write_json's writer: bytes go through a cursor into `out`, sized ahead (a string's room is
// asked for once, not per byte), and `out` is cut to what was written at the end.
class JsonCursor {
 public:
  explicit JsonCursor(std::string& out, std::size_t hint) : out_(out) {
    const std::size_t start = out_.size();
    out_.resize(start + hint);
    p_ = out_.data() + start;
    end_ = out_.data() + out_.size();
  }
  ~JsonCursor() { out_.resize(static_cast<std::size_t>(p_ - out_.data())); }
  JsonCursor(const JsonCursor&) = delete;
  JsonCursor& operator=(const JsonCursor&) = delete;

  void value(DynRef v) {
    switch (v.kind()) {
      case DynKind::Null: raw("null", 4); break;
      case DynKind::False: raw("false", 5); break;
      case DynKind::True: raw("true", 4); break;
      case DynKind::Int: {
        room(24);
        p_ = std::to_chars(p_, end_, v.as_int()).ptr;
        break;
      }
      case DynKind::Real: {
        const double d = v.as_real();
        if (std::isnan(d)) raw("\"NaN\"", 5);
        else if (std::isinf(d)) d > 0 ? raw("\"Infinity\"", 10) : raw("\"-Infinity\"", 11);
        else {
          room(32);
          p_ = std::to_chars(p_, end_, d).ptr;
        }
        break;
      }
      case DynKind::String: string(v.as_string()); break;
      case DynKind::Array: {
        byte('[');
        bool first = true;
        v.for_each_element([&](DynRef e) {
          if (!first) byte(',');
          first = false;
          value(e);
        });
        byte(']');
        break;
      }
      case DynKind::Object: {
        byte('{');
        bool first = true;
        v.for_each_member([&](std::string_view k, DynRef e) {
          if (!first) byte(',');
          first = false;
          string(k);
          byte(':');
          value(e);
        });
        byte('}');
        break;
      }
    }
  }

 private:
  void room(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) >= n) return;
    const std::size_t at = static_cast<std::size_t>(p_ - out_.data());
    out_.resize(std::max(out_.size() * 2, at + n + 64));
    p_ = out_.data() + at;
    end_ = out_.data() + out_.size();
  }
  void byte(char c) {
    room(1);
    *p_++ = c;
  }
  void raw(const char* s, std::size_t n) {
    room(n);
    std::memcpy(p_, s, n);
    p_ += n;
  }
  // As write_json_string: '"', '\\' and control characters escaped, all else as it is.
  void string(std::string_view s) {
    room(s.size() * 6 + 2);  // the worst case: every byte \u00XX
    *p_++ = '"';
    std::size_t run = 0;
    for (std::size_t i = next_escape(s, 0); i < s.size(); i = next_escape(s, i + 1)) {
      std::memcpy(p_, s.data() + run, i - run);
      p_ += i - run;
      run = i + 1;
      const auto c = static_cast<unsigned char>(s[i]);
      *p_++ = '\\';
      switch (c) {
        case '"': *p_++ = '"'; break;
        case '\\': *p_++ = '\\'; break;
        case '\n': *p_++ = 'n'; break;
        case '\r': *p_++ = 'r'; break;
        case '\t': *p_++ = 't'; break;
        case '\b': *p_++ = 'b'; break;
        case '\f': *p_++ = 'f'; break;
        default: {
          static const char hex[] = "0123456789abcdef";
          *p_++ = 'u';
          *p_++ = '0';
          *p_++ = '0';
          *p_++ = hex[c >> 4];
          *p_++ = hex[c & 15];
        }
      }
    }
    std::memcpy(p_, s.data() + run, s.size() - run);
    p_ += s.size() - run;
    *p_++ = '"';
  }

  std::string& out_;
  char* p_ = nullptr;
  char* end_ = nullptr;
};
}  // namespace

void write_json(DynRef v, std::string& out) {
  JsonCursor c(out, v.byte_size() + v.byte_size() / 4 + 16);
  c.value(v);
}

std::string to_json_prefix(DynRef v, std::size_t limit) {
  std::string s;
  s.reserve(limit + 64);
  write_json_upto(v, s, limit);
  return s;
}

std::string to_json(DynRef v) {
  std::string s;
  write_json(v, s);  // (sized ahead: the JSON text is about as long as the encoding)
  return s;
}

namespace {
// Duplicate keys are reported in the order Elasticsearch finds them: its JSON parser (Jackson,
// strict duplicate detection) checks each field name against the earlier names of its object as
// it reads it, so the first duplicate is the first in the text ({"a":{"x":1,"x":2},"a":1}: "x").
// The walks below check an object's own keys in one pass (first_repeated_key), then walk its
// members in order, and report the object's repeated key on reaching it, unless a member before
// it held one.

// The first of an object's keys that equals an earlier one, with its position among the keys
// (`at`); for_each_key(f) calls f(key) for each key in order while f returns true. A 256-bit
// filter of each key's length and end bytes clears almost every object in one pass; only a
// collision costs a pairwise (or, large objects, hashed) check.
template <class ForEachKey>
std::optional<std::string_view> first_repeated_key(const ForEachKey& for_each_key, std::size_t* at = nullptr) {
  std::uint64_t bits[4] = {0, 0, 0, 0};
  bool collision = false;
  std::size_t n = 0;
  for_each_key([&](std::string_view k) {
    const unsigned h = (static_cast<unsigned>(k.size()) * 31u +
                        (k.empty() ? 0u : static_cast<unsigned char>(k.front()) * 7u + static_cast<unsigned char>(k.back()))) & 255u;
    std::uint64_t& word = bits[h >> 6];
    const std::uint64_t bit = std::uint64_t{1} << (h & 63);
    if (word & bit) collision = true;
    word |= bit;
    ++n;
    return true;
  });
  if (!collision) return std::nullopt;
  std::optional<std::string_view> dup;
  std::size_t pos = 0;
  if (n <= 32) {
    std::string_view keys[32];
    for_each_key([&](std::string_view k) {
      for (std::size_t c = 0; c < pos; ++c)
        if (keys[c] == k) {
          dup = k;
          return false;
        }
      keys[pos++] = k;
      return true;
    });
  } else {
    std::unordered_set<std::string_view> seen;
    seen.reserve(n);
    for_each_key([&](std::string_view k) {
      if (seen.insert(k).second) {
        ++pos;
        return true;
      }
      dup = k;
      return false;
    });
  }
  if (at) *at = pos;
  return dup;
}

// A key written twice in obj.
std::optional<std::string_view> duplicate_key(simdjson::dom::object obj) {
  return first_repeated_key([&](const auto& f) {
    for (auto field : obj)
      if (!f(field.key)) return;
  });
}
bool has_duplicate_key(simdjson::dom::object obj) { return duplicate_key(obj).has_value(); }
}  // namespace

void encode_element(simdjson::dom::element e, DynWriter& w) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::NULL_VALUE: w.null(); break;
    case element_type::BOOL: w.boolean(bool(e.get_bool().value_unsafe())); break;
    case element_type::INT64: w.integer(e.get_int64().value_unsafe()); break;
    case element_type::UINT64: {
      const std::uint64_t u = e.get_uint64().value_unsafe();
      w.real(static_cast<double>(u));
      break;
    }
    case element_type::DOUBLE: w.real(e.get_double().value_unsafe()); break;
    case element_type::STRING: w.string(e.get_string().value_unsafe()); break;
    case element_type::ARRAY: {
      w.begin_array();
      simdjson::dom::array arr;
      if (!e.get_array().get(arr))
        for (simdjson::dom::element c : arr) encode_element(c, w);
      w.end();
      break;
    }
    case element_type::OBJECT: {
      w.begin_object();
      simdjson::dom::object obj;
      if (!e.get_object().get(obj)) {
        if (!has_duplicate_key(obj)) {
          for (auto field : obj) {
            w.key(field.key);
            encode_element(field.value, w);
          }
        } else {
          // Each key once, where it first appears, with the value it last has.
          std::vector<std::pair<std::string_view, simdjson::dom::element>> fields;
          for (auto field : obj) {
            auto it = std::find_if(fields.begin(), fields.end(), [&](const auto& f) { return f.first == field.key; });
            if (it == fields.end()) fields.emplace_back(field.key, field.value);
            else it->second = field.value;
          }
          for (const auto& [k, v] : fields) {
            w.key(k);
            encode_element(v, w);
          }
        }
      }
      w.end();
      break;
    }
  }
}

std::optional<std::string> find_duplicate_key(simdjson::dom::element e) {
  simdjson::dom::array arr;
  if (!e.get_array().get(arr)) {
    for (simdjson::dom::element c : arr)
      if (auto d = find_duplicate_key(c)) return d;
    return std::nullopt;
  }
  simdjson::dom::object obj;
  if (e.get_object().get(obj)) return std::nullopt;
  std::size_t at = 0;
  const auto own = first_repeated_key(
      [&](const auto& f) {
        for (auto field : obj)
          if (!f(field.key)) return;
      },
      &at);
  std::size_t idx = 0;
  for (auto field : obj) {
    if (own && idx++ == at) return std::string(*own);
    if (auto d = find_duplicate_key(field.value)) return d;
  }
  return std::nullopt;
}

namespace {
// The paths that go on below key k of an object, from the object's: a path equal to k, or one k
// lies under ("a.b.c" for "a.b"), goes on whole (empty); one through k ("a.b.c" for "a") goes on
// with its rest.
void paths_below(const std::vector<std::string_view>& paths, std::string_view k, std::vector<std::string_view>& next) {
  next.clear();
  for (auto p : paths) {
    if (p == k) next.push_back({});
    else if (p.size() > k.size() && p[k.size()] == '.' && p.substr(0, k.size()) == k) next.push_back(p.substr(k.size() + 1));
    else if (k.size() > p.size() && k[p.size()] == '.' && k.substr(0, p.size()) == p) next.push_back({});
  }
}

void project(simdjson::dom::element e, std::size_t depth, DynWriter& w, std::vector<std::vector<std::string_view>>& scratch) {
  using simdjson::dom::element_type;
  const auto& paths = scratch[depth];
  bool whole = false;
  for (auto p : paths) whole = whole || p.empty();
  if (whole || (e.type() != element_type::OBJECT && e.type() != element_type::ARRAY)) {
    encode_element(e, w);
    return;
  }
  if (scratch.size() <= depth + 1) scratch.resize(depth + 2);
  if (e.type() == element_type::ARRAY) {
    w.begin_array();
    simdjson::dom::array arr;
    if (!e.get_array().get(arr))
      for (simdjson::dom::element c : arr) {
        scratch[depth + 1] = scratch[depth];
        project(c, depth + 1, w, scratch);
      }
    w.end();
    return;
  }
  w.begin_object();
  simdjson::dom::object obj;
  if (!e.get_object().get(obj)) {
    for (auto field : obj) {
      const std::string_view k = field.key;
      auto& next = scratch[depth + 1];
      paths_below(scratch[depth], k, next);
      if (next.empty()) continue;
      w.key(k);
      project(field.value, depth + 1, w, scratch);
    }
  }
  w.end();
}

bool dyn_shape_at(DynRef v, std::uint64_t& h, int depth) {
  if (depth > 64) return false;
  DynKind k = v.kind();
  if (k == DynKind::True) k = DynKind::False;
  shape_mix(h, static_cast<std::uint64_t>(k) + 1);
  bool ok = true;
  if (k == DynKind::Object) {
    v.for_each_member([&](std::string_view key, DynRef m) {
      if (!ok) return;
      shape_mix(h, key_hash(key));
      ok = dyn_shape_at(m, h, depth + 1);
    });
  } else if (k == DynKind::Array) {
    std::uint64_t prev = 0;
    v.for_each_element([&](DynRef e) {
      if (!ok) return;
      std::uint64_t eh = 0x51ed27u;
      ok = dyn_shape_at(e, eh, depth + 1);
      if (eh != prev) shape_mix(h, eh);  // a run of elements of one shape counts once
      prev = eh;
    });
  }
  return ok;
}

// The kind each element gets in the encoding (encode_element), true as false.
DynKind json_kind(simdjson::dom::element e) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::NULL_VALUE: return DynKind::Null;
    case element_type::BOOL: return DynKind::False;
    case element_type::INT64: return DynKind::Int;
    case element_type::UINT64:
    case element_type::DOUBLE: return DynKind::Real;
    case element_type::STRING: return DynKind::String;
    case element_type::ARRAY: return DynKind::Array;
    case element_type::OBJECT: return DynKind::Object;
  }
  return DynKind::Null;
}

// The shape hash (false: deeper than 64 levels) and, when `dup` is given, the first key written
// twice in one object, in find_duplicate_key's order (the text's).
bool json_shape_at(simdjson::dom::element v, std::uint64_t& h, int depth, std::optional<std::string_view>* dup) {
  bool shaped = depth <= 64;
  if (!shaped && !dup) return false;
  const DynKind k = json_kind(v);
  shape_mix(h, static_cast<std::uint64_t>(k) + 1);
  if (k == DynKind::Object) {
    simdjson::dom::object obj;
    if (v.get_object().get(obj)) return shaped;
    const std::size_t n = obj.size();
    std::uint64_t hs[32];  // the keys' hashes (objects of up to 32 keys), for both uses
    if (n <= 32) {
      std::size_t i = 0;
      for (auto field : obj) hs[i++] = key_hash(field.key);
    }
    std::optional<std::string_view> own;  // the object's first repeated key, at own_at
    std::size_t own_at = n;
    if (dup && !*dup && n > 1) {
      if (n > 32) {
        own = first_repeated_key(
            [&](const auto& f) {
              for (auto field : obj)
                if (!f(field.key)) return;
            },
            &own_at);
      } else {
        std::string_view ks[32];
        std::size_t i = 0;
        for (auto field : obj) {
          for (std::size_t j = 0; j < i && !own; ++j)
            if (hs[j] == hs[i] && ks[j] == field.key) {
              own = field.key;
              own_at = i;
            }
          if (own) break;
          ks[i++] = field.key;
        }
      }
    }
    std::size_t idx = 0;
    for (auto field : obj) {
      if (own && idx == own_at && !*dup) *dup = own;
      if (shaped) shape_mix(h, n <= 32 ? hs[idx] : key_hash(field.key));
      ++idx;
      shaped = json_shape_at(field.value, h, depth + 1, dup) && shaped;
      if (!shaped && (!dup || *dup)) return false;
    }
  } else if (k == DynKind::Array) {
    simdjson::dom::array arr;
    if (v.get_array().get(arr)) return shaped;
    std::uint64_t prev = 0;
    for (simdjson::dom::element e : arr) {
      std::uint64_t eh = 0x51ed27u;
      shaped = json_shape_at(e, eh, depth + 1, dup) && shaped;
      if (!shaped && (!dup || *dup)) return false;
      if (eh != prev) shape_mix(h, eh);
      prev = eh;
    }
  }
  return shaped;
}
}  // namespace

void encode_projection(simdjson::dom::element e, const std::vector<std::string_view>& paths, DynWriter& w,
                       std::vector<std::vector<std::string_view>>& scratch) {
  if (scratch.empty()) scratch.resize(1);
  scratch[0] = paths;
  project(e, 0, w, scratch);
}

bool json_shape(simdjson::dom::element e, std::uint64_t& hash) {
  hash = 0xcbf29ce484222325ULL;
  return json_shape_at(e, hash, 0, nullptr);
}

std::optional<std::string> inspect_document(simdjson::dom::element e, std::uint64_t& shape, bool& shaped) {
  shape = 0xcbf29ce484222325ULL;
  std::optional<std::string_view> dup;
  shaped = json_shape_at(e, shape, 0, &dup);
  if (dup) return std::string(*dup);
  return std::nullopt;
}

namespace {

// A parsed document's tape (simdjson's DOM layout: one 64-bit word per value, a type character in
// the top byte; containers hold the index after their end in the low 32 bits; numbers take a
// second word; strings point into the string buffer: a 32-bit length, then the bytes).
class Tape {
 protected:
  explicit Tape(const simdjson::dom::document& doc) : tape_(doc.tape.get()), strings_(doc.string_buf.get()) {}
  // The index after the value at i.
  std::size_t after(std::size_t i) const {
    const std::uint64_t w = tape_[i];
    switch (static_cast<char>(w >> 56)) {
      case '{':
      case '[': return static_cast<std::uint32_t>(w);
      case 'l':
      case 'u':
      case 'd': return i + 2;
      default: return i + 1;
    }
  }
  // The string at i (a key or a string value).
  std::string_view key(std::size_t i) const {
    const std::uint8_t* s = strings_ + (tape_[i] & simdjson::internal::JSON_VALUE_MASK);
    std::uint32_t len = 0;
    std::memcpy(&len, s, sizeof len);
    return {reinterpret_cast<const char*>(s + sizeof len), len};
  }

  const std::uint64_t* tape_;
  const std::uint8_t* strings_;
};

// json_shape_at's walk, read straight off the tape. The element API's iterators re-read lengths
// and types at every step; here each word is read once.
class TapeWalk : Tape {
 public:
  explicit TapeWalk(const simdjson::dom::document& doc) : Tape(doc) {}

  // The value at tape index i into h; returns the index after it.
  std::size_t value(std::size_t i, std::uint64_t& h, int depth, bool& shaped) {
    if (depth > 64) shaped = false;
    const std::uint64_t w = tape_[i];
    const char t = static_cast<char>(w >> 56);
    shape_mix(h, static_cast<std::uint64_t>(kind_of(t)) + 1);
    switch (t) {
      case '{': return object(i, static_cast<std::uint32_t>(w), h, depth, shaped);
      case '[': {
        const std::size_t end = static_cast<std::uint32_t>(w);
        std::uint64_t prev = 0;
        for (std::size_t j = i + 1; j + 1 < end && !stop_;) {
          std::uint64_t eh = 0x51ed27u;
          j = value(j, eh, depth + 1, shaped);
          if (eh != prev) shape_mix(h, eh);
          prev = eh;
        }
        return end;
      }
      case 'l':
      case 'u':
      case 'd': return i + 2;
      default: return i + 1;
    }
  }

  std::optional<std::string_view> dup;

 private:
  static DynKind kind_of(char t) {
    switch (t) {
      case 'n': return DynKind::Null;
      case 't':
      case 'f': return DynKind::False;
      case 'l': return DynKind::Int;
      case 'u':
      case 'd': return DynKind::Real;
      case '"': return DynKind::String;
      case '[': return DynKind::Array;
      case '{': return DynKind::Object;
      default: return DynKind::Null;
    }
  }

  // An object's keys first (hashes, then the duplicate check, as json_shape_at), then its members
  // (the object's repeated key reported on reaching it, as json_shape_at).
  std::size_t object(std::size_t i, std::size_t end, std::uint64_t& h, int depth, bool& shaped) {
    struct Member {
      std::size_t key;
      std::uint64_t hash;
    };
    boost::container::small_vector<Member, 32> ms;
    for (std::size_t j = i + 1; j + 1 < end; j = after(j + 1)) ms.push_back({j, key_hash(key(j))});
    std::size_t own_at = ms.size();  // the member whose key repeats an earlier one
    if (!dup && ms.size() > 1) {
      if (ms.size() <= 32) {
        // A 256-bit filter of the hashes' top bits: a key is compared with the earlier ones only
        // when its bit is taken already.
        std::uint64_t bits[4] = {0, 0, 0, 0};
        for (std::size_t a = 0; a < ms.size() && !dup; ++a) {
          const unsigned b = static_cast<unsigned>(ms[a].hash >> 56);
          std::uint64_t& word = bits[b >> 6];
          const std::uint64_t bit = std::uint64_t{1} << (b & 63);
          if (word & bit) {
            for (std::size_t c = 0; c < a; ++c)
              if (ms[a].hash == ms[c].hash && key(ms[a].key) == key(ms[c].key)) {
                own_at = a;
                break;
              }
            if (own_at < ms.size()) break;
          }
          word |= bit;
        }
      } else {
        std::unordered_set<std::string_view> seen;
        seen.reserve(ms.size());
        for (std::size_t a = 0; a < ms.size(); ++a)
          if (!seen.insert(key(ms[a].key)).second) {
            own_at = a;
            break;
          }
      }
    }
    for (std::size_t a = 0; a < ms.size(); ++a) {
      const Member& m = ms[a];
      if (stop_) break;
      if (a == own_at && !dup) {
        dup = key(m.key);
        if (!shaped) {
          stop_ = true;
          break;
        }
      }
      if (shaped) shape_mix(h, m.hash);
      value(m.key + 1, h, depth + 1, shaped);
      if (!shaped && dup) stop_ = true;  // nothing left to learn
    }
    return end;
  }

  bool stop_ = false;
};

}  // namespace

namespace {

// find_duplicate_key's answer read off the tape, without the shape hash (for readers that never
// use it); each object's keys go through first_repeated_key.
class DupWalk : protected Tape {
 public:
  explicit DupWalk(const simdjson::dom::document& doc) : Tape(doc) {}

  // The value at tape index i; returns the index after it.
  std::size_t value(std::size_t i) {
    const std::uint64_t w = tape_[i];
    const char t = static_cast<char>(w >> 56);
    if (t == '{') return members(i, static_cast<std::uint32_t>(w), [&](std::size_t j) { return value(j + 1); });
    if (t == '[') {
      const std::size_t end = static_cast<std::uint32_t>(w);
      for (std::size_t j = i + 1; j + 1 < end && !dup;) j = value(j);
      return end;
    }
    return after(i);
  }

  std::optional<std::string_view> dup;

 protected:
  // The object at i (its end at `end`): its own keys first (the first key equal to an earlier
  // one), then each member in turn, f(key index) returning the index after its value, until the
  // member whose key repeats an earlier one (dup names it on reaching it) or a duplicate inside.
  template <class F>
  std::size_t members(std::size_t i, std::size_t end, const F& f) {
    std::size_t at = 0;
    const auto own = first_repeated_key(
        [&](const auto& f2) {
          for (std::size_t j = i + 1; j + 1 < end; j = after(j + 1))
            if (!f2(key(j))) return;
        },
        &at);
    std::size_t idx = 0;
    for (std::size_t j = i + 1; j + 1 < end && !dup; ++idx) {
      if (own && idx == at) {
        dup = own;
        break;
      }
      j = f(j);
    }
    return end;
  }
};

// find_duplicate_key and encode_projection in one walk of the tape: each object's keys are checked
// as DupWalk checks them (its members(); the part of the document off the paths is DupWalk's walk),
// so the first duplicate found is the same, the text's first; what lies on the paths is written as
// project() writes it. A document with a duplicate is refused whole, so its projection is left
// unfinished.
class ProjectWalk : public DupWalk {
 public:
  ProjectWalk(const simdjson::dom::document& doc, DynWriter& w, std::vector<std::vector<std::string_view>>& scratch)
      : DupWalk(doc), w_(w), scratch_(scratch) {}

  // The value at i, written whole (its path list holds an empty path) or projected on
  // scratch_[depth] (a member on no path is only checked: DupWalk::value). Returns the index after it.
  std::size_t value(std::size_t i, std::size_t depth) {
    const std::uint64_t w = tape_[i];
    const char t = static_cast<char>(w >> 56);
    const auto& paths = scratch_[depth];
    bool whole = false;
    for (auto p : paths) whole = whole || p.empty();
    if (whole) return write_whole(i);
    if (scratch_.size() <= depth + 1) scratch_.resize(depth + 2);
    if (t == '[') {
      const std::size_t end = static_cast<std::uint32_t>(w);
      w_.begin_array();
      for (std::size_t j = i + 1; j + 1 < end && !dup;) {
        scratch_[depth + 1] = scratch_[depth];
        j = value(j, depth + 1);
      }
      w_.end();
      return end;
    }
    if (t != '{') return write_whole(i);
    w_.begin_object();
    const std::size_t end = members(i, static_cast<std::uint32_t>(w), [&](std::size_t j) {
      const std::string_view k = key(j);
      auto& next = scratch_[depth + 1];
      paths_below(scratch_[depth], k, next);
      if (next.empty()) return DupWalk::value(j + 1);
      w_.key(k);
      return value(j + 1, depth + 1);
    });
    w_.end();
    return end;
  }

 private:
  // The value at i encoded whole, as encode_element encodes it (its objects checked as it goes).
  std::size_t write_whole(std::size_t i) {
    const std::uint64_t w = tape_[i];
    switch (static_cast<char>(w >> 56)) {
      case '{': {
        w_.begin_object();
        const std::size_t end = members(i, static_cast<std::uint32_t>(w), [&](std::size_t j) {
          w_.key(key(j));
          return write_whole(j + 1);
        });
        w_.end();
        return end;
      }
      case '[': {
        const std::size_t end = static_cast<std::uint32_t>(w);
        w_.begin_array();
        for (std::size_t j = i + 1; j + 1 < end && !dup;) j = write_whole(j);
        w_.end();
        return end;
      }
      case '"': w_.string(key(i)); return i + 1;
      case 'l': w_.integer(static_cast<std::int64_t>(tape_[i + 1])); return i + 2;
      case 'u': w_.real(static_cast<double>(tape_[i + 1])); return i + 2;
      case 'd': {
        double d = 0;
        std::memcpy(&d, &tape_[i + 1], sizeof d);
        w_.real(d);
        return i + 2;
      }
      case 't': w_.boolean(true); return i + 1;
      case 'f': w_.boolean(false); return i + 1;
      default: w_.null(); return i + 1;
    }
  }

  DynWriter& w_;
  std::vector<std::vector<std::string_view>>& scratch_;
};

}  // namespace

std::optional<std::string> project_document(const simdjson::dom::document& doc, const std::vector<std::string_view>& paths, DynWriter& w,
                                            std::vector<std::vector<std::string_view>>& scratch) {
  if (scratch.empty()) scratch.resize(1);
  scratch[0] = paths;
  ProjectWalk walk(doc, w, scratch);
  walk.value(1, 0);  // tape[0] is the root word
  if (walk.dup) return std::string(*walk.dup);
  return std::nullopt;
}

std::optional<std::string> find_duplicate_key(const simdjson::dom::document& doc) {
  DupWalk walk(doc);
  walk.value(1);  // tape[0] is the root word
  if (walk.dup) return std::string(*walk.dup);
  return std::nullopt;
}

std::optional<std::string> inspect_document(const simdjson::dom::document& doc, std::uint64_t& shape, bool& shaped) {
  shape = 0xcbf29ce484222325ULL;
  shaped = true;
  TapeWalk walk(doc);
  walk.value(1, shape, 0, shaped);  // tape[0] is the root word
  if (walk.dup) return std::string(*walk.dup);
  return std::nullopt;
}

bool dyn_shape(DynRef doc, std::uint64_t& hash) {
  hash = 0xcbf29ce484222325ULL;
  return dyn_shape_at(doc, hash, 0);
}

struct JsonParser::Impl {
  simdjson::dom::parser parser;
  simdjson::padded_string buffer;
};

JsonParser::JsonParser() : impl_(std::make_unique<Impl>()) {}
JsonParser::~JsonParser() = default;

std::optional<std::string> JsonParser::parse(std::string_view text, std::string& out) {
  simdjson::dom::element e;
  auto err = impl_->parser.parse(text.data(), text.size(), true).get(e);
  if (err) return std::string(simdjson::error_message(err));
  DynWriter w(out);
  encode_element(e, w);
  return std::nullopt;
}

}  // namespace rulelab
