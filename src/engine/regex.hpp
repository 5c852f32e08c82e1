// RE2 wrapper: patterns compiled once (at bind time when constant), errors as values.
// Kusto's regex dialect is RE2 (learn.microsoft.com/kusto/query/re2).
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/expr.hpp"

namespace re2 { class RE2; }

namespace rulelab::engine {

class RegexState : public FnState {
 public:
  explicit RegexState(const std::string& pattern);
  ~RegexState() override;
  bool ok() const;
  std::string error() const;
  bool search(std::string_view text) const;
  // First match: groups[0] = whole match, then the capture groups; false when no match.
  bool match(std::string_view text, std::vector<std::string_view>& groups, std::size_t start = 0) const;
  int groups() const;
  const re2::RE2& re() const { return *re_; }

 private:
  std::unique_ptr<re2::RE2> re_;
};

}  // namespace rulelab::engine
