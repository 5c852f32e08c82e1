// Loader tests: detection-rules TOML and Kibana export NDJSON, date math.
#include <doctest/doctest.h>

#include "core/datetime.hpp"
#include "elastic/elastic_rule.hpp"
#include "kuery/ast.hpp"

using namespace rulelab;
using namespace rulelab::elastic;
using namespace rulelab::kuery;

namespace {
std::string data(const std::string& rel) { return std::string(RULELAB_SOURCE_DIR) + "/" + rel; }
DateTime dt(const char* s) { return *parse_datetime(s); }
}  // namespace

TEST_CASE("detection-rules TOML: Azure External Guest User Invitation") {
  auto r = load_elastic_file(data("rules/elastic/azure_external_guest_user_invitation.toml"));
  REQUIRE(r.ok());
  REQUIRE(r->size() == 1);
  const ElasticRule& e = r->front();
  CHECK(e.name == "Azure External Guest User Invitation");
  CHECK(e.rule_id == "141e9b3a-ff37-4756-989d-05d7cbf35b0e");
  CHECK(e.type == RuleType::Query);
  CHECK(e.language == QueryLanguage::Kuery);
  CHECK(e.from == "now-9m");
  CHECK(e.interval == "5m");  // absent: Kibana's default
  CHECK(e.max_signals == 100);
  CHECK(e.timestamp_override == "event.ingested");
  CHECK(e.index == std::vector<std::string>{"logs-azure.auditlogs-*", "filebeat-*"});
  CHECK(e.risk_score == 21);
  CHECK(e.severity == "low");
  REQUIRE(e.threat.size() == 2);
  CHECK(e.threat[1].tactic.id == "TA0003");
  CHECK(e.threat[0].techniques.at(0).technique.id == "T1078");
  CHECK(e.metadata["integration"][0] == "azure");
  // ''' literal: the newline after the opening quotes is trimmed; the query starts on the next line.
  CHECK(e.query.rfind("event.dataset:azure.auditlogs and", 0) == 0);
  REQUIRE(e.query_source.known);
  CHECK(e.query_source.verbatim());
}

TEST_CASE("TOML query position: line:col of a query byte") {
  const std::string toml = "[rule]\nname = \"x\"\ntype = \"query\"\nlanguage = \"kuery\"\nquery = '''\na:1 and\n  b:(\n'''\n";
  auto r = load_elastic_text("t.toml", toml);
  REQUIRE(r.ok());
  const ElasticRule& e = r->front();
  CHECK(e.query == "a:1 and\n  b:(\n");
  const Error err = query_error(e, toml, e.query.find('('), "boom");
  CHECK(err.line == 7);
  CHECK(err.column == 5);
  // basic string with escapes: positions map through the escapes
  const std::string toml2 = "[rule]\nquery = \"a:\\\"x\\\" and (\"\n";
  auto r2 = load_elastic_text("t.toml", toml2);
  REQUIRE(r2.ok());
  CHECK(r2->front().query == "a:\"x\" and (");
  const Error e2 = query_error(r2->front(), toml2, r2->front().query.find('('), "m");
  CHECK(e2.line == 2);
  CHECK(e2.column == 22);
}

TEST_CASE("TOML syntax error is positioned") {
  auto r = load_elastic_text("bad.toml", "[rule]\nname = \"x\nquery = 1\n");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().file == "bad.toml");
  CHECK(r.error().line == 2);
}

