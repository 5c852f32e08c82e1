#include "elastic/ip.hpp"

#include <cctype>
#include <vector>

namespace rulelab::elastic {

namespace {

std::optional<IpBytes> parse_ipv4(std::string_view s) {
  IpBytes b{};
  b[10] = b[11] = 0xFF;
  int part = 0;
  std::size_t i = 0;
  while (part < 4) {
    if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    unsigned v = 0;
    std::size_t digits = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      v = v * 10 + static_cast<unsigned>(s[i++] - '0');
      if (++digits > 3 || v > 255) return std::nullopt;
    }
    b[12 + static_cast<std::size_t>(part)] = static_cast<std::uint8_t>(v);
    ++part;
    if (part < 4) {
      if (i >= s.size() || s[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i != s.size()) return std::nullopt;
  return b;
}

}  // namespace

std::optional<IpBytes> parse_ip(std::string_view s) {
  if (s.find(':') == std::string_view::npos) return parse_ipv4(s);
  if (auto pct = s.find('%'); pct != std::string_view::npos) s = s.substr(0, pct);
  IpBytes b{};
  std::vector<std::uint16_t> head, tail;
  bool gap = false;
  std::size_t i = 0;
  if (s.substr(0, 2) == "::") {
    gap = true;
    i = 2;
  }
  while (i < s.size()) {
    // an embedded IPv4 tail
    const auto rest = s.substr(i);
    if (rest.find('.') != std::string_view::npos && rest.find(':') == std::string_view::npos) {
      auto v4 = parse_ipv4(rest);
      if (!v4) return std::nullopt;
      auto& dst = gap ? tail : head;
      dst.push_back(static_cast<std::uint16_t>((*v4)[12] << 8 | (*v4)[13]));
      dst.push_back(static_cast<std::uint16_t>((*v4)[14] << 8 | (*v4)[15]));
      i = s.size();
      break;
    }
    unsigned v = 0;
    std::size_t digits = 0;
    while (i < s.size() && std::isxdigit(static_cast<unsigned char>(s[i]))) {
      const char c = s[i++];
      v = v * 16 + static_cast<unsigned>(std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::tolower(c) - 'a' + 10);
      if (++digits > 4) return std::nullopt;
    }
    if (digits == 0) return std::nullopt;
    (gap ? tail : head).push_back(static_cast<std::uint16_t>(v));
    if (i == s.size()) break;
    if (s[i] != ':') return std::nullopt;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (gap) return std::nullopt;
      gap = true;
      ++i;
    } else if (i == s.size()) {
      return std::nullopt;
    }
  }
  const std::size_t n = head.size() + tail.size();
  if ((!gap && n != 8) || (gap && n > 7)) return std::nullopt;
  for (std::size_t k = 0; k < head.size(); ++k) {
    b[2 * k] = static_cast<std::uint8_t>(head[k] >> 8);
    b[2 * k + 1] = static_cast<std::uint8_t>(head[k] & 0xFF);
  }
  for (std::size_t k = 0; k < tail.size(); ++k) {
    const std::size_t pos = 8 - tail.size() + k;
    b[2 * pos] = static_cast<std::uint8_t>(tail[k] >> 8);
    b[2 * pos + 1] = static_cast<std::uint8_t>(tail[k] & 0xFF);
  }
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

}  // namespace rulelab::elastic
