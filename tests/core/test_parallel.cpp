// core/parallel.hpp: work split in contiguous shares, one thread each. Callers rely on three
// properties: every item is visited exactly once, share s covers the items after share s - 1's
// (so per-share outputs joined in share order keep the items' order), and an exception is the
// lowest share's whatever the threads' timing.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/parallel.hpp"

using rulelab::parallel_shares;
using rulelab::share_count;

TEST_CASE("parallel_shares: contiguous shares in order, each item once") {
  for (std::size_t n : {0u, 1u, 7u, 1000u, 100003u}) {
    for (unsigned shares : {1u, 2u, 3u, 8u}) {
      std::vector<int> visits(n, 0);
      std::vector<std::pair<std::size_t, std::size_t>> ranges(shares);
      parallel_shares(n, shares, [&](std::size_t b, std::size_t e, unsigned s) {
        ranges[s] = {b, e};
        for (std::size_t i = b; i < e; ++i) ++visits[i];
      });
      CHECK(std::count(visits.begin(), visits.end(), 1) == static_cast<std::ptrdiff_t>(n));
      CHECK(ranges.front().first == 0);
      CHECK(ranges.back().second == n);
      for (unsigned s = 1; s < shares; ++s) CHECK(ranges[s].first == ranges[s - 1].second);
    }
  }
}

TEST_CASE("parallel_shares: the lowest share's exception is rethrown") {
  auto throwing = [](std::size_t, std::size_t, unsigned s) {
    if (s >= 1) throw std::runtime_error("share " + std::to_string(s));
  };
  CHECK_THROWS_WITH(parallel_shares(100, 4, throwing), "share 1");
  CHECK_NOTHROW(parallel_shares(100, 1, throwing));
}

TEST_CASE("share_count: one share below the minimum per share, never more than the items allow") {
  CHECK(share_count(0) == 1);
  CHECK(share_count(100, 1024) == 1);
  CHECK(share_count(1'000'000, 1024) >= 1);
  CHECK(share_count(1'000'000, 1024) <= 8);
  CHECK(share_count(3000, 1024) <= 2);
}

TEST_CASE("write_in_order: the same text as rendering the items one after another") {
  for (std::size_t n : {0u, 5u, 3000u, 20001u}) {
    std::ostringstream got;
    rulelab::write_in_order(got, n, 1000, [](std::size_t b, std::size_t e, std::string& text) {
      for (std::size_t i = b; i < e; ++i) text += std::to_string(i) + "\n";
    });
    std::string want;
    for (std::size_t i = 0; i < n; ++i) want += std::to_string(i) + "\n";
    CHECK(got.str() == want);
  }
}

TEST_CASE("write_chunks_in_order: the same text as rendering the chunks one after another, whatever finishes first") {
  for (std::size_t n : {0u, 1u, 5u, 3000u, 20001u, 100003u}) {
    for (std::size_t chunk : {1u, 7u, 1000u, 4096u}) {
      if (n / chunk > 5000) continue;  // (tens of thousands of one-item chunks add nothing)
      std::ostringstream got;
      std::vector<int> visits(n, 0);
      std::size_t calls = 0;
      std::mutex m;
      rulelab::write_chunks_in_order(got, n, chunk, 1, [&](std::size_t b, std::size_t e, std::string& text) {
        CHECK(text.empty());
        CHECK(b < e);
        CHECK(e - b <= chunk);
        std::size_t k = 0;
        {
          std::lock_guard<std::mutex> lock(m);
          k = calls++;
        }
        // Every third chunk taken finishes late: later chunks are done before it.
        if (k % 3 == 0 && n / chunk < 50) std::this_thread::sleep_for(std::chrono::milliseconds(2));
        for (std::size_t i = b; i < e; ++i) {
          ++visits[i];
          text += std::to_string(i) + "\n";
        }
      });
      std::string want;
      for (std::size_t i = 0; i < n; ++i) want += std::to_string(i) + "\n";
      CHECK(got.str() == want);
      CHECK(std::count(visits.begin(), visits.end(), 1) == static_cast<std::ptrdiff_t>(n));
    }
  }
}

TEST_CASE("write_chunks_in_order: mid-sized outputs use every core, in chunks of at most the size asked") {
  for (std::size_t n : {600u, 1500u, 5000u}) {
    std::ostringstream got;
    std::vector<std::size_t> sizes;
    std::mutex m;
    rulelab::write_chunks_in_order(got, n, 4096, 512, [&](std::size_t b, std::size_t e, std::string& text) {
      {
        std::lock_guard<std::mutex> lock(m);
        sizes.push_back(e - b);
      }
      for (std::size_t i = b; i < e; ++i) text += std::to_string(i) + ",";
    });
    CHECK(sizes.size() == rulelab::share_count(n, 512));
    std::string want;
    for (std::size_t i = 0; i < n; ++i) want += std::to_string(i) + ",";
    CHECK(got.str() == want);
  }
}

TEST_CASE("write_chunks_in_order: an exception while writing stops the threads and reaches the caller") {
  struct Failing : std::streambuf {
    int overflow(int) override { throw std::runtime_error("disk full"); }
    std::streamsize xsputn(const char*, std::streamsize) override { throw std::runtime_error("disk full"); }
  } buf;
  std::ostream out(&buf);
  out.exceptions(std::ios::badbit);
  CHECK_THROWS(rulelab::write_chunks_in_order(out, 50000, 1000, 1000, [](std::size_t b, std::size_t e, std::string& text) {
    for (std::size_t i = b; i < e; ++i) text += "x";
  }));
}

TEST_CASE("write_chunks_in_order: the first failing chunk's exception, after the chunks before it") {
  for (std::size_t fail : {0u, 3u, 40u}) {
    std::ostringstream got;
    auto render = [&](std::size_t b, std::size_t e, std::string& text) {
      if (b / 1000 >= fail) throw std::runtime_error("chunk " + std::to_string(b / 1000));
      for (std::size_t i = b; i < e; ++i) text += std::to_string(i) + "\n";
    };
    CHECK_THROWS_WITH(rulelab::write_chunks_in_order(got, 50000, 1000, 1000, render), ("chunk " + std::to_string(fail)).c_str());
    std::string want;
    for (std::size_t i = 0; i < fail * 1000; ++i) want += std::to_string(i) + "\n";
    CHECK(got.str() == want);
  }
}
