#include "core/ingest.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/datetime.hpp"
#include "core/json_encode.hpp"
#include "core/json_scan.hpp"
#include "core/schema.hpp"

namespace rulelab {

std::string_view format_name(InputFormat f) {
  switch (f) {
    case InputFormat::Auto: return "auto";
    case InputFormat::NDJson: return "ndjson";
    case InputFormat::JsonArray: return "json";
    case InputFormat::Csv: return "csv";
  }
  return "?";
}

unsigned scan_threads(unsigned requested) {
  if (requested) return requested;
  return std::max(1u, std::thread::hardware_concurrency());
}

namespace {

constexpr std::size_t kBlock = std::size_t{4} << 20;
constexpr std::size_t kPad = simdjson::SIMDJSON_PADDING;

// ---------------------------------------------------------------------------------------------
// Reading bytes: zlib's gz* functions read gzip and plain files alike.

class Source {
 public:
  explicit Source(const std::string& path) : f_(gzopen(path.c_str(), "rb")) {
    if (f_) gzbuffer(f_, 1 << 20);
  }
  ~Source() { if (f_) gzclose(f_); }
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;
  bool ok() const { return f_ != nullptr; }
  // Bytes read, 0 at the end, -1 on error (message in error()).
  long read(char* buf, std::size_t n) {
    const int got = gzread(f_, buf, static_cast<unsigned>(std::min<std::size_t>(n, 1u << 30)));
    if (got < 0) {
      int code = 0;
      error_ = gzerror(f_, &code);
      return -1;
    }
    return got;
  }
  const std::string& error() const { return error_; }

 private:
  gzFile f_;
  std::string error_;
};

// ---------------------------------------------------------------------------------------------
// Warnings, aggregated by kind so that a million bad values make one line.

struct WarningKey {
  std::string what;
  bool operator<(const WarningKey& o) const { return what < o.what; }
};
struct WarningInfo {
  std::size_t count = 0;
  std::size_t first_line = 0;
  std::string example;
};
using Warnings = std::map<std::string, WarningInfo>;

void add_warning(Warnings& w, const std::string& what, std::size_t line, std::string_view example) {
  auto& info = w[what];
  if (info.count++ == 0) {
    info.first_line = line;
    info.example = std::string(example.substr(0, 80));
  }
}

// ---------------------------------------------------------------------------------------------
// Text to typed values (CSV cells and JSON strings).

bool parse_long_text(std::string_view s, std::int64_t& out) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec == std::errc() && p == s.data() + s.size()) return true;
  double d;
  auto [p2, ec2] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec2 == std::errc() && p2 == s.data() + s.size() && d == std::trunc(d) && std::fabs(d) < 9.2e18) {
    out = static_cast<std::int64_t>(d);
    return true;
  }
  return false;
}

bool parse_real_text(std::string_view s, double& out) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s == "NaN") { out = std::nan(""); return true; }
  if (s == "Infinity" || s == "+Infinity") { out = HUGE_VAL; return true; }
  if (s == "-Infinity") { out = -HUGE_VAL; return true; }
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool parse_bool_text(std::string_view s, bool& out) {
  std::string l(s);
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (l == "true" || l == "1") { out = true; return true; }
  if (l == "false" || l == "0") { out = false; return true; }
  return false;
}

bool looks_like_json_container(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  return !s.empty() && (s.front() == '{' || s.front() == '[');
}

// ---------------------------------------------------------------------------------------------
// The plan shared by all workers: schema, projection, name lookup.

struct Plan {
  Schema schema;
  bool documents = false;
  bool document_shapes = false;  // documents: column 1 is "_shape"
  int matched_column = -1;       // documents: "_matched" (IngestOptions::document_verdicts)
  int offset_column = -1;        // documents: "_offset" (IngestOptions::document_offsets)
  bool projected = false;  // only some columns are read: other fields are skipped silently
  std::unordered_map<std::string, int> index;  // field name -> column
  std::size_t max_reported = 20;
  const std::function<bool(const Batch&, std::size_t)>* keep = nullptr;
  std::string file;
  // Two-step reading (IngestOptions::make_filter): the plan of the first step (the filter's columns).
  std::shared_ptr<const Plan> stage;
  const std::function<std::unique_ptr<BatchFilter>()>* make_filter = nullptr;
  const std::function<std::unique_ptr<DocumentFilter>()>* make_document_filter = nullptr;
  const std::function<void(Batch&)>* finish_batch = nullptr;  // (not the first step's plan)
  const std::function<bool(std::size_t)>* keep_line = nullptr;
  const RawPrefilter* prefilter = nullptr;  // JSON records
  std::vector<DateOrder> date_orders;  // per column: how its slash dates read (CSV); empty: month-first
};

// One per thread: parses records and appends rows.
class Loader {
 public:
  explicit Loader(const Plan& plan) : plan_(plan), seen_(plan.schema.fields.size(), 0) {
    reset_batch();
    if (plan.documents && plan.make_document_filter && *plan.make_document_filter) doc_filter_ = (*plan.make_document_filter)();
    if (doc_filter_) {
      doc_paths_ = doc_filter_->paths();
      std::sort(doc_paths_.begin(), doc_paths_.end());
      doc_paths_.erase(std::unique(doc_paths_.begin(), doc_paths_.end()), doc_paths_.end());
      for (const auto& p : doc_paths_) doc_path_views_.push_back(p);
      projecting_ = !doc_path_views_.empty() || doc_filter_->judges_projections();
    }
    if (plan.stage && plan.make_filter && *plan.make_filter) {
      filter_ = (*plan.make_filter)();
      if (filter_) {
        stage_ = std::make_unique<Loader>(*plan.stage);
        quiet_.assign(plan.schema.fields.size(), 0);
        for (auto& f : plan.stage->schema.fields) {
          const int c = plan.schema.index_of(f.name);
          quiet_[static_cast<std::size_t>(c)] = 1;
          stage_in_whole_.push_back(c);
        }
        // The first step of whole_ mode reads every column: this plan's, without its own steps.
        auto whole = std::make_unique<Plan>();
        whole->schema = plan.schema;
        whole->index = plan.index;
        whole->projected = plan.projected;
        whole->max_reported = plan.max_reported;
        whole->file = plan.file;
        whole->date_orders = plan.date_orders;
        whole_plan_ = std::move(whole);
        whole_stage_ = std::make_unique<Loader>(*whole_plan_);
        // Two steps always where the first one reads every column already (flush_stage copies the
        // kept rows), or names a column twice (it could not be lent twice).
        std::vector<int> cols = stage_in_whole_;
        std::sort(cols.begin(), cols.end());
        if (cols.size() == plan.schema.fields.size() || std::adjacent_find(cols.begin(), cols.end()) != cols.end()) whole_fallbacks_ = 2;
      }
    }
  }

  const RawPrefilter* prefilter() const { return plan_.prefilter; }

  // A JSON record at p[0..n) with padding readable after it (if padded) starting on `line`. With a
  // filter, the record's bytes must stay readable until take_batches(). `may_match`: the
  // prefilter's verdict on it when already known (load_lines).
  void json_record(const char* p, std::size_t n, std::size_t line, bool padded, std::optional<bool> may_match = std::nullopt) {
    ++records;
    if (plan_.keep_line && *plan_.keep_line && !(*plan_.keep_line)(line)) {
      ++filtered;
      return;
    }
    if (plan_.prefilter && !(may_match ? *may_match : plan_.prefilter->may_match({p, n}))) {
      ++filtered;
      ++prefiltered;
      return;
    }
    if (!filter_) {
      parse_record(p, n, line, padded);
      return;
    }
    // First step: the filter's columns only; the record is read whole once the filter keeps it
    // (whole_: every column at once, the kept rows copied; see flush_stage).
    if (!(whole_ ? *whole_stage_ : *stage_).parse_record(p, n, line, padded)) {
      // A record the first step rejects is listed with the first step's others, in file order
      // whichever loader read it (the elements of a JSON array all start on line 1).
      if (whole_) {
        stage_->rejected += whole_stage_->rejected;
        for (auto& r : whole_stage_->rejections)
          if (stage_->rejections.size() < plan_.max_reported) stage_->rejections.push_back(std::move(r));
        whole_stage_->rejected = 0;
        whole_stage_->rejections.clear();
      }
      return;
    }
    pending_.push_back({p, n, line, padded});
    if (pending_.size() == kBatchRows) flush_stage();
  }

  // The file offset of `base`, the first byte of the block being parsed, when the bytes are the
  // file's own (a plain file read by offset): a document's "_offset" (IngestOptions::document_offsets).
  void set_block(const char* base, std::optional<std::uint64_t> offset) {
    block_base_ = base;
    block_offset_ = offset;
  }

  // Parses a record into a row; false when it is rejected.
  bool parse_record(const char* p, std::size_t n, std::size_t line, bool padded) {
    // A projecting filter: most documents are read off simdjson's structural index alone
    // (ProjectionScanner: the projection, the duplicate check and the shape), without the DOM, and
    // judged a batch at a time (DocumentFilter::judge_batch, by judge_scanned: before any later
    // record is stored, so that rows keep the file's order); any the scanner does not decide is
    // parsed below. A document kept whole costs the scan and the DOM: once a thread has seen more
    // than a quarter of its scanned documents kept whole (a kuery or EQL filter whose raw
    // prefilter leaves mostly matches), it parses the rest of its read with the DOM alone.
    if (plan_.documents && projecting_ && padded && scan_ && !filter_) {
      const std::size_t at = scanned_bytes_.size();
      DynWriter pw(scanned_bytes_);
      std::uint64_t shape = 0;
      const bool want_shape = doc_filter_->wants_shape();
      if (scanner_.project(parser_, p, n, doc_path_views_, pw, want_shape ? &shape : nullptr)) {
        scanned_docs_.push_back({p, n, line, at, want_shape ? std::optional<std::uint64_t>(shape) : std::nullopt});
        if (scanned_docs_.size() == kBatchRows) judge_scanned();
        return true;
      }
      scanned_bytes_.resize(at);
    }
    judge_scanned();
    return parse_dom(p, n, line, padded, std::nullopt);
  }

  // The scanned documents not judged yet: judged together, then dropped, stored as their
  // projection or parsed whole, in order. (Their bytes stay readable until take_batches(): every
  // reader keeps a block until then, and load_lines judges its lines before it returns.)
  void judge_scanned() {
    if (scanned_docs_.empty()) return;
    const std::size_t k = scanned_docs_.size();
    scanned_refs_.clear();
    scanned_shapes_.clear();
    for (const auto& d : scanned_docs_) {
      scanned_refs_.push_back(DynRef(std::string_view(scanned_bytes_).substr(d.at)));
      scanned_shapes_.push_back(d.shape);
    }
    scanned_verdicts_.assign(k, DocumentFilter::Keep::Drop);
    doc_filter_->judge_batch(scanned_refs_, scanned_shapes_, scanned_verdicts_);
    for (std::size_t i = 0; i < k; ++i) {
      const ScannedDoc& d = scanned_docs_[i];
      const auto verdict = scanned_verdicts_[i];
      ++scanned_;
      if (verdict == DocumentFilter::Keep::Drop) {
        ++filtered;
        continue;
      }
      if (verdict == DocumentFilter::Keep::Projection) {
        append_projection(scanned_refs_[i].bytes(), d.p, d.line);
        continue;
      }
      ++scanned_whole_;
      parse_dom(d.p, d.n, d.line, true, verdict);
    }
    if (scanned_whole_ >= 64 && scanned_whole_ * 4 > scanned_) scan_ = false;
    scanned_docs_.clear();
    scanned_bytes_.clear();
  }

