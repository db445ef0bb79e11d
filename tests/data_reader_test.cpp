// Tests of the LIBSVM and CSV readers: exact CSR contents of valid input,
// format detection, and the exact message of every class of bad input, both
// inline and through the corpus in tests/data/bad (each file there has a
// sibling "<file>.expected" holding the message with "{path}" for the path).
#include "logreg/data_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#ifndef LOGREG_TEST_DATA_DIR
#error "LOGREG_TEST_DATA_DIR must name the tests/data directory"
#endif

namespace logreg {
namespace {

namespace fs = std::filesystem;

const std::string kDataDir = LOGREG_TEST_DATA_DIR;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Dataset parse_ok(std::string_view text, const ReadOptions& options = {}) {
  Result<Dataset> result = parse_dataset(text, "mem", options);
  if (!result.ok()) {
    ADD_FAILURE() << "unexpected error: " << result.error().message();
    return {};
  }
  EXPECT_EQ(result.value().validate(), "");
  return std::move(result).value();
}

/// The full message of the error parsing `text` as file "mem", or a marker
/// that makes the comparison fail when it parsed.
std::string parse_error(std::string_view text, const ReadOptions& options = {}) {
  const Result<Dataset> result = parse_dataset(text, "mem", options);
  if (result.ok()) return "<parsed without error>";
  return result.error().message();
}

ReadOptions csv_options(std::string label_column = {}, char delimiter = ',') {
  ReadOptions options;
  options.format = DataFormat::kCsv;
  options.label_column = std::move(label_column);
  options.delimiter = delimiter;
  return options;
}

using Offsets = std::vector<std::int64_t>;
using Indices = std::vector<FeatureIndex>;
using Values = std::vector<double>;
using Names = std::vector<std::string>;

// ---------------------------------------------------------------------------
// LIBSVM

// Same content as tests/data/good/edge.svm.
constexpr std::string_view kEdgeSvm =
    "# LIBSVM edge cases: CRLF, comments, blank lines, qid, +1/-1, explicit zeros\r\n"
    "\r\n"
    "+1 qid:3 1:0.5 3:-2 \t\r\n"
    "-1 2:0 4:1e-3# comment right after a value\r\n"
    "   \r\n"
    "-1\r\n"
    "+1 1:+2.5 10:0   ";

void expect_edge_svm(const Dataset& ds) {
  EXPECT_EQ(ds.rows(), 4u);
  EXPECT_EQ(ds.labels, (Values{1, 0, 0, 1}));
  EXPECT_EQ(ds.row_offsets, (Offsets{0, 2, 3, 3, 4}));
  EXPECT_EQ(ds.indices, (Indices{0, 2, 3, 0}));
  EXPECT_EQ(ds.values, (Values{0.5, -2.0, 1e-3, 2.5}));
  EXPECT_EQ(ds.num_features, 10u);  // "10:0" is dropped but still counts
  EXPECT_EQ(ds.label_map.negative, -1.0);
  EXPECT_EQ(ds.label_map.positive, 1.0);
  EXPECT_TRUE(ds.weights.empty());
  EXPECT_TRUE(ds.feature_names.empty());
  EXPECT_EQ(ds.validate(), "");
}

TEST(LibsvmReader, ParsesEdgeCasesExactly) { expect_edge_svm(parse_ok(kEdgeSvm)); }

TEST(LibsvmReader, ReadsEdgeCaseFile) {
  const Result<Dataset> result = read_dataset(kDataDir + "/good/edge.svm");
  ASSERT_TRUE(result.ok()) << result.error().message();
  expect_edge_svm(result.value());
}

TEST(LibsvmReader, ZeroOneLabelsAndLfLineEnds) {
  const Dataset ds = parse_ok("1 2:1.5 7:-1\n0 1:3\n1\n");
  EXPECT_EQ(ds.labels, (Values{1, 0, 1}));
  EXPECT_EQ(ds.row_offsets, (Offsets{0, 2, 3, 3}));
  EXPECT_EQ(ds.indices, (Indices{1, 6, 0}));
  EXPECT_EQ(ds.values, (Values{1.5, -1, 3}));
  EXPECT_EQ(ds.num_features, 7u);
  EXPECT_EQ(ds.label_map.negative, 0.0);
  EXPECT_EQ(ds.label_map.positive, 1.0);
}

TEST(LibsvmReader, LabelsAreComparedByValue) {
  const Dataset ds = parse_ok("1.0 1:1\n-1.0 1:1\n+1 1:1\n-1e0 1:1\n+1.000 1:1\n");
  EXPECT_EQ(ds.labels, (Values{1, 0, 1, 0, 1}));
  EXPECT_EQ(ds.label_map.negative, -1.0);
  const Dataset zero = parse_ok("0.0 1:1\n-0 1:1\n1e0 1:1\n");
  EXPECT_EQ(zero.labels, (Values{0, 0, 1}));
  EXPECT_EQ(zero.label_map.negative, 0.0);
}

TEST(LibsvmReader, ExplicitZerosAreDroppedButCountTowardsFeatures) {
  const Dataset ds = parse_ok("1 3:0 5:0\n0 2:0.0 4:-0\n");
  EXPECT_EQ(ds.nonzeros(), 0u);
  EXPECT_EQ(ds.row_offsets, (Offsets{0, 0, 0}));
  EXPECT_EQ(ds.num_features, 5u);
}

TEST(LibsvmReader, ExplicitZerosStillMustAscend) {
  EXPECT_EQ(parse_error("1 5:0 3:1\n"), "mem:1:7: feature indices not ascending: 3 after 5");
  EXPECT_EQ(parse_error("1 5:1 5:0\n"), "mem:1:7: feature index 5 repeated");
}

TEST(LibsvmReader, CommentsAnywhereAndLabelOnlyRows) {
  const Dataset ds = parse_ok("#c\n  # indented comment\n1#c\n0 1:2#c:d 9:9\n\t-0 \t 2:1\t\n");
  EXPECT_EQ(ds.labels, (Values{1, 0, 0}));
  EXPECT_EQ(ds.row_offsets, (Offsets{0, 0, 1, 2}));
  EXPECT_EQ(ds.indices, (Indices{0, 1}));
  EXPECT_EQ(ds.values, (Values{2, 1}));
  EXPECT_EQ(ds.num_features, 2u);
}

TEST(LibsvmReader, LargestIndexAndUnderflowToZero) {
  const Dataset ds = parse_ok("1 1:1e-400 4294967295:2 \n");
  EXPECT_EQ(ds.indices, (Indices{4294967294u}));
  EXPECT_EQ(ds.values, (Values{2}));
  EXPECT_EQ(ds.num_features, 4294967295u);
  const Dataset tiny = parse_ok("1 1:4.9e-324\n");
  EXPECT_EQ(tiny.values, (Values{4.9e-324}));
}

TEST(LibsvmReader, ForcedFormatIgnoresCommas) {
  ReadOptions options;
  options.format = DataFormat::kLibsvm;
  EXPECT_EQ(parse_error("label,a\n1,2\n", options), "mem:1:1: invalid label 'label,a'");
}

// ---------------------------------------------------------------------------
// CSV

TEST(CsvReader, LabelColumnNamedLabelByDefault) {
  const Dataset ds = parse_ok("a,label,b\n1.5,1,0\n0,0,2\n0,1,0\n", csv_options());
  EXPECT_EQ(ds.feature_names, (Names{"a", "b"}));
  EXPECT_EQ(ds.labels, (Values{1, 0, 1}));
  EXPECT_EQ(ds.row_offsets, (Offsets{0, 1, 2, 2}));
  EXPECT_EQ(ds.indices, (Indices{0, 1}));
  EXPECT_EQ(ds.values, (Values{1.5, 2}));
  EXPECT_EQ(ds.num_features, 2u);
  EXPECT_EQ(ds.label_map.negative, 0.0);
}

TEST(CsvReader, FirstColumnWhenNoneIsNamedLabel) {
  const Dataset ds = parse_ok("y,a,b\n-1,3,4\n1,0,5\n", csv_options());
  EXPECT_EQ(ds.feature_names, (Names{"a", "b"}));
  EXPECT_EQ(ds.labels, (Values{0, 1}));
  EXPECT_EQ(ds.row_offsets, (Offsets{0, 2, 3}));
  EXPECT_EQ(ds.indices, (Indices{0, 1, 1}));
  EXPECT_EQ(ds.values, (Values{3, 4, 5}));
  EXPECT_EQ(ds.label_map.negative, -1.0);
}

TEST(CsvReader, LabelColumnByName) {
  const Dataset ds = parse_ok("a,label,target\n7,8,1\n9,0,0\n", csv_options("target"));
  EXPECT_EQ(ds.feature_names, (Names{"a", "label"}));
  EXPECT_EQ(ds.labels, (Values{1, 0}));
  EXPECT_EQ(ds.indices, (Indices{0, 1, 0}));
  EXPECT_EQ(ds.values, (Values{7, 8, 9}));
}

TEST(CsvReader, LabelColumnByIndex) {
  const Dataset ds = parse_ok("a,b,c\n5,0,1\n6,1,0\n", csv_options("2"));
  EXPECT_EQ(ds.feature_names, (Names{"a", "b"}));
  EXPECT_EQ(ds.labels, (Values{1, 0}));
  EXPECT_EQ(ds.row_offsets, (Offsets{0, 1, 3}));
  EXPECT_EQ(ds.indices, (Indices{0, 0, 1}));
  EXPECT_EQ(ds.values, (Values{5, 6, 1}));
}

TEST(CsvReader, HeaderNameTakesPrecedenceOverIndex) {
  const Dataset ds = parse_ok("1,0\n1,0\n0,1\n", csv_options("0"));  // the column named "0"
  EXPECT_EQ(ds.feature_names, (Names{"1"}));
  EXPECT_EQ(ds.labels, (Values{0, 1}));
  EXPECT_EQ(ds.values, (Values{1}));
  EXPECT_EQ(ds.row_offsets, (Offsets{0, 1, 1}));
}

TEST(CsvReader, LabelLastColumn) {
  const Result<Dataset> result = read_dataset(kDataDir + "/good/label_last.csv");
  ASSERT_TRUE(result.ok()) << result.error().message();
  const Dataset& ds = result.value();
  EXPECT_EQ(ds.feature_names, (Names{"a", "b"}));
  EXPECT_EQ(ds.labels, (Values{1, 0, 1}));
  EXPECT_EQ(ds.row_offsets, (Offsets{0, 0, 1, 2}));
  EXPECT_EQ(ds.indices, (Indices{0, 1}));
  EXPECT_EQ(ds.values, (Values{0.25, -3}));
  EXPECT_EQ(ds.num_features, 2u);
}

void expect_semicolon_csv(const Dataset& ds) {
  EXPECT_EQ(ds.feature_names, (Names{"x1", "x2"}));
  EXPECT_EQ(ds.labels, (Values{1, 0}));
  EXPECT_EQ(ds.row_offsets, (Offsets{0, 1, 2}));
  EXPECT_EQ(ds.indices, (Indices{0, 1}));
  EXPECT_EQ(ds.values, (Values{1.5, -2.5}));
  EXPECT_EQ(ds.num_features, 2u);
  EXPECT_EQ(ds.label_map.negative, 0.0);
  EXPECT_EQ(ds.validate(), "");
}

TEST(CsvReader, OtherDelimiterCrlfSpacesQuotedNames) {
  ReadOptions options;  // auto detection, ';' delimiter
  options.delimiter = ';';
  expect_semicolon_csv(parse_ok("\"x1\" ; \"label\" ; x2\r\n1.5 ; 1 ; 0\r\n\r\n0;0;-2.5\r\n\r\n", options));
  const Result<Dataset> result = read_dataset(kDataDir + "/good/semicolon.csv", options);
  ASSERT_TRUE(result.ok()) << result.error().message();
  expect_semicolon_csv(result.value());
}

TEST(CsvReader, TabDelimiterWithSpaces) {
  const Dataset ds = parse_ok("label\tf\n 1 \t 2 \n0\t0\n", csv_options({}, '\t'));
  EXPECT_EQ(ds.feature_names, (Names{"f"}));
  EXPECT_EQ(ds.labels, (Values{1, 0}));
  EXPECT_EQ(ds.values, (Values{2}));
  EXPECT_EQ(ds.row_offsets, (Offsets{0, 1, 1}));
}

TEST(CsvReader, LabelOnlyColumnAndNoFinalNewline) {
  const Dataset ds = parse_ok("label\n1\n-1", csv_options());
  EXPECT_TRUE(ds.feature_names.empty());
  EXPECT_EQ(ds.labels, (Values{1, 0}));
  EXPECT_EQ(ds.num_features, 0u);
  EXPECT_EQ(ds.row_offsets, (Offsets{0, 0, 0}));
}

TEST(CsvReader, ByteOrderMarkIsSkipped) {
  const Dataset ds = parse_ok("\xEF\xBB\xBFlabel,a\n1,2\n");
  EXPECT_EQ(ds.feature_names, (Names{"a"}));
  EXPECT_EQ(ds.labels, (Values{1}));
  EXPECT_EQ(ds.values, (Values{2}));
}

TEST(CsvReader, LabelColumnErrors) {
  EXPECT_EQ(parse_error("a,b\n1,0\n", csv_options("target")), "mem:1: no column named 'target' in the header");
  EXPECT_EQ(parse_error("a,b\n1,0\n", csv_options("2")), "mem:1: label column 2 out of range (the header has 2 columns)");
  EXPECT_EQ(parse_error("\n#c\na,b\n1,0\n", csv_options("99999999999999999999")),
            "mem:3: label column 99999999999999999999 out of range (the header has 2 columns)");
  EXPECT_EQ(parse_error("a,b\n1,0\n", csv_options("-1")), "mem:1: no column named '-1' in the header");
}

TEST(CsvReader, RowErrors) {
  const ReadOptions options = csv_options();
  EXPECT_EQ(parse_error("label,a\n1,\n", options), "mem:2:3: missing value (empty field)");
  EXPECT_EQ(parse_error("label,a\n ,1\n", options), "mem:2:1: missing label (empty field)");
  EXPECT_EQ(parse_error("label,a\nyes,1\n", options), "mem:2:1: invalid label 'yes'");
  EXPECT_EQ(parse_error("label,a\n1,2,\n", options), "mem:2: expected 2 fields, got 3");
  EXPECT_EQ(parse_error("label,a\n1, 2 3\n", options), "mem:2:4: invalid number '2 3'");
  EXPECT_EQ(parse_error("label,a\n1,1e999\n", options), "mem:2:3: value '1e999' out of range");
  EXPECT_EQ(parse_error("label,a\n2,1\n", options), "mem:2:1: label '2' is not 0/1 or -1/+1");
  EXPECT_EQ(parse_error("a,label\n1, -1\n1,0\n", options),
            "mem:3:3: more than two classes: label '0' here, label -1 on line 2 (use either 0/1 or -1/+1)");
  EXPECT_EQ(parse_error("label,a\n", options), "mem: no data rows (only a header)");
  EXPECT_EQ(parse_error("\n\n", options), "mem: no data rows (empty file)");
}

// ---------------------------------------------------------------------------
// CSV weight column

ReadOptions weight_options(std::string weight_column, std::string label_column = {}) {
  ReadOptions options = csv_options(std::move(label_column));
  options.weight_column = std::move(weight_column);
  return options;
}

TEST(CsvWeights, NoWeightColumnLeavesWeightsEmpty) {
  const Dataset ds = parse_ok("label,w,a\n1,2,3\n", csv_options());
  EXPECT_TRUE(ds.weights.empty());
  EXPECT_EQ(ds.feature_names, (Names{"w", "a"}));
  EXPECT_EQ(ds.num_features, 2u);
}

TEST(CsvWeights, ByName) {
  const Dataset ds = parse_ok("a,label,w,b\n1.5,1,2.5,0\n0,0,0,2\n3,1,1e-2,4\n", weight_options("w"));
  EXPECT_EQ(ds.weights, (Values{2.5, 0, 1e-2}));
  EXPECT_EQ(ds.labels, (Values{1, 0, 1}));
  EXPECT_EQ(ds.feature_names, (Names{"a", "b"}));
  EXPECT_EQ(ds.num_features, 2u);
  EXPECT_EQ(ds.row_offsets, (Offsets{0, 1, 2, 4}));
  EXPECT_EQ(ds.indices, (Indices{0, 1, 0, 1}));
  EXPECT_EQ(ds.values, (Values{1.5, 2, 3, 4}));
}

TEST(CsvWeights, ByIndexWithLabelByIndex) {
  // Weight in column 0 (before the label), label in column 3 (last).
  const Dataset ds = parse_ok("c0,c1,c2,c3\n 4 ,5,0,-1\n0.5,0,6,1\n", weight_options("0", "3"));
  EXPECT_EQ(ds.weights, (Values{4, 0.5}));
  EXPECT_EQ(ds.labels, (Values{0, 1}));
  EXPECT_EQ(ds.feature_names, (Names{"c1", "c2"}));
  EXPECT_EQ(ds.num_features, 2u);
  EXPECT_EQ(ds.row_offsets, (Offsets{0, 1, 2}));
  EXPECT_EQ(ds.indices, (Indices{0, 1}));
  EXPECT_EQ(ds.values, (Values{5, 6}));
}

TEST(CsvWeights, HeaderNameTakesPrecedenceOverIndex) {
  const Dataset ds = parse_ok("label,2,1\n1,3,7\n", weight_options("1"));  // the column named "1"
  EXPECT_EQ(ds.weights, (Values{7}));
  EXPECT_EQ(ds.feature_names, (Names{"2"}));
  EXPECT_EQ(ds.values, (Values{3}));
}

TEST(CsvWeights, OnlyLabelAndWeightAndAutoDetection) {
  ReadOptions options;  // auto detection
  options.weight_column = "w";
  const Dataset ds = parse_ok("w,label\n2,1\n3,0\n", options);
  EXPECT_EQ(ds.weights, (Values{2, 3}));
  EXPECT_EQ(ds.labels, (Values{1, 0}));
  EXPECT_TRUE(ds.feature_names.empty());
  EXPECT_EQ(ds.num_features, 0u);
  EXPECT_EQ(ds.row_offsets, (Offsets{0, 0, 0}));
}

TEST(CsvWeights, ValueErrors) {
  const ReadOptions options = weight_options("w");
  EXPECT_EQ(parse_error("label,w,a\n1,abc,2\n", options), "mem:2:3: invalid weight 'abc'");
  EXPECT_EQ(parse_error("label,w,a\n1,1,2\n0,inf,2\n", options), "mem:3:3: NaN or Inf value 'inf'");
  EXPECT_EQ(parse_error("label,w,a\n1,NaN,2\n", options), "mem:2:3: NaN or Inf value 'NaN'");
  EXPECT_EQ(parse_error("label,w,a\n1,-1,2\n", options), "mem:2:3: negative weight '-1' (weights must be >= 0)");
  EXPECT_EQ(parse_error("label,a,w\n1,2, -0.5 \n", options),
            "mem:2:6: negative weight '-0.5' (weights must be >= 0)");
  EXPECT_EQ(parse_error("label,w,a\n1,,2\n", options), "mem:2:3: missing weight (empty field)");
  EXPECT_EQ(parse_error("label,w,a\n1,1e999,2\n", options), "mem:2:3: value '1e999' out of range");
  // A zero weight (also -0) is fine.
  EXPECT_EQ(parse_ok("label,w\n1,0\n0,-0\n", options).weights.size(), 2u);
}

TEST(CsvWeights, ColumnErrors) {
  EXPECT_EQ(parse_error("label,a\n1,0\n", weight_options("w")), "mem:1: no column named 'w' in the header");
  EXPECT_EQ(parse_error("label,a\n1,0\n", weight_options("-1")), "mem:1: no column named '-1' in the header");
  EXPECT_EQ(parse_error("label,a,b\n1,0,1\n", weight_options("3")),
            "mem:1: weight column 3 out of range (the header has 3 columns)");
  // Same column as the label: named, by index, or the default label column.
  EXPECT_EQ(parse_error("label,a\n1,0\n", weight_options("label")), "mem:1: the weight column is also the label column");
  EXPECT_EQ(parse_error("y,a\n1,0\n", weight_options("0")), "mem:1: the weight column is also the label column");
  EXPECT_EQ(parse_error("y,a\n1,0\n", weight_options("a", "a")), "mem:1: the weight column is also the label column");
  EXPECT_EQ(parse_error("\n# c\ny,a\n1,0\n", weight_options("y")), "mem:3: the weight column is also the label column");
}

TEST(CsvWeights, LibsvmIsRejected) {
  ReadOptions options;  // auto detection finds LIBSVM
  options.weight_column = "w";
  EXPECT_EQ(parse_error("1 1:2\n", options), "mem: --weight-column applies to CSV files only");
  options.format = DataFormat::kLibsvm;  // forced, even if the text looks like CSV
  EXPECT_EQ(parse_error("label,w\n1,2\n", options), "mem: --weight-column applies to CSV files only");
}

// ---------------------------------------------------------------------------
// Format detection

TEST(FormatDetection, LibsvmAndCsv) {
  // A colon in a token after the first: LIBSVM, even with commas in values.
  EXPECT_TRUE(parse_ok("1 1:2\n").feature_names.empty());
  EXPECT_EQ(parse_error("1 1:2,5\n"), "mem:1:5: invalid number '2,5'");
  // A lone label: LIBSVM.
  const Dataset lone = parse_ok("# comment, with a comma\n\n1\n0 3:1\n");
  EXPECT_EQ(lone.num_features, 3u);
  EXPECT_TRUE(lone.feature_names.empty());
  // The delimiter and no colons: CSV.
  const Dataset csv = parse_ok("label,a\n1,2\n");
  EXPECT_EQ(csv.feature_names, (Names{"a"}));
  EXPECT_EQ(csv.values, (Values{2}));
  // A colon in the first token does not count.
  EXPECT_EQ(parse_ok("t:s,label\n1,1\n").feature_names, (Names{"t:s"}));
  // Only a comma inside a comment does not make CSV.
  EXPECT_TRUE(parse_ok("1 # a,b\n").feature_names.empty());
  // Neither colon nor delimiter with several tokens: LIBSVM (and an error).
  EXPECT_EQ(parse_error("1 2\n"), "mem:1:3: expected index:value, got '2'");
  // The configured delimiter counts, not ','.
  ReadOptions semicolon;
  semicolon.delimiter = ';';
  EXPECT_EQ(parse_ok("label;a\n0;2\n", semicolon).feature_names, (Names{"a"}));
}

TEST(FormatDetection, ParseFormat) {
  EXPECT_EQ(parse_format("auto"), DataFormat::kAuto);
  EXPECT_EQ(parse_format("libsvm"), DataFormat::kLibsvm);
  EXPECT_EQ(parse_format("csv"), DataFormat::kCsv);
  EXPECT_EQ(parse_format("CSV"), std::nullopt);
  EXPECT_EQ(parse_format(""), std::nullopt);
}

// ---------------------------------------------------------------------------
// One test per class of bad input, with the full message.

TEST(BadInput, NonNumericValue) { EXPECT_EQ(parse_error("1 1:abc\n"), "mem:1:5: invalid number 'abc'"); }
TEST(BadInput, NonNumericLabel) { EXPECT_EQ(parse_error("abc 1:1\n"), "mem:1:1: invalid label 'abc'"); }
TEST(BadInput, NonNumericIndex) { EXPECT_EQ(parse_error("1 x:1\n"), "mem:1:3: invalid feature index 'x'"); }
TEST(BadInput, SignedIndex) { EXPECT_EQ(parse_error("1 -2:1\n"), "mem:1:3: invalid feature index '-2'"); }
TEST(BadInput, IndexZero) { EXPECT_EQ(parse_error("1 0:1\n"), "mem:1:3: feature index 0 (indices start at 1)"); }
TEST(BadInput, NotAscending) {
  EXPECT_EQ(parse_error("1 1:1\n0 2:1 7:1 4:1\n"), "mem:2:11: feature indices not ascending: 4 after 7");
}
TEST(BadInput, RepeatedIndex) { EXPECT_EQ(parse_error("1 3:1 3:1\n"), "mem:1:7: feature index 3 repeated"); }
TEST(BadInput, MissingColon) {
  EXPECT_EQ(parse_error("1 1:1 foo\n"), "mem:1:7: expected index:value, got 'foo'");
  EXPECT_EQ(parse_error("1 3:\n"), "mem:1:3: expected index:value, got '3:'");
  EXPECT_EQ(parse_error("1 3: 4\n"), "mem:1:3: expected index:value, got '3:'");
  EXPECT_EQ(parse_error("1 :4\n"), "mem:1:3: expected index:value, got ':4'");
}
TEST(BadInput, MisplacedQid) {
  EXPECT_EQ(parse_error("1 1:1 qid:2\n"), "mem:1:7: qid must come right after the label, got 'qid:2'");
}
TEST(BadInput, NanOrInf) {
  EXPECT_EQ(parse_error("1 1:nan\n"), "mem:1:5: NaN or Inf value 'nan'");
  EXPECT_EQ(parse_error("1 1:-Infinity\n"), "mem:1:5: NaN or Inf value '-Infinity'");
  EXPECT_EQ(parse_error("inf 1:1\n"), "mem:1:1: NaN or Inf value 'inf'");
  EXPECT_EQ(parse_error("1 1:info\n"), "mem:1:5: invalid number 'info'");
}
TEST(BadInput, OutOfRange) {
  EXPECT_EQ(parse_error("1 1:1e999\n"), "mem:1:5: value '1e999' out of range");
  EXPECT_EQ(parse_error("1 1:-2e308\n"), "mem:1:5: value '-2e308' out of range");
  EXPECT_EQ(parse_error("1e999 1:1\n"), "mem:1:1: value '1e999' out of range");
}
TEST(BadInput, IndexTooLarge) {
  EXPECT_EQ(parse_error("1 4294967296:1\n"), "mem:1:3: feature index '4294967296' too large");
  EXPECT_EQ(parse_error("1 99999999999999999999999:1\n"),
            "mem:1:3: feature index '99999999999999999999999' too large");
}
TEST(BadInput, BadLabel) {
  EXPECT_EQ(parse_error("1 1:1\n2 1:1\n"), "mem:2:1: label '2' is not 0/1 or -1/+1");
  EXPECT_EQ(parse_error("0.5\n"), "mem:1:1: label '0.5' is not 0/1 or -1/+1");
}
TEST(BadInput, ThreeClasses) {
  EXPECT_EQ(parse_error("1 1:1\n0 1:2\n-1 1:3\n"),
            "mem:3:1: more than two classes: label '-1' here, label 0 on line 2 (use either 0/1 or -1/+1)");
  EXPECT_EQ(parse_error("-1\n\n0.0\n"),
            "mem:3:1: more than two classes: label '0.0' here, label -1 on line 1 (use either 0/1 or -1/+1)");
}
TEST(BadInput, SignGarbage) {
  EXPECT_EQ(parse_error("+-1 1:1\n"), "mem:1:1: invalid label '+-1'");
  EXPECT_EQ(parse_error("1 1:++2\n"), "mem:1:5: invalid number '++2'");
  EXPECT_EQ(parse_error("1 1:0x10\n"), "mem:1:5: invalid number '0x10'");
}
TEST(BadInput, ControlBytesAreEscapedAndLongTextCut) {
  EXPECT_EQ(parse_error(std::string_view("1 1:1\0 2:3\n", 11)), "mem:1:5: invalid number '1\\x00'");
  EXPECT_EQ(parse_error("1 1:1\r2\n"), "mem:1:5: invalid number '1\\x0d2'");
  EXPECT_EQ(parse_error("1 1:" + std::string(50, 'z') + "\n"),
            "mem:1:5: invalid number '" + std::string(40, 'z') + "...'");
}
TEST(BadInput, Empty) {
  EXPECT_EQ(parse_error(""), "mem: no data rows (empty file)");
  EXPECT_EQ(parse_error("# just a comment\r\n\r\n \t \n"), "mem: no data rows (empty file)");
}
TEST(BadInput, CsvFieldCount) {
  EXPECT_EQ(parse_error("label,a,b\n1,2,3\n0,1\n"), "mem:3: expected 3 fields, got 2");
}
TEST(BadInput, CsvNonNumeric) { EXPECT_EQ(parse_error("label,a\n0,abc\n"), "mem:2:3: invalid number 'abc'"); }
TEST(BadInput, CsvNanLabel) { EXPECT_EQ(parse_error("label,a\nNaN,1\n"), "mem:2:1: NaN or Inf value 'NaN'"); }

// ---------------------------------------------------------------------------
// The corpus of bad files.

std::string expected_message(const fs::path& expected_file, const std::string& path) {
  std::string text = read_text(expected_file.string());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  const std::string placeholder = "{path}";
  for (std::size_t at = text.find(placeholder); at != std::string::npos;
       at = text.find(placeholder, at + path.size())) {
    text.replace(at, placeholder.size(), path);
  }
  return text;
}

TEST(BadFiles, EachFailsWithItsExpectedMessage) {
  const fs::path dir = fs::path(kDataDir) / "bad";
  std::set<std::string> inputs;
  std::set<std::string> expectations;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".expected") {
      expectations.insert(name.substr(0, name.size() - std::string(".expected").size()));
    } else {
      inputs.insert(name);
    }
  }
  EXPECT_EQ(inputs, expectations) << "every bad file needs a <file>.expected and vice versa";

