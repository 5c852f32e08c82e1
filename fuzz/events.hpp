// A fixed set of Elastic documents (ECS-shaped, with arrays, nested objects, dotted keys, numbers,
// dates in several forms, ip addresses) for the kuery and EQL execution targets.
#pragma once

namespace rulelab::fuzz {

constexpr const char* kEvents[] = {
    R"({"@timestamp":"2026-09-03T14:00:00.000Z","event":{"category":["process"],"type":["start"],"action":"exec","outcome":"success"},"process":{"name":"mshta.exe","pid":100,"args":["mshta.exe","http://x/a.hta"],"command_line":"mshta.exe http://x/a.hta","parent":{"name":"explorer.exe","pid":4}},"user":{"name":"alice","id":"S-1-5-21"},"host":{"name":"ws1","ip":["10.0.0.5","fe80::1"]}})",
    R"({"@timestamp":"2026-09-03T14:00:01.500Z","event":{"category":"network","type":["connection"]},"process":{"name":"mshta.exe","pid":100},"destination":{"ip":"203.0.113.9","port":443},"source":{"ip":"10.0.0.5","port":51123,"bytes":1024},"network":{"direction":"egress","transport":"tcp"},"host":{"name":"ws1"}})",
    R"({"@timestamp":"2026-09-03T14:00:02Z","event.category":"file","event.type":"creation","file.path":"C:\\Users\\alice\\AppData\\a b.dll","file.extension":"dll","file.size":40960,"process.name":"MSHTA.EXE","process.pid":100,"user.name":"alice"})",
    R"({"@timestamp":1788444003000,"event":{"category":"authentication","outcome":"failure","dataset":"azure.auditlogs"},"azure":{"auditlogs":{"operation_name":"Invite external user","properties":{"target_resources":{"0":{"display_name":"guest","modified_properties":[{"display_name":"UserType","new_value":"\"Guest\""}]}}}}},"related":{"user":["bob","guest@example.com"]},"tags":["cloud",null,"azure"]})",
    R"({"@timestamp":"2026-09-03T14:05:00Z","event":{"category":"process","type":"end"},"process":{"name":"cmd.exe","pid":200,"exit_code":-1,"parent":{"name":"mshta.exe","pid":100}},"user":{"name":null},"message":"The quick brown fox: \"jumps\" over 2 lazy dogs","score":0.5,"flag":true,"empty":{},"list":[]})",
    R"({"event":{"category":"process"},"process":{"name":"no-timestamp.exe","pid":300},"numbers":[1,2.5,-3,1e300,18446744073709551615]})",
};

}  // namespace rulelab::fuzz
