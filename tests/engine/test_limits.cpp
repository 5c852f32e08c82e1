// Limits of one Kusto run (core/limits.hpp) and hostile queries: the row budget of the operators
// that multiply rows, the time limit, regular expressions (program size, and RE2's linear time),
// JSON depth and duplicate keys in parse_json, dates outside 0001..9999, long overflow.
// Every test asserts a result or an error message, never a duration.
#include <doctest/doctest.h>

#include <re2/re2.h>

#include "core/datetime.hpp"
#include "engine/engine.hpp"
#include "engine/regex.hpp"

using namespace rulelab;

namespace {

struct Run {
  bool ok = false;
  Table table;
  engine::EngineError err;
};

Run run(const std::string& q, Limits limits = {}) {
  engine::Engine eng;
  engine::RunOptions ro;
  ro.now_ticks = parse_datetime("2026-01-01T00:00:00Z")->ticks;
  ro.limits = limits;
  Run r;
  r.ok = eng.run(q, kusto::QueryLocation::identity("q.kql"), ro, r.table, r.err);
  return r;
}

std::string cell(const Run& r, const char* column, std::size_t row = 0) {
  REQUIRE_MESSAGE(r.ok, r.err.error.format());
  const int c = r.table.schema.index_of(column);
  REQUIRE(c >= 0);
  std::size_t n = row;
  for (const auto& b : r.table.batches) {
    if (n < b.rows()) return engine::format_cell(b.columns[static_cast<std::size_t>(c)], n);
    n -= b.rows();
  }
  FAIL("no row " << row);
  return {};
}

Limits rows(std::uint64_t n) {
  Limits l;
  l.max_rows = n;
  return l;
}

// 100,000 rows on each side, all with the key 1: an inner join would produce 10^10 rows.
const std::string kExplodingSides =
    "let L = range x from 1 to 100000 step 1 | extend k = 1;\n"
    "let R = range y from 1 to 100000 step 1 | extend k = 1;\n";

}  // namespace

TEST_CASE("a join that would explode stops on the row budget, positioned at the join") {
  for (const char* kind : {"inner", "leftouter", "rightouter", "fullouter"}) {
    CAPTURE(kind);
    // default budget (10 million rows)
    Run r = run(kExplodingSides + "L | join kind=" + kind + " R on k | count");
    REQUIRE_FALSE(r.ok);
    CHECK(r.err.error.message.find("join produced more than 10000000 rows") != std::string::npos);
    CHECK(r.err.error.message.find("--max-rows") != std::string::npos);
    CHECK(r.err.error.file == "q.kql");
    CHECK(r.err.error.line == 3);
    CHECK(r.err.error.column == 5);  // the `join` keyword
    CHECK(r.err.error.format().find("L | join kind=") != std::string::npos);  // the source line under the message
  }
  // innerunique keeps one left row per key: 100,000 rows, within the budget
  CHECK(cell(run(kExplodingSides + "L | join kind=innerunique R on k | count"), "Count") == "100000");
  // semi and anti joins never produce more rows than a side
  CHECK(cell(run(kExplodingSides + "L | join kind=leftsemi R on k | count"), "Count") == "100000");
  // lookup pairs like an inner join
  Run lk = run(kExplodingSides + "L | lookup R on k | count");
  REQUIRE_FALSE(lk.ok);
  CHECK(lk.err.error.message.find("lookup produced more than") != std::string::npos);
}

TEST_CASE("--max-rows sets the budget; 0 lifts it; a join within it runs") {
  const std::string q =
      "range x from 1 to 300 step 1 | extend k = 1 | join kind=inner (range y from 1 to 300 step 1 | extend k = 1) on k | count";
  CHECK(cell(run(q), "Count") == "90000");
  Run r = run(q, rows(89999));
  REQUIRE_FALSE(r.ok);
  CHECK(r.err.error.message.find("join produced more than 89999 rows") != std::string::npos);
  CHECK(cell(run(q, rows(90000)), "Count") == "90000");
  CHECK(cell(run(q, rows(0)), "Count") == "90000");
}

