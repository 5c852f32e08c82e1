// The compact dynamic encoding and document paths.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>

#include "core/dynamic.hpp"
#include "core/json_encode.hpp"
#include "core/paths.hpp"

using namespace rulelab;

namespace {
Dynamic parse(std::string_view json) {
  JsonParser p;
  std::string out;
  auto err = p.parse(json, out);
  REQUIRE_FALSE(err);
  return Dynamic(std::move(out));
}
std::vector<std::string> strings_at(const Dynamic& d, std::string_view path) {
  std::vector<std::string> out;
  for (DynRef v : values_at(d.ref(), path)) out.push_back(v.is_string() ? std::string(v.as_string()) : to_json(v));
  return out;
}
}  // namespace

TEST_CASE("round trip to JSON text") {
  const char* text = R"({"a":1,"b":[true,false,null,1.5,"x\"y"],"c":{"d":"e"},"big":-9007199254740993})";
  CHECK(to_json(parse(text).ref()) == text);
}

TEST_CASE("member and element access") {
  Dynamic d = parse(R"({"user":{"id":"u1","roles":[]},"arr":[10,20,30]})");
  DynRef r = d.ref();
  CHECK(r.get("user").get("id").as_string() == "u1");
  CHECK(r.get("user").get("roles").is_array());
  CHECK(r.get("user").get("roles").size() == 0);
  CHECK(r.get("arr").at(0).as_int() == 10);
  CHECK(r.get("arr").at(-1).as_int() == 30);  // negative indexes count from the end (Kusto a[-1])
  CHECK_FALSE(r.get("arr").at(3).valid());
  CHECK_FALSE(r.get("missing").valid());
}

TEST_CASE("duplicate keys: the last value wins, as JSON.parse") {
  Dynamic d = parse(R"({"a":1,"a":2})");
  CHECK(d.ref().get("a").as_int() == 2);
}

TEST_CASE("values at a path: nested, dotted keys, arrays, and mixtures") {
  CHECK(strings_at(parse(R"({"a":{"b":{"c":"x"}}})"), "a.b.c") == std::vector<std::string>{"x"});
  CHECK(strings_at(parse(R"({"a.b.c":"x"})"), "a.b.c") == std::vector<std::string>{"x"});
  CHECK(strings_at(parse(R"({"a.b":{"c":"x"}})"), "a.b.c") == std::vector<std::string>{"x"});
  CHECK(strings_at(parse(R"({"a":{"b.c":"x"}})"), "a.b.c") == std::vector<std::string>{"x"});
  CHECK(strings_at(parse(R"({"a":[{"b":"x"},{"b":"y"}]})"), "a.b") == std::vector<std::string>{"x", "y"});
  CHECK(strings_at(parse(R"({"a":{"b":["x",["y"]]}})"), "a.b") == std::vector<std::string>{"x", "y"});
  CHECK(strings_at(parse(R"({"a":{"b":null}})"), "a.b").empty());
  CHECK_FALSE(path_exists(parse(R"({"a":{"b":null}})").ref(), "a.b"));
  CHECK_FALSE(path_exists(parse(R"({"ab":{"c":1}})").ref(), "a.b.c"));
}

TEST_CASE("the first value at a path: values_at's order, stopping where the caller stops") {
  for (const char* text : {R"({"a":{"b":{"c":"x"}},"a.b.c":"y"})", R"({"a":[{"b":null},{"b":["x",["y"]]},{"b":"z"}]})",
                           R"({"a.b":[1,2],"a":{"b":3}})", R"({"a":{"b":null}})", R"({"q":1})"}) {
    const Dynamic d = parse(text);
    const std::vector<DynRef> all = values_at(d.ref(), "a.b");
    // Stopping at each value in turn: the calls are exactly the values before it and it.
    for (std::size_t stop = 0; stop < all.size(); ++stop) {
      std::vector<DynRef> seen;
      CHECK(any_value_at(d.ref(), "a.b", [&](DynRef v) {
        seen.push_back(v);
        return seen.size() == stop + 1;
      }));
      REQUIRE(seen.size() == stop + 1);
      for (std::size_t i = 0; i < seen.size(); ++i) CHECK(seen[i] == all[i]);
    }
    std::size_t calls = 0;
    CHECK_FALSE(any_value_at(d.ref(), "a.b", [&](DynRef) { return ++calls, false; }));
    CHECK(calls == all.size());
  }
}

TEST_CASE("any_member and any_element stop at the first true") {
  const Dynamic d = parse(R"({"a":1,"b":[1,2,3],"c":3})");
  std::vector<std::string> keys;
  CHECK(d.ref().any_member([&](std::string_view k, DynRef) { return keys.emplace_back(k) == "b"; }));
  CHECK(keys == std::vector<std::string>{"a", "b"});
  int n = 0;
  CHECK_FALSE(d.ref().get("b").any_element([&](DynRef) { return ++n, false; }));
  CHECK(n == 3);
  CHECK_FALSE(d.ref().get("a").any_member([](std::string_view, DynRef) { return true; }));
}

