#include "logreg/dataset.hpp"

#include <cmath>
#include <string>

namespace logreg {

void Dataset::add_row(std::span<const FeatureIndex> row_indices, std::span<const double> row_values,
                      double label) {
  indices.insert(indices.end(), row_indices.begin(), row_indices.end());
  values.insert(values.end(), row_values.begin(), row_values.end());
  row_offsets.push_back(static_cast<std::int64_t>(indices.size()));
  labels.push_back(label);
  for (FeatureIndex index : row_indices) {
    if (static_cast<std::size_t>(index) + 1 > num_features) num_features = static_cast<std::size_t>(index) + 1;
  }
}

std::string Dataset::validate() const {
  if (row_offsets.empty() || row_offsets.front() != 0) return "row offsets must start at 0";
  if (row_offsets.size() != labels.size() + 1) return "row offsets and labels disagree on the number of rows";
  if (static_cast<std::size_t>(row_offsets.back()) != indices.size()) return "row offsets do not end at the number of non-zeros";
  if (indices.size() != values.size()) return "indices and values differ in length";
  if (!weights.empty() && weights.size() != labels.size()) return "weights and labels differ in length";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] != 0.0 && labels[i] != 1.0) return "label of row " + std::to_string(i + 1) + " is not 0 or 1";
    if (!weights.empty() && !(std::isfinite(weights[i]) && weights[i] >= 0.0)) {
      return "weight of row " + std::to_string(i + 1) + " is not a finite non-negative number";
    }
    // Checked before any index is read: the offsets may come from a file
    // (the binary cache), not only from a reader that built them.
    if (row_offsets[i + 1] < row_offsets[i]) return "row offsets decrease at row " + std::to_string(i + 1);
    if (static_cast<std::size_t>(row_offsets[i + 1]) > indices.size()) {
      return "row offsets run past the non-zeros at row " + std::to_string(i + 1);
    }
    const auto begin = static_cast<std::size_t>(row_offsets[i]);
    const auto end = static_cast<std::size_t>(row_offsets[i + 1]);
    for (std::size_t k = begin; k < end; ++k) {
      if (indices[k] >= num_features) return "feature index beyond num_features in row " + std::to_string(i + 1);
      if (k > begin && indices[k] <= indices[k - 1]) return "feature indices not ascending in row " + std::to_string(i + 1);
      if (!std::isfinite(values[k])) return "non-finite value in row " + std::to_string(i + 1);
    }
  }
  return {};
}

}  // namespace logreg
