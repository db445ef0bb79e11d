// The full-batch solvers: agreement with each other, Hessian products,
// weights, C, warm start, L1, determinism and option checks.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <omp.h>

#include <gtest/gtest.h>

#include "core/rng.hpp"
#include "learn/solver.hpp"
#include "logreg/data_reader.hpp"
#include "logreg/model.hpp"
#include "logreg/objective.hpp"
#include "logreg/train.hpp"
#include "test_support.hpp"

namespace logreg {
namespace {

Dataset load(const std::string& set) {
  auto data = read_dataset(testing::dataset_file(set, "train.svm"));
  EXPECT_TRUE(data.ok()) << set;
  return std::move(data).value();
}

std::vector<double> theta_of(const Model& m) {
  std::vector<double> theta = m.weights;
  theta.push_back(m.bias);
  return theta;
}

Model fit(const Dataset& data, TrainOptions o) {
  auto model = train(data.view(), nullptr, o);
  EXPECT_TRUE(model.ok()) << (model.ok() ? "" : model.error().message());
  return model.ok() ? std::move(model).value() : Model{};
}

TrainOptions exact(Solver solver, double l2, Loss loss = Loss::kCrossEntropy) {
  TrainOptions o;
  o.solver = solver;
  o.loss = loss;
  o.l2 = l2;
  o.tol = 1e-10;
  o.max_iter = 200000;
  return o;
}

class Agreement : public ::testing::TestWithParam<std::tuple<const char*, Loss>> {};

TEST_P(Agreement, NewtonLbfgsAndGdReachTheSameOptimum) {
  const auto [set, loss] = GetParam();
  const Dataset data = load(set);
  // Strongly convex: cross-entropy with l2 = 1/n (C = 1); squared error with
  // an l2 large enough to dominate its non-convexity.
  const double l2 = loss == Loss::kCrossEntropy ? 1.0 / static_cast<double>(data.rows()) : 0.05;
  Objective f(data.view(), loss, l2);
  std::vector<double> values;
  for (Solver solver : {Solver::kNewton, Solver::kLbfgs, Solver::kGd}) {
    const Model m = fit(data, exact(solver, l2, loss));
    const double value = f.value(theta_of(m));
    EXPECT_NEAR(m.report.objective, value, 1e-12 * value) << solver_name(solver);
    EXPECT_NE(m.report.stop_reason, StopReason::kMaxIterations) << solver_name(solver);
    values.push_back(value);
  }
  EXPECT_NEAR(values[1], values[0], 1e-6 * values[0]) << "lbfgs vs newton on " << set;
  EXPECT_NEAR(values[2], values[0], 1e-6 * values[0]) << "gd vs newton on " << set;
}

INSTANTIATE_TEST_SUITE_P(SetsAndLosses, Agreement,
                         ::testing::Combine(::testing::Values("heart_scale", "ionosphere", "sonar"),
                                            ::testing::Values(Loss::kCrossEntropy, Loss::kSquaredError)));

TEST(Hessian, VectorProductMatchesFiniteDifferencesOfTheGradient) {
  const Dataset data = load("ionosphere");
  Objective f(data.view(), Loss::kCrossEntropy, Penalty{0.01, 0.0, true});
  core::Rng rng(3);
  const std::size_t n = f.dimension();
  std::vector<double> theta(n);
  std::vector<double> v(n);
  for (std::size_t j = 0; j < n; ++j) {
    theta[j] = rng.uniform() - 0.5;
    v[j] = rng.uniform() - 0.5;
  }
  f.value(theta);
  f.prepare_curvature();
  std::vector<double> hv(n);
  f.hessian_vector(v, hv);
  const double h = 1e-5;
  std::vector<double> plus(n);
  std::vector<double> minus(n);
  std::vector<double> point(n);
  for (std::size_t j = 0; j < n; ++j) point[j] = theta[j] + h * v[j];
  f.value_and_gradient(point, plus);
  for (std::size_t j = 0; j < n; ++j) point[j] = theta[j] - h * v[j];
  f.value_and_gradient(point, minus);
  double worst = 0.0;
  double scale = 0.0;
  for (std::size_t j = 0; j < n; ++j) {
    worst = std::max(worst, std::fabs((plus[j] - minus[j]) / (2 * h) - hv[j]));
    scale = std::max(scale, std::fabs(hv[j]));
  }
  EXPECT_LE(worst / scale, 1e-7);
  // The diagonal used by the preconditioner is H's diagonal.
  std::vector<double> diagonal(n);
  f.hessian_diagonal(diagonal);
  for (std::size_t j : {std::size_t{0}, std::size_t{5}, n - 1}) {
    std::vector<double> e(n, 0.0);
    e[j] = 1.0;
    f.hessian_vector(e, hv);
    EXPECT_NEAR(diagonal[j], hv[j], 1e-14 * std::fabs(hv[j]) + 1e-300) << j;
  }
}

TEST(Hessian, SquaredErrorUsesGaussNewtonCurvature) {
  const Dataset data = load("heart_scale");
  Objective f(data.view(), Loss::kSquaredError, Penalty{0.0, 0.0, false});
  core::Rng rng(9);
  const std::size_t n = f.dimension();
  std::vector<double> theta(n);
  std::vector<double> v(n);
  for (std::size_t j = 0; j < n; ++j) {
    theta[j] = 2 * rng.uniform() - 1;
    v[j] = 2 * rng.uniform() - 1;
  }
  f.value(theta);
  f.prepare_curvature();
  std::vector<double> hv(n);
  f.hessian_vector(v, hv);
  // J^T J v with J_i = 2^(1/2) s(z_i)(1 - s(z_i)) x_i: built row by row.
  std::vector<double> expected(n, 0.0);
  for (std::size_t i = 0; i < data.rows(); ++i) {
    double z = theta[n - 1];
    double xv = v[n - 1];
    for (auto k = data.row_offsets[i]; k < data.row_offsets[i + 1]; ++k) {
      z += theta[data.indices[k]] * data.values[k];
      xv += v[data.indices[k]] * data.values[k];
    }
    const double p = sigmoid(z) * sigmoid(-z);
    const double coefficient = 2 * p * p * xv / static_cast<double>(data.rows());
    for (auto k = data.row_offsets[i]; k < data.row_offsets[i + 1]; ++k) {
      expected[data.indices[k]] += coefficient * data.values[k];
    }
    expected[n - 1] += coefficient;
  }
  for (std::size_t j = 0; j < n; ++j) EXPECT_NEAR(hv[j], expected[j], 1e-12 * (1 + std::fabs(expected[j]))) << j;
}

TEST(Solvers, AllFiniteFindsEveryNonFiniteValueAnywhere) {
  // learn::all_finite tests exponent bits, not std::isfinite: it must agree
  // with it on the edge values, wherever in a vector the bad one sits.
  const double edges[] = {0.0, -0.0, 1.0, -2.5, std::numeric_limits<double>::max(),
                          -std::numeric_limits<double>::max(), std::numeric_limits<double>::min(),
                          std::numeric_limits<double>::denorm_min(), -std::numeric_limits<double>::denorm_min(),
                          std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                          std::numeric_limits<double>::quiet_NaN(), -std::numeric_limits<double>::quiet_NaN(),
                          std::numeric_limits<double>::signaling_NaN()};
  EXPECT_TRUE(learn::all_finite({}));
  for (const double edge : edges) {
    for (const std::size_t size : {1, 2, 3, 17, 1000}) {
      for (const std::size_t at : {std::size_t{0}, size / 2, size - 1}) {
        std::vector<double> v(size, 0.5);
        v[at] = edge;
        EXPECT_EQ(learn::all_finite(v), std::isfinite(edge)) << edge << " at " << at << " of " << size;
      }
    }
  }
}

TEST(Solvers, CIsLiblinearsParameter) {
  const Dataset data = load("heart_scale");
  TrainOptions by_c = exact(Solver::kNewton, 0.0);
  by_c.C = 2.0;
  const Model a = fit(data, by_c);
  const Model b = fit(data, exact(Solver::kNewton, 1.0 / (2.0 * static_cast<double>(data.rows()))));
  EXPECT_EQ(a.weights, b.weights);
  EXPECT_EQ(a.bias, b.bias);
  EXPECT_DOUBLE_EQ(a.options.l2, 1.0 / (2.0 * static_cast<double>(data.rows())));
  // With l1_ratio the same lambda goes to the l1 term.
  TrainOptions l1 = by_c;
  l1.solver = Solver::kLbfgs;
  l1.l1_ratio = 1.0;
  const Model c = fit(data, l1);
  EXPECT_EQ(c.options.l2, 0.0);
  EXPECT_DOUBLE_EQ(c.options.l1, 1.0 / (2.0 * static_cast<double>(data.rows())));
}

TEST(Solvers, ExampleWeightOfTwoEqualsADuplicatedRow) {
  const Dataset data = load("heart_scale");
  Dataset weighted = data;
  weighted.weights.assign(data.rows(), 1.0);
  weighted.weights[3] = 2.0;
  Dataset duplicated = data;
  const auto begin = static_cast<std::size_t>(data.row_offsets[3]);
  const auto count = static_cast<std::size_t>(data.row_offsets[4]) - begin;
  duplicated.add_row(std::span(data.indices).subspan(begin, count), std::span(data.values).subspan(begin, count),
                     data.labels[3]);
  const Model a = fit(weighted, exact(Solver::kNewton, 0.01));
  const Model b = fit(duplicated, exact(Solver::kNewton, 0.01));
  for (std::size_t j = 0; j < a.weights.size(); ++j) EXPECT_NEAR(a.weights[j], b.weights[j], 1e-8) << j;
  EXPECT_NEAR(a.bias, b.bias, 1e-8);
}

TEST(Solvers, BalancedClassWeightsAreNOverTwoCounts) {
  const Dataset data = load("heart_scale");
  std::size_t positives = 0;
  for (double y : data.labels) positives += y > 0.5;
  const double n = static_cast<double>(data.rows());
  Dataset manual = data;
  for (double y : data.labels) {
    manual.weights.push_back(y > 0.5 ? n / (2.0 * static_cast<double>(positives))
                                     : n / (2.0 * static_cast<double>(data.rows() - positives)));
  }
  TrainOptions balanced = exact(Solver::kNewton, 0.01);
  balanced.class_weights.mode = ClassWeights::Mode::kBalanced;
  const Model a = fit(data, balanced);
  const Model b = fit(manual, exact(Solver::kNewton, 0.01));
  for (std::size_t j = 0; j < a.weights.size(); ++j) EXPECT_NEAR(a.weights[j], b.weights[j], 1e-9) << j;
  // Given weights W0,W1 move the bias towards the heavier class.
  TrainOptions heavy = exact(Solver::kNewton, 0.01);
  heavy.class_weights = {ClassWeights::Mode::kGiven, 1.0, 5.0};
  EXPECT_GT(fit(data, heavy).bias, fit(data, exact(Solver::kNewton, 0.01)).bias);
}

TEST(Solvers, WarmStartFromTheOptimumStopsAtOnce) {
  const Dataset data = load("sonar");
  TrainOptions o = exact(Solver::kLbfgs, 0.01);
  o.tol = 1e-6;
  const Model first = fit(data, o);
  auto again = train(data.view(), nullptr, o, {}, &first);
  ASSERT_TRUE(again.ok());
  EXPECT_LE(again.value().report.iterations, 1u);
  EXPECT_NEAR(again.value().report.objective, first.report.objective, 1e-12);
  // And a warm start is used: from a far point it takes longer.
  Model far = first;
  for (double& w : far.weights) w = 5.0;
  auto slow = train(data.view(), nullptr, o, {}, &far);
  ASSERT_TRUE(slow.ok());
  EXPECT_GT(slow.value().report.iterations, again.value().report.iterations);
}

// newton and gd take the value, the gradient and the tolerance's reference
// ||pseudo-gradient at 0|| from one pass on a cold start, and from two on a
// warm one: the same numbers either way, and the start point's margins cached.
TEST(Solvers, StartPointGivesTheReferenceNormOfZeroFromOnePass) {
  const Dataset data = load("sonar");
  for (const double l1 : {0.0, 0.01}) {
    Objective f(data.view(), Loss::kCrossEntropy, Penalty{0.01, l1, false});
    const std::size_t n = f.dimension();
    const double reference = learn::reference_gradient_norm(f);
    ASSERT_GT(reference, 0.0);
    std::vector<double> start(n, 0.0);
    for (int warm = 0; warm < 2; ++warm) {
      SCOPED_TRACE(warm ? "warm" : "cold");
      if (warm) start.assign(n, 0.125);
      std::vector<double> expected_gradient(n);
      const double expected_value = f.value_and_gradient(start, expected_gradient);
      std::vector<double> gradient(n);
      double reference_norm = -1.0;
      const double value = learn::start_value_and_gradient(f, start, gradient, reference_norm);
      EXPECT_EQ(value, expected_value);
      EXPECT_EQ(gradient, expected_gradient);
      EXPECT_EQ(reference_norm, reference);
      // The cached margins are the start point's: the loss from them is f there.
      EXPECT_EQ(f.cached_loss() + f.penalty_value(start), value);
    }
  }
}

TEST(Solvers, PenalizedBiasIsPenalized) {
  const Dataset data = load("heart_scale");
  TrainOptions o = exact(Solver::kNewton, 0.05);
  const Model free_bias = fit(data, o);
  o.penalize_bias = true;
  const Model penalized = fit(data, o);
  EXPECT_LT(std::fabs(penalized.bias), std::fabs(free_bias.bias));
  Objective f(data.view(), Loss::kCrossEntropy, Penalty{0.05, 0.0, true});
  EXPECT_NEAR(penalized.report.objective, f.value(theta_of(penalized)), 1e-13);
}

TEST(L1, OwlqnAndProximalGradientAgreeAndAreSparse) {
  const Dataset data = load("sonar");
  const double l1 = 0.01;
  TrainOptions o = exact(Solver::kLbfgs, 0.0);
  o.l1 = l1;
  const Model owlqn = fit(data, o);
  o.solver = Solver::kGd;
  const Model proximal = fit(data, o);
  Objective f(data.view(), Loss::kCrossEntropy, Penalty{0.0, l1, false});
  const double a = f.value(theta_of(owlqn));
  const double b = f.value(theta_of(proximal));
  EXPECT_NEAR(a, b, 1e-6 * a);
  std::size_t zeros_a = 0;
  std::size_t zeros_b = 0;
  for (double w : owlqn.weights) zeros_a += w == 0.0;
  for (double w : proximal.weights) zeros_b += w == 0.0;
  EXPECT_GT(zeros_a, data.num_features / 4);
  EXPECT_EQ(zeros_a, zeros_b);
  // Optimality: |grad_j| <= l1 where w_j = 0.
  std::vector<double> g(f.dimension());
  f.value_and_gradient(theta_of(owlqn), g);
  for (std::size_t j = 0; j < owlqn.weights.size(); ++j) {
    if (owlqn.weights[j] == 0.0) {
      EXPECT_LE(std::fabs(g[j]), l1 * (1 + 1e-6)) << j;
    }
  }
}

TEST(L1, SgdWithCumulativePenaltyGivesExactZerosNearTheOptimum) {
  const Dataset data = load("sonar");
  TrainOptions o;
  o.adaptive = Adaptive::kOff;  // the cumulative-penalty path
  o.average = false;
  o.standardize = Standardize::kOff;
  o.l1 = 0.01;
  o.l2 = 1e-4;
  o.schedule = Schedule::kOptimal;
  o.epochs = 200;
  o.tol = 0.0;
  const Model sgd = fit(data, o);
  TrainOptions e = exact(Solver::kLbfgs, 1e-4);
  e.l1 = 0.01;
  const Model best = fit(data, e);
  std::size_t zeros = 0;
  for (double w : sgd.weights) zeros += w == 0.0;
  EXPECT_GT(zeros, data.num_features / 4);
  EXPECT_LE(sgd.report.objective, best.report.objective * 1.02);
}

TEST(Solvers, DeterministicAndReportsWhyTheyStopped) {
  const Dataset data = load("ionosphere");
  for (Solver solver : {Solver::kNewton, Solver::kLbfgs, Solver::kGd}) {
    TrainOptions o = exact(solver, 0.01);
    o.tol = 1e-3;
    const Model a = fit(data, o);
    const Model b = fit(data, o);
    EXPECT_EQ(std::memcmp(a.weights.data(), b.weights.data(), a.weights.size() * sizeof(double)), 0);
    EXPECT_EQ(a.report.stop_reason, StopReason::kGradientTolerance) << solver_name(solver);
    EXPECT_TRUE(a.report.gradient_norm.has_value());
    o.tol = 1e-14;
    o.max_iter = 2;
    const Model capped = fit(data, o);
    EXPECT_EQ(capped.report.stop_reason, StopReason::kMaxIterations) << solver_name(solver);
    EXPECT_EQ(capped.report.iterations, 2u);
  }
}

TEST(Solvers, ProgressOncePerIterationWithGradientNorm) {
  const Dataset data = load("heart_scale");
  std::size_t calls = 0;
  TrainOptions o = exact(Solver::kNewton, 0.01);
  o.tol = 1e-8;
  auto model = train(data.view(), nullptr, o, [&](const Progress& p) {
    ++calls;
    EXPECT_EQ(p.iteration, calls);
    EXPECT_TRUE(p.gradient_norm.has_value());
  });
  ASSERT_TRUE(model.ok());
  EXPECT_EQ(calls, model.value().report.iterations);
}

TEST(Solvers, RejectsCombinationsTheyCannotSolve) {
  const Dataset data = load("heart_scale");
  TrainOptions o = exact(Solver::kNewton, 0.0);
  o.l1 = 0.1;
  auto model = train(data.view(), nullptr, o);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.error().message().find("--solver newton"), std::string::npos);
  o = exact(Solver::kLbfgs, 0.0);
  o.C = -1;
  EXPECT_FALSE(train(data.view(), nullptr, o).ok());
  o = exact(Solver::kLbfgs, 0.0);
  o.l1_ratio = 1.5;
  EXPECT_FALSE(train(data.view(), nullptr, o).ok());
}

/// `rows` random rows over `width` features, about one in 8.5 non-zero,
/// values in [shift, 1 + shift), 40% positive labels.
Dataset random_rows(std::uint64_t seed, std::size_t rows, FeatureIndex width, double shift) {
  core::Rng rng(seed);
  Dataset data;
  for (std::size_t i = 0; i < rows; ++i) {
    std::vector<FeatureIndex> idx;
    std::vector<double> val;
    for (FeatureIndex j = 0; j < width; j += static_cast<FeatureIndex>(1 + rng.below(16))) {
      idx.push_back(j);
      val.push_back(rng.uniform() + shift);
    }
    data.add_row(idx, val, rng.uniform() < 0.4 ? 1.0 : 0.0);
  }
  return data;
}

/// The same weights, bias, objective and iteration count, to the bit.
void expect_same_bits(const Model& a, const Model& b, const std::string& what) {
  ASSERT_EQ(a.weights.size(), b.weights.size()) << what;
  EXPECT_EQ(std::memcmp(a.weights.data(), b.weights.data(), a.weights.size() * sizeof(double)), 0) << what;
  EXPECT_EQ(std::memcmp(&a.bias, &b.bias, sizeof(double)), 0) << what;
  EXPECT_EQ(std::memcmp(&a.report.objective, &b.report.objective, sizeof(double)), 0) << what;
  EXPECT_EQ(a.report.iterations, b.report.iterations) << what;
}

Model fit_on_threads(const Dataset& data, const TrainOptions& o, int threads) {
  omp_set_num_threads(threads);
  return fit(data, o);
}

TEST(Threads, FullBatchModelsAreBitIdenticalForAnyThreadCount) {
  // Enough rows for 16 partitions, and over 2^20 non-zeros so the passes
  // really run on several threads.
  const Dataset data = random_rows(17, 50000, 300, 0.0);
  ASSERT_GT(data.nonzeros(), std::size_t{1} << 20);
  for (Solver solver : {Solver::kNewton, Solver::kLbfgs, Solver::kGd}) {
    TrainOptions o = exact(solver, 1e-4);
    o.tol = 1e-4;
    o.max_iter = 30;
    const Model one = fit_on_threads(data, o, 1);
    expect_same_bits(one, fit_on_threads(data, o, 2), std::string(solver_name(solver)) + ", 2 threads");
    expect_same_bits(one, fit_on_threads(data, o, 3), std::string(solver_name(solver)) + ", 3 threads");
  }
  omp_set_num_threads(omp_get_num_procs());
}

TEST(Threads, SmallSetsGiveTheSameBitsWithTheHelperThread) {
  // Under OpenMP's threshold of 2^20 non-zeros, but over the helper's 2^16:
  // with 2 threads the passes are shared between the caller and a helper
  // thread (core/helper_thread.hpp), in 4 partitions.
  const Dataset data = random_rows(23, 3000, 400, -0.3);
  ASSERT_GT(data.nonzeros(), std::size_t{1} << 16);
  ASSERT_LT(data.nonzeros(), std::size_t{1} << 20);
  omp_set_num_threads(2);
  EXPECT_TRUE(Objective(data.view(), Loss::kCrossEntropy, 1e-3).uses_helper_thread());
  omp_set_num_threads(1);
  EXPECT_FALSE(Objective(data.view(), Loss::kCrossEntropy, 1e-3).uses_helper_thread());
  for (Solver solver : {Solver::kNewton, Solver::kLbfgs, Solver::kGd}) {
    for (Loss loss : {Loss::kCrossEntropy, Loss::kSquaredError}) {
      TrainOptions o = exact(solver, 1e-3);
      o.loss = loss;
      o.tol = 1e-6;
      o.max_iter = 40;
      expect_same_bits(fit_on_threads(data, o, 1), fit_on_threads(data, o, 2), std::string(solver_name(solver)) + ", " + std::string(loss_name(loss)));
    }
  }
  omp_set_num_threads(omp_get_num_procs());
}

TEST(Hessian, FormedOnlyForFewParametersAndShortRows) {
  // 24 features, about 3 non-zeros a row: formed. 400 features: not.
  EXPECT_TRUE(Objective(random_rows(5, 2000, 24, 0.0).view(), Loss::kCrossEntropy, 1e-3).forms_hessian());
  EXPECT_FALSE(Objective(random_rows(5, 2000, 400, 0.0).view(), Loss::kCrossEntropy, 1e-3).forms_hessian());
  // Dense rows of 13 (heart_scale): each costs more to add to H than two
  // products take.
  EXPECT_FALSE(Objective(load("heart_scale").view(), Loss::kCrossEntropy, 1e-3).forms_hessian());
}

TEST(Hessian, FormedMatrixGivesTheProductsAndDiagonalOfThePasses) {
  const Dataset data = random_rows(31, 3000, 24, -0.2);
  for (Loss loss : {Loss::kCrossEntropy, Loss::kSquaredError}) {
    for (bool penalize_bias : {false, true}) {
      Objective formed(data.view(), loss, Penalty{1e-3, 0.0, penalize_bias});
      Objective passes(data.view(), loss, Penalty{1e-3, 0.0, penalize_bias});
      ASSERT_TRUE(formed.forms_hessian());
      passes.set_forms_hessian(false);
      core::Rng rng(4);
      const std::size_t n = formed.dimension();
      std::vector<double> theta(n);
      std::vector<double> v(n);
      for (std::size_t j = 0; j < n; ++j) {
        theta[j] = 2 * rng.uniform() - 1;
        v[j] = 2 * rng.uniform() - 1;
      }
      for (Objective* f : {&formed, &passes}) {
        f->value(theta);
        f->prepare_curvature();
      }
      std::vector<double> a(n);
      std::vector<double> b(n);
      formed.hessian_vector(v, a);
      passes.hessian_vector(v, b);
      double scale = 0.0;
      for (double x : b) scale = std::max(scale, std::fabs(x));
      for (std::size_t j = 0; j < n; ++j) EXPECT_NEAR(a[j], b[j], 1e-13 * scale) << j;
      formed.hessian_diagonal(a);
      passes.hessian_diagonal(b);
      for (std::size_t j = 0; j < n; ++j) EXPECT_NEAR(a[j], b[j], 1e-13 * std::fabs(b[j])) << j;
      // Switched off, the products are the passes' again, to the bit.
      formed.set_forms_hessian(false);
      formed.prepare_curvature();
      formed.hessian_vector(v, a);
      passes.hessian_vector(v, b);
      EXPECT_EQ(std::memcmp(a.data(), b.data(), n * sizeof(double)), 0);
    }
  }
}

TEST(Hessian, NewtonWithTheFormedMatrixReachesTheOptimum) {
  const Dataset data = random_rows(37, 5000, 24, -0.3);
  for (Loss loss : {Loss::kCrossEntropy, Loss::kSquaredError}) {
    const double l2 = loss == Loss::kCrossEntropy ? 1.0 / static_cast<double>(data.rows()) : 0.05;
    Objective f(data.view(), loss, l2);
    ASSERT_TRUE(f.forms_hessian());
    // (At 1e-10, exact()'s tolerance, the last steps are at rounding level;
    // squared error's Gauss-Newton steps get there from about 2e-8, with or
    // without the matrix.)
    TrainOptions o = exact(Solver::kNewton, l2, loss);
    o.tol = loss == Loss::kCrossEntropy ? 1e-8 : 1e-7;
    const Model newton = fit(data, o);
    const Model lbfgs = fit(data, exact(Solver::kLbfgs, l2, loss));
    EXPECT_EQ(newton.report.stop_reason, StopReason::kGradientTolerance) << loss_name(loss);
    // The gradient there, from passes over the data rather than the matrix.
    std::vector<double> at_zero(f.dimension());
    std::vector<double> at_newton(f.dimension());
    f.value_and_gradient(std::vector<double>(f.dimension(), 0.0), at_zero);
    const double value = f.value_and_gradient(theta_of(newton), at_newton);
    EXPECT_LE(learn::norm2(at_newton), *o.tol * learn::norm2(at_zero)) << loss_name(loss);
    EXPECT_NEAR(f.value(theta_of(lbfgs)), value, 1e-12 * value) << loss_name(loss);
  }
}

TEST(Threads, FormedHessianGivesTheSameBitsForAnyThreadCount) {
  // Short rows over 24 features: newton forms H. Once on the helper thread
  // (under 2^20 non-zeros) and once on OpenMP's threads (over it).
  for (std::size_t rows : {std::size_t{20000}, std::size_t{400000}}) {
    const Dataset data = random_rows(41, rows, 24, 0.1);
    ASSERT_TRUE(Objective(data.view(), Loss::kCrossEntropy, 1e-3).forms_hessian());
    for (Loss loss : {Loss::kCrossEntropy, Loss::kSquaredError}) {
      TrainOptions o = exact(Solver::kNewton, 1e-3);
      o.loss = loss;
      o.tol = 1e-8;
      const Model one = fit_on_threads(data, o, 1);
      const std::string what = std::to_string(data.nonzeros()) + " non-zeros, " + std::string(loss_name(loss));
      expect_same_bits(one, fit_on_threads(data, o, 2), what + ", 2 threads");
      expect_same_bits(one, fit_on_threads(data, o, 3), what + ", 3 threads");
    }
  }
  omp_set_num_threads(omp_get_num_procs());
}

}  // namespace
}  // namespace logreg
