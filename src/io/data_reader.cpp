// LIBSVM/svmlight and CSV readers.
//
// The text is cut into byte ranges that start right after a line break (a
// number of ranges that depends on the text's size only), the ranges are
// parsed in parallel into CSR pieces, and the pieces are joined in order.
// What depends on the whole file (the CSV header, the label convention, the
// number of features, the line number of the first error) is settled when
// the pieces are merged, so the result is the same for any thread count and
// any range size, down to the byte.
//
// Each range is parsed in one pass: lines are found with memchr, numbers
// are parsed in place (short decimals by an exact fast path, everything else
// by std::from_chars), and no line or token is ever copied into a
// std::string. The fast path only asks "did this token parse cleanly?";
// when it did not, a separate (slow, rare) path looks at the whole token
// again to say precisely what is wrong.
//
// A regular file is mapped, not copied, and each range's pages are handed
// back to the kernel once parsed, so a read needs little more memory than
// the dataset it makes.
//
// Numbers that underflow (1e-400) read as 0, as with strtod; numbers that
// overflow (1e999), NaN and Inf are errors.
#include "logreg/data_reader.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/huge_pages.hpp"
#include "core/kernels.hpp"
#include "io/data_reader_internal.hpp"

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

/// Requests the text a fixed distance ahead of the parser. A mapped file
/// lies in the page cache's 4 KiB pages, scattered in physical memory, and
/// the processor's own prefetcher stops at each page's end, so without this
/// the first read of every page waits for memory. Once a page is started the
/// processor follows it, so one request per 2 KiB is enough: a request per
/// 64-byte line cost the in-memory parse up to a tenth.
class TextPrefetcher {
 public:
  TextPrefetcher(const char* begin, const char* end) : next_(begin), end_(end) {}
  /// Call with the parser's position.
  void ahead_of(const char* position) {
    const char* const target = end_ - position > kDistance ? position + kDistance : end_;
    for (; next_ < target; next_ += kLine) core::prefetch_line(next_);
  }

 private:
  static constexpr std::ptrdiff_t kDistance = 8192;
  static constexpr std::ptrdiff_t kLine = 2048;
  const char* next_;
  const char* end_;
};

