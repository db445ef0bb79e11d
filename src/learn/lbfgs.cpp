// Limited-memory BFGS, and OWL-QN when l1 > 0.
//
// Problem: minimise f(theta) = sum_i c_i L(z_i, y_i) / sum_i c_i
//                              + (l2/2)||w||^2 + l1 ||w||_1,  theta = (w, b).
//
// Algorithm: L-BFGS two-loop recursion (J. Nocedal, "Updating quasi-Newton
// matrices with limited storage", Math. Comp. 35, 1980; Nocedal and Wright,
// Numerical Optimization, Alg. 7.4) with m = lbfgs_memory pairs and the
// initial matrix H0 = gamma diag(1 / diag(H(0))), gamma = s'y / y'H0y:
// a diagonal (Jacobi) preconditioner, so raw features of very different
// scales do not slow it down. With l1 > 0: OWL-QN (G. Andrew and J. Gao,
// "Scalable training of L1-regularized log-linear models", ICML 2007): the
// pseudo-gradient replaces the gradient, the direction is constrained to its
// orthant and every trial point is projected onto the orthant of the current
// point.
//
// Line search: backtracking (halving) from step 1 until the Armijo condition f(theta + a d) <= f + 1e-4 a g'd
// holds. Without l1 a trial costs O(n + d): the margins move along the cached
// X d (one pass over the non-zeros per iteration, not per trial).
// A correction pair is kept only when s'y > 1e-10 ||s|| ||y||: squared
// error is not convex, and a pair with s'y <= 0 would break the positive
// definiteness of the quasi-Newton matrix.
//
// Cost per iteration: X d and X^T r (two passes over the non-zeros),
// O(m d) for the recursion, O(n + d) per line-search trial.
// Stopping: ||pseudo-gradient|| <= tol ||pseudo-gradient(0)||,
// max_iter, or a line search that cannot decrease f (rounding level).
#include <cmath>
#include <deque>
#include <vector>

#include "learn/solver.hpp"

