#include "elastic/analysis.hpp"

#include <re2/re2.h>

#include <nlohmann/json.hpp>

#include "elastic/analyzer.hpp"

namespace rulelab::elastic {

namespace {

std::uint32_t decode_cp(std::string_view s, std::size_t& i) {
  const auto c = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) & 0x3Fu : 0u; };
  if (c < 0x80) { i += 1; return c; }
  if ((c >> 5) == 6 && i + 1 < s.size()) { std::uint32_t cp = ((c & 0x1Fu) << 6) | cont(1); i += 2; return cp; }
  if ((c >> 4) == 14 && i + 2 < s.size()) { std::uint32_t cp = ((c & 0x0Fu) << 12) | (cont(1) << 6) | cont(2); i += 3; return cp; }
  if ((c >> 3) == 30 && i + 3 < s.size()) { std::uint32_t cp = ((c & 0x07u) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3); i += 4; return cp; }
  i += 1;
  return 0xFFFD;
}

// Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET (the stop analyzer's and `_english_` default).
const std::set<std::string>& english_stopwords() {
  static const std::set<std::string> kWords = {"a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into",
                                               "is", "it", "no", "not", "of", "on", "or", "such", "that", "the", "their", "then",
                                               "there", "these", "they", "this", "to", "was", "will", "with"};
  return kWords;
}

bool is_java_whitespace(std::uint32_t c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F) || c == 0x1680 || (c >= 0x2000 && c <= 0x2006) ||
         (c >= 0x2008 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x205F || c == 0x3000;
}

bool is_letter(std::uint32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  if (c == 0xAA || c == 0xB5 || c == 0xBA) return true;
  if (c < 0xC0 || c == 0xD7 || c == 0xF7) return false;
  if ((c >= 0x2000 && c <= 0x2BFF) || (c >= 0x3000 && c <= 0x303F) || (c >= 0xFF00 && c <= 0xFF20) || c >= 0x1F000) return false;
  return true;
}

// Splits into runs of code points where keep(cp) holds.
template <class Keep>
std::vector<std::string> runs(std::string_view s, Keep keep) {
  std::vector<std::string> out;
  std::string cur;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t b = i;
    const std::uint32_t cp = decode_cp(s, i);
    if (keep(cp)) {
      cur.append(s.substr(b, i - b));
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::set<std::string> stopwords_of(const nlohmann::json& spec, const std::set<std::string>& dflt) {
  auto it = spec.find("stopwords");
  if (it == spec.end()) return dflt;
  if (it->is_string()) {
    const auto v = it->get<std::string>();
    if (v == "_english_") return english_stopwords();
    return {};  // _none_ (other languages' lists are not built in; reported by the caller)
  }
  std::set<std::string> out;
  if (it->is_array())
    for (const auto& w : *it)
      if (w.is_string()) out.insert(w.get<std::string>());
  return out;
}

}  // namespace

std::string ascii_fold(std::string_view s) {
  // Latin-1 Supplement and Latin Extended-A letters to their ASCII base letters.
  static const char* const kLatin1 =  // U+00C0 .. U+00FF
      "AAAAAAACEEEEIIIIDNOOOOO\0OUUUUYTsaaaaaaaceeeeiiiidnooooo\0ouuuuyty";
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t b = i;
    const std::uint32_t c = decode_cp(s, i);
    if (c >= 0xC0 && c <= 0xFF && kLatin1[c - 0xC0] != '\0') {
      if (c == 0xC6) out += "AE";
      else if (c == 0xE6) out += "ae";
      else if (c == 0xDF) out += "ss";
      else if (c == 0xDE) out += "TH";
      else if (c == 0xFE) out += "th";
      else out += kLatin1[c - 0xC0];
    } else if (c >= 0x100 && c <= 0x17F) {
      static const char* const kExtA =  // U+0100 .. U+017F, pairs upper/lower
          "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjJjKkkLlLlLlLlLlNnNnNnnNnOoOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";
      const char f = kExtA[c - 0x100];
      if (c == 0x132) out += "IJ";
      else if (c == 0x133) out += "ij";
      else if (c == 0x152) out += "OE";
      else if (c == 0x153) out += "oe";
      else out += f;
    } else {
      out.append(s.substr(b, i - b));
    }
  }
  return out;
}

std::string Normalizer::apply(std::string_view s) const {
  std::string out = lowercase ? elastic::lowercase(s) : std::string(s);
  if (asciifold) out = ascii_fold(out);
  return out;
}

