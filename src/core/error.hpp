// Errors as values, and source positions for diagnostics.
#pragma once
#include <string>
#include <utility>
#include <variant>

namespace rulelab {

// A user-facing error: what went wrong, where (file:line:col when known), and the line itself.
struct Error {
  Error() = default;
  Error(std::string msg, std::string f = {}, std::size_t l = 0, std::size_t c = 0, std::string src = {})
      : message(std::move(msg)), file(std::move(f)), line(l), column(c), source_line(std::move(src)) {}
  std::string message;
  std::string file;
  std::size_t line = 0;  // 1-based; 0 = unknown
  std::size_t column = 0;  // 1-based; 0 = unknown
  std::string source_line;  // the text of that line, for the caret display

  // "file:line:col: message", then the source line and a caret under the column.
  std::string format() const;
};

template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error e) : v_(std::move(e)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// The line of `text` that holds byte `offset`, with 1-based line and column numbers.
struct LineInfo {
  std::size_t line = 1;
  std::size_t column = 1;
  std::string text;
};
LineInfo locate(std::string_view text, std::size_t offset);

}  // namespace rulelab
