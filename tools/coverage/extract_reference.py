#!/usr/bin/env python3
"""Extracts the names of the Kusto reference (functions, aggregations, operators, plugins,
statements) from a checkout of MicrosoftDocs/dataexplorer-docs into a TSV file.

Usage: tools/coverage/extract_reference.py DOCS_CHECKOUT [COMMIT] > tools/coverage/kusto_reference.tsv

Sources, all under data-explorer/kusto/query/:
  scalar-functions.md       the scalar functions, by the page's categories (## headings)
  aggregation-functions.md  the aggregation functions, by category
  toc.yml                   tabular operators, special functions, query statements, scalar
                            operators, plugins (by their TOC group) and window functions
Each output line: kind, category, name, page (the reference page, relative to kusto/query/).
"""
import re
import sys
from pathlib import Path

LINK = re.compile(r"\[([^\]]+)\]\(([^)]+\.md)\)")


def md_table_names(path):
    """(category, name, page) for each linked name in the tables under ## headings."""
    category = None
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            category = line[3:].strip()
            continue
        if category is None or not line.startswith("|"):
            continue
        cells = line.split("|")
        if len(cells) < 2:
            continue
        for m in LINK.finditer(cells[1]):
            name = m.group(1).strip().strip("`")
            name = re.sub(r"\(\)$", "", name)
            if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                out.append((category, name, m.group(2)))
    return out


def toc_entries(path):
    """(path of group names, name, href) for each TOC entry, from the indentation."""
    stack = []  # (indent, name)
    out = []
    name = None
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^(\s*)- name:\s*(.*)$", line)
        if m:
            indent = len(m.group(1))
            name = m.group(2).strip().strip('"')
            while stack and stack[-1][0] >= indent:
                stack.pop()
            stack.append((indent, name))
            continue
        m = re.match(r"^\s*href:\s*(\S+)", line)
        if m and stack:
            out.append(([n for _, n in stack[:-1]], stack[-1][1], m.group(1)))
    return out


def main():
    docs = Path(sys.argv[1]) / "data-explorer" / "kusto" / "query"
    commit = sys.argv[2] if len(sys.argv) > 2 else "unknown"
    rows = []
    for cat, name, page in md_table_names(docs / "scalar-functions.md"):
        rows.append(("function", cat, name, page))
    for cat, name, page in md_table_names(docs / "aggregation-functions.md"):
        rows.append(("aggregate", cat, name, page))
    for groups, name, href in toc_entries(docs / "toc.yml"):
        top = groups[0] if groups else ""
        if top == "Tabular operators" and len(groups) > 1 and groups[1].endswith(" operator"):
            # an operator with sub-pages (join, summarize, render): the group names it
            rows.append(("operator", "Tabular operators", groups[1][: -len(" operator")], href))
        elif top == "Tabular operators" and name.endswith(" operator"):
            rows.append(("operator", "Tabular operators", name[: -len(" operator")], href))
        elif top == "Special functions" and name.endswith("()"):
            rows.append(("special", "Special functions", name[:-2], href))
        elif top == "Query statements" and name.endswith(" statement"):
            rows.append(("statement", "Query statements", name[: -len(" statement")].lower(), href))
        elif top == "Scalar operators" and name.endswith(" operator"):
            op = name[: -len(" operator")].split(" (")[0]
            rows.append(("scalar-operator", groups[1] if len(groups) > 1 else "Scalar operators", op, href))
        elif top == "Plugins" and name.endswith(" plugin"):
            rows.append(("plugin", groups[1] if len(groups) > 1 else "Plugins", name[: -len(" plugin")].lower(), href))
        elif top == "Window functions" and name.endswith("()"):
            rows.append(("function", "Window scalar functions", name[:-2], href))
    seen = set()
    print("# Names of the Kusto query reference, extracted by tools/coverage/extract_reference.py from")
    print(f"# MicrosoftDocs/dataexplorer-docs (data-explorer/kusto/query/) at commit {commit}.")
    print("# Licence of the source: CC BY 4.0 (documentation); only names and page paths are kept.")
    print("# kind\tcategory\tname\tpage")
    for kind, cat, name, page in rows:
        key = (kind, name)
        if key in seen:
            continue
        seen.add(key)
        print(f"{kind}\t{cat}\t{name}\t{page}")


if __name__ == "__main__":
    main()
