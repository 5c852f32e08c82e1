// Loading a rule file and parsing its queries without running them: `rulelab parse` and
// `rulelab corpus` (how many rules of a corpus load and parse).
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace rulelab::app {

// The outcome of loading one rule and parsing its query.
struct RuleCheck {
  std::string file;
  std::string name;      // rule name, when the loader got that far
  std::string dialect;   // "kusto", "kuery", "eql", "esql", "lucene", ...
  bool loaded = false;   // the rule file was understood
  bool parsed = false;   // its query parsed
  bool skipped = false;  // a dialect rulelab does not parse (ES|QL, Lucene, ML jobs): counted apart
  std::vector<std::string> diagnostics;  // formatted: "file:line:col: message\n<line>\n<caret>"
  std::vector<std::string> warnings;     // same format: legal but surely wrong (queryPeriod: 7d // ...)
  std::string ast_json;                  // with --ast
  // ES|QL: the run over empty ECS-typed indices: "ok", "needs a service" (COMPLETION, ENRICH),
  // "unsupported" (a feature rulelab lacks) or "error" (unknown name, type mismatch); empty: not run.
  std::string empty_run;
};

// Every rule of a file, loaded and parsed (Sentinel YAML/ARM/.kql; Elastic TOML/NDJSON export).
std::vector<RuleCheck> check_rule_file(const std::string& path, bool want_ast);
// Sentinel analytic rules and hunting queries: YAML, ARM template JSON, bare .kql.
std::vector<RuleCheck> check_sentinel_file(const std::string& path, bool want_ast);
// Elastic: detection-rules TOML, Kibana export NDJSON.
std::vector<RuleCheck> check_elastic_file(const std::string& path, bool want_ast);
// Parses an EQL query that starts at byte `query_offset` of `file_text` (the rule file), filling
// out.parsed, out.diagnostics (positions within the rule file) and, if want_ast, out.ast_json.
void check_eql_query(const std::string& file_text, std::size_t query_offset, const std::string& query, bool want_ast,
                     RuleCheck& out);

// Parses an ES|QL query and runs it over empty ECS-typed indices: out.parsed, out.diagnostics (a
// syntax error), out.warnings (what the run refused: an unsupported feature, an unknown name).
void check_esql_query(const std::string& file_text, std::size_t query_offset, const std::string& query, RuleCheck& out);

}  // namespace rulelab::app