namespace logreg::learn {

// Stop after this many iterations in a row whose relative decrease of f is
// at rounding level (a few ulps).
constexpr double kStallDecrease = 4e-16;
constexpr std::size_t kStallLimit = 5;
namespace {

constexpr double kArmijo = 1e-4;
constexpr int kMaxHalvings = 60;

struct Pair {
  std::vector<double> s;
  std::vector<double> y;
  double rho;  // 1 / s'y
};

/// d = -H pg by the two-loop recursion, with H0 = gamma diag(scaling).
void two_loop(const std::deque<Pair>& pairs, std::span<const double> scaling, std::span<const double> pg,
              std::span<double> d) {
  const std::size_t n = pg.size();
  for (std::size_t j = 0; j < n; ++j) d[j] = -pg[j];
  std::vector<double> alphas(pairs.size());
  for (std::size_t k = pairs.size(); k-- > 0;) {
    alphas[k] = pairs[k].rho * dot(pairs[k].s, d);
    for (std::size_t j = 0; j < n; ++j) d[j] -= alphas[k] * pairs[k].y[j];
  }
  double gamma = 1.0;
  if (!pairs.empty()) {
    // s'y / y' diag(scaling) y: the scale of H0 that matches the last pair.
    const Pair& last = pairs.back();
    double y_scaled_y = 0.0;
    for (std::size_t j = 0; j < n; ++j) y_scaled_y += last.y[j] * scaling[j] * last.y[j];
    gamma = 1.0 / (last.rho * y_scaled_y);
  }
  for (std::size_t j = 0; j < n; ++j) d[j] *= gamma * scaling[j];
  for (std::size_t k = 0; k < pairs.size(); ++k) {
    const double beta = pairs[k].rho * dot(pairs[k].y, d);
    for (std::size_t j = 0; j < n; ++j) d[j] += (alphas[k] - beta) * pairs[k].s[j];
  }
}

}  // namespace

Result<Model> train_lbfgs(const SolverInput& input) {
  const TrainOptions& o = input.options;
  Objective f(input.train, o.loss, input.penalty());
  const bool owlqn = o.l1 > 0.0;
  const std::size_t n = f.dimension();
  std::vector<double> theta = input.theta0;
  std::vector<double> g(n);
  std::vector<double> pg(n);
  std::vector<double> d(n);
  std::vector<double> trial(n);
  std::vector<double> g_new(n);
  std::deque<Pair> pairs;

  // H0 = diag(1 / diag(H(0))): the inverse Hessian diagonal at theta = 0
  // (curvature 1/4 for cross-entropy, the largest there is) makes L-BFGS
  // invariant to the scale of each feature, which raw data (counts,
  // amounts) needs: a scalar H0 took thousands of iterations there. Taken at
  // 0 rather than at the start, where a saturated warm start would make it
  // vanish.
  std::vector<double> scaling(n);
  double gnorm0 = 0.0;  // ||pseudo-gradient at 0||, the tolerance's reference
  double fun = start_value_and_gradient(f, theta, g, gnorm0, [&] {
    f.prepare_curvature();
    f.hessian_diagonal(scaling);
    for (double& v : scaling) v = v > 0.0 ? 1.0 / v : 1.0;
  });
  if (!std::isfinite(fun)) return divergence_error(0, "iteration", "the starting point gives a non-finite loss");
  pseudo_gradient(f, theta, g, pg);
  double gnorm = norm2(pg);
  const double tolerance = gradient_tolerance(input);

  TrainReport report;
  report.train_rows = input.train.rows();
  report.stop_reason = gnorm <= tolerance * gnorm0 ? StopReason::kGradientTolerance : StopReason::kMaxIterations;

  std::size_t iteration = 0;
  CheckpointClock checkpoint_clock(input);
  // Decreases at rounding level for kStallLimit iterations in a row: the
  // gradient tolerance is below what double precision can resolve here.
  std::size_t stalled = 0;
  while (report.stop_reason == StopReason::kMaxIterations && iteration < o.max_iter) {
    ++iteration;
    two_loop(pairs, scaling, pg, d);
    if (owlqn) {
      // Keep only the components that agree with steepest descent on the pseudo-gradient.
      for (std::size_t j = 0; j < n; ++j) {
        if (d[j] * pg[j] >= 0.0) d[j] = 0.0;
      }
    }
    double slope = dot(pg, d);
    if (!(slope < 0.0)) {  // not a descent direction: restart from steepest descent
      pairs.clear();
      slope = 0.0;
      for (std::size_t j = 0; j < n; ++j) {
        d[j] = -scaling[j] * pg[j];
        slope += d[j] * pg[j];
      }
    }
    double step = 1.0;
    double fun_new = fun;
    bool accepted = false;
    if (!owlqn) f.set_direction(d);
    for (int halving = 0; halving < kMaxHalvings; ++halving, step *= 0.5) {
      if (owlqn) {
        for (std::size_t j = 0; j < n; ++j) {
          trial[j] = theta[j] + step * d[j];
          if (!f.penalized(j)) continue;
          // Orthant of the current point (of -pg where theta_j = 0).
          const double orthant = theta[j] != 0.0 ? theta[j] : -pg[j];
          if (trial[j] * orthant <= 0.0) trial[j] = 0.0;
        }
        fun_new = f.value(trial);
        double decrease = 0.0;
        for (std::size_t j = 0; j < n; ++j) decrease += pg[j] * (trial[j] - theta[j]);
        if (fun_new <= fun + kArmijo * decrease) {
          accepted = true;
          break;
        }
      } else {
        fun_new = f.value_along(theta, d, step);
        if (fun_new <= fun + kArmijo * step * slope) {
          for (std::size_t j = 0; j < n; ++j) trial[j] = theta[j] + step * d[j];
          f.accept_step(step);
          accepted = true;
          break;
        }
      }
    }
    if (!accepted) {
      report.stop_reason = StopReason::kNoProgress;
      --iteration;
      break;
    }
    f.gradient(trial, g_new);
    if (!std::isfinite(fun_new) || !all_finite(g_new)) {
      return divergence_error(iteration, "iteration", "check the data for extreme values");
    }
    Pair pair{std::vector<double>(n), std::vector<double>(n), 0.0};
    for (std::size_t j = 0; j < n; ++j) {
      pair.s[j] = trial[j] - theta[j];
      pair.y[j] = g_new[j] - g[j];
    }
    const double sy = dot(pair.s, pair.y);
    if (sy > 1e-10 * norm2(pair.s) * norm2(pair.y)) {
      pair.rho = 1.0 / sy;
      pairs.push_back(std::move(pair));
      if (pairs.size() > o.lbfgs_memory) pairs.pop_front();
    }
    stalled = fun - fun_new <= kStallDecrease * std::fabs(fun) ? stalled + 1 : 0;
    if (stalled >= kStallLimit) report.stop_reason = StopReason::kNoProgress;
    theta.swap(trial);
    g.swap(g_new);
    fun = fun_new;
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
