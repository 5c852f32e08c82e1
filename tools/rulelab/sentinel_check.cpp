// rulelab parse / corpus for Sentinel rules: load the rule file, parse each query.
#include "commands.hpp"
#include "kusto/parser.hpp"
#include "kusto/sentinel_rule.hpp"

namespace rulelab::cli {

std::vector<RuleCheck> check_sentinel_file(const std::string& path, bool want_ast) {
  std::vector<RuleCheck> out;
  auto rules = kusto::load_sentinel_file(path);
  if (!rules) {
    RuleCheck c;
    c.file = path;
    c.dialect = "kusto";
    const std::string& msg = rules.error().message;
    // Files that are not analytic rules (hunting queries, "content moved" stubs) are counted apart.
    if (msg.rfind("not an analytic rule", 0) == 0) c.skipped = true;
    c.diagnostics.push_back(rules.error().format());
    out.push_back(std::move(c));
    return out;
  }
  for (auto& r : *rules) {
    RuleCheck c;
    c.file = path;
    c.name = r.name;
    c.dialect = "kusto";
    c.loaded = true;
    for (const auto& w : r.warnings) c.warnings.push_back(w.format());
    kusto::ParseOptions opts;
    opts.location = r.location;
    auto q = kusto::parse_query(r.query, opts);
    if (q) {
      c.parsed = true;
      if (want_ast) c.ast_json = kusto::to_json(*q);
    } else {
      c.diagnostics.push_back(q.error().format());
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace rulelab::cli