/// Maps the not yet touched pages of [data, data + bytes), memory about to
/// be written, in one call (Linux 5.14+) instead of one page fault per
/// 4 KiB page on first write. On this project's virtual machines a fault
/// costs several microseconds, more than parsing the text that fills the
/// page; one call saves the traps, though not the hypervisor's own cost of
/// a first write to each page (reading a 2.7 MB file: 21 -> 15 ms, 1300
/// faults -> 170). Pages already mapped cost only a page-table walk. Only
/// a hint: errors (an older kernel) are ignored, and the first writes then
/// fault as before.
void populate_for_writing(const void* data, std::size_t bytes) {
#ifdef MADV_POPULATE_WRITE
  constexpr int kPopulateWrite = MADV_POPULATE_WRITE;
#else
  constexpr int kPopulateWrite = 23;  // the value in <linux/mman.h>; older headers lack it
#endif
  if (bytes == 0) return;
  constexpr std::uintptr_t kPage = 4096;
  // Whole pages holding the range: they lie inside the allocation's mapping.
  const auto first = reinterpret_cast<std::uintptr_t>(data) & ~(kPage - 1);
  const auto last = (reinterpret_cast<std::uintptr_t>(data) + bytes + kPage - 1) & ~(kPage - 1);
  ::madvise(reinterpret_cast<void*>(first), last - first, kPopulateWrite);
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

/// Reads the decimal digits at `q` into `value` (value * 10 + digit for
/// each, wrapping modulo 2^64) and returns the first character after them.
/// (Taking eight bytes at once, the "SWAR" way, measured 10-25 % slower on
/// our texts: their numbers are too short for it.)
[[gnu::always_inline]] inline const char* take_digits(const char* q, const char* end, std::uint64_t& value) {
  while (q < end && is_digit(*q)) {
    value = value * 10 + static_cast<std::uint64_t>(*q - '0');
    ++q;
  }
  return q;
}

/// A LIBSVM feature index at the start of [p, end): digits whose value fits
/// in 32 bits, as std::from_chars<std::uint32_t> reads them (leading zeros
/// allowed, no sign). Returns the first character after the digits, or
/// nullptr when there are none or the value is too large.
[[gnu::always_inline]] inline const char* parse_index(const char* p, const char* end, std::uint32_t& out) {
  std::uint64_t value = 0;
  const char* const q = take_digits(p, end, value);
  if (q == p) return nullptr;
  if (q - p > 19) {  // `value` may have wrapped; only leading zeros can make this fit
    value = 0;
    for (const char* d = p; d < q; ++d) {
      value = value * 10 + static_cast<std::uint64_t>(*d - '0');
      if (value > std::numeric_limits<std::uint32_t>::max()) return nullptr;
    }
  }
  if (value > std::numeric_limits<std::uint32_t>::max()) return nullptr;
  out = static_cast<std::uint32_t>(value);
  return q;
}

/// The common case, decided without std::from_chars: at most 19 digits
/// whose value m fits in 53 bits, and a decimal exponent e with |e| <= 22.
/// Then m and 10^|e| are both exact doubles and one multiplication or
/// division rounds correctly (Clinger's fast path), so the result is the
/// same as from_chars'. Returns nullptr when the text needs from_chars:
/// more digits, larger exponents, nan/inf, or anything unusual. Forced
/// inline: a call per number costs a quarter of the parse.
[[gnu::always_inline]] inline const char* parse_simple_double(const char* p, const char* end, double& out) {
  // The sign is handled without branches: in data centred on zero it is a
  // coin toss, and two mispredicted branches per number cost more than
  // anything else here.
  const bool negative = p < end && *p == '-';
  p += static_cast<int>(negative);
  std::uint64_t mantissa = 0;
  const char* q = take_digits(p, end, mantissa);
  if (q - p > 19) return nullptr;  // more digits than the fast path takes
  int digits = static_cast<int>(q - p);
  int exponent = 0;
  if (q < end && *q == '.') {
    const char* fraction = ++q;
    q = take_digits(q, end, mantissa);
    if (q - fraction > 19) return nullptr;
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
  // value >= 0 (or +0), so setting the sign bit negates it, -0 included.
  out = std::bit_cast<double>(std::bit_cast<std::uint64_t>(value) | (std::uint64_t{negative} << 63));
  return q;
}

/// Parses a decimal floating-point number at the start of [p, end) (a leading
/// '+' is allowed). Stops at the first character that cannot continue it;
/// the caller checks what follows.
[[gnu::always_inline]] inline NumParse parse_double(const char* p, const char* end, double& out) {
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
// Per-range results

/// A growable array of a trivially copyable T for one range's part of the
/// matrix. Large ones get their own anonymous mapping, sized in whole huge
/// pages and hinted to be backed by them (a 4 KiB page fault per 4 KiB
/// filled costs about as much as parsing the text that fills it), grown by
/// mremap without a copy, and returned to the kernel when freed rather than
/// kept in malloc's free lists. Small ones (tests, fuzz inputs) come from
/// operator new, where the sanitizers see them.
///
/// The parsers make room once per line (reserve_tail) and then write the
/// line's values without a check per value.
template <typename T>
class RangeArray {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  RangeArray() = default;
  ~RangeArray() { release(); }
  RangeArray(const RangeArray&) = delete;
  RangeArray& operator=(const RangeArray&) = delete;

  std::size_t size() const { return size_; }
  const T* data() const { return data_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }

  void reserve(std::size_t wanted) {
    if (wanted > capacity_) reallocate(wanted);
  }
  void ensure_room(std::size_t extra) {
    if (extra > capacity_ - size_) [[unlikely]] reallocate(std::max(size_ + extra, capacity_ * 2));
  }
  /// Room for `extra` more elements; returns where the next one goes. The
  /// parsers write through the returned pointer, held in a local variable
  /// (a member would be reloaded and stored around every call the compiler
  /// cannot see into), and then say where they stopped (set_end).
  T* reserve_tail(std::size_t extra) {
    ensure_room(extra);
    return data_ + size_;
  }
  void set_end(const T* end) { size_ = static_cast<std::size_t>(end - data_); }
  void push(T value) {
    ensure_room(1);
    data_[size_++] = value;
  }

  /// Empties the array, keeping its memory.
  void clear() { size_ = 0; }

  /// Frees the memory; the array is empty afterwards.
  void release() {
    if (data_ != nullptr) free_block(data_, capacity_);
    data_ = nullptr;
    size_ = 0;
    capacity_ = 0;
  }

 private:
  static constexpr std::size_t kMapFrom = std::size_t{256} << 10;  // bytes

  static bool is_mapped(std::size_t capacity) { return capacity * sizeof(T) >= kMapFrom; }

  static T* allocate_block(std::size_t capacity) {
    const std::size_t bytes = capacity * sizeof(T);
    if (!is_mapped(capacity)) return static_cast<T*>(::operator new(bytes));
    void* block = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (block == MAP_FAILED) throw std::bad_alloc();
    core::prefer_huge_pages(block, bytes);
    return static_cast<T*>(block);
  }

  /// Large mapped blocks are sized in whole huge pages: the kernel then
  /// aligns them so that huge pages can back them (core::prefer_huge_pages).
  static std::size_t round_capacity(std::size_t capacity) {
    constexpr std::size_t kHugePage = std::size_t{2} << 20;
    const std::size_t bytes = capacity * sizeof(T);
    if (bytes < kHugePage) return capacity;
    return ((bytes + kHugePage - 1) & ~(kHugePage - 1)) / sizeof(T);
  }

  static void free_block(T* block, std::size_t capacity) {
    if (is_mapped(capacity)) {
      ::munmap(block, capacity * sizeof(T));
    } else {
      ::operator delete(block);
    }
  }

  void reallocate(std::size_t capacity) {
    if (capacity > std::numeric_limits<std::size_t>::max() / sizeof(T) / 2) throw std::bad_alloc();
    capacity = round_capacity(capacity);
    if (data_ != nullptr && is_mapped(capacity_) && is_mapped(capacity)) {
      // The kernel moves the pages instead of copying them.
      void* moved = ::mremap(data_, capacity_ * sizeof(T), capacity * sizeof(T), MREMAP_MAYMOVE);
      if (moved == MAP_FAILED) throw std::bad_alloc();
      data_ = static_cast<T*>(moved);
      capacity_ = capacity;
      core::prefer_huge_pages(data_, capacity_ * sizeof(T));
      return;
    }
    T* grown = allocate_block(capacity);
    if (size_ > 0) std::memcpy(grown, data_, size_ * sizeof(T));
    if (data_ != nullptr) free_block(data_, capacity_);
    data_ = grown;
    capacity_ = capacity;
  }

  T* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

/// The first line of a range with a given negative label (0 or -1), kept to
/// decide across ranges whether the file mixes 0 and -1. Line 0: none seen.
struct LabelSighting {
  std::size_t line = 0;
  std::size_t column = 0;
  std::string token;  // the label as written, for the message

  bool seen() const { return line != 0; }
};

/// An error found in a range, its line counted from the range's first line.
struct RangeError {
  std::size_t line;
  std::size_t column;  // 0 when the error is about the whole line
  std::string reason;
};

/// A range's rows in CSR form, in its own buffers: row ends count the
/// range's non-zeros from its first.
struct RangeRows {
  RangeArray<std::int64_t> row_ends;
  RangeArray<FeatureIndex> indices;
  RangeArray<double> values;
  RangeArray<double> labels;
  RangeArray<double> weights;

  /// Makes room for about `nonzeros` and `rows` (more only costs address
  /// space; less, a regrowth).
  void expect(std::size_t nonzeros, std::size_t rows) {
    indices.reserve(nonzeros);
    values.reserve(nonzeros);
    labels.reserve(rows);
    row_ends.reserve(rows);
  }

  void clear() {
    row_ends.clear();
    indices.clear();
    values.clear();
    labels.clear();
    weights.clear();
  }
};

/// std::vector with RangeArray's appending interface, for a range that
/// writes its rows straight into the dataset. Values are written through a
/// raw pointer, so the vector's size must already cover them: it is grown
/// ahead in chunks small enough for their zero fill to stay in the cache,
/// and trimmed to what was written by finish(). The pages ahead are mapped
/// in larger chunks (populate_for_writing) before the zero fill reaches
/// them, so that it does not take a page fault per 4 KiB where the vector
/// is not on huge pages (under 2 MiB, or the kernel declined them: see
/// core/huge_pages.hpp); on huge pages it maps them a little earlier.
template <typename T>
class VectorAppender {
 public:
  explicit VectorAppender(std::vector<T>& out) : out_(out), size_(out.size()), populated_(out.size()) {}

  std::size_t size() const { return size_; }
  T* reserve_tail(std::size_t extra) {
    if (extra > out_.size() - size_) [[unlikely]] grow(extra);
    return out_.data() + size_;
  }
  void set_end(const T* end) { size_ = static_cast<std::size_t>(end - out_.data()); }
  void push(T value) {
    *reserve_tail(1) = value;
    ++size_;
  }
  /// Drops the part grown ahead and not written.
  void finish() { out_.resize(size_); }

 private:
  static constexpr std::size_t kChunk = 16384 / sizeof(T);
  // Many pages per call, and at most this much mapped and never written
  // when the range ends (against the address space reserved ahead for the
  // whole file, which can be twice what the file fills).
  static constexpr std::size_t kPopulateChunk = (std::size_t{256} << 10) / sizeof(T);

  void grow(std::size_t extra) {
    const std::size_t wanted = std::max(size_ + extra, out_.size() + kChunk);
    if (wanted > out_.capacity()) {
      core::reserve_on_huge_pages(out_, std::max(wanted, out_.capacity() * 2));
      populated_ = out_.size();  // moved: only the copied elements are known to be mapped
    }
    if (wanted > populated_) {
      const std::size_t upto = std::min(out_.capacity(), std::max(wanted, populated_ + kPopulateChunk));
      populate_for_writing(out_.data() + populated_, (upto - populated_) * sizeof(T));
      populated_ = upto;
    }
    out_.resize(wanted);
  }

  std::vector<T>& out_;
  std::size_t size_;       // written so far; out_.size() may be larger
  std::size_t populated_;  // elements whose pages are mapped (populate_for_writing)
};

/// The dataset as the place a range writes its rows to, when all ranges
/// before it are in: no buffer and no copy. Row ends are then the dataset's
/// row offsets.
struct DatasetRows {
  explicit DatasetRows(Dataset& ds)
      : row_ends(ds.row_offsets), indices(ds.indices), values(ds.values), labels(ds.labels), weights(ds.weights) {}

  /// The joiner has sized the dataset already (RangeJoiner::claim_direct).
  void expect(std::size_t /*nonzeros*/, std::size_t /*rows*/) {}

  /// Trims the arrays to the rows written.
  void finish() {
    row_ends.finish();
    indices.finish();
    values.finish();
    labels.finish();
    weights.finish();
  }

  VectorAppender<std::int64_t> row_ends;
  VectorAppender<FeatureIndex> indices;
  VectorAppender<double> values;
  VectorAppender<double> labels;
  VectorAppender<double> weights;
};

/// What the parsers think one range of `bytes` bytes typically holds.
struct RangeSizes {
  std::size_t nonzeros;
  std::size_t rows;
};

/// What parsing one byte range produced: its rows (in `rows`, unless they
/// went straight into the dataset), what must be merged across ranges
/// (largest index, label sightings, line count), and the first error.
struct RangeResult {
  RangeRows rows;
  bool rows_in_dataset = false;  // written through DatasetRows, not into `rows`
  std::size_t lines = 0;         // lines begun in the range (all of them when it parsed)
  std::uint64_t max_index = 0;   // LIBSVM: largest 1-based feature index
  LabelSighting first_zero;
  LabelSighting first_minus_one;
  std::optional<RangeError> error;
  /// The range holds both 0 and -1 labels. The merge turns that into the
  /// "more than two classes" error, naming lines from the whole file.
  bool mixed_labels = false;

  bool stopped() const { return error.has_value() || mixed_labels; }

  void fail(std::size_t line, std::size_t column, std::string reason) {
    error = RangeError{line, column, std::move(reason)};
  }

  /// Empties it for the next range, keeping the buffers' memory.
  void clear() {
    rows.clear();
    rows_in_dataset = false;
    lines = 0;
    max_index = 0;
    first_zero = LabelSighting{};
    first_minus_one = LabelSighting{};
    error.reset();
    mixed_labels = false;
  }
};

// ---------------------------------------------------------------------------
// Labels

/// Classes of the labels of one range. Whether the file mixes 0 and -1 is
/// decided later, over all ranges, from the first line of each: here the
/// range only records them (and stops at once when it holds both, since the
/// file is then bad at or before that line).
class LabelTracker {
 public:
  static constexpr int kNotALabel = -1;  ///< not 0/1 or -1/+1; `reason` says so
  static constexpr int kMixed = -2;      ///< this range now has both 0 and -1

  explicit LabelTracker(RangeResult& out) : out_(out) {}

  /// Class (0 or 1) of `value` written as `token` at `line`:`column`, or
  /// kNotALabel (after setting `reason`) or kMixed.
  int classify(double value, std::string_view token, std::size_t line, std::size_t column, std::string& reason) {
    if (value == 1.0) [[likely]] return 1;
    if (value == 0.0) return note(out_.first_zero, out_.first_minus_one, token, line, column);
    if (value == -1.0) return note(out_.first_minus_one, out_.first_zero, token, line, column);
    reason = "label " + quote(token) + " is not 0/1 or -1/+1";
    return kNotALabel;
  }

 private:
  int note(LabelSighting& mine, const LabelSighting& other, std::string_view token, std::size_t line,
           std::size_t column) {
    if (mine.seen()) [[likely]] return 0;
    mine = LabelSighting{line, column, std::string(token)};
    if (other.seen()) {
      out_.mixed_labels = true;
      return kMixed;
    }
    return 0;
  }

  RangeResult& out_;
};

// ---------------------------------------------------------------------------
// LIBSVM

class LibsvmRangeParser {
 public:
  /// Typical tokens ("12:0.25 ") take 6 to 12 bytes, rows 64 or more.
  static RangeSizes expected(std::size_t bytes) { return {bytes / 8 + 16, bytes / 64 + 16}; }

  /// Parses the lines of [begin, end) (which starts a line and ends after a
  /// line break or at the end of the text): rows into `rows`, the rest into
  /// `out`.
  template <typename Rows>
  static void parse(const char* begin, const char* end, RangeResult& out, Rows& rows) {
    const RangeSizes sizes = expected(static_cast<std::size_t>(end - begin));
    rows.expect(sizes.nonzeros, sizes.rows);

    LabelTracker labels(out);
    const char* p = begin;
    std::size_t line_no = 0;
    std::uint64_t max_index = 0;
    std::string reason;

    TextPrefetcher prefetcher(begin, end);
    while (p < end) {
      ++line_no;
      prefetcher.ahead_of(p);
      const Line line = line_at(p, end);
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
        return stop(out, line_no, fail(line.start, label_start, number_problem(token, "label")));
      }
      const int y = labels.classify(label, view(label_start, parsed.next), line_no, column_of(line.start, label_start),
                                    reason);
      if (y < 0) [[unlikely]] {
        if (y == LabelTracker::kMixed) return stop(out, line_no);
        return stop(out, line_no, fail(line.start, label_start, std::move(reason)));
      }
      p = parsed.next;

      // Every stored feature takes at least 4 bytes of the line (a blank and
      // "i:v"), which bounds what this line can add.
      const auto line_bytes = static_cast<std::size_t>(eol - line.start);
      FeatureIndex* index_out = rows.indices.reserve_tail(line_bytes / 4 + 1);
      double* value_out = rows.values.reserve_tail(line_bytes / 4 + 1);

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
        const char* const colon = parse_index(p, eol, index);
        if (colon == nullptr || colon == eol || *colon != ':') [[unlikely]] {
          return stop(out, line_no, fail_feature(line.start, token, eol));
        }
        if (index <= previous) [[unlikely]] {
          std::string why;
          if (index == 0) {
            why = "feature index 0 (indices start at 1)";
          } else if (index == previous) {
            why = "feature index " + std::to_string(index) + " repeated";
          } else {
            why = "feature indices not ascending: " + std::to_string(index) + " after " + std::to_string(previous);
          }
          return stop(out, line_no, fail(line.start, token, std::move(why)));
        }

        const char* const value_start = colon + 1;
        double value = 0.0;
        parsed = parse_double(value_start, eol, value);
        if (parsed.status != NumStatus::kOk || (parsed.next != eol && !ends_token(*parsed.next))) [[unlikely]] {
          return stop(out, line_no, fail_value(line.start, token, value_start, eol));
        }
        previous = index;
        if (value != 0.0) {
          *index_out++ = index - 1;
          *value_out++ = value;
        }
        p = parsed.next;
      }
      rows.indices.set_end(index_out);
      rows.values.set_end(value_out);
      if (previous > max_index) max_index = previous;
      rows.labels.push(static_cast<double>(y));
      rows.row_ends.push(static_cast<std::int64_t>(rows.indices.size()));
      p = line.next;
    }
    out.lines = line_no;
    out.max_index = max_index;
  }

 private:
  /// Where and why a line is bad, before its line number is attached.
  struct Failure {
    std::size_t column;
    std::string reason;
  };

  static void stop(RangeResult& out, std::size_t line_no) { out.lines = line_no; }
  static void stop(RangeResult& out, std::size_t line_no, Failure failure) {
    out.lines = line_no;
    out.fail(line_no, failure.column, std::move(failure.reason));
  }

  static const char* token_end(const char* p, const char* eol) {
    while (p < eol && !ends_token(*p)) ++p;
    return p;
  }

  static Failure fail(const char* line_start, const char* pos, std::string reason) {
    return {column_of(line_start, pos), std::move(reason)};
  }

  /// A feature token whose "index:" part did not parse.
  static Failure fail_feature(const char* line_start, const char* token_start, const char* eol) {
    const std::string_view token = view(token_start, token_end(token_start, eol));
    const std::size_t colon = token.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == token.size()) {
      return fail(line_start, token_start, "expected index:value, got " + quote(token));
    }
    const std::string_view index = token.substr(0, colon);
    if (index == "qid") {
      return fail(line_start, token_start, "qid must come right after the label, got " + quote(token));
    }
    for (const char c : index) {
      if (c < '0' || c > '9') return fail(line_start, token_start, "invalid feature index " + quote(index));
    }
    // Only digits, yet from_chars failed: the number does not fit.
    return fail(line_start, token_start, "feature index " + quote(index) + " too large");
  }

  /// A feature token whose value did not parse.
  static Failure fail_value(const char* line_start, const char* token_start, const char* value_start,
                            const char* eol) {
    const char* const end = token_end(value_start, eol);
    if (end == value_start) {
      return fail(line_start, token_start, "expected index:value, got " + quote(view(token_start, end)));
    }
    return fail(line_start, value_start, number_problem(view(value_start, end), "number"));
  }
};

// ---------------------------------------------------------------------------
// CSV

/// The columns of a CSV file, fixed by its header.
struct CsvLayout {
  static constexpr std::size_t kNoColumn = static_cast<std::size_t>(-1);

  char delimiter = ',';
  std::size_t columns = 0;
  std::size_t label_column = 0;
  /// kNoColumn never equals a field number, so the field loop needs no
  /// separate "is there a weight column?" test.
  std::size_t weight_column = kNoColumn;

  bool has_weights() const { return weight_column != kNoColumn; }
};

/// Spaces and tabs around a CSV field, unless one of them is the delimiter.
bool is_csv_pad(char c, char delimiter) { return is_blank(c) && c != delimiter; }

std::string_view trim_csv_pad(std::string_view s, char delimiter) {
  while (!s.empty() && is_csv_pad(s.front(), delimiter)) s.remove_prefix(1);
  while (!s.empty() && is_csv_pad(s.back(), delimiter)) s.remove_suffix(1);
  return s;
}

class CsvRangeParser {
 public:
  explicit CsvRangeParser(const CsvLayout& layout) : layout_(layout), delimiter_(layout.delimiter) {}

  /// Typical fields ("-0.4213,") take 5 to 10 bytes.
  RangeSizes expected(std::size_t bytes) const {
    const std::size_t columns = layout_.columns;
    return {columns > 1 ? bytes / 6 + 16 : 0, bytes / (6 * columns) + 16};
  }

  /// Parses the rows of [begin, end) (which starts a line and ends after a
  /// line break or at the end of the text): rows into `rows`, the rest into
  /// `out`.
  template <typename Rows>
  void parse(const char* begin, const char* end, RangeResult& out, Rows& rows) const {
    const std::size_t columns = layout_.columns;
    const std::size_t label_column = layout_.label_column;
    const std::size_t weight_column = layout_.weight_column;
    const bool has_weights = layout_.has_weights();
    const RangeSizes sizes = expected(static_cast<std::size_t>(end - begin));
    rows.expect(sizes.nonzeros, sizes.rows);

    LabelTracker labels(out);
    std::string reason;
    const char* p = begin;
    std::size_t line_no = 0;
    TextPrefetcher prefetcher(begin, end);
    while (p < end) {
      ++line_no;
      prefetcher.ahead_of(p);
      const Line line = line_at(p, end);
      p = line.next;
      const char* const eol = line.end;
      if (is_empty(line.start, eol)) continue;

      FeatureIndex* index_out = rows.indices.reserve_tail(columns);
      double* value_out = rows.values.reserve_tail(columns);
      const char* q = line.start;
      double label = 0.0;
      const char* label_start = q;
      const char* label_end = q;
      double weight = 0.0;
      const char* weight_start = q;
      const char* weight_end = q;
      FeatureIndex feature = 0;
      // The common row has no padding: each test of the fast path below
      // looks for the plain case first and pads only when it fails.
      const std::size_t last = columns - 1;
      for (std::size_t k = 0; k < columns; ++k) {
        if (q < eol && is_pad(*q)) [[unlikely]] q = skip_pad(q, eol);
        const char* const field_start = q;
        double value = 0.0;
        const NumParse parsed = parse_double(q, eol, value);
        if (parsed.status != NumStatus::kOk) [[unlikely]] return diagnose_row(out, line_no, line.start, eol);
        q = parsed.next;
        if (k < last) {
          if (q == eol || *q != delimiter_) [[unlikely]] {
            q = skip_pad(q, eol);
            if (q == eol || *q != delimiter_) return diagnose_row(out, line_no, line.start, eol);
          }
          ++q;
        } else if (q != eol) [[unlikely]] {
          if (skip_pad(q, eol) != eol) return diagnose_row(out, line_no, line.start, eol);
        }
        if (k == label_column) [[unlikely]] {
          label = value;
          label_start = field_start;
          label_end = parsed.next;
        } else if (k == weight_column) [[unlikely]] {
          weight = value;
          weight_start = field_start;
          weight_end = parsed.next;
        } else {
          if (value != 0.0) {
            *index_out++ = feature;
            *value_out++ = value;
          }
          ++feature;
        }
      }
      rows.indices.set_end(index_out);
      rows.values.set_end(value_out);
      const std::size_t label_col = column_of(line.start, label_start);
      const int y = labels.classify(label, view(label_start, label_end), line_no, label_col, reason);
      if (y < 0) [[unlikely]] {
        out.lines = line_no;
        if (y == LabelTracker::kNotALabel) out.fail(line_no, label_col, std::move(reason));
        return;
      }
      rows.labels.push(static_cast<double>(y));
      rows.row_ends.push(static_cast<std::int64_t>(rows.indices.size()));
      if (has_weights) {
        if (weight < 0.0) [[unlikely]] {
          out.lines = line_no;
          out.fail(line_no, column_of(line.start, weight_start),
                   "negative weight " + quote(view(weight_start, weight_end)) + " (weights must be >= 0)");
          return;
        }
        rows.weights.push(weight);
      }
    }
    out.lines = line_no;
  }

 private:
  bool is_pad(char c) const { return is_csv_pad(c, delimiter_); }

  std::string_view trim(std::string_view s) const { return trim_csv_pad(s, delimiter_); }

  const char* skip_pad(const char* p, const char* end) const {
    while (p < end && is_pad(*p)) ++p;
    return p;
  }

  static bool is_empty(const char* p, const char* end) { return skip_blanks(p, end) == end; }

  /// Finds what is wrong with a row the fast path rejected: the field count
  /// first, then each field in order.
  void diagnose_row(RangeResult& out, std::size_t line_no, const char* line_start, const char* eol) const {
    out.lines = line_no;
    std::size_t fields = 1;
    for (const char* c = line_start; c < eol; ++c) fields += *c == delimiter_ ? 1 : 0;
    if (fields != layout_.columns) {
      out.fail(line_no, 0,
               "expected " + std::to_string(layout_.columns) + " fields, got " + std::to_string(fields));
      return;
    }
    const char* field = line_start;
    for (std::size_t k = 0;; ++k) {
      const auto* delim =
          static_cast<const char*>(std::memchr(field, delimiter_, static_cast<std::size_t>(eol - field)));
      const char* field_end = delim != nullptr ? delim : eol;
      const std::string_view text = trim(view(field, field_end));
      const char* start = text.empty() ? field : text.data();
      const char* const what =
          k == layout_.label_column ? "label" : k == layout_.weight_column ? "weight" : nullptr;
      std::string why;
      if (text.empty()) {
        why = what != nullptr ? std::string("missing ") + what + " (empty field)" : "missing value (empty field)";
      } else {
        why = number_problem(text, what != nullptr ? what : "number");
      }
      if (!why.empty()) {
        out.fail(line_no, column_of(line_start, start), std::move(why));
        return;
      }
      if (delim == nullptr) break;
      field = delim + 1;
    }
    out.fail(line_no, 0, "malformed row");  // not reached
  }

  const CsvLayout& layout_;
  char delimiter_;
};

// ---------------------------------------------------------------------------
// Ranges: split, parse in parallel, merge

/// Starts of the byte ranges of [begin, end): the first line start at or
/// after begin + k * range_bytes for each k, without repeats, then `end`.
std::vector<const char*> split_into_ranges(const char* begin, const char* end, std::size_t range_bytes) {
  std::vector<const char*> starts{begin};
  const auto bytes = static_cast<std::size_t>(end - begin);
  for (std::size_t at = range_bytes; at < bytes; at += range_bytes) {
    const char* candidate = begin + at;
    if (candidate <= starts.back()) continue;  // the previous range's line ran past it
    if (candidate[-1] != '\n') {
      const auto* nl =
          static_cast<const char*>(std::memchr(candidate, '\n', static_cast<std::size_t>(end - candidate)));
      if (nl == nullptr) break;  // the rest is one line
      candidate = nl + 1;
    }
    if (candidate < end && candidate > starts.back()) starts.push_back(candidate);
  }
  starts.push_back(end);
  return starts;
}

/// Hands the whole pages inside [begin, end) of a mapped file back to the
/// kernel: they will not be read again, and resident text would otherwise
/// add up to the whole file by the end of the read. Pages shared with the
/// neighbouring ranges are kept (another thread may still be reading them).
void release_text(const char* begin, const char* end) {
  static_assert(sizeof(std::uintptr_t) == sizeof(const char*));
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto first = (reinterpret_cast<std::uintptr_t>(begin) + page - 1) & ~(page - 1);
  const auto last = reinterpret_cast<std::uintptr_t>(end) & ~(page - 1);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

/// Asks the kernel to start reading [begin, end) of a mapped file from disk
/// now, so that a range of a file not in the page cache is not read one
/// page fault at a time. Only a hint.
void prefetch_text(const char* begin, const char* end) {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto first = reinterpret_cast<std::uintptr_t>(begin) & ~(page - 1);
  const auto last = reinterpret_cast<std::uintptr_t>(end);
  if (last <= first) return;
#ifdef MADV_POPULATE_READ
  // Maps the whole range in one call (Linux 5.14+) rather than by a page
  // fault every 64 KiB.
  if (::madvise(reinterpret_cast<void*>(first), last - first, MADV_POPULATE_READ) == 0) return;
#endif
  ::madvise(reinterpret_cast<void*>(first), last - first, MADV_WILLNEED);
}

/// Takes a range's first sighting of a label into the file's, if the file
/// has none yet; `lines_before` turns its line into a line of the file.
void adopt_sighting(LabelSighting& file, const LabelSighting& range, std::size_t lines_before) {
  if (file.seen() || !range.seen()) return;
  file = range;
  file.line += lines_before;
}

/// Makes room in `out` for `extra` more elements. When it is full it is
/// resized once for the whole file, extrapolated from the rate so far
/// (`scale` = text bytes of the file / text bytes read so far), with a
/// margin, and by at least half again, so that a file whose density drifts
/// regrows a few times at most. Capacity never filled costs address space,
/// not memory.
template <typename T>
void make_room(std::vector<T>& out, std::size_t extra, double scale) {
  const std::size_t needed = out.size() + extra;
  if (needed <= out.capacity()) return;
  const auto extrapolated = static_cast<std::size_t>(static_cast<double>(needed) * scale * 1.05) + extra;
  // Filling hundreds of megabytes of 4 KiB pages costs a page fault each.
  core::reserve_on_huge_pages(out, std::max({needed, extrapolated, out.capacity() + out.capacity() / 2}));
}

template <typename T>
void append_scaled(std::vector<T>& out, const RangeArray<T>& source, double scale) {
  make_room(out, source.size(), scale);
  out.insert(out.end(), source.begin(), source.end());
}

/// Joins parsed ranges into the dataset in file order, as soon as all the
/// ranges before one are in: the thread that completes the run appends it.
/// A range's buffers then go back to a pool for the next range, so the
/// memory a read touches is the dataset plus a few ranges' buffers, and the
/// freshly zeroed pages the kernel must supply are about one dataset's
/// worth (on this project's virtual machines, zeroing pages costs as much
/// as parsing the text that fills them).
///
/// Whatever depends on the whole file is decided here, in order: the line
/// numbers (lines of the ranges before), the label convention and the first
/// line that breaks it, the largest feature index, and the first error.
class RangeJoiner {
 public:
  /// `starts`: the ranges (split_into_ranges); `lines_before_data`: lines of
  /// the text before the first range (a CSV header); `window`: how many
  /// ranges may be parsed ahead of the next one to append.
  RangeJoiner(Dataset& ds, const std::vector<const char*>& starts, const std::string& name,
              std::size_t lines_before_data, std::size_t window)
      : ds_(ds),
        starts_(starts),
        name_(name),
        window_(std::max<std::size_t>(window, 1)),
        pending_(starts.size() - 1),
        lines_before_(lines_before_data) {}

  /// Blocks while range `index` is `window` or more ahead of the next range
  /// to append (a thread held up on one range would otherwise let the others
  /// pile up parsed ranges). The range that is next never waits, so this
  /// cannot deadlock. False when the range need not be parsed: an earlier
  /// one failed.
  bool wait_turn(std::size_t index) {
    std::unique_lock<std::mutex> lock(mutex_);
    turn_.wait(lock, [&] { return index < next_ + window_ || index > first_stop_; });
    return index <= first_stop_;
  }

  /// An empty buffer for the next range: a recycled one when there is one.
  std::unique_ptr<RangeResult> buffer() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (!pool_.empty()) {
        std::unique_ptr<RangeResult> recycled = std::move(pool_.back());
        pool_.pop_back();
        return recycled;
      }
    }
    return std::make_unique<RangeResult>();
  }

  /// True when range `index` may write its rows straight into the dataset
  /// (through DatasetRows): all ranges before it are in, so nothing else
  /// touches the dataset until it is finished. On one thread that is every
  /// range, and nothing is copied. The dataset is then given room for a
  /// range of `expected` size (and for the rest of the file at that rate).
  bool claim_direct(std::size_t index, const RangeSizes& expected) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (index != next_ || done_) return false;
    const double scale = scale_after(index);
    make_room(ds_.row_offsets, expected.rows, scale);
    make_room(ds_.indices, expected.nonzeros, scale);
    make_room(ds_.values, expected.nonzeros, scale);
    make_room(ds_.labels, expected.rows, scale);
    return true;
  }

  /// Hands over parsed range `index`; appends it and the ranges waiting
  /// after it if all ranges before it are in.
  void finish(std::size_t index, std::unique_ptr<RangeResult> result) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (result->stopped()) first_stop_ = std::min(first_stop_, index);
    pending_[index] = std::move(result);
    while (!done_ && next_ < pending_.size() && pending_[next_] != nullptr) {
      std::unique_ptr<RangeResult> head = std::move(pending_[next_]);
      append(*head, next_);
      head->clear();
      pool_.push_back(std::move(head));
      ++next_;
    }
    turn_.notify_all();
  }

  /// Records an exception thrown while parsing or appending (std::bad_alloc)
  /// and stops all ranges; rethrow() throws the first one after the loop.
  void abandon(std::exception_ptr exception) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (!exception_) exception_ = std::move(exception);
    done_ = true;
    first_stop_ = 0;
    turn_.notify_all();
  }

  void rethrow() const {
    if (exception_) std::rethrow_exception(exception_);
  }

  /// The first error of the file, if any, once all threads are done.
  std::optional<Error> take_error() {
    if (error_) return std::move(error_);
    if (next_ != pending_.size()) return Error(name_, "internal error: ranges left unjoined");
    return std::nullopt;
  }

  LabelMap label_map() const {
    LabelMap map;
    map.negative = minus_one_.seen() ? -1.0 : 0.0;
    map.positive = 1.0;
    return map;
  }

  std::uint64_t max_index() const { return max_index_; }

 private:
  void stop(std::size_t index, Error error) {
    error_ = std::move(error);
    done_ = true;
    first_stop_ = std::min(first_stop_, index);
  }

  /// Appends range `index` (the next in file order), or records the first
  /// error of the file if it lies in this range.
  void append(const RangeResult& range, std::size_t index) {
    const bool had_both = zero_.seen() && minus_one_.seen();
    adopt_sighting(zero_, range.first_zero, lines_before_);
    adopt_sighting(minus_one_, range.first_minus_one, lines_before_);
    if (!had_both && zero_.seen() && minus_one_.seen()) {
      // The file goes wrong on the line where the second kind first shows,
      // unless the range failed earlier. On the same line the label wins: it
      // is checked before the rest of a LIBSVM line, and a CSV row's label
      // is recorded only after all its fields parsed.
      const bool zero_last = zero_.line > minus_one_.line;
      const LabelSighting& here = zero_last ? zero_ : minus_one_;
      const LabelSighting& before = zero_last ? minus_one_ : zero_;
      if (!range.error || here.line <= lines_before_ + range.error->line) {
        return stop(index, Error(name_, here.line, here.column,
                                 "more than two classes: label " + quote(here.token) + " here, label " +
                                     (zero_last ? "-1" : "0") + " on line " + std::to_string(before.line) +
                                     " (use either 0/1 or -1/+1)"));
      }
    }
    if (range.error) {
      return stop(index, Error(name_, lines_before_ + range.error->line, range.error->column, range.error->reason));
    }
    // A range with both labels was caught above; being here would be a bug.
    if (range.mixed_labels) return stop(index, Error(name_, "internal error: mixed labels not located"));
    lines_before_ += range.lines;
    max_index_ = std::max(max_index_, range.max_index);

    if (range.rows_in_dataset) return;  // written in place (claim_direct)

    const double scale = scale_after(index);
    const RangeRows& rows = range.rows;
    const std::int64_t base = ds_.row_offsets.back();
    make_room(ds_.row_offsets, rows.row_ends.size(), scale);
    for (const std::int64_t end : rows.row_ends) ds_.row_offsets.push_back(base + end);
    append_scaled(ds_.indices, rows.indices, scale);
    append_scaled(ds_.values, rows.values, scale);
    append_scaled(ds_.labels, rows.labels, scale);
    if (rows.weights.size() > 0) append_scaled(ds_.weights, rows.weights, scale);
  }

  /// Text bytes of the file / text bytes up to the end of range `index`.
  double scale_after(std::size_t index) const {
    const auto read = static_cast<double>(starts_[index + 1] - starts_.front());
    return static_cast<double>(starts_.back() - starts_.front()) / std::max(read, 1.0);
  }

  Dataset& ds_;
  const std::vector<const char*>& starts_;
  const std::string& name_;
  const std::size_t window_;

  std::mutex mutex_;
  std::condition_variable turn_;
  std::vector<std::unique_ptr<RangeResult>> pending_;  // parsed, not yet appended
  std::vector<std::unique_ptr<RangeResult>> pool_;     // buffers to reuse
  std::size_t next_ = 0;                               // the next range to append
  std::size_t first_stop_ = std::numeric_limits<std::size_t>::max();  // ranges after it are not needed
  bool done_ = false;
  std::optional<Error> error_;
  std::exception_ptr exception_;

  // What the appended ranges add up to.
  std::size_t lines_before_;
  std::uint64_t max_index_ = 0;
  LabelSighting zero_;
  LabelSighting minus_one_;
};

