// Log ingestion: formats, schemas, rejected records, gzip.
#include <doctest/doctest.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/datetime.hpp"
#include "core/ingest.hpp"
#include "core/schema.hpp"

using namespace rulelab;

namespace {
struct TempFile {
  std::string path;
  TempFile(const std::string& name, const std::string& content, bool gzip = false) {
    path = (std::filesystem::temp_directory_path() / ("rulelab_test_" + std::to_string(::getpid()) + "_" + name)).string();
    if (gzip) {
      gzFile f = gzopen(path.c_str(), "wb");
      gzwrite(f, content.data(), static_cast<unsigned>(content.size()));
      gzclose(f);
    } else {
      std::ofstream(path, std::ios::binary) << content;
    }
  }
  ~TempFile() { std::remove(path.c_str()); }
};
const Column& col(const IngestResult& r, const std::string& name) {
  const int i = r.table.schema.index_of(name);
  REQUIRE(i >= 0);
  return r.table.batches.at(0).columns.at(static_cast<std::size_t>(i));
}
}  // namespace

TEST_CASE("NDJSON with the built-in AuditLogs schema; dynamic columns accept JSON held in strings") {
  TempFile f("a.ndjson",
             R"({"TimeGenerated":"2025-03-27T14:49:42.9293064Z","OperationName":"Add user","DurationMs":"0","InitiatedBy":"{\"user\":{\"id\":\"u1\"}}","TargetResources":[{"type":"User"}]})"
             "\n"
             R"({"TimeGenerated":"2025-03-27T15:00:00+01:00","OperationName":"Delete user","InitiatedBy":{"app":{"displayName":"x"}}})"
             "\n");
  IngestOptions opt;
  opt.table = "AuditLogs";
  auto r = ingest_file(f.path, opt);
  REQUIRE(r);
  CHECK(r->stats.schema_builtin);
  CHECK(r->stats.rows == 2);
  CHECK(r->stats.rejected == 0);
  CHECK(format_datetime(col(*r, "TimeGenerated").get_datetime(0)) == "2025-03-27T14:49:42.9293064Z");
  CHECK(format_datetime(col(*r, "TimeGenerated").get_datetime(1)) == "2025-03-27T14:00:00Z");
  CHECK(col(*r, "DurationMs").get_long(0) == 0);
  CHECK(col(*r, "DurationMs").is_null(1));
  CHECK(col(*r, "InitiatedBy").get_dynamic(0).get("user").get("id").as_string() == "u1");
  CHECK(col(*r, "InitiatedBy").get_dynamic(1).get("app").get("displayName").as_string() == "x");
  CHECK(col(*r, "TargetResources").get_dynamic(0).at(0).get("type").as_string() == "User");
  CHECK(col(*r, "Category").get_string(0) == "");  // strings are never null
  CHECK_FALSE(col(*r, "Category").is_null(0));
}

TEST_CASE("bad lines are counted, reported with their line, and skipped; rows + rejected = lines") {
  TempFile f("b.ndjson", "{\"a\":1}\nnot json\n\n[1,2]\n{\"a\":2}\n{\"a\":");
  auto r = ingest_file(f.path, {});
  REQUIRE(r);
  CHECK(r->stats.records == 6);
  CHECK(r->stats.rows == 2);
  CHECK(r->stats.rejected == 4);
  REQUIRE(r->stats.first_rejections.size() == 4);
  CHECK(r->stats.first_rejections[0].line == 2);
  CHECK(r->stats.first_rejections[1].line == 3);
  CHECK(r->stats.first_rejections[1].reason == "empty line");
  CHECK(r->stats.first_rejections[2].reason == "not a JSON object");
  CHECK(r->stats.first_rejections[3].line == 6);
  IngestOptions strict;
  strict.strict = true;
  auto s = ingest_file(f.path, strict);
  REQUIRE_FALSE(s);
  CHECK(s.error().line == 2);
}

TEST_CASE("values that do not fit the column type become null and are reported") {
  TempFile f("c.ndjson", R"({"TimeGenerated":"not a date","OperationName":"x"})" "\n");
  IngestOptions opt;
  opt.table = "AuditLogs";
  auto r = ingest_file(f.path, opt);
  REQUIRE(r);
  CHECK(col(*r, "TimeGenerated").is_null(0));
  REQUIRE(r->stats.warnings.size() == 1);
  CHECK(r->stats.warnings[0].find("TimeGenerated") != std::string::npos);
}

