// Measures the Kusto executor alone: reads an AuditLogs NDJSON file once into memory, then runs
// filter-heavy queries over the table several times, with the vector kernels and through the
// per-row path (RunOptions::vector_kernels), and prints the best wall and CPU time of each.
// Usage: rulelab-bench-expr AUDITLOGS.ndjson [repeat]
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "core/ingest.hpp"
#include "engine/engine.hpp"

namespace {
struct Timing {
  double wall = 1e300, cpu = 1e300;
  std::size_t rows = 0;
};

Timing measure(rulelab::engine::Engine& engine, const std::string& query, bool kernels, int repeat) {
  Timing t;
  rulelab::engine::RunOptions opt;
  opt.vector_kernels = kernels;
  for (int k = 0; k < repeat; ++k) {
    rulelab::Table out;
    rulelab::engine::EngineError err;
    const auto w0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    const bool ok = engine.run(query, rulelab::kusto::QueryLocation::identity(), opt, out, err);
    const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    if (!ok) {
      std::fprintf(stderr, "%s\n", err.error.message.c_str());
      return t;
    }
    t.wall = std::min(t.wall, wall);
    t.cpu = std::min(t.cpu, cpu);
    t.rows = out.rows();
  }
  return t;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: rulelab-bench-expr AUDITLOGS.ndjson [repeat]\n");
    return 2;
  }
  const int repeat = argc > 2 ? std::stoi(argv[2]) : 5;
  rulelab::IngestOptions io;
  io.table = "AuditLogs";
  io.columns = {"TimeGenerated", "OperationName", "Result", "Category", "DurationMs", "LoggedByService"};
  auto r = rulelab::ingest_file(argv[1], io);
  if (!r) {
    std::fprintf(stderr, "%s\n", r.error().message.c_str());
    return 1;
  }
  const std::size_t rows = r->table.rows();
  rulelab::engine::Engine engine;
  engine.add_table("AuditLogs", std::make_shared<const rulelab::Table>(std::move(r->table)));
  std::printf("%zu rows in memory; best of %d runs; executor only (no reading)\n", rows, repeat);
  const std::vector<std::pair<const char*, std::string>> queries = {
      {"where == and =~ | count", R"(AuditLogs | where OperationName == "Add user" and Result =~ "success" | count)"},
      {"where has, !~, >=, in | count", R"(AuditLogs | where OperationName has "user" and Result !~ "failure" and DurationMs >= 0 and Category in ("UserManagement", "GroupManagement") | count)"},
      {"where or of 3 startswith/contains | count", R"(AuditLogs | where OperationName startswith "delete" or OperationName contains "group" or LoggedByService endswith "directory" | count)"},
      {"where datetime window | count", R"(AuditLogs | where TimeGenerated > datetime(2025-06-01) and TimeGenerated <= datetime(2025-06-01) + 30d | count)"},
      {"extend arithmetic | summarize", R"(AuditLogs | extend d = DurationMs * 2 + 1, t = TimeGenerated - datetime(2025-01-01) | summarize sum(d), max(t))"},
  };
  std::printf("%-44s %12s %12s %12s %12s %8s\n", "query", "kernels wall", "cpu", "per-row wall", "cpu", "rows");
  for (const auto& [label, q] : queries) {
    Timing k = measure(engine, q, true, repeat);
    Timing p = measure(engine, q, false, repeat);
    std::printf("%-44s %10.3f s %10.3f s %10.3f s %10.3f s %8zu\n", label, k.wall, k.cpu, p.wall, p.cpu, k.rows);
  }
  return 0;
}
