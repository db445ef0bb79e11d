// Parallel SGD by shards (--shards): the first epoch's shuffle cuts the rows
// into shards, which keep them (each shuffles its own every later epoch),
// learn side by side and are mixed at the end of every epoch. The mix is
// the mean of the shards' states; the result depends on the shard count,
// never on the thread count; stops and checkpoints fall on epoch ends.
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <thread>
#include <vector>

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

Dataset heart() {
  auto data = read_dataset(testing::dataset_file("heart_scale", "train.svm"));
  EXPECT_TRUE(data.ok());
  return std::move(data).value();
}

using testing::same_bits;

Model fit(const Dataset& data, const TrainOptions& o) {
  auto model = train(data.view(), nullptr, o);
  EXPECT_TRUE(model.ok()) << model.error().message();
  return std::move(model).value();
}

/// Rows of the Dataset as one-row Datasets of the same width.
std::vector<Dataset> single_rows(const Dataset& data) {
  std::vector<Dataset> out;
  for (std::size_t i = 0; i < data.rows(); ++i) {
    Dataset one;
    const auto begin = static_cast<std::size_t>(data.row_offsets[i]);
    const auto end = static_cast<std::size_t>(data.row_offsets[i + 1]);
    one.add_row(std::span<const FeatureIndex>(data.indices.data() + begin, end - begin),
                std::span<const double>(data.values.data() + begin, end - begin), data.labels[i]);
    one.num_features = data.num_features;
    out.push_back(std::move(one));
  }
  return out;
}

TEST(SgdShards, OneEpochOfShardsIsTheMeanOfTheShardsModels) {
  // One row per shard: each shard takes one AdaGrad step from zero, so the
  // mixed model is the mean of the models trained on each row alone.
  Dataset data;
  const std::vector<FeatureIndex> a_index = {0, 2, 3};
  const std::vector<double> a_value = {0.5, -1.25, 2.0};
  const std::vector<FeatureIndex> b_index = {1, 2};
  const std::vector<double> b_value = {3.0, 0.75};
  const std::vector<FeatureIndex> c_index = {0, 1, 3};
  const std::vector<double> c_value = {-0.5, 1.0, 0.25};
  data.add_row(a_index, a_value, 1.0);
  data.add_row(b_index, b_value, 0.0);
  data.add_row(c_index, c_value, 1.0);
  TrainOptions o;
  o.epochs = 1;
  o.tol = 0.0;
  o.standardize = Standardize::kOff;  // column statistics differ between the whole and one row
  o.average_start = 1;
  o.shards = 3;
  const Model mixed = fit(data, o);
  o.shards = 1;
  std::vector<Model> alone;
  for (const Dataset& row : single_rows(data)) alone.push_back(fit(row, o));
  ASSERT_EQ(mixed.weights.size(), 4u);
  for (std::size_t j = 0; j < 4; ++j) {
    const double mean = (alone[0].weights[j] + alone[1].weights[j] + alone[2].weights[j]) / 3.0;
    EXPECT_NEAR(mixed.weights[j], mean, 1e-15) << "weight " << j;
    EXPECT_NE(alone[0].weights[j] == 0.0 && alone[1].weights[j] == 0.0 && alone[2].weights[j] == 0.0, true);
  }
  EXPECT_NEAR(mixed.bias, (alone[0].bias + alone[1].bias + alone[2].bias) / 3.0, 1e-15);
  // Two shards of one row each: the mean of two is exact in any order.
  Dataset two;
  two.add_row(a_index, a_value, 1.0);
  two.add_row(b_index, b_value, 0.0);
  o.shards = 2;
  const Model pair = fit(two, o);
  o.shards = 1;
  const std::vector<Dataset> rows = single_rows(two);
  const Model first = fit(rows[0], o);
  const Model second = fit(rows[1], o);
  for (std::size_t j = 0; j < 4; ++j) EXPECT_EQ(pair.weights[j], (first.weights[j] + second.weights[j]) / 2.0);
  EXPECT_EQ(pair.bias, (first.bias + second.bias) / 2.0);
}

