// Error values for operations that can fail on user input (files, options).
//
// Readers and loaders never print and never exit: they return a Result<T>
// holding either the value or an Error whose message names the file, the
// line (and column where it helps) and what is wrong.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <variant>

namespace logreg {

/// Describes why an operation failed. `message()` is one line, fit to show a
/// user: "PATH:LINE:COLUMN: reason" when a location is known, else
/// "PATH: reason", else just "reason".
class Error {
 public:
  explicit Error(std::string reason) : reason_(std::move(reason)) {}
  Error(std::string path, std::string reason)
      : path_(std::move(path)), reason_(std::move(reason)) {}
  Error(std::string path, std::size_t line, std::size_t column, std::string reason)
      : path_(std::move(path)), line_(line), column_(column), reason_(std::move(reason)) {}

  const std::string& path() const { return path_; }
  /// 1-based line number, 0 when not known.
  std::size_t line() const { return line_; }
  /// 1-based column (byte) number, 0 when not known.
  std::size_t column() const { return column_; }
  const std::string& reason() const { return reason_; }

  std::string message() const {
    std::string out;
    if (!path_.empty()) {
      out += path_;
      if (line_ > 0) {
        out += ':' + std::to_string(line_);
        if (column_ > 0) out += ':' + std::to_string(column_);
      }
      out += ": ";
    }
    out += reason_;
    return out;
  }

 private:
  std::string path_;
  std::size_t line_ = 0;
  std::size_t column_ = 0;
  std::string reason_;
};

/// Either a T or an Error. Cheap to move; check `ok()` before `value()`.
template <typename T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}       // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {}   // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

/// Result of an operation that returns nothing on success.
class Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_{""};
  bool ok_ = true;
};

}  // namespace logreg
