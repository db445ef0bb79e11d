#include "logreg/train.hpp"

#include <cmath>
#include <string>

#include "learn/sgd.hpp"
#include "logreg/model.hpp"

namespace logreg {

Status validate(const TrainOptions& o) {
  if (o.epochs < 1) return Error("--epochs must be at least 1");
  if (o.batch_size < 1) return Error("--batch-size must be at least 1");
  if (!std::isfinite(o.l2) || o.l2 < 0.0) return Error("--l2 must be a finite number >= 0");
  if (o.schedule != Schedule::kOptimal && !(std::isfinite(o.learning_rate) && o.learning_rate > 0.0)) {
    return Error("--learning-rate must be a finite number > 0");
  }
  if (o.schedule == Schedule::kOptimal && !(o.l2 > 0.0)) {
    return Error("--schedule optimal needs --l2 > 0 (its step size is 1 / (l2 (t0 + t)))");
  }
  if (!std::isfinite(o.power_t) || o.power_t < 0.0) return Error("power_t must be a finite number >= 0");
  if (std::isnan(o.tol)) return Error("--tol must be a number");
  if (o.n_iter_no_change < 1) return Error("n_iter_no_change must be at least 1");
  return {};
}

Result<Model> train(const DataView& train_data, const DataView* valid, const TrainOptions& options,
                    const ProgressCallback& progress) {
  if (Status status = validate(options); !status) return status.error();
  if (train_data.rows() == 0) return Error("the training set has no rows");
  switch (options.solver) {
    case Solver::kSgd: return learn::train_sgd(train_data, valid, options, progress);
  }
  return Error("unknown solver");
}

}  // namespace logreg
