// rulelab explain RULE --data ... --event SELECTOR: why one event did or did not lead to an alert.
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "core/datetime.hpp"
#include "core/ingest.hpp"
#include "core/paths.hpp"
#include "engine/engine.hpp"
#include "engine/plan.hpp"
#include "schedule.hpp"

namespace rulelab::cli {

Result<FoundEvent> find_event(const std::string& selector, const std::vector<std::string>& data, const std::string& time_field,
                              bool documents) {
  if (data.empty()) return Error{"--event needs --data"};
  // FILE:LINE, NAME:LINE or LINE (the first data file).
  std::string where, line_text = selector;
  if (const auto colon = selector.rfind(':'); colon != std::string::npos) {
    where = selector.substr(0, colon);
    line_text = selector.substr(colon + 1);
  }
  std::size_t line = 0;
  const bool by_line = !line_text.empty() && line_text.find_first_not_of("0123456789") == std::string::npos &&
                       selector.find('=') == std::string::npos;
  if (by_line) line = std::stoul(line_text);
  std::string field, value;
  if (!by_line) {
    const auto eq = selector.find('=');
    if (eq == std::string::npos || eq == 0)
      return Error{"--event " + selector + ": give LINE, FILE:LINE, TABLE:LINE or Field=Value"};
    field = selector.substr(0, eq);
    value = selector.substr(eq + 1);
  }
  for (std::size_t fi = 0; fi < data.size(); ++fi) {
    auto [name, file] = split_data_spec(data[fi], documents);
    if (by_line && !where.empty() && where != name && where != file &&
        std::filesystem::path(file).filename().string() != where)
      continue;
    if (by_line && where.empty() && fi > 0) break;
    IngestOptions opt;
    opt.table = name;
    opt.documents = documents;
    auto res = ingest_file(file, opt);
    if (!res) return res.error();
    const Table& t = res->table;
    const int tcol = documents ? 0 : t.schema.index_of(time_field);
    const int fcol = documents ? 0 : t.schema.index_of(field);
    if (!by_line && !documents && fcol < 0) continue;
    for (const auto& b : t.batches) {
      for (std::size_t i = 0; i < b.rows(); ++i) {
        bool hit = false;
        if (by_line) {
          hit = b.sources[i].line == line;
        } else if (documents) {
          for (DynRef v : values_at(b.columns[0].get_dynamic(i), field))
            if ((v.is_string() && v.as_string() == value) || (!v.is_string() && to_json(v) == value)) hit = true;
        } else {
          const Column& c = b.columns[static_cast<std::size_t>(fcol)];
          hit = engine::format_cell(c, i) == value;
        }
        if (!hit) continue;
        FoundEvent ev{file, name, fi, b.sources[i].line, std::nullopt};
        if (documents) {
          auto vals = values_at(b.columns[0].get_dynamic(i), time_field);
          if (vals.empty()) vals = values_at(b.columns[0].get_dynamic(i), "@timestamp");
          if (!vals.empty()) ev.time = dyn_time(vals.front());
        } else if (tcol >= 0 && b.columns[static_cast<std::size_t>(tcol)].type() == Type::DateTime &&
                   !b.columns[static_cast<std::size_t>(tcol)].is_null(i)) {
          ev.time = b.columns[static_cast<std::size_t>(tcol)].get_datetime(i);
        }
        return ev;
      }
    }
    if (by_line) return Error{"--event " + selector + ": " + file + " has no record on line " + std::to_string(line)};
  }
  return Error{"--event " + selector + ": no record matches"};
}

void add_explain(CLI::App& app, Registry& r) {
  auto a = std::make_shared<ExplainArgs>();
  CLI::App* sub = app.add_subcommand("explain", "Why one event did or did not lead to an alert: predicates, join keys, windows");
  sub->add_option("rule", a->rule, "rule file")->required();
  sub->add_option("--data", a->data, "TABLE=FILE or INDEX=FILE (repeatable)");
  sub->add_option("--event", a->event, "the event: LINE (of the first file), FILE:LINE, TABLE:LINE, or Field=Value")->required();
  sub->add_option("--now", a->now, "the clock (ISO 8601)");
  sub->add_option("--format", a->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  sub->add_option("--schema", a->schema_dir, "directory of Log Analytics table schemas (Sentinel)");
  sub->add_option("--function", a->functions, "NAME=FILE.kql workspace function (Sentinel)");
  sub->add_option("--mapping", a->mapping, "Elasticsearch index mapping JSON (Elastic)");
  add_limit_options(sub, a->limits);
  r.add(sub, [a] {
    const std::string fam = rule_family(a->rule);
    if (fam == "sentinel") return explain_sentinel(*a);
    if (fam == "elastic") return explain_elastic(*a);
    std::cerr << a->rule << ": not a rule file rulelab knows\n";
    return 1;
  });
}

}  // namespace rulelab::cli
