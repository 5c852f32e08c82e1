// IP addresses as Elasticsearch's ip field type reads and returns them: shared by kuery, EQL and ES|QL.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rulelab::elastic {

// 16 bytes: IPv6, an IPv4 address as its IPv4-mapped form (::ffff:a.b.c.d), as the ip field
// stores it (InetAddressPoint).
using IpBytes = std::array<std::uint8_t, 16>;

// An address as Elasticsearch's InetAddresses reads it: IPv4 as a dotted quad (parts 0-255, no
// leading zero: "010.0.0.1" is none), IPv6 as hex groups with at most one "::" and optionally a
// dotted quad after the last colon; a scope id ("%eth0", either family) is dropped; non-ASCII
// text is none. nullopt when the text is none: a document value that is none is malformed (not
// indexed), a query term that is none is refused ("'x' is not an IP string literal.").
std::optional<IpBytes> parse_ip(std::string_view s);

// The address as Elasticsearch returns an ip field's value (NetworkAddress.format): an IPv4 or
// IPv4-mapped address as a dotted quad; any other as lowercase hex groups without leading zeros,
// the first longest run of two or more zero groups written "::" (RFC 5952).
std::string format_ip(const IpBytes& b);

// A CIDR block as Elasticsearch's InetAddresses.parseCidr reads one: "address/prefix" with the
// address as parse_ip reads it, the prefix 0-32 for an IPv4 address and 0-128 for an IPv6 one; an
// IPv4-mapped address written with colons ("::ffff:10.0.0.0/104") is refused, as is a text
// without exactly one '/'. `error` gets Elasticsearch's exception (class and message) for a text
// that is none.
struct Cidr {
  IpBytes base{};
  int prefix = 128;  // leading bits of the 16-byte form (an IPv4 prefix plus 96)
  bool contains(const IpBytes& ip) const;
};
std::optional<Cidr> parse_cidr(std::string_view s, std::string* error = nullptr);

}  // namespace rulelab::elastic
