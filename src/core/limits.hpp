// Resource limits of one query run: a time limit (--timeout) and a row budget for the operators
// that multiply rows (--max-rows). Both are values owned by a run's options; the executors check
// them cooperatively (between batches, every few hundred rows), never from another thread.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "core/error.hpp"

namespace rulelab {

// Defaults. The time limit is Log Analytics' maximum query time (10 minutes; its query API's
// timeout documentation). The row budget bounds what one operator may produce: 10 million rows
// of a typical joined row (a few hundred bytes) is a few GB, the order of Kusto's own per-operator
// memory budget ("HashJoin operator has exceeded the memory budget", runaway queries), and far
// beyond any alerting result (Kusto returns at most 500,000 records).
inline constexpr double kDefaultTimeoutSeconds = 600;
inline constexpr std::uint64_t kDefaultMaxRows = 10'000'000;

// The memory one compiled regular expression may use (RE2::Options::max_mem, RE2's default made
// explicit), for every regex rulelab compiles (Kusto, EQL, test expectations): a pattern whose
// program does not fit fails to compile as "too large", reported as an error at the pattern;
// matching never needs more (RE2's DFA falls back to its NFA when its cache is full; both run in
// time linear in the text).
inline constexpr std::int64_t kRegexMaxMem = std::int64_t{8} << 20;
std::string regex_too_large_message();

// A limit was exceeded while running: the error is complete (positioned when the limit belongs
// to an operator of the query). Thrown by executors, caught at the engine's boundary.
struct LimitExceeded : std::runtime_error {
  explicit LimitExceeded(Error e) : std::runtime_error(e.message), error(std::move(e)) {}
  Error error;
};

// "5 s", "0.001 s", "2.5 s"
std::string format_seconds(double seconds);

// The deadline of one run; none when built without a time limit.
class Deadline {
 public:
  Deadline() = default;
  // A deadline `seconds` from now; seconds <= 0: none.
  static Deadline after(double seconds) {
    Deadline d;
    if (seconds > 0) {
      d.seconds_ = seconds;
      d.at_ = std::chrono::steady_clock::now() +
              std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
    }
    return d;
  }
  bool active() const { return at_.has_value(); }
  bool expired() const { return at_ && std::chrono::steady_clock::now() >= *at_; }
  double seconds() const { return seconds_; }
  // "query exceeded the time limit of 5 s (--timeout)"
  std::string message() const { return "query exceeded the time limit of " + format_seconds(seconds_) + " (--timeout)"; }
  void check() const {
    if (expired()) throw LimitExceeded(Error(message()));
  }

 private:
  std::optional<std::chrono::steady_clock::time_point> at_;
  double seconds_ = 0;
};

// Checks a deadline every `every` calls of tick() (the clock costs more than a row of work).
class DeadlineTicker {
 public:
  explicit DeadlineTicker(const Deadline& d, std::uint32_t every = 256) : d_(d), every_(every) {}
  void tick() {
    if (++n_ >= every_) {
      n_ = 0;
      d_.check();
    }
  }

 private:
  const Deadline& d_;
  std::uint32_t every_;
  std::uint32_t n_ = 0;
};

// The limits given on the command line, passed to each run.
struct Limits {
  double timeout_seconds = kDefaultTimeoutSeconds;  // <= 0: none
  std::uint64_t max_rows = kDefaultMaxRows;         // 0: none
};

}  // namespace rulelab
