// Stochastic, mini-batch and full-batch gradient descent.
//
// Problem (see docs/objective.md):
//   minimise f(w, b) = sum_i c_i L(w.x_i + b, y_i) / sum_i c_i + (l2/2) ||w||^2
//                      + l1 ||w||_1
//
// Algorithm: each epoch shuffles an index permutation (never the data) with
// the seeded generator and walks it in batches of B examples. For a batch S
// at step size eta_t the update is the gradient step on f restricted to S,
//   w <- (1 - eta_t l2) w - eta_t / |S| sum_{i in S} g_i x_i,
//   b <- b - eta_t / |S| sum_{i in S} g_i,     g_i = (c_i / mean c) dL/dz(z_i),
// with every z_i of the batch computed before any weight moves. B = 1 is the
// note's per-example SGD; B = n is full-batch gradient descent.
//
// Lazy L2 (Shalev-Shwartz et al. 2007, Pegasos; Bottou 2010; as in
// scikit-learn and Vowpal Wabbit): w is kept as scale * v, so the shrink
// (1 - eta l2) costs O(1) and a sparse update touches only the row's
// non-zeros: O(nnz) per example. The scale is folded into v when it gets
// small, to keep v's digits.
//
// L1: the cumulative penalty of Y. Tsuruoka, J. Tsujii and S. Ananiadou,
// "Stochastic gradient descent training for L1-regularized log-linear models
// with cumulative penalty", ACL 2009 (as scikit-learn does): u accumulates
// eta_t l1, and after each update every touched weight is pulled towards 0
// by what it has not yet received of u, without crossing 0. Lazy like the
// L2 scale: O(nnz) per update.
//
// Schedules (names as in scikit-learn's SGDClassifier), t = 1, 2, ... counts
// updates: constant eta0; invscaling eta0 / t^power_t; optimal
// 1 / (l2 (t0 + t - 1)) with Bottou's t0 = 1 / (l2 * sqrt(1 / sqrt(l2))),
// L. Bottou, "Stochastic gradient descent tricks", 2012, sec. 5.2.
//
// Parallel SGD (--shards K > 1, no L1): the first epoch's shuffle cuts the
// rows into K shards at random, each shard keeps its rows and shuffles them
// itself every later epoch (EpochOrder), and the shards take the steps above
// side by side, each with its own w = scale * v, bias and update clock, from
// the same starting state; at the end of the epoch every shard continues
// from the mean of the shards' w and b, summed in shard order, and from the
// longest shard's clock: iterative parameter mixing (R. McDonald, K. Hall,
// G. Mann, "Distributed training strategies for the structured perceptron",
// NAACL 2010; M. Zinkevich et al., "Parallelized stochastic gradient
// descent", NIPS 2010), as
// sgd_coordinate.cpp does for the per-coordinate steps. The bits depend on
// K and the seed, never on the threads.
//
// Stopping: after `epochs` epochs, or when the monitored loss (validation
// loss if a validation set is given, else the training objective) has not
// improved on its best by more than tol for n_iter_no_change epochs.
// Cost per epoch: O(nnz) for the updates, plus O(nnz + d) for the exact
// training objective when it is read each epoch (EpochMonitor).
#include "learn/solver.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "core/huge_pages.hpp"
#include "core/kernels.hpp"
#include "core/row_stager.hpp"
#include "core/rng.hpp"
#include "logreg/metrics.hpp"
#include "logreg/objective.hpp"

namespace logreg::learn {
namespace {

constexpr std::size_t kPrefetchWeightsFrom = std::size_t{1} << 16;  // 512 KiB of weights

/// The step size of update t. Holds its settings by value: a copy of it in a
/// loop (PlainSequence::update_each) is then a local the compiler keeps in
/// registers, not memory it reloads after every call to exp.
class StepSize {
 public:
  explicit StepSize(const TrainOptions& options)
      : schedule_(options.schedule),
        learning_rate_(options.learning_rate),
        power_t_(options.power_t),
        l2_(options.l2) {
    if (options.schedule == Schedule::kOptimal) {
      // Bottou's heuristic, as in scikit-learn: a typical weight of
      // 1/sqrt(sqrt(l2)) sets the first step; the loss derivatives are <= 1.
      const double typical_weight = std::sqrt(1.0 / std::sqrt(options.l2));
      t0_ = 1.0 / (typical_weight * options.l2);
    }
  }
  double at(std::size_t t) const {
    const auto step = static_cast<double>(t);
    switch (schedule_) {
      case Schedule::kConstant: return learning_rate_;
      case Schedule::kInvScaling: return learning_rate_ / std::pow(step, power_t_);
      case Schedule::kOptimal: return 1.0 / (l2_ * (t0_ + step - 1.0));
    }
    return learning_rate_;
  }

