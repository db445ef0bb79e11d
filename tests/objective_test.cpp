// The full-batch objective: value against a direct sum, gradient against
// finite differences for both losses, with and without L2 and example
// weights, at random points whose margins include |z| = 30 and 700.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "core/rng.hpp"
#include "logreg/data_reader.hpp"
#include "logreg/objective.hpp"
#include "test_support.hpp"

namespace logreg {
namespace {

// Random sparse rows plus "extreme" rows, each with a private feature, so a
// chosen weight sets that row's margin to exactly +-30 or +-700.
struct Problem {
  Dataset data;
  std::vector<double> theta;
};

const std::vector<double> kExtremeMargins = {30.0, -30.0, 700.0, -700.0};

Problem make_problem(std::uint64_t seed, bool weighted) {
  core::Rng rng(seed);
  Problem p;
  const std::size_t shared_features = 12;
  const std::size_t random_rows = 40;
  for (std::size_t i = 0; i < random_rows; ++i) {
    std::vector<FeatureIndex> idx;
    std::vector<double> val;
    for (std::size_t j = 0; j < shared_features; ++j) {
      if (rng.uniform() < 0.6) {
        idx.push_back(static_cast<FeatureIndex>(j));
        val.push_back(4 * rng.uniform() - 2);
      }
    }
    p.data.add_row(idx, val, rng.uniform() < 0.5 ? 0.0 : 1.0);
  }
  // Extreme rows: feature shared_features + k, value 1, both labels.
  FeatureIndex next = static_cast<FeatureIndex>(shared_features);
  for (std::size_t k = 0; k < kExtremeMargins.size(); ++k) {
    for (double y : {0.0, 1.0}) {
      const std::vector<FeatureIndex> idx{next};
      const std::vector<double> val{1.0};
      p.data.add_row(idx, val, y);
      ++next;
    }
  }
  p.data.num_features = next;
  if (weighted) {
    for (std::size_t i = 0; i < p.data.rows(); ++i) p.data.weights.push_back(0.25 + 2 * rng.uniform());
  }
  p.theta.resize(p.data.num_features + 1);
  for (std::size_t j = 0; j < shared_features; ++j) p.theta[j] = 2 * rng.uniform() - 1;
  const double bias = 0.3 * (2 * rng.uniform() - 1);
  p.theta.back() = bias;
  std::size_t feature = shared_features;
  for (double z : kExtremeMargins) {
    for (int twice = 0; twice < 2; ++twice) p.theta[feature++] = z - bias;
  }
  EXPECT_EQ(p.data.validate(), "");
  return p;
}

TEST(Objective, ValueIsMeanWeightedLossPlusPenalty) {
  for (bool weighted : {false, true}) {
    Problem p = make_problem(7, weighted);
    const double l2 = 0.37;
    Objective objective(p.data.view(), Loss::kCrossEntropy, l2);
    double total = 0.0;
    double weight_sum = 0.0;
    for (std::size_t i = 0; i < p.data.rows(); ++i) {
      double z = p.theta.back();
      for (auto k = p.data.row_offsets[i]; k < p.data.row_offsets[i + 1]; ++k) {
        z += p.data.values[k] * p.theta[p.data.indices[k]];
      }
      const double c = weighted ? p.data.weights[i] : 1.0;
      total += c * loss_value(Loss::kCrossEntropy, z, p.data.labels[i]);
      weight_sum += c;
    }
    double squares = 0.0;
    for (std::size_t j = 0; j + 1 < p.theta.size(); ++j) squares += p.theta[j] * p.theta[j];
    EXPECT_NEAR(objective.value(p.theta), total / weight_sum + 0.5 * l2 * squares, 1e-12 * (total / weight_sum));
  }
}

// value_at() keeps nothing, and gives value()'s bits: the same margins, the
// same per-partition sums in the same order (3,000 rows: several partitions).
TEST(Objective, ValueAtHasTheBitsOfValueAndCachesNothing) {
  core::Rng rng(19);
  Dataset data;
  data.num_features = 20;
  for (std::size_t i = 0; i < 3000; ++i) {
    std::vector<FeatureIndex> idx;
    std::vector<double> val;
    for (FeatureIndex j = 0; j < 20; ++j) {
      if (rng.uniform() < 0.3) {
        idx.push_back(j);
        val.push_back(i % 97 == 0 ? 400.0 * (rng.uniform() - 0.5) : 4.0 * rng.uniform() - 2.0);
      }
    }
    data.add_row(idx, val, rng.uniform() < 0.4 ? 1.0 : 0.0);
    data.weights.push_back(0.25 + 2.0 * rng.uniform());
  }
  ASSERT_EQ(data.validate(), "");
  std::vector<double> theta(21);
  for (double& t : theta) t = 2.0 * rng.uniform() - 1.0;
  for (const Loss loss : {Loss::kCrossEntropy, Loss::kSquaredError}) {
    for (const Penalty penalty : {Penalty{0.0, 0.0, false}, Penalty{0.3, 0.0, true}, Penalty{0.01, 0.02, false}}) {
      SCOPED_TRACE(::testing::Message() << "loss " << static_cast<int>(loss) << ", l2 " << penalty.l2);
      Objective fresh(data.view(), loss, penalty);
      const double at = fresh.value_at(theta);
      EXPECT_TRUE(fresh.margins().empty());
      EXPECT_EQ(at, fresh.value(theta));
      EXPECT_EQ(fresh.margins().size(), data.rows());
      // And after other evaluations, which it leaves as they were.
      std::vector<double> other(theta.size(), 0.125);
      const double cached = fresh.value(other);
      EXPECT_EQ(fresh.value_at(theta), at);
      EXPECT_EQ(fresh.cached_loss() + fresh.penalty_value(other), cached);
    }
  }
}

TEST(Objective, MarginsIncludeExtremes) {
  Problem p = make_problem(3, false);
  Objective objective(p.data.view(), Loss::kCrossEntropy, 0.0);
  objective.value(p.theta);
  const auto z = objective.margins();
  for (double target : kExtremeMargins) {
    bool found = false;
    for (double value : z) found = found || std::fabs(value - target) < 1e-12 * std::fabs(target);
    EXPECT_TRUE(found) << "no margin at " << target;
  }
}

struct GradientCase {
  Loss loss;
  double l2;
  bool weighted;
  bool penalize_bias;
};

class GradientCheck : public ::testing::TestWithParam<GradientCase> {};

TEST_P(GradientCheck, AgreesWithFiniteDifferencesAtRandomPoints) {
  const GradientCase c = GetParam();
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    Problem p = make_problem(seed, c.weighted);
    Objective objective(p.data.view(), c.loss, c.l2, c.penalize_bias);
    const double error = gradient_check(objective, p.theta);
    EXPECT_LE(error, 1e-7) << "seed " << seed;
    // The analytic gradient is finite everywhere.
    std::vector<double> g(objective.dimension());
    const double f = objective.value_and_gradient(p.theta, g);
    EXPECT_TRUE(std::isfinite(f));
    for (double v : g) EXPECT_TRUE(std::isfinite(v));
  }
}

INSTANTIATE_TEST_SUITE_P(
    LossesAndPenalties, GradientCheck,
    ::testing::Values(GradientCase{Loss::kCrossEntropy, 0.0, false, false},
                      GradientCase{Loss::kCrossEntropy, 0.1, false, false},
                      GradientCase{Loss::kCrossEntropy, 0.1, true, true},
                      GradientCase{Loss::kCrossEntropy, 0.0, true, false},
                      GradientCase{Loss::kSquaredError, 0.0, false, false},
                      GradientCase{Loss::kSquaredError, 0.1, false, false},
                      GradientCase{Loss::kSquaredError, 0.1, true, true},
                      GradientCase{Loss::kSquaredError, 0.0, true, false}));

TEST(Objective, NotesSquaredErrorGradientIsOffByTwo) {
  // ERRATA: eq. (13) drops the factor 2 of d(a-y)^2/da. Finite differences
  // of the value must side with our gradient and reject the note's.
  Problem p = make_problem(11, false);
  Objective objective(p.data.view(), Loss::kSquaredError, 0.0);
  std::vector<double> g(objective.dimension());
  objective.value_and_gradient(p.theta, g);
  const std::size_t j = 0;  // a shared feature with moderate margins
  std::vector<double> point = p.theta;
  const double h = 1e-5;
  point[j] = p.theta[j] + h;
  const double up = objective.value(point);
  point[j] = p.theta[j] - h;
  const double down = objective.value(point);
  const double numeric = (up - down) / (2 * h);
  // The note's formula: (a - y) a (1 - a) x_j, i.e. half of ours.
  double note = 0.0;
  for (std::size_t i = 0; i < p.data.rows(); ++i) {
    double z = p.theta.back();
    double xj = 0.0;
    for (auto k = p.data.row_offsets[i]; k < p.data.row_offsets[i + 1]; ++k) {
      z += p.data.values[k] * p.theta[p.data.indices[k]];
      if (p.data.indices[k] == j) xj = p.data.values[k];
    }
    const double a = sigmoid(z);
    note += (a - p.data.labels[i]) * a * (1 - a) * xj;
  }
  note /= static_cast<double>(p.data.rows());
  ASSERT_GT(std::fabs(numeric), 1e-6);
  EXPECT_NEAR(g[j], numeric, 1e-7 * std::fabs(numeric));
  EXPECT_NEAR(note * 2, numeric, 1e-7 * std::fabs(numeric));
  EXPECT_GT(std::fabs(note - numeric), 0.4 * std::fabs(numeric));
}

TEST(Objective, GradientOnRealDataBothLosses) {
  const std::string path = testing::dataset_file("heart_scale", "train.svm");
  ASSERT_FALSE(path.empty()) << "data/heart_scale is part of the repository";
  auto data = read_dataset(path);
  ASSERT_TRUE(data.ok()) << data.error().message();
  core::Rng rng(5);
  for (Loss loss : {Loss::kCrossEntropy, Loss::kSquaredError}) {
    for (double l2 : {0.0, 0.01}) {
      Objective objective(data.value().view(), loss, l2);
      std::vector<double> theta(objective.dimension());
      for (double scale : {0.1, 1.0, 10.0}) {
        for (double& t : theta) t = scale * (2 * rng.uniform() - 1);
        EXPECT_LE(gradient_check(objective, theta), 1e-7) << loss_name(loss) << " l2=" << l2 << " scale=" << scale;
      }
    }
  }
}

}  // namespace
}  // namespace logreg