TEST_CASE("mv-expand and mv-apply over a huge array stop on the row budget") {
  // one record holding an array of 100,000 numbers
  const std::string arr = "print a = parse_json(strcat('[', strrep('7,', 99999), '7]'))\n";
  Run r = run(arr + "| mv-expand a | count", rows(50000));
  REQUIRE_FALSE(r.ok);
  CHECK(r.err.error.message.find("mv-expand produced more than 50000 rows") != std::string::npos);
  CHECK(r.err.error.line == 2);
  CHECK(r.err.error.column == 3);
  CHECK(cell(run(arr + "| mv-expand a | count", rows(100000)), "Count") == "100000");

  Run ma = run(arr + "| mv-apply a on (where a > 0) | count", rows(50000));
  REQUIRE_FALSE(ma.ok);
  CHECK(ma.err.error.message.find("mv-apply produced more than 50000 rows") != std::string::npos);
  CHECK(ma.err.error.line == 2);
  CHECK(cell(run(arr + "| mv-apply a on (where a > 0) | count", rows(100000)), "Count") == "100000");
}

TEST_CASE("range and make-series count against the budget (no silent truncation)") {
  Run r = run("range x from 1 to 20000 step 1 | count", rows(10000));
  REQUIRE_FALSE(r.ok);
  CHECK(r.err.error.message.find("range produced more than 10000 rows") != std::string::npos);
  CHECK(r.err.error.column == 1);
  CHECK(cell(run("range x from 1 to 20000 step 1 | count", rows(20000)), "Count") == "20000");

  // one series of 1,000,000 one-second bins over 11.6 days
  Run ms = run("range t from datetime(2026-01-01) to datetime(2026-01-02) step 1h\n"
               "| make-series n = count() on t from datetime(2026-01-01) to datetime(2026-01-12T13:46:40) step 1s",
               rows(100000));
  REQUIRE_FALSE(ms.ok);
  CHECK(ms.err.error.message.find("make-series produced more than 100000 series values") != std::string::npos);
  CHECK(ms.err.error.line == 2);
  Run ok = run("range t from datetime(2026-01-01) to datetime(2026-01-02) step 1h\n"
               "| make-series n = count() on t from datetime(2026-01-01) to datetime(2026-01-02) step 1h | project c = array_length(n)",
               rows(100000));
  CHECK(cell(ok, "c") == "24");
}

TEST_CASE("a query that runs past --timeout stops with the time-limit error") {
  // Without a row budget this join would build 10^10 rows; 1 ms is surely exceeded, and the
  // executor checks its deadline while the join produces rows. The assertion is on the error.
  Limits l;
  l.max_rows = 0;
  l.timeout_seconds = 0.001;
  Run r = run(kExplodingSides + "L | join kind=inner R on k | count", l);
  REQUIRE_FALSE(r.ok);
  CHECK(r.err.error.message == "query exceeded the time limit of 0.001 s (--timeout)");
  // mv-apply: a subquery per record, each checked
  Run m = run("range x from 1 to 100000000 step 1 | summarize a = make_list(x) | mv-apply a on (where a > 0) | count", l);
  REQUIRE_FALSE(m.ok);
  CHECK(m.err.error.message == "query exceeded the time limit of 0.001 s (--timeout)");
  // the same query with time to spare (the default limit) runs
  CHECK(cell(run("range x from 1 to 1000 step 1 | count"), "Count") == "1000");
}

