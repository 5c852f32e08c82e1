// rulelab test SPEC...: rule-test files (YAML) that name a rule, its logs, a clock, and per case
// the expected alerts. Output for people, --junit FILE for CI systems, --format json.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.hpp"
#include "core/datetime.hpp"
#include "core/limits.hpp"
#include "app/rule_test.hpp"

namespace rulelab::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string xml_escape(const std::string& s) {
  std::string o;
  for (char ch : s) {
    switch (ch) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default: o += ch;
    }
  }
  return o;
}

struct TestArgs {
  std::vector<std::string> specs;
  std::string junit;
  std::string format = "table";
  bool verbose = false;
  Limits limits;  // each case's run
};

int run_tests(const TestArgs& a) {
  const app::TestRun run = app::run_test_specs(app::find_test_specs(a.specs), a.limits);
  for (const auto& e : run.errors) std::cerr << e << "\n";
  const std::size_t load_errors = run.errors.size();
  const std::vector<app::CaseResult>& results = run.cases;
  std::size_t passed = 0, failed = 0, bypasses = 0;
  for (const auto& r : results) {
    (r.passed ? passed : failed)++;
    if (r.passed && r.bypass) ++bypasses;
  }
  if (a.format == "json") {
    json j = json::array();
    for (const auto& r : results)
      j.push_back({{"spec", r.spec}, {"rule", r.rule}, {"case", r.name}, {"passed", r.passed}, {"alert", r.alert}, {"rows", r.rows},
                   {"bypass_reproduced", r.passed && r.bypass}, {"tags", r.tags}, {"problems", r.problems}, {"reason", r.reason}});
    std::cout << json{{"cases", j}, {"passed", passed}, {"failed", failed + load_errors}, {"bypasses_reproduced", bypasses}}.dump(2) << "\n";
  } else {
    std::string last_spec;
    for (const auto& r : results) {
      if (r.spec != last_spec) {
        std::cout << "\n" << r.spec << "\n";
        last_spec = r.spec;
      }
      std::cout << "  " << (r.passed ? "PASS" : "FAIL") << "  " << r.name;
      if (r.passed) std::cout << (r.alert ? "  [alert, " + std::to_string(r.rows) + " row" + (r.rows == 1 ? "" : "s") + "]" : "  [no alert]");
      if (r.passed && r.bypass) {
        std::cout << "  bypass reproduced";
        for (const auto& t : r.tags)
          if (t != "bypass") std::cout << " (" << t << ")";
      }
      std::cout << "\n";
      for (const auto& p : r.problems) std::cout << "        " << p << "\n";
      if (!r.passed && !r.output.empty()) {
        std::istringstream lines(r.output);
        std::string l;
        int n = 0;
        while (std::getline(lines, l) && n++ < 12) std::cout << "        | " << l << "\n";
      }
      if (a.verbose && !r.reason.empty()) std::cout << "        why: " << r.reason << "\n";
    }
    std::cout << "\n" << passed << " passed, " << failed + load_errors << " failed (" << bypasses << " bypasses reproduced)\n";
  }
  if (!a.junit.empty()) {
    std::ofstream x(a.junit);
    x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"" << results.size() << "\" failures=\"" << failed << "\">\n";
    std::string last;
    bool open = false;
    for (const auto& r : results) {
      if (r.spec != last) {
        if (open) x << "  </testsuite>\n";
        x << "  <testsuite name=\"" << xml_escape(r.spec) << "\">\n";
        open = true;
        last = r.spec;
      }
      x << "    <testcase classname=\"" << xml_escape(fs::path(r.spec).stem().string()) << "\" name=\"" << xml_escape(r.name)
        << "\" time=\"" << r.seconds << "\"";
      if (r.passed) {
        x << "/>\n";
        continue;
      }
      std::string msg;
      for (const auto& p : r.problems) msg += p + "\n";
      x << ">\n      <failure message=\"" << xml_escape(r.problems.empty() ? "failed" : r.problems.front()) << "\">"
        << xml_escape(msg + r.output) << "</failure>\n    </testcase>\n";
    }
    if (open) x << "  </testsuite>\n";
    x << "</testsuites>\n";
  }
  return failed + load_errors ? 1 : 0;
}

}  // namespace

void add_test(CLI::App& app, Registry& r) {
  auto a = std::make_shared<TestArgs>();
  CLI::App* sub = app.add_subcommand("test", "Run rule-test files (*.test.yaml): expected alerts per case, bypasses reproduced");
  sub->add_option("specs", a->specs, "rule-test files or directories holding *.test.yaml")->required();
  sub->add_option("--junit", a->junit, "write JUnit XML for CI systems");
  sub->add_option("--format", a->format, "table or json")->check(CLI::IsMember({"table", "json"}));
  sub->add_flag("-v,--verbose", a->verbose, "print each case's stated reason");
  add_limit_options(sub, a->limits);
  r.add(sub, [a] { return run_tests(*a); });
}

}  // namespace rulelab::cli
