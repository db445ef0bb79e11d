// Invariants shared by the libFuzzer targets. A violated invariant prints what
// is wrong and aborts, which libFuzzer reports as a crash with a reproducer.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

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

}  // namespace logreg::fuzz