TEST_CASE("JSON arrays, gzip, CSV exports and inferred schemas") {
  TempFile arr("d.json", "[\n {\"x\": 1, \"t\": \"2025-01-01T00:00:00Z\"},\n {\"x\": 2.5, \"t\": \"2025-01-02T00:00:00Z\", \"o\": {\"k\": 1}}\n]\n");
  auto r = ingest_file(arr.path, {});
  REQUIRE(r);
  CHECK(r->stats.schema_inferred);
  CHECK(r->stats.rows == 2);
  CHECK(r->table.schema.fields[0].type == Type::Real);
  CHECK(r->table.schema.fields[1].type == Type::DateTime);
  CHECK(r->table.schema.fields[2].type == Type::Dynamic);

  TempFile gz("e.ndjson.gz", "{\"a\":\"x\"}\n{\"a\":\"y\"}\n", true);
  auto g = ingest_file(gz.path, {});
  REQUIRE(g);
  CHECK(g->stats.rows == 2);
  CHECK(col(*g, "a").get_string(1) == "y");

  TempFile csv("f.csv",
               "TimeGenerated [UTC],OperationName,InitiatedBy\n"
               "\"3/27/2025, 2:49:42.929 PM\",Add user,\"{\"\"user\"\":{\"\"id\"\":\"\"u1\"\"}}\"\n"
               "bad,row\n");
  IngestOptions opt;
  opt.table = "AuditLogs";
  auto c = ingest_file(csv.path, opt);
  REQUIRE(c);
  CHECK(c->stats.rows == 1);
  CHECK(c->stats.rejected == 1);
  CHECK(c->stats.first_rejections.at(0).line == 3);
  CHECK(format_datetime(col(*c, "TimeGenerated").get_datetime(0)) == "2025-03-27T14:49:42.9290000Z");
  CHECK(col(*c, "InitiatedBy").get_dynamic(0).get("user").get("id").as_string() == "u1");
}

TEST_CASE("schema files in the Azure-Sentinel validator's format, as loosely as it accepts them") {
  auto s = parse_schema_json(R"({"name": "My_CL", "properties": [{"Name": "TimeGenerated", "Type": "DateTime"}, {"name": "n", "type": "Int64",},]})", "x.json");
  REQUIRE(s);
  CHECK(s->table == "My_CL");
  CHECK(s->fields.size() == 2);
  CHECK(s->fields[1].type == Type::Long);
  CHECK_FALSE(parse_schema_json(R"({"Name": "x"})", "x.json"));
}

TEST_CASE("documents keep their nesting") {
  TempFile f("g.ndjson", R"({"a":{"b":1},"a.c":2})" "\n");
  IngestOptions opt;
  opt.documents = true;
  auto r = ingest_file(f.path, opt);
  REQUIRE(r);
  CHECK(col(*r, "_source").get_dynamic(0).get("a.c").as_int() == 2);
}

TEST_CASE("pretty-printed JSON documents (one object over many lines, or several one after another)") {
  TempFile one("h.json", "{\n  \"a\": 1,\n  \"b\": {\"c\": \"x\"}\n}\n");
  auto r = ingest_file(one.path, {});
  REQUIRE(r);
  CHECK(r->stats.format == InputFormat::JsonArray);
  CHECK(r->stats.rows == 1);
  CHECK(r->stats.rejected == 0);
  TempFile two("i.json", "{\n \"a\": 1\n}\n{\n \"a\": 2,\n}\n{\n \"a\": 3\n}\n");
  auto t = ingest_file(two.path, {});
  REQUIRE(t);
  CHECK(t->stats.rows == 2);
  CHECK(t->stats.rejected == 1);
  CHECK(t->stats.first_rejections.at(0).line == 4);
}