  for (const char* required :
       {"non_numeric_value.svm", "index_zero.svm", "not_ascending.svm", "repeated_index.svm", "bad_label.svm",
        "three_classes.svm", "nan_value.svm", "inf_value.csv", "wrong_field_count.csv", "empty.svm",
        "missing_colon.svm", "non_numeric.csv", "out_of_range.svm"}) {
    EXPECT_EQ(inputs.count(required), 1u) << "missing bad file " << required;
  }

  for (const std::string& name : inputs) {
    SCOPED_TRACE(name);
    const std::string path = (dir / name).string();
    const Result<Dataset> result = read_dataset(path);
    ASSERT_FALSE(result.ok()) << name << " parsed without error";
    EXPECT_EQ(result.error().message(), expected_message(dir / (name + ".expected"), path));
    EXPECT_EQ(result.error().path(), path);
    // The same text through parse_dataset gives the same message.
    const Result<Dataset> parsed = parse_dataset(read_text(path), path);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().message(), result.error().message());
  }
}

TEST(GoodFiles, EachReadsAndValidates) {
  std::size_t count = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(fs::path(kDataDir) / "good")) {
    SCOPED_TRACE(entry.path().string());
    ReadOptions options;
    if (entry.path().filename() == "semicolon.csv") options.delimiter = ';';
    const Result<Dataset> result = read_dataset(entry.path().string(), options);
    ASSERT_TRUE(result.ok()) << result.error().message();
    EXPECT_GT(result.value().rows(), 0u);
    EXPECT_EQ(result.value().validate(), "");
    ++count;
  }
  EXPECT_GE(count, 3u);
}

