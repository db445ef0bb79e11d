// The hand-written inner loops over one sparse row. Kept tiny and inline so
// the compiler can vectorise the value stream; the weight accesses are
// gathers and bound the speed on sparse data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "logreg/dataset.hpp"

namespace logreg::core {

/// Asks for the cache line holding `address` ahead of its use.
///
/// Not __builtin_prefetch: GCC 12 counts it as free of side effects, so a
/// function that does nothing but prefetch is found "pure", and calls to a
/// pure function whose result goes unused are deleted. That removed every
/// prefetch of the SGD loops (RowStager::prefetch and prefetch_next) without
/// a warning. A volatile asm statement is never removed.
inline void prefetch_line(const void* address) {
#if defined(__x86_64__) || defined(__i386__)
  asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(address)));
#else
  __builtin_prefetch(address);
#endif
}

/// sum_k values[k] * weight(indices[k]) over one row, for weights kept in
/// any layout (a plain array, or a field of per-feature records).
template <typename WeightOf>
inline double sparse_dot_by(const FeatureIndex* indices, const double* values, std::size_t count,
                            const WeightOf& weight) {
  // Two accumulators break the add dependency chain; the order is fixed, so
  // the result is the same on every run. In a row of two or more the sums
  // start from the first pair's products, not from 0: adding them to 0 put
  // one more add on the chain of dependent SGD updates (3-6% of a plain
  // epoch of the short-row sets), and changed only the sign of a sum of
  // zeros (0 + -0 is +0).
  double even = 0.0;
  double odd = 0.0;
  std::size_t k = 0;
  if (count >= 2) {
    even = values[0] * weight(indices[0]);
    odd = values[1] * weight(indices[1]);
    k = 2;
  }
  for (; k + 1 < count; k += 2) {
    even += values[k] * weight(indices[k]);
    odd += values[k + 1] * weight(indices[k + 1]);
  }
  if (k < count) even += values[k] * weight(indices[k]);
  return even + odd;
}

#if defined(__SSE2__)
namespace detail {
/// Two consecutive indices of a row from one 8-byte load.
inline void index_pair(const FeatureIndex* indices, std::size_t k, std::size_t& first, std::size_t& second) {
  std::uint64_t pair;
  std::memcpy(&pair, indices + k, sizeof pair);
  first = static_cast<FeatureIndex>(pair);
  second = static_cast<std::size_t>(pair >> 32);
}
}  // namespace detail
#endif

/// sum_k values[k] * weights[indices[k]] over one row: sparse_dot_by()'s
/// sums, bit for bit.
inline double sparse_dot(const FeatureIndex* indices, const double* values, std::size_t count,
                         const double* weights) {
#if defined(__SSE2__)
  // The even and odd sums as the two lanes of one register: the same
  // operations on the same values, with two indices and two values per
  // load. A row's pass is bound by its loads (three per element in scalar
  // code, two here), not by the chain of adds.
  // The sums start from the first pair's products (see sparse_dot_by).
  __m128d sums = _mm_setzero_pd();
  std::size_t k = 0;
  if (count >= 2) {
    std::size_t first = 0;
    std::size_t second = 0;
    detail::index_pair(indices, 0, first, second);
    sums = _mm_mul_pd(_mm_loadu_pd(values), _mm_loadh_pd(_mm_load_sd(weights + first), weights + second));
    k = 2;
  }
  for (; k + 1 < count; k += 2) {
    std::size_t first = 0;
    std::size_t second = 0;
    detail::index_pair(indices, k, first, second);
    const __m128d w = _mm_loadh_pd(_mm_load_sd(weights + first), weights + second);
    sums = _mm_add_pd(sums, _mm_mul_pd(_mm_loadu_pd(values + k), w));
  }
  double even = _mm_cvtsd_f64(sums);
  const double odd = _mm_cvtsd_f64(_mm_unpackhi_pd(sums, sums));
  if (k < count) even += values[k] * weights[indices[k]];
  return even + odd;
#else
  return sparse_dot_by(indices, values, count, [weights](FeatureIndex j) { return weights[j]; });
#endif
}

/// weights[indices[k]] += scale * values[k] over one row, k = 0, 1, ...
inline void sparse_axpy(double scale, const FeatureIndex* indices, const double* values,
                        std::size_t count, double* weights) {
#if defined(__SSE2__)
  // Two elements per step, each the same one multiply and one add (the same
  // bits), with two indices and two values per load: the SGD update's pass
  // is bound by its loads. A row's indices are distinct (they are sorted),
  // but a pair that repeats one is done one element after the other, as
  // the scalar loop would.
  const __m128d factor = _mm_set1_pd(scale);
  std::size_t k = 0;
  for (; k + 1 < count; k += 2) {
    std::size_t first = 0;
    std::size_t second = 0;
    detail::index_pair(indices, k, first, second);
    const __m128d step = _mm_mul_pd(factor, _mm_loadu_pd(values + k));
    if (first == second) [[unlikely]] {
      weights[first] += _mm_cvtsd_f64(step);
      weights[first] += _mm_cvtsd_f64(_mm_unpackhi_pd(step, step));
      continue;
    }
    const __m128d sum = _mm_add_pd(_mm_loadh_pd(_mm_load_sd(weights + first), weights + second), step);
    _mm_store_sd(weights + first, sum);
    _mm_storeh_pd(weights + second, sum);
  }
  if (k < count) weights[indices[k]] += scale * values[k];
#else
  for (std::size_t k = 0; k < count; ++k) weights[indices[k]] += scale * values[k];
#endif
}

/// Row i of a view as raw pointers.
struct RowRef {
  const FeatureIndex* indices;
  const double* values;
  std::size_t count;
};

inline RowRef row(const DataView& data, std::size_t i) {
  const auto begin = static_cast<std::size_t>(data.row_offsets[i] - data.row_offsets[0]);
  const auto end = static_cast<std::size_t>(data.row_offsets[i + 1] - data.row_offsets[0]);
  return RowRef{data.indices.data() + begin, data.values.data() + begin, end - begin};
}

}  // namespace logreg::core
