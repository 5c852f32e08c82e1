#include "engine/pushdown.hpp"

#include <map>
#include <optional>

#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/binder.hpp"
#include "engine/engine.hpp"
#include "kusto/parser.hpp"

namespace rulelab::engine {

namespace {

// Finds the uses of one table: pipelines whose source is the table by name, at the query's top
// level (not in a function body), with their leading `where` predicates.
struct UseFinder {
  const std::string& table;
  struct Use {
    std::size_t statement = 0;
    std::vector<const K::Expr*> predicates;
  };
  std::vector<Use> uses;
  bool opaque = false;  // something may read the table without naming it (wildcard, table())
  std::size_t statement = 0;

  void tab(const K::TabularExpr* t) {
    if (!t) return;
    source(t->source, *t);
    for (auto& op : t->operators) oper(op);
  }

  void source(const K::Source& s, const K::TabularExpr& te) {
    if (auto* r = s.as<K::TableRef>()) {
      if (r->wildcard) opaque = true;
      if (!r->wildcard && r->name == table) {
        Use u;
        u.statement = statement;
        for (auto& op : te.operators) {
          auto* w = op.as<K::Where>();
          if (!w) break;
          u.predicates.push_back(w->predicate.get());
        }
        uses.push_back(std::move(u));
      }
    } else if (auto* c = s.as<K::CallSource>()) {
      call(c->call);
    } else if (auto* u = s.as<K::UnionSource>()) {
      for (auto& x : u->tables) tab(x.get());
    } else if (auto* p = s.as<K::ParenSource>()) {
      tab(p->query.get());
    } else if (auto* pr = s.as<K::PrintSource>()) {
      for (auto& a : pr->items) expr(a.value.get());
    } else if (auto* rg = s.as<K::RangeSource>()) {
      expr(rg->from.get());
      expr(rg->to.get());
      expr(rg->step.get());
    }
  }

  void call(const K::Call& c) {
    if (c.name == "table" || c.name == "database" || c.name == "cluster" || c.name == "workspace" || c.name == "app")
      opaque = true;
    for (auto& a : c.args) expr(a.value.get());
  }

  void expr(const K::Expr* e) {
    if (!e) return;
    std::visit(
        [&](const auto& n) {
          using N = std::decay_t<decltype(n)>;
          if constexpr (std::is_same_v<N, K::Member>) {
            expr(n.object.get());
          } else if constexpr (std::is_same_v<N, K::Index>) {
            expr(n.object.get());
            expr(n.index.get());
          } else if constexpr (std::is_same_v<N, K::Unary>) {
            expr(n.operand.get());
          } else if constexpr (std::is_same_v<N, K::Binary>) {
            expr(n.lhs.get());
            expr(n.rhs.get());
          } else if constexpr (std::is_same_v<N, K::InExpr>) {
            expr(n.lhs.get());
            for (auto& i : n.items) expr(i.get());
            tab(n.subquery.get());
          } else if constexpr (std::is_same_v<N, K::Between>) {
            expr(n.lhs.get());
            expr(n.low.get());
            expr(n.high.get());
          } else if constexpr (std::is_same_v<N, K::Call>) {
            call(n);
          } else if constexpr (std::is_same_v<N, K::TabularArg>) {
            tab(n.query.get());
          }
        },
        e->node);
  }

  void assigns(const std::vector<K::Assignment>& v) {
    for (auto& a : v) expr(a.value.get());
  }

