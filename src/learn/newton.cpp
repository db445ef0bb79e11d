// Trust-region Newton-CG ("TRON"), as in LIBLINEAR 2.x.
//
// Problem: minimise f(theta) = sum_i c_i L(z_i, y_i) / sum_i c_i + (l2/2)||w||^2
// (l1 must be 0), theta = (w, b).
//
// Algorithm: C.-J. Lin, R. C. Weng and S. S. Keerthi, "Trust region Newton
// method for large-scale logistic regression", JMLR 9 (2008); with the
// diagonal preconditioner of C.-Y. Hsia, W.-L. Chiang and C.-J. Lin,
// "Preconditioned conjugate gradient methods in truncated Newton frameworks
// for large-scale linear classification", ACML 2018: M = (1 - a) l2 I +
// a diag(H), a = 0.01. Each outer iteration solves H s = -g approximately by
// preconditioned CG inside the trust region ||s||_M <= delta (Steihaug), then
// accepts the step when the actual decrease is at least eta0 = 1e-4 of the
// predicted one and updates delta with LIBLINEAR's rules.
//
// H v = X^T D X v / sum c + l2 v with D_i = c_i L''(z_i): two passes over
// the non-zeros per CG step, without forming H; or, for few parameters and
// short rows (Objective::forms_hessian()), a product with H formed once per
// outer iteration in one pass (the normal equations of IRLS; smokeban's
// 10 features: 2.6 -> 1.1 products' worth of passes an iteration). For squared error L'' is the
// Gauss-Newton term 2 (s(1-s))^2 >= 0, so H stays positive semi-definite
// (the true Hessian of that non-convex loss need not be).
//
// Cost per outer iteration: one function evaluation (X w), one gradient
// (X^T r from cached margins), and 2 passes per CG step.
// Stopping: ||grad f|| <= tol ||grad f(0)||, max_iter, or no decrease at
// rounding level.
#include <algorithm>
#include <cmath>
#include <vector>

#include "learn/solver.hpp"

