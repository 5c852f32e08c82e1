#include "engine/engine.hpp"

#include "core/datetime.hpp"
#include "engine/aggregates.hpp"
#include "engine/binder.hpp"
#include "engine/file_table.hpp"
#include "engine/functions.hpp"

namespace rulelab::engine {

Engine::Engine() : functions_(std::make_unique<FunctionRegistry>()), aggregates_(std::make_unique<AggregateRegistry>()) {}
Engine::~Engine() = default;

void Engine::add_table(const std::string& name, std::shared_ptr<const Table> table) {
  file_tables_.erase(name);
  tables_[name] = std::move(table);
}
void Engine::add_file_table(const std::string& name, std::shared_ptr<FileTable> table) {
  tables_.erase(name);
  file_tables_[name] = std::move(table);
}
bool Engine::has_table(const std::string& name) const { return tables_.count(name) > 0 || file_tables_.count(name) > 0; }

void Engine::add_function(const std::string& name, std::string text, kusto::QueryLocation location) {
  WorkspaceFunction f;
  f.text = std::move(text);
  f.location = std::move(location);
  workspace_[name] = std::move(f);
}

void Engine::add_watchlist(const std::string& name, std::shared_ptr<const Table> table) { watchlists_[name] = std::move(table); }

namespace {
template <class Out>
bool parse_and_run(Engine& e, const std::string& text, const kusto::QueryLocation& location, const RunOptions& options, Out& out,
                   EngineError& err) {
  kusto::ParseOptions po;
  po.location = location;
  auto q = kusto::parse_query(text, po);
  if (!q.ok()) {
    err.error = q.error();
    err.unsupported = false;
    return false;
  }
  return e.run(q.value(), location, options, out, err);
}
}  // namespace

bool Engine::run(const std::string& text, const kusto::QueryLocation& location, const RunOptions& options, Table& out,
                 EngineError& err) {
  return parse_and_run(*this, text, location, options, out, err);
}
bool Engine::run(const std::string& text, const kusto::QueryLocation& location, const RunOptions& options,
                 std::vector<ResultTable>& out, EngineError& err) {
  return parse_and_run(*this, text, location, options, out, err);
}

bool Engine::run(const kusto::Query& query, const kusto::QueryLocation& location, const RunOptions& options, Table& out,
                 EngineError& err) {
  std::vector<ResultTable> all;
  if (!run(query, location, options, all, err)) return false;
  if (all.empty()) {
    err.error = Error("the query returns no table");
    return false;
  }
  if (all.size() > 1) {
    // Sentinel counts "the number of query results" of a rule against its alert threshold and
    // documents no rule query with several result tables: rulelab does not pick one.
    std::string names;
    for (std::size_t i = 0; i < all.size(); ++i) names += (i ? ", " : "") + all[i].name;
    err.error = location.error_at(query.text, all[1].offset,
                                  "the query returns " + std::to_string(all.size()) + " result tables (" + names +
                                      "); a rule's query must return one table (its rows are the rule's results): keep one "
                                      "tabular expression statement, not ending in fork, facet or funnel_sequence (rulelab query shows them all)");
    err.unsupported = false;
    return false;
  }
  out = std::move(all.front().table);
  return true;
}

bool Engine::run(const kusto::Query& query, const kusto::QueryLocation& location, const RunOptions& options,
                 std::vector<ResultTable>& out, EngineError& err) {
  ExecContext ctx;
  ctx.eval.now_ticks = options.now_ticks;
  ctx.eval.kernels = options.vector_kernels;
  ctx.eval.deadline = Deadline::after(options.limits.timeout_seconds);
  ctx.lineage = options.lineage;
  ctx.external = &options.external;
  ctx.external_empty = options.external_empty;
  ctx.max_rows = options.limits.max_rows;
  ctx.warnings = options.warnings;
  ctx.notes = options.notes;
  ctx.tap = options.tap ? &options.tap : nullptr;
  Binder binder(*this, ctx);
  Src src{&query.text, &location};
  try {
    auto scope = std::make_shared<Scope>();
    auto plans = binder.bind_query_results(query, src, scope);
    out.clear();
    for (auto& p : plans) out.push_back(ResultTable{p.name, p.plan->execute(ctx), p.offset});
    return true;
  } catch (const BindFailure& f) {
    err.error = f.error;
    err.unsupported = f.unsupported;
  } catch (const QueryError& q) {
    err.error = location.error_at(query.text, q.offset, q.what());
    err.unsupported = q.unsupported;
  } catch (const InputError& e) {
    err.error = e.error;
    err.unsupported = false;
  } catch (const LimitExceeded& l) {
    err.error = l.error;
    err.unsupported = false;
  } catch (const std::bad_alloc&) {
    err.error = Error("out of memory while running the query");
  }
  return false;
}

void row_budget_exceeded(const ExecContext& ctx, const OpSite& site, const char* unit) {
  std::string msg = (site.name.empty() ? std::string("an operator") : site.name) + " produced more than " +
                    std::to_string(ctx.max_rows) + " " + unit + ", the row budget of one operator (--max-rows " +
                    std::to_string(ctx.max_rows) + "); narrow its input (where, project, summarize) or raise --max-rows";
  fail_at(site, std::move(msg));
}

void fail_at(const OpSite& site, std::string message) {
  if (site.text && site.location) throw LimitExceeded(site.location->error_at(*site.text, site.offset, std::move(message)));
  throw LimitExceeded(Error(std::move(message)));
}

std::string format_cell(const Column& c, std::size_t row) {
  if (c.type() == Type::String) return std::string(c.get_string(row));
  if (c.is_null(row)) return {};
  return to_kusto_string(get_value(c, row));
}

}  // namespace rulelab::engine
