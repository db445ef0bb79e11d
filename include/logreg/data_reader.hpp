// Readers for LIBSVM/svmlight and CSV text files.
//
// Both are strict: any malformed line stops the read with an Error naming the
// file, the 1-based line, the column where it helps, and what is wrong. They
// accept CRLF line ends, trailing blanks, empty lines and (LIBSVM) '#'
// comments. Labels must be 0/1 or -1/+1 (at most two distinct values).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "logreg/dataset.hpp"
#include "logreg/result.hpp"

namespace logreg {

enum class DataFormat { kAuto, kLibsvm, kCsv };

struct ReadOptions {
  /// kAuto looks at the content: a first data line with "idx:val" tokens (or
  /// a lone label) is LIBSVM, one with the delimiter is CSV.
  DataFormat format = DataFormat::kAuto;
  /// CSV: label column, by header name or by 0-based index. Empty means the
  /// column named "label" if there is one, else the first column.
  std::string label_column;
  /// CSV only: column holding a non-negative weight per example, by header
  /// name or, when no header name matches, by 0-based index given as digits
  /// (the same rule as label_column). The column is not a feature; its values
  /// go to Dataset::weights. Empty means no weight column (Dataset::weights
  /// stays empty). Setting it for a LIBSVM file is an error.
  std::string weight_column;
  /// CSV: field delimiter.
  char delimiter = ',';
};

/// Reads a data file. `path` is used in messages.
Result<Dataset> read_dataset(const std::string& path, const ReadOptions& options = {});

/// Parses text already in memory; `name` stands for the file in messages.
Result<Dataset> parse_dataset(std::string_view text, const std::string& name,
                              const ReadOptions& options = {});

/// Parses a --format value: "auto", "libsvm" or "csv".
std::optional<DataFormat> parse_format(std::string_view text);

}  // namespace logreg
