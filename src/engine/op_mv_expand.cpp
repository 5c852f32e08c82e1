// mv-expand and mv-apply (learn.microsoft.com/kusto/query/mv-expand-operator, mv-apply-operator).
// Arrays expand element by element, property bags into single-entry bags (kind=array: [key, value]);
// several expressions expand in parallel, shorter ones padded with null; a null value gives one
// row (null); an empty array or bag gives no row; `to typeof(T)` casts (non-conforming -> null).
#include "engine/plan.hpp"

namespace rulelab::engine {
namespace {

// The elements one value expands into.
void expand_value(const Value& v, bool bag_as_array, std::vector<Value>& out) {
  out.clear();
  if (v.type != Type::Dynamic) { out.push_back(v); return; }
  DynRef r = v.dyn();
  if (r.is_null()) { out.push_back(Value::null_of(Type::Dynamic)); return; }
  if (r.is_array()) { r.for_each_element([&](DynRef e) { out.push_back(Value::of_dynamic(e)); }); return; }
  if (r.is_object()) {
    r.for_each_member([&](std::string_view k, DynRef e) {
      std::string b;
      DynWriter w(b);
      if (bag_as_array) { w.begin_array(); w.string(k); w.raw(e); w.end(); }
      else { w.begin_object(); w.key(k); w.raw(e); w.end(); }
      out.push_back(Value::of_dynamic(std::move(b)));
    });
    return;
  }
  out.push_back(v);
}

// Casts an element as `to typeof(T)`: only values already of that kind convert, others are null.
Value cast_element(const Value& v, Type t) {
  if (t == Type::Dynamic || v.is_null()) return v.type == t ? v : (v.is_null() ? Value::null_of(t) : convert_to(v, t));
  if (v.type != Type::Dynamic) return convert_to(v, t);
  DynRef r = v.dyn();
  switch (t) {
    case Type::String: return r.is_string() ? Value::of_string(std::string(r.as_string())) : Value::of_string(to_kusto_string(v));
    case Type::Long: case Type::Int: case Type::Real: case Type::Decimal:
      return r.is_number() ? convert_to(v, t) : Value::null_of(t);
    case Type::Bool: return r.is_bool() ? Value::of_bool(r.as_bool()) : Value::null_of(t);
    default: return convert_to(v, t);
  }
}

struct Expander {
  std::vector<ExpandSpec> items;
  std::optional<std::int64_t> limit;
  // For row r of batch b (evaluated item vectors vs): the expanded element rows.
  std::size_t expand(const std::vector<Vec>& vs, std::size_t r, std::vector<std::vector<Value>>& cols) const {
    std::size_t n = 0;
    cols.resize(items.size());
    for (std::size_t k = 0; k < items.size(); ++k) {
      expand_value(vs[k].get(r), items[k].bag_as_array, cols[k]);
      n = std::max(n, cols[k].size());
    }
    if (limit && static_cast<std::int64_t>(n) > *limit) n = static_cast<std::size_t>(std::max<std::int64_t>(0, *limit));
    return n;
  }
};

class MvExpandNode : public PlanNode {
 public:
  MvExpandNode(PlanPtr c, std::vector<int> keep, std::vector<ExpandSpec> items, std::vector<int> expand_out, int index_out,
               std::optional<std::int64_t> limit, Schema out)
      : child_(std::move(c)), keep_(std::move(keep)), expand_out_(std::move(expand_out)), index_out_(index_out) {
    ex_.items = std::move(items);
    ex_.limit = limit;
    schema = std::move(out);
  }
  Table execute(ExecContext& ctx) const override {
    InputTable inp = run_input(*child_, ctx);
    const Table& in = inp.get();
    TableBuilder tb(schema);
    RowMeter meter(ctx, site);
    std::vector<std::vector<Value>> cols;
    for (auto& b : in.batches) {
      std::vector<Vec> vs;
      for (auto& it : ex_.items) vs.push_back(evaluate(*it.expr, b, ctx.eval));
      for (std::size_t r = 0; r < b.rows(); ++r) {
        const std::size_t n = ex_.expand(vs, r, cols);
        meter.add(n);
        for (std::size_t i = 0; i < n; ++i) {
          for (std::size_t c = 0; c < keep_.size(); ++c)
            if (keep_[c] >= 0) tb.column(c).append_from(b.columns[static_cast<std::size_t>(keep_[c])], r);
          for (std::size_t k = 0; k < ex_.items.size(); ++k) {
            Column& col = tb.column(static_cast<std::size_t>(expand_out_[k]));
            append_value(col, i < cols[k].size() ? cast_element(cols[k][i], col.type()) : Value::null_of(col.type()));
          }
          if (index_out_ >= 0) tb.column(static_cast<std::size_t>(index_out_)).append_long(static_cast<std::int64_t>(i));
          tb.end_row(b.sources[r]);
        }
      }
    }
    Table out = tb.finish();
    out.sources = in.sources;
    return out;
  }

