// The document reader's fast path (core/json_scan.hpp): a document it decides must read exactly
// as the DOM reads it (RFC 8259's grammar as simdjson checks it; Elasticsearch's duplicate-key
// refusal as project_document finds it); anything else is left to the DOM.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "core/dynamic.hpp"
#include "core/json_encode.hpp"
#include "core/json_scan.hpp"

using namespace rulelab;

namespace {

struct Outcome {
  bool decided = false;
  bool dom_ok = false;      // the DOM parses it as an object without a duplicate key
  bool same = false;        // decided: the projection equals project_document's
  bool shaped = false;      // decided when asked for the shape too
  bool same_shape = false;  // decided with the shape: it equals inspect_document's
};

// The document is followed by padding as the reader's mapped file has it: the next lines' bytes
// (digits, a document), not zeros. One scanner serves every document of a test case, as one
// reading thread's serves its documents.
struct Checker {
  ProjectionScanner scanner;
  std::size_t calls = 0;
  Outcome operator()(std::string_view text, const std::vector<std::string_view>& paths);
};

Outcome Checker::operator()(std::string_view text, const std::vector<std::string_view>& paths) {
  static constexpr std::string_view fills[] = {"9999999999999999", "\n{\"a\":1}\n{\"b\":", "e5}]\"\\  ,:tnf"};
  const std::string_view fill = fills[calls++ % std::size(fills)];
  // Exactly the padding is allocated: a read past it is a heap overflow under ASan.
  std::vector<char> buffer(text.begin(), text.end());
  while (buffer.size() < text.size() + simdjson::SIMDJSON_PADDING) buffer.push_back(fill[buffer.size() % fill.size()]);
  buffer.shrink_to_fit();
  simdjson::padded_string doc(text);  // (the DOM's copy, zero padded)
  simdjson::dom::parser parser;
  REQUIRE_FALSE(parser.allocate(doc.size() + 64));
  std::string fast;
  DynWriter fw(fast);
  Outcome o;
  o.decided = scanner.project(parser, buffer.data(), text.size(), paths, fw);
  std::string fast2;
  DynWriter fw2(fast2);
  std::uint64_t shape = 0;
  const bool shaped = scanner.project(parser, buffer.data(), text.size(), paths, fw2, &shape);
  if (shaped) REQUIRE(o.decided);
  o.shaped = shaped;  // (it decides fewer documents with the shape: none deeper than 64)
  simdjson::dom::element e;
  if (!parser.parse(doc.data(), doc.size(), false).get(e) && e.is_object()) {
    std::string slow;
    DynWriter sw(slow);
    std::vector<std::vector<std::string_view>> scratch;
    o.dom_ok = !project_document(parser.doc, paths, sw, scratch);
    o.same = o.dom_ok && fast == slow;
    std::uint64_t dom_shape = 0;
    bool dom_shaped = false;
    inspect_document(parser.doc, dom_shape, dom_shaped);
    o.same_shape = !shaped || (dom_shaped && dom_shape == shape && fast2 == fast);
  }
  return o;
}

const std::vector<std::string_view> kPaths = {"@timestamp", "event.outcome", "user.name", "a.b", ".k"};

}  // namespace

TEST_CASE("documents the scan decides read as the DOM reads them") {
  Checker compare;
  const char* docs[] = {
      R"({"@timestamp":"2025-03-01T00:00:23Z","event":{"outcome":"success","kind":"event"},"user":{"name":"bob"}})",
      R"({"event.outcome":"failure","user.name":["a","b"],"other":{"x":[1,2,{"y":null}]}})",
      R"( { "a" : { "b" : [ true , false , null ] } , "z" : -12.5e-3 } )",
      R"({"a":{"b":{"c":1,"d":"x"}},"a.b.e":2})",
      R"({"a":"tab\tquote\" slash\/ back\\ u\u00e9\u4e2d nul\u0000"})",
      R"({"user":{"name":"x"},"n":[0,-1,123456789012345678,1.0,1e308,-0.0,5E+2]})",
      R"({})",
      R"({"a":[]} )",
      "{\"a\":{\"b\":1}}\r\n",
      R"({"":1,"a":{"":{"b":2}}})",
  };
  for (const char* d : docs) {
    CAPTURE(d);
    const Outcome o = compare(d, kPaths);
    CHECK(o.decided);
    CHECK(o.dom_ok);
    CHECK(o.same);
    CHECK(o.shaped);
    CHECK(o.same_shape);
  }
}