TEST_CASE("leaf paths and wildcard field patterns (azure.auditlogs target_resources keyed 0, 1, ...)") {
  Dynamic d = parse(R"({"azure":{"auditlogs":{"properties":{"target_resources":{"0":{"display_name":"guest"},"1":{"display_name":"x"}}}}}})");
  auto paths = leaf_paths(d.ref());
  REQUIRE(paths.size() == 2);
  CHECK(paths[0] == "azure.auditlogs.properties.target_resources.0.display_name");
  CHECK(field_pattern_matches("azure.auditlogs.properties.target_resources.*.display_name", paths[0]));
  CHECK(field_pattern_matches("azure.*", paths[1]));
  CHECK_FALSE(field_pattern_matches("azure.auditlogs.properties.target_resources.*.id", paths[0]));
}

// Read filters judge Elastic documents on a projection of the fields they read
// (core/json_encode.hpp): whatever a path resolver finds at those paths must be found alike.
TEST_CASE("projection on paths: nested objects, dotted keys, arrays, fields under a path") {
  const std::string text =
      R"({"@timestamp":"t","azure":{"auditlogs":{"operation_name":"Add user","identity":"i"},"auditlogs.level":4},)"
      R"("azure.auditlogs":{"operation_name":"Delete user"},"event":[{"outcome":"success","code":1},{"action":"x"}],)"
      R"("a.b.c":"under","other":{"x":1}})";
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  REQUIRE_FALSE(parser.parse(text).get(e));
  std::vector<std::string_view> paths{"azure.auditlogs.operation_name", "event.outcome", "a.b"};
  std::string out;
  DynWriter w(out);
  std::vector<std::vector<std::string_view>> scratch;
  encode_projection(e, paths, w, scratch);
  const Dynamic p(std::move(out));
  CHECK(to_json(p.ref()) ==
        R"({"azure":{"auditlogs":{"operation_name":"Add user"}},"azure.auditlogs":{"operation_name":"Delete user"},)"
        R"("event":[{"outcome":"success"},{}],"a.b.c":"under"})");
  const Dynamic whole = parse(text);
  for (auto path : paths) CHECK(strings_at(p, path) == strings_at(whole, path));
  CHECK(strings_at(p, "azure.auditlogs.operation_name") == std::vector<std::string>{"Add user", "Delete user"});
}

TEST_CASE("a document's shape hashes alike from its JSON and from its encoding") {
  const char* docs[] = {R"({"a":1,"b":[true,false,null,1.5,"x"],"c":{"d":"e"},"u":18446744073709551615})",
                        R"({"a":2,"b":[false,true,null,2.5,"y"],"c":{"d":"f"},"u":1.0})",
                        R"({"a":"2","b":[],"c":{}})"};
  std::vector<std::uint64_t> hashes;
  for (const char* d : docs) {
    simdjson::dom::parser parser;
    simdjson::dom::element e;
    REQUIRE_FALSE(parser.parse(d, std::strlen(d)).get(e));
    std::uint64_t h1 = 0, h2 = 0;
    REQUIRE(json_shape(e, h1));
    REQUIRE(dyn_shape(parse(d).ref(), h2));
    CHECK(h1 == h2);
    hashes.push_back(h1);
  }
  CHECK(hashes[0] == hashes[1]);  // same keys and kinds (a huge unsigned integer is encoded as a real)
  CHECK(hashes[0] != hashes[2]);
}

