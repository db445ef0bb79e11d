// SGD with per-coordinate step sizes: AdaGrad, normalised adaptive steps,
// standardisation as a diagonal preconditioner, and Polyak-Ruppert averaging.
//
// Problem (the same as every solver, docs/objective.md):
//   minimise f(w, b) = sum_i c_i L(w.x_i + b, y_i) / sum_i c_i + (l2/2) ||w||^2
// with the penalty on the raw weights, so standardising changes the path,
// never the optimum.
//
// Each batch S takes one step per touched coordinate j:
//   w_j <- w_j - eta_j * (mean_{i in S} g_i x_ij + l2 w_j / P_j)
// with g_i = (c_i / mean c) dL/dz(z_i) and P_j = 1 - (1 - p_j)^|S| the chance
// that a batch touches feature j (p_j: the share of rows where x_j != 0).
// The penalty is applied only to touched coordinates, divided by the chance
// of a touch: an unbiased estimate of l2 w_j that keeps a sparse step O(nnz).
// The bias is a coordinate with x = 1 and no penalty.
//
// eta_j by --adaptive:
//   off:        eta_t m_j, eta_t from --schedule, m_j = 1/var_j with
//               --standardize (the same steps as SGD on x_j / std_j, with the
//               weights kept in raw units), else 1;
//   adagrad:    eta_t / (sqrt(G_j) + 1e-12), G_j the sum of squared gradient
//               components (J. Duchi, E. Hazan, Y. Singer, "Adaptive
//               subgradient methods", JMLR 12, 2011);
//   normalized: eta_t sqrt(t / N) / (s_j sqrt(G_j)), s_j the largest |x_j|
//               seen (weights rescaled by (s_old / s_new)^2 when it grows), N
//               the running sum of sum_j (x_j / s_j)^2 and t the examples seen
//               (Algorithm NAG of S. Ross, P. Mineiro, J. Langford,
//               "Normalized online learning", UAI 2013; VW's default update).
//               Invariant to the scale of every feature.
// NAG is scale-free per feature, AdaGrad (the default) is not: its step is in
// units of the weight, so it wants features of comparable size. Neither is
// shift-free: centring dense columns far from 0 (ages, amounts) helps both,
// so auto standardisation looks at the data, whatever the update rule.
//
// Averaging (--average, on by default): the model is the mean of the
// iterates after the updates from epoch --average-start on (B. T. Polyak and
// A. B. Juditsky, 1992; D. Ruppert, 1988; starting after the first epoch as
// L. Bottou's ASGD does, "Stochastic gradient descent tricks", 2012), kept in
// O(nnz) per update by summing each weight times the number of updates it
// stayed unchanged (the "delayed update" of W. Xu, "Towards optimal one pass
// large scale learning with averaged stochastic gradient descent", 2011).
//
// Cost per epoch: O(nnz) for the updates plus one pass for the exact
// training objective reported each epoch, and O(d) for the averaged model.
// Stopping: as plain SGD (epochs, or early stopping on the monitored loss).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "core/kernels.hpp"
#include "core/row_stager.hpp"
#include "core/rng.hpp"
#include "learn/solver.hpp"

