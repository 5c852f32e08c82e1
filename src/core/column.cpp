#include "core/column.hpp"

#include <charconv>
#include <cstring>

namespace rulelab {

void Column::set_null(std::size_t i) {
  if (validity_.empty()) validity_.assign((size_ + 63) / 64, ~0ULL);
  validity_[i >> 6] &= ~(1ULL << (i & 63));
}

void Column::append_null() {
  switch (type_) {
    case Type::String: append_string({}); return;
    case Type::Dynamic: {
      const char null_tag = static_cast<char>(DynKind::Null);
      append_string(std::string_view(&null_tag, 1));
      break;
    }
    case Type::Guid: fixed_.push_back(0); fixed_.push_back(0); grow(); break;
    case Type::Decimal: append_string({}); break;
    default: fixed_.push_back(0); grow(); break;
  }
  set_null(size_ - 1);
}

void Column::append_real(double v) {
  if (type_ == Type::Decimal) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    append_string(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
    return;
  }
  std::uint64_t bits;
  std::memcpy(&bits, &v, 8);
  fixed_.push_back(bits);
  grow();
}

double Column::get_real(std::size_t i) const {
  if (type_ == Type::Decimal) {
    const std::string_view t = get_string(i);
    double d = 0;
    std::from_chars(t.data(), t.data() + t.size(), d);
    return d;
  }
  double v;
  std::memcpy(&v, &fixed_[i], 8);
  return v;
}

void Column::append_guid(const Guid& g) {
  std::uint64_t a, b;
  std::memcpy(&a, g.bytes, 8);
  std::memcpy(&b, g.bytes + 8, 8);
  fixed_.push_back(a);
  fixed_.push_back(b);
  grow();
}

Guid Column::get_guid(std::size_t i) const {
  Guid g;
  std::memcpy(g.bytes, &fixed_[2 * i], 8);
  std::memcpy(g.bytes + 8, &fixed_[2 * i + 1], 8);
  return g;
}

void Column::append_from(const Column& other, std::size_t i) {
  if (other.is_null(i)) { append_null(); return; }
  switch (type_) {
    case Type::String:
    case Type::Decimal:
    case Type::Dynamic: append_string(other.get_string(i)); break;
    case Type::Guid: append_guid(other.get_guid(i)); break;
    default: fixed_.push_back(other.fixed_[i]); grow(); break;
  }
}

Column Column::take(const std::vector<std::uint32_t>& sel) const {
  Column out(type_);
  const std::size_t n = sel.size();
  if (var_width()) {
    std::size_t bytes = 0;
    for (auto i : sel) bytes += offsets_[i + 1] - offsets_[i];
    out.bytes_.reserve(bytes);
    out.offsets_.reserve(n + 1);
    for (auto i : sel) {
      out.bytes_.append(bytes_, offsets_[i], offsets_[i + 1] - offsets_[i]);
      out.offsets_.push_back(static_cast<std::uint32_t>(out.bytes_.size()));
    }
  } else if (type_ == Type::Guid) {
    out.fixed_.resize(2 * n);
    for (std::size_t k = 0; k < n; ++k) {
      out.fixed_[2 * k] = fixed_[2 * sel[k]];
      out.fixed_[2 * k + 1] = fixed_[2 * sel[k] + 1];
    }
  } else {
    out.fixed_.resize(n);
    for (std::size_t k = 0; k < n; ++k) out.fixed_[k] = fixed_[sel[k]];
  }
  out.size_ = n;
  if (!validity_.empty()) {
    bool any_null = false;
    for (auto i : sel) any_null = any_null || is_null(i);
    if (any_null) {
      out.validity_.assign((n + 63) / 64, ~0ULL);
      for (std::size_t k = 0; k < n; ++k)
        if (is_null(sel[k])) out.validity_[k >> 6] &= ~(1ULL << (k & 63));
    }
  }
  return out;
}

void Column::pop_back() {
  if (size_ == 0) return;
  --size_;
  if (!validity_.empty()) validity_[size_ >> 6] |= 1ULL << (size_ & 63);
  if (var_width()) {
    offsets_.pop_back();
    bytes_.resize(offsets_.back());
  } else {
    fixed_.pop_back();
    if (type_ == Type::Guid) fixed_.pop_back();
  }
}

int Schema::index_of(std::string_view name) const {
  for (std::size_t i = 0; i < fields.size(); ++i)
    if (fields[i].name == name) return static_cast<int>(i);
  return -1;
}

Batch Batch::empty_for(const Schema& schema) {
  Batch b;
  b.columns.reserve(schema.fields.size());
  for (const auto& f : schema.fields) b.columns.emplace_back(f.type);
  return b;
}

std::vector<std::size_t> Batch::payload_hint(std::size_t slack_div) const {
  std::vector<std::size_t> hint(columns.size());
  for (std::size_t c = 0; c < columns.size(); ++c) hint[c] = columns[c].payload_bytes() + columns[c].payload_bytes() / slack_div;
  return hint;
}

void Batch::reserve_like(const std::vector<std::size_t>& hint) {
  for (std::size_t c = 0; c < columns.size(); ++c) {
    columns[c].reserve(kBatchRows);
    if (c < hint.size()) columns[c].reserve_bytes(hint[c]);
  }
  sources.reserve(kBatchRows);
}

std::size_t Table::rows() const {
  std::size_t n = 0;
  for (const auto& b : batches) n += b.rows();
  return n;
}

}  // namespace rulelab
