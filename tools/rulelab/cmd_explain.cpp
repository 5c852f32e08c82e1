// rulelab explain RULE --data ... --event SELECTOR: why one event did or did not lead to an alert.
#include <iostream>

#include "app/events.hpp"
#include "app/runner.hpp"
#include "commands.hpp"
#include "run_output.hpp"

namespace rulelab::cli {

app::DataOptions explain_data_options(const ExplainArgs& a, bool elastic) {
  RunArgs r;
  r.data = a.data;
  r.schema_dir = a.schema_dir;
  r.functions = a.functions;
  r.parser_dirs = a.parser_dirs;
  r.watchlists = a.watchlists;
  r.value_lists = a.value_lists;
  r.completions = a.completions;
  r.mapping = a.mapping;
  r.index_mappings = a.index_mappings;
  r.limits = a.limits;
  r.alerts_max = a.alerts_max;
  r.date_order = a.date_order;
  return data_options(r, elastic);
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
  add_mapping_option(sub, a->mapping, a->index_mappings);
  add_alerts_max_option(sub, a->alerts_max);
  add_date_order_option(sub, a->date_order);
  add_workspace_options(sub, a->parser_dirs, a->watchlists, &a->value_lists, &a->completions);
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