 private:
  Schedule schedule_;
  double learning_rate_;
  double power_t_;
  double l2_;
  double t0_ = 0.0;
};

/// One sequence of plain SGD updates over rows of the epoch order, with the
/// state it changes: the whole run, or one shard of each epoch (--shards).
/// On a cache line of its own: the shards' scale, bias and counts change
/// with every row, and shards side by side in a vector shared lines, which
/// each update took from the other core.
class alignas(64) PlainSequence {
 public:
  PlainSequence(const SolverInput& input, std::span<const std::size_t> order, double inverse_mean_weight)
      : v(input.theta0.begin(), input.theta0.begin() + static_cast<std::ptrdiff_t>(input.train.num_features)),
        bias(input.theta0[input.train.num_features]),
        l1_received(input.options.l1 > 0.0 ? input.train.num_features : 0, 0.0),
        input_(input),
        rows_(input.train, order, std::min(input.options.batch_size, input.train.rows())),
        batch_gradients_(std::min(input.options.batch_size, input.train.rows())),
        inverse_mean_weight_(inverse_mean_weight),
        unit_weights_(input.train.weights.empty() && inverse_mean_weight == 1.0),
        prefetch_weights_(input.train.num_features >= kPrefetchWeightsFrom) {}

  /// Call when the epoch order has been reshuffled.
  void new_epoch() { rows_.new_epoch(); }

  /// One update from the rows at positions [first, last) of this sequence's
  /// order, at update count `t` (from 1) and its step size eta.
  void update(std::size_t first, std::size_t last, double eta) {
    const TrainOptions& options = input_.options;
    rows_.prepare(first);
    if (last == first + 1 && options.l1 == 0.0) {
      update_one(first, eta);
      return;
    }
    // All margins of the batch before any weight moves.
    double bias_step = 0.0;
    for (std::size_t k = first; k < last; ++k) {
      const auto r = rows_.row_at(k);
      if (prefetch_weights_) rows_.prefetch_next(k, v.data());
      const double g = derivative_at(k, r);
      batch_gradients_[k - first] = g;
      bias_step += g;
    }
    const double step = eta / static_cast<double>(last - first);
    shrink(eta);
    const double factor = -step / scale;
    for (std::size_t k = first; k < last; ++k) {
      const double g = batch_gradients_[k - first];
      if (g == 0.0) continue;
      const auto r = rows_.row_at(k);
      core::sparse_axpy(factor * g, r.indices, r.values, r.count, v.data());
    }
    bias -= step * bias_step;
    if (options.l1 > 0.0) {
      l1_total += eta * options.l1;
      for (std::size_t k = first; k < last; ++k) apply_l1(rows_.row_at(k));
    }
    if (scale < 1e-9) fold_scale();
  }

  /// update() for the one row at position k without L1: the same
  /// operations, in the same order, on the same values (so the same bits),
  /// with the row's derivative kept in a register. Per-example SGD is one
  /// chain of dependent updates, and storing the derivative for the second
  /// loop to load put a store-to-load forward on it.
  void update_one(std::size_t k, double eta) {
    const auto r = rows_.row_at(k);
    if (prefetch_weights_) rows_.prefetch_next(k, v.data());
    const double g = derivative_at(k, r);
    const double bias_step = 0.0 + g;  // as the batch sum starts from 0 (the sign of a zero)
    const double step = eta;           // eta / 1, exactly
    shrink(eta);
    const double factor = -step / scale;
    if (g != 0.0) core::sparse_axpy(factor * g, r.indices, r.values, r.count, v.data());
    bias -= step * bias_step;
    if (scale < 1e-9) fold_scale();
  }

