// Helpers shared by the tests: where data lives, temporary folders, running
// a command and capturing its output.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "logreg/model.hpp"

namespace logreg::testing {

/// Folder of the shared datasets: $LOGREG_DATA_DIR, else ../shared/data
/// beside the repository. Empty when neither exists.
inline std::string shared_data_dir() {
  if (const char* env = std::getenv("LOGREG_DATA_DIR"); env != nullptr && *env != '\0') {
    return std::filesystem::is_directory(env) ? std::string(env) : std::string();
  }
  return std::filesystem::is_directory(LOGREG_SHARED_DATA_DIR) ? std::string(LOGREG_SHARED_DATA_DIR) : std::string();
}

/// Path of a dataset file: the repository's data/ first, then the shared
/// folder. Empty when absent.
inline std::string dataset_file(const std::string& set, const std::string& file) {
  const std::filesystem::path repo = std::filesystem::path(LOGREG_REPO_DATA_DIR) / set / file;
  if (std::filesystem::exists(repo)) return repo.string();
  const std::string shared = shared_data_dir();
  if (shared.empty()) return {};
  const std::filesystem::path path = std::filesystem::path(shared) / set / file;
  return std::filesystem::exists(path) ? path.string() : std::string();
}

/// A fresh temporary folder, removed when the object goes.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "logreg-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  ///< stdout
  std::string err;  ///< stderr
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

/// Runs `command` through /bin/sh, capturing stdout and stderr separately.
inline CommandResult run(const std::string& command) {
  TempDir dir;
  const std::string out_path = dir.file("stdout");
  const std::string err_path = dir.file("stderr");
  const std::string full = command + " >" + out_path + " 2>" + err_path + " </dev/null";
  const int status = std::system(full.c_str());
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_text(out_path);
  result.err = read_text(err_path);
  return result;
}

inline std::string quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

inline std::string cli() { return quote(LOGREG_CLI_PATH); }

/// Whether two models have the same weights and bias, bit for bit.
inline bool same_bits(const Model& a, const Model& b) {
  return a.weights.size() == b.weights.size() &&
         std::memcmp(a.weights.data(), b.weights.data(), a.weights.size() * sizeof(double)) == 0 &&
         std::memcmp(&a.bias, &b.bias, sizeof(double)) == 0;
}

}  // namespace logreg::testing
