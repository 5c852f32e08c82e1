// Kusto parser: the only translation unit that instantiates the PEGTL grammar (grammar/kusto.hpp).
#include "kusto/parser.hpp"

namespace rulelab::kusto {

Result<Query> parse_query(std::string_view text, const ParseOptions& options) {
  return options.location.error_at(text, 0, "Kusto parsing is not implemented yet");
}

}  // namespace rulelab::kusto