/// Parses the ranges of `starts` with `parse_range(begin, end, result,
/// rows)` on omp_get_max_threads() threads and joins them into `ds`;
/// `expected_sizes(bytes)` says what a range of `bytes` typically holds.
/// Returns the first error of the file in file order, if any; then `ds` is
/// incomplete.
template <typename ParseRange, typename ExpectedSizes>
std::optional<Error> parse_and_join(const std::vector<const char*>& starts, const detail::ParseSettings& settings,
                                    const std::string& name, std::size_t lines_before_data, Dataset& ds,
                                    std::uint64_t& max_index, const ParseRange& parse_range,
                                    const ExpectedSizes& expected_sizes) {
  const auto count = static_cast<std::ptrdiff_t>(starts.size() - 1);
  const auto threads = static_cast<std::size_t>(std::max(omp_get_max_threads(), 1));
  RangeJoiner joiner(ds, starts, name, lines_before_data, 2 * threads);

#pragma omp parallel for schedule(dynamic, 1) if (count > 1)
  for (std::ptrdiff_t i = 0; i < count; ++i) {
    const auto index = static_cast<std::size_t>(i);
    if (!joiner.wait_turn(index)) continue;
    const char* const begin = starts[index];
    const char* const end = starts[index + 1];
    // An exception must not leave an OpenMP region: the joiner keeps the
    // first one and rethrow() throws it after the loop.
    try {
      std::unique_ptr<RangeResult> result = joiner.buffer();
      if (settings.release_parsed_text) prefetch_text(begin, end);
      if (joiner.claim_direct(index, expected_sizes(static_cast<std::size_t>(end - begin)))) {
        DatasetRows rows(ds);
        parse_range(begin, end, *result, rows);
        rows.finish();
        result->rows_in_dataset = true;
      } else {
        parse_range(begin, end, *result, result->rows);
      }
      if (settings.release_parsed_text) release_text(begin, end);
      joiner.finish(index, std::move(result));
    } catch (...) {
      joiner.abandon(std::current_exception());
    }
  }
  joiner.rethrow();
  ds.label_map = joiner.label_map();
  max_index = joiner.max_index();
  return joiner.take_error();
}

