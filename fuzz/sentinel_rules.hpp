// Loads Sentinel rule text as `rulelab parse` does: the rule file, then each rule's query with its
// positions mapped into the file (errors are formatted, which walks the mapping).
#pragma once
#include "fuzz_util.hpp"
#include "kusto/parser.hpp"
#include "kusto/sentinel_rule.hpp"

namespace rulelab::fuzz {

inline void load_sentinel(const std::string& name, std::string_view text) {
  auto rules = kusto::load_sentinel_text(name, std::string(text));
  if (!rules) {
    (void)rules.error().format();
    return;
  }
  for (const auto& r : *rules) {
    for (const auto& w : r.warnings) (void)w.format();
    kusto::ParseOptions opts;
    opts.location = r.location;
    auto q = kusto::parse_query(r.query, opts);
    if (!q) (void)q.error().format();
  }
}

}  // namespace rulelab::fuzz
