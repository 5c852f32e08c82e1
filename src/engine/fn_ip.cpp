// IPv4/IPv6 functions and IPv4 text match functions (learn.microsoft.com/kusto/query/<name>-function):
// has_ipv4, has_ipv4_prefix, has_any_ipv4, has_any_ipv4_prefix, ipv6_compare, ipv6_is_match,
// parse_ipv6, format_ipv4, format_ipv4_mask, parse_ipv4_mask, parse_ipv6_mask, ipv4_netmask_suffix,
// ipv4_range_to_cidr_list, ipv6_is_in_range, ipv6_is_in_any_range, ipv4_is_private, ipv4_is_in_range,
// ipv4_is_in_any_range, ipv4_is_match, ipv4_compare, parse_ipv4.
#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <vector>

#include "engine/functions.hpp"

namespace rulelab::engine {
namespace {
using namespace rules;

std::string S(const Value& v) { return to_kusto_string(v); }

// ---- text match: an address in the text is delimited by characters that are neither
// alphanumeric nor a dot.
bool ip_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.';
}
bool plain_ipv4(std::string_view s) {
  std::uint32_t ip;
  int p;
  return s.find('/') == std::string_view::npos && parse_ipv4(s, ip, p);
}
// A prefix is a whole address or 1 to 3 octets each followed by a dot ("192.", "192.168.1.").
bool ipv4_prefix(std::string_view s) {
  if (plain_ipv4(s)) return true;
  if (s.empty() || s.back() != '.') return false;
  int octets = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t j = i;
    unsigned v = 0;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9' && j - i < 4) v = v * 10 + static_cast<unsigned>(s[j++] - '0');
    if (j == i || j - i > 3 || v > 255 || j >= s.size() || s[j] != '.') return false;
    ++octets;
    i = j + 1;
  }
  return octets >= 1 && octets <= 3;
}
// The text has an address equal to `ip` (prefix=false) or starting with `ip` (prefix=true),
// delimited on both sides.
bool text_has(std::string_view text, std::string_view ip, bool prefix) {
  if (!(prefix ? ipv4_prefix(ip) : plain_ipv4(ip))) return false;
  for (std::size_t p = text.find(ip); p != std::string_view::npos; p = text.find(ip, p + 1)) {
    if (p > 0 && ip_char(text[p - 1])) continue;
    std::size_t e = p;
    while (e < text.size() && ip_char(text[e])) ++e;
    std::string_view token = text.substr(p, e - p);
    if (token.size() != ip.size() && (!prefix || ip.back() != '.')) continue;
    if (plain_ipv4(token)) return true;
  }
  return false;
}
Value has_any(const CallArgs& a, bool prefix) {
  const std::string text = S(a[0]);
  for (std::size_t k = 1; k < a.size(); ++k) {
    bool found = false;
    if (a[k].type == Type::Dynamic && !a[k].is_null() && a[k].dyn().is_array())
      a[k].dyn().for_each_element([&](DynRef e) { if (!found && e.is_string() && text_has(text, e.as_string(), prefix)) found = true; });
    else if (a[k].type == Type::String || (a[k].type == Type::Dynamic && !a[k].is_null() && a[k].dyn().is_string()))
      found = text_has(text, S(a[k]), prefix);
    if (found) return Value::of_bool(true);
  }
  return Value::of_bool(false);
}
Value f_has_ipv4(const CallArgs& a) { return Value::of_bool(text_has(S(a[0]), S(a[1]), false)); }
Value f_has_ipv4_prefix(const CallArgs& a) { return Value::of_bool(text_has(S(a[0]), S(a[1]), true)); }
Value f_has_any_ipv4(const CallArgs& a) { return has_any(a, false); }
Value f_has_any_ipv4_prefix(const CallArgs& a) { return has_any(a, true); }

