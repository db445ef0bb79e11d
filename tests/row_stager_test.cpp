// core::RowStager hands out the rows of an epoch's order, staged or not, with
// the same indices, values, labels and weights as the data; rows that hold
// every feature are staged without their indices.
#include <unistd.h>

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

using Staging = core::RowStager::Staging;

TEST(RowStager, GivesTheRowsOfTheOrderForEveryBatchSize) {
  const Dataset data = mixed_rows(1000);
  const DataView view = data.view();
  std::vector<std::size_t> order(data.rows());
  std::iota(order.begin(), order.end(), std::size_t{0});
  core::Rng rng(11);
  // Batches of 1 to 64 can be staged (64 is the largest staged batch); 65
  // and 1000 read the data directly.
  for (const Staging staging : {Staging::kAlways, Staging::kNever, Staging::kAhead, Staging::kAuto})
  for (const std::size_t batch : {std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{65}, std::size_t{1000}}) {
    SCOPED_TRACE(::testing::Message() << "batch " << batch << ", staging " << static_cast<int>(staging));
    core::RowStager stager(view, order, batch, staging);
    const std::vector<double> per_feature(data.num_features, 0.0);
    // These 1000 rows fit in any level-2 cache: kAuto reads them in place,
    // with or without requests ahead.
    EXPECT_EQ(stager.staging(), staging == Staging::kAlways && batch <= core::RowStager::kMaxStagedBatch);
    const bool small_batch = batch <= core::RowStager::kMaxStagedBatch;
    if (staging == Staging::kAuto && small_batch) {
      EXPECT_TRUE(stager.mode() == Staging::kNever || stager.mode() == Staging::kAhead);
    } else {
      EXPECT_EQ(stager.mode(), small_batch ? staging : Staging::kNever);
    }
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
          stager.prefetch_next(k, per_feature.data());  // reads the next row's indices: within the order only
        }
      }
      EXPECT_EQ(full_rows, data.rows() / 4);
    }
  }
}

TEST(RowStager, AutoReadsInPlaceThenAheadThenStagedAsTheDataGrows) {
  const long reported = ::sysconf(_SC_LEVEL2_CACHE_SIZE);
  const std::size_t level2 = reported > 0 ? static_cast<std::size_t>(reported) : core::RowStager::kDefaultLevel2Bytes;
  const std::size_t in_place_limit = level2 / core::RowStager::kInPlaceLevel2Divisor;
  const std::size_t ahead_limit = core::RowStager::kAheadLevel2Multiple * level2;
  // Doubling from 10 rows: the first set beyond the in-place limit is at
  // most twice its size, so within the ahead limit; so is one the size of
  // the level-2 cache.
  std::size_t rows = 10;
  Dataset tiny = mixed_rows(rows);
  ASSERT_LE(core::RowStager::data_bytes(tiny.view()), in_place_limit);
  while (core::RowStager::data_bytes(mixed_rows(rows * 2).view()) <= in_place_limit) tiny = mixed_rows(rows *= 2);
  const Dataset mid = mixed_rows(rows *= 2);
  std::size_t cached_rows = rows;
  while (core::RowStager::data_bytes(mixed_rows(cached_rows * 2).view()) <= level2) cached_rows *= 2;
  const Dataset cached = mixed_rows(cached_rows);
  std::size_t large_rows = cached_rows;
  while (core::RowStager::data_bytes(mixed_rows(large_rows).view()) <= ahead_limit) large_rows *= 2;
  const Dataset large = mixed_rows(large_rows);
  ASSERT_GT(core::RowStager::data_bytes(mid.view()), in_place_limit);
  ASSERT_LE(core::RowStager::data_bytes(mid.view()), ahead_limit);
  ASSERT_GT(core::RowStager::data_bytes(cached.view()), level2 / 2);
  ASSERT_LE(core::RowStager::data_bytes(cached.view()), level2);
  ASSERT_GT(core::RowStager::data_bytes(large.view()), ahead_limit);
  std::vector<std::size_t> order(large_rows);
  std::iota(order.begin(), order.end(), std::size_t{0});
  const auto order_of = [&](const Dataset& data) { return std::span<const std::size_t>(order.data(), data.rows()); };
  const std::size_t max_staged = core::RowStager::kMaxStagedBatch;

  EXPECT_EQ(core::RowStager(tiny.view(), order_of(tiny), 1).mode(), Staging::kNever);
  EXPECT_EQ(core::RowStager(mid.view(), order_of(mid), 1).mode(), Staging::kAhead);
  EXPECT_EQ(core::RowStager(mid.view(), order_of(mid), max_staged).mode(), Staging::kAhead);
  EXPECT_EQ(core::RowStager(cached.view(), order_of(cached), 1).mode(), Staging::kAhead);
  EXPECT_EQ(core::RowStager(large.view(), order_of(large), 1).mode(), Staging::kAlways);
  EXPECT_TRUE(core::RowStager(large.view(), order_of(large), max_staged).staging());
  // Larger batches are read in place, whatever is asked.
  for (const Staging asked : {Staging::kAuto, Staging::kAlways, Staging::kAhead}) {
    EXPECT_EQ(core::RowStager(large.view(), order_of(large), max_staged + 1, asked).mode(), Staging::kNever);
  }
  // What is asked is what is done.
  EXPECT_FALSE(core::RowStager(large.view(), order_of(large), 1, Staging::kNever).staging());
  EXPECT_EQ(core::RowStager(large.view(), order_of(large), 1, Staging::kAhead).mode(), Staging::kAhead);
  EXPECT_TRUE(core::RowStager(tiny.view(), order_of(tiny), 1, Staging::kAlways).staging());
}

}  // namespace
}  // namespace logreg
