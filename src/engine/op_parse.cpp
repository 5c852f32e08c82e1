// parse / parse-where (learn.microsoft.com/kusto/query/parse-operator): the pattern is compiled
// once into a regular expression with one group per extracted column. A non-matching row gets
// empty/null values (parse) or is dropped (parse-where).
#include <re2/re2.h>

#include <cctype>

#include "engine/plan.hpp"
#include "engine/regex.hpp"

namespace rulelab::engine {
namespace {

class ParseNode : public PlanNode {
 public:
  ParseNode(PlanPtr c, ParseSpec s, std::vector<int> child_to_out, Schema out)
      : child_(std::move(c)), spec_(std::move(s)), child_to_out_(std::move(child_to_out)) { schema = std::move(out); }
  Table execute(ExecContext& ctx) const override {
    InputTable inp = run_input(*child_, ctx);
    const Table& in = inp.get();
    const auto* re = dynamic_cast<const RegexState*>(spec_.regex.get());
    TableBuilder tb(schema);
    std::vector<std::string_view> groups;
    std::vector<bool> is_parsed(schema.fields.size(), false);
    for (int c : spec_.out_columns) is_parsed[static_cast<std::size_t>(c)] = true;
    for (auto& b : in.batches) {
      Vec src = evaluate(*spec_.source, b, ctx.eval);
      for (std::size_t r = 0; r < b.rows(); ++r) {
        const std::string text = to_kusto_string(src.get(r));
        bool ok = re && re->re().ok() && RE2::PartialMatchN(text, re->re(), nullptr, 0) &&
                  re->match(text, groups);
        if (!ok && spec_.where) continue;
        std::vector<Value> vals(spec_.out_columns.size());
        bool all_ok = true;
        for (std::size_t k = 0; k < spec_.out_columns.size(); ++k) {
          const Type t = spec_.types[k];
          if (!ok) { vals[k] = Value::null_of(t); continue; }
          const auto g = static_cast<std::size_t>(spec_.groups[k]);
          std::string_view text = g < groups.size() ? groups[g] : std::string_view();
          if (t != Type::String) {  // "27 " or a date before a newline still converts
            while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
            while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
          }
          Value s = Value::of_string(std::string(text));
          vals[k] = t == Type::String ? s : convert_to(s, t);
          if (vals[k].is_null() && t != Type::String) all_ok = false;
        }
        if (spec_.where && !all_ok) continue;
        if (!all_ok && spec_.strict)
          for (std::size_t k = 0; k < vals.size(); ++k) vals[k] = Value::null_of(spec_.types[k]);
        for (std::size_t c = 0; c < child_to_out_.size(); ++c)
          if (child_to_out_[c] >= 0 && !is_parsed[static_cast<std::size_t>(child_to_out_[c])])
            tb.column(static_cast<std::size_t>(child_to_out_[c])).append_from(b.columns[c], r);
        for (std::size_t k = 0; k < spec_.out_columns.size(); ++k)
          append_value(tb.column(static_cast<std::size_t>(spec_.out_columns[k])), vals[k]);
        tb.end_row(b.sources[r]);
      }
    }
    Table out = tb.finish();
    out.sources = in.sources;
    return out;
  }

 private:
  PlanPtr child_;
  ParseSpec spec_;
  std::vector<int> child_to_out_;
};

}  // namespace

PlanPtr make_parse(PlanPtr child, ParseSpec spec, std::vector<int> child_to_out, Schema out) {
  return std::make_shared<ParseNode>(std::move(child), std::move(spec), std::move(child_to_out), std::move(out));
}

}  // namespace rulelab::engine
