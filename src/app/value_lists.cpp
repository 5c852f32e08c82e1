#include "app/value_lists.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace rulelab::app {

namespace {
// Attaches the lists' items to the list entries; `named` collects the ids the entries name.
void attach(std::vector<elastic::ExceptionEntry>& entries, const std::map<std::string, std::vector<std::string>>& lists,
            std::set<std::string>& named) {
  for (auto& e : entries) {
    attach(e.entries, lists, named);
    if (e.type != "list") continue;
    named.insert(e.list_id);
    if (e.list_loaded) continue;
    if (auto it = lists.find(e.list_id); it != lists.end()) {
      e.values = it->second;
      e.list_loaded = true;
    }
  }
}

// One value a line (Kibana's import: BufferLines), trimmed; blank lines skipped.
Result<std::vector<std::string>> read_list(const std::string& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return Error("cannot read value list file (not a file)", file);
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error("cannot read value list file", file);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    const auto b = line.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) continue;
    const auto e = line.find_last_not_of(" \t\r\n");
    out.push_back(line.substr(b, e - b + 1));
  }
  return out;
}
}  // namespace

Result<LoadedRule> with_value_lists(const LoadedRule& rule, const std::vector<std::string>& specs, std::vector<std::string>* unused) {
  LoadedRule out = rule;
  if (!out.elastic || specs.empty()) return out;
  std::map<std::string, std::vector<std::string>> lists;
  for (const auto& s : specs) {
    const auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == s.size()) return Error("--value-list " + s + ": expected ID=FILE");
    auto items = read_list(s.substr(eq + 1));
    if (!items) return items.error();
    lists[s.substr(0, eq)] = std::move(*items);
  }
  std::set<std::string> named;
  for (auto& item : out.elastic->exceptions) attach(item.entries, lists, named);
  if (unused)
    for (const auto& [id, items] : lists)
      if (!named.count(id)) unused->push_back(id);
  return out;
}

}  // namespace rulelab::app
