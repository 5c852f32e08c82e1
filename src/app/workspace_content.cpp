// Workspace functions, ASIM parsers and watchlists (app/workspace_content.hpp).
#include "app/workspace_content.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "app/runner.hpp"
#include "core/dynamic.hpp"
#include "kusto/asim_parser.hpp"

namespace rulelab::app {

namespace fs = std::filesystem;

namespace {

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

// RFC 4180 records (quoted fields may hold commas, doubled quotes and line breaks), each with the
// line it starts on. A UTF-8 byte order mark is skipped.
struct CsvRecord {
  std::vector<std::string> fields;
  std::uint32_t line = 0;
};
bool parse_csv(std::string_view t, std::vector<CsvRecord>& out, std::string& error) {
  if (t.substr(0, 3) == "\xEF\xBB\xBF") t.remove_prefix(3);
  std::size_t i = 0;
  std::uint32_t line = 1;
  while (i < t.size()) {
    CsvRecord r;
    r.line = line;
    std::string field;
    bool quoted = false, end = false;
    while (!end) {
      if (i >= t.size()) { end = true; break; }
      const char c = t[i];
      if (quoted) {
        if (c == '"' && i + 1 < t.size() && t[i + 1] == '"') { field += '"'; i += 2; continue; }
        if (c == '"') { quoted = false; ++i; continue; }
        if (c == '\n') ++line;
        field += c;
        ++i;
        continue;
      }
      if (c == '"' && field.empty()) { quoted = true; ++i; continue; }
      if (c == ',') { r.fields.push_back(std::move(field)); field.clear(); ++i; continue; }
      if (c == '\r' && i + 1 < t.size() && t[i + 1] == '\n') { ++i; continue; }
      if (c == '\n') { ++i; ++line; end = true; break; }
      field += c;
      ++i;
    }
    if (quoted) {
      error = "line " + std::to_string(r.line) + ": a quoted field is not closed";
      return false;
    }
    r.fields.push_back(std::move(field));
    if (r.fields.size() == 1 && r.fields[0].empty()) continue;  // blank line
    out.push_back(std::move(r));
  }
  return true;
}

// A GUID-shaped item id, the same for the same watchlist, file line and content (Sentinel assigns
// a random one per item).
std::string item_id(const std::string& alias, std::uint32_t line, const std::vector<std::string>& fields) {
  std::uint64_t h1 = 1469598103934665603ULL, h2 = 1099511628211ULL * 31;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) {
      h1 = (h1 ^ c) * 1099511628211ULL;
      h2 = (h2 ^ c) * 0x100000001b3ULL + 0x9e3779b97f4a7c15ULL;
    }
  };
  mix(alias);
  mix(std::to_string(line));
  for (const auto& f : fields) mix(f);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(h1 >> 32), static_cast<unsigned>((h1 >> 16) & 0xffff),
                static_cast<unsigned>(h1 & 0xffff), static_cast<unsigned>(h2 >> 48), static_cast<unsigned long long>(h2 & 0xffffffffffffULL));
  return buf;
}

}  // namespace

Result<Watchlist> load_watchlist(const std::string& arg) {
  const auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == arg.size())
    return Error("--watchlist " + arg + ": expected NAME=FILE.csv or NAME:SEARCHKEY=FILE.csv");
  Watchlist w;
  std::string name = arg.substr(0, eq);
  w.file = arg.substr(eq + 1);
  std::string key;
  if (auto colon = name.find(':'); colon != std::string::npos) {
    key = name.substr(colon + 1);
    name = name.substr(0, colon);
  }
  w.alias = name;
  std::string text;
  if (!read_file(w.file, text)) return Error("cannot read the watchlist file", w.file);
  std::vector<CsvRecord> recs;
  std::string err;
  if (!parse_csv(text, recs, err)) return Error("watchlist CSV: " + err, w.file);
  if (recs.empty()) return Error("watchlist CSV: no header line", w.file, 1, 1);
  const std::vector<std::string> header = recs[0].fields;
  std::set<std::string> seen;
  for (const auto& h : header) {
    if (h.empty()) return Error("watchlist CSV: an empty column name in the header", w.file, 1, 1);
    if (!seen.insert(h).second) return Error("watchlist CSV: the column '" + h + "' appears twice in the header", w.file, 1, 1);
  }
  int key_col = 0;
  if (!key.empty()) {
    auto it = std::find(header.begin(), header.end(), key);
    if (it == header.end()) {
      std::string cols;
      for (const auto& h : header) cols += (cols.empty() ? "" : ", ") + h;
      return Error("watchlist " + name + ": SearchKey column '" + key + "' is not in the header (" + cols + ")", w.file, 1, 1);
    }
    key_col = static_cast<int>(it - header.begin());
  }
  w.search_key = header[static_cast<std::size_t>(key_col)];
  Schema s;
  s.table = "_GetWatchlist";
  s.fields = {{"_DTItemId", Type::String}, {"LastUpdatedTimeUTC", Type::DateTime}, {"SearchKey", Type::String}, {"WatchlistItem", Type::Dynamic}};
  for (const auto& h : header) {
    // a CSV column named like one of _GetWatchlist's own keeps the first (bag_unpack does not overwrite)
    if (std::none_of(s.fields.begin(), s.fields.end(), [&](const Field& f) { return f.name == h; })) s.fields.push_back({h, Type::String});
  }
  Table t{s, {w.file}, {}};
  Batch b = Batch::empty_for(s);
  for (std::size_t r = 1; r < recs.size(); ++r) {
    const auto& rec = recs[r];
    if (rec.fields.size() != header.size())
      return Error("watchlist CSV: " + std::to_string(rec.fields.size()) + " fields where the header has " + std::to_string(header.size()),
                   w.file, rec.line, 1);
    if (b.rows() == kBatchRows) {
      t.batches.push_back(std::move(b));
      b = Batch::empty_for(s);
    }
    b.columns[0].append_string(item_id(name, rec.line, rec.fields));
    b.columns[1].append_null();  // Sentinel's upload time: rulelab has none
    b.columns[2].append_string(rec.fields[static_cast<std::size_t>(key_col)]);
    std::string bag;
    DynWriter dw(bag);
    dw.begin_object();
    for (std::size_t c = 0; c < header.size(); ++c) {
      dw.key(header[c]);
      dw.string(rec.fields[c]);
    }
    dw.end();
    b.columns[3].append_dynamic_bytes(bag);
    std::size_t col = 4;
    for (std::size_t c = 0; c < header.size() && col < s.fields.size(); ++c) {
      if (s.fields[col].name != header[c]) continue;
      b.columns[col++].append_string(rec.fields[c]);
    }
    b.sources.push_back({0, rec.line});
  }
  if (b.rows()) t.batches.push_back(std::move(b));
  w.table = std::make_shared<const Table>(std::move(t));
  return w;
}

