// Metrics against independent brute-force computations.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "core/rng.hpp"
#include "logreg/loss.hpp"
#include "logreg/metrics.hpp"

namespace logreg {
namespace {

// O(n^2) pair counting: P(score_pos > score_neg) + 1/2 P(tie).
double brute_force_auc(const std::vector<double>& y, const std::vector<double>& s) {
  double wins = 0.0;
  double pairs = 0.0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    for (std::size_t j = 0; j < y.size(); ++j) {
      if (y[i] > 0.5 && y[j] < 0.5) {
        pairs += 1;
        wins += s[i] > s[j] ? 1.0 : (s[i] == s[j] ? 0.5 : 0.0);
      }
    }
  }
  return wins / pairs;
}

TEST(RocAuc, MatchesPairCountingWithManyTies) {
  core::Rng rng(42);
  for (int trial = 0; trial < 50; ++trial) {
    const std::size_t n = 2 + rng.below(200);
    std::vector<double> y(n);
    std::vector<double> s(n);
    for (std::size_t i = 0; i < n; ++i) {
      y[i] = rng.uniform() < 0.4 ? 1.0 : 0.0;
      s[i] = static_cast<double>(rng.below(7)) - 3.0;  // heavy ties
    }
    y[0] = 1.0;
    y[1] = 0.0;
    const auto auc = roc_auc(y, s);
    ASSERT_TRUE(auc.has_value());
    EXPECT_NEAR(*auc, brute_force_auc(y, s), 1e-12);
  }
}

TEST(RocAuc, PerfectReversedAndAllTied) {
  EXPECT_DOUBLE_EQ(*roc_auc(std::vector<double>{0, 0, 1, 1}, std::vector<double>{1, 2, 3, 4}), 1.0);
  EXPECT_DOUBLE_EQ(*roc_auc(std::vector<double>{1, 1, 0, 0}, std::vector<double>{1, 2, 3, 4}), 0.0);
  EXPECT_DOUBLE_EQ(*roc_auc(std::vector<double>{1, 0, 1, 0}, std::vector<double>{5, 5, 5, 5}), 0.5);
}

TEST(RocAuc, UndefinedWithOneClass) {
  EXPECT_FALSE(roc_auc(std::vector<double>{1, 1, 1}, std::vector<double>{1, 2, 3}).has_value());
  EXPECT_FALSE(roc_auc(std::vector<double>{}, std::vector<double>{}).has_value());
}

TEST(Metrics, ConfusionAndRatesByHand) {
  // z >= 0 predicts 1.
  const std::vector<double> y = {1, 1, 1, 0, 0, 0, 0, 1};
  const std::vector<double> z = {2.0, 0.0, -1.0, 0.5, -2.0, -0.1, -3.0, 4.0};
  const BinaryMetrics m = compute_metrics(y, z);
  EXPECT_EQ(m.n, 8u);
  EXPECT_EQ(m.confusion.true_positives, 3u);   // 2.0, 0.0, 4.0
  EXPECT_EQ(m.confusion.false_negatives, 1u);  // -1.0
  EXPECT_EQ(m.confusion.false_positives, 1u);  // 0.5
  EXPECT_EQ(m.confusion.true_negatives, 3u);
  EXPECT_DOUBLE_EQ(m.accuracy, 6.0 / 8.0);
  EXPECT_DOUBLE_EQ(m.precision, 3.0 / 4.0);
  EXPECT_DOUBLE_EQ(m.recall, 3.0 / 4.0);
  EXPECT_DOUBLE_EQ(m.f1, 0.75);
  double log_loss = 0.0;
  double brier = 0.0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    const double a = 1.0 / (1.0 + std::exp(-z[i]));
    log_loss += -(y[i] * std::log(a) + (1 - y[i]) * std::log(1 - a));
    brier += (a - y[i]) * (a - y[i]);
  }
  EXPECT_NEAR(m.log_loss, log_loss / 8, 1e-14);
  EXPECT_NEAR(m.brier, brier / 8, 1e-14);
  ASSERT_TRUE(m.auc.has_value());
  EXPECT_NEAR(*m.auc, brute_force_auc(y, z), 1e-15);
}

TEST(Metrics, ThresholdMovesTheCut) {
  const std::vector<double> y = {1, 0};
  const std::vector<double> z = {0.2, -0.2};  // sigmoid: 0.55, 0.45
  EXPECT_EQ(compute_metrics(y, z, 0.5).confusion.true_positives, 1u);
  EXPECT_EQ(compute_metrics(y, z, 0.6).confusion.true_positives, 0u);
  EXPECT_EQ(compute_metrics(y, z, 0.4).confusion.false_positives, 1u);
  EXPECT_EQ(threshold_margin(0.5), 0.0);
  EXPECT_NEAR(sigmoid(threshold_margin(0.3)), 0.3, 1e-15);
}

TEST(Metrics, LogLossFiniteForConfidentMistakes) {
  // log(sigmoid(-800)) would be log(0) = -inf if computed from a rounded probability.
  const BinaryMetrics m = compute_metrics(std::vector<double>{1, 0}, std::vector<double>{-800, 800});
  EXPECT_TRUE(std::isfinite(m.log_loss));
  EXPECT_DOUBLE_EQ(m.log_loss, 800.0);
  EXPECT_DOUBLE_EQ(m.brier, 1.0);
}

TEST(Metrics, NoPositivesPredictedGivesZeroPrecisionNotNaN) {
  const BinaryMetrics m = compute_metrics(std::vector<double>{1, 0}, std::vector<double>{-1, -1});
  EXPECT_EQ(m.precision, 0.0);
  EXPECT_EQ(m.recall, 0.0);
  EXPECT_EQ(m.f1, 0.0);
}

}  // namespace
}  // namespace logreg
