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
// O(1) per change of a weight, in the manner of the "delayed update" of W.
// Xu, "Towards optimal one pass large scale learning with averaged
// stochastic gradient descent", 2011: the mean of w over updates
// origin+1..T is w(T) - a / (T - origin), a = the sum over the changes D
// made during update k of (k - 1 - origin) D.
//
// Parallel SGD (--shards K > 1; automatic: 2 from kAutoShardNonzeros on):
// the first epoch's shuffle cuts the rows into K shards at random, each
// shard keeps its rows and shuffles them itself every later epoch
// (EpochOrder); the shards learn from the same starting state side by side,
// and are mixed (averaged) at the end of the epoch: iterative parameter
// mixing (see mix() below). The objective is the
// same; the path, and so the bits, depend on K but not on the threads.
//
// Cost per epoch: O(nnz) for the updates, O(d) for the averaged model, and
// one more pass for the exact training objective when it is read each epoch
// (EpochMonitor).
// Stopping: as plain SGD (epochs, or early stopping on the monitored loss).
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <span>
#include <vector>

#include "core/huge_pages.hpp"
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

/// Everything the updates read and write per coordinate, in 32 bytes: on
/// wide data each non-zero then costs one cache miss (two coordinates share
/// a line), where separate arrays cost one miss each.
struct alignas(32) Coordinate {
  double weight = 0.0;             // u_j, the raw weight (unused for the bias)
  double squared_gradients = 0.0;  // G_j
  // Averaging: sum over the changes D of w made during update k > origin of
  // (k - 1 - origin) D, so that the mean of the iterates after updates
  // origin + 1, ..., T is w(T) - average_changes / (T - origin).
  double average_changes = 0.0;
  double touch_penalty = 0.0;  // l2 s_j / P_j (see above)
};
static_assert(sizeof(Coordinate) == 32);

