// Corpus check, not part of the normal suite: with RULELAB_EQL_CORPUS=DIR set, every EQL rule
// under DIR (detection-rules TOML, Kibana NDJSON) must parse, and every prefix of each query
// (cut at each token boundary) must parse or fail with a positioned error, never crash.
// `rulelab corpus DIR` gives the same parse counts through the CLI.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "eql/parser.hpp"
#include "elastic/elastic_rule.hpp"

using namespace rulelab;

TEST_CASE("EQL corpus (RULELAB_EQL_CORPUS)") {
  const char* dir = std::getenv("RULELAB_EQL_CORPUS");
  if (!dir) return;
  std::size_t files = 0, parsed = 0, prefixes = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    auto ext = e.path().extension().string();
    if (ext != ".toml" && ext != ".ndjson") continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    auto rules = elastic::load_elastic_text(e.path().string(), text);
    if (!rules) continue;
    for (const auto& r : rules.value()) {
      if (r.language != elastic::QueryLanguage::Eql) continue;
      ++files;
      eql::SourceContext where{e.path().string(), text, r.query_source.offset,
                               eql::escaped_query_map(text, r.query_source.offset, r.query)};
      auto q = eql::parse_query(r.query, where);
      if (q) ++parsed;
      else FAIL_CHECK(q.error().format());
      for (std::size_t cut = 1; cut < r.query.size(); ++cut) {
        char c = r.query[cut];
        if (c != ' ' && c != '(' && c != '[' && c != '"' && c != ',' && c != '\n') continue;
        auto p = eql::parse_query(std::string_view(r.query).substr(0, cut), where);
        ++prefixes;
        if (!p) CHECK(p.error().line > 0);
      }
    }
  }
  MESSAGE(parsed << " of " << files << " EQL rules parse; " << prefixes << " truncated queries checked");
  CHECK(parsed == files);
}