  /// Per-example steps without L1 at the positions [first, last) of this
  /// sequence's order, t = updates + 1, updates + 2, ...: for each position
  /// k, update(k, k + 1, step_at(t)) with the same operations on the same
  /// values (so the same bits), in one loop that keeps the scale, bias and
  /// count in locals. As a call per row, the update spent about 100 of its
  /// 345 instructions a row of spam on the call, on reloading its state
  /// (a store to v may alias a member), on the batch path's tests and on
  /// the step size's call; plain SGD is bound by the instructions it
  /// retires, not by the chain of dependent updates.
  ///
  /// Before each row, pause(k) may end the loop early (a stop request or a
  /// checkpoint at position k). Returns the first position not updated
  /// (last, unless paused) and leaves eta at the last step size used.
  template <typename StepAt, typename Pause>
  [[gnu::noinline]] std::size_t update_each(std::size_t first, std::size_t last, const StepAt& step_at_, const Pause& pause,
                          double& eta) {
    // Locals, not members, for what every row reads (see StepSize).
    const StepAt step_at = step_at_;
    const double l2 = input_.options.l2;
    const Loss loss = input_.options.loss;
    double local_scale = scale;
    double local_bias = bias;
    std::size_t t = updates;
    std::size_t k = first;
    for (; k < last; ++k) {
      if (pause(k)) break;
      eta = step_at(++t);
      rows_.prepare(k);
      const auto r = rows_.row_at(k);
      if (prefetch_weights_) rows_.prefetch_next(k, v.data());
      const double z = local_scale * core::sparse_dot(r.indices, r.values, r.count, v.data()) + local_bias;
      const double derivative = loss_derivative(loss, z, rows_.label_at(k));
      const double g = unit_weights_ ? derivative : rows_.weight_at(k) * inverse_mean_weight_ * derivative;
      const double bias_step = 0.0 + g;  // as update_one()
      if (l2 > 0.0) {                     // shrink()
        const double shrink_factor = 1.0 - eta * l2;
        if (shrink_factor <= 0.0) {
          std::fill(v.begin(), v.end(), 0.0);
          local_scale = 1.0;
        } else {
          local_scale *= shrink_factor;
        }
      }
      const double factor = -eta / local_scale;
      if (g != 0.0) core::sparse_axpy(factor * g, r.indices, r.values, r.count, v.data());
      local_bias -= eta * bias_step;
      if (local_scale < 1e-9) {
        scale = local_scale;
        fold_scale();
        local_scale = scale;
      }
    }
    scale = local_scale;
    bias = local_bias;
    updates = t;
    return k;
  }

  /// The weighted loss derivative g of the row at position k, r.
  double derivative_at(std::size_t k, const core::RowRef& r) const {
    return weighted_derivative(k, scale * core::sparse_dot(r.indices, r.values, r.count, v.data()) + bias);
  }

  /// The weighted loss derivative of the row at position k at margin z.
  double weighted_derivative(std::size_t k, double z) const {
    const double derivative = loss_derivative(input_.options.loss, z, rows_.label_at(k));
    // Without example weights the factor is (1 * 1), and multiplying by it
    // changes no bit; skipped, it is one multiply less on the chain of
    // dependent updates.
    if (unit_weights_) return derivative;
    return rows_.weight_at(k) * inverse_mean_weight_ * derivative;
  }

  /// The L2 shrink (1 - eta l2) of a step, applied to the scale.
  void shrink(double eta) {
    const double l2 = input_.options.l2;
    if (l2 <= 0.0) return;
    const double factor = 1.0 - eta * l2;
    if (factor <= 0.0) {
      // A step past the minimum of the penalty: w is set to 0 (as scikit-learn does).
      std::fill(v.begin(), v.end(), 0.0);
      scale = 1.0;
    } else {
      scale *= factor;
    }
  }

  /// Folds the scale into v (w = v).
  void fold_scale() {
    for (double& value : v) value *= scale;
    scale = 1.0;
  }

  /// theta = (w, b).
  void model(std::span<double> theta) const {
    const std::size_t d = v.size();
    for (std::size_t j = 0; j < d; ++j) theta[j] = scale * v[j];
    theta[d] = bias;
  }

  // The state: w = scale * v; the cumulative L1 penalty's total per weight
  // so far (l1_total) and what each weight received (l1_received).
  // Huge-page vectors for the lines of their own (see core::HugePageAllocator).
  core::HugePageVector<double> v;
  double scale = 1.0;
  double bias = 0.0;
  double l1_total = 0.0;
  std::vector<double> l1_received;
  std::size_t updates = 0;