TEST(SgdShards, SameBitsForAnyThreadCount) {
  const Dataset data = heart();
  for (std::size_t shards : {2, 3, 5}) {
    for (std::size_t batch : {1, 4}) {
      TrainOptions o;
      o.epochs = 4;
      o.tol = 0.0;
      o.shards = shards;
      o.batch_size = batch;
      omp_set_num_threads(1);
      const Model one = fit(data, o);
      omp_set_num_threads(2);
      const Model two = fit(data, o);
      omp_set_num_threads(3);
      const Model three = fit(data, o);
      EXPECT_TRUE(same_bits(one, two)) << shards << " shards, batch " << batch;
      EXPECT_TRUE(same_bits(one, three)) << shards << " shards, batch " << batch;
      o.shards = 1;
      EXPECT_FALSE(same_bits(one, fit(data, o))) << "the shards made no difference";
    }
  }
  omp_set_num_threads(omp_get_num_procs());
}

TEST(SgdShards, ReachNearlyTheSequentialObjective) {
  // Synthetic data with enough rows that each shard sees a fair sample.
  core::Rng rng(5);
  Dataset data;
  const std::size_t d = 40;
  std::vector<double> truth(d);
  for (double& w : truth) w = 2.0 * rng.uniform() - 1.0;
  for (std::size_t i = 0; i < 20000; ++i) {
    std::vector<FeatureIndex> index;
    std::vector<double> value;
    double z = 0.0;
    for (FeatureIndex j = 0; j < d; ++j) {
      if (rng.uniform() < 0.3) {
        index.push_back(j);
        value.push_back(2.0 * rng.uniform() - 1.0);
        z += truth[j] * value.back();
      }
    }
    data.add_row(index, value, rng.uniform() < 1.0 / (1.0 + std::exp(-z)) ? 1.0 : 0.0);
  }
  TrainOptions exact;
  exact.solver = Solver::kNewton;
  exact.l2 = 1e-4;
  exact.tol = 1e-10;
  const double optimum = fit(data, exact).report.objective;
  for (std::size_t shards : {1, 2, 4}) {
    TrainOptions o;
    o.l2 = 1e-4;
    o.tol = 0.0;
    o.shards = shards;
    const Model m = fit(data, o);
    EXPECT_LT(m.report.objective, optimum * 1.005) << shards << " shards";
    EXPECT_GE(m.report.objective, optimum * (1.0 - 1e-12)) << shards << " shards";
    EXPECT_EQ(m.report.updates, 10u * data.rows()) << shards << " shards";
  }
}

/// The note's plain SGD: no adaptive steps, no averaging, no standardising.
TrainOptions plain_steps() {
  TrainOptions o;
  o.adaptive = Adaptive::kOff;
  o.average = false;
  o.standardize = Standardize::kOff;
  return o;
}

void checkpoints_fall_on_epoch_ends_and_resume_exactly(bool plain) {
  const Dataset data = heart();
  TrainOptions o = plain ? plain_steps() : TrainOptions{};
  o.epochs = 6;
  o.tol = 0.0;
  o.shards = 3;
  o.batch_size = 2;
  const Model whole = fit(data, o);
  std::vector<Checkpoint> saved;
  TrainControl control;
  control.checkpoint_every = 2;
  control.write_checkpoint = [&](const Checkpoint& c) {
    saved.push_back(c);
    return Status{};
  };
  auto with_checkpoints = train(data.view(), nullptr, o, {}, nullptr, &control);
  ASSERT_TRUE(with_checkpoints.ok());
  EXPECT_TRUE(same_bits(whole, with_checkpoints.value()));
  ASSERT_EQ(saved.size(), 2u);
  for (const Checkpoint& c : saved) {
    EXPECT_EQ(c.position, 0u);
    TrainControl resume;
    resume.resume = &c;
    auto resumed = train(data.view(), nullptr, TrainOptions{}, {}, nullptr, &resume);
    ASSERT_TRUE(resumed.ok()) << resumed.error().message();
    EXPECT_TRUE(same_bits(whole, resumed.value())) << "resumed at epoch " << c.epoch;
  }
  // A stop request is honoured when the epoch ends, with a checkpoint there.
  saved.clear();
  TrainControl stop;
  int asked = 0;
  stop.stop_requested = [&] { return ++asked > 0; };
  stop.write_checkpoint = control.write_checkpoint;
  auto stopped = train(data.view(), nullptr, o, {}, nullptr, &stop);
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(stopped.value().report.stop_reason, StopReason::kInterrupted);
  EXPECT_EQ(stopped.value().report.iterations, 1u);
  ASSERT_EQ(saved.size(), 1u);
  EXPECT_EQ(saved[0].epoch, 2u);
  TrainControl resume;
  resume.resume = &saved[0];
  auto resumed = train(data.view(), nullptr, TrainOptions{}, {}, nullptr, &resume);
  ASSERT_TRUE(resumed.ok());
  EXPECT_TRUE(same_bits(whole, resumed.value()));
}

