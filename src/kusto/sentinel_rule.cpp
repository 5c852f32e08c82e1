// Sentinel analytic rule loaders: Azure-Sentinel YAML, ARM template JSON, bare .kql.
#include "kusto/sentinel_rule.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace rulelab::kusto {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

constexpr std::int64_t kMinute = 60 * kTicksPerSecond;
constexpr std::int64_t kHour = 60 * kMinute;

// "5m", "1h", "14d" (the YAML form), "PT5M", "P1DT2H" (ISO 8601, the ARM form).
std::optional<TimeSpan> parse_duration(std::string_view t) {
  if (t.empty()) return std::nullopt;
  if (t.front() == 'P' || t.front() == 'p') {
    std::int64_t ticks = 0;
    bool in_time = false, any = false;
    std::size_t i = 1;
    while (i < t.size()) {
      if (t[i] == 'T' || t[i] == 't') {
        if (in_time) return std::nullopt;
        in_time = true;
        ++i;
        continue;
      }
      std::size_t j = i;
      while (j < t.size() && (std::isdigit(static_cast<unsigned char>(t[j])) || t[j] == '.')) ++j;
      if (j == i || j >= t.size()) return std::nullopt;
      double v = 0;
      auto r = std::from_chars(t.data() + i, t.data() + j, v);
      if (r.ec != std::errc()) return std::nullopt;
      const char u = static_cast<char>(std::toupper(static_cast<unsigned char>(t[j])));
      double per = 0;
      if (!in_time && u == 'D') per = static_cast<double>(kTicksPerDay);
      else if (!in_time && u == 'W') per = 7.0 * static_cast<double>(kTicksPerDay);
      else if (in_time && u == 'H') per = static_cast<double>(kHour);
      else if (in_time && u == 'M') per = static_cast<double>(kMinute);
      else if (in_time && u == 'S') per = static_cast<double>(kTicksPerSecond);
      else return std::nullopt;
      ticks += static_cast<std::int64_t>(v * per);
      any = true;
      i = j + 1;
    }
    if (!any) return std::nullopt;
    return TimeSpan{ticks};
  }
  // One or more number+unit parts: "5m", "14d", and compound values such as "1h10m" (used by an
  // official Microsoft rule; each part adds up).
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < t.size()) {
    std::size_t j = i;
    while (j < t.size() && std::isdigit(static_cast<unsigned char>(t[j]))) ++j;
    if (j == i || j >= t.size()) return std::nullopt;
    std::int64_t v = 0;
    if (std::from_chars(t.data() + i, t.data() + j, v).ec != std::errc()) return std::nullopt;
    std::int64_t per = 0;
    switch (t[j]) {
      case 's': per = kTicksPerSecond; break;
      case 'm': per = kMinute; break;
      case 'h': per = kHour; break;
      case 'd': per = kTicksPerDay; break;
      default: return std::nullopt;
    }
    std::int64_t part = 0;
    if (__builtin_mul_overflow(v, per, &part) || __builtin_add_overflow(total, part, &total)) return std::nullopt;
    i = j + 1;
  }
  return TimeSpan{total};
}

// The leading token of a value such as "7d // Increased queryperiod ..." and what follows it.
std::pair<std::string_view, std::string_view> split_leading(std::string_view t) {
  t = trim(t);
  std::size_t i = 0;
  while (i < t.size() && !std::isspace(static_cast<unsigned char>(t[i]))) ++i;
  return {t.substr(0, i), trim(t.substr(i))};
}

struct Loader {
  std::string path;
  std::shared_ptr<const std::string> text;

  Error at(std::size_t offset, std::string msg) const {
    LineInfo li = locate(*text, std::min(offset, text->size()));
    return Error(std::move(msg), path, li.line, li.column, std::move(li.text));
  }
  Error at_mark(const YAML::Mark& m, std::string msg) const {
    if (m.pos < 0) return Error(std::move(msg), path);
    return at(static_cast<std::size_t>(m.pos), std::move(msg));
  }

