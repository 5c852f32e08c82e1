#include "engine/file_table.hpp"

namespace rulelab::engine {

FileTable::FileTable(Schema schema, std::vector<std::string> sources, std::vector<Part> parts)
    : schema_(std::move(schema)), sources_(std::move(sources)), parts_(std::move(parts)), counted_(parts_.size(), false) {}

void FileTable::read_part(std::size_t i, const std::function<void(Batch&&)>& sink) {
  const Part& p = parts_[i];
  Schema got;
  auto stats = ingest_stream(p.path, p.options, &got, [&](Batch&& b) {
    for (auto& s : b.sources) s.file = p.file_id;
    sink(std::move(b));
  });
  if (!stats) throw InputError{stats.error()};
  if (got.fields.size() != schema_.fields.size())
    throw InputError{Error{"its columns differ from the other files given for table " + schema_.table, p.path}};
  if (!counted_[i]) {
    counted_[i] = true;
    reads_.push_back({p.path, std::move(*stats)});
  }
}

void FileTable::for_each_batch(const std::function<void(const Batch&, Batch*)>& f) {
  if (whole_) {
    for (auto& b : whole_->batches) f(b, nullptr);
    return;
  }
  for (std::size_t i = 0; i < parts_.size(); ++i) read_part(i, [&](Batch&& b) { f(b, &b); });
}

std::shared_ptr<const Table> FileTable::table() {
  if (!whole_) {
    Table t{schema_, sources_, {}};
    for (std::size_t i = 0; i < parts_.size(); ++i)
      read_part(i, [&](Batch&& b) { append_batch(t.batches, std::move(b)); });
    whole_ = std::make_shared<const Table>(std::move(t));
  }
  return whole_;
}

}  // namespace rulelab::engine
