// Model files: see docs/formats.md for the fields.
#include "logreg/model_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "logreg/version.hpp"

namespace logreg {
namespace {

using nlohmann::json;

constexpr const char* kFormatName = "logreg-model";

json optional_number(const std::optional<double>& value) { return value ? json(*value) : json(nullptr); }

json class_weights_to_json(const ClassWeights& cw) {
  switch (cw.mode) {
    case ClassWeights::Mode::kNone: return "none";
    case ClassWeights::Mode::kBalanced: return "balanced";
    case ClassWeights::Mode::kGiven: return json::array({cw.negative, cw.positive});
  }
  return "none";
}

json options_to_json(const TrainOptions& o) {
  return json{{"solver", solver_name(o.solver)},
              {"l2", o.l2},
              {"l1", o.l1},
              {"penalize_bias", o.penalize_bias},
              {"C", optional_number(o.C)},
              {"l1_ratio", o.l1_ratio},
              {"class_weight", class_weights_to_json(o.class_weights)},
              {"epochs", o.epochs},
              {"max_iter", o.max_iter},
              {"tol", optional_number(o.tol)},
              {"n_iter_no_change", o.n_iter_no_change},
              {"batch_size", o.batch_size},
              {"learning_rate", o.learning_rate},
              {"schedule", schedule_name(o.schedule)},
              {"power_t", o.power_t},
              {"adaptive", adaptive_name(o.adaptive)},
              {"average", o.average},
              {"average_start", o.average_start},
              {"shards", o.shards},
              {"standardize", standardize_name(o.standardize)},
              {"seed", o.seed},
              {"lbfgs_memory", o.lbfgs_memory}};
}

json report_to_json(const TrainReport& r) {
  return json{{"iterations", r.iterations},
              {"updates", r.updates},
              {"objective", r.objective},
              {"gradient_norm", optional_number(r.gradient_norm)},
              {"valid_loss", optional_number(r.valid_loss)},
              {"stop_reason", stop_reason_name(r.stop_reason)},
              {"seconds", r.seconds},
              {"train_rows", r.train_rows}};
}

// Thrown inside model_from_json only, turned into an Error at its boundary.
struct FormatProblem {
  std::string reason;
};

const json& require(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) throw FormatProblem{std::string("missing field \"") + key + "\""};
  return *it;
}

double finite_number(const json& value, const std::string& what) {
  if (!value.is_number()) throw FormatProblem{what + " is not a number"};
  const double x = value.get<double>();
  if (!std::isfinite(x)) throw FormatProblem{what + " is not finite"};
  return x;
}

template <typename Enum>
Enum enum_from(const json& value, const std::string& what, std::initializer_list<Enum> choices,
               std::string_view (*name)(Enum)) {
  if (!value.is_string()) throw FormatProblem{what + " is not a string"};
  const auto text = value.get<std::string>();
  for (Enum choice : choices) {
    if (name(choice) == text) return choice;
  }
  // dump() quotes the value as JSON, escaping control characters: the message stays one line.
  throw FormatProblem{what + " has unknown value " + value.dump()};
}

std::size_t count_from(const json& value, const std::string& what) {
  if (!value.is_number_unsigned()) throw FormatProblem{what + " is not a non-negative integer"};
  return value.get<std::size_t>();
}

std::optional<double> optional_finite(const json& object, const char* key, const std::string& what) {
  if (!object.contains(key) || object[key].is_null()) return std::nullopt;
  return finite_number(object[key], what);
}

bool boolean(const json& value, const std::string& what) {
  if (!value.is_boolean()) throw FormatProblem{what + " is not true or false"};
  return value.get<bool>();
}

ClassWeights class_weights_from_json(const json& value) {
  ClassWeights cw;
  if (value.is_string() && value.get<std::string>() == "none") return cw;
  if (value.is_string() && value.get<std::string>() == "balanced") {
    cw.mode = ClassWeights::Mode::kBalanced;
    return cw;
  }
  if (value.is_array() && value.size() == 2) {
    cw.mode = ClassWeights::Mode::kGiven;
    cw.negative = finite_number(value[0], "options.class_weight[0]");
    cw.positive = finite_number(value[1], "options.class_weight[1]");
    return cw;
  }
  throw FormatProblem{"options.class_weight is not \"none\", \"balanced\" or [w0, w1]"};
}

// Options are optional field by field, so older files and hand-written ones
// load; what is present must be well-formed.
TrainOptions options_from_json(const json& j) {
  TrainOptions o;
  if (!j.is_object()) throw FormatProblem{"\"options\" is not an object"};
  if (j.contains("solver")) {
    o.solver = enum_from(j["solver"], "options.solver", {Solver::kSgd, Solver::kGd, Solver::kLbfgs, Solver::kNewton},
                         solver_name);
  }
  if (j.contains("l2")) o.l2 = finite_number(j["l2"], "options.l2");
  if (j.contains("l1")) o.l1 = finite_number(j["l1"], "options.l1");
  if (j.contains("penalize_bias")) o.penalize_bias = boolean(j["penalize_bias"], "options.penalize_bias");
  o.C = optional_finite(j, "C", "options.C");
  if (j.contains("l1_ratio")) o.l1_ratio = finite_number(j["l1_ratio"], "options.l1_ratio");
  if (j.contains("class_weight")) o.class_weights = class_weights_from_json(j["class_weight"]);
  if (j.contains("epochs")) o.epochs = count_from(j["epochs"], "options.epochs");
  if (j.contains("max_iter")) o.max_iter = count_from(j["max_iter"], "options.max_iter");
  o.tol = optional_finite(j, "tol", "options.tol");
  if (j.contains("n_iter_no_change")) o.n_iter_no_change = count_from(j["n_iter_no_change"], "options.n_iter_no_change");
  if (j.contains("batch_size")) o.batch_size = count_from(j["batch_size"], "options.batch_size");
  if (j.contains("learning_rate")) o.learning_rate = finite_number(j["learning_rate"], "options.learning_rate");
  if (j.contains("schedule")) {
    o.schedule = enum_from(j["schedule"], "options.schedule",
                           {Schedule::kConstant, Schedule::kInvScaling, Schedule::kOptimal}, schedule_name);
  }
  if (j.contains("power_t")) o.power_t = finite_number(j["power_t"], "options.power_t");
  if (j.contains("adaptive")) {
    o.adaptive = enum_from(j["adaptive"], "options.adaptive",
                           {Adaptive::kOff, Adaptive::kAdaGrad, Adaptive::kNormalized}, adaptive_name);
  }
  if (j.contains("average")) o.average = boolean(j["average"], "options.average");
  // Files written before average_start existed averaged from the first update.
  o.average_start = j.contains("average_start") ? count_from(j["average_start"], "options.average_start") : 1;
  // Files written before shards existed ran sequential SGD.
  o.shards = j.contains("shards") ? count_from(j["shards"], "options.shards") : 1;
  if (j.contains("standardize")) {
    o.standardize = enum_from(j["standardize"], "options.standardize",
                              {Standardize::kAuto, Standardize::kOn, Standardize::kOff}, standardize_name);
  }
  if (j.contains("seed")) o.seed = count_from(j["seed"], "options.seed");
  if (j.contains("lbfgs_memory")) o.lbfgs_memory = count_from(j["lbfgs_memory"], "options.lbfgs_memory");
  return o;
}

TrainReport report_from_json(const json& j) {
  TrainReport r;
  if (!j.is_object()) throw FormatProblem{"\"training\" is not an object"};
  if (j.contains("iterations")) r.iterations = count_from(j["iterations"], "training.iterations");
  if (j.contains("updates")) r.updates = count_from(j["updates"], "training.updates");
  if (j.contains("objective")) r.objective = finite_number(j["objective"], "training.objective");
  r.gradient_norm = optional_finite(j, "gradient_norm", "training.gradient_norm");
  r.valid_loss = optional_finite(j, "valid_loss", "training.valid_loss");
  if (j.contains("stop_reason")) {
    r.stop_reason = enum_from(j["stop_reason"], "training.stop_reason",
                              {StopReason::kMaxEpochs, StopReason::kConverged, StopReason::kGradientTolerance,
                               StopReason::kMaxIterations, StopReason::kNoProgress, StopReason::kInterrupted},
                              stop_reason_name);
  }
  if (j.contains("seconds")) r.seconds = finite_number(j["seconds"], "training.seconds");
  if (j.contains("train_rows")) r.train_rows = count_from(j["train_rows"], "training.train_rows");
  return r;
}

}  // namespace

