// libFuzzer target: the CSV reader with options chosen by the first three
// input bytes, the rest being the file:
//   byte 0: bits 0-1 delimiter (',' ';' '\t' ' '); bit 2: a label column is
//           given; bit 3: a weight column is given; bit 4: columns are named
//           by header name instead of by index; bit 5: format kAuto, not kCsv
//   byte 1: label column (index = byte % 8, or a name from kNames)
//   byte 2: weight column (the same)
// Seeds are real files with a three-byte prefix (tests/fuzz_corpus/fuzz_csv_options).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "logreg/data_reader.hpp"

namespace {

constexpr std::array<const char*, 8> kNames = {"label", "y", "w", "weight", "a", "", "1x", "99999999999999999999"};

std::string column(std::uint8_t byte, bool by_name) {
  return by_name ? std::string(kNames[byte % kNames.size()]) : std::to_string(byte % 8);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const std::uint8_t flags = data[0];
  logreg::ReadOptions options;
  constexpr std::array<char, 4> kDelimiters = {',', ';', '\t', ' '};
  options.delimiter = kDelimiters[flags & 3];
  const bool by_name = (flags & 16) != 0;
  if ((flags & 4) != 0) options.label_column = column(data[1], by_name);
  if ((flags & 8) != 0) options.weight_column = column(data[2], by_name);
  options.format = (flags & 32) != 0 ? logreg::DataFormat::kAuto : logreg::DataFormat::kCsv;

  const std::string_view text(reinterpret_cast<const char*>(data + 3), size - 3);
  const logreg::Result<logreg::Dataset> result = logreg::parse_dataset(text, "fuzz.csv", options);
  logreg::fuzz::check_read(result);
  logreg::fuzz::check_same_with_small_ranges(text, "fuzz.csv", options, result);
  if (result.ok()) {
    const logreg::Dataset& ds = result.value();
    // A weight column was asked for: one weight per row (validate() checked
    // they are finite and >= 0). None asked for: no weights.
    if (options.weight_column.empty() != ds.weights.empty()) {
      logreg::fuzz::fail("weights present iff a weight column is given",
                         "weight_column '" + options.weight_column + "', " + std::to_string(ds.weights.size()) +
                             " weights");
    }
  }
  return 0;
}