// ---------------------------------------------------------------------------
// Whole files

Result<Dataset> parse_libsvm(std::string_view text, const std::string& name, const detail::ParseSettings& settings) {
  const char* const text_end = text.data() + text.size();
  const char* const data = skip_bom(text.data(), text_end);
  const std::size_t range_bytes =
      settings.range_bytes != 0 ? settings.range_bytes : detail::default_range_bytes(text.size());
  Dataset ds;
  std::uint64_t max_index = 0;
  if (std::optional<Error> error =
          parse_and_join(split_into_ranges(data, text_end, range_bytes), settings, name, 0, ds, max_index,
                         [](const char* begin, const char* end, RangeResult& out, auto& rows) {
                           LibsvmRangeParser::parse(begin, end, out, rows);
                         },
                         [](std::size_t bytes) { return LibsvmRangeParser::expected(bytes); })) {
    return std::move(*error);
  }
  if (ds.labels.empty()) return Error(name, "no data rows (empty file)");
  ds.num_features = static_cast<std::size_t>(max_index);
  return ds;
}

/// The column `wanted` names: a header name, else a 0-based index given as
/// digits. `what` ("label", "weight") names the option in messages.
Result<std::size_t> find_column(const std::vector<std::string>& names, const std::string& wanted, const char* what,
                                const std::string& name, std::size_t header_line) {
  const std::size_t columns = names.size();
  for (std::size_t i = 0; i < columns; ++i) {
    if (names[i] == wanted) return i;
  }
  std::size_t index = 0;
  const char* const wanted_end = wanted.data() + wanted.size();
  const auto [last, ec] = std::from_chars(wanted.data(), wanted_end, index);
  const bool digits = last == wanted_end && ec != std::errc::invalid_argument;
  if (!digits) return Error(name, header_line, 0, "no column named " + quote(wanted) + " in the header");
  if (ec != std::errc{} || index >= columns) {
    return Error(name, header_line, 0,
                 std::string(what) + " column " + wanted + " out of range (the header has " +
                     std::to_string(columns) + (columns == 1 ? " column)" : " columns)"));
  }
  return index;
}

