// Scalar functions and operators against the examples of the Kusto reference
// (learn.microsoft.com/kusto/query/<name>-function; the page is named in each test case).
#include <doctest/doctest.h>

#include "core/datetime.hpp"
#include "engine/functions.hpp"

using namespace rulelab;
using namespace rulelab::engine;

namespace {

const FunctionRegistry& reg() {
  static const FunctionRegistry r;  // test-local, read-only
  return r;
}

Value call(const std::string& name, std::vector<Value> args, std::int64_t now = 0) {
  const ScalarFunction* fn = reg().find(name);
  REQUIRE_MESSAGE(fn != nullptr, name);
  std::vector<const Value*> consts;
  for (auto& a : args) consts.push_back(&a);
  std::string err;
  std::shared_ptr<FnState> st = fn->prepare ? fn->prepare(consts, err) : nullptr;
  REQUIRE_MESSAGE(err.empty(), err);
  EvalContext ctx;
  ctx.now_ticks = now;
  CallArgs ca{args.data(), args.size(), st.get(), &ctx};
  return fn->impl(ca);
}

Value S(const char* s) { return Value::of_string(s); }
Value L(std::int64_t v) { return Value::of_long(v); }
Value R(double v) { return Value::of_real(v); }
Value D(const char* iso) { return Value::of_datetime(parse_datetime(iso)->ticks); }
Value T(const char* ts) { return Value::of_timespan(parse_timespan(ts)->ticks); }
Value J(const char* json) {
  std::string b;
  JsonParser p;
  REQUIRE_FALSE(p.parse(json, b).has_value());
  return Value::of_dynamic(b);
}
std::string str(const Value& v) { return to_kusto_string(v); }
bool B(const Value& v) { REQUIRE(v.type == Type::Bool); REQUIRE_FALSE(v.is_null()); return v.i != 0; }

}  // namespace

TEST_CASE("string operators: datatypes-string-operators page examples") {
  CHECK(B(call("==", {S("aBc"), S("aBc")})));
  CHECK(B(call("!=", {S("abc"), S("ABC")})));
  CHECK(B(call("=~", {S("abc"), S("ABC")})));
  CHECK(B(call("!~", {S("aBc"), S("xyz")})));
  CHECK(B(call("contains", {S("FabriKam"), S("BRik")})));
  CHECK(B(call("!contains", {S("Fabrikam"), S("xyz")})));
  CHECK(B(call("contains_cs", {S("FabriKam"), S("Kam")})));
  CHECK(B(call("!contains_cs", {S("Fabrikam"), S("Kam")})));
  CHECK(B(call("endswith", {S("Fabrikam"), S("Kam")})));
  CHECK(B(call("!endswith", {S("Fabrikam"), S("brik")})));
  CHECK(B(call("endswith_cs", {S("Fabrikam"), S("kam")})));
  CHECK(B(call("has", {S("North America"), S("america")})));
  CHECK(B(call("!has", {S("North America"), S("amer")})));
  CHECK(B(call("has_cs", {S("North America"), S("America")})));
  CHECK(B(call("!has_cs", {S("North America"), S("amer")})));
  CHECK(B(call("hasprefix", {S("North America"), S("ame")})));
  CHECK(B(call("!hasprefix", {S("North America"), S("mer")})));
  CHECK(B(call("hassuffix", {S("North America"), S("ica")})));
  CHECK(B(call("!hassuffix", {S("North America"), S("americ")})));
  CHECK(B(call("startswith", {S("Fabrikam"), S("fab")})));
  CHECK(B(call("!startswith", {S("Fabrikam"), S("kam")})));
  CHECK(B(call("startswith_cs", {S("Fabrikam"), S("Fab")})));
  CHECK(B(call("in", {S("abc"), S("123"), S("345"), S("abc")})));
  CHECK(B(call("!in", {S("bca"), S("123"), S("345"), S("abc")})));
  CHECK(B(call("in~", {S("Abc"), S("123"), S("345"), S("abc")})));
  CHECK(B(call("has_any", {S("North America"), S("america"), S("europe")})));
  CHECK(B(call("matches regex", {S("Fabrikam"), S("b.*k")})));
}