namespace logreg::learn {
namespace {

constexpr double kAdaGradEpsilon = 1e-12;
/// From this many features on, the weights and per-coordinate state outgrow
/// the level-2 cache and the next row's are requested a row ahead.
constexpr std::size_t kPrefetchStateFrom = std::size_t{1} << 14;
/// Sparse columns non-zero in at least this share of the rows are scaled to
/// a unit second moment (docs/sgd-defaults.md, section 2.3).
constexpr double kCommonColumnShare = 0.1;

double schedule_rate(const TrainOptions& o, std::size_t t) {
  const auto step = static_cast<double>(t);
  switch (o.schedule) {
    case Schedule::kConstant: return o.learning_rate;
    case Schedule::kInvScaling: return o.learning_rate / std::pow(step, o.power_t);
    case Schedule::kOptimal: {
      const double typical_weight = std::sqrt(1.0 / std::sqrt(o.l2));
      const double t0 = 1.0 / (typical_weight * o.l2);
      return 1.0 / (o.l2 * (t0 + step - 1.0));
    }
  }
  return o.learning_rate;
}

/// What the updates keep per coordinate besides the weight, side by side:
/// on wide data each of these is a cache miss per non-zero when it lives in
/// an array of its own (5 misses instead of 1).
struct CoordinateState {
  double squared_gradients = 0.0;  // G_j
  double touch_penalty = 0.0;      // l2 s_j / P_j (see above)
  // Averaging: the mean of w over the iterates after updates origin + 1,
  // ..., now, kept in O(1) per change of w. A value set during update k is
  // the iterate after updates k, k + 1, ... until it changes again.
  double average_sum = 0.0;
  double average_since = 1.0;  // an update count, exact in a double below 2^53
};

/// Call before changing coordinate c during update `now` (counted from 1).
void before_change(CoordinateState& c, double value, std::size_t now) {
  const auto at = static_cast<double>(now);
  c.average_sum += value * (at - c.average_since);
  c.average_since = at;
}

/// The mean after update `now`, `value` being the coordinate's current value.
double average_of(const CoordinateState& c, double value, std::size_t now, std::size_t origin) {
  if (now <= origin) return value;
  const auto at = static_cast<double>(now);
  return (c.average_sum + value * (at + 1.0 - c.average_since)) / (at - static_cast<double>(origin));
}

}  // namespace

namespace {

/// Per-column counts, sums and sums of squares of the non-zeros, side by
/// side (one cache miss per non-zero on wide data, not three).
struct ColumnStatistics {
  double count = 0.0;
  double sum = 0.0;
  double squares = 0.0;
};

std::vector<ColumnStatistics> column_statistics(const DataView& data) {
  std::vector<ColumnStatistics> columns(data.num_features);
  for (std::size_t k = 0; k < data.nonzeros(); ++k) {
    ColumnStatistics& c = columns[data.indices[k]];
    c.count += 1.0;
    c.sum += data.values[k];
    c.squares += data.values[k] * data.values[k];
  }
  return columns;
}

bool wants_standardize(const TrainOptions& o, const std::vector<ColumnStatistics>& columns, std::size_t row_count) {
  if (o.standardize == Standardize::kOn) return true;
  if (o.standardize == Standardize::kOff) return false;
  // auto: on when some dense column (non-zero in at least half the rows) is
  // far from centred (|mean| > std: it fights the bias) or the dense columns'
  // root-mean-squares differ by more than 10x.
  const auto rows = static_cast<double>(row_count);
  double smallest = std::numeric_limits<double>::infinity();
  double largest = 0.0;
  for (const ColumnStatistics& c : columns) {
    if (c.count < 0.5 * rows || c.squares <= 0.0) continue;
    const double mean = c.sum / rows;
    const double variance = c.squares / rows - mean * mean;
    if (mean * mean > variance) return true;
    smallest = std::min(smallest, c.squares);
    largest = std::max(largest, c.squares);
  }
  return largest > 100.0 * smallest;  // ratio of RMS > 10
}

}  // namespace

bool wants_standardize(const SolverInput& input) {
  const TrainOptions& o = input.options;
  if (o.standardize != Standardize::kAuto) return o.standardize == Standardize::kOn;
  return wants_standardize(o, column_statistics(input.train), input.train.rows());
}

Result<Model> train_sgd_coordinate(const SolverInput& input) {
  const TrainOptions& o = input.options;
  const DataView& train = input.train;
  const std::size_t n = train.rows();
  const std::size_t d = train.num_features;
  const std::size_t batch = std::min(o.batch_size, n);
  const double tol = o.tol.value_or(1e-4);
  if (o.l1 > 0.0) {
    return Error("--l1 with --solver sgd needs --adaptive off, no --average and no --standardize on "
                 "(the cumulative-penalty path); or use --solver lbfgs");
  }

  double weight_sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) weight_sum += train.weight(i);
  const double inverse_mean_weight = static_cast<double>(n) / weight_sum;
  const auto rows = static_cast<double>(n);