Result<Dataset> parse_csv(std::string_view text, const std::string& name, const ReadOptions& options,
                          const detail::ParseSettings& settings) {
  const char* const text_end = text.data() + text.size();
  const char* p = skip_bom(text.data(), text_end);
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
  if (!have_header) return Error(name, "no data rows (empty file)");
  const std::size_t header_line = line_no;

  CsvLayout layout;
  layout.delimiter = options.delimiter;
  std::vector<std::string> names;
  for (const char* field = header.start;;) {
    const auto* delim = static_cast<const char*>(
        std::memchr(field, layout.delimiter, static_cast<std::size_t>(header.end - field)));
    const char* field_end = delim != nullptr ? delim : header.end;
    std::string_view column_name = trim_csv_pad(view(field, field_end), layout.delimiter);
    if (column_name.size() >= 2 && column_name.front() == '"' && column_name.back() == '"') {
      column_name = column_name.substr(1, column_name.size() - 2);
    }
    names.emplace_back(column_name);
    if (delim == nullptr) break;
    field = delim + 1;
  }
  const std::size_t columns = names.size();
  layout.columns = columns;

  // Label column.
  if (options.label_column.empty()) {
    for (std::size_t i = 0; i < columns; ++i) {
      if (names[i] == "label") {
        layout.label_column = i;
        break;
      }
    }
  } else {
    Result<std::size_t> found = find_column(names, options.label_column, "label", name, header_line);
    if (!found.ok()) return found.error();
    layout.label_column = found.value();
  }

  // Weight column, if any.
  if (!options.weight_column.empty()) {
    Result<std::size_t> found = find_column(names, options.weight_column, "weight", name, header_line);
    if (!found.ok()) return found.error();
    layout.weight_column = found.value();
    if (layout.weight_column == layout.label_column) {
      return Error(name, header_line, 0, "the weight column is also the label column");
    }
  }

  const CsvRangeParser parser(layout);
  const std::size_t range_bytes =
      settings.range_bytes != 0 ? settings.range_bytes : detail::default_range_bytes(text.size());
  Dataset ds;
  std::uint64_t max_index = 0;  // not used: the header fixes the columns
  if (std::optional<Error> error = parse_and_join(
          split_into_ranges(p, text_end, range_bytes), settings, name, header_line, ds, max_index,
          [&parser](const char* begin, const char* end, RangeResult& out, auto& rows) {
            parser.parse(begin, end, out, rows);
          },
          [&parser](std::size_t bytes) { return parser.expected(bytes); })) {
    return std::move(*error);
  }
  if (ds.labels.empty()) return Error(name, "no data rows (only a header)");
  ds.num_features = columns - 1 - (layout.has_weights() ? 1 : 0);
  ds.feature_names.reserve(ds.num_features);
  for (std::size_t i = 0; i < columns; ++i) {
    if (i != layout.label_column && i != layout.weight_column) ds.feature_names.push_back(std::move(names[i]));
  }
  return ds;
}

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

