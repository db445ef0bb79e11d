// Interruption and resumption: a run stopped anywhere and resumed from its
// checkpoint (also through the JSON file) ends with the same bits as a run
// that was never stopped.
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include <gtest/gtest.h>

#include "logreg/data_reader.hpp"
#include "logreg/model.hpp"
#include "logreg/model_io.hpp"
#include "logreg/train.hpp"
#include "test_support.hpp"

namespace logreg {
namespace {

Dataset load(const std::string& set) {
  auto data = read_dataset(testing::dataset_file(set, "train.svm"));
  EXPECT_TRUE(data.ok());
  return std::move(data).value();
}

using testing::same_bits;

struct Case {
  const char* name;
  TrainOptions options;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  TrainOptions defaults;  // normalised adaptive steps, standardisation with centring
  defaults.epochs = 6;
  defaults.tol = 0.0;
  out.push_back({"defaults", defaults});
  TrainOptions averaged = defaults;
  averaged.average = true;
  averaged.adaptive = Adaptive::kAdaGrad;
  averaged.batch_size = 7;
  averaged.l2 = 1e-3;
  out.push_back({"adagrad_average_batch", averaged});
  TrainOptions plain;
  plain.adaptive = Adaptive::kOff;
  plain.average = false;
  plain.standardize = Standardize::kOff;
  plain.schedule = Schedule::kOptimal;
  plain.l2 = 1e-3;
  plain.l1 = 1e-3;
  plain.epochs = 6;
  plain.tol = 1e-3;  // early-stopping state is part of the checkpoint
  out.push_back({"plain_l1_l2", plain});
  return out;
}

TEST(Checkpoint, SgdResumedAnywhereEqualsAnUninterruptedRun) {
  const Dataset data = load("breast_cancer");
  testing::TempDir dir;
  for (const Case& c : cases()) {
    auto whole = train(data.view(), nullptr, c.options);
    ASSERT_TRUE(whole.ok()) << c.name;
    // Stop at the first poll, a third of the way (mid-epoch) and two thirds.
    const std::size_t total = whole.value().report.updates;
    ASSERT_GT(total, 10u);
    for (std::size_t stop_after : {std::size_t{1}, total / 3, 2 * total / 3 + 1}) {
      std::size_t polls = 0;
      std::optional<Checkpoint> saved;
      TrainControl control;
      control.stop_requested = [&] { return ++polls > stop_after; };
      control.write_checkpoint = [&](const Checkpoint& checkpoint) {
        saved = checkpoint;
        return save_checkpoint(checkpoint, dir.file("run.checkpoint"));
      };
      auto stopped = train(data.view(), nullptr, c.options, {}, nullptr, &control);
      ASSERT_TRUE(stopped.ok()) << c.name;
      ASSERT_EQ(stopped.value().report.stop_reason, StopReason::kInterrupted) << c.name;
      ASSERT_TRUE(saved.has_value());
      // Through the file, so the JSON round trip is part of the test.
      auto loaded = load_checkpoint(dir.file("run.checkpoint"));
      ASSERT_TRUE(loaded.ok()) << loaded.error().message();
      TrainControl resume;
      resume.resume = &loaded.value();
      TrainOptions ignored;  // a resumed run takes the checkpoint's options
      ignored.epochs = 1;
      auto resumed = train(data.view(), nullptr, ignored, {}, nullptr, &resume);
      ASSERT_TRUE(resumed.ok()) << resumed.error().message();
      EXPECT_TRUE(same_bits(whole.value(), resumed.value())) << c.name << " stopped after " << stop_after;
      EXPECT_EQ(whole.value().report.iterations, resumed.value().report.iterations) << c.name;
    }
  }
}

TEST(Checkpoint, PeriodicCheckpointsDoNotChangeTheResult) {
  const Dataset data = load("heart_scale");
  TrainOptions o;
  o.epochs = 6;
  o.tol = 0.0;
  auto plain_run = train(data.view(), nullptr, o);
  std::vector<std::size_t> epochs;
  TrainControl control;
  control.checkpoint_every = 2;
  control.write_checkpoint = [&](const Checkpoint& c) {
    epochs.push_back(c.epoch);
    return Status{};
  };
  auto with_checkpoints = train(data.view(), nullptr, o, {}, nullptr, &control);
  ASSERT_TRUE(plain_run.ok() && with_checkpoints.ok());
  EXPECT_TRUE(same_bits(plain_run.value(), with_checkpoints.value()));
  EXPECT_EQ(epochs, (std::vector<std::size_t>{3, 5}));
}

TEST(Checkpoint, TimedCheckpointsResumeExactly) {
  const Dataset data = load("heart_scale");
  TrainOptions o;
  o.epochs = 4;
  o.tol = 0.0;
  auto whole = train(data.view(), nullptr, o);
  std::vector<Checkpoint> saved;
  TrainControl control;
  control.checkpoint_seconds = 1e-9;  // due at every batch
  control.write_checkpoint = [&](const Checkpoint& c) {
    saved.push_back(c);
    return Status{};
  };
  auto timed = train(data.view(), nullptr, o, {}, nullptr, &control);
  ASSERT_TRUE(whole.ok() && timed.ok());
  EXPECT_TRUE(same_bits(whole.value(), timed.value()));
  ASSERT_GT(saved.size(), 100u);
  const Checkpoint& middle = saved[saved.size() / 2 + 7];
  EXPECT_GT(middle.position, 0u);
  TrainControl resume;
  resume.resume = &middle;
  auto resumed = train(data.view(), nullptr, o, {}, nullptr, &resume);
  ASSERT_TRUE(resumed.ok());
  EXPECT_TRUE(same_bits(whole.value(), resumed.value()));
  // The CLI takes seconds with an "s" and refuses anything else.
  testing::TempDir dir;
  const std::string base = testing::cli() + " train " + testing::quote(testing::dataset_file("heart_scale", "train.svm")) +
                           " -o " + testing::quote(dir.file("m.json")) + " -q --epochs 2 --checkpoint-every ";
  EXPECT_EQ(testing::run(base + "0.000001s").exit_code, 0);
  EXPECT_TRUE(std::filesystem::exists(dir.file("m.json.checkpoint")));
  const auto bad = testing::run(base + "soon");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--checkpoint-every must be a number of epochs"), std::string::npos) << bad.err;
}

TEST(Checkpoint, ResumeRejectsOtherData) {
  const Dataset data = load("heart_scale");
  const Dataset other = load("sonar");
  Checkpoint c;
  c.rows = data.rows();
  c.features = data.num_features;
  TrainControl control;
  control.resume = &c;
  auto result = train(other.view(), nullptr, TrainOptions{}, {}, nullptr, &control);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message().find("the checkpoint was made on data of 216 rows and 13 features"),
            std::string::npos)
      << result.error().message();
}

TEST(Checkpoint, FullBatchSolversStopAndResumeFromTheirPoint) {
  const Dataset data = load("sonar");
  TrainOptions o;
  o.solver = Solver::kLbfgs;
  o.l2 = 0.01;
  o.tol = 1e-8;
  auto whole = train(data.view(), nullptr, o);
  std::size_t polls = 0;
  std::optional<Checkpoint> saved;
  TrainControl control;
  control.stop_requested = [&] { return ++polls > 5; };
  control.write_checkpoint = [&](const Checkpoint& c) {
    saved = c;
    return Status{};
  };
  auto stopped = train(data.view(), nullptr, o, {}, nullptr, &control);
  ASSERT_TRUE(whole.ok() && stopped.ok() && saved.has_value());
  EXPECT_EQ(stopped.value().report.stop_reason, StopReason::kInterrupted);
  TrainControl resume;
  resume.resume = &*saved;
  auto resumed = train(data.view(), nullptr, o, {}, nullptr, &resume);
  ASSERT_TRUE(resumed.ok());
  EXPECT_NEAR(resumed.value().report.objective, whole.value().report.objective, 1e-9);
}

TEST(Checkpoint, CliWritesACheckpointOnSigintAndResumes) {
  testing::TempDir dir;
  const std::string data = testing::dataset_file("heart_scale", "train.svm");
  const std::string model = dir.file("m.json");
  // Periodic checkpoint, then resume: the same model file contents.
  ASSERT_EQ(testing::run(testing::cli() + " train " + testing::quote(data) + " -o " + testing::quote(model) +
                         " --epochs 6 --checkpoint-every 3 -q")
                .exit_code,
            0);
  ASSERT_TRUE(std::filesystem::exists(model + ".checkpoint"));
  const std::string resumed = dir.file("resumed.json");
  const auto r = testing::run(testing::cli() + " train " + testing::quote(data) + " -o " + testing::quote(resumed) +
                              " --resume " + testing::quote(model + ".checkpoint") + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto a = nlohmann::json::parse(testing::read_text(model));
  const auto b = nlohmann::json::parse(testing::read_text(resumed));
  EXPECT_EQ(a["weights"], b["weights"]);
  EXPECT_EQ(a["bias"], b["bias"]);

  // SIGINT during a long run: exit 4, a message saying how to resume, a
  // loadable checkpoint, and no model file.
  const std::string long_model = dir.file("long.json");
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::string err = dir.file("stderr");
    FILE* sink = std::freopen(err.c_str(), "w", stderr);
    (void)sink;
    execl(LOGREG_CLI_PATH, "logreg", "train", data.c_str(), "-o", long_model.c_str(), "--epochs", "100000000", "--tol",
          "0", "-q", static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  kill(child, SIGINT);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 4);
  EXPECT_FALSE(std::filesystem::exists(long_model));
  const std::string message = testing::read_text(dir.file("stderr"));
  EXPECT_NE(message.find("--resume " + long_model + ".checkpoint"), std::string::npos) << message;
  auto checkpoint = load_checkpoint(long_model + ".checkpoint");
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().message();
  EXPECT_EQ(checkpoint.value().rows, 216u);
}

}  // namespace
}  // namespace logreg
