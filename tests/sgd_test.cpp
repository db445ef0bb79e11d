// SGD: the lazy sparse update equals a naive dense implementation of the
// same algorithm; determinism; full batch; example weights; early stopping;
// option checks.
#include <cmath>
#include <cstring>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/rng.hpp"
#include "logreg/data_reader.hpp"
#include "logreg/model.hpp"
#include "logreg/objective.hpp"
#include "logreg/train.hpp"
#include "test_support.hpp"

namespace logreg {
namespace {

Dataset heart(const std::string& file = "train.svm") {
  const std::string path = testing::dataset_file("heart_scale", file);
  auto data = read_dataset(path);
  EXPECT_TRUE(data.ok()) << (data.ok() ? "" : data.error().message());
  return std::move(data).value();
}

// The algorithm of docs/objective.md written the plain way: dense w, the
// penalty applied to every coordinate at every step.
std::vector<double> naive_sgd(const Dataset& data, const TrainOptions& o) {
  const std::size_t n = data.rows();
  const std::size_t d = data.num_features;
  std::vector<double> w(d, 0.0);
  double b = 0.0;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  core::Rng rng(o.seed);
  std::size_t t = 0;
  const std::size_t batch = std::min(o.batch_size, n);
  for (std::size_t epoch = 0; epoch < o.epochs; ++epoch) {
    rng.shuffle(std::span<std::size_t>(order));
    for (std::size_t first = 0; first < n; first += batch) {
      const std::size_t last = std::min(first + batch, n);
      ++t;
      const double eta = o.schedule == Schedule::kConstant ? o.learning_rate
                                                           : o.learning_rate / std::pow(static_cast<double>(t), o.power_t);
      std::vector<double> gw(d, 0.0);
      double gb = 0.0;
      for (std::size_t k = first; k < last; ++k) {
        const std::size_t i = order[k];
        double z = b;
        for (auto p = data.row_offsets[i]; p < data.row_offsets[i + 1]; ++p) z += w[data.indices[p]] * data.values[p];
        const double g = loss_derivative(o.loss, z, data.labels[i]);
        for (auto p = data.row_offsets[i]; p < data.row_offsets[i + 1]; ++p) gw[data.indices[p]] += g * data.values[p];
        gb += g;
      }
      const auto m = static_cast<double>(last - first);
      for (std::size_t j = 0; j < d; ++j) w[j] -= eta * (gw[j] / m + o.l2 * w[j]);
      b -= eta * gb / m;
    }
  }
  w.push_back(b);
  return w;
}

// The note's SGD: one step size, no standardisation (the defaults are adaptive).
TrainOptions plain() {
  TrainOptions o;
  o.adaptive = Adaptive::kOff;
  o.average = false;
  o.standardize = Standardize::kOff;
  o.schedule = Schedule::kInvScaling;
  o.learning_rate = 0.1;
  return o;
}

class LazyUpdate : public ::testing::TestWithParam<std::tuple<Loss, std::size_t, double>> {};

TEST_P(LazyUpdate, EqualsNaiveDenseSgd) {
  const auto [loss, batch, l2] = GetParam();
  const Dataset data = heart();
  TrainOptions o = plain();
  o.loss = loss;
  o.batch_size = batch;
  o.l2 = l2;
  o.epochs = 4;
  o.tol = 0.0;
  o.schedule = Schedule::kInvScaling;
  o.learning_rate = 0.2;
  o.seed = 99;
  auto model = train(data.view(), nullptr, o);
  ASSERT_TRUE(model.ok()) << model.error().message();
  const std::vector<double> expected = naive_sgd(data, o);
  for (std::size_t j = 0; j < data.num_features; ++j) {
    EXPECT_NEAR(model.value().weights[j], expected[j], 1e-10 * (1 + std::fabs(expected[j]))) << j;
  }
  EXPECT_NEAR(model.value().bias, expected.back(), 1e-10 * (1 + std::fabs(expected.back())));
}

INSTANTIATE_TEST_SUITE_P(LossBatchPenalty, LazyUpdate,
                         ::testing::Combine(::testing::Values(Loss::kCrossEntropy, Loss::kSquaredError),
                                            ::testing::Values(std::size_t{1}, std::size_t{16}, std::size_t{100000}),
                                            ::testing::Values(0.0, 0.05)));

using testing::same_bits;

TEST(Sgd, SameSeedSameBitsOtherSeedOtherModel) {
  const Dataset data = heart();
  TrainOptions o = plain();
  o.epochs = 5;
  o.l2 = 1e-3;
  o.seed = 7;
  auto a = train(data.view(), nullptr, o);
  auto b = train(data.view(), nullptr, o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(same_bits(a.value(), b.value()));
  o.seed = 8;
  auto c = train(data.view(), nullptr, o);
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(same_bits(a.value(), c.value()));
}

TEST(Sgd, FullBatchGradientDescentDecreasesTheObjectiveEveryEpoch) {
  const Dataset data = heart();
  for (Loss loss : {Loss::kCrossEntropy, Loss::kSquaredError}) {
    TrainOptions o = plain();
    o.loss = loss;
    o.batch_size = data.rows();
    o.schedule = Schedule::kConstant;
    o.learning_rate = 0.5;
    o.l2 = 0.01;
    o.epochs = 30;
    o.tol = 0.0;
    std::vector<double> objectives;
    auto model = train(data.view(), nullptr, o, [&](const Progress& p) { objectives.push_back(p.objective); });
    ASSERT_TRUE(model.ok());
    ASSERT_EQ(objectives.size(), 30u);
    for (std::size_t k = 1; k < objectives.size(); ++k) EXPECT_LT(objectives[k], objectives[k - 1]) << k;
    // Reported objective is the documented one, recomputed independently.
    Objective f(data.view(), loss, o.l2);
    std::vector<double> theta = model.value().weights;
    theta.push_back(model.value().bias);
    EXPECT_DOUBLE_EQ(f.value(theta), model.value().report.objective);
  }
}

TEST(Sgd, ExampleWeightOfTwoEqualsADuplicatedRowInFullBatch) {
  const Dataset data = heart();
  Dataset weighted = data;
  weighted.weights.assign(data.rows(), 1.0);
  weighted.weights[0] = 2.0;
  Dataset duplicated = data;
  const auto begin = data.row_offsets[0];
  const auto end = data.row_offsets[1];
  duplicated.add_row(std::span(data.indices).subspan(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin)),
                     std::span(data.values).subspan(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin)),
                     data.labels[0]);
  TrainOptions o = plain();
  o.batch_size = 1u << 30;
  o.schedule = Schedule::kConstant;
  o.learning_rate = 1.0;
  o.epochs = 20;
  o.tol = 0.0;
  auto a = train(weighted.view(), nullptr, o);
  auto b = train(duplicated.view(), nullptr, o);
  ASSERT_TRUE(a.ok() && b.ok());
  for (std::size_t j = 0; j < data.num_features; ++j) {
    EXPECT_NEAR(a.value().weights[j], b.value().weights[j], 1e-12) << j;
  }
  EXPECT_NEAR(a.value().bias, b.value().bias, 1e-12);
}

TEST(Sgd, EarlyStoppingStopsBeforeTheLastEpoch) {
  const Dataset data = heart();
  TrainOptions o = plain();
  o.epochs = 500;
  o.l2 = 0.01;
  o.schedule = Schedule::kOptimal;
  o.tol = 1e-3;
  o.n_iter_no_change = 3;
  auto model = train(data.view(), nullptr, o);
  ASSERT_TRUE(model.ok());
  EXPECT_EQ(model.value().report.stop_reason, StopReason::kConverged);
  EXPECT_LT(model.value().report.iterations, 500u);
  o.tol = 0.0;
  o.epochs = 12;
  auto full = train(data.view(), nullptr, o);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full.value().report.stop_reason, StopReason::kMaxEpochs);
  EXPECT_EQ(full.value().report.iterations, 12u);
}

