// Why logreg has its own L-BFGS instead of Debian's liblbfgs: both minimise
// the same logreg::Objective to the same relative gradient tolerance
// (||g|| <= tol ||g(0)||, checked in liblbfgs's progress callback) and we
// count passes over the data and wall time. Build: `make bench` (target
// lbfgs_vs_liblbfgs); run: build/bench/bench/lbfgs_vs_liblbfgs DATA.svm [C] [TOL].
#include <lbfgs.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "logreg/data_reader.hpp"
#include "logreg/model.hpp"
#include "logreg/objective.hpp"
#include "logreg/train.hpp"

namespace {

struct Counting {
  logreg::Objective* objective;
  std::size_t evaluations = 0;
  double stop_norm = 0.0;
};

lbfgsfloatval_t evaluate(void* instance, const lbfgsfloatval_t* x, lbfgsfloatval_t* g, const int n,
                         const lbfgsfloatval_t /*step*/) {
  auto* c = static_cast<Counting*>(instance);
  ++c->evaluations;
  const auto size = static_cast<std::size_t>(n);
  return c->objective->value_and_gradient({x, size}, {g, size});
}

int progress(void* instance, const lbfgsfloatval_t*, const lbfgsfloatval_t*, const lbfgsfloatval_t,
             const lbfgsfloatval_t, const lbfgsfloatval_t gnorm, const lbfgsfloatval_t, int, int, int) {
  const auto* c = static_cast<Counting*>(instance);
  return gnorm <= c->stop_norm ? 1 : 0;  // non-zero stops liblbfgs
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DATA.svm [C] [TOL]\n", argv[0]);
    return 2;
  }
  auto data = logreg::read_dataset(argv[1]);
  if (!data) {
    std::fprintf(stderr, "%s\n", data.error().message().c_str());
    return 2;
  }
  const double C = argc > 2 ? std::atof(argv[2]) : 1.0;
  const double tol = argc > 3 ? std::atof(argv[3]) : 1e-6;
  const logreg::DataView view = data.value().view();
  const double l2 = 1.0 / (C * static_cast<double>(view.rows()));

  // logreg's L-BFGS.
  logreg::TrainOptions o;
  o.solver = logreg::Solver::kLbfgs;
  o.l2 = l2;
  o.tol = tol;
  o.max_iter = 100000;
  auto start = std::chrono::steady_clock::now();
  auto ours = logreg::train(view, nullptr, o);
  const double ours_seconds = seconds_since(start);

  // liblbfgs (More-Thuente line search, m = 10, its own tests off).
  logreg::Objective objective(view, logreg::Loss::kCrossEntropy, l2);
  const std::size_t n = objective.dimension();
  std::vector<double> zero(n, 0.0);
  std::vector<double> g(n);
  objective.value_and_gradient(zero, g);
  double g0 = 0.0;
  for (double v : g) g0 += v * v;
  Counting counting{&objective, 0, tol * std::sqrt(g0)};
  lbfgs_parameter_t param;
  lbfgs_parameter_init(&param);
  param.epsilon = 0.0;
  param.max_iterations = 100000;
  std::vector<double> x(n, 0.0);
  double fx = 0.0;
  start = std::chrono::steady_clock::now();
  const int status = lbfgs(static_cast<int>(n), x.data(), &fx, evaluate, progress, &counting, &param);
  const double lib_seconds = seconds_since(start);

  std::printf("%s, C = %g, tol = %g\n", argv[1], C, tol);
  std::printf("  logreg lbfgs : objective %.12g, %zu iterations, %.3f s\n", ours.value().report.objective,
              ours.value().report.iterations, ours_seconds);
  std::printf("  liblbfgs 1.10: objective %.12g, %zu evaluations (each X w and X^T r), status %d, %.3f s\n", fx,
              counting.evaluations, status, lib_seconds);
  return 0;
}
