// ES|QL execution: indices as typed columns (from documents and an index mapping), and a query
// run as a pipeline of columnar commands over them. Each command takes a page (named, typed
// columns; a cell per row holding zero, one or several values) and produces the next page;
// expressions are evaluated a whole column at a time. The pipeline is first run over empty
// indices to resolve every column's type and reject unknown names before any data is read.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/dynamic.hpp"
#include "core/error.hpp"
#include "esql/ast.hpp"
#include "esql/parser.hpp"

namespace rulelab::elastic { class FieldTypes; }

namespace rulelab::esql {

struct Column {
  std::string name;
  Type type = Type::Null;
  std::vector<Cell> cells;
};

// A page: columns of equal length. `origin` names, per row, the source document (index number
// << 32 | row) it comes from, or -1 after aggregation.
struct Page {
  std::vector<Column> columns;
  std::vector<std::int64_t> origin;
  std::size_t rows() const { return origin.size(); }
  int find(std::string_view name) const;
};

// Values of one mapped field that its type cannot take (a word in a long field, a date that does
// not parse): Elasticsearch indexes the document without them where the index ignores malformed
// values (index.mapping.ignore_malformed, set on logs-*-* data streams) and refuses the document
// otherwise. rulelab reads the field as missing there and says so (RunOutput::notes).
struct MalformedField {
  std::size_t values = 0;
  std::size_t first_line = 0;  // of the first such value
  std::string first_value;     // its JSON text (shortened)
  // constant_keyword: the index's value, which these documents' values differ from (set: the
  // values are documents Elasticsearch refuses to index, not malformed values it ignores)
  std::optional<std::string> index_value{};
};

// Whether a non-blank NDJSON line (the file's byte order mark removed) is a document Elasticsearch
// would index: valid JSON, an object, no key written twice in one object (strict duplicate
// detection: json_parse_exception). The
// whole load (Catalog::add_index) leaves the others out; explain numbers documents the same way.
class DocumentChecker {
 public:
  DocumentChecker();
  ~DocumentChecker();
  DocumentChecker(const DocumentChecker&) = delete;
  DocumentChecker& operator=(const DocumentChecker&) = delete;
  bool indexable(std::string_view line, std::string* reason = nullptr);

