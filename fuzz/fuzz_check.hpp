// Invariants shared by the libFuzzer targets. A violated invariant prints what
// is wrong and aborts, which libFuzzer reports as a crash with a reproducer.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "io/data_reader_internal.hpp"
#include "logreg/data_reader.hpp"
#include "logreg/dataset.hpp"
#include "logreg/result.hpp"

namespace logreg::fuzz {

[[noreturn]] inline void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz invariant violated: %s\n  %s\n", what, detail.c_str());
  std::abort();
}

/// An error's message is one non-empty line fit to show a user: no line
/// break (LF or CR) anywhere in it.
inline void check_error(const Error& error) {
  const std::string message = error.message();
  if (message.empty()) fail("empty error message", "");
  if (message.find('\n') != std::string::npos) fail("error message contains a line feed", message);
  if (message.find('\r') != std::string::npos) fail("error message contains a carriage return", message);
}

/// A dataset a reader returned satisfies Dataset's invariants, with labels
/// in {0, 1} and a label map of 0/1 or -1/+1.
inline void check_dataset(const Dataset& data) {
  if (const std::string problem = data.validate(); !problem.empty()) fail("Dataset::validate() failed", problem);
  for (const double y : data.labels) {
    if (y != 0.0 && y != 1.0) fail("label not 0 or 1", std::to_string(y));
  }
  if (data.rows() == 0) fail("reader returned a dataset with no rows", "");
  if (data.label_map.positive != 1.0) fail("label_map.positive is not 1", std::to_string(data.label_map.positive));
  if (data.label_map.negative != 0.0 && data.label_map.negative != -1.0) {
    fail("label_map.negative is not 0 or -1", std::to_string(data.label_map.negative));
  }
}

/// Checks either side of a reader's result.
inline void check_read(const Result<Dataset>& result) {
  if (result.ok()) {
    check_dataset(result.value());
  } else {
    check_error(result.error());
  }
}

template <typename T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

/// The reader's result does not depend on how the text is cut into ranges:
/// `text` parsed with tiny ranges (a few bytes, so nearly every line is a
/// range of its own and errors and label conflicts land in later ranges)
/// gives `expected` exactly: the same dataset to the bit, or the same
/// message.
inline void check_same_with_small_ranges(std::string_view text, const std::string& name, const ReadOptions& options,
                                         const Result<Dataset>& expected) {
  for (const std::size_t range_bytes : {std::size_t{1}, std::size_t{7} + text.size() % 29}) {
    detail::ParseSettings settings;
    settings.range_bytes = range_bytes;
    const Result<Dataset> cut = detail::parse_dataset_with(text, name, options, settings);
    const std::string what = "ranges of " + std::to_string(range_bytes) + " bytes";
    if (cut.ok() != expected.ok()) {
      fail("parsing in small ranges changed success into failure or back",
           what + ": " + (cut.ok() ? expected.error().message() : cut.error().message()));
    }
    if (!cut.ok()) {
      if (cut.error().message() != expected.error().message()) {
        fail("parsing in small ranges changed the error", what + ": '" + cut.error().message() + "' instead of '" +
                                                              expected.error().message() + "'");
      }
      continue;
    }
    const Dataset& a = expected.value();
    const Dataset& b = cut.value();
    if (a.row_offsets != b.row_offsets || a.indices != b.indices || !same_bits(a.values, b.values) ||
        !same_bits(a.labels, b.labels) || !same_bits(a.weights, b.weights) || a.num_features != b.num_features ||
        a.label_map.negative != b.label_map.negative || a.feature_names != b.feature_names) {
      fail("parsing in small ranges changed the dataset", what);
    }
  }
}

}  // namespace logreg::fuzz