// RE2 guarantees matching in time linear in the text ("RE2 ... guarantees that regular expression
// searches run in time linear in the size of the input", github.com/google/re2 wiki; Kusto's regex
// dialect is RE2, learn.microsoft.com/kusto/query/re2). A backtracking engine needs time
// exponential in n for (a+)+$ or (a|aa)+b on n 'a's that do not match: at n = 30 already more
// than 10^9 steps; at n = 100,000 it would never finish, and ctest's timeout would fail this test.
// So the test proves linearity by completing with the right answers at n = 10^4 and 10^5.
TEST_CASE("catastrophic-backtracking patterns run in linear time (RE2)") {
  for (int n : {10000, 100000}) {
    CAPTURE(n);
    const std::string s = "print s = strcat(strrep('a', " + std::to_string(n) + "), '!')\n";
    Run r = run(s + "| extend m1 = s matches regex @'(a+)+$', m2 = s matches regex @'^(a|aa)+b', m3 = s matches regex @'^(a+)+!$',"
                    " e = extract(@'(a|aa)+b', 0, s), l = strlen(extract(@'^(a|aa)+', 0, s))");
    CHECK(cell(r, "m1") == "false");
    CHECK(cell(r, "m2") == "false");
    CHECK(cell(r, "m3") == "true");
    CHECK(cell(r, "e") == "");
    CHECK(cell(r, "l") == std::to_string(n));
  }
  // a million characters, straight through the wrapper every Kusto function uses
  engine::RegexState re("(a|aa)+b");
  REQUIRE(re.ok());
  CHECK_FALSE(re.search(std::string(1000000, 'a')));
  engine::RegexState nested("(x+x+)+y");
  CHECK_FALSE(nested.search(std::string(1000000, 'x')));
}

TEST_CASE("a regular expression over the program-size limit is a positioned error, not a non-match") {
  // \pL is every Unicode letter (hundreds of ranges); 1000 of them in a row exceed 8 MiB.
  const std::string big = "\\\\pL{1000}";
  engine::RegexState st("\\pL{1000}");
  REQUIRE_FALSE(st.ok());
  CHECK(st.too_large());
  CHECK(st.error().find("too large") != std::string::npos);
  // a constant pattern: rejected when the query is bound
  Run c = run("print s = 'abc'\n| where s matches regex '" + big + "'");
  REQUIRE_FALSE(c.ok);
  CHECK(c.err.error.message.find("the regular expression is too large") != std::string::npos);
  CHECK(c.err.error.line == 2);
  Run e = run("print s = 'abc'\n| extend x = extract('" + big + "', 0, s)");
  REQUIRE_FALSE(e.ok);
  CHECK(e.err.error.message.find("too large") != std::string::npos);
  CHECK(e.err.error.line == 2);
  // a pattern computed per row: the error names the call and its position
  Run d = run("print s = 'abc', p = strcat('\\\\pL', '{1000}')\n| extend x = replace_regex(s, p, 'y')");
  REQUIRE_FALSE(d.ok);
  CHECK(d.err.error.message.find("replace_regex: the regular expression is too large") != std::string::npos);
  CHECK(d.err.error.line == 2);
  CHECK(d.err.error.column == 14);
}

TEST_CASE("parse_json of 100,000-deep nesting does not overflow the stack") {
  // simdjson's parser is iterative with a depth limit of 1024: deeper text is not JSON to it, and
  // parse_json leaves text that does not parse as the string it was (fn_dynamic.cpp).
  Run r = run("print s = strcat(strrep('[', 100000), strrep(']', 100000))\n"
              "| extend d = parse_json(s), t = todynamic(s) | extend k = gettype(d), kt = gettype(t), n = strlen(tostring(d))");
  CHECK(cell(r, "k") == "string");
  CHECK(cell(r, "kt") == "string");
  CHECK(cell(r, "n") == "200000");
  // 1000 levels are within the limit and parse
  Run ok = run("print d = parse_json(strcat(strrep('[', 1000), strrep(']', 1000))) | extend k = gettype(d)");
  CHECK(cell(ok, "k") == "array");
}

TEST_CASE("duplicate keys in parse_json: one key, its last value, at its first position") {
  // JSON (RFC 8259 4) leaves duplicate names to the parser; Kusto's dynamic values are property
  // bags with one value per key, and JSON.parse / .NET's JSON readers keep the last value.
  Run r = run("print d = parse_json('{\"a\":1,\"b\":2,\"a\":3}') | extend a = d.a, n = array_length(bag_keys(d)), j = tostring(d)");
  CHECK(cell(r, "a") == "3");
  CHECK(cell(r, "n") == "2");
  CHECK(cell(r, "j") == "{\"a\":3,\"b\":2}");
  // nested objects too
  Run n = run("print d = parse_json('{\"o\":{\"x\":1,\"x\":{\"y\":2}}}') | extend y = d.o.x.y, j = tostring(d)");
  CHECK(cell(n, "y") == "2");
  CHECK(cell(n, "j") == "{\"o\":{\"x\":{\"y\":2}}}");
}