/// The mean after update `now` (counted from 1) of the iterates since
/// update `origin`, `value` being the coordinate's current value.
double average_of(const Coordinate& c, double value, std::size_t now, std::size_t origin) {
  if (now <= origin) return value;
  return value - c.average_changes / (static_cast<double>(now) - static_cast<double>(origin));
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

namespace {

/// The feature transform x'_j = s_j (x_j - mu_j) of --standardize. Dense
/// columns (non-zero in at least half the rows) are centred and divided by
/// their standard deviation. Centring a column touches it in every row,
/// which costs no more than its non-zeros do. Sparse columns are only
/// scaled, so they stay sparse: common ones (non-zero in at least 10% of the
/// rows) to a unit second moment, like the dense ones; rare ones by the
/// root-mean-square of their non-zeros, so that the few rows holding a rare
/// feature (a rare category's 1) keep values of size 1 instead of
/// 1/sqrt(share), which would make their per-coordinate steps large and noisy.
struct FeatureTransform {
  FeatureTransform(const std::vector<ColumnStatistics>& columns, std::size_t row_count, bool standardize)
      : on(standardize), scale(columns.size(), 1.0), center(columns.size(), 0.0), center_slot(columns.size(), -1) {
    if (!on) return;
    const auto rows = static_cast<double>(row_count);
    for (std::size_t j = 0; j < columns.size(); ++j) {
      const ColumnStatistics& c = columns[j];
      if (c.count >= 0.5 * rows) {
        const double mean = c.sum / rows;
        const double variance = c.squares / rows - mean * mean;
        center[j] = mean;
        scale[j] = variance > 1e-300 * std::max(1.0, mean * mean) ? 1.0 / std::sqrt(variance) : 1.0;
        center_slot[j] = static_cast<std::ptrdiff_t>(centered.size());
        centered.push_back(static_cast<FeatureIndex>(j));
      } else if (c.count >= kCommonColumnShare * rows) {
        scale[j] = 1.0 / std::sqrt(c.squares / rows);
      } else if (c.squares > 0.0) {
        scale[j] = 1.0 / std::sqrt(c.squares / c.count);
      }
    }
  }

  bool on;
  std::vector<double> scale;               // s_j
  std::vector<double> center;              // mu_j
  std::vector<FeatureIndex> centered;      // C, ascending
  std::vector<std::ptrdiff_t> center_slot;  // j's place in C, or -1
};

/// What every learner reads and none writes.
struct Settings {
  const TrainOptions& o;
  const DataView& train;
  std::size_t d;
  std::size_t batch;
  double inverse_mean_weight;
  const FeatureTransform& transform;
  bool prefetch_state;
};

/// One sequence of updates over rows of the epoch order, with all the state
/// it changes: the whole run, or one shard of each epoch (--shards). On a
/// cache line of its own, as sgd.cpp's PlainSequence: the shards' counters
/// change with every row (two shards of spam took 0.032 against 0.022 s for
/// 200 epochs when they shared lines).
class alignas(64) Learner {
 public:
  Learner(const Settings& s, std::span<const std::size_t> order)
      : coords(s.d + 1),
        largest_seen(s.o.adaptive == Adaptive::kNormalized ? s.d : 0, 0.0),
        s_(s),
        rows_(s.train, order, s.batch),
        batch_gradients_(s.batch),
        seen_stamp_(s.transform.centered.size(), 0) {
    if (s.batch > 1) {
      component_.assign(s.d, 0.0);
      is_touched_.assign(s.d, 0);
    }
  }

  /// Call when the epoch order has been reshuffled.
  void new_epoch() { rows_.new_epoch(); }

  /// offset from the weights, so that its rounding does not accumulate.
  void recenter() {
    offset = 0.0;
    for (FeatureIndex j : s_.transform.centered) offset += coords[j].weight * s_.transform.center[j];
  }

  /// The averages count the iterates after the next update on.
  void start_average() {
    for (Coordinate& c : coords) c.average_changes = 0.0;
    average_origin = updates;
  }

  /// Continues from `other`'s state (another shard's).
  void take_state(const Learner& other) {
    coords = other.coords;
    beta = other.beta;
    offset = other.offset;
    updates = other.updates;
    average_origin = other.average_origin;
    eta = other.eta;
  }

  /// One update from the rows at positions [first, last) of this learner's order.
  void update(std::size_t first, std::size_t last);

  /// The raw model (w, b): the current iterate, or the average of the iterates.
  void model(std::span<double> theta, bool averaged) const {
    const std::size_t d = s_.d;
    for (std::size_t j = 0; j < d; ++j) {
      theta[j] = averaged ? average_of(coords[j], coords[j].weight, updates, average_origin) : coords[j].weight;
    }
    double raw_offset = 0.0;
    for (FeatureIndex j : s_.transform.centered) raw_offset += theta[j] * s_.transform.center[j];
    theta[d] = (averaged ? average_of(coords[d], beta, updates, average_origin) : beta) - raw_offset;
  }

  // The state. Parameters: raw weights u_j = s_j w'_j (coords[j].weight),
  // and the bias beta of the centred problem; the raw bias is
  // beta - sum_C u_j mu_j (kept as offset). The bias's state is coords[d].
  // Huge pages: on wide data a 4 KiB page per coordinate visited would add
  // a TLB miss to the cache miss.
  core::HugePageVector<Coordinate> coords;
  double beta = 0.0;
  double offset = 0.0;
  std::size_t updates = 0;
  std::size_t average_origin = 0;  // the update after which the mean starts
  double eta = 0.0;
  core::HugePageVector<double> largest_seen;  // s_j of NAG, on x'
  double normalizer = 0.0;           // N (normalized)
  std::size_t examples_seen = 0;     // t (normalized)

 private:
  // Visits every non-zero x'_j of row r: its own entries, then the centred
  // columns it lacks (x'_j = -s_j mu_j there).
  template <typename Visit>
  void for_each_feature(const core::RowRef& r, Visit&& visit) {
    const FeatureTransform& t = s_.transform;
    if (!t.on) {  // x' = x: the scale and centre arrays are not read (a cache miss each on wide data)
      for (std::size_t p = 0; p < r.count; ++p) visit(r.indices[p], r.values[p]);
      return;
    }
    ++stamp_;
    for (std::size_t p = 0; p < r.count; ++p) {
      const FeatureIndex j = r.indices[p];
      if (t.center_slot[j] >= 0) seen_stamp_[static_cast<std::size_t>(t.center_slot[j])] = stamp_;
      visit(j, t.scale[j] * (r.values[p] - t.center[j]));
    }
    for (std::size_t c = 0; c < t.centered.size(); ++c) {
      if (seen_stamp_[c] != stamp_) visit(t.centered[c], -t.scale[t.centered[c]] * t.center[t.centered[c]]);
    }
  }

  // Sets u_j (recording the change for the average, and the offset).
  void set_weight(std::size_t j, double value) {
    Coordinate& c = coords[j];
    if (s_.o.average) c.average_changes += change_age_ * (value - c.weight);
    if (s_.transform.on && s_.transform.center_slot[j] >= 0) offset += (value - c.weight) * s_.transform.center[j];
    c.weight = value;
  }

  // Step size of transformed coordinate j (bias: j == d) for gradient component g.
  double step_size(std::size_t j, double gradient) {
    switch (s_.o.adaptive) {
      case Adaptive::kOff: return eta;
      case Adaptive::kAdaGrad:
        coords[j].squared_gradients += gradient * gradient;
        return eta / (std::sqrt(coords[j].squared_gradients) + kAdaGradEpsilon);
      case Adaptive::kNormalized: {
        coords[j].squared_gradients += gradient * gradient;
        const double largest = j < s_.d ? largest_seen[j] : 1.0;
        const double root = std::sqrt(coords[j].squared_gradients);
        if (root == 0.0 || largest == 0.0 || normalizer == 0.0) return 0.0;
        return eta * std::sqrt(static_cast<double>(examples_seen) / normalizer) / (largest * root);
      }
    }
    return eta;
  }

  /// The one-row AdaGrad update on untransformed features (the default on
  /// data that needs no standardising): the same bits as set_weight and
  /// step_size, two coordinates at a time. A square root and a division per
  /// non-zero bound this loop, and SSE2 (part of every x86-64) does two of
  /// each in about the time of one.
  void adagrad_row(const core::RowRef& r, double g) {
    const bool average = s_.o.average;
    auto apply = [&](Coordinate& c, double gradient, double squared, double step) {
      if (gradient == 0.0) return;
      const double updated = c.weight - step * gradient;
      if (average) c.average_changes += change_age_ * (updated - c.weight);
      c.squared_gradients = squared;
      c.weight = updated;
    };
    std::size_t p = 0;
#if defined(__SSE2__)
    const __m128d eta_pair = _mm_set1_pd(eta);
    const __m128d epsilon = _mm_set1_pd(kAdaGradEpsilon);
    for (; p + 1 < r.count; p += 2) {
      Coordinate& a = coords[r.indices[p]];
      Coordinate& b = coords[r.indices[p + 1]];
      const double gradient_a = g * r.values[p] + a.touch_penalty * a.weight;
      const double gradient_b = g * r.values[p + 1] + b.touch_penalty * b.weight;
      const double squared_a = a.squared_gradients + gradient_a * gradient_a;
      const double squared_b = b.squared_gradients + gradient_b * gradient_b;
      const __m128d steps = _mm_div_pd(eta_pair, _mm_add_pd(_mm_sqrt_pd(_mm_set_pd(squared_b, squared_a)), epsilon));
      apply(a, gradient_a, squared_a, _mm_cvtsd_f64(steps));
      apply(b, gradient_b, squared_b, _mm_cvtsd_f64(_mm_unpackhi_pd(steps, steps)));
    }
#endif
    for (; p < r.count; ++p) {
      Coordinate& c = coords[r.indices[p]];
      const double gradient = g * r.values[p] + c.touch_penalty * c.weight;
      const double squared = c.squared_gradients + gradient * gradient;
      apply(c, gradient, squared, eta / (std::sqrt(squared) + kAdaGradEpsilon));
    }
  }

  const Settings& s_;
  core::RowStager rows_;
  // (k - 1 - origin) of the current update k: what a change made now weighs
  // in the average.
  double change_age_ = 0.0;
  core::HugePageVector<double> component_;  // mini-batch gradient, per feature
  core::HugePageVector<FeatureIndex> touched_;
  core::HugePageVector<char> is_touched_;
  core::HugePageVector<double> batch_gradients_;
  core::HugePageVector<std::size_t> seen_stamp_;
  std::size_t stamp_ = 0;
};

void Learner::update(std::size_t first, std::size_t last) {
  const TrainOptions& o = s_.o;
  const std::size_t d = s_.d;
  rows_.prepare(first);
  ++updates;
  eta = schedule_rate(o, updates);
  change_age_ = static_cast<double>(updates) - 1.0 - static_cast<double>(average_origin);
  if (o.adaptive == Adaptive::kNormalized) {
    // Per-feature scales first: a weight is rescaled when its feature's
    // largest magnitude grows, so w'_j x'_j keeps its size.
    for (std::size_t k = first; k < last; ++k) {
      double norm = 0.0;
      for_each_feature(rows_.row_at(k), [&](FeatureIndex j, double x) {
        const double magnitude = std::fabs(x);
        if (magnitude > largest_seen[j]) {
          if (largest_seen[j] > 0.0) {
            const double ratio = largest_seen[j] / magnitude;
            set_weight(j, coords[j].weight * ratio * ratio);
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
    const auto r = rows_.row_at(k);
    if (s_.prefetch_state) rows_.prefetch_next(k, coords.data());
    const double z =
        core::sparse_dot_by(r.indices, r.values, r.count, [&](FeatureIndex j) { return coords[j].weight; }) -
        offset + beta;
    const double g = rows_.weight_at(k) * s_.inverse_mean_weight * loss_derivative(o.loss, z, rows_.label_at(k));
    batch_gradients_[k - first] = g;
    bias_gradient += g;
  }
  const double inverse_batch = 1.0 / static_cast<double>(last - first);
  if (last - first == 1 && o.adaptive == Adaptive::kAdaGrad && !s_.transform.on) {
    adagrad_row(rows_.row_at(first), batch_gradients_[0]);
  } else if (last - first == 1) {
    // One row: its features are distinct (indices ascend), so each
    // coordinate's gradient is known at once, with the same bits as the
    // general path below without its per-batch bookkeeping.
    const double g = batch_gradients_[0];
    for_each_feature(rows_.row_at(first), [&](FeatureIndex j, double x) {
      const double gradient = g * x + coords[j].touch_penalty * coords[j].weight;
      if (gradient == 0.0) return;
      set_weight(j, coords[j].weight - (s_.transform.on ? s_.transform.scale[j] : 1.0) * step_size(j, gradient) * gradient);
    });
  } else {
    for (std::size_t k = first; k < last; ++k) {
      const double g = batch_gradients_[k - first];
      for_each_feature(rows_.row_at(k), [&](FeatureIndex j, double x) {
        if (!is_touched_[j]) {
          is_touched_[j] = 1;
          touched_.push_back(j);
        }
        component_[j] += g * x;
      });
    }
    for (FeatureIndex j : touched_) {
      const double gradient = component_[j] * inverse_batch + coords[j].touch_penalty * coords[j].weight;
      component_[j] = 0.0;
      is_touched_[j] = 0;
      if (gradient == 0.0) continue;
      // w'_j -= step * gradient, i.e. u_j -= s_j * step * gradient.
      set_weight(j, coords[j].weight - s_.transform.scale[j] * step_size(j, gradient) * gradient);
    }
    touched_.clear();
  }
  const double bias_step = bias_gradient * inverse_batch;
  if (bias_step != 0.0) {
    const double updated = beta - step_size(d, bias_step) * bias_step;
    if (o.average) coords[d].average_changes += change_age_ * (updated - beta);
    beta = updated;
  }
}

/// Iterative parameter mixing (R. McDonald, K. Hall, G. Mann, "Distributed
/// training strategies for the structured perceptron", NAACL 2010; M.
/// Zinkevich, M. Weimer, A. Smola, L. Li, "Parallelized stochastic gradient
/// descent", NIPS 2010): after an epoch in which each shard learned from its
/// own share of the rows, every shard continues from the mean of the
/// shards' weights, AdaGrad sums and averaging sums, taken in shard order
/// (so the result does not depend on which thread ran which shard). The
/// update counters become the longest shard's, which all averages then
/// count to: a shorter shard's last iterate stands for the missing updates.
void mix(std::vector<Learner>& shards, std::size_t d) {
  const auto count = static_cast<double>(shards.size());
  Learner& first = shards.front();
  std::size_t updates = 0;
  for (const Learner& shard : shards) updates = std::max(updates, shard.updates);
  for (std::size_t j = 0; j <= d; ++j) {
    Coordinate sum = first.coords[j];
    for (std::size_t s = 1; s < shards.size(); ++s) {
      const Coordinate& c = shards[s].coords[j];
      sum.weight += c.weight;
      sum.squared_gradients += c.squared_gradients;
      sum.average_changes += c.average_changes;
    }
    Coordinate& mixed = first.coords[j];
    mixed.weight = sum.weight / count;
    mixed.squared_gradients = sum.squared_gradients / count;
    mixed.average_changes = sum.average_changes / count;
  }
  double beta = 0.0;
  for (const Learner& shard : shards) beta += shard.beta;
  first.beta = beta / count;
  first.updates = updates;
  first.recenter();
  for (std::size_t s = 1; s < shards.size(); ++s) shards[s].take_state(first);
}

}  // namespace

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
  // Each shard takes at least one batch per epoch.
  const std::size_t shard_count = std::max<std::size_t>(1, std::min(o.shards, n / std::max<std::size_t>(1, batch)));

  double weight_sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) weight_sum += train.weight(i);
  const auto rows = static_cast<double>(n);

  // Column statistics in one pass.
  const std::vector<ColumnStatistics> columns = column_statistics(train);
  const FeatureTransform transform(columns, n, wants_standardize(o, columns, n));
  const Settings settings{o, train, d, batch, rows / weight_sum, transform, d >= kPrefetchStateFrom};

  EpochOrder order(n, shard_count, o.seed);
  std::vector<Learner> shards;
  shards.reserve(shard_count);  // the checkpoint refers to shards[0]'s members
  for (std::size_t s = 0; s < shard_count; ++s) {
    shards.emplace_back(settings, order.rows().subspan(shard_start(n, s, shard_count), shard_rows(n, s, shard_count)));
  }
  Learner& learner = shards.front();
  std::unique_ptr<core::HelperThread> helper = shard_helper(shard_count, train.nonzeros());

  // Penalty on touch, in the transformed space: (l2/2)(s_j w'_j)^2 has the
  // gradient l2 s_j^2 w'_j = l2 s_j u_j, divided by the chance of a touch.
  if (o.l2 > 0.0) {
    for (std::size_t j = 0; j < d; ++j) {
      const double p = transform.center_slot[j] >= 0 ? 1.0 : columns[j].count / rows;
      const double touched = 1.0 - std::pow(1.0 - p, static_cast<double>(batch));
      learner.coords[j].touch_penalty = touched > 0.0 ? o.l2 * transform.scale[j] / touched : 0.0;
    }
  }
  for (std::size_t j = 0; j < d; ++j) learner.coords[j].weight = input.theta0[j];
  learner.recenter();
  learner.beta = input.theta0[d] + learner.offset;

  Objective objective(train, o.loss, input.penalty());
  std::vector<double> theta(d + 1, 0.0);
  core::Rng rng(o.seed);

  TrainReport report;
  report.train_rows = n;
  EpochMonitor monitor(input, objective, tol);

  SolverState state;
  // The checkpoint holds the per-coordinate state as named vectors, copied
  // from and to the learner around a save and a restore.
  std::vector<double> u(d);
  std::vector<double> squared_gradients(d + 1);
  std::vector<double> average_changes(o.average ? d + 1 : 0);
  state.add("u", u);
  state.add("beta", learner.beta);
  state.add("offset", learner.offset);
  state.add("squared_gradients", squared_gradients);
  state.add("largest_seen", learner.largest_seen);
  state.add("normalizer", learner.normalizer);
  state.add("examples_seen", learner.examples_seen);
  state.add("updates", learner.updates);
  monitor.add_to(state);
  // With shards the update clock advances by the longest shard's updates per
  // epoch; the report counts every update of every shard.
  std::size_t performed_updates = 0;
  if (shard_count > 1) state.add("performed_updates", performed_updates);
  if (o.average) {
    state.add("average_changes", average_changes);
    state.add("average_origin", learner.average_origin);
  }
  auto copy_out = [&] {
    for (std::size_t j = 0; j <= d; ++j) {
      if (j < d) u[j] = learner.coords[j].weight;
      squared_gradients[j] = learner.coords[j].squared_gradients;
      if (o.average) average_changes[j] = learner.coords[j].average_changes;
    }
  };
  auto save_state = [&](std::size_t epoch, std::size_t position) {
    copy_out();
    return state.save(input, epoch, position);
  };
  copy_out();
  auto cursor = start_epochs(input, state, rng, order);
  if (!cursor.ok()) return cursor.error();
  if (input.control != nullptr && input.control->resume != nullptr) {  // restored into the vectors
    for (std::size_t j = 0; j <= d; ++j) {
      if (j < d) learner.coords[j].weight = u[j];
      learner.coords[j].squared_gradients = squared_gradients[j];
      if (o.average) learner.coords[j].average_changes = average_changes[j];
    }
  }
  learner.eta = schedule_rate(o, learner.updates + 1);
  for (std::size_t s = 1; s < shard_count; ++s) shards[s].take_state(learner);
  CheckpointClock checkpoint_clock(input);
  auto current_model = [&] {
    learner.model(theta, false);
    Model model = make_model(input, theta);
    model.report = report;
    return model;
  };

  for (std::size_t epoch = cursor.value().epoch; epoch <= o.epochs; ++epoch) {
    order.shuffle_whole(epoch, rng);
    for (Learner& shard : shards) shard.new_epoch();
    const std::size_t begin = epoch == cursor.value().epoch ? cursor.value().position : 0;
    // Averaging starts with epoch average_start (the last epoch when there
    // are fewer): the first epoch's large steps stay out of the mean.
    if (begin == 0 && o.average && epoch > 1 && epoch == std::min(o.average_start, o.epochs)) {
      for (Learner& shard : shards) shard.start_average();
    }
    if (begin == 0) {
      for (Learner& shard : shards) shard.recenter();
    }
    if (shard_count == 1) {
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
        learner.update(first, std::min(first + batch, n));
      }
    } else {
      // Shards learn from their own rows of the epoch at the same time, and
      // are mixed at its end; stops and checkpoints wait for the mix.
      const std::size_t clock_before = learner.updates;
      auto learn_shard = [&](std::size_t s) {
        Learner& shard = shards[s];
        const std::size_t positions = shard_rows(n, s, shard_count);
        order.shuffle_shard(epoch, s);
        for (std::size_t first = 0; first < positions; first += batch) {
          shard.update(first, std::min(first + batch, positions));
        }
      };
      run_shards(helper.get(), shard_count, learn_shard);
      for (const Learner& shard : shards) performed_updates += shard.updates - clock_before;
      mix(shards, d);
    }
    report.iterations = epoch;
    report.updates = shard_count > 1 ? performed_updates : learner.updates;

    // Back to raw features: b = beta - sum_C u_j mu_j (of the averages when averaging).
    learner.model(theta, o.average);
    const Result<bool> converged = monitor.end_epoch(epoch, theta, learner.eta, report);
    if (!converged.ok()) return converged.error();
    if (converged.value()) break;
    const Result<bool> stop = checkpoint_between_epochs(input, epoch, shard_count > 1, checkpoint_clock, report,
                                                        [&] { return save_state(epoch + 1, 0); });
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
