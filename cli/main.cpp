// The `logreg` command: a thin client of the public library headers.
//
// Exit codes (docs/cli.md):
//   0  success
//   1  gradcheck: the analytic gradient disagrees with finite differences
//   2  usage error, or bad input: unreadable or malformed data or model file,
//      output path that cannot be written
//   3  training failed (diverged: the loss is no longer finite)
//   4  training interrupted (SIGINT/SIGTERM); a checkpoint was written
#include <omp.h>
#include <unistd.h>

#include <csignal>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fmt/core.h>
#include <map>
#include <optional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "logreg/data_cache.hpp"
#include "logreg/logreg.hpp"
#include "logreg/version.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitCheckFailed = 1;
constexpr int kExitInput = 2;
constexpr int kExitTraining = 3;
constexpr int kExitInterrupted = 4;

// Set by the SIGINT/SIGTERM handler and polled by training between
// batches. A signal handler can only reach static storage; this flag is the
// one piece of it, local to this file.
volatile std::sig_atomic_t stop_signal = 0;

extern "C" void on_stop_signal(int signal_number) { stop_signal = signal_number; }

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

/// An error that ends the command with a message and an exit code.
struct CommandError {
  std::string message;
  int code = kExitInput;
};

struct DataOptions {
  std::string format = "auto";
  std::string label_column;
  std::string weight_column;
  std::string delimiter = ",";
  bool cache = false;
};

void add_data_options(CLI::App* command, DataOptions& data) {
  command->add_option("--format", data.format, "Data format")
      ->check(CLI::IsMember({"auto", "libsvm", "csv"}))
      ->capture_default_str();
  command->add_option("--label-column", data.label_column,
                      "CSV label column, by name or 0-based index (default: 'label', else the first)");
  command->add_option("--delimiter", data.delimiter, "CSV field delimiter (one character)")->capture_default_str();
  command->add_flag("--cache", data.cache,
                    "Keep a binary copy beside each data file (DATA.lrcache) and use it while the file is unchanged");
}

void add_weight_column_option(CLI::App* command, DataOptions& data) {
  command->add_option("--weight-column", data.weight_column,
                      "CSV column of per-example weights, by name or 0-based index (not a feature)");
}

logreg::ReadOptions read_options(const DataOptions& data) {
  logreg::ReadOptions options;
  options.format = *logreg::parse_format(data.format);
  options.label_column = data.label_column;
  options.weight_column = data.weight_column;
  if (data.delimiter.size() != 1) throw CommandError{"--delimiter must be exactly one character"};
  options.delimiter = data.delimiter[0];
  return options;
}

logreg::Dataset read_data(const std::string& path, const DataOptions& data, bool* from_cache = nullptr) {
  if (data.cache) {
    auto cached = logreg::read_dataset_cached(path, read_options(data));
    if (!cached) throw CommandError{cached.error().message()};
    if (!cached.value().note.empty()) fmt::print(stderr, "logreg: note: {}\n", cached.value().note);
    if (from_cache != nullptr) *from_cache = cached.value().from_cache;
    return std::move(cached.value().data);
  }
  auto result = logreg::read_dataset(path, read_options(data));
  if (!result) throw CommandError{result.error().message()};
  return std::move(result).value();
}

logreg::Model read_model(const std::string& path) {
  auto result = logreg::load_model(path);
  if (!result) throw CommandError{result.error().message()};
  return std::move(result).value();
}

/// Fails before any work when `path` could not be created: the folder must
/// exist and be writable, and the path must not be a folder.
void check_output_path(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw CommandError{path + ": is a directory"};
  fs::path parent = fs::path(path).parent_path();
  if (parent.empty()) parent = ".";
  if (!fs::is_directory(parent, ec)) throw CommandError{path + ": folder " + parent.string() + " does not exist"};
  // Creating (and removing) a file there is the only test that also holds
  // for root, read-only mounts and pseudo file systems such as /proc.
  std::string probe = (parent / ".logreg-probe-XXXXXX").string();
  const int fd = ::mkstemp(probe.data());
  if (fd < 0) {
    throw CommandError{path + ": cannot create files in folder " + parent.string() + ": " + std::strerror(errno)};
  }
  ::close(fd);
  ::unlink(probe.c_str());
}

/// The user's label as they wrote it: "-1", "0" or "1".
std::string format_label(double label) { return fmt::format("{}", label); }

