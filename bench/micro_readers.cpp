// Micro-benchmarks of the readers: text in memory -> CSR, single thread.
//
// Three texts of about 50 MB are generated once (seeded):
//   libsvm_dense:  100 features per row, values N(0, 1) with 4 decimals
//                  ("17:-0.4213"), like bench/make_synthetic.py's dense set;
//   libsvm_sparse: 40 features per row, indices up to 2^20, values "1" or
//                  a positive with 3 decimals, like the sparse set;
//   csv_dense:     the dense rows as CSV with a header, label first.
// Each is parsed by logreg::parse_dataset and by two baselines written here
// that fill the same CSR arrays (uint32 index, double value, 64-bit offsets):
//   Strtod:    LIBLINEAR's read_problem: each line copied into a buffer (its
//              fgets), cut with strtok, numbers read by strtol and strtod;
//   FromChars: one pass over the text with std::from_chars and no checks
//              beyond what the parse needs.
// bytes_per_second (SetBytesProcessed) is the reading rate; bench/run_micro.py
// prints it in MB/s (10^6 bytes). BM_Read_File adds the file path: a file in
// the page cache read through logreg::read_dataset (mapped, not copied).
// Ours run with the reader's thread count as a second argument ("threads",
// set with omp_set_num_threads for that benchmark only); the baselines are
// single-threaded.
#include <benchmark/benchmark.h>

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "logreg/data_reader.hpp"
#include "logreg/dataset.hpp"

namespace {

enum Text : int { kLibsvmDense = 0, kLibsvmSparse = 1, kCsvDense = 2 };
constexpr std::size_t kTargetBytes = 50'000'000;

const char* text_name(int text) {
  switch (text) {
    case kLibsvmDense: return "libsvm_dense";
    case kLibsvmSparse: return "libsvm_sparse";
    default: return "csv_dense";
  }
}

void append_fixed(std::string& out, double value, int decimals) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, decimals);
  out.append(buffer, result.ptr);
}

std::string make_text(int kind) {
  std::mt19937_64 rng(20240611 + static_cast<unsigned>(kind));
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::string out;
  out.reserve(kTargetBytes + 4096);
  if (kind == kCsvDense) {
    out += "label";
    for (int j = 1; j <= 100; ++j) out += ",f" + std::to_string(j);
    out += '\n';
  }
  std::vector<std::uint32_t> columns;
  while (out.size() < kTargetBytes) {
    out += unit(rng) < 0.4 ? '1' : '0';
    if (kind == kLibsvmSparse) {
      columns.clear();
      while (columns.size() < 40) {
        // Zipf-like: small ranks often; scattered over [1, 2^20] by a multiplicative hash.
        const auto rank = static_cast<std::uint32_t>(std::pow(unit(rng), 4.0) * 1048575.0);
        const std::uint32_t column = (rank * 2654435761u) % 1048576u + 1;
        if (std::find(columns.begin(), columns.end(), column) == columns.end()) columns.push_back(column);
      }
      std::sort(columns.begin(), columns.end());
      for (std::uint32_t column : columns) {
        out += ' ';
        out += std::to_string(column);
        out += ':';
        if (column % 4 == 0) {
          out += '1';
        } else {
          append_fixed(out, 0.25 + unit(rng) * 3.0, 3);
        }
      }
    } else {
      for (int j = 1; j <= 100; ++j) {
        if (kind == kLibsvmDense) {
          out += ' ';
          out += std::to_string(j);
          out += ':';
        } else {
          out += ',';
        }
        append_fixed(out, normal(rng), 4);
      }
    }
    out += '\n';
  }
  return out;
}

const std::string& text(int kind) {
  static std::string texts[3];
  if (texts[kind].empty()) texts[kind] = make_text(kind);
  return texts[kind];
}

struct Csr {
  std::vector<std::int64_t> offsets;
  std::vector<std::uint32_t> indices;
  std::vector<double> values;
  std::vector<double> labels;

  explicit Csr(std::size_t bytes) {
    offsets.reserve(bytes / 64 + 2);
    offsets.push_back(0);
    indices.reserve(bytes / 8);
    values.reserve(bytes / 8);
    labels.reserve(bytes / 64 + 1);
  }
  void end_row(double label) {
    labels.push_back(label);
    offsets.push_back(static_cast<std::int64_t>(indices.size()));
  }
};

