// The three versions of "Account Created and Deleted in Short Timeframe" (rules/sentinel/), loaded
// unchanged and run over AuditLogs rows (tests/data/engine/sentinel/*.ndjson). Expected results were
// worked out by hand from the Kusto reference; the reasoning is written next to each case.
#include <doctest/doctest.h>

#include "core/datetime.hpp"
#include "core/ingest.hpp"
#include "engine/engine.hpp"
#include "engine/plan.hpp"
#include "kusto/sentinel_rule.hpp"

using namespace rulelab;

namespace {

const std::string kDir = std::string(RULELAB_SOURCE_DIR);

struct Outcome {
  std::size_t rows = 0;
  std::vector<std::string> upns;     // TargetUserPrincipalName per row
  std::vector<std::string> deltas;   // TimeDelta per row
  std::vector<std::string> created;  // Creation_TimeGenerated per row
};

Outcome run_rule(const std::string& version, const std::string& data, const char* now_iso) {
  auto rules = kusto::load_sentinel_file(kDir + "/rules/sentinel/AccountCreatedandDeletedinShortTimeframe." + version + ".yaml");
  REQUIRE_MESSAGE(rules.ok(), (rules.ok() ? "" : rules.error().format()));
  const kusto::SentinelRule& rule = rules.value().at(0);
  const std::int64_t now = parse_datetime(now_iso)->ticks;
  REQUIRE(rule.query_period.has_value());
  const std::int64_t from = now - rule.query_period->ticks;
  IngestOptions opt;
  opt.table = "AuditLogs";
  auto in = ingest_file(kDir + "/tests/data/engine/sentinel/" + data, opt);
  REQUIRE(in.ok());
  // Sentinel shows the rule only [now - queryPeriod, now]
  Table t = std::move(in.value().table);
  const int tg = t.schema.index_of("TimeGenerated");
  REQUIRE(tg >= 0);
  Table window{t.schema, t.sources, {}};
  for (auto& b : t.batches) {
    SelectionVector sel;
    for (std::size_t r = 0; r < b.rows(); ++r) {
      const auto x = b.columns[static_cast<std::size_t>(tg)].get_long(r);
      if (x >= from && x <= now) sel.push_back(static_cast<std::uint32_t>(r));
    }
    window.batches.push_back(engine::select_rows(b, sel));
  }
  engine::Engine eng;
  eng.add_table("AuditLogs", std::make_shared<const Table>(std::move(window)));
  engine::RunOptions ro;
  ro.now_ticks = now;
  Table out;
  engine::EngineError err;
  REQUIRE_MESSAGE(eng.run(rule.query, rule.location, ro, out, err), err.error.format());
  Outcome o;
  o.rows = out.rows();
  const int u = out.schema.index_of("TargetUserPrincipalName"), d = out.schema.index_of("TimeDelta"),
            c = out.schema.index_of("Creation_TimeGenerated");
  REQUIRE(u >= 0);
  REQUIRE(d >= 0);
  REQUIRE(c >= 0);
  for (auto& b : out.batches)
    for (std::size_t r = 0; r < b.rows(); ++r) {
      o.upns.push_back(engine::format_cell(b.columns[static_cast<std::size_t>(u)], r));
      o.deltas.push_back(engine::format_cell(b.columns[static_cast<std::size_t>(d)], r));
      o.created.push_back(engine::format_cell(b.columns[static_cast<std::size_t>(c)], r));
    }
  return o;
}

const char* kUpn = "breakglassrotationverify@raytakosharkygmail.onmicrosoft.com";

}  // namespace

