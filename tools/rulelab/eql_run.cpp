// EQL in the CLI: `rulelab query --dialect eql`, EQL rules under `rulelab parse/corpus`
// (check_eql_query) and `rulelab run` (run_elastic_eql).
//
// JSON output: `rows` holds the matched events in result order. Event queries: each row is the
// event's source document. Sequences and samples: each row is
//   {"sequence": N, "stage": I, "_index": "...", "_source": {...}}
// (N counts sequences/samples from 1, I is the stage within it), and a missing-event stage
// `![...]` gives {"sequence": N, "stage": I, "missing": true}, as Elasticsearch marks them.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/eql_rule.hpp"
#include "app/runner.hpp"
#include "commands.hpp"
#include "run_output.hpp"
#include "core/datetime.hpp"
#include "core/paths.hpp"
#include "eql/engine.hpp"
#include "eql/parser.hpp"
#include "elastic/elastic_rule.hpp"
#include "kuery/runner.hpp"
#include "elastic/exceptions.hpp"
#include "elastic/field_types.hpp"
#include "kuery/matcher.hpp"

namespace rulelab::cli {
namespace {

using eql::EventStore;
using eql::QueryResult;

void print_table(const QueryResult& r, const EventStore& store, const std::string& ts_field, std::ostream& out) {
  auto line = [&](const eql::Doc* d, const std::string& prefix) {
    if (!d) {
      out << prefix << "(missing event)\n";
      return;
    }
    out << prefix << store.indexes()[d->index].name << "  " << app::event_timestamp_text(*d, ts_field) << "  "
        << to_json(d->source) << "\n";
  };
  if (r.kind == eql::QueryKind::Event) {
    out << r.events.size() << " event" << (r.events.size() == 1 ? "" : "s") << "\n";
    for (const auto* d : r.events) line(d, "");
    return;
  }
  const char* what = r.kind == eql::QueryKind::Sequence ? "sequence" : "sample";
  out << r.matches.size() << " " << what << (r.matches.size() == 1 ? "" : "s") << "\n";
  for (std::size_t n = 0; n < r.matches.size(); ++n) {
    out << what << " " << n + 1;
    if (!r.matches[n].key.empty()) {
      out << " (key";
      for (const auto& k : r.matches[n].key) out << " " << eql::to_json_text(k);
      out << ")";
    }
    out << "\n";
    for (const auto* d : r.matches[n].events) line(d, "  ");
  }
}

}  // namespace

int query_eql(const QueryArgs& a) {
  eql::SourceContext where;
  where.file = "<query>";
  auto q = eql::parse_query(a.query, where);
  if (!q) {
    std::cerr << q.error().format() << "\n";
    return 1;
  }
  if (a.format == "csv") {
    std::cerr << "rulelab query --dialect eql: --format csv is not supported (use table, json or ndjson)\n";
    return 2;
  }
  const std::vector<app::DataSpec> data = app::data_specs(a.data, true);
  EventStore store;
  app::EqlTyping typing;
  std::vector<std::string> messages;
  const bool ok = app::load_eql_data(data, a.strict, store, messages) && app::setup_eql_types(a.mapping, data, store, typing, messages);
  if (ok) app::note_unmapped_fields(*q, typing, store, messages);
  for (const auto& m : messages) std::cerr << m << "\n";
  if (!ok) return 1;
  eql::RunOptions opts;
  opts.size = a.size.value_or(10);
  if (!a.tiebreaker.empty()) opts.tiebreaker_field = a.tiebreaker;
  if (!a.timestamp_field.empty()) opts.timestamp_field = a.timestamp_field;
  if (!a.event_category_field.empty()) opts.category_field = a.event_category_field;
  if (a.max_samples_per_key) opts.max_samples_per_key = *a.max_samples_per_key;
  opts.deadline = Deadline::after(a.limits.timeout_seconds);
  auto r = eql::run_query(*q, store, opts);
  if (!r) {
    std::cerr << r.error().format() << "\n";
    return 1;
  }
  if (a.format == "table") {
    print_table(*r, store, opts.timestamp_field, std::cout);
  } else if (a.format == "ndjson") {
    for (const auto& row : app::eql_json_rows(*r, store)) std::cout << row << "\n";
  } else {
    auto rows = app::eql_json_rows(*r, store);
    std::cout << "{\"dialect\":\"eql\",\"kind\":\""
              << (r->kind == eql::QueryKind::Event ? "event" : r->kind == eql::QueryKind::Sequence ? "sequence" : "sample")
              << "\",\"count\":" << app::eql_result_count(*r) << ",\"rows\":[";
    for (std::size_t i = 0; i < rows.size(); ++i) std::cout << (i ? "," : "") << rows[i];
    std::cout << "]}\n";
  }
  if (r->without_timestamp && r->kind != eql::QueryKind::Sample)
    std::cerr << "note: " << r->without_timestamp << " document(s) without a readable " << opts.timestamp_field
              << " were left out (EQL orders events by time)\n";
  return 0;
}


}  // namespace rulelab::cli
