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

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace logreg {

/// The two losses of the note.
enum class Loss {
  kCrossEntropy,  ///< binary cross-entropy ("bce", logistic loss); convex
  kSquaredError,  ///< (sigmoid(z) - y)^2 ("se"); not convex in w
};

/// "bce" or "se".
std::string_view loss_name(Loss loss);

namespace detail {
// Branch-free choices. The sign of a margin and a label are close to random
// on real data, and the compiler turns `c ? a : b` on doubles into a branch:
// mispredicted about a third of the time, on the dependency chain of an SGD
// update. These take a cycle or two instead, with the same bits. On x86 the
// values stay in vector registers (and/or/xor of masks): the integer forms
// move each value to a general register and back, which put about 20 cycles
// of moves on that chain.
#if defined(__SSE2__)
inline __m128d lane(double x) { return _mm_set_sd(x); }
inline __m128d mask_of(bool c) { return _mm_castsi128_pd(_mm_cvtsi64_si128(-static_cast<long long>(c))); }
/// mask ? a : b, per bit.
inline __m128d blend(__m128d mask, __m128d a, __m128d b) {
  return _mm_or_pd(_mm_and_pd(mask, a), _mm_andnot_pd(mask, b));
}
/// c ? a : b.
inline double select(bool c, double a, double b) { return _mm_cvtsd_f64(blend(mask_of(c), lane(a), lane(b))); }
/// c ? -x : x (a sign flip, as unary minus is).
inline double negate_if(bool c, double x) {
  const __m128d sign = _mm_castsi128_pd(_mm_cvtsi64_si128(static_cast<long long>(static_cast<std::uint64_t>(c) << 63)));
  return _mm_cvtsd_f64(_mm_xor_pd(lane(x), sign));
}
/// z >= 0 ? a : b (b for NaN), the comparison made in the vector unit.
inline double select_nonnegative(double z, double a, double b) {
  return _mm_cvtsd_f64(blend(_mm_cmpge_sd(lane(z), _mm_setzero_pd()), lane(a), lane(b)));
}
/// !(a > bound) ? x : 0 (x for NaN a).
inline double zero_above(double a, double bound, double x) {
  return _mm_cvtsd_f64(_mm_and_pd(_mm_cmpngt_sd(lane(a), lane(bound)), lane(x)));
}
#else
/// c ? a : b.
inline double select(bool c, double a, double b) {
  const std::uint64_t mask = std::uint64_t{0} - static_cast<std::uint64_t>(c);
  return std::bit_cast<double>((std::bit_cast<std::uint64_t>(a) & mask) | (std::bit_cast<std::uint64_t>(b) & ~mask));
}
/// c ? -x : x (a sign flip, as unary minus is).
inline double negate_if(bool c, double x) {
  return std::bit_cast<double>(std::bit_cast<std::uint64_t>(x) ^ (static_cast<std::uint64_t>(c) << 63));
}
/// z >= 0 ? a : b (b for NaN).
inline double select_nonnegative(double z, double a, double b) { return select(z >= 0, a, b); }
/// !(a > bound) ? x : 0 (x for NaN a).
inline double zero_above(double a, double bound, double x) { return select(!(a > bound), x, 0.0); }
#endif
}  // namespace detail

/// exp(-|z|): the one exp that sigmoid(z), sigmoid(-z) and softplus(z) and
/// softplus(-z) take. A caller that needs several of them at one margin
/// computes it once and passes it to the *_from_tail forms below, which give
/// the same bits.
///
/// Margins of 1024 or more in size are common on raw features (spam's counts
/// run to 15,841), and there glibc's exp takes its underflow path, which sets
/// errno: an eighth of plain SGD's time on spam. Beyond 708 the result is 0,
/// or a subnormal below 746: that narrow band alone still goes to exp, so the
/// bits are exp's for every z, NaN included (std::min keeps it).
inline double exp_tail(double z) {
  constexpr double kNormal = 708.0;      // exp(-708) = 3.3e-308, normal
  constexpr double kSubnormal = 746.0;   // exp(-746) rounds to 0
  const double a = std::fabs(z);
  if (a > kNormal && a < kSubnormal) [[unlikely]] return std::exp(-a);
  return detail::zero_above(a, kNormal, std::exp(-std::min(a, kNormal)));
}

/// sigmoid(z), given t = exp_tail(z): 1 / (1 + t) for z >= 0, t / (1 + t)
/// below.
inline double sigmoid_from_tail(double z, double t) { return detail::select_nonnegative(z, 1.0, t) / (1.0 + t); }

/// Numerically stable logistic sigmoid; s(-z) == 1 - s(z) up to rounding.
/// Only exp of a non-positive number is taken, so it never overflows: the
/// bits of the two-branch form 1 / (1 + exp(-z)) for z >= 0, e / (1 + e)
/// with e = exp(z) below, without its branch.
inline double sigmoid(double z) { return sigmoid_from_tail(z, exp_tail(z)); }

/// log(1 + exp(z)) without overflow (z > 709) or loss of digits (z < -37).
inline double softplus(double z) {
  // max(z, 0) + log1p(exp(-|z|)): the log1p form keeps the tiny tail exact.
  return std::fmax(z, 0.0) + std::log1p(exp_tail(z));
}

/// Value of the loss at logit z for label y (0 or 1).
inline double loss_value(Loss loss, double z, double y) {
  // Margin signed so that positive means "wrong side": s(m) = |s(z) - y|.
  const double m = detail::negate_if(y > 0.5, z);
  if (loss == Loss::kCrossEntropy) {
    return softplus(m);
  }
  const double r = sigmoid(m);
  return r * r;
}

/// dL/dz at logit z for label y.
inline double loss_derivative(Loss loss, double z, double y) {
  const bool positive = y > 0.5;
  if (loss == Loss::kCrossEntropy) {
    // s(z) - y, with s(z) - 1 written as -s(-z) to keep its digits. The
    // tail exp(-|m|) of the signed margin m = +-z is taken from z itself:
    // the same bits, without the sign flip on the chain of an SGD update.
    const double t = exp_tail(z);
    return detail::negate_if(positive, sigmoid_from_tail(detail::negate_if(positive, z), t));
  }
  const double m = detail::negate_if(positive, z);
  const double t = exp_tail(m);                  // the one exp of sigmoid(m) and sigmoid(-m)
  const double r = sigmoid_from_tail(m, t);      // |s(z) - y|
  const double other = sigmoid_from_tail(-m, t);  // 1 - r
  const double d = 2.0 * r * r * other;           // 2 |a-y| a (1-a)
  return detail::negate_if(positive, d);
}

/// Cross-entropy's loss_value and loss_derivative at z, given t =
/// exp_tail(z): the same bits, without taking the exp again.
inline double cross_entropy_from_tail(double z, double y, double t) {
  const double m = detail::negate_if(y > 0.5, z);
  return std::fmax(m, 0.0) + std::log1p(t);
}
inline double cross_entropy_derivative_from_tail(double z, double y, double t) {
  const bool positive = y > 0.5;
  return detail::negate_if(positive, sigmoid_from_tail(detail::negate_if(positive, z), t));
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