void write_output(const std::optional<std::string>& path, const std::string& text) {
  if (!path) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return;
  }
  if (auto status = logreg::write_file_atomically(*path, text); !status) throw CommandError{status.error().message()};
}

// ---------------------------------------------------------------- train

struct TrainArgs {
  std::string data;
  std::string model;
  std::string loss = "bce";
  std::string solver = "sgd";
  std::string schedule = "constant";
  std::string adaptive = "adagrad";
  std::string standardize = "auto";
  std::string shards = "auto";
  /// Whether --l2, --l1 or --C was given; without any, the penalty is C = 1.
  bool penalty_given = false;
  std::optional<std::string> valid;
  std::optional<double> C;
  std::optional<double> tol;
  std::optional<std::string> class_weight;
  std::optional<std::string> weights_file;
  std::optional<std::string> init;
  std::optional<std::string> checkpoint;
  std::optional<std::string> resume;
  std::string checkpoint_every = "0";
  DataOptions data_options;
  logreg::TrainOptions options;
  bool quiet = false;
};

logreg::ClassWeights parse_class_weight(const std::string& text) {
  logreg::ClassWeights cw;
  if (text == "balanced") {
    cw.mode = logreg::ClassWeights::Mode::kBalanced;
    return cw;
  }
  const auto comma = text.find(',');
  try {
    if (comma == std::string::npos) throw std::invalid_argument("no comma");
    std::size_t used = 0;
    cw.negative = std::stod(text.substr(0, comma), &used);
    if (used != comma) throw std::invalid_argument("trailing");
    const std::string rest = text.substr(comma + 1);
    cw.positive = std::stod(rest, &used);
    if (used != rest.size()) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    throw CommandError{"--class-weight must be 'balanced' or two numbers W0,W1 (weights of class 0 and 1), not '" +
                       text + "'"};
  }
  cw.mode = logreg::ClassWeights::Mode::kGiven;
  return cw;
}

/// Reads one weight per line (blank lines and '#' comments skipped) for a
/// LIBSVM file's rows.
std::vector<double> read_weights_file(const std::string& path, std::size_t rows) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) throw CommandError{path + ": cannot open weights file: " + std::strerror(errno)};
  std::vector<double> weights;
  char buffer[4096];
  std::size_t line_number = 0;
  while (std::fgets(buffer, sizeof buffer, file) != nullptr) {
    ++line_number;
    std::string line(buffer);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.pop_back();
    }
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    line = line.substr(first);
    double value = 0.0;
    const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), value);
    if (ec != std::errc() || end != line.data() + line.size() || !std::isfinite(value) || value < 0.0) {
      std::fclose(file);
      throw CommandError{path + ":" + std::to_string(line_number) + ": invalid weight '" + line +
                         "' (a finite number >= 0 is expected)"};
    }
    weights.push_back(value);
  }
  std::fclose(file);
  if (weights.size() != rows) {
    throw CommandError{path + ": has " + std::to_string(weights.size()) + " weights but the data has " +
                       std::to_string(rows) + " rows"};
  }
  return weights;
}

/// --shards: "auto" (0) or a whole number of at least 1.
std::size_t parse_shards(const std::string& text) {
  if (text == "auto") return 0;
  std::size_t value = 0;
  const char* end = text.data() + text.size();
  const auto parsed = std::from_chars(text.data(), end, value);
  if (parsed.ec != std::errc{} || parsed.ptr != end || value < 1) {
    throw CommandError{"--shards must be auto or a whole number >= 1, not \"" + text + "\""};
  }
  return value;
}