  // A record parsed by simdjson's DOM into a row (false when it is rejected); a document a
  // projecting filter has judged already comes with its verdict.
  bool parse_dom(const char* p, std::size_t n, std::size_t line, bool padded, std::optional<DocumentFilter::Keep> verdict) {
    simdjson::dom::element e;
    auto err = parser_.parse(p, n, !padded).get(e);
    if (err) {
      reject(line, std::string("invalid JSON: ") + simdjson::error_message(err));
      return false;
    }
    if (!e.is_object()) {
      reject(line, "not a JSON object");
      return false;
    }
    if (plan_.documents) {
      // Elasticsearch refuses to index a document with a key written twice (strict duplicate
      // detection, on since 6.0: json_parse_exception "Duplicate field"), so it is never searched.
      std::uint64_t shape = 0;
      bool shaped = false;
      bool matched = false;  // the filter judged it Keep::Matched
      const bool want_shape = !projecting_ || doc_filter_->wants_shape();
      // Without the shape, the duplicate check and the projection take one walk of the tape.
      if (auto dup = want_shape ? inspect_document(parser_.doc, shape, shaped) : checked_projection()) {
        reject(line, "duplicate field \"" + *dup + "\" (Elasticsearch rejects such a document: json_parse_exception)");
        return false;
      }
      if (projecting_) {
        // Judged on the fields it reads; encoded whole only when kept.
        if (want_shape) {
          projection_.clear();
          DynWriter pw(projection_);
          encode_projection(e, doc_path_views_, pw, projection_scratch_);
        }
        const auto keep = verdict ? *verdict : doc_filter_->judge(DynRef(projection_), shaped ? std::optional<std::uint64_t>(shape) : std::nullopt);
        if (keep == DocumentFilter::Keep::Drop) {
          ++filtered;
          return true;
        }
        if (keep == DocumentFilter::Keep::Projection) {
          append_projection(projection_, p, line);
          return true;
        }
        matched = keep == DocumentFilter::Keep::Matched;
      }
      scratch_.clear();
      DynWriter w(scratch_);
      encode_element(e, w);
      if (doc_filter_ && !projecting_ && !doc_filter_->keep(DynRef(scratch_), line)) {
        ++filtered;
        return true;
      }
      batch_.columns[0].append_dynamic_bytes(scratch_);
      if (plan_.document_shapes) {
        if (shaped) batch_.columns[1].append_long(static_cast<std::int64_t>(shape));
        else batch_.columns[1].append_null();
      }
      if (plan_.matched_column >= 0) batch_.columns[static_cast<std::size_t>(plan_.matched_column)].append_bool(matched);
      append_offset(p);
    } else {
      std::fill(seen_.begin(), seen_.end(), 0);
      simdjson::dom::object obj;
      if (e.get_object().get(obj)) obj = {};
      std::size_t pos = 0;
      for (auto field : obj) {
        const int c = lookup(field.key, pos++);
        if (c < 0) {
          if (!plan_.projected)  // a field the schema lacks
            add_warning(warnings, "field \"" + std::string(field.key) + "\" is not in the schema of " + plan_.schema.table + " (ignored)", line, "");
          continue;
        }
        if (seen_[static_cast<std::size_t>(c)]) {  // duplicate key: the last value wins, as in JSON.parse
          batch_.columns[static_cast<std::size_t>(c)].pop_back();
          add_warning(warnings, "a record has the key \"" + std::string(field.key) + "\" more than once (its last value is used)", line, "");
        }
        seen_[static_cast<std::size_t>(c)] = 1;
        append_json(batch_.columns[static_cast<std::size_t>(c)], plan_.schema.fields[static_cast<std::size_t>(c)].name, field.value, line);
      }
      for (std::size_t c = 0; c < seen_.size(); ++c)
        if (!seen_[c]) batch_.columns[c].append_null();
    }
    finish_row(line);
    return true;
  }

  // A document kept as its projection (its encoded bytes).
  void append_projection(std::string_view bytes, const char* p, std::size_t line) {
    batch_.columns[0].append_dynamic_bytes(bytes);
    if (plan_.document_shapes) batch_.columns[1].append_null();
    if (plan_.matched_column >= 0) batch_.columns[static_cast<std::size_t>(plan_.matched_column)].append_bool(false);
    append_offset(p);
    finish_row(line);
  }

  // The document's projection on doc_path_views_ into projection_ (for a projecting filter that
  // has no use for the shape), with the first key it writes twice.
  std::optional<std::string> checked_projection() {
    projection_.clear();
    DynWriter pw(projection_);
    return project_document(parser_.doc, doc_path_views_, pw, projection_scratch_);
  }

  void append_offset(const char* p) {
    if (plan_.offset_column < 0) return;
    Column& c = batch_.columns[static_cast<std::size_t>(plan_.offset_column)];
    if (block_offset_ && block_base_ && p >= block_base_) c.append_long(static_cast<std::int64_t>(*block_offset_ + static_cast<std::uint64_t>(p - block_base_)));
    else c.append_null();
  }