  // ---- durations and triggers shared by the YAML and ARM forms
  // Parses a schedule duration; a value that starts with a valid duration followed by other text
  // (a YAML "comment" that is really part of the string) gives a warning and the leading duration.
  std::optional<TimeSpan> duration(const std::string& field, const std::string& value, std::size_t offset,
                                   SentinelRule& r, std::optional<Error>& error) const {
    if (auto d = parse_duration(trim(value))) return d;
    auto [lead, rest] = split_leading(value);
    if (auto d = parse_duration(lead); d && !rest.empty()) {
      r.warnings.push_back(at(offset, field + " is the string \"" + std::string(trim(value)) +
                                          "\", not a duration (text after the value is part of a YAML plain scalar, not a comment); "
                                          "Sentinel rejects this rule; rulelab uses " + std::string(lead)));
      return d;
    }
    error = at(offset, field + ": \"" + value + "\" is not a duration (expected e.g. 5m, 1h, 14d, or ISO 8601 PT1H)");
    return std::nullopt;
  }

  void validate_schedule(SentinelRule& r, std::size_t freq_off, std::size_t period_off, std::optional<Error>& error) const {
    if (r.kind == RuleKind::NRT) return;
    const TimeSpan lo{5 * kMinute}, hi{14 * kTicksPerDay};
    if (r.query_frequency && (*r.query_frequency < lo || *r.query_frequency > hi) && !error)
      error = at(freq_off, "queryFrequency " + r.query_frequency_text + " is outside Sentinel's range 5m..14d");
    if (r.query_period && (*r.query_period < lo || *r.query_period > hi) && !error)
      error = at(period_off, "queryPeriod " + r.query_period_text + " is outside Sentinel's range 5m..14d");
    if (r.query_frequency && r.query_period && *r.query_period < *r.query_frequency && !error)
      error = at(period_off, "queryPeriod " + r.query_period_text + " is shorter than queryFrequency " + r.query_frequency_text +
                                 " (Sentinel requires queryPeriod >= queryFrequency)");
  }

  // ---- YAML
  static std::string scalar(const YAML::Node& n) {
    if (!n || !n.IsScalar()) return {};
    return n.Scalar();
  }
  static std::vector<std::string> strings(const YAML::Node& n) {
    std::vector<std::string> out;
    if (n && n.IsSequence())
      for (const auto& e : n)
        if (e.IsScalar()) out.push_back(e.Scalar());
    return out;
  }
  std::size_t offset_of(const YAML::Node& n) const {
    const YAML::Mark m = n.Mark();
    return m.pos < 0 ? 0 : static_cast<std::size_t>(m.pos);
  }

  // Maps the query's lines to the file: each non-blank line of the scalar in the file is found in
  // the value (block scalars drop the indentation; folded ones join lines with spaces).
  QueryLocation query_location(const std::string& query, std::size_t node_pos) const {
    QueryLocation loc;
    loc.file = path;
    loc.file_text = text;
    const std::string& f = *text;
    std::size_t p = node_pos;
    const bool block = p < f.size() && (f[p] == '|' || f[p] == '>');
    if (block) {
      p = f.find('\n', p);
      p = p == std::string::npos ? f.size() : p + 1;
    } else if (p < f.size() && (f[p] == '"' || f[p] == '\'')) {
      ++p;
    }
    std::size_t qpos = 0;
    bool first = true;
    while (p < f.size() && qpos <= query.size()) {
      std::size_t eol = f.find('\n', p);
      if (eol == std::string::npos) eol = f.size();
      std::string_view line(f.data() + p, eol - p);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      std::size_t ind = 0;
      while (ind < line.size() && (line[ind] == ' ' || line[ind] == '\t')) ++ind;
      std::string_view content = line.substr(ind);
      if (block && !first && !content.empty() && ind == 0) break;  // left the block (next key)
      if (!content.empty()) {
        // Find the line's text in the value (trailing spaces may be stripped in folded scalars).
        std::string_view probe = content.substr(0, std::min<std::size_t>(content.size(), 40));
        const std::size_t found = query.find(probe, qpos);
        if (found == std::string::npos || (found > qpos + 2 * content.size() + 64 && !first)) {
          if (!block) break;
        } else {
          loc.segments.push_back({found, p + ind});
          qpos = found + content.size();
        }
        first = false;
      }
      p = eol + 1;
      if (qpos >= query.size()) break;
    }
    if (loc.segments.empty()) loc.segments.push_back({0, node_pos});
    if (loc.segments.front().query_begin != 0) loc.segments.insert(loc.segments.begin(), {0, loc.segments.front().file_begin});
    return loc;
  }

