#include "app/eql_read_filter.hpp"

#include <unordered_set>

#include "app/doc_shape.hpp"
#include "core/selection.hpp"
#include "app/eql_rule.hpp"
#include "eql/engine.hpp"
#include "eql/eval.hpp"
#include "core/raw_prefilter.hpp"

namespace rulelab::app {

namespace {

bool static_fields(const eql::Expr& e, const elastic::IndexFields& types, std::vector<std::string>& names, int depth = 0) {
  if (depth > 200) return false;
  if (e.kind == eql::ExprKind::Field) {
    if (e.optional) return false;
    auto f = types.mapped(e.name);
    if (!f || f->mapping.type == elastic::FieldType::Alias || !types.nested_ancestor(f->source_path).empty()) return false;
    // A constant_keyword without a mapped value takes the first value indexed: the data decides.
    if (f->mapping.type == elastic::FieldType::ConstantKeyword && f->mapping.constant_value.empty()) return false;
    names.push_back(e.name);
  }
  for (const auto& a : e.args)
    if (!a || !static_fields(*a, types, names, depth + 1)) return false;
  return true;
}

struct Shared {
  const eql::Query* query = nullptr;
  std::vector<const eql::EventFilter*> filters;
  eql::Mapping mapping;
  std::string timestamp_field, category_field;
  std::vector<std::string> paths;  // every path the filters and the timestamp read (lean: and the keys)
  bool lean = false;
};

class Filter : public DocumentFilter {
 public:
  explicit Filter(std::shared_ptr<const Shared> s) : s_(std::move(s)) { prepared_ = !ev_.prepare(*s_->query); }
  bool keep(DynRef doc, std::size_t) override {
    if (!prepared_ || !doc.is_object()) return true;
    if (passes(doc).value_or(true)) return true;
    std::uint64_t h = 0;
    return keep_unmatched(doc, document_shape(doc, h) ? std::optional<std::uint64_t>(h) : std::nullopt);
  }
  std::vector<std::string> paths() const override { return prepared_ ? s_->paths : std::vector<std::string>{}; }
  bool matches(DynRef doc) override {
    const eql::EventView v{doc, &s_->mapping};
    for (const auto* f : s_->filters)
      if (eql::event_passes(ev_, *f, v, s_->category_field)) return true;
    return false;
  }
  bool keep_unmatched(DynRef doc, std::optional<std::uint64_t> shape) override {
    if (!readable_time(doc)) return true;  // counted by the run as without a timestamp
    return shapes_.first_of_shape(shape);  // the first of its shape here is kept
  }
  // Lean: the first document of each shape stays whole (the fields observed are those of the
  // file); any other document kept is a projection on what the run reads. A document on which a
  // script fails is kept (whole, not as matched): the run meets the error and fails the search
  // with it, as Elasticsearch does.
  Keep judge(DynRef doc, std::optional<std::uint64_t> shape) override {
    if (s_->lean) {
      if (shapes_.first_of_shape(shape)) return Keep::Whole;
      return passes(doc).value_or(true) || !readable_time(doc) ? Keep::Projection : Keep::Drop;
    }
    const auto m = passes(doc);
    if (!m) return Keep::Whole;
    if (*m) return Keep::Matched;
    return keep_unmatched(doc, shape) ? Keep::Whole : Keep::Drop;
  }
  // judge() with the filters clause by clause over the batch (eql::select_events): the shapes
  // looked at in the order judge() looks at them.
  void judge_batch(std::span<const DynRef> docs, std::span<const std::optional<std::uint64_t>> shapes, std::span<Keep> out) override {
    if (!prepared_) {
      DocumentFilter::judge_batch(docs, shapes, out);
      return;
    }
    SelectionVector sel;
    if (s_->lean) {  // the first of each shape whole; the others judged
      for (std::size_t i = 0; i < docs.size(); ++i) {
        if (shapes_.first_of_shape(shapes[i])) out[i] = Keep::Whole;
        else sel.push_back(static_cast<std::uint32_t>(i));
      }
    } else {
      sel = selection_all(docs.size());
    }
    const SelectionVector judged = sel;
    views_.clear();
    for (DynRef d : docs) views_.push_back(eql::EventView{d, &s_->mapping});
    hit_.assign(docs.size(), 0);  // 1: passes; 2: a script fails on it (kept, as judge() keeps it)
    try {
      selection_any(sel, s_->filters.size(), [&](std::size_t f, SelectionVector& part) {
        eql::select_events(ev_, *s_->filters[f], views_, part, s_->category_field);
      });
      for (const std::uint32_t i : sel) hit_[i] = 1;
    } catch (const eql::ScriptError&) {
      for (const std::uint32_t i : judged) {
        const auto m = passes(docs[i]);
        hit_[i] = !m ? 2 : *m ? 1 : 0;
      }
    }
    for (const std::uint32_t i : judged) {
      if (s_->lean) out[i] = hit_[i] || !readable_time(docs[i]) ? Keep::Projection : Keep::Drop;
      else out[i] = hit_[i] == 2 ? Keep::Whole : hit_[i] ? Keep::Matched : keep_unmatched(docs[i], shapes[i]) ? Keep::Whole : Keep::Drop;
    }
  }