TEST_CASE("has matches whole terms (terms = maximal alphanumeric runs)") {
  // datatypes-string-operators: the terms of "Kusto: ad67d136-c1db-4f9f-88ef-d94f3b6b0b5a;KustoExplorerQueryRun"
  const char* text = "Kusto: ad67d136-c1db-4f9f-88ef-d94f3b6b0b5a;KustoExplorerQueryRun";
  CHECK(has_term(text, "KustoExplorerQueryRun", false));
  CHECK(has_term(text, "c1db", false));
  CHECK(has_term(text, "kusto", false));
  CHECK_FALSE(has_term(text, "Explorer", false));  // inside a term
  CHECK_FALSE(has_term(text, "c1d", false));
  // a needle with punctuation must sit on term boundaries at its alphanumeric ends
  CHECK(has_term(text, "c1db-4f9f", false));
  CHECK_FALSE(has_term(text, "1db-4f9f", false));
  CHECK(has_prefix_term(text, "Explo", false) == false);
  CHECK(has_prefix_term(text, "KustoExp", false));
  CHECK(has_suffix_term(text, "QueryRun", false));
  CHECK_FALSE(has_term("user@contoso.com", "contoso.co", false));
  CHECK(has_term("user@contoso.com", "contoso.com", false));
  CHECK(has_term("user@contoso.com", "@contoso", false));
}

TEST_CASE("null rules of == and != (scalar-data-types/null-values)") {
  Value n = Value::null_of(Type::Int);
  CHECK(call("==", {n, n}).is_null());
  CHECK(call("!=", {n, n}).is_null());
  CHECK_FALSE(B(call("==", {n, Value::of_int(5)})));
  CHECK(B(call("!=", {n, Value::of_int(5)})));
  CHECK(call(">", {n, Value::of_int(3)}).is_null());
}

TEST_CASE("numeric promotion and arithmetic") {
  Value v = call("+", {Value::of_int(1), L(2)});
  CHECK(v.type == Type::Long);
  CHECK(v.i == 3);
  Value r = call("/", {L(7), L(2)});
  CHECK(r.type == Type::Long);
  CHECK(r.i == 3);  // integer division
  CHECK(call("/", {R(7), L(2)}).r == doctest::Approx(3.5));
  // datetime - datetime = timespan; datetime + timespan = datetime
  Value d = call("-", {D("2017-10-30T23:00:10Z"), D("2017-10-30T23:00:00Z")});
  CHECK(d.type == Type::TimeSpan);
  CHECK(str(d) == "00:00:10");
  CHECK(str(call("+", {D("2017-01-01T00:00:00Z"), T("1.00:00:00")})) == "2017-01-02T00:00:00Z");
}

TEST_CASE("extract (extract-function)") {
  CHECK(str(call("extract", {S("x=([0-9.]+)"), L(1), S("hello x=45.6|wo")})) == "45.6");
  CHECK(str(call("extract", {S("x=([0-9.]+)"), L(1), S("hello")})) == "");
  // the v1.1.0 rule's delete-side key: group 2 of ([a-f0-9]{32})?(.*)
  CHECK(str(call("extract", {S("([a-f0-9]{32})?(.*)"), L(2), S("5c7b8a1a1ff44b8f9f00c0d4b2a1e9f0alice@contoso.com")})) == "alice@contoso.com");
  CHECK(str(call("extract", {S("([a-f0-9]{32})?(.*)"), L(2), S("alice@contoso.com")})) == "alice@contoso.com");
}