  // A CSV record: cells mapped to columns by cell_column (-1 = ignored).
  void csv_record(const std::vector<std::string>& cells, const std::vector<int>& cell_column, std::size_t line) {
    ++records;
    if (cells.size() != cell_column.size()) {
      reject(line, "CSV record has " + std::to_string(cells.size()) + " fields, the header has " + std::to_string(cell_column.size()));
      return;
    }
    std::fill(seen_.begin(), seen_.end(), 0);
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const int c = cell_column[i];
      if (c < 0 || seen_[static_cast<std::size_t>(c)]) continue;
      seen_[static_cast<std::size_t>(c)] = 1;
      append_text(batch_.columns[static_cast<std::size_t>(c)], plan_.schema.fields[static_cast<std::size_t>(c)].name, cells[i], line, true);
    }
    for (std::size_t c = 0; c < seen_.size(); ++c)
      if (!seen_[c]) batch_.columns[c].append_null();
    finish_row(line);
  }

  void reject(std::size_t line, std::string reason) {
    ++rejected;
    if (rejections.size() < plan_.max_reported) rejections.push_back({line, std::move(reason)});
  }

  // Moves the finished batches (and the partial one) out.
  std::vector<Batch> take_batches() {
    judge_scanned();
    if (filter_) {
      flush_stage();
      // the first step's rejections and warnings are this loader's; both lists hold their first
      // ones, so the first ones of all are among them: joined in line order, then cut
      rejected += stage_->rejected;
      for (auto& r : stage_->rejections) rejections.push_back(std::move(r));
      std::stable_sort(rejections.begin(), rejections.end(), [](const Rejection& a, const Rejection& b) { return a.line < b.line; });
      if (rejections.size() > plan_.max_reported) rejections.resize(plan_.max_reported);
      for (auto& [k, v] : stage_->warnings) {
        auto& t = warnings[k];
        if (t.count == 0) { t.first_line = v.first_line; t.example = v.example; }
        t.count += v.count;
      }
      stage_->rejected = stage_->rows = 0;
      stage_->rejections.clear();
      stage_->warnings.clear();
    }
    if (batch_.rows() > 0) {
      // The next chunk's partial batch likely holds about as much: size it from this one.
      if (!sealed_) byte_hint_ = batch_.payload_hint(8);
      for (auto& c : batch_.columns) c.shrink_to_fit();
      batches_.push_back(std::move(batch_));
      reset_batch();
    }
    std::vector<Batch> out = std::move(batches_);
    batches_.clear();
    if (plan_.finish_batch && *plan_.finish_batch)
      for (auto& b : out) (*plan_.finish_batch)(b);
    return out;
  }

  std::size_t records = 0, rows = 0, rejected = 0, filtered = 0, prefiltered = 0;
  std::vector<Rejection> rejections;
  Warnings warnings;

 private:
  void reset_batch() {
    batch_ = Batch::empty_for(plan_.schema);
    batch_.reserve_like(byte_hint_);
    batches_.reserve(4);
  }

  // A full batch: size the next one's string buffers from it (+6%), so that they neither double nor
  // copy, and release its spare capacity.
  void seal_batch() {
    sealed_ = true;
    byte_hint_ = batch_.payload_hint(16);
    for (auto& c : batch_.columns) c.shrink_to_fit();
    batches_.push_back(std::move(batch_));
    reset_batch();
  }

  void finish_row(std::size_t line) {
    batch_.sources.push_back({0, static_cast<std::uint32_t>(line)});
    if (plan_.keep && *plan_.keep && !(*plan_.keep)(batch_, batch_.rows() - 1)) {
      for (auto& c : batch_.columns) c.pop_back();
      batch_.sources.pop_back();
      ++filtered;
      return;
    }
    ++rows;
    if (batch_.rows() == kBatchRows) seal_batch();
  }

  // Column of the pos-th key of a record. Records of one file usually list the same keys in the
  // same order, so the column found at this position last time is tried before hashing.
  int lookup(std::string_view key, std::size_t pos) {
    if (pos < pos_hint_.size()) {
      if (pos_key_[pos] == key) return pos_hint_[pos];  // (also a key that is not a column)
    } else {
      pos_hint_.resize(pos + 1, -1);
      pos_key_.resize(pos + 1);
    }
    key_.assign(key.data(), key.size());
    auto it = plan_.index.find(key_);
    const int c = it == plan_.index.end() ? -1 : it->second;
    pos_hint_[pos] = c;
    pos_key_[pos] = key_;
    return c;
  }

  // The staged records: the filter sees their first-step columns, the rows it keeps are read whole.
  void flush_stage() {
    if (pending_.empty()) return;
    if (whole_ && flush_whole()) return;
    std::vector<Batch> staged = stage_->take_batches();
    keep_.assign(pending_.size(), 1);
    const bool judged = staged.size() == 1 && staged[0].rows() == pending_.size();
    if (judged) filter_->select(staged[0], keep_);
    if (judged) note_kept();
    if (judged && plan_.stage->schema.fields.size() == plan_.schema.fields.size()) {
      // the filter read every column there is to read: the kept rows are copied, not parsed again
      copy_kept(staged[0]);
      return;
    }
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      const Pending& r = pending_[i];
      if (keep_[i]) parse_record(r.p, r.n, r.line, r.padded);
      else ++filtered;
    }
    pending_.clear();
  }

  // Two-step reading parses each kept record twice (simdjson's DOM parses a whole record for one
  // column). When the filter keeps at least half of a batch's records, the first step reads
  // every column instead (whole_stage_) and the kept rows are copied; below a third, it goes back
  // to the filter's columns. (Reading a dropped record's other columns costs less than parsing a
  // kept record again: the v1.1.0 rule over the dense benchmark file keeps about 70%.) The rows,
  // rejections and warnings are the two-step ones either way: a batch whose whole reading warned
  // of anything (a value of the wrong type, a key written twice...) is read again in two steps,
  // which warns of the filter's columns for every record and of the others for the kept ones
  // only. Returns false when the batch is left to the two-step path (its records are then in the
  // first step's loader).
  bool flush_whole() {
    std::vector<Batch> staged = whole_stage_->take_batches();
    const bool warned = !whole_stage_->warnings.empty();
    // (Its rejections, records it could not parse, have no row and no pending entry: json_record
    // gave them to stage_ as they came.)
    whole_stage_->rows = 0;
    whole_stage_->warnings.clear();
    if (warned || staged.size() != 1 || staged[0].rows() != pending_.size()) {
      for (const Pending& r : pending_) stage_->parse_record(r.p, r.n, r.line, r.padded);
      // Records that warn in batch after batch would be read three times: the whole first step
      // is given up for the rest of this reader's records after the second such batch.
      if (++whole_fallbacks_ >= 2) whole_ = false;
      return false;
    }
    Batch& b = staged[0];
    Batch view;  // the filter's columns, as the first step would have read them (lent, then put back)
    view.columns.reserve(stage_in_whole_.size());
    for (int c : stage_in_whole_) view.columns.push_back(std::move(b.columns[static_cast<std::size_t>(c)]));
    view.sources = std::move(b.sources);
    keep_.assign(pending_.size(), 1);
    filter_->select(view, keep_);
    for (std::size_t k = 0; k < stage_in_whole_.size(); ++k) b.columns[static_cast<std::size_t>(stage_in_whole_[k])] = std::move(view.columns[k]);
    b.sources = std::move(view.sources);
    note_kept();
    copy_kept(b);
    return true;
  }

  // The pending records' rows that keep_ keeps, copied from b (every column of this plan, a row
  // per pending record); the others counted as filtered.
  void copy_kept(const Batch& b) {
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      if (!keep_[i]) {
        ++filtered;
        continue;
      }
      for (std::size_t c = 0; c < batch_.columns.size(); ++c) batch_.columns[c].append_from(b.columns[c], i);
      finish_row(pending_[i].line);
    }
    pending_.clear();
  }

  // The share of the batch just judged (keep_) that the filter kept sets the first step's mode.
  void note_kept() {
    if (whole_fallbacks_ >= 2) return;
    std::size_t kept = 0;
    for (auto k : keep_) kept += k ? 1 : 0;
    if (kept * 2 >= keep_.size()) whole_ = true;
    else if (kept * 3 < keep_.size()) whole_ = false;
  }

  DateOrder order_of(const Column& col) const {
    if (plan_.date_orders.empty() || &col < batch_.columns.data() || &col >= batch_.columns.data() + batch_.columns.size())
      return DateOrder::MonthFirst;
    const auto i = static_cast<std::size_t>(&col - batch_.columns.data());
    return i < plan_.date_orders.size() ? plan_.date_orders[i] : DateOrder::MonthFirst;
  }

  // `staged`: the value comes from a JSON record, which went through the filter's first step.
  void bad_value(Column& col, const std::string& name, std::size_t line, std::string_view value, bool staged = true) {
    col.append_null();
    // a column the first step read has reported its bad values already (CSV records are read in
    // one step: theirs have not)
    if (staged && !quiet_.empty() && &col >= batch_.columns.data() && &col < batch_.columns.data() + batch_.columns.size() &&
        quiet_[static_cast<std::size_t>(&col - batch_.columns.data())])
      return;
    add_warning(warnings, "values of column " + name + " that are not " + std::string(type_name(col.type())) + " were set to null", line, value);
  }

  void append_json(Column& col, const std::string& name, simdjson::dom::element v, std::size_t line) {
    using simdjson::dom::element_type;
    const element_type t = v.type();
    if (t == element_type::NULL_VALUE) { col.append_null(); return; }
    if (t == element_type::STRING) {
      append_text(col, name, v.get_string().value_unsafe(), line, false);
      return;
    }
    switch (col.type()) {
      case Type::String:
        if (t == element_type::ARRAY || t == element_type::OBJECT) col.append_string(simdjson::minify(v));
        else if (t == element_type::BOOL) col.append_string(v.get_bool().value_unsafe() ? "true" : "false");
        else col.append_string(simdjson::to_string(v));
        return;
      case Type::Dynamic: {
        scratch_.clear();
        DynWriter w(scratch_);
        encode_element(v, w);
        col.append_dynamic_bytes(scratch_);
        return;
      }
      case Type::Bool:
        if (t == element_type::BOOL) { col.append_bool(v.get_bool().value_unsafe()); return; }
        if (t == element_type::INT64) { col.append_bool(v.get_int64().value_unsafe() != 0); return; }
        break;
      case Type::Int:
      case Type::Long: {
        std::int64_t x;
        if (t == element_type::INT64) x = v.get_int64().value_unsafe();
        else if (t == element_type::UINT64 && v.get_uint64().value_unsafe() <= 9223372036854775807ULL) x = static_cast<std::int64_t>(v.get_uint64().value_unsafe());
        else if (t == element_type::BOOL) x = v.get_bool().value_unsafe() ? 1 : 0;
        else if (t == element_type::DOUBLE && std::trunc(v.get_double().value_unsafe()) == v.get_double().value_unsafe() && std::fabs(v.get_double().value_unsafe()) < 9.2e18) x = static_cast<std::int64_t>(v.get_double().value_unsafe());
        else break;
        if (col.type() == Type::Int) {
          if (x < INT32_MIN || x > INT32_MAX) break;
          col.append_int(static_cast<std::int32_t>(x));
        } else {
          col.append_long(x);
        }
        return;
      }
      case Type::Real:
      case Type::Decimal:
        if (t == element_type::INT64) { col.append_real(static_cast<double>(v.get_int64().value_unsafe())); return; }
        if (t == element_type::UINT64) { col.append_real(static_cast<double>(v.get_uint64().value_unsafe())); return; }
        if (t == element_type::DOUBLE) { col.append_real(v.get_double().value_unsafe()); return; }
        break;
      default:
        break;
    }
    bad_value(col, name, line, simdjson::minify(v));
  }

  void append_text(Column& col, const std::string& name, std::string_view s, std::size_t line, bool from_csv) {
    if (col.type() == Type::String) { col.append_string(s); return; }
    if (s.empty() && (from_csv || col.type() != Type::Dynamic)) { col.append_null(); return; }
    switch (col.type()) {
      case Type::Dynamic: {
        scratch_.clear();
        if (looks_like_json_container(s) || (from_csv && s != "")) {
          if (!json_.parse(s, scratch_)) {
            col.append_dynamic_bytes(scratch_);
            return;
          }
          scratch_.clear();
        }
        DynWriter(scratch_).string(s);
        col.append_dynamic_bytes(scratch_);
        return;
      }
      case Type::Bool: {
        bool b;
        if (parse_bool_text(s, b)) { col.append_bool(b); return; }
        break;
      }
      case Type::Int:
      case Type::Long: {
        std::int64_t x;
        if (parse_long_text(s, x)) {
          if (col.type() == Type::Long) { col.append_long(x); return; }
          if (x >= INT32_MIN && x <= INT32_MAX) { col.append_int(static_cast<std::int32_t>(x)); return; }
        }
        break;
      }
      case Type::Real:
      case Type::Decimal: {
        double d;
        if (parse_real_text(s, d)) { col.append_real(d); return; }
        break;
      }
      case Type::DateTime:
        if (auto dt = parse_export_datetime(s, order_of(col))) { col.append_datetime(*dt); return; }
        break;
      case Type::TimeSpan:
        if (auto ts = parse_timespan(s)) { col.append_timespan(*ts); return; }
        break;
      case Type::Guid:
        if (auto g = parse_guid(s)) { col.append_guid(*g); return; }
        break;
      case Type::String:
        break;
    }
    bad_value(col, name, line, s, !from_csv);
  }

  const Plan& plan_;
  const char* block_base_ = nullptr;             // set_block
  std::optional<std::uint64_t> block_offset_;
  simdjson::dom::parser parser_;
  JsonParser json_;
  Batch batch_;
  std::vector<Batch> batches_;
  std::vector<std::uint8_t> seen_;
  std::string scratch_;
  std::vector<std::string> doc_paths_;  // what doc_filter_ reads (DocumentFilter::paths)
  std::vector<std::string_view> doc_path_views_;
  bool projecting_ = false;  // doc_filter_ judges projections on doc_path_views_
  std::string projection_;
  std::vector<std::vector<std::string_view>> projection_scratch_;
  ProjectionScanner scanner_;  // the documents read without the DOM (parse_record)
  bool scan_ = true;                // scanner_ is used (parse_record)
  std::size_t scanned_ = 0;         // documents it decided
  std::size_t scanned_whole_ = 0;   // of them, kept whole (parsed again by the DOM)
  // Scanned documents waiting for judge_scanned: the record, its projection (at `at` in
  // scanned_bytes_) and its shape.
  struct ScannedDoc {
    const char* p;
    std::size_t n;
    std::size_t line;
    std::size_t at;
    std::optional<std::uint64_t> shape;
  };
  std::vector<ScannedDoc> scanned_docs_;
  std::string scanned_bytes_;
  std::vector<DynRef> scanned_refs_;
  std::vector<std::optional<std::uint64_t>> scanned_shapes_;
  std::vector<DocumentFilter::Keep> scanned_verdicts_;
  std::string key_;
  std::vector<int> pos_hint_;  // column matched by the key at each position of the last record
  std::vector<std::string> pos_key_;  // that key
  std::vector<std::size_t> byte_hint_;  // expected payload bytes per column of a full batch
  bool sealed_ = false;                 // byte_hint_ comes from a full batch (else a chunk's partial one)
  // Two-step reading: the filter, the loader of its columns, the records it has not judged yet.
  struct Pending {
    const char* p;
    std::size_t n;
    std::size_t line;
    bool padded;
  };
  std::unique_ptr<BatchFilter> filter_;
  std::unique_ptr<DocumentFilter> doc_filter_;
  std::unique_ptr<Loader> stage_;
  std::unique_ptr<const Plan> whole_plan_;  // whole_stage_'s (it holds a reference)
  std::unique_ptr<Loader> whole_stage_;
  std::vector<int> stage_in_whole_;  // the first step's columns in this plan
  bool whole_ = false;  // the first step reads every column (flush_whole)
  std::size_t whole_fallbacks_ = 0;  // batches it read whole that had to be read again in two steps
  std::vector<Pending> pending_;
  std::vector<std::uint8_t> keep_;
  std::vector<std::uint8_t> quiet_;
};

// ---------------------------------------------------------------------------------------------
// Schema inference: one pass over the records, a small lattice of types per field.

enum class Seen : std::uint8_t { None, Bool, Long, Real, DateTime, String, Dynamic };

Seen merge(Seen a, Seen b) {
  if (a == Seen::None) return b;
  if (b == Seen::None || a == b) return a;
  if (a == Seen::Dynamic || b == Seen::Dynamic) return Seen::Dynamic;
  if ((a == Seen::Long && b == Seen::Real) || (a == Seen::Real && b == Seen::Long)) return Seen::Real;
  if (a == Seen::String || b == Seen::String || a == Seen::DateTime || b == Seen::DateTime) return Seen::String;
  return Seen::Dynamic;  // bool mixed with numbers: keep the JSON values
}

Type to_type(Seen s) {
  switch (s) {
    case Seen::Bool: return Type::Bool;
    case Seen::Long: return Type::Long;
    case Seen::Real: return Type::Real;
    case Seen::DateTime: return Type::DateTime;
    case Seen::Dynamic: return Type::Dynamic;
    default: return Type::String;
  }
}

// A time column of an export (time_like_column) takes every datetime form the exports write:
// ISO 8601, the portal's slash dates in either order, RFC 1123. Other columns: ISO 8601 only.
Seen classify_text(std::string_view s, bool from_csv, std::string_view name = {}) {
  if (s.empty()) return Seen::None;
  if (parse_datetime(s) && s.size() >= 10 && s[4] == '-') return Seen::DateTime;
  if (!name.empty() && time_like_column(name) && (parse_export_datetime(s) || parse_export_datetime(s, DateOrder::DayFirst)))
    return Seen::DateTime;
  if (from_csv) {
    std::int64_t x;
    double d;
    bool b;
    if (parse_long_text(s, x) && s.find('.') == std::string_view::npos) return Seen::Long;
    if (parse_real_text(s, d)) return Seen::Real;
    if (parse_bool_text(s, b) && s.size() > 1) return Seen::Bool;
    if (looks_like_json_container(s)) return Seen::Dynamic;
  }
  return Seen::String;
}

