#include "engine/plan.hpp"

namespace rulelab::engine {

TableBuilder::TableBuilder(Schema s) : schema_(std::move(s)) { table_.schema = schema_; }

void TableBuilder::ensure() {
  if (open_) return;
  cur_ = Batch::empty_for(schema_);
  // Sized from the last full batch: its string buffers neither double nor copy on the way (for
  // hundreds of MB of rows, the copies and the fresh pages they touch cost more than the rows).
  if (!byte_hint_.empty()) cur_.reserve_like(byte_hint_);
  open_ = true;
}

void TableBuilder::end_row(RowSource src) {
  ensure();
  cur_.sources.push_back(src);
  ++rows_;
  if (cur_.rows() >= kBatchRows) {
    byte_hint_ = cur_.payload_hint(16);
    table_.batches.push_back(std::move(cur_));
    open_ = false;
  }
}

void TableBuilder::append_row(const Batch& b, std::size_t row) {
  ensure();
  for (std::size_t c = 0; c < cur_.columns.size(); ++c) cur_.columns[c].append_from(b.columns[c], row);
  end_row(b.sources[row]);
}

Table TableBuilder::finish() {
  if (open_ && cur_.rows() > 0) {
    if (!byte_hint_.empty())
      for (auto& c : cur_.columns) c.shrink_to_fit();  // a last partial batch sized as a full one
    table_.batches.push_back(std::move(cur_));
  }
  open_ = false;
  return std::move(table_);
}

Batch select_rows(const Batch& b, const SelectionVector& sel) {
  Batch out;
  out.columns.reserve(b.columns.size());
  for (auto& c : b.columns) out.columns.push_back(c.take(sel));
  out.sources.reserve(sel.size());
  for (auto i : sel) out.sources.push_back(b.sources[i]);
  return out;
}

std::vector<RowRef> all_rows(const Table& t) {
  std::vector<RowRef> r;
  r.reserve(t.rows());
  for (std::uint32_t b = 0; b < t.batches.size(); ++b)
    for (std::uint32_t i = 0; i < t.batches[b].rows(); ++i) r.push_back({b, i});
  return r;
}

}  // namespace rulelab::engine