TEST_CASE("extract_all, split, substring, indexof, strlen, countof") {
  CHECK(str(call("extract_all", {S("(\\d+)"), S("a1 b22 c333")})) == "[\"1\",\"22\",\"333\"]");
  // split-function
  CHECK(str(call("split", {S("aa_bb"), S("_")})) == "[\"aa\",\"bb\"]");
  CHECK(str(call("split", {S("aaa_bbb_ccc"), S("_"), L(1)})) == "[\"bbb\"]");
  CHECK(str(call("split", {S(""), S("_")})) == "[\"\"]");
  CHECK(str(call("split", {S("a__b"), S("_")})) == "[\"a\",\"\",\"b\"]");
  CHECK(str(call("split", {S("aabbcc"), S("bb")})) == "[\"aa\",\"cc\"]");
  CHECK(str(call("split", {S("nosep"), S("@"), L(1)})) == "[]");
  // substring-function
  CHECK(str(call("substring", {S("123456"), L(1), L(1)})) == "2");
  CHECK(str(call("substring", {S("123456"), L(2), L(2)})) == "34");
  CHECK(str(call("substring", {S("ABCD"), L(0), L(2)})) == "AB");
  CHECK(str(call("substring", {S("123456"), L(-2), L(2)})) == "56");
  // indexof-function
  CHECK(call("indexof", {S("abcdefg"), S("cde")}).i == 2);
  CHECK(call("indexof", {S("abcdefg"), S("cde"), L(1), L(4)}).i == 2);
  CHECK(call("indexof", {S("abcdefg"), S("cde"), L(1), L(2)}).i == -1);
  CHECK(call("indexof", {S("abcdefg"), S("cde"), L(3), L(4)}).i == -1);
  CHECK(call("indexof", {S("abcdefg"), S("cde"), L(-5)}).i == 2);
  CHECK(call("indexof", {L(1234567), L(5), L(1), L(4)}).i == 4);
  CHECK(call("indexof", {S("abcdefgabcdefg"), S("cde"), L(1), L(10), L(2)}).i == 9);
  CHECK(call("indexof", {S("abcdefg"), S("cde"), L(2), L(-1)}).i == 2);
  CHECK(call("indexof", {S("abcdefgabcdefg"), S("cde"), L(1), L(-1), L(3)}).i == -1);
  CHECK(call("strlen", {S("hello")}).i == 5);
  // countof-function
  CHECK(call("countof", {S("aaa"), S("a")}).i == 3);
  CHECK(call("countof", {S("aaaa"), S("aa")}).i == 3);
  CHECK(call("countof", {S("ababa"), S("ab"), S("normal")}).i == 2);
  CHECK(call("countof", {S("ababa"), S("aba")}).i == 2);
  CHECK(call("countof", {S("ababa"), S("aba"), S("regex")}).i == 1);
  CHECK(call("countof", {S("abcabc"), S("a.c"), S("regex")}).i == 2);
}

TEST_CASE("trim family (trim-function, trim-start-function, trim-end-function)") {
  CHECK(str(call("trim", {S("--"), S("--https://bing.com--")})) == "https://bing.com");
  CHECK(str(call("trim_start", {S("[^\\w]+"), S("-  Te st1//$")})) == "Te st1//$");
  CHECK(str(call("trim_end", {S("[^\\w]+"), S("-  Te st1//$")})) == "-  Te st1");
  // the v1.1.0 rule's add-side key: trim(@'"', ...)
  CHECK(str(call("trim", {S("\""), S("\"alice@contoso.com\"")})) == "alice@contoso.com");
  // A pattern without metacharacters is removed as a string; the answers are the regex's: the
  // same pattern spelled with a metacharacter ("a{2}" for "aa", "[\"]" for "\"") goes through RE2.
  for (const char* s : {"aaaxaaa", "aaaa", "aaa", "a", "", "xaay", "aaxaa"}) {
    for (const char* f : {"trim", "trim_start", "trim_end"}) {
      CAPTURE(s);
      CAPTURE(f);
      CHECK(str(call(f, {S("aa"), S(s)})) == str(call(f, {S("a{2}"), S(s)})));
    }
  }
  CHECK(str(call("trim", {S("aa"), S("aaaxaaa")})) == "axa");
  CHECK(str(call("trim", {S("\""), S("\"\"a\"b\"\"")})) == str(call("trim", {S("[\"]"), S("\"\"a\"b\"\"")})));
  CHECK(str(call("trim", {S("\""), S("\"\"a\"b\"\"")})) == "a\"b");
}

