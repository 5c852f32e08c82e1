// Aggregation functions of summarize (learn.microsoft.com/kusto/query/aggregation-functions),
// in a registry the engine owns. Nulls are ignored by the aggregates that the "null values"
// page lists (count(), dcount, make_*, sum, stdev, variance, ...).
#pragma once
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/value.hpp"

namespace rulelab::engine {

class AggState {
 public:
  virtual ~AggState() = default;
  // One input row: the aggregate's argument values; extra = the row's other wanted values (arg_max).
  virtual void add(const Value* args, std::size_t n) = 0;
  // Result columns (most aggregates: one).
  virtual std::vector<Value> result() const = 0;
};

struct AggregateFunction {
  std::string name;
  int min_args = 0;
  int max_args = 0;  // -1 variadic
  // Output types from argument types (several for percentiles, arg_max).
  std::vector<Type> (*types)(const std::vector<Type>& args, const std::vector<const Value*>& consts, std::string& err);
  std::unique_ptr<AggState> (*make)(const std::vector<Type>& args, const std::vector<Value>& consts);
  // The Kusto reference's category ("Statistical functions", "Row selector functions", ...).
  std::string_view category{};
};

// The aggregates of agg_more.cpp (count_distinctif, percentilesw, hll, tdigest, buildschema, ...).
void add_more_aggregates(std::vector<AggregateFunction>& out);

class AggregateRegistry {
 public:
  AggregateRegistry();
  const AggregateFunction* find(const std::string& name) const;
  const std::vector<AggregateFunction>& all() const { return all_; }

 private:
  std::vector<AggregateFunction> all_;
  std::map<std::string, std::size_t> by_name_;
};

}  // namespace rulelab::engine
