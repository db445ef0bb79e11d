// LIBSVM/svmlight and CSV readers.
//
// Both parsers make one pass over the text held in memory: lines are found
// with memchr, numbers are parsed in place (short decimals by an exact fast
// path, everything else by std::from_chars), and no line or token is ever
// copied into a std::string. The fast path only asks "did this token parse
// cleanly?"; when it did not, a separate (slow, rare) path looks at the
// whole token again to say precisely what is wrong.
//
// Numbers that underflow (1e-400) read as 0, as with strtod; numbers that
// overflow (1e999), NaN and Inf are errors.
#include "logreg/data_reader.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace logreg {
namespace {

// ---------------------------------------------------------------------------
// Small helpers

constexpr std::size_t kMaxQuoted = 40;  // longer offending text is cut short

bool is_blank(char c) { return c == ' ' || c == '\t'; }

/// True for the characters that end a LIBSVM token.
bool ends_token(char c) { return c == ' ' || c == '\t' || c == '#'; }

/// The offending text in single quotes, fit for a one-line message: control
/// bytes (NUL, CR, ...) are escaped as \xNN and long text is cut short.
std::string quote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  const std::size_t n = text.size() > kMaxQuoted ? kMaxQuoted : text.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 || byte == 0x7f) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += text[i];
    }
  }
  if (n < text.size()) out += "...";
  out += '\'';
  return out;
}

std::size_t column_of(const char* line_start, const char* pos) {
  return static_cast<std::size_t>(pos - line_start) + 1;
}

std::string_view view(const char* first, const char* last) {
  return {first, static_cast<std::size_t>(last - first)};
}

/// One line of the text: [start, end) without the line break (and without a
/// CR before it); `next` is where the following line starts.
struct Line {
  const char* start;
  const char* end;
  const char* next;
};

Line line_at(const char* p, const char* text_end) {
  const auto* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(text_end - p)));
  const char* next = nl != nullptr ? nl + 1 : text_end;
  const char* end = nl != nullptr ? nl : text_end;
  if (end > p && end[-1] == '\r') --end;
  return {p, end, next};
}

