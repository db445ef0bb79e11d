// Full-batch objective: see include/logreg/objective.hpp for the formula.
// Cost: value() one pass over the non-zeros (X w); gradient() one pass
// (X^T r); set_direction() one pass (X d); hessian_vector() two passes.
//
// Threads: rows are split into a number of partitions that depends only on
// the data's shape, never on the thread count; each partition sums into its
// own buffer and the buffers are added in partition order. So the results are
// bit-identical whatever the number of threads. The partitions run on
// OpenMP's threads from kParallelNonzeros on, and below it (given
// kHelperNonzeros and kHelperPartitions) on the calling thread and one
// helper thread (core/helper_thread.hpp), whose passes never wait for a
// thread the scheduler has not run.
#include "logreg/objective.hpp"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <system_error>
#include <vector>

#include "core/helper_thread.hpp"
#include "core/huge_pages.hpp"
#include "core/kernels.hpp"

namespace logreg {

namespace {

// Small enough that a set of a few thousand rows still has a partition for
// each of two threads.
constexpr std::size_t kRowsPerPartition = 512;
constexpr std::size_t kMaxPartitions = 16;
constexpr std::size_t kNonzerosPerBufferEntry = 8;
constexpr std::size_t kMaxBufferDoubles = std::size_t{32} << 20;  // 256 MiB of partial gradients at most
// From this many non-zeros the partitions run on OpenMP's threads. Below it
// a pass takes well under a millisecond, and an OpenMP team costs more than
// it saves on a loaded machine: with 1 << 16 a Newton fit on 372k non-zeros
// (movielens_liked) took 5-6x as long on 2 threads while another process
// kept one of the 2 cores busy (libgomp's waiting threads spin and take
// turns with the one working), and about 10% longer with its sleeping
// waits (OMP_WAIT_POLICY=passive), against 20% less when both cores were
// free. Such passes use the helper thread instead.
constexpr std::size_t kParallelNonzeros = std::size_t{1} << 20;
// From this many non-zeros (and with 2 threads or more allowed) passes
// below kParallelNonzeros are shared with a helper thread. Passes of 16k
// non-zeros take 20-40 us, and the helper, which spins between them, joins
// within a microsecond or two: smokeban (27k non-zeros) and spam (48k) went
// from 3.44 to 2.89 ms and from 4.92 to 4.05 ms a fit, reading included.
// (These thresholds were 1 << 16 and 4 partitions while the helper could
// start as much as 4 ms late: see core/helper_thread.cpp.)
constexpr std::size_t kHelperNonzeros = std::size_t{1} << 14;
// ... and only with this many partitions or more (there is nothing to
// share in one). With 2, fine_foods went from 10.5 to 9.4 ms a fit.
constexpr std::size_t kHelperPartitions = 2;
// H is formed as a matrix only for this many parameters or fewer: its
// per-partition copies stay in the level-1/2 caches.
constexpr std::size_t kMaxFormedDimension = 64;

// Each partition's buffer starts on a cache line of its own: with 11
// entries (smokeban) the caller's and the helper's buffers shared lines, and
// every addition to one took the line from the other core; the gradient and
// Hessian-vector products took longer on two threads than on one.
constexpr std::size_t kCacheLine = 64;
constexpr std::size_t kDoublesPerCacheLine = kCacheLine / sizeof(double);

std::ptrdiff_t signed_size(std::size_t n) { return static_cast<std::ptrdiff_t>(n); }

}  // namespace

Objective::Objective(const DataView& data, Loss loss, Penalty penalty)
    : data_(data), loss_(loss), penalty_(penalty), weight_sum_(0.0) {
  for (std::size_t i = 0; i < data_.rows(); ++i) weight_sum_ += data_.weight(i);
  const std::size_t by_rows = std::max<std::size_t>(1, data_.rows() / kRowsPerPartition);
  const std::size_t by_memory = std::max<std::size_t>(1, kMaxBufferDoubles / (data_.num_features + 1));
  // Each partition zeroes, fills and sums a buffer of d + 1 doubles per X^T r:
  // on wide data that costs more than the non-zeros themselves (16 buffers
  // of 2^20 doubles made a gradient over 20M non-zeros 4x slower than 2
  // buffers), so the buffers may hold at most an eighth of the non-zeros.
  const std::size_t by_width = std::max<std::size_t>(1, data_.nonzeros() / (kNonzerosPerBufferEntry * (data_.num_features + 1)));
  // A power of two, so that 2, 4, 8 or 16 threads share the partitions evenly.
  partitions_ = std::bit_floor(std::min({by_rows, kMaxPartitions, by_memory, by_width}));
  forms_hessian_ = hessian_pays_off();
  const bool threads = omp_get_max_threads() > 1;
  parallel_ = threads && data_.nonzeros() >= kParallelNonzeros;
  if (threads && !parallel_ && partitions_ >= kHelperPartitions && data_.nonzeros() >= kHelperNonzeros) {
    try {
      helper_ = std::make_unique<core::HelperThread>();
    } catch (const std::system_error&) {
      // No thread to be had: the passes run here, with the same results.
    }
  }
}

Objective::~Objective() = default;

void Objective::set_forms_hessian(bool form) {
  forms_hessian_ = form;
  hessian_.clear();
}

bool Objective::hessian_pays_off() const {
  // A row of k non-zeros costs k^2 + k multiply-adds to add to H (all pairs,
  // and the bias column), against 2 (k + 1) in each Hessian-vector product
  // without H. Newton's method takes the preconditioner's pass and at least
  // one product per outer iteration, usually several: H pays off when it
  // costs at most two products. So do rows of up to 4 non-zeros (smokeban:
  // 10 features, 3.4 a row). A product with H costs (d+1)^2; it must be
  // small next to a pass, and so must zeroing and adding the partitions'
  // matrices.
  const std::size_t n = dimension();
  const std::size_t work_of_a_pass = data_.nonzeros() + data_.rows();
  if (n > kMaxFormedDimension || 2 * n * n > work_of_a_pass || partitions_ * n * n > work_of_a_pass) return false;
  std::size_t forming_work = 0;
  for (std::size_t i = 0; i < data_.rows(); ++i) {
    const auto k = static_cast<std::size_t>(data_.row_offsets[i + 1] - data_.row_offsets[i]);
    forming_work += k * k + k;
  }
  return forming_work <= 2 * (2 * work_of_a_pass);
}

std::size_t Objective::partition_begin(std::size_t p) const { return data_.rows() * p / partitions_; }

template <typename Body>
void Objective::for_each_partition(const Body& body) const {
  if (parallel_) {
#pragma omp parallel for schedule(dynamic, 1)
    for (std::ptrdiff_t p = 0; p < signed_size(partitions_); ++p) body(static_cast<std::size_t>(p));
  } else if (helper_) {
    helper_->run(partitions_, body);
  } else {
    for (std::size_t p = 0; p < partitions_; ++p) body(p);
  }
}

template <typename RowBody>
void Objective::for_each_row(const RowBody& row_body) const {
  for_each_partition([&](std::size_t p) {
    const std::size_t end = partition_begin(p + 1);
    for (std::size_t i = partition_begin(p); i < end; ++i) row_body(i);
  });
}

void Objective::margins_of(std::span<const double> theta, std::vector<double>& out) const {
  const double bias = theta[data_.num_features];
  for_each_row([&](std::size_t i) {
    const auto r = core::row(data_, i);
    out[i] = core::sparse_dot(r.indices, r.values, r.count, theta.data()) + bias;
  });
}

template <typename Term>
double Objective::partitioned_sum(const Term& term) const {
  std::vector<double> sums(partitions_, 0.0);
  for_each_partition([&](std::size_t p) {
    double sum = 0.0;
    const std::size_t end = partition_begin(p + 1);
    for (std::size_t i = partition_begin(p); i < end; ++i) sum += term(i);
    sums[p] = sum;
  });
  double total = 0.0;
  for (double sum : sums) total += sum;
  return total;
}

std::size_t Objective::buffer_stride(std::size_t entries) {
  return (entries + kDoublesPerCacheLine - 1) / kDoublesPerCacheLine * kDoublesPerCacheLine;
}

double* Objective::partition_buffers(std::size_t stride) const {
  // One cache line of room to start on a line's boundary.
  core::reserve_on_huge_pages(buffers_, partitions_ * stride + kDoublesPerCacheLine);
  buffers_.resize(std::max(buffers_.size(), partitions_ * stride + kDoublesPerCacheLine));
  const auto address = reinterpret_cast<std::uintptr_t>(buffers_.data());
  const std::size_t skip = (kCacheLine - address % kCacheLine) % kCacheLine / sizeof(double);
  return buffers_.data() + skip;
}

template <bool kSquares, typename Coefficient>
double Objective::partitioned_transpose(const Coefficient& coefficient, std::span<double> out) const {
  const std::size_t n = dimension();
  const std::size_t d = data_.num_features;
  const std::size_t stride = buffer_stride(n);
  double* const buffers = partition_buffers(stride);
  for_each_partition([&](std::size_t p) {
    double* buffer = buffers + p * stride;
    std::fill(buffer, buffer + n, 0.0);
    // The bias entry is summed in a register, in the same order: through
    // buffer[d] every row's addition waited for the previous row's store
    // (the compiler cannot tell that sparse_axpy leaves it alone), a chain
    // that was a fifth of a Hessian-vector product on rows of 5 non-zeros.
    double bias = 0.0;
    const std::size_t end = partition_begin(p + 1);
    for (std::size_t i = partition_begin(p); i < end; ++i) {
      const double c = coefficient(i);
      if (c == 0.0) continue;
      bias += c;
      const auto r = core::row(data_, i);
      if constexpr (kSquares) {
        for (std::size_t k = 0; k < r.count; ++k) buffer[r.indices[k]] += c * r.values[k] * r.values[k];
      } else {
        core::sparse_axpy(c, r.indices, r.values, r.count, buffer);
      }
    }
    buffer[d] = bias;
  });
  // The buffers' sum, entry by entry in partition order; the entries are
  // split into as many ranges as there are partitions.
  for_each_partition([&](std::size_t part) {
    const std::size_t end = n * (part + 1) / partitions_;
    for (std::size_t j = n * part / partitions_; j < end; ++j) {
      double sum = 0.0;
      for (std::size_t p = 0; p < partitions_; ++p) sum += buffers[p * stride + j];
      out[j] = sum;
    }
  });
  return out[d];
}

void Objective::compute_margins(std::span<const double> theta) {
  tails_current_ = false;
  // The per-row arrays are made when first needed (value_at() needs none),
  // on huge pages where large (core/huge_pages.hpp).
  core::reserve_on_huge_pages(margins_, data_.rows());
  margins_.resize(data_.rows());
  margins_of(theta, margins_);
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
  if (loss_ == Loss::kCrossEntropy) {
    core::reserve_on_huge_pages(tails_, data_.rows());
    tails_.resize(data_.rows());
    total = partitioned_sum([this](std::size_t i) {
      const double t = exp_tail(margins_[i]);
      tails_[i] = t;
      return data_.weight(i) * cross_entropy_from_tail(margins_[i], data_.labels[i], t);
    });
    tails_current_ = true;
  } else {
    total = partitioned_sum(
        [this](std::size_t i) { return data_.weight(i) * loss_value(loss_, margins_[i], data_.labels[i]); });
  }
  return weight_sum_ > 0.0 ? total / weight_sum_ : 0.0;
}

double Objective::value(std::span<const double> theta) {
  compute_margins(theta);
  return cached_loss() + penalty_value(theta);
}

double Objective::value_at(std::span<const double> theta) const {
  // The margins of margins_of() and the sums of cached_loss(), in the same
  // partitions and order; loss_value() has the bits of the one-exp forms
  // that cached_loss() uses for cross-entropy (loss.hpp).
  const double bias = theta[data_.num_features];
  const double total = partitioned_sum([&](std::size_t i) {
    const auto r = core::row(data_, i);
    const double z = core::sparse_dot(r.indices, r.values, r.count, theta.data()) + bias;
    return data_.weight(i) * loss_value(loss_, z, data_.labels[i]);
  });
  return (weight_sum_ > 0.0 ? total / weight_sum_ : 0.0) + penalty_value(theta);
}

void Objective::gradient(std::span<const double> theta, std::span<double> gradient) const {
  const std::size_t d = data_.num_features;
  const double inverse_weight = weight_sum_ > 0.0 ? 1.0 / weight_sum_ : 0.0;
  const double bias_gradient = partitioned_transpose(
      [this](std::size_t i) {
        return data_.weight(i) * (tails_current_ ? cross_entropy_derivative_from_tail(margins_[i], data_.labels[i], tails_[i])
                                                 : loss_derivative(loss_, margins_[i], data_.labels[i]));
      },
      gradient);
  for (std::size_t j = 0; j < d; ++j) gradient[j] = gradient[j] * inverse_weight + penalty_.l2 * theta[j];
  gradient[d] = bias_gradient * inverse_weight + (penalty_.penalize_bias ? penalty_.l2 * theta[d] : 0.0);
}

double Objective::value_and_gradient(std::span<const double> theta, std::span<double> grad) {
  const double f = value(theta);
  gradient(theta, grad);
  return f;
}

void Objective::set_direction(std::span<const double> direction) {
  core::reserve_on_huge_pages(direction_margins_, data_.rows());
  direction_margins_.resize(data_.rows());
  margins_of(direction, direction_margins_);
}

double Objective::value_along(std::span<const double> theta, std::span<const double> direction, double alpha) const {
  const double total = partitioned_sum([&](std::size_t i) {
    return data_.weight(i) * loss_value(loss_, margins_[i] + alpha * direction_margins_[i], data_.labels[i]);
  });
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
  tails_current_ = false;
  for_each_row([&](std::size_t i) { margins_[i] += alpha * direction_margins_[i]; });
}

void Objective::prepare_curvature() {
  core::reserve_on_huge_pages(curvature_, data_.rows());
  curvature_.resize(data_.rows());
  for_each_row([&](std::size_t i) {
    curvature_[i] = data_.weight(i) * (tails_current_ ? cross_entropy_curvature_from_tail(tails_[i])
                                                       : loss_curvature(loss_, margins_[i], data_.labels[i]));
  });
  hessian_.clear();
  if (forms_hessian_) form_hessian();
}

void Objective::form_hessian() {
  const std::size_t n = dimension();
  const std::size_t d = data_.num_features;
  const std::size_t size = n * n;
  const std::size_t stride = buffer_stride(size);
  double* const buffers = partition_buffers(stride);
  for_each_partition([&](std::size_t p) {
    double* buffer = buffers + p * stride;
    std::fill(buffer, buffer + size, 0.0);
    double bias = 0.0;  // in a register, as in partitioned_transpose()
    const std::size_t end = partition_begin(p + 1);
    for (std::size_t i = partition_begin(p); i < end; ++i) {
      const double c = curvature_[i];
      if (c == 0.0) continue;
      bias += c;
      const auto r = core::row(data_, i);
      for (std::size_t a = 0; a < r.count; ++a) {
        const double scaled = c * r.values[a];
        double* line = buffer + static_cast<std::size_t>(r.indices[a]) * n;
        for (std::size_t b = 0; b < r.count; ++b) line[r.indices[b]] += scaled * r.values[b];
        line[d] += scaled;
      }
    }
    buffer[d * n + d] = bias;
  });
  hessian_.resize(size);
  for_each_partition([&](std::size_t part) {
    const std::size_t end = size * (part + 1) / partitions_;
    for (std::size_t e = size * part / partitions_; e < end; ++e) {
      double sum = 0.0;
      for (std::size_t p = 0; p < partitions_; ++p) sum += buffers[p * stride + e];
      hessian_[e] = sum;
    }
  });
  // The bias row was left to symmetry; scale, and add the penalty.
  const double inverse_weight = weight_sum_ > 0.0 ? 1.0 / weight_sum_ : 0.0;
  for (std::size_t j = 0; j < d; ++j) hessian_[d * n + j] = hessian_[j * n + d];
  for (double& entry : hessian_) entry *= inverse_weight;
  for (std::size_t j = 0; j < n; ++j) {
    if (penalized(j)) hessian_[j * n + j] += penalty_.l2;
  }
}

void Objective::hessian_vector(std::span<const double> v, std::span<double> out) const {
  const std::size_t d = data_.num_features;
  if (!hessian_.empty()) {
    const std::size_t n = dimension();
    for (std::size_t j = 0; j < n; ++j) {
      const double* line = hessian_.data() + j * n;
      double sum = 0.0;
      for (std::size_t k = 0; k < n; ++k) sum += line[k] * v[k];
      out[j] = sum;
    }
    return;
  }
  const double inverse_weight = weight_sum_ > 0.0 ? 1.0 / weight_sum_ : 0.0;
  const double bias_out = partitioned_transpose(
      [&](std::size_t i) {
        if (curvature_[i] == 0.0) return 0.0;
        const auto r = core::row(data_, i);
        return curvature_[i] * (core::sparse_dot(r.indices, r.values, r.count, v.data()) + v[d]);
      },
      out);
  for (std::size_t j = 0; j < d; ++j) out[j] = out[j] * inverse_weight + penalty_.l2 * v[j];
  out[d] = bias_out * inverse_weight + (penalty_.penalize_bias ? penalty_.l2 * v[d] : 0.0);
}

void Objective::hessian_diagonal(std::span<double> out) const {
  const std::size_t d = data_.num_features;
  if (!hessian_.empty()) {
    for (std::size_t j = 0; j <= d; ++j) out[j] = hessian_[j * (d + 1) + j];
    return;
  }
  const double inverse_weight = weight_sum_ > 0.0 ? 1.0 / weight_sum_ : 0.0;
  const double bias_out = partitioned_transpose<true>([this](std::size_t i) { return curvature_[i]; }, out);
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
