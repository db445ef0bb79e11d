// Internal: what every solver receives, and the pieces they share.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <span>
#include <vector>

#include "core/helper_thread.hpp"
#include "core/rng.hpp"

#include "logreg/model.hpp"
#include "logreg/objective.hpp"
#include "logreg/result.hpp"
#include "logreg/train.hpp"

namespace logreg::learn {

/// Everything a solver needs, resolved by train(): the data carry the
/// effective example weights (class weights folded in), and options.l2/l1
/// are the final penalties.
struct SolverInput {
  DataView train;
  const DataView* valid = nullptr;
  TrainOptions options;
  const ProgressCallback* progress = nullptr;
  /// Starting point, dimension features + 1 (bias last).
  std::vector<double> theta0;
  std::chrono::steady_clock::time_point start;
  const TrainControl* control = nullptr;

  bool stop_requested() const {
    return control != nullptr && control->stop_requested && control->stop_requested();
  }

  Penalty penalty() const { return Penalty{options.l2, options.l1, options.penalize_bias}; }
  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
};

/// Named references to a solver's state, for checkpoints.
class SolverState {
 public:
  /// A vector of fixed size: it must not be resized while registered.
  template <typename Allocator>
  void add(const std::string& name, std::vector<double, Allocator>& v) {
    vectors_.emplace(name, std::span<double>(v));
  }
  void add(const std::string& name, double& x) { scalars_.emplace(name, &x); }
  void add(const std::string& name, std::size_t& x) { counts_.emplace(name, &x); }
  /// A checkpoint of the state, to continue at (epoch, position).
  Checkpoint save(const SolverInput& input, std::size_t epoch, std::size_t position) const;
  /// Restores the state from `checkpoint`; an error if it does not fit.
  Status restore(const Checkpoint& checkpoint) const;

 private:
  std::map<std::string, std::span<double>> vectors_;
  std::map<std::string, double*> scalars_;
  std::map<std::string, std::size_t*> counts_;
};

/// Shard s of `count` takes the positions [shard_start, shard_start + shard_rows)
/// of an epoch's order of n rows.
inline std::size_t shard_start(std::size_t n, std::size_t s, std::size_t count) { return n * s / count; }
inline std::size_t shard_rows(std::size_t n, std::size_t s, std::size_t count) {
  return shard_start(n, s + 1, count) - shard_start(n, s, count);
}

/// An SGD run's order of the n training rows: a permutation (never the data)
/// shuffled with seeded generators before every epoch.
///
/// One sequence of updates: every epoch shuffles the whole permutation with
/// the run's generator (Fisher-Yates, core::Rng::shuffle).
///
/// K > 1 shards: the first epoch's shuffle of the whole permutation cuts the
/// rows into K parts at random, and shard s keeps the positions
/// [shard_start(n, s, K), shard_start(n, s + 1, K)) for the whole run: the
/// fixed parts of the data that iterative parameter mixing learns from
/// (McDonald, Hall and Mann, NAACL 2010; Zinkevich et al., NIPS 2010). From
/// the second epoch on, each shard shuffles its own positions with a
/// generator of its own (seeded by draw s of a generator started from the
/// run's seed XOR a constant), on the thread
/// that learns it, before its pass. So no serial shuffle of all n rows stands
/// between two epochs' passes (with two shards it took 9% of an epoch of
/// smokeban and 10% of movielens_liked, one core idle meanwhile), and a
/// shard's positions are read and written by one thread only. The order of
/// every epoch depends on the seed and K, never on which thread shuffles a
/// shard or when.
class EpochOrder {
 public:
  EpochOrder(std::size_t n, std::size_t shard_count, std::uint64_t seed) : permutation_(n) {
    for (std::size_t i = 0; i < n; ++i) permutation_[i] = i;
    if (shard_count < 2) return;
    // Shard generators from draws of a generator of their own: a stream
    // apart from the run's (which draws the first epoch's shuffle).
    core::Rng seeder(seed ^ kShardSeedSalt);
    for (std::size_t s = 0; s < shard_count; ++s) shard_generators_.emplace_back(seeder.next());
  }

  /// The epoch's order: shard s reads positions [shard_start, shard_start + shard_rows).
  std::span<const std::size_t> rows() const { return permutation_; }

  /// The shuffle before epoch `epoch` (from 1) made by the caller: of the
  /// whole permutation with `rng`, in every epoch of one sequence and in the
  /// first with shards.
  void shuffle_whole(std::size_t epoch, core::Rng& rng) {
    if (epoch == 1 || shard_generators_.empty()) rng.shuffle(std::span<std::size_t>(permutation_));
  }

  /// Shard s's shuffle of its own positions before epoch `epoch`: from the
  /// second epoch on, with shards (else nothing). For the thread that learns
  /// shard s; different shards may be shuffled at the same time.
  void shuffle_shard(std::size_t epoch, std::size_t s) {
    if (epoch == 1 || shard_generators_.empty()) return;
    const std::size_t n = permutation_.size();
    const std::size_t count = shard_generators_.size();
    shard_generators_[s].shuffle(
        std::span<std::size_t>(permutation_).subspan(shard_start(n, s, count), shard_rows(n, s, count)));
  }