TEST_CASE("the scan leaves to the DOM what it does not decide") {
  Checker compare;
  const char* docs[] = {
      // invalid JSON (RFC 8259 section 2 to 7)
      R"({"a":1,})", R"({"a":1 "b":2})", R"({"a" 1})", R"({"a":01})", R"({"a":1.})", R"({"a":.5})", R"({"a":+1})",
      R"({"a":1e})", R"({"a":tru})", R"({"a":truex})", R"({"a":nul})", R"({"a":"x\q"})", R"({"a":"\u12g4"})",
      R"({"a":[1,]})", R"({"a":[1 2]})", R"({"a":1}{"b":2})", R"({"a":1} x)", R"([1,2])", R"("text")", R"({"a":1)",
      R"({"a":"unterminated})", R"({"a":1)", R"({"a":tru)", R"({"a":-)", "{\"a\":\"ctl\x01\"}", "{\"a\":\"\xff\"}", R"({1:2})", R"({"a":1e999})",
      // a key written twice, at any depth (Elasticsearch refuses the document)
      R"({"a":1,"a":2})", R"({"x":{"k":1,"b":{"k":2},"k":3}})", R"({"a":[{"u":1,"u":2}]})",
      // outside the subset it decides
      R"({"a\u0062":1})", R"({"a":-0})", R"({"a":1234567890123456789})", R"({"a":"\ud83d\ude00"})",
  };
  for (const char* d : docs) {
    CAPTURE(d);
    const Outcome o = compare(d, kPaths);
    CHECK_FALSE(o.decided);
  }
  // The DOM's answers for the last group, so the scan gives up only where it must.
  CHECK(compare(R"({"a\u0062":1})", kPaths).dom_ok);
  CHECK(compare(R"({"a":"\ud83d\ude00"})", kPaths).dom_ok);
  CHECK_FALSE(compare(R"({"a":1,"a":2})", kPaths).dom_ok);
}

TEST_CASE("random documents and their corruptions: decided only when the DOM agrees") {
  Checker compare;
  std::mt19937_64 rng(20261206);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  const char* keys[] = {"a", "b", "event", "outcome", "user", "name", "@timestamp", "a.b", "user.name", "", "k"};
  const char* strings[] = {"\"x\"", "\"success\"", "\"a\\\"b\"", "\"\\u00e9\"", "\"\\n\"", "\"\"", "\"2025-03-01T00:00:00Z\""};
  const char* numbers[] = {"0",        "-1",      "42",        "3.25",      "-0.5e-3", "1E10", "999999999999999999", "-123456789012345678",
                           "1e-400",   "1e400",   "4.9e-324",  "0.1e1",     "1.7976931348623157e308", "2.2250738585072014e-308",
                           "-0",       "-0.0",    "1e+2",      "123456789012345678.5"};
  std::function<void(std::string&, int)> value = [&](std::string& out, int depth) {
    const std::size_t kind = depth > 3 ? pick(4) : pick(6);
    if (kind == 0) out += strings[pick(std::size(strings))];
    else if (kind == 1) out += numbers[pick(std::size(numbers))];
    else if (kind == 2) out += pick(2) ? "true" : "null";
    else if (kind == 3) out += "false";
    else if (kind == 4) {
      out += '[';
      for (std::size_t i = 0, n = pick(4); i < n; ++i) {
        if (i) out += pick(2) ? "," : " , ";
        value(out, depth + 1);
      }
      out += ']';
    } else {
      out += '{';
      for (std::size_t i = 0, n = pick(5); i < n; ++i) {
        if (i) out += ',';
        out += '"';
        out += keys[pick(std::size(keys))];
        out += pick(4) ? "\":" : "\" : ";
        value(out, depth + 1);
      }
      out += '}';
    }
  };
  const char junk[] = "{}[]:,\"\\ 0-.eEtfnu1\x01\xc3";
  std::size_t decided = 0, valid = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string doc = "{";
    for (std::size_t m = 0, n = 1 + pick(5); m < n; ++m) {
      if (m) doc += ',';
      doc += '"';
      doc += keys[pick(std::size(keys))];
      doc += "\":";
      value(doc, 1);
    }
    doc += '}';
    if (i % 2) {  // corrupted: a byte replaced, inserted or removed
      const std::size_t at = pick(doc.size());
      const char c = junk[pick(sizeof junk - 1)];
      switch (pick(3)) {
        case 0: doc[at] = c; break;
        case 1: doc.insert(doc.begin() + static_cast<std::ptrdiff_t>(at), c); break;
        default: doc.erase(at, 1); break;
      }
    }
    const Outcome o = compare(doc, kPaths);
    if (o.dom_ok) ++valid;
    if (!o.decided) continue;
    ++decided;
    CAPTURE(doc);
    REQUIRE(o.dom_ok);
    REQUIRE(o.same);
    REQUIRE(o.same_shape);
  }
  // A document 70 levels deep is decided without its shape only (inspect_document hashes none).
  std::string deep(70, '[');
  deep = "{\"a\":" + deep + std::string(70, ']') + "}";
  const Outcome d = compare(deep, kPaths);
  CHECK(d.decided);
  CHECK(d.same);
  CHECK_FALSE(d.shaped);
  std::string deep64 = "{\"a\":" + std::string(63, '[') + "1" + std::string(63, ']') + "}";
  CHECK(compare(deep64, kPaths).shaped);
  CHECK(compare(deep64, kPaths).same_shape);

  // Most valid documents take the fast path (else this test would check little).
  CHECK(valid > 5000);
  CHECK(decided * 10 > valid * 6);
}

// Documents of up to 400 bytes with escapes (RFC 8259 section 7) at every place, in keys and
// values, before and after the paths' values, and corrupted escapes (a backslash before a quote
// that then closes nothing, a bad escape letter, a backslash as the last byte of a string) are
// decided only as the DOM reads them.
TEST_CASE("escapes anywhere in long documents: decided only when the DOM agrees") {
  Checker compare;
  std::mt19937_64 rng(20261207);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  const char* pieces[] = {"x", "\\\"", "\\\\", "\\n", "\\u0041", "\\/", "abcdefgh", "\\q", "\\u00zz", "\\"};
  auto text = [&](std::size_t max_pieces, bool bad) {
    std::string s;
    for (std::size_t i = 0, n = pick(max_pieces); i < n; ++i) s += pieces[pick(bad ? std::size(pieces) : 7)];
    return s;
  };
  std::size_t decided = 0, with_escape = 0;
  for (int i = 0; i < 20000; ++i) {
    const bool bad = i % 3 == 0;
    std::string doc = "{\"pad\":\"" + text(40, false) + "\"";
    const char* names[] = {"@timestamp", "event", "user", "a", "b"};
    for (std::size_t m = 0, n = 1 + pick(5); m < n; ++m) {
      doc += ",\"";
      doc += pick(8) ? names[pick(std::size(names))] : text(3, bad);
      doc += "\":";
      if (pick(3)) doc += "\"" + text(12, bad) + "\"";
      else doc += "{\"outcome\":\"" + text(8, bad) + "\",\"name\":\"" + text(8, bad) + "\",\"k\":[\"" + text(4, bad) + "\",1]}";
    }
    doc += ",\"tail\":\"" + text(30, bad) + "\"}";
    if (doc.find('\\') != std::string::npos) ++with_escape;
    const Outcome o = compare(doc, kPaths);
    if (!o.decided) continue;
    ++decided;
    CAPTURE(doc);
    REQUIRE(o.dom_ok);
    REQUIRE(o.same);
    REQUIRE(o.same_shape);
  }
  CHECK(with_escape > 15000);
  CHECK(decided > 5000);
}
