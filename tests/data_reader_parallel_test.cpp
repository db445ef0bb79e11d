// The parallel reader gives the same result whatever the range size and the
// thread count: the same Dataset down to the bit, or the same error message
// with the same line number. Every file shipped with the project is parsed
// with tiny forced ranges (so that nearly every line is a range of its own)
// and with several thread counts, and compared with the default parse.
// Errors and label conflicts placed in later ranges must name the line of
// the whole file.
#include <omp.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "io/data_reader_internal.hpp"
#include "logreg/data_reader.hpp"
#include "test_support.hpp"

namespace logreg {
namespace {

namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Bitwise equality of two arrays (so that -0.0 and 0.0 differ).
template <typename T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

void expect_same_dataset(const Dataset& expected, const Dataset& actual) {
  EXPECT_EQ(expected.row_offsets, actual.row_offsets);
  EXPECT_EQ(expected.indices, actual.indices);
  EXPECT_TRUE(same_bits(expected.values, actual.values)) << "values differ";
  EXPECT_TRUE(same_bits(expected.labels, actual.labels)) << "labels differ";
  EXPECT_TRUE(same_bits(expected.weights, actual.weights)) << "weights differ";
  EXPECT_EQ(expected.num_features, actual.num_features);
  EXPECT_EQ(expected.label_map.negative, actual.label_map.negative);
  EXPECT_EQ(expected.label_map.positive, actual.label_map.positive);
  EXPECT_EQ(expected.feature_names, actual.feature_names);
}

void expect_same_result(const Result<Dataset>& expected, const Result<Dataset>& actual) {
  ASSERT_EQ(expected.ok(), actual.ok()) << (expected.ok() ? actual.error().message() : expected.error().message());
  if (expected.ok()) {
    expect_same_dataset(expected.value(), actual.value());
    EXPECT_EQ(actual.value().validate(), "");
  } else {
    EXPECT_EQ(expected.error().message(), actual.error().message());
  }
}

/// Sets the OpenMP thread count for the life of the object.
class ThreadCount {
 public:
  explicit ThreadCount(int threads) : previous_(omp_get_max_threads()) { omp_set_num_threads(threads); }
  ~ThreadCount() { omp_set_num_threads(previous_); }
  ThreadCount(const ThreadCount&) = delete;
  ThreadCount& operator=(const ThreadCount&) = delete;

