#include "app/elastic_read_filter.hpp"

#include <cctype>

#include "app/doc_shape.hpp"
#include "core/selection.hpp"
#include "kuery/ast.hpp"
#include "kuery/matcher.hpp"

namespace rulelab::app {

namespace {

bool mentions_now(std::string_view s) {
  for (std::size_t i = 0; i + 3 <= s.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) == 'n' && std::tolower(static_cast<unsigned char>(s[i + 1])) == 'o' &&
        std::tolower(static_cast<unsigned char>(s[i + 2])) == 'w')
      return true;
  return false;
}

// Whether the query compiles the same without looking at the data (see the header).
bool static_query(const kuery::Node& n, const elastic::IndexFields& types, int depth = 0) {
  using K = kuery::Node::Kind;
  if (depth > 200) return false;
  switch (n.kind) {
    case K::MatchAll: return true;
    case K::Nested: return false;
    case K::Or:
    case K::And:
    case K::Not:
      for (const auto& c : n.children)
        if (!static_query(*c, types, depth + 1)) return false;
      return true;
    case K::Is:
    case K::Range: {
      if (!n.field || n.field->is_wildcard()) return false;
      if (mentions_now(n.value.text)) return false;
      auto f = types.mapped(n.field->text);
      if (!f) return false;
      if (f->mapping.type == elastic::FieldType::ConstantKeyword && f->mapping.constant_value.empty()) return false;
      if (!types.nested_ancestor(f->source_path).empty()) return false;
      return true;
    }
  }
  return false;
}

// The source paths the query reads (each field as named and where its values come from).
void query_paths(const kuery::Node& n, const elastic::IndexFields& types, std::vector<std::string>& out) {
  for (const auto& c : n.children) query_paths(*c, types, out);
  if (!n.field) return;
  out.push_back(n.field->text);
  if (auto f = types.mapped(n.field->text)) out.push_back(f->source_path);
}

struct Shared {
  kuery::Query query;
  const elastic::FieldTypes* types = nullptr;
  std::string index;  // the index whose documents it judges (IndexFields: its data stream's mapping)
  std::optional<kuery::RuleWindow> time;
  std::vector<std::string> paths;
};

class Filter : public DocumentFilter {
 public:
  Filter(std::shared_ptr<const Shared> s, ReadFilterCounts& counts, std::shared_ptr<std::mutex> m)
      : shared_(std::move(s)), counts_(counts), mutex_(std::move(m)), fields_(*shared_->types, shared_->index),
        query_(kuery::CompiledQuery::compile(*shared_->query.root, fields_, DateTime{})) {}
  ~Filter() override {
    std::lock_guard lk(*mutex_);
    counts_.dropped += dropped_;
    counts_.dropped_times.insert(counts_.dropped_times.end(), times_.begin(), times_.end());
  }
  bool keep(DynRef doc, std::size_t) override {
    if (!doc.is_object() || query_.matches(doc)) return true;
    std::uint64_t h = 0;
    return keep_unmatched(doc, document_shape(doc, h) ? std::optional<std::uint64_t>(h) : std::nullopt);
  }
  std::vector<std::string> paths() const override { return shared_->paths; }
  bool matches(DynRef projected) override { return query_.matches(projected); }
  // The query clause by clause over the batch (CompiledQuery::select); the unmatched in order.
  void judge_batch(std::span<const DynRef> docs, std::span<const std::optional<std::uint64_t>> shapes, std::span<Keep> out) override {
    sel_ = selection_all(docs.size());
    query_.select(docs, sel_);
    std::size_t k = 0;
    for (std::size_t i = 0; i < docs.size(); ++i) {
      if (k < sel_.size() && sel_[k] == i) {
        out[i] = Keep::Matched;
        ++k;
      } else {
        out[i] = keep_unmatched(docs[i], shapes[i]) ? Keep::Whole : Keep::Drop;
      }
    }
  }
  bool keep_unmatched(DynRef projected, std::optional<std::uint64_t> shape) override {
    if (shapes_.first_of_shape(shape)) return true;
    ++dropped_;
    if (shared_->time)
      if (auto t = kuery::event_time(projected, *shared_->time)) times_.push_back(t->ticks);
    return false;
  }

 private:
  std::shared_ptr<const Shared> shared_;
  ReadFilterCounts& counts_;
  std::shared_ptr<std::mutex> mutex_;
  elastic::IndexFields fields_;
  kuery::CompiledQuery query_;
  ShapeSet shapes_;
  std::size_t dropped_ = 0;
  std::vector<std::int64_t> times_;
  SelectionVector sel_;
};

}  // namespace

std::shared_ptr<KueryReadFilter> KueryReadFilter::make(std::string_view query, const elastic::FieldTypes& types,
                                                       std::optional<kuery::RuleWindow> time) {
  auto parsed = kuery::parse_kuery(query);
  if (!parsed.query || !static_query(*parsed.query->root, elastic::IndexFields(types))) return nullptr;
  auto f = std::make_shared<KueryReadFilter>();
  f->query_ = std::string(query);
  f->types_ = &types;
  f->time_ = std::move(time);
  return f;
}

std::shared_ptr<const RawPrefilter> KueryReadFilter::install(IngestOptions& opt, ReadFilterCounts& counts, const std::string& index) const {
  auto shared = std::make_shared<Shared>();
  shared->query = std::move(*kuery::parse_kuery(query_).query);
  shared->types = types_;
  shared->index = index;
  shared->time = time_;
  const elastic::IndexFields fields(*types_, index);
  if (!static_query(*shared->query.root, fields)) return nullptr;
  auto compiled = kuery::CompiledQuery::compile(*shared->query.root, fields, DateTime{});
  if (!compiled.errors().empty()) return nullptr;
  query_paths(*shared->query.root, fields, shared->paths);
  if (time_) {
    shared->paths.push_back(time_->timestamp_field);
    shared->paths.push_back("@timestamp");
  }
  auto prefilter = std::make_shared<const RawPrefilter>(time_ ? RawPrefilter{} : compiled.raw_prefilter());
  if (!prefilter->empty()) opt.prefilter = prefilter;
  auto m = std::make_shared<std::mutex>();
  opt.make_document_filter = [shared, &counts, m]() -> std::unique_ptr<DocumentFilter> {
    return std::make_unique<Filter>(shared, counts, m);
  };
  return prefilter;
}

}  // namespace rulelab::app
