// The pieces of a document's shape hash (dyn_shape, json_shape, inspect_document and the
// document reader's scan all compute it, and must agree bit for bit).
#pragma once
#include <cstdint>
#include <cstring>
#include <string_view>

namespace rulelab {

inline void shape_mix(std::uint64_t& h, std::uint64_t x) { h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); }

// A 64-bit hash of a key, 8 bytes at a time (keys are short; shapes and duplicate checks use it).
inline std::uint64_t key_hash(std::string_view k) {
  std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ (k.size() * 0xff51afd7ed558ccdULL);
  const std::size_t n = k.size();
  auto mix = [&h](std::uint64_t w) {
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 29;
  };
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, k.data() + i, 8);
    mix(w);
  }
  if (i < n) {
    std::uint64_t w = 0;
    if (n >= 8) {
      std::memcpy(&w, k.data() + n - 8, 8);  // the last 8 bytes (overlapping; the length is mixed in)
    } else {
      if (n & 4) {
        std::uint32_t x = 0;
        std::memcpy(&x, k.data(), 4);
        w = x;
      }
      for (std::size_t j = n & 4; j < n; ++j) w = (w << 8) | static_cast<unsigned char>(k[j]);
    }
    mix(w);
  }
  h *= 0xff51afd7ed558ccdULL;
  return h ^ (h >> 32);
}

}  // namespace rulelab
