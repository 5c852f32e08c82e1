// Kusto execution: the input is a query, run against fixed tables (T with a column of each type
// and nulls; X and Y from the join page; AuditLogs read through ingestion with its built-in schema)
// with a fixed clock. A query runs or fails with an error; every result cell prints.
#include <memory>

#include "core/datetime.hpp"
#include "core/ingest.hpp"
#include "engine/engine.hpp"
#include "engine/value.hpp"
#include "fuzz_util.hpp"

namespace {
using namespace rulelab;

// A table from "name:type" headers and rows of cells ("NULL" = null; dynamic cells are JSON).
std::shared_ptr<const Table> make_table(const std::string& name, const std::vector<std::string>& header,
                                        const std::vector<std::vector<std::string>>& rows) {
  Table t;
  t.schema.table = name;
  for (const auto& h : header) {
    const auto colon = h.find(':');
    t.schema.fields.push_back({h.substr(0, colon), *parse_type_name(h.substr(colon + 1))});
  }
  Batch b = Batch::empty_for(t.schema);
  JsonParser jp;
  std::uint32_t line = 1;
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      Column& col = b.columns[c];
      if (row[c] == "NULL") {
        col.append_null();
      } else if (t.schema.fields[c].type == Type::Dynamic) {
        std::string bytes;
        if (jp.parse(row[c], bytes)) fuzz::violated("bad JSON in a fixed table", row[c]);
        col.append_dynamic_bytes(bytes);
      } else {
        engine::append_value(col, engine::convert_to(engine::Value::of_string(row[c]), t.schema.fields[c].type));
      }
    }
    b.sources.push_back(RowSource{0, ++line});
  }
  t.sources.push_back(name + ".tsv");
  t.batches.push_back(std::move(b));
  return std::make_shared<const Table>(std::move(t));
}

constexpr const char* kAuditLogs =
    R"({"TimeGenerated":"2026-09-03T14:10:00Z","OperationName":"Add user","Category":"UserManagement","Result":"success","InitiatedBy":{"user":{"userPrincipalName":"it.admin@contoso.onmicrosoft.com","ipAddress":"186.144.92.225"}},"TargetResources":[{"id":"1a2b","type":"User","userPrincipalName":"alex.smith@contoso.onmicrosoft.com","modifiedProperties":[{"displayName":"UserType","oldValue":"[]","newValue":"[\"Member\"]"}]}],"AdditionalDetails":[{"key":"User-Agent","value":"Mozilla/5.0"}]}
{"TimeGenerated":"2026-09-03T14:40:00Z","OperationName":"Delete user","Category":"UserManagement","Result":"success","InitiatedBy":{"app":{"displayName":"Graph","servicePrincipalId":"42"}},"TargetResources":[{"id":"1a2b","type":"User","userPrincipalName":"1a2balex.smith@contoso.onmicrosoft.com"}]}
{"TimeGenerated":"2026-09-02T08:00:00Z","OperationName":"Update user","Category":"UserManagement","Result":"failure","TargetResources":[]}
)";

struct Fixture {
  engine::Engine engine;
  std::int64_t now = parse_datetime("2026-09-03T15:00:00Z")->ticks;
  Fixture() {
    engine.add_table("T", make_table("T", {"Name:string", "Count:long", "Score:real", "Time:datetime", "Span:timespan",
                                           "Flag:bool", "Props:dynamic", "Id:guid", "Small:int"},
                                     {{"alpha", "1", "1.5", "2026-09-03T14:00:00Z", "01:00:00", "true",
                                       R"({"a":1,"b":[1,2,"x"],"c":{"d":"e"}})", "8b4e525c-c5a9-586c-90b4-3acdba952185", "7"},
                                      {"Beta", "-2", "-0.25", "2026-09-01T00:00:00Z", "2.00:00:00", "false", "[1,\"two\",null]",
                                       "NULL", "-1"},
                                      {"", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL"},
                                      {"gamma delta", "9223372036854775807", "1e308", "1601-01-01T00:00:00Z", "-00:00:01",
                                       "true", "\"text\"", "00000000-0000-0000-0000-000000000000", "2147483647"}}));
    engine.add_table("X", make_table("X", {"Key:string", "Value1:long"}, {{"a", "1"}, {"b", "2"}, {"b", "3"}, {"c", "4"}}));
    engine.add_table("Y", make_table("Y", {"Key:string", "Value2:long"}, {{"b", "10"}, {"c", "20"}, {"c", "30"}, {"d", "40"}}));
    fuzz::ScratchFile file(".ndjson");
    IngestOptions o;
    o.table = "AuditLogs";
    auto r = ingest_file(file.write(kAuditLogs), o);
    if (!r || r->stats.rows != 3) fuzz::violated("the fixed AuditLogs rows do not load");
    engine.add_table("AuditLogs", std::make_shared<const Table>(std::move(r->table)));
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture fx;  // read-only after construction, shared by all inputs
  const std::string query(fuzz::text_of(data, size));
  Table out;
  engine::EngineError err;
  engine::RunOptions ro;
  ro.now_ticks = fx.now;
  if (!fx.engine.run(query, kusto::QueryLocation::identity("fuzz.kql"), ro, out, err)) {
    (void)err.error.format();
    return 0;
  }
  for (const auto& b : out.batches)
    for (const auto& c : b.columns)
      for (std::size_t i = 0; i < b.rows(); ++i) (void)engine::format_cell(c, i);
  return 0;
}
