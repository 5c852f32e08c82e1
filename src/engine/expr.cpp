// The batch evaluator. Every evaluation computes a set of rows (Rows): all rows of the batch, or
// the rows an enclosing and/or/iff/case/coalesce left live, so later conjuncts and untaken
// branches are not computed. Calls run their vector kernel when the binder chose one
// (kernels.cpp), otherwise their per-row implementation over boxed values.
#include "engine/expr.hpp"

#include <algorithm>
#include <iterator>

namespace rulelab::engine {

ExprPtr make_const(Value v) {
  auto e = std::make_shared<Expr>();
  e->kind = ExprKind::Const;
  e->type = v.type;
  e->constant = std::move(v);
  return e;
}

ExprPtr make_column(int index, Type t) {
  auto e = std::make_shared<Expr>();
  e->kind = ExprKind::Column;
  e->column = index;
  e->type = t;
  return e;
}

void attach_kernel(Expr& call) {
  call.kernel = {};
  if (call.kind != ExprKind::Call || !call.fn || !call.fn->kernel) return;
  // kernels write fixed-width results in place
  if (call.type == Type::String || call.type == Type::Dynamic || call.type == Type::Guid || call.type == Type::Decimal) return;
  std::vector<Type> types;
  std::vector<const Value*> consts;
  for (auto& a : call.args) {
    types.push_back(a->type);
    consts.push_back(a->kind == ExprKind::Const ? &a->constant : nullptr);
  }
  call.kernel = call.fn->kernel(types, consts);
}

namespace {

Vec const_vec(Value v) {
  Vec r;
  r.is_const = true;
  r.cval = std::move(v);
  return r;
}

Vec owned_vec(Column c) {
  Vec r;
  r.owned = std::make_shared<Column>(std::move(c));
  r.col = r.owned.get();
  return r;
}

// null -> nullopt, else truthiness.
std::optional<bool> bool_at(const Vec& v, std::size_t i) {
  if (v.is_const) {
    if (v.cval.is_null()) return std::nullopt;
    return v.cval.truthy() || (v.cval.type == Type::Dynamic && v.cval.dyn().as_bool());
  }
  if (v.col->is_null(i)) return std::nullopt;
  if (v.col->type() == Type::Bool) return v.col->get_bool(i);
  Value x = convert_to(get_value(*v.col, i), Type::Bool);
  if (x.is_null()) return std::nullopt;
  return x.i != 0;
}

// Rows of `rows` not in `taken` (both ascending).
SelectionVector minus(const Rows& rows, const SelectionVector& taken) {
  SelectionVector r;
  r.reserve(rows.count - std::min(rows.count, taken.size()));
  std::size_t t = 0;
  for_each_row(rows, [&](std::size_t i) {
    while (t < taken.size() && taken[t] < i) ++t;
    if (t < taken.size() && taken[t] == i) return;
    r.push_back(static_cast<std::uint32_t>(i));
  });
  return r;
}

SelectionVector to_selection(const Rows& rows) {
  SelectionVector r(rows.count);
  std::size_t k = 0;
  for_each_row(rows, [&](std::size_t i) { r[k++] = static_cast<std::uint32_t>(i); });
  return r;
}

// A column of b.rows() values of type t: row i is value_of(i) for the rows of `rows`, null elsewhere.
template <class F>
Column build_rows(Type t, std::size_t n, const Rows& rows, F&& value_of) {
  Column out(t);
  out.reserve(n);
  std::size_t k = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const bool live = rows.sel ? (k < rows.count && rows.sel[k] == i) : i < rows.count;
    if (!live) { out.append_null(); continue; }
    ++k;
    append_value(out, value_of(i));
  }
  return out;
}

// and / or with Kusto's three-valued logic (false and null = false, true or null = true): each
// child sees only the rows not yet decided.
Vec eval_and_or(const Expr& e, const Batch& b, const EvalContext& ctx, const Rows& rows) {
  const bool is_and = e.kind == ExprKind::And;
  const std::size_t n = b.rows();
  Column out = Column::filled(Type::Bool, n);
  std::uint64_t* o = out.words();
  std::vector<std::uint8_t> saw_null(n, 0);
  SelectionVector live = to_selection(rows), next;
  for (auto& a : e.args) {
    if (live.empty()) break;
    Vec v = evaluate(*a, b, ctx, Rows::of(live));
    next.clear();
    for (std::uint32_t i : live) {
      auto x = bool_at(v, i);
      if (x && *x != is_and) { o[i] = is_and ? 0 : 1; continue; }  // decided
      if (!x) saw_null[i] = 1;
      next.push_back(i);
    }
    live.swap(next);
  }
  for (std::uint32_t i : live) {
    if (saw_null[i]) out.set_null(i);
    else o[i] = is_and ? 1 : 0;
  }
  return owned_vec(std::move(out));
}

// iff / case: conditions in order on the rows no earlier condition took; each value only on the
// rows that take it.
Vec eval_case(const Expr& e, const Batch& b, const EvalContext& ctx, const Rows& rows) {
  const std::size_t n = b.rows();
  const std::size_t branches = e.args.size() / 2;  // (cond, value) pairs; the last argument is the else value
  std::vector<std::uint16_t> pick(n, 0);
  std::vector<Vec> vals(e.args.size());
  std::vector<bool> evaluated(e.args.size(), false);
  SelectionVector live = to_selection(rows), next, taken;
  for (std::size_t k = 0; k < branches && !live.empty(); ++k) {
    Vec c = evaluate(*e.args[2 * k], b, ctx, Rows::of(live));
    next.clear();
    taken.clear();
    for (std::uint32_t i : live) {
      auto x = bool_at(c, i);
      if (x && *x) { taken.push_back(i); pick[i] = static_cast<std::uint16_t>(2 * k + 1); }
      else next.push_back(i);
    }
    if (!taken.empty()) { vals[2 * k + 1] = evaluate(*e.args[2 * k + 1], b, ctx, Rows::of(taken)); evaluated[2 * k + 1] = true; }
    live.swap(next);
  }
  const std::size_t last = e.args.size() - 1;
  for (std::uint32_t i : live) pick[i] = static_cast<std::uint16_t>(last);
  // (an even argument count has no else: the last value serves both its condition and the rest)
  if (!live.empty()) vals[last] = evaluate(*e.args[last], b, ctx, evaluated[last] ? rows : Rows::of(live));
  return owned_vec(build_rows(e.type, n, rows, [&](std::size_t i) { return convert_to(vals[pick[i]].get(i), e.type); }));
}

// coalesce: each argument only on the rows still null (or empty strings).
Vec eval_coalesce(const Expr& e, const Batch& b, const EvalContext& ctx, const Rows& rows) {
  const std::size_t n = b.rows();
  std::vector<std::int32_t> pick(n, -1);
  std::vector<Vec> vals(e.args.size());
  SelectionVector live = to_selection(rows), next;
  for (std::size_t k = 0; k < e.args.size() && !live.empty(); ++k) {
    vals[k] = evaluate(*e.args[k], b, ctx, Rows::of(live));
    next.clear();
    for (std::uint32_t i : live) {
      Value v = vals[k].get(i);
      const bool empty = v.is_null() || (v.type == Type::String && v.s.empty());
      if (empty) next.push_back(i);
      else pick[i] = static_cast<std::int32_t>(k);
    }
    live.swap(next);
  }
  return owned_vec(build_rows(e.type, n, rows, [&](std::size_t i) {
    return pick[i] < 0 ? Value::null_of(e.type) : convert_to(vals[static_cast<std::size_t>(pick[i])].get(i), e.type);
  }));
}

Vec eval_call(const Expr& e, const Batch& b, const EvalContext& ctx, const Rows& rows) {
  const std::size_t n = b.rows();
  // member access with a constant key on a dynamic column: copy the member's bytes
  if (e.fn->name == ".member" && e.args.size() == 2 && e.args[1]->kind == ExprKind::Const) {
    Vec a = evaluate(*e.args[0], b, ctx, rows);
    if (!a.is_const && a.col->type() == Type::Dynamic) {
      const std::string key = to_kusto_string(e.args[1]->constant);
      Column out(Type::Dynamic);
      out.reserve(n);
      std::size_t k = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const bool live = rows.sel ? (k < rows.count && rows.sel[k] == i) : i < rows.count;
        if (!live) { out.append_null(); continue; }
        ++k;
        DynRef d = a.col->get_dynamic(i);
        DynRef m = d.is_object() ? d.get(key) : DynRef();
        if (m.valid()) out.append_dynamic(m);
        else out.append_null();
      }
      return owned_vec(std::move(out));
    }
  }
  std::vector<Vec> parts;
  parts.reserve(e.args.size());
  bool all_const = true;
  for (auto& a : e.args) {
    parts.push_back(evaluate(*a, b, ctx, rows));
    all_const = all_const && parts.back().is_const;
  }
  std::vector<Value> vals(parts.size());
  CallArgs ca{vals.data(), vals.size(), e.state.get(), &ctx, &e.site};
  if (all_const && e.fn->deterministic) {
    for (std::size_t k = 0; k < parts.size(); ++k) vals[k] = parts[k].cval;
    return const_vec(convert_to(e.fn->impl(ca), e.type));
  }
  if (e.kernel.fn && ctx.kernels) {
    Column out = Column::filled(e.type, n);
    if (e.kernel.fn(parts.data(), rows, e.kernel.state.get(), out)) return owned_vec(std::move(out));
  }
  for (std::size_t k = 0; k < parts.size(); ++k)
    if (parts[k].is_const) vals[k] = parts[k].cval;
  return owned_vec(build_rows(e.type, n, rows, [&](std::size_t i) {
    for (std::size_t k = 0; k < parts.size(); ++k)
      if (!parts[k].is_const) vals[k] = get_value(*parts[k].col, i);
    Value r = e.fn->impl(ca);
    if (r.type == e.type || r.is_null()) return r;
    return convert_to(r, e.type);
  }));
}

}  // namespace

