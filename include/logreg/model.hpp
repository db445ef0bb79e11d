// A trained sigmoid neuron: weights, bias, the loss it was trained with, the
// label map of its training file, the options used and a training summary.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "logreg/dataset.hpp"
#include "logreg/loss.hpp"
#include "logreg/train.hpp"

namespace logreg {

struct Model {
  Loss loss = Loss::kCrossEntropy;
  /// weights[k] multiplies feature k (LIBSVM index k+1, or CSV feature column k).
  std::vector<double> weights;
  double bias = 0.0;
  LabelMap label_map;
  /// Predict class 1 when sigmoid(z) >= threshold (default 1/2, i.e. z >= 0).
  double threshold = 0.5;
  /// Options the model was trained with (stored in the model file).
  TrainOptions options;
  /// What training did (stored in the model file).
  TrainReport report;

  std::size_t num_features() const { return weights.size(); }

  /// z = w.x + b for one sparse row; features beyond num_features() are
  /// ignored (they were never seen in training, so their weight is 0).
  double margin(std::span<const FeatureIndex> indices, std::span<const double> values) const;
  /// Margins of every row of `data`.
  std::vector<double> margins(const DataView& data) const;
  /// sigmoid(z).
  static double probability(double margin) { return sigmoid(margin); }
  /// 1 when sigmoid(z) >= threshold, else 0.
  int label(double margin) const;
};

}  // namespace logreg