// ---- IPv6 (and IPv4 as ::ffff:a.b.c.d), with IP-prefix notation (/n: 0..128 for IPv6, 0..32
// for IPv4, which counts as 96 + n).
using Ip6 = std::array<std::uint8_t, 16>;
bool hex_digit(char c, unsigned& v) {
  if (c >= '0' && c <= '9') { v = static_cast<unsigned>(c - '0'); return true; }
  if (c >= 'a' && c <= 'f') { v = static_cast<unsigned>(c - 'a' + 10); return true; }
  if (c >= 'A' && c <= 'F') { v = static_cast<unsigned>(c - 'A' + 10); return true; }
  return false;
}
bool parse_groups(std::string_view s, std::vector<std::uint16_t>& out, bool v4_last) {
  if (s.empty()) return true;
  std::size_t i = 0;
  while (true) {
    std::size_t j = s.find(':', i);
    std::string_view part = s.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
    if (j == std::string_view::npos && v4_last && part.find('.') != std::string_view::npos) {
      std::uint32_t ip;
      int p;
      if (!plain_ipv4(part) || !parse_ipv4(part, ip, p)) return false;
      out.push_back(static_cast<std::uint16_t>(ip >> 16));
      out.push_back(static_cast<std::uint16_t>(ip & 0xffff));
      return true;
    }
    if (part.empty() || part.size() > 4) return false;
    unsigned g = 0;
    for (char c : part) {
      unsigned v;
      if (!hex_digit(c, v)) return false;
      g = g * 16 + v;
    }
    out.push_back(static_cast<std::uint16_t>(g));
    if (j == std::string_view::npos) return true;
    i = j + 1;
  }
}
bool parse_ip6(std::string_view s, Ip6& out, int& prefix) {
  out.fill(0);
  std::string_view addr = s;
  int own = -1;
  if (std::size_t slash = s.find('/'); slash != std::string_view::npos) {
    std::string_view p = s.substr(slash + 1);
    if (p.empty() || p.size() > 3) return false;
    own = 0;
    for (char c : p) { if (c < '0' || c > '9') return false; own = own * 10 + (c - '0'); }
    addr = s.substr(0, slash);
  }
  if (addr.find(':') == std::string_view::npos) {
    std::uint32_t ip;
    int p;
    if (!plain_ipv4(addr) || !parse_ipv4(addr, ip, p) || own > 32) return false;
    out[10] = out[11] = 0xff;
    for (int k = 0; k < 4; ++k) out[static_cast<std::size_t>(12 + k)] = static_cast<std::uint8_t>(ip >> (24 - 8 * k));
    prefix = own < 0 ? 128 : 96 + own;
    return true;
  }
  if (own > 128) return false;
  std::vector<std::uint16_t> head, tail;
  std::size_t d = addr.find("::");
  if (d != std::string_view::npos) {
    if (addr.find("::", d + 1) != std::string_view::npos) return false;
    if (!parse_groups(addr.substr(0, d), head, false) || !parse_groups(addr.substr(d + 2), tail, true)) return false;
    if (head.size() + tail.size() > 7) return false;
  } else {
    if (!parse_groups(addr, head, true) || head.size() != 8) return false;
  }
  std::array<std::uint16_t, 8> g{};
  for (std::size_t k = 0; k < head.size(); ++k) g[k] = head[k];
  for (std::size_t k = 0; k < tail.size(); ++k) g[8 - tail.size() + k] = tail[k];
  for (std::size_t k = 0; k < 8; ++k) { out[2 * k] = static_cast<std::uint8_t>(g[k] >> 8); out[2 * k + 1] = static_cast<std::uint8_t>(g[k]); }
  prefix = own < 0 ? 128 : own;
  return true;
}
void mask6(Ip6& ip, int prefix) {
  for (int k = 0; k < 16; ++k) {
    const int bits = std::clamp(prefix - 8 * k, 0, 8);
    ip[static_cast<std::size_t>(k)] &= static_cast<std::uint8_t>(bits == 0 ? 0 : 0xff << (8 - bits));
  }
}
// ipv6_compare(ip1, ip2 [, prefix]): -1, 0, 1 over the bits both prefixes (and the argument) keep.
Value f_ipv6_compare(const CallArgs& a) {
  Ip6 x, y;
  int p1, p2;
  if (a[0].is_null() || a[1].is_null() || !parse_ip6(S(a[0]), x, p1) || !parse_ip6(S(a[1]), y, p2)) return Value::null_of(Type::Long);
  int p = std::min(p1, p2);
  if (a.size() > 2) {
    bool ok;
    const double d = number_of(a[2], ok);
    if (!ok || a[2].is_null() || d < 0 || d > 128) return Value::null_of(Type::Long);
    p = std::min(p, static_cast<int>(d));
  }
  mask6(x, p);
  mask6(y, p);
  return Value::of_long(x < y ? -1 : (y < x ? 1 : 0));
}
Value f_ipv6_is_match(const CallArgs& a) {
  Value c = f_ipv6_compare(a);
  if (c.is_null()) return Value::null_of(Type::Bool);
  return Value::of_bool(c.i == 0);
}
// parse_ipv6: the canonical form, eight groups of four hex digits, masked by its prefix; "" when
// the text is not an address.
Value f_parse_ipv6(const CallArgs& a) {
  Ip6 x;
  int p;
  if (!parse_ip6(S(a[0]), x, p)) return Value::of_string("");
  mask6(x, p);
  std::string out;
  char buf[8];
  for (std::size_t k = 0; k < 8; ++k) {
    std::snprintf(buf, sizeof buf, "%s%02x%02x", k ? ":" : "", x[2 * k], x[2 * k + 1]);
    out += buf;
  }
  return Value::of_string(std::move(out));
}

