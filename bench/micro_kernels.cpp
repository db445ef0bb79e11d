// Micro-benchmarks of the inner loops over a CSR matrix, single thread.
//
// Two synthetic matrices (made once, seeded, about 20M non-zeros each so that
// neither the data nor, for the sparse one, the weight vector fits in cache):
//   dense:  200,000 rows x 100 columns, values N(0, 1);
//   sparse: 500,000 rows x 2^20 columns, 40 distinct columns per row drawn
//           from a Zipf-like popularity p(rank r) ~ (r + 10)^-1.05, ranks
//           spread over the columns by a fixed permutation (the law of
//           bench/make_synthetic.py); a quarter of the columns binary, the
//           others positive tf-idf-like values.
// Labels follow a logistic model with fixed true weights, which also serve as
// the point where gradients and Hessian-vector products are taken (so the
// sigmoid sees realistic margins of both signs).
//
// Every benchmark reports the time of one pass and `ns_per_nnz`: nanoseconds
// per stored non-zero and per pass (shown by the console reporter with SI
// prefixes, e.g. "1.9n"; bench/run_micro.py prints plain numbers). The
// "Plain" variants are straightforward loops written here, the reference our
// kernels (src/core/kernels.hpp) and the Objective must at least match.
//
// The matrix size can be changed with LOGREG_BENCH_NNZ (non-zeros per matrix).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <random>
#include <span>
#include <vector>

#include "core/kernels.hpp"
#include "logreg/dataset.hpp"
#include "logreg/loss.hpp"
#include "logreg/model.hpp"
#include "logreg/objective.hpp"
#include "logreg/train.hpp"

namespace {

using logreg::FeatureIndex;

enum Kind : int { kDense = 0, kSparse = 1 };

struct Problem {
  logreg::Dataset data;
  std::vector<double> theta;  // the true weights, bias last
};

std::size_t target_nonzeros() {
  if (const char* text = std::getenv("LOGREG_BENCH_NNZ")) {
    const long long value = std::atoll(text);
    if (value > 1000) return static_cast<std::size_t>(value);
  }
  return 20'000'000;
}

double plain_sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

void finish_labels(Problem& p, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const logreg::DataView view = p.data.view();
  for (std::size_t i = 0; i < p.data.rows(); ++i) {
    const auto r = logreg::core::row(view, i);
    const double z = logreg::core::sparse_dot(r.indices, r.values, r.count, p.theta.data()) +
                     p.theta[p.data.num_features];
    p.data.labels[i] = unit(rng) < plain_sigmoid(z) ? 1.0 : 0.0;
  }
}

Problem make_dense() {
  constexpr std::size_t kColumns = 100;
  const std::size_t rows = target_nonzeros() / kColumns;
  Problem p;
  std::mt19937_64 rng(20240611);
  std::normal_distribution<double> normal(0.0, 1.0);
  p.data.num_features = kColumns;
  p.data.indices.resize(rows * kColumns);
  p.data.values.resize(rows * kColumns);
  p.data.row_offsets.resize(rows + 1);
  p.data.labels.resize(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < kColumns; ++j) {
      p.data.indices[i * kColumns + j] = static_cast<FeatureIndex>(j);
      p.data.values[i * kColumns + j] = normal(rng);
    }
    p.data.row_offsets[i + 1] = static_cast<std::int64_t>((i + 1) * kColumns);
  }
  p.theta.resize(kColumns + 1);
  for (double& w : p.theta) w = 0.3 * normal(rng);
  p.theta[kColumns] = -0.5;
  finish_labels(p, rng);
  return p;
}