namespace logreg::learn {
namespace {

constexpr double kEta0 = 1e-4;
constexpr double kEta1 = 0.25;
constexpr double kEta2 = 0.75;
constexpr double kSigma1 = 0.25;
constexpr double kSigma2 = 0.5;
constexpr double kSigma3 = 4.0;
constexpr double kPreconditionerMix = 0.01;
constexpr double kCgTolerance = 0.1;
constexpr std::size_t kMaxCgIterations = 500;

/// u^T diag(m) v.
double weighted_dot(std::span<const double> u, std::span<const double> m, std::span<const double> v) {
  double sum = 0.0;
  for (std::size_t j = 0; j < u.size(); ++j) sum += u[j] * m[j] * v[j];
  return sum;
}

struct CgResult {
  std::size_t iterations = 0;
  bool reached_boundary = false;
};

/// Preconditioned Steihaug CG for H s = -g within ||s||_M <= delta. On return
/// `residual` = -g - H s.
CgResult trust_region_cg(const Objective& f, double delta, std::span<const double> g, std::span<const double> m,
                         std::span<double> s, std::span<double> residual) {
  const std::size_t n = g.size();
  std::vector<double> z(n);
  std::vector<double> d(n);
  std::vector<double> hd(n);
  for (std::size_t j = 0; j < n; ++j) {
    s[j] = 0.0;
    residual[j] = -g[j];
    z[j] = residual[j] / m[j];
    d[j] = z[j];
  }
  double z_dot_r = dot(z, residual);
  const double cg_tolerance = kCgTolerance * std::sqrt(z_dot_r);
  CgResult result;
  while (result.iterations < kMaxCgIterations) {
    if (std::sqrt(z_dot_r) <= cg_tolerance) break;
    ++result.iterations;
    f.hessian_vector(d, hd);
    const double d_hd = dot(d, hd);
    const double alpha = d_hd > 0.0 ? z_dot_r / d_hd : 0.0;
    bool to_boundary = d_hd <= 0.0;
    if (!to_boundary) {
      for (std::size_t j = 0; j < n; ++j) s[j] += alpha * d[j];
      if (std::sqrt(weighted_dot(s, m, s)) > delta) {
        for (std::size_t j = 0; j < n; ++j) s[j] -= alpha * d[j];
        to_boundary = true;
      }
    }
    if (to_boundary) {
      // Largest tau with ||s + tau d||_M = delta.
      result.reached_boundary = true;
      const double std_ = weighted_dot(s, m, d);
      const double sts = weighted_dot(s, m, s);
      const double dtd = weighted_dot(d, m, d);
      const double dsq = delta * delta;
      const double rad = std::sqrt(std::max(0.0, std_ * std_ + dtd * (dsq - sts)));
      const double tau = std_ >= 0 ? (dsq - sts) / (std_ + rad) : (rad - std_) / dtd;
      for (std::size_t j = 0; j < n; ++j) {
        s[j] += tau * d[j];
        residual[j] -= tau * hd[j];
      }
      break;
    }
    for (std::size_t j = 0; j < n; ++j) {
      residual[j] -= alpha * hd[j];
      z[j] = residual[j] / m[j];
    }
    const double z_dot_r_new = dot(z, residual);
    const double beta = z_dot_r_new / z_dot_r;
    for (std::size_t j = 0; j < n; ++j) d[j] = z[j] + beta * d[j];
    z_dot_r = z_dot_r_new;
  }
  return result;
}

}  // namespace

Result<Model> train_newton(const SolverInput& input) {
  const TrainOptions& o = input.options;
  Objective f(input.train, o.loss, input.penalty());
  const std::size_t n = f.dimension();
  std::vector<double> theta = input.theta0;
  std::vector<double> g(n);
  std::vector<double> m(n);
  std::vector<double> s(n);
  std::vector<double> r(n);
  std::vector<double> trial(n);

  double gnorm0 = 0.0;  // ||pseudo-gradient at 0||, the tolerance's reference
  double fun = start_value_and_gradient(f, theta, g, gnorm0);
  if (!std::isfinite(fun)) return divergence_error(0, "iteration", "the starting point gives a non-finite loss");
  const double tolerance = gradient_tolerance(input);
  double gnorm = norm2(g);

  TrainReport report;
  report.train_rows = input.train.rows();
  report.stop_reason = StopReason::kMaxIterations;

  auto precondition = [&] {
    f.prepare_curvature();
    f.hessian_diagonal(m);
    for (std::size_t j = 0; j < n; ++j) {
      m[j] = (1.0 - kPreconditionerMix) * o.l2 + kPreconditionerMix * m[j];
      if (!(m[j] > 0.0)) m[j] = 1.0;  // a column of zeros, no penalty
    }
  };
  precondition();
  // Initial radius: the preconditioned gradient norm ||g||_{M^-1}.
  double delta = 0.0;
  for (std::size_t j = 0; j < n; ++j) delta += g[j] * g[j] / m[j];
  delta = std::sqrt(delta);

  std::size_t iteration = 0;
  CheckpointClock checkpoint_clock(input);
  if (gnorm <= tolerance * gnorm0) report.stop_reason = StopReason::kGradientTolerance;
  while (report.stop_reason == StopReason::kMaxIterations && iteration < o.max_iter) {
    ++iteration;
    const CgResult cg = trust_region_cg(f, delta, g, m, s, r);
    for (std::size_t j = 0; j < n; ++j) trial[j] = theta[j] + s[j];
    const double gs = dot(g, s);
    const double predicted = -0.5 * (gs - dot(s, r));
    const double fun_new = f.value(trial);  // caches the trial's margins
    const double actual = fun - fun_new;
    const double snorm = std::sqrt(weighted_dot(s, m, s));
    if (iteration == 1) delta = std::min(delta, snorm);
    const double alpha = fun_new - fun - gs <= 0 ? kSigma3 : std::max(kSigma1, -0.5 * (gs / (fun_new - fun - gs)));
    if (actual < kEta0 * predicted) {
      delta = std::min(alpha * snorm, kSigma2 * delta);
    } else if (actual < kEta1 * predicted) {
      delta = std::max(kSigma1 * delta, std::min(alpha * snorm, kSigma2 * delta));
    } else if (actual < kEta2 * predicted) {
      delta = std::max(kSigma1 * delta, std::min(alpha * snorm, kSigma3 * delta));
    } else if (cg.reached_boundary) {
      delta = kSigma3 * delta;
    } else {
      delta = std::max(delta, std::min(alpha * snorm, kSigma3 * delta));
    }

    if (std::isfinite(fun_new) && actual > kEta0 * predicted) {
      theta.swap(trial);
      fun = fun_new;
      f.gradient(theta, g);  // margins cached by value(trial)
      gnorm = norm2(g);
      if (!all_finite(g)) return divergence_error(iteration, "iteration", "check the data for extreme values");
      if (gnorm <= tolerance * gnorm0) report.stop_reason = StopReason::kGradientTolerance;
      // The new point's curvature and preconditioner (two passes), unless
      // the loop ends here and nothing would read them.
      if (report.stop_reason == StopReason::kMaxIterations && iteration < o.max_iter) precondition();
    }
    // On rejection nothing needs restoring: Hessian products use the
    // curvature computed at the accepted point, not the cached margins.
    Progress line;
    line.iteration = iteration;
    line.objective = fun;
    line.gradient_norm = gnorm;
    line.step = norm2(s);
    emit_progress(input, theta, line, report);
    bool interrupted = false;
    if (Status status = full_batch_checkpoint(input, theta, iteration, report, interrupted, checkpoint_clock);
        !status) {
      return status.error();
    }
    if (interrupted) break;
    if (report.stop_reason != StopReason::kMaxIterations) break;
    if (std::fabs(actual) <= 1e-12 * std::fabs(fun) && std::fabs(predicted) <= 1e-12 * std::fabs(fun)) {
      report.stop_reason = StopReason::kNoProgress;
    } else if (actual <= 0 && predicted <= 0) {
      report.stop_reason = StopReason::kNoProgress;
    } else if (delta <= 0.0 || !std::isfinite(delta)) {
      report.stop_reason = StopReason::kNoProgress;
    }
  }
  return finish_full_batch(input, theta, report, iteration, fun, gnorm);
}

}  // namespace logreg::learn
