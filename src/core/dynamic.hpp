// Compact encoding of dynamic (JSON) values: one contiguous byte string per value, no heap tree.
//
// Layout (little-endian): a tag byte, then
//   Null, False, True      nothing
//   Int                    int64
//   Real                   double
//   String                 u32 length, bytes
//   Array                  u32 payload size, u32 count, elements
//   Object                 u32 payload size, u32 count, members (u32 key length, key bytes, value)
// Arrays and objects carry their payload size so that a reader skips them in O(1).
#pragma once
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rulelab {

enum class DynKind : std::uint8_t { Null = 0, False = 1, True = 2, Int = 3, Real = 4, String = 5, Array = 6, Object = 7 };

// A read-only view of one encoded value. Cheap to copy; valid while the bytes live.
class DynRef {
 public:
  DynRef() = default;
  explicit DynRef(const std::uint8_t* p) : p_(p) {}
  explicit DynRef(std::string_view bytes) : p_(reinterpret_cast<const std::uint8_t*>(bytes.data())) {}

  bool valid() const { return p_ != nullptr; }
  // Asks the CPU to bring the value's first `bytes` into its cache (a loop over values stored
  // apart calls it for a value a few steps ahead: reading them waits on memory otherwise).
  void prefetch(std::size_t bytes) const {
    for (std::size_t i = 0; p_ && i < bytes; i += 64) __builtin_prefetch(p_ + i);
  }
  DynKind kind() const { return p_ ? static_cast<DynKind>(*p_) : DynKind::Null; }
  bool is_null() const { return kind() == DynKind::Null; }
  bool is_bool() const { return kind() == DynKind::False || kind() == DynKind::True; }
  bool is_number() const { return kind() == DynKind::Int || kind() == DynKind::Real; }
  bool is_string() const { return kind() == DynKind::String; }
  bool is_array() const { return kind() == DynKind::Array; }
  bool is_object() const { return kind() == DynKind::Object; }

  bool as_bool() const { return kind() == DynKind::True; }
  std::int64_t as_int() const { return read<std::int64_t>(1); }
  double as_real() const { return read<double>(1); }
  double as_number() const { return kind() == DynKind::Int ? static_cast<double>(as_int()) : as_real(); }
  std::string_view as_string() const {
    return {reinterpret_cast<const char*>(p_ + 5), read<std::uint32_t>(1)};
  }

  // Number of elements (array) or members (object); 0 otherwise.
  std::uint32_t size() const { return is_array() || is_object() ? read<std::uint32_t>(5) : 0; }
  // Total encoded size in bytes of this value.
  std::size_t byte_size() const;
  std::string_view bytes() const { return {reinterpret_cast<const char*>(p_), byte_size()}; }

  // Member of an object by exact key (the last one when keys repeat); invalid ref when absent.
  DynRef get(std::string_view key) const;
  // Element of an array; negative indexes count from the end; invalid ref when out of range.
  DynRef at(std::int64_t index) const;

  // Each element of an array, each member of an object, until f returns true: then true, and the
  // rest of the container is not read (a value's bytes are only touched when visited).
  template <class F>  // bool F(DynRef element)
  bool any_element(F&& f) const {
    if (!is_array()) return false;
    const std::uint8_t* q = p_ + 9;
    for (std::uint32_t i = 0, n = size(); i < n; ++i) {
      DynRef e(q);
      if (f(e)) return true;
      q += e.byte_size();
    }
    return false;
  }
  template <class F>  // bool F(std::string_view key, DynRef value)
  bool any_member(F&& f) const {
    if (!is_object()) return false;
    const std::uint8_t* q = p_ + 9;
    for (std::uint32_t i = 0, n = size(); i < n; ++i) {
      std::uint32_t klen;
      std::memcpy(&klen, q, 4);
      std::string_view key(reinterpret_cast<const char*>(q + 4), klen);
      DynRef v(q + 4 + klen);
      if (f(key, v)) return true;
      q = q + 4 + klen + v.byte_size();
    }
    return false;
  }
  template <class F>  // F(DynRef element)
  void for_each_element(F&& f) const {
    any_element([&](DynRef e) {
      f(e);
      return false;
    });
  }
  template <class F>  // F(std::string_view key, DynRef value)
  void for_each_member(F&& f) const {
    any_member([&](std::string_view k, DynRef v) {
      f(k, v);
      return false;
    });
  }

  friend bool operator==(DynRef a, DynRef b);

 private:
  template <class T>
  T read(std::size_t off) const {
    T v;
    std::memcpy(&v, p_ + off, sizeof v);
    return v;
  }
  const std::uint8_t* p_ = nullptr;
};

// Appends encoded values to a byte string. Containers are opened and closed explicitly.
class DynWriter {
 public:
  explicit DynWriter(std::string& out) : out_(out) {}
  void null() { out_.push_back(static_cast<char>(DynKind::Null)); bump(); }
  void boolean(bool b) { out_.push_back(static_cast<char>(b ? DynKind::True : DynKind::False)); bump(); }
  void integer(std::int64_t v) { out_.push_back(static_cast<char>(DynKind::Int)); put(v); bump(); }
  void real(double v) { out_.push_back(static_cast<char>(DynKind::Real)); put(v); bump(); }
  void string(std::string_view s);
  void key(std::string_view k);  // inside an object, before each value
  void begin_array() { open(DynKind::Array); }
  void begin_object() { open(DynKind::Object); }
  void end() ;  // closes the innermost open container
  void raw(DynRef v) { out_.append(v.bytes()); bump(); }

 private:
  template <class T>
  void put(T v) {
    char b[sizeof v];
    std::memcpy(b, &v, sizeof v);
    out_.append(b, sizeof v);
  }
  void open(DynKind k);
  void bump() { if (!stack_.empty()) ++stack_.back().count; }
  struct Frame { std::size_t start; std::uint32_t count; };
  std::string& out_;
  std::vector<Frame> stack_;
};

// An owned dynamic value.
class Dynamic {
 public:
  Dynamic() { bytes_.push_back(static_cast<char>(DynKind::Null)); }
  explicit Dynamic(std::string bytes) : bytes_(std::move(bytes)) {}
  explicit Dynamic(DynRef r) : bytes_(r.bytes()) {}
  DynRef ref() const { return DynRef(bytes_); }
  const std::string& bytes() const { return bytes_; }
  static Dynamic from_string(std::string_view s) {
    std::string b;
    DynWriter(b).string(s);
    return Dynamic(std::move(b));
  }

 private:
  std::string bytes_;
};

// JSON text of a value (compact, as Kusto prints dynamic values).
void write_json(DynRef v, std::string& out);
// The JSON text's first bytes: writing stops once `out` holds more than `limit` bytes (a preview).
std::string to_json_prefix(DynRef v, std::size_t limit);
std::string to_json(DynRef v);
// Appends s as a JSON string literal (quotes and escapes).
void write_json_string(std::string_view s, std::string& out);

// A hash of a document's shape: its keys and structure and each value's JSON kind (null, boolean,
// integer, real, string; a run of array elements of one shape counts once), not its values; the
// same as json_shape over its JSON text (core/json_encode.hpp). False when deeper than 64 levels.
bool dyn_shape(DynRef doc, std::uint64_t& hash);

// Parses JSON text into the encoding. Returns an error message on failure (value untouched).
// Duplicate keys keep their last value, as JSON.parse and Kusto do.
class JsonParser {
 public:
  JsonParser();
  ~JsonParser();
  JsonParser(const JsonParser&) = delete;
  JsonParser& operator=(const JsonParser&) = delete;
  // Appends the encoding of `text` to out; on error returns the message and leaves out as it was.
  std::optional<std::string> parse(std::string_view text, std::string& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rulelab