TEST_CASE("a schema directory with one bad file: fatal by default, skipped and listed on request") {
  const auto dir = std::filesystem::temp_directory_path() / ("rulelab_schemas_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "Good.json") << R"({"Name": "Good", "Properties": [{"name": "a", "type": "string"}]})";
  std::ofstream(dir / "Bad.json") << R"({"Name": "Bad", "Properties": [{"name": "abc", "type": "def"}]})";
  CHECK_FALSE(load_schema_dir(dir.string()));
  std::vector<Error> skipped;
  auto ok = load_schema_dir(dir.string(), &skipped);
  REQUIRE(ok);
  CHECK(ok->count("Good") == 1);
  CHECK(ok->count("Bad") == 0);
  REQUIRE(skipped.size() == 1);
  CHECK(skipped[0].message.find("def") != std::string::npos);
  std::filesystem::remove_all(dir);
}

namespace {
// Keeps the rows whose OperationName (column `col` of the batches it sees) is "Add user".
class AddUserFilter : public BatchFilter {
 public:
  explicit AddUserFilter(std::size_t col) : col_(col) {}
  void select(const Batch& b, std::vector<std::uint8_t>& keep) override {
    for (std::size_t r = 0; r < b.rows(); ++r)
      if (b.columns.at(col_).get_string(r) != "Add user") keep[r] = 0;
  }

 private:
  std::size_t col_;
};
}  // namespace

TEST_CASE("two-step reading: a filter sees its columns first; dropped rows are counted, bad records still reported") {
  TempFile f("filter.ndjson",
             R"({"TimeGenerated":"2025-03-27T14:00:00Z","OperationName":"Add user","Id":"a"})" "\n"
             R"({"TimeGenerated":"2025-03-27T14:01:00Z","OperationName":"Delete user","Id":"b"})" "\n"
             R"({"TimeGenerated":"2025-03-27T14:02:00Z","OperationName":"Add user",)" "\n"
             R"({"TimeGenerated":"yesterday","OperationName":"Add user","Id":"d"})" "\n"
             R"({"TimeGenerated":"2025-03-27T14:04:00Z","OperationName":"Add user","Id":"e","OperationName":"Delete user"})" "\n"
             R"({"TimeGenerated":"2025-03-27T14:05:00Z","OperationName":"Add user","Id":"f"})" "\n");
  for (unsigned threads : {1u, 2u}) {
    IngestOptions opt;
    opt.table = "AuditLogs";
    opt.threads = threads;
    opt.filter_columns = {"OperationName", "TimeGenerated"};
    int made = 0;
    opt.make_filter = [&made]() -> std::unique_ptr<BatchFilter> {
      ++made;
      // the batches it sees hold the filter columns in schema order: OperationName, TimeGenerated
      return std::make_unique<AddUserFilter>(0);
    };
    auto r = ingest_file(f.path, opt);
    REQUIRE(r.ok());
    CHECK(made >= 1);
    const IngestStats& s = r.value().stats;
    CHECK(s.records == 6);
    CHECK(s.rejected == 1);  // line 3 is cut short
    REQUIRE(s.first_rejections.size() == 1);
    CHECK(s.first_rejections[0].line == 3);
    // line 2 is a deletion; line 5 repeats OperationName and the last value wins (as JSON.parse)
    CHECK(s.filtered == 2);
    CHECK(s.rows == 3);
    CHECK(s.rows + s.rejected + s.filtered == s.records);
    // the bad date of line 4 is reported once, though the record was read twice; so is the
    // repeated key of line 5
    REQUIRE(s.warnings.size() == 2);
    CHECK(std::count_if(s.warnings.begin(), s.warnings.end(),
                        [](const std::string& w) { return w.rfind("1 values of column TimeGenerated", 0) == 0; }) == 1);
    CHECK(std::count_if(s.warnings.begin(), s.warnings.end(), [](const std::string& w) {
            return w.find("key \"OperationName\" more than once") != std::string::npos && w.find("line 5") != std::string::npos;
          }) == 1);
    const Column& id = col(r.value(), "Id");
    REQUIRE(id.size() == 3);
    CHECK(id.get_string(0) == "a");
    CHECK(id.get_string(1) == "d");
    CHECK(id.get_string(2) == "f");
    CHECK(r.value().table.batches.at(0).sources.at(2).line == 6);
  }
  // When the filter reads every column being read, the kept rows are taken from the first step.
  IngestOptions opt;
  opt.table = "AuditLogs";
  opt.columns = {"TimeGenerated", "OperationName"};
  opt.filter_columns = opt.columns;
  opt.make_filter = []() -> std::unique_ptr<BatchFilter> { return std::make_unique<AddUserFilter>(0); };
  auto r = ingest_file(f.path, opt);
  REQUIRE(r.ok());
  CHECK(r.value().stats.rows == 3);
  CHECK(r.value().stats.filtered == 2);
  CHECK(r.value().stats.rejected == 1);
  REQUIRE(r.value().stats.warnings.size() == 2);  // the bad date; the repeated key of line 5
  const Column& tg = col(r.value(), "TimeGenerated");
  REQUIRE(tg.size() == 3);
  CHECK(format_datetime(tg.get_datetime(0)) == "2025-03-27T14:00:00Z");
  CHECK(tg.is_null(1));  // "yesterday"
  CHECK(col(r.value(), "OperationName").get_string(2) == "Add user");
  CHECK(r.value().table.batches.at(0).sources.at(1).line == 4);
}

// A CSV export is read in one step even when a filter is given: a bad value in one of the filter's
// columns is reported as in a read without the filter (before, the first step was taken to have
// reported it, and nothing was).
TEST_CASE("a filter over a CSV export: bad values in its columns are still reported") {
  TempFile f("filter.csv",
             "TimeGenerated,OperationName,Id\n"
             "2025-03-27T14:00:00Z,Add user,a\n"
             "yesterday,Add user,b\n"
             "2025-03-27T14:02:00Z,Delete user,c\n");
  for (bool filtered : {false, true}) {
    CAPTURE(filtered);
    IngestOptions opt;
    opt.table = "AuditLogs";
    if (filtered) {
      opt.filter_columns = {"OperationName", "TimeGenerated"};
      opt.make_filter = []() -> std::unique_ptr<BatchFilter> { return std::make_unique<AddUserFilter>(0); };
    }
    auto r = ingest_file(f.path, opt);
    REQUIRE(r.ok());
    const IngestStats& s = r.value().stats;
    CHECK(s.records == 3);
    CHECK(s.rows + s.filtered == 3);
    REQUIRE(s.warnings.size() == 1);
    CHECK(s.warnings[0].rfind("1 values of column TimeGenerated that are not datetime were set to null", 0) == 0);
    CHECK(s.warnings[0].find("line 3") != std::string::npos);
  }
}

TEST_CASE("two-step reading gives the same rows, rejections and warnings where the filter keeps most records") {
  // The first step reads every column while the filter keeps most records (the kept rows are then
  // copied, not parsed again) and the filter's columns while it keeps few; what comes out must be
  // what the two steps give: bad values of the filter's columns reported for every record, of
  // the other columns for the kept rows only; rejected records listed by line. The expected
  // figures are counted here from the records as they are written.
  const std::string pad(240, 'p');
  std::string text;
  std::vector<std::string> kept_ids;
  std::vector<std::size_t> kept_lines, invalid_lines;
  std::size_t bad_time = 0, bad_n_kept = 0, first_bad_n_kept = 0, first_bad_time = 0;
  const std::size_t records = 30000;
  for (std::size_t i = 0; i < records; ++i) {
    const std::size_t line = i + 1;
    if (i % 997 == 500) {
      text += R"({"TimeGenerated":"2025-03-27T14:00:00Z","OperationName":"Add user",)" "\n";  // cut short
      invalid_lines.push_back(line);
      continue;
    }
    // Mostly kept, then mostly dropped, then mostly kept again.
    const bool mostly = i < 10000 || i >= 20000;
    const bool add = mostly ? i % 10 != 0 : i % 10 == 0;
    // A few bad values (a batch that warns is read again in two steps, and after two such
    // batches a reader keeps to two steps): on dropped and kept rows, in both kinds of stretch.
    // (One batch read in the whole mode, 2048-4095, holds both kinds on a kept and a dropped row.)
    const bool time_bad = i == 3001 || i == 3010 || i == 22001;
    const bool n_bad = i == 1500 || i == 1501 || i == 3020 || i == 3021 || i == 15000 || i == 25000 || i == 29001;
    const std::string id = "r" + std::to_string(i);
    text += std::string(R"({"TimeGenerated":")") + (time_bad ? "yesterday" : "2025-03-27T14:00:00Z") + R"(","OperationName":")" +
            (add ? "Add user" : "Delete user") + R"(","Id":")" + id + R"(","N":)" + (n_bad ? R"("x")" : std::to_string(i)) +
            R"(,"Pad":")" + pad + "\"}\n";
    if (time_bad && !bad_time++) first_bad_time = line;
    if (add) {
      kept_ids.push_back(id);
      kept_lines.push_back(line);
      if (n_bad && !bad_n_kept++) first_bad_n_kept = line;
    }
  }
  TempFile f("mostly_kept.ndjson", text);
  Schema schema;
  schema.table = "T";
  schema.fields = {{"TimeGenerated", Type::DateTime}, {"OperationName", Type::String}, {"Id", Type::String}, {"N", Type::Long}, {"Pad", Type::String}};
  for (unsigned threads : {1u, 2u}) {
    CAPTURE(threads);
    IngestOptions opt;
    opt.schema = schema;
    opt.threads = threads;
    opt.filter_columns = {"OperationName", "TimeGenerated"};
    opt.make_filter = []() -> std::unique_ptr<BatchFilter> { return std::make_unique<AddUserFilter>(1); };
    auto r = ingest_file(f.path, opt);
    REQUIRE(r.ok());
    const IngestStats& s = r.value().stats;
    CHECK(s.records == records);
    CHECK(s.rejected == invalid_lines.size());
    REQUIRE(s.first_rejections.size() == 20);
    for (std::size_t k = 0; k < 20; ++k) CHECK(s.first_rejections[k].line == invalid_lines[k]);
    CHECK(s.rows == kept_ids.size());
    CHECK(s.filtered == records - invalid_lines.size() - kept_ids.size());
    std::vector<std::string> ids;
    std::vector<std::size_t> lines;
    const auto id_col = static_cast<std::size_t>(r.value().table.schema.index_of("Id"));
    for (const auto& b : r.value().table.batches)
      for (std::size_t k = 0; k < b.rows(); ++k) {
        ids.emplace_back(b.columns[id_col].get_string(k));
        lines.push_back(b.sources[k].line);
      }
    CHECK(ids == kept_ids);
    CHECK(lines == kept_lines);
    std::vector<std::string> want = {
        std::to_string(bad_n_kept) + " values of column N that are not long were set to null (first at line " + std::to_string(first_bad_n_kept) + ": x)",
        std::to_string(bad_time) + " values of column TimeGenerated that are not datetime were set to null (first at line " +
            std::to_string(first_bad_time) + ": yesterday)"};
    std::vector<std::string> got = s.warnings;
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    CHECK(got == want);
  }
}