/// Sets the OpenMP thread count (the reader's) for one benchmark.
class ReaderThreads {
 public:
  explicit ReaderThreads(const benchmark::State& state) : previous_(omp_get_max_threads()) {
    omp_set_num_threads(static_cast<int>(state.range(1)));
  }
  ~ReaderThreads() { omp_set_num_threads(previous_); }
  ReaderThreads(const ReaderThreads&) = delete;
  ReaderThreads& operator=(const ReaderThreads&) = delete;

 private:
  int previous_;
};

void finish(benchmark::State& state, int kind) {
  state.SetBytesProcessed(static_cast<std::int64_t>(text(kind).size()) * state.iterations());
  state.SetLabel(text_name(kind));
}

// ------------------------------------------------------------------- ours

bool same_shape(benchmark::State& state, int kind, const logreg::Dataset& data);

void BM_Parse_Ours(benchmark::State& state) {
  const ReaderThreads threads(state);
  const int kind = static_cast<int>(state.range(0));
  const std::string& t = text(kind);
  logreg::ReadOptions options;
  options.format = kind == kCsvDense ? logreg::DataFormat::kCsv : logreg::DataFormat::kLibsvm;
  {  // untimed: ours must read the matrix the baselines read
    auto first = logreg::parse_dataset(t, "bench", options);
    if (!first.ok()) return state.SkipWithError(first.error().message().c_str());
    if (!same_shape(state, kind, first.value())) return;
  }
  for (auto _ : state) {
    auto result = logreg::parse_dataset(t, "bench", options);
    if (!result.ok()) {
      state.SkipWithError(result.error().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(result.value().values.data());
  }
  finish(state, kind);
}

void BM_Read_File(benchmark::State& state) {
  const ReaderThreads threads(state);
  const int kind = static_cast<int>(state.range(0));
  const std::string& t = text(kind);
  const auto path = std::filesystem::temp_directory_path() /
                    ("logreg_bench_" + std::to_string(::getpid()) + "_" + text_name(kind));
  {
    std::ofstream file(path, std::ios::binary);
    file.write(t.data(), static_cast<std::streamsize>(t.size()));
  }
  logreg::ReadOptions options;
  options.format = kind == kCsvDense ? logreg::DataFormat::kCsv : logreg::DataFormat::kLibsvm;
  {
    auto first = logreg::read_dataset(path.string(), options);
    if (!first.ok()) {
      std::filesystem::remove(path);
      return state.SkipWithError(first.error().message().c_str());
    }
    if (!same_shape(state, kind, first.value())) {
      std::filesystem::remove(path);
      return;
    }
  }
  for (auto _ : state) {
    auto result = logreg::read_dataset(path.string(), options);
    if (!result.ok()) {
      state.SkipWithError(result.error().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(result.value().values.data());
  }
  std::filesystem::remove(path);
  finish(state, kind);
}

// ------------------------------------------------ LIBLINEAR's way (strtok/strtol/strtod)

Csr parse_strtod_libsvm(const std::string& t) {
  Csr csr(t.size());
  std::vector<char> line;
  const char* p = t.data();
  const char* const end = p + t.size();
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (nl == nullptr) nl = end;
    line.assign(p, nl);  // fgets into LIBLINEAR's line buffer
    line.push_back('\0');
    p = nl + 1;
    char* label = std::strtok(line.data(), " \t\n");
    if (label == nullptr) continue;
    char* endptr = nullptr;
    const double y = std::strtod(label, &endptr);
    for (;;) {
      char* idx = std::strtok(nullptr, ":");
      char* val = std::strtok(nullptr, " \t");
      if (val == nullptr) break;
      const long index = std::strtol(idx, &endptr, 10);
      const double value = std::strtod(val, &endptr);
      csr.indices.push_back(static_cast<std::uint32_t>(index - 1));
      csr.values.push_back(value);
    }
    csr.end_row(y);
  }
  return csr;
}

Csr parse_strtod_csv(const std::string& t) {
  Csr csr(t.size());
  std::vector<char> line;
  const char* p = static_cast<const char*>(std::memchr(t.data(), '\n', t.size())) + 1;  // header
  const char* const end = t.data() + t.size();
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (nl == nullptr) nl = end;
    line.assign(p, nl);
    line.push_back('\0');
    p = nl + 1;
    char* field = std::strtok(line.data(), ",\n");
    if (field == nullptr) continue;
    char* endptr = nullptr;
    const double y = std::strtod(field, &endptr);
    std::uint32_t column = 0;
    while ((field = std::strtok(nullptr, ",\n")) != nullptr) {
      const double value = std::strtod(field, &endptr);
      if (value != 0.0) {
        csr.indices.push_back(column);
        csr.values.push_back(value);
      }
      ++column;
    }
    csr.end_row(y);
  }
  return csr;
}

void BM_Parse_Strtod(benchmark::State& state) {
  const int kind = static_cast<int>(state.range(0));
  const std::string& t = text(kind);
  for (auto _ : state) {
    Csr csr = kind == kCsvDense ? parse_strtod_csv(t) : parse_strtod_libsvm(t);
    benchmark::DoNotOptimize(csr.values.data());
  }
  finish(state, kind);
}

// ------------------------------------------------------------ std::from_chars, no checks

Csr parse_from_chars_libsvm(const std::string& t) {
  Csr csr(t.size());
  const char* p = t.data();
  const char* const end = p + t.size();
  while (p < end) {
    double y = 0.0;
    p = std::from_chars(p, end, y).ptr;
    while (p < end && *p == ' ') {
      ++p;
      std::uint32_t index = 0;
      p = std::from_chars(p, end, index).ptr + 1;  // skips ':'
      double value = 0.0;
      p = std::from_chars(p, end, value).ptr;
      csr.indices.push_back(index - 1);
      csr.values.push_back(value);
    }
    ++p;  // '\n'
    csr.end_row(y);
  }
  return csr;
}

Csr parse_from_chars_csv(const std::string& t) {
  Csr csr(t.size());
  const char* p = static_cast<const char*>(std::memchr(t.data(), '\n', t.size())) + 1;
  const char* const end = t.data() + t.size();
  while (p < end) {
    double y = 0.0;
    p = std::from_chars(p, end, y).ptr;
    std::uint32_t column = 0;
    while (p < end && *p == ',') {
      ++p;
      double value = 0.0;
      p = std::from_chars(p, end, value).ptr;
      if (value != 0.0) {
        csr.indices.push_back(column);
        csr.values.push_back(value);
      }
      ++column;
    }
    ++p;
    csr.end_row(y);
  }
  return csr;
}

/// Rows and non-zero values of a text by the from_chars parser, to check that
/// ours read the same matrix (ours drops explicit zeros, as LIBLINEAR keeps them).
std::pair<std::size_t, std::size_t> expected_shape(int kind) {
  const std::string& t = text(kind);
  const Csr csr = kind == kCsvDense ? parse_from_chars_csv(t) : parse_from_chars_libsvm(t);
  std::size_t nonzeros = 0;
  for (double v : csr.values) nonzeros += v != 0.0 ? 1 : 0;
  return {csr.labels.size(), nonzeros};
}

bool same_shape(benchmark::State& state, int kind, const logreg::Dataset& data) {
  const auto [rows, nonzeros] = expected_shape(kind);
  if (data.rows() == rows && data.nonzeros() == nonzeros) return true;
  const std::string message = "read " + std::to_string(data.rows()) + " rows, " + std::to_string(data.nonzeros()) +
                              " non-zeros; expected " + std::to_string(rows) + ", " + std::to_string(nonzeros);
  state.SkipWithError(message.c_str());
  return false;
}

void BM_Parse_FromChars(benchmark::State& state) {
  const int kind = static_cast<int>(state.range(0));
  const std::string& t = text(kind);
  for (auto _ : state) {
    Csr csr = kind == kCsvDense ? parse_from_chars_csv(t) : parse_from_chars_libsvm(t);
    benchmark::DoNotOptimize(csr.values.data());
  }
  finish(state, kind);
}

void Texts(benchmark::internal::Benchmark* b) {
  b->ArgName("text")->Arg(kLibsvmDense)->Arg(kLibsvmSparse)->Arg(kCsvDense)->Unit(benchmark::kMillisecond)->UseRealTime();
}

void TextsAndThreads(benchmark::internal::Benchmark* b) {
  b->ArgNames({"text", "threads"});
  for (const int text : {kLibsvmDense, kLibsvmSparse, kCsvDense}) {
    for (const int threads : {1, 2}) b->Args({text, threads});
  }
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_Parse_Ours)->Apply(TextsAndThreads);
BENCHMARK(BM_Parse_Strtod)->Apply(Texts);
BENCHMARK(BM_Parse_FromChars)->Apply(Texts);
BENCHMARK(BM_Read_File)->Apply(TextsAndThreads);

}  // namespace

BENCHMARK_MAIN();