TEST(Sgd, ValidationSetIsMonitored) {
  const Dataset data = heart();
  const Dataset valid = heart("test.svm");
  const DataView valid_view = valid.view();
  TrainOptions o = plain();
  o.epochs = 3;
  o.tol = 0.0;
  std::size_t calls = 0;
  auto model = train(data.view(), &valid_view, o, [&](const Progress& p) {
    ++calls;
    ASSERT_TRUE(p.valid_loss.has_value());
    ASSERT_TRUE(p.valid_accuracy.has_value());
    EXPECT_GT(*p.valid_accuracy, 0.5);
    EXPECT_TRUE(std::isfinite(*p.valid_loss));
  });
  ASSERT_TRUE(model.ok());
  EXPECT_EQ(calls, 3u);
  EXPECT_TRUE(model.value().report.valid_loss.has_value());
}

TEST(Sgd, DivergenceIsReportedNotReturnedAsNaN) {
  // With the default tol the training objective is computed each epoch; with
  // tol = 0 and no progress callback it is not (EpochMonitor), and the
  // weights' check must catch it, on both SGD paths (averaging takes the
  // per-coordinate one).
  Dataset scaled = heart();
  for (double& v : scaled.values) v *= 1e200;
  TrainOptions averaged = plain();
  averaged.average = true;
  for (const TrainOptions& base : {plain(), averaged}) {
    for (const std::optional<double> tol : {std::optional<double>{}, std::optional<double>{0.0}}) {
      SCOPED_TRACE(std::string(base.average ? "averaged" : "plain") + (tol ? ", tol 0" : ", default tol"));
      TrainOptions o = base;
      o.loss = Loss::kCrossEntropy;
      o.schedule = Schedule::kConstant;
      o.learning_rate = 1e200;
      o.epochs = 5;
      o.tol = tol;
      auto model = train(scaled.view(), nullptr, o);
      ASSERT_FALSE(model.ok());
      EXPECT_NE(model.error().message().find("diverged"), std::string::npos) << model.error().message();
    }
  }
}

