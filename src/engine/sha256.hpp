// SHA-256 (FIPS 180-4), for hash_sha256().
#pragma once
#include <string>
#include <string_view>

namespace rulelab::engine {
// Lower-case hex digest of the bytes of s.
std::string sha256_hex(std::string_view s);
}  // namespace rulelab::engine
