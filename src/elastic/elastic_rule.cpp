// Loading Elastic detection rules: detection-rules TOML and Kibana export NDJSON.
#include "elastic/elastic_rule.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>
#include <toml++/toml.h>

#include "elastic/json_scan.hpp"

namespace rulelab::elastic {

std::string_view to_string(RuleType t) {
  switch (t) {
    case RuleType::Query: return "query";
    case RuleType::Eql: return "eql";
    case RuleType::Threshold: return "threshold";
    case RuleType::NewTerms: return "new_terms";
    case RuleType::ThreatMatch: return "threat_match";
    case RuleType::MachineLearning: return "machine_learning";
    case RuleType::Esql: return "esql";
    case RuleType::SavedQuery: return "saved_query";
    case RuleType::Unknown: break;
  }
  return "unknown";
}

std::string_view to_string(QueryLanguage l) {
  switch (l) {
    case QueryLanguage::Kuery: return "kuery";
    case QueryLanguage::Eql: return "eql";
    case QueryLanguage::Lucene: return "lucene";
    case QueryLanguage::Esql: return "esql";
    case QueryLanguage::None: break;
  }
  return "";
}

std::size_t QuerySource::file_offset(std::size_t query_byte) const {
  if (map.empty()) return offset + query_byte;
  if (query_byte < map.size()) return map[query_byte];
  return map.back();
}

Error query_error(const ElasticRule& rule, std::string_view file_text, std::size_t query_byte, std::string message) {
  if (!rule.query_source.known) return Error(std::move(message), rule.file);
  const std::size_t off = std::min(rule.query_source.file_offset(query_byte), file_text.size());
  const LineInfo li = locate(file_text, off);
  return Error(std::move(message), rule.file, li.line, li.column, li.text);
}

namespace {

RuleType rule_type_of(std::string_view s) {
  if (s == "query") return RuleType::Query;
  if (s == "eql") return RuleType::Eql;
  if (s == "threshold") return RuleType::Threshold;
  if (s == "new_terms") return RuleType::NewTerms;
  if (s == "threat_match") return RuleType::ThreatMatch;
  if (s == "machine_learning") return RuleType::MachineLearning;
  if (s == "esql") return RuleType::Esql;
  if (s == "saved_query") return RuleType::SavedQuery;
  return RuleType::Unknown;
}

QueryLanguage language_of(std::string_view s) {
  if (s == "kuery") return QueryLanguage::Kuery;
  if (s == "eql") return QueryLanguage::Eql;
  if (s == "lucene") return QueryLanguage::Lucene;
  if (s == "esql") return QueryLanguage::Esql;
  return QueryLanguage::None;
}

// ---- TOML -> JSON ----------------------------------------------------------------------------
nlohmann::json to_json(const toml::node& n) {
  if (auto* t = n.as_table()) {
    nlohmann::json o = nlohmann::json::object();
    for (auto&& [k, v] : *t) o[std::string(k.str())] = to_json(v);
    return o;
  }
  if (auto* a = n.as_array()) {
    nlohmann::json o = nlohmann::json::array();
    for (auto&& v : *a) o.push_back(to_json(v));
    return o;
  }
  if (auto* s = n.as_string()) return s->get();
  if (auto* i = n.as_integer()) return i->get();
  if (auto* f = n.as_floating_point()) return f->get();
  if (auto* b = n.as_boolean()) return b->get();
  std::ostringstream os;  // dates and times: their TOML spelling
  if (auto* d = n.as_date()) os << d->get();
  else if (auto* tm = n.as_time()) os << tm->get();
  else if (auto* dt = n.as_date_time()) os << dt->get();
  return os.str();
}

// Byte offset of (1-based line, 1-based column counted in code points) in text.
std::size_t offset_of(std::string_view text, std::size_t line, std::size_t column) {
  std::size_t off = 0;
  for (std::size_t l = 1; l < line && off < text.size(); ++l) {
    const auto nl = text.find('\n', off);
    if (nl == std::string_view::npos) return text.size();
    off = nl + 1;
  }
  for (std::size_t c = 1; c < column && off < text.size(); ++c) {
    ++off;
    while (off < text.size() && (static_cast<unsigned char>(text[off]) & 0xC0) == 0x80) ++off;
  }
  return off;
}

void append_utf8(std::string& out, std::vector<std::size_t>& map, std::size_t at, std::uint32_t cp) {
  auto push = [&](unsigned char c) {
    out.push_back(static_cast<char>(c));
    map.push_back(at);
  };
  if (cp < 0x80) push(static_cast<unsigned char>(cp));
  else if (cp < 0x800) { push(0xC0 | (cp >> 6)); push(0x80 | (cp & 0x3F)); }
  else if (cp < 0x10000) { push(0xE0 | (cp >> 12)); push(0x80 | ((cp >> 6) & 0x3F)); push(0x80 | (cp & 0x3F)); }
  else { push(0xF0 | (cp >> 18)); push(0x80 | ((cp >> 12) & 0x3F)); push(0x80 | ((cp >> 6) & 0x3F)); push(0x80 | (cp & 0x3F)); }
}

// Locates a TOML string value starting at `off` (its opening quote) and returns where its content
// maps into the file. `expected` is the decoded value: when our decoding disagrees, position unknown.
QuerySource toml_string_source(std::string_view text, std::size_t off, const std::string& expected) {
  QuerySource src;
  if (off >= text.size()) return src;
  auto starts = [&](std::size_t p, std::string_view s) { return text.substr(p, s.size()) == s; };
  auto skip_newline = [&](std::size_t p) {
    if (starts(p, "\r\n")) return p + 2;
    if (starts(p, "\n")) return p + 1;
    return p;
  };
  if (starts(off, "'''")) {
    src.offset = skip_newline(off + 3);
    src.known = text.substr(src.offset, expected.size()) == expected;
    return src;
  }
  if (starts(off, "'")) {
    src.offset = off + 1;
    src.known = text.substr(src.offset, expected.size()) == expected;
    return src;
  }
  const bool multi = starts(off, "\"\"\"");
  if (!multi && !starts(off, "\"")) return src;
  std::size_t p = multi ? skip_newline(off + 3) : off + 1;
  std::string out;
  std::vector<std::size_t> map;
  while (p < text.size() && out.size() < expected.size()) {
    const char c = text[p];
    if (c == '\\' && p + 1 < text.size()) {
      const char e = text[p + 1];
      const std::size_t at = p;
      switch (e) {
        case 'n': out += '\n'; map.push_back(at); p += 2; continue;
        case 't': out += '\t'; map.push_back(at); p += 2; continue;
        case 'r': out += '\r'; map.push_back(at); p += 2; continue;
        case 'b': out += '\b'; map.push_back(at); p += 2; continue;
        case 'f': out += '\f'; map.push_back(at); p += 2; continue;
        case 'e': out += '\x1b'; map.push_back(at); p += 2; continue;
        case '"': out += '"'; map.push_back(at); p += 2; continue;
        case '\\': out += '\\'; map.push_back(at); p += 2; continue;
        case 'u':
        case 'U': {
          const std::size_t n = e == 'u' ? 4 : 8;
          std::uint32_t cp = 0;
          for (std::size_t i = 0; i < n && p + 2 + i < text.size(); ++i) {
            const char h = text[p + 2 + i];
            cp = cp * 16 + static_cast<std::uint32_t>(std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (std::tolower(h) - 'a' + 10));
          }
          append_utf8(out, map, at, cp);
          p += 2 + n;
          continue;
        }
        default:
          if (multi) {  // line-ending backslash: trims whitespace and newlines up to the next text
            std::size_t q = p + 1;
            while (q < text.size() && (text[q] == ' ' || text[q] == '\t')) ++q;
            if (q < text.size() && (text[q] == '\n' || text[q] == '\r')) {
              while (q < text.size() && std::isspace(static_cast<unsigned char>(text[q]))) ++q;
              p = q;
              continue;
            }
          }
          return src;
      }
    }
    out += c;
    map.push_back(p);
    ++p;
  }
  if (out != expected) return src;
  map.push_back(p);
  src.known = true;
  src.offset = map.front();
  src.map = std::move(map);
  return src;
}

// ---- helpers over JSON objects -------------------------------------------------------------------
std::string str(const nlohmann::json& o, const char* key, std::string dflt = {}) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return dflt;
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}
std::vector<std::string> strs(const nlohmann::json& o, const char* key) {
  std::vector<std::string> out;
  auto it = o.find(key);
  if (it == o.end()) return out;
  if (it->is_string()) out.push_back(it->get<std::string>());
  else if (it->is_array())
    for (const auto& v : *it) out.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}
std::int64_t num(const nlohmann::json& o, const char* key, std::int64_t dflt) {
  auto it = o.find(key);
  if (it == o.end()) return dflt;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_number()) {
    // A double beyond int64's range (or NaN) has no integer value: the default, not a cast's
    // undefined behaviour.
    double d = it->get<double>();
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return dflt;
    return static_cast<std::int64_t>(d);
  }
  if (it->is_string()) {
    try {
      return std::stoll(it->get<std::string>());
    } catch (...) {
      return dflt;
    }
  }
  return dflt;
}

