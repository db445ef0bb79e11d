// Training data: a sparse matrix in CSR form, labels in {0,1}, optional
// per-example weights and the map from the file's labels to {0,1}.
//
// Values are stored as double. LIBLINEAR and scikit-learn both compute in
// double; storing float would round values such as 0.0416667 or 18424 to 24
// bits before the first multiplication and move the optimum away from the
// peers' (we promise the same optimum). The cost, 12 bytes per non-zero with
// a 32-bit column index, is accepted; the reading and training loops are
// bound by the weight-vector gathers, not by streaming these arrays.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace logreg {

/// Column index type: features 1..2^32-1 in LIBSVM numbering.
using FeatureIndex = std::uint32_t;

/// How the labels of a file map to the classes 0 and 1. Files may use 0/1 or
/// -1/+1; predictions are printed in the user's own labels.
struct LabelMap {
  double negative = 0.0;  ///< the file's label for class 0 (0 or -1)
  double positive = 1.0;  ///< the file's label for class 1 (always 1)

  /// The file's label for class `y` (0 or 1).
  double to_user(int y) const { return y != 0 ? positive : negative; }
};

/// Non-owning view of rows of a CSR matrix with labels and weights. Trainers
/// and metrics take views, so a shard or a Python array needs no copy. The
/// viewed storage must outlive the view.
struct DataView {
  std::span<const std::int64_t> row_offsets;  ///< rows+1 entries, row i is [off[i], off[i+1])
  std::span<const FeatureIndex> indices;       ///< 0-based column of each non-zero, ascending per row
  std::span<const double> values;              ///< value of each non-zero
  std::span<const double> labels;              ///< one per row, 0.0 or 1.0
  std::span<const double> weights;             ///< one per row, or empty for all 1
  std::size_t num_features = 0;                ///< columns; indices are < num_features

  std::size_t rows() const { return labels.size(); }
  std::size_t nonzeros() const {
    return row_offsets.empty() ? 0 : static_cast<std::size_t>(row_offsets.back() - row_offsets.front());
  }
  double weight(std::size_t i) const { return weights.empty() ? 1.0 : weights[i]; }
};

/// Owning dataset. Invariants (checked by `validate()`): row_offsets has
/// rows+1 non-decreasing entries starting at 0 and ending at indices.size();
/// indices within a row are strictly ascending and < num_features; labels are
/// 0 or 1; weights is empty or has one finite non-negative value per row.
struct Dataset {
  std::vector<std::int64_t> row_offsets{0};
  std::vector<FeatureIndex> indices;
  std::vector<double> values;
  std::vector<double> labels;
  std::vector<double> weights;
  std::size_t num_features = 0;
  LabelMap label_map;
  /// Names of the feature columns when the file had a header (CSV), else empty.
  std::vector<std::string> feature_names;

  std::size_t rows() const { return labels.size(); }
  std::size_t nonzeros() const { return indices.size(); }
  DataView view() const {
    return DataView{row_offsets, indices, values, labels, weights, num_features};
  }
  /// Appends one row given as sorted (index, value) pairs.
  void add_row(std::span<const FeatureIndex> row_indices, std::span<const double> row_values,
               double label);
  /// Empty string when the invariants hold, else a description of the first
  /// violation.
  std::string validate() const;
};

}  // namespace logreg
