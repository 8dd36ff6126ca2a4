#!/usr/bin/env python3
"""Checks Deploy/kubernetes/*.yaml against Config/meridian.yaml (run by Deploy/check).

Every document must parse as YAML and have apiVersion, kind and metadata.name. Beyond that:
- one worker Deployment, PodDisruptionBudget and KEDA ScaledObject per region of the config;
- each ScaledObject: minReplicaCount >= 1, a `nats-jetstream` trigger on stream MERIDIAN_WORK
  for exactly the durable consumers work-<region>-<tier> of the region's tiers, and a `cron`
  trigger in the region's timezone whose window covers its Monday-Friday opening hours;
- Deployments: selector matches the pod labels, every volumeMount names a volume, containers run
  as non-root on a read-only root file system; PDBs and ScaledObjects point at a Deployment;
- the meridian-config ConfigMap holds Config/meridian.yaml and Config/holidays/fr.ics byte for
  byte (--write-configmap regenerates it); the Secret holds no NKey seed.
Prints one line per problem and exits 1 if there is any.
"""
import glob
import os
import re
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
KUBE = os.path.join(HERE, "kubernetes")
CONFIG = os.path.join(ROOT, "Config", "meridian.yaml")
HOLIDAYS = os.path.join(ROOT, "Config", "holidays", "fr.ics")
# The names of Sources/MeridianServices/Streams.swift (MeridianStreams.work, workConsumer).
WORK_STREAM = "MERIDIAN_WORK"
ALL_TIERS = ["l1", "l2", "l3"]
# An NKey seed: "S" + key type + base32 (58 characters in all).
SEED = re.compile(r"S[A-Z][A-Z2-7]{56}")


def indented(path):
    text = open(path, encoding="utf-8").read()
    return "\n".join(("    " + line) if line else "" for line in text.split("\n")).rstrip() + "\n"


def write_configmap():
    """Regenerates kubernetes/configmap.yaml from Config/."""
    head = open(os.path.join(KUBE, "configmap.yaml"), encoding="utf-8").read().split("\ndata:\n", 1)[0]
    runtime = open(os.path.join(KUBE, "configmap.yaml"), encoding="utf-8").read().split("\n---\n", 1)[1]
    text = (head + "\ndata:\n  meridian.yaml: |\n" + indented(CONFIG) + "  fr.ics: |\n" + indented(HOLIDAYS)
            + "---\n" + runtime)
    open(os.path.join(KUBE, "configmap.yaml"), "w", encoding="utf-8").write(text)


def cron_minutes(expression):
    """'45 7 * * 1-5' -> (minute of day, days) for the simple weekday form the files use."""
    fields = expression.split()
    if len(fields) != 5 or not fields[0].isdigit() or not fields[1].isdigit() or fields[2:4] != ["*", "*"]:
        return None
    return int(fields[1]) * 60 + int(fields[0]), fields[4]


