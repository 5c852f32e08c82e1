// What one run of a rule gives, as a value: result rows with their provenance, the alerts, the
// window, what reading each file gave. run, test, diff, simulate and explain all consume it; the
// CLI only formats it.
#pragma once
#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "app/window.hpp"
#include "core/column.hpp"
#include "core/parallel.hpp"
#include "core/types.hpp"

namespace rulelab::app {

// One alert: the events it derives from ("file:line") and what it holds (Sentinel: rows,
// entities, custom details, alertDetailsOverride; Elastic: the document, or the sequence's events).
struct Alert {
  std::vector<std::string> sources;
  nlohmann::ordered_json body = nlohmann::ordered_json::object();
  // Its identity across runs where Kibana derives it otherwise than from the source events (ES|QL
  // rules: a document's _id, _index and MV_EXPAND values, or the run and row); empty: `sources`.
  std::string id = {};
  // Alert suppression: every event the alert counts (its body lists the first 20), for explain.
  std::vector<std::string> folded = {};
};
// The alert's source events as one key ("file:line;file:line;").
inline std::string sources_key(const Alert& a) {
  std::string k;
  for (const auto& s : a.sources) k += s + ";";
  return k;
}

// What reading one data file gave.
struct FileRead {
  std::string name, file;  // table or index, file
  std::size_t records = 0, rows = 0, filtered = 0, rejected = 0;
  bool pushdown = false;  // Sentinel: the query's leading where filtered while reading
};

// Events of the data that the run's window left out: the newcomer's "(0 rows)" explained.
struct WindowMiss {
  std::size_t before = 0, after = 0;            // events older than the window, newer than now
  std::optional<DateTime> earliest, latest;     // of all events with a time
};

struct RunResult {
  std::string rule_name, rule_file;
  DateTime now;
  std::optional<Window> window;  // none: a hunting query or an ad hoc query (all data)
  // Sentinel: the result table (table/csv/ndjson output); Elastic: null.
  std::shared_ptr<const Table> table;
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();  // one JSON value per result row
  std::vector<std::vector<std::string>> provenance;                // per row: "file:line" of its events
  bool alert = false;
  std::vector<Alert> alerts;
  bool capped = false;  // max_signals (Elastic) reached
  std::vector<FileRead> reads;
  WindowMiss missed;
  std::vector<std::string> warnings;  // ingest warnings, rule warnings (formatted)
  std::vector<std::string> notes;     // for the user: unmapped fields, index patterns, expired exceptions
  std::vector<std::string> errors;    // a search Elasticsearch would reject
  // Family-specific facts for the JSON output, in output order (trigger, counts, indices, kind...).
  nlohmann::ordered_json detail = nlohmann::ordered_json::object();
  // What the run read, being freed in the background while the result is formatted (the last
  // member: destroyed first, so the result waits for it; copies share it).
  std::shared_ptr<Disposal> disposal;
};

}  // namespace rulelab::app
