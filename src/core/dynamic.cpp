#include "core/dynamic.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
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
