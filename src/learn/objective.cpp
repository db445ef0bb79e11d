// Full-batch objective: see include/logreg/objective.hpp for the formula.
// Cost: value() one pass over the non-zeros (X w); gradient() one pass
// (X^T r); set_direction() one pass (X d); hessian_vector() two passes.
#include "logreg/objective.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/kernels.hpp"

namespace logreg {

Objective::Objective(const DataView& data, Loss loss, Penalty penalty)
    : data_(data), loss_(loss), penalty_(penalty), weight_sum_(0.0), margins_(data.rows()) {
  for (std::size_t i = 0; i < data_.rows(); ++i) weight_sum_ += data_.weight(i);
}

void Objective::compute_margins(std::span<const double> theta) {
  const double bias = theta[data_.num_features];
  for (std::size_t i = 0; i < data_.rows(); ++i) {
    const auto r = core::row(data_, i);
    margins_[i] = core::sparse_dot(r.indices, r.values, r.count, theta.data()) + bias;
  }
}

double Objective::penalty_value(std::span<const double> theta) const {
  const std::size_t d = data_.num_features;
  double squares = 0.0;
  double absolute = 0.0;
  for (std::size_t j = 0; j < d; ++j) {
    squares += theta[j] * theta[j];
    absolute += std::fabs(theta[j]);
  }
  if (penalty_.penalize_bias) {
    squares += theta[d] * theta[d];
    absolute += std::fabs(theta[d]);
  }
  return 0.5 * penalty_.l2 * squares + (penalty_.l1 > 0.0 ? penalty_.l1 * absolute : 0.0);
}

double Objective::cached_loss() const {
  double total = 0.0;
  for (std::size_t i = 0; i < data_.rows(); ++i) {
    total += data_.weight(i) * loss_value(loss_, margins_[i], data_.labels[i]);
  }
  return weight_sum_ > 0.0 ? total / weight_sum_ : 0.0;
}

double Objective::value(std::span<const double> theta) {
  compute_margins(theta);
  return cached_loss() + penalty_value(theta);
}

void Objective::gradient(std::span<const double> theta, std::span<double> gradient) const {
  const std::size_t d = data_.num_features;
  std::fill(gradient.begin(), gradient.end(), 0.0);
  const double inverse_weight = weight_sum_ > 0.0 ? 1.0 / weight_sum_ : 0.0;
  double bias_gradient = 0.0;
  for (std::size_t i = 0; i < data_.rows(); ++i) {
    const double residual = data_.weight(i) * loss_derivative(loss_, margins_[i], data_.labels[i]);
    if (residual == 0.0) continue;
    bias_gradient += residual;
    const auto r = core::row(data_, i);
    core::sparse_axpy(residual, r.indices, r.values, r.count, gradient.data());
  }
  for (std::size_t j = 0; j < d; ++j) gradient[j] = gradient[j] * inverse_weight + penalty_.l2 * theta[j];
  gradient[d] = bias_gradient * inverse_weight + (penalty_.penalize_bias ? penalty_.l2 * theta[d] : 0.0);
}

double Objective::value_and_gradient(std::span<const double> theta, std::span<double> grad) {
  const double f = value(theta);
  gradient(theta, grad);
  return f;
}

void Objective::set_direction(std::span<const double> direction) {
  direction_margins_.resize(data_.rows());
  const double bias = direction[data_.num_features];
  for (std::size_t i = 0; i < data_.rows(); ++i) {
    const auto r = core::row(data_, i);
    direction_margins_[i] = core::sparse_dot(r.indices, r.values, r.count, direction.data()) + bias;
  }
}

double Objective::value_along(std::span<const double> theta, std::span<const double> direction, double alpha) const {
  double total = 0.0;
  for (std::size_t i = 0; i < data_.rows(); ++i) {
    total += data_.weight(i) * loss_value(loss_, margins_[i] + alpha * direction_margins_[i], data_.labels[i]);
  }
  const double loss = weight_sum_ > 0.0 ? total / weight_sum_ : 0.0;
  const std::size_t n = dimension();
  double squares = 0.0;
  double absolute = 0.0;
  for (std::size_t j = 0; j < n; ++j) {
    if (!penalized(j)) continue;
    const double t = theta[j] + alpha * direction[j];
    squares += t * t;
    absolute += std::fabs(t);
  }
  return loss + 0.5 * penalty_.l2 * squares + (penalty_.l1 > 0.0 ? penalty_.l1 * absolute : 0.0);
}

void Objective::accept_step(double alpha) {
  for (std::size_t i = 0; i < data_.rows(); ++i) margins_[i] += alpha * direction_margins_[i];
}

void Objective::prepare_curvature() {
  curvature_.resize(data_.rows());
  for (std::size_t i = 0; i < data_.rows(); ++i) {
    curvature_[i] = data_.weight(i) * loss_curvature(loss_, margins_[i], data_.labels[i]);
  }
}

void Objective::hessian_vector(std::span<const double> v, std::span<double> out) const {
  const std::size_t d = data_.num_features;
  std::fill(out.begin(), out.end(), 0.0);
  const double inverse_weight = weight_sum_ > 0.0 ? 1.0 / weight_sum_ : 0.0;
  double bias_out = 0.0;
  for (std::size_t i = 0; i < data_.rows(); ++i) {
    const auto r = core::row(data_, i);
    const double xv = core::sparse_dot(r.indices, r.values, r.count, v.data()) + v[d];
    const double scaled = curvature_[i] * xv;
    if (scaled == 0.0) continue;
    bias_out += scaled;
    core::sparse_axpy(scaled, r.indices, r.values, r.count, out.data());
  }
  for (std::size_t j = 0; j < d; ++j) out[j] = out[j] * inverse_weight + penalty_.l2 * v[j];
  out[d] = bias_out * inverse_weight + (penalty_.penalize_bias ? penalty_.l2 * v[d] : 0.0);
}

void Objective::hessian_diagonal(std::span<double> out) const {
  const std::size_t d = data_.num_features;
  std::fill(out.begin(), out.end(), 0.0);
  const double inverse_weight = weight_sum_ > 0.0 ? 1.0 / weight_sum_ : 0.0;
  double bias_out = 0.0;
  for (std::size_t i = 0; i < data_.rows(); ++i) {
    const auto r = core::row(data_, i);
    for (std::size_t k = 0; k < r.count; ++k) out[r.indices[k]] += curvature_[i] * r.values[k] * r.values[k];
    bias_out += curvature_[i];
  }
  for (std::size_t j = 0; j < d; ++j) out[j] = out[j] * inverse_weight + penalty_.l2;
  out[d] = bias_out * inverse_weight + (penalty_.penalize_bias ? penalty_.l2 : 0.0);
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
