// The user-analytics evaluate plugins of the Kusto reference ("User and sequence analytics
// plugins") and dcount_intersect, computed over their whole input (op_plugin_user_analytics.cpp),
// bound in binder_plugins_analytics.cpp. Distinct counts are exact (Kusto estimates them with
// HyperLogLog; equal on small data).
#pragma once
#include <cstdint>
#include <vector>

#include "engine/plan.hpp"

namespace rulelab::engine {

// A step of the analysis timeline: a fixed size in the timeline's units (ticks for datetime and
// timespan), or calendar weeks (from Sunday), months or years (startofweek/-month/-year).
struct AnalyticsStep {
  enum Kind { Fixed, Week, Month, Year } kind = Fixed;
  std::int64_t size = 1;
  // The start of the step that holds t; fixed steps are counted from `origin`.
  std::int64_t floor(std::int64_t t, std::int64_t origin) const;
  std::int64_t next(std::int64_t b) const;
};

struct AnalyticsSpec {
  enum Kind {
    SlidingWindowCounts,   // Time, dims, Count, dcount
    SessionCount,          // Time, dims, count_sessions
    RollingPercentile,     // Time, dims, rolling_<N>_percentile_<Value>_<P>
    ActivityCountsMetrics, // Time, dims, count, dcount, new_dcount, aggregated_dcount
    ActivityMetrics,       // Time, dims, dcount_values, dcount_newvalues, retention_rate, churn_rate
    NewActivityMetrics,    // from_Time, to_Time, dims, dcount_new_values, dcount_retained_values, dcount_churn_values, retention_rate, churn_rate
    ActiveUsersCount,      // Time, dims, dcount
    ActivityEngagement,    // Time, dims, dcount_activities_inner, dcount_activities_outer, activity_ratio
  } kind = SlidingWindowCounts;
  ExprPtr id;    // the IdColumn (rolling_percentile: the ValueColumn)
  ExprPtr time;  // the TimelineColumn (rolling_percentile: the IndexColumn)
  std::vector<ExprPtr> dims;
  bool has_range = false;  // Start and End given (inclusive)
  std::int64_t start = 0, end = 0;
  AnalyticsStep step;
  std::int64_t lookback = 0;        // sliding_window_counts, session_count, active_users_count
  std::int64_t period = 0;          // active_users_count
  std::int64_t active_periods = 1;  // active_users_count
  double percentile = 50;           // rolling_percentile
  std::int64_t bins_per_window = 1; // rolling_percentile
  // rolling_percentile over a real IndexColumn or with a real BinSize: the index is binned as
  // bin(x, BinSize) does (floor(x / BinSize)), the timeline holds bin numbers (step 1) and the
  // output index is bin number * BinSize, a real (as bin(long, real) gives).
  bool real_bins = false;
  double real_bin_size = 1;
  std::int64_t outer = 0;           // activity_engagement (the inner window is `step`)
  bool has_cohort = false;          // new_activity_metrics
  std::int64_t cohort = 0;
  PlanPtr lookback_ids;             // new_activity_metrics: a table whose first column holds known ids
};
PlanPtr make_user_analytics(PlanPtr child, AnalyticsSpec spec, Schema out);

// funnel_sequence(Id, T, Start, End, MaxSequenceStepWindow, Step, State, Sequence) and
// funnel_sequence_completion(Id, T, Start, End, BinSize, State, Sequence, MaxSequenceStepPeriods)
// (op_plugin_funnel.cpp).
struct FunnelSpec {
  bool completion = false;
  ExprPtr id, time, state;
  std::int64_t start = 0, end = 0;
  AnalyticsStep step;                  // the analysis windows, from Start
  std::int64_t max_step = 0;           // funnel_sequence: between two consecutive steps
  std::vector<Value> sequence;         // the states looked for, as the state column's type
  std::vector<std::int64_t> periods;   // funnel_sequence_completion
};
// One plan per schema of `outs` (funnel_sequence: its three tables; funnel_sequence_completion:
// one), computed together; every plan carries `site`.
std::vector<PlanPtr> make_funnel(PlanPtr child, FunnelSpec spec, std::vector<Schema> outs, const OpSite& site);

// geo_polygon_lookup(LookupTable, PolygonKey, Lon, Lat [, radius] [, return_unmatched]
// [, lookup_area_radius] [, return_lookup_key]) and geo_line_lookup(..., LineKey, Lon, Lat, Radius,
// ...) (op_plugin_geo_lookup.cpp): a lookup whose condition is the registry's
// geo_point_in_polygon, geo_distance_point_to_polygon <= radius or geo_distance_point_to_line <=
// radius. Output: the input's columns, then the lookup table's columns `right_out`.
struct GeoLookupSpec {
  const ScalarFunction* test = nullptr;  // (lon, lat, shape) -> bool, or a distance in meters
  bool distance = false;                 // test gives a distance compared with radius
  double radius = 0;
  ExprPtr lon, lat;                      // over the input
  int key = -1;                          // the lookup table's shape column
  std::vector<int> right_out;
  bool return_unmatched = false;
};
PlanPtr make_geo_lookup(PlanPtr left, PlanPtr right, GeoLookupSpec spec, Schema out);

// dcount_intersect(hll_1, hll_2, ...): the input's columns, then s0..s(n-1): the distinct counts of
// S1, S1 ∩ S2, ..., S1 ∩ ... ∩ Sn, per row, over rulelab's exact hll() values.
PlanPtr make_dcount_intersect(PlanPtr child, std::vector<ExprPtr> hlls, Schema out);

}  // namespace rulelab::engine