  Result<std::vector<SentinelRule>> yaml() const {
    YAML::Node doc;
    try {
      doc = YAML::Load(*text);
    } catch (const YAML::Exception& e) {
      return at_mark(e.mark, "invalid YAML: " + e.msg);
    }
    if (!doc.IsMap()) return Error("not an analytic rule: the YAML document is not a mapping", path);
    const YAML::Node q = doc["query"];
    if (!q) return Error("not an analytic rule: no 'query' (e.g. a \"content moved\" stub)", path, 1, 1);
    if (!q.IsScalar()) return at_mark(q.Mark(), "'query' must be a string");
    SentinelRule r;
    r.file = path;
    r.format = RuleFormat::Yaml;
    r.id = scalar(doc["id"]);
    r.name = scalar(doc["name"]);
    r.description = scalar(doc["description"]);
    r.severity = std::string(trim(scalar(doc["severity"])));
    r.version = scalar(doc["version"]);
    r.status = scalar(doc["status"]);
    r.query = q.Scalar();
    r.location = query_location(r.query, offset_of(q));
    std::optional<Error> error;

    const YAML::Node kind = doc["kind"];
    const std::string k = std::string(trim(scalar(kind)));
    const bool schedule_keys = doc["queryFrequency"] || doc["queryPeriod"] || doc["triggerOperator"] || doc["triggerThreshold"];
    if (!kind && !schedule_keys) {
      r.kind = RuleKind::Hunting;  // a hunting query (Azure-Sentinel "Hunting Queries/"): no schedule
    } else if (!kind) {
      r.warnings.push_back(Error("no 'kind': assuming Scheduled", path, 1, 1));
    } else if (lower(k) == "nrt") {
      r.kind = RuleKind::NRT;
    } else if (lower(k) != "scheduled") {
      error = at_mark(kind.Mark(), "kind must be Scheduled or NRT, not '" + k + "'");
    }

    std::size_t freq_off = 0, period_off = 0;
    if (const YAML::Node f = doc["queryFrequency"]) {
      freq_off = offset_of(f);
      r.query_frequency_text = scalar(f);
      r.query_frequency = duration("queryFrequency", r.query_frequency_text, freq_off, r, error);
    } else if (r.kind == RuleKind::Scheduled && !error) {
      error = Error("a Scheduled rule needs queryFrequency", path, 1, 1);
    }
    if (const YAML::Node f = doc["queryPeriod"]) {
      period_off = offset_of(f);
      r.query_period_text = scalar(f);
      r.query_period = duration("queryPeriod", r.query_period_text, period_off, r, error);
    } else if (r.kind == RuleKind::Scheduled && !error) {
      error = Error("a Scheduled rule needs queryPeriod", path, 1, 1);
    }
    validate_schedule(r, freq_off, period_off, error);

    if (const YAML::Node t = doc["triggerOperator"]) {
      const std::string value = scalar(t);
      auto [lead, rest] = split_leading(value);
      if (auto op = parse_trigger_operator(value)) {
        r.trigger_operator = *op;
      } else if (auto op2 = parse_trigger_operator(lead); op2 && !rest.empty()) {
        r.trigger_operator = *op2;
        r.warnings.push_back(at_mark(t.Mark(), "triggerOperator is the string \"" + scalar(t) + "\"; Sentinel rejects it; rulelab uses " + std::string(lead)));
      } else if (!error) {
        error = at_mark(t.Mark(), "triggerOperator must be gt, lt, eq or ne (GreaterThan, LessThan, Equal, NotEqual), not '" + scalar(t) + "'");
      }
    } else if (r.kind == RuleKind::Scheduled) {
      r.warnings.push_back(Error("no triggerOperator: assuming gt", path, 1, 1));
    }
    if (const YAML::Node t = doc["triggerThreshold"]) {
      const std::string v = scalar(t);
      auto [lead, rest] = split_leading(v);
      std::int64_t n = 0;
      auto res = std::from_chars(lead.data(), lead.data() + lead.size(), n);
      if (res.ec != std::errc() || res.ptr != lead.data() + lead.size()) {
        if (!error) error = at_mark(t.Mark(), "triggerThreshold must be an integer, not '" + v + "'");
      } else {
        r.trigger_threshold = n;
        if (!rest.empty()) r.warnings.push_back(at_mark(t.Mark(), "triggerThreshold is the string \"" + v + "\"; Sentinel rejects it; rulelab uses " + std::string(lead)));
      }
    } else if (r.kind == RuleKind::Scheduled) {
      r.warnings.push_back(Error("no triggerThreshold: assuming 0", path, 1, 1));
    }
    static constexpr std::string_view severities[] = {"Informational", "Low", "Medium", "High"};
    if (std::find(std::begin(severities), std::end(severities), r.severity) == std::end(severities)) {
      if (const YAML::Node s = doc["severity"]) r.warnings.push_back(at_mark(s.Mark(), "severity '" + r.severity + "' is not Informational, Low, Medium or High"));
      else if (r.kind != RuleKind::Hunting) r.warnings.push_back(Error("no severity", path, 1, 1));  // hunting queries have none
    }

    // Duplicate keys: yaml-cpp answers with the first value, other YAML readers with the last.
    {
      std::vector<std::pair<std::string, YAML::Mark>> seen;
      for (const auto& kv : doc) {
        if (!kv.first.IsScalar()) continue;
        const std::string key = kv.first.Scalar();
        for (const auto& [k, m] : seen)
          if (k == key)
            r.warnings.push_back(at_mark(kv.first.Mark(), "duplicate key '" + key + "' (first at line " + std::to_string(m.line + 1) +
                                                               "); YAML readers disagree on which value wins; rulelab uses the first"));
        seen.emplace_back(key, kv.first.Mark());
      }
    }
    // Lists written as a single string.
    for (const char* key : {"tactics", "relevantTechniques", "requiredDataConnectors", "entityMappings"}) {
      const YAML::Node n = doc[key];
      if (n && !n.IsSequence() && !n.IsNull())
        r.warnings.push_back(at_mark(n.Mark(), std::string(key) + " should be a list; this value is ignored"));
    }
    r.tactics = strings(doc["tactics"]);
    r.relevant_techniques = strings(doc["relevantTechniques"]);
    if (const YAML::Node dc = doc["requiredDataConnectors"]; dc && dc.IsSequence())
      for (const auto& c : dc)
        if (c.IsMap()) r.required_data_connectors.push_back({scalar(c["connectorId"]), strings(c["dataTypes"])});
    if (const YAML::Node em = doc["entityMappings"]; em && em.IsSequence()) {
      for (const auto& e : em) {
        if (!e.IsMap()) continue;
        EntityMapping m{scalar(e["entityType"]), {}};
        if (const YAML::Node fm = e["fieldMappings"]; fm && fm.IsSequence())
          for (const auto& f : fm) {
            if (!f.IsMap()) continue;
            m.field_mappings.push_back({scalar(f["identifier"]), scalar(f["columnName"])});
            if (m.field_mappings.back().identifier.empty() || m.field_mappings.back().column_name.empty())
              r.warnings.push_back(at_mark(f.Mark(), "entity mapping field without identifier or columnName"));
          }
        r.entity_mappings.push_back(std::move(m));
      }
    }
    if (const YAML::Node cd = doc["customDetails"]; cd && cd.IsMap())
      for (const auto& kv : cd) r.custom_details.emplace_back(kv.first.Scalar(), scalar(kv.second));
    if (const YAML::Node eg = doc["eventGroupingSettings"]; eg && eg.IsMap())
      r.event_grouping_settings = EventGroupingSettings{scalar(eg["aggregationKind"])};
    if (const YAML::Node se = doc["suppressionEnabled"]; se && scalar(se) == "true")
      if (const YAML::Node sd = doc["suppressionDuration"])
        r.suppression_duration = duration("suppressionDuration", scalar(sd), offset_of(sd), r, error);
    if (const YAML::Node ad = doc["alertDetailsOverride"]; ad && ad.IsMap()) {
      AlertDetailsOverride o;
      o.alert_display_name_format = scalar(ad["alertDisplayNameFormat"]);
      o.alert_description_format = scalar(ad["alertDescriptionFormat"]);
      o.alert_severity_column_name = scalar(ad["alertSeverityColumnName"]);
      o.alert_tactics_column_name = scalar(ad["alertTacticsColumnName"]);
      if (const YAML::Node dp = ad["alertDynamicProperties"]; dp && dp.IsSequence())
        for (const auto& p : dp)
          if (p.IsMap()) o.alert_dynamic_properties.emplace_back(scalar(p["alertProperty"]), scalar(p["value"]));
      r.alert_details_override = std::move(o);
    }
    if (const YAML::Node ic = doc["incidentConfiguration"]; ic && ic.IsMap()) {
      IncidentConfiguration c;
      c.create_incident = lower(trim(scalar(ic["createIncident"]))) != "false";
      if (const YAML::Node gc = ic["groupingConfiguration"]; gc && gc.IsMap()) {
        c.grouping.enabled = lower(trim(scalar(gc["enabled"]))) == "true";
        c.grouping.reopen_closed_incident = lower(trim(scalar(gc["reopenClosedIncident"]))) == "true";
        if (const std::string lb = scalar(gc["lookbackDuration"]); !lb.empty()) c.grouping.lookback_duration = parse_duration(trim(lb));
        c.grouping.matching_method = scalar(gc["matchingMethod"]);
        c.grouping.group_by_entities = strings(gc["groupByEntities"]);
        c.grouping.group_by_alert_details = strings(gc["groupByAlertDetails"]);
        c.grouping.group_by_custom_details = strings(gc["groupByCustomDetails"]);
      }
      r.incident_configuration = std::move(c);
    }
    if (error) return *error;
    std::vector<SentinelRule> out;
    out.push_back(std::move(r));
    return out;
  }

