// Elastic documents loaded once from --data INDEX=FILE (kuery rules and queries), and the field
// types they are matched with.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/data_spec.hpp"
#include "app/run_result.hpp"
#include "core/column.hpp"
#include "core/error.hpp"
#include "kuery/runner.hpp"
#include "elastic/field_types.hpp"

namespace rulelab::app {

// The documents of every --data INDEX=FILE, kept alive for the DocRefs that point into them.
struct ElasticDocs {
  std::vector<Table> tables;
  std::vector<kuery::IndexDocs> indices;
  std::vector<std::string> warnings;
  std::vector<std::string> notes;
  std::vector<FileRead> reads;
};
// With a read filter, documents the query cannot match are dropped while reading (each index's
// `unread` counts them).
class KueryReadFilter;
Result<ElasticDocs> load_elastic_docs(const std::vector<DataSpec>& specs, bool strict, const KueryReadFilter* filter = nullptr);

// ECS and integration field types, plus the user's --mapping FILE.
Result<elastic::FieldTypes> load_field_types(const std::string& mapping);
// The field types of one index that belongs to an integration's data stream or is Kibana's
// security alerts index: `shared` (ECS + the user's mapping) with that mapping added under the
// user's. ECS stays the fallback for a field the package does not map, also where the package's
// mapping is `dynamic: false` (Fleet's own component templates map some ECS fields there, e.g.
// event.agent_id_status and event.ingested, which the compiled-in package mappings lack); the
// alerts index maps every ECS field itself. nullopt when the index is neither. `source` names the
// mapping (for the run's note).
std::optional<elastic::FieldTypes> index_field_types(const elastic::FieldTypes& shared, const std::string& index,
                                                     std::string* source = nullptr);

// A document as JSON (null when absent).
nlohmann::ordered_json document_json(const kuery::DocRef* d);

// Rows, provenance, alerts and counts of a kuery run into `out` (rule-independent parts).
// `light`: an alert whose document is a result row refers to it (body["row_index"]) instead of
// holding a copy (an alert suppression wrapper keeps few of many alerts, and fills those).
void fill_kuery_result(const kuery::ElasticRunResult& r, RunResult& out, bool light = false);

// "N field(s) are in no ... mapping ...: a b c".
std::string dynamic_fields_note(const std::vector<std::string>& fields);

}  // namespace rulelab::app