class Inferrer {
 public:
  void json_record(const char* p, std::size_t n, bool padded) {
    simdjson::dom::element e;
    simdjson::dom::object obj;
    if (parser_.parse(p, n, !padded).get(e) || e.get_object().get(obj)) return;
    for (auto field : obj) {
      using simdjson::dom::element_type;
      Seen s = Seen::None;
      switch (field.value.type()) {
        case element_type::NULL_VALUE: s = Seen::None; break;
        case element_type::BOOL: s = Seen::Bool; break;
        case element_type::INT64:
        case element_type::UINT64: s = Seen::Long; break;
        case element_type::DOUBLE: s = Seen::Real; break;
        case element_type::STRING: s = classify_text(field.value.get_string().value_unsafe(), false, field.key); break;
        default: s = Seen::Dynamic; break;
      }
      note(field.key, s);
    }
  }
  void csv_record(const std::vector<std::string>& cells, const std::vector<std::string>& header) {
    for (std::size_t i = 0; i < cells.size() && i < header.size(); ++i) note(header[i], classify_text(cells[i], true, header[i]));
  }
  Schema schema(const std::string& table) const {
    Schema s;
    s.table = table;
    for (const auto& [name, seen] : fields_) s.fields.push_back({name, to_type(seen)});
    return s;
  }

 private:
  void note(std::string_view key, Seen s) {
    for (auto& [name, seen] : fields_) {
      if (name == key) { seen = merge(seen, s); return; }
    }
    fields_.emplace_back(std::string(key), s);
  }
  simdjson::dom::parser parser_;
  std::vector<std::pair<std::string, Seen>> fields_;  // first-seen order
};

// ---------------------------------------------------------------------------------------------
// Drivers: split the bytes into records and hand them to a consumer.

struct ReadError {
  std::string message;
};

// Reads the whole file into memory (with simdjson padding after it).
std::optional<ReadError> read_all(const std::string& path, std::string& out) {
  Source src(path);
  if (!src.ok()) return ReadError{"cannot open file"};
  out.clear();
  std::size_t used = 0;
  for (;;) {
    if (out.size() < used + kBlock + kPad) out.resize(used + kBlock + kPad);
    const long got = src.read(out.data() + used, kBlock);
    if (got < 0) return ReadError{"cannot read (corrupt or truncated gzip?): " + src.error()};
    if (got == 0) break;
    used += static_cast<std::size_t>(got);
  }
  out.resize(used + kPad);
  std::memset(out.data() + used, 0, kPad);
  out.resize(used);
  out.reserve(used + kPad);
  return std::nullopt;
}

std::size_t skip_bom(std::string_view s) { return s.starts_with("\xEF\xBB\xBF") ? 3 : 0; }

// Calls f(ptr, len, line) for each line of [begin, end) (no newline; CR stripped), lines counted from `line`.
template <class F>
void for_each_line(const char* begin, const char* end, std::size_t line, F&& f) {
  const char* p = begin;
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    const char* stop = nl ? nl : end;
    std::size_t len = static_cast<std::size_t>(stop - p);
    if (len && p[len - 1] == '\r') --len;
    f(p, len, line);
    ++line;
    p = nl ? nl + 1 : end;
  }
}

// Newlines in [p, e): memchr runs at memory speed, a byte loop would not.
std::size_t count_newlines(const char* p, const char* e) {
  std::size_t n = 0;
#if defined(__SSE2__)
  // Newlines counted a byte lane at a time (cmpeq gives -1 per match), summed every 255 blocks.
  const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
  while (e - p >= 16) {
    __m128i acc = zero;
    for (int k = 0; k < 255 && e - p >= 16; ++k, p += 16)
      acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), nl));
    const __m128i sums = _mm_sad_epu8(acc, zero);
    n += static_cast<std::size_t>(_mm_cvtsi128_si64(sums)) + static_cast<std::size_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
  }
#endif
  while (p < e) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(e - p)));
    if (!nl) break;
    ++n;
    p = nl + 1;
  }
  return n;
}

bool blank(const char* p, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isspace(static_cast<unsigned char>(p[i]))) return false;
  return true;
}

// The elements of a top-level JSON array: byte ranges and starting lines. Returns an error when
// the text is not an array or its brackets do not close.
std::optional<std::string> split_json_array(std::string_view s, std::vector<std::pair<std::size_t, std::size_t>>& ranges,
                                            std::vector<std::size_t>& lines, std::size_t& error_line) {
  std::size_t i = skip_bom(s), line = 1;
  auto skip_ws = [&] {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) {
      if (s[i] == '\n') ++line;
      ++i;
    }
  };
  skip_ws();
  if (i < s.size() && s[i] == '{') {
    // Pretty-printed documents, one after another: each top-level value is a record.
    while (i < s.size()) {
      const std::size_t start = i, start_line = line;
      int depth = 0;
      bool in_str = false;
      for (; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '\n') ++line;
        if (in_str) {
          if (c == '\\') ++i;
          else if (c == '"') in_str = false;
          continue;
        }
        if (c == '"') in_str = true;
        else if (c == '{' || c == '[') ++depth;
        else if ((c == '}' || c == ']') && --depth == 0) { ++i; break; }
      }
      ranges.emplace_back(start, i - start);
      lines.push_back(start_line);
      skip_ws();
    }
    return std::nullopt;
  }
  if (i >= s.size() || s[i] != '[') { error_line = line; return "expected '[' at the start of a JSON array"; }
  ++i;
  skip_ws();
  if (i < s.size() && s[i] == ']') return std::nullopt;
  for (;;) {
    skip_ws();
    const std::size_t start = i, start_line = line;
    int depth = 0;
    bool in_str = false;
    for (; i < s.size(); ++i) {
      const char c = s[i];
      if (c == '\n') ++line;
      if (in_str) {
        if (c == '\\') ++i;
        else if (c == '"') in_str = false;
        continue;
      }
      if (c == '"') in_str = true;
      else if (c == '{' || c == '[') ++depth;
      else if (c == '}' || c == ']') {
        if (depth == 0) break;
        --depth;
      } else if (c == ',' && depth == 0) break;
    }
    if (i >= s.size()) { error_line = start_line; return "unterminated JSON array (missing ']')"; }
    std::size_t end = i;
    while (end > start && std::isspace(static_cast<unsigned char>(s[end - 1]))) --end;
    ranges.emplace_back(start, end - start);
    lines.push_back(start_line);
    if (s[i] == ']') { ++i; break; }
    ++i;  // ','
  }
  skip_ws();
  if (i < s.size()) { error_line = line; return "unexpected text after the JSON array"; }
  return std::nullopt;
}

// RFC 4180 records; a quoted field may span lines. Returns false at the end.
class CsvReader {
 public:
  explicit CsvReader(std::string_view s) : s_(s), i_(skip_bom(s)) {}
  bool next(std::vector<std::string>& cells, std::size_t& line, std::string& error) {
    cells.clear();
    if (i_ >= s_.size()) return false;
    line = line_;
    std::string cell;
    bool quoted_field = false;
    for (;;) {
      if (i_ >= s_.size()) { cells.push_back(std::move(cell)); return true; }
      const char c = s_[i_];
      if (c == '"' && cell.empty() && !quoted_field) {
        quoted_field = true;
        ++i_;
        for (;;) {
          if (i_ >= s_.size()) { error = "unterminated quoted field"; cells.push_back(std::move(cell)); return true; }
          const char q = s_[i_++];
          if (q == '"') {
            if (i_ < s_.size() && s_[i_] == '"') { cell += '"'; ++i_; continue; }
            break;
          }
          if (q == '\n') ++line_;
          cell += q;
        }
        continue;
      }
      if (c == ',') { cells.push_back(std::move(cell)); cell.clear(); quoted_field = false; ++i_; continue; }
      if (c == '\r' && i_ + 1 < s_.size() && s_[i_ + 1] == '\n') { ++i_; continue; }
      if (c == '\n') { ++i_; ++line_; cells.push_back(std::move(cell)); return true; }
      cell += c;
      ++i_;
    }
  }

 private:
  std::string_view s_;
  std::size_t i_;
  std::size_t line_ = 1;
};

// Column names of a Log Analytics CSV export: "TimeGenerated [UTC]" names TimeGenerated.
std::string clean_header(std::string h) {
  if (h.size() > 6 && h.ends_with(" [UTC]")) h.resize(h.size() - 6);
  while (!h.empty() && h.back() == ' ') h.pop_back();
  return h;
}

InputFormat detect(const std::string& path, std::string_view head) {
  std::string p = path;
  if (p.ends_with(".gz")) p.resize(p.size() - 3);
  if (p.ends_with(".csv")) return InputFormat::Csv;
  std::size_t i = skip_bom(head);
  while (i < head.size() && std::isspace(static_cast<unsigned char>(head[i]))) ++i;
  if (i < head.size() && head[i] == '[') return InputFormat::JsonArray;
  if (i < head.size() && head[i] == '{') {
    // NDJSON when the first line holds a whole object; otherwise pretty-printed JSON documents.
    int depth = 0;
    bool in_str = false;
    for (; i < head.size() && head[i] != '\n'; ++i) {
      const char c = head[i];
      if (in_str) {
        if (c == '\\') ++i;
        else if (c == '"') in_str = false;
      } else if (c == '"') {
        in_str = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        --depth;
      }
    }
    const bool line_complete = i < head.size() || head.size() < 4096;
    return depth > 0 && line_complete ? InputFormat::JsonArray : InputFormat::NDJson;
  }
  if (p.ends_with(".json") || p.ends_with(".ndjson") || p.ends_with(".jsonl") || p.ends_with(".log")) return InputFormat::NDJson;
  return InputFormat::Csv;
}

std::string peek_head(const std::string& path) {
  Source src(path);
  std::string head(4096, '\0');
  if (!src.ok()) return {};
  const long got = src.read(head.data(), head.size());
  head.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  return head;
}

struct Totals {
  std::size_t records = 0, rows = 0, rejected = 0, filtered = 0, prefiltered = 0;
  std::size_t chunks_in_place = 0;  // NDJSON chunks parsed where the file is mapped
  std::vector<Rejection> rejections;
  Warnings warnings;
  void absorb(Loader& l, std::size_t max_reported) {
    records += l.records;
    rows += l.rows;
    rejected += l.rejected;
    filtered += l.filtered;
    prefiltered += l.prefiltered;
    for (auto& r : l.rejections)
      if (rejections.size() < max_reported) rejections.push_back(std::move(r));
    l.rejections.clear();
    l.records = l.rows = l.rejected = l.filtered = l.prefiltered = 0;
    for (auto& [k, v] : l.warnings) {
      auto& t = warnings[k];
      if (t.count == 0) { t.first_line = v.first_line; t.example = v.example; }
      t.count += v.count;
    }
    l.warnings.clear();
  }
  void merge(Totals&& o, std::size_t max_reported) {
    records += o.records;
    rows += o.rows;
    rejected += o.rejected;
    filtered += o.filtered;
    prefiltered += o.prefiltered;
    chunks_in_place += o.chunks_in_place;
    for (auto& r : o.rejections)
      if (rejections.size() < max_reported) rejections.push_back(std::move(r));
    for (auto& [k, v] : o.warnings) {
      auto& t = warnings[k];
      if (t.count == 0) { t.first_line = v.first_line; t.example = v.example; }
      t.count += v.count;
    }
  }
};

std::string too_long_reason(std::size_t max_line) { return "line longer than " + std::to_string(max_line) + " bytes"; }