// ---- format_ipv4(ip [, prefix]) / format_ipv4_mask: ip is IPv4 text (with /n) or a number
// (big-endian); the prefix argument must be 0..32; "" when conversion fails.
bool ipv4_arg(const CallArgs& a, std::uint32_t& ip, int& prefix) {
  const Value& v = a[0];
  if (v.is_null()) return false;
  if (v.type == Type::Int || v.type == Type::Long || v.type == Type::Real ||
      (v.type == Type::Dynamic && v.dyn().is_number())) {
    bool ok;
    const double d = number_of(v, ok);
    if (!ok || d < 0 || d > 4294967295.0 || d != static_cast<double>(static_cast<std::int64_t>(d))) return false;
    ip = static_cast<std::uint32_t>(static_cast<std::int64_t>(d));
    prefix = 32;
  } else if (!parse_ipv4(S(v), ip, prefix)) {
    return false;
  }
  if (a.size() > 1 && !a[1].is_null()) {
    bool ok;
    const double d = number_of(a[1], ok);
    if (!ok || d < 0 || d > 32) return false;
    prefix = std::min(prefix, static_cast<int>(d));
  }
  ip &= mask_of(prefix);
  return true;
}
std::string dotted(std::uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 255) + "." + std::to_string((ip >> 8) & 255) + "." +
         std::to_string(ip & 255);
}
Value f_format_ipv4(const CallArgs& a) {
  std::uint32_t ip;
  int p;
  if (!ipv4_arg(a, ip, p)) return Value::of_string("");
  return Value::of_string(dotted(ip));
}
Value f_format_ipv4_mask(const CallArgs& a) {
  std::uint32_t ip;
  int p;
  if (!ipv4_arg(a, ip, p)) return Value::of_string("");
  return Value::of_string(dotted(ip) + "/" + std::to_string(p));
}

