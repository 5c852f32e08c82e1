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

#include "app/eql_read_filter.hpp"
#include "app/eql_rule.hpp"
#include "app/runner.hpp"
#include "commands.hpp"
#include "run_output.hpp"
#include "core/datetime.hpp"
#include "core/parallel.hpp"
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

void print_line(const eql::Doc* d, const EventStore& store, const std::string& ts_field, std::string_view prefix, std::string& out) {
  out.append(prefix);
  if (!d) {
    out.append("(missing event)\n");
    return;
  }
  out.append(store.indexes()[d->index].name).append("  ").append(app::event_timestamp_text(*d, ts_field)).append("  ");
  write_json(d->source, out);
  out.push_back('\n');
}

// The events or matches [first, first + count) of a result (numbered as in the whole result),
// appended to `out`.
void print_table(const QueryResult& r, const EventStore& store, const std::string& ts_field, std::string& out, std::size_t first,
                 std::size_t count) {
  if (r.kind == eql::QueryKind::Event) {
    // The share's text sized once (as write_json sizes a document's), not doubled and copied.
    std::size_t bytes = out.size();
    for (std::size_t i = first; i < r.events.size() && i - first < count; ++i) {
      const std::size_t n = r.events[i]->source.byte_size();
      bytes += n + n / 4 + 128;
    }
    out.reserve(bytes);
    for (std::size_t i = first; i < r.events.size() && i - first < count; ++i) print_line(r.events[i], store, ts_field, "", out);
    return;
  }
  const char* what = r.kind == eql::QueryKind::Sequence ? "sequence" : "sample";
  for (std::size_t n = first; n < r.matches.size() && n - first < count; ++n) {
    out.append(what).append(" ").append(std::to_string(n + 1));
    if (!r.matches[n].key.empty()) {
      out.append(" (key");
      for (const auto& k : r.matches[n].key) out.append(" ").append(eql::to_json_text(k));
      out.append(")");
    }
    out.push_back('\n');
    for (const auto* d : r.matches[n].events) print_line(d, store, ts_field, "  ", out);
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
  eql::RunOptions defaults;
  // Documents that pass none of the query's event filters are dropped while reading (when the
  // filters' fields are typed without the data).
  const std::string& ts_field = a.timestamp_field.empty() ? defaults.timestamp_field : a.timestamp_field;
  const std::string& cat_field = a.event_category_field.empty() ? defaults.category_field : a.event_category_field;
  // One filter per index, with the fields typed as the run types them there (its data stream).
  app::EqlReadFilters filters;
  // Sequences and samples keep only the fields the run reads of each document; those a result
  // shows are read whole again after the run.
  std::vector<std::string> lean_fields;
  if (!a.tiebreaker.empty()) lean_fields.push_back(a.tiebreaker);
  bool any_filter = false;
  if (a.mapping.empty() && !a.no_pushdown)
    for (const auto& d : data) {
      app::EqlIndexReadFilter& f = filters[d.name];
      f.filter = app::eql_read_filter(*q, typing.types, ts_field, cat_field, d.name);
      if (q->kind != eql::QueryKind::Event) f.lean = app::eql_read_filter(*q, typing.types, ts_field, cat_field, d.name, true, lean_fields);
      // Lines whose bytes cannot pass any event filter are skipped unparsed.
      if (f.filter) f.prefilter = std::make_shared<const RawPrefilter>(app::eql_raw_prefilter(*q, typing.types, cat_field, d.name));
      any_filter = any_filter || f.filter;
    }
  // An event query's filter judges each kept document by the query's own condition, with the types
  // the run uses: the documents it found matching are not evaluated again.
  store.event_verdicts = any_filter && q->kind == eql::QueryKind::Event;
  const bool ok = app::load_eql_data(data, a.strict, store, messages, filters) &&
                  app::setup_eql_types(a.mapping, data, store, typing, messages) &&
                  app::check_unknown_fields(*q, a.query, where, typing, store, messages);
  for (const auto& m : messages) std::cerr << m << "\n";
  if (!ok) return 1;
  // The verdicts stand only where the run types the condition's fields as the filter did.
  if (store.event_verdicts && !app::eql_verdicts_hold(*q, typing.types, cat_field, store)) store.event_verdicts = false;
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
  // The result is shown a chunk at a time: the documents a lean load kept as projections are
  // read whole for one chunk, shown, and released.
  constexpr std::size_t kChunk = 4096;
  const std::size_t total = app::eql_result_count(*r);
  auto each_chunk = [&](const std::function<void(std::size_t, std::size_t)>& show) {
    for (std::size_t first = 0; first < total; first += kChunk) {
      if (auto err = app::hydrate_eql_result(*r, store, first, kChunk)) {
        std::cerr << *err << "\n";
        return false;
      }
      show(first, kChunk);
      store.release();
    }
    return true;
  };
  // A chunk's results [first, first + count) are rendered on every core, a share each, and
  // written in order.
  auto render = [&](std::size_t first, std::size_t count, const std::function<void(std::size_t, std::size_t, std::string&)>& one) {
    write_in_order(std::cout, std::min(count, total - first), 512,
                   [&](std::size_t b, std::size_t e, std::string& text) { one(first + b, e - b, text); });
  };
  // Results whose documents are all whole (no lean load) are rendered by threads that live for the
  // whole output (write_chunks_in_order); else a chunk is made whole, rendered and released.
  auto show = [&](const std::function<void(std::size_t, std::size_t, std::string&)>& one) {
    if (!store.has_projections()) {
      write_chunks_in_order(std::cout, total, kChunk, 512, [&](std::size_t b, std::size_t e, std::string& text) { one(b, e - b, text); });
      return true;
    }
    return each_chunk([&](std::size_t first, std::size_t count) { render(first, count, one); });
  };
  const char* kind = r->kind == eql::QueryKind::Event ? "event" : r->kind == eql::QueryKind::Sequence ? "sequence" : "sample";
  bool shown = true;
  if (a.format == "table") {
    std::cout << total << " " << kind << (total == 1 ? "" : "s") << "\n";
    shown = show([&](std::size_t b, std::size_t n, std::string& text) { print_table(*r, store, opts.timestamp_field, text, b, n); });
  } else if (a.format == "ndjson") {
    shown = show([&](std::size_t b, std::size_t n, std::string& text) {
      for (const auto& row : app::eql_json_rows(*r, store, b, n)) text.append(row).push_back('\n');
    });
  } else {
    std::cout << "{\"dialect\":\"eql\",\"kind\":\"" << kind << "\",\"count\":" << total << ",\"rows\":[";
    shown = show([&](std::size_t b, std::size_t n, std::string& text) {
      for (const auto& row : app::eql_json_rows(*r, store, b, n)) {
        if (b || !text.empty()) text.push_back(',');
        text += row;
      }
    });
    std::cout << "]}\n";
  }
  if (!shown) return 1;
  for (const auto& n : app::eql_malformed_notes(*q, store)) std::cerr << "note: " << n << "\n";
  if (r->without_timestamp && r->kind != eql::QueryKind::Sample)
    std::cerr << "note: " << r->without_timestamp << " document(s) without a readable " << opts.timestamp_field
              << " were left out (EQL orders events by time)\n";
  return 0;
}


}  // namespace rulelab::cli