TEST_CASE("replace_regex, replace_string, url_decode, base64, hash_sha256") {
  CHECK(str(call("replace_regex", {S("A magic trick can turn a cat into a dog"), S("cat"), S("hamster")})) ==
        "A magic trick can turn a hamster into a dog");
  CHECK(str(call("replace_regex", {S("abc"), S("(b)"), S("[\\1]")})) == "a[b]c");
  CHECK(str(call("replace_string", {S("A magic trick can turn a cat into a dog"), S("cat"), S("hamster")})) ==
        "A magic trick can turn a hamster into a dog");
  CHECK(str(call("url_decode", {S("https%3a%2f%2fwww.bing.com%2f")})) == "https://www.bing.com/");
  CHECK(str(call("base64_encode_tostring", {S("Kusto")})) == "S3VzdG8=");
  CHECK(str(call("base64_decode_tostring", {S("S3VzdG8=")})) == "Kusto");
  CHECK(str(call("hash_sha256", {S("World")})) == "78ae647dc5544d227130a0682a51e30bc7777fbb6d8a8f17007463a3ecd1d524");
  CHECK(str(call("hash_sha256", {S("")})) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("datetime functions (datetime-diff-function, startofday, endofday, dayofweek, bin, format_*)") {
  CHECK(call("datetime_diff", {S("year"), D("2017-01-01"), D("2000-12-31")}).i == 17);
  CHECK(call("datetime_diff", {S("quarter"), D("2017-07-01"), D("2017-03-30")}).i == 2);
  CHECK(call("datetime_diff", {S("month"), D("2017-01-01"), D("2015-12-30")}).i == 13);
  CHECK(call("datetime_diff", {S("week"), D("2017-10-29 00:00"), D("2017-09-30 23:59")}).i == 5);
  CHECK(call("datetime_diff", {S("day"), D("2017-10-29 00:00"), D("2017-09-30 23:59")}).i == 29);
  CHECK(call("datetime_diff", {S("hour"), D("2017-10-31 01:00"), D("2017-10-30 23:59")}).i == 2);
  CHECK(call("datetime_diff", {S("minute"), D("2017-10-30 23:05:01"), D("2017-10-30 23:00:59")}).i == 5);
  CHECK(call("datetime_diff", {S("second"), D("2017-10-30 23:00:10.100"), D("2017-10-30 23:00:00.900")}).i == 10);
  CHECK(call("datetime_diff", {S("millisecond"), D("2017-10-30 23:00:00.200100"), D("2017-10-30 23:00:00.100900")}).i == 100);
  CHECK(call("datetime_diff", {S("microsecond"), D("2017-10-30 23:00:00.1009001"), D("2017-10-30 23:00:00.1008009")}).i == 100);
  CHECK(call("datetime_diff", {S("nanosecond"), D("2017-10-30 23:00:00.0000000"), D("2017-10-30 22:59:59.9999999")}).i == 100);
  CHECK(str(call("startofday", {D("2017-01-01 10:10:17")})) == "2017-01-01T00:00:00Z");
  CHECK(str(call("endofday", {D("2017-01-01 10:10:17")})) == "2017-01-01T23:59:59.9999999Z");
  CHECK(str(call("dayofweek", {D("1947-11-30 10:00:05")})) == "00:00:00");
  CHECK(str(call("dayofweek", {D("1970-05-11")})) == "1.00:00:00");
  CHECK(str(call("bin", {R(4.5), L(1)})) == "4");
  CHECK(str(call("bin", {T("16.00:00:00"), T("7.00:00:00")})) == "14.00:00:00");
  CHECK(str(call("bin", {D("1970-05-11 13:45:07"), T("1.00:00:00")})) == "1970-05-11T00:00:00Z");
  CHECK(str(call("format_datetime", {D("2015-12-14 02:03:04.12345"), S("y-M-d h:m:s.fffffff")})) == "15-12-14 2:3:4.1234500");
  CHECK(str(call("format_datetime", {D("2017-01-29 09:00:05"), S("yy-MM-dd [HH:mm:ss]")})) == "17-01-29 [09:00:05]");
  CHECK(str(call("format_timespan", {T("1.00:00:00"), S("d:h:m:s")})) == "1:0:0:0");
  CHECK(str(call("format_timespan", {T("29.09:00:05.12345"), S("dd.hh:mm:ss:FF")})) == "29.09:00:05:12");
  CHECK(str(call("datetime_add", {S("month"), L(1), D("2017-01-31")})) == "2017-02-28T00:00:00Z");
  CHECK(str(call("datetime_add", {S("day"), L(-1), D("2017-03-01")})) == "2017-02-28T00:00:00Z");
  CHECK(call("datetime_part", {S("day"), D("2017-10-30 01:02:03.7654321")}).i == 30);
  CHECK(call("datetime_part", {S("hour"), D("2017-10-30 01:02:03.7654321")}).i == 1);
  CHECK(str(call("unixtime_seconds_todatetime", {L(1546300800)})) == "2019-01-01T00:00:00Z");
  CHECK(str(call("unixtime_milliseconds_todatetime", {L(1546300800123)})) == "2019-01-01T00:00:00.1230000Z");
  // now() and ago() read the run's clock
  const std::int64_t now = parse_datetime("2025-03-27T12:00:00Z")->ticks;
  CHECK(str(call("ago", {T("01:00:00")}, now)) == "2025-03-27T11:00:00Z");
  CHECK(str(call("now", {}, now)) == "2025-03-27T12:00:00Z");
}

TEST_CASE("math (round-function and friends)") {
  CHECK(call("round", {R(2.98765), L(3)}).r == doctest::Approx(2.988));
  CHECK(call("round", {R(2.15), L(1)}).r == doctest::Approx(2.2));
  CHECK(call("round", {R(-50.55), L(-2)}).r == doctest::Approx(-100));
  CHECK(call("round", {R(21.5), L(-1)}).r == doctest::Approx(20));
  CHECK(call("abs", {L(-5)}).i == 5);
  CHECK(call("pow", {L(2), L(10)}).r == doctest::Approx(1024));
  CHECK(call("sqrt", {L(16)}).r == doctest::Approx(4));
  CHECK(call("log", {R(1)}).r == doctest::Approx(0));
  CHECK(call("exp", {R(0)}).r == doctest::Approx(1));
}

TEST_CASE("dynamic functions (array_*, set_*, bag_*, pack, parse_json, parse_path, parse_url)") {
  CHECK(str(call("array_slice", {J("[1,2,3]"), L(1), L(2)})) == "[2,3]");
  CHECK(str(call("array_slice", {J("[1,2,3,4,5]"), L(-3), L(-2)})) == "[3,4]");
  CHECK(call("array_length", {J("[1,2,3]")}).i == 3);
  CHECK(call("array_length", {J("{\"a\":1}")}).is_null());
  CHECK(call("array_index_of", {J("[\"this\",\"is\",\"an\",\"example\"]"), S("example")}).i == 3);
  CHECK(str(call("array_concat", {J("[1,2]"), J("[3]")})) == "[1,2,3]");
  CHECK(str(call("set_union", {J("[1,2,3]"), J("[1,2,4]")})) == "[1,2,3,4]");
  CHECK(str(call("set_intersect", {J("[1,2,3]"), J("[1,2,4]")})) == "[1,2]");
  CHECK(str(call("set_difference", {J("[1,2,3]"), J("[1,2,4]")})) == "[3]");
  CHECK(B(call("set_has_element", {J("[\"this\",\"is\",\"an\",\"example\"]"), S("example")})));
  CHECK(str(call("bag_merge", {J("{\"A1\":12,\"B1\":2,\"C1\":3}"), J("{\"A2\":81,\"B2\":82,\"A1\":1}")})) ==
        "{\"A1\":12,\"B1\":2,\"C1\":3,\"A2\":81,\"B2\":82}");
  CHECK(str(call("bag_keys", {J("{\"a\":1,\"b\":{\"c\":2}}")})) == "[\"a\",\"b\"]");
  CHECK(str(call("pack", {S("a"), L(1), S("b"), S("x")})) == "{\"a\":1,\"b\":\"x\"}");
  CHECK(str(call("pack_array", {L(1), S("x")})) == "[1,\"x\"]");
  CHECK(str(call("parse_json", {S("{\"a\":[1,2]}")})) == "{\"a\":[1,2]}");
  Value p = call("parse_path", {S("C:\\temp\\file.txt")});
  CHECK(str(call(".member", {p, S("Filename")})) == "file.txt");
  CHECK(str(call(".member", {p, S("Extension")})) == "txt");
  CHECK(str(call(".member", {p, S("DirectoryName")})) == "temp");
  CHECK(str(call(".member", {p, S("RootPath")})) == "C:");
  Value u = call("parse_url", {S("scheme://username:password@host:1234/this/is/a/path?k1=v1&k2=v2#fragment")});
  CHECK(str(call(".member", {u, S("Host")})) == "host");
  CHECK(str(call(".member", {u, S("Port")})) == "1234");
  CHECK(str(call(".member", {u, S("Path")})) == "/this/is/a/path");
  CHECK(str(call(".member", {u, S("Username")})) == "username");
  CHECK(str(call(".member", {u, S("Fragment")})) == "fragment");
  CHECK(str(call(".member", {call(".member", {u, S("Query Parameters")}), S("k2")})) == "v2");
  CHECK(str(call(".index", {J("[1,2,3]"), L(-1)})) == "3");
  CHECK(call(".index", {J("[1,2,3]"), L(5)}).is_null());
}

TEST_CASE("conversions (tostring, tolong, todouble, tobool, todatetime, totimespan, toguid)") {
  CHECK(str(call("tostring", {L(123)})) == "123");
  CHECK(str(call("tostring", {J("\"abc\"")})) == "abc");
  CHECK(str(call("tostring", {J("{\"a\":1}")})) == "{\"a\":1}");
  CHECK(str(call("tostring", {Value::null_of(Type::Long)})) == "");
  CHECK(call("tolong", {S("123")}).i == 123);
  CHECK(call("tolong", {S("abc")}).is_null());
  CHECK(call("todouble", {S("1.5")}).r == doctest::Approx(1.5));
  CHECK(B(call("tobool", {S("true")})));
  CHECK(call("tobool", {S("maybe")}).is_null());
  CHECK(str(call("todatetime", {S("2015-12-24")})) == "2015-12-24T00:00:00Z");
  CHECK(str(call("totimespan", {S("0.00:01:00")})) == "00:01:00");
  CHECK(str(call("toguid", {S("0697d9a2-f1c0-47b8-a2ee-5da3a2f4e7a9")})) == "0697d9a2-f1c0-47b8-a2ee-5da3a2f4e7a9");
  CHECK(call("toguid", {S("not a guid")}).is_null());
  CHECK(B(call("isempty", {S("")})));
  CHECK(B(call("isempty", {Value::null_of(Type::Long)})));
  CHECK_FALSE(B(call("isempty", {S("a")})));
  CHECK(B(call("isnull", {Value::null_of(Type::Dynamic)})));
  CHECK_FALSE(B(call("isnull", {S("")})));  // strings are never null
}

TEST_CASE("IPv4 functions (ipv4-is-private, ipv4-is-in-range, ipv4-compare, ipv4-is-match)") {
  CHECK(B(call("ipv4_is_private", {S("192.168.1.1")})));
  CHECK(B(call("ipv4_is_private", {S("10.1.2.3")})));
  CHECK(B(call("ipv4_is_private", {S("172.24.12.8")})));
  CHECK_FALSE(B(call("ipv4_is_private", {S("20.1.2.3")})));
  CHECK(B(call("ipv4_is_in_range", {S("192.168.1.6"), S("192.168.1.1/24")})));
  CHECK_FALSE(B(call("ipv4_is_in_range", {S("192.168.2.6"), S("192.168.1.1/24")})));
  CHECK(call("ipv4_compare", {S("192.168.1.1"), S("192.168.1.255")}).i == -1);
  CHECK(call("ipv4_compare", {S("192.168.1.1"), S("192.168.1.255"), L(24)}).i == 0);
  CHECK(B(call("ipv4_is_match", {S("192.168.1.1/24"), S("192.168.1.255/24")})));
  CHECK(call("ipv4_is_private", {S("not an ip")}).is_null());
}