std::string model_to_json(const Model& model) {
  json j;
  j["format"] = kFormatName;
  j["format_version"] = kModelFormatVersion;
  j["logreg_version"] = kVersion;
  j["loss"] = loss_name(model.loss);
  j["num_features"] = model.weights.size();
  j["labels"] = json{{"negative", model.label_map.negative}, {"positive", model.label_map.positive}};
  j["threshold"] = model.threshold;
  j["bias"] = model.bias;
  j["weights"] = model.weights;
  j["options"] = options_to_json(model.options);
  j["training"] = report_to_json(model.report);
  // nlohmann writes doubles with a round-trip (Grisu2) algorithm: reading the
  // text back gives the same bits.
  return j.dump(1) + "\n";
}

Result<Model> model_from_json(std::string_view text, const std::string& name) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error(name, "not a logreg model: invalid or truncated JSON");
  try {
    if (!j.is_object()) throw FormatProblem{"not a logreg model: top level is not an object"};
    const json& format = require(j, "format");
    if (!format.is_string() || format.get<std::string>() != kFormatName) {
      throw FormatProblem{"not a logreg model: \"format\" is not \"logreg-model\""};
    }
    const json& version = require(j, "format_version");
    if (!version.is_number_integer()) throw FormatProblem{"\"format_version\" is not an integer"};
    if (version.get<long long>() < 1 || version.get<long long>() > kModelFormatVersion) {
      throw FormatProblem{"unsupported format_version " + version.dump() + " (this logreg reads 1 to " +
                          std::to_string(kModelFormatVersion) + ")"};
    }
    Model model;
    model.loss = enum_from(require(j, "loss"), "\"loss\"", {Loss::kCrossEntropy, Loss::kSquaredError}, loss_name);
    const std::size_t d = count_from(require(j, "num_features"), "\"num_features\"");
    const json& weights = require(j, "weights");
    if (!weights.is_array()) throw FormatProblem{"\"weights\" is not an array"};
    if (weights.size() != d) {
      throw FormatProblem{"\"weights\" has " + std::to_string(weights.size()) + " entries but \"num_features\" is " +
                          std::to_string(d)};
    }
    model.weights.reserve(d);
    for (std::size_t k = 0; k < d; ++k) model.weights.push_back(finite_number(weights[k], "weights[" + std::to_string(k) + "]"));
    model.bias = finite_number(require(j, "bias"), "\"bias\"");
    const json& labels = require(j, "labels");
    if (!labels.is_object()) throw FormatProblem{"\"labels\" is not an object"};
    model.label_map.negative = finite_number(require(labels, "negative"), "labels.negative");
    model.label_map.positive = finite_number(require(labels, "positive"), "labels.positive");
    if (j.contains("threshold")) {
      model.threshold = finite_number(j["threshold"], "\"threshold\"");
      if (!(model.threshold > 0.0 && model.threshold < 1.0)) throw FormatProblem{"\"threshold\" is not in (0, 1)"};
    }
    if (j.contains("options")) model.options = options_from_json(j["options"]);
    model.options.loss = model.loss;
    if (j.contains("training")) model.report = report_from_json(j["training"]);
    return model;
  } catch (const FormatProblem& problem) {
    return Error(name, problem.reason);
  } catch (const json::exception& e) {
    return Error(name, std::string("not a valid logreg model: ") + e.what());
  }
}