TEST_CASE("Kibana export NDJSON: rules, exception lists and items, summary") {
  auto r = load_elastic_file(data("tests/data/samples/kibana-export/kibana_export_sample.ndjson"));
  REQUIRE(r.ok());
  CHECK(r->size() == 9);
  int thresholds = 0, new_terms = 0, with_exceptions = 0;
  for (const auto& e : r.value()) {
    if (e.threshold) {
      ++thresholds;
      // its rule_default exception item names the field " host.name" (leading space)
      REQUIRE(e.warnings.size() == 1);
      CHECK(e.warnings[0].message.find("surrounding spaces") != std::string::npos);
      CHECK(e.threshold->field == std::vector<std::string>{"source.ip"});
      CHECK(e.threshold->value == 20);
    }
    if (e.new_terms) {
      ++new_terms;
      CHECK(e.new_terms->fields == std::vector<std::string>{"user.id", "source.ip"});
      CHECK(e.new_terms->history_window_start == "now-30d");
    }
    if (!e.exceptions.empty()) ++with_exceptions;
    if (e.language == QueryLanguage::Kuery) {
      REQUIRE(e.query_source.known);
      CHECK_FALSE(e.query_source.verbatim());  // JSON string: escapes map through
    }
  }
  CHECK(thresholds == 1);
  CHECK(new_terms == 1);
  CHECK(with_exceptions == 3);  // esql, new_terms (detection list) and threshold (rule_default list)
  const auto& first = r->front();
  CHECK(first.interval == "1h");
  CHECK(first.from == "now-70m");
  CHECK(first.filters.size() == 1);
}

TEST_CASE("NDJSON query position points into the export line") {
  const std::string nd = "{\"rule_id\":\"r\",\"type\":\"query\",\"language\":\"kuery\",\"query\":\"a:\\\"x\\\"\\nand (\"}\n";
  auto r = load_elastic_text("e.ndjson", nd);
  REQUIRE(r.ok());
  const auto& e = r->front();
  CHECK(e.query == "a:\"x\"\nand (");
  const Error err = query_error(e, nd, e.query.find('('), "m");
  CHECK(err.line == 1);
  CHECK(err.column == nd.find('(') + 1);
}

TEST_CASE("an export's numbers beyond int64 keep the default, not a cast's undefined behaviour") {
  // Found by fuzz_kibana_ndjson: max_signals 4.79e20 was cast to a long (undefined behaviour).
  const std::string nd =
      "{\"rule_id\":\"r\",\"type\":\"query\",\"language\":\"kuery\",\"query\":\"a:1\","
      "\"max_signals\":4.79223e20,\"risk_score\":50.0}\n";
  auto r = load_elastic_text("e.ndjson", nd);
  REQUIRE(r.ok());
  CHECK(r->front().max_signals == 100);  // Kibana's default
  CHECK(r->front().risk_score == 50);
}

TEST_CASE("Elastic date math (ES reference: Date math examples)") {
  // https://www.elastic.co/guide/en/elasticsearch/reference/current/common-options.html#date-math
  // "now = 2001-01-01 12:00:00": now+1h, now-1h, now-1h/d, 2001.02.01||+1M/d
  const DateTime now = dt("2001-01-01T12:00:00Z");
  CHECK(eval_date_math("now+1h", now)->ticks == dt("2001-01-01T13:00:00Z").ticks);
  CHECK(eval_date_math("now-1h", now)->ticks == dt("2001-01-01T11:00:00Z").ticks);
  CHECK(eval_date_math("now-1h/d", now)->ticks == dt("2001-01-01T00:00:00Z").ticks);
  CHECK(eval_date_math("2001-02-01||+1M/d", now)->ticks == dt("2001-03-01T00:00:00Z").ticks);
  CHECK(eval_date_math("now/d", now, true)->ticks == dt("2001-01-01T23:59:59.999Z").ticks);
  CHECK(eval_date_math("now-9m", now)->ticks == dt("2001-01-01T11:51:00Z").ticks);
  CHECK_FALSE(eval_date_math("now-9x", now));
  CHECK_FALSE(eval_date_math("yesterday", now));
  CHECK(parse_elastic_duration("5m")->ticks == 5 * 60 * kTicksPerSecond);
  CHECK(parse_elastic_duration("1h")->ticks == 3600 * kTicksPerSecond);
  CHECK_FALSE(parse_elastic_duration("5"));
  CHECK_FALSE(parse_elastic_duration("1M"));
}

#include "kuery/ast.hpp"

TEST_CASE("kuery grammar: PEGTL analysis finds no problems") { CHECK(rulelab::kuery::analyze_kuery_grammar() == 0); }