  // ---- ARM template JSON
  // Decodes the JSON string starting at the quote at file offset `q`, recording where each run of
  // unescaped characters sits in the file.
  bool json_string_at(std::size_t q, std::string& out, QueryLocation& loc) const {
    const std::string& f = *text;
    if (q >= f.size() || f[q] != '"') return false;
    loc.file = path;
    loc.file_text = text;
    std::size_t i = q + 1;
    bool new_segment = true;
    while (i < f.size() && f[i] != '"') {
      if (f[i] == '\\' && i + 1 < f.size()) {
        const char e = f[i + 1];
        loc.segments.push_back({out.size(), i});
        switch (e) {
          case 'n': out.push_back('\n'); break;
          case 't': out.push_back('\t'); break;
          case 'r': out.push_back('\r'); break;
          case 'b': out.push_back('\b'); break;
          case 'f': out.push_back('\f'); break;
          case 'u': {
            unsigned cp = 0;
            if (i + 6 > f.size()) return false;
            std::from_chars(f.data() + i + 2, f.data() + i + 6, cp, 16);
            if (cp < 0x80) out.push_back(static_cast<char>(cp));
            else if (cp < 0x800) { out.push_back(static_cast<char>(0xC0 | (cp >> 6))); out.push_back(static_cast<char>(0x80 | (cp & 0x3F))); }
            else { out.push_back(static_cast<char>(0xE0 | (cp >> 12))); out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F))); out.push_back(static_cast<char>(0x80 | (cp & 0x3F))); }
            i += 4;
            break;
          }
          default: out.push_back(e);
        }
        i += 2;
        new_segment = true;
        continue;
      }
      if (new_segment) loc.segments.push_back({out.size(), i});
      new_segment = false;
      out.push_back(f[i++]);
    }
    return i < f.size();
  }

  Result<std::vector<SentinelRule>> arm() const {
    nlohmann::json doc = nlohmann::json::parse(*text, nullptr, false);
    if (doc.is_discarded()) {
      // Find the position: nlohmann reports it only through exceptions.
      try {
        auto again = nlohmann::json::parse(*text);
        (void)again;
      } catch (const nlohmann::json::parse_error& e) {
        return at(e.byte > 0 ? e.byte - 1 : 0, std::string("invalid JSON: ") + e.what());
      } catch (const nlohmann::json::exception& e) {  // e.g. out_of_range: a number like 1e4003 (found by fuzzing)
        return Error(std::string("invalid JSON: ") + e.what(), path);
      }
      return Error("invalid JSON", path);
    }
    const nlohmann::json* resources = nullptr;
    if (doc.is_object() && doc.contains("resources") && doc["resources"].is_array()) resources = &doc["resources"];
    if (!resources) return Error("not a Sentinel ARM template: no resources[]", path, 1, 1);
    std::vector<SentinelRule> out;
    std::size_t search_from = 0;
    for (const auto& res : *resources) {
      if (!res.is_object()) continue;
      const std::string type = res.value("type", "");
      if (type.find("alertRules") == std::string::npos) continue;
      const auto& p = res.contains("properties") ? res["properties"] : nlohmann::json::object();
      auto str = [&](const char* k) { return p.contains(k) && p[k].is_string() ? p[k].get<std::string>() : std::string(); };
      SentinelRule r;
      r.file = path;
      r.format = RuleFormat::ArmJson;
      r.id = res.value("name", "");
      r.name = str("displayName");
      r.description = str("description");
      r.severity = str("severity");
      const std::string kind = res.value("kind", "Scheduled");
      r.kind = lower(kind) == "nrt" ? RuleKind::NRT : RuleKind::Scheduled;
      if (p.contains("enabled") && p["enabled"].is_boolean()) r.enabled = p["enabled"].get<bool>();
      if (!p.contains("query") || !p["query"].is_string()) return Error("alert rule '" + r.name + "' has no query", path, 1, 1);
      r.query = p["query"].get<std::string>();
      // Locate the "query" string in the file (resources appear in file order).
      const std::string& f = *text;
      std::size_t k = f.find("\"query\"", search_from);
      bool mapped = false;
      while (k != std::string::npos && !mapped) {
        std::size_t c = k + 7;
        while (c < f.size() && std::isspace(static_cast<unsigned char>(f[c]))) ++c;
        if (c < f.size() && f[c] == ':') {
          ++c;
          while (c < f.size() && std::isspace(static_cast<unsigned char>(f[c]))) ++c;
          std::string decoded;
          QueryLocation loc;
          if (json_string_at(c, decoded, loc) && decoded == r.query) {
            r.location = std::move(loc);
            mapped = true;
            search_from = c + 1;
            break;
          }
        }
        k = f.find("\"query\"", k + 1);
      }
      if (!mapped) r.location = QueryLocation{path, text, {{0, 0}}};
      std::optional<Error> error;
      const std::size_t at_query = r.location.file_offset(0);
      r.query_frequency_text = str("queryFrequency");
      r.query_period_text = str("queryPeriod");
      if (r.kind == RuleKind::Scheduled) {
        if (r.query_frequency_text.empty()) error = at(at_query, "alert rule '" + r.name + "' has no queryFrequency");
        else r.query_frequency = duration("queryFrequency", r.query_frequency_text, at_query, r, error);
        if (r.query_period_text.empty()) { if (!error) error = at(at_query, "alert rule '" + r.name + "' has no queryPeriod"); }
        else r.query_period = duration("queryPeriod", r.query_period_text, at_query, r, error);
        validate_schedule(r, at_query, at_query, error);
        const std::string op = str("triggerOperator");
        if (auto t = parse_trigger_operator(op)) r.trigger_operator = *t;
        else if (!error) error = at(at_query, "triggerOperator must be GreaterThan, LessThan, Equal or NotEqual, not '" + op + "'");
        if (p.contains("triggerThreshold") && p["triggerThreshold"].is_number_integer()) r.trigger_threshold = p["triggerThreshold"].get<std::int64_t>();
      }
      if (p.contains("tactics") && p["tactics"].is_array())
        for (const auto& t : p["tactics"]) if (t.is_string()) r.tactics.push_back(t.get<std::string>());
      for (const char* key : {"techniques", "relevantTechniques"})
        if (p.contains(key) && p[key].is_array())
          for (const auto& t : p[key]) if (t.is_string()) r.relevant_techniques.push_back(t.get<std::string>());
      if (p.contains("entityMappings") && p["entityMappings"].is_array()) {
        for (const auto& e : p["entityMappings"]) {
          if (!e.is_object()) continue;
          EntityMapping m{e.value("entityType", ""), {}};
          if (e.contains("fieldMappings") && e["fieldMappings"].is_array())
            for (const auto& fm : e["fieldMappings"])
              if (fm.is_object()) m.field_mappings.push_back({fm.value("identifier", ""), fm.value("columnName", "")});
          r.entity_mappings.push_back(std::move(m));
        }
      }
      if (p.contains("customDetails") && p["customDetails"].is_object())
        for (const auto& [key, v] : p["customDetails"].items())
          if (v.is_string()) r.custom_details.emplace_back(key, v.get<std::string>());
      if (p.contains("eventGroupingSettings") && p["eventGroupingSettings"].is_object())
        r.event_grouping_settings = EventGroupingSettings{p["eventGroupingSettings"].value("aggregationKind", "")};
      if (p.contains("suppressionEnabled") && p["suppressionEnabled"].is_boolean() && p["suppressionEnabled"].get<bool>() &&
          p.contains("suppressionDuration") && p["suppressionDuration"].is_string())
        r.suppression_duration = duration("suppressionDuration", p["suppressionDuration"].get<std::string>(), at_query, r, error);
      if (p.contains("alertDetailsOverride") && p["alertDetailsOverride"].is_object()) {
        const auto& a = p["alertDetailsOverride"];
        AlertDetailsOverride o;
        auto s2 = [&](const char* k2) { return a.contains(k2) && a[k2].is_string() ? a[k2].get<std::string>() : std::string(); };
        o.alert_display_name_format = s2("alertDisplayNameFormat");
        o.alert_description_format = s2("alertDescriptionFormat");
        o.alert_severity_column_name = s2("alertSeverityColumnName");
        o.alert_tactics_column_name = s2("alertTacticsColumnName");
        if (a.contains("alertDynamicProperties") && a["alertDynamicProperties"].is_array())
          for (const auto& d : a["alertDynamicProperties"])
            if (d.is_object()) o.alert_dynamic_properties.emplace_back(d.value("alertProperty", ""), d.value("value", ""));
        r.alert_details_override = std::move(o);
      }
      if (p.contains("incidentConfiguration") && p["incidentConfiguration"].is_object()) {
        const auto& ic = p["incidentConfiguration"];
        IncidentConfiguration c;
        if (ic.contains("createIncident") && ic["createIncident"].is_boolean()) c.create_incident = ic["createIncident"].get<bool>();
        if (ic.contains("groupingConfiguration") && ic["groupingConfiguration"].is_object()) {
          const auto& gc = ic["groupingConfiguration"];
          auto b = [&](const char* k2) { return gc.contains(k2) && gc[k2].is_boolean() && gc[k2].get<bool>(); };
          auto sv2 = [&](const char* k2) {
            std::vector<std::string> v;
            if (gc.contains(k2) && gc[k2].is_array())
              for (const auto& x : gc[k2]) if (x.is_string()) v.push_back(x.get<std::string>());
            return v;
          };
          c.grouping.enabled = b("enabled");
          c.grouping.reopen_closed_incident = b("reopenClosedIncident");
          if (gc.contains("lookbackDuration") && gc["lookbackDuration"].is_string())
            c.grouping.lookback_duration = parse_duration(gc["lookbackDuration"].get<std::string>());
          c.grouping.matching_method = gc.value("matchingMethod", "");
          c.grouping.group_by_entities = sv2("groupByEntities");
          c.grouping.group_by_alert_details = sv2("groupByAlertDetails");
          c.grouping.group_by_custom_details = sv2("groupByCustomDetails");
        }
        r.incident_configuration = std::move(c);
      }
      if (error) return *error;
      out.push_back(std::move(r));
    }
    if (out.empty()) return Error("not an analytic rule: the ARM template has no alertRules resource", path, 1, 1);
    return out;
  }

  Result<std::vector<SentinelRule>> kql() const {
    SentinelRule r;
    r.file = path;
    r.format = RuleFormat::Kql;
    r.name = std::filesystem::path(path).stem().string();
    r.query = *text;
    r.location = QueryLocation::identity(path);
    r.location.file_text = text;
    std::vector<SentinelRule> out;
    out.push_back(std::move(r));
    return out;
  }
};

}  // namespace