TEST(SgdShards, CheckpointsFallOnEpochEndsAndResumeExactly) {
  for (const bool plain : {false, true}) {
    SCOPED_TRACE(plain ? "plain steps" : "the defaults");
    checkpoints_fall_on_epoch_ends_and_resume_exactly(plain);
  }
}

TEST(SgdShards, RejectsWhatCannotBeSharded) {
  const Dataset data = heart();
  const auto rejects = [&](TrainOptions o, const std::string& needle) {
    auto model = train(data.view(), nullptr, o);
    ASSERT_FALSE(model.ok());
    EXPECT_NE(model.error().message().find(needle), std::string::npos) << model.error().message();
  };
  TrainOptions o;
  o.shards = 2;
  o.solver = Solver::kNewton;
  rejects(o, "--shards applies to --solver sgd");
  o = TrainOptions{};
  o.shards = 2;
  o.adaptive = Adaptive::kNormalized;
  rejects(o, "--adaptive normalized");
  o = TrainOptions{};
  o.shards = 2;
  o.adaptive = Adaptive::kOff;
  o.average = false;
  o.l1 = 1e-3;
  rejects(o, "--shards does not support --l1");
}

TEST(SgdShards, AutomaticShardsAreTwoOnLargeDataAndRecorded) {
  // kAutoShardNonzeros non-zeros: 2 shards; one row fewer: sequential.
  core::Rng rng(3);
  Dataset data;
  const std::size_t per_row = 64;
  std::vector<FeatureIndex> index(per_row);
  std::vector<double> value(per_row);
  for (std::size_t i = 0; i < kAutoShardNonzeros / per_row; ++i) {
    for (std::size_t p = 0; p < per_row; ++p) {
      index[p] = static_cast<FeatureIndex>(p * 4 + rng.below(4));
      value[p] = rng.uniform();
    }
    data.add_row(index, value, rng.uniform() < 0.5 ? 1.0 : 0.0);
  }
  ASSERT_EQ(data.nonzeros(), kAutoShardNonzeros);
  TrainOptions o;  // shards = 0: automatic
  o.epochs = 1;
  o.standardize = Standardize::kOff;
  const Model large = fit(data, o);
  EXPECT_EQ(large.options.shards, 2u);
  o.shards = 2;
  EXPECT_TRUE(same_bits(large, fit(data, o)));
  // From kTeamShardNonzeros on the shards run on an OpenMP team (below, on
  // a helper thread): the same bits as one thread running both.
  omp_set_num_threads(1);
  const Model alone = fit(data, o);
  omp_set_num_threads(2);
  EXPECT_TRUE(same_bits(large, alone));
  omp_set_num_threads(omp_get_num_procs());
  DataView fewer = data.view();
  fewer.row_offsets = fewer.row_offsets.first(fewer.row_offsets.size() - 1);
  fewer.labels = fewer.labels.first(fewer.labels.size() - 1);
  fewer.indices = fewer.indices.first(kAutoShardNonzeros - per_row);
  fewer.values = fewer.values.first(kAutoShardNonzeros - per_row);
  o.shards = 0;
  auto smaller = train(fewer, nullptr, o);
  ASSERT_TRUE(smaller.ok()) << smaller.error().message();
  EXPECT_EQ(smaller.value().options.shards, 1u);
  // Where shards do not apply, automatic means 1.
  o.solver = Solver::kNewton;
  o.max_iter = 1;
  EXPECT_EQ(fit(data, o).options.shards, 1u);
  o = TrainOptions{};
  o.epochs = 1;
  o.adaptive = Adaptive::kNormalized;
  EXPECT_EQ(fit(data, o).options.shards, 1u);
  o.adaptive = Adaptive::kOff;  // the note's plain SGD keeps its sequential path
  o.average = false;
  EXPECT_EQ(fit(data, o).options.shards, 1u);
  EXPECT_EQ(fit(heart(), TrainOptions{}).options.shards, 1u);
}

