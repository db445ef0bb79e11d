#include "logreg/loss.hpp"
#include "logreg/train.hpp"

namespace logreg {

std::string_view loss_name(Loss loss) {
  switch (loss) {
    case Loss::kCrossEntropy: return "bce";
    case Loss::kSquaredError: return "se";
  }
  return "?";
}

std::string_view solver_name(Solver solver) {
  switch (solver) {
    case Solver::kSgd: return "sgd";
    case Solver::kGd: return "gd";
    case Solver::kLbfgs: return "lbfgs";
    case Solver::kNewton: return "newton";
  }
  return "?";
}

std::optional<Solver> parse_solver(std::string_view text) {
  for (Solver s : {Solver::kSgd, Solver::kGd, Solver::kLbfgs, Solver::kNewton}) {
    if (solver_name(s) == text) return s;
  }
  return std::nullopt;
}

std::string_view schedule_name(Schedule schedule) {
  switch (schedule) {
    case Schedule::kConstant: return "constant";
    case Schedule::kInvScaling: return "invscaling";
    case Schedule::kOptimal: return "optimal";
  }
  return "?";
}

std::string_view adaptive_name(Adaptive adaptive) {
  switch (adaptive) {
    case Adaptive::kOff: return "off";
    case Adaptive::kAdaGrad: return "adagrad";
    case Adaptive::kNormalized: return "normalized";
  }
  return "?";
}

std::string_view standardize_name(Standardize standardize) {
  switch (standardize) {
    case Standardize::kAuto: return "auto";
    case Standardize::kOn: return "on";
    case Standardize::kOff: return "off";
  }
  return "?";
}

std::string_view stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::kMaxEpochs: return "max_epochs";
    case StopReason::kConverged: return "converged";
    case StopReason::kGradientTolerance: return "gradient_tolerance";
    case StopReason::kMaxIterations: return "max_iterations";
    case StopReason::kNoProgress: return "no_progress";
    case StopReason::kInterrupted: return "interrupted";
  }
  return "?";
}

}  // namespace logreg