// ---- Java regex -> RE2 ----------------------------------------------------------------------------
namespace {

struct ClassPart {
  bool negated = false;
  std::string items;  // RE2 class body (without brackets)
};

// The complement of a single shorthand (\W -> \w), or empty when the items are not one.
std::string complement_shorthand(const std::string& items) {
  if (items.size() == 2 && items[0] == '\\') {
    switch (items[1]) {
      case 'W': return "\\w";
      case 'w': return "\\W";
      case 'D': return "\\d";
      case 'd': return "\\D";
      case 'S': return "\\s";
      case 's': return "\\S";
    }
  }
  return {};
}

class JavaClassParser {
 public:
  JavaClassParser(std::string_view s) : s_(s) {}
  // Parses a class starting at '['; on return pos_ is after the closing ']'.
  Result<ClassPart> parse(std::size_t& pos) {
    ++pos;  // '['
    ClassPart c;
    if (pos < s_.size() && s_[pos] == '^') {
      c.negated = true;
      ++pos;
    }
    bool first = true;
    while (pos < s_.size()) {
      const char ch = s_[pos];
      if (ch == ']' && !first) {
        ++pos;
        return c;
      }
      first = false;
      if (ch == '&' && pos + 1 < s_.size() && s_[pos + 1] == '&') {
        pos += 2;
        // the right operand: a nested class or the items up to the closing ']'
        ClassPart right;
        if (pos < s_.size() && s_[pos] == '[') {
          auto r = parse(pos);
          if (!r) return r.error();
          right = r.value();
        } else {
          right.items = take_items(pos);
          if (!ok_) return error_;
        }
        if (pos >= s_.size() || s_[pos] != ']') return Error("unsupported Java character class (intersection followed by more items)");
        ++pos;
        // left ∩ right with left the complement of L' and right the complement of R':
        // the complement of (L' ∪ R').
        std::string left_compl = c.negated ? c.items : complement_shorthand(c.items);
        std::string right_compl = right.negated ? right.items : complement_shorthand(right.items);
        if (left_compl.empty() || right_compl.empty())
          return Error("Java character class intersection '&&' of a non-negated class cannot be expressed in RE2");
        ClassPart out;
        out.negated = true;
        out.items = left_compl + right_compl;
        return out;
      }
      if (ch == '[') {  // union with a nested class
        auto r = parse(pos);
        if (!r) return r.error();
        if (r.value().negated) return Error("Java nested negated character class cannot be expressed in RE2");
        c.items += r.value().items;
        continue;
      }
      c.items += take_one(pos);
      if (!ok_) return error_;
    }
    return Error("unterminated character class");
  }

 private:
  std::string take_one(std::size_t& pos) {
    const char ch = s_[pos];
    if (ch == '\\' && pos + 1 < s_.size()) {
      const char e = s_[pos + 1];
      if (e == 'p' || e == 'P') {  // \p{Name}
        const auto close = s_.find('}', pos);
        if (close == std::string_view::npos) {
          ok_ = false;
          error_ = Error("unterminated \\p{...} in character class");
          return {};
        }
        std::string out(s_.substr(pos, close + 1 - pos));
        pos = close + 1;
        return out;
      }
      pos += 2;
      return std::string{'\\', e};
    }
    ++pos;
    if (ch == '[' || ch == ']') return std::string{'\\', ch};
    return std::string(1, ch);
  }
  std::string take_items(std::size_t& pos) {
    std::string out;
    while (pos < s_.size() && s_[pos] != ']' && s_[pos] != '[') out += take_one(pos);
    return out;
  }
  std::string_view s_;
  bool ok_ = true;
  Error error_{""};
};

}  // namespace

Result<std::string> java_regex_to_re2(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      const char e = s[i + 1];
      if (e == 'Q') {  // \Q...\E literal
        const auto end = s.find("\\E", i + 2);
        const auto lit = s.substr(i + 2, end == std::string_view::npos ? std::string_view::npos : end - i - 2);
        out += RE2::QuoteMeta(std::string(lit));
        i = end == std::string_view::npos ? s.size() : end + 2;
        continue;
      }
      out += c;
      out += e;
      i += 2;
      continue;
    }
    if (c == '[') {
      JavaClassParser p(s);
      auto r = p.parse(i);
      if (!r) return Error("pattern '" + std::string(s) + "': " + r.error().message);
      out += r.value().negated ? "[^" : "[";
      out += r.value().items;
      out += ']';
      continue;
    }
    if ((c == '+' || c == '*' || c == '?' || c == '}') && i + 1 < s.size() && s[i + 1] == '+')
      return Error("pattern '" + std::string(s) + "': possessive quantifiers (" + std::string(s.substr(i, 2)) + ") are not supported by RE2");
    out += c;
    ++i;
  }
  return out;
}