TEST(SgdShards, PlainStepsAreShardedToo) {
  // The note's SGD (no adaptive steps, no averaging) with shards keeps its
  // exact lazy L2 scale in each shard, and still learns.
  const Dataset data = heart();
  TrainOptions o = plain_steps();
  o.learning_rate = 0.1;
  o.tol = 0.0;
  o.l2 = 1e-3;
  o.shards = 2;
  const Model m = fit(data, o);
  Objective f(data.view(), Loss::kCrossEntropy, Penalty{o.l2, 0.0, false});
  std::vector<double> zero(data.num_features + 1, 0.0);
  EXPECT_LT(m.report.objective, 0.8 * f.value(zero));
  o.shards = 1;
  EXPECT_FALSE(same_bits(m, fit(data, o))) << "the shards made no difference";
}

/// Two rows and a start model over `width` features (at least 4), with the
/// rows' features spread over the whole width: on a wide model the mix is
/// split into parts over features, run on different threads.
struct TwoRowsFrom {
  Dataset data;
  Model start;
};

TwoRowsFrom two_rows_from(std::size_t width) {
  const auto at = [width](std::size_t quarter) { return static_cast<FeatureIndex>(quarter * (width - 1) / 3); };
  TwoRowsFrom out;
  const std::vector<FeatureIndex> a_index = {at(0), at(2), at(3)};
  const std::vector<double> a_value = {0.5, -1.25, 2.0};
  const std::vector<FeatureIndex> b_index = {at(1), at(2)};
  const std::vector<double> b_value = {3.0, 0.75};
  out.data.add_row(a_index, a_value, 1.0);
  out.data.add_row(b_index, b_value, 0.0);
  out.data.num_features = width;
  out.start.weights.resize(width);
  for (std::size_t j = 0; j < width; ++j) out.start.weights[j] = 0.125 * static_cast<double>(j % 11) - 0.5;
  out.start.bias = 0.375;
  return out;
}

TEST(SgdShards, PlainShardsMixTheShardsModels) {
  // One row per shard and plain steps with an L2 shrink: each shard takes
  // one step from a non-zero start, and the mix is the mean of the models
  // trained on each row alone (their scale folded in), bit for bit, also
  // where the mix is split over threads (20000 features).
  for (const std::size_t width : {std::size_t{4}, std::size_t{20000}}) {
    SCOPED_TRACE(width);
    const TwoRowsFrom two = two_rows_from(width);
    TrainOptions o = plain_steps();
    o.epochs = 1;
    o.tol = 0.0;
    o.learning_rate = 0.5;
    o.l2 = 0.1;
    o.shards = 2;
    auto fit_from = [&](const Dataset& rows, const TrainOptions& options) {
      auto model = train(rows.view(), nullptr, options, {}, &two.start);
      EXPECT_TRUE(model.ok()) << model.error().message();
      return std::move(model).value();
    };
    const Model pair = fit_from(two.data, o);
    o.shards = 1;
    const std::vector<Dataset> rows = single_rows(two.data);
    const Model first = fit_from(rows[0], o);
    const Model second = fit_from(rows[1], o);
    ASSERT_EQ(pair.weights.size(), width);
    std::size_t moved = 0;
    for (std::size_t j = 0; j < width; ++j) {
      EXPECT_EQ(pair.weights[j], (first.weights[j] + second.weights[j]) / 2.0) << "weight " << j;
      if (two.start.weights[j] != 0.0) {
        EXPECT_NE(first.weights[j], two.start.weights[j]) << "the shrink moves every weight";
        ++moved;
      }
    }
    EXPECT_GT(moved, width / 2);
    EXPECT_EQ(pair.bias, (first.bias + second.bias) / 2.0);
    EXPECT_NE(first.bias, second.bias);
  }
}

/// Rows over 12000 features with 40 non-zeros each, seeded: wide enough
/// that the shards' mix is split over threads.
Dataset wide_rows() {
  core::Rng rng(11);
  Dataset data;
  const std::size_t d = 12000;
  for (std::size_t i = 0; i < 600; ++i) {
    std::vector<FeatureIndex> index;
    std::vector<double> value;
    FeatureIndex j = static_cast<FeatureIndex>(rng.uniform() * 300.0);
    while (index.size() < 40 && j < d) {
      index.push_back(j);
      value.push_back(2.0 * rng.uniform() - 1.0);
      j += 1 + static_cast<FeatureIndex>(rng.uniform() * 590.0);
    }
    data.add_row(index, value, rng.uniform() < 0.5 ? 1.0 : 0.0);
  }
  data.num_features = d;
  return data;
}

