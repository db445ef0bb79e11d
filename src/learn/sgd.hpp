// Internal: the SGD solver behind train().
#pragma once

#include "logreg/model.hpp"
#include "logreg/result.hpp"
#include "logreg/train.hpp"

namespace logreg::learn {

Result<Model> train_sgd(const DataView& train, const DataView* valid, const TrainOptions& options,
                        const ProgressCallback& progress);

}  // namespace logreg::learn
