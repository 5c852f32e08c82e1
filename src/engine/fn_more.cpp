// Mathematical, datetime, set and conversion functions of the reference's categories that the
// other files do not hold (learn.microsoft.com/kusto/query/<name>-function): pi, radians, degrees,
// cot, jaccard_index, has_any_index, base64_encode_fromguid, base64_decode_toguid.
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

}  // namespace

void add_more_functions(std::vector<ScalarFunction>& out) {
  std::string_view cat;  // the reference category of the entries below (empty: the family's)
  auto add = [&](const char* n, int mn, int mx, TypeRule t, ScalarImpl f) { out.push_back(ScalarFunction{n, mn, mx, t, f, nullptr, true}); out.back().category = cat; };
  cat = "Mathematical functions";
  add("pi", 0, 0, ret_real, f_pi);
  add("radians", 1, 1, ret_real, f_radians);
  add("degrees", 1, 1, ret_real, f_degrees);
  add("cot", 1, 1, ret_real, f_cot);
  cat = "Dynamic/array functions";
  add("jaccard_index", 2, 2, ret_real, f_jaccard_index);
  cat = "String functions";
  add("has_any_index", 2, 2, ret_long, f_has_any_index);
  add("base64_encode_fromguid", 1, 1, ret_string, f_base64_encode_fromguid);
  add("base64_decode_toguid", 1, 1, ret_guid, f_base64_decode_toguid);
}

}  // namespace rulelab::engine