 private:
  // Pulls each weight of the row towards 0 by what it has not yet received
  // of the cumulative penalty, without crossing 0.
  void apply_l1(const core::RowRef& r) {
    for (std::size_t k = 0; k < r.count; ++k) {
      const FeatureIndex j = r.indices[k];
      const double w = scale * v[j];
      double shrunk = w;
      if (w > 0.0) {
        shrunk = std::max(0.0, w - (l1_total + l1_received[j]));
      } else if (w < 0.0) {
        shrunk = std::min(0.0, w + (l1_total - l1_received[j]));
      }
      if (shrunk != w) {
        v[j] = shrunk / scale;
        l1_received[j] += shrunk - w;
      }
    }
  }

  const SolverInput& input_;
  core::RowStager rows_;
  core::HugePageVector<double> batch_gradients_;
  double inverse_mean_weight_;
  bool unit_weights_;
  bool prefetch_weights_;
};

/// Features per part of a parallel mix(): a part of fewer is not worth a
/// thread's wake-up (about 1 ns a feature per shard on one core).
constexpr std::size_t kMixPartFeatures = std::size_t{1} << 11;
/// Features per block within a part: each block's passes run over lines
/// still in the level-1 cache (8 KiB per vector).
constexpr std::size_t kMixBlockFeatures = 1024;

/// The number of parts that the mix of `shard_count` shards splits d
/// features into: as many as there are shards (so threads that ran them),
/// where each part has enough features.
std::size_t mix_parts(std::size_t d, std::size_t shard_count) {
  return std::clamp<std::size_t>(d / kMixPartFeatures, 1, shard_count);
}

/// The first feature of part p of `parts` over d features (d for p = parts),
/// on a whole cache line (8 doubles) so that no two parts write one line.
std::size_t mix_part_start(std::size_t d, std::size_t p, std::size_t parts) {
  return p == parts ? d : d * p / parts / 8 * 8;
}

/// Iterative parameter mixing of plain SGD shards (as in sgd_coordinate.cpp's
/// mix()) over the features [begin, end): the mean of the shards' weights,
/// with their scales folded in, summed in shard order,
///   w_j = (scale_0 v_0j + scale_1 v_1j + ... + scale_{K-1} v_{K-1}j) / K,
/// written to every shard's v_j and to theta_j. Each w_j has the same
/// operations on the same values whatever the block and part bounds, so the
/// parts may run on any threads. The scales, biases and update counts are
/// left to finish_mix(). Returns whether every w_j is finite: the check
/// between epochs then need not read theta, half of which the other thread
/// wrote (7.5k cycles of a two-shard epoch of reuters_grain, 3%, taking its
/// lines back).
bool mix_features(std::vector<PlainSequence>& shards, std::size_t begin, std::size_t end, std::span<double> theta) {
  const auto count = static_cast<double>(shards.size());
  constexpr std::uint64_t kExponent = 0x7ff0000000000000ULL;
  constexpr std::uint64_t kExponentOne = std::uint64_t{1} << 52;
  std::uint64_t carried = 0;
  double* __restrict mean = shards.front().v.data();
  const double first_scale = shards.front().scale;
  for (std::size_t block = begin; block < end; block += kMixBlockFeatures) {
    const std::size_t block_end = std::min(end, block + kMixBlockFeatures);
    // Separate passes over the block, not one loop over shards per feature:
    // each pass is one vector loop.
    for (std::size_t j = block; j < block_end; ++j) mean[j] = first_scale * mean[j];
    for (std::size_t s = 1; s < shards.size(); ++s) {
      const double scale = shards[s].scale;
      const double* __restrict v = shards[s].v.data();
      for (std::size_t j = block; j < block_end; ++j) mean[j] += scale * v[j];
    }
    double* __restrict model = theta.data();
    for (std::size_t j = block; j < block_end; ++j) {
      mean[j] /= count;
      model[j] = mean[j];
      carried |= (std::bit_cast<std::uint64_t>(mean[j]) & kExponent) + kExponentOne;  // as all_finite()
    }
    for (std::size_t s = 1; s < shards.size(); ++s) {
      std::copy(mean + block, mean + block_end, shards[s].v.data() + block);
    }
  }
  return (carried >> 63) == 0;
}

/// After mix_features() over all features: every shard continues from the
/// mean bias, with scale 1, at the longest shard's update count; theta's
/// last element is the bias.
void finish_mix(std::vector<PlainSequence>& shards, std::span<double> theta) {
  const auto count = static_cast<double>(shards.size());
  std::size_t updates = 0;
  for (const PlainSequence& shard : shards) updates = std::max(updates, shard.updates);
  double bias = 0.0;
  for (const PlainSequence& shard : shards) bias += shard.bias;
  bias /= count;
  for (PlainSequence& shard : shards) {
    shard.scale = 1.0;
    shard.bias = bias;
    shard.updates = updates;
  }
  theta.back() = bias;
}

}  // namespace

Result<Model> train_sgd(const SolverInput& input) {
  const TrainOptions& options = input.options;
  // Per-coordinate steps, standardisation and averaging live in
  // sgd_coordinate.cpp; this file keeps the note's plain SGD with an exact
  // lazy L2 scale and the cumulative L1 penalty, sequential or in shards.
  if (options.adaptive != Adaptive::kOff || options.average ||
      (options.l1 == 0.0 && wants_standardize(input))) {
    return train_sgd_coordinate(input);
  }
  const DataView& train = input.train;
  const std::size_t n = train.rows();
  const std::size_t d = train.num_features;
  const std::size_t batch = std::min(options.batch_size, n);
  const double tol = options.tol.value_or(1e-4);
  // Each shard takes at least one batch per epoch; train() rejects --l1 with shards.
  const std::size_t shard_count =
      options.l1 > 0.0 ? 1 : std::max<std::size_t>(1, std::min(options.shards, n / std::max<std::size_t>(1, batch)));

  // Example weights enter as c_i / mean(c) so each step is an unbiased
  // estimate of the weighted-mean gradient.
  double weight_sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) weight_sum += train.weight(i);
  if (!(weight_sum > 0.0)) return Error("the example weights sum to zero");
  const double inverse_mean_weight = static_cast<double>(n) / weight_sum;

