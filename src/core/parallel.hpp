// Work split over the machine's cores: n items in contiguous shares, one thread per share. For
// steps whose output must keep its order (results rendered for printing, documents judged before
// a sort): each share writes to its own slot, and the caller joins the slots in share order.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
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

// Renders items [0, n) a chunk of at most `chunk` items at a time and writes the chunks' texts to
// `out` in order, as write_in_order would one chunk after another. The rendering threads (up to
// share_count(n, min_per_thread), chunks made smaller so that each has one) live for the whole
// output: a thread started for each chunk waits for the other core to wake up (a millisecond or
// more on a virtual machine), which took as long as the rendering. At most two chunks a thread are
// held. render(begin, end, text) appends the items' text; an exception it throws is rethrown here
// (the first chunk's, in order), after what was rendered before it is written; so is one thrown
// while writing, once the threads have stopped.
template <class Render>
void write_chunks_in_order(std::ostream& out, std::size_t n, std::size_t chunk, std::size_t min_per_thread, Render&& render) {
  const unsigned threads = share_count(n, min_per_thread);
  chunk = std::max<std::size_t>(1, std::min(chunk, (n + threads - 1) / threads));
  const std::size_t chunks = (n + chunk - 1) / chunk;
  if (threads < 2) {
    std::string text;
    for (std::size_t c = 0; c < chunks; ++c) {
      text.clear();
      render(c * chunk, std::min(n, (c + 1) * chunk), text);
      out << text;
    }
    return;
  }
  struct Slot {
    std::string text;
    bool done = false;
    std::exception_ptr error;
  };
  const std::size_t window = 2 * static_cast<std::size_t>(threads);
  std::vector<Slot> slots(window);
  std::mutex m;
  std::condition_variable cv;
  std::size_t next = 0, written = 0;
  bool stop = false;
  std::vector<std::string> spare;  // texts written out, their memory kept for the next chunks
  auto work = [&] {
    while (true) {
      std::size_t c = 0;
      std::string text;
      {
        std::unique_lock<std::mutex> lock(m);
        cv.wait(lock, [&] { return stop || next >= chunks || next < written + window; });
        if (stop || next >= chunks) return;
        c = next++;
        if (!spare.empty()) {
          text = std::move(spare.back());
          spare.pop_back();
        }
      }
      text.clear();
      std::exception_ptr error;
      try {
        render(c * chunk, std::min(n, (c + 1) * chunk), text);
      } catch (...) {
        error = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(m);
        Slot& s = slots[c % window];
        s.text = std::move(text);
        s.error = error;
        s.done = true;
      }
      cv.notify_all();
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads);
  auto halt = [&] {
    {
      std::lock_guard<std::mutex> lock(m);
      stop = true;
    }
    cv.notify_all();
    for (auto& t : pool) t.join();
  };
  std::exception_ptr error;
  try {
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work);
    std::string text;  // the chunk being written
    while (written < chunks) {
      {
        std::unique_lock<std::mutex> lock(m);
        if (!text.empty()) spare.push_back(std::move(text));
        text = std::string();
        Slot& s = slots[written % window];
        cv.wait(lock, [&] { return s.done; });
        if (s.error) {
          error = s.error;
          break;
        }
        text = std::move(s.text);
        s.text.clear();
        s.done = false;
        ++written;
      }
      cv.notify_all();
      out << text;
    }
  } catch (...) {
    error = std::current_exception();  // writing (or starting a thread) failed
  }
  halt();
  if (error) std::rethrow_exception(error);
}

// Destroys an object on a thread of its own while the caller goes on (a run's workspace: its
// tables hold every row read, and freeing them one allocation at a time takes tens of
// milliseconds that the result's formatting can use). Destroying the handle waits for the thread.
class Disposal {
 public:
  template <class T>
  explicit Disposal(std::unique_ptr<T> p) {
    if (p) thread_ = std::thread([q = std::move(p)]() mutable { q.reset(); });
  }
  Disposal(const Disposal&) = delete;
  Disposal& operator=(const Disposal&) = delete;
  ~Disposal() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::thread thread_;
};

// Calls produce(i) for i in [0, n) on up to `threads` threads (the calling thread among them) and
// consume(i, result) on the calling thread, in index order; at most `window` results wait to be
// consumed. An exception thrown by produce(i) reaches the caller where consume would have had item
// i (the items before it consumed), one thrown by consume at once; either way the threads stop
// first.
template <class T, class Produce, class Consume>
void ordered_parallel(std::size_t n, unsigned threads, std::size_t window, Produce&& produce, Consume&& consume) {
  if (threads <= 1 || n < 2) {
    for (std::size_t i = 0; i < n; ++i) consume(i, produce(i));
    return;
  }
  window = std::max<std::size_t>(window, threads);
  struct Slot {
    std::optional<T> value;
    std::exception_ptr error;
    bool done = false;
  };
  std::vector<Slot> slots(n);
  std::mutex m;
  std::condition_variable ready, space;
  std::size_t next = 0, consumed = 0;
  bool stop = false;
  auto may_claim = [&] { return next < n && next < consumed + window; };
  auto work = [&](std::size_t i) {  // called without the lock
    std::optional<T> v;
    std::exception_ptr e;
    try {
      v.emplace(produce(i));
    } catch (...) {
      e = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(m);
    slots[i].value = std::move(v);
    slots[i].error = e;
    slots[i].done = true;
    ready.notify_all();
  };
  auto worker = [&] {
    std::unique_lock<std::mutex> lock(m);
    for (;;) {
      space.wait(lock, [&] { return stop || next >= n || may_claim(); });
      if (stop || next >= n) return;
      const std::size_t i = next++;
      lock.unlock();
      work(i);
      lock.lock();
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  auto finish = [&] {
    {
      std::lock_guard<std::mutex> lock(m);
      stop = true;
    }
    space.notify_all();
    for (auto& t : pool) t.join();
  };
  try {
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
    for (std::size_t c = 0; c < n; ++c) {
      std::optional<T> v;
      std::exception_ptr e;
      {
        std::unique_lock<std::mutex> lock(m);
        while (!slots[c].done) {
          if (may_claim()) {  // the calling thread works too while its next item is not ready
            const std::size_t i = next++;
            lock.unlock();
            work(i);
            lock.lock();
          } else {
            ready.wait(lock);
          }
        }
        v = std::move(slots[c].value);
        e = slots[c].error;
        slots[c].value.reset();
        consumed = c + 1;
      }
      space.notify_all();
      if (e) std::rethrow_exception(e);
      consume(c, std::move(*v));
    }
  } catch (...) {
    finish();
    throw;
  }
  finish();
}

}  // namespace rulelab