Vec evaluate(const Expr& e, const Batch& b, const EvalContext& ctx, const Rows& rows) {
  if (e.kind != ExprKind::Const && e.kind != ExprKind::Column) ctx.deadline.check();
  switch (e.kind) {
    case ExprKind::Const: return const_vec(e.constant);
    case ExprKind::Column: {
      Vec r;
      r.col = &b.columns[static_cast<std::size_t>(e.column)];
      return r;
    }
    case ExprKind::Not: {
      Vec a = evaluate(*e.args[0], b, ctx, rows);
      Column out = Column::filled(Type::Bool, b.rows());
      std::uint64_t* o = out.words();
      for_each_row(rows, [&](std::size_t i) {
        auto x = bool_at(a, i);
        if (!x) out.set_null(i);
        else o[i] = *x ? 0 : 1;
      });
      return owned_vec(std::move(out));
    }
    case ExprKind::And:
    case ExprKind::Or: return eval_and_or(e, b, ctx, rows);
    case ExprKind::Iff:
    case ExprKind::Case: return eval_case(e, b, ctx, rows);
    case ExprKind::Coalesce: return eval_coalesce(e, b, ctx, rows);
    case ExprKind::Call: return eval_call(e, b, ctx, rows);
  }
  return const_vec(Value::null_of(e.type));
}

