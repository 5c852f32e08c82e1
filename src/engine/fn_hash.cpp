// Hash functions (learn.microsoft.com/kusto/query/<name>-function): hash_md5, hash_sha1,
// hash_sha256 (lowercase hex, OpenSSL's libcrypto); hash and hash_xxhash64 (xxHash64, libxxhash);
// hash_combine and hash_many.
#include <openssl/evp.h>
#include <xxhash.h>

#include <cstring>

#include "engine/functions.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;

// The text a value is hashed as: tostring(), except that a datetime always carries seven fraction
// digits (hash-md5-function's example: datetime(2020-01-01) hashes as 2020-01-01T00:00:00.0000000Z).
std::string hash_text(const Value& v) {
  std::string s = to_kusto_string(v);
  if (v.type == Type::DateTime && !v.is_null() && s.find('.') == std::string::npos && !s.empty() && s.back() == 'Z')
    s.insert(s.size() - 1, ".0000000");
  return s;
}
std::string digest_hex(const EVP_MD* md, const std::string& text) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(text.data(), text.size(), out, &n, md, nullptr) != 1) return "";
  static const char* const hex = "0123456789abcdef";
  std::string r;
  r.reserve(2 * n);
  for (unsigned int i = 0; i < n; ++i) { r += hex[out[i] >> 4]; r += hex[out[i] & 15]; }
  return r;
}
Value f_hash_md5(const CallArgs& a) { return Value::of_string(digest_hex(EVP_md5(), hash_text(a[0]))); }
Value f_hash_sha1(const CallArgs& a) { return Value::of_string(digest_hex(EVP_sha1(), hash_text(a[0]))); }
Value f_hash_sha256(const CallArgs& a) { return Value::of_string(digest_hex(EVP_sha256(), hash_text(a[0]))); }


// hash-xxhash64-function (hash-function is the same): XXH64 with seed 0 of a string's UTF-8 bytes,
// or of a datetime's .NET ticks (100 ns since 0001-01-01) as 8 little-endian bytes, as the pages'
// examples hash "World" and datetime("2015-01-01"); other scalars hash their 8-byte value (long,
// real, timespan ticks), dynamic values their JSON text. With mod: the unsigned hash modulo mod.
constexpr std::int64_t kTicksUnixEpoch = 621355968000000000;  // .NET ticks of 1970-01-01
std::uint64_t xxh_of(const Value& v) {
  auto bytes8 = [](const void* p) { return XXH64(p, 8, 0); };
  switch (v.type) {
    case Type::DateTime: { const std::int64_t t = v.i + kTicksUnixEpoch; return bytes8(&t); }
    case Type::Int: case Type::Long: case Type::TimeSpan: case Type::Bool: return bytes8(&v.i);
    case Type::Real: case Type::Decimal: return bytes8(&v.r);
    case Type::Dynamic: { const std::string j = to_json(v.dyn()); return XXH64(j.data(), j.size(), 0); }
    default: { const std::string s = to_kusto_string(v); return XXH64(s.data(), s.size(), 0); }
  }
}
Value f_hash_xxhash64(const CallArgs& a) {
  if (a[0].type != Type::String && a[0].is_null()) return Value::null_of(Type::Long);
  const std::uint64_t h = xxh_of(a[0]);
  if (a.size() < 2) return Value::of_long(static_cast<std::int64_t>(h));
  bool ok;
  const double m = number_of(a[1], ok);
  if (!ok || a[1].is_null() || m < 1) return Value::null_of(Type::Long);
  return Value::of_long(static_cast<std::int64_t>(h % static_cast<std::uint64_t>(m)));
}

// hash_combine(h1, h2, ...) (hash-combine-function) combines hash values; hash_many(s1, s2, ...)
// (hash-many-function) is hash_combine of the hash() of each value, as the pages' examples show
// (both give -1440138333540407281 for "Hello", "World"). Kusto does not publish its combination:
// rulelab folds the values left to right as boost::hash_combine does with 64-bit constants, so its
// combined values are its own (stable across runs, not equal to Kusto's); only the relation
// hash_many(a, b) == hash_combine(hash(a), hash(b)) holds as documented.
std::uint64_t combine(std::uint64_t seed, std::uint64_t h) {
  return seed ^ (h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}
Value f_hash_combine(const CallArgs& a) {
  std::uint64_t seed = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    bool ok;
    if (a[k].is_null()) return Value::null_of(Type::Long);
    std::uint64_t h;
    if (a[k].type == Type::Int || a[k].type == Type::Long) h = static_cast<std::uint64_t>(a[k].i);
    else {
      const double d = number_of(a[k], ok);
      if (!ok) return Value::null_of(Type::Long);
      if (!(d >= -9.2e18 && d <= 9.2e18)) return Value::null_of(Type::Long);
      h = static_cast<std::uint64_t>(static_cast<std::int64_t>(d));
    }
    seed = k == 0 ? h : combine(seed, h);
  }
  return Value::of_long(static_cast<std::int64_t>(seed));
}
Value f_hash_many(const CallArgs& a) {
  std::uint64_t seed = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    // a null hashes as hash() gives it (null), which the combination counts as 0
    const std::uint64_t h = (a[k].type != Type::String && a[k].is_null()) ? 0 : xxh_of(a[k]);
    seed = k == 0 ? h : combine(seed, h);
  }
  return Value::of_long(static_cast<std::int64_t>(seed));
}

}  // namespace

void add_hash_functions(std::vector<ScalarFunction>& out) {
  auto add = [&](const char* n, int mn, int mx, TypeRule t, ScalarImpl f) { out.push_back(ScalarFunction{n, mn, mx, t, f, nullptr, true}); };
  add("hash_md5", 1, 1, ret_string, f_hash_md5);
  add("hash_sha1", 1, 1, ret_string, f_hash_sha1);
  add("hash_sha256", 1, 1, ret_string, f_hash_sha256);
  add("hash_xxhash64", 1, 2, ret_long, f_hash_xxhash64);
  add("hash", 1, 2, ret_long, f_hash_xxhash64);
  add("hash_combine", 2, -1, ret_long, f_hash_combine);
  add("hash_many", 2, -1, ret_long, f_hash_many);
}

}  // namespace rulelab::engine