TEST_CASE("two-step reading of a JSON array lists its rejected elements in file order whichever step read them") {
  // Every element of a one-line array starts on line 1: the rejections keep the elements' order.
  // Here the first is rejected while the first step reads every column (the first 2,048 elements
  // are all kept), the second after it went back to the filter's columns (thousands dropped).
  std::string text = "[";
  for (std::size_t i = 0; i < 9000; ++i) {
    if (i) text += ",";
    if (i == 2100) text += "5";
    else if (i == 7000) text += R"({"TimeGenerated":tru})";
    else text += std::string(R"({"TimeGenerated":"2025-03-27T14:00:00Z","OperationName":")") + (i < 4096 ? "Add user" : "Delete user") + R"(","Id":"x"})";
  }
  text += "]";
  TempFile f("array_two_step.json", text);
  IngestOptions opt;
  opt.table = "AuditLogs";
  opt.filter_columns = {"OperationName", "TimeGenerated"};
  opt.make_filter = []() -> std::unique_ptr<BatchFilter> { return std::make_unique<AddUserFilter>(0); };
  auto r = ingest_file(f.path, opt);
  REQUIRE(r.ok());
  const IngestStats& s = r.value().stats;
  CHECK(s.rows == 4095);
  CHECK(s.rejected == 2);
  REQUIRE(s.first_rejections.size() == 2);
  CHECK(s.first_rejections[0].reason == "not a JSON object");
  CHECK(s.first_rejections[1].reason.rfind("invalid JSON", 0) == 0);
  // --strict: the first rejected element fails the read (the first step's rejections included).
  opt.strict = true;
  auto strict = ingest_file(f.path, opt);
  REQUIRE_FALSE(strict.ok());
  CHECK(strict.error().message.find("not a JSON object") != std::string::npos);
}

TEST_CASE("CSV without a header maps fields by position (externaldata); ignoreFirstRecord skips a header") {
  TempFile f("positional.csv", "h1,h2\nx,1\ny\nz,3,extra\n");
  Schema s;
  s.table = "T";
  s.fields = {{"Name", Type::String}, {"N", Type::Long}};
  IngestOptions opt;
  opt.schema = s;
  opt.format = InputFormat::Csv;
  opt.csv_positional = true;
  opt.skip_first_record = true;
  auto r = ingest_file(f.path, opt);
  REQUIRE(r.ok());
  CHECK(r.value().stats.records == 3);
  CHECK(r.value().stats.rows == 3);
  const Column& name = col(r.value(), "Name");
  const Column& n = col(r.value(), "N");
  CHECK(name.get_string(0) == "x");
  CHECK(n.get_long(0) == 1);
  CHECK(n.is_null(1));  // a missing field is null
  CHECK(n.get_long(2) == 3);
  REQUIRE(r.value().stats.warnings.size() == 1);  // the extra field is dropped, with a warning
  CHECK(r.value().stats.warnings[0].find("extra fields dropped") != std::string::npos);
  opt.skip_first_record = false;
  auto all = ingest_file(f.path, opt);
  REQUIRE(all.ok());
  CHECK(all.value().stats.rows == 4);
  CHECK(col(all.value(), "Name").get_string(0) == "h1");
}

// A Log Analytics CSV export in a day-first locale (en-GB: "11/04/2025, 10:14:36.000"): the row
// whose first field is 13 proves the column day-first, so 11/04 is 11 April, not 4 November.
TEST_CASE("CSV export: each datetime column's slash-date order is told by its values") {
  TempFile dmy("dmy.csv",
               "TenantId,\"TimeGenerated [UTC]\",EventName\n"
               "t,\"11/04/2025, 10:14:36.000\",StopLogging\n"
               "t,\"13/04/2025, 09:00:00.000\",DeleteTrail\n");
  IngestOptions o;
  o.table = "AWSCloudTrail";
  auto r = ingest_file(dmy.path, o);
  REQUIRE(r);
  // no schema: TimeGenerated is inferred as datetime from the export's slash dates
  const int tg = r->table.schema.index_of("TimeGenerated");
  REQUIRE(tg >= 0);
  CHECK(r->table.schema.fields[static_cast<std::size_t>(tg)].type == Type::DateTime);
  const Column& c = r->table.batches[0].columns[static_cast<std::size_t>(tg)];
  CHECK(format_datetime(DateTime{c.get_long(0)}) == "2025-04-11T10:14:36Z");
  CHECK(format_datetime(DateTime{c.get_long(1)}) == "2025-04-13T09:00:00Z");
  REQUIRE(r->stats.notes.size() == 1);
  CHECK(r->stats.notes[0].find("column TimeGenerated: dates read day-first (line 3") != std::string::npos);

  // en-US: a second field above 12 proves month-first
  TempFile mdy("mdy.csv",
               "TenantId,\"TimeGenerated [UTC]\",EventName\n"
               "t,\"4/11/2025, 10:14:36.000 AM\",StopLogging\n"
               "t,\"4/13/2025, 9:00:00.000 AM\",DeleteTrail\n");
  auto m = ingest_file(mdy.path, o);
  REQUIRE(m);
  const Column& mc = m->table.batches[0].columns[static_cast<std::size_t>(m->table.schema.index_of("TimeGenerated"))];
  CHECK(format_datetime(DateTime{mc.get_long(0)}) == "2025-04-11T10:14:36Z");
  CHECK(format_datetime(DateTime{mc.get_long(1)}) == "2025-04-13T09:00:00Z");

  // nothing tells: month-first by default with a warning naming the column; date_order decides
  TempFile amb("amb.csv", "TenantId,\"TimeGenerated [UTC]\",EventName\nt,\"11/04/2025, 10:14:36.000\",StopLogging\n");
  auto a = ingest_file(amb.path, o);
  REQUIRE(a);
  CHECK(format_datetime(DateTime{a->table.batches[0].columns[1].get_long(0)}) == "2025-11-04T10:14:36Z");
  CHECK(std::any_of(a->stats.warnings.begin(), a->stats.warnings.end(), [](const std::string& w) {
    return w.find("column TimeGenerated: no date tells day-first from month-first") != std::string::npos && w.find("read month-first") != std::string::npos;
  }));
  o.date_order = DateOrder::DayFirst;
  auto d = ingest_file(amb.path, o);
  REQUIRE(d);
  CHECK(format_datetime(DateTime{d->table.batches[0].columns[1].get_long(0)}) == "2025-04-11T10:14:36Z");
  CHECK(d->stats.warnings.size() == 1);  // only "no schema" left

  // conflicting evidence: a warning, the majority order, the others null
  TempFile mixed("mixed.csv", "TimeGenerated,X\n13/04/2025,a\n14/04/2025,b\n4/13/2025,c\n");
  o.date_order.reset();
  auto x = ingest_file(mixed.path, o);
  REQUIRE(x);
  const Column& xc = x->table.batches[0].columns[0];
  CHECK(format_datetime(DateTime{xc.get_long(0)}) == "2025-04-13T00:00:00Z");
  CHECK(xc.is_null(2));
  CHECK(std::any_of(x->stats.warnings.begin(), x->stats.warnings.end(), [](const std::string& w) {
    return w.find("column TimeGenerated has 2 dates that can only be day-first") != std::string::npos;
  }));
}

// Real SecurityEvent exports carry MG, EventOriginId and TimeCollected, which the documented
// schema lacks: they are kept, typed by inference, and named in a note.
TEST_CASE("columns the schema lacks are kept with inferred types") {
  TempFile csv("SecurityEvent.csv",
               "TenantId,\"TimeGenerated [UTC]\",Computer,EventID,MG,EventOriginId,\"TimeCollected [UTC]\"\n"
               "t,\"4/11/2025, 10:14:36.000 AM\",DC01,4688,00000000-0000-0000-0000-000000000002,6a2b5bd7-1111-4c45-9a47-0d3d9c2d3c11,\"4/11/2025, 10:15:01.000 AM\"\n");
  IngestOptions o;
  o.table = "SecurityEvent";
  auto r = ingest_file(csv.path, o);
  REQUIRE(r);
  CHECK(r->stats.schema_builtin);
  const Schema& s = r->table.schema;
  REQUIRE(s.index_of("MG") >= 0);
  CHECK(s.fields[static_cast<std::size_t>(s.index_of("MG"))].type == Type::String);
  REQUIRE(s.index_of("TimeCollected") >= 0);
  CHECK(s.fields[static_cast<std::size_t>(s.index_of("TimeCollected"))].type == Type::DateTime);
  CHECK(r->table.batches[0].columns[static_cast<std::size_t>(s.index_of("MG"))].get_string(0) == "00000000-0000-0000-0000-000000000002");
  REQUIRE(r->stats.notes.size() == 1);
  CHECK(r->stats.notes[0] ==
        "columns the schema of SecurityEvent lacks, kept with types inferred from the data: MG (string), EventOriginId (string), TimeCollected (datetime)");
  // NDJSON (Defender's DeviceProcessEvents carries Timestamp)
  TempFile nd("dpe.ndjson", "{\"TimeGenerated\":\"2025-04-11T10:00:00Z\",\"Timestamp\":\"2025-04-11T09:59:58Z\",\"FileName\":\"a.exe\"}\n");
  o.table = "DeviceProcessEvents";
  auto d = ingest_file(nd.path, o);
  REQUIRE(d);
  REQUIRE(d->table.schema.index_of("Timestamp") >= 0);
  CHECK(d->table.schema.fields[static_cast<std::size_t>(d->table.schema.index_of("Timestamp"))].type == Type::DateTime);
  // off: dropped with a warning, as before
  o.keep_unknown_columns = false;
  auto off = ingest_file(nd.path, o);
  REQUIRE(off);
  CHECK(off->table.schema.index_of("Timestamp") < 0);
}

// Spellings of the Azure-Sentinel custom-table files (.script/tests/KqlvalidationsTests/CustomTables):
// PaloAltoCDLEvent.json "Integer", AzureDiagnostics.json "bigint", darktrace_model_alerts_CL.json
// "Date/time", imDns.json "string ", imNetworkSession.json " string".
TEST_CASE("schema type spellings of the Azure-Sentinel custom tables") {
  auto s = parse_schema_json(R"({"Name":"T","Properties":[{"Name":"a","Type":"Integer"},{"Name":"b","Type":"bigint"},
    {"Name":"c","Type":"Date/time"},{"Name":"d","Type":"string "},{"Name":"e","Type":" string"},{"Name":"f","Type":"BigInt"},
    {"Name":"g","Type":"int "}]})", "T.json");
  REQUIRE(s);
  CHECK(s->fields[0].type == Type::Int);
  CHECK(s->fields[1].type == Type::Long);
  CHECK(s->fields[2].type == Type::DateTime);
  CHECK(s->fields[3].type == Type::String);
  CHECK(s->fields[4].type == Type::String);
  CHECK(s->fields[5].type == Type::Long);
  CHECK(s->fields[6].type == Type::Int);
  CHECK_FALSE(parse_schema_json(R"({"Name":"T","Properties":[{"Name":"a","Type":"nonsense"}]})", "T.json"));
}