ThreatRef threat_ref(const nlohmann::json& o) { return {str(o, "id"), str(o, "name"), str(o, "reference")}; }

// Fills the fields common to both formats from a rule object (TOML [rule] or an export line).
void fill_rule(ElasticRule& r, const nlohmann::json& o) {
  r.rule_id = str(o, "rule_id");
  r.name = str(o, "name");
  r.description = str(o, "description");
  r.version = str(o, "version");
  r.type_name = str(o, "type");
  r.type = rule_type_of(r.type_name);
  r.language_name = str(o, "language");
  r.language = language_of(r.language_name);
  if (r.language_name.empty()) {  // Kibana's defaults: kuery for query-like rules, eql/esql by type
    if (r.type == RuleType::Eql) r.language = QueryLanguage::Eql;
    else if (r.type == RuleType::Esql) r.language = QueryLanguage::Esql;
    else if (r.type != RuleType::MachineLearning && o.contains("query")) r.language = QueryLanguage::Kuery;
  }
  r.query = str(o, "query");
  r.index = strs(o, "index");
  r.data_view_id = str(o, "data_view_id");
  r.from = str(o, "from", r.from);
  r.to = str(o, "to", r.to);
  r.interval = str(o, "interval", r.interval);
  r.max_signals = num(o, "max_signals", r.max_signals);
  r.timestamp_override = str(o, "timestamp_override");
  if (auto it = o.find("timestamp_override_fallback_disabled"); it != o.end() && it->is_boolean())
    r.timestamp_override_fallback_disabled = it->get<bool>();
  if (auto it = o.find("filters"); it != o.end() && it->is_array()) r.filters = *it;
  if (auto it = o.find("exceptions_list"); it != o.end() && it->is_array())
    for (const auto& e : *it)
      r.exceptions_list.push_back({str(e, "id"), str(e, "list_id"), str(e, "type"), str(e, "namespace_type")});
  if (auto it = o.find("threshold"); it != o.end() && it->is_object()) {
    Threshold t;
    t.field = strs(*it, "field");
    t.value = num(*it, "value", 0);
    if (auto c = it->find("cardinality"); c != it->end() && c->is_array())
      for (const auto& e : *c) t.cardinality.push_back({str(e, "field"), num(e, "value", 0)});
    r.threshold = std::move(t);
  }
  // Kibana export: new_terms_fields + history_window_start; detection-rules TOML: a
  // [rule.new_terms] table {field = "new_terms_fields", value = [...], history_window_start = [{field, value}]}.
  if (o.contains("new_terms_fields")) {
    r.new_terms = NewTerms{strs(o, "new_terms_fields"), str(o, "history_window_start")};
  } else if (auto it = o.find("new_terms"); it != o.end() && it->is_object()) {
    NewTerms nt;
    nt.fields = strs(*it, "value");
    if (auto h = it->find("history_window_start"); h != it->end()) {
      if (h->is_array())
        for (const auto& e : *h) {
          if (str(e, "field") == "history_window_start") nt.history_window_start = str(e, "value");
        }
      else if (h->is_string()) nt.history_window_start = h->get<std::string>();
    }
    r.new_terms = std::move(nt);
  }
  if (o.contains("threat_mapping") || o.contains("threat_index")) {
    ThreatMatch tm;
    tm.index = strs(o, "threat_index");
    tm.query = str(o, "threat_query", tm.query);
    tm.language = str(o, "threat_language", tm.language);
    if (auto it = o.find("threat_filters"); it != o.end() && it->is_array()) tm.filters = *it;
    tm.indicator_path = str(o, "threat_indicator_path", tm.indicator_path);
    if (auto it = o.find("threat_mapping"); it != o.end() && it->is_array())
      for (const auto& g : *it) {
        std::vector<ThreatMappingEntry> group;
        if (auto e = g.find("entries"); e != g.end() && e->is_array())
          for (const auto& x : *e) group.push_back({str(x, "field"), str(x, "value")});
        tm.mapping.push_back(std::move(group));
      }
    r.threat_match = std::move(tm);
  }
  if (auto it = o.find("alert_suppression"); it != o.end() && it->is_object()) {
    AlertSuppression a;
    a.group_by = strs(*it, "group_by");
    if (auto d = it->find("duration"); d != it->end() && d->is_object()) {
      const std::int64_t v = num(*d, "value", 0);
      const std::string unit = str(*d, "unit");
      const std::int64_t per = unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
      // (Kibana takes any value >= 1; beyond ten years rulelab's clock arithmetic stops: refused)
      if (v >= 1 && per && v <= 10 * 366 * 86400 / per) {
        a.duration = TimeSpan{v * per * kTicksPerSecond};
        a.duration_text = std::to_string(v) + unit;
      }
      else
        r.warnings.push_back(Error("alert_suppression.duration {value " + std::to_string(v) + ", unit \"" + unit +
                                       "\"} is not a duration Kibana takes (value >= 1, unit s, m or h): suppression per rule execution",
                                   r.file));
    }
    const std::string strategy = str(*it, "missing_fields_strategy", "suppress");
    if (strategy == "doNotSuppress") a.suppress_missing = false;
    else if (strategy != "suppress")
      r.warnings.push_back(Error("alert_suppression.missing_fields_strategy \"" + strategy +
                                     "\" is neither suppress nor doNotSuppress: suppress (Kibana's default) is used",
                                 r.file));
    if (r.type != RuleType::Threshold && (a.group_by.empty() || a.group_by.size() > 3))
      r.warnings.push_back(Error("alert_suppression.group_by names " + std::to_string(a.group_by.size()) +
                                     " field(s); Kibana takes 1 to 3 (a threshold rule's come from its threshold): suppression ignored",
                                 r.file));
    else
      r.alert_suppression = std::move(a);
  }
  r.risk_score = num(o, "risk_score", 0);
  r.severity = str(o, "severity");
  r.tags = strs(o, "tags");
  if (auto it = o.find("threat"); it != o.end() && it->is_array())
    for (const auto& t : *it) {
      Threat th;
      th.framework = str(t, "framework");
      if (auto ta = t.find("tactic"); ta != t.end() && ta->is_object()) th.tactic = threat_ref(*ta);
      if (auto te = t.find("technique"); te != t.end() && te->is_array())
        for (const auto& x : *te) {
          ThreatTechnique tt;
          tt.technique = threat_ref(x);
          if (auto st = x.find("subtechnique"); st != x.end() && st->is_array())
            for (const auto& s : *st) tt.subtechniques.push_back(threat_ref(s));
          th.techniques.push_back(std::move(tt));
        }
      r.threat.push_back(std::move(th));
    }
  r.raw = o;
}

