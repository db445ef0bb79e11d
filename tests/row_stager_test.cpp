// core::RowStager hands out the rows of an epoch's order, staged or not, with
// the same indices, values, labels and weights as the data; rows that hold
// every feature are staged without their indices.
#include <numeric>
#include <span>
#include <vector>

#include <gtest/gtest.h>

#include "core/kernels.hpp"
#include "core/rng.hpp"
#include "core/row_stager.hpp"
#include "logreg/dataset.hpp"

namespace logreg {
namespace {

// Rows of 5 features: full rows (every feature, some values 0), partial
// rows, empty rows, with example weights.
Dataset mixed_rows(std::size_t rows) {
  Dataset data;
  data.num_features = 5;
  core::Rng rng(3);
  for (std::size_t i = 0; i < rows; ++i) {
    std::vector<FeatureIndex> indices;
    std::vector<double> values;
    const std::size_t kind = i % 4;
    for (FeatureIndex j = 0; j < 5; ++j) {
      if (kind == 0 || (kind == 1 && j % 2 == 0) || (kind == 2 && j == 4)) {
        indices.push_back(j);
        values.push_back(static_cast<double>(i) + 0.25 * j - (j == 2 ? static_cast<double>(i) : 0.0));
      }
    }
    data.add_row(indices, values, static_cast<double>(i % 3 == 0));
    data.weights.push_back(1.0 + static_cast<double>(i % 5));
  }
  EXPECT_EQ(data.validate(), "");
  return data;
}

TEST(RowStager, GivesTheRowsOfTheOrderForEveryBatchSize) {
  const Dataset data = mixed_rows(1000);
  const DataView view = data.view();
  std::vector<std::size_t> order(data.rows());
  std::iota(order.begin(), order.end(), std::size_t{0});
  core::Rng rng(11);
  // 1 and 64 are staged (64 is the largest staged batch); 65 and 1000 read
  // the data directly.
  for (const std::size_t batch : {std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{65}, std::size_t{1000}}) {
    SCOPED_TRACE(batch);
    core::RowStager stager(view, order, batch);
    for (int epoch = 0; epoch < 2; ++epoch) {
      rng.shuffle(std::span<std::size_t>(order));
      stager.new_epoch();
      std::size_t full_rows = 0;
      for (std::size_t first = 0; first < order.size(); first += batch) {
        stager.prepare(first);
        for (std::size_t k = first; k < std::min(first + batch, order.size()); ++k) {
          const core::RowRef expected = core::row(view, order[k]);
          const core::RowRef staged = stager.row_at(k);
          ASSERT_EQ(staged.count, expected.count) << k;
          full_rows += expected.count == data.num_features ? 1 : 0;
          for (std::size_t p = 0; p < expected.count; ++p) {
            ASSERT_EQ(staged.indices[p], expected.indices[p]) << k << " " << p;
            ASSERT_EQ(staged.values[p], expected.values[p]) << k << " " << p;
          }
          ASSERT_EQ(stager.label_at(k), data.labels[order[k]]);
          ASSERT_EQ(stager.weight_at(k), data.weights[order[k]]);
        }
      }
      EXPECT_EQ(full_rows, data.rows() / 4);
    }
  }
}

}  // namespace
}  // namespace logreg
