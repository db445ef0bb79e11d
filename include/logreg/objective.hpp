// The full-batch objective shared by every solver and by gradient checks:
//
//   f(theta) = sum_i c_i L(z_i, y_i) / sum_i c_i
//              + (l2/2) ||w||^2 + l1 ||w||_1            (+ b's terms if penalize_bias)
//   theta = (w_0 .. w_{d-1}, b),  z_i = w.x_i + b.
//
// The smooth part's gradient is X^T r / sum c + l2 w (and sum r / sum c for
// b) with r_i = c_i dL/dz(z_i, y_i); the l1 term is left to the solvers
// (OWL-QN, proximal steps, truncated SGD). Margins of the last evaluation are
// cached: the gradient, the Hessian-vector products and line-search trials
// along a direction reuse them (LIBLINEAR's design), so a line-search trial
// costs O(n) and no extra pass over the non-zeros.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "logreg/dataset.hpp"
#include "logreg/loss.hpp"

namespace logreg {

namespace core {
class HelperThread;
}

/// The regularisation of the objective.
struct Penalty {
  double l2 = 0.0;             ///< (l2/2) ||w||^2
  double l1 = 0.0;             ///< l1 ||w||_1
  bool penalize_bias = false;  ///< also penalise b (LIBLINEAR's -B convention)
};

class Objective {
 public:
  /// `data` must outlive the objective.
  Objective(const DataView& data, Loss loss, Penalty penalty);
  Objective(const DataView& data, Loss loss, double l2, bool penalize_bias = false)
      : Objective(data, loss, Penalty{l2, 0.0, penalize_bias}) {}
  ~Objective();
  Objective(const Objective&) = delete;
  Objective& operator=(const Objective&) = delete;

  /// Number of parameters: features + 1 (the bias is last).
  std::size_t dimension() const { return data_.num_features + 1; }
  const DataView& data() const { return data_; }
  Loss loss() const { return loss_; }
  const Penalty& penalty() const { return penalty_; }
  /// sum_i c_i.
  double weight_sum() const { return weight_sum_; }
  /// Whether parameter j is penalised (every weight; the bias only with penalize_bias).
  bool penalized(std::size_t j) const { return j < data_.num_features || penalty_.penalize_bias; }

  /// f(theta), the l1 term included. Caches the margins of theta.
  double value(std::span<const double> theta);
  /// f(theta) as value() gives it, to the bit, without caching anything: one
  /// pass over the non-zeros and no per-row arrays (for SGD, which only
  /// reports the objective).
  double value_at(std::span<const double> theta) const;
  /// f(theta), and the gradient of its smooth part (loss + l2) written to
  /// `gradient`. Caches the margins of theta.
  double value_and_gradient(std::span<const double> theta, std::span<double> gradient);
  /// Gradient of the smooth part at the theta of the last value() call,
  /// from the cached margins (one pass over the non-zeros, none for X w).
  void gradient(std::span<const double> theta, std::span<double> gradient) const;

  /// Line search along `direction` from the theta of the last value() call:
  /// computes X d once; then value_along(alpha) costs O(n + d).
  void set_direction(std::span<const double> direction);
  double value_along(std::span<const double> theta, std::span<const double> direction, double alpha) const;
  /// Moves the cached margins to theta + alpha d (call after accepting a step).
  void accept_step(double alpha);

  /// Prepares Hessian-vector products at the cached margins: the curvature
  /// D_i = c_i d2L/dz2 (Gauss-Newton for squared error, always >= 0), and
  /// H itself when it is formed (forms_hessian()).
  void prepare_curvature();
  /// out = H v, H = X^T D X / sum c + l2 I (on the penalised coordinates):
  /// two passes over the non-zeros, or a product with the formed matrix.
  void hessian_vector(std::span<const double> v, std::span<double> out) const;
  /// Diagonal of H, for the preconditioner.
  void hessian_diagonal(std::span<double> out) const;
  /// Whether prepare_curvature() forms H as a dense (d+1) x (d+1) matrix:
  /// chosen from the data's shape alone, for few parameters and short rows,
  /// where forming it costs no more than two products without it (see
  /// objective.cpp). Products then cost (d+1)^2 and no pass over the data.
  bool forms_hessian() const { return forms_hessian_; }
  /// Overrides that choice from the next prepare_curvature() on (tests and
  /// benchmarks compare the two forms); products until then take no matrix.
  void set_forms_hessian(bool form);