  // Column statistics in one pass.
  const std::vector<ColumnStatistics> columns = column_statistics(train);
  // The feature transform x'_j = s_j (x_j - mu_j). Dense columns (non-zero
  // in at least half the rows) are centred and divided by their standard
  // deviation. Centring a column touches it in every row, which costs no
  // more than its non-zeros do. Sparse columns are only scaled, so they stay
  // sparse: common ones (non-zero in at least 10% of the rows) to a unit
  // second moment, like the dense ones; rare ones by the root-mean-square of
  // their non-zeros, so that the few rows holding a rare feature (a rare
  // category's 1) keep values of size 1 instead of 1/sqrt(share), which
  // would make their per-coordinate steps large and noisy.
  const bool standardize = wants_standardize(o, columns, n);
  std::vector<double> scale(d, 1.0);  // s_j
  std::vector<double> center(d, 0.0);  // mu_j
  std::vector<FeatureIndex> centered;  // C, ascending
  std::vector<std::ptrdiff_t> center_slot(d, -1);
  if (standardize) {
    for (std::size_t j = 0; j < d; ++j) {
      if (columns[j].count >= 0.5 * rows) {
        const double mean = columns[j].sum / rows;
        const double variance = columns[j].squares / rows - mean * mean;
        center[j] = mean;
        scale[j] = variance > 1e-300 * std::max(1.0, mean * mean) ? 1.0 / std::sqrt(variance) : 1.0;
        center_slot[j] = static_cast<std::ptrdiff_t>(centered.size());
        centered.push_back(static_cast<FeatureIndex>(j));
      } else if (columns[j].count >= kCommonColumnShare * rows) {
        scale[j] = 1.0 / std::sqrt(columns[j].squares / rows);
      } else if (columns[j].squares > 0.0) {
        scale[j] = 1.0 / std::sqrt(columns[j].squares / columns[j].count);
      }
    }
  }
  // Penalty on touch, in the transformed space: (l2/2)(s_j w'_j)^2 has the
  // gradient l2 s_j^2 w'_j = l2 s_j u_j, divided by the chance of a touch.
  std::vector<CoordinateState> coords(d + 1);  // the bias last
  if (o.l2 > 0.0) {
    for (std::size_t j = 0; j < d; ++j) {
      const double p = center_slot[j] >= 0 ? 1.0 : columns[j].count / rows;
      const double touched = 1.0 - std::pow(1.0 - p, static_cast<double>(batch));
      coords[j].touch_penalty = touched > 0.0 ? o.l2 * scale[j] / touched : 0.0;
    }
  }

  // Parameters: raw weights u_j = s_j w'_j, and the bias beta of the
  // centred problem; the raw bias is beta - sum_C u_j mu_j (kept as offset).
  std::vector<double> u(input.theta0.begin(), input.theta0.begin() + static_cast<std::ptrdiff_t>(d));
  double offset = 0.0;
  for (FeatureIndex j : centered) offset += u[j] * center[j];
  double beta = input.theta0[d] + offset;

  std::vector<double> largest_seen(d, 0.0);           // s_j of NAG, on x'
  double normalizer = 0.0;                            // N (normalized)
  std::size_t examples_seen = 0;                      // t (normalized)
  std::size_t average_origin = 0;  // the update after which the mean starts
  std::size_t updates = 0;

  std::vector<double> component(d, 0.0);
  std::vector<FeatureIndex> touched;
  std::vector<char> is_touched(d, 0);
  std::vector<double> batch_gradients(batch);
  std::vector<std::size_t> seen_stamp(centered.size(), 0);
  std::size_t stamp = 0;

