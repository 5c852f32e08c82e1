// parse-kv (learn.microsoft.com/kusto/query/parse-kv-operator): extraction of listed keys from
// text, with given delimiters (optionally quotes, escapes, greedy values), with any
// non-alphanumeric delimiter, or with a regex of two groups (key, value).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "engine/expr.hpp"

namespace rulelab::engine {

struct ParseKvOptions {
  std::vector<std::string> keys;
  std::string pair_delimiter, kv_delimiter;
  std::vector<std::string> quotes;  // one or two characters each (open, close)
  std::vector<char> escapes;
  bool greedy = false;
  std::string regex;
};

// The function the binder calls per row: a dynamic bag {key: value text} of the keys found
// (the first appearance of a key wins; values trimmed).
const ScalarFunction* parse_kv_function();
std::shared_ptr<FnState> make_parse_kv_state(ParseKvOptions options, std::string& err);

}  // namespace rulelab::engine