namespace {
// Every row's (line, value of column `n`) in delivery order.
std::vector<std::pair<std::uint32_t, std::int64_t>> lines_and_values(const IngestResult& r) {
  std::vector<std::pair<std::uint32_t, std::int64_t>> out;
  const int c = r.table.schema.index_of("n");
  for (const auto& b : r.table.batches)
    for (std::size_t i = 0; i < b.rows(); ++i) out.emplace_back(b.sources[i].line, b.columns[static_cast<std::size_t>(c)].get_long(i));
  return out;
}
}  // namespace

TEST_CASE("NDJSON read in parallel: rows in file order with their lines, counts and rejections as with one thread") {
  // ~13 MB: more than one 8 MiB block, so blocks are parsed by different threads.
  std::string text;
  const std::string pad(90, 'x');
  std::size_t lines = 0;
  for (int i = 0; i < 140000; ++i) {
    ++lines;
    if (i % 10007 == 5) text += "\n";                          // an empty line: rejected
    else if (i % 20011 == 7) text += "{\"n\": oops}\n";         // invalid JSON: rejected
    else if (i == 70001) text += "{\"n\":" + std::to_string(i) + ",\"p\":\"" + std::string(5000, 'y') + "\"}\n";  // too long
    else text += "{\"n\":" + std::to_string(i) + ",\"p\":\"" + pad + "\"}\n";
  }
  Schema s;
  s.table = "T";
  s.fields = {{"n", Type::Long}, {"p", Type::String}};
  auto read = [&](const std::string& path, unsigned threads) {
    IngestOptions o;
    o.schema = s;
    o.threads = threads;
    o.max_line_bytes = 1000;
    auto r = ingest_file(path, o);
    REQUIRE(r);
    return std::move(*r);
  };
  TempFile plain("parallel.ndjson", text), gz("parallel.ndjson.gz", text, true);
  const IngestResult one = read(plain.path, 1);
  CHECK(one.stats.records == lines);
  CHECK(one.stats.rows + one.stats.rejected == lines);
  CHECK(one.stats.rejected == 14 + 7 + 1);
  const auto expected = lines_and_values(one);
  REQUIRE(expected.size() == one.stats.rows);
  for (std::size_t k = 0; k < expected.size(); ++k) CHECK(expected[k].first == expected[k].second + 1);  // line = n + 1
  for (unsigned threads : {2u, 3u, 8u}) {
    for (const std::string* path : {&plain.path, &gz.path}) {
      const IngestResult many = read(*path, threads);
      CHECK(many.stats.records == one.stats.records);
      CHECK(many.stats.rejected == one.stats.rejected);
      CHECK(lines_and_values(many) == expected);
      REQUIRE(many.stats.first_rejections.size() == one.stats.first_rejections.size());
      for (std::size_t k = 0; k < one.stats.first_rejections.size(); ++k) {
        CHECK(many.stats.first_rejections[k].line == one.stats.first_rejections[k].line);
        CHECK(many.stats.first_rejections[k].reason == one.stats.first_rejections[k].reason);
      }
    }
  }
  // --strict stops at the first bad record, whichever thread found it.
  IngestOptions strict;
  strict.schema = s;
  strict.threads = 4;
  strict.strict = true;
  auto r = ingest_file(plain.path, strict);
  REQUIRE(!r);
  CHECK(r.error().line == 6);
}

