// Printing result tables: aligned text, JSON rows, NDJSON, CSV.
#pragma once
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "core/column.hpp"

namespace rulelab::engine {

// One cell as JSON: numbers, bools, null, strings; datetimes ISO 8601 UTC; timespans d.hh:mm:ss;
// dynamic values as the JSON they hold.
nlohmann::json cell_json(const Column& c, std::size_t row);
// Rows as an array of objects keyed by column name (column order kept).
nlohmann::ordered_json rows_json(const Table& t);
void write_table_text(const Table& t, std::ostream& out);
void write_csv(const Table& t, std::ostream& out);
void write_ndjson(const Table& t, std::ostream& out);

}  // namespace rulelab::engine