// The training objective is computed each epoch only when it is read (a
// progress callback, or early stopping on it), and once at the end
// otherwise: the model, the reported objective and the stop are the same.
TEST(Sgd, SkippingThePerEpochObjectiveChangesNothing) {
  const Dataset data = heart();
  const Dataset valid = heart("test.svm");
  const DataView valid_view = valid.view();
  TrainOptions sharded;
  sharded.shards = 2;
  TrainOptions plain_steps = plain();
  plain_steps.l2 = 1e-3;
  for (const TrainOptions& base : {plain_steps, TrainOptions{}, sharded}) {
    for (const double tol : {0.0, 1e-3}) {
      TrainOptions o = base;
      o.epochs = 8;
      o.tol = tol;
      o.n_iter_no_change = 2;
      // With tol > 0 and a validation set, early stopping reads the
      // validation loss only.
      const DataView* monitored = tol > 0.0 ? &valid_view : nullptr;
      std::vector<double> objectives;
      auto read = train(data.view(), monitored, o, [&](const Progress& p) { objectives.push_back(p.objective); });
      auto unread = train(data.view(), monitored, o);
      ASSERT_TRUE(read.ok() && unread.ok());
      EXPECT_TRUE(same_bits(read.value(), unread.value())) << tol;
      EXPECT_EQ(read.value().report.objective, unread.value().report.objective);
      EXPECT_EQ(read.value().report.iterations, unread.value().report.iterations);
      EXPECT_EQ(read.value().report.stop_reason, unread.value().report.stop_reason);
      ASSERT_FALSE(objectives.empty());
      EXPECT_EQ(objectives.back(), unread.value().report.objective);
      Objective f(data.view(), o.loss, o.l2);
      std::vector<double> theta = unread.value().weights;
      theta.push_back(unread.value().bias);
      EXPECT_DOUBLE_EQ(f.value(theta), unread.value().report.objective);
    }
  }
}

TEST(Sgd, AveragingStartsAtTheEpochAskedFor) {
  // With the batch as large as the data, an epoch is one update, so the
  // averaged model is the plain mean of the iterates of the averaged epochs.
  // Averaging does not change the iterates: runs of 2, 3 and 4 epochs
  // without it give them.
  const Dataset data = heart();
  TrainOptions o;
  o.batch_size = data.rows();
  o.tol = 0.0;
  o.l2 = 1e-2;
  auto iterate = [&](std::size_t epochs) {
    TrainOptions plain = o;
    plain.average = false;
    plain.epochs = epochs;
    auto m = train(data.view(), nullptr, plain);
    EXPECT_TRUE(m.ok());
    return m.value();
  };
  const Model w1 = iterate(1), w2 = iterate(2), w3 = iterate(3), w4 = iterate(4);
  auto averaged = [&](std::size_t start, std::size_t epochs) {
    TrainOptions avg = o;
    avg.average = true;
    avg.average_start = start;
    avg.epochs = epochs;
    auto m = train(data.view(), nullptr, avg);
    EXPECT_TRUE(m.ok());
    return m.value();
  };
  struct Case {
    std::size_t start, epochs;
    std::vector<const Model*> mean_of;
  };
  const std::vector<Case> cases = {{1, 4, {&w1, &w2, &w3, &w4}},
                                   {2, 4, {&w2, &w3, &w4}},
                                   {3, 4, {&w3, &w4}},
                                   {9, 4, {&w4}},  // fewer epochs than the start: the last one
                                   {2, 1, {&w1}}};
  for (const Case& c : cases) {
    const Model m = averaged(c.start, c.epochs);
    const double k = static_cast<double>(c.mean_of.size());
    double bias = 0.0;
    for (const Model* it : c.mean_of) bias += it->bias / k;
    EXPECT_NEAR(m.bias, bias, 1e-12) << "start " << c.start << ", epochs " << c.epochs;
    for (std::size_t j = 0; j < m.weights.size(); ++j) {
      double w = 0.0;
      for (const Model* it : c.mean_of) w += it->weights[j] / k;
      EXPECT_NEAR(m.weights[j], w, 1e-12) << "weight " << j << ", start " << c.start << ", epochs " << c.epochs;
    }
  }
}