ExceptionEntry parse_entry(const nlohmann::json& e) {
  ExceptionEntry x;
  x.field = str(e, "field");
  x.type = str(e, "type");
  x.op = str(e, "operator", "included");
  if (auto v = e.find("value"); v != e.end()) {
    if (v->is_array())
      for (const auto& s : *v) x.values.push_back(s.is_string() ? s.get<std::string>() : s.dump());
    else if (v->is_string())
      x.values.push_back(v->get<std::string>());
    else if (!v->is_null())
      x.values.push_back(v->dump());
  }
  if (auto l = e.find("list"); l != e.end() && l->is_object()) {
    x.list_id = str(*l, "id");
    x.list_type = str(*l, "type");
  }
  if (auto n = e.find("entries"); n != e.end() && n->is_array())
    for (const auto& s : *n) x.entries.push_back(parse_entry(s));
  return x;
}

Error file_error(const std::string& path, std::string_view text, std::size_t offset, std::string msg) {
  const LineInfo li = locate(text, std::min(offset, text.size()));
  return Error(std::move(msg), path, li.line, li.column, li.text);
}

Result<std::vector<ElasticRule>> load_toml(const std::string& path, std::string_view text) {
  toml::table tbl;
  try {
    tbl = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    const auto b = e.source().begin;
    const std::size_t off = offset_of(text, b.line, b.column);
    return file_error(path, text, off, "TOML: " + std::string(e.description()));
  }
  const toml::table* rule = tbl["rule"].as_table();
  if (!rule) return Error("no [rule] table: not a detection-rules TOML file", path, 1, 1);
  ElasticRule r;
  r.file = path;
  fill_rule(r, to_json(*rule));
  if (const toml::table* meta = tbl["metadata"].as_table()) r.metadata = to_json(*meta);
  if (const toml::node* q = rule->get("query"); q && q->is_string()) {
    const auto b = q->source().begin;
    r.query_source = toml_string_source(text, offset_of(text, b.line, b.column), r.query);
  }
  std::vector<ElasticRule> out;
  out.push_back(std::move(r));
  return out;
}

