// The sigmoid and both losses: identities, finite values for extreme z, and
// dL/dz against finite differences and against long-double evaluations of
// the textbook formulas.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "logreg/loss.hpp"

namespace logreg {
namespace {

const std::vector<double> kMargins = {-1e308, -1e4, -745.5, -700, -40, -30, -5.5, -1, -1e-9, -0.0, 0.0, 1e-9,
                                      0.25, 1, 3, 17, 30, 36.7, 40, 700, 745.5, 1e4, 1e308};

long double sigmoid_reference(long double z) { return 1.0L / (1.0L + std::exp(-z)); }

TEST(Sigmoid, HalfAtZero) {
  EXPECT_EQ(sigmoid(0.0), 0.5);
  EXPECT_EQ(sigmoid(-0.0), 0.5);
}

TEST(Sigmoid, SymmetryAndRange) {
  for (double z : kMargins) {
    const double s = sigmoid(z);
    ASSERT_TRUE(s >= 0.0 && s <= 1.0) << z;
    // s(-z) = 1 - s(z): compare in the form that does not cancel.
    EXPECT_NEAR(sigmoid(-z), 1.0 - s, 2.3e-16) << z;  // 1 - s itself rounds by up to one ulp of 1
    EXPECT_DOUBLE_EQ(sigmoid(-z) + s, 1.0) << z;
  }
  EXPECT_EQ(sigmoid(std::numeric_limits<double>::infinity()), 1.0);
  EXPECT_EQ(sigmoid(-std::numeric_limits<double>::infinity()), 0.0);
}

TEST(Sigmoid, MatchesLongDoubleReference) {
  // Down to -708: below that the result is subnormal and has fewer digits.
  for (double z = -708; z <= 40; z += 0.37) {
    const long double ref = sigmoid_reference(z);
    EXPECT_LE(std::fabs(static_cast<long double>(sigmoid(z)) - ref), 4e-16L * ref) << z;
  }
}

TEST(Sigmoid, DerivativeIsSigmaTimesOneMinusSigma) {
  for (double z : {-30.0, -10.0, -5.0, -1.0, 0.0, 0.5, 2.0}) {
    // Fourth-order stencil; z <= 2 so sigmoid's changes are resolvable.
    const double h = 1e-3;
    const double numeric =
        (-sigmoid(z + 2 * h) + 8 * sigmoid(z + h) - 8 * sigmoid(z - h) + sigmoid(z - 2 * h)) / (12 * h);
    const double analytic = sigmoid(z) * (1 - sigmoid(z));
    EXPECT_NEAR(numeric, analytic, 1e-8 * analytic) << z;
  }
}

TEST(Loss, FiniteAndNonNegativeForExtremeMargins) {
  for (Loss loss : {Loss::kCrossEntropy, Loss::kSquaredError}) {
    for (double z : kMargins) {
      for (double y : {0.0, 1.0}) {
        const double value = loss_value(loss, z, y);
        const double derivative = loss_derivative(loss, z, y);
        const double curvature = loss_curvature(loss, z, y);
        EXPECT_TRUE(std::isfinite(value) && value >= 0.0) << loss_name(loss) << " z=" << z << " y=" << y;
        EXPECT_TRUE(std::isfinite(derivative)) << loss_name(loss) << " z=" << z;
        EXPECT_TRUE(std::isfinite(curvature) && curvature >= 0.0) << loss_name(loss) << " z=" << z;
      }
    }
  }
}

TEST(Loss, CrossEntropyMatchesDefinitionInLongDouble) {
  // L = -y log a - (1-y) log(1-a) in long double, never taking the log of a
  // number rounded near 1.
  for (double z = -40; z <= 40; z += 0.173) {
    const long double a = sigmoid_reference(z);
    const long double b = sigmoid_reference(-z);  // 1 - a
    // Each log takes whichever of a, 1-a is below 1/2 (the accurate one).
    const auto positive = static_cast<double>(a < 0.5L ? -std::log(a) : -std::log1p(-b));  // -log a
    const auto negative = static_cast<double>(b < 0.5L ? -std::log(b) : -std::log1p(-a));  // -log(1 - a)
    EXPECT_NEAR(loss_value(Loss::kCrossEntropy, z, 1.0), positive, 1e-14 * positive) << z;
    EXPECT_NEAR(loss_value(Loss::kCrossEntropy, z, 0.0), negative, 1e-14 * negative) << z;
  }
  // Far tails: softplus(z) ~ z and softplus(-z) ~ exp(-z).
  EXPECT_DOUBLE_EQ(loss_value(Loss::kCrossEntropy, 700, 0.0), 700.0);
  EXPECT_NEAR(loss_value(Loss::kCrossEntropy, 700, 1.0), std::exp(-700.0), 1e-15 * std::exp(-700.0));
  EXPECT_DOUBLE_EQ(loss_value(Loss::kCrossEntropy, -1e4, 1.0), 1e4);
}

TEST(Loss, SquaredErrorIsSquareOfSigmoidMinusLabel) {
  for (double z = -40; z <= 40; z += 0.173) {
    const long double a = sigmoid_reference(z);
    const long double one_minus_a = sigmoid_reference(-z);
    EXPECT_NEAR(loss_value(Loss::kSquaredError, z, 1.0), static_cast<double>(one_minus_a * one_minus_a),
                1e-14 * static_cast<double>(one_minus_a * one_minus_a) + 1e-300);
    EXPECT_NEAR(loss_value(Loss::kSquaredError, z, 0.0), static_cast<double>(a * a), 1e-14 * static_cast<double>(a * a) + 1e-300);
  }
}

TEST(Loss, DerivativesMatchCorrectedFormulas) {
  // ERRATA: dL_ce/dz = a - y; dL_se/dz = 2 (a - y) a (1 - a).
  for (double z = -40; z <= 40; z += 0.173) {
    for (double y : {0.0, 1.0}) {
      const long double a = sigmoid_reference(z);
      const long double b = sigmoid_reference(-z);  // 1 - a without cancellation
      const long double a_minus_y = y > 0.5 ? -b : a;
      const long double ce = a_minus_y;
      const long double se = 2 * a_minus_y * a * b;
      EXPECT_NEAR(loss_derivative(Loss::kCrossEntropy, z, y), static_cast<double>(ce),
                  1e-14 * std::fabs(static_cast<double>(ce)) + 1e-300);
      EXPECT_NEAR(loss_derivative(Loss::kSquaredError, z, y), static_cast<double>(se),
                  1e-14 * std::fabs(static_cast<double>(se)) + 1e-300);
    }
  }
}

// Central differences on the loss itself; the test covers |z| = 30 and 700
// wherever the loss value still changes in double precision.
TEST(Loss, DerivativeAgreesWithFiniteDifferences) {
  for (Loss loss : {Loss::kCrossEntropy, Loss::kSquaredError}) {
    for (double z : {-700.0, -30.0, -7.0, -1.0, -0.1, 0.0, 0.3, 2.0, 9.0, 30.0, 700.0}) {
      for (double y : {0.0, 1.0}) {
        const double h = 1e-3;
        const auto f = [&](double t) { return loss_value(loss, t, y); };
        const double numeric = (-f(z + 2 * h) + 8 * f(z + h) - 8 * f(z - h) + f(z - 2 * h)) / (12 * h);
        const double analytic = loss_derivative(loss, z, y);
        // Where the loss saturates at 1 (squared error, wrong side by more
        // than ~37) its changes fall below one ulp: only the absolute error
        // is meaningful there, and it must be tiny.
        const double value = f(z);
        const double resolvable = std::fabs(analytic) * h > 1e-13 * std::max(1.0, value);
        if (resolvable) {
          EXPECT_LE(std::fabs(numeric - analytic), 1e-7 * std::fabs(analytic))
              << loss_name(loss) << " z=" << z << " y=" << y;
        } else {
          EXPECT_LE(std::fabs(numeric - analytic), 1e-10) << loss_name(loss) << " z=" << z << " y=" << y;
        }
      }
    }
  }
}

TEST(Loss, CurvatureMatchesDerivativeOfDerivativeForCrossEntropy) {
  for (double z : {-30.0, -3.0, 0.0, 0.7, 4.0, 30.0}) {
    const double h = 1e-5;
    // The label whose derivative is small at z keeps its digits: y = 0 for
    // z < 0 (dL/dz = s(z)), y = 1 for z > 0 (dL/dz = -s(-z)).
    const double y = z < 0 ? 0.0 : 1.0;
    const double numeric =
        (loss_derivative(Loss::kCrossEntropy, z + h, y) - loss_derivative(Loss::kCrossEntropy, z - h, y)) / (2 * h);
    EXPECT_NEAR(loss_curvature(Loss::kCrossEntropy, z, 1.0), numeric, 1e-8 * numeric + 1e-16) << z;
  }
}

// The curvature takes one exp where sigmoid(z) * sigmoid(-z) takes two, and
// the Objective computes cross-entropy's value, derivative and curvature at
// a margin from one exp_tail(z): the same bits as the plain forms for every
// z, the signed zeros and the far tails included.
// 200,000 margins in [-40, 40] and [-800, 800], and the edges.
std::vector<double> margins_for_bit_tests() {
  std::vector<double> zs = {0.0, -0.0, 1e-300, -1e-300, 36.0, -36.0, 37.5, 708.0, -708.0, 745.0, -745.0, 800.0, -800.0, 1e300, -1e300,
                            std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
  std::uint64_t state = 12345;
  for (int k = 0; k < 200000; ++k) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const double unit = static_cast<double>(state >> 11) * 0x1.0p-53;  // [0, 1)
    zs.push_back((unit - 0.5) * (k % 2 == 0 ? 80.0 : 1600.0));
  }
  return zs;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// The textbook two-branch forms, with their branches.
double branchy_sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}
double branchy_derivative(Loss loss, double z, double y) {
  if (loss == Loss::kCrossEntropy) return y > 0.5 ? -branchy_sigmoid(-z) : branchy_sigmoid(z);
  const double m = y > 0.5 ? -z : z;
  const double r = branchy_sigmoid(m);
  const double d = 2.0 * r * r * branchy_sigmoid(-m);
  return y > 0.5 ? -d : d;
}
double branchy_value(Loss loss, double z, double y) {
  const double m = y > 0.5 ? -z : z;
  if (loss == Loss::kCrossEntropy) return std::fmax(m, 0.0) + std::log1p(std::exp(-std::fabs(m)));
  const double r = branchy_sigmoid(m);
  return r * r;
}

// The sigmoid, the losses and their derivatives take no branch on the sign
// of z or on the label, with the bits of the forms that do; NaN stays NaN.
TEST(Loss, BranchFreeFormsHaveTheBitsOfTheTwoBranchOnes) {
  for (const double z : margins_for_bit_tests()) {
    ASSERT_TRUE(same_bits(sigmoid(z), branchy_sigmoid(z))) << z;
    for (const Loss loss : {Loss::kCrossEntropy, Loss::kSquaredError}) {
      for (const double y : {0.0, 1.0}) {
        ASSERT_TRUE(same_bits(loss_derivative(loss, z, y), branchy_derivative(loss, z, y))) << z << " " << y;
        ASSERT_TRUE(same_bits(loss_value(loss, z, y), branchy_value(loss, z, y))) << z << " " << y;
      }
    }
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(std::isnan(sigmoid(nan)));
  EXPECT_TRUE(std::isnan(loss_derivative(Loss::kCrossEntropy, nan, 1.0)));
  EXPECT_TRUE(std::isnan(loss_value(Loss::kSquaredError, nan, 0.0)));
}

TEST(Loss, OneExpFormsHaveTheBitsOfThePlainOnes) {
  for (const double z : margins_for_bit_tests()) {
    const double p = sigmoid(z) * sigmoid(-z);
    const double cross_entropy = loss_curvature(Loss::kCrossEntropy, z, 1.0);
    const double squared = loss_curvature(Loss::kSquaredError, z, 0.0);
    ASSERT_EQ(std::memcmp(&cross_entropy, &p, sizeof p), 0) << z;
    const double gauss_newton = 2.0 * p * p;
    ASSERT_EQ(std::memcmp(&squared, &gauss_newton, sizeof p), 0) << z;
    const double t = exp_tail(z);
    const double from_tail = cross_entropy_curvature_from_tail(t);
    ASSERT_EQ(std::memcmp(&from_tail, &p, sizeof p), 0) << z;
    for (const double y : {0.0, 1.0}) {
      const double value = loss_value(Loss::kCrossEntropy, z, y);
      const double value_from_tail = cross_entropy_from_tail(z, y, t);
      ASSERT_EQ(std::memcmp(&value, &value_from_tail, sizeof value), 0) << z << " " << y;
      const double derivative = loss_derivative(Loss::kCrossEntropy, z, y);
      const double derivative_from_tail = cross_entropy_derivative_from_tail(z, y, t);
      ASSERT_EQ(std::memcmp(&derivative, &derivative_from_tail, sizeof derivative), 0) << z << " " << y;
    }
  }
}

// exp_tail skips exp's underflow path beyond 708, where exp(-|z|) is 0 or
// a subnormal: the bits of exp for every size, across both of its bounds.
TEST(Loss, ExpTailHasTheBitsOfExpAcrossTheUnderflow) {
  std::vector<double> zs = {708.0, std::nextafter(708.0, 0.0), std::nextafter(708.0, 1e9), 745.1332191019411,
                            746.0, std::nextafter(746.0, 0.0), std::nextafter(746.0, 1e9), 1024.0, 1e6, 1e300,
                            std::numeric_limits<double>::infinity(), std::numeric_limits<double>::denorm_min()};
  for (int k = 0; k <= 200000; ++k) zs.push_back(650.0 + 150.0 * k / 200000.0);  // 650 ... 800
  for (int k = 0; k <= 20000; ++k) zs.push_back(std::ldexp(1.0, -20 + k % 60) * (1.0 + k / 20000.0));
  for (const double a : zs) {
    for (const double z : {a, -a}) {
      ASSERT_TRUE(same_bits(exp_tail(z), std::exp(-std::fabs(z)))) << z;
      ASSERT_TRUE(same_bits(softplus(z), std::fmax(z, 0.0) + std::log1p(std::exp(-std::fabs(z))))) << z;
    }
  }
  EXPECT_TRUE(std::isnan(exp_tail(std::numeric_limits<double>::quiet_NaN())));
  EXPECT_TRUE(std::isnan(softplus(std::numeric_limits<double>::quiet_NaN())));
}

TEST(Loss, SquaredErrorGaussNewtonCurvatureIsNonNegativeAndExact) {
  for (double z : {-30.0, -3.0, 0.0, 0.7, 4.0, 30.0}) {
    const double p = sigmoid(z) * sigmoid(-z);
    EXPECT_DOUBLE_EQ(loss_curvature(Loss::kSquaredError, z, 0.0), 2 * p * p);
  }
}

TEST(Loss, Names) {
  EXPECT_EQ(loss_name(Loss::kCrossEntropy), "bce");
  EXPECT_EQ(loss_name(Loss::kSquaredError), "se");
}

}  // namespace
}  // namespace logreg