/// Asks the kernel to back a large, freshly reserved and still untouched
/// buffer with transparent huge pages. Filling hundreds of megabytes of
/// 4 KiB pages costs one page fault each, which can take as long as parsing
/// the text that fills them. Only a hint: errors are ignored.
void prefer_huge_pages(const void* data, std::size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr std::uintptr_t kPage = 4096;
  constexpr std::size_t kWorthIt = std::size_t{8} << 20;
  if (bytes < kWorthIt) return;
  const auto first = (reinterpret_cast<std::uintptr_t>(data) + kPage - 1) & ~(kPage - 1);
  const auto last = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(kPage - 1);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

template <typename T>
void prefer_huge_pages(const std::vector<T>& buffer) {
  prefer_huge_pages(buffer.data(), buffer.capacity() * sizeof(T));
}

const char* skip_blanks(const char* p, const char* end) {
  while (p < end && is_blank(*p)) ++p;
  return p;
}

/// Skips a UTF-8 byte order mark, which spreadsheet programs like to write.
const char* skip_bom(const char* p, const char* end) {
  if (end - p >= 3 && static_cast<unsigned char>(p[0]) == 0xef &&
      static_cast<unsigned char>(p[1]) == 0xbb && static_cast<unsigned char>(p[2]) == 0xbf) {
    return p + 3;
  }
  return p;
}

// ---------------------------------------------------------------------------
// Numbers

enum class NumStatus { kOk, kInvalid, kNonFinite, kOutOfRange };

struct NumParse {
  const char* next;  // first character after the number
  NumStatus status;
};

/// For a number that std::from_chars reported out of range: true when it is
/// out of range because it is too small (it rounds to zero, as strtod and
/// Python's float() would have it), false when it is too large. [p, last) is
/// the text from_chars matched: [-]digits[.digits][(e|E)[+-]digits].
bool is_underflow(const char* p, const char* last) {
  if (p < last && *p == '-') ++p;
  // Decimal exponent of the first non-zero digit of the mantissa.
  long long lead = 0;
  bool found = false;
  long long position = 0;  // exponent of the current digit, relative to the point
  const char* q = p;
  while (q < last && *q >= '0' && *q <= '9') ++q;
  position = static_cast<long long>(q - p) - 1;
  for (const char* d = p; d < q; ++d, --position) {
    if (!found && *d != '0') {
      lead = position;
      found = true;
    }
  }
  if (q < last && *q == '.') {
    ++q;
    position = -1;
    for (; q < last && *q >= '0' && *q <= '9'; ++q, --position) {
      if (!found && *q != '0') {
        lead = position;
        found = true;
      }
    }
  }
  long long exponent = 0;
  if (q < last && (*q == 'e' || *q == 'E')) {
    ++q;
    bool negative = false;
    if (q < last && (*q == '+' || *q == '-')) negative = *q++ == '-';
    for (; q < last && *q >= '0' && *q <= '9'; ++q) {
      if (exponent < 1'000'000'000) exponent = exponent * 10 + (*q - '0');
    }
    if (negative) exponent = -exponent;
  }
  return found && lead + exponent < 0;
}

bool is_digit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

/// Exact powers of ten: every one up to 1e22 is a double without rounding.
constexpr double kPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/// The common case, decided without std::from_chars: at most 19 digits
/// whose value m fits in 53 bits, and a decimal exponent e with |e| <= 22.
/// Then m and 10^|e| are both exact doubles and one multiplication or
/// division rounds correctly (Clinger's fast path), so the result is the
/// same as from_chars'. Returns nullptr when the text needs from_chars:
/// more digits, larger exponents, nan/inf, or anything unusual.
inline const char* parse_simple_double(const char* p, const char* end, double& out) {
  bool negative = false;
  if (p < end && *p == '-') {
    negative = true;
    ++p;
  }
  std::uint64_t mantissa = 0;
  int digits = 0;
  const char* q = p;
  while (q < end && is_digit(*q)) {
    mantissa = mantissa * 10 + static_cast<std::uint64_t>(*q - '0');
    ++q;
  }
  digits = static_cast<int>(q - p);
  int exponent = 0;
  if (q < end && *q == '.') {
    const char* fraction = ++q;
    while (q < end && is_digit(*q)) {
      mantissa = mantissa * 10 + static_cast<std::uint64_t>(*q - '0');
      ++q;
    }
    exponent = -static_cast<int>(q - fraction);
    digits -= exponent;
  }
  if (digits == 0 || digits > 19) return nullptr;  // mantissa may have wrapped
  if (q < end && (*q == 'e' || *q == 'E')) {
    const char* e = q + 1;
    bool negative_exponent = false;
    if (e < end && (*e == '-' || *e == '+')) negative_exponent = *e++ == '-';
    const char* exponent_digits = e;
    int value = 0;
    while (e < end && is_digit(*e) && e - exponent_digits < 4) value = value * 10 + (*e++ - '0');
    if (e == exponent_digits || (e < end && is_digit(*e))) return nullptr;
    exponent += negative_exponent ? -value : value;
    q = e;
  }
  if (mantissa > (std::uint64_t{1} << 53) || exponent < -22 || exponent > 22) return nullptr;
  double value = static_cast<double>(mantissa);
  value = exponent < 0 ? value / kPowersOfTen[-exponent] : value * kPowersOfTen[exponent];
  out = negative ? -value : value;
  return q;
}

/// Parses a decimal floating-point number at the start of [p, end) (a leading
/// '+' is allowed). Stops at the first character that cannot continue it;
/// the caller checks what follows.
inline NumParse parse_double(const char* p, const char* end, double& out) {
  const char* start = p;
  if (p < end && *p == '+') {
    ++p;
    if (p < end && (*p == '-' || *p == '+')) return {start, NumStatus::kInvalid};
  }
  if (const char* next = parse_simple_double(p, end, out); next != nullptr) [[likely]] {
    return {next, NumStatus::kOk};
  }
  const auto [next, ec] = std::from_chars(p, end, out);
  if (ec == std::errc{}) {
    return {next, std::isfinite(out) ? NumStatus::kOk : NumStatus::kNonFinite};
  }
  if (ec == std::errc::result_out_of_range) {
    if (is_underflow(p, next)) {
      out = *p == '-' ? -0.0 : 0.0;
      return {next, NumStatus::kOk};
    }
    return {next, NumStatus::kOutOfRange};
  }
  return {start, NumStatus::kInvalid};
}

/// Classifies a whole token as a number (the slow path, for messages).
NumStatus classify_number(std::string_view token) {
  double value = 0.0;
  const char* end = token.data() + token.size();
  const NumParse parsed = parse_double(token.data(), end, value);
  if (parsed.status == NumStatus::kInvalid || parsed.next != end) return NumStatus::kInvalid;
  return parsed.status;
}

/// The reason a token is not an acceptable number, or an empty string.
/// `what` names the thing for the "invalid" case: "number", "label" or
/// "weight".
std::string number_problem(std::string_view token, const char* what) {
  switch (classify_number(token)) {
    case NumStatus::kOk:
      return {};
    case NumStatus::kInvalid:
      return std::string("invalid ") + what + ' ' + quote(token);
    case NumStatus::kNonFinite:
      return "NaN or Inf value " + quote(token);
    case NumStatus::kOutOfRange:
      return "value " + quote(token) + " out of range";
  }
  return {};
}

// ---------------------------------------------------------------------------
// Labels

/// Maps file labels to classes and checks that the file uses 0/1 or -1/+1.
class LabelChecker {
 public:
  /// Class (0 or 1) of `value`, or -1 after setting `reason`.
  int classify(double value, std::string_view token, std::size_t line, std::string& reason) {
    if (value == 1.0) return 1;
    if (value == 0.0) {
      if (zero_line_ == 0) {
        if (minus_one_line_ != 0) {
          reason = "more than two classes: label " + quote(token) + " here, label -1 on line " +
                   std::to_string(minus_one_line_) + " (use either 0/1 or -1/+1)";
          return -1;
        }
        zero_line_ = line;
      }
      return 0;
    }
    if (value == -1.0) {
      if (minus_one_line_ == 0) {
        if (zero_line_ != 0) {
          reason = "more than two classes: label " + quote(token) + " here, label 0 on line " +
                   std::to_string(zero_line_) + " (use either 0/1 or -1/+1)";
          return -1;
        }
        minus_one_line_ = line;
      }
      return 0;
    }
    reason = "label " + quote(token) + " is not 0/1 or -1/+1";
    return -1;
  }

  LabelMap label_map() const {
    LabelMap map;
    map.negative = minus_one_line_ != 0 ? -1.0 : 0.0;
    map.positive = 1.0;
    return map;
  }

 private:
  std::size_t zero_line_ = 0;       // first line with label 0, 0 if none
  std::size_t minus_one_line_ = 0;  // first line with label -1, 0 if none
};

// ---------------------------------------------------------------------------
// LIBSVM

class LibsvmParser {
 public:
  LibsvmParser(std::string_view text, const std::string& name) : text_(text), name_(name) {}

  Result<Dataset> run() {
    Dataset ds;
    // Typical tokens ("12:0.25 ") take 6 to 12 bytes; an estimate that is too
    // large costs address space only, one too small a single regrowth.
    ds.indices.reserve(text_.size() / 8 + 16);
    ds.values.reserve(text_.size() / 8 + 16);
    ds.labels.reserve(text_.size() / 64 + 16);
    ds.row_offsets.reserve(text_.size() / 64 + 17);
    prefer_huge_pages(ds.indices);
    prefer_huge_pages(ds.values);

    const char* const text_end = text_.data() + text_.size();
    const char* p = skip_bom(text_.data(), text_end);
    std::size_t line_no = 0;
    std::uint64_t max_index = 0;
    LabelChecker labels;
    std::string reason;

    while (p < text_end) {
      ++line_no;
      const Line line = line_at(p, text_end);
      const char* const eol = line.end;
      p = skip_blanks(line.start, eol);
      if (p == eol || *p == '#') {  // empty or comment line
        p = line.next;
        continue;
      }

      // Label.
      const char* const label_start = p;
      double label = 0.0;
      NumParse parsed = parse_double(p, eol, label);
      if (parsed.status != NumStatus::kOk || (parsed.next != eol && !ends_token(*parsed.next))) [[unlikely]] {
        const std::string_view token = view(label_start, token_end(label_start, eol));
        return fail(line_no, line.start, label_start, number_problem(token, "label"));
      }
      const int y = labels.classify(label, view(label_start, parsed.next), line_no, reason);
      if (y < 0) [[unlikely]] return fail(line_no, line.start, label_start, std::move(reason));
      p = parsed.next;

      // Features.
      std::uint32_t previous = 0;  // last 1-based index of this row, 0 if none
      bool first = true;
      for (;;) {
        p = skip_blanks(p, eol);
        if (p == eol || *p == '#') break;
        const char* const token = p;
        if (first && *p == 'q' && eol - p >= 4 && std::memcmp(p, "qid:", 4) == 0) {
          p = token_end(p, eol);  // query id: ignored
          first = false;
          continue;
        }
        first = false;

        std::uint32_t index = 0;
        const auto [colon, ec] = std::from_chars(p, eol, index);
        if (ec != std::errc{} || colon == eol || *colon != ':') [[unlikely]] {
          return fail_feature(line_no, line.start, token, eol);
        }
        if (index <= previous) [[unlikely]] {
          std::string why;
          if (index == 0) {
            why = "feature index 0 (indices start at 1)";
          } else if (index == previous) {
            why = "feature index " + std::to_string(index) + " repeated";
          } else {
            why = "feature indices not ascending: " + std::to_string(index) + " after " +
                  std::to_string(previous);
          }
          return fail(line_no, line.start, token, std::move(why));
        }

        const char* const value_start = colon + 1;
        double value = 0.0;
        parsed = parse_double(value_start, eol, value);
        if (parsed.status != NumStatus::kOk || (parsed.next != eol && !ends_token(*parsed.next))) [[unlikely]] {
          return fail_value(line_no, line.start, token, value_start, eol);
        }
        previous = index;
        if (value != 0.0) {
          ds.indices.push_back(index - 1);
          ds.values.push_back(value);
        }
        p = parsed.next;
      }
      if (previous > max_index) max_index = previous;
      ds.labels.push_back(static_cast<double>(y));
      ds.row_offsets.push_back(static_cast<std::int64_t>(ds.indices.size()));
      p = line.next;
    }

    if (ds.labels.empty()) return Error(name_, "no data rows (empty file)");
    ds.num_features = static_cast<std::size_t>(max_index);
    ds.label_map = labels.label_map();
    return ds;
  }

 private:
  static const char* token_end(const char* p, const char* eol) {
    while (p < eol && !ends_token(*p)) ++p;
    return p;
  }

  Error fail(std::size_t line_no, const char* line_start, const char* pos, std::string reason) const {
    return Error(name_, line_no, column_of(line_start, pos), std::move(reason));
  }

  /// A feature token whose "index:" part did not parse.
  Error fail_feature(std::size_t line_no, const char* line_start, const char* token_start,
                     const char* eol) const {
    const std::string_view token = view(token_start, token_end(token_start, eol));
    const std::size_t colon = token.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == token.size()) {
      return fail(line_no, line_start, token_start, "expected index:value, got " + quote(token));
    }
    const std::string_view index = token.substr(0, colon);
    if (index == "qid") {
      return fail(line_no, line_start, token_start,
                  "qid must come right after the label, got " + quote(token));
    }
    for (const char c : index) {
      if (c < '0' || c > '9') {
        return fail(line_no, line_start, token_start, "invalid feature index " + quote(index));
      }
    }
    // Only digits, yet from_chars failed: the number does not fit.
    return fail(line_no, line_start, token_start, "feature index " + quote(index) + " too large");
  }

  /// A feature token whose value did not parse.
  Error fail_value(std::size_t line_no, const char* line_start, const char* token_start,
                   const char* value_start, const char* eol) const {
    const char* const end = token_end(value_start, eol);
    if (end == value_start) {
      return fail(line_no, line_start, token_start,
                  "expected index:value, got " + quote(view(token_start, end)));
    }
    return fail(line_no, line_start, value_start, number_problem(view(value_start, end), "number"));
  }

  std::string_view text_;
  const std::string& name_;
};

// ---------------------------------------------------------------------------
// CSV

class CsvParser {
 public:
  CsvParser(std::string_view text, const std::string& name, const ReadOptions& options)
      : text_(text), name_(name), options_(options), delimiter_(options.delimiter) {}

  Result<Dataset> run() {
    const char* const text_end = text_.data() + text_.size();
    const char* p = skip_bom(text_.data(), text_end);
    std::size_t line_no = 0;

    // Header: the first line that is neither empty nor a '#' comment.
    Line header{p, p, p};
    bool have_header = false;
    while (p < text_end) {
      ++line_no;
      header = line_at(p, text_end);
      p = header.next;
      const char* first = skip_blanks(header.start, header.end);
      if (first != header.end && *first != '#') {
        have_header = true;
        break;
      }
    }
    if (!have_header) return Error(name_, "no data rows (empty file)");
    const std::size_t header_line = line_no;

    std::vector<std::string> names;
    for (const char* field = header.start;;) {
      const auto* delim = static_cast<const char*>(
          std::memchr(field, delimiter_, static_cast<std::size_t>(header.end - field)));
      const char* field_end = delim != nullptr ? delim : header.end;
      std::string_view name = trim(view(field, field_end));
      if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
        name = name.substr(1, name.size() - 2);
      }
      names.emplace_back(name);
      if (delim == nullptr) break;
      field = delim + 1;
    }
    const std::size_t columns = names.size();
    expected_fields_ = columns;

    // Label column.
    std::size_t label_column = 0;
    if (options_.label_column.empty()) {
      for (std::size_t i = 0; i < columns; ++i) {
        if (names[i] == "label") {
          label_column = i;
          break;
        }
      }
    } else {
      Result<std::size_t> found = find_column(names, options_.label_column, "label", header_line);
      if (!found.ok()) return found.error();
      label_column = found.value();
    }

    // Weight column, if any; kNoColumn never equals a field number, so the
    // field loop needs no separate "is there a weight column?" test.
    const bool has_weights = !options_.weight_column.empty();
    std::size_t weight_column = kNoColumn;
    if (has_weights) {
      Result<std::size_t> found = find_column(names, options_.weight_column, "weight", header_line);
      if (!found.ok()) return found.error();
      weight_column = found.value();
      if (weight_column == label_column) {
        return Error(name_, header_line, 0, "the weight column is also the label column");
      }
    }

    Dataset ds;
    const std::size_t features = columns - 1 - (has_weights ? 1 : 0);
    ds.num_features = features;
    ds.feature_names.reserve(features);
    for (std::size_t i = 0; i < columns; ++i) {
      if (i != label_column && i != weight_column) ds.feature_names.push_back(std::move(names[i]));
    }
    // Every field takes at least two bytes (a digit and a delimiter or line
    // break), which bounds the non-zeros; rows take at least 2 * columns.
    const std::size_t remaining = static_cast<std::size_t>(text_end - p);
    const std::size_t nnz_bound = columns > 1 ? remaining / 2 + 1 : 0;
    const std::size_t rows_bound = remaining / (2 * columns) + 1;
    ds.indices.reserve(nnz_bound);
    ds.values.reserve(nnz_bound);
    ds.labels.reserve(rows_bound);
    ds.row_offsets.reserve(rows_bound + 1);
    if (has_weights) ds.weights.reserve(rows_bound);
    prefer_huge_pages(ds.indices);
    prefer_huge_pages(ds.values);

    LabelChecker labels;
    std::string reason;
    while (p < text_end) {
      ++line_no;
      const Line line = line_at(p, text_end);
      p = line.next;
      const char* const eol = line.end;
      if (is_empty(line.start, eol)) continue;

      const char* q = line.start;
      double label = 0.0;
      const char* label_start = q;
      const char* label_end = q;
      double weight = 0.0;
      const char* weight_start = q;
      const char* weight_end = q;
      FeatureIndex feature = 0;
      for (std::size_t k = 0; k < columns; ++k) {
        q = skip_pad(q, eol);
        const char* const field_start = q;
        double value = 0.0;
        const NumParse parsed = parse_double(q, eol, value);
        if (parsed.status != NumStatus::kOk) [[unlikely]] return diagnose_row(line_no, line.start, eol, label_column, weight_column);
        q = skip_pad(parsed.next, eol);
        if (k + 1 < columns) {
          if (q == eol || *q != delimiter_) [[unlikely]] return diagnose_row(line_no, line.start, eol, label_column, weight_column);
          ++q;
        } else if (q != eol) [[unlikely]] {
          return diagnose_row(line_no, line.start, eol, label_column, weight_column);
        }
        if (k == label_column) {
          label = value;
          label_start = field_start;
          label_end = parsed.next;
        } else if (k == weight_column) {
          weight = value;
          weight_start = field_start;
          weight_end = parsed.next;
        } else {
          if (value != 0.0) {
            ds.indices.push_back(feature);
            ds.values.push_back(value);
          }
          ++feature;
        }
      }
      const int y = labels.classify(label, view(label_start, label_end), line_no, reason);
      if (y < 0) [[unlikely]] return Error(name_, line_no, column_of(line.start, label_start), std::move(reason));
      ds.labels.push_back(static_cast<double>(y));
      ds.row_offsets.push_back(static_cast<std::int64_t>(ds.indices.size()));
      if (has_weights) {
        if (weight < 0.0) [[unlikely]] {
          return Error(name_, line_no, column_of(line.start, weight_start),
                       "negative weight " + quote(view(weight_start, weight_end)) + " (weights must be >= 0)");
        }
        ds.weights.push_back(weight);
      }
    }

    if (ds.labels.empty()) return Error(name_, "no data rows (only a header)");
    ds.label_map = labels.label_map();
    return ds;
  }

 private:
  /// Spaces and tabs around a field, unless one of them is the delimiter.
  bool is_pad(char c) const { return is_blank(c) && c != delimiter_; }

  const char* skip_pad(const char* p, const char* end) const {
    while (p < end && is_pad(*p)) ++p;
    return p;
  }

  std::string_view trim(std::string_view s) const {
    while (!s.empty() && is_pad(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_pad(s.back())) s.remove_suffix(1);
    return s;
  }

  static bool is_empty(const char* p, const char* end) {
    return skip_blanks(p, end) == end;
  }

  static constexpr std::size_t kNoColumn = static_cast<std::size_t>(-1);

  /// The column `wanted` names: a header name, else a 0-based index given as
  /// digits. `what` ("label", "weight") names the option in messages.
  Result<std::size_t> find_column(const std::vector<std::string>& names, const std::string& wanted,
                                  const char* what, std::size_t header_line) const {
    const std::size_t columns = names.size();
    for (std::size_t i = 0; i < columns; ++i) {
      if (names[i] == wanted) return i;
    }
    std::size_t index = 0;
    const char* const wanted_end = wanted.data() + wanted.size();
    const auto [last, ec] = std::from_chars(wanted.data(), wanted_end, index);
    const bool digits = last == wanted_end && ec != std::errc::invalid_argument;
    if (!digits) {
      return Error(name_, header_line, 0, "no column named " + quote(wanted) + " in the header");
    }
    if (ec != std::errc{} || index >= columns) {
      return Error(name_, header_line, 0,
                   std::string(what) + " column " + wanted + " out of range (the header has " +
                       std::to_string(columns) + (columns == 1 ? " column)" : " columns)"));
    }
    return index;
  }

  /// Finds what is wrong with a row the fast path rejected: the field count
  /// first, then each field in order.
  Error diagnose_row(std::size_t line_no, const char* line_start, const char* eol,
                     std::size_t label_column, std::size_t weight_column) const {
    std::size_t fields = 1;
    for (const char* c = line_start; c < eol; ++c) fields += *c == delimiter_ ? 1 : 0;
    if (fields != expected_fields_) {
      return Error(name_, line_no, 0,
                   "expected " + std::to_string(expected_fields_) + " fields, got " + std::to_string(fields));
    }
    const char* field = line_start;
    for (std::size_t k = 0;; ++k) {
      const auto* delim = static_cast<const char*>(
          std::memchr(field, delimiter_, static_cast<std::size_t>(eol - field)));
      const char* field_end = delim != nullptr ? delim : eol;
      const std::string_view text = trim(view(field, field_end));
      const char* start = text.empty() ? field : text.data();
      const char* const what = k == label_column ? "label" : k == weight_column ? "weight" : nullptr;
      std::string why;
      if (text.empty()) {
        why = what != nullptr ? std::string("missing ") + what + " (empty field)" : "missing value (empty field)";
      } else {
        why = number_problem(text, what != nullptr ? what : "number");
      }
      if (!why.empty()) return Error(name_, line_no, column_of(line_start, start), std::move(why));
      if (delim == nullptr) break;
      field = delim + 1;
    }
    return Error(name_, line_no, 0, "malformed row");  // not reached
  }

  std::string_view text_;
  const std::string& name_;
  const ReadOptions& options_;
  char delimiter_;
  std::size_t expected_fields_ = 0;  // columns in the header
};

/// The first line that is neither empty nor a '#' comment, or an empty view.
std::string_view first_content_line(std::string_view text) {
  const char* const text_end = text.data() + text.size();
  const char* p = skip_bom(text.data(), text_end);
  while (p < text_end) {
    const Line line = line_at(p, text_end);
    const char* first = skip_blanks(line.start, line.end);
    if (first != line.end && *first != '#') return view(first, line.end);
    p = line.next;
  }
  return {};
}

/// LIBSVM when a whitespace-separated token after the first has a ':'; else
/// CSV when the line has the delimiter; else LIBSVM (a lone label, say).
DataFormat detect_format(std::string_view line, char delimiter) {
  // Only the part before a comment counts.
  const std::size_t hash = line.find('#');
  if (hash != std::string_view::npos) line = line.substr(0, hash);
  std::size_t i = 0;
  while (i < line.size() && !is_blank(line[i])) ++i;  // the first token
  if (line.find(':', i) != std::string_view::npos) return DataFormat::kLibsvm;
  if (line.find(delimiter) != std::string_view::npos) return DataFormat::kCsv;
  return DataFormat::kLibsvm;
}

std::string errno_text(int error) { return std::generic_category().message(error); }

class FileCloser {
 public:
  explicit FileCloser(int fd) : fd_(fd) {}
  ~FileCloser() { ::close(fd_); }
  FileCloser(const FileCloser&) = delete;
  FileCloser& operator=(const FileCloser&) = delete;

 private:
  int fd_;
};

}  // namespace

