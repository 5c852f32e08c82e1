// Table schemas: files in the Azure-Sentinel KQL-validation format, built-in tables, inference.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/column.hpp"
#include "core/error.hpp"

namespace rulelab {

// Reads {"Name": ..., "Properties": [{"name": ..., "type": ...}]} as the Azure-Sentinel
// repository's validator accepts it: key case varies (Name/name, Properties/properties, Type/type),
// type names in any case ("String", "DateTime") and with spaces around them ("string "), the
// spellings "Integer", "bigint" and "Date/time", trailing commas and // comments tolerated.
Result<Schema> load_schema_file(const std::string& path);
Result<Schema> parse_schema_json(std::string_view text, const std::string& origin);

// Every *.json schema file of a directory, keyed by table name. A file that cannot be read fails
// the whole call, unless `skipped` is given: then the file is left out and its error listed there
// (the Azure-Sentinel schema folders hold a few files with unknown types).
Result<std::map<std::string, Schema>> load_schema_dir(const std::string& dir, std::vector<Error>* skipped = nullptr);

// The built-in schemas (AuditLogs, SigninLogs, SecurityEvent, ...).
std::optional<Schema> builtin_schema(std::string_view table);
std::vector<std::string> builtin_schema_names();
std::string_view builtin_schema_text();

}  // namespace rulelab
