// Running Elastic rules: the Azure guest invitation rule (both versions) over Elastic azure.auditlogs
// events, look-back windows, timestamp_override, max_signals, threshold, new_terms, filters, exceptions.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "core/datetime.hpp"
#include "elastic/elastic_rule.hpp"
#include "kuery/runner.hpp"

using namespace rulelab;
using namespace rulelab::elastic;
using namespace rulelab::kuery;

namespace {

std::string path(const std::string& rel) { return std::string(RULELAB_SOURCE_DIR) + "/" + rel; }
std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Documents of one index, read from NDJSON text (one document per line).
struct Docs {
  std::vector<std::string> storage;
  IndexDocs index;
  Docs(std::string name, const std::string& ndjson, const std::string& file = "inline") {
    index.name = std::move(name);
    JsonParser p;
    std::istringstream in(ndjson);
    std::uint32_t line = 0;
    for (std::string l; std::getline(in, l);) {
      ++line;
      if (l.empty()) continue;
      std::string enc;
      REQUIRE_FALSE(p.parse(l, enc).has_value());
      storage.push_back(std::move(enc));
      index.docs.push_back({DynRef(), file, line, std::nullopt});
    }
    for (std::size_t i = 0; i < storage.size(); ++i) index.docs[i].source = DynRef(storage[i]);
    one.push_back(index);
  }
  std::vector<IndexDocs> one;  // the run's results point into it: it outlives them
  const std::vector<IndexDocs>& all() const { return one; }
};

ElasticRule one_rule(const std::string& file, const std::string& text) {
  auto r = load_elastic_text(file, text);
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  return r->front();
}

std::vector<std::string> alert_lines(const ElasticRunResult& r) {
  std::vector<std::string> out;
  for (const auto& a : r.alerts) out.push_back(a.index + ":" + std::to_string(a.doc->line));
  return out;
}

DateTime at(const char* s) { return *parse_datetime(s); }

}  // namespace

// Rule semantics: Elastic Security "Create a custom query rule" (https://www.elastic.co/guide/en/security/current/rules-ui-create.html):
// look-back = `from`, timestamp override with fallback to @timestamp, max alerts per run = max_signals.
TEST_CASE("Azure External Guest User Invitation, both versions, over azure.auditlogs events") {
  const FieldTypes types = FieldTypes::builtin();
  Docs invites("logs-azure.auditlogs-default", slurp(path("tests/data/kuery/azure/invites.ndjson")), "invites.ndjson");
  Docs real("logs-azure.auditlogs-default", slurp(path("tests/data/kuery/azure/real-samples.ndjson")), "real-samples.ndjson");
  Docs filebeat("filebeat-8.17.0", slurp(path("tests/data/kuery/azure/filebeat-invites.ndjson")), "filebeat-invites.ndjson");
  Docs other("logs-okta.system-default", slurp(path("tests/data/kuery/azure/invites.ndjson")), "invites.ndjson");
  // the real samples become part of the same data stream
  IndexDocs azure = invites.index;
  azure.docs.insert(azure.docs.end(), real.index.docs.begin(), real.index.docs.end());
  const std::vector<IndexDocs> data{azure, filebeat.index, other.index};
  const DateTime now = at("2025-03-27T15:00:00Z");

  const std::string v1_file = path("rules/elastic/azure_external_guest_user_invitation.toml");
  const std::string v1_text = slurp(v1_file);
  const ElasticRule v1 = one_rule(v1_file, v1_text);
  const ElasticRunResult r1 = run_elastic_rule(v1, v1_text, data, types, now);
  CHECK(r1.errors.empty());
  // index patterns logs-azure.auditlogs-*, filebeat-*: the okta data stream is not read
  CHECK(r1.indices == std::vector<std::string>{"logs-azure.auditlogs-default", "filebeat-8.17.0"});
  CHECK(r1.ignored_indices == std::vector<std::string>{"logs-okta.system-default"});
  CHECK(r1.timestamp_field == "event.ingested");
  CHECK(r1.from.ticks == at("2025-03-27T14:51:00Z").ticks);
  // in time order of event.ingested (14:52:05, 14:52:35, 14:56:00 via @timestamp fallback, 14:57:05)
  CHECK(alert_lines(r1) == std::vector<std::string>{"logs-azure.auditlogs-default:3", "logs-azure.auditlogs-default:1",
                                                    "logs-azure.auditlogs-default:7", "filebeat-8.17.0:1"});

  const std::string v2_file = path("tests/data/kuery/entra_id_external_guest_user_invited.toml");
  const std::string v2_text = slurp(v2_file);
  const ElasticRule v2 = one_rule(v2_file, v2_text);
  const ElasticRunResult r2 = run_elastic_rule(v2, v2_text, data, types, now);
  CHECK(r2.errors.empty());
  // data_stream.dataset is a constant_keyword of the data stream: the filebeat document has none
  CHECK(alert_lines(r2) == std::vector<std::string>{"logs-azure.auditlogs-default:3", "logs-azure.auditlogs-default:1",
                                                    "logs-azure.auditlogs-default:7"});
  // the real samples (Update device, Add member to role) are read but never match
  CHECK(r2.docs_total == 11);
}