TEST_CASE("dates outside 0001-01-01..9999-12-31 (the range of Kusto's datetime)") {
  // learn.microsoft.com/kusto/query/scalar-data-types/datetime: values range from 0001-01-01
  // 00:00:00 through 9999-12-31 23:59:59; dates before 1601 (the Windows FILETIME epoch) are in it.
  Run in = run("print a = datetime(1600-12-31), b = datetime(0001-01-01), c = datetime(9999-12-31 23:59:59), "
               "d = todatetime('1066-10-14T09:00:00Z')");
  CHECK(cell(in, "a") == "1600-12-31T00:00:00Z");
  CHECK(cell(in, "b") == "0001-01-01T00:00:00Z");
  CHECK(cell(in, "c") == "9999-12-31T23:59:59Z");
  CHECK(cell(in, "d") == "1066-10-14T09:00:00Z");
  // outside the range: todatetime gives null (a string that is no datetime), the literal is an error
  Run out = run("print a = todatetime('10000-01-01T00:00:00Z'), b = isnull(todatetime('10000-01-01'))");
  CHECK(cell(out, "a") == "");
  CHECK(cell(out, "b") == "true");
  Run lit = run("print a = datetime(10000-01-01)");
  CHECK_FALSE(lit.ok);
}

TEST_CASE("long literals and numeric text out of range") {
  // learn.microsoft.com/kusto/query/scalar-data-types/long: a 64-bit integer,
  // -9223372036854775808..9223372036854775807.
  Run ok = run("print a = 9223372036854775807, b = -9223372036854775807 - 1");
  CHECK(cell(ok, "a") == "9223372036854775807");
  CHECK(cell(ok, "b") == "-9223372036854775808");
  Run big = run("print a = 9223372036854775808");
  CHECK_FALSE(big.ok);
  Run lit = run("print a = long(99999999999999999999)");
  CHECK_FALSE(lit.ok);
  // tolong of a string beyond the range is null, never a wrapped value
  // (learn.microsoft.com/kusto/query/tolong-function, toint-function: a failed conversion is null)
  Run s = run("print a = isnull(tolong('99999999999999999999')), b = isnull(tolong('1e30')), c = isnull(toint('99999999999')),"
              " d = toint('2147483647'), e = tolong('-9223372036854775808')");
  CHECK(cell(s, "a") == "true");
  CHECK(cell(s, "b") == "true");
  CHECK(cell(s, "c") == "true");
  CHECK(cell(s, "d") == "2147483647");
  CHECK(cell(s, "e") == "-9223372036854775808");
}

namespace {
// 10,000 rows (five batches), each with an array of three values: a table held in memory, whose
// mv-apply chains run on every core when a join's right side reads them.
std::shared_ptr<const Table> arrays_table() {
  engine::Engine eng;
  engine::RunOptions ro;
  Table t;
  engine::EngineError err;
  REQUIRE(eng.run("range x from 1 to 10000 step 1 | extend arr = pack_array(x, x + 1, x + 2), g = x % 7",
                  kusto::QueryLocation::identity("t.kql"), ro, t, err));
  REQUIRE(t.batches.size() >= 2);
  return std::make_shared<const Table>(std::move(t));
}

Run run_on(const std::shared_ptr<const Table>& t, const std::string& q, Limits limits, Lineage* lineage) {
  engine::Engine eng;
  eng.add_table("T", t);
  engine::RunOptions ro;
  ro.limits = limits;
  ro.lineage = lineage;
  Run r;
  r.ok = eng.run(q, kusto::QueryLocation::identity("q.kql"), ro, r.table, r.err);
  return r;
}

std::vector<std::string> all_cells(const Table& t) {
  std::vector<std::string> out;
  for (const auto& b : t.batches)
    for (std::size_t r = 0; r < b.rows(); ++r) {
      std::string row;
      for (const auto& c : b.columns) row += engine::format_cell(c, r) + "|";
      out.push_back(row);
    }
  return out;
}
}  // namespace

