// rulelab-coverage: the Kusto reference's names (tools/coverage/kusto_reference.tsv, extracted from
// the reference's own pages by extract_reference.py), each marked implemented or not by asking the
// engine: a small probe query per name runs through the parser, binder and executor, and a name is
// missing when the engine answers "unsupported" (or cannot parse the operator). Prints a Markdown
// table by category, for the README (tools/coverage/update-readme puts it there).
//
// Usage: rulelab-coverage kusto_reference.tsv
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/column.hpp"
#include "engine/aggregates.hpp"
#include "engine/engine.hpp"
#include "engine/functions.hpp"

namespace {
using namespace rulelab;

struct Entry {
  std::string kind, category, name, page;
};

// Why a name is left out, for the names that need something outside a laptop: a cluster, a
// database's metadata, an external service or runtime. (The implemented/missing status itself
// comes from the probe, never from this table.)
const std::map<std::string, std::string>& reasons() {
  static const std::map<std::string, std::string> r = {
      {"cluster", "needs a cluster"},
      {"database", "needs a database"},
      {"external_table", "needs external storage"},
      {"materialized_view", "needs a database (materialized views)"},
      {"stored_query_result", "needs a database (stored query results)"},
      {"graph", "needs a database (persisted graphs)"},
      {"inline external table", "needs external storage"},
      {"macro-expand", "needs entity groups of a cluster"},
      {"python", "needs a Python sandbox on the cluster"},
      {"r", "needs an R sandbox on the cluster"},
      {"ai_embeddings", "needs an AI service"},
      {"ai_chat_completion", "needs an AI service"},
      {"ai_chat_completion_prompt", "needs an AI service"},
      {"azure_digital_twins_query_request", "needs Azure Digital Twins"},
      {"cosmosdb_sql_request", "needs Cosmos DB"},
      {"http_request", "needs HTTP access"},
      {"http_request_post", "needs HTTP access"},
      {"mysql_request", "needs a MySQL server"},
      {"postgresql_request", "needs a PostgreSQL server"},
      {"sql_request", "needs a SQL server"},
      {"infer_storage_schema", "needs external storage"},
      {"infer_storage_schema_with_suggestions", "needs external storage"},
      {"schema_merge", "needs database schemas"},
      {"preview", "needs a cluster (query results preview)"},
      {"current_cluster_endpoint", "needs a cluster"},
      {"current_database", "needs a database"},
      {"current_principal", "needs a signed-in principal"},
      {"current_principal_details", "needs a signed-in principal"},
      {"current_principal_is_member_of", "needs a directory service"},
      {"cursor_after", "needs database cursors"},
      {"cursor_before_or_at", "needs database cursors"},
      {"cursor_current", "needs database cursors"},
      {"extent_id", "needs data extents (shards)"},
      {"extent_tags", "needs data extents (shards)"},
      {"ingestion_time", "rulelab reads TimeGenerated as the ingestion time"},
      {"estimate_data_size", "needs storage statistics"},
      {"restrict", "needs a middle-tier application"},
      {"query parameters", "needs a client that sends parameters"},
      {"alias", "needs a cluster (database aliases)"},
      {"pattern", "needs a middle-tier application"},
      {"geo_info_from_ip_address", "needs a service/data (a GeoIP database)"},
  };
  return r;
}

// Why a name that needs no service is not done yet (shown after "not implemented yet").
const std::map<std::string, std::string>& not_yet() {
  static const std::map<std::string, std::string> r = {
  };
  return r;
}

// A query that uses the name in the simplest documented way.
std::string probe(const Entry& e) {
  const std::string& n = e.name;
  if (e.kind == "special") {
    static const std::map<std::string, std::string> special = {
        {"cluster", "cluster('https://c.kusto.windows.net').database('d').T"},
        {"database", "database('d').T"},
        {"external_table", "external_table('t')"},
        {"graph", "graph('g')"},
        {"materialized_view", "materialized_view('v')"},
        {"stored_query_result", "stored_query_result('r')"},
        {"table", "let T = print x=1; table('T')"},
        {"materialize", "let T = materialize(print x=1); T"},
        {"toscalar", "print toscalar(print x=1)"},
    };
    auto it = special.find(n);
    return it == special.end() ? "print " + n + "()" : it->second;
  }
  // window functions are rejected outside a serialized row set: probe them after serialize
  if (e.kind == "function" && (n == "prev" || n == "next" || n == "row_cumsum" || n == "row_number" ||
                               n == "row_rank_dense" || n == "row_rank_min"))
    return "range x from 1 to 2 step 1 | serialize | extend y = " + n + (n == "row_number" ? "()" : "(x)");
  if (e.kind == "function" && n == "row_window_session")
    return "range x from 1 to 2 step 1 | serialize | extend y = row_window_session(datetime(2020-01-01), 1h, 5m)";
  if (e.kind == "function" || e.kind == "aggregate") return "print " + n + "()";
  if (e.kind == "plugin") return "print x=1 | evaluate " + n + "()";
  if (e.kind == "scalar-operator") {
    if (n == "between" || n == "!between") return "print 1 " + n + " (0 .. 2)";
    if (n == "in" || n == "in~" || n == "!in" || n == "!in~") return "print 'a' " + n + " ('a')";
    if (n == "has_all" || n == "has_any") return "print 'a b' " + n + " ('a')";
    return "print 'abc' " + n + " 'a'";
  }
  if (e.kind == "statement") {
    if (n == "let") return "let a = 1; print a";
    if (n == "set") return "set querytrace; print 1";
    if (n == "alias") return "alias database d = cluster('https://c.kusto.windows.net').database('d'); print 1";
    if (n == "pattern") return "declare pattern P; print 1";
    if (n == "query parameters") return "declare query_parameters(a:long = 1); print a";
    if (n == "restrict") return "let T = print x=1; restrict access to (T); T";
    return n;
  }
  // tabular operators
  static const std::map<std::string, std::string> ops = {
      {"as", "print x=1 | as T"},
      {"consume", "print x=1 | consume"},
      {"count", "print x=1 | count"},
      {"datatable", "datatable(x:long)[1]"},
      {"distinct", "print x=1 | distinct x"},
      {"evaluate", "print d=dynamic({'a':1}) | evaluate bag_unpack(d)"},
      {"extend", "print x=1 | extend y = x"},
      {"externaldata", "externaldata(x:string)[@'https://example.com/x.csv']"},
      {"facet", "print x=1 | facet by x"},
      {"find", "let T = print x='a'; find in (T) where x == 'a'"},
      {"fork", "print x=1 | fork (take 1) (count)"},
      {"getschema", "print x=1 | getschema"},
      {"inline external table", "external_table('t')"},
      {"invoke", "let f = (T:(x:long)) { T }; print x=1 | invoke f()"},
      {"join", "print x=1 | join (print x=1) on x"},
      {"lookup", "print x=1 | lookup (print x=1, y=2) on x"},
      {"macro-expand", "macro-expand entity_group [cluster('a').database('b')] as X (X | count)"},
      {"mv-apply", "print a=dynamic([1,2]) | mv-apply a on (take 1)"},
      {"mv-expand", "print a=dynamic([1,2]) | mv-expand a"},
      {"project", "print x=1 | project x"},
      {"project-away", "print x=1, y=2 | project-away y"},
      {"project-by-names", "print x=1 | project-by-names ('x')"},
      {"project-keep", "print x=1, y=2 | project-keep x"},
      {"project-rename", "print x=1 | project-rename y = x"},
      {"project-reorder", "print x=1, y=2 | project-reorder y"},
      {"parse", "print s='a=1' | parse s with 'a=' v:long"},
      {"parse-where", "print s='a=1' | parse-where s with 'a=' v:long"},
      {"parse-kv", "print s='a=1' | parse-kv s as (a:long) with (pair_delimiter=',', kv_delimiter='=')"},
      {"partition", "print x=1 | partition by x (take 1)"},
      {"print", "print x=1"},
      {"range", "range x from 1 to 3 step 1"},
      {"reduce", "print s='a b' | reduce by s"},
      {"render", "print x=1 | render table"},
      {"sample", "print x=1 | sample 1"},
      {"sample-distinct", "print x=1 | sample-distinct 1 of x"},
      {"scan", "print x=1 | scan with (step s: x == 1;)"},
      {"search", "let T = print x='a'; T | search 'a'"},
      {"serialize", "print x=1 | serialize n = row_number()"},
      {"sort", "print x=1 | sort by x"},
      {"summarize", "print x=1 | summarize count() by x"},
      {"take", "print x=1 | take 1"},
      {"top", "print x=1 | top 1 by x"},
      {"top-nested", "print x=1 | top-nested 1 of x by count()"},
      {"top-hitters", "print x=1 | top-hitters 1 of x"},
      {"union", "print x=1 | union (print x=2)"},
      {"where", "print x=1 | where x == 1"},
  };
  auto it = ops.find(n);
  return it == ops.end() ? "print x=1 | " + n : it->second;
}

bool implemented(engine::Engine& eng, const Entry& e, std::string& why) {
  const std::string q = probe(e);
  engine::RunOptions ro;
  ro.external_empty = true;
  std::vector<engine::ResultTable> out;  // every result table (fork, facet, funnel_sequence give several)
  engine::EngineError err;
  if (eng.run(q, kusto::QueryLocation::identity("probe"), ro, out, err)) return true;
  const std::string& m = err.error.message;
  if (err.unsupported) { why = m; return false; }
  // a parse error at the probe's operator or function: the parser does not know it
  if (m.find("unknown tabular operator") != std::string::npos || m.find("unexpected") != std::string::npos ||
      m.find("unknown function") != std::string::npos) {
    why = m;
    return false;
  }
  return true;  // bound and ran, or failed on the probe's arguments: the name itself is known
}

// Registered names the reference's list does not have, each with why rulelab has it; a name tagged
// "rulelab" in the registry must be here, and every name here must be registered.
const std::map<std::string, std::string>& rulelab_only() {
  static const std::map<std::string, std::string> r = [] {
    std::map<std::string, std::string> m;
    auto put = [&](std::initializer_list<const char*> names, const char* why) {
      for (const char* n : names) m.emplace(n, why);
    };
    put({"<", "<=", ">", ">=", "<>", "+", "-", "*", "/", "%", "neg"},
        "numerical and comparison operators (the reference's numerical-operators page, not in its name list)");
    put({".member", ".index", ".pack_nonempty", ".tuple_item"},
        "internal: the binder's rewrites of x.a, x[i], pack_all() and multi-column results");
    put({"replace", "strcat_array", "notempty", "string_size", "url_encode_component", "base64_encodestring",
         "base64_decodestring", "regex_quote", "isascii", "isutf8", "format_bytes", "floor", "getmonth",
         "week_of_year", "parsejson", "todynamic", "toobject", "arraylength", "pack", "pack_dictionary",
         "parse_path", "toreal", "toboolean", "totime", "notnull", "parse_xml", "extractjson", "array_strcat",
         "dynamic_to_json", "indexof_regex", "make_string", "array_iif", "tdigest_merge",
         "percentiles_array_tdigest", "makelist", "makeset", "any", "anyif", "percentilew", "merge_tdigests"},
        "an alias, deprecated or singular form documented on another page (or used by Sentinel rules) that the "
        "reference's name list omits");
    return m;
  }();
  return r;
}

// --check-categories: every registered scalar function and aggregate against the reference's
// category of its name. Reports a name registered under another category than the reference's,
// a name without a category, a name tagged "rulelab" that the reference lists, and a name the
// reference does not list that is not tagged "rulelab"; lists the rulelab-only names. Exit 1 on
// any problem.
int check_categories(const std::vector<Entry>& entries) {
  std::map<std::string, std::string> scalar_ref, agg_ref;  // name -> category
  for (const auto& e : entries) {
    if (e.kind == "aggregate") agg_ref.emplace(e.name, e.category);
    else if (e.kind == "function" || e.kind == "scalar-operator" || e.kind == "special") scalar_ref.emplace(e.name, e.category);
  }
  engine::Engine eng;
  std::vector<std::string> problems;
  std::map<std::string, std::vector<std::string>> own;  // kind -> rulelab-only names
  std::map<std::string, std::size_t> per_category;
  auto check = [&](const std::string& kind, const std::string& name, std::string_view cat,
                   const std::map<std::string, std::string>& ref) {
    auto it = ref.find(name);
    if (cat.empty()) {
      problems.push_back(kind + " " + name + ": no category" +
                         (it == ref.end() ? std::string() : " (the reference's: " + it->second + ")"));
    } else if (cat == "rulelab") {
      if (it != ref.end()) problems.push_back(kind + " " + name + ": tagged rulelab-only, the reference lists it under " + it->second);
      else if (!rulelab_only().count(name)) problems.push_back(kind + " " + name + ": tagged rulelab-only, not in rulelab_only() of tools/coverage/main.cpp");
      else own[kind].push_back(name);
    } else if (it == ref.end()) {
      problems.push_back(kind + " " + name + ": registered under " + std::string(cat) + ", not a name of the reference");
    } else if (it->second != cat) {
      problems.push_back(kind + " " + name + ": registered under " + std::string(cat) + ", the reference's category is " + it->second);
    } else {
      ++per_category[kind + ": " + it->second];
    }
  };
  for (const auto& f : eng.functions().all()) check("function", f.name, f.category, scalar_ref);
  for (const auto& a : eng.aggregates().all()) check("aggregate", a.name, a.category, agg_ref);
  for (const auto& [n, why] : rulelab_only()) {
    if (!eng.functions().find(n) && !eng.aggregates().find(n)) problems.push_back(n + ": in rulelab_only() but not registered");
  }
  for (const auto& [k, n] : per_category) std::cout << "ok " << k << ": " << n << "\n";
  for (const auto& [k, names] : own) {
    std::cout << "rulelab-only " << k << " names (" << names.size() << "):";
    for (const auto& n : names) std::cout << " " << n;
    std::cout << "\n";
  }
  for (const auto& p : problems) std::cout << "PROBLEM " << p << "\n";
  std::cout << problems.size() << " problems\n";
  return problems.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const bool categories = argc == 3 && std::string(argv[1]) == "--check-categories";
  if (argc != 2 && !categories) {
    std::cerr << "usage: rulelab-coverage [--check-categories] kusto_reference.tsv\n";
    return 2;
  }
  const char* path = argv[argc - 1];
  std::ifstream in(path);
  if (!in) {
    std::cerr << path << ": cannot open\n";
    return 1;
  }
  std::vector<Entry> entries;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    Entry e;
    std::getline(ls, e.kind, '\t');
    std::getline(ls, e.category, '\t');
    std::getline(ls, e.name, '\t');
    std::getline(ls, e.page, '\t');
    entries.push_back(std::move(e));
  }
  if (categories) return check_categories(entries);
  engine::Engine eng;
  // section -> category -> (implemented names, missing names with why)
  struct Cat {
    std::vector<std::string> done;
    std::vector<std::pair<std::string, std::string>> missing;
  };
  std::vector<std::string> section_order = {"operator", "statement", "function", "aggregate", "scalar-operator", "special", "plugin"};
  std::map<std::string, std::vector<std::string>> cat_order;
  std::map<std::string, std::map<std::string, Cat>> table;
  std::size_t total = 0, done = 0, service = 0;
  for (auto& e : entries) {
    std::string why;
    const bool ok = implemented(eng, e, why);
    auto& cats = cat_order[e.kind];
    if (!table[e.kind].count(e.category)) cats.push_back(e.category);
    Cat& c = table[e.kind][e.category];
    ++total;
    if (ok) { ++done; c.done.push_back(e.name); continue; }
    auto r = reasons().find(e.name);
    if (r == reasons().end()) {
      std::string lower = e.name;
      for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      r = reasons().find(lower);
    }
    if (r != reasons().end()) ++service;
    auto y = not_yet().find(e.name);
    c.missing.emplace_back(e.name, r != reasons().end() ? r->second
                                   : y != not_yet().end() ? "not implemented yet: " + y->second
                                                         : "not implemented yet");
  }
  const std::map<std::string, std::string> titles = {
      {"operator", "Tabular operators"}, {"statement", "Query statements"}, {"function", "Scalar functions"},
      {"aggregate", "Aggregation functions"}, {"scalar-operator", "Scalar operators"}, {"special", "Special functions"},
      {"plugin", "Plugins (evaluate)"}};
  std::cout << "Generated by `tools/coverage/update-readme` (rulelab-coverage over tools/coverage/kusto_reference.tsv): "
            << done << " of " << total << " names of the Kusto reference run; of the " << (total - done) << " others, "
            << service << " need a service or environment rulelab does not have.\n\n";
  std::cout << "| kind | category | implemented | missing (why) |\n|---|---|---|---|\n";
  for (auto& kind : section_order) {
    for (auto& cat : cat_order[kind]) {
      const Cat& c = table[kind][cat];
      std::string d, m;
      for (auto& n : c.done) d += (d.empty() ? "" : ", ") + n;
      for (auto& [n, w] : c.missing) m += (m.empty() ? "" : ", ") + n + " (" + w + ")";
      std::cout << "| " << titles.at(kind) << " | " << cat << " | " << (d.empty() ? "-" : d) << " | " << (m.empty() ? "-" : m) << " |\n";
    }
  }
  return 0;
}
