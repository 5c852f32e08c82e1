#include "eql/engine.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <unordered_map>

#include <fcntl.h>
#include <unistd.h>

#include "core/ingest.hpp"
#include "core/parallel.hpp"
#include "core/selection.hpp"
#include "core/json_encode.hpp"

namespace rulelab::eql {

// ---- store ---------------------------------------------------------------------------------------
std::size_t EventStore::index_id(const std::string& name) {
  for (std::size_t i = 0; i < indexes_.size(); ++i)
    if (indexes_[i].name == name) return i;
  indexes_.push_back(IndexInfo{name, {}, std::nullopt});
  return indexes_.size() - 1;
}

std::optional<Error> EventStore::load_file(const std::string& index, const std::string& path, bool strict,
                                          const std::function<std::unique_ptr<DocumentFilter>()>& filter,
                                          const std::function<std::unique_ptr<DocumentFilter>()>& lean_filter) {
  std::error_code ec;
  bool lean = lean_filter && std::filesystem::is_regular_file(path, ec);  // hydrate() reads the file again
  IngestOptions o;
  o.documents = true;
  o.strict = strict;
  o.make_document_filter = lean ? lean_filter : filter;
  o.document_shapes = true;
  o.document_verdicts = event_verdicts && !lean && filter;
  o.document_offsets = lean;  // hydrate() reads those documents' lines there
  if (prefilter && !prefilter->empty() && o.make_document_filter) o.prefilter = prefilter;
  auto r = ingest_file(path, o);
  if (!r) return r.error();
  if (lean && r->stats.format != InputFormat::NDJson) {
    // A JSON array may hold several documents on one line: hydrate() could not tell them apart.
    // It is read again with the filter that keeps whole documents.
    o.make_document_filter = filter;
    auto whole = ingest_file(path, o);
    if (!whole) return whole.error();
    r = std::move(whole);
    lean = false;
  }
  const std::size_t first = docs_.size();
  unread_ += r->stats.filtered;
  if (r->stats.prefiltered)
    notes.push_back(path + ": " + prefilter->skipped_note(r->stats.prefiltered, r->stats.records, "document") +
                    " (their JSON, timestamps and fields are not looked at; --no-pushdown reads every line)");
  std::size_t id = index_id(index);
  indexes_[id].file = path;
  for (const auto& rej : r->stats.first_rejections)
    warnings.push_back(path + ":" + std::to_string(rej.line) + ": record skipped: " + rej.reason);
  tables_.push_back(std::move(r->table));
  const Table& t = tables_.back();
  std::vector<std::pair<std::uint32_t, std::int64_t>> line_offsets;  // lean: each document's line and its offset (-1: unknown)
  const int vi = t.schema.index_of("_matched"), oi = t.schema.index_of("_offset");
  for (const auto& b : t.batches) {
    if (b.columns.empty()) continue;
    const Column& c = b.columns[0];
    const Column* shapes = b.columns.size() > 1 ? &b.columns[1] : nullptr;
    const Column* verdicts = vi >= 0 ? &b.columns[static_cast<std::size_t>(vi)] : nullptr;
    const Column* offsets = oi >= 0 ? &b.columns[static_cast<std::size_t>(oi)] : nullptr;
    for (std::size_t i = 0; i < b.rows(); ++i) {
      DynRef d = c.get_dynamic(i);
      if (!d.is_object()) continue;
      std::optional<std::uint64_t> shape;
      if (shapes && !shapes->is_null(i)) shape = static_cast<std::uint64_t>(shapes->get_long(i));
      docs_.push_back(Doc{id, d, docs_.size(), b.sources[i].line, shape, verdicts && verdicts->get_bool(i)});
      if (offsets) line_offsets.emplace_back(b.sources[i].line, offsets->is_null(i) ? -1 : offsets->get_long(i));
    }
  }
  partial_.resize(first, 0);  // documents added as text since the last load
  partial_.resize(docs_.size(), lean ? 1 : 0);
  if (lean) {
    LeanLoad l;
    l.path = path;
    l.strict = strict;
    l.first = first;
    l.end = docs_.size();
    // The reader gave every line's offset: no scan of the file at the first hydrate().
    if (!line_offsets.empty() && std::none_of(line_offsets.begin(), line_offsets.end(), [](const auto& x) { return x.second < 0; })) {
      std::sort(line_offsets.begin(), line_offsets.end());
      line_offsets.erase(std::unique(line_offsets.begin(), line_offsets.end(),
                                     [](const auto& a, const auto& b) { return a.first == b.first; }),
                         line_offsets.end());
      for (const auto& [line, off] : line_offsets) {
        l.lines.push_back(line);
        l.offsets.push_back(static_cast<std::uint64_t>(off));
      }
      l.indexed = l.plain = true;
    }
    lean_.push_back(std::move(l));
  }
  return std::nullopt;
}

std::optional<Error> EventStore::index_lines(LeanLoad& l) {
  l.indexed = true;
  std::ifstream in(l.path, std::ios::binary);
  if (!in) return Error("cannot open the file again to read whole documents", l.path);
  char magic[2] = {0, 0};
  in.read(magic, 2);
  if (in.gcount() == 2 && static_cast<unsigned char>(magic[0]) == 0x1f && static_cast<unsigned char>(magic[1]) == 0x8b) return std::nullopt;
  in.clear();
  in.seekg(0);
  for (std::size_t i = l.first; i < l.end; ++i) l.lines.push_back(docs_[i].line);
  std::sort(l.lines.begin(), l.lines.end());
  l.lines.erase(std::unique(l.lines.begin(), l.lines.end()), l.lines.end());
  l.offsets.assign(l.lines.size(), 0);
  std::vector<char> buf(std::size_t{8} << 20);
  std::uint64_t base = 0;      // file offset of buf[0]
  std::uint32_t line = 1;      // line starting at `next`
  std::uint64_t next = 0;      // file offset where `line` starts
  std::size_t want = 0;
  while (want < l.lines.size() && in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const std::size_t got = static_cast<std::size_t>(in.gcount());
    if (got == 0) break;
    const char* p = buf.data();
    const char* end = p + got;
    for (;;) {
      while (want < l.lines.size() && l.lines[want] == line) l.offsets[want++] = next;
      if (want == l.lines.size()) break;
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
      if (!nl) break;
      p = nl + 1;
      ++line;
      next = base + static_cast<std::uint64_t>(p - buf.data());
    }
    base += got;
  }
  if (want < l.lines.size()) return Error("line " + std::to_string(l.lines[want]) + " is no longer in the file (changed while rulelab ran?)", l.path);
  l.plain = true;
  return std::nullopt;
}

std::optional<Error> EventStore::hydrate(const std::vector<const Doc*>& wanted) {
  for (LeanLoad& l : lean_) {
    std::vector<std::uint32_t> lines;
    for (const Doc* d : wanted)
      if (d && d->order >= l.first && d->order < l.end && partial_[d->order]) lines.push_back(d->line);
    if (lines.empty()) continue;
    if (!l.indexed)
      if (auto err = index_lines(l)) return err;
    if (l.plain) {
      // Each document read alone at its line's offset (pread), parsed and encoded as the load
      // does, on every core (a share of the documents each); then put in place in order.
      std::vector<const Doc*> todo;
      for (const Doc* d : wanted)
        if (d && d->order >= l.first && d->order < l.end && partial_[d->order]) todo.push_back(d);
      std::sort(todo.begin(), todo.end(), [](const Doc* x, const Doc* y) { return x->order < y->order; });
      todo.erase(std::unique(todo.begin(), todo.end()), todo.end());
      const int fd = ::open(l.path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return Error("cannot open the file again to read whole documents", l.path);
      std::vector<std::string> encoded(todo.size());
      const unsigned shares = share_count(todo.size(), 512);
      std::vector<std::optional<Error>> errors(shares);
      parallel_shares(todo.size(), shares, [&](std::size_t begin, std::size_t end, unsigned share) {
        simdjson::dom::parser parser;
        std::string text;
        for (std::size_t i = begin; i < end; ++i) {
          const Doc* d = todo[i];
          const auto at = std::lower_bound(l.lines.begin(), l.lines.end(), d->line);
          std::uint64_t off = l.offsets[static_cast<std::size_t>(at - l.lines.begin())];
          // The line: read 4 KiB at a time until its newline (or the end of the file).
          text.clear();
          std::size_t nl = std::string::npos;
          while (nl == std::string::npos) {
            const std::size_t had = text.size();
            text.resize(had + 4096);
            const ssize_t got = ::pread(fd, text.data() + had, 4096, static_cast<off_t>(off));
            if (got < 0) {
              errors[share] = Error("cannot read line " + std::to_string(d->line) + " again", l.path);
              return;
            }
            text.resize(had + static_cast<std::size_t>(got));
            off += static_cast<std::uint64_t>(got);
            nl = text.find('\n', had);
            if (got == 0) break;
          }
          if (nl != std::string::npos) text.resize(nl);
          if (!text.empty() && text.back() == '\r') text.pop_back();
          if (d->line == 1 && text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
          simdjson::dom::element e;
          if (parser.parse(text).get(e) || !e.is_object()) {
            errors[share] = Error("line " + std::to_string(d->line) + " changed while rulelab ran (it no longer reads as the same document)", l.path);
            return;
          }
          DynWriter w(encoded[i]);
          encode_element(e, w);
        }
      });
      ::close(fd);
      for (auto& err : errors)
        if (err) return err;
      for (std::size_t i = 0; i < todo.size(); ++i) {
        const Doc* d = todo[i];
        hydrated_text_.push_back(std::move(encoded[i]));
        projections_.emplace_back(d->order, docs_[d->order].source);
        docs_[d->order].source = DynRef(hydrated_text_.back());
        partial_[d->order] = 0;
      }
      continue;
    }
    std::sort(lines.begin(), lines.end());
    lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
    IngestOptions o;
    o.documents = true;
    o.strict = l.strict;
    o.keep_line = [&lines](std::size_t line) { return std::binary_search(lines.begin(), lines.end(), static_cast<std::uint32_t>(line)); };
    auto r = ingest_file(l.path, o);
    if (!r) return r.error();
    hydrated_.push_back(std::move(r->table));
    std::unordered_map<std::uint32_t, DynRef> by_line;
    for (const auto& b : hydrated_.back().batches) {
      if (b.columns.empty()) continue;
      for (std::size_t i = 0; i < b.rows(); ++i) by_line.emplace(b.sources[i].line, b.columns[0].get_dynamic(i));
    }
    for (const Doc* d : wanted) {
      if (!d || d->order < l.first || d->order >= l.end || !partial_[d->order]) continue;
      auto it = by_line.find(d->line);
      if (it == by_line.end())
        return Error("the document on line " + std::to_string(d->line) + " is no longer in the file (changed while rulelab ran?)", l.path);
      projections_.emplace_back(d->order, docs_[d->order].source);
      docs_[d->order].source = it->second;
      partial_[d->order] = 0;
    }
  }
  return std::nullopt;
}

void EventStore::release() {
  for (const auto& [order, projection] : projections_) {
    docs_[order].source = projection;
    partial_[order] = 1;
  }
  projections_.clear();
  hydrated_.clear();
  hydrated_text_.clear();
}

std::optional<Error> EventStore::add_ndjson(const std::string& index, std::string_view text) {
  std::size_t id = index_id(index);
  JsonParser parser;
  std::size_t line_no = 0, pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    std::string enc;
    if (auto err = parser.parse(line, enc)) return Error(*err, index, line_no);
    owned_.push_back(std::move(enc));
    DynRef d(owned_.back());
    if (!d.is_object()) return Error("a document must be a JSON object", index, line_no);
    docs_.push_back(Doc{id, d, docs_.size(), static_cast<std::uint32_t>(line_no), std::nullopt});
  }
  return std::nullopt;
}

void EventStore::set_mapping(const std::string& index, Mapping m) { indexes_[index_id(index)].mapping = std::move(m); }

namespace {
// The stage's category on category_field (any value of it, as a term).
bool in_category(const Evaluator& ev, const EventFilter& f, const EventView& v, const std::string& category_field, std::vector<Value>& cats) {
  cats.clear();
  ev.field_values(category_field, v, cats);
  return std::any_of(cats.begin(), cats.end(), [&](const Value& c) { return c.is_text() && c.s == f.category; });
}
}  // namespace

bool event_passes(const Evaluator& ev, const EventFilter& f, const EventView& v, const std::string& category_field) {
  std::vector<Value> cats;
  if (!f.category.empty() && !in_category(ev, f, v, category_field, cats)) return false;
  return ev.matches(*f.condition, v);
}

void select_events(const Evaluator& ev, const EventFilter& f, std::span<const EventView> evs, SelectionVector& sel,
                   const std::string& category_field) {
  if (!f.category.empty()) {
    std::vector<Value> cats;
    selection_keep_if(sel, [&](std::uint32_t r) { return in_category(ev, f, evs[r], category_field, cats); });
  }
  ev.select(*f.condition, evs, sel);
}

// ---- shared machinery ----------------------------------------------------------------------------
namespace {

struct Event {
  const Doc* doc;
  std::int64_t ts = 0;  // nanoseconds
  Value tiebreaker;
};

std::vector<const Doc*> docs_of(const std::vector<Event>& evs) {
  std::vector<const Doc*> out;
  out.reserve(evs.size());
  for (const auto& e : evs) out.push_back(e.doc);
  return out;
}

std::int64_t millis(std::int64_t nanos) { return nanos >= 0 ? nanos / 1'000'000 : -((-nanos + 999'999) / 1'000'000); }

// Canonical text of a key value (numbers compare across long/double).
void encode_key(const Value& v, std::string& out) {
  switch (v.kind) {
    case Value::Kind::Null: out += 'N'; break;
    case Value::Kind::Bool: out += v.b ? "T" : "F"; break;
    case Value::Kind::Long: out += 'I' + std::to_string(v.i); break;
    case Value::Kind::Double:
      if (v.d == static_cast<double>(static_cast<std::int64_t>(v.d))) out += 'I' + std::to_string(static_cast<std::int64_t>(v.d));
      else out += 'D' + to_text(v);
      break;
    case Value::Kind::Date: out += 'A' + std::to_string(v.i); break;
    default: out += 'S' + std::to_string(v.s.size()) + ':' + v.s; break;
  }
  out += '\x1f';
}

struct Key {
  std::string code;
  std::vector<Value> values;
};

class Context {
 public:
  Context(const Query& q, const EventStore& store, const RunOptions& opts)
      : q_(q), store_(store), opts_(opts), event_filter_(store.event_verdicts && q.kind == QueryKind::Event ? &q.event : nullptr) {}
  Evaluator ev;

  // The time limit (--timeout), checked every 256 documents matched or events sequenced.
  void tick() const {
    if (++ticks_ >= 256) {
      ticks_ = 0;
      opts_.deadline.check();
    }
  }
  mutable std::uint32_t ticks_ = 0;

  EventView view(const Doc& d) const { return EventView{d.source, store_.mapping_of(d)}; }

  // Narrows `sel` (rows of `docs`) to the documents that pass the filter: those the read filter
  // judged so (EventStore::event_verdicts) as they are, the others a batch at a time, clause by
  // clause (select_events). The time limit is checked once per batch.
  void select_passing(const EventFilter& f, std::span<const Doc* const> docs, SelectionVector& sel) const {
    opts_.deadline.check();
    if (sel.empty()) return;
    SelectionVector judged;
    if (&f == event_filter_) {
      SelectionVector open;
      for (const std::uint32_t r : sel) (docs[r]->matched ? judged : open).push_back(r);
      sel = std::move(open);
    }
    std::vector<EventView> views;
    views.reserve(docs.size());
    for (const Doc* d : docs) views.push_back(view(*d));
    select_events(ev, f, views, sel, opts_.category_field);
    selection_unite(sel, judged);
  }

  // Whether one document passes the filter.
  bool passes_one(const EventFilter& f, const Doc& d) const {
    SelectionVector sel{0};
    const Doc* one[] = {&d};
    select_passing(f, one, sel);
    return !sel.empty();
  }

  // Which of `docs` pass the filter (select_passing over batches of kBatchRows).
  std::vector<bool> passing(const EventFilter& f, const std::vector<const Doc*>& docs) const {
    std::vector<bool> out(docs.size(), false);
    SelectionVector sel;
    for (std::size_t b = 0; b < docs.size(); b += kBatchRows) {
      const std::size_t n = std::min(kBatchRows, docs.size() - b);
      sel = selection_all(n);
      select_passing(f, std::span<const Doc* const>(docs.data() + b, n), sel);
      for (const std::uint32_t r : sel) out[b + r] = true;
    }
    return out;
  }

  // The join keys of an event: one per combination of the values of multi-valued keys; none
  // when a (non-optional) key has no value.
  std::vector<Key> keys(const std::vector<const Expr*>& exprs, const Doc& d) const {
    std::vector<Key> out{Key{}};
    EventView v = view(d);
    for (const Expr* e : exprs) {
      std::vector<Value> vals = ev.key_values(*e, v);
      if (vals.empty()) {
        if (e->kind == ExprKind::Field && e->optional) vals.push_back(Value::null());
        else return {};
      }
      std::vector<Key> next;
      for (const auto& k : out)
        for (const auto& val : vals) {
          Key n = k;
          encode_key(val, n.code);
          n.values.push_back(val);
          next.push_back(std::move(n));
        }
      out = std::move(next);
    }
    return out;
  }

  // A field resolved for the mapping of the documents last read (date_of over many documents of
  // a few indexes resolves it once per index, not once per document).
  struct ResolvedField {
    bool resolved = false;
    const Mapping* mapping = nullptr;
    std::string path;  // where its values are read
    const FieldInfo* info = nullptr;
    std::vector<DynRef> raw;  // (scratch)
  };

  std::optional<std::int64_t> date_of(const Doc& d, const std::string& field) const {
    ResolvedField f;
    return date_of(d, field, f);
  }

  std::optional<std::int64_t> date_of(const Doc& d, const std::string& field, ResolvedField& f) const {
    if (field.empty()) return std::nullopt;
    const Mapping* m = store_.mapping_of(d);
    if (!f.resolved || f.mapping != m) {
      const std::string path = m ? m->resolve(field) : field;
      f.info = m ? m->find(path) : nullptr;
      f.path = f.info && !f.info->source_path.empty() ? f.info->source_path : path;
      f.mapping = m;
      f.resolved = true;
    }
    f.raw.clear();
    collect_values(d.source, f.path, f.raw);
    for (DynRef r : f.raw) {
      Value v = typed_value(r, FieldType::Date, f.info ? f.info->date_format.get() : nullptr);
      if (v.kind == Value::Kind::Date) return v.i;
    }
    return std::nullopt;
  }

  bool in_window(const Doc& d) const {
    if (!opts_.from_nanos && !opts_.to_nanos) return true;
    auto w = date_of(d, opts_.window_field.empty() ? opts_.timestamp_field : opts_.window_field);
    if (!w) w = date_of(d, opts_.window_fallback_field);
    if (!w) return false;
    return !(opts_.from_nanos && *w < *opts_.from_nanos) && !(opts_.to_nanos && *w > *opts_.to_nanos);
  }

  // Events with a timestamp (in the time range), ordered by timestamp, tiebreaker, load order.
  std::vector<Event> ordered_events(QueryResult& res) const {
    std::vector<Event> evs;
    ResolvedField ts_field;
    for (const auto& d : store_.docs()) {
      if (opts_.keep && !opts_.keep(d)) continue;
      if (!in_window(d)) continue;
      auto ts = date_of(d, opts_.timestamp_field, ts_field);
      if (!ts) {
        ++res.without_timestamp;
        continue;
      }
      Event e{&d, *ts, Value::null()};
      if (!opts_.tiebreaker_field.empty()) {
        std::vector<Value> tb;
        ev.field_values(opts_.tiebreaker_field, view(d), tb);
        if (!tb.empty()) e.tiebreaker = tb[0];
      }
      evs.push_back(std::move(e));
    }
    sort_events(evs);
    res.considered = evs.size();
    return evs;
  }

  // An event query's hits in time order, evaluated on every core: each thread judges a share of
  // the documents, then the hits are sorted as ordered_events sorts (the order is total: load
  // order breaks the last ties, so it does not depend on the threads). Empty when it cannot run
  // in parallel (a caller's keep function, few documents) or when a document's evaluation fails
  // (the serial run then gives the error of the first event in time order, as before).
  std::optional<std::vector<const Doc*>> parallel_hits(const EventFilter& f, QueryResult& res) const {
    const auto& docs = store_.docs();
    const unsigned n = opts_.keep ? 1 : share_count(docs.size(), 8192);
    if (n < 2) return std::nullopt;
    struct Part {
      std::vector<Event> hits;
      std::size_t considered = 0, without_timestamp = 0;
      bool failed = false;
    };
    std::vector<Part> parts(n);
    parallel_shares(docs.size(), n, [&](std::size_t b, std::size_t e, unsigned share) {
      Part& p = parts[share];
      try {
        // A batch of the share's documents in the window with a timestamp, then the filter on it.
        std::vector<const Doc*> batch;
        std::vector<std::int64_t> times;
        SelectionVector sel;
        ResolvedField ts_field;
        for (std::size_t i = b; i < e;) {
          batch.clear();
          times.clear();
          for (; i < e && batch.size() < kBatchRows; ++i) {
            // (The timestamp's lookup reads every top-level key of a document: its bytes are
            // asked for ahead.)
            if (i + 4 < e) docs[i + 4].source.prefetch(2048);
            const Doc& d = docs[i];
            if (!in_window(d)) continue;
            auto ts = date_of(d, opts_.timestamp_field, ts_field);
            if (!ts) {
              ++p.without_timestamp;
              continue;
            }
            ++p.considered;
            batch.push_back(&d);
            times.push_back(*ts);
          }
          sel = selection_all(batch.size());
          select_passing(f, batch, sel);
          for (const std::uint32_t r : sel) {
            Event hit{batch[r], times[r], Value::null()};
            if (!opts_.tiebreaker_field.empty()) {
              std::vector<Value> tb;
              ev.field_values(opts_.tiebreaker_field, view(*batch[r]), tb);
              if (!tb.empty()) hit.tiebreaker = tb[0];
            }
            p.hits.push_back(std::move(hit));
          }
        }
      } catch (...) {
        p.failed = true;  // the time limit or an evaluation error: the serial run reports it
      }
    });
    std::vector<Event> all;
    for (auto& p : parts) {
      if (p.failed) return std::nullopt;
      res.considered += p.considered;
      res.without_timestamp += p.without_timestamp;
      all.insert(all.end(), std::make_move_iterator(p.hits.begin()), std::make_move_iterator(p.hits.end()));
    }
    sort_events(all);
    std::vector<const Doc*> hits;
    hits.reserve(all.size());
    for (const auto& e : all) hits.push_back(e.doc);
    return hits;
  }

  static void sort_events(std::vector<Event>& evs) {
    std::stable_sort(evs.begin(), evs.end(), [](const Event& a, const Event& b) {
      if (a.ts != b.ts) return a.ts < b.ts;
      if (!a.tiebreaker.is_null() || !b.tiebreaker.is_null()) {
        if (a.tiebreaker.is_null() != b.tiebreaker.is_null()) return b.tiebreaker.is_null();
        auto c = compare(a.tiebreaker, b.tiebreaker);
        if (c && *c != 0) return *c < 0;
      }
      return a.doc->order < b.doc->order;
    });
  }

  const Query& q_;
  const EventStore& store_;
  const RunOptions& opts_;
  const EventFilter* event_filter_;  // the filter whose verdicts the documents carry (Doc::matched), or null
};

// head/tail pipes, then the result size.
template <class T>
void apply_limits(std::vector<T>& items, const Query& q, std::size_t size) {
  bool tail = false;
  for (const auto& p : q.pipes) {
    std::size_t n = static_cast<std::size_t>(p.count);
    if (p.name == "head") {
      if (items.size() > n) items.resize(n);
      tail = false;
    } else {
      if (items.size() > n) items.erase(items.begin(), items.end() - static_cast<std::ptrdiff_t>(n));
      tail = true;
    }
  }
  if (items.size() > size) {
    if (tail) items.erase(items.begin(), items.end() - static_cast<std::ptrdiff_t>(size));
    else items.resize(size);
  }
}

// ---- sequences -------------------------------------------------------------------------------------
struct ExpStage {
  const Stage* stage;
  bool missing;
  std::vector<const Expr*> keys;
};

struct Partial {
  std::vector<const Event*> events;  // per expanded stage
  std::size_t first = 0, last = 0;   // positions (in time order) of the first and last events
  Key key;
  std::size_t id = 0;                // for RunOptions::on_sequence_step
};

void run_sequence(Context& cx, const Query& q, const RunOptions& opts, QueryResult& res) {
  std::vector<Event> evs = cx.ordered_events(res);
  std::vector<ExpStage> stages;
  for (const auto& s : q.stages) {
    std::vector<const Expr*> keys;
    for (const auto& k : q.shared_keys) keys.push_back(k.get());
    for (const auto& k : s.keys) keys.push_back(k.get());
    for (std::int64_t r = 0; r < s.runs; ++r) stages.push_back(ExpStage{&s, s.missing, keys});
  }
  std::vector<const Expr*> until_keys;
  if (q.until) {
    for (const auto& k : q.shared_keys) until_keys.push_back(k.get());
    for (const auto& k : q.until->keys) until_keys.push_back(k.get());
  }
  std::vector<std::size_t> positive;
  for (std::size_t i = 0; i < stages.size(); ++i)
    if (!stages[i].missing) positive.push_back(i);

  // Tracing (explain): one SequenceStep per decision, only when asked for.
  const bool tracing = static_cast<bool>(opts.on_sequence_step);
  std::size_t next_id = 1;
  auto emit = [&](SequenceStep::Kind kind, const Partial* p, std::size_t stage, const Event* e, const Key* key,
                  std::size_t by = 0) {
    if (!tracing) return;
    SequenceStep st;
    st.kind = kind;
    st.stage = stage;
    st.by = by;
    if (e) {
      st.event = e->doc;
      st.event_nanos = e->ts;
    }
    if (p) {
      st.id = p->id;
      for (const Event* x : p->events) st.events.push_back(x ? x->doc : nullptr);
      st.first_nanos = evs[p->first].ts;
      st.key = p->key.values;
    } else if (key) {
      st.key = key->values;
    }
    opts.on_sequence_step(st);
  };

  // Which stage filters (and `until`) each event passes, evaluated once per distinct stage, a
  // batch at a time; the events that pass none are not looked at again.
  const std::vector<const Doc*> docs = docs_of(evs);
  std::unordered_map<const Stage*, std::vector<bool>> passes;
  std::vector<bool> any(evs.size(), false);
  auto mark = [&](const std::vector<bool>& v) {
    for (std::size_t i = 0; i < v.size(); ++i)
      if (v[i]) any[i] = true;
  };
  for (const auto& s : q.stages) mark(passes[&s] = cx.passing(s.filter, docs));
  // `until` a batch at a time too, unless a script fails on some event: then it is judged in the
  // walk, event by event after the event's join keys, so that the search fails with the error
  // the walk meets first (a key's script may fail on an earlier event).
  std::vector<bool> until_passes;
  bool until_in_walk = false;
  if (q.until) {
    try {
      mark(until_passes = cx.passing(q.until->filter, docs));
    } catch (const ScriptError&) {
      until_in_walk = true;
    }
  }
  std::vector<std::size_t> candidates;
  for (std::size_t i = 0; i < evs.size(); ++i)
    if (any[i] || until_in_walk) candidates.push_back(i);

  // One pending partial match per positive stage and join key: a newer one replaces an older one.
  std::vector<std::unordered_map<std::string, Partial>> pending(positive.size());
  std::vector<Partial> completed;
  for (const std::size_t i : candidates) {
    const Event& e = evs[i];
    cx.tick();
    for (std::size_t pos = positive.size(); pos-- > 0;) {
      const ExpStage& st = stages[positive[pos]];
      if (!passes[st.stage][i]) continue;
      std::vector<Key> event_keys = cx.keys(st.keys, *e.doc);
      if (event_keys.empty()) emit(SequenceStep::Kind::NoKey, nullptr, positive[pos], &e, nullptr);
      for (Key& key : event_keys) {
        if (pos == 0) {
          Partial p;
          p.events.assign(stages.size(), nullptr);
          p.events[positive[0]] = &e;
          p.first = p.last = i;
          p.key = std::move(key);
          p.id = next_id++;
          emit(SequenceStep::Kind::Start, &p, positive[0], &e, nullptr);
          if (positive.size() == 1) {
            emit(SequenceStep::Kind::Complete, &p, positive[0], &e, nullptr);
            completed.push_back(std::move(p));
            continue;
          }
          auto old = pending[0].find(p.key.code);
          if (old != pending[0].end()) emit(SequenceStep::Kind::Replaced, &old->second, positive[0], &e, nullptr, p.id);
          pending[0][p.key.code] = std::move(p);
          continue;
        }
        auto it = pending[pos - 1].find(key.code);
        if (it == pending[pos - 1].end()) {
          emit(SequenceStep::Kind::NoPending, nullptr, positive[pos], &e, &key);
          continue;
        }
        Partial p = std::move(it->second);
        pending[pos - 1].erase(it);
        if (q.maxspan_nanos && e.ts - evs[p.first].ts > *q.maxspan_nanos) {
          emit(SequenceStep::Kind::Maxspan, &p, positive[pos], &e, nullptr);
          continue;
        }
        p.events[positive[pos]] = &e;
        p.last = i;
        emit(SequenceStep::Kind::Advance, &p, positive[pos], &e, nullptr);
        if (pos + 1 == positive.size()) {
          emit(SequenceStep::Kind::Complete, &p, positive[pos], &e, nullptr);
          completed.push_back(std::move(p));
          continue;
        }
        auto old = pending[pos].find(key.code);
        if (old != pending[pos].end()) emit(SequenceStep::Kind::Replaced, &old->second, positive[pos], &e, nullptr, p.id);
        pending[pos][key.code] = std::move(p);
      }
    }
    // `until` ends the pending matches of its key that began before it.
    if (q.until && (until_in_walk ? cx.passes_one(q.until->filter, *e.doc) : until_passes[i])) {
      for (const Key& key : cx.keys(until_keys, *e.doc))
        for (auto& stage_map : pending) {
          auto it = stage_map.find(key.code);
          if (it != stage_map.end() && it->second.last < i) {
            emit(SequenceStep::Kind::Until, &it->second, 0, &e, nullptr);
            stage_map.erase(it);
          }
        }
    }
  }

  // Missing events: a candidate is dropped when an event of a `![...]` stage (same join key)
  // falls between its neighbours; leading and trailing ones are judged against maxspan.
  bool has_missing = positive.size() != stages.size();
  std::vector<Partial> accepted;
  if (has_missing) {
    std::size_t last_stage = stages.size() - 1;
    std::unordered_map<const Stage*, std::vector<std::pair<std::size_t, std::vector<Key>>>> missing_events;
    for (std::size_t s = 0; s < stages.size(); ++s) {
      if (!stages[s].missing || missing_events.count(stages[s].stage)) continue;
      auto& list = missing_events[stages[s].stage];
      for (std::size_t i = 0; i < evs.size(); ++i)
        if (passes[stages[s].stage][i]) list.emplace_back(i, cx.keys(stages[s].keys, *evs[i].doc));
    }
    auto has_key = [](const std::vector<Key>& ks, const std::string& code) {
      return std::any_of(ks.begin(), ks.end(), [&](const Key& k) { return k.code == code; });
    };
    auto beyond = [&](std::optional<std::int64_t> from, std::optional<std::int64_t> to) {
      if (!from || !to) return true;
      return q.maxspan_nanos && *to - *from > *q.maxspan_nanos;
    };
    for (auto& p : completed) {
      bool discarded = false;
      std::optional<std::int64_t> last_leading, first_trailing;
      std::int64_t start_ms = millis(evs[p.first].ts), end_ms = millis(evs[p.last].ts);
      for (std::size_t s = 0; s < stages.size() && !discarded; ++s) {
        if (!stages[s].missing) continue;
        bool leading = s < positive.front(), trailing = s > positive.back();
        std::int64_t lo = 0, hi = 0;
        if (!leading && !trailing) {
          std::size_t prev = s, next = s;
          while (stages[prev].missing) --prev;
          while (stages[next].missing) ++next;
          lo = millis(p.events[prev]->ts);
          hi = millis(p.events[next]->ts);
        }
        for (const auto& [i, ks] : missing_events[stages[s].stage]) {
          if (!has_key(ks, p.key.code)) continue;
          std::int64_t ms = millis(evs[i].ts);
          if (leading) {
            if (ms < start_ms && (!last_leading || evs[i].ts > *last_leading)) last_leading = evs[i].ts;
          } else if (trailing) {
            if (ms > end_ms && (!first_trailing || evs[i].ts < *first_trailing)) first_trailing = evs[i].ts;
          } else if (ms > lo && ms < hi) {
            discarded = true;
            emit(SequenceStep::Kind::MissingEvent, &p, s, &evs[i], nullptr);
            break;
          }
        }
      }
      if (discarded) continue;
      bool m0 = stages[0].missing, mlast = stages[last_stage].missing;
      std::int64_t start_ts = evs[p.first].ts, end_ts = evs[p.last].ts;
      if ((!first_trailing && !last_leading) || (!last_leading && m0) || (!first_trailing && mlast) ||
          (m0 && mlast && beyond(last_leading, first_trailing)) || (m0 && !mlast && beyond(last_leading, end_ts)) ||
          (!m0 && mlast && beyond(start_ts, first_trailing)))
        accepted.push_back(std::move(p));
      else
        emit(SequenceStep::Kind::MissingBounds, &p, 0, nullptr, nullptr);
    }
  } else {
    accepted = std::move(completed);
  }

  // Elasticsearch orders sequences by their last event.
  std::stable_sort(accepted.begin(), accepted.end(), [](const Partial& a, const Partial& b) { return a.last < b.last; });
  std::vector<Partial> before_limits;
  if (tracing) before_limits = accepted;
  apply_limits(accepted, q, opts.size);
  if (tracing) {
    for (const auto& p : before_limits)
      if (std::none_of(accepted.begin(), accepted.end(), [&](const Partial& a) { return a.id == p.id; }))
        emit(SequenceStep::Kind::Limited, &p, 0, nullptr, nullptr);
    for (std::size_t n = 0; n < accepted.size(); ++n) emit(SequenceStep::Kind::Reported, &accepted[n], n, nullptr, nullptr);
  }
  for (auto& p : accepted) {
    Match m;
    for (const Event* e : p.events) m.events.push_back(e ? e->doc : nullptr);
    m.key = std::move(p.key.values);
    res.matches.push_back(std::move(m));
  }
}

// ---- samples -------------------------------------------------------------------------------------
int compare_keys(const std::vector<Value>& a, const std::vector<Value>& b) {
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i].is_null() != b[i].is_null()) return a[i].is_null() ? -1 : 1;  // null (missing) buckets first
    if (a[i].is_null()) continue;
    auto c = compare(a[i], b[i]);
    if (!c) {
      int t = to_text(a[i]).compare(to_text(b[i]));
      if (t != 0) return t;
      continue;
    }
    if (*c != 0) return *c;
  }
  return 0;
}

void run_sample(Context& cx, const Query& q, const RunOptions& opts, QueryResult& res) {
  std::size_t n = q.stages.size();
  struct Bucket {
    std::vector<Value> values;
    std::vector<std::vector<const Doc*>> per_stage;
  };
  std::unordered_map<std::string, Bucket> buckets;
  for (std::size_t s = 0; s < n; ++s) {
    std::vector<const Expr*> keys;
    for (const auto& k : q.shared_keys) keys.push_back(k.get());
    for (const auto& k : q.stages[s].keys) keys.push_back(k.get());
    std::vector<const Doc*> considered;
    for (const auto& d : cx.store_.docs())
      if ((!opts.keep || opts.keep(d)) && cx.in_window(d)) considered.push_back(&d);
    // The stage's filter a batch at a time; if a script fails on some document, document by
    // document before each one's keys, so that the search fails with the error met first (a
    // key's script may fail on an earlier document).
    std::vector<bool> pass;
    bool in_walk = false;
    try {
      pass = cx.passing(q.stages[s].filter, considered);
    } catch (const ScriptError&) {
      in_walk = true;
    }
    for (std::size_t i = 0; i < considered.size(); ++i) {
      if (in_walk ? !cx.passes_one(q.stages[s].filter, *considered[i]) : !pass[i]) continue;
      const Doc& d = *considered[i];
      for (Key& k : cx.keys(keys, d)) {
        Bucket& b = buckets[k.code];
        if (b.per_stage.empty()) {
          b.per_stage.resize(n);
          b.values = std::move(k.values);
        }
        if (b.per_stage[s].size() < opts.max_samples_per_key) b.per_stage[s].push_back(&d);
      }
    }
  }
  std::vector<Bucket*> ordered;
  for (auto& [code, b] : buckets)
    if (std::all_of(b.per_stage.begin(), b.per_stage.end(), [](const auto& v) { return !v.empty(); })) ordered.push_back(&b);
  std::sort(ordered.begin(), ordered.end(), [](const Bucket* a, const Bucket* b) { return compare_keys(a->values, b->values) < 0; });
  std::vector<Match> samples;
  for (Bucket* b : ordered) {
    // Combinations of the first documents of each stage, distinct documents, in order.
    std::vector<std::size_t> idx(n, 0);
    auto advance = [&] {
      for (std::size_t s = n; s-- > 0;) {
        if (++idx[s] < b->per_stage[s].size()) return true;
        idx[s] = 0;
      }
      return false;
    };
    std::size_t taken = 0;
    do {
      cx.tick();
      Match m;
      bool distinct = true;
      for (std::size_t s = 0; s < n; ++s) {
        const Doc* d = b->per_stage[s][idx[s]];
        if (std::find(m.events.begin(), m.events.end(), d) != m.events.end()) distinct = false;
        m.events.push_back(d);
      }
      if (distinct) {
        m.key = b->values;
        samples.push_back(std::move(m));
        ++taken;
      }
    } while (taken < opts.max_samples_per_key && advance());
  }
  apply_limits(samples, q, opts.size);
  res.matches = std::move(samples);
}

}  // namespace

namespace {
Result<QueryResult> run_query_limited(const Query& q, const EventStore& store, const RunOptions& opts) {
  Context cx(q, store, opts);
  if (auto err = cx.ev.prepare(q)) return Error(err->first);
  QueryResult res;
  res.kind = q.kind;
  if (q.kind == QueryKind::Event) {
    std::vector<const Doc*> hits;
    if (auto p = cx.parallel_hits(q.event, res)) {
      hits = std::move(*p);
    } else {
      res.considered = res.without_timestamp = 0;
      std::vector<Event> evs = cx.ordered_events(res);
      const std::vector<bool> pass = cx.passing(q.event, docs_of(evs));
      for (std::size_t i = 0; i < evs.size(); ++i)
        if (pass[i]) hits.push_back(evs[i].doc);
    }
    apply_limits(hits, q, opts.size);
    res.events = std::move(hits);
  } else if (q.kind == QueryKind::Sequence) {
    run_sequence(cx, q, opts, res);
  } else {
    run_sample(cx, q, opts, res);
  }
  return res;
}
}  // namespace

Result<QueryResult> run_query(const Query& q, const EventStore& store, const RunOptions& opts) {
  try {
    return run_query_limited(q, store, opts);
  } catch (const LimitExceeded& l) {
    return l.error;
  } catch (const ScriptError& e) {
    return Error(e.message);
  }
}

}  // namespace rulelab::eql