def hhmm(text):
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def main():
    problems = []

    def problem(where, text):
        problems.append(f"{where}: {text}")

    config = yaml.safe_load(open(CONFIG, encoding="utf-8"))
    regions = config["regions"]
    documents = []
    for path in sorted(glob.glob(os.path.join(KUBE, "*.yaml"))):
        name = os.path.relpath(path, ROOT)
        try:
            loaded = list(yaml.safe_load_all(open(path, encoding="utf-8")))
        except yaml.YAMLError as error:
            problem(name, f"not YAML: {error}")
            continue
        for index, doc in enumerate(loaded):
            where = f"{name} document {index + 1}"
            if not isinstance(doc, dict):
                problem(where, "not a mapping")
                continue
            for key in ("apiVersion", "kind"):
                if not isinstance(doc.get(key), str) or not doc[key]:
                    problem(where, f"no {key}")
            metadata = doc.get("metadata")
            if not isinstance(metadata, dict) or not isinstance(metadata.get("name"), str) or not metadata["name"]:
                problem(where, "no metadata.name")
                continue
            documents.append((f"{name} {doc.get('kind')}/{metadata['name']}", doc))

    def of_kind(kind):
        return {doc["metadata"]["name"]: (where, doc) for where, doc in documents if doc.get("kind") == kind}

    deployments = of_kind("Deployment")
    for where, doc in deployments.values():
        spec = doc.get("spec", {})
        pod = spec.get("template", {})
        labels = pod.get("metadata", {}).get("labels", {})
        selector = spec.get("selector", {}).get("matchLabels", {})
        if not selector or any(labels.get(k) != v for k, v in selector.items()):
            problem(where, "spec.selector.matchLabels does not match the pod template's labels")
        volumes = {v.get("name") for v in pod.get("spec", {}).get("volumes", [])}
        containers = pod.get("spec", {}).get("containers", [])
        if not containers:
            problem(where, "no containers")
        for container in containers:
            for mount in container.get("volumeMounts", []):
                if mount.get("name") not in volumes:
                    problem(where, f"volumeMount {mount.get('name')} names no volume")
            security = container.get("securityContext", {})
            if security.get("runAsNonRoot") is not True or security.get("readOnlyRootFilesystem") is not True:
                problem(where, "container must set runAsNonRoot and readOnlyRootFilesystem")
            if security.get("allowPrivilegeEscalation") is not False:
                problem(where, "container must set allowPrivilegeEscalation: false")
            if not container.get("image") or not container.get("args"):
                problem(where, "container without image or args")

    def selects_deployment(where, selector):
        for _, deployment in deployments.values():
            labels = deployment["spec"]["template"]["metadata"].get("labels", {})
            if selector and all(labels.get(k) == v for k, v in selector.items()):
                return deployment["metadata"]["name"]
        problem(where, "selects no Deployment")
        return None

    pdbs = of_kind("PodDisruptionBudget")
    for where, doc in pdbs.values():
        selects_deployment(where, doc.get("spec", {}).get("selector", {}).get("matchLabels", {}))
        if doc.get("spec", {}).get("minAvailable", 0) < 1:
            problem(where, "minAvailable must be at least 1")

    scaled = of_kind("ScaledObject")
    for where, doc in scaled.values():
        if doc.get("apiVersion") != "keda.sh/v1alpha1":
            problem(where, "apiVersion must be keda.sh/v1alpha1")
        target = doc.get("spec", {}).get("scaleTargetRef", {}).get("name")
        if target not in deployments:
            problem(where, f"scaleTargetRef {target} is no Deployment")

    if "meridian-router" not in deployments or "meridian-router" not in pdbs:
        problem("Deploy/kubernetes", "no router Deployment and PodDisruptionBudget meridian-router")

    for region, settings in regions.items():
        name = f"meridian-worker-{region}"
        if name not in deployments:
            problem("Deploy/kubernetes", f"no Deployment {name}")
        else:
            args = deployments[name][1]["spec"]["template"]["spec"]["containers"][0].get("args", [])
            if "--region" not in args or args[args.index("--region") + 1:][:1] != [region]:
                problem(deployments[name][0], f"container args do not say --region {region}")
        if name not in pdbs:
            problem("Deploy/kubernetes", f"no PodDisruptionBudget {name}")
        if name not in scaled:
            problem("Deploy/kubernetes", f"no ScaledObject {name}")
            continue
        where, doc = scaled[name]
        spec = doc["spec"]
        if not isinstance(spec.get("minReplicaCount"), int) or spec["minReplicaCount"] < 1:
            problem(where, "minReplicaCount must be at least 1: the region's clocks live in its workers")
        triggers = spec.get("triggers", [])
        types = sorted({t.get("type") for t in triggers})
        if types != ["cron", "nats-jetstream"]:
            problem(where, f"trigger types are {types}, expected cron and nats-jetstream")
        tiers = settings.get("tiers", ALL_TIERS)
        expected = sorted(f"work-{region}-{tier}" for tier in tiers)
        lag = [t.get("metadata", {}) for t in triggers if t.get("type") == "nats-jetstream"]
        if sorted(m.get("consumer") for m in lag) != expected:
            problem(where, f"nats-jetstream consumers {sorted(m.get('consumer') for m in lag)}, expected {expected}")
        for m in lag:
            if m.get("stream") != WORK_STREAM:
                problem(where, f"nats-jetstream stream {m.get('stream')}, expected {WORK_STREAM}")
            for key in ("natsServerMonitoringEndpoint", "account", "lagThreshold"):
                if not m.get(key):
                    problem(where, f"nats-jetstream trigger without {key}")
        hours = settings.get("hours", {}).get("mon-fri")
        for t in (t for t in triggers if t.get("type") == "cron"):
            m = t.get("metadata", {})
            if m.get("timezone") != settings["timezone"]:
                problem(where, f"cron timezone {m.get('timezone')}, the region's is {settings['timezone']}")
            start, end = cron_minutes(str(m.get("start", ""))), cron_minutes(str(m.get("end", "")))
            if start is None or end is None:
                problem(where, "cron start/end must be 'M H * * days'")
                continue
            if not str(m.get("desiredReplicas", "")).isdigit() or int(m["desiredReplicas"]) < 1:
                problem(where, "cron desiredReplicas must be at least 1")
            if hours and "," not in hours and "-" in hours:
                opens, closes = (hhmm(x) for x in hours.split("-"))
                if start[1] != "1-5" or end[1] != "1-5" or start[0] > opens or end[0] < closes:
                    problem(where, f"cron window {m.get('start')} .. {m.get('end')} does not cover mon-fri {hours}")

    configmaps = of_kind("ConfigMap")
    if "meridian-config" not in configmaps:
        problem("Deploy/kubernetes", "no ConfigMap meridian-config")
    else:
        where, doc = configmaps["meridian-config"]
        data = doc.get("data", {})
        for key, path in (("meridian.yaml", CONFIG), ("fr.ics", HOLIDAYS)):
            if data.get(key) != open(path, encoding="utf-8").read():
                problem(where, f"data.{key} differs from {os.path.relpath(path, ROOT)}: "
                               "run python3 Deploy/check_kubernetes.py --write-configmap")

    secrets = of_kind("Secret")
    if "meridian-nkeys" not in secrets:
        problem("Deploy/kubernetes", "no Secret meridian-nkeys")
    else:
        where, doc = secrets["meridian-nkeys"]
        values = {**doc.get("stringData", {}), **doc.get("data", {})}
        wanted = {"router.nk"} | {f"worker-{r}.nk" for r in regions}
        if set(values) != wanted:
            problem(where, f"keys {sorted(values)}, expected {sorted(wanted)}")
        for key, value in values.items():
            if SEED.search(str(value)):
                problem(where, f"{key} holds what looks like a real NKey seed: never commit keys")

    for line in problems:
        print(line)
    kinds = sorted({doc["kind"] for _, doc in documents})
    print(f"{len(documents)} documents ({', '.join(kinds)}), {len(regions)} regions: "
          f"{'ok' if not problems else f'{len(problems)} problems'}")
    return 1 if problems else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--write-configmap"]:
        write_configmap()
        sys.exit(0)
    if sys.argv[1:]:
        print("usage: check_kubernetes.py [--write-configmap]", file=sys.stderr)
        sys.exit(64)
    sys.exit(main())