namespace {

constexpr const char* kCheckpointFormat = "logreg-checkpoint";

json scalar_to_json(double x) {
  if (std::isfinite(x)) return x;
  if (std::isnan(x)) return "nan";
  return x > 0 ? "inf" : "-inf";
}

double scalar_from_json(const json& value, const std::string& what) {
  if (value.is_string()) {
    const auto text = value.get<std::string>();
    if (text == "inf") return std::numeric_limits<double>::infinity();
    if (text == "-inf") return -std::numeric_limits<double>::infinity();
    if (text == "nan") return std::numeric_limits<double>::quiet_NaN();
  }
  if (!value.is_number()) throw FormatProblem{what + " is not a number"};
  return value.get<double>();
}

std::string read_whole_file(const std::string& path, const char* what, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::string("cannot open ") + what + ": " + std::strerror(errno);
    return {};
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

std::string checkpoint_to_json(const Checkpoint& c) {
  json j;
  j["format"] = kCheckpointFormat;
  j["format_version"] = 1;
  j["logreg_version"] = kVersion;
  j["loss"] = loss_name(c.options.loss);
  j["options"] = options_to_json(c.options);
  j["epoch"] = c.epoch;
  j["position"] = c.position;
  j["rows"] = c.rows;
  j["features"] = c.features;
  json scalars = json::object();
  for (const auto& [name, x] : c.scalars) scalars[name] = scalar_to_json(x);
  j["scalars"] = scalars;
  json vectors = json::object();
  for (const auto& [name, v] : c.vectors) vectors[name] = v;
  j["vectors"] = vectors;
  return j.dump() + "\n";
}

Result<Checkpoint> checkpoint_from_json(std::string_view text, const std::string& name) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error(name, "not a logreg checkpoint: invalid or truncated JSON");
  try {
    if (!j.is_object() || !j.contains("format") || j["format"] != kCheckpointFormat) {
      throw FormatProblem{"not a logreg checkpoint"};
    }
    if (require(j, "format_version") != 1) throw FormatProblem{"unsupported checkpoint format_version"};
    Checkpoint c;
    c.options = options_from_json(require(j, "options"));
    c.options.loss = enum_from(require(j, "loss"), "\"loss\"", {Loss::kCrossEntropy, Loss::kSquaredError}, loss_name);
    c.epoch = count_from(require(j, "epoch"), "\"epoch\"");
    c.position = count_from(require(j, "position"), "\"position\"");
    c.rows = count_from(require(j, "rows"), "\"rows\"");
    c.features = count_from(require(j, "features"), "\"features\"");
    for (const auto& [key, value] : require(j, "scalars").items()) c.scalars[key] = scalar_from_json(value, key);
    for (const auto& [key, value] : require(j, "vectors").items()) {
      if (!value.is_array()) throw FormatProblem{"vectors." + key + " is not an array"};
      std::vector<double> v;
      v.reserve(value.size());
      for (const auto& x : value) v.push_back(finite_number(x, "vectors." + key));
      c.vectors[key] = std::move(v);
    }
    return c;
  } catch (const FormatProblem& problem) {
    return Error(name, problem.reason);
  } catch (const json::exception& e) {
    return Error(name, std::string("not a valid logreg checkpoint: ") + e.what());
  }
}

Status save_checkpoint(const Checkpoint& checkpoint, const std::string& path) {
  return write_file_atomically(path, checkpoint_to_json(checkpoint), Sync::kYes);
}

Result<Checkpoint> load_checkpoint(const std::string& path) {
  std::string error;
  const std::string text = read_whole_file(path, "checkpoint", error);
  if (!error.empty()) return Error(path, error);
  return checkpoint_from_json(text, path);
}

Status write_file_atomically(const std::string& path, std::string_view contents, Sync sync) {
  std::string pattern = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) return Error(path, std::string("cannot create a file there: ") + std::strerror(errno));
  const auto fail = [&](const char* what) {
    const int saved = errno;
    ::close(fd);
    ::unlink(pattern.c_str());
    return Status(Error(path, std::string(what) + std::strerror(saved)));
  };
  const char* data = contents.data();
  std::size_t left = contents.size();
  while (left > 0) {
    const ssize_t written = ::write(fd, data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write: ");
    }
    data += written;
    left -= static_cast<std::size_t>(written);
  }
  // Readable like any file the user creates (mkstemp makes it 0600).
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, static_cast<mode_t>(0666) & ~mask);
  if (sync == Sync::kYes && ::fsync(fd) != 0) return fail("cannot flush: ");
  if (::close(fd) != 0) {
    const int saved = errno;
    ::unlink(pattern.c_str());
    return Error(path, std::string("cannot close: ") + std::strerror(saved));
  }
  if (std::rename(pattern.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(pattern.c_str());
    return Error(path, std::string("cannot rename into place: ") + std::strerror(saved));
  }
  return {};
}

Status save_model(const Model& model, const std::string& path) {
  return write_file_atomically(path, model_to_json(model));
}

Result<Model> load_model(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(path, std::string("cannot open model: ") + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return Error(path, "cannot read model");
  return model_from_json(buffer.str(), path);
}

}  // namespace logreg
