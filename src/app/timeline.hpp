// The simulate timeline: a self-contained HTML page (inline SVG, no scripts fetched) of a rule's
// scheduled runs and the events they read, for every rule family.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/window.hpp"
#include "core/types.hpp"

namespace rulelab::app {

struct TimelineEvent {
  std::string table;  // table (Sentinel) or index (Elastic)
  std::string file;
  std::size_t line = 0;
  std::optional<DateTime> time;                              // none: the event has no readable time
  std::vector<std::pair<std::string, std::string>> fields;  // the fields the rule reads, with their values
  std::vector<std::size_t> runs;                            // indexes into Timeline::runs whose window holds it
  bool alerted = false;                                     // some alert of some run derives from it
};

struct TimelineRun {
  DateTime now;
  Window window;
  bool suppressed = false;  // Sentinel suppression: the run did not happen
  bool alert = false;
  std::size_t rows = 0;    // result rows (Sentinel) or matches (Elastic)
  std::size_t alerts = 0;  // alerts created by this run
};

struct Timeline {
  std::string rule_name, rule_file;
  std::string family;      // "sentinel" or "elastic"
  std::string time_field;  // TimeGenerated, @timestamp, ...
  TimeSpan frequency, period;
  std::vector<TimelineEvent> events;
  std::vector<TimelineRun> runs;
};

// The page: a labelled time axis (ticks at round times between the two ends), a legend, each
// event as a labelled mark (table, file:line, time, the fields the rule reads, the runs whose
// window holds it), one bar per run window, alerting and suppressed runs marked.
std::string timeline_html(const Timeline& t);

}  // namespace rulelab::app