// ---- analyzers -------------------------------------------------------------------------------------
std::shared_ptr<const Analyzer> Analyzer::builtin(std::string_view name) {
  auto make = [&](Tokenizer t, bool lower, std::set<std::string> stop = {}) {
    auto a = std::make_shared<Analyzer>();
    a->name_ = std::string(name);
    a->tokenizer_ = t;
    a->lowercase_ = lower;
    a->stopwords_ = std::move(stop);
    return std::shared_ptr<const Analyzer>(std::move(a));
  };
  if (name == "standard" || name == "default") return make(Tokenizer::Standard, true);
  if (name == "simple") return make(Tokenizer::Letter, true);
  if (name == "whitespace") return make(Tokenizer::Whitespace, false);
  if (name == "keyword") return make(Tokenizer::Keyword, false);
  if (name == "stop") return make(Tokenizer::Letter, true, english_stopwords());
  if (name == "pattern") {
    auto r = pattern("\\W+", true, {});
    return r ? r.value() : nullptr;
  }
  return nullptr;
}

Result<std::shared_ptr<const Analyzer>> Analyzer::pattern(std::string_view java_regex, bool lowercase, std::set<std::string> stopwords) {
  auto re = java_regex_to_re2(java_regex);
  if (!re) return re.error();
  RE2::Options opt;
  opt.set_log_errors(false);
  auto compiled = std::make_shared<RE2>(re.value(), opt);
  if (!compiled->ok()) return Error("pattern '" + std::string(java_regex) + "': " + compiled->error());
  auto a = std::make_shared<Analyzer>();
  a->name_ = "pattern";
  a->tokenizer_ = Tokenizer::Pattern;
  a->pattern_ = std::move(compiled);
  a->lowercase_ = lowercase;
  a->stopwords_ = std::move(stopwords);
  return std::shared_ptr<const Analyzer>(std::move(a));
}

std::vector<std::string> Analyzer::tokens(std::string_view text) const {
  std::vector<std::string> raw;
  switch (tokenizer_) {
    case Tokenizer::Standard: raw = standard_tokens(text); break;  // lowercases: undone below when the chain does not
    case Tokenizer::Whitespace: raw = runs(text, [](std::uint32_t c) { return !is_java_whitespace(c); }); break;
    case Tokenizer::Letter: raw = runs(text, is_letter); break;
    case Tokenizer::Keyword: raw.emplace_back(text); break;
    case Tokenizer::Pattern: {
      // Lucene's PatternTokenizer with group -1: the text between matches, empty pieces skipped.
      re2::StringPiece input(text.data(), text.size()), m;
      std::size_t start = 0;
      while (start <= text.size() && pattern_->Match(input, start, text.size(), RE2::UNANCHORED, &m, 1)) {
        const std::size_t mb = static_cast<std::size_t>(m.data() - text.data());
        if (mb > start) raw.emplace_back(text.substr(start, mb - start));
        start = mb + m.size();
        if (m.empty()) ++start;  // an empty match: step past one byte
      }
      if (start < text.size()) raw.emplace_back(text.substr(start));
      break;
    }
  }
  std::vector<std::string> out;
  out.reserve(raw.size());
  for (auto& t : raw) {
    if (lowercase_ && tokenizer_ != Tokenizer::Standard) t = lowercase(t);
    if (asciifold_) t = ascii_fold(t);
    if (!stopwords_.empty() && stopwords_.count(t)) continue;
    out.push_back(std::move(t));
  }
  return out;
}

// ---- index analysis settings -------------------------------------------------------------------------
std::shared_ptr<const Analyzer> Analysis::analyzer(std::string_view name) const {
  if (auto it = analyzers_.find(name); it != analyzers_.end()) return it->second;
  return Analyzer::builtin(name);
}

std::shared_ptr<const Normalizer> Analysis::normalizer(std::string_view name) const {
  if (auto it = normalizers_.find(name); it != normalizers_.end()) return it->second;
  if (name == "lowercase") {
    auto n = std::make_shared<Normalizer>();
    n->name = "lowercase";
    n->lowercase = true;
    return n;
  }
  return nullptr;
}

