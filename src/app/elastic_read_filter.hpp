// Elastic documents filtered while they are read: a kuery query that cannot match a document
// drops it on the reading thread, so memory follows what the query keeps, not the file.
//
// What stays exact: every document the query matches is kept; so is the first document of each
// shape (its field paths, their JSON kinds, null or not) in each block of the file, so that the
// fields observed over the kept documents (wildcard field names, dynamic mappings, the
// dynamic-fields note, constant_keyword values) are those of the whole file: a field's first
// value in file order sits in the first document of its shape. Documents dropped are counted,
// with their event time, so that the runner's counts (documents, in window) stay those of all.
//
// The filter applies only when the query needs nothing from the data to compile: every field it
// names is mapped statically (ECS, integrations, --mapping), with no wildcard field name, no free
// text, no nested query and no date math relative to now. Otherwise every document is read. Each
// index's documents are judged with that index's typing, as the run types them (an index named
// after an integration's data stream has that stream's mapping: event.dataset may be a
// constant_keyword every document holds, ECS fields may have other parameters).
#pragma once
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/datetime.hpp"
#include "core/ingest.hpp"
#include "kuery/runner.hpp"
#include "elastic/field_types.hpp"

namespace rulelab::app {

// What the filters of one load dropped (merged from every reading thread).
struct ReadFilterCounts {
  std::size_t dropped = 0;
  std::vector<std::int64_t> dropped_times;  // event time (ticks) of each dropped document that has one
};

class KueryReadFilter {
 public:
  // nullptr when the query needs the data to compile (see above) or does not parse.
  // `time`: the rule's window field, to count dropped documents per window (nullopt: no window).
  static std::shared_ptr<KueryReadFilter> make(std::string_view query, const elastic::FieldTypes& types,
                                               std::optional<kuery::RuleWindow> time);

  // Installs the filter for a load of the documents of `index` (counts go to `counts`, which must
  // outlive the load). Returns the literals a document must hold (core/raw_prefilter.hpp; empty
  // when the query names none or the load counts documents per window: a document skipped
  // unparsed has no event time), or null when the query is not typed without the data for this
  // index (nothing installed: every document is read).
  std::shared_ptr<const RawPrefilter> install(IngestOptions& opt, ReadFilterCounts& counts, const std::string& index) const;

  const std::string& query() const { return query_; }

 private:
  std::string query_;
  const elastic::FieldTypes* types_ = nullptr;
  std::optional<kuery::RuleWindow> time_;
};

}  // namespace rulelab::app