TEST(SgdShards, PlainShardsGiveTheSameBitsForAnyThreadCount) {
  for (const Dataset& data : {heart(), wide_rows()}) {
    for (std::size_t shards : {2, 3}) {
      for (std::size_t batch : {1, 4}) {
        TrainOptions o = plain_steps();
        o.epochs = 3;
        o.tol = 0.0;
        o.shards = shards;
        o.batch_size = batch;
        omp_set_num_threads(1);
        const Model one = fit(data, o);
        omp_set_num_threads(2);  // the shards on the caller and a helper thread
        const Model two = fit(data, o);
        omp_set_num_threads(3);
        const Model three = fit(data, o);
        EXPECT_TRUE(same_bits(one, two)) << shards << " shards, batch " << batch;
        EXPECT_TRUE(same_bits(one, three)) << shards << " shards, batch " << batch;
      }
    }
  }
  omp_set_num_threads(omp_get_num_procs());
}

TEST(SgdShards, TheShuffleIsFisherYatesOnTheGeneratorsDraws) {
  // Rng::shuffle works on a copy of the generator's state: the same draws,
  // in the same order, and the generator left where they leave it.
  for (std::size_t n : {0, 1, 2, 7, 1000}) {
    core::Rng shuffler(11);
    core::Rng drawer(11);
    std::vector<std::size_t> shuffled(n);
    for (std::size_t i = 0; i < n; ++i) shuffled[i] = i;
    std::vector<std::size_t> by_hand = shuffled;
    shuffler.shuffle(std::span<std::size_t>(shuffled));
    for (std::size_t i = n; i > 1; --i) std::swap(by_hand[i - 1], by_hand[drawer.below(i)]);
    EXPECT_EQ(shuffled, by_hand) << n << " items";
    EXPECT_EQ(shuffler.next(), drawer.next()) << n << " items";
  }
}

/// The epoch order as a vector.
std::vector<std::size_t> rows_of(const learn::EpochOrder& order) {
  return std::vector<std::size_t>(order.rows().begin(), order.rows().end());
}

TEST(SgdShards, OneSequenceShufflesTheWholeOrderEveryEpoch) {
  // Without shards the epoch order is the run generator's Fisher-Yates
  // shuffle of the previous one, every epoch; shuffle_shard does nothing.
  const std::size_t n = 500;
  learn::EpochOrder order(n, 1, 5);
  core::Rng rng(5);
  core::Rng drawer(5);
  std::vector<std::size_t> by_hand(n);
  for (std::size_t i = 0; i < n; ++i) by_hand[i] = i;
  for (std::size_t epoch = 1; epoch <= 4; ++epoch) {
    order.shuffle_whole(epoch, rng);
    order.shuffle_shard(epoch, 0);
    drawer.shuffle(std::span<std::size_t>(by_hand));
    EXPECT_EQ(rows_of(order), by_hand) << "epoch " << epoch;
  }
  EXPECT_EQ(rng.next(), drawer.next());
}

/// The rows at shard s's positions of `order`, sorted.
std::vector<std::size_t> shard_set(const learn::EpochOrder& order, std::size_t s, std::size_t count) {
  const std::size_t n = order.rows().size();
  const auto part = order.rows().subspan(learn::shard_start(n, s, count), learn::shard_rows(n, s, count));
  std::vector<std::size_t> rows(part.begin(), part.end());
  std::sort(rows.begin(), rows.end());
  return rows;
}

