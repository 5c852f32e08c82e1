// The look-back window of one rule run: which event times a run at `now` sees. One definition per
// rule family (window.cpp cites the documentation each follows); run, simulate, diff, test and
// explain all ask this type.
#pragma once
#include <optional>
#include <string>

#include "core/types.hpp"

namespace rulelab::app {

struct Window {
  DateTime from, to;
  bool from_inclusive = true;
  bool to_inclusive = true;
  std::string field;  // the time field judged: TimeGenerated, @timestamp, timestamp_override

  bool contains(DateTime t) const {
    const bool after = from_inclusive ? t.ticks >= from.ticks : t.ticks > from.ticks;
    const bool before = to_inclusive ? t.ticks <= to.ticks : t.ticks < to.ticks;
    return after && before;
  }
  // "[2026-09-03T14:00:00Z, 2026-09-03T15:00:00Z]" with ( or ) where an end is exclusive.
  std::string text() const;
};

// Sentinel scheduled rules and hunting queries with a look-back: [now - queryPeriod, now].
Window sentinel_window(DateTime now, TimeSpan period);
// Sentinel NRT rules: fixed one-minute look-back, [now - 1 minute, now].
Window nrt_window(DateTime now);
// Elastic rules (kuery, EQL, ES|QL): Kibana's range filter [from, to] (gte/lte) on the time field.
Window elastic_window(DateTime from, DateTime to, std::string field);

}  // namespace rulelab::app