  // Visits every non-zero x'_j of row r: its own entries, then the centred
  // columns it lacks (x'_j = -s_j mu_j there).
  auto for_each_feature = [&](const core::RowRef& r, auto&& visit) {
    if (!standardize) {  // x' = x: the scale and centre arrays are not read (a cache miss each on wide data)
      for (std::size_t p = 0; p < r.count; ++p) visit(r.indices[p], r.values[p]);
      return;
    }
    ++stamp;
    for (std::size_t p = 0; p < r.count; ++p) {
      const FeatureIndex j = r.indices[p];
      if (center_slot[j] >= 0) seen_stamp[static_cast<std::size_t>(center_slot[j])] = stamp;
      visit(j, scale[j] * (r.values[p] - center[j]));
    }
    for (std::size_t c = 0; c < centered.size(); ++c) {
      if (seen_stamp[c] != stamp) visit(centered[c], -scale[centered[c]] * center[centered[c]]);
    }
  };

  Objective objective(train, o.loss, input.penalty());
  std::vector<double> theta(d + 1, 0.0);
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  core::Rng rng(o.seed);

  TrainReport report;
  report.train_rows = n;
  double best_monitored = std::numeric_limits<double>::infinity();
  std::size_t epochs_without_improvement = 0;
  double previous_objective = std::numeric_limits<double>::infinity();
  const double start_objective = objective.value(input.theta0);
  std::size_t rising = 0;
  double train_objective = 0.0;
  double eta = schedule_rate(o, 1);

  // Sets u_j (recording the old value for the average, and the offset).
  auto set_weight = [&](std::size_t j, double value) {
    if (o.average) before_change(coords[j], u[j], updates);
    if (standardize && center_slot[j] >= 0) offset += (value - u[j]) * center[j];
    u[j] = value;
  };
  // Step size of transformed coordinate j (bias: j == d) for gradient component g.
  auto step_size = [&](std::size_t j, double gradient) {
    switch (o.adaptive) {
      case Adaptive::kOff: return eta;
      case Adaptive::kAdaGrad:
        coords[j].squared_gradients += gradient * gradient;
        return eta / (std::sqrt(coords[j].squared_gradients) + kAdaGradEpsilon);
      case Adaptive::kNormalized: {
        coords[j].squared_gradients += gradient * gradient;
        const double largest = j < d ? largest_seen[j] : 1.0;
        const double root = std::sqrt(coords[j].squared_gradients);
        if (root == 0.0 || largest == 0.0 || normalizer == 0.0) return 0.0;
        return eta * std::sqrt(static_cast<double>(examples_seen) / normalizer) / (largest * root);
      }
    }
    return eta;
  };

  SolverState state;
  state.add("u", u);
  state.add("beta", beta);
  state.add("offset", offset);
  // The checkpoint holds the per-coordinate state as named vectors, copied
  // from and to `coords` around a save and a restore.
  std::vector<double> squared_gradients;
  std::vector<double> average_sum;
  std::vector<double> average_since;
  state.add("squared_gradients", squared_gradients);
  state.add("largest_seen", largest_seen);
  state.add("normalizer", normalizer);
  state.add("examples_seen", examples_seen);
  state.add("updates", updates);
  state.add("best_monitored", best_monitored);
  state.add("epochs_without_improvement", epochs_without_improvement);
  state.add("previous_objective", previous_objective);
  state.add("rising", rising);
  state.add("train_objective", train_objective);
  if (o.average) {
    state.add("average_sum", average_sum);
    state.add("average_since", average_since);
    state.add("average_origin", average_origin);
  }
  auto copy_out = [&] {
    squared_gradients.resize(d + 1);
    average_sum.resize(o.average ? d + 1 : 0);
    average_since.resize(o.average ? d + 1 : 0);
    for (std::size_t j = 0; j <= d; ++j) {
      squared_gradients[j] = coords[j].squared_gradients;
      if (o.average) {
        average_sum[j] = coords[j].average_sum;
        average_since[j] = coords[j].average_since;
      }
    }
  };
  auto save_state = [&](std::size_t epoch, std::size_t position) {
    copy_out();
    return state.save(input, epoch, position);
  };
  copy_out();  // sizes the vectors a restore checks against
  auto cursor = start_epochs(input, state, rng, order);
  for (std::size_t j = 0; j <= d; ++j) {
    coords[j].squared_gradients = squared_gradients[j];
    if (o.average) {
      coords[j].average_sum = average_sum[j];
      coords[j].average_since = average_since[j];
    }
  }
  CheckpointClock checkpoint_clock(input);
  if (!cursor.ok()) return cursor.error();
  auto current_model = [&] {
    double raw_offset = 0.0;
    for (std::size_t j = 0; j < d; ++j) theta[j] = u[j];
    for (FeatureIndex j : centered) raw_offset += theta[j] * center[j];
    theta[d] = beta - raw_offset;
    Model model = make_model(input, theta);
    model.report = report;
    return model;
  };