TEST_CASE("max_signals caps the alerts of one run") {
  const std::string toml = R"([rule]
name = "cap"
type = "query"
language = "kuery"
index = ["logs-*"]
from = "now-1h"
max_signals = 2
query = "event.action:login"
)";
  const ElasticRule r = one_rule("cap.toml", toml);
  Docs d("logs-test", R"({"@timestamp":"2024-05-01T11:10:00Z","event":{"action":"login"}}
{"@timestamp":"2024-05-01T11:20:00Z","event":{"action":"login"}}
{"@timestamp":"2024-05-01T10:00:00Z","event":{"action":"login"}}
{"@timestamp":"2024-05-01T11:05:00Z","event":{"action":"login"}}
)");
  const auto res = run_elastic_rule(r, toml, d.all(), FieldTypes::builtin(), at("2024-05-01T12:00:00Z"));
  CHECK(res.docs_matched == 3);  // the 10:00 event is outside now-1h
  CHECK(res.capped);
  CHECK(alert_lines(res) == std::vector<std::string>{"logs-test:4", "logs-test:1"});  // earliest first
}

// Threshold rules: Elastic Security docs, "Create a threshold rule": group by fields, alert when a
// group reaches the threshold; cardinality counts distinct values of a field.
TEST_CASE("threshold rule: group by source.ip, count and cardinality") {
  const std::string toml = R"([rule]
name = "brute force"
type = "threshold"
language = "kuery"
index = ["logs-*"]
from = "now-1h"
query = "event.category:authentication and event.outcome:failure"
[rule.threshold]
field = ["source.ip"]
value = 3
[[rule.threshold.cardinality]]
field = "user.name"
value = 2
)";
  const ElasticRule r = one_rule("t.toml", toml);
  Docs d("logs-auth", R"({"@timestamp":"2024-05-01T11:10:00Z","event":{"category":"authentication","outcome":"failure"},"source":{"ip":"10.0.0.1"},"user":{"name":"a"}}
{"@timestamp":"2024-05-01T11:11:00Z","event":{"category":"authentication","outcome":"failure"},"source":{"ip":"10.0.0.1"},"user":{"name":"b"}}
{"@timestamp":"2024-05-01T11:12:00Z","event":{"category":"authentication","outcome":"failure"},"source":{"ip":"10.0.0.1"},"user":{"name":"a"}}
{"@timestamp":"2024-05-01T11:13:00Z","event":{"category":"authentication","outcome":"failure"},"source":{"ip":"10.0.0.2"},"user":{"name":"a"}}
{"@timestamp":"2024-05-01T11:14:00Z","event":{"category":"authentication","outcome":"failure"},"source":{"ip":"10.0.0.2"},"user":{"name":"a"}}
{"@timestamp":"2024-05-01T11:15:00Z","event":{"category":"authentication","outcome":"failure"},"source":{"ip":"10.0.0.2"},"user":{"name":"a"}}
{"@timestamp":"2024-05-01T11:16:00Z","event":{"category":"authentication","outcome":"failure"},"user":{"name":"z"}}
)");
  const auto res = run_elastic_rule(r, toml, d.all(), FieldTypes::builtin(), at("2024-05-01T12:00:00Z"));
  REQUIRE(res.alerts.size() == 1);  // 10.0.0.2 has 3 events but one user; the event without source.ip is in no group
  CHECK(res.alerts[0].detail["threshold_result"]["terms"][0]["value"] == "10.0.0.1");
  CHECK(res.alerts[0].detail["threshold_result"]["count"] == 3);
  CHECK(res.alerts[0].detail["threshold_result"]["cardinality"][0]["value"] == 2);
}