Problem make_sparse() {
  constexpr std::size_t kColumns = std::size_t{1} << 20;
  constexpr std::size_t kPerRow = 40;
  const std::size_t rows = target_nonzeros() / kPerRow;
  Problem p;
  std::mt19937_64 rng(20240612);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);

  std::vector<double> cdf(kColumns);
  double total = 0.0;
  for (std::size_t r = 0; r < kColumns; ++r) {
    total += std::pow(static_cast<double>(r) + 10.0, -1.05);
    cdf[r] = total;
  }
  for (double& c : cdf) c /= total;
  std::vector<FeatureIndex> column_of_rank(kColumns);
  std::iota(column_of_rank.begin(), column_of_rank.end(), FeatureIndex{0});
  std::shuffle(column_of_rank.begin(), column_of_rank.end(), rng);
  std::vector<bool> binary(kColumns);
  for (std::size_t j = 0; j < kColumns; ++j) binary[j] = unit(rng) < 0.25;

  p.data.num_features = kColumns;
  p.data.indices.reserve(rows * kPerRow);
  p.data.values.reserve(rows * kPerRow);
  p.data.row_offsets.reserve(rows + 1);
  p.data.labels.resize(rows);
  std::vector<FeatureIndex> row;
  for (std::size_t i = 0; i < rows; ++i) {
    row.clear();
    while (row.size() < kPerRow) {
      const auto rank = static_cast<std::size_t>(std::upper_bound(cdf.begin(), cdf.end(), unit(rng)) - cdf.begin());
      const FeatureIndex j = column_of_rank[std::min(rank, kColumns - 1)];
      if (std::find(row.begin(), row.end(), j) == row.end()) row.push_back(j);
    }
    std::sort(row.begin(), row.end());
    for (FeatureIndex j : row) {
      p.data.indices.push_back(j);
      p.data.values.push_back(binary[j] ? 1.0 : 0.25 + std::floor(unit(rng) * 3000.0) / 1000.0);
    }
    p.data.row_offsets.push_back(static_cast<std::int64_t>(p.data.indices.size()));
  }
  p.theta.assign(kColumns + 1, 0.0);
  for (std::size_t j = 0; j < kColumns; ++j) {
    if (unit(rng) < 0.05) p.theta[j] = normal(rng);
  }
  p.theta[kColumns] = -0.3;
  finish_labels(p, rng);
  return p;
}

const Problem& problem(int kind) {
  static std::unique_ptr<Problem> dense;
  static std::unique_ptr<Problem> sparse;
  auto& slot = kind == kDense ? dense : sparse;
  if (!slot) slot = std::make_unique<Problem>(kind == kDense ? make_dense() : make_sparse());
  return *slot;
}

