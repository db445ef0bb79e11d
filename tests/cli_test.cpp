// End to end through the built `logreg` binary: train, predict, eval,
// gradcheck, info, help and version, exit codes, and no output on errors.
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace logreg {
namespace {

using testing::cli;
using testing::quote;
using testing::run;

std::string data_file(const std::string& set, const std::string& file) {
  const std::string path = testing::dataset_file(set, file);
  EXPECT_FALSE(path.empty()) << set << "/" << file << " ships with the repository";
  return path;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class Cli : public ::testing::Test {
 protected:
  testing::TempDir dir;
  std::string train_svm = data_file("heart_scale", "train.svm");
  std::string test_svm = data_file("heart_scale", "test.svm");
  std::string model = dir.file("model.json");

  void train_model(const std::string& extra = "") {
    const auto r = run(cli() + " train " + quote(train_svm) + " -o " + quote(model) + " --epochs 5 " + extra);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
};

TEST_F(Cli, TrainPrintsOneProgressLinePerEpochAndWritesAModel) {
  const auto r = run(cli() + " train " + quote(train_svm) + " -o " + quote(model) +
                     " --epochs 4 --tol 0 --valid " + quote(test_svm));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  std::size_t epoch_lines = 0;
  for (const auto& line : lines(r.err)) {
    if (line.rfind("epoch", 0) == 0) {
      ++epoch_lines;
      EXPECT_NE(line.find("train_loss"), std::string::npos) << line;
      EXPECT_NE(line.find("valid_loss"), std::string::npos) << line;
      EXPECT_NE(line.find("valid_accuracy"), std::string::npos) << line;
      EXPECT_NE(line.find("time"), std::string::npos) << line;
    }
  }
  EXPECT_EQ(epoch_lines, 4u);
  const auto j = nlohmann::json::parse(testing::read_text(model));
  EXPECT_EQ(j["format"], "logreg-model");
  EXPECT_EQ(j["format_version"], 1);
  EXPECT_EQ(j["loss"], "bce");
  EXPECT_EQ(j["num_features"], 13);
  EXPECT_EQ(j["weights"].size(), 13u);
  EXPECT_TRUE(j["bias"].is_number());
  EXPECT_EQ(j["options"]["epochs"], 4);
  EXPECT_EQ(j["training"]["iterations"], 4);
}

TEST_F(Cli, QuietTrainPrintsNothing) {
  const auto r = run(cli() + " train " + quote(train_svm) + " -o " + quote(model) + " --epochs 2 --quiet");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, "");
}

TEST_F(Cli, SquaredErrorLossIsStored) {
  train_model("--loss se");
  EXPECT_EQ(nlohmann::json::parse(testing::read_text(model))["loss"], "se");
}

TEST_F(Cli, PredictPrintsUserLabelsAndProbabilities) {
  // A -1/+1 copy of the data: predictions come back as -1 and 1.
  std::string text = testing::read_text(train_svm);
  std::string relabelled;
  for (const auto& line : lines(text)) relabelled += (line[0] == '0' ? "-1" : "+1") + line.substr(1) + "\n";
  const std::string pm = dir.file("pm.svm");
  testing::write_text(pm, relabelled);
  const auto t = run(cli() + " train " + quote(pm) + " -o " + quote(model) + " --epochs 5 -q");
  ASSERT_EQ(t.exit_code, 0) << t.err;
  const auto labels = run(cli() + " predict " + quote(model) + " " + quote(pm));
  ASSERT_EQ(labels.exit_code, 0) << labels.err;
  const auto label_lines = lines(labels.out);
  ASSERT_EQ(label_lines.size(), 216u);
  std::size_t negatives = 0;
  for (const auto& l : label_lines) {
    ASSERT_TRUE(l == "-1" || l == "1") << l;
    negatives += l == "-1";
  }
  EXPECT_GT(negatives, 0u);
  const auto proba = run(cli() + " predict " + quote(model) + " " + quote(pm) + " --proba");
  const auto proba_lines = lines(proba.out);
  ASSERT_EQ(proba_lines.size(), 216u);
  for (std::size_t i = 0; i < proba_lines.size(); ++i) {
    const double p = std::stod(proba_lines[i]);
    ASSERT_TRUE(p > 0 && p < 1) << proba_lines[i];
    EXPECT_EQ(p >= 0.5, label_lines[i] == "1") << i;
  }
  // A higher threshold predicts fewer positives.
  const auto strict = run(cli() + " predict " + quote(model) + " " + quote(pm) + " --threshold 0.9");
  std::size_t strict_negatives = 0;
  for (const auto& l : lines(strict.out)) strict_negatives += l == "-1";
  EXPECT_GT(strict_negatives, negatives);
}

TEST_F(Cli, PredictToFile) {
  train_model();
  const std::string out = dir.file("pred.txt");
  const auto r = run(cli() + " predict " + quote(model) + " " + quote(test_svm) + " -o " + quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(lines(testing::read_text(out)).size(), 54u);
}

TEST_F(Cli, EvalJsonHasAllKeysAndAgreesWithPredict) {
  train_model();
  const auto r = run(cli() + " eval " + quote(model) + " " + quote(test_svm) + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"n", "accuracy", "precision", "recall", "f1", "log_loss", "brier", "auc"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["n"], 54);
  // Accuracy recomputed from predict's output and the file's labels.
  const auto p = run(cli() + " predict " + quote(model) + " " + quote(test_svm));
  const auto predicted = lines(p.out);
  const auto truth = lines(testing::read_text(test_svm));
  ASSERT_EQ(predicted.size(), truth.size());
  std::size_t correct = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) correct += predicted[i] == truth[i].substr(0, truth[i].find(' '));
  EXPECT_DOUBLE_EQ(j["accuracy"].get<double>(), static_cast<double>(correct) / 54.0);
  const auto text = run(cli() + " eval " + quote(model) + " " + quote(test_svm));
  ASSERT_EQ(text.exit_code, 0);
  for (const char* word : {"accuracy", "precision", "recall", "f1", "log_loss", "brier", "auc", "confusion"}) {
    EXPECT_NE(text.out.find(word), std::string::npos) << word;
  }
}

TEST_F(Cli, GradcheckPassesForBothLosses) {
  for (const char* args : {"--loss bce", "--loss se", "--loss bce --l2 0.1", "--loss se --l2 0.1"}) {
    const auto r = run(cli() + " gradcheck " + quote(train_svm) + " " + args);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.out << r.err;
    EXPECT_NE(r.out.find("largest relative error"), std::string::npos);
  }
}

TEST_F(Cli, GradcheckFailsAboveItsTolerance) {
  // A tolerance below rounding error cannot be met: the exit code says so.
  const auto r = run(cli() + " gradcheck " + quote(train_svm) + " --tolerance 1e-30");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("FAILED"), std::string::npos);
}

TEST_F(Cli, InfoReportsShape) {
  const auto r = run(cli() + " info " + quote(train_svm));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("rows       216"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("features   13"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("labels     0: 120, 1: 96"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("read time"), std::string::npos);
}

TEST_F(Cli, CsvAndLibsvmGiveTheSameModel) {
  const std::string csv = data_file("heart_scale", "train.csv");
  const std::string from_csv = dir.file("csv.json");
  ASSERT_EQ(run(cli() + " train " + quote(train_svm) + " -o " + quote(model) + " --epochs 3 -q").exit_code, 0);
  ASSERT_EQ(run(cli() + " train " + quote(csv) + " -o " + quote(from_csv) + " --epochs 3 -q").exit_code, 0);
  const auto a = nlohmann::json::parse(testing::read_text(model));
  const auto b = nlohmann::json::parse(testing::read_text(from_csv));
  EXPECT_EQ(a["weights"], b["weights"]);
  EXPECT_EQ(a["bias"], b["bias"]);
}

TEST_F(Cli, HelpHasExamplesAndVersionPrints) {
  for (const char* command : {"train", "predict", "eval", "gradcheck", "info"}) {
    const auto r = run(cli() + " " + command + " --help");
    EXPECT_EQ(r.exit_code, 0) << command;
    EXPECT_NE(r.out.find("Examples:"), std::string::npos) << command;
  }
  // Each command's help has its own options; the app's lists every command.
  EXPECT_NE(run(cli() + " train --help").out.find("--penalize-bias"), std::string::npos);
  EXPECT_NE(run(cli() + " --threads 1 predict --help").out.find("--proba"), std::string::npos);
  EXPECT_NE(run(cli() + " eval --help").out.find("--json"), std::string::npos);
  EXPECT_NE(run(cli() + " gradcheck --help").out.find("--points"), std::string::npos);
  EXPECT_NE(run(cli() + " info --help").out.find("--cache"), std::string::npos);
  const auto app = run(cli() + " --help");
  EXPECT_EQ(app.exit_code, 0);
  for (const char* command : {"train", "predict", "eval", "gradcheck", "info"}) {
    EXPECT_NE(app.out.find(std::string("\n  ") + command + " "), std::string::npos) << command << " in\n" << app.out;
  }
  // A command's options are not another's, whichever words follow.
  EXPECT_EQ(run(cli() + " info " + quote(train_svm) + " --proba").exit_code, 2);
  EXPECT_EQ(run(cli() + " info " + quote(train_svm) + " train").exit_code, 2);
  const auto v = run(cli() + " --version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out.rfind("logreg ", 0), 0u) << v.out;
}

TEST_F(Cli, UsageErrorsExitWithTwo) {
  EXPECT_EQ(run(cli()).exit_code, 2);
  EXPECT_EQ(run(cli() + " train " + quote(train_svm)).exit_code, 2);  // no -o
  EXPECT_EQ(run(cli() + " train " + quote(train_svm) + " -o " + quote(model) + " --loss hinge").exit_code, 2);
  const auto r = run(cli() + " train " + quote(train_svm) + " -o " + quote(model) + " --schedule optimal --l2 0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--schedule optimal needs --l2 > 0"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(model));
}

TEST_F(Cli, BadDataStopsWithOneLineNoModel) {
  const std::string bad = dir.file("bad.svm");
  testing::write_text(bad, "1 1:0.5 2:0.25\n0 1:abc\n");
  const auto r = run(cli() + " train " + quote(bad) + " -o " + quote(model));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "logreg: error: " + bad + ":2:5: invalid number 'abc'\n");
  EXPECT_FALSE(std::filesystem::exists(model));
  // Nothing else appeared in the folder either (no temporary files).
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1u);
}

TEST_F(Cli, MissingFilesAndBadOutputPaths) {
  const auto missing = run(cli() + " train " + quote(dir.file("nope.svm")) + " -o " + quote(model));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nope.svm"), std::string::npos) << missing.err;
  const auto no_folder = run(cli() + " train " + quote(train_svm) + " -o " + quote(dir.file("no/m.json")));
  EXPECT_EQ(no_folder.exit_code, 2);
  EXPECT_NE(no_folder.err.find("does not exist"), std::string::npos) << no_folder.err;
  EXPECT_EQ(no_folder.err.find("epoch"), std::string::npos) << "failed before any training";
  const auto bad_model = run(cli() + " eval " + quote(train_svm) + " " + quote(test_svm));
  EXPECT_EQ(bad_model.exit_code, 2);
  EXPECT_NE(bad_model.err.find("not a logreg model"), std::string::npos) << bad_model.err;
  train_model();
  const std::string out = dir.file("pred.txt");
  const auto bad_input = run(cli() + " predict " + quote(model) + " " + quote(dir.file("nope.svm")) + " -o " + quote(out));
  EXPECT_EQ(bad_input.exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST_F(Cli, FullBatchSolversPrintIterationsAndStopReason) {
  for (const char* solver : {"newton", "lbfgs", "gd"}) {
    const auto r = run(cli() + " train " + quote(train_svm) + " -o " + quote(model) + " --solver " + solver +
                       " --C 1 --penalize-bias --max-iter 500");
    ASSERT_EQ(r.exit_code, 0) << solver << "\n" << r.err;
    const auto all = lines(r.err);
    ASSERT_GE(all.size(), 2u);
    EXPECT_EQ(all[0].rfind("iter    1  objective ", 0), 0u) << all[0];
    for (const char* field : {"grad_norm", "step", "time"}) EXPECT_NE(all[0].find(field), std::string::npos) << field;
    EXPECT_NE(all.back().find("(gradient_tolerance)"), std::string::npos) << all.back();
    const auto j = nlohmann::json::parse(testing::read_text(model));
    EXPECT_EQ(j["options"]["solver"], solver);
    EXPECT_EQ(j["options"]["C"], 1.0);
    EXPECT_EQ(j["options"]["penalize_bias"], true);
    EXPECT_DOUBLE_EQ(j["options"]["l2"].get<double>(), 1.0 / 216.0);
    EXPECT_EQ(j["training"]["stop_reason"], "gradient_tolerance");
  }
}

TEST_F(Cli, EvalReportsTheObjectiveWithTheModelsOptions) {
  ASSERT_EQ(run(cli() + " train " + quote(train_svm) + " -o " + quote(model) + " --solver newton --C 1 -q").exit_code, 0);
  const auto r = run(cli() + " eval " + quote(model) + " " + quote(train_svm) + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto metrics = nlohmann::json::parse(r.out);
  const auto stored = nlohmann::json::parse(testing::read_text(model));
  // On the training data, eval's objective is the one training reached.
  EXPECT_NEAR(metrics["objective"].get<double>(), stored["training"]["objective"].get<double>(), 1e-12);
}

TEST_F(Cli, NoPenaltyFlagMeansCEqualsOne) {
  // LIBLINEAR's and scikit-learn's default: without --C, --l2 or --l1 the
  // objective is C = 1's, for every solver; --l2 0 asks for no penalty.
  const std::string with_c = dir.file("c1.json");
  const std::string unpenalised = dir.file("l2_0.json");
  for (const char* solver : {"sgd", "newton"}) {
    const std::string common = " --solver " + std::string(solver) + " -q";
    ASSERT_EQ(run(cli() + " train " + quote(train_svm) + " -o " + quote(model) + common).exit_code, 0);
    ASSERT_EQ(run(cli() + " train " + quote(train_svm) + " -o " + quote(with_c) + common + " --C 1").exit_code, 0);
    ASSERT_EQ(run(cli() + " train " + quote(train_svm) + " -o " + quote(unpenalised) + common + " --l2 0").exit_code, 0);
    const auto by_default = nlohmann::json::parse(testing::read_text(model));
    const auto c1 = nlohmann::json::parse(testing::read_text(with_c));
    const auto l2_0 = nlohmann::json::parse(testing::read_text(unpenalised));
    EXPECT_EQ(by_default["weights"], c1["weights"]) << solver;
    EXPECT_EQ(by_default["bias"], c1["bias"]) << solver;
    EXPECT_EQ(by_default["options"]["C"], 1.0) << solver;
    EXPECT_NEAR(by_default["options"]["l2"].get<double>(), 1.0 / 216, 1e-15) << solver;  // 1 / (C n), n = 216
    EXPECT_EQ(l2_0["options"]["l2"], 0.0) << solver;
    EXPECT_NE(l2_0["weights"], c1["weights"]) << solver;
  }
}

TEST_F(Cli, ShardsAreRecordedAndTheThreadCountDoesNotChangeTheModel) {
  const std::string two_threads = dir.file("two_threads.json");
  ASSERT_EQ(run(cli() + " --threads 1 train " + quote(train_svm) + " -o " + quote(model) + " --shards 3 -q").exit_code, 0);
  ASSERT_EQ(run(cli() + " --threads 2 train " + quote(train_svm) + " -o " + quote(two_threads) + " --shards 3 -q").exit_code,
            0);
  const auto one = nlohmann::json::parse(testing::read_text(model));
  const auto two = nlohmann::json::parse(testing::read_text(two_threads));
  EXPECT_EQ(one["options"]["shards"], 3);
  EXPECT_EQ(one["weights"], two["weights"]);
  EXPECT_EQ(one["bias"], two["bias"]);
  const auto refused = run(cli() + " train " + quote(train_svm) + " -o " + quote(model) + " --shards 0");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("--shards must be auto or a whole number >= 1, not \"0\""), std::string::npos)
      << refused.err;
  ASSERT_EQ(run(cli() + " train " + quote(train_svm) + " -o " + quote(model) + " --shards auto -q").exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(testing::read_text(model))["options"]["shards"], 1);  // a small set: sequential
}

TEST_F(Cli, L1GivesZerosAndNewtonRefusesIt) {
  const auto r = run(cli() + " train " + quote(data_file("sonar", "train.svm")) + " -o " + quote(model) +
                     " --solver lbfgs --l1 0.01 -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto weights = nlohmann::json::parse(testing::read_text(model))["weights"];
  std::size_t zeros = 0;
  for (const auto& w : weights) zeros += w.get<double>() == 0.0;
  EXPECT_GT(zeros, 10u);
  const auto refused = run(cli() + " train " + quote(train_svm) + " -o " + quote(model) + " --solver newton --l1 0.01");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("--solver newton needs a smooth objective"), std::string::npos) << refused.err;
}

TEST_F(Cli, WeightsFileAndWeightColumnGiveTheSameModel) {
  // Weights 1 and 3 alternating, as a file for LIBSVM and as a CSV column.
  const auto svm_lines = lines(testing::read_text(train_svm));
  std::string weights;
  for (std::size_t i = 0; i < svm_lines.size(); ++i) weights += (i % 2 ? "3\n" : "1\n");
  testing::write_text(dir.file("w.txt"), weights);
  const auto csv_lines = lines(testing::read_text(data_file("heart_scale", "train.csv")));
  std::string csv = csv_lines[0] + ",w\n";
  for (std::size_t i = 1; i < csv_lines.size(); ++i) csv += csv_lines[i] + (i % 2 ? ",1\n" : ",3\n");
  testing::write_text(dir.file("w.csv"), csv);
  const std::string a = dir.file("a.json");
  const std::string b = dir.file("b.json");
  const std::string plain = dir.file("plain.json");
  const std::string common = " --solver newton --C 1 -q";
  ASSERT_EQ(run(cli() + " train " + quote(train_svm) + " -o " + quote(a) + " --weights " + quote(dir.file("w.txt")) + common).exit_code, 0);
  ASSERT_EQ(run(cli() + " train " + quote(dir.file("w.csv")) + " -o " + quote(b) + " --weight-column w" + common).exit_code, 0);
  ASSERT_EQ(run(cli() + " train " + quote(train_svm) + " -o " + quote(plain) + common).exit_code, 0);
  const auto ja = nlohmann::json::parse(testing::read_text(a));
  const auto jb = nlohmann::json::parse(testing::read_text(b));
  EXPECT_EQ(ja["num_features"], jb["num_features"]);
  for (std::size_t j = 0; j < 13; ++j) {
    EXPECT_NEAR(ja["weights"][j].get<double>(), jb["weights"][j].get<double>(), 1e-12) << j;
  }
  EXPECT_NE(ja["weights"], nlohmann::json::parse(testing::read_text(plain))["weights"]);
  // A weights file of the wrong length is an input error.
  testing::write_text(dir.file("short.txt"), "1\n2\n");
  const auto bad = run(cli() + " train " + quote(train_svm) + " -o " + quote(a) + " --weights " + quote(dir.file("short.txt")));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("has 2 weights but the data has 216 rows"), std::string::npos) << bad.err;
}

TEST_F(Cli, ClassWeightAndWarmStart) {
  const std::string balanced = dir.file("balanced.json");
  ASSERT_EQ(run(cli() + " train " + quote(train_svm) + " -o " + quote(balanced) + " --solver newton --C 1 --class-weight balanced -q").exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(testing::read_text(balanced))["options"]["class_weight"], "balanced");
  const std::string given = dir.file("given.json");
  ASSERT_EQ(run(cli() + " train " + quote(train_svm) + " -o " + quote(given) + " --solver newton --C 1 --class-weight 1,4 -q").exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(testing::read_text(given))["options"]["class_weight"], nlohmann::json::array({1.0, 4.0}));
  const auto bad = run(cli() + " train " + quote(train_svm) + " -o " + quote(given) + " --class-weight heavy");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--class-weight must be"), std::string::npos) << bad.err;
  // Warm start from a converged model: no more than one iteration.
  const auto warm = run(cli() + " train " + quote(train_svm) + " -o " + quote(model) + " --solver newton --C 1 --class-weight balanced --init " + quote(balanced));
  ASSERT_EQ(warm.exit_code, 0) << warm.err;
  EXPECT_LE(nlohmann::json::parse(testing::read_text(model))["training"]["iterations"].get<int>(), 1);
}

TEST_F(Cli, WarnsWhenTheStepIsTooLarge) {
  const std::string base = cli() + " train " + quote(train_svm) + " -o " + quote(model) +
                           " --adaptive off --no-average --standardize off --epochs 6 --tol 0 --learning-rate ";
  const auto bad = run(base + "20");
  ASSERT_EQ(bad.exit_code, 0) << bad.err;
  EXPECT_NE(bad.err.find("warning: the training loss is higher than at the start; the step size is probably too large"),
            std::string::npos) << bad.err;
  const auto good = run(base + "0.05");
  ASSERT_EQ(good.exit_code, 0);
  EXPECT_EQ(good.err.find("warning"), std::string::npos) << good.err;
}

}  // namespace
}  // namespace logreg
