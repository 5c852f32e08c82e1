// Work split over the machine's cores: n items in contiguous shares, one thread per share. For
// steps whose output must keep its order (results rendered for printing, documents judged before
// a sort): each share writes to its own slot, and the caller joins the slots in share order.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

namespace rulelab {

// The number of shares parallel_shares uses for n items: 1 below `min_per_share` items a share.
inline unsigned share_count(std::size_t n, std::size_t min_per_share = 1024) {
  const unsigned cores = std::max(1u, std::min(std::thread::hardware_concurrency(), 8u));
  const std::size_t by_size = std::max<std::size_t>(1, n / std::max<std::size_t>(1, min_per_share));
  return static_cast<unsigned>(std::min<std::size_t>(cores, by_size));
}

// Calls f(begin, end, share) for `shares` contiguous shares of [0, n), share 0 on the calling
// thread, and returns once all are done. An exception thrown by f is rethrown here (the lowest
// share's, so the error does not depend on the threads' timing).
template <class F>
void parallel_shares(std::size_t n, unsigned shares, F&& f) {
  shares = std::max(1u, shares);
  if (shares == 1) {
    f(std::size_t{0}, n, 0u);
    return;
  }
  std::vector<std::exception_ptr> errors(shares);
  auto run = [&](unsigned s) {
    try {
      f(n * s / shares, n * (s + 1) / shares, s);
    } catch (...) {
      errors[s] = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(shares - 1);
  for (unsigned s = 1; s < shares; ++s) threads.emplace_back(run, s);
  run(0);
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

// Renders items [0, n) on up to share_count(n, min_per_share) cores, a contiguous share each
// (render(begin, end, text) appends the share's items to its text), then writes the texts to `out`
// in order: the output is the same as rendering the items one after another.
template <class Render>
void write_in_order(std::ostream& out, std::size_t n, std::size_t min_per_share, Render&& render) {
  std::vector<std::string> texts(share_count(n, min_per_share));
  parallel_shares(n, static_cast<unsigned>(texts.size()), [&](std::size_t b, std::size_t e, unsigned s) { render(b, e, texts[s]); });
  for (const auto& t : texts) out << t;
}

}  // namespace rulelab