// The NDJSON lines of [b, e), numbered from `line`, into the loader. Lines end at '\n' (the text
// after the last one is a line when not empty); an empty line, or one beyond `max_line` bytes, is a
// rejected record. Returns the number of the line after the last.
std::size_t load_lines(Loader& l, const char* b, const char* e, std::size_t line, std::size_t max_line) {
  std::size_t next = line;
  auto record = [&](const char* p, std::size_t n, std::size_t lno, std::optional<bool> may_match) {
    next = lno + 1;
    if (blank(p, n)) {
      ++l.records;
      l.reject(lno, "empty line");
      return;
    }
    if (n > max_line) {
      ++l.records;
      l.reject(lno, too_long_reason(max_line));
      return;
    }
    l.json_record(p, n, lno, true, may_match);
  };
  if (const RawPrefilter* pf = l.prefilter()) {
    // The prefilter finds each line's end while it looks for its literals (as for_each_line splits).
    for (const char* p = b; p < e; ++line) {
      std::size_t len = 0;
      const bool may = pf->may_match_line(p, e, len);
      const char* stop = p + len;
      std::size_t n = len;
      if (n && p[n - 1] == '\r') --n;
      record(p, n, line, may);
      p = stop < e ? stop + 1 : e;
    }
  } else {
    for_each_line(b, e, line, [&](const char* p, std::size_t n, std::size_t lno) { record(p, n, lno, std::nullopt); });
  }
  l.judge_scanned();  // (the lines' bytes are the caller's only until it returns)
  return next;
}

Error strict_error(const std::string& file, const Rejection& r) {
  return Error{"cannot read record: " + r.reason + " (--strict)", file, r.line};
}

// NDJSON, read in parallel: one thread reads (and inflates gzip) 4 MiB blocks of whole lines,
// every core parses blocks with its own Loader, and the calling thread hands the batches to the
// sink in file order (block by block), so results and provenance do not depend on the threads.
// At most a few blocks per parsing thread are in flight: memory follows the sink, not the file.
struct NdjsonBlock {
  std::size_t seq = 0;
  std::string buf;              // owns the bytes (with simdjson padding after end)
  std::size_t begin = 0, end = 0;
  std::size_t line = 1;         // line number of buf[begin]
  std::optional<Rejection> long_line;  // a line beyond the limit, found by the reader
};

struct NdjsonDone {
  std::vector<Batch> batches;
  Totals totals;
};

class NdjsonPipeline {
 public:
  NdjsonPipeline(const std::string& path, const Plan& plan, const IngestOptions& opt, unsigned workers)
      : path_(path), plan_(plan), opt_(opt), workers_(std::max(1u, workers)), max_inflight_(2 * workers_ + 2) {}
  NdjsonPipeline(const NdjsonPipeline&) = delete;
  NdjsonPipeline& operator=(const NdjsonPipeline&) = delete;
  ~NdjsonPipeline() { shut_down(); }

  std::optional<Error> run(Totals& totals, std::size_t& bytes, const std::function<void(Batch&&)>& sink) {
    Source src(path_);
    if (!src.ok()) return Error{"cannot open file", path_};
    // Every thread ends before src does, however run() is left (strict error, a throwing sink).
    struct Join {
      NdjsonPipeline& p;
      ~Join() { p.shut_down(); }
    } join{*this};
    reader_ = std::thread([this, &src] { read_all_blocks(src); });
    for (unsigned t = 0; t < workers_; ++t) threads_.emplace_back([this] { work(); });
    for (std::size_t seq = 0;; ++seq) {
      NdjsonDone done;
      {
        std::unique_lock lk(m_);
        cv_done_.wait(lk, [&] { return done_.count(seq) || (read_finished_ && seq >= blocks_read_) || failed_; });
        if (failed_) std::rethrow_exception(failure_);
        auto it = done_.find(seq);
        if (it == done_.end()) break;  // every block delivered
        done = std::move(it->second);
        done_.erase(it);
      }
      for (auto& b : done.batches) sink(std::move(b));
      totals.merge(std::move(done.totals), opt_.max_reported);
      if (opt_.strict && totals.rejected) return strict_error(path_, totals.rejections.front());
      {
        std::lock_guard lk(m_);
        --inflight_;
      }
      cv_space_.notify_one();
    }
    shut_down();
    bytes = bytes_;
    if (read_error_) return read_error_;
    return std::nullopt;
  }

 private:
  void shut_down() {
    {
      std::lock_guard lk(m_);
      stop_ = true;
    }
    cv_space_.notify_all();
    cv_work_.notify_all();
    if (reader_.joinable()) reader_.join();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
    threads_.clear();
  }

  void fail(std::exception_ptr e) {
    std::lock_guard lk(m_);
    if (!failed_) failure_ = e;
    failed_ = true;
    stop_ = true;
    cv_done_.notify_all();
    cv_space_.notify_all();
    cv_work_.notify_all();
  }

  // Hands a block to the parsing threads; false when the run stops.
  bool push(NdjsonBlock&& b) {
    std::unique_lock lk(m_);
    cv_space_.wait(lk, [&] { return stop_ || inflight_ < max_inflight_; });
    if (stop_) return false;
    b.seq = blocks_read_++;
    ++inflight_;
    work_.push_back(std::move(b));
    cv_work_.notify_one();
    return true;
  }

  // A block buffer: a used one when there is one (its pages are mapped already). Room for two
  // blocks, so that the partial line carried over and a block fit without reallocating.
  std::string fresh_buffer() {
    {
      std::lock_guard lk(m_);
      if (!pool_.empty()) {
        std::string s = std::move(pool_.back());
        pool_.pop_back();
        return s;
      }
    }
    std::string s;
    s.reserve(2 * kBlock + kPad);
    return s;
  }

  void read_all_blocks(Source& src) {
    try {
      read_blocks(src);
    } catch (...) {
      fail(std::current_exception());
    }
    {
      std::lock_guard lk(m_);
      read_finished_ = true;
    }
    cv_done_.notify_all();
    cv_work_.notify_all();
  }

  void read_blocks(Source& src) {
    std::string buf = fresh_buffer();
    std::size_t used = 0;   // bytes in buf
    std::size_t start = 0;  // first byte of buf not yet handed over
    std::size_t line = 1;   // line number of buf[start]
    bool first = true, skipping = false, eof = false;
    std::size_t skip_line = 0;
    const std::size_t max_line = opt_.max_line_bytes;
    while (!eof) {
      if (buf.size() < used + kBlock + kPad) buf.resize(used + kBlock + kPad);
      const long got = src.read(buf.data() + used, kBlock);
      if (got < 0) {
        read_error_ = Error{"cannot read after line " + std::to_string(line) + " (corrupt or truncated gzip?): " + src.error(), path_};
        return;
      }
      if (got == 0) eof = true;
      bytes_ += static_cast<std::size_t>(got);
      if (first && used + static_cast<std::size_t>(got) >= 3) {
        start = skip_bom(std::string_view(buf.data(), used + static_cast<std::size_t>(got)));
        first = false;
      }
      used += static_cast<std::size_t>(got);
      if (skipping) {  // inside a line longer than the limit: drop bytes up to its newline
        const char* nl = static_cast<const char*>(std::memchr(buf.data() + start, '\n', used - start));
        if (!nl && !eof) {
          used = start = 0;
          continue;
        }
        start = nl ? static_cast<std::size_t>(nl - buf.data()) + 1 : used;
        skipping = false;
        line = skip_line + 1;
        if (start == used && eof) break;
      }
      std::size_t end = used;
      if (!eof) {
        const void* last = used > start ? memrchr(buf.data() + start, '\n', used - start) : nullptr;
        if (!last) {
          if (used - start > max_line) {  // a line beyond the limit: reject it, skip to its end
            NdjsonBlock r;
            r.long_line = Rejection{line, too_long_reason(max_line)};
            if (!push(std::move(r))) return;
            skipping = true;
            skip_line = line;
            used = start = 0;
          }
          continue;  // need more bytes for a whole line
        }
        end = static_cast<std::size_t>(static_cast<const char*>(last) - buf.data()) + 1;
      }
      // The partial last line moves to the next buffer; this one goes to a parsing thread.
      std::string next = fresh_buffer();
      const std::size_t rest = used - end;
      if (next.size() < rest + kBlock + kPad) next.resize(rest + kBlock + kPad);
      std::memcpy(next.data(), buf.data() + end, rest);
      if (end > start) {
        NdjsonBlock b;
        b.begin = start;
        b.end = end;
        b.line = line;
        line += count_newlines(buf.data() + start, buf.data() + end);
        std::memset(buf.data() + end, 0, std::min(kPad, buf.size() - end));
        b.buf = std::move(buf);
        if (!push(std::move(b))) return;
      }
      buf = std::move(next);
      used = rest;
      start = 0;
    }
  }

  void work() {
    try {
      Loader loader(plan_);
      for (;;) {
        NdjsonBlock b;
        {
          std::unique_lock lk(m_);
          cv_work_.wait(lk, [&] { return stop_ || !work_.empty() || read_finished_; });
          if (stop_) return;
          if (work_.empty()) return;  // read_finished_
          b = std::move(work_.front());
          work_.pop_front();
        }
        NdjsonDone d;
        if (b.long_line) {
          ++loader.records;
          loader.reject(b.long_line->line, b.long_line->reason);
        } else {
          parse(loader, b);
        }
        d.batches = loader.take_batches();
        d.totals.absorb(loader, opt_.max_reported);
        {
          std::lock_guard lk(m_);
          done_.emplace(b.seq, std::move(d));
          if (pool_.size() < max_inflight_ && b.buf.capacity() > 0) pool_.push_back(std::move(b.buf));
        }
        cv_done_.notify_all();
      }
    } catch (...) {
      fail(std::current_exception());
    }
  }

  void parse(Loader& l, const NdjsonBlock& blk) {
    load_lines(l, blk.buf.data() + blk.begin, blk.buf.data() + blk.end, blk.line, opt_.max_line_bytes);
  }

  const std::string& path_;
  const Plan& plan_;
  const IngestOptions& opt_;
  const unsigned workers_;
  const std::size_t max_inflight_;
  std::thread reader_;
  std::vector<std::thread> threads_;
  std::mutex m_;
  std::condition_variable cv_work_, cv_done_, cv_space_;
  std::deque<NdjsonBlock> work_;
  std::map<std::size_t, NdjsonDone> done_;
  std::vector<std::string> pool_;
  std::size_t blocks_read_ = 0, inflight_ = 0;
  bool read_finished_ = false, stop_ = false, failed_ = false;
  std::exception_ptr failure_;
  std::optional<Error> read_error_;  // written by the reader before read_finished_
  std::size_t bytes_ = 0;            // idem
};

// NDJSON from a plain (not gzip) regular file, read in parallel without a reading thread: the file
// is cut into chunks of kBlock bytes; each parsing thread claims the next chunk, reads it with
// pread() (the kernel's copy runs on every core), and parses the lines that START in it (a line
// crossing the chunk's end is read on to its newline; the next chunk skips it). Line numbers are
// counted within the chunk; the calling thread, handing chunks to the sink in file order, adds
// the lines of the chunks before (rows' provenance, rejections, warnings).
class ParallelNdjson {
 public:
  ParallelNdjson(int fd, std::size_t size, const std::string& path, const Plan& plan, const IngestOptions& opt, unsigned workers)
      : fd_(fd), size_(size), path_(path), plan_(plan), opt_(opt), workers_(std::max(1u, workers)),
        max_inflight_(2 * workers_ + 2), chunks_((size + kBlock - 1) / kBlock) {
    // The file mapped read-only: a chunk's lines are parsed where the page cache holds them, with no
    // copy into a buffer (the kernel's copy was a seventh of a scan's time). Mapped pages count as
    // the process's memory while touched, so each chunk's pages are released once it is parsed.
    if (size_ >= kBlock) {
      void* m = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
      if (m != MAP_FAILED) {
        map_ = static_cast<const char*>(m);
        const long page = ::sysconf(_SC_PAGESIZE);
        page_ = page > 0 ? static_cast<std::size_t>(page) : 4096;
        finished_.assign(chunks_, 0);
        stops_.assign(chunks_, 0);
      }
    }
  }
  ParallelNdjson(const ParallelNdjson&) = delete;
  ParallelNdjson& operator=(const ParallelNdjson&) = delete;
  ~ParallelNdjson() {
    shut_down();
    if (map_) ::munmap(const_cast<char*>(map_), size_);
  }