// Kibana export: one JSON object per line.
Result<std::vector<ElasticRule>> load_ndjson(const std::string& path, std::string_view text) {
  std::vector<ElasticRule> rules;
  std::map<std::string, std::vector<ExceptionItem>> items_by_list;
  std::map<std::string, std::string> list_names;
  std::vector<Error> item_warnings;
  std::size_t line_no = 0, pos = 0, objects = 0;
  std::optional<std::int64_t> exported_count;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    const std::size_t line_off = pos;
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    nlohmann::json o = nlohmann::json::parse(line, nullptr, false);
    if (o.is_discarded() || !o.is_object()) {
      const JsonScan scan = scan_top_level(line);
      return file_error(path, text, line_off + (scan.ok ? 0 : scan.error_offset),
                        o.is_discarded() ? "invalid JSON" : "expected a JSON object per line");
    }
    if (o.contains("exported_count")) {  // the export summary
      exported_count = num(o, "exported_count", 0);
      continue;
    }
    ++objects;
    const std::string type = str(o, "type");
    if (o.contains("entries") && o.contains("item_id")) {  // an exception item
      ExceptionItem it;
      it.item_id = str(o, "item_id");
      it.list_id = str(o, "list_id");
      it.name = str(o, "name");
      it.namespace_type = str(o, "namespace_type");
      it.expire_time = str(o, "expire_time");
      it.os_types = strs(o, "os_types");
      for (const auto& e : o["entries"]) it.entries.push_back(parse_entry(e));
      for (const auto& e : it.entries)
        if (!e.field.empty() && (std::isspace(static_cast<unsigned char>(e.field.front())) ||
                                 std::isspace(static_cast<unsigned char>(e.field.back()))))
          item_warnings.push_back(Error("exception item " + it.item_id + ": field \"" + e.field +
                                            "\" has surrounding spaces: it names no field and the entry never matches",
                                        path, line_no, 1, std::string(line.substr(0, 200))));
      items_by_list[it.list_id].push_back(std::move(it));
      continue;
    }
    if (o.contains("list_id") && !o.contains("rule_id")) {  // an exception list container
      list_names[str(o, "list_id")] = str(o, "name");
      continue;
    }
    if (!o.contains("rule_id")) continue;  // action connectors and other saved objects
    ElasticRule r;
    r.file = path;
    r.file_line = line_no;
    fill_rule(r, o);
    const JsonScan scan = scan_top_level(line);
    if (auto it = scan.members.find("query"); it != scan.members.end()) {
      auto dec = decode_json_string(line, it->second);
      if (dec && dec->text == r.query) {
        r.query_source.known = true;
        for (auto& m : dec->map) m += line_off;
        r.query_source.offset = dec->map.empty() ? line_off + it->second + 1 : dec->map.front();
        r.query_source.map = std::move(dec->map);
      }
    }
    rules.push_back(std::move(r));
  }
  (void)exported_count;
  for (auto& r : rules)
    for (const auto& ref : r.exceptions_list) {
      auto it = items_by_list.find(ref.list_id);
      if (it != items_by_list.end()) {
        r.exceptions.insert(r.exceptions.end(), it->second.begin(), it->second.end());
        for (const auto& w : item_warnings)
          for (const auto& item : it->second)
            if (w.message.find("exception item " + item.item_id + ":") == 0) r.warnings.push_back(w);
      } else if (!list_names.count(ref.list_id)) {
        r.warnings.push_back(Error("exception list " + ref.list_id + " is not in this export: its items are not applied", path,
                                   r.file_line, 1));
      }
    }
  return rules;
}

}  // namespace