TEST_CASE("kuery syntax errors point into the rule file") {
  const std::string toml = "[rule]\nname = \"x\"\ntype = \"query\"\nlanguage = \"kuery\"\nquery = '''\nprocess.name:cmd.exe and\n  process.args:)\n'''\n";
  auto r = load_elastic_text("x.toml", toml);
  REQUIRE(r.ok());
  auto p = parse_kuery(r->front().query);
  REQUIRE_FALSE(p.query);
  const Error e = query_error(r->front(), toml, p.failure->offset, p.failure->message);
  CHECK(e.line == 7);
  CHECK(e.column == 16);  // the ')' where a value was expected
  CHECK(e.format().find("x.toml:7:16:") == 0);
}

TEST_CASE("deeply nested parentheses are an error, not a crash") {
  std::string q;
  for (int i = 0; i < 5000; ++i) q += "(";
  q += "a:b";
  for (int i = 0; i < 5000; ++i) q += ")";
  auto p = parse_kuery(q);
  REQUIRE_FALSE(p.query);
  CHECK(p.failure->message.find("too deeply") != std::string::npos);
}

#include <random>

// Hostile input: random kuery-ish text and broken rule files give errors, never crashes.
TEST_CASE("random queries and broken rule files never crash") {
  std::mt19937 rng(12345);
  const std::string alphabet = "ab:*()\\\"{}<>= \t\nornotand\xC2\xA0u0041.-_";
  std::size_t ok = 0, failed = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string q;
    const int n = static_cast<int>(rng() % 40);
    for (int k = 0; k < n; ++k) q += alphabet[rng() % alphabet.size()];
    auto p = parse_kuery(q);
    if (p.query) {
      ++ok;
      CHECK(p.query->root != nullptr);
    } else {
      ++failed;
      CHECK(p.failure->offset <= q.size());
      CHECK_FALSE(p.failure->message.empty());
    }
  }
  CHECK(ok > 0);
  CHECK(failed > 0);
  for (const char* bad : {"", "[rule", "[rule]\nquery = '''unterminated", "{\"rule_id\":1,", "{}\n{\"rule_id\":\"x\",\"query\":5}\n",
                          "[rule]\nthreshold = 3\nnew_terms = \"x\"\nthreat = 1\nexceptions_list = [1, 2]\n"}) {
    auto r = load_elastic_text(std::string(bad).rfind("{", 0) == 0 ? "x.ndjson" : "x.toml", bad);
    if (!r) CHECK_FALSE(r.error().message.empty());
  }
}

#include "elastic/analyzer.hpp"

// Elasticsearch standard analyzer docs (analysis-standard-analyzer.html), example output.
TEST_CASE("standard analyzer: the documented example") {
  using V = std::vector<std::string>;
  CHECK(rulelab::elastic::standard_tokens("The 2 QUICK Brown-Foxes jumped over the lazy dog's bone.") ==
        V{"the", "2", "quick", "brown", "foxes", "jumped", "over", "the", "lazy", "dog's", "bone"});
  // UAX#29: letters around '.' stay together, digits around ',' and '.' too; '@' and '/' split
  CHECK(rulelab::elastic::standard_tokens("eve.guest@Example.COM 3,141.5 C:/Temp") == V{"eve.guest", "example.com", "3,141.5", "c", "temp"});
  CHECK(rulelab::elastic::standard_tokens("ÉCOLE Straße") == V{"école", "straße"});
}

#include "elastic/field_types.hpp"