int run_train(TrainArgs& args) {
  check_output_path(args.model);
  std::optional<logreg::Checkpoint> resume;
  if (args.resume) {
    auto loaded = logreg::load_checkpoint(*args.resume);
    if (!loaded) throw CommandError{loaded.error().message()};
    resume = std::move(loaded).value();
  }
  logreg::TrainOptions options = args.options;
  options.loss = args.loss == "se" ? logreg::Loss::kSquaredError : logreg::Loss::kCrossEntropy;
  options.solver = *logreg::parse_solver(args.solver);
  options.C = args.C;
  // No penalty flag: LIBLINEAR's and scikit-learn's default, C = 1.
  if (!args.penalty_given) options.C = 1.0;
  options.tol = args.tol;
  if (args.class_weight) options.class_weights = parse_class_weight(*args.class_weight);
  if (resume) options = resume->options;  // a resumed run continues with its own options
  options.schedule = args.schedule == "constant"  ? logreg::Schedule::kConstant
                     : args.schedule == "optimal" ? logreg::Schedule::kOptimal
                                                  : logreg::Schedule::kInvScaling;
  options.adaptive = args.adaptive == "off"       ? logreg::Adaptive::kOff
                     : args.adaptive == "adagrad" ? logreg::Adaptive::kAdaGrad
                                                  : logreg::Adaptive::kNormalized;
  options.standardize = args.standardize == "on"    ? logreg::Standardize::kOn
                        : args.standardize == "off" ? logreg::Standardize::kOff
                                                    : logreg::Standardize::kAuto;
  if (!resume) options.shards = parse_shards(args.shards);
  if (auto status = logreg::validate(options); !status) throw CommandError{status.error().message()};

  std::optional<logreg::Model> init;
  if (args.init) init = read_model(*args.init);
  const std::string checkpoint_path = args.checkpoint.value_or(args.model + ".checkpoint");
  check_output_path(checkpoint_path);
  logreg::Dataset train_set = read_data(args.data, args.data_options);
  if (args.weights_file) train_set.weights = read_weights_file(*args.weights_file, train_set.rows());
  std::optional<logreg::Dataset> valid_set;
  if (args.valid) valid_set = read_data(*args.valid, args.data_options);
  const logreg::DataView valid_view = valid_set ? valid_set->view() : logreg::DataView{};

  const bool sgd = options.solver == logreg::Solver::kSgd;
  bool warned = false;
  // With --quiet no callback is passed, so SGD computes the training
  // objective only where early stopping needs it.
  const logreg::ProgressCallback progress = [&](const logreg::Progress& p) {
    if ((p.rising_epochs >= 3 || p.worse_than_start) && !warned) {
      warned = true;
      fmt::print(stderr, "warning: {}; the step size is probably too large (try a smaller --learning-rate)\n",
                 p.worse_than_start ? "the training loss is higher than at the start"
                                    : fmt::format("the training loss rose for {} epochs in a row", p.rising_epochs));
    }
    std::string line = sgd ? fmt::format("epoch {:>4}  train_loss {:.6f}", p.iteration, p.objective)
                           : fmt::format("iter {:>4}  objective {:.10g}  grad_norm {:.3e}", p.iteration, p.objective,
                                         p.gradient_norm.value_or(0.0));
    if (p.valid_loss) line += fmt::format("  valid_loss {:.6f}  valid_accuracy {:.4f}", *p.valid_loss, *p.valid_accuracy);
    line += sgd ? fmt::format("  lr {:.4g}", p.step) : fmt::format("  step {:.3e}", p.step);
    line += fmt::format("  time {:.3f}s\n", p.elapsed_seconds);
    std::fputs(line.c_str(), stderr);
  };
  logreg::TrainControl control;
  control.stop_requested = [] { return stop_signal != 0; };
  // --checkpoint-every N (epochs or iterations) or Ns (seconds).
  {
    const std::string& every = args.checkpoint_every;
    const bool seconds = !every.empty() && every.back() == 's';
    const std::string number = seconds ? every.substr(0, every.size() - 1) : every;
    double value = -1.0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec != std::errc() || end != number.data() + number.size() || !std::isfinite(value) || value < 0.0 ||
        (!seconds && value != std::floor(value))) {
      throw CommandError{"--checkpoint-every must be a number of epochs (e.g. 5) or seconds (e.g. 600s), not '" +
                         every + "'"};
    }
    if (seconds) {
      control.checkpoint_seconds = value;
    } else {
      control.checkpoint_every = static_cast<std::size_t>(value);
    }
  }
  control.resume = resume ? &*resume : nullptr;
  control.write_checkpoint = [&](const logreg::Checkpoint& checkpoint) {
    logreg::Status status = logreg::save_checkpoint(checkpoint, checkpoint_path);
    if (status && !args.quiet) {
      fmt::print(stderr, "checkpoint written to {} (continues at {} {})\n", checkpoint_path,
                 sgd ? "epoch" : "iteration", checkpoint.epoch);
    }
    return status;
  };
  install_stop_handlers();
  auto result = logreg::train(train_set.view(), valid_set ? &valid_view : nullptr, options,
                              args.quiet ? logreg::ProgressCallback{} : progress,
                              init ? &*init : nullptr, &control);
  if (!result) {
    // train() words divergence "training diverged ..." (train.hpp); anything
    // else it rejects is the input's or the options' fault.
    const bool diverged = result.error().reason().rfind("training diverged", 0) == 0;
    throw CommandError{args.data + ": " + result.error().message(), diverged ? kExitTraining : kExitInput};
  }
  logreg::Model model = std::move(result).value();
  if (model.report.stop_reason == logreg::StopReason::kInterrupted) {
    fmt::print(stderr,
               "interrupted: no model written; the checkpoint {} holds the run. Resume with:\n  logreg train {} -o {} "
               "--resume {}\n",
               checkpoint_path, args.data, args.model, checkpoint_path);
    return kExitInterrupted;
  }
  model.label_map = train_set.label_map;
  if (auto status = logreg::save_model(model, args.model); !status) throw CommandError{status.error().message()};
  if (!args.quiet) {
    fmt::print(stderr, "stopped after {} {} ({}), objective {:.10g}, {:.3f}s; model written to {}\n",
               model.report.iterations, sgd ? "epochs" : "iterations",
               logreg::stop_reason_name(model.report.stop_reason), model.report.objective, model.report.seconds,
               args.model);
  }
  return kExitOk;
}

