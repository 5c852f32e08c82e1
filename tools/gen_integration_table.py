#!/usr/bin/env python3
"""Generates src/elastic/integration_table.inc: one Elasticsearch index mapping per data stream of
the Elastic integration packages (fields.yml + data stream manifest), as Fleet's index template
builder makes it, plus the logs@mappings + ecs@mappings component templates every Fleet `logs-*`
template is composed of. rulelab parses these mappings with the same code as a user's
`GET index/_mapping` JSON.

Usage: gen_integration_table.py INTEGRATIONS_DIR ECS_FIELD_TYPES.json > src/elastic/integration_table.inc
(INTEGRATIONS_DIR holds index.json, <package>/<data_stream>.fields.yml and .manifest.yml, and
elasticsearch/{ecs,logs}@mappings.json, as collected for the project; its README gives provenance.)

Fleet's rules applied (kibana fleet epm/elasticsearch/template):
- no `type`: keyword; keyword (also as a multi-field) gets ignore_above 1024 unless set;
- `group`: a nesting level; dotted names are object paths;
- `external: ecs`: type, ignore_above and multi-fields from ECS, keys next to `external` win;
- `object` with `object_type`: a dynamic template path_match `<path>.*` (or the name when it holds
  `*`), match_mapping_type `string` for keyword/text/ip/wildcard/match_only_text, else `*`;
- names with `*`: dynamic templates with that path_match;
- manifest `elasticsearch.index_template.mappings.dynamic` and `settings.analysis` are kept.
The output holds facts only (types per field); no descriptions are copied.
"""
import json
import re
import sys

import yaml

STRINGY = {"keyword", "text", "ip", "wildcard", "match_only_text"}


def load_ecs(path):
    with open(path) as f:
        return json.load(f)


def ecs_mapping(ecs, name):
    e = ecs.get(name)
    if not e:
        return None
    m = {"type": e.get("type", "keyword")}
    if "ignore_above" in e:
        m["ignore_above"] = e["ignore_above"]
    for full, t in (e.get("multi_fields") or {}).items():
        sub = full[len(name) + 1:] if full.startswith(name + ".") else full
        m.setdefault("fields", {})[sub] = {"type": t}
    return m


def leaf_mapping(f, name, ecs):
    m = {}
    if f.get("external") == "ecs":
        m = ecs_mapping(ecs, name) or {}
    t = f.get("type", m.get("type", "keyword"))
    if t == "array":  # an array of keywords in older packages
        t = "keyword"
    m["type"] = t
    for k in ("ignore_above", "normalizer", "analyzer", "search_analyzer", "path", "value", "index", "null_value",
              "scaling_factor", "doc_values"):
        if k in f:
            m[k] = f[k]
    if t == "keyword" and "ignore_above" not in m:
        m["ignore_above"] = 1024
    if t in ("constant_keyword",) and "value" in m:
        m["value"] = str(m["value"])
    if f.get("multi_fields"):
        fields = m.setdefault("fields", {})
        for mf in f["multi_fields"]:
            sm = {"type": mf.get("type", "keyword")}
            for k in ("normalizer", "analyzer", "search_analyzer", "ignore_above", "index"):
                if k in mf:
                    sm[k] = mf[k]
            if sm["type"] == "keyword" and "ignore_above" not in sm:
                sm["ignore_above"] = 1024
            fields[mf["name"]] = sm
    if "dynamic" in f:
        m["dynamic"] = f["dynamic"]
    return m


def walk(fields, prefix, ecs, props, templates):
    for f in fields or []:
        if not isinstance(f, dict) or "name" not in f:
            continue
        name = prefix + str(f["name"])
        t = f.get("type")
        if t == "group":
            walk(f.get("fields"), name + ".", ecs, props, templates)
            continue
        if t == "object" and "object_type" in f:
            ot = f["object_type"]
            mt = f.get("object_type_mapping_type", "string" if ot in STRINGY else "*")
            mapping = {"type": ot}
            if ot == "keyword":
                mapping["ignore_above"] = 1024
            tpl = {"path_match": name if "*" in name else name + ".*", "mapping": mapping}
            if mt != "*":
                tpl["match_mapping_type"] = mt
            templates.append({name: tpl})
            continue
        if t in ("object", "nested") and f.get("fields"):
            m = {"type": t}
            if "dynamic" in f:
                m["dynamic"] = f["dynamic"]
            if t == "nested":
                props[name] = m
            walk(f.get("fields"), name + ".", ecs, props, templates)
            continue
        if t == "object":
            m = {"type": "object"}
            if "dynamic" in f:
                m["dynamic"] = f["dynamic"]
            props[name] = m
            continue
        m = leaf_mapping(f, name, ecs)
        if "*" in name:
            templates.append({name: {"path_match": name, "mapping": m}})
        else:
            props[name] = m


