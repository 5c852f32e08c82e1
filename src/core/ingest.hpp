// Reading log files into tables: NDJSON, JSON arrays, CSV with a header; gzip read directly.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/column.hpp"
#include "core/datetime.hpp"
#include "core/dynamic.hpp"
#include "core/error.hpp"
#include "core/raw_prefilter.hpp"

namespace rulelab {

enum class InputFormat { Auto, NDJson, JsonArray, Csv };

// A filter over the rows being read (a query's leading `where`, pushed down): it sees a batch with
// only the columns it asked for and clears keep[i] for the rows to drop. One instance per thread.
class BatchFilter {
 public:
  virtual ~BatchFilter() = default;
  virtual void select(const Batch& batch, std::vector<std::uint8_t>& keep) = 0;
};

// Documents (IngestOptions::documents): judges each document as it is read, on the thread that
// parsed it; a document it refuses is dropped and counted as filtered. One instance per thread,
// destroyed before ingest_stream returns.
class DocumentFilter {
 public:
  virtual ~DocumentFilter() = default;
  virtual bool keep(DynRef doc, std::size_t line) = 0;
  // The field paths (dotted, as in the source) that the judgement reads. When it names any, the
  // reader does not encode a document whole to judge it: it gives matches() a projection holding
  // only the members on these paths (every spelling: nested objects, dotted keys, arrays) and, for
  // a document that does not match, keep_unmatched() the same projection with the whole
  // document's shape hash (core/json_encode.hpp; nullopt when too deep to hash). keep() must give
  // the same answer as matches() || keep_unmatched().
  virtual std::vector<std::string> paths() const { return {}; }
  // True for a filter that judges projections even when paths() is empty (a reader that needs no
  // field of the documents, only their count): they are then projected on no path at all.
  virtual bool judges_projections() const { return false; }
  virtual bool matches(DynRef /*projected*/) { return true; }
  virtual bool keep_unmatched(DynRef /*projected*/, std::optional<std::uint64_t> /*shape*/) { return true; }
  // How the reader keeps a document when paths() names any: dropped, stored whole, or stored as
  // the projection (only the members on paths(): for readers that never look past them, or that
  // re-read the whole documents they need later). Matched: whole, and matches() was true (the
  // reader records it when IngestOptions::document_verdicts asks). By default: Matched when
  // matches(), else Whole when keep_unmatched(), else Drop.
  enum class Keep { Drop, Whole, Projection, Matched };
  // False for a filter that never reads the shape hash: the reader then does not compute it
  // (judge() gets nullopt, and a document stored whole a null _shape).
  virtual bool wants_shape() const { return true; }
  virtual Keep judge(DynRef projected, std::optional<std::uint64_t> shape) {
    if (matches(projected)) return Keep::Matched;
    return keep_unmatched(projected, shape) ? Keep::Whole : Keep::Drop;
  }
  // judge() a batch at a time (the reader judges up to kBatchRows projections at once, in file
  // order): out[i] for projected[i] with shapes[i]. A filter that evaluates its condition clause
  // by clause over the batch overrides it; each document must get judge()'s answer, and the
  // filter's own state (shapes seen) the same calls in the same order.
  virtual void judge_batch(std::span<const DynRef> projected, std::span<const std::optional<std::uint64_t>> shapes, std::span<Keep> out) {
    for (std::size_t i = 0; i < projected.size(); ++i) out[i] = judge(projected[i], shapes[i]);
  }
};

struct IngestOptions {
  std::string table;             // table name; default: the schema's, else the file's stem
  std::optional<Schema> schema;  // absent: a built-in schema named `table`, else inferred from the data
  bool strict = false;           // a record that cannot be read is fatal
  InputFormat format = InputFormat::Auto;
  unsigned threads = 0;  // parsing threads; 0: one per core (scan_threads)
  // Only these columns are materialised (others are skipped while parsing); empty = all.
  std::vector<std::string> columns;
  // Elastic documents: one dynamic column "_source" holding each record whole.
  bool documents = false;
  // Documents: a second column "_shape" (long): each document's shape hash (dyn_shape), computed
  // while reading; null for a document stored as a projection or too deep to hash.
  bool document_shapes = false;
  // Documents: drops, while reading, the documents the filter refuses (see DocumentFilter).
  std::function<std::unique_ptr<DocumentFilter>()> make_document_filter;
  // Called on the reading thread for each finished batch before it is handed on (several threads
  // at once: it must only touch the batch): a reader converts the rows it needs there, in
  // parallel, into Batch::payload. Every batch of a read passes through it (the readers never
  // merge or split batches after it ran).
  std::function<void(Batch&)> finish_batch;
  // Documents with a filter that names paths(): a column "_matched" (bool), true for a
  // document the filter judged DocumentFilter::Keep::Matched, false for any other.
  bool document_verdicts = false;
  // Documents: a column "_offset" (long): the byte offset of each document's line in the file,
  // where the reader knows it (a plain regular NDJSON file); null elsewhere (gzip, a pipe, a
  // JSON array).
  bool document_offsets = false;
  // JSON records: only those starting on a line this accepts are parsed; the others are counted
  // as filtered, unread (re-reading chosen documents of a file).
  std::function<bool(std::size_t line)> keep_line;
  // JSON records (NDJSON lines, array elements): a record whose bytes cannot hold the prefilter's
  // literals is skipped unparsed and counted as filtered (and prefiltered). Not for CSV.
  std::shared_ptr<const RawPrefilter> prefilter;
  // CSV without a header (Kusto's externaldata, ingestion without a mapping): cells map to the
  // schema's columns by position; missing cells are null, extra cells are dropped with a warning.
  bool csv_positional = false;
  bool skip_first_record = false;  // externaldata's ignoreFirstRecord (positional CSV)
  // Slash dates of CSV cells ("11/04/2025, 10:14:36.000", as a Log Analytics export writes them in
  // the exporter's locale): each datetime column's order is told by its values (a first field
  // above 12 proves day-first, a second above 12 month-first). A column whose values never tell
  // follows date_order; unset: month-first, with a warning naming the column.
  std::optional<DateOrder> date_order;
  // Columns of the file that the schema (given or built-in) lacks are kept, typed by inference
  // from the data, and named in a note; false: they are dropped with a warning.
  bool keep_unknown_columns = true;
  std::size_t max_line_bytes = std::size_t{256} << 20;
  std::size_t max_reported = 20;  // rejections kept with their reasons (all are counted)
  // Rows for which keep(batch, row) is false are dropped while reading and counted as filtered.
  std::function<bool(const Batch&, std::size_t)> keep;
  // JSON records (NDJSON, arrays) are read in two steps when make_filter is set: first only
  // filter_columns (columns of the schema read), for a batch of records at a time; then the whole
  // record, only for the rows the filter keeps. Dropped rows are counted as filtered.
  std::vector<std::string> filter_columns;
  std::function<std::unique_ptr<BatchFilter>()> make_filter;
};

struct Rejection {
  std::size_t line = 0;  // 1-based line where the record starts
  std::string reason;
};

struct IngestStats {
  std::string file;
  InputFormat format = InputFormat::Auto;
  std::size_t bytes = 0;     // bytes read (after decompression)
  std::size_t records = 0;   // lines (NDJSON), elements (JSON array), data records (CSV)
  std::size_t rows = 0;      // records read into rows
  std::size_t rejected = 0;  // records that could not be read (rows + rejected + filtered = records)
  std::size_t filtered = 0;  // records dropped by IngestOptions::keep
  std::size_t prefiltered = 0;  // of `filtered`: skipped unparsed by IngestOptions::prefilter
  std::size_t chunks_in_place = 0;  // NDJSON files of 4 MiB and more: chunks parsed where the file is mapped (no copy)
  std::vector<Rejection> first_rejections;
  std::vector<std::string> warnings;  // values set to null, fields not in the schema, inferred schema
  std::vector<std::string> notes;     // columns kept that the schema lacks, date orders told by the data
  bool schema_inferred = false;
  bool schema_builtin = false;
};

struct IngestResult {
  Table table;
  IngestStats stats;
};

// Reads a whole file into a table. Fatal errors (cannot open, corrupt gzip, --strict) are errors.
Result<IngestResult> ingest_file(const std::string& path, const IngestOptions& options);

// A file's whole text, a gzip file's decompressed (as every reader here reads it).
Result<std::string> read_text(const std::string& path);

// The JSON documents of a file's text when the readers take it as whole documents rather than
// lines (a top-level array, or pretty-printed documents one after another): each one's byte range
// and the line it starts on, as ingest_stream reads them. std::nullopt when the readers take the
// text a line at a time (NDJSON) or as CSV; an error (with its line) when an array's brackets do
// not close.
struct TextDocument {
  std::size_t offset = 0, size = 0, line = 0;
};
Result<std::optional<std::vector<TextDocument>>> split_documents(const std::string& path, std::string_view text);

// Streams a file batch by batch into sink, keeping only what the sink keeps. The schema used is
// stored in *schema_out before the first batch.
Result<IngestStats> ingest_stream(const std::string& path, const IngestOptions& options, Schema* schema_out,
                                  const std::function<void(Batch&&)>& sink);

// Appends a batch from ingest_stream to `batches`, filling the previous partial batch up first
// (reading threads hand over partial batches at block ends).
void append_batch(std::vector<Batch>& batches, Batch&& b);

std::string_view format_name(InputFormat f);

// The parsing threads of a scan: `requested`, or one per core when 0.
unsigned scan_threads(unsigned requested);

// The columns of a file that `schema` lacks, in file order, typed by inference from the data: the
// CSV header's names, the keys of a JSON array's records, the keys of NDJSON records in the
// file's first 4 MiB (a key first seen later is dropped with a warning, as before).
Result<std::vector<Field>> unknown_columns(const std::string& path, const Schema& schema, InputFormat format = InputFormat::Auto);

// "columns the schema of T lacks, kept with types inferred from the data: MG (string), ..."
std::string unknown_columns_note(const std::string& table, const std::vector<Field>& added);

// A column name that Log Analytics and Defender use for a time (TimeGenerated, Timestamp, *Time,
// *TimeUtc, Time*, custom logs' *_t): slash dates in such a CSV column are inferred as datetime.
bool time_like_column(std::string_view name);

}  // namespace rulelab