namespace {

Result<std::shared_ptr<const WorkspaceContent>> load_content(const DataOptions& a) {
  auto c = std::make_shared<WorkspaceContent>();
  std::map<std::string, std::string> defined;  // function name -> the file that defines it
  for (const auto& f : a.functions) {
    const auto eq = f.find('=');
    if (eq == std::string::npos || eq == 0) return Error("--function " + f + ": expected NAME=FILE.kql");
    FunctionText ft{f.substr(0, eq), f.substr(eq + 1), {}, kusto::QueryLocation::identity(f.substr(eq + 1))};
    if (!read_file(ft.file, ft.text)) return Error("cannot read the function file", ft.file);
    defined[ft.name] = ft.file;
    c->functions.push_back(std::move(ft));
  }
  // ASIM parsers: every YAML file under each --parsers path, in path order.
  std::size_t not_parsers = 0;
  for (const auto& dir : a.parser_dirs) {
    std::error_code ec;
    std::vector<std::string> files;
    if (fs::is_regular_file(dir, ec)) {
      files.push_back(dir);
    } else if (fs::is_directory(dir, ec)) {
      for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        const std::string ext = it->path().extension().string();
        if (ext == ".yaml" || ext == ".yml") files.push_back(it->path().string());
      }
      std::sort(files.begin(), files.end());
    } else {
      return Error("--parsers " + dir + ": no such file or directory");
    }
    for (const auto& file : files) {
      auto p = kusto::load_asim_parser(file);
      if (!p) {
        if (p.error().message.rfind("not an ASIM parser", 0) == 0) { ++not_parsers; continue; }
        c->warnings.push_back("ASIM parser skipped: " + p.error().format());
        continue;
      }
      ++c->parser_files;
      for (const std::string& name : {p->name, p->builtin_name}) {
        if (name.empty()) continue;
        if (auto d = defined.find(name); d != defined.end()) {
          if (d->second != file)
            c->warnings.push_back(file + ": the function " + name + " is already given by " + d->second + "; that one is used");
          continue;
        }
        defined[name] = file;
        c->functions.push_back({name, file, p->function_text, p->location});
      }
    }
  }
  if (!a.parser_dirs.empty()) {
    std::string dirs;
    for (const auto& d : a.parser_dirs) dirs += (dirs.empty() ? "" : ", ") + d;
    std::string n = "ASIM parsers: " + std::to_string(c->parser_files) + " loaded from " + dirs;
    if (not_parsers) n += " (" + std::to_string(not_parsers) + " YAML files without ParserName/ParserQuery skipped)";
    if (!a.parsers_note.empty()) n += "; " + a.parsers_note;
    c->notes.push_back(n);
  }
  for (const auto& w : a.watchlists) {
    auto wl = load_watchlist(w);
    if (!wl) return wl.error();
    if (w.substr(0, w.find('=')).find(':') == std::string::npos)
      c->notes.push_back("watchlist " + wl->alias + ": SearchKey is its first column, " + wl->search_key +
                         " (give --watchlist " + wl->alias + ":COLUMN=FILE to choose another)");
    c->watchlists.push_back(std::move(*wl));
  }
  return std::shared_ptr<const WorkspaceContent>(std::move(c));
}

}  // namespace

Result<std::shared_ptr<const WorkspaceContent>> workspace_content(const DataOptions& a) {
  std::vector<std::string> key = a.functions;
  key.push_back("\x01");
  key.insert(key.end(), a.parser_dirs.begin(), a.parser_dirs.end());
  key.push_back("\x01");
  key.insert(key.end(), a.watchlists.begin(), a.watchlists.end());
  key.push_back(a.parsers_note);
  if (a.content && a.content_key == key) return a.content;
  auto c = load_content(a);
  if (!c) return c.error();
  a.content = *c;
  a.content_key = std::move(key);
  return *c;
}

DataOptions with_default_parsers(const DataOptions& a, const std::string& rule_path) {
  DataOptions out = a;
  if (!a.parser_dirs.empty() || rule_path.empty()) return out;
  std::error_code ec;
  const fs::path dir = fs::path(rule_path).parent_path() / "Parsers";
  if (!fs::is_directory(dir, ec)) return out;
  out.parser_dirs.push_back(dir.string());
  out.parsers_note = "the Parsers folder next to the rule (no --parsers given)";
  return out;
}

}  // namespace rulelab::app
