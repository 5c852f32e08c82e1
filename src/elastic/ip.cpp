#include "elastic/ip.hpp"

#include "core/utf8.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

namespace rulelab::elastic {

namespace {

// Java int arithmetic (wraps at 32 bits), as InetAddresses accumulates a part's digits: a run of
// digits long enough to wrap is what Elasticsearch reads, so it is what rulelab reads.
std::int32_t java_int_step(std::int32_t v, int base, int digit) {
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(v) * static_cast<std::uint32_t>(base) + static_cast<std::uint32_t>(digit));
}

// Dotted quad into b[first..first+3]: digits and dots only, no empty part, no leading zero
// ("01" is none), each part at most 255.
bool parse_v4(std::string_view s, std::uint8_t* out) {
  int octet = 0, digits = 0;
  std::int32_t current = 0;
  for (char c : s) {
    if (c == '.') {
      if (octet >= 4 || digits == 0 || current > 255) return false;
      out[octet++] = static_cast<std::uint8_t>(current);
      current = 0;
      digits = 0;
    } else if (c >= '0' && c <= '9') {
      if (digits != 0 && current == 0) return false;  // a leading zero
      current = java_int_step(current, 10, c - '0');
      ++digits;
    } else {
      return false;
    }
  }
  if (octet != 3 || digits == 0 || current > 255) return false;
  out[3] = static_cast<std::uint8_t>(current);
  return true;
}

// Hextets separated by ':' with at most one "::" (which stands for at least one zero hextet).
std::optional<IpBytes> parse_v6(std::string_view s) {
  const std::size_t len = s.size();
  if (len < 2) return std::nullopt;
  if (s[0] == ':' && s[1] != ':') return std::nullopt;
  if (s[len - 1] == ':' && s[len - 2] != ':') return std::nullopt;
  std::uint16_t hextets[8] = {};
  int count = 0, compressed = -1;
  std::size_t part_start = 0;
  std::int32_t current = 0;
  auto put = [&](std::int32_t h) {
    if (count >= 8 || h > 0xFFFF) return false;
    hextets[count++] = static_cast<std::uint16_t>(h);
    return true;
  };
  for (std::size_t i = 0; i < len; ++i) {
    const char c = s[i];
    if (c == ':') {
      if (part_start == i) {
        if (compressed >= 0 && i != 1) return std::nullopt;  // a second "::"
        compressed = count;
      } else {
        if (!put(current)) return std::nullopt;
        current = 0;
      }
      part_start = i + 1;
    } else {
      const int h = hex_digit_value(c);
      if (h < 0) return std::nullopt;
      current = java_int_step(current, 16, h);
    }
  }
  if (part_start < len && !put(current)) return std::nullopt;
  IpBytes b{};
  if (compressed >= 0) {
    if (count >= 8) return std::nullopt;
    const int shift = 8 - count;
    for (int k = count - 1; k >= compressed; --k) {
      hextets[k + shift] = hextets[k];
      hextets[k] = 0;
    }
  } else if (count != 8) {
    return std::nullopt;
  }
  for (std::size_t k = 0; k < 8; ++k) {
    b[2 * k] = static_cast<std::uint8_t>(hextets[k] >> 8);
    b[2 * k + 1] = static_cast<std::uint8_t>(hextets[k] & 0xFF);
  }
  return b;
}

}  // namespace

// Elasticsearch's InetAddresses.ipStringToBytes: ASCII only; a '%' starts a scope id, which is
// dropped (an empty one makes the text none); a colon after a dot makes it none; an IPv6 text
// may end in a dotted quad after its last colon.
std::optional<IpBytes> parse_ip(std::string_view s) {
  std::ptrdiff_t last_colon = -1;
  bool dot = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (static_cast<unsigned char>(c) >= 0x80) return std::nullopt;
    if (c == '.') {
      dot = true;
    } else if (c == ':') {
      if (dot) return std::nullopt;
      last_colon = static_cast<std::ptrdiff_t>(i);
    } else if (c == '%') {
      if (i + 1 == s.size()) return std::nullopt;
      s = s.substr(0, i);
      break;
    }
  }
  if (last_colon >= 0) {
    if (!dot) return parse_v6(s);
    std::uint8_t q[4];
    if (!parse_v4(s.substr(static_cast<std::size_t>(last_colon) + 1), q)) return std::nullopt;
    static const char hex[] = "0123456789abcdef";
    std::string text(s.substr(0, static_cast<std::size_t>(last_colon) + 1));
    for (int k = 0; k < 4; ++k) {
      if (k == 2) text.push_back(':');
      text.push_back(hex[q[k] >> 4]);
      text.push_back(hex[q[k] & 15]);
    }
    return parse_v6(text);
  }
  if (!dot) return std::nullopt;
  IpBytes b{};
  b[10] = b[11] = 0xFF;
  if (!parse_v4(s, b.data() + 12)) return std::nullopt;
  return b;
}