// ---------------------------------------------------------------- predict

struct PredictArgs {
  std::string model;
  std::string data;
  std::optional<std::string> output;
  bool proba = false;
  std::optional<double> threshold;
  DataOptions data_options;
};

void apply_threshold(logreg::Model& model, const std::optional<double>& threshold) {
  if (!threshold) return;
  if (!(*threshold > 0.0 && *threshold < 1.0)) throw CommandError{"--threshold must be strictly between 0 and 1"};
  model.threshold = *threshold;
}

int run_predict(PredictArgs& args) {
  if (args.output) check_output_path(*args.output);
  logreg::Model model = read_model(args.model);
  apply_threshold(model, args.threshold);
  const logreg::Dataset data = read_data(args.data, args.data_options);
  const std::vector<double> margins = model.margins(data.view());
  std::string out;
  out.reserve(margins.size() * 8);
  for (double z : margins) {
    if (args.proba) {
      out += fmt::format("{}\n", logreg::Model::probability(z));
    } else {
      out += format_label(model.label_map.to_user(model.label(z)));
      out += '\n';
    }
  }
  write_output(args.output, out);
  return kExitOk;
}

// ---------------------------------------------------------------- eval

struct EvalArgs {
  std::string model;
  std::string data;
  bool json = false;
  std::optional<double> threshold;
  DataOptions data_options;
};

std::string number_or_null(const std::optional<double>& value) {
  return value ? fmt::format("{}", *value) : std::string("null");
}

double model_objective(const logreg::Model& model, const logreg::Dataset& data) {
  // Features of the data beyond the model's have weight 0 and do not move
  // the margins; the objective is taken over the model's parameters.
  std::vector<double> theta(data.num_features + 1, 0.0);
  std::copy_n(model.weights.begin(), std::min(model.weights.size(), data.num_features), theta.begin());
  theta.back() = model.bias;
  logreg::Objective objective(data.view(), model.loss,
                              logreg::Penalty{model.options.l2, model.options.l1, model.options.penalize_bias});
  double value = objective.value(theta);
  // Weights of features the data never reaches still count in the penalty.
  for (std::size_t j = data.num_features; j < model.weights.size(); ++j) {
    const double w = model.weights[j];
    value += 0.5 * model.options.l2 * w * w + model.options.l1 * std::fabs(w);
  }
  return value;
}