 private:
  struct Parser;
  std::unique_ptr<Parser> parser_;
};

struct Index {
  std::string name;
  std::string file;                  // where the documents came from
  std::vector<std::size_t> lines;    // line of each row in that file
  Page data;  // every mapped field as a column
  std::vector<std::string> doc_ids;  // _id per row
  // The documents as indexed (_source), for what Elasticsearch answers from the index rather than
  // from columns: KQL(), MATCH and `:` (full-text queries pushed down to Lucene), METADATA _source.
  std::vector<Dynamic> sources;
  // The field model the index was typed with (null: none given).
  std::shared_ptr<const elastic::FieldTypes> types;
  // A file read at query time (add_index_file): `data` is empty; the documents are typed by these.
  std::shared_ptr<const elastic::FieldTypes> stream_types;
  bool streamed() const { return stream_types != nullptr; }
  // Per field name: the values the whole load (add_index) could not convert.
  std::map<std::string, MalformedField> malformed;
  // Lines the whole load could not read as a document Elasticsearch indexes (invalid JSON, not
  // an object, a key written twice): left out, counted, the first named.
  std::size_t unreadable = 0;
  std::size_t first_unreadable_line = 0;
  std::string first_unreadable_reason;
  // Documents a request filter leaves out before the query sees them (a Kibana rule's exception
  // items, sent as the ES|QL request's `filter`), by their position among the file's documents
  // (the row ordinal of origin): FROM does not read them.
  std::shared_ptr<const std::vector<bool>> excluded_docs;
  bool excluded(std::size_t ordinal) const { return excluded_docs && ordinal < excluded_docs->size() && (*excluded_docs)[ordinal]; }
  // Documents an earlier request of a rule's run, or an earlier run, returned (Kibana's ES|QL rule
  // executor sends them as `must_not` ids with the next requests: its excludedDocuments): FROM
  // does not read them either, and counts them apart.
  std::shared_ptr<const std::vector<bool>> seen_docs;
  bool seen(std::size_t ordinal) const { return seen_docs && ordinal < seen_docs->size() && (*seen_docs)[ordinal]; }
};

// The indices a query may read.
class Catalog {
 public:
  // Documents: NDJSON text (one _source a line); fields typed by `types` (the index mapping, and
  // ECS when the caller adds it). Fields the mapping does not know are left out and counted.
  // `wanted`: when given, a field that only an integration's or the alerts index's mapping names
  // (thousands of fields) and no document holds is a column only when it is one of these (the
  // fields a query references); null: every mapped field is a column.
  Result<std::size_t> add_index(const std::string& name, std::string_view ndjson, const std::string& file,
                                const elastic::FieldTypes& types, const std::vector<std::string>* wanted = nullptr);
  // The same over documents given one by one (each with the line it starts on; a document may span
  // lines: pretty-printed, or an element of a JSON array), in file order.
  Result<std::size_t> add_documents(const std::string& name, const std::vector<std::pair<std::size_t, std::string_view>>& documents,
                                    const std::string& file, const elastic::FieldTypes& types,
                                    const std::vector<std::string>* wanted = nullptr);
  // An index with no documents whose columns are the mapped fields (rule checks over ECS).
  void add_empty_index(const std::string& name, const elastic::FieldTypes& types);
  // An index with no documents whose columns are `names`, typed by `types` (ECS), null-typed when
  // nothing maps them (rule checks: a rule's query over an empty index of its data stream).
  void add_fields_index(const std::string& name, const elastic::FieldTypes& types, const std::vector<std::string>& names);
  // Reads a file of documents (NDJSON, or one JSON array) into an index.
  Result<std::size_t> add_index_file(const std::string& name, const std::string& file, const elastic::FieldTypes& types);
  const std::vector<Index>& indices() const { return indices_; }
  // Documents of index `index_no` FROM leaves out (Index::excluded_docs).
  void exclude_documents(std::size_t index_no, std::shared_ptr<const std::vector<bool>> docs) {
    if (index_no < indices_.size()) indices_[index_no].excluded_docs = std::move(docs);
  }
  // Documents of index `index_no` earlier requests returned (Index::seen_docs).
  void exclude_seen(std::size_t index_no, std::shared_ptr<const std::vector<bool>> docs) {
    if (index_no < indices_.size()) indices_[index_no].seen_docs = std::move(docs);
  }
  std::size_t unmapped_skipped() const { return unmapped_; }

 private:
  std::vector<Index> indices_;
  std::size_t unmapped_ = 0;
  bool keep_sources_ = true;

