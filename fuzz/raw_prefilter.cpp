// The raw-bytes prefilter (core/raw_prefilter.hpp) must never skip a record that holds its literal:
// for any JSON record, when a decoded string of it (a key or a string value) contains the literal
// (ASCII case ignored for a caseless one), may_match() is true. Input: a flags byte (bit 0:
// caseless), the literal up to the first newline, then the record.
// Flags bit 1: the window instead (RawTimeWindow on TimeGenerated, 2026-03-01 to 2026-03-02): a
// JSON object whose last top-level TimeGenerated is a string the reader's date parser puts inside
// the window must not be skipped (the literal line is ignored).
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "core/datetime.hpp"
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
  if (data[0] & 2) {
    rulelab::RawPrefilter w;
    const auto lo = rulelab::parse_export_datetime("2026-03-01T00:00:00Z")->ticks;
    const auto hi = rulelab::parse_export_datetime("2026-03-02T00:00:00Z")->ticks;
    w.set_window(rulelab::RawTimeWindow{"TimeGenerated", lo, hi});
    if (w.may_match(record)) return 0;
    simdjson::dom::parser parser;
    simdjson::dom::element e;
    if (parser.parse(record.data(), record.size()).get(e) || !e.is_object()) return 0;
    std::optional<std::string_view> last;
    bool present = false;
    for (auto f : simdjson::dom::object(e))
      if (f.key == "TimeGenerated") {
        present = true;
        last = f.value.is_string() ? std::optional<std::string_view>(std::string_view(f.value)) : std::nullopt;
      }
    if (!present || !last) return 0;  // null or not a string: the window drops the row or the reader warns
    const auto t = rulelab::parse_export_datetime(*last);
    if (t && t->ticks >= lo && t->ticks <= hi) rulelab::fuzz::violated("the window skipped a record inside it", record);
    return 0;
  }
  const rulelab::RawPrefilter p = rulelab::RawPrefilter::literal(std::string(rest.substr(0, nl)), caseless);
  const bool may = p.empty() || p.may_match(record);
  if (p.empty() || may) return 0;
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  if (parser.parse(record.data(), record.size()).get(e)) return 0;  // not JSON: no verdict to check
  if (holds(e, p.clauses[0][0].text, caseless)) rulelab::fuzz::violated("the prefilter skipped a record holding its literal", record);
  return 0;
}