int run_eval(EvalArgs& args) {
  logreg::Model model = read_model(args.model);
  apply_threshold(model, args.threshold);
  const logreg::Dataset data = read_data(args.data, args.data_options);
  const std::vector<double> margins = model.margins(data.view());
  const logreg::BinaryMetrics m = logreg::compute_metrics(data.labels, margins, model.threshold);
  const auto& c = m.confusion;
  // The training objective with the model's own options, on this data
  // (unweighted), so solutions can be compared across tools.
  const double objective = model_objective(model, data);
  if (args.json) {
    fmt::print(
        "{{\"n\": {}, \"accuracy\": {}, \"precision\": {}, \"recall\": {}, \"f1\": {}, \"log_loss\": {}, "
        "\"brier\": {}, \"auc\": {}, \"objective\": {}, \"threshold\": {}, \"confusion\": {{\"tp\": {}, "
        "\"fp\": {}, \"tn\": {}, \"fn\": {}}}}}\n",
        m.n, m.accuracy, m.precision, m.recall, m.f1, m.log_loss, m.brier, number_or_null(m.auc), objective,
        model.threshold, c.true_positives, c.false_positives, c.true_negatives, c.false_negatives);
    return kExitOk;
  }
  const std::string positive = format_label(model.label_map.positive);
  const std::string negative = format_label(model.label_map.negative);
  fmt::print("examples   {}\n", m.n);
  fmt::print("accuracy   {:.6f}\n", m.accuracy);
  fmt::print("precision  {:.6f}\n", m.precision);
  fmt::print("recall     {:.6f}\n", m.recall);
  fmt::print("f1         {:.6f}\n", m.f1);
  fmt::print("log_loss   {:.6f}\n", m.log_loss);
  fmt::print("brier      {:.6f}\n", m.brier);
  fmt::print("objective  {:.10g}  ({} loss, l2 {:g}, l1 {:g}{})\n", objective, logreg::loss_name(model.loss),
             model.options.l2, model.options.l1, model.options.penalize_bias ? ", bias penalised" : "");
  fmt::print("auc        {}\n", m.auc ? fmt::format("{:.6f}", *m.auc) : std::string("undefined (one class only)"));
  fmt::print("confusion matrix (rows: true label, columns: predicted label)\n");
  const std::size_t width = std::max<std::size_t>({positive.size(), negative.size(), 6});
  fmt::print("  {:>{}} {:>10} {:>10}\n", "", width, negative, positive);
  fmt::print("  {:>{}} {:>10} {:>10}\n", negative, width, c.true_negatives, c.false_positives);
  fmt::print("  {:>{}} {:>10} {:>10}\n", positive, width, c.false_negatives, c.true_positives);
  return kExitOk;
}

// ---------------------------------------------------------------- gradcheck

struct GradcheckArgs {
  std::string data;
  std::string loss = "bce";
  double l2 = 0.0;
  std::uint64_t seed = 1;
  std::size_t points = 5;
  double tolerance = 1e-6;
  DataOptions data_options;
};

int run_gradcheck(GradcheckArgs& args) {
  if (!std::isfinite(args.l2) || args.l2 < 0) throw CommandError{"--l2 must be a finite number >= 0"};
  const logreg::Dataset data = read_data(args.data, args.data_options);
  const logreg::Loss loss = args.loss == "se" ? logreg::Loss::kSquaredError : logreg::Loss::kCrossEntropy;
  logreg::Objective objective(data.view(), loss, args.l2);
  // Random points whose margins range from about 0.1 to 10 in size: each
  // weight is uniform in [-s, s] / (largest |x_j| * sqrt(nnz per row)).
  std::vector<double> column_max(objective.dimension(), 1.0);
  for (std::size_t k = 0; k < data.nonzeros(); ++k) {
    column_max[data.indices[k]] = std::max(column_max[data.indices[k]], std::fabs(data.values[k]));
  }
  const double per_row = std::sqrt(std::max(1.0, static_cast<double>(data.nonzeros()) /
                                                     static_cast<double>(std::max<std::size_t>(1, data.rows()))));
  std::uint64_t state = args.seed * 0x9e3779b97f4a7c15ULL + 1;
  auto uniform = [&state] {  // SplitMix64, enough for test points
    state += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
  };
  double worst = 0.0;
  std::vector<double> theta(objective.dimension());
  for (std::size_t p = 0; p < args.points; ++p) {
    const double spread = std::pow(10.0, -1.0 + 2.0 * static_cast<double>(p) / static_cast<double>(std::max<std::size_t>(1, args.points - 1)));
    for (std::size_t j = 0; j < theta.size(); ++j) theta[j] = spread * (2 * uniform() - 1) / (column_max[j] * per_row);
    const double error = logreg::gradient_check(objective, theta);
    fmt::print("point {}  scale {:.3g}  relative error {:.3e}\n", p + 1, spread, error);
    worst = std::max(worst, error);
  }
  const bool pass = worst <= args.tolerance;
  fmt::print("largest relative error {:.3e} ({} {:.0e})\n", worst, pass ? "ok, below" : "FAILED, above", args.tolerance);
  return pass ? kExitOk : kExitCheckFailed;
}

// ---------------------------------------------------------------- info

struct InfoArgs {
  std::string data;
  DataOptions data_options;
};

