// libFuzzer target: the LIBSVM reader on arbitrary bytes; parsing the same
// bytes cut into tiny ranges (the parallel path) must give the same result.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "logreg/data_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  logreg::ReadOptions options;
  options.format = logreg::DataFormat::kLibsvm;
  const logreg::Result<logreg::Dataset> result = logreg::parse_dataset(text, "fuzz.svm", options);
  logreg::fuzz::check_read(result);
  logreg::fuzz::check_same_with_small_ranges(text, "fuzz.svm", options, result);
  if (result.ok()) {
    const logreg::Dataset& ds = result.value();
    // LIBSVM data has no weights and no feature names; num_features is the
    // largest index seen, so every column below it may be empty but none above.
    if (!ds.weights.empty()) logreg::fuzz::fail("LIBSVM data with weights", "");
    if (!ds.feature_names.empty()) logreg::fuzz::fail("LIBSVM data with feature names", "");
  }
  return 0;
}
