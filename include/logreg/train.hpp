// The one entry point for training, its options and its report.
//
// Every solver minimises the same objective over (w, b):
//
//   f(w, b) = sum_i c_i L(w.x_i + b, y_i) / sum_i c_i
//             + (l2 / 2) ||w||^2 + l1 ||w||_1
//
// with c_i the example weights (times the class weights; 1 when absent) and
// L the chosen loss. The bias is not penalised unless penalize_bias is set
// (LIBLINEAR's convention: b is a constant feature and penalised like w).
// docs/objective.md maps l2 and l1 to LIBLINEAR's C and scikit-learn's C and
// alpha; `C` here is LIBLINEAR's C, converted to l2 = (1 - l1_ratio) / (C sum c)
// and l1 = l1_ratio / (C sum c).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "logreg/dataset.hpp"
#include "logreg/loss.hpp"
#include "logreg/result.hpp"

namespace logreg {

struct Model;

/// Solvers behind train().
enum class Solver {
  kSgd,     ///< stochastic / mini-batch / full-batch gradient steps (epochs)
  kGd,      ///< full-batch gradient descent with a backtracking line search (proximal with l1)
  kLbfgs,   ///< limited-memory BFGS; OWL-QN when l1 > 0
  kNewton,  ///< trust-region Newton-CG with a diagonal preconditioner (LIBLINEAR's TRON)
};

/// Learning-rate schedules of SGD, named as in scikit-learn.
enum class Schedule {
  kConstant,    ///< eta_t = eta0
  kInvScaling,  ///< eta_t = eta0 / t^power_t, t = 1, 2, ... counts updates
  kOptimal,     ///< eta_t = 1 / (l2 (t0 + t - 1)), Bottou's heuristic t0; needs l2 > 0
};

/// Per-coordinate step sizes of SGD.
enum class Adaptive {
  kOff,         ///< one step size for every coordinate (the note's SGD)
  kAdaGrad,     ///< eta / sqrt(sum of squared gradients) per coordinate (Duchi, Hazan, Singer 2011)
  kNormalized,  ///< scale-invariant normalised adaptive steps (Ross, Mineiro, Langford 2013; VW's default)
};

/// Feature scaling for SGD. The model file always holds weights for the raw
/// features.
enum class Standardize {
  kAuto,  ///< on when dense columns are far from centred (|mean| > std) or their scales differ by more than 10x
  kOn,    ///< centre and scale dense columns by mean and std (centring folded into the bias), scale sparse ones by their RMS
  kOff,
};

/// Class weights: each example's weight is multiplied by its class's.
struct ClassWeights {
  enum class Mode { kNone, kBalanced, kGiven };
  Mode mode = Mode::kNone;
  double negative = 1.0;  ///< weight of class 0 (kGiven)
  double positive = 1.0;  ///< weight of class 1 (kGiven)
};

std::string_view solver_name(Solver solver);
std::string_view schedule_name(Schedule schedule);
std::string_view adaptive_name(Adaptive adaptive);
std::string_view standardize_name(Standardize standardize);
/// Parses "sgd", "gd", "lbfgs", "newton".
std::optional<Solver> parse_solver(std::string_view text);

struct TrainOptions {
  Loss loss = Loss::kCrossEntropy;
  Solver solver = Solver::kSgd;

  // --- the objective
  /// L2 penalty on w: (l2/2)||w||^2.
  double l2 = 0.0;
  /// L1 penalty on w: l1 ||w||_1.
  double l1 = 0.0;
  /// Penalise the bias too (LIBLINEAR's -B 1 convention).
  bool penalize_bias = false;
  /// LIBLINEAR's C; when set, overrides l2 and l1 as documented above.
  std::optional<double> C;
  /// With C: the share of the penalty that is L1 (0: L2 only, 1: L1 only).
  double l1_ratio = 0.0;
  ClassWeights class_weights;

  // --- stopping
  /// SGD: full passes over the training data at most.
  std::size_t epochs = 10;
  /// Full-batch solvers: iterations at most.
  std::size_t max_iter = 1000;
  /// SGD: early stopping when the monitored loss has not improved on its
  /// best by more than tol for n_iter_no_change epochs (default 1e-4; 0
  /// disables). Full-batch solvers: stop when ||grad f|| <= tol ||grad f(0)||
  /// (default LIBLINEAR's: 0.01 * max(min(#pos, #neg), 1) / n); measured
  /// against the gradient at 0, so a warm start stops at the same accuracy.
  std::optional<double> tol;
  std::size_t n_iter_no_change = 5;

  // --- SGD
  /// Examples per update: 1 is the note's per-example SGD, n is full-batch
  /// gradient descent, anything between is mini-batch.
  std::size_t batch_size = 1;
  /// eta0 for the constant and inverse-scaling schedules.
  double learning_rate = 0.7;
  Schedule schedule = Schedule::kConstant;
  /// Per-coordinate steps; the default copes with raw, unscaled features.
  Adaptive adaptive = Adaptive::kAdaGrad;
  /// Polyak-Ruppert averaging: the model is the mean of the iterates from
  /// the start of epoch `average_start` on.
  bool average = true;
  /// First epoch whose iterates are averaged (1: from the first update).
  /// Skipping the first epoch leaves its large early steps out of the mean
  /// (the start of L. Bottou's ASGD); with fewer epochs than this, the last
  /// epoch is averaged.
  std::size_t average_start = 2;
  /// SGD: the first epoch's shuffled rows are cut into this many shards,
  /// which keep their rows (each shuffles its own every later epoch), learned
  /// from in parallel (one thread each, as threads allow) and mixed at the
  /// end of every epoch. The result depends on the shard count, never on
  /// the thread count; 1 is sequential SGD. 0 (the default) is automatic: 2
  /// on data of at least kAutoShardNonzeros non-zeros, else 1 (and 1 where
  /// shards do not apply, and for the plain SGD of --adaptive off
  /// --no-average); train() records the count it used.
  std::size_t shards = 0;
  Standardize standardize = Standardize::kAuto;
  /// Exponent of the inverse-scaling schedule.
  double power_t = 0.5;
  /// Seed of the per-epoch shuffle; same seed, same data => same bits.
  std::uint64_t seed = 1;

