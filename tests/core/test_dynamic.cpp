// The compact dynamic encoding and document paths.
#include <doctest/doctest.h>

#include "core/dynamic.hpp"
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

TEST_CASE("leaf paths and wildcard field patterns (azure.auditlogs target_resources keyed 0, 1, ...)") {
  Dynamic d = parse(R"({"azure":{"auditlogs":{"properties":{"target_resources":{"0":{"display_name":"guest"},"1":{"display_name":"x"}}}}}})");
  auto paths = leaf_paths(d.ref());
  REQUIRE(paths.size() == 2);
  CHECK(paths[0] == "azure.auditlogs.properties.target_resources.0.display_name");
  CHECK(field_pattern_matches("azure.auditlogs.properties.target_resources.*.display_name", paths[0]));
  CHECK(field_pattern_matches("azure.*", paths[1]));
  CHECK_FALSE(field_pattern_matches("azure.auditlogs.properties.target_resources.*.id", paths[0]));
}