TEST_CASE("add then delete 23 s later (the public Graph evidence as AuditLogs rows)") {
  // The deleted user's UPN is the object id without dashes glued in front of the original UPN:
  // 84360e8b33214e37b9ec10fccd0263b8breakglassrotationverify@...
  // v1.1.0: extract(@'([a-f0-9]{32})?(.*)', 2, ...) -> group 1 takes the 32 hex digits, group 2 the
  // original UPN (extract-function); the add side is trim(@'"', UPN) = the UPN; join kind=inner on
  // it -> one row; TimeDelta = 15:02:45.8516049 - 15:02:22.5383841 = 00:00:23.3132208, which is
  // between (time(0s) .. 1d) (between-operator, inclusive).
  Outcome v1 = run_rule("v1.1.0", "add-delete.ndjson", "2026-09-03T15:10:00Z");
  REQUIRE(v1.rows == 1);
  CHECK(v1.upns[0] == kUpn);
  CHECK(v1.deltas[0] == "00:00:23.3132208");
  // issue-proposed-fix: ^(?i)([0-9a-f]{32}).*?_(.*)$ needs an underscore after the hex prefix;
  // this UPN has none, so extract() returns "" (no match), which joins with no add-side key.
  Outcome pf = run_rule("issue-proposed-fix", "add-delete.ndjson", "2026-09-03T15:10:00Z");
  CHECK(pf.rows == 0);
  // upstream-fix: (?i)([a-f0-9]{32})?_?(.*) strips the prefix; the join is on TargetResource.id.
  Outcome up = run_rule("upstream-fix", "add-delete.ndjson", "2026-09-03T15:10:00Z");
  REQUIRE(up.rows == 1);
  CHECK(up.upns[0] == kUpn);
  CHECK(up.deltas[0] == "00:00:23.3132208");
}

TEST_CASE("timing (ADE3): created 25 h before the deletion") {
  // v1.1.0: the add side keeps TimeGenerated > ago(1d) and the rule window is 1d: creation excluded.
  CHECK(run_rule("v1.1.0", "timing.ndjson", "2026-09-03T15:10:00Z").rows == 0);
  // upstream-fix looks back 7d: TimeDelta = 1.01:02:45 <= 7d.
  Outcome up = run_rule("upstream-fix", "timing.ndjson", "2026-09-03T15:10:00Z");
  REQUIRE(up.rows == 1);
  CHECK(up.deltas[0] == "1.01:02:45");
  // the proposed fix widens the window too, but its regex still drops the key (no underscore).
  CHECK(run_rule("issue-proposed-fix", "timing.ndjson", "2026-09-03T15:10:00Z").rows == 0);
}

TEST_CASE("the deletion must be inside the last hour (queryFrequency 1h)") {
  // now = deletion + 61 min: where TimeGenerated > ago(1h) drops the delete event in every version.
  for (const char* v : {"v1.1.0", "issue-proposed-fix", "upstream-fix"})
    CHECK(run_rule(v, "add-delete.ndjson", "2026-09-03T16:03:46Z").rows == 0);
}

TEST_CASE("rename between creation and deletion (ADE1: mutable join key)") {
  // v1.1.0 joins on the UPN: alice@ (add) vs bob@ (delete) -> no row. upstream-fix joins on the
  // immutable object id and reports the UPN at deletion time (left side of the join).
  CHECK(run_rule("v1.1.0", "rename.ndjson", "2026-09-03T15:10:00Z").rows == 0);
  Outcome up = run_rule("upstream-fix", "rename.ndjson", "2026-09-03T15:10:00Z");
  REQUIRE(up.rows == 1);
  CHECK(up.upns[0] == "bob@contoso.onmicrosoft.com");
}

TEST_CASE("guest account (user_domain.com#EXT#@tenant)") {
  // v1.1.0: group 2 after the 32 hex digits is the whole guest UPN -> match.
  Outcome v1 = run_rule("v1.1.0", "guest.ndjson", "2026-09-03T15:10:00Z");
  REQUIRE(v1.rows == 1);
  CHECK(v1.upns[0] == "jane_gmail.com#EXT#@contoso.onmicrosoft.com");
  // proposed fix: .*?_ stops at the guest's own underscore -> "gmail.com#EXT#@..." != add side.
  CHECK(run_rule("issue-proposed-fix", "guest.ndjson", "2026-09-03T15:10:00Z").rows == 0);
  // upstream-fix lower-cases both sides (tolower) -> #ext#.
  Outcome up = run_rule("upstream-fix", "guest.ndjson", "2026-09-03T15:10:00Z");
  REQUIRE(up.rows == 1);
  CHECK(up.upns[0] == "jane_gmail.com#ext#@contoso.onmicrosoft.com");
}

TEST_CASE("two creations of one UPN: join kind=inner keeps both pairs") {
  // kind=inner (join-operator): every matching right row pairs with the left (delete) row -> 2 rows.
  Outcome v1 = run_rule("v1.1.0", "duplicate-add.ndjson", "2026-09-03T15:10:00Z");
  REQUIRE(v1.rows == 2);
  CHECK(v1.created[0] == "2026-09-03T13:00:00Z");
  CHECK(v1.created[1] == "2026-09-03T14:00:00Z");
}