void report(benchmark::State& state, const Problem& p, double passes = 1.0) {
  const double nnz = static_cast<double>(p.data.nonzeros()) * passes;
  state.SetItemsProcessed(static_cast<std::int64_t>(nnz) * state.iterations());
  state.counters["ns_per_nnz"] =
      benchmark::Counter(nnz * 1e-9, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["nnz"] = nnz;
  state.SetLabel(state.range(0) == kDense ? "dense" : "sparse");
}

// ----------------------------------------------------------------- margins X w

void BM_Margins_Ours(benchmark::State& state) {
  const Problem& p = problem(static_cast<int>(state.range(0)));
  const logreg::DataView view = p.data.view();
  std::vector<double> margins(p.data.rows());
  for (auto _ : state) {
    for (std::size_t i = 0; i < view.rows(); ++i) {
      const auto r = logreg::core::row(view, i);
      margins[i] = logreg::core::sparse_dot(r.indices, r.values, r.count, p.theta.data());
    }
    benchmark::DoNotOptimize(margins.data());
    benchmark::ClobberMemory();
  }
  report(state, p);
}

void BM_Margins_Plain(benchmark::State& state) {
  const Problem& p = problem(static_cast<int>(state.range(0)));
  const std::int64_t* offsets = p.data.row_offsets.data();
  const FeatureIndex* indices = p.data.indices.data();
  const double* values = p.data.values.data();
  const double* w = p.theta.data();
  std::vector<double> margins(p.data.rows());
  for (auto _ : state) {
    for (std::size_t i = 0; i < margins.size(); ++i) {
      double z = 0.0;
      for (std::int64_t k = offsets[i]; k < offsets[i + 1]; ++k) z += values[k] * w[indices[k]];
      margins[i] = z;
    }
    benchmark::DoNotOptimize(margins.data());
    benchmark::ClobberMemory();
  }
  report(state, p);
}

// ----------------------------------------------------------- X^T r (axpy per row)

std::vector<double> some_residuals(const Problem& p) {
  std::vector<double> r(p.data.rows());
  for (std::size_t i = 0; i < r.size(); ++i) r[i] = (i % 7 == 0 ? -0.5 : 0.25) + 1e-3 * static_cast<double>(i % 13);
  return r;
}

void BM_Axpy_Ours(benchmark::State& state) {
  const Problem& p = problem(static_cast<int>(state.range(0)));
  const logreg::DataView view = p.data.view();
  const std::vector<double> residuals = some_residuals(p);
  std::vector<double> out(p.data.num_features + 1);
  for (auto _ : state) {
    std::fill(out.begin(), out.end(), 0.0);
    for (std::size_t i = 0; i < view.rows(); ++i) {
      const auto r = logreg::core::row(view, i);
      logreg::core::sparse_axpy(residuals[i], r.indices, r.values, r.count, out.data());
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, p);
}

void BM_Axpy_Plain(benchmark::State& state) {
  const Problem& p = problem(static_cast<int>(state.range(0)));
  const std::int64_t* offsets = p.data.row_offsets.data();
  const FeatureIndex* indices = p.data.indices.data();
  const double* values = p.data.values.data();
  const std::vector<double> residuals = some_residuals(p);
  std::vector<double> out(p.data.num_features + 1);
  for (auto _ : state) {
    std::fill(out.begin(), out.end(), 0.0);
    double* o = out.data();
    for (std::size_t i = 0; i < residuals.size(); ++i) {
      const double s = residuals[i];
      for (std::int64_t k = offsets[i]; k < offsets[i + 1]; ++k) o[indices[k]] += s * values[k];
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, p);
}

// ------------------------------------------------- full gradient (value included)

void BM_Gradient_Objective(benchmark::State& state) {
  const Problem& p = problem(static_cast<int>(state.range(0)));
  logreg::Objective objective(p.data.view(), logreg::Loss::kCrossEntropy,
                              1.0 / static_cast<double>(p.data.rows()));
  std::vector<double> gradient(objective.dimension());
  for (auto _ : state) {
    benchmark::DoNotOptimize(objective.value_and_gradient(p.theta, gradient));
    benchmark::ClobberMemory();
  }
  report(state, p);
}

// The same work written plainly: margins, mean log-loss, X^T (sigmoid(z) - y) / n + l2 w.
void BM_Gradient_Plain(benchmark::State& state) {
  const Problem& p = problem(static_cast<int>(state.range(0)));
  const std::size_t n = p.data.rows();
  const std::size_t d = p.data.num_features;
  const std::int64_t* offsets = p.data.row_offsets.data();
  const FeatureIndex* indices = p.data.indices.data();
  const double* values = p.data.values.data();
  const double* y = p.data.labels.data();
  const double* w = p.theta.data();
  const double l2 = 1.0 / static_cast<double>(n);
  std::vector<double> z(n);
  std::vector<double> gradient(d + 1);
  for (auto _ : state) {
    double loss = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      double s = w[d];
      for (std::int64_t k = offsets[i]; k < offsets[i + 1]; ++k) s += values[k] * w[indices[k]];
      z[i] = s;
      loss += std::fmax(s, 0.0) + std::log1p(std::exp(-std::fabs(s))) - y[i] * s;
    }
    std::fill(gradient.begin(), gradient.end(), 0.0);
    double* g = gradient.data();
    for (std::size_t i = 0; i < n; ++i) {
      const double r = plain_sigmoid(z[i]) - y[i];
      g[d] += r;
      for (std::int64_t k = offsets[i]; k < offsets[i + 1]; ++k) g[indices[k]] += r * values[k];
    }
    double penalty = 0.0;
    for (std::size_t j = 0; j < d; ++j) {
      g[j] = g[j] / static_cast<double>(n) + l2 * w[j];
      penalty += w[j] * w[j];
    }
    g[d] /= static_cast<double>(n);
    benchmark::DoNotOptimize(loss / static_cast<double>(n) + 0.5 * l2 * penalty);
    benchmark::DoNotOptimize(gradient.data());
    benchmark::ClobberMemory();
  }
  report(state, p);
}

// ------------------------------------------------------- Hessian-vector product

void BM_HessianVector_Objective(benchmark::State& state) {
  const Problem& p = problem(static_cast<int>(state.range(0)));
  logreg::Objective objective(p.data.view(), logreg::Loss::kCrossEntropy,
                              1.0 / static_cast<double>(p.data.rows()));
  objective.value(p.theta);
  objective.prepare_curvature();
  std::vector<double> v(objective.dimension());
  for (std::size_t j = 0; j < v.size(); ++j) v[j] = (j % 3 == 0 ? 0.5 : -0.25) * p.theta[j] + 1e-3;
  std::vector<double> out(objective.dimension());
  for (auto _ : state) {
    objective.hessian_vector(v, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, p);  // two passes over the non-zeros: ns_per_nnz counts both
}

// ---------------------------------------------------------------- one SGD epoch

// Per-example SGD, cross-entropy, lazy L2 (w = scale * v), Bottou's "optimal"
// schedule with l2 = 1/n, a fresh shuffle each epoch: the loop of
// src/learn/sgd.cpp without its options, batches, weights and L1.
void BM_SgdEpoch_Plain(benchmark::State& state) {
  const Problem& p = problem(static_cast<int>(state.range(0)));
  const std::size_t n = p.data.rows();
  const std::size_t d = p.data.num_features;
  const std::int64_t* offsets = p.data.row_offsets.data();
  const FeatureIndex* indices = p.data.indices.data();
  const double* values = p.data.values.data();
  const double* y = p.data.labels.data();
  const double l2 = 1.0 / static_cast<double>(n);
  const double t0 = 1.0 / (std::sqrt(1.0 / std::sqrt(l2)) * l2);
  std::vector<std::uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::mt19937_64 rng(1);
  std::vector<double> v(d, 0.0);
  for (auto _ : state) {
    std::fill(v.begin(), v.end(), 0.0);
    double scale = 1.0;
    double bias = 0.0;
    std::shuffle(order.begin(), order.end(), rng);
    for (std::size_t t = 0; t < n; ++t) {
      const std::uint32_t i = order[t];
      double s = 0.0;
      for (std::int64_t k = offsets[i]; k < offsets[i + 1]; ++k) s += values[k] * v[indices[k]];
      const double g = plain_sigmoid(scale * s + bias) - y[i];
      const double eta = 1.0 / (l2 * (t0 + static_cast<double>(t)));
      scale *= 1.0 - eta * l2;
      const double factor = -eta * g / scale;
      for (std::int64_t k = offsets[i]; k < offsets[i + 1]; ++k) v[indices[k]] += factor * values[k];
      bias -= eta * g;
      if (scale < 1e-9) {
        for (double& x : v) x *= scale;
        scale = 1.0;
      }
    }
    benchmark::DoNotOptimize(v.data());
    benchmark::DoNotOptimize(bias);
    benchmark::ClobberMemory();
  }
  report(state, p);
}

// One epoch through the library's entry point, as `logreg train --solver sgd
// --schedule optimal --l2 1/n --epochs 1 --tol 0` runs it: it also evaluates
// the exact training objective at the end of the epoch (one more X w pass).
// Arg 1: 0 = the library's defaults for the per-coordinate steps (AdaGrad,
// averaging, --standardize auto); 1 = --adaptive off --no-average
// --standardize off, the algorithm of BM_SgdEpoch_Plain and of scikit-learn's
// SGDClassifier. One sequence of updates (--shards 1): the figure is per core.
void BM_SgdEpoch_Train(benchmark::State& state) {
  const Problem& p = problem(static_cast<int>(state.range(0)));
  logreg::TrainOptions options;
  options.solver = logreg::Solver::kSgd;
  options.schedule = logreg::Schedule::kOptimal;
  options.l2 = 1.0 / static_cast<double>(p.data.rows());
  options.epochs = 1;
  options.tol = 0.0;
  options.shards = 1;
  if (state.range(1) == 1) {
    options.adaptive = logreg::Adaptive::kOff;
    options.average = false;
    options.standardize = logreg::Standardize::kOff;
  }
  for (auto _ : state) {
    auto model = logreg::train(p.data.view(), nullptr, options);
    if (!model.ok()) {
      state.SkipWithError(model.error().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(model.value().bias);
  }
  report(state, p);
}

void Kinds(benchmark::internal::Benchmark* b) {
  b->ArgName("kind")->Arg(kDense)->Arg(kSparse)->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_Margins_Ours)->Apply(Kinds);
BENCHMARK(BM_Margins_Plain)->Apply(Kinds);
BENCHMARK(BM_Axpy_Ours)->Apply(Kinds);
BENCHMARK(BM_Axpy_Plain)->Apply(Kinds);
BENCHMARK(BM_Gradient_Objective)->Apply(Kinds);
BENCHMARK(BM_Gradient_Plain)->Apply(Kinds);
BENCHMARK(BM_HessianVector_Objective)->Apply(Kinds);
BENCHMARK(BM_SgdEpoch_Plain)->Apply(Kinds);
BENCHMARK(BM_SgdEpoch_Train)
    ->ArgNames({"kind", "plain_steps"})
    ->ArgsProduct({{kDense, kSparse}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