// The join's right side (where | mv-apply | extend over a stored table) runs one batch per thread;
// its rows, their order and the row budget are those of one thread (a run with provenance keeps to
// one thread: the reference). mv-apply: learn.microsoft.com/kusto/query/mv-apply-operator.
TEST_CASE("a stored table's where/mv-apply chain on every core: same rows, same row budget") {
  const auto t = arrays_table();
  const std::string q =
      "let L = range k from 1 to 10002 step 3;\n"
      "L | join kind=inner (T | where g != 3 | mv-apply e = arr to typeof(long) on (where e % 2 == 0 | extend k = e) "
      "| extend s = strcat(tostring(x), '-', tostring(e))) on k";
  Lineage lineage;
  Run serial = run_on(t, q, {}, &lineage);
  Run parallel = run_on(t, q, {}, nullptr);
  REQUIRE_MESSAGE(serial.ok, serial.err.error.format());
  REQUIRE_MESSAGE(parallel.ok, parallel.err.error.format());
  const auto a = all_cells(serial.table), b = all_cells(parallel.table);
  // Rows of x in 1..10000 with g != 3, their even elements e that are 1 mod 3 (L's keys).
  std::size_t expected = 0;
  for (long x = 1; x <= 10000; ++x)
    if (x % 7 != 3)
      for (long e = x; e <= x + 2; ++e)
        if (e % 2 == 0 && e % 3 == 1) ++expected;
  CHECK(a.size() == expected);
  CHECK(a == b);
  // 30,000 elements expanded in all, at most 6,144 in one batch: a budget of 20,000 stops the
  // mv-apply whichever thread crosses it.
  const std::string q2 = "let L = range k from 1 to 10 step 1;\nL | join kind=inner (T | mv-apply e = arr on (extend k = toint(e))) on k";
  Run serial2 = run_on(t, q2, rows(20000), &lineage);
  Run parallel2 = run_on(t, q2, rows(20000), nullptr);
  for (const Run* r : {&serial2, &parallel2}) {
    REQUIRE_FALSE(r->ok);
    CHECK(r->err.error.message.find("mv-apply produced more than 20000 rows") != std::string::npos);
  }
  CHECK(run_on(t, q2, rows(30000), nullptr).ok);
  // Fewer than 1,024 rows a batch (about 615 here, 3,000 in all): counted all the same.
  const std::string q3 =
      "let L = range k from 1 to 10 step 1;\nL | join kind=inner (T | where x % 10 == 0 | mv-apply e = arr on (extend k = toint(e))) on k";
  for (Lineage* l : {&lineage, static_cast<Lineage*>(nullptr)}) {
    Run r = run_on(t, q3, rows(2999), l);
    REQUIRE_FALSE(r.ok);
    CHECK(r.err.error.message.find("mv-apply produced more than 2999 rows") != std::string::npos);
    CHECK(run_on(t, q3, rows(3000), l).ok);
  }
  // The subquery's own operators count per run of it (once per batch), not over the whole input:
  // its mv-expand makes 6,144 rows a batch, 30,000 in all, within a budget of 20,000 a run.
  const std::string q4 =
      "let L = range k from 1 to 10 step 1;\nL | join kind=inner (T | mv-apply e = pack_array(x) on "
      "(mv-expand z = range(1, 3) | where z == 1 | extend k = toint(e))) on k";
  for (Lineage* l : {&lineage, static_cast<Lineage*>(nullptr)}) {
    Run r = run_on(t, q4, rows(20000), l);
    CHECK_MESSAGE(r.ok, r.err.error.format());
    CHECK(r.table.rows() == 10);
  }
}
