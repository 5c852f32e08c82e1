// Filter pushdown (engine/pushdown.hpp): which leading `where`s may be applied while a table is
// read, and that applying them never changes a query's result (the query re-applies them).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "core/datetime.hpp"
#include "core/ingest.hpp"
#include "core/schema.hpp"
#include "engine/engine.hpp"
#include "engine/pushdown.hpp"
#include "kusto/parser.hpp"
#include "kusto/sentinel_rule.hpp"

using namespace rulelab;

namespace {

const std::string kDir = std::string(RULELAB_SOURCE_DIR);

std::vector<std::string> uses(const std::string& text, const std::string& table = "AuditLogs",
                              const std::vector<std::string>& functions = {}) {
  kusto::ParseOptions po;
  auto q = kusto::parse_query(text, po);
  REQUIRE_MESSAGE(q.ok(), (q.ok() ? "" : q.error().format()));
  return engine::pushdown_queries(q.value(), table, functions);
}

// A table read from `file` whole, or with the rows the query's pushed-down filters drop left out.
Table read(const std::string& file, const std::vector<std::string>& use_queries, std::int64_t now, std::size_t* filtered) {
  IngestOptions opt;
  opt.table = "AuditLogs";
  if (!use_queries.empty()) {
    auto probe = engine::RowFilter::make(use_queries, *builtin_schema("AuditLogs"), now);
    REQUIRE(probe);
    opt.filter_columns = probe->columns();
    opt.make_filter = [use_queries, now]() -> std::unique_ptr<BatchFilter> {
      return engine::RowFilter::make(use_queries, *builtin_schema("AuditLogs"), now);
    };
  }
  auto in = ingest_file(file, opt);
  REQUIRE(in.ok());
  if (filtered) *filtered = in.value().stats.filtered;
  return std::move(in.value().table);
}

std::string run(const std::string& query, const kusto::QueryLocation& loc, Table t, std::int64_t now) {
  engine::Engine eng;
  eng.add_table("AuditLogs", std::make_shared<const Table>(std::move(t)));
  engine::RunOptions ro;
  ro.now_ticks = now;
  Table out;
  engine::EngineError err;
  REQUIRE_MESSAGE(eng.run(query, loc, ro, out, err), err.error.format());
  std::string s;
  for (auto& b : out.batches)
    for (std::size_t r = 0; r < b.rows(); ++r) {
      for (auto& c : b.columns) s += engine::format_cell(c, r) + "|";
      s += "\n";
    }
  return s;
}

}  // namespace

TEST_CASE("pushdown: the leading where of every use of the table, with the lets before it") {
  auto u = uses(
      "let p = 1h;\n"
      "AuditLogs | where TimeGenerated > ago(p) | where OperationName =~ 'Delete user' | extend x = 1\n"
      "| join (AuditLogs | where OperationName == 'Add user' | project OperationName) on OperationName");
  REQUIRE(u.size() == 2);
  CHECK(u[0] == "let p = 1h;\n__rulelab_rows\n| where (TimeGenerated > ago(p))\n| where (OperationName =~ 'Delete user')");
  CHECK(u[1] == "let p = 1h;\n__rulelab_rows\n| where (OperationName == 'Add user')");
  // a use inside a let sees only the lets before it
  auto l = uses("let a = 1;\nlet t = AuditLogs | where Id == a;\nlet b = 2;\nt | count");
  REQUIRE(l.size() == 1);
  CHECK(l[0] == "let a = 1;\n__rulelab_rows\n| where (Id == a)");
}

TEST_CASE("pushdown: nothing when some use reads rows before any where, or cannot be seen") {
  CHECK(uses("AuditLogs | where A == 1 | union (AuditLogs | take 5)").empty());       // a use without where
  CHECK(uses("AuditLogs | extend x = 1 | where x == 1").empty());                     // where after extend
  CHECK(uses("let T = AuditLogs; T | where A == 1").empty());                         // named through a let
  CHECK(uses("union Audit* | where A == 1").empty());                                 // wildcard
  CHECK(uses("table('AuditLogs') | where A == 1").empty());                           // table()
  CHECK(uses("let f = () { AuditLogs | where A == 1 }; f()").empty());               // a function body
  CHECK(uses("SigninLogs | where A == 1", "AuditLogs").empty());                      // not used at all
  CHECK(uses("AuditLogs | where A == 1", "AuditLogs", {"AuditLogs | take 1"}).empty());  // a workspace function
  CHECK(uses("AuditLogs | where A == 1", "AuditLogs", {"SigninLogs"}).size() == 1);
}

