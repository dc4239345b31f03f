"""Validates Kubernetes manifests against the JSON schemas bundled with kubernetes-validate.

Run by validate-manifests.sh, which installs kubernetes-validate into a virtualenv first.
Stricter than the kubernetes-validate command line, which only warns and exits 0 when it has no
schema for a kind: here an unknown apiVersion/kind fails, except the legacy Ingress API versions,
which are checked against an older Kubernetes by a second kubernetes-validate (--legacy-python)
or skipped with a printed reason. `kind: List` items are validated one by one.

Exit status: 0 when every resource passed or was skipped, 1 when any failed, 2 on bad usage.
"""

import argparse
import json
import subprocess
import sys

import os

import jsonschema
import kubernetes_validate
import yaml

# API versions that recent schemas no longer have but that the seed's manifests use.
LEGACY = {
    ("extensions/v1beta1", "Ingress"): "removed in Kubernetes 1.22",
    ("networking.k8s.io/v1beta1", "Ingress"): "removed in Kubernetes 1.22",
}

LEGACY_CHECK = """
import json, sys
import kubernetes_validate
try:
    kubernetes_validate.validate(json.load(sys.stdin), sys.argv[1], strict=True)
except kubernetes_validate.ValidationError as e:
    print("%s: %s" % (".".join(str(p) for p in e.path) or "(top)", e.message))
    sys.exit(1)
except kubernetes_validate.SchemaNotFoundError as e:
    print(e.message)
    sys.exit(1)
"""


def resources(path):
    """Yields (label, resource) for every object in a YAML or JSON file, List items expanded."""
    with open(path) as f:
        documents = list(yaml.safe_load_all(f))
    for index, doc in enumerate(documents):
        if doc is None:
            continue
        label = "%s[doc %d]" % (path, index)
        if not isinstance(doc, dict):
            raise ValueError("%s: not a mapping but %s" % (label, type(doc).__name__))
        kind = doc.get("kind", "")
        if kind == "List" or (kind.endswith("List") and isinstance(doc.get("items"), list)):
            for item_index, item in enumerate(doc.get("items") or []):
                yield "%s.items[%d]" % (label, item_index), item
        else:
            yield label, doc


def name_of(resource):
    meta = resource.get("metadata") if isinstance(resource, dict) else None
    name = meta.get("name") if isinstance(meta, dict) else None
    kind = resource.get("kind", "?") if isinstance(resource, dict) else "?"
    return "%s/%s" % (kind, name or "?")


# Gateway API kinds are CRDs, which kubernetes-validate has no schemas for: they are validated
# against the CRDs the real-API-server tests install (Tests/Support/gateway-api/).
CRD_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Support", "gateway-api")


def strict(schema):
    """The CRD schema with unknown fields refused, as kubectl's strict field validation does."""
    if isinstance(schema, dict):
        out = {k: (strict(v) if k != "properties" else {n: strict(f) for n, f in v.items()}) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out and not out.get("x-kubernetes-preserve-unknown-fields"):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [strict(x) for x in schema]
    return schema


def crd_schemas():
    schemas = {}
    for name in sorted(os.listdir(CRD_DIR)):
        if not name.endswith(".yaml"):
            continue
        with open(os.path.join(CRD_DIR, name)) as f:
            for doc in yaml.safe_load_all(f):
                if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
                    continue
                spec = doc["spec"]
                for version in spec["versions"]:
                    if version.get("served"):
                        key = ("%s/%s" % (spec["group"], version["name"]), spec["names"]["kind"])
                        schemas[key] = strict(version["schema"]["openAPIV3Schema"])
    return schemas


CRDS = crd_schemas()


def check(label, resource, versions, legacy_python, legacy_version):
    """Returns ("pass" | "fail" | "skip", message)."""
    if not isinstance(resource, dict) or "apiVersion" not in resource or "kind" not in resource:
        return "fail", "no apiVersion and kind"
    key = (resource["apiVersion"], resource["kind"])
    if key in CRDS:
        try:
            jsonschema.validate(resource, CRDS[key])
        except jsonschema.ValidationError as e:
            where = ".".join(str(p) for p in e.absolute_path) or "(top)"
            return "fail", "CRD schema: %s: %s" % (where, e.message)
        return "pass", "the Gateway API CRD (Tests/Support/gateway-api)"
    passed = []
    for version in versions:
        try:
            passed.append(kubernetes_validate.validate(resource, version, strict=True))
        except kubernetes_validate.ValidationError as e:
            where = ".".join(str(p) for p in e.path) or "(top)"
            return "fail", "Kubernetes %s: %s: %s" % (e.version, where, e.message)
        except kubernetes_validate.SchemaNotFoundError as e:
            if key not in LEGACY:
                return "fail", e.message + " (a typo, or an API version this Kubernetes no longer serves)"
            reason = "%s %s is %s" % (key[0], key[1], LEGACY[key])
            if not legacy_python:
                return "skip", reason + "; no legacy validator (see --legacy-python)"
            run = subprocess.run(
                [legacy_python, "-c", LEGACY_CHECK, legacy_version],
                input=json.dumps(resource), capture_output=True, text=True)
            if run.returncode != 0:
                return "fail", "Kubernetes %s: %s" % (legacy_version, (run.stdout + run.stderr).strip())
            return "pass", "Kubernetes %s (%s)" % (legacy_version, reason)
    return "pass", "Kubernetes " + ", ".join(passed)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", dest="versions", action="append", required=True,
                        help="Kubernetes version to validate against; repeatable")
    parser.add_argument("--legacy-python", help="python with an older kubernetes-validate")
    parser.add_argument("--legacy-version", default="1.21.0")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    for version in args.versions:
        try:
            kubernetes_validate.validate({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}}, version)
        except kubernetes_validate.utils.VersionNotSupportedError:
            print("kubernetes-validate %s has no schemas for Kubernetes %s" % (kubernetes_validate.__version__, version))
            return 2

    counts = {"pass": 0, "fail": 0, "skip": 0}
    for path in args.files:
        try:
            items = list(resources(path))
        except (OSError, yaml.YAMLError, ValueError) as e:
            print("FAIL %s: cannot read: %s" % (path, str(e).replace("\n", " ")))
            counts["fail"] += 1
            continue
        if not items:
            print("FAIL %s: no Kubernetes objects" % path)
            counts["fail"] += 1
            continue
        for label, resource in items:
            status, message = check(label, resource, args.versions, args.legacy_python, args.legacy_version)
            counts[status] += 1
            print("%s %s %s: %s" % (status.upper(), label, name_of(resource), message))
    print("%d passed, %d failed, %d skipped" % (counts["pass"], counts["fail"], counts["skip"]))
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
