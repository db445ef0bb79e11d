// Full-batch gradient descent with a backtracking line search: the teaching
// baseline, and proximal gradient descent (ISTA) when l1 > 0.
//
// Problem: minimise f(theta) = g(theta) + l1 ||w||_1 with
//   g(theta) = sum_i c_i L(z_i, y_i) / sum_i c_i + (l2/2)||w||^2.
//
// Algorithm: theta+ = prox_{a l1}(theta - a grad g(theta)) (the prox is
// soft-thresholding on the penalised coordinates; the identity when l1 = 0).
// The step a starts at twice the last accepted one and is halved until the
// sufficient-decrease condition of A. Beck and M. Teboulle, "A fast
// iterative shrinkage-thresholding algorithm", SIAM J. Imaging Sci. 2 (2009)
// holds:  g(theta+) <= g(theta) + grad g'(theta+ - theta) + ||theta+ - theta||^2 / (2a).
// Without l1 this is the Armijo rule with constant 1/2 along -grad g, and a
// trial costs O(n + d) from the cached margins.
//
// Cost per iteration: X^T r and X d (two passes over the non-zeros), O(n + d)
// per trial (one pass over the non-zeros per trial with l1).
// Stopping: ||pseudo-gradient|| <= tol ||pseudo-gradient(0)||,
// max_iter, or a step that cannot decrease f (rounding level).
#include <cmath>
#include <vector>

#include "learn/solver.hpp"

namespace logreg::learn {

// Stop after this many iterations in a row whose relative decrease of f is
// at rounding level (a few ulps).
constexpr double kStallDecrease = 4e-16;
constexpr std::size_t kStallLimit = 5;

Result<Model> train_gd(const SolverInput& input) {
  const TrainOptions& o = input.options;
  Objective f(input.train, o.loss, input.penalty());
  const bool proximal = o.l1 > 0.0;
  const std::size_t n = f.dimension();
  std::vector<double> theta = input.theta0;
  std::vector<double> g(n);
  std::vector<double> pg(n);
  std::vector<double> d(n);
  std::vector<double> trial(n);

  double gnorm0 = 0.0;  // ||pseudo-gradient at 0||, the tolerance's reference
  double fun = start_value_and_gradient(f, theta, g, gnorm0);
  if (!std::isfinite(fun)) return divergence_error(0, "iteration", "the starting point gives a non-finite loss");
  pseudo_gradient(f, theta, g, pg);
  double gnorm = norm2(pg);
  const double tolerance = gradient_tolerance(input);
  // l1 part of f at a point (0 without l1).
  auto l1_term = [&](std::span<const double> t) {
    double sum = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      if (f.penalized(j)) sum += std::fabs(t[j]);
    }
    return o.l1 * sum;
  };

  TrainReport report;
  report.train_rows = input.train.rows();
  report.stop_reason = gnorm <= tolerance * gnorm0 ? StopReason::kGradientTolerance : StopReason::kMaxIterations;
  double step = 1.0 / std::max(gnorm0, 1e-300);
  std::size_t iteration = 0;
  CheckpointClock checkpoint_clock(input);
  // Decreases at rounding level for kStallLimit iterations in a row: the
  // gradient tolerance is below what double precision can resolve here.
  std::size_t stalled = 0;
  while (report.stop_reason == StopReason::kMaxIterations && iteration < o.max_iter) {
    ++iteration;
    for (std::size_t j = 0; j < n; ++j) d[j] = -g[j];
    if (!proximal) f.set_direction(d);
    const double smooth = fun - l1_term(theta);
    const double g_norm_sq = dot(g, g);
    step *= 2.0;
    bool accepted = false;
    double fun_new = fun;
    for (int halving = 0; halving < 80; ++halving, step *= 0.5) {
      if (proximal) {
        const double threshold = step * o.l1;
        for (std::size_t j = 0; j < n; ++j) {
          const double t = theta[j] - step * g[j];
          trial[j] = f.penalized(j) ? std::copysign(std::fmax(std::fabs(t) - threshold, 0.0), t) : t;
        }
        fun_new = f.value(trial);
        double linear = 0.0;
        double quadratic = 0.0;
        for (std::size_t j = 0; j < n; ++j) {
          const double delta = trial[j] - theta[j];
          linear += g[j] * delta;
          quadratic += delta * delta;
        }
        if (fun_new - l1_term(trial) <= smooth + linear + quadratic / (2 * step)) {
          accepted = true;
          break;
        }
      } else {
        fun_new = f.value_along(theta, d, step);
        if (fun_new <= fun - 0.5 * step * g_norm_sq) {
          for (std::size_t j = 0; j < n; ++j) trial[j] = theta[j] + step * d[j];
          f.accept_step(step);
          accepted = true;
          break;
        }
      }
    }
    if (!accepted || fun_new > fun) {
      report.stop_reason = StopReason::kNoProgress;
      --iteration;
      break;
    }
    stalled = fun - fun_new <= kStallDecrease * std::fabs(fun) ? stalled + 1 : 0;
    if (stalled >= kStallLimit) report.stop_reason = StopReason::kNoProgress;
    theta.swap(trial);
    fun = fun_new;
    f.gradient(theta, g);
    if (!std::isfinite(fun) || !all_finite(g)) {
      return divergence_error(iteration, "iteration", "check the data for extreme values");
    }
    pseudo_gradient(f, theta, g, pg);
    gnorm = norm2(pg);
    if (report.stop_reason == StopReason::kMaxIterations && gnorm <= tolerance * gnorm0) {
      report.stop_reason = StopReason::kGradientTolerance;
    }

    Progress line;
    line.iteration = iteration;
    line.objective = fun;
    line.gradient_norm = gnorm;
    line.step = step;
    emit_progress(input, theta, line, report);
    bool interrupted = false;
    if (Status status = full_batch_checkpoint(input, theta, iteration, report, interrupted, checkpoint_clock);
        !status) {
      return status.error();
    }
    if (interrupted) break;
  }
  return finish_full_batch(input, theta, report, iteration, fun, gnorm);
}

}  // namespace logreg::learn