  std::optional<Error> run(Totals& totals, std::size_t& bytes, const std::function<void(Batch&&)>& sink) {
    struct Join {
      ParallelNdjson& p;
      ~Join() { p.shut_down(); }
    } join{*this};
    for (unsigned t = 0; t < workers_; ++t) threads_.emplace_back([this] { work(); });
    std::size_t base = 0;  // lines before the chunk handed over next
    for (std::size_t seq = 0; seq < chunks_; ++seq) {
      Chunk c;
      {
        std::unique_lock lk(m_);
        cv_done_.wait(lk, [&] { return done_.count(seq) || failed_; });
        if (failed_) {
          if (failure_) std::rethrow_exception(failure_);
          return read_error_;
        }
        auto it = done_.find(seq);
        c = std::move(it->second);
        done_.erase(it);
      }
      for (auto& b : c.done.batches) {
        for (auto& src : b.sources) src.line = static_cast<std::uint32_t>(src.line + base);
        sink(std::move(b));
      }
      for (auto& r : c.done.totals.rejections) r.line += base;
      for (auto& [k, w] : c.done.totals.warnings) w.first_line += base;
      totals.merge(std::move(c.done.totals), opt_.max_reported);
      if (opt_.strict && totals.rejected) return strict_error(path_, totals.rejections.front());
      base += c.lines;
      {
        std::lock_guard lk(m_);
        --inflight_;
      }
      cv_space_.notify_one();
    }
    shut_down();
    bytes = size_;
    return std::nullopt;
  }

 private:
  struct Chunk {
    NdjsonDone done;
    std::size_t lines = 0;  // newlines in the chunk's lines
    bool mapped = false;    // parsed in the mapping (its pages to release)
  };

  void shut_down() {
    {
      std::lock_guard lk(m_);
      stop_ = true;
    }
    cv_space_.notify_all();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
    threads_.clear();
  }

  void fail(std::exception_ptr e, std::optional<Error> err = std::nullopt) {
    std::lock_guard lk(m_);
    if (!failed_) {
      failure_ = e;
      read_error_ = std::move(err);
    }
    failed_ = true;
    stop_ = true;
    cv_done_.notify_all();
    cv_space_.notify_all();
  }

  // Bytes [off, off + n) into buf at `at` (fewer at the end of the file); false on a read error.
  bool read_at(std::string& buf, std::size_t at, std::size_t off, std::size_t n, std::size_t& got) {
    if (buf.size() < at + n + kPad) buf.resize(at + n + kPad);
    got = 0;
    while (got < n) {
      const ssize_t r = ::pread(fd_, buf.data() + at + got, n - got, static_cast<off_t>(off + got));
      if (r < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      if (r == 0) break;
      got += static_cast<std::size_t>(r);
    }
    return true;
  }

  void work() {
    try {
      Loader loader(plan_);
      std::string buf;
      for (;;) {
        std::size_t k = 0;
        {
          std::unique_lock lk(m_);
          cv_space_.wait(lk, [&] { return stop_ || inflight_ < max_inflight_ || next_ >= chunks_; });
          if (stop_ || next_ >= chunks_) return;
          k = next_++;
          ++inflight_;
        }
        Chunk c;
        if (!chunk(loader, buf, k, c)) {
          fail(nullptr, Error{"cannot read the file: " + std::string(std::strerror(errno)), path_});
          return;
        }
        c.done.batches = loader.take_batches();  // (a two-step filter reads the chunk's records again)
        if (c.mapped) release(k);
        if (map_) finished(k);
        c.done.totals.absorb(loader, opt_.max_reported);
        c.done.totals.chunks_in_place = c.mapped ? 1 : 0;
        {
          std::lock_guard lk(m_);
          done_.emplace(k, std::move(c));
        }
        cv_done_.notify_all();
      }
    } catch (...) {
      fail(std::current_exception());
    }
  }

  // Chunk k's lines parsed in place in the mapping; false when they cannot be (the file's last
  // line lacks simdjson's padding, or a line is longer than the limit: the copying path says so).
  bool mapped_chunk(Loader& l, std::size_t k, Chunk& c) {
    const std::size_t start = k * kBlock, end = std::min(size_, start + kBlock);
    const std::size_t readable = (size_ + page_ - 1) / page_ * page_;  // the last page reads as zeros past the end
    const char* base = map_;
    // A file that shrank since it was mapped would fault (SIGBUS) on its missing pages: the copying
    // reader takes the chunk over. (A file cut while a chunk is being parsed still faults: the
    // mapping needs the file to stay whole while it is read, as a log being rotated by truncation
    // does not.)
    struct stat now {};
    if (::fstat(fd_, &now) != 0 || static_cast<std::size_t>(now.st_size) < size_) return false;
    const std::size_t lo = start / page_ * page_;
#ifdef MADV_POPULATE_READ
    // The chunk's pages mapped in one call (Linux 5.14+; older kernels answer EINVAL and fault them
    // in as they are read); a page that cannot be read: the copying reader says so.
    if (::madvise(const_cast<char*>(base + lo), end - lo, MADV_POPULATE_READ) != 0 && errno != EINVAL) return false;
#endif
    std::size_t s = start;  // the first line starting in the chunk
    if (start == 0) {
      s = skip_bom(std::string_view(base, end));
    } else {
      const char* nl = static_cast<const char*>(std::memchr(base + start - 1, '\n', end - start + 1));
      if (!nl) return true;  // no line starts here
      s = static_cast<std::size_t>(nl - base) + 1;
      if (s >= end) return true;
    }
    // The last line starting in the chunk runs on to its newline (or the end of the file).
    std::size_t stop = size_;
    if (const void* nl = std::memchr(base + end - 1, '\n', size_ - (end - 1))) stop = static_cast<std::size_t>(static_cast<const char*>(nl) - base) + 1;
    if (stop - end > opt_.max_line_bytes || stop + kPad > readable) return false;
    {
      std::lock_guard lk(m_);
      stops_[k] = stop;
    }
    l.set_block(base, 0);
    const std::size_t next_line = load_lines(l, base + s, base + stop, 1, opt_.max_line_bytes);
    l.set_block(nullptr, std::nullopt);
    c.lines = next_line - 1 - (stop > s && base[stop - 1] != '\n' ? 1 : 0);
    return true;
  }

  // The chunk's pages leave the process's memory (the page cache keeps them; a line read again
  // maps them again): a chunk's pages that the next chunk shares are left mapped.
  void release(std::size_t k) {
    const std::size_t start = k * kBlock, end = std::min(size_, start + kBlock);
    const std::size_t lo = start / page_ * page_, hi = end / page_ * page_;
    if (hi > lo) ::madvise(const_cast<char*>(map_ + lo), hi - lo, MADV_DONTNEED);
  }

  // Chunk k is parsed: the pages around its borders with finished neighbours are released too.
  // Each chunk reads a little of its neighbours' pages (the byte before its start, its last line
  // on to its newline, the padding after it), maybe after the neighbour released them: the page
  // cache then maps them again, a large folio (up to 2 MiB) at a time. Left mapped, they added
  // up to a third of the file under load. Released once both chunks around a border are done,
  // whatever their order (a page released early is only mapped again when read).
  void finished(std::size_t k) {
    std::size_t left = 0, right = 0;  // the borders to release (0: none), and their chunks' last lines' ends
    std::size_t left_stop = 0, right_stop = 0;
    {
      std::lock_guard lk(m_);
      finished_[k] = 1;
      if (k > 0 && finished_[k - 1]) left = k, left_stop = stops_[k - 1];
      if (k + 1 < chunks_ && finished_[k + 1]) right = k + 1, right_stop = stops_[k];
    }
    if (left) release_border(left, left_stop);
    if (right) release_border(right, right_stop);
  }

  // The pages within 2 MiB (a large folio) of chunk j's start, and of the end of chunk j - 1's
  // last line (`stop`: it may run into chunk j and beyond; 0 when not parsed in the mapping) with
  // its padding.
  void release_border(std::size_t j, std::size_t stop) {
    constexpr std::size_t kFolio = std::size_t{2} << 20;
    const std::size_t border = j * kBlock;
    const std::size_t reach = std::max(border, stop) + kPad;
    const std::size_t mapped = (size_ + page_ - 1) / page_ * page_;
    const std::size_t lo = (border - 1) / kFolio * kFolio;
    const std::size_t hi = std::min(mapped, (reach + kFolio - 1) / kFolio * kFolio);
    if (hi > lo) ::madvise(const_cast<char*>(map_ + lo), hi - lo, MADV_DONTNEED);
  }

  // Parses the lines starting in chunk k; false on a read error.
  bool chunk(Loader& l, std::string& buf, std::size_t k, Chunk& c) {
    if (map_ && mapped_chunk(l, k, c)) {  // (false before any line is read)
      c.mapped = true;
      return true;
    }
    const std::size_t start = k * kBlock, end = std::min(size_, start + kBlock);
    // One byte before the chunk tells whether its first byte starts a line.
    const std::size_t from = start ? start - 1 : 0;
    std::size_t got = 0;
    if (!read_at(buf, 0, from, end - from, got)) return false;
    std::size_t used = got;
    std::size_t s = 0;  // the first line starting in the chunk, in buf
    if (start == 0) {
      s = skip_bom(std::string_view(buf.data(), used));
    } else {
      const char* nl = static_cast<const char*>(std::memchr(buf.data(), '\n', used));
      if (!nl || static_cast<std::size_t>(nl - buf.data()) + 1 >= end - from) return true;  // no line starts here
      s = static_cast<std::size_t>(nl - buf.data()) + 1;
    }
    if (s >= used) return true;
    // The last line starting in the chunk is read on to its newline (or the end of the file).
    std::size_t last_nl = used;
    if (const void* r = memrchr(buf.data() + s, '\n', used - s)) last_nl = static_cast<std::size_t>(static_cast<const char*>(r) - buf.data());
    std::size_t tail_start = last_nl == used ? s : last_nl + 1;  // the unterminated line, if any
    bool too_long = false;
    while (tail_start < used && from + used < size_) {
      if (used - tail_start > opt_.max_line_bytes) {
        too_long = true;
        break;
      }
      std::size_t more = 0;
      const std::size_t want = std::min(kBlock / 8, size_ - (from + used));
      if (!read_at(buf, used, from + used, want, more)) return false;
      if (more == 0) break;
      const char* nl = static_cast<const char*>(std::memchr(buf.data() + used, '\n', more));
      used += more;
      if (nl) {
        used = static_cast<std::size_t>(nl - buf.data()) + 1;
        break;
      }
    }
    std::size_t stop = used;  // lines in [s, stop) are parsed
    if (too_long) stop = tail_start;
    std::memset(buf.data() + stop, 0, kPad);
    const char* b = buf.data() + s;
    const char* e = buf.data() + stop;
    l.set_block(buf.data(), from);
    const std::size_t next_line = load_lines(l, b, e, 1, opt_.max_line_bytes);
    l.set_block(nullptr, std::nullopt);
    // The newlines of the lines parsed (each line but an unterminated last one ends with one).
    c.lines = next_line - 1 - (e > b && e[-1] != '\n' ? 1 : 0);
    if (too_long) {
      ++l.records;
      l.reject(next_line, too_long_reason(opt_.max_line_bytes));
      ++c.lines;  // its newline (or the end of the file) ends the chunk's lines
    }
    return true;
  }

  const int fd_;
  const std::size_t size_;
  const std::string& path_;
  const Plan& plan_;
  const IngestOptions& opt_;
  const unsigned workers_;
  const std::size_t max_inflight_;
  const std::size_t chunks_;
  const char* map_ = nullptr;  // the file, mapped (null: read with pread)
  std::size_t page_ = 4096;
  std::vector<std::thread> threads_;
  std::mutex m_;
  std::condition_variable cv_done_, cv_space_;
  std::map<std::size_t, Chunk> done_;
  std::size_t next_ = 0, inflight_ = 0;
  std::vector<char> finished_;       // per chunk: parsed (see finished())
  std::vector<std::size_t> stops_;   // per chunk parsed in the mapping: where its last line's bytes end
  bool stop_ = false, failed_ = false;
  std::exception_ptr failure_;
  std::optional<Error> read_error_;
};

// A plain (not gzip) regular file: its descriptor and size; -1 otherwise.
int open_plain(const std::string& path, std::size_t& size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct stat st {};
  unsigned char magic[2] = {0, 0};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (::pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b)) {
    ::close(fd);
    return -1;
  }
  size = static_cast<std::size_t>(st.st_size);
  return fd;
}