TEST_CASE("the reader's tape walk gives the element walk's duplicate key and shape") {
  std::string deep;
  for (int i = 0; i < 70; ++i) deep += "{\"k\":";
  deep += "1";
  for (int i = 0; i < 70; ++i) deep += "}";
  std::string wide = "{";
  for (int i = 0; i < 40; ++i) wide += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
  const std::string wide_dup = wide + ",\"k7\":0}";
  const std::string wide_late_dup = wide + ",\"k35\":0}";  // both past the 32 keys the one-pass check keeps
  wide += "}";
  const std::string docs[] = {R"({"a":1,"b":[true,false,null,1.5,"x"],"c":{"d":"e"},"u":18446744073709551615})",
                              R"({"a":1,"a":2})",
                              R"({"x":{"y":1,"y":2},"x2":3,"z":[{"q":1,"q":2}]})",
                              R"({"z":[{"q":1},{"q":2,"r":[1,2,[3]]}],"e":{},"f":[]})",
                              R"({"o":{"p":1},"p":{"o":1},"o":1})",
                              deep,
                              "{\"d\":" + deep + ",\"d\":1}",
                              wide,
                              wide_dup,
                              wide_late_dup,
                              // keys of the same 8-bit hash (length, first, middle and last byte) without being equal
                              R"({"abxcd":1,"aqxzd":2})",
                              R"({"abxcd":1,"aqxzd":2,"aqxzd":3})",
                              // keys that share the reader's filter bits (length and end bytes) without being equal
                              R"({"axb":1,"ayb":2,"azb":{"k1":1,"k2":2}})",
                              R"({"axb":1,"ayb":2,"axb":3})",
                              // the first duplicate in the text: "x", then "a"
                              R"({"a":{"x":1,"x":2},"a":1})", R"({"a":{"x":1},"b":{"y":1,"y":2},"a":1})",
                              R"([{"a":1},{"b":[{"c":1,"c":2}]}])"};
  for (const auto& d : docs) {
    CAPTURE(d);
    simdjson::dom::parser parser;
    simdjson::dom::element e;
    REQUIRE_FALSE(parser.parse(d.data(), d.size()).get(e));
    std::uint64_t h1 = 0, h2 = 0;
    bool s1 = false, s2 = false;
    const auto d1 = inspect_document(e, h1, s1);
    const auto d2 = inspect_document(parser.doc, h2, s2);
    CHECK(d1 == d2);
    CHECK(s1 == s2);
    if (s1 && s2) CHECK(h1 == h2);
    CHECK(d1 == find_duplicate_key(e));
    CHECK(d1 == find_duplicate_key(parser.doc));  // the walk without the shape, for readers that do not use it
    // the reader's hash is the stored document's (IngestOptions::document_shapes)
    std::uint64_t h3 = 0;
    if (!d1 && s2 && dyn_shape(parse(d).ref(), h3)) CHECK(h2 == h3);
    // the projecting reader's one walk: the same duplicate and, without one, the same projection
    const std::vector<std::vector<std::string_view>> path_sets = {
        {}, {"a"}, {"z.q"}, {"x", "o.p"}, {"k", "d"}, {"k0", "k35"}, {"a.x"}, {"z"}, {"b", "u"}, {"d.k.k"}, {"c.d", "azb.k2"}};
    for (const auto& paths : path_sets) {
      std::string fused, separate;
      DynWriter fw(fused), sw(separate);
      std::vector<std::vector<std::string_view>> scratch1, scratch2;
      const auto d3 = project_document(parser.doc, paths, fw, scratch1);
      CHECK(d3 == d1);
      if (d3) continue;
      encode_projection(e, paths, sw, scratch2);
      CHECK(fused == separate);  // the same encoding, byte for byte
    }
  }
}

TEST_CASE("duplicate keys are found past the 32nd key and among keys of one hash") {
  std::string wide = "{";
  for (int i = 0; i < 40; ++i) wide += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
  const std::pair<std::string, std::optional<std::string>> cases[] = {
      {wide + "}", std::nullopt},
      {wide + ",\"k7\":0}", "k7"},
      {wide + ",\"k35\":0}", "k35"},
      {R"({"abxcd":1,"aqxzd":2})", std::nullopt},
      {R"({"abxcd":1,"aqxzd":2,"aqxzd":3})", "aqxzd"},
      {R"({"a":{"b":1,"c":{"d":1,"d":2}}})", "d"},
      // Elasticsearch's JSON parser (Jackson, strict duplicate detection) checks each field name
      // as it reads it: the first duplicate in the text is the one it reports.
      {R"({"a":{"x":1,"x":2},"a":1})", "x"},
      {R"({"a":1,"b":{"x":1,"x":2},"a":1})", "x"},
      {R"({"a":1,"a":{"x":1,"x":2}})", "a"},
      {R"([{"k":1},{"j":[{"k":1,"k":2}],"j":0}])", "k"},
  };
  for (const auto& c : cases) {
    const auto& text = c.first;
    const auto& want = c.second;
    CAPTURE(text);
    simdjson::dom::parser parser;
    simdjson::dom::element e;
    REQUIRE_FALSE(parser.parse(text.data(), text.size()).get(e));
    CHECK(find_duplicate_key(e) == want);
    CHECK(find_duplicate_key(parser.doc) == want);
    std::uint64_t shape = 0;
    bool shaped = false;
    CHECK(inspect_document(e, shape, shaped) == want);
    CHECK(inspect_document(parser.doc, shape, shaped) == want);
    std::string projection;
    DynWriter w(projection);
    std::vector<std::vector<std::string_view>> scratch;
    CHECK(project_document(parser.doc, {"a", "j.k"}, w, scratch) == want);
  }
}

