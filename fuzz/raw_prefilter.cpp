// The raw-bytes prefilter (core/raw_prefilter.hpp) must never skip a record that holds its literal:
// for any JSON record, when a decoded string of it (a key or a string value) contains the literal
// (ASCII case ignored for a caseless one), may_match() is true. Input: a flags byte (bit 0:
// caseless), the literal up to the first newline, then the record.
#include <simdjson.h>

#include <algorithm>
#include <cctype>

#include "core/raw_prefilter.hpp"
#include "fuzz_util.hpp"

namespace {

std::string lowered(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c | 0x20);
  return out;
}

bool holds(simdjson::dom::element e, const std::string& lit, bool caseless, int depth = 0) {
  if (depth > 200) return true;  // too deep to look at: assume it does (no verdict)
  auto in = [&](std::string_view s) {
    return caseless ? lowered(s).find(lit) != std::string::npos : s.find(lit) != std::string_view::npos;
  };
  switch (e.type()) {
    case simdjson::dom::element_type::STRING: return in(std::string_view(e));
    case simdjson::dom::element_type::ARRAY:
      for (auto v : simdjson::dom::array(e))
        if (holds(v, lit, caseless, depth + 1)) return true;
      return false;
    case simdjson::dom::element_type::OBJECT:
      for (auto f : simdjson::dom::object(e))
        if (in(f.key) || holds(f.value, lit, caseless, depth + 1)) return true;
      return false;
    default: return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const bool caseless = data[0] & 1;
  const std::string_view rest = rulelab::fuzz::text_of(data + 1, size - 1);
  const auto nl = rest.find('\n');
  if (nl == std::string_view::npos) return 0;
  const std::string_view record = rest.substr(nl + 1);
  const rulelab::RawPrefilter p = rulelab::RawPrefilter::literal(std::string(rest.substr(0, nl)), caseless);
  const bool may = p.empty() || p.may_match(record);
  if (p.empty() || may) return 0;
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  if (parser.parse(record.data(), record.size()).get(e)) return 0;  // not JSON: no verdict to check
  if (holds(e, p.clauses[0][0].text, caseless)) rulelab::fuzz::violated("the prefilter skipped a record holding its literal", record);
  return 0;
}
