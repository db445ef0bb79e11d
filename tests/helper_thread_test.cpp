// core::HelperThread: every part runs exactly once per run, whoever runs it,
// and run() returns only when all of them have returned.
#include "core/helper_thread.hpp"

#include <gtest/gtest.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

namespace logreg::core {
namespace {

TEST(HelperThread, RunsEveryPartExactlyOncePerRun) {
  HelperThread helper;
  std::vector<std::atomic<int>> calls(64);
  for (int run = 0; run < 20000; ++run) {
    const std::size_t parts = 1 + static_cast<std::size_t>(run) % calls.size();
    for (auto& c : calls) c.store(0, std::memory_order_relaxed);
    helper.run(parts, [&](std::size_t p) { calls[p].fetch_add(1, std::memory_order_relaxed); });
    // run() has returned, so every call has returned: no count may still change.
    for (std::size_t p = 0; p < calls.size(); ++p) {
      ASSERT_EQ(calls[p].load(std::memory_order_relaxed), p < parts ? 1 : 0) << "run " << run << " part " << p;
    }
  }
}

TEST(HelperThread, ReturnsOnlyWhenSlowPartsHaveFinished) {
  HelperThread helper;
  for (int run = 0; run < 50; ++run) {
    std::vector<std::uint64_t> written(4, 0);
    helper.run(written.size(), [&](std::size_t p) {
      // Whichever thread takes part (run % 4) is slow to finish it.
      if (p == static_cast<std::size_t>(run) % written.size()) std::this_thread::sleep_for(std::chrono::microseconds(300));
      written[p] = 1000 + p;
    });
    for (std::size_t p = 0; p < written.size(); ++p) ASSERT_EQ(written[p], 1000 + p) << "run " << run;
  }
}

TEST(HelperThread, ResultsDoNotDependOnWhichThreadRunsAPart) {
  // Partial sums per part, combined in part order: the same bits on every
  // run, while the helper takes a different share of the parts each time.
  std::vector<double> values(100000);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = 1.0 / static_cast<double>(i + 3);
  auto total = [&](HelperThread* helper) {
    constexpr std::size_t kParts = 8;
    std::vector<double> sums(kParts, 0.0);
    auto part = [&](std::size_t p) {
      double s = 0.0;
      for (std::size_t i = values.size() * p / kParts; i < values.size() * (p + 1) / kParts; ++i) s += values[i];
      sums[p] = s;
    };
    if (helper != nullptr) {
      helper->run(kParts, part);
    } else {
      for (std::size_t p = 0; p < kParts; ++p) part(p);
    }
    double t = 0.0;
    for (double s : sums) t += s;
    return t;
  };
  const double alone = total(nullptr);
  HelperThread helper;
  for (int run = 0; run < 200; ++run) ASSERT_EQ(total(&helper), alone);
}

TEST(HelperThread, NoPartsAndOnePartRunHere) {
  HelperThread helper;
  int calls = 0;
  helper.run(0, [&](std::size_t) { ++calls; });
  EXPECT_EQ(calls, 0);
  const auto caller = std::this_thread::get_id();
  helper.run(1, [&](std::size_t p) {
    ++calls;
    EXPECT_EQ(p, 0u);
    EXPECT_EQ(std::this_thread::get_id(), caller);
  });
  EXPECT_EQ(calls, 1);
}

TEST(HelperThread, StopsWhetherItRanOrNot) {
  { HelperThread unused; }
  for (int i = 0; i < 50; ++i) {
    HelperThread helper;
    std::atomic<int> calls{0};
    helper.run(3, [&](std::size_t) { calls.fetch_add(1); });
    EXPECT_EQ(calls.load(), 3);
  }
}

TEST(HelperThread, IsPinnedNowhereOnceItRuns) {
  // The helper starts away from its creator's CPU, then takes back the
  // process's whole CPU set: a part it runs sees that set.
  cpu_set_t process_cpus;
  ASSERT_EQ(::sched_getaffinity(0, sizeof process_cpus, &process_cpus), 0);
  HelperThread helper;
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<bool> seen{false};
  cpu_set_t helper_cpus;
  CPU_ZERO(&helper_cpus);
  // Parts long enough for a helper that wakes late to take one; the bound
  // only stops the test on a machine that never runs the helper.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!seen.load() && std::chrono::steady_clock::now() < give_up) {
    helper.run(4, [&](std::size_t) {
      if (std::this_thread::get_id() != caller && !seen.load()) {
        ::sched_getaffinity(0, sizeof helper_cpus, &helper_cpus);
        seen.store(true);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    });
  }
  if (CPU_COUNT(&process_cpus) < 2 && !seen.load()) GTEST_SKIP() << "one CPU: the helper may never run a part";
  ASSERT_TRUE(seen.load()) << "the helper took no part in 30 s";
  EXPECT_TRUE(CPU_EQUAL(&helper_cpus, &process_cpus)) << "the helper's CPU set is not the process's";
}

}  // namespace
}  // namespace logreg::core
