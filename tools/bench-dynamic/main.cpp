// Measures the storage of dynamic values: rulelab's compact encoding against one nlohmann::json
// tree per cell (the obvious alternative), on the TargetResources and InitiatedBy values of a
// generated AuditLogs file. Prints bytes per value and the time to read one nested field of each.
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/dynamic.hpp"

namespace {
std::size_t heap_in_use() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench-dynamic AUDITLOGS.ndjson [max rows]\n");
    return 2;
  }
  const std::size_t max_rows = argc > 2 ? std::stoul(argv[2]) : 200000;
  std::ifstream in(argv[1]);
  std::vector<std::string> texts;  // the TargetResources value of each row, as JSON text
  std::string line;
  while (texts.size() < max_rows && std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("TargetResources")) continue;
    texts.push_back(j["TargetResources"].dump());
  }
  std::size_t text_bytes = 0;
  for (const auto& t : texts) text_bytes += t.size();

  // 1. One nlohmann::json tree per cell.
  std::size_t before = heap_in_use();
  auto t0 = std::chrono::steady_clock::now();
  std::vector<nlohmann::json> trees;
  trees.reserve(texts.size());
  for (const auto& t : texts) trees.push_back(nlohmann::json::parse(t));
  const double tree_build = seconds_since(t0);
  const std::size_t tree_bytes = heap_in_use() - before;
  t0 = std::chrono::steady_clock::now();
  std::size_t hits = 0;
  for (const auto& j : trees)
    if (!j.empty() && j[0].contains("userPrincipalName") && j[0]["userPrincipalName"].is_string()) hits += j[0]["userPrincipalName"].get_ref<const std::string&>().size();
  const double tree_read = seconds_since(t0);

  // 2. The compact encoding, all cells in one buffer (as a Column keeps them).
  before = heap_in_use();
  t0 = std::chrono::steady_clock::now();
  rulelab::JsonParser parser;
  std::string buffer;
  std::vector<std::uint32_t> offsets{0};
  for (const auto& t : texts) {
    if (parser.parse(t, buffer)) return 1;
    offsets.push_back(static_cast<std::uint32_t>(buffer.size()));
  }
  buffer.shrink_to_fit();
  const double enc_build = seconds_since(t0);
  const std::size_t enc_bytes = heap_in_use() - before;
  t0 = std::chrono::steady_clock::now();
  std::size_t hits2 = 0;
  for (std::size_t i = 0; i + 1 < offsets.size(); ++i) {
    rulelab::DynRef v(std::string_view(buffer).substr(offsets[i]));
    rulelab::DynRef upn = v.at(0).get("userPrincipalName");
    if (upn.is_string()) hits2 += upn.as_string().size();
  }
  const double enc_read = seconds_since(t0);
  if (hits != hits2) {
    std::fprintf(stderr, "mismatch %zu %zu\n", hits, hits2);
    return 1;
  }
  const double n = static_cast<double>(texts.size());
  std::printf("%zu TargetResources values, %.0f bytes each as JSON text\n", texts.size(), text_bytes / n);
  std::printf("%-26s %10s %14s %16s\n", "storage", "bytes/val", "build ns/val", "read [0].upn ns");
  std::printf("%-26s %10.0f %14.0f %16.1f\n", "nlohmann::json tree/cell", tree_bytes / n, tree_build * 1e9 / n, tree_read * 1e9 / n);
  std::printf("%-26s %10.0f %14.0f %16.1f\n", "rulelab compact encoding", enc_bytes / n, enc_build * 1e9 / n, enc_read * 1e9 / n);
  return 0;
}