std::optional<Error> run_ndjson(const std::string& path, const Plan& plan, const IngestOptions& opt, Totals& totals,
                                std::size_t& bytes, const std::function<void(Batch&&)>& sink) {
  // Line numbers are known only in order: a keep_line filter (re-reading chosen lines) reads the
  // file through the single reading thread, which counts them as it goes.
  std::size_t size = 0;
  const int fd = opt.keep_line ? -1 : open_plain(path, size);
  if (fd >= 0) {
    struct Close {
      int fd;
      ~Close() { ::close(fd); }
    } close_fd{fd};
    ParallelNdjson p(fd, size, path, plan, opt, scan_threads(opt.threads));
    return p.run(totals, bytes, sink);
  }
  NdjsonPipeline p(path, plan, opt, scan_threads(opt.threads));
  return p.run(totals, bytes, sink);
}

std::optional<Error> run_whole(const std::string& path, InputFormat format, const Plan& plan, const IngestOptions& opt,
                               Totals& totals, std::size_t& bytes, const std::function<void(Batch&&)>& sink,
                               const std::string& text) {
  Loader loader(plan);
  bytes = text.size();
  if (format == InputFormat::JsonArray) {
    std::vector<std::pair<std::size_t, std::size_t>> ranges;
    std::vector<std::size_t> lines;
    std::size_t error_line = 0;
    if (auto err = split_json_array(text, ranges, lines, error_line)) return Error{*err, path, error_line};
    for (std::size_t k = 0; k < ranges.size(); ++k) {
      loader.json_record(text.data() + ranges[k].first, ranges[k].second, lines[k], true);
      if (opt.strict && loader.rejected) return strict_error(path, loader.rejections.front());
    }
  } else {
    CsvReader reader(text);
    std::vector<std::string> cells;
    std::size_t line = 0;
    std::string error;
    // With a header, cells map to columns by its names; without (Kusto's ingestion without a
    // mapping, positional), by position: missing cells are null, extra ones dropped with a warning.
    bool header = !opt.csv_positional, skip_first = opt.skip_first_record;
    std::vector<int> cell_column;
    while (reader.next(cells, line, error)) {
      if (header) {
        header = false;
        for (auto& h : cells) {
          const std::string name = clean_header(h);
          auto it = plan.index.find(name);
          cell_column.push_back(it == plan.index.end() ? -1 : it->second);
          if (it == plan.index.end() && !plan.projected)
            add_warning(loader.warnings, "CSV column \"" + name + "\" is not in the schema of " + plan.schema.table + " (ignored)", 1, "");
        }
        continue;
      }
      if (skip_first) {
        skip_first = false;
        error.clear();
        continue;
      }
      if (!error.empty()) {
        ++loader.records;
        loader.reject(line, "CSV: " + error);
        error.clear();
      } else if (cells.size() == 1 && cells[0].empty()) {
        ++loader.records;
        loader.reject(line, "empty line");
      } else {
        if (opt.csv_positional) {
          cell_column.resize(cells.size());
          for (std::size_t i = 0; i < cells.size(); ++i)
            cell_column[i] = i < plan.schema.fields.size() ? static_cast<int>(i) : -1;
          if (cells.size() > plan.schema.fields.size())
            add_warning(loader.warnings, "CSV records with more fields than the " + std::to_string(plan.schema.fields.size()) +
                                             " columns (extra fields dropped)", line, "");
        }
        loader.csv_record(cells, cell_column, line);
      }
      if (opt.strict && loader.rejected) return strict_error(path, loader.rejections.front());
    }
  }
  std::vector<Batch> batches = loader.take_batches();
  // (With a pushed-down filter, the first step's rejections reach the loader only here.)
  if (opt.strict && loader.rejected) return strict_error(path, loader.rejections.front());
  for (auto& b : batches) sink(std::move(b));
  totals.absorb(loader, opt.max_reported);
  return std::nullopt;
}

std::optional<Error> infer_schema(const std::string& path, InputFormat format, const std::string& table, Schema& out,
                                  std::string* whole_text) {
  Inferrer inf;
  if (format == InputFormat::NDJson) {
    std::string text;
    if (auto e = read_all(path, text)) return Error{e->message, path};
    for_each_line(text.data() + skip_bom(text), text.data() + text.size(), 1,
                  [&](const char* p, std::size_t n, std::size_t) { if (!blank(p, n)) inf.json_record(p, n, true); });
  } else if (format == InputFormat::JsonArray) {
    std::vector<std::pair<std::size_t, std::size_t>> ranges;
    std::vector<std::size_t> lines;
    std::size_t error_line = 0;
    if (!split_json_array(*whole_text, ranges, lines, error_line))
      for (auto& [b, n] : ranges) inf.json_record(whole_text->data() + b, n, true);
  } else {
    CsvReader reader(*whole_text);
    std::vector<std::string> header, cells;
    std::size_t line;
    std::string error;
    if (reader.next(header, line, error)) {
      for (auto& h : header) h = clean_header(h);
      while (reader.next(cells, line, error)) inf.csv_record(cells, header);
      // Columns that never had a value are still columns: keep the header order.
      Schema s = inf.schema(table);
      Schema ordered;
      ordered.table = table;
      for (auto& h : header) {
        const int i = s.index_of(h);
        if (ordered.index_of(h) >= 0) continue;
        ordered.fields.push_back({h, i >= 0 ? s.fields[static_cast<std::size_t>(i)].type : Type::String});
      }
      out = ordered;
      return std::nullopt;
    }
  }
  out = inf.schema(table);
  return std::nullopt;
}

// The columns of the records that `schema` lacks, typed by inference (JSON records).
std::vector<Field> unknown_json_fields(Inferrer& inf, const Schema& schema) {
  std::vector<Field> out;
  for (auto& f : inf.schema("").fields)
    if (schema.index_of(f.name) < 0) out.push_back(f);
  return out;
}

std::vector<Field> unknown_csv_columns(const std::string& text, const Schema& schema) {
  CsvReader reader(text);
  std::vector<std::string> header, cells;
  std::size_t line;
  std::string error;
  std::vector<Field> out;
  if (!reader.next(header, line, error)) return out;
  std::vector<std::size_t> extra;  // header positions of the columns the schema lacks
  for (std::size_t i = 0; i < header.size(); ++i) {
    header[i] = clean_header(header[i]);
    bool dup = false;
    for (std::size_t k : extra) dup = dup || header[k] == header[i];
    if (!header[i].empty() && !dup && schema.index_of(header[i]) < 0) extra.push_back(i);
  }
  if (extra.empty()) return out;
  std::vector<Seen> seen(extra.size(), Seen::None);
  while (reader.next(cells, line, error))
    for (std::size_t k = 0; k < extra.size(); ++k)
      if (extra[k] < cells.size()) seen[k] = merge(seen[k], classify_text(cells[extra[k]], true, header[extra[k]]));
  for (std::size_t k = 0; k < extra.size(); ++k) out.push_back({header[extra[k]], to_type(seen[k])});
  return out;
}

// Per datetime column of a CSV text: the order of its slash dates, told by its values. Decisions
// go to notes, ambiguity and conflicting evidence to warnings.
std::vector<DateOrder> csv_date_orders(const std::string& text, const Plan& plan, const IngestOptions& opt,
                                       std::vector<std::string>& warnings, std::vector<std::string>& notes) {
  const std::size_t n = plan.schema.fields.size();
  std::vector<DateOrder> orders(n, opt.date_order.value_or(DateOrder::MonthFirst));
  bool any = false;
  for (const auto& f : plan.schema.fields) any = any || f.type == Type::DateTime;
  if (!any) return orders;
  struct Evidence {
    std::size_t slash = 0, day_first = 0, month_first = 0, day_line = 0, month_line = 0;
    std::string day_example, month_example;
  };
  std::vector<Evidence> ev(n);
  CsvReader reader(text);
  std::vector<std::string> cells;
  std::vector<int> cell_column;
  std::size_t line = 0;
  std::string error;
  bool header = !opt.csv_positional;
  while (reader.next(cells, line, error)) {
    if (header) {
      header = false;
      for (auto& h : cells) {
        auto it = plan.index.find(clean_header(h));
        cell_column.push_back(it == plan.index.end() ? -1 : it->second);
      }
      continue;
    }
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const int c = opt.csv_positional ? (i < n ? static_cast<int>(i) : -1) : (i < cell_column.size() ? cell_column[i] : -1);
      if (c < 0 || plan.schema.fields[static_cast<std::size_t>(c)].type != Type::DateTime) continue;
      int a, b;
      if (!slash_date_fields(cells[i], a, b)) continue;
      Evidence& e = ev[static_cast<std::size_t>(c)];
      ++e.slash;
      if (a > 12 && b <= 12 && e.day_first++ == 0) { e.day_line = line; e.day_example = cells[i].substr(0, 40); }
      if (b > 12 && a <= 12 && e.month_first++ == 0) { e.month_line = line; e.month_example = cells[i].substr(0, 40); }
    }
  }
  auto name = [](DateOrder o) { return o == DateOrder::DayFirst ? std::string("day-first") : std::string("month-first"); };
  for (std::size_t c = 0; c < n; ++c) {
    const Evidence& e = ev[c];
    if (e.slash == 0) continue;
    const std::string& col = plan.schema.fields[c].name;
    const std::string day_proof = "line " + std::to_string(e.day_line) + ": \"" + e.day_example + "\"";
    const std::string month_proof = "line " + std::to_string(e.month_line) + ": \"" + e.month_example + "\"";
    if (e.day_first && e.month_first) {
      orders[c] = e.day_first > e.month_first ? DateOrder::DayFirst
                  : e.month_first > e.day_first ? DateOrder::MonthFirst
                                                : opt.date_order.value_or(DateOrder::MonthFirst);
      warnings.push_back("column " + col + " has " + std::to_string(e.day_first) + " dates that can only be day-first (first at " +
                         day_proof + ") and " + std::to_string(e.month_first) + " that can only be month-first (first at " +
                         month_proof + "): read " + name(orders[c]) + ", the others are set to null");
    } else if (e.day_first || e.month_first) {
      orders[c] = e.day_first ? DateOrder::DayFirst : DateOrder::MonthFirst;
      const std::string proof = e.day_first ? day_proof : month_proof;
      if (opt.date_order && *opt.date_order != orders[c])
        warnings.push_back("column " + col + ": dates read " + name(orders[c]) + " as the data proves (" + proof + "), not " +
                           name(*opt.date_order) + " as --date-order says");
      else
        notes.push_back("column " + col + ": dates read " + name(orders[c]) + " (" + proof + ")");
    } else if (opt.date_order) {
      notes.push_back("column " + col + ": no date tells day-first from month-first (day and month are all 12 or less): read " +
                      name(*opt.date_order) + " (--date-order)");
    } else {
      warnings.push_back("column " + col + ": no date tells day-first from month-first (day and month are all 12 or less): read " +
                         "month-first (the default; --date-order dmy reads them day-first)");
    }
  }
  return orders;
}

}  // namespace

