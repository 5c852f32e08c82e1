#include <nlohmann/json.hpp>
#include <set>
#include <map>
#include "app/rule_check.hpp"
#include "esql/engine.hpp"
#include "esql/parser.hpp"

#include <fstream>
#include <sstream>

#include "app/rule.hpp"
#include "eql/parser.hpp"
#include "elastic/elastic_rule.hpp"
#include "elastic/field_types.hpp"
#include "kuery/ast.hpp"
#include "kuery/matcher.hpp"
#include "kusto/parser.hpp"
#include "kusto/sentinel_rule.hpp"

namespace rulelab::app {

std::vector<RuleCheck> check_rule_file(const std::string& path, bool want_ast) {
  const std::string fam = rule_family(path);
  if (fam == "sentinel") return check_sentinel_file(path, want_ast);
  if (fam == "elastic") return check_elastic_file(path, want_ast);
  RuleCheck c;
  c.file = path;
  c.diagnostics.push_back(path + ": not a rule file rulelab knows (Sentinel .yaml/.json/.kql, Elastic .toml/.ndjson)");
  return {c};
}


std::vector<RuleCheck> check_sentinel_file(const std::string& path, bool want_ast) {
  std::vector<RuleCheck> out;
  auto rules = kusto::load_sentinel_file(path);
  if (!rules) {
    RuleCheck c;
    c.file = path;
    c.dialect = "kusto";
    const std::string& msg = rules.error().message;
    // Files that are not rules (e.g. "content moved" stubs: no query) are counted apart.
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



std::vector<RuleCheck> check_elastic_file(const std::string& path, bool want_ast) {
  const elastic::FieldTypes ecs = elastic::FieldTypes::builtin();
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  if (in) ss << in.rdbuf();
  const std::string text = ss.str();
  auto loaded = in ? elastic::load_elastic_text(path, text) : Result<std::vector<elastic::ElasticRule>>(Error("cannot open file", path));
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
      case elastic::QueryLanguage::Kuery: {
        c.dialect = "kuery";
        auto p = kuery::parse_kuery(r.query);
        if (p.query) {
          c.parsed = true;
          if (want_ast) c.ast_json = kuery::to_json(*p.query->root);
          // Against the ECS/integration field types: queries Elasticsearch would reject.
          elastic::IndexFields fields(ecs);
          auto compiled = kuery::CompiledQuery::compile(*p.query->root, fields, DateTime{0});
          for (const auto& e : compiled.errors())
            if (e.message.find("failed to find nested object") == std::string::npos)  // mapped by an integration we lack
              c.warnings.push_back(
                elastic::query_error(r, text, e.range.begin, "with ECS field types, Elasticsearch would reject this: " + e.message).format());
        } else {
          c.diagnostics.push_back(elastic::query_error(r, text, p.failure->offset, "KQL syntax error: " + p.failure->message).format());
        }
        break;
      }
      case elastic::QueryLanguage::Eql:
        c.dialect = "eql";
        check_eql_query(text, r.query_source.offset, r.query,
                        want_ast, c);
        break;
      case elastic::QueryLanguage::Esql:
        c.dialect = "esql";
        check_esql_query(text, r.query_source.offset, r.query, c);
        break;
      case elastic::QueryLanguage::Lucene:
        c.dialect = "lucene";
        c.skipped = true;
        break;
      case elastic::QueryLanguage::None:
        c.dialect = r.type == elastic::RuleType::MachineLearning ? "machine_learning" : std::string(elastic::to_string(r.type));
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


void check_eql_query(const std::string& file_text, std::size_t query_offset, const std::string& query, bool want_ast,
                     RuleCheck& out) {
  eql::SourceContext where;
  auto colon = out.file.rfind(':');
  // NDJSON exports name the rule "file:line"; positions are reported against the file itself.
  where.file = colon != std::string::npos && colon + 1 < out.file.size() &&
                       out.file.find_first_not_of("0123456789", colon + 1) == std::string::npos
                   ? out.file.substr(0, colon)
                   : out.file;
  where.file_text = file_text;
  where.offset = query_offset;
  where.map = eql::escaped_query_map(file_text, query_offset, query);
  auto q = eql::parse_query(query, where);
  if (!q) {
    out.parsed = false;
    out.diagnostics.push_back(q.error().format());
    return;
  }
  out.parsed = true;
  if (want_ast) out.ast_json = eql::to_json(*q);
}

void check_esql_query(const std::string& file_text, std::size_t query_offset, const std::string& query, RuleCheck& out) {
  esql::SourceContext where;
  auto colon = out.file.rfind(':');
  where.file = colon != std::string::npos && colon + 1 < out.file.size() &&
                       out.file.find_first_not_of("0123456789", colon + 1) == std::string::npos
                   ? out.file.substr(0, colon)
                   : out.file;
  // Positions in the rule file when the query is there verbatim (a TOML literal string).
  if (query_offset < file_text.size() && file_text.compare(query_offset, query.size(), query) == 0) {
    where.file_text = file_text;
    where.offset = query_offset;
  }
  auto q = esql::parse_query(query, where);
  if (!q) {
    out.parsed = false;
    out.diagnostics.push_back(q.error().format());
    return;
  }
  out.parsed = true;
  // Run over empty indices typed by ECS: names and types resolve, unsupported features show.
  const elastic::FieldTypes ecs = elastic::FieldTypes::builtin();
  esql::Catalog catalog;
  std::vector<std::string> fields = esql::referenced_fields(*q);
  // A LOOKUP JOIN ON an expression compares a row column with a lookup field: a name ECS does not
  // type compared with one it does is taken as the lookup index's, typed as its partner (a guess
  // for this check only: the lookup index's mapping is not known here), and no other index has it.
  std::map<std::string, std::string> lookup_fields;  // name -> mapping type
  std::set<std::string> lookup_indices;
  for (const esql::Command* c : esql::all_commands(*q)) {
    if (c->kind != esql::CommandKind::LookupJoin || !c->expr) continue;
    lookup_indices.insert(c->indices.begin(), c->indices.end());
    std::vector<esql::ExprPtr> conj;
    esql::and_parts(c->expr, conj);
    for (const auto& part : conj) {
      const esql::Expr* x = part.get();
      if (x->kind == esql::ExprKind::Not) x = x->args[0].get();
      if (x->kind != esql::ExprKind::Compare || x->args[0]->kind != esql::ExprKind::Field || x->args[1]->kind != esql::ExprKind::Field) continue;
      for (int side = 0; side < 2; ++side) {
        const std::string& mine = x->args[static_cast<std::size_t>(side)]->name;
        const std::string& other = x->args[static_cast<std::size_t>(1 - side)]->name;
        auto known = ecs.lookup(other);
        if (!ecs.lookup(mine) && known) lookup_fields[mine] = known->mapping.type_name;
      }
    }
  }
  std::vector<std::string> row_fields;
  for (const auto& f : fields)
    if (!lookup_fields.count(f)) row_fields.push_back(f);
  elastic::FieldTypes lookup_types = ecs;
  if (!lookup_fields.empty()) {
    nlohmann::json props = nlohmann::json::object();
    std::vector<std::string> names;
    for (const auto& [n, t] : lookup_fields) {
      props[n] = {{"type", t}};
      names.push_back(n);
    }
    (void)lookup_types.add_mapping_json(nlohmann::json{{"properties", props}}.dump(), "(the join condition's partners)");
    for (const auto& idx : lookup_indices) catalog.add_fields_index(idx, lookup_types, names);
  }
  for (const esql::Command* c : esql::all_commands(*q))
    for (const auto& idx : c->indices)
      if (!lookup_indices.count(idx)) catalog.add_fields_index(idx, ecs, lookup_fields.empty() ? fields : row_fields);
  esql::RunOptions opts;
  opts.where = where;
  auto r = esql::run_query(*q, catalog, opts);
  out.empty_run = !r.error ? "ok" : r.error->needs_service ? "needs a service" : r.error->unsupported ? "unsupported" : "error";
  if (r.error)
    out.warnings.push_back((r.error->needs_service ? "needs a service of an Elasticsearch cluster: "
                            : r.error->unsupported ? "unsupported by rulelab: "
                                                   : "over empty ECS indices: ") +
                           r.error->error.format());
}

}  // namespace rulelab::app
