// Typed columns with validity bitmaps, batches of rows, tables.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/dynamic.hpp"
#include "core/types.hpp"

namespace rulelab {

// Rows per batch, as DuckDB's vector size.
inline constexpr std::size_t kBatchRows = 2048;

// Indexes of the live rows of a batch; a filter narrows it instead of copying rows.
using SelectionVector = std::vector<std::uint32_t>;

// One column of one batch. Fixed-width types sit in one typed vector; strings and dynamic
// values in one byte buffer with offsets (Arrow's layout). Strings are never null.
class Column {
 public:
  explicit Column(Type type) : type_(type) { if (var_width()) offsets_.push_back(0); }

  Type type() const { return type_; }
  std::size_t size() const { return size_; }

  bool is_null(std::size_t i) const {
    return !validity_.empty() && !(validity_[i >> 6] >> (i & 63) & 1);
  }
  bool has_nulls() const { return !validity_.empty(); }

  // Appenders. append_null on a string column appends "" (Kusto strings are never null).
  void append_null();
  void append_bool(bool v) { fixed_.push_back(v ? 1 : 0); grow(); }
  void append_int(std::int32_t v) { fixed_.push_back(static_cast<std::uint32_t>(v)); grow(); }
  void append_long(std::int64_t v) { fixed_.push_back(static_cast<std::uint64_t>(v)); grow(); }
  void append_real(double v);  // real; on a decimal column, the shortest text that reads back as v
  // A decimal as its exact text (digits, an optional '-' and '.': "-12.5"); decimal columns keep
  // text so that values beyond a double's 15-17 digits (parse_version's 32) stay exact.
  void append_decimal_text(std::string_view s) { append_string(s); }
  void append_datetime(DateTime v) { append_long(v.ticks); }
  void append_timespan(TimeSpan v) { append_long(v.ticks); }
  void append_guid(const Guid& g);
  void append_string(std::string_view s) { bytes_.append(s); offsets_.push_back(static_cast<std::uint32_t>(bytes_.size())); grow(); }
  // Appends one encoded dynamic value (its bytes as produced by DynWriter).
  void append_dynamic(DynRef v) { append_string(v.bytes()); if (v.is_null()) set_null(size_ - 1); }
  void append_dynamic_bytes(std::string_view bytes) { append_dynamic(DynRef(bytes)); }
  // Removes the last row.
  void pop_back();
  // Copies row i of another column of the same type.
  void append_from(const Column& other, std::size_t i);

  // Readers (undefined on a null row, except strings).
  bool get_bool(std::size_t i) const { return fixed_[i] != 0; }
  std::int32_t get_int(std::size_t i) const { return static_cast<std::int32_t>(fixed_[i]); }
  std::int64_t get_long(std::size_t i) const { return static_cast<std::int64_t>(fixed_[i]); }
  double get_real(std::size_t i) const;  // decimal columns: the text read as a double
  std::string_view get_decimal_text(std::size_t i) const { return get_string(i); }
  DateTime get_datetime(std::size_t i) const { return DateTime{get_long(i)}; }
  TimeSpan get_timespan(std::size_t i) const { return TimeSpan{get_long(i)}; }
  Guid get_guid(std::size_t i) const;
  std::string_view get_string(std::size_t i) const {
    return std::string_view(bytes_).substr(offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  DynRef get_dynamic(std::size_t i) const { return DynRef(get_string(i)); }

  // Typed access for vector kernels. Fixed-width rows are 64-bit words: bool 0/1, int as the low
  // 32 bits, long/datetime/timespan as two's complement, real as its IEEE bit pattern (guid: two).
  const std::uint64_t* words() const { return fixed_.data(); }
  std::uint64_t* words() { return fixed_.data(); }
  // Validity words (bit set = valid), or nullptr when no row is null.
  const std::uint64_t* validity() const { return validity_.empty() ? nullptr : validity_.data(); }
  // A fixed-width column of n rows, all zero and valid, that a kernel fills in place.
  static Column filled(Type type, std::size_t n) {
    Column c(type);
    c.fixed_.assign(type == Type::Guid ? 2 * n : n, 0);
    c.size_ = n;
    return c;
  }
  // Marks row i null (kernels; the row's word is left as is).
  void set_null(std::size_t i);
  // The rows `sel` (ascending or not) of this column, copied straight from its storage.
  Column take(const std::vector<std::uint32_t>& sel) const;

  std::size_t memory_bytes() const {
    return fixed_.capacity() * 8 + bytes_.capacity() + offsets_.capacity() * 4 + validity_.capacity() * 8;
  }
  // Releases spare capacity (a finished batch keeps about what it holds): a buffer is copied to
  // its size only when more than an eighth of it is spare.
  void shrink_to_fit() {
    trim(fixed_);
    trim(offsets_);
    trim(bytes_);
    trim(validity_);
  }
  // Reserves room for rows and, for strings and dynamic values, bytes of payload.
  void reserve_bytes(std::size_t bytes) { if (var_width()) bytes_.reserve(bytes); }
  std::size_t payload_bytes() const { return bytes_.size(); }
  void reserve(std::size_t rows) { if (var_width()) offsets_.reserve(rows + 1); else fixed_.reserve(rows); }

 private:
  template <class V>
  static void trim(V& v) {
    if (v.capacity() - v.size() > v.capacity() / 8) v.shrink_to_fit();
  }
  bool var_width() const { return type_ == Type::String || type_ == Type::Dynamic || type_ == Type::Decimal; }
  void grow() { ++size_; if (!validity_.empty() && validity_.size() * 64 < size_) validity_.push_back(~0ULL); }

  Type type_;
  std::size_t size_ = 0;
  std::vector<std::uint64_t> validity_;  // empty: all rows valid; else bit set = valid
  std::vector<std::uint64_t> fixed_;     // bool, int, long, real (bit pattern), datetime, timespan; guid uses two
  std::vector<std::uint32_t> offsets_;   // string, dynamic, decimal (its text)
  std::string bytes_;                    // string, dynamic, decimal
};

struct Field {
  std::string name;
  Type type;
};

struct Schema {
  std::string table;  // table name, may be empty
  std::vector<Field> fields;
  // Index of a column by exact name, or -1.
  int index_of(std::string_view name) const;
};

// Where a row came from: the source file (index into Table::sources) and its line there.
struct RowSource {
  std::uint32_t file = 0;
  std::uint32_t line = 0;
};

// What a reader made of a batch on the thread that read it (IngestOptions::finish_batch): e.g. a
// query's own columns, converted in parallel before the batch reaches the consumer.
struct BatchPayload {
  virtual ~BatchPayload() = default;
};

// Up to kBatchRows rows; all columns have the same length.
struct Batch {
  std::vector<Column> columns;
  std::vector<RowSource> sources;  // one per row
  std::shared_ptr<BatchPayload> payload;  // IngestOptions::finish_batch's, else null
  std::size_t rows() const { return sources.size(); }
  static Batch empty_for(const Schema& schema);
  // The payload bytes of each column plus 1/slack_div of them: what a next batch like this one
  // needs, so that its string buffers, reserved with reserve_like(), neither double nor copy.
  std::vector<std::size_t> payload_hint(std::size_t slack_div) const;
  // Room for kBatchRows rows and, per column, the bytes of a payload_hint() (when there is one).
  void reserve_like(const std::vector<std::size_t>& hint);
};

struct Table {
  Schema schema;
  std::vector<std::string> sources;  // files the rows were read from
  std::vector<Batch> batches;
  std::size_t rows() const;
};

}  // namespace rulelab