def manifest_parts(path):
    try:
        with open(path) as f:
            man = yaml.safe_load(f) or {}
    except FileNotFoundError:
        return None, None
    it = ((man.get("elasticsearch") or {}).get("index_template") or {})
    dynamic = (it.get("mappings") or {}).get("dynamic")
    analysis = (it.get("settings") or {}).get("analysis")
    return dynamic, analysis


def component_template(path):
    with open(path) as f:
        text = re.sub(r"\$\{[^}]*\}", "0", f.read())  # version placeholders
    return json.loads(text)["template"]["mappings"]


def cxx_parts(s):
    # An array of raw string literals of at most 16000 characters each, ended by nullptr. Not one
    # concatenated literal: C++ compilers need only support 65536 characters in one (clang's
    # -Woverlength-strings), and the larger mappings are twice that.
    parts = [s[i:i + 16000] for i in range(0, len(s), 16000)] or [""]
    return "{\n" + "".join('R"rl(' + p + ')rl",\n' for p in parts) + "nullptr}"


def main():
    root, ecs_path = sys.argv[1], sys.argv[2]
    ecs = load_ecs(ecs_path)
    with open(root + "/index.json") as f:
        index = json.load(f)
    subset = None
    out = []
    for e in index:
        ds = e.get("data_stream", "")
        if not ds.startswith("logs-"):
            continue
        props, templates = {}, []
        dynamic, analysis = None, None
        files = [p for p in e.get("files", []) if p.endswith(".fields.yml")]
        if files:
            for p in files:
                with open(root + "/" + p) as f:
                    walk(yaml.safe_load(f), "", ecs, props, templates)
                dyn, an = manifest_parts(root + "/" + p.replace(".fields.yml", ".manifest.yml"))
                dynamic = dyn if dyn is not None else dynamic
                analysis = an or analysis
        elif e.get("types_only"):
            if subset is None:
                with open(root + "/detection-rules-integration-schemas-2024-07.subset.json") as f:
                    subset = json.load(f)["packages"]
            dsname = ds[len("logs-"):-2].split(".", 1)[1]
            types = subset[e["package"]]["data_streams"].get(dsname, {})
            for name, t in types.items():
                m = {"type": t}
                if t == "keyword":
                    m["ignore_above"] = 1024
                if "*" in name:
                    templates.append({name: {"path_match": name, "mapping": m}})
                else:
                    props[name] = m
        else:
            continue
        mappings = {"properties": dict(sorted(props.items()))}
        if templates:
            mappings["dynamic_templates"] = templates
        if dynamic is not None:
            mappings["dynamic"] = dynamic
        doc = {"mappings": mappings}
        if analysis:
            doc["settings"] = {"analysis": analysis}
        out.append((ds, e.get("package", ""), json.dumps(doc, separators=(",", ":"), sort_keys=False)))
    logs = component_template(root + "/elasticsearch/logs@mappings.json")
    ecsm = component_template(root + "/elasticsearch/ecs@mappings.json")
    print("// Generated by tools/gen_integration_table.py from the Elastic integration packages' field")
    print("// definitions (Elastic License 2.0; provenance in the generator's input README). Do not edit.")
    print("// Each entry: data stream index pattern, package, the index mapping Fleet's template gives it.")
    print("// A mapping is an array of string pieces ended by nullptr; join them to get the JSON.")
    for i, (ds, pkg, js) in enumerate(out):
        print("const char* const kIntegrationMapping" + str(i) + "[] = " + cxx_parts(js) + ";")
    print("struct IntegrationMapping {")
    print("  const char* data_stream;")
    print("  const char* package;")
    print("  const char* const* mapping;")
    print("};")
    print("const IntegrationMapping kIntegrationMappings[] = {")
    for i, (ds, pkg, js) in enumerate(out):
        print("    {" + json.dumps(ds) + ", " + json.dumps(pkg) + ", kIntegrationMapping" + str(i) + "},")
    print("};")
    print("// logs@mappings + ecs@mappings (component templates of every Fleet logs-* index template).")
    print("const char* const kLogsMappings[] = " + cxx_parts(json.dumps({"mappings": logs}, separators=(",", ":"))) + ";")
    print("const char* const kEcsMappings[] = " + cxx_parts(json.dumps({"mappings": ecsm}, separators=(",", ":"))) + ";")


if __name__ == "__main__":
    main()