 private:
  // matches(), or nullopt when a script fails on the document (ScriptError).
  std::optional<bool> passes(DynRef doc) {
    try {
      return matches(doc);
    } catch (const eql::ScriptError&) {
      return std::nullopt;
    }
  }
  bool readable_time(DynRef doc) {
    raw_.clear();
    eql::collect_values(doc, s_->mapping.resolve(s_->timestamp_field), raw_);
    for (DynRef r : raw_)
      if (eql::typed_value(r, eql::FieldType::Date).kind == eql::Value::Kind::Date) return true;
    return false;
  }
  std::shared_ptr<const Shared> s_;
  eql::Evaluator ev_;
  bool prepared_ = false;
  ShapeSet shapes_;
  std::vector<DynRef> raw_;
  std::vector<eql::EventView> views_;
  std::vector<std::uint8_t> hit_;
};

// ---- the raw-bytes prefilter -------------------------------------------------------------------

// A keyword field whose indexed terms are its values as written (no normalizer, no null_value).
bool raw_keyword(const elastic::IndexFields& types, const std::string& name) {
  auto f = types.mapped(name);
  return f && f->mapping.terms_as_written();
}

// The longest piece of an EQL wildcard pattern (`*` and `?` wild).
std::string longest_piece(const std::string& pattern) {
  std::string best, cur;
  for (char c : pattern) {
    if (c == '*' || c == '?') {
      if (cur.size() > best.size()) best = cur;
      cur.clear();
    } else {
      cur += c;
    }
  }
  return cur.size() > best.size() ? cur : best;
}

// One of the string constants args[from..] (pieces of patterns when `pattern`): caseless always
// when `caseless` (EQL's `:` and `~` forms), else as written.
RawPrefilter any_constant(const eql::Expr& e, std::size_t from, bool caseless, bool pattern) {
  if (from >= e.args.size()) return RawPrefilter::never();
  std::vector<std::string> literals;
  for (std::size_t i = from; i < e.args.size(); ++i) {
    const auto& a = e.args[i];
    if (!a || a->kind != eql::ExprKind::Literal || a->value.kind != eql::Value::Kind::String) return {};
    literals.push_back(pattern ? longest_piece(a->value.s) : a->value.s);
  }
  return RawPrefilter::any_of(literals, caseless);
}

bool keyword_field(const eql::ExprPtr& a, const elastic::IndexFields& types) {
  return a && a->kind == eql::ExprKind::Field && !a->optional && raw_keyword(types, a->name);
}

// What the condition needs of a document's bytes. Comparisons are taken caseless whenever EQL
// could compare without case (always sound: a caseless literal keeps more).
RawPrefilter condition_prefilter(const eql::Expr& e, const elastic::IndexFields& types, int depth = 0) {
  using K = eql::ExprKind;
  if (depth > 100) return {};
  switch (e.kind) {
    case K::And:
      if (e.args.size() != 2 || !e.args[0] || !e.args[1]) return {};
      return RawPrefilter::and_(condition_prefilter(*e.args[0], types, depth + 1), condition_prefilter(*e.args[1], types, depth + 1));
    case K::Or:
      if (e.args.size() != 2 || !e.args[0] || !e.args[1]) return {};
      return RawPrefilter::or_(condition_prefilter(*e.args[0], types, depth + 1), condition_prefilter(*e.args[1], types, depth + 1));
    case K::Compare: {
      if (e.op != eql::Op::Eq || e.args.size() != 2 || !e.args[0] || !e.args[1]) return {};
      const eql::Expr* lit = nullptr;
      if (keyword_field(e.args[0], types)) lit = e.args[1].get();
      else if (keyword_field(e.args[1], types)) lit = e.args[0].get();
      if (!lit || lit->kind != K::Literal || lit->value.kind != eql::Value::Kind::String) return {};
      return RawPrefilter::literal(lit->value.s, e.insensitive);
    }
    case K::In:
      if (e.negated || e.args.size() < 2 || !keyword_field(e.args[0], types)) return {};
      return any_constant(e, 1, e.insensitive, false);
    case K::Match:
      if (e.args.size() < 2 || !keyword_field(e.args[0], types)) return {};
      if (e.op == eql::Op::Seq) return any_constant(e, 1, true, true);
      if (e.op == eql::Op::Like) return any_constant(e, 1, e.insensitive, true);
      return {};
    case K::Call:
      if ((e.name == "startsWith" || e.name == "endsWith" || e.name == "stringContains") && e.args.size() == 2 &&
          keyword_field(e.args[0], types))
        return any_constant(e, 1, true, false);
      return {};
    default: return {};
  }
}

}  // namespace

bool eql_verdicts_hold(const eql::Query& q, const elastic::FieldTypes& types, const std::string& category_field,
                       const eql::EventStore& store) {
  if (q.kind != eql::QueryKind::Event || !q.event.condition) return false;
  auto same = [](const eql::FieldInfo& a, const eql::FieldInfo& b) {
    const bool norm_same = (!a.normalizer && !b.normalizer) ||
                           (a.normalizer && b.normalizer && a.normalizer->name == b.normalizer->name &&
                            a.normalizer->lowercase == b.normalizer->lowercase && a.normalizer->asciifold == b.normalizer->asciifold);
    return a.type == b.type && a.alias_of == b.alias_of && a.source_path == b.source_path && a.null_value == b.null_value &&
           a.ignore_above == b.ignore_above && a.constant == b.constant && norm_same;
  };
  for (const auto& ix : store.indexes()) {
    if (!ix.mapping) return false;
    const elastic::IndexFields fields(types, ix.name);  // the filter's typing of this index's documents
    std::vector<std::string> names{category_field};
    if (!static_fields(*q.event.condition, fields, names)) return false;
    for (const auto& n : names) {
      auto rf = fields.mapped(n);
      const eql::FieldInfo* run = ix.mapping->find(n);
      if (!rf || !run || !same(eql::field_info(n, *rf), *run)) return false;
    }
  }
  return true;
}

RawPrefilter eql_raw_prefilter(const eql::Query& q, const elastic::FieldTypes& all_types, const std::string& category_field,
                               const std::string& index) {
  const elastic::IndexFields types(all_types, index);
  std::vector<const eql::EventFilter*> filters;
  if (q.kind == eql::QueryKind::Event) filters.push_back(&q.event);
  for (const auto& st : q.stages) filters.push_back(&st.filter);
  if (q.until) filters.push_back(&q.until->filter);
  RawPrefilter out = RawPrefilter::never();
  for (const auto* f : filters) {
    RawPrefilter one = f->condition ? condition_prefilter(*f->condition, types) : RawPrefilter{};
    if (!f->category.empty() && raw_keyword(types, category_field))
      one = RawPrefilter::and_(std::move(one), RawPrefilter::literal(f->category, true));
    out = RawPrefilter::or_(out, one);
    if (out.empty()) break;
  }
  return out;
}

std::function<std::unique_ptr<DocumentFilter>()> eql_read_filter(const eql::Query& q, const elastic::FieldTypes& types,
                                                                 const std::string& timestamp_field,
                                                                 const std::string& category_field, const std::string& index,
                                                                 bool lean, const std::vector<std::string>& lean_fields) {
  const elastic::IndexFields fields(types, index);
  auto s = std::make_shared<Shared>();
  s->query = &q;
  if (q.kind == eql::QueryKind::Event) s->filters.push_back(&q.event);
  for (const auto& st : q.stages) s->filters.push_back(&st.filter);
  if (q.until) s->filters.push_back(&q.until->filter);
  std::vector<std::string> names{timestamp_field, category_field};
  for (const auto* f : s->filters)
    if (!f->condition || !static_fields(*f->condition, fields, names)) return {};
  for (const auto& n : names) {
    auto rf = fields.mapped(n);
    if (!rf || rf->mapping.type == elastic::FieldType::Alias) return {};
    s->mapping.set(n, eql::field_info(n, *rf));
    s->paths.push_back(n);
    s->paths.push_back(rf->source_path);
  }
  for (const auto& n : names) s->paths.push_back(s->mapping.resolve(n));
  if (lean) {
    if (q.kind == eql::QueryKind::Event) return {};  // an event query keeps only its results: nothing to gain
    // The join keys' fields and the run's other fields (tiebreaker, window) join the projection.
    std::vector<std::string> keys(lean_fields.begin(), lean_fields.end());
    bool ok = true;
    for (const auto& k : q.shared_keys) ok = ok && k && static_fields(*k, fields, keys);
    for (const auto& st : q.stages)
      for (const auto& k : st.keys) ok = ok && k && static_fields(*k, fields, keys);
    if (q.until)
      for (const auto& k : q.until->keys) ok = ok && k && static_fields(*k, fields, keys);
    if (!ok) return {};  // the caller keeps whole documents (its non-lean filter)
    s->lean = true;
    for (const auto& n : keys) {
      s->paths.push_back(n);
      if (auto rf = fields.mapped(n)) s->paths.push_back(rf->source_path);
    }
  }
  {
    eql::Evaluator probe;
    if (probe.prepare(q)) return {};  // a bad pattern: the run reports it
  }
  s->timestamp_field = timestamp_field;
  s->category_field = category_field;
  std::shared_ptr<const Shared> shared = std::move(s);
  return [shared]() -> std::unique_ptr<DocumentFilter> { return std::make_unique<Filter>(shared); };
}

}  // namespace rulelab::app
