// rulelab run RULE --data ... and rulelab query --dialect D 'QUERY' --data ...
#include <filesystem>
#include <iostream>

#include "app/rule.hpp"
#include "app/runner.hpp"
#include "commands.hpp"
#include "run_output.hpp"

namespace rulelab::cli {

void add_date_order_option(CLI::App* sub, std::string& order) {
  sub->add_option("--date-order", order,
                  "mdy or dmy: how the slash dates of a CSV export read (\"11/04/2025, 10:14:36.000\") when no value of their "
                  "column has a day above 12 (default: mdy, with a warning)")
      ->check(CLI::IsMember({"mdy", "dmy"}));
}

std::optional<DateOrder> date_order_of(const std::string& order) {
  if (order == "dmy") return DateOrder::DayFirst;
  if (order == "mdy") return DateOrder::MonthFirst;
  return std::nullopt;
}

void add_workspace_options(CLI::App* sub, std::vector<std::string>& parser_dirs, std::vector<std::string>& watchlists,
                           std::vector<std::string>* value_lists, std::vector<std::string>* completions) {
  if (completions)
    sub->add_option("--completion", *completions,
                    "FILE: what ES|QL COMPLETION's inference endpoint answers, one JSON object a line: {\"response\": \"...\"} with "
                    "optional \"inference_id\" and \"prompt_contains\"; the first that fits a prompt answers it (repeatable)")
        ->allow_extra_args(false);
  if (value_lists)
    sub->add_option("--value-list", *value_lists,
                  "ID=FILE: the items of the Kibana value list ID (one value a line, as Kibana imports and exports them) "
                  "that exception entries of type list name (repeatable)");
  sub->add_option("--parsers", parser_dirs,
                  "ASIM parser YAMLs (Azure-Sentinel Parsers/ASim*/Parsers/*.yaml): a file or a directory searched recursively "
                  "(repeatable; default: a Parsers folder next to the rule)");
  sub->add_option("--watchlist", watchlists,
                  "NAME=FILE.csv or NAME:SEARCHKEY=FILE.csv: a watchlist _GetWatchlist('NAME') returns (SearchKey: the first "
                  "column unless named; repeatable)");
}

void add_alerts_max_option(CLI::App* sub, std::int64_t& alerts_max) {
  sub->add_option("--alerts-max", alerts_max,
                  "Elastic: Kibana's xpack.alerting.rules.run.alerts.max, the most alerts any rule writes in one run whatever its "
                  "max_signals (default 1000, Kibana's; 0: no such cap)")
      ->check(CLI::NonNegativeNumber);
}

void add_limit_options(CLI::App* sub, Limits& limits) {
  sub->add_option("--timeout", limits.timeout_seconds,
                  "time limit of one query run in seconds (default 600, Log Analytics' maximum; 0: none)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--max-rows", limits.max_rows,
                  "rows one join, lookup, mv-expand, mv-apply, range or make-series may produce (default 10000000; 0: none)");
}

int run_rule(const RunArgs& a) {
  if (a.format == "csv" && app::rule_family(a.rule) == "elastic") {
    std::cerr << "--format csv: Elastic results are documents; use table, json or ndjson\n";
    return 1;
  }
  auto rules = app::load_rules(a.rule);
  if (!rules) {
    std::cerr << rules.error().format() << "\n";
    return 1;
  }
  auto now = app::parse_now(a.now);
  if (!now) {
    std::cerr << now.error().format() << "\n";
    return 1;
  }
  const bool elastic = rules->front().family == app::Family::Elastic;
  app::DataOptions data = data_options(a, elastic);
  data.provenance = a.provenance;  // lineage costs time on every row: only when asked for (diff, test, simulate need it)
  int rc = 0;
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  bool first = true;
  for (const auto& rule : *rules) {
    if (rules->size() > 1 && rule.kind == app::Kind::ElasticEql) {
      std::cerr << rule.elastic->file << ":" << rule.elastic->file_line << ": \"" << rule.name
                << "\" is an EQL rule inside a multi-rule export: run it from its own file\n";
      rc = rc ? rc : 2;
      continue;
    }
    for (const auto& t : app::unmatched_data(rule, data))
      std::cerr << "warning: the rule reads " << (elastic ? "indices " : "table ") << t << " but no --data gives "
                << (elastic ? "an index they match" : "it") << ": " << (elastic ? "it searches nothing" : "it is read as empty") << "\n";
    auto runner = app::make_runner(rule, data);
    if (!runner) {
      std::cerr << runner.error().format() << "\n";
      rc = rc ? rc : (rule.kind == app::Kind::ElasticEsql || rule.kind == app::Kind::ElasticOther ? 2 : 1);
      continue;
    }
    auto result = (*runner)->run(*now);
    if (!result) {
      std::cerr << result.error().format() << "\n";
      return (*runner)->unsupported ? 2 : 1;
    }
    if (!result->errors.empty()) rc = 1;
    if (a.format == "json") {
      for (const auto& w : result->warnings) std::cerr << "warning: " << w << "\n";
      for (const auto& n : result->notes) std::cerr << "note: " << n << "\n";
      for (const auto& e : result->errors) std::cerr << e << "\n";
      if (rule.kind == app::Kind::ElasticEql) {
        // EQL runs print one compact JSON line per rule, keys sorted (as Elasticsearch's EQL search API does).
        std::cout << nlohmann::json::parse(run_json(rule, std::move(*result), a.provenance).dump()).dump() << "\n";
        continue;
      }
      all.push_back(run_json(rule, std::move(*result), a.provenance));
      continue;
    }
    if (!first && a.format == "table") std::cout << "\n";
    first = false;
    print_run(rule, *result, a, std::cout, std::cerr);
  }
  if (a.format == "json" && !all.empty()) std::cout << (all.size() == 1 ? all[0] : all).dump(2) << "\n";
  exit_keeping_memory(rc);
}

void add_mapping_option(CLI::App* sub, std::string& mapping, std::vector<std::string>& index_mappings) {
  auto bare = std::make_shared<int>(0);
  sub->add_option_function<std::vector<std::string>>(
         "--mapping",
         [&mapping, &index_mappings, bare](const std::vector<std::string>& v) {
           for (const auto& m : v) {
             // INDEX=FILE when the part before '=' can be an index name and the whole is no file
             // (a FILE path may hold '=')
             const auto eq = m.find('=');
             const bool index_form = eq != std::string::npos && eq > 0 && m.find_first_of("/\\*,", 0) >= eq && !std::filesystem::exists(m);
             if (index_form) {
               if (eq + 1 == m.size()) throw CLI::ValidationError("--mapping", m + ": no FILE after '='");
               index_mappings.push_back(m);
               continue;
             }
             if ((*bare)++)
               throw CLI::ValidationError("--mapping", "one mapping FILE for every index; give another index's as INDEX=FILE");
             mapping = m;
           }
         },
         "Elasticsearch index mapping JSON (GET index/_mapping): FILE for every index, INDEX=FILE for one (repeatable; ES|QL rules)");
}

namespace {
void add_data_options(CLI::App* sub, std::vector<std::string>& data, std::string& now, std::string& format,
                      std::string& schema_dir, std::vector<std::string>& functions, std::string& mapping, bool& strict,
                      std::vector<std::string>& external, std::vector<std::string>* mappings = nullptr) {
  sub->add_option("--data", data, "TABLE=FILE or INDEX=FILE (repeatable); FILE alone takes its name from the file");
  sub->add_option("--now", now, "the clock: ISO 8601 datetime (default: the current time)");
  sub->add_option("--format", format, "table, json, ndjson or csv")->check(CLI::IsMember({"table", "json", "ndjson", "csv"}));
  sub->add_option("--schema", schema_dir, "directory of Log Analytics table schemas (Sentinel)");
  sub->add_option("--function", functions, "NAME=FILE.kql: a workspace function (ASIM parser, watchlist)");
  if (mappings)
    sub->add_option("--mapping", *mappings, "Elasticsearch index mapping JSON (GET index/_mapping); EQL and ES|QL: INDEX=FILE per index (repeatable)");
  else
    (void)mapping;  // (the rule commands add theirs: add_mapping_option)
  sub->add_flag("--strict", strict, "a log record that cannot be read is fatal");
  sub->add_option("--external", external, "URL=FILE: a local copy of a URL an externaldata operator reads (repeatable)");
}
}  // namespace

void add_run(CLI::App& app, Registry& r) {
  auto a = std::make_shared<RunArgs>();
  CLI::App* sub = app.add_subcommand("run", "Run a rule once over sample logs and say whether it alerts");
  sub->add_option("rule", a->rule, "rule file (Sentinel YAML/ARM JSON/.kql, Elastic TOML/NDJSON export)")->required();
  add_data_options(sub, a->data, a->now, a->format, a->schema_dir, a->functions, a->mapping, a->strict, a->external);
  add_mapping_option(sub, a->mapping, a->index_mappings);
  add_alerts_max_option(sub, a->alerts_max);
  add_date_order_option(sub, a->date_order);
  add_workspace_options(sub, a->parser_dirs, a->watchlists, &a->value_lists, &a->completions);
  sub->add_flag("--provenance", a->provenance, "with --format json: per row, the input records (file:line) it derives from");
  add_limit_options(sub, a->limits);
  sub->add_flag("--no-pushdown", a->no_pushdown,
                "Sentinel: read every row of the window into memory before the query runs (no filter pushed down into reading, "
                "no streaming into summarize); Elastic: read every document (none dropped while reading; ES|QL: every field, no streaming)");
  r.add(sub, [a] { return run_rule(*a); });
}

void add_query(CLI::App& app, Registry& r) {
  auto a = std::make_shared<QueryArgs>();
  auto mappings = std::make_shared<std::vector<std::string>>();
  CLI::App* sub = app.add_subcommand("query", "Run an ad hoc query (Kusto, Kibana KQL, EQL or ES|QL) over sample logs");
  sub->add_option("query", a->query, "the query text")->required();
  sub->add_option("--dialect", a->dialect, "kusto, kuery, eql or esql")->required()->check(CLI::IsMember({"kusto", "kuery", "kql", "eql", "esql"}));
  sub->add_option("--size", a->size, "result size (EQL, Kibana KQL)")->check(CLI::PositiveNumber);
  sub->add_option("--tiebreaker", a->tiebreaker, "EQL: the field that orders events with the same timestamp (tiebreaker_field)");
  sub->add_option("--timestamp-field", a->timestamp_field, "EQL: the field holding each event's time (default @timestamp)");
  sub->add_option("--event-category-field", a->event_category_field,
                  "EQL: the field `process where ...` tests (default event.category)");
  sub->add_option("--max-samples-per-key", a->max_samples_per_key, "EQL samples: samples per join key (default 1)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--param", a->params,
                  "ES|QL: a parameter of the request, NAME=VALUE for ?NAME, or VALUE for ? and ?N in order (repeatable); VALUE is "
                  "JSON (42, 1.5, true, null, \"text\") or else a string")
      ->allow_extra_args(false);  // one value per --param, taken whole (no `[a,b]` splitting)
  add_data_options(sub, a->data, a->now, a->format, a->schema_dir, a->functions, a->mapping, a->strict, a->external, mappings.get());
  add_date_order_option(sub, a->date_order);
  add_workspace_options(sub, a->parser_dirs, a->watchlists, nullptr, &a->completions);
  add_limit_options(sub, a->limits);
  sub->add_flag("--no-pushdown", a->no_pushdown,
                "Kusto: read every row into memory before the query runs; kuery, EQL: read every document (none dropped while reading); "
                "ES|QL: read every field of every document before the query runs (no streaming)");
  r.add(sub, [a, sub, mappings] {
    for (const auto* opt : {"--param", "--completion"})
      if (a->dialect != "esql" && sub->count(opt)) {
        std::cerr << "rulelab query: " << opt << " applies to --dialect esql only\n";
        return 2;
      }
    if (a->dialect != "eql") {
      for (const auto* opt : {"--tiebreaker", "--timestamp-field", "--event-category-field", "--max-samples-per-key"})
        if (sub->count(opt)) {
          std::cerr << "rulelab query: " << opt << " applies to --dialect eql only\n";
          return 2;
        }
    }
    if (a->dialect == "esql") return query_esql(*a, *mappings);
    if (a->dialect == "eql") {
      // EQL: one mapping per index (`--mapping INDEX=FILE`, repeatable, as Elasticsearch's EQL
      // conformance cases name them), or one FILE for every index.
      for (const auto& m : *mappings) a->mapping += (a->mapping.empty() ? "" : ",") + m;
      return query_eql(*a);
    }
    if (mappings->size() > 1) {
      std::cerr << "--mapping: one mapping file (several, INDEX=FILE, with --dialect eql or esql)\n";
      return 2;
    }
    if (!mappings->empty()) a->mapping = mappings->front();
    if (a->dialect == "kusto") return query_kusto(*a);
    if (a->dialect == "eql") return query_eql(*a);
    return query_kuery(*a);
  });
}

}  // namespace rulelab::cli