std::string format_ip(const IpBytes& b) {
  bool mapped = true;
  for (int i = 0; i < 10; ++i) mapped = mapped && b[static_cast<std::size_t>(i)] == 0;
  mapped = mapped && b[10] == 0xFF && b[11] == 0xFF;
  if (mapped)
    return std::to_string(b[12]) + "." + std::to_string(b[13]) + "." + std::to_string(b[14]) + "." + std::to_string(b[15]);
  std::uint16_t g[8];
  for (std::size_t k = 0; k < 8; ++k) g[k] = static_cast<std::uint16_t>(b[2 * k] << 8 | b[2 * k + 1]);
  int best = -1, best_len = 0;
  for (int k = 0; k < 8;) {
    if (g[k] != 0) {
      ++k;
      continue;
    }
    int e = k;
    while (e < 8 && g[e] == 0) ++e;
    if (e - k > best_len) best = k, best_len = e - k;
    k = e;
  }
  if (best_len < 2) best = -1;
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (int k = 0; k < 8; ++k) {
    if (k == best) {
      out += "::";
      k += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out.push_back(':');
    bool lead = true;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const int d = (g[k] >> shift) & 15;
      if (lead && d == 0 && shift > 0) continue;
      lead = false;
      out.push_back(hex[d]);
    }
  }
  return out;
}

bool Cidr::contains(const IpBytes& ip) const {
  for (int bit = 0; bit < prefix; ++bit) {
    const auto byte = static_cast<std::size_t>(bit / 8);
    const int shift = 7 - bit % 8;
    if (((base[byte] >> shift) & 1) != ((ip[byte] >> shift) & 1)) return false;
  }
  return true;
}

std::optional<Cidr> parse_cidr(std::string_view s, std::string* error) {
  auto fail = [&](std::string message) -> std::optional<Cidr> {
    if (error) *error = std::move(message);
    return std::nullopt;
  };
  const auto slash = s.find('/');
  if (slash == std::string_view::npos || s.find('/', slash + 1) != std::string_view::npos)
    return fail("java.lang.IllegalArgumentException: Expected [ip/prefix] but was [" + std::string(s) + "]");
  const std::string_view address = s.substr(0, slash), bits = s.substr(slash + 1);
  auto ip = parse_ip(address);
  if (!ip) return fail("java.lang.IllegalArgumentException: '" + std::string(address) + "' is not an IP string literal.");
  const bool mapped = std::all_of(ip->begin(), ip->begin() + 10, [](std::uint8_t b) { return b == 0; }) && (*ip)[10] == 0xFF &&
                      (*ip)[11] == 0xFF;
  if (mapped && address.find(':') != std::string_view::npos)
    return fail("java.lang.IllegalArgumentException: CIDR notation is not allowed with IPv6-mapped IPv4 address [" + std::string(address) +
                " as it introduces ambiguity as to whether the prefix length should be interpreted as a v4 prefix length or a v6 "
                "prefix length");
  int n = -1;
  const char* b = bits.data() + (!bits.empty() && bits[0] == '+' ? 1 : 0);  // Integer.parseInt takes a '+'
  auto [p, ec] = std::from_chars(b, bits.data() + bits.size(), n);
  if (bits.empty() || ec != std::errc() || p != bits.data() + bits.size())
    return fail("java.lang.NumberFormatException: For input string: \"" + std::string(bits) + "\"");
  if (n < 0 || n > (mapped ? 32 : 128))
    return fail("java.lang.IllegalArgumentException: Illegal prefix length [" + std::to_string(n) + "] in [" + std::string(s) +
                "]. Must be 0-32 for IPv4 ranges, 0-128 for IPv6 ranges");
  return Cidr{*ip, mapped ? n + 96 : n};
}

}  // namespace rulelab::elastic