// An IPv6 text whose only part after a leading "::" is dotted IPv4 ("::192.168.255.255/24") is an
// IPv4 address as IPv6 (parse-ipv6-mask-function's example: ::ffff:c0a8:ffff, its /24 is 96 + 24).
bool parse_ip6_mapped(std::string_view s, Ip6& out, int& prefix) {
  if (s.size() > 2 && s.substr(0, 2) == "::") {
    const std::string_view rest = s.substr(2);
    const std::string_view addr = rest.substr(0, rest.find('/'));
    if (addr.find(':') == std::string_view::npos && addr.find('.') != std::string_view::npos) return parse_ip6(rest, out, prefix);
  }
  return parse_ip6(s, out, prefix);
}
std::string canonical6(const Ip6& x) {
  std::string out;
  char buf[8];
  for (std::size_t k = 0; k < 8; ++k) {
    std::snprintf(buf, sizeof buf, "%s%02x%02x", k ? ":" : "", x[2 * k], x[2 * k + 1]);
    out += buf;
  }
  return out;
}
// parse_ipv6_mask(ip, prefix) (parse-ipv6-mask-function): the canonical IPv6 text masked by the
// smaller of the text's own prefix and `prefix` (0..128); "" when conversion fails.
Value f_parse_ipv6_mask(const CallArgs& a) {
  Ip6 x;
  int p;
  bool ok;
  const double d = number_of(a[1], ok);
  if (a[0].is_null() || !ok || a[1].is_null() || d < 0 || d > 128 || !parse_ip6_mapped(S(a[0]), x, p)) return Value::of_string("");
  mask6(x, std::min(p, static_cast<int>(d)));
  return Value::of_string(canonical6(x));
}
// parse_ipv4_mask(ip, prefix) (parse-ipv4-mask-function): the address as a long, masked by the
// smaller of its own prefix and `prefix` (0..32); null when conversion fails.
Value f_parse_ipv4_mask(const CallArgs& a) {
  std::uint32_t ip;
  int p;
  bool ok;
  const double d = number_of(a[1], ok);
  if (a[0].is_null() || !ok || a[1].is_null() || d < 0 || d > 32 || !parse_ipv4(S(a[0]), ip, p)) return Value::null_of(Type::Long);
  return Value::of_long(static_cast<std::int64_t>(ip & mask_of(std::min(p, static_cast<int>(d)))));
}
// ipv4_netmask_suffix(ip) (ipv4-netmask-suffix-function): the /n of the text, 32 without one;
// null when the text is not an IPv4 address.
Value f_ipv4_netmask_suffix(const CallArgs& a) {
  std::uint32_t ip;
  int p;
  if (a[0].is_null() || !parse_ipv4(S(a[0]), ip, p)) return Value::null_of(Type::Long);
  return Value::of_long(p);
}
// ipv4_range_to_cidr_list(start, end) (ipv4-range-to-cidr-list-function): the fewest CIDR blocks
// covering start..end, in order: each the largest aligned block that starts at the next address
// and does not pass the end. Null when an address does not parse or start > end.
Value f_ipv4_range_to_cidr_list(const CallArgs& a) {
  std::uint32_t lo, hi;
  int p1, p2;
  if (a[0].is_null() || a[1].is_null() || !parse_ipv4(S(a[0]), lo, p1) || !parse_ipv4(S(a[1]), hi, p2) || lo > hi)
    return Value::null_of(Type::Dynamic);
  std::string outb;
  DynWriter w(outb);
  w.begin_array();
  std::uint64_t cur = lo;
  const std::uint64_t end = hi;
  while (cur <= end) {
    int bits = 0;  // host bits of the block
    while (bits < 32 && (cur & ((std::uint64_t{1} << (bits + 1)) - 1)) == 0 && cur + (std::uint64_t{1} << (bits + 1)) - 1 <= end) ++bits;
    w.string(dotted(static_cast<std::uint32_t>(cur)) + "/" + std::to_string(32 - bits));
    cur += std::uint64_t{1} << bits;
  }
  w.end();
  return Value::of_dynamic(std::move(outb));
}
// ipv6_is_in_range(ip, range) (ipv6-is-in-range-function): whether ip, masked by the range's
// prefix, equals the range's network; null when either text does not parse.
std::optional<bool> in_range6(const std::string& ip, const std::string& range) {
  Ip6 x, r;
  int px, pr;
  if (!parse_ip6_mapped(ip, x, px) || !parse_ip6_mapped(range, r, pr)) return std::nullopt;
  const int p = std::min(px, pr);
  mask6(x, p);
  mask6(r, p);
  return x == r;
}
Value f_ipv6_is_in_range(const CallArgs& a) {
  if (a[0].is_null() || a[1].is_null()) return Value::null_of(Type::Bool);
  auto r = in_range6(S(a[0]), S(a[1]));
  return r ? Value::of_bool(*r) : Value::null_of(Type::Bool);
}
// ipv6_is_in_any_range(ip, range, ...) or (ip, dynamic array of ranges): true when ip is in one of
// them; null when ip does not parse.
Value f_ipv6_is_in_any_range(const CallArgs& a) {
  Ip6 x;
  int px;
  if (a[0].is_null() || !parse_ip6_mapped(S(a[0]), x, px)) return Value::null_of(Type::Bool);
  const std::string ip = S(a[0]);
  bool any = false;
  for (std::size_t k = 1; k < a.size() && !any; ++k) {
    if (a[k].type == Type::Dynamic && !a[k].is_null() && a[k].dyn().is_array()) {
      a[k].dyn().for_each_element([&](DynRef e) {
        if (any) return;
        auto r = in_range6(ip, to_kusto_string(Value::of_dynamic(e)));
        if (r && *r) any = true;
      });
    } else if (!a[k].is_null()) {
      auto r = in_range6(ip, S(a[k]));
      if (r && *r) any = true;
    }
  }
  return Value::of_bool(any);
}

}  // namespace

