// rulelab run RULE --data ... and rulelab query --dialect D 'QUERY' --data ...
#include <iostream>

#include "commands.hpp"

namespace rulelab::cli {

void add_limit_options(CLI::App* sub, Limits& limits) {
  sub->add_option("--timeout", limits.timeout_seconds,
                  "time limit of one query run in seconds (default 600, Log Analytics' maximum; 0: none)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--max-rows", limits.max_rows,
                  "rows one join, lookup, mv-expand, mv-apply, range or make-series may produce (default 10000000; 0: none)");
}

namespace {
void add_data_options(CLI::App* sub, std::vector<std::string>& data, std::string& now, std::string& format,
                      std::string& schema_dir, std::vector<std::string>& functions, std::string& mapping, bool& strict,
                      std::vector<std::string>& external) {
  sub->add_option("--data", data, "TABLE=FILE or INDEX=FILE (repeatable); FILE alone takes its name from the file");
  sub->add_option("--now", now, "the clock: ISO 8601 datetime (default: the current time)");
  sub->add_option("--format", format, "table, json, ndjson or csv")->check(CLI::IsMember({"table", "json", "ndjson", "csv"}));
  sub->add_option("--schema", schema_dir, "directory of Log Analytics table schemas (Sentinel)");
  sub->add_option("--function", functions, "NAME=FILE.kql: a workspace function (ASIM parser, watchlist)");
  sub->add_option("--mapping", mapping, "Elasticsearch index mapping JSON (GET index/_mapping)");
  sub->add_flag("--strict", strict, "a log record that cannot be read is fatal");
  sub->add_option("--external", external, "URL=FILE: a local copy of a URL an externaldata operator reads (repeatable)");
}
}  // namespace

void add_run(CLI::App& app, Registry& r) {
  auto a = std::make_shared<RunArgs>();
  CLI::App* sub = app.add_subcommand("run", "Run a rule once over sample logs and say whether it alerts");
  sub->add_option("rule", a->rule, "rule file (Sentinel YAML/ARM JSON/.kql, Elastic TOML/NDJSON export)")->required();
  add_data_options(sub, a->data, a->now, a->format, a->schema_dir, a->functions, a->mapping, a->strict, a->external);
  sub->add_flag("--provenance", a->provenance, "with --format json: per row, the input records (file:line) it derives from");
  add_limit_options(sub, a->limits);
  sub->add_flag("--no-pushdown", a->no_pushdown,
                "Sentinel: read every row of the window into memory before the query runs (no filter pushed down into reading, "
                "no streaming into summarize)");
  r.add(sub, [a] {
    const std::string fam = rule_family(a->rule);
    if (fam == "sentinel") return run_sentinel(*a);
    if (fam == "elastic") return run_elastic(*a);
    std::cerr << a->rule << ": not a rule file rulelab knows (Sentinel .yaml/.json/.kql, Elastic .toml/.ndjson)\n";
    return 1;
  });
}

void add_query(CLI::App& app, Registry& r) {
  auto a = std::make_shared<QueryArgs>();
  CLI::App* sub = app.add_subcommand("query", "Run an ad hoc query (Kusto, Kibana KQL or EQL) over sample logs");
  sub->add_option("query", a->query, "the query text")->required();
  sub->add_option("--dialect", a->dialect, "kusto, kuery or eql")->required()->check(CLI::IsMember({"kusto", "kuery", "kql", "eql"}));
  sub->add_option("--size", a->size, "result size (EQL, Kibana KQL)");
  add_data_options(sub, a->data, a->now, a->format, a->schema_dir, a->functions, a->mapping, a->strict, a->external);
  add_limit_options(sub, a->limits);
  sub->add_flag("--no-pushdown", a->no_pushdown, "Kusto: read every row into memory before the query runs");
  r.add(sub, [a] {
    if (a->dialect == "kusto") return query_kusto(*a);
    if (a->dialect == "eql") return query_eql(*a);
    return query_kuery(*a);
  });
}

}  // namespace rulelab::cli
