// Log ingestion through the file API (a scratch file per process). The input's size picks the
// options, so every seed is read as is: documents mode (Elastic _source), a built-in schema
// (AuditLogs) or an inferred one, a small line limit, one or three parsing threads. Every cell of the table is printed
// and the counts must add up (rows + rejected + filtered = records).
#pragma once
#include "core/ingest.hpp"
#include "engine/engine.hpp"
#include "fuzz_util.hpp"

namespace rulelab::fuzz {

inline void ingest(InputFormat format, const char* extension, std::string_view bytes) {
  static ScratchFile file(extension);
  IngestOptions o;
  o.format = format;
  o.documents = (bytes.size() & 1) != 0;
  if (bytes.size() & 2) o.table = "AuditLogs";
  if (bytes.size() & 4) o.max_line_bytes = 64;
  o.threads = (bytes.size() & 8) ? 3 : 1;  // the parallel reader (blocks are 8 MiB: one block here)
  auto r = ingest_file(file.write(bytes), o);
  if (!r) {
    (void)r.error().format();
    return;
  }
  const IngestStats& s = r->stats;
  if (s.rows + s.rejected + s.filtered != s.records) violated("rows + rejected + filtered != records");
  if (r->table.rows() != s.rows) violated("table rows != counted rows");
  for (const auto& b : r->table.batches) {
    if (b.columns.size() != r->table.schema.fields.size()) violated("batch columns != schema fields");
    for (const auto& c : b.columns)
      for (std::size_t i = 0; i < b.rows(); ++i) (void)engine::format_cell(c, i);
  }
}

}  // namespace rulelab::fuzz