// ---------------------------------------------------------------------------
// Files that cannot be read.

TEST(ReadDataset, MissingFile) {
  const std::string path = kDataDir + "/no/such/file.svm";
  const Result<Dataset> result = read_dataset(path);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message(), path + ": cannot open: No such file or directory");
}

TEST(ReadDataset, Directory) {
  const std::string path = kDataDir + "/bad";
  const Result<Dataset> result = read_dataset(path);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message(), path + ": is a directory");
}

TEST(ReadDataset, LargeFileMatchesParse) {
  // Large enough to need more than one read() call on most systems.
  std::ostringstream text;
  for (int i = 0; i < 20000; ++i) {
    text << (i % 2 == 0 ? "+1" : "-1");
    for (int j = 1; j <= 20; ++j) text << ' ' << (i + j) % 97 + j * 100 << ':' << (i * 31 + j) % 17 - 8;
    text << (i % 3 == 0 ? "\r\n" : "\n");
  }
  const fs::path path = fs::temp_directory_path() / "logreg_data_reader_test_large.svm";
  {
    std::ofstream out(path, std::ios::binary);
    out << text.str();
  }
  const Result<Dataset> read = read_dataset(path.string());
  fs::remove(path);
  ASSERT_TRUE(read.ok()) << read.error().message();
  const Dataset parsed = parse_ok(text.str());
  EXPECT_EQ(read.value().rows(), 20000u);
  EXPECT_EQ(read.value().row_offsets, parsed.row_offsets);
  EXPECT_EQ(read.value().indices, parsed.indices);
  EXPECT_EQ(read.value().values, parsed.values);
  EXPECT_EQ(read.value().labels, parsed.labels);
  EXPECT_EQ(read.value().num_features, parsed.num_features);
  EXPECT_EQ(read.value().validate(), "");
}

}  // namespace
}  // namespace logreg
