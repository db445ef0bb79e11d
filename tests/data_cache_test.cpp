// The binary cache: identical data back, and never trusted when stale,
// corrupt, cut short, of another version or written with other options.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "logreg/data_cache.hpp"
#include "logreg/data_reader.hpp"
#include "test_support.hpp"

namespace logreg {
namespace {

void expect_same(const Dataset& a, const Dataset& b) {
  EXPECT_EQ(a.row_offsets, b.row_offsets);
  EXPECT_EQ(a.indices, b.indices);
  EXPECT_EQ(a.values, b.values);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.weights, b.weights);
  EXPECT_EQ(a.num_features, b.num_features);
  EXPECT_EQ(a.feature_names, b.feature_names);
  EXPECT_EQ(a.label_map.negative, b.label_map.negative);
}

class Cache : public ::testing::Test {
 protected:
  testing::TempDir dir;
  std::string data = dir.file("train.csv");
  void SetUp() override {
    std::filesystem::copy_file(testing::dataset_file("heart_scale", "train.csv"), data);
  }
  Dataset parsed(const ReadOptions& options = {}) {
    auto d = read_dataset(data, options);
    EXPECT_TRUE(d.ok());
    return std::move(d).value();
  }
};

TEST_F(Cache, SecondReadComesFromTheCacheAndIsIdentical) {
  auto first = read_dataset_cached(data);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first.value().from_cache);
  EXPECT_TRUE(std::filesystem::exists(cache_path_for(data)));
  auto second = read_dataset_cached(data);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second.value().from_cache);
  EXPECT_EQ(second.value().note, "");
  expect_same(second.value().data, parsed());
  EXPECT_FALSE(second.value().data.feature_names.empty());
}

TEST_F(Cache, WeightsAndOptionsAreKeyed) {
  testing::write_text(data, "label,a,b,w\n1,0.5,0,2\n0,0,1.5,1\n1,2,3,0.5\n");
  ASSERT_TRUE(read_dataset_cached(data).ok());
  ReadOptions other;
  other.weight_column = "w";
  auto with_weights = read_dataset_cached(data, other);
  ASSERT_TRUE(with_weights.ok());
  EXPECT_FALSE(with_weights.value().from_cache);
  EXPECT_NE(with_weights.value().note.find("other read options"), std::string::npos) << with_weights.value().note;
  auto again = read_dataset_cached(data, other);
  ASSERT_TRUE(again.ok() && again.value().from_cache);
  expect_same(again.value().data, parsed(other));
  EXPECT_EQ(again.value().data.weights.size(), again.value().data.rows());
}

TEST_F(Cache, AChangedSourceInvalidatesIt) {
  ASSERT_TRUE(read_dataset_cached(data).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::ofstream(data, std::ios::app) << "1,0,0,0,0,0,0,0,0,0,0,0,0,0\n";
  auto after = read_dataset_cached(data);
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after.value().from_cache);
  EXPECT_NE(after.value().note.find("the data file changed"), std::string::npos) << after.value().note;
  EXPECT_EQ(after.value().data.rows(), 217u);
}

TEST_F(Cache, CorruptTruncatedOrForeignCachesAreRebuilt) {
  ASSERT_TRUE(read_dataset_cached(data).ok());
  const std::string cache = cache_path_for(data);
  const std::string good = testing::read_text(cache);
  const auto check_rebuilt = [&](const std::string& bytes, const std::string& reason) {
    testing::write_text(cache, bytes);
    auto r = read_dataset_cached(data);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r.value().from_cache) << reason;
    EXPECT_NE(r.value().note.find(reason), std::string::npos) << r.value().note;
    expect_same(r.value().data, parsed());
    EXPECT_EQ(testing::read_text(cache), good) << "rewritten";
  };
  std::string flipped = good;
  flipped[flipped.size() / 2] ^= 0x40;
  check_rebuilt(flipped, "checksum mismatch");
  check_rebuilt(good.substr(0, good.size() / 3), "checksum mismatch");
  check_rebuilt("hello", "not a logreg cache");
  check_rebuilt("", "not a logreg cache");
}

TEST_F(Cache, ParseErrorsAreStillErrors) {
  testing::write_text(data, "label,a\n1,x\n");
  auto r = read_dataset_cached(data);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), data + ":2:3: invalid number 'x'");
  EXPECT_FALSE(std::filesystem::exists(cache_path_for(data)));
}

TEST(DatasetValidate, OffsetsBeyondTheArraysAreCaughtBeforeReading) {
  // Found by fuzzing the cache decoder: an inner offset past the end.
  Dataset d;
  d.row_offsets = {0, 100, 2};
  d.indices = {0, 1};
  d.values = {1.0, 2.0};
  d.labels = {0.0, 1.0};
  d.num_features = 2;
  EXPECT_EQ(d.validate(), "row offsets run past the non-zeros at row 1");
  d.row_offsets = {0, -3, 2};
  EXPECT_EQ(d.validate(), "row offsets decrease at row 1");
}

}  // namespace
}  // namespace logreg