// ECS 9.5 field reference (https://www.elastic.co/guide/en/ecs/current/ecs-field-reference.html):
// types, ignore_above and multi-fields of the compiled-in table; integration patterns.
TEST_CASE("built-in field types: ECS 9.5 and azure.auditlogs") {
  using namespace rulelab::elastic;
  using namespace rulelab::kuery;
  const FieldTypes t = FieldTypes::builtin();
  auto ts = t.lookup("@timestamp");
  REQUIRE(ts);
  CHECK(ts->mapping.type == FieldType::Date);
  auto outcome = t.lookup("event.outcome");
  REQUIRE(outcome);
  CHECK(outcome->mapping.type == FieldType::Keyword);
  CHECK(outcome->mapping.ignore_above == 1024);
  auto cmd = t.lookup("process.command_line");
  REQUIRE(cmd);
  CHECK(cmd->mapping.type == FieldType::Wildcard);
  auto text = t.lookup("user.name.text");  // multi-field: values come from user.name
  REQUIRE(text);
  CHECK(text->mapping.type == FieldType::MatchOnlyText);
  CHECK(text->source_path == "user.name");
  auto ds = t.lookup("data_stream.dataset");
  REQUIRE(ds);
  CHECK(ds->mapping.type == FieldType::ConstantKeyword);
  auto tr = t.lookup("azure.auditlogs.properties.target_resources.0.display_name");
  REQUIRE(tr);
  CHECK(tr->mapping.type == FieldType::Keyword);
  CHECK(t.lookup("vulnerability.status"));  // the end of the sorted table
  CHECK_FALSE(t.lookup("event.outcome.keyword"));
  CHECK_FALSE(t.lookup("no.such.field"));
}

// Alert suppression: detection-rules [rule.alert_suppression] and the Kibana API / export form
// (alert_suppression {group_by, duration {value, unit}, missing_fields_strategy}; units s, m, h;
// missing_fields_strategy suppress by default).
TEST_CASE("alert_suppression from TOML and from a Kibana export") {
  auto t = load_elastic_file(data("rules/elastic/persistence_google_workspace_role_modified.toml"));
  REQUIRE(t.ok());
  const auto& s = t->front().alert_suppression;
  REQUIRE(s.has_value());
  CHECK(s->group_by == std::vector<std::string>{"user.email", "google_workspace.admin.role.name", "source.ip"});
  REQUIRE(s->duration.has_value());
  CHECK(s->duration->ticks == 130 * 60 * kTicksPerSecond);
  CHECK(s->duration_text == "130m");
  CHECK(s->suppress_missing);

  const std::string ndjson =
      R"({"id":"1","rule_id":"r","name":"n","type":"query","language":"kuery","query":"a:1","alert_suppression":{"group_by":["host.name"],"missing_fields_strategy":"doNotSuppress"}})"
      "\n"
      R"({"id":"2","rule_id":"r2","name":"n2","type":"query","language":"kuery","query":"a:1","alert_suppression":{"group_by":["host.name"],"duration":{"value":2,"unit":"d"}}})"
      "\n";
  auto k = load_elastic_text("export.ndjson", ndjson);
  REQUIRE(k.ok());
  REQUIRE(k->size() == 2);
  REQUIRE((*k)[0].alert_suppression.has_value());
  CHECK_FALSE((*k)[0].alert_suppression->suppress_missing);
  CHECK_FALSE((*k)[0].alert_suppression->duration.has_value());
  // a unit Kibana does not take: per execution, with a warning
  REQUIRE((*k)[1].alert_suppression.has_value());
  CHECK_FALSE((*k)[1].alert_suppression->duration.has_value());
  REQUIRE_FALSE((*k)[1].warnings.empty());
  CHECK((*k)[1].warnings.back().message.find("unit \"d\"") != std::string::npos);
  // group_by needs 1 to 3 fields (threshold rules excepted): otherwise no suppression, with a warning
  auto none = load_elastic_text("e.ndjson", R"({"id":"3","rule_id":"r3","name":"n3","type":"query","query":"a:1","alert_suppression":{"group_by":[]}})"
                                            "\n");
  REQUIRE(none.ok());
  CHECK_FALSE(none->front().alert_suppression.has_value());
  REQUIRE_FALSE(none->front().warnings.empty());
  // an absurd duration (beyond ten years) is refused, not overflowed
  auto huge = load_elastic_text("h.ndjson", R"({"id":"4","rule_id":"r4","name":"n4","type":"query","query":"a:1","alert_suppression":{"group_by":["a"],"duration":{"value":1099511627776,"unit":"h"}}})"
                                            "\n");
  REQUIRE(huge.ok());
  REQUIRE(huge->front().alert_suppression.has_value());
  CHECK_FALSE(huge->front().alert_suppression->duration.has_value());
}
