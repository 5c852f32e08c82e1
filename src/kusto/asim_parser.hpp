// Microsoft Sentinel ASIM parsers, loaded unchanged from the YAML files Azure-Sentinel publishes
// (Parsers/ASim<Schema>/Parsers/*.yaml): ParserName, EquivalentBuiltInParser, ParserParams,
// ParserQuery and, for a unifying parser, its Parsers: list.
//
// Such a file is a workspace function: its ParserQuery is the body, its ParserParams the
// parameters with their defaults (the Azure-Sentinel deployment templates turn them into the
// function's `functionParameters`, "name:type=default, ..."). Log Analytics knows it by two names:
// the workspace-deployed name (ParserName: imDns, ASimDns, vimDnsAzureFirewall) and the built-in
// name (EquivalentBuiltInParser: _Im_Dns, _ASim_Dns, _Im_Dns_AzureFirewall) (Microsoft Learn,
// "Using ASIM parsers": `_Im_<schema>` built-in, `im<schema>` workspace-deployed; `_ASim_`/`ASim`
// the parameter-less ones; `vim<schema><source>` source-specific parsers).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "kusto/parser.hpp"

namespace rulelab::kusto {

struct AsimParserParam {
  std::string name;
  std::string type;          // Kusto type name as written (datetime, string, dynamic, bool, ...)
  std::string default_text;  // the default as Kusto text (a string default is quoted here)
  bool has_default = false;
};

struct AsimParser {
  std::string file;
  std::string name;          // ParserName: the workspace-deployed function name
  std::string builtin_name;  // EquivalentBuiltInParser: the built-in function name (may be empty)
  std::string schema;        // Normalization.Schema (Dns, NetworkSession, ...)
  std::vector<AsimParserParam> params;
  std::vector<std::string> parsers;  // a unifying parser's source parsers (built-in names)
  std::string query;                 // ParserQuery, as written
  // The function as rulelab registers it: ParserQuery itself for a parser without parameters,
  // otherwise `let <f> = (<ParserParams>) {\n<ParserQuery>\n};\n<f>`.
  std::string function_text;
  QueryLocation location;  // function_text offsets -> positions in the YAML file
};

// Loads one parser YAML. An Error whose message starts with "not an ASIM parser" for a YAML file
// without ParserName or ParserQuery; other Errors (file:line:col) for invalid YAML or a ParserParams
// entry without a Name or Type.
Result<AsimParser> load_asim_parser(const std::string& path);
Result<AsimParser> load_asim_parser_text(const std::string& path, std::string text);

}  // namespace rulelab::kusto
