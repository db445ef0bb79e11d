// Knobs of the data reader that tests, fuzzers and benchmarks need and users
// do not: how the text is cut into byte ranges for the parallel parse, and
// whether parsed text is handed back to the kernel.
//
// The result of a parse never depends on these settings (nor on the thread
// count): the same Dataset, or the same error message with the same line
// number, for every range size. Tests and fuzzers force tiny ranges to check
// exactly that.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "logreg/data_reader.hpp"
#include "logreg/dataset.hpp"
#include "logreg/result.hpp"

namespace logreg::detail {

struct ParseSettings {
  /// Target size of one byte range; each range then extends to the next line
  /// break. 0 picks default_range_bytes() of the text size.
  std::size_t range_bytes = 0;
  /// Tell the kernel after each range that its text is no longer needed
  /// (madvise MADV_DONTNEED), so a mapped file's pages do not stay resident.
  /// Only for text mapped from a file: for any other memory it would zero it.
  bool release_parsed_text = false;
};

/// The range size parse_dataset uses for `text_bytes` of text: a function of
/// the size alone, so the ranges are the same whatever the thread count.
std::size_t default_range_bytes(std::size_t text_bytes);

/// parse_dataset with explicit settings.
Result<Dataset> parse_dataset_with(std::string_view text, const std::string& name, const ReadOptions& options,
                                   const ParseSettings& settings);

/// read_dataset with an explicit range size (release_parsed_text is decided
/// by read_dataset itself: on for a mapped file, off for a buffer).
Result<Dataset> read_dataset_with(const std::string& path, const ReadOptions& options, std::size_t range_bytes);

}  // namespace logreg::detail
