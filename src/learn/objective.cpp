// Full-batch objective: see include/logreg/objective.hpp for the formula.
// Cost of value_and_gradient: one pass over the non-zeros for the margins and
// one for X^T r, plus O(d) for the penalty.
#include "logreg/objective.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/kernels.hpp"

namespace logreg {

Objective::Objective(const DataView& data, Loss loss, double l2, bool penalize_bias)
    : data_(data), loss_(loss), l2_(l2), penalize_bias_(penalize_bias), weight_sum_(0.0),
      margins_(data.rows()) {
  for (std::size_t i = 0; i < data_.rows(); ++i) weight_sum_ += data_.weight(i);
}

void Objective::compute_margins(std::span<const double> theta) {
  const double bias = theta[data_.num_features];
  for (std::size_t i = 0; i < data_.rows(); ++i) {
    const auto r = core::row(data_, i);
    margins_[i] = core::sparse_dot(r.indices, r.values, r.count, theta.data()) + bias;
  }
}

double Objective::penalty(std::span<const double> theta) const {
  double squares = 0.0;
  for (std::size_t j = 0; j < data_.num_features; ++j) squares += theta[j] * theta[j];
  if (penalize_bias_) squares += theta[data_.num_features] * theta[data_.num_features];
  return 0.5 * l2_ * squares;
}

double Objective::value(std::span<const double> theta) {
  compute_margins(theta);
  double total = 0.0;
  for (std::size_t i = 0; i < data_.rows(); ++i) {
    total += data_.weight(i) * loss_value(loss_, margins_[i], data_.labels[i]);
  }
  const double mean = weight_sum_ > 0.0 ? total / weight_sum_ : 0.0;
  return mean + penalty(theta);
}

double Objective::value_and_gradient(std::span<const double> theta, std::span<double> gradient) {
  compute_margins(theta);
  const std::size_t d = data_.num_features;
  std::fill(gradient.begin(), gradient.end(), 0.0);
  const double inverse_weight = weight_sum_ > 0.0 ? 1.0 / weight_sum_ : 0.0;
  double total = 0.0;
  double bias_gradient = 0.0;
  for (std::size_t i = 0; i < data_.rows(); ++i) {
    const double c = data_.weight(i);
    const double z = margins_[i];
    const double y = data_.labels[i];
    total += c * loss_value(loss_, z, y);
    const double residual = c * loss_derivative(loss_, z, y);
    bias_gradient += residual;
    const auto r = core::row(data_, i);
    core::sparse_axpy(residual, r.indices, r.values, r.count, gradient.data());
  }
  for (std::size_t j = 0; j < d; ++j) gradient[j] = gradient[j] * inverse_weight + l2_ * theta[j];
  gradient[d] = bias_gradient * inverse_weight + (penalize_bias_ ? l2_ * theta[d] : 0.0);
  return total * inverse_weight + penalty(theta);
}

double gradient_check(Objective& objective, std::span<const double> theta) {
  const std::size_t n = objective.dimension();
  std::vector<double> point(theta.begin(), theta.end());
  std::vector<double> analytic(n);
  objective.value_and_gradient(point, analytic);
  // Largest |x_ij| of each column (the bias column is all ones).
  const DataView& data = objective.data();
  std::vector<double> column_scale(n, 1.0);
  for (std::size_t k = 0; k < data.nonzeros(); ++k) {
    double& s = column_scale[data.indices[k]];
    s = std::max(s, std::fabs(data.values[k]));
  }
  std::vector<double> numeric(n);
  for (std::size_t j = 0; j < n; ++j) {
    const double original = point[j];
    const double h = 1e-4 * std::max(1.0, std::fabs(original)) / column_scale[j];
    auto at = [&](double offset) {
      point[j] = original + offset;
      return objective.value(point);
    };
    // Fourth-order central difference: truncation error O(h^4).
    numeric[j] = (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h);
    point[j] = original;
  }
  double scale = 1e-300;
  double worst = 0.0;
  for (std::size_t j = 0; j < n; ++j) scale = std::max({scale, std::fabs(analytic[j]), std::fabs(numeric[j])});
  for (std::size_t j = 0; j < n; ++j) worst = std::max(worst, std::fabs(analytic[j] - numeric[j]));
  return worst / scale;
}

}  // namespace logreg