// New terms rules: Elastic Security docs, "Create a new terms rule": alert when a value appears
// for the first time within the history window.
TEST_CASE("new_terms rule: only values unseen in the history window alert") {
  const std::string toml = R"([rule]
name = "new user"
type = "new_terms"
language = "kuery"
index = ["logs-*"]
from = "now-1h"
query = "event.action:login"
[rule.new_terms]
field = "new_terms_fields"
value = ["user.name"]
[[rule.new_terms.history_window_start]]
field = "history_window_start"
value = "now-7d"
)";
  const ElasticRule r = one_rule("n.toml", toml);
  Docs d("logs-auth", R"({"@timestamp":"2024-04-28T10:00:00Z","event":{"action":"login"},"user":{"name":"alice"}}
{"@timestamp":"2024-04-01T10:00:00Z","event":{"action":"login"},"user":{"name":"bob"}}
{"@timestamp":"2024-05-01T11:10:00Z","event":{"action":"login"},"user":{"name":"alice"}}
{"@timestamp":"2024-05-01T11:20:00Z","event":{"action":"login"},"user":{"name":"bob"}}
{"@timestamp":"2024-05-01T11:30:00Z","event":{"action":"login"},"user":{"name":"bob"}}
{"@timestamp":"2024-05-01T11:40:00Z","event":{"action":"login"},"user":{"name":"carol"}}
)");
  const auto res = run_elastic_rule(r, toml, d.all(), FieldTypes::builtin(), at("2024-05-01T12:00:00Z"));
  // alice was seen 3 days ago; bob only 30 days ago (outside now-7d): new, once; carol: new
  CHECK(alert_lines(res) == std::vector<std::string>{"logs-auth:4", "logs-auth:6"});
}

// Rule filters: Kibana filters (query DSL with meta.negate), as detection-rules TOML spells them;
// wildcard query syntax (ES wildcard query docs): ? one character, * any, \ escapes, so a
// literal backslash is written \\ in the value (and \\\\ in a TOML basic string).
TEST_CASE("filters: negated case-insensitive wildcard filter") {
  const std::string toml = R"([rule]
name = "f"
type = "query"
language = "kuery"
index = ["logs-*"]
from = "now-1h"
query = "event.category:file"

[[rule.filters]]
[rule.filters.meta]
negate = true
[rule.filters.query.wildcard."file.directory"]
case_insensitive = true
value = "?:\\\\Program Files\\\\*"
)";
  const ElasticRule r = one_rule("f.toml", toml);
  Docs d("logs-endpoint", R"({"@timestamp":"2024-05-01T11:10:00Z","event":{"category":"file"},"file":{"directory":"C:\\PROGRAM FILES\\x"}}
{"@timestamp":"2024-05-01T11:11:00Z","event":{"category":"file"},"file":{"directory":"C:\\Users\\x"}}
)");
  const auto res = run_elastic_rule(r, toml, d.all(), FieldTypes::builtin(), at("2024-05-01T12:00:00Z"));
  CHECK(res.errors.empty());
  CHECK(alert_lines(res) == std::vector<std::string>{"logs-endpoint:2"});
}

// Exceptions: Elastic Security docs, "Add and manage exceptions": an alert is not created when any
// exception item matches; all conditions (entries) of an item must match; "is not" = excluded.
TEST_CASE("exceptions from a Kibana export: any item suppresses, entries AND, excluded operator") {
  const std::string nd =
      R"({"rule_id":"r1","name":"x","type":"query","language":"kuery","index":["logs-*"],"from":"now-1h","query":"event.action:login","exceptions_list":[{"id":"c1","list_id":"L1","type":"detection","namespace_type":"single"}]}
{"list_id":"L1","name":"container","type":"detection","namespace_type":"single","description":"d"}
{"item_id":"i1","list_id":"L1","name":"svc on host a","type":"simple","namespace_type":"single","entries":[{"field":"user.name","type":"match","value":"svc","operator":"included"},{"field":"host.name","type":"match_any","value":["a","b"],"operator":"included"}]}
{"item_id":"i2","list_id":"L1","name":"not corp","type":"simple","namespace_type":"single","entries":[{"field":"source.ip","type":"match","value":"10.0.0.1","operator":"excluded"},{"field":"user.name","type":"wildcard","value":"adm?n*","operator":"included"}]}
{"exported_count":3,"exported_rules_count":1}
)";
  const ElasticRule r = one_rule("e.ndjson", nd);
  REQUIRE(r.exceptions.size() == 2);
  Docs d("logs-auth", R"({"@timestamp":"2024-05-01T11:10:00Z","event":{"action":"login"},"user":{"name":"svc"},"host":{"name":"a"}}
{"@timestamp":"2024-05-01T11:11:00Z","event":{"action":"login"},"user":{"name":"svc"},"host":{"name":"c"}}
{"@timestamp":"2024-05-01T11:12:00Z","event":{"action":"login"},"user":{"name":"admin1"},"source":{"ip":"10.0.0.1"}}
{"@timestamp":"2024-05-01T11:13:00Z","event":{"action":"login"},"user":{"name":"admin1"},"source":{"ip":"10.9.9.9"}}
)");
  const auto res = run_elastic_rule(r, nd, d.all(), FieldTypes::builtin(), at("2024-05-01T12:00:00Z"));
  CHECK(res.errors.empty());
  // 1: item i1 (svc on a); 4: item i2 (admin from elsewhere); 2 (host c) and 3 (from 10.0.0.1) alert
  CHECK(alert_lines(res) == std::vector<std::string>{"logs-auth:2", "logs-auth:3"});
  CHECK(res.docs_suppressed == 2);
}

