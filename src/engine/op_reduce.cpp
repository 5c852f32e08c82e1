// reduce (reduce-operator): groups strings by the pattern of their frequent terms.
//
// The page fixes the output (Pattern, Count, Representative; `*` a wildcard; kind=source appends
// Pattern to the rows), the term separators (by default every non-alphanumeric character; with
// characters=, those characters too) and its examples' results, but not the clustering itself
// ("largely based on" Vaarandi's SLCT). rulelab's reading, which gives the page's examples:
// - a value is split into terms; a term is identified by its position and text (as in SLCT);
// - a term is kept in patterns when at least (1 - threshold) of the rows have it at that position:
//   a small threshold keeps only terms almost every row shares, "fewer, larger groups", a large
//   one keeps rarer terms, "more, smaller groups" (the page's words);
// - a value's pattern is its kept terms, each run of other terms written `*`; the separators as
//   in the value, except that next to a `*` the characters given with characters= are left out
//   ("fooZ1" with characters="Z" is `foo*`, as on the page);
// - rows whose pattern is only `*` are the group `others`, with an empty Representative;
// - groups in order of first appearance, Representative the first value of the group.
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/more_ops.hpp"

namespace rulelab::engine {
namespace {

struct Tokens {
  std::vector<std::string> seps;   // seps[i] before terms[i]; seps.back() after the last term
  std::vector<std::string> terms;
};

class ReduceNode : public PlanNode {
 public:
  ReduceNode(PlanPtr child, ReduceSpec spec, Schema out) : child_(std::move(child)), spec_(std::move(spec)) {
    schema = std::move(out);
    for (unsigned char c : spec_.characters) extra_[c] = true;
  }

  Table execute(ExecContext& ctx) const override {
    InputTable in = run_input(*child_, ctx);
    const Table& t = in.get();
    std::vector<std::string> values;
    for (const auto& b : t.batches) {
      Column c = evaluate_column(*spec_.value, b, ctx.eval);
      for (std::size_t r = 0; r < b.rows(); ++r) values.emplace_back(c.is_null(r) ? std::string_view() : c.get_string(r));
    }
    std::vector<Tokens> toks;
    toks.reserve(values.size());
    std::unordered_map<std::string, std::size_t> freq;  // "position\x1f" + term -> rows
    for (const auto& v : values) {
      toks.push_back(split(v));
      const Tokens& k = toks.back();
      for (std::size_t i = 0; i < k.terms.size(); ++i) ++freq[key(i, k.terms[i])];
    }
    const double need = (1.0 - spec_.threshold) * static_cast<double>(values.size());
    std::vector<std::string> patterns;
    patterns.reserve(values.size());
    for (const auto& k : toks) patterns.push_back(pattern(k, freq, need));

    if (spec_.source) {
      Table out{schema, t.sources, {}};
      std::size_t row = 0;
      for (const auto& b : t.batches) {
        Batch nb = b;
        Column pc(Type::String);
        for (std::size_t r = 0; r < b.rows(); ++r) pc.append_string(patterns[row++]);
        nb.columns.push_back(std::move(pc));
        out.batches.push_back(std::move(nb));
      }
      return out;
    }
    struct Group {
      std::string pattern, representative;
      std::int64_t count = 0;
    };
    std::vector<Group> groups;
    std::unordered_map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < values.size(); ++i) {
      auto [it, fresh] = index.emplace(patterns[i], groups.size());
      if (fresh) groups.push_back({patterns[i], patterns[i] == "others" ? std::string() : values[i], 0});
      ++groups[it->second].count;
    }
    TableBuilder tb(schema);
    for (const auto& g : groups) {
      tb.column(0).append_string(g.pattern);
      tb.column(1).append_long(g.count);
      tb.column(2).append_string(g.representative);
      tb.end_row();
    }
    Table out = tb.finish();
    out.sources = t.sources;
    return out;
  }

 private:
  bool is_separator(unsigned char c) const {
    if (extra_[c]) return true;
    if (c >= 0x80) return false;  // bytes of non-ASCII characters stay in terms
    return !std::isalnum(c);
  }
  Tokens split(const std::string& v) const {
    Tokens k;
    std::string sep, term;
    for (unsigned char c : v) {
      if (is_separator(c)) {
        if (!term.empty()) { k.seps.push_back(std::move(sep)); k.terms.push_back(std::move(term)); sep.clear(); term.clear(); }
        sep.push_back(static_cast<char>(c));
      } else {
        term.push_back(static_cast<char>(c));
      }
    }
    if (!term.empty()) { k.seps.push_back(std::move(sep)); k.terms.push_back(std::move(term)); sep.clear(); }
    k.seps.push_back(std::move(sep));
    return k;
  }
  static std::string key(std::size_t pos, const std::string& term) { return std::to_string(pos) + '\x1f' + term; }
  std::string shown(const std::string& sep) const {
    std::string out;
    for (unsigned char c : sep)
      if (!extra_[c]) out.push_back(static_cast<char>(c));
    return out;
  }
  std::string pattern(const Tokens& k, const std::unordered_map<std::string, std::size_t>& freq, double need) const {
    const std::size_t n = k.terms.size();
    if (n == 0) return k.seps.front();
    std::vector<bool> kept(n);
    bool any_kept = false;
    for (std::size_t i = 0; i < n; ++i) any_kept |= kept[i] = static_cast<double>(freq.at(key(i, k.terms[i]))) >= need;
    if (!any_kept) return "others";
    // separator i lies between term i-1 and term i; next to a `*` it loses the characters= ones
    auto sep = [&](std::size_t i) {
      const bool star = (i > 0 && !kept[i - 1]) || (i < n && !kept[i]);
      return star ? shown(k.seps[i]) : k.seps[i];
    };
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
      if (!kept[i] && i > 0 && !kept[i - 1]) continue;  // inside a run of `*`
      out += sep(i);
      out += kept[i] ? k.terms[i] : std::string("*");
    }
    out += sep(n);
    return out;
  }

  PlanPtr child_;
  ReduceSpec spec_;
  bool extra_[256] = {};
};

}  // namespace

PlanPtr make_reduce(PlanPtr child, ReduceSpec spec, Schema out) {
  return std::make_shared<ReduceNode>(std::move(child), std::move(spec), std::move(out));
}

}  // namespace rulelab::engine
