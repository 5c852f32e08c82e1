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

}  // namespace rulelab::elastic
