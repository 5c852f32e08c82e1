#include "engine/regex.hpp"

#include <re2/re2.h>

namespace rulelab::engine {

namespace {
RE2::Options options() {
  RE2::Options o;
  o.set_log_errors(false);
  o.set_max_mem(kRegexMaxMem);
  return o;
}
}  // namespace

RegexState::RegexState(const std::string& pattern) : re_(std::make_unique<RE2>(pattern, options())) {}
RegexState::~RegexState() = default;
bool RegexState::ok() const { return re_->ok(); }
bool RegexState::too_large() const { return re_->error_code() == RE2::ErrorPatternTooLarge; }
std::string RegexState::error() const {
  if (too_large()) return regex_too_large_message();
  return re_->error();
}
bool RegexState::search(std::string_view text) const { return re_->ok() && RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re_); }
int RegexState::groups() const { return re_->NumberOfCapturingGroups(); }

bool RegexState::match(std::string_view text, std::vector<std::string_view>& groups, std::size_t start) const {
  if (!re_->ok()) return false;
  const int n = re_->NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> sp(static_cast<std::size_t>(n));
  const bool ok = re_->Match(re2::StringPiece(text.data(), text.size()), start, text.size(), RE2::UNANCHORED, sp.data(), n);
  groups.assign(static_cast<std::size_t>(n), std::string_view());
  if (!ok) return false;
  for (std::size_t i = 0; i < sp.size(); ++i)
    if (sp[i].data()) groups[i] = std::string_view(sp[i].data(), sp[i].size());
  return true;
}

}  // namespace rulelab::engine
