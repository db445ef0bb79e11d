// Losses of the sigmoid neuron as functions of the logit z = w.x + b.
//
// Every function here is exact to a few ulps and finite for every finite z
// (and for z = +-inf): nothing is computed as log() of a rounded probability
// and nothing subtracts two numbers close to 1. Labels y are 0 or 1.
//
//   sigmoid      s(z)  = 1 / (1 + exp(-z))
//   cross-entropy L_ce = -y log s(z) - (1-y) log(1 - s(z))
//                      = softplus(z) - y z,  softplus(z) = log(1 + exp(z))
//                dL/dz = s(z) - y
//   squared error L_se = (s(z) - y)^2            (the note's definition; no 1/2)
//                dL/dz = 2 (s(z) - y) s(z) (1 - s(z))
//
// For y = 1 we use 1 - s(z) = s(-z), so the "distance to the label" is always
// a sigmoid of a signed margin and never a difference of two rounded values.
#pragma once

#include <cmath>
#include <string_view>

namespace logreg {

/// The two losses of the note.
enum class Loss {
  kCrossEntropy,  ///< binary cross-entropy ("bce", logistic loss); convex
  kSquaredError,  ///< (sigmoid(z) - y)^2 ("se"); not convex in w
};

/// "bce" or "se".
std::string_view loss_name(Loss loss);

/// Numerically stable logistic sigmoid; s(-z) == 1 - s(z) up to rounding.
inline double sigmoid(double z) {
  // Only exp of a non-positive number is taken, so it never overflows.
  if (z >= 0) {
    return 1.0 / (1.0 + std::exp(-z));
  }
  const double e = std::exp(z);
  return e / (1.0 + e);
}

/// exp(-|z|): the one exp that sigmoid(z), sigmoid(-z) and softplus(z) and
/// softplus(-z) take. A caller that needs several of them at one margin
/// computes it once and passes it to the *_from_tail forms below, which give
/// the same bits.
inline double exp_tail(double z) { return std::exp(-std::fabs(z)); }

/// sigmoid(z), given t = exp_tail(z).
inline double sigmoid_from_tail(double z, double t) { return z >= 0 ? 1.0 / (1.0 + t) : t / (1.0 + t); }

/// log(1 + exp(z)) without overflow (z > 709) or loss of digits (z < -37).
inline double softplus(double z) {
  // max(z, 0) + log1p(exp(-|z|)): the log1p form keeps the tiny tail exact.
  return std::fmax(z, 0.0) + std::log1p(std::exp(-std::fabs(z)));
}

/// Value of the loss at logit z for label y (0 or 1).
inline double loss_value(Loss loss, double z, double y) {
  // Margin signed so that positive means "wrong side": s(m) = |s(z) - y|.
  const double m = y > 0.5 ? -z : z;
  if (loss == Loss::kCrossEntropy) {
    return softplus(m);
  }
  const double r = sigmoid(m);
  return r * r;
}

/// dL/dz at logit z for label y.
inline double loss_derivative(Loss loss, double z, double y) {
  if (loss == Loss::kCrossEntropy) {
    // s(z) - y, with s(z) - 1 written as -s(-z) to keep its digits.
    return y > 0.5 ? -sigmoid(-z) : sigmoid(z);
  }
  const double m = y > 0.5 ? -z : z;
  const double r = sigmoid(m);          // |s(z) - y|
  const double other = sigmoid(-m);     // 1 - r
  const double d = 2.0 * r * r * other;  // 2 |a-y| a (1-a)
  return y > 0.5 ? -d : d;
}

/// Cross-entropy's loss_value and loss_derivative at z, given t =
/// exp_tail(z): the same bits, without taking the exp again.
inline double cross_entropy_from_tail(double z, double y, double t) {
  const double m = y > 0.5 ? -z : z;
  return std::fmax(m, 0.0) + std::log1p(t);
}
inline double cross_entropy_derivative_from_tail(double z, double y, double t) {
  return y > 0.5 ? -sigmoid_from_tail(-z, t) : sigmoid_from_tail(z, t);
}
/// s(z) s(-z) given t = exp_tail(z): the factors are 1/(1+t) and t/(1+t), in
/// one order or the other, so the same bits as sigmoid(z) * sigmoid(-z).
inline double cross_entropy_curvature_from_tail(double t) { return (1.0 / (1.0 + t)) * (t / (1.0 + t)); }

/// Curvature used by second-order solvers: d2L/dz2 for cross-entropy,
/// s(1-s), and for squared error the Gauss-Newton term 2 (s(1-s))^2, which
/// stays non-negative where the true second derivative does not.
inline double loss_curvature(Loss loss, double z, double /*y*/) {
  // One exp instead of the two of sigmoid(z) * sigmoid(-z), same bits.
  const double p = cross_entropy_curvature_from_tail(exp_tail(z));
  if (loss == Loss::kCrossEntropy) return p;
  return 2.0 * p * p;
}

}  // namespace logreg
