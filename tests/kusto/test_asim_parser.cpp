// ASIM parser YAML loading (kusto/asim_parser.hpp), on the parsers shipped in
// rules/sentinel/asim/Parsers (Azure-Sentinel, unchanged) and on small hand-written YAML.
#include <doctest/doctest.h>

#include "kusto/asim_parser.hpp"
#include "kusto/parser.hpp"

using namespace rulelab;
using namespace rulelab::kusto;

namespace {
std::string shipped(const std::string& f) { return std::string(RULELAB_SOURCE_DIR) + "/rules/sentinel/asim/Parsers/ASimDns/Parsers/" + f; }
}  // namespace

TEST_CASE("a unifying parser: names, parameters with their defaults, source parsers") {
  auto p = load_asim_parser(shipped("imDns.yaml"));
  REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error().format()));
  CHECK(p->name == "imDns");
  CHECK(p->builtin_name == "_Im_Dns");
  CHECK(p->schema == "Dns");
  REQUIRE(p->params.size() == 9);
  CHECK(p->params[0].name == "starttime");
  CHECK(p->params[0].type == "datetime");
  CHECK(p->params[0].default_text == "datetime(null)");
  // a string default is the YAML string, quoted as a Kusto literal ('*' in YAML is *)
  CHECK(p->params[2].name == "srcipaddr");
  CHECK(p->params[2].default_text == "'*'");
  CHECK(p->params[7].default_text == "'lookup'");
  CHECK(p->params[8].default_text == "false");
  CHECK(p->parsers.size() == 17);
  CHECK(p->parsers.back() == "_Im_Dns_AZFW");
  // The function text declares the parameters and parses as a query.
  CHECK(p->function_text.rfind("let __asim_imDns = (starttime:datetime=datetime(null), endtime:datetime=datetime(null), srcipaddr:string='*'", 0) == 0);
  ParseOptions po;
  po.location = p->location;
  auto q = parse_query(p->function_text, po);
  CHECK_MESSAGE(q.ok(), (q.ok() ? "" : q.error().format()));
}

TEST_CASE("a parser without parameters is its ParserQuery") {
  auto p = load_asim_parser(shipped("vimDnsEmpty.yaml"));
  REQUIRE(p.ok());
  CHECK(p->name == "vimDnsEmpty");
  CHECK(p->builtin_name == "_Im_Dns_Empty");
  CHECK(p->params.empty());
  CHECK(p->function_text == p->query);
}

TEST_CASE("positions inside the function text map to the YAML file") {
  const std::string yaml =
      "ParserName: vimX\n"           // 1
      "ParserParams:\n"              // 2
      "  - Name: disabled\n"         // 3
      "    Type: bool\n"             // 4
      "    Default: false\n"         // 5
      "ParserQuery: |\n"             // 6
      "  T\n"                        // 7
      "  | wher not(disabled)\n";    // 8
  auto p = load_asim_parser_text("vimX.yaml", yaml);
  REQUIRE(p.ok());
  ParseOptions po;
  po.location = p->location;
  auto q = parse_query(p->function_text, po);
  REQUIRE_FALSE(q.ok());
  CHECK(q.error().file == "vimX.yaml");
  CHECK(q.error().line == 8);
  CHECK(q.error().column == 5);
}

TEST_CASE("what is not a parser, and malformed parameters") {
  auto a = load_asim_parser_text("rule.yaml", "id: 1\nquery: |\n  T\n");
  REQUIRE_FALSE(a.ok());
  CHECK(a.error().message.rfind("not an ASIM parser", 0) == 0);
  auto b = load_asim_parser_text("p.yaml", "ParserName: p\nParserParams:\n  - Name: x\nParserQuery: |\n  print 1\n");
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().line == 3);
  CHECK(b.error().message == "a ParserParams entry needs a Name and a Type");
  auto c = load_asim_parser_text("p.yaml", "ParserName: [p\n");
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().message.rfind("invalid YAML", 0) == 0);
  // a string default with a quote in it is escaped
  auto d = load_asim_parser_text("p.yaml", "ParserName: p\nParserParams:\n  - Name: s\n    Type: string\n    Default: \"it's\"\nParserQuery: |\n  print s\n");
  REQUIRE(d.ok());
  CHECK(d->params[0].default_text == "'it\\'s'");
}