/// A read-only private mapping of a whole file, unmapped when it goes.
class MappedFile {
 public:
  /// Maps `bytes` of `fd`; empty() when the kernel refuses (the caller then
  /// reads the file into a buffer instead).
  MappedFile(int fd, std::size_t bytes) : bytes_(bytes) {
    void* data = ::mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data != MAP_FAILED) data_ = static_cast<const char*>(data);
  }
  ~MappedFile() {
    if (data_ != nullptr) ::munmap(const_cast<char*>(data_), bytes_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  bool empty() const { return data_ == nullptr; }
  std::string_view text() const { return {data_, bytes_}; }

 private:
  const char* data_ = nullptr;
  std::size_t bytes_;
};

/// Reads all of `fd` into a buffer that grows as needed (pipes, FIFOs,
/// files the kernel will not map, files that report size 0 like /proc's).
Result<std::pair<std::unique_ptr<char[]>, std::size_t>> read_all(int fd, const std::string& path,
                                                                  std::size_t size_hint) {
  std::size_t capacity = size_hint + 1;  // one more byte to see the end in one read
  if (capacity < (std::size_t{1} << 20)) capacity = std::size_t{1} << 20;
  auto buffer = std::make_unique_for_overwrite<char[]>(capacity);
  core::prefer_huge_pages(buffer.get(), capacity);
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
  return std::pair{std::move(buffer), size};
}

}  // namespace