// ---- IPv4 (learn.microsoft.com/kusto/query/ipv4-*-function)
// Parses "a.b.c.d" or "a.b.c.d/n"; prefix defaults to 32.
bool parse_ipv4(std::string_view s, std::uint32_t& ip, int& prefix) {
  prefix = 32;
  std::size_t slash = s.find('/');
  if (slash != std::string_view::npos) {
    std::string_view p = s.substr(slash + 1);
    if (p.empty() || p.size() > 2) return false;
    prefix = 0;
    for (char c : p) { if (c < '0' || c > '9') return false; prefix = prefix * 10 + (c - '0'); }
    if (prefix > 32) return false;
    s = s.substr(0, slash);
  }
  std::uint32_t parts[4];
  int n = 0;
  std::size_t i = 0;
  while (n < 4) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    std::uint32_t v = 0;
    std::size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') { v = v * 10 + static_cast<std::uint32_t>(s[i] - '0'); ++i; if (++digits > 3) return false; }
    if (v > 255) return false;
    parts[n++] = v;
    if (n < 4) { if (i >= s.size() || s[i] != '.') return false; ++i; }
  }
  if (i != s.size()) return false;
  ip = parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3];
  return true;
}
std::uint32_t mask_of(int prefix) { return prefix == 0 ? 0 : ~0u << (32 - prefix); }

namespace {

Value f_ipv4_is_private(const CallArgs& a) {
  std::uint32_t ip; int p;
  if (!parse_ipv4(to_kusto_string(a[0]), ip, p)) return Value::null_of(Type::Bool);
  auto in = [&](std::uint32_t net, int bits) { return (ip & mask_of(bits)) == net; };
  return Value::of_bool(in(0x0A000000u, 8) || in(0xAC100000u, 12) || in(0xC0A80000u, 16));
}
Value f_ipv4_is_in_range(const CallArgs& a) {
  std::uint32_t ip, net; int p1, p2;
  if (!parse_ipv4(to_kusto_string(a[0]), ip, p1) || !parse_ipv4(to_kusto_string(a[1]), net, p2)) return Value::null_of(Type::Bool);
  const std::uint32_t m = mask_of(p2);
  return Value::of_bool((ip & m) == (net & m));
}
Value f_ipv4_is_in_any_range(const CallArgs& a) {
  std::uint32_t ip; int p1;
  if (!parse_ipv4(to_kusto_string(a[0]), ip, p1)) return Value::null_of(Type::Bool);
  bool found = false;
  auto check = [&](const std::string& r) {
    std::uint32_t net; int p2;
    if (parse_ipv4(r, net, p2) && (ip & mask_of(p2)) == (net & mask_of(p2))) found = true;
  };
  for (std::size_t k = 1; k < a.size(); ++k) {
    if (a[k].type == Type::Dynamic && a[k].dyn().is_array())
      a[k].dyn().for_each_element([&](DynRef e) { if (e.is_string()) check(std::string(e.as_string())); });
    else check(to_kusto_string(a[k]));
  }
  return Value::of_bool(found);
}
// ipv4_compare(ip1, ip2 [, prefix]): -1, 0, 1.
Value f_ipv4_compare(const CallArgs& a) {
  std::uint32_t x, y; int p1, p2;
  if (!parse_ipv4(to_kusto_string(a[0]), x, p1) || !parse_ipv4(to_kusto_string(a[1]), y, p2)) return Value::null_of(Type::Long);
  int p = std::min(p1, p2);
  if (a.size() > 2 && !a[2].is_null()) { bool ok; p = std::min(p, static_cast<int>(number_of(a[2], ok))); }
  const std::uint32_t m = mask_of(p);
  x &= m; y &= m;
  return Value::of_long(x < y ? -1 : (x > y ? 1 : 0));
}
Value f_ipv4_is_match(const CallArgs& a) {
  Value c = f_ipv4_compare(a);
  if (c.is_null()) return Value::null_of(Type::Bool);
  return Value::of_bool(c.i == 0);
}
Value f_parse_ipv4(const CallArgs& a) {
  std::uint32_t ip; int p;
  if (!parse_ipv4(to_kusto_string(a[0]), ip, p)) return Value::null_of(Type::Long);
  return Value::of_long(ip & mask_of(p));
}


}  // namespace

