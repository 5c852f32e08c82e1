#include "core/dynamic.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_set>
#include <vector>

#include "core/json_encode.hpp"

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

void write_json_string(std::string_view s, std::string& out) {
  out.push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(ch);
        }
    }
  }
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

void write_json(DynRef v, std::string& out) {
  switch (v.kind()) {
    case DynKind::Null: out += "null"; break;
    case DynKind::False: out += "false"; break;
    case DynKind::True: out += "true"; break;
    case DynKind::Int: out += std::to_string(v.as_int()); break;
    case DynKind::Real: write_real(v.as_real(), out); break;
    case DynKind::String: write_json_string(v.as_string(), out); break;
    case DynKind::Array: {
      out.push_back('[');
      bool first = true;
      v.for_each_element([&](DynRef e) {
        if (!first) out.push_back(',');
        first = false;
        write_json(e, out);
      });
      out.push_back(']');
      break;
    }
    case DynKind::Object: {
      out.push_back('{');
      bool first = true;
      v.for_each_member([&](std::string_view k, DynRef e) {
        if (!first) out.push_back(',');
        first = false;
        write_json_string(k, out);
        out.push_back(':');
        write_json(e, out);
      });
      out.push_back('}');
      break;
    }
  }
}

std::string to_json(DynRef v) {
  std::string s;
  write_json(v, s);
  return s;
}

namespace {
// A key written twice in obj. A 64-bit filter (length and end bytes of each key) clears almost
// every object in one pass; only a collision costs a pairwise (or, large objects, hashed) check.
std::optional<std::string_view> duplicate_key(simdjson::dom::object obj) {
  const std::size_t n = obj.size();
  if (n < 2) return std::nullopt;
  std::uint64_t filter = 0;
  bool collision = false;
  for (auto field : obj) {
    const std::string_view k = field.key;
    const unsigned h = (static_cast<unsigned>(k.size()) * 31u + (k.empty() ? 0u : static_cast<unsigned char>(k.front()) * 7u +
                                                                          static_cast<unsigned char>(k.back()))) & 63u;
    if (filter & (std::uint64_t{1} << h)) {
      collision = true;
      break;
    }
    filter |= std::uint64_t{1} << h;
  }
  if (!collision) return std::nullopt;
  if (n <= 32) {
    std::string_view keys[32];
    std::size_t i = 0;
    for (auto field : obj) {
      for (std::size_t j = 0; j < i; ++j)
        if (keys[j] == field.key) return field.key;
      keys[i++] = field.key;
    }
    return std::nullopt;
  }
  std::unordered_set<std::string_view> seen;
  seen.reserve(n);
  for (auto field : obj)
    if (!seen.insert(field.key).second) return field.key;
  return std::nullopt;
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
  if (auto k = duplicate_key(obj)) return std::string(*k);
  for (auto field : obj)
    if (auto d = find_duplicate_key(field.value)) return d;
  return std::nullopt;
}

namespace {
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
      next.clear();
      for (auto p : scratch[depth]) {
        if (p == k) next.push_back({});
        else if (p.size() > k.size() && p[k.size()] == '.' && p.substr(0, k.size()) == k) next.push_back(p.substr(k.size() + 1));
        else if (k.size() > p.size() && k[p.size()] == '.' && k.substr(0, p.size()) == p) next.push_back({});
      }
      if (next.empty()) continue;
      w.key(k);
      project(field.value, depth + 1, w, scratch);
    }
  }
  w.end();
}

void shape_mix(std::uint64_t& h, std::uint64_t x) { h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); }

// A 64-bit hash of a key, 8 bytes at a time (keys are short; shapes and duplicate checks use it).
std::uint64_t key_hash(std::string_view k) {
  std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ (k.size() * 0xff51afd7ed558ccdULL);
  std::size_t i = 0;
  for (; i + 8 <= k.size(); i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, k.data() + i, 8);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 29;
  }
  if (i < k.size()) {
    std::uint64_t w = 0;
    for (std::size_t j = i; j < k.size(); ++j) w = (w << 8) | static_cast<unsigned char>(k[j]);
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 29;
  }
  h *= 0xff51afd7ed558ccdULL;
  return h ^ (h >> 32);
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
// twice in one object, in find_duplicate_key's order (an object's own keys, then its members').
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
    if (dup && !*dup && n > 1) {
      if (n > 32) {
        *dup = duplicate_key(obj);
      } else {
        std::string_view ks[32];
        std::size_t i = 0;
        for (auto field : obj) {
          for (std::size_t j = 0; j < i && !*dup; ++j)
            if (hs[j] == hs[i] && ks[j] == field.key) *dup = field.key;
          if (*dup) break;
          ks[i++] = field.key;
        }
      }
    }
    std::size_t idx = 0;
    for (auto field : obj) {
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
