// libFuzzer target: the CSV reader on arbitrary bytes, default options
// (label column "label" or the first, comma delimiter, no weights); parsing
// the same bytes cut into tiny ranges must give the same result.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "logreg/data_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  logreg::ReadOptions options;
  options.format = logreg::DataFormat::kCsv;
  const logreg::Result<logreg::Dataset> result = logreg::parse_dataset(text, "fuzz.csv", options);
  logreg::fuzz::check_read(result);
  logreg::fuzz::check_same_with_small_ranges(text, "fuzz.csv", options, result);
  if (result.ok()) {
    const logreg::Dataset& ds = result.value();
    if (!ds.weights.empty()) logreg::fuzz::fail("CSV data with weights but no weight column", "");
    if (ds.feature_names.size() != ds.num_features) {
      logreg::fuzz::fail("feature_names and num_features disagree",
                         std::to_string(ds.feature_names.size()) + " vs " + std::to_string(ds.num_features));
    }
  }
  return 0;
}