 private:
  int previous_;
};

Result<Dataset> parse_with_ranges(std::string_view text, const ReadOptions& options, std::size_t range_bytes,
                                  const std::string& name = "mem") {
  detail::ParseSettings settings;
  settings.range_bytes = range_bytes;
  return detail::parse_dataset_with(text, name, options, settings);
}

/// Parses `text` with the default settings, then with tiny and small ranges
/// on 1, 2 and 3 threads, and checks that every result is the same.
void expect_independent_of_ranges(std::string_view text, const ReadOptions& options = {}) {
  const Result<Dataset> expected = parse_dataset(text, "mem", options);
  for (const int threads : {1, 2, 3}) {
    const ThreadCount thread_count(threads);
    for (const std::size_t range_bytes : {1, 2, 3, 5, 17, 64, 1000, 65536}) {
      SCOPED_TRACE("threads " + std::to_string(threads) + ", ranges of " + std::to_string(range_bytes) + " bytes");
      expect_same_result(expected, parse_with_ranges(text, options, range_bytes));
    }
  }
}

std::vector<fs::path> files_under(const fs::path& dir) {
  std::vector<fs::path> files;
  if (dir.empty() || !fs::is_directory(dir)) return files;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string extension = entry.path().extension().string();
    if (extension == ".svm" || extension == ".csv") {
      files.push_back(entry.path());
    }
  }
  return files;
}

ReadOptions options_for(const fs::path& file) {
  ReadOptions options;
  if (file.filename() == "semicolon.csv") options.delimiter = ';';
  return options;
}

// ---------------------------------------------------------------------------
// Every shipped file

TEST(ParallelReader, TestFilesParseTheSameWithAnyRanges) {
  std::size_t count = 0;
  for (const char* sub : {"good", "bad"}) {
    for (const fs::path& file : files_under(fs::path(LOGREG_TEST_DATA_DIR) / sub)) {
      SCOPED_TRACE(file.string());
      expect_independent_of_ranges(read_text(file.string()), options_for(file));
      ++count;
    }
  }
  EXPECT_GE(count, 20u);
}

TEST(ParallelReader, DataSetsParseTheSameWithAnyRanges) {
  // Tiny ranges on files of megabytes would take long: these use ranges of
  // a few hundred bytes and up, which still cut them into thousands.
  std::vector<fs::path> files = files_under(LOGREG_REPO_DATA_DIR);
  const std::vector<fs::path> shared = files_under(logreg::testing::shared_data_dir());
  files.insert(files.end(), shared.begin(), shared.end());
  ASSERT_FALSE(files.empty());
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    const std::string text = read_text(file.string());
    const Result<Dataset> expected = read_dataset(file.string());
    for (const int threads : {1, 2}) {
      const ThreadCount thread_count(threads);
      for (const std::size_t range_bytes : {317, 4096}) {
        SCOPED_TRACE("threads " + std::to_string(threads) + ", ranges of " + std::to_string(range_bytes));
        expect_same_result(expected, parse_with_ranges(text, {}, range_bytes, file.string()));
        expect_same_result(expected, detail::read_dataset_with(file.string(), {}, range_bytes));
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Generated text

/// LIBSVM text of `rows` lines with every feature of the format: CRLF and
/// LF, comments, blank lines, qid, explicit zeros, long and short numbers.
std::string many_libsvm_lines(int rows, const char* negative = "-1") {
  std::ostringstream text;
  text << "# generated\n";
  for (int i = 0; i < rows; ++i) {
    text << (i % 2 == 0 ? "+1" : negative);
    if (i % 7 == 0) text << " qid:" << i % 5;
    for (int j = 1; j <= 1 + i % 13; ++j) {
      text << ' ' << j * 3 + i % 3 << ':';
      if (j % 5 == 0) {
        text << 0;
      } else if (j % 4 == 0) {
        text << "1.2345678901234567890123e-7";
      } else {
        text << (i * 31 + j) % 17 - 8 << '.' << j;
      }
    }
    if (i % 11 == 0) text << " # a comment";
    text << (i % 3 == 0 ? "\r\n" : "\n");
    if (i % 17 == 0) text << "\n   \n# comment line\n";
  }
  return text.str();
}

std::string many_csv_lines(int rows) {
  std::ostringstream text;
  text << "# leading comment\n\nw,a,label,b,c\n";
  for (int i = 0; i < rows; ++i) {
    text << (i % 4) * 0.5 << ", " << (i % 3 == 0 ? "0" : "1.5") << ',' << (i % 3 == 1 ? 0 : 1) << ','
         << i % 10 << ",\t" << -i << (i % 5 == 0 ? "\r\n" : "\n");
    if (i % 13 == 0) text << "\n";
  }
  return text.str();
}

TEST(ParallelReader, ManyLinesParseTheSameWithAnyRanges) {
  expect_independent_of_ranges(many_libsvm_lines(3000));
  expect_independent_of_ranges(many_libsvm_lines(3000, "0"));
  ReadOptions weighted;
  weighted.weight_column = "w";
  expect_independent_of_ranges(many_csv_lines(3000), weighted);
  expect_independent_of_ranges(many_csv_lines(3000));
}

TEST(ParallelReader, LastLineWithoutBreakAndByteOrderMark) {
  expect_independent_of_ranges("\xef\xbb\xbf+1 1:1\n-1 2:1\n+1 3:0.5");
  expect_independent_of_ranges("\xef\xbb\xbflabel,a\n1,2\n0,3\n1,4");
  expect_independent_of_ranges("1\n0\n1");
}

// The range size the reader uses by default makes a file of several ranges
// out of this text; the result must not depend on it.
TEST(ParallelReader, DefaultRangesOfALargeText) {
  const std::string text = many_libsvm_lines(250000);
  ASSERT_GT(text.size(), 2 * detail::default_range_bytes(text.size()));
  const Result<Dataset> sequential = parse_with_ranges(text, {}, text.size());
  for (const int threads : {1, 2, 4}) {
    const ThreadCount thread_count(threads);
    expect_same_result(sequential, parse_dataset(text, "mem"));
  }
}

// ---------------------------------------------------------------------------
// Errors in later ranges

std::string parse_error_with_ranges(std::string_view text, std::size_t range_bytes, const ReadOptions& options = {}) {
  const Result<Dataset> result = parse_with_ranges(text, options, range_bytes);
  return result.ok() ? "<parsed without error>" : result.error().message();
}

TEST(ParallelReader, ErrorInALaterRangeNamesTheLineOfTheFile) {
  std::string text;
  for (int i = 1; i < 5000; ++i) text += i % 2 == 0 ? "1 1:0.5 4:2\n" : "-1 2:1\n";
  text += "1 1:0.5 3:x\n";  // line 5000
  for (int i = 0; i < 3000; ++i) text += "1 1:1\n";
  text += "1 1:1 1:2\n";  // line 8001, a later error that must not win
  for (const std::size_t range_bytes : {std::size_t{1}, std::size_t{100}, std::size_t{4096}, text.size()}) {
    SCOPED_TRACE(range_bytes);
    EXPECT_EQ(parse_error_with_ranges(text, range_bytes), "mem:5000:11: invalid number 'x'");
  }
}

TEST(ParallelReader, CsvErrorLineCountsTheHeaderAndCommentsBeforeIt) {
  std::string text = "# comment\n\nlabel,a,b\n";  // header on line 3
  for (int i = 0; i < 2000; ++i) text += "1,2,3\n";  // lines 4..2003
  text += "0,1\n";                                    // line 2004
  for (const std::size_t range_bytes : {std::size_t{1}, std::size_t{64}, std::size_t{1000}, text.size()}) {
    SCOPED_TRACE(range_bytes);
    EXPECT_EQ(parse_error_with_ranges(text, range_bytes, {}), "mem:2004: expected 3 fields, got 2");
  }
}

TEST(ParallelReader, LabelsMixedAcrossRanges) {
  std::string text;
  text += "\n1 1:1\n0 2:1\n";                           // the first 0 on line 3
  for (int i = 0; i < 3000; ++i) text += "1 1:1\n";     // lines 4..3003
  text += "-1.0 1:1\n";                                 // line 3004
  for (const std::size_t range_bytes : {std::size_t{1}, std::size_t{50}, std::size_t{5000}, text.size()}) {
    SCOPED_TRACE(range_bytes);
    EXPECT_EQ(parse_error_with_ranges(text, range_bytes),
              "mem:3004:1: more than two classes: label '-1.0' here, label 0 on line 3 (use either 0/1 or -1/+1)");
  }
}

TEST(ParallelReader, LabelConflictAndOtherErrorInTheSameRange) {
  // Line 3 mixes the labels and line 4 is bad: the conflict comes first.
  EXPECT_EQ(parse_error_with_ranges("-1 1:1\n1 1:1\n0 1:1\n1 x:1\n", 1000),
            "mem:3:1: more than two classes: label '0' here, label -1 on line 1 (use either 0/1 or -1/+1)");
  // A bad line before the conflict wins, in whatever range it is.
  for (const std::size_t range_bytes : {std::size_t{1}, std::size_t{8}, std::size_t{1000}}) {
    EXPECT_EQ(parse_error_with_ranges("-1 1:1\n1 x:1\n0 1:1\n", range_bytes), "mem:2:3: invalid feature index 'x'");
  }
  // On the conflicting line itself, the label is reported (LIBSVM reads it
  // first); in CSV a bad field of that row comes first.
  EXPECT_EQ(parse_error_with_ranges("-1 1:1\n0 x:1\n", 7),
            "mem:2:1: more than two classes: label '0' here, label -1 on line 1 (use either 0/1 or -1/+1)");
  EXPECT_EQ(parse_error_with_ranges("label,a\n-1,1\n0,x\n", 7), "mem:3:3: invalid number 'x'");
  EXPECT_EQ(parse_error_with_ranges("label,w\n-1,1\n0,-2\n", 7, [] {
              ReadOptions options;
              options.weight_column = "w";
              return options;
            }()),
            "mem:3:1: more than two classes: label '0' here, label -1 on line 2 (use either 0/1 or -1/+1)");
}

// ---------------------------------------------------------------------------
// Files: mapped, with their pages released range by range

TEST(ParallelReader, MappedFileWithSmallRangesMatchesParse) {
  const logreg::testing::TempDir dir;
  const std::string text = many_libsvm_lines(20000);
  const std::string path = dir.file("many.svm");
  {
    std::ofstream out(path, std::ios::binary);
    out << text;
  }
  const Result<Dataset> parsed = parse_dataset(text, path);
  for (const int threads : {1, 2}) {
    const ThreadCount thread_count(threads);
    // Ranges of several pages, so that whole pages are released, and tiny ones.
    for (const std::size_t range_bytes : {std::size_t{10}, std::size_t{20000}, std::size_t{0}}) {
      SCOPED_TRACE(range_bytes);
      expect_same_result(parsed, detail::read_dataset_with(path, {}, range_bytes));
    }
  }
  // A bad line far into the file.
  const std::string bad_path = dir.file("bad.svm");
  {
    std::ofstream out(bad_path, std::ios::binary);
    out << text << "1 3:1 2:1\n";
  }
  std::size_t lines = 0;
  for (const char c : text) lines += c == '\n' ? 1 : 0;
  const Result<Dataset> bad = detail::read_dataset_with(bad_path, {}, 4096);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(),
            bad_path + ":" + std::to_string(lines + 1) + ":7: feature indices not ascending: 2 after 3");
}

TEST(ParallelReader, DefaultRangeSizeDependsOnTheSizeOnly) {
  EXPECT_EQ(detail::default_range_bytes(0), detail::default_range_bytes(1000));
  EXPECT_GE(detail::default_range_bytes(std::size_t{1} << 30), std::size_t{1} << 20);
  // Very large files get larger ranges, so that there are not too many.
  const std::size_t huge = std::size_t{1} << 40;
  EXPECT_LE(huge / detail::default_range_bytes(huge), 4096u);
}

}  // namespace
}  // namespace logreg