Result<Dataset> parse_dataset(std::string_view text, const std::string& name, const ReadOptions& options) {
  const std::string_view first = first_content_line(text);
  if (first.empty()) return Error(name, "no data rows (empty file)");
  DataFormat format = options.format;
  if (format == DataFormat::kAuto) format = detect_format(first, options.delimiter);
  if (format == DataFormat::kCsv) return CsvParser(text, name, options).run();
  if (!options.weight_column.empty()) return Error(name, "--weight-column applies to CSV files only");
  return LibsvmParser(text, name).run();
}

Result<Dataset> read_dataset(const std::string& path, const ReadOptions& options) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error(path, "cannot open: " + errno_text(errno));
  const FileCloser closer(fd);
  struct stat info {};
  if (::fstat(fd, &info) != 0) return Error(path, "cannot open: " + errno_text(errno));
  if (S_ISDIR(info.st_mode)) return Error(path, "is a directory");

  // One read for a regular file (its size plus one byte to see the end);
  // pipes and the like grow the buffer as they go.
  std::size_t capacity = S_ISREG(info.st_mode) ? static_cast<std::size_t>(info.st_size) + 1 : (std::size_t{1} << 20);
  auto buffer = std::make_unique_for_overwrite<char[]>(capacity);
  prefer_huge_pages(buffer.get(), capacity);
  std::size_t size = 0;
  for (;;) {
    if (size == capacity) {
      const std::size_t bigger = capacity * 2;
      auto grown = std::make_unique_for_overwrite<char[]>(bigger);
      std::memcpy(grown.get(), buffer.get(), size);
      buffer = std::move(grown);
      capacity = bigger;
    }
    const ssize_t got = ::read(fd, buffer.get() + size, capacity - size);
    if (got < 0) {
      if (errno == EINTR) continue;
      if (errno == EISDIR) return Error(path, "is a directory");
      return Error(path, "cannot read: " + errno_text(errno));
    }
    if (got == 0) break;
    size += static_cast<std::size_t>(got);
  }
  return parse_dataset(std::string_view(buffer.get(), size), path, options);
}

std::optional<DataFormat> parse_format(std::string_view text) {
  if (text == "auto") return DataFormat::kAuto;
  if (text == "libsvm") return DataFormat::kLibsvm;
  if (text == "csv") return DataFormat::kCsv;
  return std::nullopt;
}

}  // namespace logreg