  // Small batches read their rows from a staged copy (core::RowStager).
  core::RowStager epoch_rows(train, order, batch);
  const bool prefetch_state = d >= kPrefetchStateFrom;
  for (std::size_t epoch = cursor.value().epoch; epoch <= o.epochs; ++epoch) {
    rng.shuffle(std::span<std::size_t>(order));
    epoch_rows.new_epoch();
    const std::size_t begin = epoch == cursor.value().epoch ? cursor.value().position : 0;
    // Averaging starts with epoch average_start (the last epoch when there
    // are fewer): the first epoch's large steps stay out of the mean.
    if (begin == 0 && o.average && epoch > 1 && epoch == std::min(o.average_start, o.epochs)) {
      for (CoordinateState& c : coords) {
        c.average_sum = 0.0;
        c.average_since = static_cast<double>(updates) + 1.0;
      }
      average_origin = updates;
    }
    if (begin == 0) {
      // Rounding in the running offset does not accumulate across epochs.
      offset = 0.0;
      for (FeatureIndex j : centered) offset += u[j] * center[j];
    }
    for (std::size_t first = begin; first < n; first += batch) {
      if (input.stop_requested()) {
        if (Status status = offer_checkpoint(input, save_state(epoch, first)); !status) return status.error();
        report.iterations = epoch - 1;
        report.stop_reason = StopReason::kInterrupted;
        return current_model();
      }
      if (checkpoint_clock.due()) {
        if (Status status = offer_checkpoint(input, save_state(epoch, first)); !status) return status.error();
      }
      const std::size_t last = std::min(first + batch, n);
      epoch_rows.prepare(first);
      ++updates;
      eta = schedule_rate(o, updates);
      if (o.adaptive == Adaptive::kNormalized) {
        // Per-feature scales first: a weight is rescaled when its feature's
        // largest magnitude grows, so w'_j x'_j keeps its size.
        for (std::size_t k = first; k < last; ++k) {
          double norm = 0.0;
          for_each_feature(epoch_rows.row_at(k), [&](FeatureIndex j, double x) {
            const double magnitude = std::fabs(x);
            if (magnitude > largest_seen[j]) {
              if (largest_seen[j] > 0.0) {
                const double ratio = largest_seen[j] / magnitude;
                set_weight(j, u[j] * ratio * ratio);
              }
              largest_seen[j] = magnitude;
            }
            if (largest_seen[j] > 0.0) norm += (x / largest_seen[j]) * (x / largest_seen[j]);
          });
          normalizer += norm + 1.0;  // + the bias feature
          ++examples_seen;
        }
      }
      double bias_gradient = 0.0;
      for (std::size_t k = first; k < last; ++k) {
        const auto r = epoch_rows.row_at(k);
        if (prefetch_state) {
          epoch_rows.prefetch_next(k, u.data());
          epoch_rows.prefetch_next(k, coords.data());
        }
        const double z = core::sparse_dot(r.indices, r.values, r.count, u.data()) - offset + beta;
        const double g =
            epoch_rows.weight_at(k) * inverse_mean_weight * loss_derivative(o.loss, z, epoch_rows.label_at(k));
        batch_gradients[k - first] = g;
        bias_gradient += g;
      }
      const double inverse_batch = 1.0 / static_cast<double>(last - first);
      if (last - first == 1) {
        // One row: its features are distinct (indices ascend), so each
        // coordinate's gradient is known at once, with the same bits as the
        // general path below without its per-batch bookkeeping.
        const double g = batch_gradients[0];
        for_each_feature(epoch_rows.row_at(first), [&](FeatureIndex j, double x) {
          const double gradient = g * x + coords[j].touch_penalty * u[j];
          if (gradient == 0.0) return;
          set_weight(j, u[j] - (standardize ? scale[j] : 1.0) * step_size(j, gradient) * gradient);
        });
      }
      for (std::size_t k = first; k < last && last - first > 1; ++k) {
        const double g = batch_gradients[k - first];
        for_each_feature(epoch_rows.row_at(k), [&](FeatureIndex j, double x) {
          if (!is_touched[j]) {
            is_touched[j] = 1;
            touched.push_back(j);
          }
          component[j] += g * x;
        });
      }
      for (FeatureIndex j : touched) {
        const double gradient = component[j] * inverse_batch + coords[j].touch_penalty * u[j];
        component[j] = 0.0;
        is_touched[j] = 0;
        if (gradient == 0.0) continue;
        // w'_j -= step * gradient, i.e. u_j -= s_j * step * gradient.
        set_weight(j, u[j] - scale[j] * step_size(j, gradient) * gradient);
      }
      touched.clear();
      const double bias_step = bias_gradient * inverse_batch;
      if (bias_step != 0.0) {
        const double updated = beta - step_size(d, bias_step) * bias_step;
        if (o.average) before_change(coords[d], beta, updates);
        beta = updated;
      }
    }
    report.iterations = epoch;
    report.updates = updates;

    // Back to raw features: b = beta - sum_C u_j mu_j (of the averages when averaging).
    double raw_offset = 0.0;
    for (std::size_t j = 0; j < d; ++j) theta[j] = o.average ? average_of(coords[j], u[j], updates, average_origin) : u[j];
    for (FeatureIndex j : centered) raw_offset += theta[j] * center[j];
    theta[d] = (o.average ? average_of(coords[d], beta, updates, average_origin) : beta) - raw_offset;
    train_objective = objective.value(theta);
    if (!std::isfinite(train_objective) || !all_finite(theta)) {
      return divergence_error(epoch, "epoch", "try a smaller --learning-rate");
    }
    rising = train_objective > previous_objective ? rising + 1 : 0;
    previous_objective = train_objective;

    Progress line;
    line.iteration = epoch;
    line.objective = train_objective;
    line.step = eta;
    line.rising_epochs = rising;
    line.worse_than_start = train_objective > start_objective;
    emit_progress(input, theta, line, report);
    const double monitored = line.valid_loss.value_or(train_objective);
    if (tol > 0.0) {
      epochs_without_improvement = monitored > best_monitored - tol ? epochs_without_improvement + 1 : 0;
      best_monitored = std::min(best_monitored, monitored);
      if (epochs_without_improvement >= o.n_iter_no_change) {
        report.stop_reason = StopReason::kConverged;
        break;
      }
    }
    const std::size_t every = input.control != nullptr ? input.control->checkpoint_every : 0;
    if (every > 0 && epoch % every == 0 && epoch < o.epochs) {
      if (Status status = offer_checkpoint(input, save_state(epoch + 1, 0)); !status) return status.error();
    }
  }
  report.objective = train_objective;
  report.seconds = input.elapsed();
  Model model = make_model(input, theta);
  model.report = report;
  return model;
}

}  // namespace logreg::learn
