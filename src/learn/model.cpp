#include "logreg/model.hpp"

#include "core/kernels.hpp"
#include "logreg/metrics.hpp"

namespace logreg {

double Model::margin(std::span<const FeatureIndex> indices, std::span<const double> values) const {
  const std::size_t d = weights.size();
  const std::size_t count = indices.size();
  // Same summation order as training (sparse_dot), so a saved model
  // reproduces the training margins bit for bit.
  if (count == 0 || indices[count - 1] < d) {
    return core::sparse_dot(indices.data(), values.data(), count, weights.data()) + bias;
  }
  // Features beyond the model were never seen in training: weight 0.
  std::size_t inside = 0;
  while (inside < count && indices[inside] < d) ++inside;
  return core::sparse_dot(indices.data(), values.data(), inside, weights.data()) + bias;
}

std::vector<double> Model::margins(const DataView& data) const {
  std::vector<double> out(data.rows());
#pragma omp parallel for schedule(static) if (data.nonzeros() >= (std::size_t{1} << 20))
  for (std::ptrdiff_t k = 0; k < static_cast<std::ptrdiff_t>(data.rows()); ++k) {
    const auto i = static_cast<std::size_t>(k);
    const auto r = core::row(data, i);
    out[i] = margin({r.indices, r.count}, {r.values, r.count});
  }
  return out;
}

int Model::label(double z) const { return z >= threshold_margin(threshold) ? 1 : 0; }

}  // namespace logreg