  void oper(const K::Operator& op) {
    std::visit(
        [&](const auto& o) {
          using O = std::decay_t<decltype(o)>;
          if constexpr (std::is_same_v<O, K::Where>) {
            expr(o.predicate.get());
          } else if constexpr (std::is_same_v<O, K::Extend> || std::is_same_v<O, K::Project> ||
                               std::is_same_v<O, K::Distinct> || std::is_same_v<O, K::Serialize>) {
            assigns(o.items);
          } else if constexpr (std::is_same_v<O, K::Summarize>) {
            assigns(o.aggregates);
            assigns(o.by);
          } else if constexpr (std::is_same_v<O, K::Join> || std::is_same_v<O, K::Lookup>) {
            tab(o.right.get());
            for (auto& e : o.on) expr(e.get());
          } else if constexpr (std::is_same_v<O, K::MvExpand>) {
            for (auto& i : o.items) expr(i.value.get());
            expr(o.limit.get());
          } else if constexpr (std::is_same_v<O, K::MvApply>) {
            for (auto& i : o.items) expr(i.value.get());
            expr(o.limit.get());
            tab(o.subquery.get());
          } else if constexpr (std::is_same_v<O, K::Parse>) {
            expr(o.source.get());
          } else if constexpr (std::is_same_v<O, K::ParseKv>) {
            expr(o.source.get());
          } else if constexpr (std::is_same_v<O, K::Evaluate>) {
            call(o.plugin);
          } else if constexpr (std::is_same_v<O, K::Sort>) {
            for (auto& k : o.keys) expr(k.value.get());
          } else if constexpr (std::is_same_v<O, K::Top>) {
            expr(o.count.get());
            expr(o.by.value.get());
          } else if constexpr (std::is_same_v<O, K::Take>) {
            expr(o.count.get());
          } else if constexpr (std::is_same_v<O, K::Invoke>) {
            call(o.function);
          } else if constexpr (std::is_same_v<O, K::UnionOp>) {
            for (auto& t : o.tables) tab(t.get());
          }
          // the others hold no tabular expression (or are walked no further: a use found
          // nowhere is counted by name only, and then nothing is pushed down)
        },
        op.op);
  }
};

// How many strings of the AST (names, literals, patterns) equal `s`.
// Calls f for every string of the AST as JSON (names, literals, patterns).
void for_each_string(const K::Query& q, const std::function<void(const std::string&)>& f) {
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& x) {
    if (x.is_string()) f(x.get_ref<const std::string&>());
    else if (x.is_array() || x.is_object()) for (auto& y : x) walk(y);
  };
  walk(nlohmann::json::parse(kusto::to_json(q), nullptr, false));
}

// How many strings of the AST equal `s`.
std::size_t count_strings(const K::Query& q, const std::string& s) {
  std::size_t n = 0;
  for_each_string(q, [&](const std::string& x) { n += x == s; });
  return n;
}

bool unnamed_columns(const nlohmann::json& x, bool in_row_pick) {
  if (x.is_array()) {
    for (auto& y : x)
      if (unnamed_columns(y, in_row_pick)) return true;
    return false;
  }
  if (!x.is_object()) return false;
  const std::string kind = x.value("kind", "");
  if (kind == "star" && !in_row_pick) return true;
  if (kind == "getschema" || kind == "evaluate" || kind == "search" || kind == "find") return true;
  bool pick = false;
  if (kind == "call") {
    const std::string name = x.value("name", "");
    if (name == "pack_all") return true;
    pick = name == "arg_max" || name == "arg_min" || name == "take_any" || name == "any";
  }
  for (auto& [k, y] : x.items())
    if ((y.is_object() || y.is_array()) && unnamed_columns(y, pick)) return true;
  return false;
}

std::string slice(const std::string& text, K::SourceRange r) {
  if (r.begin > r.end || r.end > text.size()) return {};
  return text.substr(r.begin, r.end - r.begin);
}

}  // namespace

std::set<std::string> query_strings(const K::Query& query) {
  std::set<std::string> out;
  for_each_string(query, [&](const std::string& x) { out.insert(x); });
  return out;
}

bool reads_unnamed_columns(const K::Query& query) {
  const auto j = nlohmann::json::parse(kusto::to_json(query), nullptr, false);
  return j.is_discarded() || unnamed_columns(j, false);
}

// A search or find without `in (...)` reads every table, under no name.
static bool reads_every_table(const nlohmann::json& x) {
  if (x.is_array()) {
    for (auto& y : x)
      if (reads_every_table(y)) return true;
    return false;
  }
  if (!x.is_object()) return false;
  const std::string kind = x.value("kind", "");
  if ((kind == "search" || kind == "find") && !x.contains("tables")) return true;
  for (auto& [k, y] : x.items())
    if ((y.is_object() || y.is_array()) && reads_every_table(y)) return true;
  return false;
}

std::vector<std::string> pushdown_queries(const K::Query& query, const std::string& table,
                                          const std::vector<std::string>& other_texts) {
  for (auto& t : other_texts)
    if (t.find(table) != std::string::npos) return {};
  if (reads_every_table(nlohmann::json::parse(kusto::to_json(query), nullptr, false))) return {};
  UseFinder f{table, {}};
  for (std::size_t i = 0; i < query.statements.size(); ++i) {
    f.statement = i;
    const auto& st = query.statements[i];
    if (auto* let = st.as<K::Let>()) {
      if (auto* e = std::get_if<K::ExprPtr>(&let->value)) f.expr(e->get());
      else if (auto* t = std::get_if<K::TabularPtr>(&let->value)) f.tab(t->get());
      // function bodies are not walked: a use there is found by name only (nothing pushed)
    } else if (auto* ts = st.as<K::TabularStatement>()) {
      f.tab(ts->query.get());
    }
  }
  if (f.opaque || f.uses.empty()) return {};
  // every mention of the name must be a use found above
  if (count_strings(query, table) != f.uses.size()) return {};
  std::vector<std::string> out;
  for (auto& u : f.uses) {
    if (u.predicates.empty()) return {};
    std::string text;
    for (std::size_t i = 0; i < u.statement; ++i) {
      const auto& st = query.statements[i];
      if (st.as<K::Let>() || st.as<K::DeclareQueryParameters>()) text += slice(query.text, st.range) + ";\n";
    }
    text += kPushdownTable;
    for (auto* p : u.predicates) text += "\n| where (" + slice(query.text, p->range) + ")";
    out.push_back(std::move(text));
  }
  return out;
}

