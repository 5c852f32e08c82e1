#include "engine/expr.hpp"

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

}  // namespace

Vec evaluate(const Expr& e, const Batch& b, const EvalContext& ctx) {
  const std::size_t n = b.rows();
  if (e.kind != ExprKind::Const && e.kind != ExprKind::Column) ctx.deadline.check();
  switch (e.kind) {
    case ExprKind::Const: return const_vec(e.constant);
    case ExprKind::Column: {
      Vec r;
      r.col = &b.columns[static_cast<std::size_t>(e.column)];
      return r;
    }
    case ExprKind::Not: {
      Vec a = evaluate(*e.args[0], b, ctx);
      Column out(Type::Bool);
      out.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        auto x = bool_at(a, i);
        if (!x) out.append_null(); else out.append_bool(!*x);
      }
      return owned_vec(std::move(out));
    }
    case ExprKind::And:
    case ExprKind::Or: {
      // Kusto's three-valued logic: false and null = false, true or null = true.
      const bool is_and = e.kind == ExprKind::And;
      std::vector<Vec> parts;
      parts.reserve(e.args.size());
      for (auto& a : e.args) parts.push_back(evaluate(*a, b, ctx));
      Column out(Type::Bool);
      out.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        bool any_null = false, decided = false;
        for (auto& p : parts) {
          auto x = bool_at(p, i);
          if (!x) { any_null = true; continue; }
          if (*x != is_and) { decided = true; break; }
        }
        if (decided) out.append_bool(!is_and);
        else if (any_null) out.append_null();
        else out.append_bool(is_and);
      }
      return owned_vec(std::move(out));
    }
    case ExprKind::Iff:
    case ExprKind::Case: {
      std::vector<Vec> parts;
      for (auto& a : e.args) parts.push_back(evaluate(*a, b, ctx));
      Column out(e.type);
      out.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        std::size_t k = 0;
        bool done = false;
        for (; k + 1 < parts.size(); k += 2) {
          auto c = bool_at(parts[k], i);
          if (c && *c) { append_value(out, convert_to(parts[k + 1].get(i), e.type)); done = true; break; }
        }
        if (!done) append_value(out, convert_to(parts.back().get(i), e.type));
      }
      return owned_vec(std::move(out));
    }
    case ExprKind::Coalesce: {
      std::vector<Vec> parts;
      for (auto& a : e.args) parts.push_back(evaluate(*a, b, ctx));
      Column out(e.type);
      out.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        bool done = false;
        for (auto& p : parts) {
          Value v = p.get(i);
          const bool empty = v.is_null() || (v.type == Type::String && v.s.empty());
          if (!empty) { append_value(out, convert_to(v, e.type)); done = true; break; }
        }
        if (!done) out.append_null();
      }
      return owned_vec(std::move(out));
    }
    case ExprKind::Call: {
      // string predicate over a string column and a constant: straight on the bytes
      if (e.fn->str_pred && e.args.size() == 2 && e.args[0]->type == Type::String && e.args[1]->kind == ExprKind::Const &&
          e.args[1]->type == Type::String) {
        Vec a = evaluate(*e.args[0], b, ctx);
        if (!a.is_const) {
          const std::string& needle = e.args[1]->constant.s;
          Column out(Type::Bool);
          out.reserve(n);
          for (std::size_t i = 0; i < n; ++i) out.append_bool(e.fn->str_pred(a.col->get_string(i), needle));
          return owned_vec(std::move(out));
        }
      }
      // member access with a constant key on a dynamic column: copy the member's bytes
      if (e.fn->name == ".member" && e.args.size() == 2 && e.args[1]->kind == ExprKind::Const) {
        Vec a = evaluate(*e.args[0], b, ctx);
        if (!a.is_const && a.col->type() == Type::Dynamic) {
          const std::string key = to_kusto_string(e.args[1]->constant);
          Column out(Type::Dynamic);
          out.reserve(n);
          for (std::size_t i = 0; i < n; ++i) {
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
        parts.push_back(evaluate(*a, b, ctx));
        all_const = all_const && parts.back().is_const;
      }
      std::vector<Value> vals(parts.size());
      CallArgs ca{vals.data(), vals.size(), e.state.get(), &ctx, &e.site};
      if (all_const && e.fn->deterministic) {
        for (std::size_t k = 0; k < parts.size(); ++k) vals[k] = parts[k].cval;
        return const_vec(convert_to(e.fn->impl(ca), e.type));
      }
      Column out(e.type);
      out.reserve(n);
      for (std::size_t k = 0; k < parts.size(); ++k)
        if (parts[k].is_const) vals[k] = parts[k].cval;
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t k = 0; k < parts.size(); ++k)
          if (!parts[k].is_const) vals[k] = get_value(*parts[k].col, i);
        Value r = e.fn->impl(ca);
        if (r.type == e.type || r.is_null()) append_value(out, r);
        else append_value(out, convert_to(r, e.type));
      }
      return owned_vec(std::move(out));
    }
  }
  return const_vec(Value::null_of(e.type));
}

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

SelectionVector evaluate_filter(const Expr& e, const Batch& b, const EvalContext& ctx) {
  Vec v = evaluate(e, b, ctx);
  SelectionVector sel;
  const std::size_t n = b.rows();
  for (std::size_t i = 0; i < n; ++i) {
    auto x = bool_at(v, i);
    if (x && *x) sel.push_back(static_cast<std::uint32_t>(i));
  }
  return sel;
}

Value evaluate_scalar(const Expr& e, const EvalContext& ctx) {
  Batch one;
  one.sources.push_back(RowSource{});
  Vec v = evaluate(e, one, ctx);
  return convert_to(v.get(0), e.type);
}

}  // namespace rulelab::engine