  EpochOrder order(n, shard_count, options.seed);
  std::vector<PlainSequence> shards;
  shards.reserve(shard_count);  // the checkpoint refers to shards[0]'s members
  for (std::size_t s = 0; s < shard_count; ++s) {
    shards.emplace_back(input, order.rows().subspan(shard_start(n, s, shard_count), shard_rows(n, s, shard_count)),
                        inverse_mean_weight);
  }
  PlainSequence& sequence = shards.front();
  std::unique_ptr<core::HelperThread> helper = shard_helper(shard_count, train.nonzeros());
  const std::size_t parts = mix_parts(d, shard_count);
  std::vector<char> part_finite(parts, 0);  // what each part of the mix saw
  bool mixed_finite = false;

  Objective objective(train, options.loss, input.penalty());
  std::vector<double> theta(d + 1, 0.0);
  core::Rng rng(options.seed);
  const StepSize step_size(options);

  TrainReport report;
  report.train_rows = n;
  EpochMonitor monitor(input, objective, tol);
  // With shards the update clock advances by the longest shard's updates per
  // epoch; the report counts every update of every shard.
  std::size_t performed_updates = 0;

  SolverState state;
  state.add("v", sequence.v);
  state.add("scale", sequence.scale);
  state.add("bias", sequence.bias);
  state.add("l1_total", sequence.l1_total);
  state.add("l1_received", sequence.l1_received);
  state.add("updates", sequence.updates);
  if (shard_count > 1) state.add("performed_updates", performed_updates);
  monitor.add_to(state);
  auto cursor = start_epochs(input, state, rng, order);
  CheckpointClock checkpoint_clock(input);
  if (!cursor.ok()) return cursor.error();
  for (std::size_t s = 1; s < shard_count; ++s) {
    shards[s].v = sequence.v;
    shards[s].scale = sequence.scale;
    shards[s].bias = sequence.bias;
    shards[s].updates = sequence.updates;
  }
  double eta = step_size.at(std::max<std::size_t>(sequence.updates, 1));
  const bool per_example = batch == 1 && options.l1 == 0.0;
  const auto step_at = [step_size](std::size_t t) { return step_size.at(t); };
  auto current_model = [&] {
    sequence.model(theta);
    Model model = make_model(input, theta);
    model.report = report;
    return model;
  };

