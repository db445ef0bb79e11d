#include "logreg/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "logreg/loss.hpp"

namespace logreg {

double threshold_margin(double threshold) {
  if (threshold == 0.5) return 0.0;  // exact: the note's rule sigmoid(z) >= 1/2 <=> z >= 0
  return std::log(threshold) - std::log1p(-threshold);
}

std::optional<double> roc_auc(std::span<const double> labels, std::span<const double> scores) {
  const std::size_t n = labels.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
  // Mann-Whitney: sum of the (1-based, tie-averaged) ranks of the positives.
  double positive_rank_sum = 0.0;
  double positives = 0.0;
  std::size_t i = 0;
  while (i < n) {
    std::size_t j = i;
    double positives_in_group = 0.0;
    while (j < n && scores[order[j]] == scores[order[i]]) {
      positives_in_group += labels[order[j]] > 0.5 ? 1.0 : 0.0;
      ++j;
    }
    // Ranks i+1 .. j share their mean (i + 1 + j) / 2.
    positive_rank_sum += positives_in_group * (static_cast<double>(i + 1 + j) / 2.0);
    positives += positives_in_group;
    i = j;
  }
  const double negatives = static_cast<double>(n) - positives;
  if (positives == 0.0 || negatives == 0.0) return std::nullopt;
  return (positive_rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives);
}

BinaryMetrics compute_metrics(std::span<const double> labels, std::span<const double> margins,
                              double threshold) {
  BinaryMetrics m;
  m.n = labels.size();
  const double cut = threshold_margin(threshold);
  double log_loss = 0.0;
  double brier = 0.0;
  for (std::size_t i = 0; i < m.n; ++i) {
    const double z = margins[i];
    const double y = labels[i];
    const bool truth = y > 0.5;
    const bool predicted = z >= cut;
    if (truth && predicted) ++m.confusion.true_positives;
    if (!truth && predicted) ++m.confusion.false_positives;
    if (!truth && !predicted) ++m.confusion.true_negatives;
    if (truth && !predicted) ++m.confusion.false_negatives;
    log_loss += loss_value(Loss::kCrossEntropy, z, y);
    brier += loss_value(Loss::kSquaredError, z, y);
  }
  if (m.n == 0) return m;
  const auto count = [](std::size_t v) { return static_cast<double>(v); };
  const double n = count(m.n);
  const double tp = count(m.confusion.true_positives);
  const double fp = count(m.confusion.false_positives);
  const double fn = count(m.confusion.false_negatives);
  m.accuracy = (tp + count(m.confusion.true_negatives)) / n;
  m.precision = tp + fp > 0 ? tp / (tp + fp) : 0.0;
  m.recall = tp + fn > 0 ? tp / (tp + fn) : 0.0;
  m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0.0;
  m.log_loss = log_loss / n;
  m.brier = brier / n;
  m.auc = roc_auc(labels, margins);
  return m;
}

}  // namespace logreg
