// rulelab's own values of Kusto's sketches (agg_more.cpp, fn_scalar_aggregation.cpp): hll() is the array of
// the distinct values, tdigest() the array of [value, weight] pairs sorted by value. Both are
// exact; Kusto's own formats are internal to Kusto and its answers over them are estimates.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "engine/value.hpp"

namespace rulelab::engine {

class HllSet {
 public:
  void add(const Value& v);
  void merge(const Value& hll);  // an hll() value (a dynamic array); anything else is ignored
  std::size_t size() const { return values_.size(); }
  Value to_value() const;

 private:
  std::unordered_set<std::string> keys_;
  std::vector<Value> values_;
};

class Digest {
 public:
  void add(const Value& v, std::int64_t weight);
  void merge(const Value& digest);  // a tdigest() value; anything else is ignored
  void normalize();                 // sorts by value and sums the weights of equal values
  // After normalize(): the value at nearest rank ceil(p/100 * total weight) (at least the first);
  // nullptr when empty.
  const Value* percentile(double p) const;
  // After normalize(): the total weight of the values <= v.
  double rank(const Value& v) const;
  double total() const;
  Value to_value() const;

 private:
  std::vector<std::pair<Value, std::int64_t>> items_;
};

// A weight or bit pattern given as a number: whole values in long's range only (false otherwise:
// the caller skips or nulls it; never an out-of-range conversion).
bool long_of(double d, std::int64_t& out);

// A dynamic element as its natural scalar (long, real, string, bool), for comparisons.
Value scalar_of(DynRef e);

}  // namespace rulelab::engine
