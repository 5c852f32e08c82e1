// Binding of the evaluate plugins that compute a table from their whole input (op_plugins.cpp):
// ipv4_lookup, sequence_detect, basket. Each follows its page of the Kusto reference.
#include <set>

#include "engine/binder.hpp"
#include "engine/functions.hpp"
#include "engine/plugins.hpp"

namespace rulelab::engine {
namespace {

std::string unique_in(const Schema& s, const std::string& base) {
  if (s.index_of(base) < 0) return base;
  for (int k = 1;; ++k) {
    std::string n = base + std::to_string(k);
    if (s.index_of(n) < 0) return n;
  }
}

const std::string* bare_name(const K::Expr& e) {
  if (auto* n = e.as<K::Name>()) return &n->name;
  return nullptr;
}

}  // namespace

PlanPtr Binder::bind_plugin(PlanPtr in, const K::Evaluate& ev, std::uint32_t off, const Src& src, const ScopePtr& scope) {
  const std::string& plugin = ev.plugin.name;
  const auto& args = ev.plugin.args;
  const Schema& is = in->schema;
  RowCtx rc;
  rc.schema = &is;
  RowCtx none;
  Schema empty;
  none.schema = &empty;
  auto const_arg = [&](const K::Arg& a) { return eval_const(bind_expr(*a.value, none, src, scope), a.value->range.begin, src); };

  if (plugin == "ipv4_lookup" || plugin == "ipv6_lookup") {
    // ipv4_lookup(LookupTable, SourceIPv4Key, IPv4LookupKey [, ExtraKey1 ...] [, return_unmatched]):
    // a lookup on "the source address is in the lookup row's IPv4 range"; extra keys must be equal;
    // the output is the input's columns then the lookup table's others (as lookup-operator).
    // ipv6_lookup(LookupTable, SourceIPv6Key, IPv6LookupKey [, return_unmatched]): the same over
    // IPv6, without extra keys; its page's output has the lookup table's columns first.
    Ipv4LookupSpec spec;
    spec.v6 = spec.lookup_first = plugin == "ipv6_lookup";
    std::vector<const K::Arg*> pos;
    for (auto& a : args) {
      if (a.name && *a.name == "return_unmatched") {
        const Value v = const_arg(a);
        if (v.type != Type::Bool) fail(src, a.value->range.begin, plugin + ": return_unmatched must be a bool");
        spec.return_unmatched = v.truthy();
      } else if (a.name) fail(src, a.value->range.begin, plugin + ": unknown argument " + *a.name);
      else pos.push_back(&a);
    }
    if (pos.size() >= 4 && !bare_name(*pos.back()->value)) {  // a trailing bool: return_unmatched
      const Value v = const_arg(*pos.back());
      if (v.type != Type::Bool) fail(src, pos.back()->value->range.begin, plugin + ": the last argument must be a column or return_unmatched (bool)");
      spec.return_unmatched = v.truthy();
      pos.pop_back();
    }
    if (spec.v6 && pos.size() > 3) fail(src, pos[3]->value->range.begin, "ipv6_lookup() takes no extra keys");
    if (pos.size() < 3) fail(src, ev.plugin_range.begin, plugin + "() expects a lookup table, the input's address column and the lookup table's range column");
    PlanPtr right = bind_tabular_expr_value(*pos[0]->value, src, scope);
    const Schema& rs = right->schema;
    spec.left_ip = bind_expr(*pos[1]->value, rc, src, scope);
    const std::string* key = bare_name(*pos[2]->value);
    if (!key) fail(src, pos[2]->value->range.begin, plugin + ": the lookup key must be a column of the lookup table");
    spec.right_key = rs.index_of(*key);
    if (spec.right_key < 0) fail_unresolved(src, pos[2]->value->range.begin, plugin + ": the lookup table has no column '" + *key + "'");
    std::set<int> right_keys;
    for (std::size_t k = 3; k < pos.size(); ++k) {
      const std::string* n = bare_name(*pos[k]->value);
      if (!n) fail(src, pos[k]->value->range.begin, plugin + ": an extra key must be a column name");
      const int l = is.index_of(*n), r = rs.index_of(*n);
      if (l < 0) fail_unresolved(src, pos[k]->value->range.begin, plugin + ": the input has no column '" + *n + "'");
      if (r < 0) fail_unresolved(src, pos[k]->value->range.begin, plugin + ": the lookup table has no column '" + *n + "'");
      spec.extra.emplace_back(l, r);
      right_keys.insert(r);
    }
    Schema out = is;
    out.table.clear();
    Schema looked;
    for (std::size_t i = 0; i < rs.fields.size(); ++i) {
      if (right_keys.count(static_cast<int>(i))) continue;
      spec.right_out.push_back(static_cast<int>(i));
      if (spec.lookup_first) looked.fields.push_back(rs.fields[i]);
      else out.fields.push_back({unique_in(out, rs.fields[i].name), rs.fields[i].type});
    }
    if (spec.lookup_first)
      for (auto& f : is.fields) looked.fields.push_back({unique_in(looked, f.name), f.type});
    const bool lookup_first = spec.lookup_first;
    return at_site(make_ipv4_lookup(std::move(in), std::move(right), std::move(spec), lookup_first ? std::move(looked) : std::move(out)), src, off, plugin);
  }

  if (plugin == "sequence_detect") {
    // sequence_detect(TimelineColumn, MaxSequenceStepWindow, MaxSequenceSpan, Expr1, Expr2, ..., Dim1, ...):
    // the predicates are the bool arguments after the spans; the dimensions the rest.
    if (args.size() < 4) fail(src, ev.plugin_range.begin, "sequence_detect() expects a timeline column, two timespans and at least one predicate");
    SequenceDetectSpec spec;
    spec.time = bind_expr(*args[0].value, rc, src, scope);
    if (spec.time->type != Type::DateTime) fail(src, args[0].value->range.begin, "sequence_detect: the timeline column must be a datetime");
    std::string tname = derive_name(*args[0].value, &is);
    for (int k = 1; k <= 2; ++k) {
      const Value v = const_arg(args[static_cast<std::size_t>(k)]);
      if (v.type != Type::TimeSpan || v.is_null())
        fail(src, args[static_cast<std::size_t>(k)].value->range.begin, std::string("sequence_detect: ") + (k == 1 ? "MaxSequenceStepWindow" : "MaxSequenceSpan") + " must be a timespan");
      (k == 1 ? spec.max_step : spec.max_span) = v.i;
    }
    Schema out;
    std::vector<std::string> step_names;
    std::size_t k = 3;
    for (; k < args.size(); ++k) {
      ExprPtr e = bind_expr(*args[k].value, rc, src, scope);
      if (e->type != Type::Bool) break;
      if (spec.predicates.size() == 64) fail(src, args[k].value->range.begin, "sequence_detect: at most 64 steps");
      std::string n = args[k].name ? *args[k].name : derive_name(*args[k].value, &is);
      if (n.empty()) n = "Expr" + std::to_string(spec.predicates.size() + 1);
      step_names.push_back(n);
      spec.predicates.push_back(std::move(e));
    }
    if (spec.predicates.empty()) fail(src, args[3].value->range.begin, "sequence_detect: a step predicate (a bool expression) is expected");
    for (; k < args.size(); ++k) {
      ExprPtr e = bind_expr(*args[k].value, rc, src, scope);
      if (e->type == Type::Bool && args[k].name)
        fail(src, args[k].value->range.begin, "sequence_detect: the step predicates come before the dimensions");
      std::string n = args[k].name ? *args[k].name : derive_name(*args[k].value, &is);
      if (n.empty()) n = "Column" + std::to_string(spec.dims.size() + 1);
      out.fields.push_back({unique_in(out, n), e->type});
      spec.dims.push_back(std::move(e));
    }
    for (auto& n : step_names) out.fields.push_back({unique_in(out, n + "_" + tname), Type::DateTime});
    out.fields.push_back({unique_in(out, "Duration"), Type::TimeSpan});
    return at_site(make_sequence_detect(std::move(in), std::move(spec), std::move(out)), src, off, "sequence_detect");
  }

  if (plugin == "basket") {
    // basket([Threshold, WeightColumn, MaxDimensions, CustomWildcard, ...]); '~' keeps a default.
    BasketSpec spec;
    auto is_default = [&](const Value& v) { return v.type == Type::String && v.s == "~"; };
    if (args.size() > 0) {
      const Value v = const_arg(args[0]);
      if (!is_default(v)) {
        bool ok = false;
        const double t = v.is_null() ? 0 : number_of(v, ok);
        if (!ok || !(t > 0) || t > 1) fail(src, args[0].value->range.begin, "basket: Threshold must be a number in (0, 1]");
        spec.threshold = t;
      }
    }
    if (args.size() > 1) {
      std::string w;
      if (const std::string* n = bare_name(*args[1].value); n && is.index_of(*n) >= 0) w = *n;
      else {
        const Value v = const_arg(args[1]);
        if (!is_default(v)) w = to_kusto_string(v);
      }
      if (!w.empty()) {
        spec.weight_column = is.index_of(w);
        if (spec.weight_column < 0) fail_unresolved(src, args[1].value->range.begin, "basket: no weight column '" + w + "'");
        if (!is_numeric(is.fields[static_cast<std::size_t>(spec.weight_column)].type))
          fail(src, args[1].value->range.begin, "basket: the weight column must be numeric");
      }
    }
    if (args.size() > 2) {
      const Value v = const_arg(args[2]);
      if (!is_default(v)) {
        bool ok = false;
        const double d = v.is_null() ? 0 : number_of(v, ok);
        if (!ok || d < 1) fail(src, args[2].value->range.begin, "basket: MaxDimensions must be a positive number");
        spec.max_dimensions = static_cast<int>(std::min(d, 64.0));
      }
    }
    // CustomWildcard: one value per type (the type of the value given); defaults: "" for strings,
    // null for the others.
    std::map<Type, Value> wild;
    for (std::size_t k = 3; k < args.size(); ++k) {
      const Value v = const_arg(args[k]);
      if (is_default(v)) continue;
      wild[v.type] = v;
    }
    Schema out;
    out.fields = {{"SegmentId", Type::Long}, {"Count", Type::Long}, {"Percent", Type::Real}};
    for (std::size_t i = 0; i < is.fields.size(); ++i) {
      if (static_cast<int>(i) == spec.weight_column) continue;
      const Type t = is.fields[i].type;
      spec.columns.push_back(i);
      auto w = wild.find(t);
      spec.wildcards.push_back(w != wild.end() ? w->second : t == Type::String ? Value::of_string("") : Value::null_of(t));
      out.fields.push_back({unique_in(out, is.fields[i].name), t});
    }
    return at_site(make_basket(std::move(in), std::move(spec), std::move(out)), src, off, "basket");
  }
  if (plugin == "narrow") {
    // narrow-plugin: Row, Column, Value (as string).
    if (!args.empty()) fail(src, ev.plugin_range.begin, "narrow() takes no arguments");
    Schema out;
    out.fields = {{"Row", Type::Long}, {"Column", Type::String}, {"Value", Type::String}};
    return at_site(make_narrow(std::move(in), std::move(out)), src, off, "narrow");
  }

  if (plugin == "rows_near") {
    // rows-near-plugin: rows_near(Condition, NumRows [, RowsAfter]).
    if (args.size() < 2 || args.size() > 3) fail(src, ev.plugin_range.begin, "rows_near() expects a condition, a number of rows and optionally the rows after");
    ExprPtr cond = bind_expr(*args[0].value, rc, src, scope);
    if (cond->type != Type::Bool && cond->type != Type::Dynamic) fail(src, args[0].value->range.begin, "rows_near: the condition must be bool");
    auto count = [&](const K::Arg& a) {
      const Value v = const_arg(a);
      bool ok = false;
      const double d = v.is_null() ? -1 : number_of(v, ok);
      if (!ok || d < 0) fail(src, a.value->range.begin, "rows_near: a number of rows (0 or more) is expected");
      return static_cast<std::int64_t>(d);
    };
    const std::int64_t before = count(args[1]);
    const std::int64_t after = args.size() == 3 ? count(args[2]) : before;
    return make_rows_near(std::move(in), std::move(cond), before, after);
  }
  return bind_analytics_plugin(std::move(in), ev, off, src, scope);
}

}  // namespace rulelab::engine