TEST_CASE("pushdown: a filter binds on its own or not at all") {
  const Schema s = *builtin_schema("AuditLogs");
  // another table, or a function the engine does not have: nothing to push down
  CHECK_FALSE(engine::RowFilter::make({"__rulelab_rows | where OperationName in ((SigninLogs | project X))"}, s, 0));
  CHECK_FALSE(engine::RowFilter::make({"__rulelab_rows | where rand() < 0.5"}, s, 0));
  CHECK_FALSE(engine::RowFilter::make({"__rulelab_rows | where NoSuchColumn == 1"}, s, 0));
  auto f = engine::RowFilter::make({"__rulelab_rows | where OperationName has 'user'", "__rulelab_rows | where Category == 'X'"}, s, 0);
  REQUIRE(f);
  CHECK(f->columns() == std::vector<std::string>{"Category", "OperationName"});  // in schema order
}

// has: the right side must be a whole term (learn.microsoft.com/kusto/query/has-operator), case-
// insensitive; =~ is case-insensitive equality (learn.microsoft.com/kusto/query/datatypes-string-operators).
TEST_CASE("pushdown keeps a row when any use keeps it (has term matching, =~ folding)") {
  const Schema s = *builtin_schema("AuditLogs");
  auto f = engine::RowFilter::make({"__rulelab_rows | where OperationName has 'delete'", "__rulelab_rows | where Category =~ 'policy'"}, s, 0);
  REQUIRE(f);
  Schema in;
  in.fields = {{"Category", Type::String}, {"OperationName", Type::String}};
  f->set_input(in);
  Batch b = Batch::empty_for(in);
  const std::vector<std::pair<const char*, const char*>> rows = {
      {"UserManagement", "Delete user"},    // has 'delete': terms are matched case-insensitively
      {"UserManagement", "Undelete user"},  // 'undelete' is another term: has does not match inside it
      {"Policy", "Update policy"},          // =~ folds case
      {"UserManagement", "Add user"}};
  for (auto& [c, o] : rows) {
    b.columns[0].append_string(c);
    b.columns[1].append_string(o);
    b.sources.push_back({0, 1});
  }
  std::vector<std::uint8_t> keep(rows.size(), 1);
  f->select(b, keep);
  CHECK(keep == std::vector<std::uint8_t>{1, 0, 1, 0});
}

TEST_CASE("pushdown does not change the results of the seed rules") {
  for (const char* version : {"v1.1.0", "issue-proposed-fix", "upstream-fix"}) {
    auto rules = kusto::load_sentinel_file(kDir + "/rules/sentinel/AccountCreatedandDeletedinShortTimeframe." + version + ".yaml");
    REQUIRE(rules.ok());
    const kusto::SentinelRule& rule = rules.value().at(0);
    kusto::ParseOptions po;
    po.location = rule.location;
    auto q = kusto::parse_query(rule.query, po);
    REQUIRE(q.ok());
    auto u = engine::pushdown_queries(q.value(), "AuditLogs");
    CHECK(u.size() == 2);  // the delete side and the add side
    for (auto& entry : std::filesystem::directory_iterator(kDir + "/tests/data/engine/sentinel")) {
      const std::string file = entry.path().string();
      for (const char* now_iso : {"2026-09-03T15:10:00Z", "2026-09-03T16:03:46Z", "2026-09-10T15:10:00Z"}) {
        const std::int64_t now = parse_datetime(now_iso)->ticks;
        std::size_t filtered = 0;
        const std::string whole = run(rule.query, rule.location, read(file, {}, now, nullptr), now);
        const std::string pushed = run(rule.query, rule.location, read(file, u, now, &filtered), now);
        INFO(version << " " << file << " " << now_iso);
        CHECK(whole == pushed);
      }
    }
  }
}