TEST_CASE("the sample Kibana export runs its kuery rules") {
  const std::string file = path("tests/data/samples/kibana-export/kibana_export_sample.ndjson");
  const std::string text = slurp(file);
  auto rules = load_elastic_text(file, text);
  REQUIRE(rules.ok());
  Docs d("logs-win", R"J({"@timestamp":"2024-05-01T11:30:00Z","process":{"parent":{"name":"WINWORD.EXE"}},"event":{"action":"Process Create (rule: ProcessCreate)"}}
{"@timestamp":"2024-05-01T11:31:00Z","process":{"parent":{"name":"WINWORD.EXE"}},"event":{"action":"other"}}
)J");
  const auto& first = rules->front();  // process.parent.name:... with a match_phrase filter on event.action
  const auto res = run_elastic_rule(first, text, d.all(), FieldTypes::builtin(), at("2024-05-01T12:00:00Z"));
  CHECK(res.errors.empty());
  CHECK(alert_lines(res) == std::vector<std::string>{"logs-win:1"});
}

TEST_CASE("index pattern lists with exclusions") {
  CHECK(index_selected({"logs-*", "-logs-excluded*"}, "logs-a"));
  CHECK_FALSE(index_selected({"logs-*", "-logs-excluded*"}, "logs-excluded-1"));
  CHECK(index_selected({"logs-*,filebeat-*"}, "filebeat-8"));
  CHECK_FALSE(index_selected({"logs-azure.auditlogs-*"}, "logs-azure.signinlogs-default"));
}

// Indicator match rules: Elastic Security docs, "Create an indicator match rule": events whose
// mapped fields equal an indicator's fields (the entries of one mapping group on the same indicator,
// any group), indicators selected by the indicator index patterns and indicator query.
TEST_CASE("threat_match rule: source.ip or destination.ip equals threat.indicator.ip") {
  const std::string toml = R"([rule]
name = "ti"
type = "threat_match"
language = "kuery"
index = ["logs-net*"]
from = "now-1h"
query = "source.ip:* or destination.ip:*"
threat_index = ["logs-ti_*"]
threat_indicator_path = "threat.indicator"
threat_language = "kuery"
threat_query = '@timestamp >= "now-30d/d" and event.module:threatintel and threat.indicator.ip:*'

[[rule.threat_mapping]]
[[rule.threat_mapping.entries]]
field = "source.ip"
type = "mapping"
value = "threat.indicator.ip"

[[rule.threat_mapping]]
[[rule.threat_mapping.entries]]
field = "destination.ip"
type = "mapping"
value = "threat.indicator.ip"
)";
  const ElasticRule r = one_rule("ti.toml", toml);
  REQUIRE(r.threat_match);
  CHECK(r.threat_match->mapping.size() == 2);
  Docs ti("logs-ti_abusech.url-default", R"({"@timestamp":"2024-04-20T00:00:00Z","event":{"module":"threatintel"},"threat":{"indicator":{"ip":"203.0.113.9"}}}
{"@timestamp":"2024-01-01T00:00:00Z","event":{"module":"threatintel"},"threat":{"indicator":{"ip":"198.51.100.7"}}}
)", "ti.ndjson");
  Docs net("logs-network-default", R"({"@timestamp":"2024-05-01T11:10:00Z","source":{"ip":"203.0.113.9"},"destination":{"ip":"10.0.0.1"}}
{"@timestamp":"2024-05-01T11:11:00Z","source":{"ip":"10.0.0.2"},"destination":{"ip":"203.0.113.9"}}
{"@timestamp":"2024-05-01T11:12:00Z","source":{"ip":"10.0.0.3"},"destination":{"ip":"198.51.100.7"}}
{"@timestamp":"2024-05-01T11:13:00Z","source":{"ip":"10.0.0.4"},"destination":{"ip":"10.0.0.5"}}
)", "net.ndjson");
  const std::vector<IndexDocs> data{ti.index, net.index};
  const auto res = run_elastic_rule(r, toml, data, FieldTypes::builtin(), at("2024-05-01T12:00:00Z"));
  CHECK(res.errors.empty());
  // 3: its indicator is older than the indicator query's now-30d/d; 4: no indicator
  CHECK(alert_lines(res) == std::vector<std::string>{"logs-network-default:1", "logs-network-default:2"});
  REQUIRE(res.alerts.size() == 2);
  CHECK(res.alerts[1].detail["threat_matches"][0]["atomic"][0]["field"] == "destination.ip");
}
