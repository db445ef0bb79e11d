#include "core/helper_thread.hpp"

#include <chrono>
#include <system_error>

namespace logreg::core {
namespace {

// How long each side spins before it sleeps in the kernel. The helper spins
// between passes because a solver's next pass follows within microseconds
// (the vector updates of a CG step, an SGD epoch's shuffle), and waking a
// sleeping thread costs 10-60 us on a virtual machine; the caller spins
// because the part it waits for is already running. Times, not counts of
// pause instructions: a pause takes 25 cycles on one of this project's
// machines and about 140 on others, so 2048 of them were 20 us on the first,
// shorter than a shuffle of 8000 rows there.
constexpr std::chrono::microseconds kHelperSpin{100};
constexpr std::chrono::microseconds kCallerSpin{200};
constexpr int kPausesPerClockRead = 32;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/// Spins until done() or for about `budget`; done()'s last value.
template <typename Done>
bool spin_until(const Done& done, std::chrono::microseconds budget) {
  const auto deadline = std::chrono::steady_clock::now() + budget;
  for (;;) {
    for (int k = 0; k < kPausesPerClockRead; ++k) {
      if (done()) return true;
      cpu_relax();
    }
    if (std::chrono::steady_clock::now() >= deadline) return done();
  }
}

/// A run's first ticket: every part in [0, parts) unclaimed.
constexpr std::uint64_t make_ticket(std::uint32_t epoch, std::size_t parts) {
  return (static_cast<std::uint64_t>(epoch) << 32) | (static_cast<std::uint64_t>(parts) << 16);
}

}  // namespace

HelperThread::HelperThread() {
  // Where to start the helper. Linux often queues a new thread on its
  // creator's CPU, and while the creator stays busy (it goes on with the
  // pass the helper should share) the new thread does not run until the
  // scheduler moves it: measured on this project's 2-core VMs, 0.03 to 4 ms
  // after the thread was created, so that the helper took no part of a small
  // fit at all. So the helper is created allowed only on the process's other
  // CPUs, and widens its set back to the whole process's once it runs
  // (serve()), so that it is pinned nowhere.
  CPU_ZERO(&process_cpus_);
  const int here = ::sched_getcpu();
  pthread_attr_t attributes;
  if (const int failed = ::pthread_attr_init(&attributes); failed != 0) {
    throw std::system_error(failed, std::generic_category(), "pthread_attr_init");
  }
  if (::sched_getaffinity(0, sizeof process_cpus_, &process_cpus_) == 0 && here >= 0 && here < CPU_SETSIZE &&
      CPU_ISSET(here, &process_cpus_) && CPU_COUNT(&process_cpus_) > 1) {
    cpu_set_t elsewhere = process_cpus_;
    CPU_CLR(here, &elsewhere);
    placed_ = ::pthread_attr_setaffinity_np(&attributes, sizeof elsewhere, &elsewhere) == 0;
  }
  const int created = ::pthread_create(
      &thread_, &attributes,
      [](void* self) -> void* {
        static_cast<HelperThread*>(self)->serve();
        return nullptr;
      },
      this);
  ::pthread_attr_destroy(&attributes);
  if (created != 0) throw std::system_error(created, std::generic_category(), "pthread_create");
}

HelperThread::~HelperThread() {
  stop_.store(true, std::memory_order_release);
  wake_.fetch_add(1, std::memory_order_release);
  wake_.notify_one();
  ::pthread_join(thread_, nullptr);
}

std::size_t HelperThread::claim(std::uint32_t epoch, bool from_end) {
  std::uint64_t ticket = ticket_.load(std::memory_order_acquire);
  for (;;) {
    if (static_cast<std::uint32_t>(ticket >> 32) != epoch) return kNone;
    const std::size_t end = (ticket >> 16) & 0xffff;  // the unclaimed parts are [next, end)
    const std::size_t next = ticket & 0xffff;
    if (next >= end) return kNone;
    const std::uint64_t claimed = from_end ? ticket - (std::uint64_t{1} << 16) : ticket + 1;
    if (ticket_.compare_exchange_weak(ticket, claimed, std::memory_order_acq_rel, std::memory_order_acquire)) {
      return from_end ? end - 1 : next;
    }
  }
}

void HelperThread::run_erased(std::size_t parts, const void* job, Call call) {
  if (parts == 0) return;
  if (parts == 1 || parts > kMaxParts) {
    for (std::size_t p = 0; p < parts; ++p) call(job, p);
    return;
  }
  job_ = job;
  call_ = call;
  helper_done_.store(0, std::memory_order_relaxed);
  const std::uint32_t epoch = ++epoch_;
  ticket_.store(make_ticket(epoch, parts), std::memory_order_release);
  wake_.store(epoch, std::memory_order_release);
  wake_.notify_one();

  std::size_t mine = 0;
  for (std::size_t p = claim(epoch, false); p != kNone; p = claim(epoch, false)) {
    call(job, p);
    ++mine;
  }
  // Every part is claimed; wait for those the helper is still running.
  const auto helper_parts = static_cast<std::uint32_t>(parts - mine);
  std::uint32_t done = 0;
  spin_until([&] { return (done = helper_done_.load(std::memory_order_acquire)) == helper_parts; }, kCallerSpin);
  while (done != helper_parts) {
    helper_done_.wait(done, std::memory_order_acquire);
    done = helper_done_.load(std::memory_order_acquire);
  }
}

void HelperThread::serve() {
  if (placed_) ::pthread_setaffinity_np(::pthread_self(), sizeof process_cpus_, &process_cpus_);
  std::uint32_t served = 0;
  for (;;) {
    std::uint32_t epoch = served;
    spin_until([&] { return (epoch = wake_.load(std::memory_order_acquire)) != served; }, kHelperSpin);
    if (epoch == served) {
      wake_.wait(served, std::memory_order_acquire);
      continue;
    }
    served = epoch;
    if (stop_.load(std::memory_order_acquire)) return;
    for (std::size_t p = claim(epoch, true); p != kNone; p = claim(epoch, true)) {
      // The claim succeeded, so the caller is inside this run and job_ and
      // call_ are this run's (written before the ticket that was claimed).
      call_(job_, p);
      helper_done_.fetch_add(1, std::memory_order_release);
      helper_done_.notify_one();
    }
  }
}

}  // namespace logreg::core
