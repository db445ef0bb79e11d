// Memory on transparent huge pages, where the kernel offers them. Two uses:
//  - arrays filled once and read in order (the dataset, the objective's
//    per-row arrays): on this project's virtual machines a page fault per
//    4 KiB costs about 10 us, against about 0.2 ms for a 2 MiB page
//    (reserve_on_huge_pages);
//  - arrays read at random (per-feature weights and state on wide data): a
//    4 KiB page per access costs a TLB miss and a page walk per non-zero;
//    2 MiB pages make the same array a few hundred TLB entries
//    (HugePageAllocator).
// All of it is hints: where the kernel declines, the pages are 4 KiB and
// the data is the same.
#pragma once

#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <new>
#include <vector>

namespace logreg::core {

/// Asks the kernel to back a large, freshly reserved and still untouched
/// buffer with transparent huge pages (the whole 4 KiB pages inside it).
/// Filling hundreds of megabytes of 4 KiB pages costs one page fault each,
/// which can take as long as parsing the text that fills them. Only a hint:
/// errors are ignored.
inline void prefer_huge_pages(const void* data, std::size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr std::uintptr_t kPage = 4096;
  constexpr std::size_t kWorthIt = std::size_t{2} << 20;
  if (bytes < kWorthIt) return;
  const auto first = (reinterpret_cast<std::uintptr_t>(data) + kPage - 1) & ~(kPage - 1);
  const auto last = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(kPage - 1);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

/// An allocator whose blocks of 2 MiB or more are aligned to and marked for
/// huge pages before anything touches them, and whose smaller blocks start
/// and end on cache lines of their own: state that different threads write
/// row after row (the shards of parallel SGD) then never shares a line, which
/// each write would take from the other core.
template <typename T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;
  static constexpr std::size_t kCacheLine = 64;
  static_assert(alignof(T) <= kCacheLine);

  HugePageAllocator() = default;
  template <typename U>
  explicit HugePageAllocator(const HugePageAllocator<U>& /*other*/) {}

  T* allocate(std::size_t n) {
    if (n > std::numeric_limits<std::size_t>::max() / sizeof(T) - kHugePage) throw std::bad_array_new_length();
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) {
      const std::size_t lines = (bytes + kCacheLine - 1) / kCacheLine * kCacheLine;
      return static_cast<T*>(::operator new(lines, std::align_val_t{kCacheLine}));
    }
    const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* memory = std::aligned_alloc(kHugePage, rounded);
    if (memory == nullptr) throw std::bad_alloc();
    prefer_huge_pages(memory, rounded);
    return static_cast<T*>(memory);
  }
  void deallocate(T* p, std::size_t n) {
    if (n * sizeof(T) < kHugePage) {
      ::operator delete(p, std::align_val_t{kCacheLine});
    } else {
      std::free(p);
    }
  }
  template <typename U>
  bool operator==(const HugePageAllocator<U>& /*other*/) const {
    return true;
  }
};

template <typename T>
using HugePageVector = std::vector<T, HugePageAllocator<T>>;

/// Gives `out` room for at least `wanted` elements (a no-op when it has it),
/// backed by huge pages where the kernel allows. A fault per 4 KiB page
/// costs about 2-12 us on this project's virtual machines, against about
/// 0.1-0.3 ms for a whole 2 MiB page: the faults of a 6 MB dataset took
/// longer than parsing the file. Huge pages need whole, aligned 2 MiB
/// pieces of a mapping marked for them, which a std::vector does not get by
/// itself:
///
///  - from 2 MiB, the capacity is rounded up to whole huge pages less a
///    little, so that malloc's own mapping for the buffer (the buffer plus
///    its header, rounded up to 4 KiB) is whole huge pages long; the kernel
///    then places it on a huge-page boundary. Smaller arrays stay on 4 KiB
///    pages: a huge page for one would fill (and have the host back) up to
///    eight times the memory the array needs, and these machines hand free
///    memory back to their host in 2 MiB blocks (virtio-balloon free page
///    reporting), so a fresh huge page is often one the host must fault in
///    anew, 0.1-10 ms; with the collapse below, which waits for work queued
///    on every CPU, the per-row arrays of an 80k-row set cost 0.7-10 ms to
///    set up, against 0.1-0.3 on 4 KiB pages (2026-12-02). Newton fits on
///    the shared sets of 0.1-3 MB took 0-25 % less time with this limit
///    than with the earlier 256 KiB (docs/benchmarks.md).
///  - the whole mapping, header page included, is marked MADV_HUGEPAGE, so
///    that each first touch of a 2 MiB piece maps a huge page.
///  - malloc has already written the header, mapping the first 4 KiB page,
///    so the first piece would take 4 KiB faults: MADV_COLLAPSE (Linux 6.1+)
///    turns it into a huge page at once.
///
/// All of these are hints: where the buffer lands elsewhere (malloc's heap,
/// another allocator) or the kernel declines, the pages are 4 KiB as
/// before, and the data is the same either way. The elements are copied
/// after the hints, so that the copy itself lands on huge pages.
template <typename T>
void reserve_on_huge_pages(std::vector<T>& out, std::size_t wanted) {
  if (wanted <= out.capacity()) return;
  constexpr std::size_t kHugePage = std::size_t{2} << 20;
  constexpr std::size_t kFrom = kHugePage;
  constexpr std::size_t kHeaderRoom = 1024;  // malloc's header (16 bytes with glibc), and then some
  std::size_t capacity = wanted;
  if (wanted >= kFrom / sizeof(T) && wanted < std::numeric_limits<std::size_t>::max() / sizeof(T) / 2) {
    const std::size_t pieces = (wanted * sizeof(T) + kHeaderRoom + kHugePage - 1) / kHugePage;
    capacity = (pieces * kHugePage - kHeaderRoom) / sizeof(T);
  }
  std::vector<T> moved;
  moved.reserve(capacity);
#if defined(MADV_HUGEPAGE)
  const std::size_t bytes = moved.capacity() * sizeof(T);
  if (bytes >= kFrom) {
    constexpr std::uintptr_t kPage = 4096;
    const auto first = reinterpret_cast<std::uintptr_t>(moved.data()) & ~(kPage - 1);
    const auto last = (reinterpret_cast<std::uintptr_t>(moved.data()) + bytes + kPage - 1) & ~(kPage - 1);
    ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#ifdef MADV_COLLAPSE
    constexpr int kCollapse = MADV_COLLAPSE;
#else
    constexpr int kCollapse = 25;  // the value in <linux/mman.h>; older headers lack it
#endif
    // Only where the buffer's first page starts a huge page: its own mapping,
    // placed by the kernel (elsewhere the piece would hold others' memory).
    if (first % kHugePage == 0 && last - first >= kHugePage) {
      ::madvise(reinterpret_cast<void*>(first), kHugePage, kCollapse);
    }
  }
#endif
  moved.insert(moved.end(), out.begin(), out.end());
  out.swap(moved);
}

}  // namespace logreg::core
