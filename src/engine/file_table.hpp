// A table whose rows stay in their log files until the query reads them: streamed batch by batch
// into operators that consume rows one batch at a time (where, extend, project*, summarize,
// count), read whole once for the others. Memory then follows what the query keeps, not the file.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/column.hpp"
#include "core/error.hpp"
#include "core/ingest.hpp"

namespace rulelab::engine {

// A file that could not be read while the query ran (cannot open, corrupt gzip, --strict).
struct InputError {
  Error error;
};

class FileTable {
 public:
  struct Part {
    std::string path;
    std::uint32_t file_id = 0;  // RowSource::file of its rows
    IngestOptions options;      // schema, columns, filters: the same schema for every part
  };
  // `sources`: the file names RowSource::file numbers (Table::sources).
  FileTable(Schema schema, std::vector<std::string> sources, std::vector<Part> parts);

  const Schema& schema() const { return schema_; }
  const std::vector<std::string>& sources() const { return sources_; }

  // Every batch in file order: read now (nothing kept), or from the copy read before. Throws InputError.
  // `owned` (BatchFn) is set for batches read now.
  void for_each_batch(const std::function<void(const Batch&, Batch*)>& f);
  // The whole table, read once and kept. Throws InputError.
  std::shared_ptr<const Table> table();
  // Whether table() has read it already.
  bool read_whole() const { return whole_ != nullptr; }

  // What the first complete read of each part gave (records, rows, filtered, rejected, warnings).
  struct Read {
    std::string path;
    IngestStats stats;
  };
  const std::vector<Read>& reads() const { return reads_; }

 private:
  void read_part(std::size_t i, const std::function<void(Batch&&)>& sink);

  Schema schema_;
  std::vector<std::string> sources_;
  std::vector<Part> parts_;
  std::shared_ptr<const Table> whole_;
  std::vector<Read> reads_;
  std::vector<bool> counted_;
};

}  // namespace rulelab::engine