namespace detail {

std::size_t default_range_bytes(std::size_t text_bytes) {
  // 8 MiB keeps two threads busy on files from about 16 MB and bounds the
  // resident text of a mapped file to a few ranges; very large files get
  // larger ranges so their number (and the mappings of their arrays) stays
  // below about 4096.
  constexpr std::size_t kRangeBytes = std::size_t{8} << 20;
  constexpr std::size_t kMaxRanges = 4096;
  return std::max(kRangeBytes, text_bytes / kMaxRanges + 1);
}

Result<Dataset> parse_dataset_with(std::string_view text, const std::string& name, const ReadOptions& options,
                                   const ParseSettings& settings) {
  const std::string_view first = first_content_line(text);
  if (first.empty()) return Error(name, "no data rows (empty file)");
  DataFormat format = options.format;
  if (format == DataFormat::kAuto) format = detect_format(first, options.delimiter);
  if (format == DataFormat::kCsv) return parse_csv(text, name, options, settings);
  if (!options.weight_column.empty()) return Error(name, "--weight-column applies to CSV files only");
  return parse_libsvm(text, name, settings);
}

Result<Dataset> read_dataset_with(const std::string& path, const ReadOptions& options, std::size_t range_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error(path, "cannot open: " + errno_text(errno));
  const FileCloser closer(fd);
  struct stat info {};
  if (::fstat(fd, &info) != 0) return Error(path, "cannot open: " + errno_text(errno));
  if (S_ISDIR(info.st_mode)) return Error(path, "is a directory");

  ParseSettings settings;
  settings.range_bytes = range_bytes;
  const bool regular = S_ISREG(info.st_mode);
  if (regular && info.st_size > 0) {
    // A regular file is parsed straight from the page cache: no copy of the
    // text, and each range's pages are released once parsed. (Like any
    // mapped reader, a file truncated by another process while it is read
    // ends the process with SIGBUS.)
    const MappedFile mapped(fd, static_cast<std::size_t>(info.st_size));
    if (!mapped.empty()) {
      settings.release_parsed_text = true;
      return parse_dataset_with(mapped.text(), path, options, settings);
    }
  }
  auto read = read_all(fd, path, regular ? static_cast<std::size_t>(info.st_size) : 0);
  if (!read.ok()) return read.error();
  const auto& [buffer, size] = read.value();
  return parse_dataset_with(std::string_view(buffer.get(), size), path, options, settings);
}

}  // namespace detail

Result<Dataset> parse_dataset(std::string_view text, const std::string& name, const ReadOptions& options) {
  return detail::parse_dataset_with(text, name, options, detail::ParseSettings{});
}

Result<Dataset> read_dataset(const std::string& path, const ReadOptions& options) {
  return detail::read_dataset_with(path, options, 0);
}

std::optional<DataFormat> parse_format(std::string_view text) {
  if (text == "auto") return DataFormat::kAuto;
  if (text == "libsvm") return DataFormat::kLibsvm;
  if (text == "csv") return DataFormat::kCsv;
  return std::nullopt;
}

}  // namespace logreg
