#!/usr/bin/env python3
"""Checks the Grafana dashboard and its provisioning, and the metric names the dashboard and the
Prometheus rules use (run by Deploy/check).

- grafana/dashboards/meridian.json is JSON with a uid, a title and the expected panels (regions,
  queues, clocks at risk, breaches, latency), each with a query on the provisioned datasource;
- grafana/provisioning/*/*.yaml parse, the datasource uid is the dashboard's, the dashboard
  provider has a path;
- every meridian_* name in the dashboard and in prometheus/rules.yml is in the metrics table of
  Docs/OPERATIONS.md (the names the /metrics endpoint serves), every recording-rule name used is
  defined in rules.yml, and every documented metric is used by the rules or the dashboard.
Prints one line per problem and exits 1 if there is any.
"""
import json
import os
import re
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DASHBOARD = os.path.join(HERE, "grafana", "dashboards", "meridian.json")
DATASOURCES = os.path.join(HERE, "grafana", "provisioning", "datasources", "prometheus.yaml")
PROVIDERS = os.path.join(HERE, "grafana", "provisioning", "dashboards", "meridian.yaml")
RULES = os.path.join(HERE, "prometheus", "rules.yml")
OPERATIONS = os.path.join(ROOT, "Docs", "OPERATIONS.md")

EXPECTED_PANELS = [
    "Region open now", "Live workers", "Work backlog", "Oldest waiting work", "Open clocks",
    "Clocks at risk", "SLA breaches (last hour)", "Assignment latency p95",
]
# Histogram series suffixes of a documented histogram.
SUFFIXES = ("_bucket", "_sum", "_count")
NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def names_in(expr):
    """Metric and recording-rule names of a PromQL expression (label names and values stripped)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)        # string literals
    expr = re.sub(r"\{[^}]*\}", "", expr)                   # label matchers
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)                  # ranges
    return {n for n in NAME.findall(expr) if n.startswith("meridian_") or ":" in n}


def documented_metrics():
    """`meridian_*` names in the first column of Docs/OPERATIONS.md's metrics table."""
    names = set()
    for line in open(OPERATIONS, encoding="utf-8"):
        match = re.match(r"\|\s*`(meridian_[a-z0-9_]+)`", line)
        if match:
            names.add(match.group(1))
    return names


def main():
    problems = []
    documented = documented_metrics()
    if not documented:
        problems.append("Docs/OPERATIONS.md: no metrics table (| `meridian_...` | rows)")

    rules = yaml.safe_load(open(RULES, encoding="utf-8"))
    recorded = set()
    rule_exprs = []
    for group in rules.get("groups", []):
        for rule in group.get("rules", []):
            if "record" in rule:
                recorded.add(rule["record"])
            rule_exprs.append((f"rules.yml {rule.get('record') or rule.get('alert')}", rule["expr"]))

    try:
        dashboard = json.load(open(DASHBOARD, encoding="utf-8"))
    except ValueError as error:
        print(f"grafana/dashboards/meridian.json: not JSON: {error}")
        return 1
    datasource_uid = None
    try:
        sources = yaml.safe_load(open(DATASOURCES, encoding="utf-8"))["datasources"]
        datasource_uid = sources[0]["uid"]
        providers = yaml.safe_load(open(PROVIDERS, encoding="utf-8"))["providers"]
        if not providers[0].get("options", {}).get("path"):
            problems.append("grafana/provisioning/dashboards/meridian.yaml: provider without options.path")
    except (yaml.YAMLError, KeyError, IndexError, TypeError) as error:
        problems.append(f"grafana/provisioning: {error!r}")

    for key in ("uid", "title", "panels"):
        if not dashboard.get(key):
            problems.append(f"meridian.json: no {key}")
    panels = [p for p in dashboard.get("panels", []) if p.get("type") != "row"]
    titles = [p.get("title") for p in panels]
    for title in EXPECTED_PANELS:
        if title not in titles:
            problems.append(f"meridian.json: no panel \"{title}\"")
    dashboard_exprs = []
    for panel in panels:
        where = f"meridian.json panel \"{panel.get('title')}\""
        if panel.get("datasource", {}).get("uid") != datasource_uid:
            problems.append(f"{where}: datasource is not the provisioned {datasource_uid}")
        if not all(k in panel.get("gridPos", {}) for k in ("x", "y", "w", "h")):
            problems.append(f"{where}: no gridPos")
        targets = [t.get("expr", "") for t in panel.get("targets", [])]
        if not targets or not all(targets):
            problems.append(f"{where}: a target without a query")
        dashboard_exprs += [(where, e) for e in targets]

    used = set()
    for where, expr in rule_exprs + dashboard_exprs:
        for name in names_in(expr):
            if ":" in name:
                if name not in recorded:
                    problems.append(f"{where}: {name} is no recording rule of rules.yml")
                continue
            base = next((name[: -len(s)] for s in SUFFIXES if name.endswith(s) and name[: -len(s)] in documented), name)
            used.add(base)
            if base not in documented:
                problems.append(f"{where}: {name} is not in the metrics table of Docs/OPERATIONS.md")
    for name in sorted(documented - used):
        problems.append(f"Docs/OPERATIONS.md: {name} is used by no rule or panel")

    for line in problems:
        print(line)
    print(f"{len(panels)} panels, {len(rule_exprs)} rules, {len(documented)} documented metrics: "
          f"{'ok' if not problems else f'{len(problems)} problems'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
