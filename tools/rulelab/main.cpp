// rulelab: run Sentinel and Elastic detection rules over sample logs.
#include <exception>
#include <iostream>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"rulelab: run Sentinel (Kusto) and Elastic (Kibana KQL, EQL) detection rules over sample logs"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "rulelab 0.1.0");
  rulelab::cli::Registry registry;
  rulelab::cli::add_ingest(app, registry);
  rulelab::cli::add_parse(app, registry);
  rulelab::cli::add_corpus(app, registry);
  rulelab::cli::add_run(app, registry);
  rulelab::cli::add_query(app, registry);
  rulelab::cli::add_corpus_run(app, registry);
  rulelab::cli::add_test(app, registry);
  rulelab::cli::add_simulate(app, registry);
  rulelab::cli::add_diff(app, registry);
  rulelab::cli::add_explain(app, registry);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    for (auto& [sub, action] : registry.commands)
      if (sub->parsed()) return action();
  } catch (const std::exception& e) {
    std::cerr << "rulelab: internal error: " << e.what() << "\n";
    return 3;
  }
  return 2;
}
