// rulelab query --dialect kuery: a Kibana KQL query over the documents given (no window).
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/elastic_data.hpp"
#include "app/elastic_read_filter.hpp"
#include "app/rule.hpp"
#include "app/runner.hpp"
#include "commands.hpp"
#include "core/datetime.hpp"
#include "core/parallel.hpp"

namespace rulelab::cli {

int query_kuery(const QueryArgs& a) {
  if (a.format == "csv") {
    std::cerr << "--format csv: kuery results are documents; use table, json or ndjson\n";
    return 1;
  }
  auto types = app::load_field_types(a.mapping);
  if (!types) {
    std::cerr << types.error().format() << "\n";
    return 1;
  }
  auto now = app::parse_now(a.now);
  if (!now) {
    std::cerr << now.error().format() << "\n";
    return 1;
  }
  // Documents the query cannot match are dropped while reading (when it compiles without the data).
  auto filter = a.no_pushdown ? nullptr : app::KueryReadFilter::make(a.query, *types, std::nullopt);
  auto data = app::load_elastic_docs(app::data_specs(a.data, true), a.strict, filter.get());
  if (!data) {
    std::cerr << data.error().format() << "\n";
    return 1;
  }
  for (const auto& w : data->warnings) std::cerr << "warning: " << w << "\n";
  for (const auto& n : data->notes) std::cerr << "note: " << n << "\n";
  const kuery::ElasticRunResult r = kuery::run_kuery_query(a.query, data->indices, *types, *now, a.size,
                                                         Deadline::after(a.limits.timeout_seconds));
  for (const auto& e : r.errors) std::cerr << e << "\n";
  if (!r.errors.empty()) return 1;
  for (const auto& n : r.notes) std::cerr << "note: " << n << "\n";
  if (!r.dynamic_fields.empty() && a.format == "table") std::cerr << "note: " << app::dynamic_fields_note(r.dynamic_fields) << "\n";
  if (a.format == "json") {
    // The documents are written as rulelab's JSON text of each, spliced into the dump: building
    // them as JSON values first cost about 80 ns a byte (8 s for 100,000 documents).
    kuery::ElasticRunResult meta = r;
    meta.hits.clear();
    app::RunResult out;
    app::fill_kuery_result(meta, out);
    nlohmann::ordered_json provenance = nlohmann::ordered_json::array();
    for (const auto& h : r.hits)
      provenance.push_back(h.doc ? nlohmann::ordered_json::array({h.doc->file + ":" + std::to_string(h.doc->line)})
                                 : nlohmann::ordered_json::array());
    const std::string marker = "\x01rows\x01";
    nlohmann::ordered_json j;
    j["now"] = format_datetime(r.now);
    j["indices"] = out.detail["indices"];
    j["ignored_indices"] = out.detail["ignored_indices"];
    j["counts"] = out.detail["counts"];
    j["rows"] = marker;
    j["provenance"] = std::move(provenance);
    j["capped"] = r.capped;
    j["notes"] = r.notes;
    j["dynamic_fields"] = r.dynamic_fields;
    j["errors"] = r.errors;
    j["query"] = a.query;
    std::string text = j.dump(2);
    const std::string quoted = "\"rows\": \"\\u0001rows\\u0001\"";
    std::string rows = "\"rows\": [";
    for (std::size_t i = 0; i < r.hits.size(); ++i) {
      rows += i ? ",\n    " : "\n    ";
      rows += r.hits[i].doc ? to_json(r.hits[i].doc->source) : std::string("null");
    }
    rows += r.hits.empty() ? "]" : "\n  ]";
    const auto at = text.find(quoted);
    if (at != std::string::npos) text.replace(at, quoted.size(), rows);
    std::cout << text << "\n";
  } else if (a.format == "ndjson") {
    for (const auto& h : r.hits) std::cout << to_json(h.doc->source) << "\n";
  } else {
    std::cout << r.docs_matched << " of " << r.docs_total << " document(s) match" << (r.capped ? " (showing --size)" : "") << "\n";
    // The hits' lines are rendered on every core (from 2,048 a core), up to 4,096 at a time, and
    // written in order (what is held in memory stays small).
    write_chunks_in_order(std::cout, r.hits.size(), 4096, 2048, [&](std::size_t b, std::size_t e, std::string& out) {
      for (std::size_t i = b; i < e; ++i) {
        if (i + 8 < e && r.hits[i + 8].doc) r.hits[i + 8].doc->source.prefetch(256);
        const auto& h = r.hits[i];
        std::string s = to_json_prefix(h.doc->source, 200);
        if (s.size() > 200) s = s.substr(0, 197) + "...";
        out.append(h.index).append("  ").append(h.doc->file).append(":").append(std::to_string(h.doc->line)).append("  ").append(s).push_back('\n');
      }
    });
  }
  return 0;
}

}  // namespace rulelab::cli