Result<std::vector<ElasticRule>> load_elastic_text(const std::string& path, std::string_view text) {
  std::size_t first = text.find_first_not_of(" \t\r\n");
  const bool json_like = first != std::string_view::npos && text[first] == '{';
  const bool is_toml_name = path.size() >= 5 && path.compare(path.size() - 5, 5, ".toml") == 0;
  if (json_like && !is_toml_name) {
    // A single pretty-printed rule (.json) is one object over many lines: re-emit it as one line.
    const auto nl = text.find('\n', first);
    const bool one_per_line = nl == std::string_view::npos ||
                              nlohmann::json::accept(text.substr(first, nl - first));
    if (!one_per_line) {
      nlohmann::json whole = nlohmann::json::parse(text, nullptr, false);
      if (!whole.is_discarded()) {
        std::string lines;
        if (whole.is_array())
          for (const auto& x : whole) lines += x.dump() + "\n";
        else
          lines = whole.dump() + "\n";
        auto r = load_ndjson(path, lines);
        if (r)
          for (auto& rule : r.value()) rule.query_source = QuerySource{};  // positions refer to the re-emitted text
        return r;
      }
    }
    return load_ndjson(path, text);
  }
  return load_toml(path, text);
}

Result<std::vector<ElasticRule>> load_elastic_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error("cannot open file", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return load_elastic_text(path, ss.str());
}

}  // namespace rulelab::elastic