  /// Replays the shuffles of epochs 1 to `epochs` (to resume after them).
  void replay(std::size_t epochs, core::Rng& rng) {
    for (std::size_t e = 1; e <= epochs; ++e) {
      shuffle_whole(e, rng);
      for (std::size_t s = 0; s < shard_generators_.size(); ++s) shuffle_shard(e, s);
    }
  }

 private:
  static constexpr std::uint64_t kShardSeedSalt = 0x5348415244534545ULL;  // "SHARDSEE"
  std::vector<std::size_t> permutation_;
  std::vector<core::Rng> shard_generators_;  // one per shard; empty for one sequence
};

/// Where an SGD epoch loop starts: epoch 1 at 0, or where a checkpoint
/// stopped. With a checkpoint, restores `state` and replays the shuffles of
/// the epochs before, so the generators and `order` are as they were.
struct EpochCursor {
  std::size_t epoch = 1;
  std::size_t position = 0;
};
inline Result<EpochCursor> start_epochs(const SolverInput& input, const SolverState& state, core::Rng& rng,
                                        EpochOrder& order) {
  if (input.control == nullptr || input.control->resume == nullptr) return EpochCursor{};
  const Checkpoint& c = *input.control->resume;
  if (Status status = state.restore(c); !status) return status.error();
  order.replay(c.epoch - 1, rng);
  return EpochCursor{c.epoch, c.position};
}

/// Tells when a time-based checkpoint (TrainControl::checkpoint_seconds) is due.
class CheckpointClock {
 public:
  explicit CheckpointClock(const SolverInput& input)
      : seconds_(input.control != nullptr ? input.control->checkpoint_seconds : 0.0),
        last_(std::chrono::steady_clock::now()) {}
  /// True (and restarts the clock) when the interval has passed.
  bool due() {
    if (seconds_ <= 0.0) return false;
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - last_).count() < seconds_) return false;
    last_ = now;
    return true;
  }

 private:
  double seconds_;
  std::chrono::steady_clock::time_point last_;
};

/// The end of an SGD epoch, shared by the SGD solvers: the exact training
/// objective, the signs of too large a step, and early stopping on the
/// monitored loss (the validation loss when there is a validation set, else
/// the training objective).
///
/// The training objective is a full pass over the data, about as costly as a
/// plain epoch of updates, so it is computed each epoch only when something
/// reads it: a progress callback, or early stopping on the training loss
/// (tol > 0 without a validation set). Otherwise it is computed once, for the
/// report, after the last epoch. The model is the same either way.
class EpochMonitor {
 public:
  EpochMonitor(const SolverInput& input, const Objective& objective, double tol);
  /// Registers the checkpointed members (best_monitored,
  /// epochs_without_improvement, previous_objective, rising, train_objective).
  void add_to(SolverState& state);
  /// After epoch `epoch`, at theta (weights, then bias) with learning rate
  /// `step`: true when early stopping says stop (the reason set in `report`),
  /// an error when training diverged. `known_finite`: the caller has seen
  /// every element of theta finite as it wrote it, so it is not read again.
  Result<bool> end_epoch(std::size_t epoch, std::span<const double> theta, double step, TrainReport& report,
                         bool known_finite = false);
  /// The training objective at the theta of the last end_epoch(), computed
  /// now if that epoch skipped it; an error when it is not finite.
  Result<double> final_objective(std::span<const double> theta);

 private:
  const SolverInput& input_;
  const Objective& objective_;
  double tol_;
  bool every_epoch_;
  double start_objective_;
  double best_monitored_;
  std::size_t epochs_without_improvement_ = 0;
  double previous_objective_;
  std::size_t rising_ = 0;
  double train_objective_ = 0.0;
  bool objective_current_ = false;  ///< train_objective_ is at the last epoch's theta
  std::size_t last_epoch_ = 0;
};

/// Offers `checkpoint` to the control's writer, if any.
Status offer_checkpoint(const SolverInput& input, const Checkpoint& checkpoint);

/// Full-batch solvers, after each iteration: offers a checkpoint of theta
/// when one is due or a stop was requested. Returns an error from the
/// writer, or true (in `stop`) when training must stop (reason set in `report`).
Status full_batch_checkpoint(const SolverInput& input, std::span<const double> theta, std::size_t iteration,
                             TrainReport& report, bool& stop, CheckpointClock& clock);

/// Parallel SGD's shards of an epoch (--shards) run on the calling thread
/// and a core::HelperThread below this many non-zeros, on an OpenMP team
/// above. An epoch of a small set takes 0.1-1 ms, and an OpenMP region's
/// barrier waits for a thread that the scheduler may not have run yet: two
/// shards of spam (48k non-zeros) took 0.5x to 2x the time of one. The
/// helper's parts go to whichever thread is free, so a late helper costs at
/// most what one thread costs. The shards give the same bits on either.
constexpr std::size_t kTeamShardNonzeros = std::size_t{1} << 22;

