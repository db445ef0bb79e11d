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
// Stopping: after `epochs` epochs, or when the monitored loss (validation
// loss if a validation set is given, else the training objective) has not
// improved on its best by more than tol for n_iter_no_change epochs.
// Cost per epoch: O(nnz) for the updates, plus O(nnz + d) for the exact
// training objective when it is read each epoch (EpochMonitor).
#include "learn/solver.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "core/kernels.hpp"
#include "core/row_stager.hpp"
#include "core/rng.hpp"
#include "logreg/metrics.hpp"
#include "logreg/objective.hpp"

namespace logreg::learn {
namespace {

constexpr std::size_t kPrefetchWeightsFrom = std::size_t{1} << 16;  // 512 KiB of weights

class StepSize {
 public:
  explicit StepSize(const TrainOptions& options) : options_(options) {
    if (options.schedule == Schedule::kOptimal) {
      // Bottou's heuristic, as in scikit-learn: a typical weight of
      // 1/sqrt(sqrt(l2)) sets the first step; the loss derivatives are <= 1.
      const double typical_weight = std::sqrt(1.0 / std::sqrt(options.l2));
      t0_ = 1.0 / (typical_weight * options.l2);
    }
  }
  double at(std::size_t t) const {
    const auto step = static_cast<double>(t);
    switch (options_.schedule) {
      case Schedule::kConstant: return options_.learning_rate;
      case Schedule::kInvScaling: return options_.learning_rate / std::pow(step, options_.power_t);
      case Schedule::kOptimal: return 1.0 / (options_.l2 * (t0_ + step - 1.0));
    }
    return options_.learning_rate;
  }

 private:
  const TrainOptions& options_;
  double t0_ = 0.0;
};

}  // namespace

Result<Model> train_sgd(const SolverInput& input) {
  const TrainOptions& options = input.options;
  // Per-coordinate steps, standardisation and averaging live in
  // sgd_coordinate.cpp; this file keeps the note's plain SGD with an exact
  // lazy L2 scale and the cumulative L1 penalty.
  if (options.adaptive != Adaptive::kOff || options.average || options.shards > 1 ||
      (options.l1 == 0.0 && wants_standardize(input))) {
    return train_sgd_coordinate(input);
  }
  const DataView& train = input.train;
  const std::size_t n = train.rows();
  const std::size_t d = train.num_features;
  const std::size_t batch = std::min(options.batch_size, n);
  const double l2 = options.l2;
  const double l1 = options.l1;
  const double tol = options.tol.value_or(1e-4);

  // Example weights enter as c_i / mean(c) so each step is an unbiased
  // estimate of the weighted-mean gradient.
  double weight_sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) weight_sum += train.weight(i);
  if (!(weight_sum > 0.0)) return Error("the example weights sum to zero");
  const double inverse_mean_weight = static_cast<double>(n) / weight_sum;

  std::vector<double> v(input.theta0.begin(), input.theta0.begin() + static_cast<std::ptrdiff_t>(d));  // w = scale * v
  double scale = 1.0;
  double bias = input.theta0[d];
  // Cumulative L1 penalty: total per weight so far (u) and what each weight received (q).
  double l1_total = 0.0;
  std::vector<double> l1_received(l1 > 0.0 ? d : 0, 0.0);
  auto apply_l1 = [&](const core::RowRef& r) {
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
  };

  Objective objective(train, options.loss, input.penalty());
  std::vector<double> theta(d + 1, 0.0);

  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::vector<double> batch_gradients(batch);
  core::Rng rng(options.seed);
  const StepSize step_size(options);

  std::size_t t = 0;
  double eta = step_size.at(1);
  TrainReport report;
  report.train_rows = n;
  EpochMonitor monitor(input, objective, tol);

  SolverState state;
  state.add("v", v);
  state.add("scale", scale);
  state.add("bias", bias);
  state.add("l1_total", l1_total);
  state.add("l1_received", l1_received);
  state.add("updates", t);
  monitor.add_to(state);
  auto cursor = start_epochs(input, state, rng, order);
  CheckpointClock checkpoint_clock(input);
  if (!cursor.ok()) return cursor.error();
  auto current_model = [&] {
    for (std::size_t j = 0; j < d; ++j) theta[j] = scale * v[j];
    theta[d] = bias;
    Model model = make_model(input, theta);
    model.report = report;
    return model;
  };

  // Small batches read their rows from a staged copy (core::RowStager): their
  // updates are bound by the memory latency of the shuffled rows. Weights
  // beyond the level-2 cache are requested a row ahead.
  core::RowStager epoch_rows(train, order, batch);
  const bool prefetch_weights = d >= kPrefetchWeightsFrom;
  for (std::size_t epoch = cursor.value().epoch; epoch <= options.epochs; ++epoch) {
    rng.shuffle(std::span<std::size_t>(order));
    epoch_rows.new_epoch();
    const std::size_t begin = epoch == cursor.value().epoch ? cursor.value().position : 0;
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
      const std::size_t last = std::min(first + batch, n);
      epoch_rows.prepare(first);
      ++t;
      eta = step_size.at(t);
      // All margins of the batch before any weight moves.
      double bias_step = 0.0;
      for (std::size_t k = first; k < last; ++k) {
        const auto r = epoch_rows.row_at(k);
        if (prefetch_weights) epoch_rows.prefetch_next(k, v.data());
        const double z = scale * core::sparse_dot(r.indices, r.values, r.count, v.data()) + bias;
        const double g =
            epoch_rows.weight_at(k) * inverse_mean_weight * loss_derivative(options.loss, z, epoch_rows.label_at(k));
        batch_gradients[k - first] = g;
        bias_step += g;
      }
      const double step = eta / static_cast<double>(last - first);
      if (l2 > 0.0) {
        const double shrink = 1.0 - eta * l2;
        if (shrink <= 0.0) {
          // A step past the minimum of the penalty: w is set to 0 (as scikit-learn does).
          std::fill(v.begin(), v.end(), 0.0);
          scale = 1.0;
        } else {
          scale *= shrink;
        }
      }
      const double factor = -step / scale;
      for (std::size_t k = first; k < last; ++k) {
        const double g = batch_gradients[k - first];
        if (g == 0.0) continue;
        const auto r = epoch_rows.row_at(k);
        core::sparse_axpy(factor * g, r.indices, r.values, r.count, v.data());
      }
      bias -= step * bias_step;
      if (l1 > 0.0) {
        l1_total += eta * l1;
        for (std::size_t k = first; k < last; ++k) apply_l1(epoch_rows.row_at(k));
      }
      if (scale < 1e-9) {
        for (double& value : v) value *= scale;
        scale = 1.0;
      }
    }
    report.iterations = epoch;
    report.updates = t;

    for (std::size_t j = 0; j < d; ++j) theta[j] = scale * v[j];
    theta[d] = bias;
    const Result<bool> converged = monitor.end_epoch(epoch, theta, eta, report);
    if (!converged.ok()) return converged.error();
    if (converged.value()) break;
    const std::size_t every = input.control != nullptr ? input.control->checkpoint_every : 0;
    if (every > 0 && epoch % every == 0 && epoch < options.epochs) {
      if (Status status = offer_checkpoint(input, state.save(input, epoch + 1, 0)); !status) return status.error();
    }
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
