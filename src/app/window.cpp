#include "app/window.hpp"

#include "core/datetime.hpp"

namespace rulelab::app {

std::string Window::text() const {
  return std::string(from_inclusive ? "[" : "(") + format_datetime(from) + ", " + format_datetime(to) + (to_inclusive ? "]" : ")");
}

// Sentinel scheduled rules: "Lookup data from the last" queryPeriod, run every queryFrequency
// (learn.microsoft.com/azure/sentinel/scheduled-rules-overview, "Query scheduling"). Microsoft does
// not document whether the look-back includes its two ends. rulelab includes both, as a Log
// Analytics time range written `where TimeGenerated between (start .. end)` does (`between` is
// inclusive: learn.microsoft.com/kusto/query/between-operator), and prints the window as
// "[from, to]" so that a user reproducing a boundary case sees the assumption.
Window sentinel_window(DateTime now, TimeSpan period) {
  return Window{DateTime{now.ticks - period.ticks}, now, true, true, "TimeGenerated"};
}

// Sentinel NRT rules "are hard-coded to run once every minute and capture events ingested in the
// preceding minute" (learn.microsoft.com/azure/sentinel/near-real-time-rules): one minute back from
// now. Sentinel judges NRT windows by ingestion time; sample logs carry none, so rulelab reads
// TimeGenerated as the time of ingestion (and says so in the run's notes).
Window nrt_window(DateTime now) { return Window{DateTime{now.ticks - 60 * kTicksPerSecond}, now, true, true, "TimeGenerated"}; }

// Kibana's detection engine searches a range filter on the time field with `gte` (from) and
// `lte` (to): both ends included (elastic/kibana, security_solution detection_engine
// signals/build_events_query.ts, buildTimeRangeFilter: `range: { [field]: { lte: to, gte: from } }`,
// used for query and EQL rules alike).
Window elastic_window(DateTime from, DateTime to, std::string field) { return Window{from, to, true, true, std::move(field)}; }

}  // namespace rulelab::app
