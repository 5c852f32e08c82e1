// The executor's tap (RunOptions::tap, engine/tap.hpp): each tabular operator of every pipeline
// hands over its output with the provenance of its rows, and the run's result is unchanged.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "engine/plan.hpp"

using namespace rulelab;

namespace {

// A table whose rows come from file `file`, line i + 1 for row i.
std::shared_ptr<const Table> logs(std::uint32_t file, const std::vector<std::pair<std::string, std::string>>& rows) {
  Schema s{"", {{"User", Type::String}, {"Op", Type::String}}};
  engine::TableBuilder tb(s);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    tb.column(0).append_string(rows[i].first);
    tb.column(1).append_string(rows[i].second);
    tb.end_row(RowSource{file, static_cast<std::uint32_t>(i + 1)});
  }
  Table t = tb.finish();
  t.sources = {"a.ndjson", "b.ndjson"};
  return std::make_shared<const Table>(std::move(t));
}

struct Seen {
  const kusto::TabularExpr* pipeline;
  std::size_t step;
  std::string kind, text;
  std::size_t rows;
  std::vector<std::set<std::pair<std::uint32_t, std::uint32_t>>> provenance;  // per row: (file, line)
};

struct Fixture {
  engine::Engine eng;
  Fixture() {
    eng.add_table("Adds", logs(0, {{"ann", "add"}, {"bob", "add"}, {"cyd", "add"}}));
    eng.add_table("Dels", logs(1, {{"bob", "del"}, {"dan", "del"}}));
  }

  Table run(const kusto::Query& q, bool tap, std::vector<Seen>* seen) {
    engine::RunOptions ro;
    Lineage lineage;
    ro.lineage = &lineage;
    if (tap)
      ro.tap = [&](const engine::OperatorOutput& o) {
        Seen s{o.pipeline, o.step, std::string(o.kind), o.text->substr(o.range.begin, o.range.end - o.range.begin), o.table->rows(), {}};
        for (const auto& b : o.table->batches)
          for (const RowSource& src : b.sources) {
            std::set<std::pair<std::uint32_t, std::uint32_t>> recs;
            for (const RowSource& r : o.lineage->records(src)) recs.insert({r.file, r.line});
            s.provenance.push_back(std::move(recs));
          }
        seen->push_back(std::move(s));
      };
    Table out;
    engine::EngineError err;
    REQUIRE_MESSAGE(eng.run(q, kusto::QueryLocation::identity("q.kql"), ro, out, err), err.error.format());
    return out;
  }
};

kusto::Query parse(const std::string& text) {
  auto q = kusto::parse_query(text, kusto::ParseOptions{});
  REQUIRE(q.ok());
  return std::move(q.value());
}

}  // namespace

TEST_CASE("tap: every operator of the result pipeline and of a join's right side, with provenance") {
  Fixture f;
  const kusto::Query q = parse(
      "let gone = Dels | where Op == 'del';\n"
      "Adds\n"
      "| where User != 'ann'\n"
      "| join kind=inner (gone | project User, Deleted = Op) on User\n"
      "| project User, Op, Deleted");
  std::vector<Seen> seen;
  const Table with_tap = f.run(q, true, &seen);
  const Table without = f.run(q, false, nullptr);
  CHECK(with_tap.rows() == 1);
  CHECK(without.rows() == 1);

  const kusto::TabularExpr* result = q.result();
  const kusto::TabularExpr* right = result->operators[1].as<kusto::Join>()->right.get();
  std::map<std::pair<const kusto::TabularExpr*, std::size_t>, const Seen*> at;
  for (const auto& s : seen) {
    CHECK_MESSAGE(at.count({s.pipeline, s.step}) == 0, "each step once: ", s.text);
    at[{s.pipeline, s.step}] = &s;
  }
  // The result pipeline: source, where, join, project.
  for (std::size_t k = 0; k <= 3; ++k) REQUIRE(at.count({result, k}));
  CHECK(at[{result, 0}]->kind == "source");
  CHECK(at[{result, 0}]->text == "Adds");
  CHECK(at[{result, 0}]->rows == 3);
  CHECK(at[{result, 1}]->kind == "where");
  CHECK(at[{result, 1}]->rows == 2);
  CHECK(at[{result, 1}]->provenance == std::vector<std::set<std::pair<std::uint32_t, std::uint32_t>>>{{{0, 2}}, {{0, 3}}});
  CHECK(at[{result, 2}]->kind == "join");
  CHECK(at[{result, 3}]->kind == "project");
  // The joined row derives from bob's add (a.ndjson:2) and bob's delete (b.ndjson:1).
  const std::set<std::pair<std::uint32_t, std::uint32_t>> bob{{0, 2}, {1, 1}};
  CHECK(at[{result, 2}]->provenance == std::vector{bob});
  CHECK(at[{result, 3}]->provenance == std::vector{bob});
  // The right side (its source is the let, itself a tapped pipeline), then its project.
  REQUIRE(at.count({right, 0}));
  REQUIRE(at.count({right, 1}));
  CHECK(at[{right, 0}]->text == "gone");
  CHECK(at[{right, 1}]->rows == 2);
  CHECK(at[{right, 1}]->provenance == std::vector<std::set<std::pair<std::uint32_t, std::uint32_t>>>{{{1, 1}}, {{1, 2}}});
  // The let's pipeline: Dels, then its where.
  const auto let_where = std::find_if(seen.begin(), seen.end(), [](const Seen& s) { return s.kind == "where" && s.text == "where Op == 'del'"; });
  CHECK(let_where != seen.end());
}

TEST_CASE("tap: union legs and summarize groups") {
  Fixture f;
  const kusto::Query q = parse(
      "union (Adds | where User == 'bob'), (Dels | where User == 'bob')\n"
      "| summarize n = count() by User");
  std::vector<Seen> seen;
  const Table out = f.run(q, true, &seen);
  CHECK(out.rows() == 1);
  const kusto::TabularExpr* result = q.result();
  std::size_t legs = 0;
  for (const auto& s : seen)
    if (s.kind == "where") {
      ++legs;
      CHECK(s.rows == 1);
    }
  CHECK(legs == 2);
  const auto sum = std::find_if(seen.begin(), seen.end(), [&](const Seen& s) { return s.pipeline == result && s.step == 1; });
  REQUIRE(sum != seen.end());
  CHECK(sum->kind == "summarize");
  // The group derives from both of bob's records.
  CHECK(sum->provenance == std::vector<std::set<std::pair<std::uint32_t, std::uint32_t>>>{{{0, 2}, {1, 1}}});
}
