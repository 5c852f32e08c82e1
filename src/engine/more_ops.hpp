// Operators of binder_more_ops.cpp: consume, top-nested (op_top_nested.cpp), scan (op_scan_steps.cpp).
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/plan.hpp"

namespace rulelab::engine {

// consume: runs the input, returns its schema with no rows.
PlanPtr make_consume(PlanPtr child);

struct TopNestedLevel {
  std::optional<std::int64_t> count;  // none: all values
  ExprPtr key;
  AggSpec agg;  // one output column
  std::optional<Value> others;
  bool descending = true;
};
// Output: per level its key column then its aggregate column.
PlanPtr make_top_nested(PlanPtr child, std::vector<TopNestedLevel> levels, Schema out);

struct ScanStep {
  enum Output { All, Last, None } output = All;
  ExprPtr condition;                              // over the working schema
  std::vector<std::pair<int, ExprPtr>> assignments;  // record column <- expression
};
struct ScanSpec {
  std::vector<Value> defaults;  // declared columns
  std::vector<ScanStep> steps;
  bool match_id = false;
};
// work: the record (input + declared columns), then each step's state record. out: the record [+ match id].
PlanPtr make_scan_steps(PlanPtr child, ScanSpec spec, Schema work, Schema out);

// partition by column: sub (bound over make_param(slot, child's schema)) runs once per value.
PlanPtr make_partition(PlanPtr child, int column, std::shared_ptr<ParamSlot> slot, PlanPtr sub);

// reduce-operator (op_reduce.cpp): groups the values of `value` by the pattern of their frequent
// terms. Output: Pattern, Count, Representative; with kind=source the input and a Pattern column.
struct ReduceSpec {
  ExprPtr value;               // a string
  double threshold = 0.1;
  std::string characters;      // term separators given with characters=
  bool source = false;         // kind=source
};
PlanPtr make_reduce(PlanPtr child, ReduceSpec spec, Schema out);

}  // namespace rulelab::engine
