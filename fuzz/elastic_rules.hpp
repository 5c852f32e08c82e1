// Loads Elastic rule text as `rulelab parse` does: the rule file, then each rule's query (kuery or
// EQL) with its errors positioned in the file, and a kuery compiled against the ECS field types.
#pragma once
#include "eql/parser.hpp"
#include "fuzz_util.hpp"
#include "elastic/elastic_rule.hpp"
#include "elastic/field_types.hpp"
#include "kuery/ast.hpp"
#include "kuery/matcher.hpp"

namespace rulelab::fuzz {

inline void load_elastic(const std::string& name, std::string_view text) {
  static const elastic::FieldTypes ecs = elastic::FieldTypes::builtin();  // read-only after construction
  auto rules = elastic::load_elastic_text(name, text);
  if (!rules) {
    (void)rules.error().format();
    return;
  }
  for (const auto& r : *rules) {
    for (const auto& w : r.warnings) (void)w.format();
    if (r.language == elastic::QueryLanguage::Kuery) {
      auto p = kuery::parse_kuery(r.query);
      if (p.query) {
        elastic::IndexFields fields(ecs);
        auto compiled = kuery::CompiledQuery::compile(*p.query->root, fields, DateTime{0});
        for (const auto& e : compiled.errors()) (void)elastic::query_error(r, text, e.range.begin, e.message).format();
      } else {
        (void)elastic::query_error(r, text, p.failure->offset, p.failure->message).format();
      }
    } else if (r.language == elastic::QueryLanguage::Eql) {
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
