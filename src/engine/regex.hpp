// RE2 wrapper: patterns compiled once (at bind time when constant), errors as values.
// RE2 runs in time linear in the text (no backtracking): a pattern such as (a+)+$ cannot blow up.
// Kusto's regex dialect is RE2 (learn.microsoft.com/kusto/query/re2).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/limits.hpp"
#include "engine/expr.hpp"

namespace re2 { class RE2; }

namespace rulelab::engine {

class RegexState : public FnState {
 public:
  explicit RegexState(const std::string& pattern);
  ~RegexState() override;
  bool ok() const;
  bool too_large() const;  // failed because its program exceeds kRegexMaxMem (core/limits.hpp)
  // Why it failed to compile; for a program over the memory limit, says so in plain words.
  std::string error() const;
  bool search(std::string_view text) const;
  // First match: groups[0] = whole match, then the capture groups; false when no match.
  bool match(std::string_view text, std::vector<std::string_view>& groups, std::size_t start = 0) const;
  int groups() const;
  const re2::RE2& re() const { return *re_; }

 private:
  std::unique_ptr<re2::RE2> re_;
};

// A pattern computed per row (not a constant, so not compiled at bind time) that is too large is
// an error at the call, not a silent non-match; other compile errors keep each function's
// documented result for an invalid pattern.
inline void fail_if_too_large(const RegexState& re, const CallArgs& a) {
  if (re.too_large()) fail_at(a.site ? *a.site : OpSite{}, (a.site ? a.site->name + ": " : std::string()) + re.error());
}

}  // namespace rulelab::engine
