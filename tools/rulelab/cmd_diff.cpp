// rulelab diff RULE_A RULE_B --data ... [--now T | --from T0 --to T1]: the alerts raised only by A,
// only by B, and by both, matched by the source events they derive from (provenance), so that a
// renamed column or a normalised value does not hide that two versions alert on the same events.
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "commands.hpp"
#include "core/datetime.hpp"
#include "app/diff.hpp"
#include "run_output.hpp"

namespace rulelab::cli {

using nlohmann::json;

namespace {

struct DiffArgs {
  RunArgs a;
  std::string rule_b, now, from, to;
};

int run_diff(const DiffArgs& d) {
  if (!d.from.empty() != !d.to.empty()) {
    std::cerr << "rulelab diff: give --from and --to together (or --now)\n";
    return 2;
  }
  auto diff = app::diff_rules(d.a.rule, d.rule_b, data_options(d.a, false), d.now, d.from, d.to);
  if (!diff) {
    std::cerr << diff.error().format() << "\n";
    return 1;
  }
  const bool by_prov = diff->by_provenance;
  const std::vector<std::string>& warnings = diff->warnings;
  auto with_sources = [](const app::AlertRow& r) {
    json j = r.row;
    if (!r.sources.empty()) j["_sources"] = app::in_order(r.sources);
    return j;
  };
  json only_a = json::array(), only_b = json::array(), both = json::array();
  std::vector<const app::AlertRow*> la, lb, bl;
  for (const auto& x : diff->only_a) {
    only_a.push_back(with_sources(x));
    la.push_back(&x);
  }
  for (const auto& x : diff->only_b) {
    only_b.push_back(with_sources(x));
    lb.push_back(&x);
  }
  for (const auto& [x, y] : diff->both) {
    json j = with_sources(x);
    if (x.row != y.row) j["_b"] = y.row;
    both.push_back(std::move(j));
    bl.push_back(&x);
  }
  if (d.a.format == "json") {
    std::cout << json{{"rule_a", d.a.rule}, {"rule_b", d.rule_b}, {"matched_by", by_prov ? "source events" : "identical rows"},
                      {"only_a", only_a}, {"only_b", only_b}, {"both", both}, {"warnings", warnings}}
                     .dump(2)
              << "\n";
    return 0;
  }
  for (const auto& w : warnings) std::cerr << "warning: " << w << "\n";
  std::cout << "A: " << d.a.rule << "\nB: " << d.rule_b << "\n(alerts matched by "
            << (by_prov ? "the source events they derive from" : "identical rows: the runs carried no provenance") << ")\n";
  auto show = [](const char* title, const std::vector<const app::AlertRow*>& rows) {
    std::cout << "\n" << title << ": " << rows.size() << "\n";
    for (const auto* r : rows) {
      std::cout << "  -";
      std::size_t n = 0;
      for (const auto& [k, v] : r->row.items()) {
        const bool scalars = v.is_array() && std::none_of(v.begin(), v.end(), [](const json& x) { return x.is_structured(); });
        if (v.is_object() || (v.is_array() && !scalars) || n >= 4 || (v.is_string() && v.get<std::string>().empty())) continue;
        std::cout << " " << k << "=" << (v.is_string() ? v.get<std::string>() : v.dump());
        ++n;
      }
      if (!r->sources.empty()) {
        std::cout << "  from";
        for (const auto& s : app::in_order(r->sources)) std::cout << " " << s;
      }
      std::cout << "\n";
    }
  };
  show("only A", la);
  show("only B", lb);
  show("both", bl);
  return 0;
}

}  // namespace

void add_diff(CLI::App& app, Registry& r) {
  auto d = std::make_shared<DiffArgs>();
  CLI::App* sub = app.add_subcommand("diff", "Run two versions of a rule over the same data: alerts only A, only B, both");
  sub->add_option("rule_a", d->a.rule, "rule file A")->required();
  sub->add_option("rule_b", d->rule_b, "rule file B")->required();
  sub->add_option("--data", d->a.data, "TABLE=FILE or INDEX=FILE (repeatable)");
  sub->add_option("--now", d->now, "one run at this time (ISO 8601)");
  sub->add_option("--from", d->from, "scheduled runs from this time ...");
  sub->add_option("--to", d->to, "... to this time (each rule on its own schedule)");
  sub->add_option("--format", d->a.format, "table or json")->check(CLI::IsMember({"table", "json"}));
  sub->add_option("--schema", d->a.schema_dir, "directory of Log Analytics table schemas (Sentinel)");
  sub->add_option("--function", d->a.functions, "NAME=FILE.kql: a workspace function (ASIM parser, watchlist)");
  add_mapping_option(sub, d->a.mapping, d->a.index_mappings);
  add_alerts_max_option(sub, d->a.alerts_max);
  add_date_order_option(sub, d->a.date_order);
  add_workspace_options(sub, d->a.parser_dirs, d->a.watchlists, &d->a.value_lists, &d->a.completions);
  add_limit_options(sub, d->a.limits);
  r.add(sub, [d] { return run_diff(*d); });
}

}  // namespace rulelab::cli