// The default per-example update (AdaGrad, averaging from epoch 2, the
// penalty on touched coordinates divided by their share of rows) written the
// plain way: dense arrays, and the average as an explicit running sum.
TEST(Sgd, AdaGradWithAveragingEqualsANaiveImplementation) {
  const Dataset data = heart();
  TrainOptions o;
  o.standardize = Standardize::kOff;
  o.l2 = 0.01;
  o.epochs = 4;
  o.tol = 0.0;
  o.seed = 7;
  auto model = train(data.view(), nullptr, o);
  ASSERT_TRUE(model.ok()) << model.error().message();

  const std::size_t n = data.rows();
  const std::size_t d = data.num_features;
  std::vector<double> share(d, 0.0);
  for (const FeatureIndex j : data.indices) share[j] += 1.0 / static_cast<double>(n);
  std::vector<double> w(d + 1, 0.0);  // bias last
  std::vector<double> squared(d + 1, 0.0);
  std::vector<double> sum(d + 1, 0.0);
  std::size_t averaged = 0;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  core::Rng rng(o.seed);
  auto step = [&](std::size_t j, double gradient) {
    if (gradient == 0.0) return;
    squared[j] += gradient * gradient;
    w[j] -= o.learning_rate / (std::sqrt(squared[j]) + 1e-12) * gradient;
  };
  for (std::size_t epoch = 1; epoch <= o.epochs; ++epoch) {
    rng.shuffle(std::span<std::size_t>(order));
    for (const std::size_t i : order) {
      double z = w[d];
      for (auto p = data.row_offsets[i]; p < data.row_offsets[i + 1]; ++p) z += w[data.indices[p]] * data.values[p];
      const double g = loss_derivative(o.loss, z, data.labels[i]);
      for (auto p = data.row_offsets[i]; p < data.row_offsets[i + 1]; ++p) {
        const FeatureIndex j = data.indices[p];
        step(j, g * data.values[p] + o.l2 / share[j] * w[j]);
      }
      step(d, g);
      if (epoch >= o.average_start) {
        for (std::size_t j = 0; j <= d; ++j) sum[j] += w[j];
        ++averaged;
      }
    }
  }
  for (std::size_t j = 0; j < d; ++j) {
    const double expected = sum[j] / static_cast<double>(averaged);
    EXPECT_NEAR(model.value().weights[j], expected, 1e-9 * (1 + std::fabs(expected))) << j;
  }
  const double bias = sum[d] / static_cast<double>(averaged);
  EXPECT_NEAR(model.value().bias, bias, 1e-9 * (1 + std::fabs(bias)));
}

TEST(Sgd, RejectsInvalidOptions) {
  const Dataset data = heart();
  const auto rejects = [&](TrainOptions o, const std::string& needle) {
    auto model = train(data.view(), nullptr, o);
    ASSERT_FALSE(model.ok());
    EXPECT_NE(model.error().message().find(needle), std::string::npos) << model.error().message();
  };
  TrainOptions o = plain();
  o.l2 = -1;
  rejects(o, "--l2");
  o = plain();
  o.batch_size = 0;
  rejects(o, "--batch-size");
  o = plain();
  o.schedule = Schedule::kOptimal;
  rejects(o, "--schedule optimal needs --l2");
  o = plain();
  o.learning_rate = 0;
  rejects(o, "--learning-rate");
  o = plain();
  o.epochs = 0;
  rejects(o, "--epochs");
  Dataset empty;
  auto model = train(empty.view(), nullptr, TrainOptions{});
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.error().message().find("no rows"), std::string::npos);
}

}  // namespace
}  // namespace logreg
