// rulelab parse / corpus for Elastic rules: load detection-rules TOML or Kibana export NDJSON,
// parse kuery queries (EQL goes to check_eql_query; ES|QL, Lucene and ML jobs are counted apart).
#include <fstream>
#include <sstream>

#include "commands.hpp"
#include "kql/elastic_rule.hpp"
#include "kql/field_types.hpp"
#include "kql/kuery_ast.hpp"
#include "kql/matcher.hpp"

namespace rulelab::cli {

std::vector<RuleCheck> check_elastic_file(const std::string& path, bool want_ast) {
  const kql::FieldTypes ecs = kql::FieldTypes::builtin();
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  if (in) ss << in.rdbuf();
  const std::string text = ss.str();
  auto loaded = in ? kql::load_elastic_text(path, text) : Result<std::vector<kql::ElasticRule>>(Error("cannot open file", path));
  if (!loaded) {
    RuleCheck c;
    c.file = path;
    c.dialect = "kuery";
    c.diagnostics.push_back(loaded.error().format());
    return {c};
  }
  std::vector<RuleCheck> out;
  for (const auto& r : loaded.value()) {
    RuleCheck c;
    c.file = loaded->size() > 1 ? path + ":" + std::to_string(r.file_line) : path;
    c.name = r.name;
    c.loaded = true;
    for (const auto& w : r.warnings) c.warnings.push_back(w.format());
    switch (r.language) {
      case kql::QueryLanguage::Kuery: {
        c.dialect = "kuery";
        auto p = kql::parse_kuery(r.query);
        if (p.query) {
          c.parsed = true;
          if (want_ast) c.ast_json = kql::to_json(*p.query->root);
          // Against the ECS/integration field types: queries Elasticsearch would reject.
          kql::IndexFields fields(ecs);
          auto compiled = kql::CompiledQuery::compile(*p.query->root, fields, DateTime{0});
          for (const auto& e : compiled.errors())
            if (e.message.find("failed to find nested object") == std::string::npos)  // mapped by an integration we lack
              c.warnings.push_back(
                kql::query_error(r, text, e.range.begin, "with ECS field types, Elasticsearch would reject this: " + e.message).format());
        } else {
          c.diagnostics.push_back(kql::query_error(r, text, p.failure->offset, "KQL syntax error: " + p.failure->message).format());
        }
        break;
      }
      case kql::QueryLanguage::Eql:
        c.dialect = "eql";
        check_eql_query(text, r.query_source.offset, r.query,
                        want_ast, c);
        break;
      case kql::QueryLanguage::Esql:
        c.dialect = "esql";
        c.skipped = true;
        break;
      case kql::QueryLanguage::Lucene:
        c.dialect = "lucene";
        c.skipped = true;
        break;
      case kql::QueryLanguage::None:
        c.dialect = r.type == kql::RuleType::MachineLearning ? "machine_learning" : std::string(kql::to_string(r.type));
        c.skipped = true;
        break;
    }
    out.push_back(std::move(c));
  }
  if (out.empty()) {
    RuleCheck c;
    c.file = path;
    c.dialect = "kuery";
    c.loaded = true;
    c.diagnostics.push_back(path + ": no rules in this file");
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace rulelab::cli