  /// The regularisation terms at theta.
  double penalty_value(std::span<const double> theta) const;
  /// Mean weighted loss at the cached margins.
  double cached_loss() const;
  /// Margins z_i of the last evaluation (empty before the first).
  std::span<const double> margins() const { return margins_; }
  /// Whether the passes are shared with a helper thread (data below OpenMP's
  /// threshold, in 4 partitions or more, 2 threads or more allowed); the
  /// results are the same either way.
  bool uses_helper_thread() const { return helper_ != nullptr; }

 private:
  void compute_margins(std::span<const double> theta);
  std::size_t partition_begin(std::size_t p) const;
  /// Calls body(p) for every partition p: on OpenMP's threads (large data),
  /// on this thread and the helper (smaller data), or here alone.
  template <typename Body>
  void for_each_partition(const Body& body) const;
  /// Calls row_body(i) for every row, partition by partition.
  template <typename RowBody>
  void for_each_row(const RowBody& row_body) const;
  /// out[i] = x_i . theta[0..d) + theta[d] for every row (out has a slot per row).
  void margins_of(std::span<const double> theta, std::vector<double>& out) const;
  /// sum_i term(i), summed per partition and then in partition order.
  template <typename Term>
  double partitioned_sum(const Term& term) const;
  /// out = sum_i coefficient(i) (x_i, 1), or with kSquares
  /// sum_i coefficient(i) (x_i * x_i, 1) entry by entry: per-partition
  /// buffers added in partition order. Returns out's last entry (the bias
  /// component).
  template <bool kSquares = false, typename Coefficient>
  double partitioned_transpose(const Coefficient& coefficient, std::span<double> out) const;
  /// hessian_ = X^T D X / sum c + l2 I from curvature_, summed like
  /// partitioned_transpose(): per-partition matrices added in partition order.
  void form_hessian();
  /// Doubles per partition buffer of `entries` entries: whole cache lines.
  static std::size_t buffer_stride(std::size_t entries);
  /// partitions_ buffers of `stride` doubles each, from a cache line's start.
  double* partition_buffers(std::size_t stride) const;
  /// The constructor's choice of forms_hessian().
  bool hessian_pays_off() const;

  DataView data_;
  Loss loss_;
  Penalty penalty_;
  double weight_sum_;
  std::vector<double> margins_;
  std::vector<double> direction_margins_;
  std::vector<double> curvature_;
  bool forms_hessian_ = false;
  std::vector<double> hessian_;  // (d+1) x (d+1), row-major; empty when not formed at the curvature
  // Cross-entropy: exp(-|z_i|) of the cached margins, kept by cached_loss()
  // for gradient() and prepare_curvature() at the same margins (one exp per
  // row instead of three); `tails_current_` says they are of margins_.
  mutable std::vector<double> tails_;
  mutable bool tails_current_ = false;
  std::size_t partitions_ = 1;
  bool parallel_ = false;  // OpenMP's threads
  std::unique_ptr<core::HelperThread> helper_;
  mutable std::vector<double> buffers_;
};

/// Compares the gradient of the smooth part with central finite
/// differences (a 4-point stencil, step 1e-4 * max(1, |theta_j|) /
/// max(1, max_i |x_ij|), so the step moves the margins by about 1e-4 whatever
/// the feature's scale) at `theta`. Returns the largest
/// |analytic_j - numeric_j| / max(||analytic||_inf, ||numeric||_inf, 1e-300):
/// the error relative to the size of the gradient. The l1 term must be 0.
double gradient_check(Objective& objective, std::span<const double> theta);

}  // namespace logreg