Result<std::size_t> Analysis::add_settings(const nlohmann::json& analysis, const std::string& file) {
  if (!analysis.is_object()) return std::size_t{0};
  std::size_t n = 0;
  const nlohmann::json empty = nlohmann::json::object();
  const auto& tokenizers = analysis.contains("tokenizer") ? analysis["tokenizer"] : empty;
  const auto& filters = analysis.contains("filter") ? analysis["filter"] : empty;
  auto str = [](const nlohmann::json& j, const char* key, std::string dflt) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : dflt;
  };
  // A filter chain: lowercase, asciifolding, stop (by name or as a custom filter of those types).
  auto apply_filters = [&](const nlohmann::json& spec, const std::string& what, bool& lower, bool& fold,
                           std::set<std::string>* stop) -> std::optional<Error> {
    auto it = spec.find("filter");
    if (it == spec.end()) return std::nullopt;
    if (!it->is_array()) return Error(what + ": \"filter\" is not a list", file);
    for (const auto& f : *it) {
      if (!f.is_string()) return Error(what + ": inline filter definitions are not supported", file);
      std::string name = f.get<std::string>(), type = name;
      nlohmann::json fspec = empty;
      if (filters.is_object() && filters.contains(name) && filters[name].is_object()) {
        fspec = filters[name];
        type = str(fspec, "type", name);
      }
      if (type == "lowercase") lower = true;
      else if (type == "asciifolding") fold = true;
      else if (type == "stop" && stop) *stop = stopwords_of(fspec, english_stopwords());
      else return Error(what + ": token filter '" + name + "' (" + type + ") is not supported by rulelab", file);
    }
    return std::nullopt;
  };
  if (auto it = analysis.find("normalizer"); it != analysis.end() && it->is_object())
    for (auto a = it->begin(); a != it->end(); ++a) {
      auto nm = std::make_shared<Normalizer>();
      nm->name = a.key();
      const std::string what = "normalizer '" + a.key() + "'";
      if (auto err = apply_filters(a.value(), what, nm->lowercase, nm->asciifold, nullptr)) return *err;
      normalizers_[a.key()] = std::move(nm);
      ++n;
    }
  if (auto it = analysis.find("analyzer"); it != analysis.end() && it->is_object())
    for (auto a = it->begin(); a != it->end(); ++a) {
      const auto& spec = a.value();
      const std::string what = "analyzer '" + a.key() + "'";
      if (!spec.is_object()) return Error(what + ": not an object", file);
      const std::string type = str(spec, "type", "custom");
      std::shared_ptr<Analyzer> an;
      if (type == "pattern") {
        const bool lower = spec.value("lowercase", true);
        auto p = Analyzer::pattern(str(spec, "pattern", "\\W+"), lower, stopwords_of(spec, {}));
        if (!p) return Error(what + ": " + p.error().message, file);
        if (spec.contains("flags") && !str(spec, "flags", "").empty())
          return Error(what + ": Java regex flags are not supported by rulelab", file);
        an = std::make_shared<Analyzer>(*p.value());
      } else if (type == "standard" || type == "simple" || type == "whitespace" || type == "keyword" || type == "stop") {
        an = std::make_shared<Analyzer>(*Analyzer::builtin(type));
        if (type == "standard" || type == "stop") an->stopwords_ = stopwords_of(spec, type == "stop" ? english_stopwords() : std::set<std::string>{});
        if (spec.contains("max_token_length") && spec["max_token_length"].is_number_integer())
          an->max_token_length_ = spec["max_token_length"].get<std::size_t>();
      } else if (type == "custom") {
        an = std::make_shared<Analyzer>();
        an->lowercase_ = false;
        std::string tok = str(spec, "tokenizer", "");
        nlohmann::json tspec = empty;
        std::string ttype = tok;
        if (tokenizers.is_object() && tokenizers.contains(tok) && tokenizers[tok].is_object()) {
          tspec = tokenizers[tok];
          ttype = str(tspec, "type", tok);
        }
        if (ttype == "standard") an->tokenizer_ = Analyzer::Tokenizer::Standard;
        else if (ttype == "whitespace") an->tokenizer_ = Analyzer::Tokenizer::Whitespace;
        else if (ttype == "keyword") an->tokenizer_ = Analyzer::Tokenizer::Keyword;
        else if (ttype == "letter") an->tokenizer_ = Analyzer::Tokenizer::Letter;
        else if (ttype == "lowercase") {
          an->tokenizer_ = Analyzer::Tokenizer::Letter;
          an->lowercase_ = true;
        } else if (ttype == "pattern") {
          if (tspec.contains("group") && tspec["group"] != -1)
            return Error(what + ": pattern tokenizer with a capture group is not supported by rulelab", file);
          auto p = Analyzer::pattern(str(tspec, "pattern", "\\W+"), false, {});
          if (!p) return Error(what + ": " + p.error().message, file);
          an->tokenizer_ = Analyzer::Tokenizer::Pattern;
          an->pattern_ = p.value()->pattern_;
        } else {
          return Error(what + ": tokenizer '" + tok + "' is not supported by rulelab", file);
        }
        bool lower = an->lowercase_, fold = false;
        if (auto err = apply_filters(spec, what, lower, fold, &an->stopwords_)) return *err;
        an->lowercase_ = lower;
        an->asciifold_ = fold;
        if (an->tokenizer_ == Analyzer::Tokenizer::Standard && !lower)
          return Error(what + ": the standard tokenizer without a lowercase filter is not supported by rulelab", file);
      } else {
        return Error(what + ": analyzer type '" + type + "' is not supported by rulelab", file);
      }
      an->name_ = a.key();
      analyzers_[a.key()] = std::move(an);
      ++n;
    }
  return n;
}

}  // namespace rulelab::elastic