void add_ip_functions(std::vector<ScalarFunction>& out) {
  std::string_view cat;  // the reference category of the entries below (empty: the family's)
  auto add = [&](const char* n, int mn, int mx, TypeRule t, ScalarImpl f) { out.push_back(ScalarFunction{n, mn, mx, t, f, nullptr, true}); out.back().category = cat; };
  cat = "IPv4 text match functions";
  add("has_ipv4", 2, 2, ret_bool, f_has_ipv4);
  add("has_ipv4_prefix", 2, 2, ret_bool, f_has_ipv4_prefix);
  add("has_any_ipv4", 2, 64, ret_bool, f_has_any_ipv4);
  add("has_any_ipv4_prefix", 2, 64, ret_bool, f_has_any_ipv4_prefix);
  cat = {};
  add("ipv6_compare", 2, 3, ret_long, f_ipv6_compare);
  add("ipv6_is_match", 2, 3, ret_bool, f_ipv6_is_match);
  cat = "String functions";
  add("parse_ipv6", 1, 1, ret_string, f_parse_ipv6);
  cat = {};
  add("format_ipv4", 1, 2, ret_string, f_format_ipv4);
  add("format_ipv4_mask", 1, 2, ret_string, f_format_ipv4_mask);
  cat = "String functions";
  add("parse_ipv4_mask", 2, 2, ret_long, f_parse_ipv4_mask);
  add("parse_ipv6_mask", 2, 2, ret_string, f_parse_ipv6_mask);
  cat = {};
  add("ipv4_netmask_suffix", 1, 1, ret_long, f_ipv4_netmask_suffix);
  add("ipv4_range_to_cidr_list", 2, 2, ret_dynamic, f_ipv4_range_to_cidr_list);
  add("ipv6_is_in_range", 2, 2, ret_bool, f_ipv6_is_in_range);
  add("ipv6_is_in_any_range", 2, -1, ret_bool, f_ipv6_is_in_any_range);
  cat = {};
  add("ipv4_is_private", 1, 1, ret_bool, f_ipv4_is_private);
  add("ipv4_is_in_range", 2, 2, ret_bool, f_ipv4_is_in_range);
  add("ipv4_is_in_any_range", 2, 64, ret_bool, f_ipv4_is_in_any_range);
  add("ipv4_is_match", 2, 3, ret_bool, f_ipv4_is_match);
  add("ipv4_compare", 2, 3, ret_long, f_ipv4_compare);
  cat = "String functions";
  add("parse_ipv4", 1, 1, ret_long, f_parse_ipv4);
}

// For the ipv6_lookup plugin (plugins.hpp): the 16 bytes of an IPv6 (or IPv4-mapped) address and its prefix.
bool parse_ipv6_address(std::string_view s, std::array<std::uint8_t, 16>& out, int& prefix) { return parse_ip6(s, out, prefix); }

}  // namespace rulelab::engine