/// The helper thread for `shard_count` shards over data of `nonzeros`
/// non-zeros, or null where an OpenMP team (or one thread) runs them.
std::unique_ptr<core::HelperThread> shard_helper(std::size_t shard_count, std::size_t nonzeros);

/// Calls learn_shard(s) once for every shard s, in parallel on `helper` or
/// on an OpenMP team when it is null; rethrows the first shard's exception,
/// in shard order, once all have returned.
template <typename LearnShard>
void run_shards(core::HelperThread* helper, std::size_t shard_count, const LearnShard& learn_shard) {
  std::vector<std::exception_ptr> failures(shard_count);
  auto guarded = [&](std::size_t s) {
    try {
      learn_shard(s);
    } catch (...) {
      failures[s] = std::current_exception();
    }
  };
  if (helper != nullptr) {
    helper->run(shard_count, guarded);
  } else {
#pragma omp parallel for schedule(static, 1)
    for (std::ptrdiff_t s = 0; s < static_cast<std::ptrdiff_t>(shard_count); ++s) guarded(static_cast<std::size_t>(s));
  }
  for (const std::exception_ptr& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
}

/// Between SGD epoch `epoch` and the next (none after the last): offers the
/// checkpoint save() (to resume at the next epoch's start) every
/// checkpoint_every epochs and, with shards, on a stop request or a due
/// time-based checkpoint, which wait for the mix there. True when a stop
/// was requested and training ends now (the reason set in `report`).
template <typename Save>
Result<bool> checkpoint_between_epochs(const SolverInput& input, std::size_t epoch, bool sharded, CheckpointClock& clock,
                                       TrainReport& report, const Save& save) {
  if (epoch == input.options.epochs) return false;
  const std::size_t every = input.control != nullptr ? input.control->checkpoint_every : 0;
  if (sharded && (input.stop_requested() || clock.due())) {
    if (Status status = offer_checkpoint(input, save()); !status) return status.error();
    if (input.stop_requested()) {
      report.stop_reason = StopReason::kInterrupted;
      return true;
    }
  } else if (every > 0 && epoch % every == 0) {
    if (Status status = offer_checkpoint(input, save()); !status) return status.error();
  }
  return false;
}

Result<Model> train_sgd(const SolverInput& input);
/// SGD with per-coordinate steps (adaptive, standardised or averaged).
Result<Model> train_sgd_coordinate(const SolverInput& input);
/// Whether SGD standardises the features for these options and data.
bool wants_standardize(const SolverInput& input);
Result<Model> train_gd(const SolverInput& input);
Result<Model> train_lbfgs(const SolverInput& input);
Result<Model> train_newton(const SolverInput& input);

/// A model holding theta (weights, then bias) and the input's options.
Model make_model(const SolverInput& input, std::span<const double> theta);

/// The model a full-batch solver returns: theta, with the report completed
/// (iterations, final objective and gradient norm, elapsed time).
Model finish_full_batch(const SolverInput& input, std::span<const double> theta, TrainReport report,
                        std::size_t iterations, double objective, double gradient_norm);

/// Fills the validation fields and elapsed time of `line`, sends it to the
/// progress callback, and records the validation loss in `report`.
void emit_progress(const SolverInput& input, std::span<const double> theta, Progress& line, TrainReport& report);

/// Relative gradient tolerance of the full-batch solvers: options.tol, else
/// LIBLINEAR's default 0.01 * max(min(#pos, #neg), 1) / n.
double gradient_tolerance(const SolverInput& input);

/// f and its gradient at theta (whose margins the objective then caches),
/// and in `reference_norm` the reference_gradient_norm below. On a cold
/// start (theta = 0) both come from the same pass: one full evaluation
/// fewer, about 5 % of a Newton fit on a small data set. `at_zero`, when
/// given, is called while the objective holds the margins of theta = 0
/// (L-BFGS takes its scaling from the curvature there).
double start_value_and_gradient(Objective& objective, std::span<const double> theta, std::span<double> gradient,
                                double& reference_norm, const std::function<void()>& at_zero = {});

/// ||pseudo-gradient of f at theta = 0||: the reference of the relative
/// gradient tolerance, so a warm start stops at the same accuracy as a cold
/// one. Overwrites the objective's cached margins.
double reference_gradient_norm(Objective& objective);

/// The minimum-norm subgradient of f = smooth + l1 ||.||_1 (on the penalised
/// coordinates), given the smooth part's gradient: OWL-QN's pseudo-gradient.
/// Equals `gradient` when l1 = 0.
void pseudo_gradient(const Objective& objective, std::span<const double> theta, std::span<const double> gradient,
                     std::span<double> out);

double norm2(std::span<const double> v);
double dot(std::span<const double> a, std::span<const double> b);
bool all_finite(std::span<const double> v);

/// The error for a run whose objective or parameters stopped being finite.
Error divergence_error(std::size_t iteration, const char* unit, const char* hint);

}  // namespace logreg::learn
