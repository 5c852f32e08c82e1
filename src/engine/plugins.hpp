// evaluate plugins computed over their whole input (op_plugins.cpp), bound in binder_plugins.cpp.
#pragma once
#include <array>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/plan.hpp"

namespace rulelab::engine {

// ipv4_lookup(LookupTable, SourceIPv4Key, IPv4LookupKey [, ExtraKey...] [, return_unmatched]):
// output = the input's columns, then the lookup table's columns right_out.
struct Ipv4LookupSpec {
  bool v6 = false;             // ipv6_lookup: IPv6 addresses and ranges
  bool lookup_first = false;   // ipv6_lookup's page: the lookup table's columns, then the input's
  ExprPtr left_ip;                         // over the input
  int right_key = -1;                      // lookup table column with IPv4 (prefix) text
  std::vector<std::pair<int, int>> extra;  // (input column, lookup column) that must be equal
  std::vector<int> right_out;              // lookup columns in the output
  bool return_unmatched = false;
};
PlanPtr make_ipv4_lookup(PlanPtr left, PlanPtr right, Ipv4LookupSpec spec, Schema out);
// fn_ip.cpp: an IPv6 address (or IPv4, mapped) with its prefix (128 without one).
bool parse_ipv6_address(std::string_view s, std::array<std::uint8_t, 16>& out, int& prefix);

// sequence_detect(Timeline, MaxSequenceStepWindow, MaxSequenceSpan, Expr1, ..., Dim1, ...):
// output = dims, one datetime per step, Duration.
struct SequenceDetectSpec {
  ExprPtr time;
  std::int64_t max_step = 0, max_span = 0;  // ticks
  std::vector<ExprPtr> predicates;          // at most 64
  std::vector<ExprPtr> dims;
};
PlanPtr make_sequence_detect(PlanPtr child, SequenceDetectSpec spec, Schema out);

// basket([Threshold, WeightColumn, MaxDimensions, CustomWildcard...]): output = SegmentId, Count,
// Percent, then `columns` (input column indexes) with a value or their wildcard.
struct BasketSpec {
  double threshold = 0.05;
  int weight_column = -1;
  int max_dimensions = 5;
  std::vector<std::size_t> columns;
  std::vector<Value> wildcards;  // one per entry of columns
};
PlanPtr make_basket(PlanPtr child, BasketSpec spec, Schema out);

// narrow(): one row per input cell: Row (0-based), Column, Value (tostring of the value).
PlanPtr make_narrow(PlanPtr child, Schema out);
// rows_near(Condition, NumRows [, RowsAfter]): the input rows within `before` rows before or
// `after` rows after a row where the condition holds, in input order.
PlanPtr make_rows_near(PlanPtr child, ExprPtr cond, std::int64_t before, std::int64_t after);

}  // namespace rulelab::engine
