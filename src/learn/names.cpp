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
  }
  return "?";
}

std::string_view schedule_name(Schedule schedule) {
  switch (schedule) {
    case Schedule::kConstant: return "constant";
    case Schedule::kInvScaling: return "invscaling";
    case Schedule::kOptimal: return "optimal";
  }
  return "?";
}

std::string_view stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::kMaxEpochs: return "max_epochs";
    case StopReason::kConverged: return "converged";
  }
  return "?";
}

}  // namespace logreg