std::optional<TimeSpan> parse_sentinel_duration(std::string_view text) { return parse_duration(trim(text)); }

std::optional<TriggerOperator> parse_trigger_operator(std::string_view text) {
  const std::string t = lower(trim(text));
  if (t == "gt" || t == "greaterthan") return TriggerOperator::GreaterThan;
  if (t == "lt" || t == "lessthan") return TriggerOperator::LessThan;
  if (t == "eq" || t == "equal") return TriggerOperator::Equal;
  if (t == "ne" || t == "notequal") return TriggerOperator::NotEqual;
  return std::nullopt;
}

std::string_view to_string(TriggerOperator op) {
  switch (op) {
    case TriggerOperator::GreaterThan: return "GreaterThan";
    case TriggerOperator::LessThan: return "LessThan";
    case TriggerOperator::Equal: return "Equal";
    case TriggerOperator::NotEqual: return "NotEqual";
  }
  return "?";
}

Result<std::vector<SentinelRule>> load_sentinel_text(const std::string& path, std::string text) {
  Loader l{path, std::make_shared<const std::string>(std::move(text))};
  const std::string ext = lower(std::filesystem::path(path).extension().string());
  if (ext == ".json") return l.arm();
  if (ext == ".kql" || ext == ".csl" || ext == ".txt") return l.kql();
  return l.yaml();
}

QueryLocation yaml_scalar_location(const std::string& path, std::shared_ptr<const std::string> text, const std::string& value,
                                   std::size_t node_pos) {
  Loader l{path, std::move(text)};
  return l.query_location(value, node_pos);
}

Result<std::vector<SentinelRule>> load_sentinel_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error("cannot open file", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return load_sentinel_text(path, ss.str());
}

}  // namespace rulelab::kusto
