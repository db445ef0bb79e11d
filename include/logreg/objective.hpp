// The full-batch objective shared by every solver and by gradient checks:
//
//   f(theta) = sum_i c_i L(z_i, y_i) / sum_i c_i + (l2/2) ||w||^2,
//   theta = (w_0 .. w_{d-1}, b),  z_i = w.x_i + b.
//
// Its gradient is X^T r / sum c + l2 w (and sum r / sum c for b) with
// r_i = c_i dL/dz(z_i, y_i). Margins of the last evaluation are cached so a
// second-order solver can reuse them for Hessian-vector products, and so that
// a distributed version only needs to all-reduce the sums.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "logreg/dataset.hpp"
#include "logreg/loss.hpp"

namespace logreg {

class Objective {
 public:
  /// `data` must outlive the objective. `penalize_bias` adds (l2/2) b^2
  /// (LIBLINEAR's convention with -B 1).
  Objective(const DataView& data, Loss loss, double l2, bool penalize_bias = false);

  /// Number of parameters: features + 1 (the bias is last).
  std::size_t dimension() const { return data_.num_features + 1; }

  /// f(theta).
  double value(std::span<const double> theta);
  /// f(theta), and its gradient written to `gradient` (dimension() entries).
  double value_and_gradient(std::span<const double> theta, std::span<double> gradient);

  /// The data the objective sums over.
  const DataView& data() const { return data_; }

  /// Margins z_i of the last evaluation.
  std::span<const double> margins() const { return margins_; }

 private:
  void compute_margins(std::span<const double> theta);
  double penalty(std::span<const double> theta) const;

  DataView data_;
  Loss loss_;
  double l2_;
  bool penalize_bias_;
  double weight_sum_;
  std::vector<double> margins_;
};

/// Compares value_and_gradient() with central finite differences (a 4-point
/// stencil, step 1e-4 * max(1, |theta_j|) / max(1, max_i |x_ij|), so that the
/// step moves the margins by about 1e-4 whatever the feature's scale) at `theta`. Returns the largest
/// |analytic_j - numeric_j| / max(||analytic||_inf, ||numeric||_inf, 1e-300):
/// the error relative to the size of the gradient.
double gradient_check(Objective& objective, std::span<const double> theta);

}  // namespace logreg
