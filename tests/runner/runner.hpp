// The data-driven query test runner (tests/runner/): one program for the three query dialects.
// A .test file's first directive is `dialect kusto|kuery|eql`; the rest of the file is read by
// that dialect's part (dialect_*.cpp). Formats: README.md, "Data-driven tests".
#pragma once
#include <cstddef>
#include <iostream>
#include <string>
#include <vector>

namespace rulelab::testrunner {

// One .test file being run: its lines (without line ends), and the tally of its cases.
struct FileRun {
  std::string file;                // as given on the command line (used in messages)
  std::vector<std::string> lines;  // lines[i] is line i + 1 of the file
  int passed = 0, failed = 0;

  void pass() { ++passed; }
  void fail(std::size_t line, const std::string& what) {
    ++failed;
    std::cerr << file << ":" << line << ": FAILED: " << what << "\n";
  }
};

// Each runs the directives of `f` from lines[first] (the line after `dialect ...`) to the end.
void run_kusto(FileRun& f, std::size_t first);
void run_kuery(FileRun& f, std::size_t first);
void run_eql(FileRun& f, std::size_t first);
void run_esql(FileRun& f, std::size_t first);

}  // namespace rulelab::testrunner
