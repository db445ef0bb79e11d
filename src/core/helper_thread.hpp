// A second thread for passes too short for an OpenMP team.
//
// A full-batch pass over a small data set takes 0.1-1 ms. An OpenMP parallel
// region ends in a barrier that waits for every thread of the team, also a
// thread the scheduler has not run yet; on this project's 2-core machines,
// with another process busy on the other core, that made a Newton fit of
// 372k non-zeros 5-6x slower with libgomp's spinning waits, and about 10%
// slower with its sleeping ones, than on one thread (docs/benchmarks.md).
//
// HelperThread shares the parts of a pass between the calling thread and one
// helper, which claim parts one at a time from a shared counter. The caller
// runs every part that the helper has not claimed, and waits only for a part
// the helper is working on: when the helper is slow to wake, or not running at
// all, the pass costs about what it costs on one thread.
//
// The caller claims parts from the first on, the helper from the last back,
// so with two parts and both threads running, part 0 runs on the caller and
// part 1 on the helper in every run: a part's data (an SGD shard's weights)
// then stays in one core's cache from run to run.
//
// Results do not depend on which thread runs which part, as long as each part
// writes only its own outputs and the caller combines them in part order.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <pthread.h>
#include <sched.h>

namespace logreg::core {

class HelperThread {
 public:
  /// Starts the helper thread (it sleeps until the first run()). Throws
  /// std::system_error when no thread can be made.
  HelperThread();
  /// Stops and joins the helper.
  ~HelperThread();
  HelperThread(const HelperThread&) = delete;
  HelperThread& operator=(const HelperThread&) = delete;
  HelperThread(HelperThread&&) = delete;
  HelperThread& operator=(HelperThread&&) = delete;

  /// The most parts one run() takes.
  static constexpr std::size_t kMaxParts = 0xffff;

  /// Calls part(p) exactly once for every p in [0, parts), on this thread or
  /// on the helper, and returns when all calls have returned. `part` must not
  /// throw. At most kMaxParts parts; one run() at a time.
  template <typename Part>
  void run(std::size_t parts, const Part& part) {
    run_erased(parts, &part, [](const void* job, std::size_t p) { (*static_cast<const Part*>(job))(p); });
  }

 private:
  using Call = void (*)(const void* job, std::size_t part);
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  void run_erased(std::size_t parts, const void* job, Call call);
  /// The first unclaimed part of run `epoch` (the last one `from_end`), or
  /// kNone when there is none.
  std::size_t claim(std::uint32_t epoch, bool from_end);
  void serve();

  // The claim counter of the current run: epoch (bits 32-63) and the
  // unclaimed parts [next, end) as end (bits 16-31) and next (0-15), in one
  // word, so that a claim made for an earlier run can never succeed in a
  // later one.
  std::atomic<std::uint64_t> ticket_{0};
  // The epoch of the run to serve; the helper sleeps on it.
  std::atomic<std::uint32_t> wake_{0};
  // Parts of the current run that the helper has finished.
  std::atomic<std::uint32_t> helper_done_{0};
  std::atomic<bool> stop_{false};
  // The job of the current run: written before `ticket_` publishes the run,
  // read by the helper only after it has claimed a part of it.
  const void* job_ = nullptr;
  Call call_ = nullptr;
  std::uint32_t epoch_ = 0;  // the caller's count of runs
  // The process's CPUs, which the helper takes back once it runs when it
  // was started away from its creator's CPU (`placed_`).
  cpu_set_t process_cpus_;
  bool placed_ = false;
  pthread_t thread_;
};

}  // namespace logreg::core