Result<std::optional<std::vector<TextDocument>>> split_documents(const std::string& path, std::string_view text) {
  if (detect(path, text.substr(0, 4096)) != InputFormat::JsonArray) return std::optional<std::vector<TextDocument>>{};
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  std::vector<std::size_t> lines;
  std::size_t error_line = 0;
  if (auto err = split_json_array(text, ranges, lines, error_line)) return Error{*err, path, error_line};
  std::vector<TextDocument> docs;
  for (std::size_t k = 0; k < ranges.size(); ++k) docs.push_back(TextDocument{ranges[k].first, ranges[k].second, lines[k]});
  return std::optional<std::vector<TextDocument>>{std::move(docs)};
}

Result<std::string> read_text(const std::string& path) {
  std::string text;
  if (auto e = read_all(path, text)) return Error{e->message, path};
  return text;
}

bool time_like_column(std::string_view n) {
  auto ends = [&](std::string_view x) { return n.size() > x.size() && n.ends_with(x); };
  return n == "TimeGenerated" || n == "Timestamp" || n == "timestamp" || n == "Time" || n.starts_with("Time") ||
         ends("Time") || ends("TimeUtc") || ends("TimeUTC") || ends("Timestamp") || ends("_t");
}

std::string unknown_columns_note(const std::string& table, const std::vector<Field>& added) {
  std::string s = "columns the schema of " + table + " lacks, kept with types inferred from the data:";
  for (std::size_t i = 0; i < added.size(); ++i)
    s += (i ? ", " : " ") + added[i].name + " (" + std::string(type_name(added[i].type)) + ")";
  return s;
}

Result<std::vector<Field>> unknown_columns(const std::string& path, const Schema& schema, InputFormat format) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return Error{"no such file", path};
  if (format == InputFormat::Auto) format = detect(path, peek_head(path));
  if (format == InputFormat::NDJson) {
    // the first 4 MiB: whole lines only
    Source src(path);
    if (!src.ok()) return Error{"cannot open file", path};
    std::string head(std::size_t{4} << 20, '\0');
    std::size_t used = 0;
    for (long got; used < head.size() && (got = src.read(head.data() + used, head.size() - used)) > 0;)
      used += static_cast<std::size_t>(got);
    head.resize(used);
    if (used == (std::size_t{4} << 20)) {
      const auto nl = head.rfind('\n');
      head.resize(nl == std::string::npos ? 0 : nl);
    }
    Inferrer inf;
    for_each_line(head.data() + skip_bom(head), head.data() + head.size(), 1,
                  [&](const char* p, std::size_t n, std::size_t) { if (!blank(p, n)) inf.json_record(p, n, false); });
    return unknown_json_fields(inf, schema);
  }
  std::string text;
  if (auto e = read_all(path, text)) return Error{e->message, path};
  if (format == InputFormat::Csv) return unknown_csv_columns(text, schema);
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  std::vector<std::size_t> lines;
  std::size_t error_line = 0;
  Inferrer inf;
  if (!split_json_array(text, ranges, lines, error_line))
    for (auto& [b, n] : ranges) inf.json_record(text.data() + b, n, true);
  return unknown_json_fields(inf, schema);
}

Result<IngestStats> ingest_stream(const std::string& path, const IngestOptions& opt, Schema* schema_out,
                                  const std::function<void(Batch&&)>& sink) {
  IngestStats stats;
  stats.file = path;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return Error{"no such file", path};
  const std::string head = peek_head(path);
  InputFormat format = opt.format == InputFormat::Auto ? detect(path, head) : opt.format;
  stats.format = format;

  std::string table = opt.table;
  if (table.empty() && opt.schema) table = opt.schema->table;
  if (table.empty()) {
    std::filesystem::path p(path);
    if (p.extension() == ".gz") p = p.stem();
    table = p.stem().string();
  }

  std::string whole;  // JSON arrays and CSV are read whole
  if (format != InputFormat::NDJson) {
    if (auto e = read_all(path, whole)) return Error{e->message, path};
  }

  // The prefilter (JSON records only) with its anchors chosen for this file's bytes
  // (RawPrefilter::tune), from its first 128 KiB; a gzip file's are compressed: the prefilter keeps
  // its anchors.
  std::optional<RawPrefilter> tuned;
  if (opt.prefilter && !opt.prefilter->empty() && format != InputFormat::Csv) {
    tuned = *opt.prefilter;
    constexpr std::size_t kSample = 128 * 1024;
    std::size_t size = 0;
    if (!whole.empty()) {
      tuned->tune(std::string_view(whole).substr(0, kSample));
    } else if (const int fd = open_plain(path, size); fd >= 0) {
      std::string sample(std::min(size, kSample), '\0');
      const ssize_t got = ::pread(fd, sample.data(), sample.size(), 0);
      ::close(fd);
      if (got > 0) tuned->tune(std::string_view(sample).substr(0, static_cast<std::size_t>(got)));
    }
  }

  Plan plan;
  plan.file = path;
  plan.max_reported = opt.max_reported;
  plan.keep = &opt.keep;
  plan.keep_line = &opt.keep_line;
  if (tuned) plan.prefilter = &*tuned;
  plan.finish_batch = &opt.finish_batch;
  if (opt.documents) {
    plan.documents = true;
    plan.make_document_filter = &opt.make_document_filter;
    plan.schema.table = table;
    plan.schema.fields.push_back({"_source", Type::Dynamic});
    if (opt.document_shapes) plan.schema.fields.push_back({"_shape", Type::Long});
    plan.document_shapes = opt.document_shapes;
    if (opt.document_verdicts && opt.make_document_filter) {
      plan.matched_column = static_cast<int>(plan.schema.fields.size());
      plan.schema.fields.push_back({"_matched", Type::Bool});
    }
    if (opt.document_offsets) {
      plan.offset_column = static_cast<int>(plan.schema.fields.size());
      plan.schema.fields.push_back({"_offset", Type::Long});
    }
  } else if (opt.schema) {
    plan.schema = *opt.schema;
  } else if (auto b = builtin_schema(table)) {
    plan.schema = *b;
    stats.schema_builtin = true;
  } else {
    if (auto e = infer_schema(path, format, table, plan.schema, &whole)) return *e;
    stats.schema_inferred = true;
  }
  if (plan.schema.table.empty()) plan.schema.table = table;
  if (!plan.documents && !stats.schema_inferred && opt.columns.empty() && opt.keep_unknown_columns && !opt.csv_positional) {
    // Columns of the file that the schema lacks (a real SecurityEvent export's MG, EventOriginId,
    // TimeCollected) are kept, so that a query reading them works: typed by inference, named in a note.
    std::vector<Field> added;
    if (format == InputFormat::Csv) {
      added = unknown_csv_columns(whole, plan.schema);
    } else {
      auto r = unknown_columns(path, plan.schema, format);
      if (!r) return r.error();
      added = std::move(*r);
    }
    if (!added.empty()) {
      for (const auto& f : added) plan.schema.fields.push_back(f);
      stats.notes.push_back(unknown_columns_note(plan.schema.table, added));
    }
  }
  if (!opt.columns.empty() && !plan.documents) {
    Schema projected;
    projected.table = plan.schema.table;
    for (const auto& f : plan.schema.fields)
      if (std::find(opt.columns.begin(), opt.columns.end(), f.name) != opt.columns.end()) projected.fields.push_back(f);
    plan.schema = std::move(projected);
  }
  for (std::size_t i = 0; i < plan.schema.fields.size(); ++i) plan.index.emplace(plan.schema.fields[i].name, static_cast<int>(i));
  plan.projected = !opt.columns.empty();
  if (opt.make_filter && !opt.filter_columns.empty() && !plan.documents) {
    auto stage = std::make_shared<Plan>();
    stage->file = path;
    stage->max_reported = opt.max_reported;
    stage->projected = true;
    stage->schema.table = plan.schema.table;
    for (const auto& f : plan.schema.fields)
      if (std::find(opt.filter_columns.begin(), opt.filter_columns.end(), f.name) != opt.filter_columns.end())
        stage->schema.fields.push_back(f);
    for (std::size_t i = 0; i < stage->schema.fields.size(); ++i) stage->index.emplace(stage->schema.fields[i].name, static_cast<int>(i));
    if (!stage->schema.fields.empty()) {
      plan.stage = std::move(stage);
      plan.make_filter = &opt.make_filter;
    }
  }
  if (schema_out) *schema_out = plan.schema;
  std::vector<std::string> date_warnings;
  if (format == InputFormat::Csv && !plan.documents) plan.date_orders = csv_date_orders(whole, plan, opt, date_warnings, stats.notes);

  Totals totals;
  std::optional<Error> err;
  if (format == InputFormat::NDJson) err = run_ndjson(path, plan, opt, totals, stats.bytes, sink);
  else err = run_whole(path, format, plan, opt, totals, stats.bytes, sink, whole);
  if (err) return *err;

  stats.records = totals.records;
  stats.rows = totals.rows;
  stats.rejected = totals.rejected;
  stats.filtered = totals.filtered;
  stats.prefiltered = totals.prefiltered;
  stats.chunks_in_place = totals.chunks_in_place;
  stats.first_rejections = std::move(totals.rejections);
  if (stats.schema_inferred) stats.warnings.push_back("no schema for table " + table + ": column types inferred from the data");
  for (auto& w : date_warnings) stats.warnings.push_back(std::move(w));
  for (const auto& [what, info] : totals.warnings) {
    std::string w = std::to_string(info.count) + " " + what + " (first at line " + std::to_string(info.first_line);
    if (!info.example.empty()) w += ": " + info.example;
    w += ")";
    stats.warnings.push_back(std::move(w));
  }
  return stats;
}

void append_batch(std::vector<Batch>& batches, Batch&& b) {
  // Small batches (a chunk's few rows that passed a filter) are merged into the last one, so
  // that a selective read does not leave thousands of tiny batches; larger ones are kept as they
  // are (merging copies every row, on the calling thread: for 100,000 kept documents of 1.6 KB,
  // a tenth of a second).
  // (A batch carrying a payload (IngestOptions::finish_batch) stays whole: the payload is its rows'.)
  if (!batches.empty() && !b.payload && !batches.back().payload && b.rows() < kBatchRows / 128 &&
      batches.back().rows() + b.rows() <= kBatchRows) {
    Batch& last = batches.back();
    for (std::size_t c = 0; c < b.columns.size(); ++c)
      for (std::size_t i = 0; i < b.rows(); ++i) last.columns[c].append_from(b.columns[c], i);
    last.sources.insert(last.sources.end(), b.sources.begin(), b.sources.end());
    return;
  }
  batches.push_back(std::move(b));
}

Result<IngestResult> ingest_file(const std::string& path, const IngestOptions& options) {
  IngestResult result;
  auto& batches = result.table.batches;
  auto stats = ingest_stream(path, options, &result.table.schema, [&](Batch&& b) { append_batch(batches, std::move(b)); });
  if (!stats) return stats.error();
  result.stats = std::move(*stats);
  result.table.sources.push_back(path);
  return result;
}

}  // namespace rulelab
