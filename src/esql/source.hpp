// Indices streamed from their files at query time (internal to src/esql): a query that ends in
// columns it names (STATS, KEEP) reads only the fields it references, a chunk of documents at a
// time, so that the leading row-by-row commands (WHERE, EVAL, ...) drop documents while reading.
// When the fields cannot be told without reading every document (a field no mapping types, a
// mapped field no document holds), the query falls back to loading the index whole, as
// Catalog::add_index does, so both ways give the same answer.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "elastic/date.hpp"
#include "elastic/field_types.hpp"
#include "esql/engine.hpp"

namespace rulelab::esql {

struct StreamField {
  std::string name, source_path, mtype;
  Type type = Type::Null;
  bool user = false;  // from the user's mapping: a column even when no document holds it
  std::shared_ptr<const elastic::DateFormats> date_format{};  // a date field's mapping `format`
  // Read in place for a reader stage (ViewColumn), not made a column: only with a stage.
  bool lazy = false;
  // The field's mapping (keyword rules: ignore_above, null_value, normalizer, constant_keyword).
  std::shared_ptr<const elastic::FieldMapping> mapping{};
};

struct StreamPlan {
  std::vector<StreamField> fields;  // the columns read, typed by the mapping
  std::vector<std::string> watch;   // names no mapping types: a document holding one ends streaming
};
StreamPlan stream_plan(const elastic::FieldTypes& types, const std::vector<std::string>& needed);

struct StreamStats {
  std::size_t documents = 0;
  std::vector<bool> field_seen;  // per plan field: some document holds a value
  bool watch_seen = false;
  std::vector<MalformedField> malformed;  // per plan field
};
// What a reader stage made of a batch besides its page (its warnings, say), handed on with it.
struct ChunkWork {
  virtual ~ChunkWork() = default;
};
// A lazy field of a batch (StreamField::lazy), per document: no value; one string, viewed where
// the reader holds the document (valid while the stage runs); or anything else, converted into
// the cell the column would hold (`other`, by document).
struct ViewColumn {
  enum Kind : std::uint8_t { None, One, Other };
  std::vector<Kind> kind;
  std::vector<std::string_view> text;
  std::vector<std::pair<std::size_t, Cell>> other;
  Cell cell(std::size_t row) const;  // the cell the column would hold
};
// Work on the reading threads, in parallel: each batch's page as `each` would get it, except that
// its origins number the batch's documents from 0 (stream_documents makes them the file's
// afterwards; negative origins, rows that are no document, stay) and that the lazy fields are not
// columns but views, one per plan field (those of other fields empty).
using ReaderStage = std::function<std::unique_ptr<ChunkWork>(Page&, const std::vector<ViewColumn>&)>;

// Reads the index's file: each chunk of about `chunk_docs` documents (whole batches) becomes a page of the
// plan's fields (origin: index_no << 32 | document ordinal) handed to `each`; `lines` gets every
// document's line. With a `stage`, each batch is a chunk, run through the stage on the thread
// that read it and handed to `each` in file order with what the stage returned (else null).
// Errors: the file cannot be read, a line is not a JSON object.
Result<StreamStats> stream_documents(const Index& idx, std::size_t index_no, const StreamPlan& plan, std::size_t chunk_docs,
                                     std::vector<std::uint32_t>& lines,
                                     const std::function<void(Page&&, std::unique_ptr<ChunkWork>)>& each,
                                     const ReaderStage& stage = {});

// The documents of an index file's text as every read of it takes them, each with the line it
// starts on: a JSON array's elements or pretty-printed documents as the scan layer splits them
// (split_documents), else its non-blank lines (a byte order mark skipped). The views point into
// `text`.
Result<std::vector<std::pair<std::size_t, std::string_view>>> file_documents(const std::string& file, std::string_view text);

// The whole index (every field), as add_index makes it from the file; with_sources: with each
// document (Index::sources), for queries that read them (KQL, MATCH, `:`, _source, _ignored).
// `wanted`: as Catalog::add_index (the fields the query references).
Result<Index> load_streamed(const Index& idx, bool with_sources, const std::vector<std::string>* wanted = nullptr);

// Whether a document value is one its mapped field's type cannot take (`mapping_type`, e.g.
// "long", "ip", "date"): Elasticsearch does not index it and, where the index ignores malformed
// values, lists the field in the document's _ignored.
bool value_is_malformed(DynRef v, const std::string& mapping_type);

}  // namespace rulelab::esql