 public:
  // Whether add_index keeps each document (Index::sources, for KQL/MATCH/_source/_ignored);
  // a whole-index load for a query that reads none of them leaves them out.
  void set_keep_sources(bool keep) { keep_sources_ = keep; }
};

// What an inference endpoint answers, as the user gives it (rulelab has no LLM): COMPLETION takes
// the first answer whose endpoint (when given) is the command's and whose text (when given) the
// prompt contains. `file` and `line` say where it was written.
struct CompletionAnswer {
  std::string inference_id;     // empty: any endpoint
  std::string prompt_contains;  // empty: any prompt
  std::optional<std::string> response;  // nullopt: the answer is null
  std::string file;
  std::size_t line = 0;     // in a file of one answer a line
  std::size_t element = 0;  // in a file of one JSON array: the answer's position (1-based); 0: not
};
// Reads answers from files (in order): each one JSON object a line (or one JSON array of objects)
// with "response" (a string or null) and optionally "inference_id" and "prompt_contains".
Result<std::shared_ptr<const std::vector<CompletionAnswer>>> read_completion_answers(const std::vector<std::string>& files);

struct RunOptions {
  std::int64_t now_ms = 0;          // NOW(); the run's clock
  bool implicit_limit = true;       // LIMIT 1000 unless the query limits itself
  SourceContext where;              // for error positions
  // Extra filter applied to every FROM (a rule's window, [from, to] in ms), as Kibana's
  // buildTimeRangeFilter builds it: rows whose `window_field` holds a date in the window, or, with
  // a `window_fallback`, rows without any value of `window_field` whose fallback holds one (a
  // rule's timestamp_override, else @timestamp; the fallback is @timestamp unless the rule
  // disables it).
  std::optional<std::pair<std::int64_t, std::int64_t>> window;
  std::string window_field = "@timestamp";
  std::string window_fallback;  // empty: none
  // The fields the window reads (none without a window).
  std::vector<std::string> window_fields() const {
    std::vector<std::string> f;
    if (!window) return f;
    f.push_back(window_field);
    if (!window_fallback.empty() && window_fallback != window_field) f.push_back(window_fallback);
    return f;
  }
  // Explain: follow this source document (index number << 32 | row) through the commands.
  std::optional<std::int64_t> trace;
  // Indices read at query time (Catalog::add_index_file) are streamed, only the fields the query
  // needs, when its result names its columns; false: always loaded whole (the same answer).
  bool stream = true;
  // COMPLETION's answers (--completion FILE); without them COMPLETION needs a cluster's endpoint.
  std::shared_ptr<const std::vector<CompletionAnswer>> completions;
  // Rows one MV_EXPAND may produce (--max-rows; 0: none): beyond, the query fails with a
  // positioned error instead of exhausting memory (Elasticsearch's circuit breaker refuses such a
  // query too).
  std::uint64_t max_rows = 10'000'000;
};

// What one command did to the traced document's rows (explain).
struct TracePart {
  std::string text;   // a condition of a WHERE, as written (the operands of its top-level AND)
  std::string value;  // "true", "false" or "null" on the traced row
  std::vector<std::pair<std::string, std::string>> fields;  // the columns it reads: name, value as JSON
};
struct TraceStep {
  std::size_t command = 0;  // index into Query::commands; commands.size(): the implicit LIMIT 1000
  std::string text;         // the command as written
  std::size_t rows_before = 0, rows_after = 0;  // rows that carry the document, before and after it
  std::string note;         // what happened to them (aggregated into, position after SORT, ...)
  std::vector<TracePart> parts;  // a WHERE that dropped the traced row: each condition on that row
};

struct RunOutput {
  Page page;
  std::vector<std::string> warnings;
  // rulelab's own notes on the run (not Elasticsearch's warnings): malformed values read as missing.
  std::vector<std::string> notes;
  bool aggregating = false;  // the pipeline has a STATS (rows are groups, not documents)
  std::vector<std::string> index_names;  // origin's index numbers
  // Lines of the documents of indices read at query time (Index::streamed), by index number:
  // the provenance of rows whose origin names such an index.
  std::map<std::size_t, std::vector<std::uint32_t>> source_lines;
  // Per index number that FROM read: its documents, and those in RunOptions::window.
  std::map<std::size_t, std::pair<std::size_t, std::size_t>> documents;
  // Per index number: documents in the window that Index::excluded_docs left out; and those
  // Index::seen_docs left out (not excluded_docs).
  std::map<std::size_t, std::size_t> excluded, seen;
  // With RunOptions::trace: each command's effect on the traced document, and the output rows
  // that carry it (the rows themselves, or the groups it was aggregated into).
  std::vector<TraceStep> trace;
  std::vector<std::size_t> traced_rows;
};

// Runs a parsed query. Errors are positioned in the query (unknown column, type mismatch, a
// command that needs a cluster); `unsupported` says an error is a missing feature of rulelab.
struct RunError {
  Error error;
  bool unsupported = false;
  bool needs_service = false;  // COMPLETION (inference endpoint), ENRICH (enrich policy): a cluster's service
};
struct RunResult {
  std::optional<RunOutput> output;
  std::optional<RunError> error;
};
RunResult run_query(const Query& q, const Catalog& catalog, const RunOptions& opts);

// FROM's index pattern matching (`*` wildcards).
bool index_matches(std::string_view pattern, std::string_view index);

// Every field name a query reads or names (for typing it over an empty index).
std::vector<std::string> referenced_fields(const Query& q);

// JSON of a result as Elasticsearch's ES|QL API returns it: {"columns":[{name,type}],"values":[[...]]}
// plus "warnings".
std::string result_json(const RunOutput& out);
// One cell as JSON (null, a value, or an array for a multi-value).
std::string cell_json(Type t, const Cell& c);

}  // namespace rulelab::esql
