// The events of a data set with their times by a rule's time field: simulate's timeline and unseen
// events, and the hint a run gives when its window leaves every event out.
#pragma once
#include <cstddef>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "app/data_spec.hpp"
#include "app/rule.hpp"
#include "app/run_result.hpp"
#include "core/datetime.hpp"
#include "core/dynamic.hpp"
#include "core/error.hpp"
#include "core/types.hpp"

namespace rulelab::app {

struct EventTime {
  std::string file, table;
  std::size_t line = 0;
  std::optional<DateTime> time;
  std::vector<std::pair<std::string, std::string>> fields;  // with `fields`: the values of those the record has
};
// Every record of the data files with its time by the rule's time field (Elastic: falling back to
// @timestamp as the rule does).
// With `fields`, each event also carries the values of those fields.
Result<std::vector<EventTime>> event_times(const LoadedRule& rule, const std::vector<DataSpec>& data,
                                           const std::vector<std::string>& fields = {},
                                           std::optional<DateOrder> date_order = std::nullopt);

// The events whose time lies in [from, to] (with `fields` as above), and how many lie before or
// after it or have no time: simulate's view of a data set, without holding every event of a
// large file. Sentinel tables are read by their time column only.
struct EventSpan {
  static constexpr std::size_t kOutsideKept = 1000;
  std::vector<EventTime> events;   // in [from, to], and events without a time
  std::size_t before = 0, after = 0;  // events outside [from, to]
  std::vector<EventTime> outside;  // the first kOutsideKept of those, in file order
};
Result<EventSpan> events_in_span(const LoadedRule& rule, const std::vector<DataSpec>& data, DateTime from, DateTime to,
                                 const std::vector<std::string>& fields = {},
                                 std::optional<DateOrder> date_order = std::nullopt);

// The fields (columns, document paths) a rule's query names, in order of first use.
std::vector<std::string> rule_fields(const LoadedRule& rule);

// An Elastic document's time value as its date field reads it (elastic/date.hpp).
std::optional<DateTime> dyn_time(DynRef v);

// How many events lie before / after the window, and the earliest and latest event time.
WindowMiss window_miss(const std::vector<EventTime>& events, const Window& w);

// The record an explain --event selector names: LINE (of the first data file), FILE:LINE,
// NAME:LINE (table or index) or Field=Value (the first record holding that value).
struct FoundEvent {
  std::string file, table;
  std::size_t file_index = 0;  // position among the data specs
  std::size_t line = 0;
  std::optional<DateTime> time;  // by `time_field` (documents: else @timestamp)
};
// `documents`: the data are Elastic documents (fields are dotted paths); else Log Analytics rows.
Result<FoundEvent> find_event(const std::string& selector, const std::vector<DataSpec>& data, const std::string& time_field,
                              bool documents, std::optional<DateOrder> date_order = std::nullopt);

}  // namespace rulelab::app
