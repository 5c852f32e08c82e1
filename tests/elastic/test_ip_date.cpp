// The Elastic field model's value readers: addresses as Elasticsearch's InetAddresses reads them
// and dates as a date field's default format (strict_date_optional_time||epoch_millis) reads them.
// Expected values: the ip field type page ("ip" mapping, NetworkAddress formatting), the date
// field type and built-in date formats pages of the Elasticsearch reference.
#include <doctest/doctest.h>

#include "elastic/date.hpp"
#include "elastic/ip.hpp"

using namespace rulelab::elastic;

namespace {
std::string ip(std::string_view s) {
  auto b = parse_ip(s);
  return b ? format_ip(*b) : "none";
}
std::string iso(std::string_view s) {
  auto d = parse_date(s);
  if (!d) return "none";
  auto ms = to_epoch_millis(d->at);
  return ms ? std::to_string(*ms) + "+" + std::to_string(d->at.nanos % 1'000'000) : "out of range";
}
}  // namespace

TEST_CASE("ip: the forms InetAddresses reads, shown as NetworkAddress.format shows them") {
  CHECK(ip("10.0.0.5") == "10.0.0.5");
  CHECK(ip("::ffff:10.0.0.5") == "10.0.0.5");   // IPv4-mapped is the IPv4 address
  CHECK(ip("0:0:0:0:0:0:0:1") == "::1");
  CHECK(ip("::") == "::");
  CHECK(ip("1::") == "1::");
  CHECK(ip("2001:DB8:0:0:1:0:0:1") == "2001:db8::1:0:0:1");  // the first longest zero run
  CHECK(ip("::1.2.3.4") == "::102:304");         // IPv4-compatible stays IPv6
  CHECK(ip("1:2:3:4:5:6:1.2.3.4") == "1:2:3:4:5:6:102:304");
  CHECK(ip("fe80::1%eth0") == "fe80::1");        // a scope id is dropped
  CHECK(ip("10.0.0.5%eth0") == "10.0.0.5");
}

TEST_CASE("ip: texts that are no address") {
  for (const char* s : {"010.0.0.1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "10.0.0.5%", ":::", "1::2::3",
                        "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:1.2.3.4", ":1::", "1::2:", "12345::", "1.2.3.4:5::", "localhost", "",
                        "1:2:3:4:5:6:7:8::"})
    CHECK_MESSAGE(ip(s) == "none", s);
}

TEST_CASE("date: strict_date_optional_time, then epoch_millis") {
  CHECK(iso("1970-01-01T00:00:01Z") == "1000+0");
  CHECK(iso("1970-01-01T01:00:01+01:00") == "1000+0");
  CHECK(iso("1970-01-01T01:00:01+0100") == "1000+0");
  CHECK(iso("1970-01-01T01:00:01+01") == "1000+0");
  CHECK(iso("1970-01-01T00:00:01.5Z") == "1500+0");
  CHECK(iso("1970-01-01T00:00:01,5") == "1500+0");
  CHECK(iso("1970-01-01T00:00:01.123456789Z") == "1123+456789");
  CHECK(iso("1970-01-02") == "86400000+0");
  CHECK(iso("1970-02") == "2678400000+0");
  CHECK(iso("1970") == "0+0");                      // four digits: a year
  CHECK(iso("1000") == "-30610224000000+0");        // the year 1000, not 1000 ms
  CHECK(iso("1970-01-01T00:00:01UTC") == "1000+0");
  CHECK(iso("1970-01-01T01:00:01GMT+01:00") == "1000+0");
  CHECK(iso("86400000") == "86400000+0");           // epoch_millis
  CHECK(iso("1.5") == "1+500000");
  CHECK(iso("-1") == "-1+0");
  CHECK(iso("2024-02-29") != "none");               // a leap day
  // a signed year of more than four digits, alone too (java.time's fallback; Elasticsearch issue
  // 51080: "-10000" is the year -10000, not -10 seconds)
  CHECK(iso("-10000") == "-377736739200000+0");
  CHECK(iso("+12345-01-01") == "327403382400000+0");
  CHECK(iso("-5") == "-5+0");                         // too short for a year: epoch_millis
  CHECK(iso("-1234567890") == "-1234567890+0");       // beyond Year's range: epoch_millis
  CHECK(iso("-1.5") == "-2+500000");                  // -1.5 ms: 0.5 ms into the millisecond before
  for (const char* s : {"2023-02-29", "2024-13-01", "2024-00-10", "2024-01-01 10:00:00", "12/01/2024", "2024-1-1",
                        "Sun, 01 Dec 2024 10:00:00 GMT", "2024-01-01T25:00", "2024-01-01T10:00:00.1234567891Z",
                        "2024-01-01T10:00:00z", "2024-01-01T10:00:00+19:00", "1.1234567", "99999999999999999999",
                        "2024-01-01T10:00:00Europe/Paris", "", "1.12345678901234567890123", "2024-01-01T10:00:00+05:75",
                        "2024-01-01T10:00:00UTC+05:75", "+1000"})
    CHECK_MESSAGE(iso(s) == "none", s);
}

