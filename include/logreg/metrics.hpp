// Binary-classification metrics computed from logits z (never from rounded
// probabilities): log-loss uses softplus(z), ROC AUC ranks z exactly.
#pragma once

#include <cstddef>
#include <optional>
#include <span>

namespace logreg {

struct ConfusionMatrix {
  std::size_t true_positives = 0;
  std::size_t false_positives = 0;
  std::size_t true_negatives = 0;
  std::size_t false_negatives = 0;
};

struct BinaryMetrics {
  std::size_t n = 0;
  double accuracy = 0.0;
  double precision = 0.0;  ///< TP / (TP + FP); 0 when nothing is predicted positive
  double recall = 0.0;     ///< TP / (TP + FN); 0 when there are no positives
  double f1 = 0.0;         ///< harmonic mean of precision and recall; 0 when both are 0
  double log_loss = 0.0;   ///< mean cross-entropy of sigmoid(z)
  double brier = 0.0;      ///< mean (sigmoid(z) - y)^2
  /// ROC AUC, ties counted 1/2; empty when one class is absent (undefined).
  std::optional<double> auc;
  ConfusionMatrix confusion;
};

/// Metrics of logits `margins` against labels `labels` (0/1). A row is
/// predicted positive when sigmoid(z) >= threshold.
BinaryMetrics compute_metrics(std::span<const double> labels, std::span<const double> margins,
                              double threshold = 0.5);

/// Exact ROC AUC (Mann-Whitney U with ties counted 1/2) of scores against
/// 0/1 labels; empty when either class is absent.
std::optional<double> roc_auc(std::span<const double> labels, std::span<const double> scores);

/// The logit of a probability threshold in (0, 1): sigmoid(z) >= t <=> z >= logit(t).
double threshold_margin(double threshold);

}  // namespace logreg
