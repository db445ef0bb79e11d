// libFuzzer target: model files (JSON) on arbitrary bytes. A model that
// loads must be well-formed (finite numbers, threshold in (0, 1), as many
// weights as num_features) and must survive model_to_json -> model_from_json
// unchanged.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "logreg/model.hpp"
#include "logreg/model_io.hpp"

namespace {

using logreg::fuzz::fail;

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void check_model(const logreg::Model& model) {
  for (std::size_t k = 0; k < model.weights.size(); ++k) {
    if (!std::isfinite(model.weights[k])) fail("non-finite weight", std::to_string(k));
  }
  if (!std::isfinite(model.bias)) fail("non-finite bias", "");
  if (!(model.threshold > 0.0 && model.threshold < 1.0)) fail("threshold outside (0, 1)", std::to_string(model.threshold));
  if (model.options.loss != model.loss) fail("options.loss differs from loss", "");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const logreg::Result<logreg::Model> result = logreg::model_from_json(text, "fuzz.json");
  if (!result.ok()) {
    logreg::fuzz::check_error(result.error());
    return 0;
  }
  const logreg::Model& model = result.value();
  check_model(model);

  const std::string written = logreg::model_to_json(model);
  const logreg::Result<logreg::Model> again = logreg::model_from_json(written, "written.json");
  if (!again.ok()) fail("a loaded model, written back, does not load", again.error().message());
  const logreg::Model& copy = again.value();
  if (copy.weights.size() != model.weights.size()) fail("round trip changed the number of weights", "");
  for (std::size_t k = 0; k < model.weights.size(); ++k) {
    if (!same_bits(copy.weights[k], model.weights[k])) fail("round trip changed a weight", std::to_string(k));
  }
  if (!same_bits(copy.bias, model.bias)) fail("round trip changed the bias", "");
  if (!same_bits(copy.threshold, model.threshold)) fail("round trip changed the threshold", "");
  if (copy.loss != model.loss) fail("round trip changed the loss", "");
  if (!same_bits(copy.label_map.negative, model.label_map.negative) ||
      !same_bits(copy.label_map.positive, model.label_map.positive)) {
    fail("round trip changed the label map", "");
  }
  if (logreg::model_to_json(copy) != written) fail("second write differs from the first", written);
  return 0;
}