TEST_CASE("a JSON preview is the JSON text's beginning") {
  std::string big = R"({"a":"x","list":[)";
  for (int i = 0; i < 100; ++i) big += (i ? "," : "") + std::string(R"({"k":"value )") + std::to_string(i) + R"(","n":1.5})";
  big += R"(],"z":null})";
  const Dynamic d = parse(big);
  const std::string whole = to_json(d.ref());
  const std::string preview = to_json_prefix(d.ref(), 200);
  REQUIRE(whole.size() > 200);
  CHECK(preview.size() > 200);
  CHECK(preview.size() < whole.size());
  CHECK(preview.substr(0, 200) == whole.substr(0, 200));
  const Dynamic small = parse(R"({"a":[1,2,{"b":"c"}]})");
  CHECK(to_json_prefix(small.ref(), 200) == to_json(small.ref()));
  // Past the limit nothing more is written: the open containers are closed at once.
  for (std::size_t limit : {0u, 1u, 7u, 30u, 199u, 500u}) {
    const std::string p = to_json_prefix(d.ref(), limit);
    const std::size_t body = p.find_last_not_of("]}") + 1;
    CHECK(body > limit);
    CHECK(p.substr(0, body) == whole.substr(0, body));
    CHECK(body < limit + 40);
  }
}

// RFC 8259 section 7: a string must escape '"', '\' and the control characters U+0000-U+001F;
// everything else (U+0020 and up, including UTF-8 bytes above 0x7F) may be written as it is.
// write_json_string checks 16 bytes at a time, so the escapes are put at every position of
// strings longer than a block, and the result is compared with a byte-by-byte reference.
TEST_CASE("write_json_string escapes exactly the characters RFC 8259 requires, at any position") {
  auto reference = [](std::string_view s) {
    std::string o = "\"";
    for (unsigned char c : s) {
      if (c == '"') o += "\\\"";
      else if (c == '\\') o += "\\\\";
      else if (c == '\n') o += "\\n";
      else if (c == '\r') o += "\\r";
      else if (c == '\t') o += "\\t";
      else if (c == '\b') o += "\\b";
      else if (c == '\f') o += "\\f";
      else if (c < 0x20) {
        char b[8];
        std::snprintf(b, sizeof b, "\\u%04x", c);
        o += b;
      } else o.push_back(static_cast<char>(c));
    }
    return o + "\"";
  };
  const std::string specials[] = {"\"", "\\", "\n", "\x1f", std::string(1, '\0'), "\x7f", " ", "\xc3\xa9", "\xff"};
  for (std::size_t len : {0u, 1u, 15u, 16u, 17u, 33u, 64u}) {
    for (std::size_t at = 0; at <= len; ++at) {
      for (const auto& sp : specials) {
        std::string s(len, 'a');
        s.insert(at, sp);
        std::string out;
        write_json_string(s, out);
        CHECK(out == reference(s));
      }
    }
  }
  std::string out;
  write_json_string("\x1f\x20~\x7f\x80", out);
  CHECK(out == "\"\\u001f ~\x7f\x80\"");
}

// write_json writes its text through a cursor sized ahead (not string by string): the same text
// as write_json_string for every string, key or value, at any length (the buffer grows past its
// first guess), numbers as std::to_chars, appended after what `out` holds.
TEST_CASE("write_json gives write_json_string's strings and grows its buffer") {
  const std::string specials[] = {"\"", "\\", "\n", "\x1f", std::string(1, '\0'), "\x7f", "\xc3\xa9", "\xff"};
  for (std::size_t len : {0u, 1u, 16u, 17u, 300u, 5000u}) {
    for (const auto& sp : specials) {
      std::string str(len, 'a');
      str.insert(len / 2, sp);
      str.insert(0, sp);  // every byte escaped would need 6: the worst case at the start
      std::string enc;
      DynWriter w(enc);
      w.begin_object();
      w.key(str);
      w.string(str);
      w.key("n");
      w.begin_array();
      w.integer(-9007199254740993);
      w.real(2.5);
      w.real(1e300);
      w.null();
      w.boolean(true);
      w.string(str);
      w.end();
      w.end();
      std::string ks, vs;
      write_json_string(str, ks);
      write_json_string(str, vs);
      const std::string want = "{" + ks + ":" + vs + ",\"n\":[-9007199254740993,2.5,1e+300,null,true," + vs + "]}";
      std::string out = "prefix ";
      write_json(Dynamic(enc).ref(), out);
      CHECK(out == "prefix " + want);
      CHECK(to_json(Dynamic(enc).ref()) == want);
    }
  }
  std::string all;  // every byte value once
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  std::string enc;
  DynWriter w(enc);
  w.string(all);
  std::string want;
  write_json_string(all, want);
  CHECK(to_json(Dynamic(enc).ref()) == want);
}
