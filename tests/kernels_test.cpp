// The hand-written row kernels (core/kernels.hpp) against the plain loops
// they stand for, bit for bit: the SSE2 forms must be the same operations on
// the same values, in the same order, for every row length.
#include <cmath>
#include <cstddef>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "core/kernels.hpp"
#include "core/rng.hpp"

namespace logreg {
namespace {

struct Row {
  std::vector<FeatureIndex> indices;
  std::vector<double> values;
};

/// A row of `count` ascending indices below d, values of mixed signs and
/// magnitudes (so that the order of the sums shows in the last bits).
Row random_row(core::Rng& rng, std::size_t count, std::size_t d) {
  Row row;
  std::size_t next = 0;
  for (std::size_t k = 0; k < count; ++k) {
    next += 1 + rng.below(d / (count + 1));
    row.indices.push_back(static_cast<FeatureIndex>(next - 1));
    row.values.push_back((rng.uniform() - 0.5) * static_cast<double>(1 + rng.below(1000)));
  }
  return row;
}

std::vector<double> random_weights(core::Rng& rng, std::size_t d) {
  std::vector<double> w(d);
  for (double& x : w) x = (rng.uniform() - 0.5) * 3.0;
  return w;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

TEST(Kernels, SparseDotIsTheEvenAndOddSums) {
  core::Rng rng(3);
  const std::size_t d = 200;
  const std::vector<double> w = random_weights(rng, d);
  for (std::size_t count = 0; count <= 41; ++count) {
    for (int trial = 0; trial < 20; ++trial) {
      const Row r = random_row(rng, count, d);
      const double fast = core::sparse_dot(r.indices.data(), r.values.data(), count, w.data());
      // The even and odd sums, from the first pair's products on.
      double even = count >= 2 ? r.values[0] * w[r.indices[0]] : 0.0;
      double odd = count >= 2 ? r.values[1] * w[r.indices[1]] : 0.0;
      std::size_t k = count >= 2 ? 2 : 0;
      for (; k + 1 < count; k += 2) {
        even += r.values[k] * w[r.indices[k]];
        odd += r.values[k + 1] * w[r.indices[k + 1]];
      }
      if (k < count) even += r.values[k] * w[r.indices[k]];
      EXPECT_TRUE(same_bits(fast, even + odd)) << count << " non-zeros: " << fast << " vs " << even + odd;
      const double generic = core::sparse_dot_by(r.indices.data(), r.values.data(), count,
                                                 [&](FeatureIndex j) { return w[j]; });
      EXPECT_TRUE(same_bits(fast, generic)) << count << " non-zeros";
    }
  }
}

TEST(Kernels, SparseDotSumsStartFromTheirFirstProducts) {
  // Products of -0 (a negative value times a zero weight): sums that start
  // from the first pair's products keep the sign, a start from +0 would not.
  const std::vector<FeatureIndex> indices = {0, 1, 2, 3};
  const std::vector<double> values = {-1.0, -2.0, -3.0, -4.0};
  const std::vector<double> zeros(4, 0.0);
  for (std::size_t count = 1; count <= 4; ++count) {
    const double fast = core::sparse_dot(indices.data(), values.data(), count, zeros.data());
    const double generic =
        core::sparse_dot_by(indices.data(), values.data(), count, [&](FeatureIndex j) { return zeros[j]; });
    EXPECT_TRUE(same_bits(fast, generic)) << count << " non-zeros";
    // One product is added to 0 (+0); from two on both sums start at -0.
    EXPECT_EQ(std::signbit(fast), count >= 2) << count << " non-zeros";
  }
}

TEST(Kernels, SparseAxpyIsTheScalarLoop) {
  core::Rng rng(4);
  const std::size_t d = 200;
  for (std::size_t count = 0; count <= 41; ++count) {
    for (int trial = 0; trial < 20; ++trial) {
      const Row r = random_row(rng, count, d);
      std::vector<double> fast = random_weights(rng, d);
      std::vector<double> plain = fast;
      const double scale = (rng.uniform() - 0.5) * 0.37;
      core::sparse_axpy(scale, r.indices.data(), r.values.data(), count, fast.data());
      for (std::size_t k = 0; k < count; ++k) plain[r.indices[k]] += scale * r.values[k];
      for (std::size_t j = 0; j < d; ++j) ASSERT_TRUE(same_bits(fast[j], plain[j])) << count << " non-zeros, weight " << j;
    }
  }
}

TEST(Kernels, SparseAxpyAddsARepeatedIndexTwice) {
  // Not a valid row (indices ascend strictly), but a DataView built by hand
  // may hold one: each element is still added in turn, as the loop would.
  const std::vector<FeatureIndex> indices = {3, 3, 1, 1, 5};
  const std::vector<double> values = {0.5, 0.25, -1.0, 2.0, 4.0};
  std::vector<double> fast = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
  std::vector<double> plain = fast;
  core::sparse_axpy(0.3, indices.data(), values.data(), indices.size(), fast.data());
  for (std::size_t k = 0; k < indices.size(); ++k) plain[indices[k]] += 0.3 * values[k];
  for (std::size_t j = 0; j < fast.size(); ++j) EXPECT_TRUE(same_bits(fast[j], plain[j])) << "weight " << j;
  EXPECT_NE(fast[3], 0.4 + 0.3 * 0.25) << "the first of the pair was lost";
}

}  // namespace
}  // namespace logreg