 private:
  PlanPtr child_;
  std::vector<int> keep_;  // output column c < keep_.size() copies child column keep_[c] (-1: filled by expansion)
  Expander ex_;
  std::vector<int> expand_out_;
  int index_out_;
};

class MvApplyNode : public PlanNode {
 public:
  MvApplyNode(PlanPtr c, std::vector<int> keep, std::vector<ExpandSpec> items, Schema sub_input, int index_col,
              std::shared_ptr<ParamSlot> slot, PlanPtr sub, std::optional<std::int64_t> limit, Schema out)
      : child_(std::move(c)), keep_(std::move(keep)), sub_input_(std::move(sub_input)), index_col_(index_col),
        slot_(std::move(slot)), sub_(std::move(sub)) {
    ex_.items = std::move(items);
    ex_.limit = limit;
    schema = std::move(out);
  }
  Table execute(ExecContext& ctx) const override {
    InputTable inp = run_input(*child_, ctx);
    const Table& in = inp.get();
    if (row_local_) return execute_row_local(ctx, in);
    TableBuilder tb(schema);
    RowMeter expanded(ctx, site, "rows", 0), produced(ctx, site, "rows", 1);
    std::vector<std::vector<Value>> cols;
    for (auto& b : in.batches) apply_records(ctx, b, expanded, produced, cols, tb);
    Table out = tb.finish();
    out.sources = in.sources;
    return out;
  }

  bool row_local_ = false;
  // Row-local subqueries only: they read nothing but the parameter (no table, join or cache that
  // threads would share).
  const PlanNode* batch_local_child() const override { return row_local_ ? child_.get() : nullptr; }

 private:
  // The subquery's input rows of one record: its n expanded items (and their index), each row
  // tagged with `src`.
  void append_expanded(TableBuilder& sb, std::size_t n, const std::vector<std::vector<Value>>& cols, RowSource src) const {
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t k = 0; k < ex_.items.size(); ++k) {
        Column& col = sb.column(k);
        append_value(col, i < cols[k].size() ? cast_element(cols[k][i], col.type()) : Value::null_of(col.type()));
      }
      if (index_col_ >= 0) sb.column(static_cast<std::size_t>(index_col_)).append_long(static_cast<std::int64_t>(i));
      sb.end_row(src);
    }
  }

  // One output row: the kept columns of record r of b, then row i of the subquery's result rb.
  void append_output(TableBuilder& tb, const Batch& b, std::size_t r, const Batch& rb, std::size_t i) const {
    const std::size_t nkeep = keep_.size();
    for (std::size_t c = 0; c < nkeep; ++c) tb.column(c).append_from(b.columns[static_cast<std::size_t>(keep_[c])], r);
    for (std::size_t c = 0; c < rb.columns.size(); ++c) {
      Column& out = tb.column(nkeep + c);
      if (out.type() == rb.columns[c].type()) out.append_from(rb.columns[c], i);
      else append_value(out, convert_to(get_value(rb.columns[c], i), out.type()));
    }
    tb.end_row(b.sources[r]);
  }

  // A subquery made only of row-by-row operators (where, extend, project*, parse, mv-expand) gives
  // the same rows whether it runs per record or once over all records' expanded rows; it runs once
  // per input batch, each expanded row tagged (RowSource::line) with its record.
  Table execute_row_local(ExecContext& ctx, const Table& in) const {
    Table out{schema, in.sources, {}};
    RowMeter expanded(ctx, site, "rows", 0), produced(ctx, site, "rows", 1);
    for (auto& b : in.batches) apply_local(ctx, b, expanded, produced, nullptr, [&](Batch&& ob) { out.batches.push_back(std::move(ob)); });
    return out;
  }