TEST_CASE("NDJSON of several chunks read in place: lines across chunk ends, CRLF, a BOM, an unterminated last line, offsets") {
  // Files of 4 MiB and more are parsed where they are mapped; the gzip copy of the same text goes
  // through the copying reader. Both must give the same rows, lines, rejections and byte offsets,
  // whatever the last page leaves after the file's end (simdjson's padding: the copying reader
  // takes over the chunk when the page leaves too little).
  const std::string pad(113, 'x');
  for (std::size_t tail : {0, 1000, 4090}) {
    std::string text = "\xEF\xBB\xBF";
    std::vector<std::size_t> starts;  // the byte offset of each document's line
    for (int i = 0; text.size() < (std::size_t{9} << 20); ++i) {
      starts.push_back(text.size());
      if (i == 40000) text += "{\"n\": oops}\n";  // invalid JSON: rejected
      else if (i == 40001) text += "{\"n\":" + std::to_string(i) + ",\"p\":\"" + std::string(30000, 'y') + "\"}\n";  // too long
      else text += "{\"n\":" + std::to_string(i) + ",\"p\":\"" + pad + "\"}" + (i % 3 ? "\r\n" : "\n");
    }
    // The last line without a newline, its end `tail` bytes past a page boundary's multiple.
    std::string last = "{\"n\":-1,\"p\":\"";
    const std::size_t want = (text.size() + 8192) / 4096 * 4096 + tail - 2;
    last += std::string(want - text.size() - last.size(), 'z') + "\"}";
    starts.push_back(text.size());
    text += last;
    REQUIRE(text.size() % 4096 == tail);
    TempFile plain("mapped.ndjson", text), gz("mapped.ndjson.gz", text, true);
    auto read = [&](const std::string& path, unsigned threads) {
      IngestOptions o;
      o.documents = true;
      o.document_offsets = true;
      o.threads = threads;
      o.max_line_bytes = 20000;
      auto r = ingest_file(path, o);
      REQUIRE(r);
      return std::move(*r);
    };
    const IngestResult copied = read(gz.path, 2);
    CHECK(copied.stats.rejected == 2);
    REQUIRE(copied.stats.first_rejections.size() == 2);
    CHECK(copied.stats.first_rejections[0].line == 40001);
    CHECK(copied.stats.first_rejections[1].line == 40002);
    for (unsigned threads : {1u, 2u, 3u}) {
      const IngestResult mapped = read(plain.path, threads);
      CHECK(mapped.stats.chunks_in_place >= 2);  // (the last chunk may be copied: its page's padding)
      CHECK(copied.stats.chunks_in_place == 0);
      CHECK(mapped.stats.records == starts.size());
      CHECK(mapped.stats.rows == copied.stats.rows);
      REQUIRE(mapped.stats.first_rejections.size() == 2);
      CHECK(mapped.stats.first_rejections[1].line == 40002);
      CHECK(mapped.stats.first_rejections[1].reason == copied.stats.first_rejections[1].reason);
      const int off = mapped.table.schema.index_of("_offset");
      REQUIRE(off >= 0);
      std::size_t row = 0, bad = 0;
      for (const auto& b : mapped.table.batches)
        for (std::size_t i = 0; i < b.rows(); ++i, ++row) {
          const std::int64_t n = b.columns[0].get_dynamic(i).get("n").as_int();
          const std::size_t k = n < 0 ? starts.size() - 1 : static_cast<std::size_t>(n);  // the document's index
          if (b.sources[i].line != k + 1 || b.columns[static_cast<std::size_t>(off)].get_long(i) != static_cast<std::int64_t>(k ? starts[k] : 3))
            ++bad;
        }
      CHECK(row == mapped.stats.rows);
      CHECK(bad == 0);
    }
  }
}

TEST_CASE("documents filtered while reading: refused documents are counted as filtered, the others kept in order") {
  struct EvenOnly : DocumentFilter {
    bool keep(DynRef doc, std::size_t) override { return doc.get("n").as_int() % 2 == 0; }
  };
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "{\"n\":" + std::to_string(i) + "}\n";
  text += "not json\n";
  TempFile f("docs.ndjson", text);
  IngestOptions o;
  o.documents = true;
  o.threads = 3;
  o.make_document_filter = [] { return std::make_unique<EvenOnly>(); };
  auto r = ingest_file(f.path, o);
  REQUIRE(r);
  CHECK(r->stats.records == 1001);
  CHECK(r->stats.rows == 500);
  CHECK(r->stats.filtered == 500);
  CHECK(r->stats.rejected == 1);
  std::int64_t expect = 0;
  for (const auto& b : r->table.batches)
    for (std::size_t i = 0; i < b.rows(); ++i) {
      CHECK(b.columns[0].get_dynamic(i).get("n").as_int() == expect);
      CHECK(b.sources[i].line == static_cast<std::uint32_t>(expect + 1));
      expect += 2;
    }
  CHECK(expect == 1000);
}