  // --- L-BFGS
  /// Correction pairs kept.
  std::size_t lbfgs_memory = 10;
};

/// From this many non-zeros on, automatic shards (TrainOptions::shards = 0)
/// run SGD on 2 shards: an epoch then takes about a tenth of a second or
/// more on one core, and the second core halves it.
inline constexpr std::size_t kAutoShardNonzeros = std::size_t{1} << 22;

/// Why a solver stopped.
enum class StopReason {
  kMaxEpochs,          ///< SGD ran all epochs
  kConverged,          ///< SGD: the monitored loss stopped improving by more than tol
  kGradientTolerance,  ///< ||grad f|| <= tol ||grad f(0)||
  kMaxIterations,      ///< full-batch solver ran max_iter iterations
  kNoProgress,         ///< the line search or trust region could not decrease f any more (at rounding level)
  kInterrupted,        ///< TrainControl::stop_requested said so; a checkpoint was offered
};
std::string_view stop_reason_name(StopReason reason);

/// What one epoch (SGD) or iteration (full-batch) did; passed to the
/// progress callback.
struct Progress {
  std::size_t iteration = 0;  ///< 1-based epoch (SGD) or iteration
  double objective = 0.0;     ///< f on the whole training set
  std::optional<double> gradient_norm;   ///< ||grad f|| (full-batch solvers; pseudo-gradient with l1)
  std::optional<double> valid_loss;      ///< mean loss on the validation set
  std::optional<double> valid_accuracy;  ///< accuracy on the validation set
  /// SGD: learning rate at the end of the epoch; GD and L-BFGS: accepted step
  /// length; Newton: length of the Newton step.
  double step = 0.0;
  /// SGD: epochs in a row, up to this one, whose training objective rose
  /// (a sign of too large a step).
  std::size_t rising_epochs = 0;
  /// SGD: the training objective is above its value at the starting point
  /// (another sign of too large a step).
  bool worse_than_start = false;
  double elapsed_seconds = 0.0;  ///< since training started
};

/// Summary of a training run (stored in the model file).
struct TrainReport {
  std::size_t iterations = 0;  ///< epochs (SGD) or iterations
  std::size_t updates = 0;     ///< SGD: weight updates
  double objective = 0.0;      ///< final training objective
  std::optional<double> gradient_norm;
  std::optional<double> valid_loss;
  StopReason stop_reason = StopReason::kMaxEpochs;
  double seconds = 0.0;
  std::size_t train_rows = 0;
};

using ProgressCallback = std::function<void(const Progress&)>;

/// Everything needed to continue a training run exactly where it stopped.
/// SGD checkpoints are exact: resuming gives the same bits as a run that
/// was never interrupted. Full-batch solvers checkpoint their current point
/// only (vectors["theta"]); resuming warm-starts from it.
struct Checkpoint {
  TrainOptions options;
  std::size_t epoch = 1;     ///< epoch (SGD) or iteration to continue in
  std::size_t position = 0;  ///< SGD: index in the epoch's permutation to continue at
  std::size_t rows = 0;      ///< shape of the training data, checked on resume
  std::size_t features = 0;
  std::map<std::string, std::vector<double>> vectors;
  std::map<std::string, double> scalars;
};

/// Interruption and checkpoints.
struct TrainControl {
  /// Polled between SGD batches and between full-batch iterations.
  std::function<bool()> stop_requested;
  /// Called with a checkpoint every `checkpoint_every` epochs and when
  /// stopping on request; an error ends training with that error.
  std::function<Status(const Checkpoint&)> write_checkpoint;
  std::size_t checkpoint_every = 0;  ///< epochs (SGD) or iterations; 0: only on stop
  /// Also a checkpoint whenever this many seconds passed since the last one
  /// (checked between SGD batches and full-batch iterations); 0: never.
  double checkpoint_seconds = 0.0;
  /// Continue from this checkpoint (its options replace the given ones).
  const Checkpoint* resume = nullptr;
};

/// Checks the options for values no solver accepts (negative l2, zero batch,
/// optimal schedule without l2, l1 with newton, ...). Called by train().
Status validate(const TrainOptions& options);

/// The penalties train() uses for `options` on data whose (class-weighted)
/// example weights sum to `weight_sum`: C converted, else l2 and l1 as given.
struct ResolvedPenalty {
  double l2;
  double l1;
};
ResolvedPenalty resolve_penalty(const TrainOptions& options, double weight_sum);

/// Trains a model on `train`. `valid`, when given, is monitored each epoch
/// or iteration (and drives SGD's early stopping). `init`, when given, is the
/// starting point (warm start; its features beyond the data's are dropped,
/// missing ones start at 0). `progress`, when set, is called once per epoch
/// or iteration from the calling thread. The model's options hold the
/// resolved l2 and l1. Returns an error for invalid options or data, or when
/// training diverges (then the reason starts with "training diverged"). Deterministic: same inputs and seed, same bits.
Result<Model> train(const DataView& train, const DataView* valid, const TrainOptions& options,
                    const ProgressCallback& progress = {}, const Model* init = nullptr,
                    const TrainControl* control = nullptr);

}  // namespace logreg
