// The pattern-mining evaluate plugins of the Kusto reference's "Machine learning plugins":
// autocluster, diffpatterns, diffpatterns_text (op_plugin_patterns.cpp), bound in
// binder_plugins_analytics.cpp. The pages describe what the patterns mean, not how Kusto picks
// them: rulelab's search and selection are its own reading (README, "Semantics decisions").
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/plan.hpp"

namespace rulelab::engine {

struct PatternSpec {
  bool diff = false;                // diffpatterns (else autocluster)
  std::vector<std::size_t> columns; // the input columns that form patterns, in output order
  std::vector<Value> wildcards;     // one per column
  int weight_column = -1;
  // diffpatterns: rows whose split column (tostring) is value_a form set A, value_b set B.
  int split_column = -1;
  std::string value_a, value_b;
  double threshold = 0.05;          // diffpatterns: minimal |PercentA - PercentB| / 100
  int max_dimensions = 0;           // diffpatterns: 0 is unlimited
  double size_weight = 0.5;         // autocluster
  int num_seeds = 25;               // autocluster
};
// autocluster: SegmentId, Count, Percent, columns. diffpatterns: SegmentId, CountA, CountB,
// PercentA, PercentB, PercentDiffAB, columns.
PlanPtr make_patterns(PlanPtr child, PatternSpec spec, Schema out);

// diffpatterns_text(TextColumn, BooleanCondition [, MinTokens, Threshold, MaxTokens]):
// Count_of_True, Count_of_False, Percent_of_True, Percent_of_False, Pattern.
struct TextPatternSpec {
  ExprPtr text, condition;
  int min_tokens = 1;
  double threshold = 0.05;
  int max_tokens = 20;
};
PlanPtr make_text_patterns(PlanPtr child, TextPatternSpec spec, Schema out);

}  // namespace rulelab::engine
