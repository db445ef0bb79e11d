// Model files: exact round trip, atomic writes, and rejection of corrupt,
// truncated or mismatched files.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/rng.hpp"
#include "logreg/data_reader.hpp"
#include "logreg/model_io.hpp"
#include "test_support.hpp"

namespace logreg {
namespace {

Model random_model(std::uint64_t seed) {
  core::Rng rng(seed);
  Model m;
  m.loss = Loss::kSquaredError;
  for (int j = 0; j < 200; ++j) {
    // Awkward doubles: random bits of mantissa across many exponents.
    const double mantissa = rng.uniform() * 2 - 1;
    m.weights.push_back(std::ldexp(mantissa, static_cast<int>(rng.below(200)) - 100));
  }
  m.weights.push_back(0.1);
  m.weights.push_back(-0.0);
  m.weights.push_back(std::numeric_limits<double>::denorm_min());
  m.weights.push_back(std::numeric_limits<double>::max());
  m.bias = -1.0 / 3.0;
  m.label_map.negative = -1;
  m.threshold = 0.3;
  m.options.l2 = 1e-5;
  m.options.epochs = 17;
  m.options.schedule = Schedule::kOptimal;
  m.options.seed = 123456789012345ULL;
  m.report.iterations = 9;
  m.report.objective = 0.123456789;
  m.report.valid_loss = 0.5;
  m.report.stop_reason = StopReason::kConverged;
  return m;
}

TEST(ModelIo, RoundTripIsBitExact) {
  testing::TempDir dir;
  const Model original = random_model(5);
  const std::string path = dir.file("model.json");
  ASSERT_TRUE(save_model(original, path).ok());
  auto loaded = load_model(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  const Model& m = loaded.value();
  ASSERT_EQ(m.weights.size(), original.weights.size());
  EXPECT_EQ(std::memcmp(m.weights.data(), original.weights.data(), m.weights.size() * sizeof(double)), 0);
  EXPECT_EQ(std::memcmp(&m.bias, &original.bias, sizeof(double)), 0);
  EXPECT_EQ(m.loss, original.loss);
  EXPECT_EQ(m.label_map.negative, -1.0);
  EXPECT_EQ(m.threshold, 0.3);
  EXPECT_EQ(m.options.l2, 1e-5);
  EXPECT_EQ(m.options.epochs, 17u);
  EXPECT_EQ(m.options.schedule, Schedule::kOptimal);
  EXPECT_EQ(m.options.seed, 123456789012345ULL);
  EXPECT_EQ(m.report.stop_reason, StopReason::kConverged);
  EXPECT_EQ(m.report.valid_loss, 0.5);
  // Writing the loaded model gives the same bytes.
  EXPECT_EQ(model_to_json(m), model_to_json(original));
}

TEST(ModelIo, TrainedModelPredictsIdenticallyAfterReload) {
  auto data = read_dataset(testing::dataset_file("heart_scale", "train.svm"));
  ASSERT_TRUE(data.ok());
  TrainOptions o;
  o.epochs = 3;
  auto model = train(data.value().view(), nullptr, o);
  ASSERT_TRUE(model.ok());
  testing::TempDir dir;
  ASSERT_TRUE(save_model(model.value(), dir.file("m.json")).ok());
  auto loaded = load_model(dir.file("m.json"));
  ASSERT_TRUE(loaded.ok());
  const auto before = model.value().margins(data.value().view());
  const auto after = loaded.value().margins(data.value().view());
  ASSERT_EQ(before.size(), after.size());
  EXPECT_EQ(std::memcmp(before.data(), after.data(), before.size() * sizeof(double)), 0);
}

TEST(ModelIo, WriteLeavesNoTemporaryFiles) {
  testing::TempDir dir;
  ASSERT_TRUE(save_model(random_model(1), dir.file("m.json")).ok());
  ASSERT_TRUE(save_model(random_model(2), dir.file("m.json")).ok());  // replaces
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    ++files;
    EXPECT_EQ(entry.path().filename(), "m.json");
  }
  EXPECT_EQ(files, 1u);
}

TEST(ModelIo, SaveIntoMissingFolderFailsCleanly) {
  testing::TempDir dir;
  const Status status = save_model(random_model(1), dir.file("no/such/folder/m.json"));
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message().find("no/such/folder/m.json"), std::string::npos);
}

std::string error_of(const std::string& text) {
  auto result = model_from_json(text, "bad.json");
  return result.ok() ? std::string("(accepted)") : result.error().message();
}

TEST(ModelIo, RejectsCorruptFiles) {
  const std::string good = model_to_json(random_model(3));
  ASSERT_EQ(error_of(good), "(accepted)");
  // Truncated anywhere: rejected.
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, good.size() / 3, good.size() / 2, good.size() - 3}) {
    EXPECT_NE(error_of(good.substr(0, cut)), "(accepted)") << cut;
  }
  EXPECT_EQ(error_of(good.substr(0, good.size() / 2)), "bad.json: not a logreg model: invalid or truncated JSON");
  EXPECT_EQ(error_of("[1,2]"), "bad.json: not a logreg model: top level is not an object");
  EXPECT_EQ(error_of("{\"format\": \"other\"}"), "bad.json: not a logreg model: \"format\" is not \"logreg-model\"");
  EXPECT_EQ(error_of("{\"format\": \"logreg-model\", \"format_version\": 99}"),
            "bad.json: unsupported format_version 99 (this logreg reads 1 to 1)");
  EXPECT_EQ(error_of("{\"format\": \"logreg-model\", \"format_version\": 1}"), "bad.json: missing field \"loss\"");
  const std::string base =
      "{\"format\": \"logreg-model\", \"format_version\": 1, \"loss\": \"bce\", \"labels\": {\"negative\": 0, "
      "\"positive\": 1}, \"bias\": 0.5, ";
  EXPECT_EQ(error_of(base + "\"num_features\": 3, \"weights\": [1, 2]}"),
            "bad.json: \"weights\" has 2 entries but \"num_features\" is 3");
  EXPECT_EQ(error_of(base + "\"num_features\": 2, \"weights\": [1, \"x\"]}"), "bad.json: weights[1] is not a number");
  EXPECT_EQ(error_of(base + "\"num_features\": 1, \"weights\": [1e999]}"), "bad.json: not a logreg model: invalid or truncated JSON");
  EXPECT_EQ(error_of(base + "\"num_features\": 1, \"weights\": [1], \"threshold\": 1.5}"),
            "bad.json: \"threshold\" is not in (0, 1)");
  EXPECT_EQ(error_of(base + "\"num_features\": 1, \"weights\": [1]}"), "(accepted)");
  EXPECT_EQ(error_of("{\"format\": \"logreg-model\", \"format_version\": 1, \"loss\": \"hinge\"}"),
            "bad.json: \"loss\" has unknown value \"hinge\"");
}

TEST(ModelIo, ShardsRoundTripAndReadAsOneWhenAbsent) {
  Model m = random_model(3);
  m.options.shards = 4;
  auto json = nlohmann::json::parse(model_to_json(m));
  auto loaded = model_from_json(json.dump(), "m.json");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.value().options.shards, 4u);
  json["options"].erase("shards");  // a file from before the option existed
  loaded = model_from_json(json.dump(), "old.json");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  EXPECT_EQ(loaded.value().options.shards, 1u);
}

TEST(ModelIo, FilesWithoutAverageStartAveragedFromTheFirstUpdate) {
  Model m = random_model(3);
  m.options.average_start = 4;
  auto json = nlohmann::json::parse(model_to_json(m));
  auto loaded = model_from_json(json.dump(), "m.json");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.value().options.average_start, 4u);
  json["options"].erase("average_start");  // a file from before the option existed
  loaded = model_from_json(json.dump(), "old.json");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  EXPECT_EQ(loaded.value().options.average_start, 1u);
}

TEST(ModelIo, MissingFile) {
  auto result = load_model("/nonexistent/model.json");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message(), "/nonexistent/model.json: cannot open model: No such file or directory");
}

}  // namespace
}  // namespace logreg
