// Loads Elastic rule text as `rulelab parse` does: the rule file, then each rule's query (kuery or
// EQL) with its errors positioned in the file, and a kuery compiled against the ECS field types.
#pragma once
#include "eql/parser.hpp"
#include "fuzz_util.hpp"
#include "kql/elastic_rule.hpp"
#include "kql/field_types.hpp"
#include "kql/kuery_ast.hpp"
#include "kql/matcher.hpp"

namespace rulelab::fuzz {

inline void load_elastic(const std::string& name, std::string_view text) {
  static const kql::FieldTypes ecs = kql::FieldTypes::builtin();  // read-only after construction
  auto rules = kql::load_elastic_text(name, text);
  if (!rules) {
    (void)rules.error().format();
    return;
  }
  for (const auto& r : *rules) {
    for (const auto& w : r.warnings) (void)w.format();
    if (r.language == kql::QueryLanguage::Kuery) {
      auto p = kql::parse_kuery(r.query);
      if (p.query) {
        kql::IndexFields fields(ecs);
        auto compiled = kql::CompiledQuery::compile(*p.query->root, fields, DateTime{0});
        for (const auto& e : compiled.errors()) (void)kql::query_error(r, text, e.range.begin, e.message).format();
      } else {
        (void)kql::query_error(r, text, p.failure->offset, p.failure->message).format();
      }
    } else if (r.language == kql::QueryLanguage::Eql) {
      eql::SourceContext where;
      where.file = name;
      where.file_text = text;
      where.offset = r.query_source.offset;
      where.map = eql::escaped_query_map(text, r.query_source.offset, r.query);
      auto q = eql::parse_query(r.query, where);
      if (!q) (void)q.error().format();
    }
  }
}

}  // namespace rulelab::fuzz