  for (std::size_t epoch = cursor.value().epoch; epoch <= options.epochs; ++epoch) {
    order.shuffle_whole(epoch, rng);
    for (PlainSequence& shard : shards) shard.new_epoch();
    const std::size_t begin = epoch == cursor.value().epoch ? cursor.value().position : 0;
    if (shard_count == 1 && per_example) {
      // Stops and checkpoints may come before any row, as in the loop below.
      enum class Pause { kNone, kStop, kCheckpoint } reason = Pause::kNone;
      const auto pause = [&](std::size_t) {
        reason = input.stop_requested() ? Pause::kStop : checkpoint_clock.due() ? Pause::kCheckpoint : Pause::kNone;
        return reason != Pause::kNone;
      };
      for (std::size_t first = begin; first < n;) {
        first = sequence.update_each(first, n, step_at, pause, eta);
        if (reason == Pause::kStop) {
          if (Status status = offer_checkpoint(input, state.save(input, epoch, first)); !status) return status.error();
          report.iterations = epoch - 1;
          report.stop_reason = StopReason::kInterrupted;
          return current_model();
        }
        if (reason == Pause::kCheckpoint) {
          if (Status status = offer_checkpoint(input, state.save(input, epoch, first)); !status) return status.error();
          reason = Pause::kNone;
        }
      }
    } else if (shard_count == 1) {
      for (std::size_t first = begin; first < n; first += batch) {
        if (input.stop_requested()) {
          if (Status status = offer_checkpoint(input, state.save(input, epoch, first)); !status) return status.error();
          report.iterations = epoch - 1;
          report.stop_reason = StopReason::kInterrupted;
          return current_model();
        }
        if (checkpoint_clock.due()) {
          if (Status status = offer_checkpoint(input, state.save(input, epoch, first)); !status) return status.error();
        }
        eta = step_size.at(++sequence.updates);
        sequence.update(first, std::min(first + batch, n), eta);
      }
    } else {
      // Shards learn from their own rows of the epoch at the same time, and
      // are mixed at its end; stops and checkpoints wait for the mix.
      const std::size_t clock_before = sequence.updates;
      auto learn_shard = [&](std::size_t s) {
        PlainSequence& shard = shards[s];
        const std::size_t positions = shard_rows(n, s, shard_count);
        order.shuffle_shard(epoch, s);
        if (per_example) {
          double last_eta = 0.0;
          shard.update_each(0, positions, step_at, [](std::size_t) { return false; }, last_eta);
          return;
        }
        for (std::size_t first = 0; first < positions; first += batch) {
          shard.update(first, std::min(first + batch, positions), step_size.at(++shard.updates));
        }
      };
      run_shards(helper.get(), shard_count, learn_shard);
      for (const PlainSequence& shard : shards) performed_updates += shard.updates - clock_before;
      // The mix, split over the threads that ran the shards; it leaves
      // theta at the mixed model (scale 1: theta_j = 1.0 * v_j = v_j).
      run_shards(helper.get(), parts, [&](std::size_t p) {
        part_finite[p] = mix_features(shards, mix_part_start(d, p, parts), mix_part_start(d, p + 1, parts), theta);
      });
      finish_mix(shards, theta);
      mixed_finite = std::isfinite(theta.back()) &&
                     std::all_of(part_finite.begin(), part_finite.end(), [](char finite) { return finite != 0; });
      eta = step_size.at(sequence.updates);
    }
    report.iterations = epoch;
    report.updates = shard_count > 1 ? performed_updates : sequence.updates;

    if (shard_count == 1) sequence.model(theta);
    const Result<bool> converged = monitor.end_epoch(epoch, theta, eta, report, shard_count > 1 && mixed_finite);
    if (!converged.ok()) return converged.error();
    if (converged.value()) break;
    const Result<bool> stop = checkpoint_between_epochs(input, epoch, shard_count > 1, checkpoint_clock, report,
                                                        [&] { return state.save(input, epoch + 1, 0); });
    if (!stop.ok()) return stop.error();
    if (stop.value()) return current_model();
  }
  const Result<double> final_objective = monitor.final_objective(theta);
  if (!final_objective.ok()) return final_objective.error();
  report.objective = final_objective.value();
  report.seconds = input.elapsed();
  Model model = make_model(input, theta);
  model.report = report;
  return model;
}

}  // namespace logreg::learn