TEST(SgdShards, ShardsKeepTheirRowsAndShuffleThemThemselves) {
  // With K shards the first epoch shuffles the whole order (as one sequence
  // would); from then on each shard keeps the rows at its positions and
  // shuffles them with its own generator, on whatever thread, at whatever
  // time: the same orders whether the shards are shuffled one after the
  // other, in reverse, or on threads of their own at once.
  const std::size_t n = 1001;
  const std::size_t count = 3;
  learn::EpochOrder in_turn(n, count, 7);
  learn::EpochOrder reversed(n, count, 7);
  learn::EpochOrder threaded(n, count, 7);
  learn::EpochOrder one_sequence(n, 1, 7);
  core::Rng rng_a(7);
  core::Rng rng_b(7);
  core::Rng rng_c(7);
  core::Rng rng_d(7);
  std::vector<std::vector<std::size_t>> sets;
  std::vector<std::size_t> previous;
  for (std::size_t epoch = 1; epoch <= 5; ++epoch) {
    in_turn.shuffle_whole(epoch, rng_a);
    reversed.shuffle_whole(epoch, rng_b);
    threaded.shuffle_whole(epoch, rng_c);
    for (std::size_t s = 0; s < count; ++s) in_turn.shuffle_shard(epoch, s);
    for (std::size_t s = count; s-- > 0;) reversed.shuffle_shard(epoch, s);
    std::vector<std::thread> threads;
    for (std::size_t s = 0; s < count; ++s) threads.emplace_back([&threaded, epoch, s] { threaded.shuffle_shard(epoch, s); });
    for (std::thread& thread : threads) thread.join();
    const std::vector<std::size_t> now = rows_of(in_turn);
    EXPECT_EQ(rows_of(reversed), now) << "epoch " << epoch;
    EXPECT_EQ(rows_of(threaded), now) << "epoch " << epoch;
    std::vector<std::size_t> sorted = now;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(sorted[i], i) << "epoch " << epoch << ": not a permutation";
    if (epoch == 1) {
      one_sequence.shuffle_whole(epoch, rng_d);
      EXPECT_EQ(rows_of(one_sequence), now);
      for (std::size_t s = 0; s < count; ++s) sets.push_back(shard_set(in_turn, s, count));
      EXPECT_NE(sets[0].back() - sets[0].front() + 1, sets[0].size()) << "the first shuffle cut no random parts";
    } else {
      for (std::size_t s = 0; s < count; ++s) {
        EXPECT_EQ(shard_set(in_turn, s, count), sets[s]) << "epoch " << epoch << ", shard " << s;
      }
      for (std::size_t s = 0; s < count; ++s) {
        const std::size_t begin = learn::shard_start(n, s, count);
        const std::size_t end = begin + learn::shard_rows(n, s, count);
        EXPECT_FALSE(std::equal(now.begin() + static_cast<std::ptrdiff_t>(begin),
                                now.begin() + static_cast<std::ptrdiff_t>(end),
                                previous.begin() + static_cast<std::ptrdiff_t>(begin)))
            << "epoch " << epoch << ": shard " << s << " was not shuffled";
      }
    }
    previous = now;
  }
}

TEST(SgdShards, TheOrderReplaysForAResume) {
  // A resumed run replays the shuffles of the epochs before its checkpoint:
  // the same order and the same run generator as the run that went on.
  for (const std::size_t count : {std::size_t{1}, std::size_t{2}, std::size_t{4}}) {
    learn::EpochOrder live(300, count, 3);
    learn::EpochOrder replayed(300, count, 3);
    core::Rng live_rng(3);
    core::Rng replay_rng(3);
    for (std::size_t epoch = 1; epoch <= 6; ++epoch) {
      live.shuffle_whole(epoch, live_rng);
      for (std::size_t s = 0; s < count; ++s) live.shuffle_shard(epoch, s);
    }
    replayed.replay(6, replay_rng);
    EXPECT_EQ(rows_of(live), rows_of(replayed)) << count << " shards";
    EXPECT_EQ(live_rng.next(), replay_rng.next()) << count << " shards";
  }
}

TEST(SgdShards, PlainShardsReportDivergence) {
  // The mix sees whether the mixed weights are finite, and the check between
  // epochs relies on it: a run that blows up must still end in an error that
  // names the epoch, on a narrow model (one part of the mix) and a wide one
  // (a part per thread).
  for (Dataset data : {heart(), wide_rows()}) {
    for (double& v : data.values) v *= 1e200;
    TrainOptions o = plain_steps();
    o.schedule = Schedule::kConstant;
    o.learning_rate = 1e200;
    o.epochs = 5;
    o.tol = 0.0;
    o.shards = 2;
    auto model = train(data.view(), nullptr, o);
    ASSERT_FALSE(model.ok()) << data.num_features << " features";
    // In the epoch where it happened, not at the end (from the objective).
    EXPECT_NE(model.error().message().find("diverged in epoch 1 "), std::string::npos) << model.error().message();
  }
}

}  // namespace
}  // namespace logreg
