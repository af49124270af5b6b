// Ranks of a process group as threads of one test process: each has its own store client and
// Gloo group over 127.0.0.1, exactly as separate processes would.
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <functional>
#include <thread>
#include <vector>

#include "dist/process_group.h"

namespace tessel::dist::testing {

using RankBody = std::function<void(int rank, ProcessGroup& group)>;

// Runs body on `n` ranks at once and rethrows the first rank's exception, if any.
inline void run_ranks(int n, const RankBody& body,
                      std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  auto server = std::make_shared<TcpStore>("127.0.0.1", 0, true, timeout);
  std::vector<std::exception_ptr> errors(static_cast<size_t>(n));
  std::vector<std::thread> threads;
  for (int r = 0; r < n; ++r) {
    threads.emplace_back([&, r] {
      try {
        auto store = r == 0
                         ? server
                         : std::make_shared<TcpStore>("127.0.0.1", server->port(), false, timeout);
        wait_for_all_ranks(*store, r, n, timeout);
        auto group = new_gloo_group(store, store->new_prefix("gloo"), r, n, "127.0.0.1", timeout);
        body(r, *group);
      } catch (...) {
        errors[static_cast<size_t>(r)] = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace tessel::dist::testing
