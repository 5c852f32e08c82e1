// A minimal scanner for one JSON object's top-level members, to find where a member's value sits
// in the text (nlohmann::json does not keep positions), and a JSON string decoder that records the
// source offset of every decoded byte (for diagnostics inside a query stored in a JSON string).
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rulelab::elastic {

struct JsonScan {
  bool ok = false;
  std::size_t error_offset = 0;                    // where scanning stopped when !ok
  std::map<std::string, std::size_t> members;      // key -> offset of its value's first byte
};
// Scans `{ "key": value, ... }`; nested values are skipped (depth-limited, no recursion).
JsonScan scan_top_level(std::string_view text);

struct DecodedString {
  std::string text;
  std::vector<std::size_t> map;  // offset in the source of each byte of text, then the closing quote
};
// Decodes the JSON string whose opening quote is at `offset`.
std::optional<DecodedString> decode_json_string(std::string_view text, std::size_t offset);

}  // namespace rulelab::elastic