 public:
  // Streamed: each input batch is expanded and run through the subquery as it comes (a row-local
  // subquery; otherwise record by record), so that a consumer that keeps few rows (a join's side
  // narrowed to the other side's keys, a summarize) never holds the whole output.
  std::vector<std::string> for_each_batch(ExecContext& ctx, const BatchFn& f, const KeyNarrowing* narrow) const override {
    RowMeter expanded(ctx, site, "rows", 0), produced(ctx, site, "rows", 1);
    std::vector<std::vector<Value>> cols;
    return child_->for_each_batch(ctx, [&](const Batch& b, Batch*) {
      if (row_local_) {
        apply_local(ctx, b, expanded, produced, narrow, [&](Batch&& ob) { f(ob, &ob); });
        return;
      }
      TableBuilder tb(schema);
      apply_records(ctx, b, expanded, produced, cols, tb);
      Table t = tb.finish();
      for (Batch& ob : t.batches) f(ob, &ob);
    }, nullptr);
  }

 private:
  void apply_records(ExecContext& ctx, const Batch& b, RowMeter& expanded, RowMeter& produced,
                     std::vector<std::vector<Value>>& cols, TableBuilder& tb) const {
    std::vector<Vec> vs;
    for (auto& it : ex_.items) vs.push_back(evaluate(*it.expr, b, ctx.eval));
    for (std::size_t r = 0; r < b.rows(); ++r) {
      const std::size_t n = ex_.expand(vs, r, cols);
      expanded.add(n);
      TableBuilder sb(sub_input_);
      append_expanded(sb, n, cols, b.sources[r]);
      Table sub_in = sb.finish();
      Table res;
      {
        ParamBinding bind(ctx, slot_.get(), &sub_in);
        res = sub_->execute(ctx);
      }
      for (auto& rb : res.batches) {
        produced.add(rb.rows());
        for (std::size_t i = 0; i < rb.rows(); ++i) append_output(tb, b, r, rb, i);
      }
    }
  }

  // The row-local subquery over all of batch b's expanded rows at once; each result batch becomes
  // one output batch: b's kept columns taken at the result rows' records, then the result's own
  // columns (moved, converted where the output type differs). With `narrow`, only the result rows
  // whose key is wanted are assembled (the row budget still counts every row produced).
  template <class Sink>
  void apply_local(ExecContext& ctx, const Batch& b, RowMeter& expanded, RowMeter& produced, const KeyNarrowing* narrow,
                   Sink&& sink) const {
    std::vector<std::vector<Value>> cols;
    std::vector<Vec> vs;
    for (auto& it : ex_.items) vs.push_back(evaluate(*it.expr, b, ctx.eval));
    TableBuilder sb(sub_input_);
    // One dynamic column expanded as dynamic values (mv-apply x = Arr on ...): an array's elements
    // go straight from the record's bytes to the subquery's column (expand_value's rows, without
    // a Value per element); a bag, which becomes single-entry bags, takes the general path.
    const Column* direct = ex_.items.size() == 1 && ex_.items[0].to_type == Type::Dynamic && !ex_.limit && !vs[0].is_const &&
                                   vs[0].col->type() == Type::Dynamic
                               ? vs[0].col
                               : nullptr;
    for (std::size_t r = 0; r < b.rows(); ++r) {
      const RowSource src{0, static_cast<std::uint32_t>(r)};
      if (direct) {
        const DynRef d = direct->is_null(r) ? DynRef() : direct->get_dynamic(r);  // (DynRef(): null)
        if (!d.is_object()) {
          std::size_t n = 0;
          auto row = [&](DynRef e) {
            sb.column(0).append_dynamic(e);
            if (index_col_ >= 0) sb.column(static_cast<std::size_t>(index_col_)).append_long(static_cast<std::int64_t>(n));
            sb.end_row(src);
            ++n;
          };
          if (d.is_null()) {  // expand_value: null gives one null row
            sb.column(0).append_null();
            if (index_col_ >= 0) sb.column(static_cast<std::size_t>(index_col_)).append_long(0);
            sb.end_row(src);
            n = 1;
          } else if (d.is_array()) {
            d.for_each_element(row);
          } else {
            row(d);
          }
          expanded.add(n);
          continue;
        }
      }
      const std::size_t n = ex_.expand(vs, r, cols);
      expanded.add(n);
      append_expanded(sb, n, cols, src);
    }
    Table sub_in = sb.finish();
    Table res;
    {
      ParamBinding bind(ctx, slot_.get(), &sub_in);
      res = sub_->execute(ctx);
    }
    const std::size_t nkeep = keep_.size();
    SelectionVector parents;
    for (auto& rb : res.batches) {
      if (rb.rows() == 0) continue;
      produced.add(rb.rows());
      if (narrow && !narrow_result(rb, b, *narrow)) continue;
      const std::size_t rows = rb.rows();
      parents.clear();
      for (std::size_t i = 0; i < rows; ++i) parents.push_back(rb.sources[i].line);
      Batch ob;
      ob.columns.reserve(schema.fields.size());
      for (std::size_t c = 0; c < nkeep; ++c) ob.columns.push_back(b.columns[static_cast<std::size_t>(keep_[c])].take(parents));
      for (std::size_t c = 0; c < rb.columns.size(); ++c) {
        const Type t = schema.fields[nkeep + c].type;
        if (rb.columns[c].type() == t) {
          ob.columns.push_back(std::move(rb.columns[c]));
          continue;
        }
        Column col(t);
        for (std::size_t i = 0; i < rows; ++i) append_value(col, convert_to(get_value(rb.columns[c], i), t));
        ob.columns.push_back(std::move(col));
      }
      ob.sources.reserve(rows);
      for (auto p : parents) ob.sources.push_back(b.sources[p]);
      sink(std::move(ob));
    }
  }