TEST_CASE("date: a JSON number is read from its text") {
  auto year = date_from_json_integer(2024);
  REQUIRE(year);
  CHECK(to_epoch_millis(*year) == 1704067200000);   // 2024-01-01T00:00:00Z
  auto ms = date_from_json_integer(1704067200000);
  REQUIRE(ms);
  CHECK(to_epoch_millis(*ms) == 1704067200000);
  auto real = date_from_json_real(1.5);
  REQUIRE(real);
  CHECK(real->seconds == 0);
  CHECK(real->nanos == 1'500'000);
  CHECK_FALSE(date_from_json_real(1e300));
}

TEST_CASE("date: date_nanos reads strict_date_optional_time_nanos||epoch_millis, 1970 to 2262") {
  const auto nanos = [](std::string_view s) { return parse_date(s, DateFormat::DateNanos).has_value(); };
  CHECK(nanos("2024-01-01"));
  CHECK(nanos("2024-01-01T10:00:00.123456789Z"));
  CHECK(nanos("1733047200000"));
  CHECK_FALSE(nanos("2024-01-01T10:00"));   // a time needs seconds
  CHECK_FALSE(nanos("2024-01-01T10Z"));
  CHECK_FALSE(nanos("2024-01-01T"));
  CHECK_FALSE(nanos("1969-12-31T23:59:59Z"));  // before the epoch: not a long of nanoseconds
  CHECK_FALSE(nanos("2263-01-01"));
}

TEST_CASE("date: a mapping's format (built-in names, java.time patterns, || alternatives)") {
  const auto ms = [](const DateFormats& f, std::string_view s) -> std::string {
    auto t = f.read(s);
    if (!t) return "none";
    auto m = to_epoch_millis(*t);
    return m ? std::to_string(*m) : "out of range";
  };
  const DateFormats a("yyyy-MM-dd HH:mm:ss||epoch_second");
  CHECK(ms(a, "1970-01-02 00:00:01") == "86401000");
  CHECK(ms(a, "86401") == "86401000");
  CHECK(ms(a, "1970-01-02T00:00:01Z") == "none");  // not this format
  CHECK(a.unreadable().empty());
  const DateFormats b("dd/MMM/yyyy:HH:mm:ss Z");   // an access-log form
  CHECK(ms(b, "02/Jan/1970:01:00:00 +0100") == "86400000");
  CHECK(ms(b, "02/January/1970:00:00:00 +0000") == "86400000");
  CHECK(ms(b, "02/jan/1970:00:00:00 +0000") == "none");  // case as written
  const DateFormats c("yyyyMMddHHmmss");           // adjacent numbers: fixed widths after the year
  CHECK(ms(c, "19700102000001") == "86401000");
  const DateFormats d("MM/dd/yyyy hh:mm:ss a");
  CHECK(ms(d, "01/02/1970 12:00:00 AM") == "86400000");
  CHECK(ms(d, "01/02/1970 01:00:00 PM") == "133200000");
  CHECK(ms(d, "01/02/1970 13:00:00 PM") == "none");
  const DateFormats e("strict_date_time||basic_date");
  CHECK(ms(e, "1970-01-02T00:00:00.5Z") == "86400500");
  CHECK(ms(e, "19700102") == "86400000");
  CHECK(ms(e, "1970-01-02") == "none");
  const DateFormats f("yyyy-MM-dd[ HH:mm]||epoch_millis");  // optional sections: not read
  REQUIRE(f.unreadable().size() == 1);
  CHECK(f.unreadable()[0] == "yyyy-MM-dd[ HH:mm]");
  CHECK(ms(f, "5") == "5");
}

TEST_CASE("CIDR blocks as InetAddresses.parseCidr reads them") {
  const auto in = [](std::string_view block, std::string_view addr) {
    auto c = parse_cidr(block);
    auto a = parse_ip(addr);
    return c && a && c->contains(*a);
  };
  CHECK(in("10.0.0.0/8", "10.1.2.3"));
  CHECK_FALSE(in("10.0.0.0/8", "11.0.0.1"));
  CHECK(in("10.0.0.0/8", "::ffff:10.9.9.9"));  // IPv4 as its mapped form
  CHECK(in("2001:db8::/32", "2001:db8:1::1"));
  CHECK(in("0.0.0.0/0", "192.168.1.1"));
  CHECK(in("10.0.0.0/+8", "10.1.2.3"));        // Integer.parseInt takes a '+'
  std::string error;
  CHECK_FALSE(parse_cidr("10.0.0.0/33", &error));
  CHECK(error.find("Illegal prefix length [33]") != std::string::npos);
  CHECK_FALSE(parse_cidr("2001:db8::/129"));
  CHECK_FALSE(parse_cidr("10.0.0.0", &error));
  CHECK(error.find("Expected [ip/prefix]") != std::string::npos);
  CHECK_FALSE(parse_cidr("10.0.0.0/8/8"));
  CHECK_FALSE(parse_cidr("::ffff:10.0.0.0/104", &error));
  CHECK(error.find("IPv6-mapped IPv4") != std::string::npos);
  CHECK_FALSE(parse_cidr("10.0.0.0/x", &error));
  CHECK(error.find("NumberFormatException") != std::string::npos);
}
