// Result writers: JSON output is valid UTF-8 whatever bytes a string holds (invalid bytes are
// written as U+FFFD instead of making the writer throw).
#include <doctest/doctest.h>

#include <sstream>

#include "core/dynamic.hpp"
#include "engine/output.hpp"
#include "engine/value.hpp"

using namespace rulelab;

namespace {
Table one_string_table(const std::string& column, const std::string& text, const std::string& dyn_json) {
  Table t;
  t.schema.fields = {{column, Type::String}, {"d", Type::Dynamic}};
  Batch b = Batch::empty_for(t.schema);
  b.columns[0].append_string(text);
  std::string bytes;
  JsonParser jp;
  REQUIRE_FALSE(jp.parse(dyn_json, bytes).has_value());
  b.columns[1].append_dynamic_bytes(bytes);
  b.sources.push_back(RowSource{});
  t.batches.push_back(std::move(b));
  return t;
}
}  // namespace

TEST_CASE("JSON rows: invalid UTF-8 in a string cell is written as U+FFFD") {
  Table t = one_string_table("s", std::string("String\xD0\xA1\xD1\xD2\xFF") + "end", "{\"k\":\"v\"}");
  std::string text;
  REQUIRE_NOTHROW(text = engine::rows_json(t).dump());
  CHECK(text == "[{\"s\":\"String\xD0\xA1\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "end\",\"d\":{\"k\":\"v\"}}]");
  std::ostringstream nd;
  REQUIRE_NOTHROW(engine::write_ndjson(t, nd));
  CHECK(nd.str() == text.substr(1, text.size() - 2) + "\n");
}

TEST_CASE("JSON rows: an invalid UTF-8 column name and valid multi-byte text") {
  Table t = one_string_table("c\xC3", "\xE2\x82\xAC ok", "[\"\xF0\x9F\x98\x80\"]");
  std::string text;
  REQUIRE_NOTHROW(text = engine::rows_json(t).dump());
  CHECK(text == "[{\"c\xEF\xBF\xBD\":\"\xE2\x82\xAC ok\",\"d\":[\"\xF0\x9F\x98\x80\"]}]");
}

TEST_CASE("table text: a long cell is cut between characters, never inside one") {
  std::string s(76, 'a');
  s += "\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC";  // three 3-byte characters across the 77-byte cut
  Table t = one_string_table("s", s, "null");
  std::ostringstream out;
  engine::write_table_text(t, out);
  CHECK(out.str().find(std::string(76, 'a') + "...") != std::string::npos);
}
