// Convenience header: the whole public API.
#pragma once

#include "logreg/data_reader.hpp"
#include "logreg/dataset.hpp"
#include "logreg/loss.hpp"
#include "logreg/metrics.hpp"
#include "logreg/model.hpp"
#include "logreg/model_io.hpp"
#include "logreg/objective.hpp"
#include "logreg/result.hpp"
#include "logreg/train.hpp"