  // Narrows a result batch rb (rows of records of b) to the rows whose key is wanted; false when
  // none is left. A key column is a kept column (read at the row's record) or a result column of
  // the output's type.
  bool narrow_result(Batch& rb, const Batch& b, const KeyNarrowing& n) const {
    const std::size_t nkeep = keep_.size();
    std::vector<std::pair<const Column*, bool>> cols;  // column, read at the record
    for (int c : n.columns) {
      const auto k = static_cast<std::size_t>(c);
      if (k < nkeep) cols.emplace_back(&b.columns[static_cast<std::size_t>(keep_[k])], true);
      else if (rb.columns[k - nkeep].type() == schema.fields[k].type) cols.emplace_back(&rb.columns[k - nkeep], false);
      else return true;  // converted: not narrowed here
    }
    SelectionVector sel;
    std::string key;
    for (std::size_t i = 0; i < rb.rows(); ++i) {
      key.clear();
      bool has_null = false;
      for (auto& [col, at_record] : cols) {
        Value v = get_value(*col, at_record ? rb.sources[i].line : i);
        if (v.is_null()) { has_null = true; break; }
        append_key(key, v);
      }
      if (!has_null && n.keys->count(key)) sel.push_back(static_cast<std::uint32_t>(i));
    }
    if (sel.empty()) return false;
    if (sel.size() < rb.rows()) rb = select_rows(rb, sel);
    return true;
  }

  PlanPtr child_;
  std::vector<int> keep_;
  Expander ex_;
  Schema sub_input_;
  int index_col_;
  std::shared_ptr<ParamSlot> slot_;
  PlanPtr sub_;
};

}  // namespace

PlanPtr make_mv_expand(PlanPtr child, std::vector<int> keep, std::vector<ExpandSpec> items, std::vector<int> expand_out, int index_out,
                       std::optional<std::int64_t> limit, Schema out) {
  return std::make_shared<MvExpandNode>(std::move(child), std::move(keep), std::move(items), std::move(expand_out), index_out, limit,
                                        std::move(out));
}
PlanPtr make_mv_apply(PlanPtr child, std::vector<int> keep, std::vector<ExpandSpec> items, Schema sub_input, int index_col,
                      std::shared_ptr<ParamSlot> slot, PlanPtr sub, std::optional<std::int64_t> limit, Schema out, bool row_local) {
  auto n = std::make_shared<MvApplyNode>(std::move(child), std::move(keep), std::move(items), std::move(sub_input), index_col,
                                         std::move(slot), std::move(sub), limit, std::move(out));
  n->row_local_ = row_local;
  return n;
}

}  // namespace rulelab::engine
