// A rule's schedule and the times of the events it reads (simulate, diff, explain).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/dynamic.hpp"
#include "core/error.hpp"
#include "core/types.hpp"

namespace rulelab::cli {

struct Schedule {
  std::string family;         // sentinel, elastic
  std::string name;
  TimeSpan frequency;         // queryFrequency / interval
  TimeSpan period;            // queryPeriod / now - from
  std::string time_field;     // TimeGenerated, @timestamp or the rule's timestamp_override
  std::string fallback_field; // Elastic: @timestamp when timestamp_override is set
  std::optional<TimeSpan> suppression;  // Sentinel: no run for this long after a run that alerts
  std::vector<std::string> warnings;
};
Result<Schedule> rule_schedule(const std::string& rule_path);

struct EventTime {
  std::string file, table;
  std::size_t line = 0;
  std::optional<DateTime> time;
  bool seen = false;
};
// Every record of the data files with its time by the schedule's time field.
Result<std::vector<EventTime>> event_times(const Schedule& s, const std::vector<std::string>& data);

// The record an --event selector names: LINE (first file), FILE:LINE, NAME:LINE or Field=Value.
struct FoundEvent {
  std::string file, table;
  std::size_t file_index = 0;  // position among the --data arguments
  std::size_t line = 0;
  std::optional<DateTime> time;
};
Result<FoundEvent> find_event(const std::string& selector, const std::vector<std::string>& data, const std::string& time_field,
                              bool documents);

// A document's time value: an ISO 8601 string, or a number of epoch milliseconds.
std::optional<DateTime> dyn_time(DynRef v);

// "NAME=FILE" -> {NAME, FILE}; "FILE" -> {file stem, FILE}.
std::pair<std::string, std::string> split_data_spec(const std::string& spec);

}  // namespace rulelab::cli
