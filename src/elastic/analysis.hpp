// Elasticsearch text analysis as the field model applies it: the analyzers of `text` fields
// (built-in standard, simple, whitespace, keyword, stop, pattern; custom analyzers of an index's
// `settings.analysis` with those tokenizers and the lowercase / asciifolding / stop filters) and
// the normalizers of `keyword` fields (lowercase, asciifolding; custom ones of those filters).
//
// Semantics from the Elasticsearch reference: "Pattern analyzer" (pattern `\W+` by default, Java
// regular expression, lowercase true, tokens are the text between matches), "Standard analyzer"
// and "Standard tokenizer" (UAX #29 word breaks, max_token_length 255, lowercase), "Simple analyzer"
// (splits at any non-letter, lowercase), "Whitespace analyzer", "Keyword analyzer" (the whole
// value is one token), "Stop analyzer" (simple + English stop words), "Normalizers".
#pragma once
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace re2 {
class RE2;
}

namespace rulelab::elastic {

class Analyzer {
 public:
  enum class Tokenizer { Standard, Whitespace, Keyword, Letter, Pattern };
  // Built-in analyzers by name (standard, simple, whitespace, keyword, stop); nullptr otherwise.
  static std::shared_ptr<const Analyzer> builtin(std::string_view name);
  // A pattern analyzer (Java regular expression, translated to RE2). Error: the pattern uses Java
  // syntax RE2 cannot express.
  static Result<std::shared_ptr<const Analyzer>> pattern(std::string_view java_regex, bool lowercase, std::set<std::string> stopwords);

  std::vector<std::string> tokens(std::string_view text) const;
  // Whether wildcard and prefix terms are lowercased before matching tokens (the chain has a
  // lowercase filter, which Elasticsearch applies to multi-term queries too).
  bool lowercases() const { return lowercase_; }
  const std::string& name() const { return name_; }

  std::string name_;
  Tokenizer tokenizer_ = Tokenizer::Standard;
  std::shared_ptr<const re2::RE2> pattern_;  // Pattern tokenizer: the separator
  bool lowercase_ = true;
  bool asciifold_ = false;
  std::set<std::string> stopwords_;
  std::size_t max_token_length_ = 255;
};

// A keyword field's normalizer: lowercase and/or ASCII folding of the whole value.
struct Normalizer {
  std::string name;
  bool lowercase = false;
  bool asciifold = false;
  std::string apply(std::string_view s) const;
};

// The analyzers and normalizers one index knows: the built-in ones plus its settings.analysis.
class Analysis {
 public:
  Analysis() = default;
  // Adds the custom analyzers and normalizers of `settings.analysis` ({"analyzer":{...},
  // "normalizer":{...}, "tokenizer":{...}, "filter":{...}}). Errors name the analyzer.
  Result<std::size_t> add_settings(const nlohmann::json& analysis, const std::string& file);
  // nullptr: no analyzer of that name.
  std::shared_ptr<const Analyzer> analyzer(std::string_view name) const;
  std::shared_ptr<const Normalizer> normalizer(std::string_view name) const;
  bool empty() const { return analyzers_.empty() && normalizers_.empty(); }

 private:
  std::map<std::string, std::shared_ptr<const Analyzer>, std::less<>> analyzers_;
  std::map<std::string, std::shared_ptr<const Normalizer>, std::less<>> normalizers_;
};

// Translates a Java regular expression (java.util.regex, as the pattern analyzer and tokenizer
// take it) into RE2 syntax. Handles character-class intersection with a negated class or
// shorthand (`[\W&&[^-]]` is `[^\w-]`); anything RE2 cannot express is an error.
Result<std::string> java_regex_to_re2(std::string_view java);

// ASCII folding (Lucene's ASCIIFoldingFilter) for Latin-1 and Latin Extended-A letters.
std::string ascii_fold(std::string_view s);

}  // namespace rulelab::elastic