int run_info(InfoArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  bool from_cache = false;
  const logreg::Dataset data = read_data(args.data, args.data_options, &from_cache);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::size_t positives = 0;
  for (double y : data.labels) positives += y > 0.5 ? 1 : 0;
  const double density = data.rows() && data.num_features
                             ? static_cast<double>(data.nonzeros()) /
                                   (static_cast<double>(data.rows()) * static_cast<double>(data.num_features))
                             : 0.0;
  fmt::print("file       {}\n", args.data);
  fmt::print("rows       {}\n", data.rows());
  fmt::print("features   {}\n", data.num_features);
  fmt::print("nonzeros   {} ({:.2f} per row, density {:.4f})\n", data.nonzeros(),
             data.rows() ? static_cast<double>(data.nonzeros()) / static_cast<double>(data.rows()) : 0.0, density);
  fmt::print("labels     {}: {}, {}: {}\n", format_label(data.label_map.negative), data.rows() - positives,
             format_label(data.label_map.positive), positives);
  fmt::print("read time  {:.3f}s{}\n", seconds,
             args.data_options.cache ? (from_cache ? " (from the cache)" : " (parsed; cache written)") : "");
  return kExitOk;
}

/// The first word of argv that names one of `commands` (empty when none
/// does). The options before it are the app's own (--threads N, --help,
/// --version), none of whose values can be a command's name.
std::string_view named_command(int argc, char** argv, std::initializer_list<std::string_view> commands) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    for (std::string_view command : commands) {
      if (word == command) return command;
    }
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"logreg: binary logistic regression (a sigmoid neuron trained by gradient descent)", "logreg"};
  app.set_version_flag("--version", std::string("logreg ") + logreg::kVersion);
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  logreg train data/heart_scale/train.svm -o model.json\n"
      "  logreg eval model.json data/heart_scale/test.svm\n"
      "  logreg <command> --help\n"
      "Exit codes: 0 ok, 1 gradient check failed, 2 usage or input error, 3 training diverged,\n"
      "4 interrupted (checkpoint written).");

  int threads = 0;
  app.add_option("--threads", threads,
                 "Threads for full-batch solvers, prediction and evaluation (default: all cores); results are "
                 "identical for any count")
      ->check(CLI::NonNegativeNumber);

  // Only the options of the command that argv names are built (all of them
  // when it names none, for `logreg --help` and usage errors): CLI11 checks
  // each new option's names against all its command's options, and building
  // every command's took a twentieth of a small fit's run.
  const std::string_view named = named_command(argc, argv, {"train", "predict", "eval", "gradcheck", "info"});
  const auto wanted = [&named](std::string_view name) { return named.empty() || named == name; };

  TrainArgs train;
  auto* train_cmd = app.add_subcommand("train", "Train a model and write it as JSON");
  CLI::Option* l2_option = nullptr;
  CLI::Option* l1_option = nullptr;
  CLI::Option* c_option = nullptr;
  if (wanted("train")) {
    train_cmd->add_option("DATA", train.data, "Training data (LIBSVM or CSV)")->required();
    train_cmd->add_option("-o,--output", train.model, "Model file to write (atomically)")->required();
    train_cmd->add_option("--loss", train.loss, "bce: cross-entropy; se: squared error (sigmoid(z) - y)^2")
        ->check(CLI::IsMember({"bce", "se"}))
        ->capture_default_str();
    train_cmd->add_option("--solver", train.solver,
                          "sgd: stochastic/mini-batch; gd: full-batch gradient descent; lbfgs: L-BFGS (OWL-QN with "
                          "--l1); newton: trust-region Newton-CG")
        ->check(CLI::IsMember({"sgd", "gd", "lbfgs", "newton"}))
        ->capture_default_str();
    train_cmd->add_option("--epochs", train.options.epochs, "Passes over the data at most")->capture_default_str();
    train_cmd->add_option("--batch-size", train.options.batch_size, "Examples per update (1: SGD, n: full batch)")
        ->capture_default_str();
    train_cmd->add_option("--learning-rate", train.options.learning_rate, "eta0 of the constant/invscaling schedules")
        ->capture_default_str();
    train_cmd->add_option("--schedule", train.schedule,
                          "constant: eta0; invscaling: eta0/t^power_t; optimal: 1/(l2 (t0+t-1)) (needs --l2); multiplies the per-coordinate steps")
        ->check(CLI::IsMember({"constant", "invscaling", "optimal"}))
        ->capture_default_str();
    train_cmd->add_option("--power-t", train.options.power_t, "Exponent of invscaling")->capture_default_str();
    train_cmd->add_option("--adaptive", train.adaptive,
                          "Per-coordinate SGD steps: normalized (scale-invariant, VW-style), adagrad, off (the note's SGD)")
        ->check(CLI::IsMember({"off", "adagrad", "normalized"}))
        ->capture_default_str();
    train_cmd->add_flag("--average,!--no-average", train.options.average,
                        "SGD: Polyak-Ruppert averaging of the iterates from epoch --average-start on (default on)");
    train_cmd->add_option("--average-start", train.options.average_start,
                          "SGD: first epoch averaged (1: from the first update; the last epoch when there are fewer)")
        ->capture_default_str();
    train_cmd->add_option("--shards", train.shards,
                          "SGD: learn from K shards of each epoch in parallel, mixed at its end (1: sequential; auto: 2 "
                          "from 2^22 non-zeros, else 1); the result depends on K, not on --threads")
        ->capture_default_str();
    train_cmd->add_option("--standardize", train.standardize,
                          "SGD: centre and scale dense columns, scale sparse ones (auto: when dense columns are uncentred or scales differ >10x)")
        ->check(CLI::IsMember({"auto", "on", "off"}))
        ->capture_default_str();
    l2_option =
        train_cmd->add_option("--l2", train.options.l2, "L2 penalty: objective = mean loss + (l2/2)||w||^2 + l1||w||_1");
    l1_option = train_cmd->add_option("--l1", train.options.l1, "L1 penalty l1 ||w||_1 (solvers lbfgs, gd, sgd)");
    c_option = train_cmd->add_option(
        "--C", train.C,
        "LIBLINEAR's C: sets l2 = (1 - r)/(C sum c) and l1 = r/(C sum c), r = --l1-ratio (default 1 when neither --l2 nor --l1 is given)");
    train_cmd->add_option("--l1-ratio", train.options.l1_ratio, "With --C: share of L1 in the penalty (0: L2, 1: L1)")
        ->capture_default_str();
    train_cmd->add_flag("--penalize-bias", train.options.penalize_bias,
                        "Penalise the bias like a weight (LIBLINEAR's -B 1 convention)");
    train_cmd->add_option("--max-iter", train.options.max_iter, "Full-batch solvers: iterations at most")
        ->capture_default_str();
    train_cmd->add_option("--class-weight", train.class_weight,
                          "balanced (n / (2 n_class)) or W0,W1: multiply each example's weight by its class's");
    train_cmd->add_option("--weights", train.weights_file, "Per-example weights, one per line, for any data format (CSV can use --weight-column)");
    train_cmd->add_option("--init", train.init, "Warm start from this model file");
    train_cmd->add_option("--checkpoint", train.checkpoint,
                          "Checkpoint file (default MODEL.checkpoint), written atomically on SIGINT/SIGTERM and every "
                          "--checkpoint-every epochs");
    train_cmd->add_option("--checkpoint-every", train.checkpoint_every,
                          "Write a checkpoint every N epochs (SGD) or iterations, or every Ns seconds (e.g. 600s); "
                          "0: only when interrupted")
        ->capture_default_str();
    train_cmd->add_option("--resume", train.resume,
                          "Continue from a checkpoint with its options; SGD ends bit-identical to an uninterrupted run");
    train_cmd->add_option("--seed", train.options.seed, "Seed of the per-epoch shuffle")->capture_default_str();
    train_cmd->add_option("--valid", train.valid, "Validation data, monitored each epoch (drives early stopping)");
    train_cmd->add_option("--tol", train.tol,
                          "sgd: stop when the loss improves by less than this for --n-iter-no-change epochs (default "
                          "1e-4, 0: never); others: stop when ||grad|| <= tol ||grad at w = 0|| (default LIBLINEAR's "
                          "0.01 min(#pos,#neg)/n)");
    train_cmd->add_option("--n-iter-no-change", train.options.n_iter_no_change, "Epochs without improvement")
        ->capture_default_str();
    train_cmd->add_flag("-q,--quiet", train.quiet, "No progress lines");
    add_data_options(train_cmd, train.data_options);
    add_weight_column_option(train_cmd, train.data_options);
    train_cmd->footer(
        "Examples:\n"
        "  logreg train train.svm -o model.json\n"
        "  logreg train train.svm -o model.json --loss se --epochs 50 --learning-rate 0.5\n"
        "  logreg train train.csv -o model.json --label-column outcome --valid test.csv\n"
        "  logreg train train.svm -o model.json --l2 1e-3 --schedule optimal --batch-size 32\n"
        "  logreg train train.svm -o model.json --solver newton --C 1 --penalize-bias\n"
        "  logreg train train.svm -o model.json --solver lbfgs --C 1 --l1-ratio 1\n"
        "  logreg train train.csv -o model.json --solver lbfgs --C 10 --weight-column w --class-weight balanced");
  }

  PredictArgs predict;
  auto* predict_cmd = app.add_subcommand("predict", "Print one prediction per example");
  if (wanted("predict")) {
    predict_cmd->add_option("MODEL", predict.model, "Model file")->required();
    predict_cmd->add_option("DATA", predict.data, "Data (LIBSVM or CSV)")->required();
    predict_cmd->add_option("-o,--output", predict.output, "Write predictions here (atomically) instead of stdout");
    predict_cmd->add_flag("--proba", predict.proba, "Print the probability of the positive class instead of a label");
    predict_cmd->add_option("--threshold", predict.threshold, "Predict the positive label when sigmoid(z) >= T (default 0.5)");
    add_data_options(predict_cmd, predict.data_options);
    predict_cmd->footer(
        "Examples:\n"
        "  logreg predict model.json test.svm\n"
        "  logreg predict model.json test.svm --proba -o probabilities.txt\n"
        "  logreg predict model.json test.csv --threshold 0.3");
  }

  EvalArgs eval;
  auto* eval_cmd = app.add_subcommand("eval", "Print accuracy, precision, recall, F1, log-loss, Brier, AUC");
  if (wanted("eval")) {
    eval_cmd->add_option("MODEL", eval.model, "Model file")->required();
    eval_cmd->add_option("DATA", eval.data, "Labelled data (LIBSVM or CSV)")->required();
    eval_cmd->add_flag("--json", eval.json, "One JSON object on stdout");
    eval_cmd->add_option("--threshold", eval.threshold, "Decision threshold on sigmoid(z) (default 0.5)");
    add_data_options(eval_cmd, eval.data_options);
    eval_cmd->footer(
        "Examples:\n"
        "  logreg eval model.json test.svm\n"
        "  logreg eval model.json test.svm --json");
  }

  GradcheckArgs gradcheck;
  auto* gradcheck_cmd = app.add_subcommand("gradcheck", "Check analytic gradients against finite differences");
  if (wanted("gradcheck")) {
    gradcheck_cmd->add_option("DATA", gradcheck.data, "Data (LIBSVM or CSV)")->required();
    gradcheck_cmd->add_option("--loss", gradcheck.loss, "bce or se")->check(CLI::IsMember({"bce", "se"}))->capture_default_str();
    gradcheck_cmd->add_option("--l2", gradcheck.l2, "L2 penalty")->capture_default_str();
    gradcheck_cmd->add_option("--seed", gradcheck.seed, "Seed of the random points")->capture_default_str();
    gradcheck_cmd->add_option("--points", gradcheck.points, "Number of random points")->capture_default_str();
    gradcheck_cmd->add_option("--tolerance", gradcheck.tolerance, "Largest accepted relative error")->capture_default_str();
    add_data_options(gradcheck_cmd, gradcheck.data_options);
    gradcheck_cmd->footer(
        "Examples:\n"
        "  logreg gradcheck train.svm\n"
        "  logreg gradcheck train.svm --loss se --l2 0.01");
  }

  InfoArgs info;
  auto* info_cmd = app.add_subcommand("info", "Print rows, features, non-zeros, label counts and read time");
  if (wanted("info")) {
    info_cmd->add_option("DATA", info.data, "Data (LIBSVM or CSV)")->required();
    add_data_options(info_cmd, info.data_options);
    info_cmd->footer("Examples:\n  logreg info train.svm\n  logreg info train.csv --label-column outcome");
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitInput;
  }

  if (threads > 0) omp_set_num_threads(threads);
  if (l2_option != nullptr) train.penalty_given = l2_option->count() + l1_option->count() + c_option->count() > 0;
  try {
    if (train_cmd->parsed()) return run_train(train);
    if (predict_cmd->parsed()) return run_predict(predict);
    if (eval_cmd->parsed()) return run_eval(eval);
    if (gradcheck_cmd->parsed()) return run_gradcheck(gradcheck);
    if (info_cmd->parsed()) return run_info(info);
  } catch (const CommandError& e) {
    fmt::print(stderr, "logreg: error: {}\n", e.message);
    return e.code;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "logreg: error: out of memory\n");
    return kExitInput;
  }
  return kExitInput;
}
