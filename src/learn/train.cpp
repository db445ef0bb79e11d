#include "logreg/train.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "learn/solver.hpp"
#include "logreg/model.hpp"

namespace logreg {

Status validate(const TrainOptions& o) {
  const auto finite_non_negative = [](double x) { return std::isfinite(x) && x >= 0.0; };
  if (o.epochs < 1) return Error("--epochs must be at least 1");
  if (o.max_iter < 1) return Error("--max-iter must be at least 1");
  if (o.batch_size < 1) return Error("--batch-size must be at least 1");
  if (!finite_non_negative(o.l2)) return Error("--l2 must be a finite number >= 0");
  if (!finite_non_negative(o.l1)) return Error("--l1 must be a finite number >= 0");
  if (o.C && !(std::isfinite(*o.C) && *o.C > 0.0)) return Error("--C must be a finite number > 0");
  if (!(o.l1_ratio >= 0.0 && o.l1_ratio <= 1.0)) return Error("--l1-ratio must be between 0 and 1");
  if (o.solver == Solver::kSgd && o.schedule != Schedule::kOptimal &&
      !(std::isfinite(o.learning_rate) && o.learning_rate > 0.0)) {
    return Error("--learning-rate must be a finite number > 0");
  }
  const bool has_l2 = o.C ? o.l1_ratio < 1.0 : o.l2 > 0.0;
  const bool has_l1 = o.C ? o.l1_ratio > 0.0 : o.l1 > 0.0;
  if (o.solver == Solver::kSgd && o.schedule == Schedule::kOptimal && !has_l2) {
    return Error("--schedule optimal needs --l2 > 0 (its step size is 1 / (l2 (t0 + t - 1)))");
  }
  if (o.solver == Solver::kSgd && o.penalize_bias) {
    return Error("--penalize-bias applies to the full-batch solvers (newton, lbfgs, gd), not to sgd");
  }
  if (o.solver == Solver::kNewton && has_l1) {
    return Error("--solver newton needs a smooth objective: use --solver lbfgs (OWL-QN) or gd for --l1");
  }
  if (o.solver == Solver::kSgd && has_l1 &&
      (o.adaptive != Adaptive::kOff || o.average || o.standardize == Standardize::kOn)) {
    return Error("--l1 with --solver sgd needs --adaptive off, --no-average and no --standardize on "
                 "(the cumulative-penalty path); or use --solver lbfgs");
  }
  if (!finite_non_negative(o.power_t)) return Error("--power-t must be a finite number >= 0");
  if (o.tol && !finite_non_negative(*o.tol)) return Error("--tol must be a finite number >= 0");
  if (o.n_iter_no_change < 1) return Error("--n-iter-no-change must be at least 1");
  if (o.average_start < 1) return Error("--average-start must be at least 1");
  if (o.shards > 1 && o.solver != Solver::kSgd) {
    return Error("--shards applies to --solver sgd; the full-batch solvers use every thread already");
  }
  if (o.shards > 1 && has_l1) return Error("--shards does not support --l1 (its cumulative penalty is sequential)");
  if (o.shards > 1 && o.adaptive == Adaptive::kNormalized) {
    return Error("--shards does not support --adaptive normalized (its per-feature rescaling is sequential)");
  }
  if (o.lbfgs_memory < 1) return Error("the L-BFGS memory must be at least 1");
  const auto& cw = o.class_weights;
  if (cw.mode == ClassWeights::Mode::kGiven && !(finite_non_negative(cw.negative) && finite_non_negative(cw.positive) &&
                                                 cw.negative + cw.positive > 0.0)) {
    return Error("--class-weight needs two finite weights >= 0, not both 0");
  }
  return {};
}

ResolvedPenalty resolve_penalty(const TrainOptions& options, double weight_sum) {
  if (!options.C) return {options.l2, options.l1};
  // LIBLINEAR: (1/2)||w||^2 + C sum_i c_i loss_i  ==  (C sum c) * (mean loss + ||w||^2 / (2 C sum c)).
  const double lambda = 1.0 / (*options.C * weight_sum);
  return {(1.0 - options.l1_ratio) * lambda, options.l1_ratio * lambda};
}

Result<Model> train(const DataView& train_data, const DataView* valid, const TrainOptions& given_options,
                    const ProgressCallback& progress, const Model* init, const TrainControl* control) {
  const Checkpoint* resume = control != nullptr ? control->resume : nullptr;
  // A resumed run continues with the options it started with.
  const TrainOptions& options = resume != nullptr ? resume->options : given_options;
  if (Status status = validate(options); !status) return status.error();
  if (resume != nullptr && (resume->rows != train_data.rows() || resume->features != train_data.num_features)) {
    return Error("the checkpoint was made on data of " + std::to_string(resume->rows) + " rows and " +
                 std::to_string(resume->features) + " features, not this data (" + std::to_string(train_data.rows()) +
                 " rows, " + std::to_string(train_data.num_features) + " features)");
  }
  const std::size_t n = train_data.rows();
  if (n == 0) return Error("the training set has no rows");
  // A stray huge feature index (say 2147483647) would make every solver
  // allocate weight vectors of that length: refuse instead of swapping.
  const std::size_t feature_limit = std::max<std::size_t>(std::size_t{1} << 24, 64 * train_data.nonzeros());
  if (train_data.num_features > feature_limit) {
    return Error("the largest feature index is " + std::to_string(train_data.num_features) + " but there are only " +
                 std::to_string(train_data.nonzeros()) + " non-zeros: the weight vector would need " +
                 std::to_string(train_data.num_features * 8 >> 20) +
                 " MiB per copy; renumber (or hash) the features to a dense range");
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (train_data.labels[i] != 0.0 && train_data.labels[i] != 1.0) {
      return Error("label of row " + std::to_string(i + 1) + " is not 0 or 1");
    }
    const double c = train_data.weight(i);
    if (!(std::isfinite(c) && c >= 0.0)) {
      return Error("weight of row " + std::to_string(i + 1) + " is not a finite number >= 0");
    }
  }

  learn::SolverInput input;
  input.start = std::chrono::steady_clock::now();
  input.train = train_data;
  input.valid = valid;
  input.options = options;
  input.progress = &progress;
  input.control = control;

  // Effective example weights: the data's, times the class weights.
  std::vector<double> weights;
  if (options.class_weights.mode != ClassWeights::Mode::kNone) {
    double negative = options.class_weights.negative;
    double positive = options.class_weights.positive;
    if (options.class_weights.mode == ClassWeights::Mode::kBalanced) {
      // scikit-learn's "balanced": n / (2 * count of the class), by weight.
      double positive_sum = 0.0;
      double total = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        total += train_data.weight(i);
        if (train_data.labels[i] > 0.5) positive_sum += train_data.weight(i);
      }
      const double negative_sum = total - positive_sum;
      positive = positive_sum > 0.0 ? total / (2.0 * positive_sum) : 1.0;
      negative = negative_sum > 0.0 ? total / (2.0 * negative_sum) : 1.0;
    }
    weights.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      weights[i] = train_data.weight(i) * (train_data.labels[i] > 0.5 ? positive : negative);
    }
    input.train.weights = weights;
  }
  double weight_sum = 0.0;
  for (std::size_t i = 0; i < n; ++i) weight_sum += input.train.weight(i);
  if (!(weight_sum > 0.0)) return Error("the example weights sum to zero");
  if (resume == nullptr) {  // a checkpoint's options are already resolved
    const ResolvedPenalty penalty = resolve_penalty(options, weight_sum);
    input.options.l2 = penalty.l2;
    input.options.l1 = penalty.l1;
    if (options.shards == 0) {  // automatic; the model records the count used
      // Not the note's plain SGD (--adaptive off --no-average), which keeps
      // its own exact sequential path unless shards are asked for.
      const bool plain = options.adaptive == Adaptive::kOff && !options.average;
      const bool shardable = options.solver == Solver::kSgd && penalty.l1 == 0.0 &&
                             options.adaptive != Adaptive::kNormalized && !options.penalize_bias && !plain;
      input.options.shards = shardable && train_data.nonzeros() >= kAutoShardNonzeros ? 2 : 1;
    }
  }

  const std::size_t d = train_data.num_features;
  input.theta0.assign(d + 1, 0.0);
  if (init != nullptr) {
    const std::size_t shared = std::min(d, init->weights.size());
    std::copy_n(init->weights.begin(), shared, input.theta0.begin());
    input.theta0[d] = init->bias;
  }
  if (resume != nullptr && options.solver != Solver::kSgd) {
    // Full-batch solvers resume from the checkpoint's point.
    auto it = resume->vectors.find("theta");
    if (it == resume->vectors.end() || it->second.size() != d + 1) return Error("the checkpoint has no usable \"theta\"");
    input.theta0 = it->second;
  }

  switch (options.solver) {
    case Solver::kSgd: return learn::train_sgd(input);
    case Solver::kGd: return learn::train_gd(input);
    case Solver::kLbfgs: return learn::train_lbfgs(input);
    case Solver::kNewton: return learn::train_newton(input);
  }
  return Error("unknown solver");
}

}  // namespace logreg