struct RowFilter::Impl {
  Engine engine;  // functions only: no tables, no workspace functions
  ExecContext ctx;
  std::shared_ptr<ParamSlot> slot = std::make_shared<ParamSlot>();
  Schema schema;
  std::vector<std::string> columns;
  std::vector<std::unique_ptr<kusto::Query>> queries;  // the plans point into them
  std::vector<PlanPtr> plans;
  std::vector<std::uint8_t> hit;
  bool disabled = false;
  std::vector<std::size_t> input;  // position of each of `columns` in the batches select() sees
};

RowFilter::RowFilter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RowFilter::~RowFilter() = default;
const std::vector<std::string>& RowFilter::columns() const { return impl_->columns; }

std::unique_ptr<RowFilter> RowFilter::make(const std::vector<std::string>& use_queries, const Schema& schema,
                                           std::int64_t now_ticks) {
  if (use_queries.empty()) return nullptr;
  auto impl = std::make_unique<Impl>();
  impl->ctx.eval.now_ticks = now_ticks;
  std::set<std::string> named;
  for (auto& text : use_queries) {
    kusto::ParseOptions po;
    auto q = kusto::parse_query(text, po);
    if (!q || reads_unnamed_columns(q.value())) return nullptr;
    auto strings = query_strings(q.value());
    for (auto& s : strings) {
      if (s == "rand" || s == "new_guid" || s == "row_number" || s == "prev" || s == "next") return nullptr;  // not row-local
      named.insert(s);
    }
    impl->queries.push_back(std::make_unique<kusto::Query>(std::move(q.value())));
  }
  impl->schema.table = kPushdownTable;
  for (auto& f : schema.fields)
    if (named.count(f.name)) {
      impl->schema.fields.push_back(f);
      impl->columns.push_back(f.name);
    }
  if (impl->columns.empty()) return nullptr;
  for (std::size_t i = 0; i < impl->columns.size(); ++i) impl->input.push_back(i);
  const auto loc = kusto::QueryLocation::identity();
  try {
    for (auto& q : impl->queries) {
      Binder binder(impl->engine, impl->ctx);
      auto scope = std::make_shared<Scope>();
      auto rows = std::make_shared<Binding>();
      rows->kind = Binding::Kind::Plan;
      rows->plan = make_param(impl->slot, impl->schema);
      scope->names[kPushdownTable] = rows;
      Src src{&q->text, &loc};
      impl->plans.push_back(binder.bind_query(*q, src, scope));
    }
  } catch (...) {
    return nullptr;  // does not bind on its own: nothing is pushed down
  }
  return std::unique_ptr<RowFilter>(new RowFilter(std::move(impl)));
}

void RowFilter::set_input(const Schema& input) {
  impl_->input.clear();
  impl_->disabled = false;
  for (auto& c : impl_->columns) {
    const int i = input.index_of(c);
    if (i < 0) impl_->disabled = true;  // cannot judge these batches: keep every row
    impl_->input.push_back(static_cast<std::size_t>(std::max(0, i)));
  }
}

void RowFilter::select(const Batch& batch, std::vector<std::uint8_t>& keep) {
  Impl& m = *impl_;
  const std::size_t n = batch.rows();
  if (m.disabled) return;
  for (std::size_t k : m.input)
    if (k >= batch.columns.size()) return;
  // the rows, numbered by position so that the survivors name themselves
  Batch b;
  for (std::size_t k : m.input) b.columns.push_back(batch.columns[k]);
  b.sources.resize(n);
  for (std::size_t i = 0; i < n; ++i) b.sources[i] = RowSource{0, static_cast<std::uint32_t>(i)};
  Table t{m.schema, {}, {}};
  t.batches.push_back(std::move(b));
  m.slot->table = &t;
  m.hit.assign(n, 0);
  try {
    for (auto& p : m.plans) {
      Table out = p->execute(m.ctx);
      for (auto& ob : out.batches)
        for (auto& s : ob.sources)
          if (s.line < n) m.hit[s.line] = 1;
    }
  } catch (...) {
    m.hit.assign(n, 1);  // an error is the query's to report: keep the rows
  }
  m.slot->table = nullptr;
  for (std::size_t i = 0; i < n && i < keep.size(); ++i)
    if (!m.hit[i]) keep[i] = 0;
}

