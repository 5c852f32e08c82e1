// Runs data-driven query tests: each FILE.test argument declares its dialect on its first
// directive line (`dialect kusto`, `dialect kuery` or `dialect eql`) and is run by that
// dialect's engine. Prints one line per file and ends with "N passed, N failed"; exit status 1
// when any case failed. Usage: query_test_runner FILE.test...
#include <fstream>
#include <iostream>
#include <sstream>

#include "runner.hpp"

using namespace rulelab::testrunner;

namespace {

void run_file(FileRun& f) {
  std::size_t i = 0;
  while (i < f.lines.size() && (f.lines[i].empty() || f.lines[i][0] == '#')) ++i;
  std::istringstream ws(i < f.lines.size() ? f.lines[i] : std::string());
  std::string word, dialect, extra;
  ws >> word >> dialect >> extra;
  if (word != "dialect" || dialect.empty() || !extra.empty()) {
    f.fail(i + 1, "the first directive must be 'dialect kusto|kuery|eql|esql'");
    return;
  }
  if (dialect == "kusto") run_kusto(f, i + 1);
  else if (dialect == "kuery") run_kuery(f, i + 1);
  else if (dialect == "eql") run_eql(f, i + 1);
  else if (dialect == "esql") run_esql(f, i + 1);
  else f.fail(i + 1, "unknown dialect '" + dialect + "' (kusto, kuery, eql or esql)");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: query_test_runner FILE.test...\n";
    return 2;
  }
  int passed = 0, failed = 0;
  for (int a = 1; a < argc; ++a) {
    FileRun f;
    f.file = argv[a];
    std::ifstream in(argv[a], std::ios::binary);
    if (!in) {
      std::cerr << argv[a] << ": cannot read\n";
      ++failed;
      continue;
    }
    for (std::string l; std::getline(in, l);) {
      if (!l.empty() && l.back() == '\r') l.pop_back();
      f.lines.push_back(l);
    }
    run_file(f);
    if (f.passed + f.failed == 0) f.fail(1, "no cases");
    if (argc > 2) std::cout << f.file << ": " << f.passed << " passed, " << f.failed << " failed\n";
    passed += f.passed;
    failed += f.failed;
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed ? 1 : 0;
}
