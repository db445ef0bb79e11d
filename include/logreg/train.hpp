// The one entry point for training, its options and its report.
//
// Every solver minimises the same objective over (w, b):
//
//   f(w, b) = sum_i c_i L(w.x_i + b, y_i) / sum_i c_i  +  (l2 / 2) ||w||^2
//
// with c_i the example weights (1 when absent) and L the chosen loss. The bias
// is not penalised. docs/objective.md maps l2 to LIBLINEAR's C and
// scikit-learn's alpha and C.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "logreg/dataset.hpp"
#include "logreg/loss.hpp"
#include "logreg/result.hpp"

namespace logreg {

struct Model;

/// Solvers behind train(). Only SGD exists so far; full-batch and
/// second-order solvers plug in here.
enum class Solver {
  kSgd,  ///< stochastic / mini-batch / full-batch gradient descent
};

/// Learning-rate schedules of SGD, named as in scikit-learn.
enum class Schedule {
  kConstant,    ///< eta_t = eta0
  kInvScaling,  ///< eta_t = eta0 / t^power_t, t = 1, 2, ... counts updates
  kOptimal,     ///< eta_t = 1 / (l2 (t0 + t)), Bottou's heuristic t0; needs l2 > 0
};

std::string_view solver_name(Solver solver);
std::string_view schedule_name(Schedule schedule);

struct TrainOptions {
  Loss loss = Loss::kCrossEntropy;
  Solver solver = Solver::kSgd;
  /// Full passes over the training data at most.
  std::size_t epochs = 20;
  /// Examples per update: 1 is the note's per-example SGD, n is full-batch
  /// gradient descent, anything between is mini-batch.
  std::size_t batch_size = 1;
  /// eta0 for the constant and inverse-scaling schedules.
  double learning_rate = 0.1;
  Schedule schedule = Schedule::kInvScaling;
  /// Exponent of the inverse-scaling schedule.
  double power_t = 0.5;
  /// L2 penalty on w (not on b); objective is mean loss + (l2/2)||w||^2.
  double l2 = 0.0;
  /// Seed of the per-epoch shuffle; same seed, same data => same bits.
  std::uint64_t seed = 1;
  /// Early stopping: stop when the monitored loss has not improved on its
  /// best value by more than `tol` for `n_iter_no_change` epochs in a row.
  /// The monitored loss is the validation loss when a validation set is
  /// given, else the training objective. tol <= 0 disables early stopping.
  double tol = 1e-4;
  std::size_t n_iter_no_change = 5;
};

/// Why a solver stopped.
enum class StopReason {
  kMaxEpochs,     ///< ran all epochs
  kConverged,     ///< the monitored loss stopped improving by more than tol
};
std::string_view stop_reason_name(StopReason reason);

/// What one epoch did; passed to the progress callback.
struct EpochProgress {
  std::size_t epoch = 0;          ///< 1-based
  double train_objective = 0.0;   ///< mean loss + penalty on the whole training set
  std::optional<double> valid_loss;      ///< mean loss on the validation set
  std::optional<double> valid_accuracy;  ///< accuracy on the validation set
  double learning_rate = 0.0;     ///< step size at the end of the epoch
  double elapsed_seconds = 0.0;   ///< since training started
};

/// Summary of a training run (stored in the model file).
struct TrainReport {
  std::size_t epochs = 0;
  std::size_t updates = 0;
  double objective = 0.0;  ///< final training objective
  std::optional<double> valid_loss;
  StopReason stop_reason = StopReason::kMaxEpochs;
  double seconds = 0.0;
  std::size_t train_rows = 0;
};

using ProgressCallback = std::function<void(const EpochProgress&)>;

/// Checks the options for values no solver accepts (negative l2, zero batch,
/// optimal schedule without l2, ...). Called by train().
Status validate(const TrainOptions& options);

/// Trains a model on `train`. `valid`, when given, is monitored each epoch
/// (and drives early stopping). `progress`, when set, is called once per
/// epoch from the calling thread. Returns an error for invalid options or
/// data (no rows, labels not 0/1, features of `valid` beyond `train`'s are
/// allowed and ignored). Deterministic: same inputs and seed, same bits.
Result<Model> train(const DataView& train, const DataView* valid, const TrainOptions& options,
                    const ProgressCallback& progress = {});

}  // namespace logreg