namespace {

// What a use query's predicates need of a record's bytes.
class PrefilterOf {
 public:
  PrefilterOf(const kusto::Query& q, const Schema& schema) : schema_(schema) {
    for (const auto& st : q.statements)
      if (auto* l = st.as<kusto::Let>()) {
        lets_.insert(l->name);
        if (auto* e = std::get_if<kusto::ExprPtr>(&l->value); e && *e)
          if (auto* lit = (*e)->as<kusto::Literal>(); lit && lit->type == Type::String)
            if (auto* v = std::get_if<std::string>(&lit->value)) strings_[l->name] = *v;
      }
  }

  RawPrefilter of(const kusto::Expr& e, int depth = 0) const {
    using B = kusto::BinaryOp;
    if (depth > 100) return {};
    if (auto* b = e.as<kusto::Binary>()) {
      if (!b->lhs || !b->rhs) return {};
      switch (b->op) {
        case B::And: return RawPrefilter::and_(of(*b->lhs, depth + 1), of(*b->rhs, depth + 1));
        case B::Or: return RawPrefilter::or_(of(*b->lhs, depth + 1), of(*b->rhs, depth + 1));
        case B::Eq:
        case B::EqCi: {
          const bool ci = b->op == B::EqCi;
          if (string_column(*b->lhs)) return literal(*b->rhs, ci);
          if (string_column(*b->rhs)) return literal(*b->lhs, ci);
          return {};
        }
        case B::HasCs:
        case B::HasPrefixCs:
        case B::HasSuffixCs:
        case B::ContainsCs:
        case B::StartsWithCs:
        case B::EndsWithCs: return string_column(*b->lhs) ? literal(*b->rhs, false) : RawPrefilter{};
        case B::Has:
        case B::HasPrefix:
        case B::HasSuffix:
        case B::Contains:
        case B::StartsWith:
        case B::EndsWith: return string_column(*b->lhs) ? literal(*b->rhs, true) : RawPrefilter{};
        default: return {};
      }
    }
    if (auto* in = e.as<kusto::InExpr>()) {
      if (in->subquery || !in->lhs || !string_column(*in->lhs) || in->items.empty()) return {};
      using I = kusto::InOp;
      const bool ci = in->op == I::InCi || in->op == I::HasAny || in->op == I::HasAll;
      if (in->op == I::HasAll) {
        RawPrefilter all;
        for (const auto& it : in->items) all = RawPrefilter::and_(std::move(all), it ? literal(*it, true) : RawPrefilter{});
        return all;
      }
      if (in->op != I::In && in->op != I::InCi && in->op != I::HasAny) return {};
      std::vector<std::string> literals;
      for (const auto& it : in->items) {
        auto v = it ? string_value(*it) : std::nullopt;
        if (!v) return {};
        literals.push_back(std::move(*v));
      }
      return RawPrefilter::any_of(literals, ci);
    }
    return {};
  }

 private:
  bool string_column(const kusto::Expr& e) const {
    auto* n = e.as<kusto::Name>();
    if (!n || lets_.count(n->name)) return false;
    const int i = schema_.index_of(n->name);
    return i >= 0 && schema_.fields[static_cast<std::size_t>(i)].type == Type::String;
  }
  // A string literal, or a let bound to one.
  std::optional<std::string> string_value(const kusto::Expr& e) const {
    if (auto* lit = e.as<kusto::Literal>(); lit && lit->type == Type::String)
      if (auto* v = std::get_if<std::string>(&lit->value)) return *v;
    if (auto* n = e.as<kusto::Name>()) {
      auto it = strings_.find(n->name);
      if (it != strings_.end()) return it->second;
    }
    return std::nullopt;
  }
  RawPrefilter literal(const kusto::Expr& e, bool caseless) const {
    auto v = string_value(e);
    return v ? RawPrefilter::literal(std::move(*v), caseless) : RawPrefilter{};
  }

  const Schema& schema_;
  std::set<std::string> lets_;
  std::map<std::string, std::string> strings_;
};

}  // namespace

RawPrefilter RowFilter::raw_prefilter() const {
  RawPrefilter out = RawPrefilter::never();
  for (const auto& q : impl_->queries) {
    const kusto::TabularExpr* t = q->result();
    if (!t) return {};
    auto* src = t->source.as<kusto::TableRef>();
    if (!src || src->name != kPushdownTable) return {};
    PrefilterOf pf(*q, impl_->schema);
    RawPrefilter use;
    for (const auto& op : t->operators) {
      auto* w = op.as<kusto::Where>();
      if (!w || !w->predicate) return {};  // only a use's leading predicates are pushed
      use = RawPrefilter::and_(std::move(use), pf.of(*w->predicate));
    }
    out = RawPrefilter::or_(out, use);
    if (out.empty()) return out;
  }
  return out;
}

}  // namespace rulelab::engine
