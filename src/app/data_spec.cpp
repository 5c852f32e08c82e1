#include "app/data_spec.hpp"

#include <filesystem>

namespace rulelab::app {

namespace {
bool strip_suffix(std::string& s, const char* const* suffixes) {
  for (const char* const* x = suffixes; *x; ++x) {
    const std::string e(*x);
    if (s.size() > e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0) {
      s.resize(s.size() - e.size());
      return true;
    }
  }
  return false;
}
}  // namespace

std::string data_name_of_file(const std::string& file, bool elastic) {
  static const char* const kCompression[] = {".gz", ".zst", ".bz2", ".xz", nullptr};
  static const char* const kData[] = {".ndjson", ".jsonl", ".json", ".csv", ".tsv", ".log", ".txt", nullptr};
  std::string s = std::filesystem::path(file).filename().string();
  while (strip_suffix(s, kCompression)) {
  }
  strip_suffix(s, kData);
  if (!elastic) {
    const auto dot = s.find('.', 1);
    if (dot != std::string::npos) s.resize(dot);
  }
  return s;
}

DataSpec parse_data_spec(const std::string& spec, bool elastic) {
  const auto eq = spec.find('=');
  if (eq != std::string::npos && eq > 0) return {spec.substr(0, eq), spec.substr(eq + 1), true};
  return {data_name_of_file(spec, elastic), spec, false};
}

}  // namespace rulelab::app
