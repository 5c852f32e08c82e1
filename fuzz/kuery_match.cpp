// Kibana KQL (kuery) evaluation: the input is a query, compiled against the ECS field types plus
// the dynamic mappings of a fixed document set, then matched against every document. An input
// that starts with '{' is read as Elasticsearch query DSL (Kibana filters, exception items).
#include <nlohmann/json.hpp>

#include "core/datetime.hpp"
#include "core/dynamic.hpp"
#include "events.hpp"
#include "fuzz_util.hpp"
#include "elastic/field_types.hpp"
#include "kuery/ast.hpp"
#include "kuery/matcher.hpp"

namespace {
using namespace rulelab;

struct Fixture {
  elastic::FieldTypes types = elastic::FieldTypes::builtin();
  std::vector<std::string> docs;  // encoded
  elastic::IndexFields fields{types};
  DateTime now = *parse_datetime("2026-09-03T15:00:00Z");
  Fixture() {
    JsonParser p;
    for (const char* e : fuzz::kEvents) {
      std::string enc;
      if (auto err = p.parse(e, enc)) fuzz::violated("a fixed document does not parse", *err);
      docs.push_back(std::move(enc));
    }
    for (const auto& d : docs) fields.observe(DynRef(d));
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Fixture fx;  // read-only after construction
  const std::string_view text = fuzz::text_of(data, size);
  auto match_all = [&](const kuery::CompiledQuery& q) {
    for (const auto& e : q.errors()) (void)e.message;
    for (const auto& d : fx.docs) (void)q.matches(DynRef(d));
  };
  if (!text.empty() && text[0] == '{') {
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_discarded()) match_all(kuery::CompiledQuery::compile_dsl(j, fx.fields, fx.now));
    return 0;
  }
  auto r = kuery::parse_kuery(text);
  if (r.query) match_all(kuery::CompiledQuery::compile(*r.query->root, fx.fields, fx.now));
  return 0;
}