Vec evaluate(const Expr& e, const Batch& b, const EvalContext& ctx) { return evaluate(e, b, ctx, Rows::all(b.rows())); }

Column evaluate_column(const Expr& e, const Batch& b, const EvalContext& ctx) {
  Vec v = evaluate(e, b, ctx);
  if (v.owned && v.owned->type() == e.type && v.owned.use_count() == 1) return std::move(*v.owned);
  Column out(e.type);
  const std::size_t n = b.rows();
  out.reserve(n);
  if (v.is_const) {
    Value c = convert_to(v.cval, e.type);
    for (std::size_t i = 0; i < n; ++i) append_value(out, c);
  } else if (v.col->type() == e.type) {
    for (std::size_t i = 0; i < n; ++i) out.append_from(*v.col, i);
  } else {
    for (std::size_t i = 0; i < n; ++i) append_value(out, convert_to(get_value(*v.col, i), e.type));
  }
  return out;
}

SelectionVector evaluate_filter(const Expr& e, const Batch& b, const EvalContext& ctx, const Rows& rows) {
  SelectionVector sel;
  if (rows.count == 0) return sel;
  switch (e.kind) {
    case ExprKind::And: {
      // each conjunct sees only the rows the earlier ones kept (null counts as false here)
      sel = evaluate_filter(*e.args[0], b, ctx, rows);
      for (std::size_t k = 1; k < e.args.size() && !sel.empty(); ++k) sel = evaluate_filter(*e.args[k], b, ctx, Rows::of(sel));
      return sel;
    }
    case ExprKind::Or: {
      // each disjunct sees only the rows no earlier one made true
      SelectionVector rest, hit, merged;
      Rows todo = rows;
      for (std::size_t k = 0; k < e.args.size() && todo.count > 0; ++k) {
        hit = evaluate_filter(*e.args[k], b, ctx, todo);
        if (hit.empty()) continue;
        merged.clear();
        std::merge(sel.begin(), sel.end(), hit.begin(), hit.end(), std::back_inserter(merged));
        sel.swap(merged);
        rest = minus(todo, hit);
        todo = Rows::of(rest);
      }
      return sel;
    }
    default: break;
  }
  Vec v = evaluate(e, b, ctx, rows);
  sel.reserve(rows.count);
  if (!v.is_const && v.col->type() == Type::Bool) {
    const std::uint64_t* w = v.col->words();
    const std::uint64_t* valid = v.col->validity();
    for_each_row(rows, [&](std::size_t i) {
      if (w[i] != 0 && (!valid || (valid[i >> 6] >> (i & 63) & 1))) sel.push_back(static_cast<std::uint32_t>(i));
    });
    return sel;
  }
  for_each_row(rows, [&](std::size_t i) {
    auto x = bool_at(v, i);
    if (x && *x) sel.push_back(static_cast<std::uint32_t>(i));
  });
  return sel;
}

SelectionVector evaluate_filter(const Expr& e, const Batch& b, const EvalContext& ctx) {
  return evaluate_filter(e, b, ctx, Rows::all(b.rows()));
}

Value evaluate_scalar(const Expr& e, const EvalContext& ctx) {
  Batch one;
  one.sources.push_back(RowSource{});
  Vec v = evaluate(e, one, ctx);
  return convert_to(v.get(0), e.type);
}

}  // namespace rulelab::engine
