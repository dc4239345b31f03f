#!/usr/bin/env python3
"""A small in-memory, Kubernetes-compatible API server for tests (standard library only).

Test support, never shipped. The contract (CLI, endpoints, semantics, fault knobs) is README.md
next to this file; keep the two in step.
"""

import argparse
import base64
import calendar
import collections
import copy
import json
import os
import random
import re
import signal
import socket
import ssl
import sys
import threading
import time
import traceback
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


# --------------------------------------------------------------------------------------------
# Resources


class Resource:
    def __init__(self, group, version, plural, singular, kind, namespaced, short_names=(),
                 has_status=False, has_generation=False):
        self.group = group
        self.version = version
        self.plural = plural
        self.singular = singular
        self.kind = kind
        self.namespaced = namespaced
        self.short_names = list(short_names)
        self.has_status = has_status
        self.has_generation = has_generation

    @property
    def api_version(self):
        return self.version if self.group == "" else "%s/%s" % (self.group, self.version)

    @property
    def key(self):
        """`ingresses.networking.k8s.io`, or `services` for the core group."""
        return self.plural if self.group == "" else "%s.%s" % (self.plural, self.group)

    @property
    def qualified_kind(self):
        return self.kind if self.group == "" else "%s.%s" % (self.kind, self.group)


RESOURCES = [
    Resource("", "v1", "namespaces", "namespace", "Namespace", False, ["ns"], has_status=True),
    Resource("", "v1", "services", "service", "Service", True, ["svc"], has_status=True),
    Resource("", "v1", "secrets", "secret", "Secret", True),
    Resource("", "v1", "configmaps", "configmap", "ConfigMap", True, ["cm"]),
    Resource("", "v1", "events", "event", "Event", True, ["ev"]),
    Resource("events.k8s.io", "v1", "events", "event", "Event", True, ["ev"]),
    Resource("networking.k8s.io", "v1", "ingresses", "ingress", "Ingress", True, ["ing"],
             has_status=True, has_generation=True),
    Resource("networking.k8s.io", "v1", "ingressclasses", "ingressclass", "IngressClass", False,
             has_generation=True),
    Resource("coordination.k8s.io", "v1", "leases", "lease", "Lease", True),
]
RESOURCE_BY_PATH = {(r.group, r.version, r.plural): r for r in RESOURCES}
RESOURCE_BY_KIND = {(r.api_version, r.kind): r for r in RESOURCES}
NAMESPACES = RESOURCE_BY_PATH[("", "v1", "namespaces")]
SERVICES = RESOURCE_BY_PATH[("", "v1", "services")]
SECRETS = RESOURCE_BY_PATH[("", "v1", "secrets")]
CONFIGMAPS = RESOURCE_BY_PATH[("", "v1", "configmaps")]
CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
RESOURCE_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def now_rfc3339():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# --------------------------------------------------------------------------------------------
# Errors as Status objects


class ApiError(Exception):
    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}

    def status(self):
        body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": self.message, "reason": self.reason}
        if self.details is not None:
            body["details"] = self.details
        body["code"] = self.code
        return body


def details_for(res, name=None):
    d = {}
    if name:
        d["name"] = name
    if res.group:
        d["group"] = res.group
    d["kind"] = res.plural
    return d


def not_found(res, name):
    return ApiError(404, "NotFound", '%s "%s" not found' % (res.key, name), details_for(res, name))


def already_exists(res, name):
    return ApiError(409, "AlreadyExists", '%s "%s" already exists' % (res.key, name),
                    details_for(res, name))


def conflict(res, name):
    return ApiError(409, "Conflict",
                    'Operation cannot be fulfilled on %s "%s": the object has been modified; '
                    "please apply your changes to the latest version and try again"
                    % (res.key, name), details_for(res, name))


def invalid(res, name, field, cause_reason, detail):
    d = {"name": name or ""}
    if res.group:
        d["group"] = res.group
    d["kind"] = res.kind
    d["causes"] = [{"reason": cause_reason, "message": detail, "field": field}]
    return ApiError(422, "Invalid", '%s "%s" is invalid: %s: %s'
                    % (res.qualified_kind, name or "", field, detail), d)


def bad_request(message):
    return ApiError(400, "BadRequest", message)


def expired(message):
    return ApiError(410, "Expired", message)


# --------------------------------------------------------------------------------------------
# Selectors


def split_outside_parens(text):
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


LABEL_KEY = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$")


def parse_label_selector(text):
    reqs = []
    for part in split_outside_parens(text or ""):
        m = re.match(r"^(\S+)\s+(in|notin)\s+\((.*)\)$", part)
        if m:
            values = {v.strip() for v in m.group(3).split(",") if v.strip()}
            reqs.append((m.group(2), m.group(1), values))
            continue
        if part.startswith("!"):
            key, op, value = part[1:].strip(), "!exists", None
        elif "!=" in part:
            key, value = part.split("!=", 1)
            op = "!="
        elif "==" in part:
            key, value = part.split("==", 1)
            op = "="
        elif "=" in part:
            key, value = part.split("=", 1)
            op = "="
        else:
            key, op, value = part, "exists", None
        key = key.strip()
        if not LABEL_KEY.match(key):
            raise bad_request("unable to parse requirement: invalid label key %r" % key)
        reqs.append((op, key, value.strip() if value is not None else None))
    return reqs


def labels_match(reqs, labels):
    labels = labels or {}
    for op, key, value in reqs:
        has = key in labels
        if op == "=" and (not has or labels[key] != value):
            return False
        if op == "!=" and has and labels[key] == value:
            return False
        if op == "exists" and not has:
            return False
        if op == "!exists" and has:
            return False
        if op == "in" and (not has or labels[key] not in value):
            return False
        if op == "notin" and has and labels[key] in value:
            return False
    return True


def parse_field_selector(text):
    reqs = []
    for part in split_outside_parens(text or ""):
        if "!=" in part:
            field, value = part.split("!=", 1)
            op = "!="
        elif "==" in part:
            field, value = part.split("==", 1)
            op = "="
        elif "=" in part:
            field, value = part.split("=", 1)
            op = "="
        else:
            raise bad_request("invalid selector: '%s'; can't understand '%s'" % (text, part))
        field = field.strip()
        if field not in ("metadata.name", "metadata.namespace"):
            raise bad_request('field label not supported: %s' % field)
        reqs.append((op, field, value.strip()))
    return reqs


def fields_match(reqs, obj):
    meta = obj.get("metadata", {})
    for op, field, value in reqs:
        actual = meta.get("name" if field == "metadata.name" else "namespace", "")
        if (op == "=") != (actual == value):
            return False
    return True


# --------------------------------------------------------------------------------------------
# Patches


STRATEGIC_MERGE_KEYS = {"ports": "port", "conditions": "type", "containers": "name",
                        "initContainers": "name", "env": "name", "volumes": "name",
                        "volumeMounts": "mountPath", "imagePullSecrets": "name"}


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            result.pop(k, None)
        else:
            result[k] = merge_patch(result.get(k), v)
    return result


def _element_id(x, key):
    if key and isinstance(x, dict):
        return json.dumps(x.get(key), sort_keys=True)
    return json.dumps(x, sort_keys=True)


def strategic_merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    directive = patch.get("$patch")
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if directive == "delete":
        return None
    result = dict(target) if isinstance(target, dict) else {}
    orders = {}
    for k, v in patch.items():
        if k.startswith("$setElementOrder/"):
            orders[k[len("$setElementOrder/"):]] = v
        elif k.startswith("$deleteFromPrimitiveList/"):
            field = k[len("$deleteFromPrimitiveList/"):]
            result[field] = [x for x in result.get(field) or [] if x not in v]
        elif k.startswith("$"):
            continue
        elif v is None:
            result.pop(k, None)
        elif isinstance(v, list) and k in STRATEGIC_MERGE_KEYS and isinstance(result.get(k), list):
            result[k] = _merge_keyed_list(result[k], v, STRATEGIC_MERGE_KEYS[k])
        elif isinstance(v, dict):
            merged = strategic_merge_patch(result.get(k), v)
            if merged is None:
                result.pop(k, None)
            else:
                result[k] = merged
        else:
            result[k] = copy.deepcopy(v)
    for field, order in orders.items():
        if isinstance(result.get(field), list):
            key = STRATEGIC_MERGE_KEYS.get(field)
            pos = {_element_id(o, key): i for i, o in enumerate(order)}
            result[field] = sorted(result[field],
                                   key=lambda x: pos.get(_element_id(x, key), len(order)))
    return result


def _merge_keyed_list(current, patch, key):
    if not all(isinstance(el, dict) for el in patch):
        return copy.deepcopy(patch)
    result = [copy.deepcopy(x) for x in current]
    for el in patch:
        idx = next((i for i, x in enumerate(result)
                    if isinstance(x, dict) and x.get(key) == el.get(key)), None)
        if el.get("$patch") == "delete":
            if idx is not None:
                del result[idx]
            continue
        merged = strategic_merge_patch(result[idx] if idx is not None else {}, el)
        if idx is None:
            result.append(merged)
        else:
            result[idx] = merged
    return result


def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise bad_request("invalid JSON pointer %r" % path)
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _resolve_parent(doc, tokens):
    cur = doc
    for t in tokens[:-1]:
        if isinstance(cur, list):
            cur = cur[int(t)]
        else:
            cur = cur[t]
    return cur


def json_patch(doc, ops):
    if not isinstance(ops, list):
        raise bad_request("a JSON patch must be an array of operations")
    doc = copy.deepcopy(doc)
    try:
        for op in ops:
            kind, tokens = op.get("op"), _pointer(op.get("path", ""))
            if kind in ("add", "replace", "test"):
                value = copy.deepcopy(op.get("value"))
            elif kind in ("copy", "move"):
                src = _pointer(op.get("from", ""))
                parent = _resolve_parent(doc, src)
                value = copy.deepcopy(parent[int(src[-1])] if isinstance(parent, list) else parent[src[-1]])
                if kind == "move":
                    if isinstance(parent, list):
                        del parent[int(src[-1])]
                    else:
                        del parent[src[-1]]
                kind = "add"
            elif kind == "remove":
                value = None
            else:
                raise bad_request("unknown JSON patch operation %r" % kind)
            if not tokens:
                if kind == "test":
                    if doc != value:
                        raise ApiError(422, "Invalid", "the test operation failed")
                    continue
                doc = value
                continue
            parent, last = _resolve_parent(doc, tokens), tokens[-1]
            if kind == "test":
                actual = parent[int(last)] if isinstance(parent, list) else parent[last]
                if actual != value:
                    raise ApiError(422, "Invalid", "testing value %s failed" % op.get("path"))
            elif kind == "remove":
                if isinstance(parent, list):
                    del parent[int(last)]
                else:
                    del parent[last]
            elif isinstance(parent, list):
                if kind == "add":
                    parent.insert(len(parent) if last == "-" else int(last), value)
                else:
                    parent[int(last)] = value
            else:
                if kind == "replace" and last not in parent:
                    raise ApiError(422, "Invalid", "replace operation does not apply: doc is missing "
                                   "key: %s" % op.get("path"))
                parent[last] = value
    except (KeyError, IndexError, ValueError, TypeError, AttributeError) as e:
        raise ApiError(422, "Invalid", "the JSON patch could not be applied: %r" % (e,))
    return doc


# --------------------------------------------------------------------------------------------
# Watchers


class Watcher:
    def __init__(self, res, namespace, label_reqs, field_reqs, capacity, connection):
        self.res = res
        self.namespace = namespace
        self.label_reqs = label_reqs
        self.field_reqs = field_reqs
        self.capacity = capacity
        self.connection = connection
        self.queue = collections.deque()
        self.overflowed = False
        self.cut_mode = None

    def matches(self, obj):
        meta = obj.get("metadata", {})
        if self.namespace is not None and meta.get("namespace") != self.namespace:
            return False
        return labels_match(self.label_reqs, meta.get("labels")) and fields_match(self.field_reqs, obj)

    def translate(self, etype, obj, old):
        """The event this watcher sees, honouring selector transitions as the real cacher does."""
        new_ok = self.matches(obj)
        if etype != "MODIFIED":
            return (etype, obj) if new_ok else None
        old_ok = old is not None and self.matches(old)
        if new_ok and old_ok:
            return ("MODIFIED", obj)
        if new_ok:
            return ("ADDED", obj)
        if old_ok:
            gone = copy.deepcopy(old)
            gone["metadata"]["resourceVersion"] = obj["metadata"]["resourceVersion"]
            return ("DELETED", gone)
        return None

    def offer(self, event):
        if self.overflowed or self.cut_mode:
            return
        if len(self.queue) >= self.capacity:
            self.overflowed = True
            self.queue.clear()
        else:
            self.queue.append(event)


# --------------------------------------------------------------------------------------------
# The store


class Store:
    def __init__(self, history_size, queue_size):
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.rv = 0
        self.floor = 0
        self.objects = {r.key: {} for r in RESOURCES}
        self.history = collections.deque()
        self.history_size = history_size
        self.queue_size = queue_size
        self.watchers = set()
        self.snapshots = collections.OrderedDict()
        self.stall_until = 0.0
        self.cluster_ips = set()

    # -- events -----------------------------------------------------------------------------

    def _commit(self, res, etype, obj, old):
        """Stores (or removes) obj at the next resourceVersion and dispatches the event."""
        self.rv += 1
        obj["metadata"]["resourceVersion"] = str(self.rv)
        key = (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])
        if etype == "DELETED":
            self.objects[res.key].pop(key, None)
        else:
            self.objects[res.key][key] = obj
        self.history.append((self.rv, res.key, etype, obj, old))
        while len(self.history) > self.history_size:
            self.floor = max(self.floor, self.history.popleft()[0])
        for w in self.watchers:
            if w.res is res:
                ev = w.translate(etype, obj, old)
                if ev is not None:
                    w.offer(ev)
        self.cond.notify_all()
        return obj

    def compact(self):
        with self.lock:
            self.floor = self.rv
            self.history.clear()
            self.snapshots.clear()

    # -- reads ------------------------------------------------------------------------------

    def get(self, res, ns, name):
        with self.lock:
            obj = self.objects[res.key].get((ns or "", name))
            if obj is None:
                raise not_found(res, name)
            return obj

    def list(self, res, ns, label_reqs, field_reqs, limit, cont):
        with self.lock:
            if cont:
                try:
                    token = json.loads(base64.urlsafe_b64decode(cont.encode() + b"==="))
                    snap_id, offset, rv = token["s"], int(token["o"]), int(token["rv"])
                except (ValueError, KeyError, TypeError):
                    raise bad_request("continue key is not valid: incorrect encoded start "
                                      "resourceVersion (version meta.k8s.io/v1)")
                items = self.snapshots.get(snap_id)
                if items is None or rv < self.floor:
                    raise expired("The provided continue parameter is too old to display a "
                                  "consistent list result. You can start a new list without the "
                                  "continue parameter.")
                self.snapshots.move_to_end(snap_id)
            else:
                rv, offset, snap_id = self.rv, 0, None
                w = Watcher(res, ns, label_reqs, field_reqs, 0, None)
                items = [o for _, o in sorted(self.objects[res.key].items()) if w.matches(o)]
            meta = {"resourceVersion": str(rv)}
            if limit and offset + limit < len(items):
                if snap_id is None:
                    snap_id = uuid.uuid4().hex
                    self.snapshots[snap_id] = items
                    while len(self.snapshots) > 200:
                        self.snapshots.popitem(last=False)
                page = items[offset:offset + limit]
                meta["continue"] = base64.urlsafe_b64encode(json.dumps(
                    {"s": snap_id, "o": offset + limit, "rv": rv}).encode()).decode().rstrip("=")
                if not label_reqs and not field_reqs:
                    meta["remainingItemCount"] = len(items) - offset - limit
            else:
                page = items[offset:]
            return meta, page

    def namespace_exists(self, ns):
        return ("", ns) in self.objects[NAMESPACES.key]

    # -- writes -----------------------------------------------------------------------------

    def create(self, res, ns, body, dry_run=False):
        obj = prepare_body(res, ns, body)
        meta = obj["metadata"]
        with self.lock:
            if not meta.get("name"):
                if meta.get("generateName"):
                    for _ in range(100):
                        candidate = meta["generateName"] + "".join(
                            random.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
                        if (meta.get("namespace", ""), candidate) not in self.objects[res.key]:
                            break
                    meta["name"] = candidate
                else:
                    raise invalid(res, "", "metadata.name", "FieldValueRequired",
                                  "Required value: name or generateName is required")
            validate_name(res, meta["name"])
            if res.namespaced and not self.namespace_exists(meta["namespace"]):
                raise ApiError(404, "NotFound", 'namespaces "%s" not found' % meta["namespace"],
                               {"name": meta["namespace"], "kind": "namespaces"})
            if (meta.get("namespace", ""), meta["name"]) in self.objects[res.key]:
                raise already_exists(res, meta["name"])
            for k in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds",
                      "selfLink", "managedFields"):
                meta.pop(k, None)
            meta["uid"] = str(uuid.uuid4())
            meta["creationTimestamp"] = now_rfc3339()
            if res.has_generation:
                meta["generation"] = 1
            else:
                meta.pop("generation", None)
            if res in (SERVICES,) or res.plural == "ingresses":
                obj["status"] = {"loadBalancer": {}}
            self._apply_defaults(res, obj, None)
            if dry_run:
                return obj
            return self._commit(res, "ADDED", obj, None)

    def update(self, res, ns, name, body, subresource=None, dry_run=False):
        body = prepare_body(res, ns, body, name)
        with self.lock:
            old = self.get(res, ns, name)
            wanted = body["metadata"].get("resourceVersion")
            if wanted and wanted != old["metadata"]["resourceVersion"]:
                raise conflict(res, name)
            return self._replace(res, old, body, subresource, dry_run)

    def patch(self, res, ns, name, content_type, patch, subresource=None, dry_run=False):
        with self.lock:
            old = self.get(res, ns, name)
            if content_type == "application/merge-patch+json":
                if not isinstance(patch, dict):
                    raise bad_request("a merge patch must be a JSON object")
                new = merge_patch(copy.deepcopy(old), patch)
            elif content_type == "application/strategic-merge-patch+json":
                if not isinstance(patch, dict):
                    raise bad_request("a strategic merge patch must be a JSON object")
                new = strategic_merge_patch(copy.deepcopy(old), patch)
            elif content_type == "application/json-patch+json":
                new = json_patch(old, patch)
            else:
                raise ApiError(415, "UnsupportedMediaType",
                               "the body of the request was in an unknown format - accepted media "
                               "types include: application/json-patch+json, "
                               "application/merge-patch+json, application/strategic-merge-patch+json")
            if not isinstance(new, dict):
                raise bad_request("the patch did not produce an object")
            new = copy.deepcopy(new)
            new_meta = new.setdefault("metadata", {})
            if not isinstance(new_meta, dict):
                raise bad_request("metadata must be an object")
            if new_meta.get("resourceVersion") != old["metadata"]["resourceVersion"]:
                if new_meta.get("resourceVersion"):
                    raise conflict(res, name)
            new_meta["name"] = name
            if res.namespaced:
                new_meta["namespace"] = ns
            new["kind"], new["apiVersion"] = res.kind, res.api_version
            return self._replace(res, old, new, subresource, dry_run)

    def _replace(self, res, old, body, subresource, dry_run):
        old_meta = old["metadata"]
        if subresource == "status":
            new = copy.deepcopy(old)
            if "status" in body:
                new["status"] = copy.deepcopy(body["status"])
            else:
                new.pop("status", None)
        else:
            new = copy.deepcopy(body)
            meta = new["metadata"]
            for k in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"):
                if k in old_meta:
                    meta[k] = old_meta[k]
                else:
                    meta.pop(k, None)
            if res.has_status:
                if "status" in old:
                    new["status"] = copy.deepcopy(old["status"])
                else:
                    new.pop("status", None)
            if res.has_generation:
                meta["generation"] = old_meta.get("generation", 1) + (
                    1 if new.get("spec") != old.get("spec") else 0)
            else:
                meta.pop("generation", None)
            self._apply_defaults(res, new, old)
        new["metadata"]["resourceVersion"] = old_meta["resourceVersion"]
        if new == old or dry_run:
            return new if dry_run else old
        if new["metadata"].get("deletionTimestamp") and not new["metadata"].get("finalizers"):
            return self._commit(res, "DELETED", new, old)
        return self._commit(res, "MODIFIED", new, old)

    def delete(self, res, ns, name, options=None, dry_run=False):
        options = options or {}
        with self.lock:
            old = self.get(res, ns, name)
            pre = options.get("preconditions") or {}
            if (pre.get("uid") and pre["uid"] != old["metadata"].get("uid")) or (
                    pre.get("resourceVersion")
                    and pre["resourceVersion"] != old["metadata"]["resourceVersion"]):
                raise conflict(res, name)
            if dry_run:
                return old
            if old["metadata"].get("finalizers"):
                if old["metadata"].get("deletionTimestamp"):
                    return old
                new = copy.deepcopy(old)
                new["metadata"]["deletionTimestamp"] = now_rfc3339()
                new["metadata"]["deletionGracePeriodSeconds"] = 0
                return self._commit(res, "MODIFIED", new, old)
            if res is NAMESPACES:
                for other in RESOURCES:
                    if other.namespaced:
                        for key in [k for k in self.objects[other.key] if k[0] == name]:
                            gone = copy.deepcopy(self.objects[other.key][key])
                            self._commit(other, "DELETED", gone, self.objects[other.key][key])
            if res is SERVICES:
                self.cluster_ips.discard(old.get("spec", {}).get("clusterIP"))
            return self._commit(res, "DELETED", copy.deepcopy(old), old)

    def delete_collection(self, res, ns, label_reqs, field_reqs):
        with self.lock:
            _, items = self.list(res, ns, label_reqs, field_reqs, 0, None)
            for obj in items:
                meta = obj["metadata"]
                self.delete(res, meta.get("namespace", ""), meta["name"])
            return items

    def clear(self):
        with self.lock:
            for res in RESOURCES:
                if res is NAMESPACES:
                    continue
                for obj in list(self.objects[res.key].values()):
                    self._commit(res, "DELETED", copy.deepcopy(obj), obj)
            for key, obj in list(self.objects[NAMESPACES.key].items()):
                if key[1] != "default":
                    self._commit(NAMESPACES, "DELETED", copy.deepcopy(obj), obj)

    def _apply_defaults(self, res, obj, old):
        if res is SERVICES:
            spec = obj.setdefault("spec", {})
            spec.setdefault("type", "ClusterIP")
            spec.setdefault("sessionAffinity", "None")
            if not spec.get("clusterIP") and old is not None:
                spec["clusterIP"] = old.get("spec", {}).get("clusterIP")
            if not spec.get("clusterIP") and spec["type"] != "ExternalName":
                while True:
                    ip = "10.96.%d.%d" % (random.randint(0, 255), random.randint(1, 254))
                    if ip not in self.cluster_ips:
                        break
                self.cluster_ips.add(ip)
                spec["clusterIP"] = ip
            if spec.get("clusterIP"):
                spec["clusterIPs"] = [spec["clusterIP"]]
            for port in spec.get("ports") or []:
                if isinstance(port, dict):
                    port.setdefault("protocol", "TCP")
                    if "port" in port:
                        port.setdefault("targetPort", port["port"])
        elif res is SECRETS:
            obj.setdefault("type", "Opaque")
            string_data = obj.pop("stringData", None)
            if isinstance(string_data, dict):
                data = obj.setdefault("data", {})
                for k, v in string_data.items():
                    data[k] = base64.b64encode(str(v).encode()).decode()
        elif res is CONFIGMAPS:
            validate_config_map(res, obj)
        elif res is NAMESPACES:
            obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = \
                obj["metadata"]["name"]
            obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
            obj["status"] = {"phase": "Active"} if old is None else obj.get("status") or {"phase": "Active"}

    def state(self):
        with self.lock:
            return {"resourceVersion": str(self.rv), "compactedResourceVersion": str(self.floor),
                    "resources": {res.key: [o for _, o in sorted(self.objects[res.key].items())]
                                  for res in RESOURCES}}

    # -- watches ----------------------------------------------------------------------------

    def start_watch(self, res, ns, label_reqs, field_reqs, rv_param, initial_events_end, connection):
        """Registers a watcher preloaded with its initial or replayed events.

        Returns (watcher, None), or (None, Status) when the resourceVersion has expired."""
        with self.lock:
            w = Watcher(res, ns, label_reqs, field_reqs, float("inf"), connection)
            if rv_param in (None, "", "0") or initial_events_end:
                for _, obj in sorted(self.objects[res.key].items()):
                    if w.matches(obj):
                        w.offer(("ADDED", obj))
                if initial_events_end:
                    w.offer(("BOOKMARK", {
                        "kind": res.kind, "apiVersion": res.api_version,
                        "metadata": {"resourceVersion": str(self.rv),
                                     "annotations": {"k8s.io/initial-events-end": "true"}}}))
            else:
                try:
                    since = int(rv_param)
                except ValueError:
                    raise bad_request('invalid resource version "%s"' % rv_param)
                if since < self.floor:
                    return None, expired("too old resource version: %d (%d)" % (since, self.floor))
                for rv, key, etype, obj, old in self.history:
                    if rv > since and key == res.key:
                        ev = w.translate(etype, obj, old)
                        if ev is not None:
                            w.offer(ev)
            w.capacity = self.queue_size + len(w.queue)  # the initial/replayed events do not count against the cap
            self.watchers.add(w)
            return w, None

    def stop_watch(self, w):
        with self.lock:
            self.watchers.discard(w)

    def cut_watches(self, mode):
        with self.lock:
            for w in self.watchers:
                w.cut_mode = mode
                if mode == "close":
                    try:
                        # The plain socket's shutdown: the writer thread may be inside the TLS object.
                        socket.socket.shutdown(w.connection, socket.SHUT_RDWR)
                    except OSError:
                        pass
            self.cond.notify_all()

    def stall(self, seconds):
        with self.lock:
            self.stall_until = time.monotonic() + seconds
            self.cond.notify_all()


def prepare_body(res, ns, body, url_name=None):
    """Checks kind, apiVersion, name and namespace of a request body against the URL."""
    if not isinstance(body, dict):
        raise bad_request("the body of the request must be a JSON object")
    obj = copy.deepcopy(body)
    if obj.get("kind") not in (None, "", res.kind) or obj.get("apiVersion") not in (None, "", res.api_version):
        raise bad_request("the API version in the data (%s) does not match the expected API version "
                          "(%s)" % (obj.get("apiVersion"), res.api_version)
                          if obj.get("apiVersion") not in (None, "", res.api_version)
                          else "the kind in the data (%s) does not match the expected kind (%s)"
                          % (obj.get("kind"), res.kind))
    obj["kind"], obj["apiVersion"] = res.kind, res.api_version
    meta = obj.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise bad_request("metadata must be an object")
    if res.namespaced:
        if meta.get("namespace") and ns and meta["namespace"] != ns:
            raise bad_request("the namespace of the provided object does not match the namespace "
                              "sent on the request")
        meta["namespace"] = meta.get("namespace") or ns or "default"
    else:
        meta.pop("namespace", None)
    if url_name is not None:
        if meta.get("name") and meta["name"] != url_name:
            raise bad_request("the name of the object (%s) does not match the name on the URL (%s)"
                              % (meta["name"], url_name))
        meta["name"] = url_name
    return obj


def validate_name(res, name):
    if len(name) > 253 or not DNS_SUBDOMAIN.match(name):
        raise invalid(res, name, "metadata.name", "FieldValueInvalid",
                      'Invalid value: "%s": a lowercase RFC 1123 subdomain must consist of lower '
                      "case alphanumeric characters, '-' or '.', and must start and end with an "
                      "alphanumeric character" % name)


def validate_config_map(res, obj):
    """As the real server: data values are strings (else the body does not decode), keys are
    config keys (alphanumerics, '-', '_', '.'), at most 253 bytes."""
    name = obj["metadata"].get("name", "")
    for field in ("data", "binaryData"):
        values = obj.get(field)
        if values is None:
            continue
        if not isinstance(values, dict):
            raise bad_request("json: cannot unmarshal %s into Go struct field ConfigMap.%s of type map[string]%s"
                              % (type(values).__name__, field, "string" if field == "data" else "[]uint8"))
        for key, value in values.items():
            if not isinstance(value, str):
                raise bad_request("json: cannot unmarshal %s into Go struct field ConfigMap.%s of type string"
                                  % ("number" if isinstance(value, (int, float)) else type(value).__name__, field))
            if len(key) > 253 or not CONFIG_KEY.match(key):
                raise invalid(res, name, "%s[%s]" % (field, key), "FieldValueInvalid",
                              "Invalid value: \"%s\": a valid config key must consist of alphanumeric characters, "
                              "'-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for "
                              "validation is '[-._a-zA-Z0-9]+')" % key)


def strip_type(obj):
    return {k: v for k, v in obj.items() if k != "kind" and k != "apiVersion"}


# --------------------------------------------------------------------------------------------
# Faults and authentication


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []
        self.latency = 0.0

    def reset(self):
        with self.lock:
            self.rules = []
            self.latency = 0.0

    def take(self, method, path, verb):
        with self.lock:
            for rule in self.rules:
                if rule.get("path") and rule["path"] not in path:
                    continue
                if rule.get("verb") and rule["verb"] != verb:
                    continue
                if rule.get("method") and rule["method"].upper() != method:
                    continue
                rule["count"] -= 1
                if rule["count"] <= 0:
                    self.rules.remove(rule)
                return rule
        return None


def fault_error(rule):
    code = int(rule.get("status", 500))
    message = rule.get("message")
    if code == 429:
        after = int(rule.get("retryAfter", 1))
        return ApiError(429, "TooManyRequests",
                        message or "Too many requests, please try again later.",
                        {"causes": [{"reason": "TooManyRequests", "message": message or
                                     "Too many requests, please try again later."}],
                         "retryAfterSeconds": after}, {"Retry-After": str(after)})
    if code == 503:
        headers = {"Retry-After": str(rule["retryAfter"])} if "retryAfter" in rule else {}
        return ApiError(503, "ServiceUnavailable", message or "the server is currently unable to "
                        "handle the request (injected fault)", None, headers)
    return ApiError(code, "InternalError", message or "Internal error occurred: injected fault",
                    {"causes": [{"message": message or "injected fault"}]})


class Auth:
    def __init__(self, tokens, token_files, forbids):
        self.lock = threading.Lock()
        self.tokens = tokens
        self.token_files = token_files
        self.forbids = forbids

    def user_for_token(self, token):
        for user, path in self.token_files:
            try:
                with open(path) as f:
                    if f.read().strip() == token:
                        return user
            except OSError:
                pass
        return self.tokens.get(token)

    def set_forbid(self, user, rules):
        with self.lock:
            self.forbids[user] = [parse_forbid_rule(r) for r in rules]

    def forbidden(self, user, verb, resource):
        with self.lock:
            for rule_verb, rule_res in self.forbids.get(user, []):
                if rule_verb in ("*", verb) and rule_res in ("*", resource):
                    return True
        return False


def parse_forbid_rule(text):
    verb, sep, res = text.partition(":")
    if not sep or not verb or not res:
        raise ValueError("a forbid rule is VERB:RESOURCE, got %r" % text)
    return verb.strip(), res.strip()


# --------------------------------------------------------------------------------------------
# HTTP


class RequestLog:
    def __init__(self):
        self.lock = threading.Lock()
        self.entries = collections.deque(maxlen=2000)

    def add(self, entry):
        with self.lock:
            self.entries.append(entry)

    def all(self):
        with self.lock:
            return list(self.entries)


class ApiServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, app, listener, ssl_context=None):
        self.app = app
        self.listener = listener
        self.ssl_context = ssl_context
        super().__init__(address, Handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.ssl_context is not None:
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        err = sys.exc_info()[1]
        if isinstance(err, (ConnectionError, ssl.SSLError, socket.timeout, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


class App:
    def __init__(self, args):
        self.args = args
        self.store = Store(args.history_size, args.watch_queue_size)
        self.faults = Faults()
        self.requests = RequestLog()
        tokens, token_files, forbids = {}, [], {}
        for spec in args.token:
            user, _, token = spec.partition("=")
            tokens[token] = user
        for spec in args.token_file:
            user, _, path = spec.partition("=")
            token_files.append((user, path))
        for spec in args.forbid:
            user, _, rules = spec.partition("=")
            forbids.setdefault(user, []).extend(parse_forbid_rule(r) for r in rules.split(",") if r)
        self.auth = Auth(tokens, token_files, forbids)
        self.secure_port = 0
        with self.store.lock:
            for ns in ["default"] + list(args.namespace):
                if not self.store.namespace_exists(ns):
                    self.store.create(NAMESPACES, None, {"metadata": {"name": ns}})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Small writes (watch events, short responses) go out at once: with Nagle on and the client
    # delaying its ACKs, a response can wait 40 ms, as a real API server never makes it wait.
    disable_nagle_algorithm = True
    server_version = "kube-test-apiserver"

    def handle(self):
        if self.server.ssl_context is not None:
            try:
                self.request.settimeout(10)
                self.request.do_handshake()
                self.request.settimeout(None)
            except (ssl.SSLError, OSError):
                return
        try:
            super().handle()
        except (ConnectionError, ssl.SSLError, socket.timeout):
            pass

    def log_message(self, fmt, *args):
        if self.server.app.args.log_requests:
            sys.stderr.write("[%s] %s\n" % (self.server.listener, fmt % args))

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_DELETE(self):
        self.dispatch("DELETE")

    # -- plumbing ---------------------------------------------------------------------------

    def send_json(self, code, body, headers=None):
        data = json.dumps(body, separators=(",", ":")).encode()
        headers = dict(headers or {})
        self.send_response(code)
        self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache, private")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.status_sent = code

    def send_raw(self, rule):
        """A fault that answers whatever bytes the rule gives (garbage, a truncated body), then
        closes the connection."""
        data = rule["body"].encode("utf-8", "surrogateescape")
        declared = int(rule.get("contentLength", len(data)))
        self.send_response(int(rule.get("status", 200)))
        self.send_header("Content-Type", rule.get("contentType", "application/json"))
        self.send_header("Content-Length", str(declared))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()
        self.close_connection = True
        self.status_sent = int(rule.get("status", 200))

    def wants_table(self):
        return "as=Table" in (self.headers.get("Accept") or "")

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        if not raw:
            return None
        if "protobuf" in (self.headers.get("Content-Type") or ""):
            raise ApiError(415, "UnsupportedMediaType",
                           "the body of the request was in an unknown format - accepted media types "
                           "include: application/json (this test server speaks no protobuf)")
        try:
            return json.loads(raw)
        except ValueError as e:
            raise bad_request("the body of the request could not be decoded as JSON: %s" % e)

    def authenticate(self):
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return self.server.app.auth.user_for_token(auth[len("Bearer "):].strip())
        if self.server.app.args.client_ca:
            try:
                cert = self.request.getpeercert()
            except (ValueError, AttributeError):
                cert = None
            if cert:
                for rdn in cert.get("subject", ()):
                    for k, v in rdn:
                        if k == "commonName":
                            return v
        return None

    # -- dispatch ---------------------------------------------------------------------------

    def dispatch(self, method):
        app = self.server.app
        secure = self.server.listener == "secure"
        url = urllib.parse.urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        self.status_sent = None
        entry = {"method": method, "path": path, "query": url.query, "user": None, "verb": None,
                 "listener": self.server.listener}
        try:
            body = self.read_body() if method in ("POST", "PUT", "PATCH", "DELETE") else None
            if not secure and path.startswith("/_test/"):
                self.admin(method, path, body)
                return
            if secure and path not in ("/version", "/healthz", "/livez", "/readyz"):
                user = self.authenticate()
                if user is None:
                    raise ApiError(401, "Unauthorized", "Unauthorized")
                entry["user"] = user
            if secure and app.faults.latency > 0:
                time.sleep(app.faults.latency)
            route = parse_resource_path(path)
            verb = None
            if route is not None:
                res, ns, name, sub = route
                verb = request_verb(method, name, query)
                entry["verb"] = verb
            if secure:
                rule = app.faults.take(method, path, verb)
                if rule is not None and "body" in rule:
                    return self.send_raw(rule)
                if rule is not None:
                    raise fault_error(rule)
            if route is None:
                self.non_resource(method, path)
                return
            if secure and app.auth.forbidden(entry["user"], verb, res.plural + ("/" + sub if sub else "")):
                raise forbidden(entry["user"], verb, res, ns, name, sub)
            self.resource(method, verb, res, ns, name, sub, query, body)
        except ApiError as e:
            if self.status_sent is None:
                self.send_json(e.code, e.status(), e.headers)
        except (OSError, ssl.SSLError):
            self.close_connection = True
        except Exception as e:  # a bug in this server: report it as the real server would
            traceback.print_exc()
            if self.status_sent is None:
                self.send_json(500, ApiError(500, "InternalError", "Internal error occurred: %r" % e).status())
        finally:
            entry["status"] = self.status_sent
            app.requests.add(entry)

    def non_resource(self, method, path):
        if method != "GET":
            raise ApiError(405, "MethodNotAllowed",
                           "the server does not allow this method on the requested resource")
        doc = discovery(path, self.server.app.secure_port)
        if doc is None:
            if path in ("/healthz", "/livez", "/readyz"):
                data = b"ok"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                self.status_sent = 200
                return
            raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
        self.send_json(200, doc)

    def resource(self, method, verb, res, ns, name, sub, query, body):
        store = self.server.app.store
        dry_run = bool(query.get("dryRun"))
        if verb in ("list", "watch", "deletecollection"):
            label_reqs = parse_label_selector(query.get("labelSelector", ""))
            field_reqs = parse_field_selector(query.get("fieldSelector", ""))
        table = self.wants_table()
        if verb == "get" and table:
            self.send_json(200, to_table(res, [store.get(res, ns, name)], {}, query), TABLE_HEADERS)
        elif verb == "get":
            self.send_json(200, store.get(res, ns, name))
        elif verb == "list":
            try:
                limit = int(query.get("limit") or 0)
            except ValueError:
                raise bad_request("invalid limit %r" % query.get("limit"))
            meta, items = store.list(res, ns, label_reqs, field_reqs, limit, query.get("continue"))
            if table:
                self.send_json(200, to_table(res, items, meta, query), TABLE_HEADERS)
            else:
                self.send_json(200, {"kind": res.kind + "List", "apiVersion": res.api_version,
                                     "metadata": meta, "items": [strip_type(o) for o in items]})
        elif verb == "watch":
            self.watch(res, ns, label_reqs, field_reqs, query)
        elif verb == "create":
            if sub:
                raise ApiError(405, "MethodNotAllowed",
                               "the server does not allow this method on the requested resource")
            self.send_json(201, store.create(res, ns, body, dry_run))
        elif verb == "update":
            self.send_json(200, store.update(res, ns, name, body, sub, dry_run))
        elif verb == "patch":
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            self.send_json(200, store.patch(res, ns, name, ctype, body, sub, dry_run))
        elif verb == "delete":
            self.send_json(200, store.delete(res, ns, name, body if isinstance(body, dict) else None,
                                             dry_run))
        elif verb == "deletecollection":
            items = store.delete_collection(res, ns, label_reqs, field_reqs)
            self.send_json(200, {"kind": res.kind + "List", "apiVersion": res.api_version,
                                 "metadata": {"resourceVersion": str(store.rv)},
                                 "items": [strip_type(o) for o in items]})
        else:
            raise ApiError(405, "MethodNotAllowed",
                           "the server does not allow this method on the requested resource")

    # -- watch ------------------------------------------------------------------------------

    def write_chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def watch(self, res, ns, label_reqs, field_reqs, query):
        store = self.server.app.store
        bookmarks = query.get("allowWatchBookmarks") in ("true", "1")
        initial_end = query.get("sendInitialEvents") in ("true", "1")
        try:
            timeout = float(query["timeoutSeconds"]) if query.get("timeoutSeconds") else None
        except ValueError:
            raise bad_request("invalid timeoutSeconds")
        watcher, error = store.start_watch(res, ns, label_reqs, field_reqs,
                                           query.get("resourceVersion"), initial_end, self.request)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        self.status_sent = 200
        self.close_connection = True
        if error is not None:
            self.write_chunk(json.dumps({"type": "ERROR", "object": error.status()},
                                        separators=(",", ":")).encode() + b"\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        interval = self.server.app.args.bookmark_interval
        table, table_sent = self.wants_table(), False
        start = time.monotonic()
        deadline = start + timeout if timeout else None
        next_bookmark = start + interval
        try:
            while True:
                batch, ending = [], None
                with store.cond:
                    while True:
                        now = time.monotonic()
                        if watcher.cut_mode:
                            ending = watcher.cut_mode
                            batch = list(watcher.queue)
                            break
                        if watcher.overflowed:
                            ending = "close"
                            break
                        if deadline is not None and now >= deadline:
                            ending = "end"
                            break
                        stalled = store.stall_until > now
                        if not stalled and watcher.queue:
                            batch = list(watcher.queue)
                            watcher.queue.clear()
                            break
                        if not stalled and bookmarks and now >= next_bookmark:
                            batch = [("BOOKMARK", {"kind": res.kind, "apiVersion": res.api_version,
                                                   "metadata": {"resourceVersion": str(store.rv)}})]
                            next_bookmark = now + interval
                            break
                        wake = [t for t in (deadline, next_bookmark if bookmarks else None,
                                            store.stall_until if stalled else None) if t is not None]
                        store.cond.wait(max(0.01, min(wake) - now) if wake else None)
                if ending is not None:
                    self.finish_watch(ending, batch, res)
                    return
                for etype, obj in batch:
                    if table and etype != "BOOKMARK":
                        # Like the real server: column definitions in the first event only.
                        obj = to_table(res, [obj], {"resourceVersion": obj["metadata"]["resourceVersion"]},
                                       query, columns=not table_sent)
                        table_sent = True
                    self.write_chunk(json.dumps({"type": etype, "object": obj},
                                                separators=(",", ":")).encode() + b"\n")
        finally:
            store.stop_watch(watcher)

    def finish_watch(self, mode, queued, res):
        if mode == "end":
            self.wfile.write(b"0\r\n\r\n")
            return
        if mode == "midEvent":
            if queued:
                etype, obj = queued[0]
            else:
                etype, obj = "MODIFIED", {"kind": res.kind, "apiVersion": res.api_version,
                                          "metadata": {"name": "half-written-event",
                                                       "resourceVersion": str(self.server.app.store.rv)}}
            line = json.dumps({"type": etype, "object": obj}, separators=(",", ":")).encode() + b"\n"
            try:
                self.write_chunk(line[:max(1, len(line) // 2)])
            except OSError:
                pass
        try:
            socket.socket.shutdown(self.request, socket.SHUT_RDWR)
        except OSError:
            pass

    # -- admin ------------------------------------------------------------------------------

    def admin(self, method, path, body):
        app = self.server.app
        body = body if isinstance(body, dict) else {}
        ok = {"ok": True}
        if method == "GET" and path == "/_test/state":
            return self.send_json(200, app.store.state())
        if method == "GET" and path == "/_test/watches":
            with app.store.lock:
                return self.send_json(200, {"count": len(app.store.watchers)})
        if method == "GET" and path == "/_test/requests":
            return self.send_json(200, {"requests": app.requests.all()})
        if method != "POST":
            raise ApiError(404, "NotFound", "no such test endpoint: %s %s" % (method, path), {})
        try:
            if path == "/_test/watch/cut":
                mode = body.get("mode", "close")
                if mode not in ("close", "midEvent", "end"):
                    raise bad_request("mode must be close, midEvent or end")
                app.store.cut_watches(mode)
            elif path == "/_test/watch/stall":
                app.store.stall(float(body["seconds"]))
            elif path == "/_test/fail":
                rule = dict(body)
                rule["count"] = int(rule.get("count", 1))
                rule["status"] = int(rule.get("status", 500))
                with app.faults.lock:
                    app.faults.rules.append(rule)
            elif path == "/_test/compact":
                app.store.compact()
            elif path == "/_test/latency":
                app.faults.latency = float(body.get("seconds", 0))
            elif path == "/_test/forbid":
                app.auth.set_forbid(body["user"], list(body.get("rules", [])))
            elif path == "/_test/reset":
                app.faults.reset()
                app.store.stall(0)
            elif path == "/_test/clear":
                app.store.clear()
            elif path == "/_test/bulk":
                created = 0
                for item in body.get("items", []):
                    res = RESOURCE_BY_KIND.get((item.get("apiVersion"), item.get("kind")))
                    if res is None:
                        raise bad_request("no resource for apiVersion %r kind %r"
                                          % (item.get("apiVersion"), item.get("kind")))
                    ns = (item.get("metadata") or {}).get("namespace") or "default"
                    app.store.create(res, ns if res.namespaced else None, item)
                    created += 1
                return self.send_json(200, {"created": created, "resourceVersion": str(app.store.rv)})
            else:
                raise ApiError(404, "NotFound", "no such test endpoint: %s %s" % (method, path), {})
        except (KeyError, ValueError, TypeError) as e:
            raise bad_request("bad body for %s: %r" % (path, e))
        self.send_json(200, ok)


TABLE_HEADERS = {"Content-Type": "application/json;as=Table;v=v1;g=meta.k8s.io"}


def human_age(timestamp):
    try:
        seconds = int(time.time() - calendar.timegm(time.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ")))
    except (TypeError, ValueError):
        return "<unknown>"
    seconds = max(0, seconds)
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if seconds < 120:
        return "%ds" % seconds
    if minutes < 10:
        return "%dm%ds" % (minutes, seconds % 60) if seconds % 60 else "%dm" % minutes
    if minutes < 180:
        return "%dm" % minutes
    if hours < 8:
        return "%dh%dm" % (hours, minutes % 60) if minutes % 60 else "%dh" % hours
    if hours < 48:
        return "%dh" % hours
    if hours < 192:
        return "%dd%dh" % (days, hours % 24) if hours % 24 else "%dd" % days
    return "%dd" % days


def _ingress_cells(o):
    spec, status = o.get("spec") or {}, o.get("status") or {}
    hosts = [r.get("host") or "*" for r in spec.get("rules") or []]
    lb = [i.get("ip") or i.get("hostname") or "" for i in (status.get("loadBalancer") or {}).get("ingress") or []]
    return [spec.get("ingressClassName") or "<none>", ",".join(hosts) or "*", ",".join(lb),
            "80, 443" if spec.get("tls") else "80"]


def _service_cells(o):
    spec = o.get("spec") or {}
    ports = ["%s%s/%s" % (p.get("port"), ":%s" % p["nodePort"] if p.get("nodePort") else "",
                          p.get("protocol", "TCP")) for p in spec.get("ports") or []]
    selector = ",".join("%s=%s" % kv for kv in sorted((spec.get("selector") or {}).items()))
    return [spec.get("type", "ClusterIP"), spec.get("clusterIP") or "<none>",
            ",".join(spec.get("externalIPs") or []) or "<none>", ",".join(ports) or "<none>",
            selector or "<none>"]


# resource key -> (extra columns [(name, type, priority)], cells function); Age is appended.
TABLE_COLUMNS = {
    "ingresses.networking.k8s.io": ([("Class", "string", 0), ("Hosts", "string", 0),
                                     ("Address", "string", 0), ("Ports", "string", 0)], _ingress_cells),
    "services": ([("Type", "string", 0), ("Cluster-IP", "string", 0), ("External-IP", "string", 0),
                  ("Port(s)", "string", 0), ("Selector", "string", 1)], _service_cells),
    "configmaps": ([("Data", "integer", 0)],
                   lambda o: [len(o.get("data") or {}) + len(o.get("binaryData") or {})]),
    "secrets": ([("Type", "string", 0), ("Data", "integer", 0)],
                lambda o: [o.get("type", "Opaque"), len(o.get("data") or {})]),
    "namespaces": ([("Status", "string", 0)], lambda o: [(o.get("status") or {}).get("phase", "Active")]),
    "ingressclasses.networking.k8s.io": (
        [("Controller", "string", 0), ("Parameters", "string", 0)],
        lambda o: [(o.get("spec") or {}).get("controller", ""),
                   "<none>" if not (o.get("spec") or {}).get("parameters") else "%s/%s" % (
                       o["spec"]["parameters"].get("kind"), o["spec"]["parameters"].get("name"))]),
    "leases.coordination.k8s.io": ([("Holder", "string", 0)],
                                   lambda o: [(o.get("spec") or {}).get("holderIdentity", "")]),
}


def to_table(res, objects, meta, query, columns=True):
    """A meta.k8s.io/v1 Table, as the real server answers `Accept: ...;as=Table` (kubectl get)."""
    extra, cells = TABLE_COLUMNS.get(res.key, ([], lambda o: []))
    definitions = [{"name": "Name", "type": "string", "format": "name", "priority": 0,
                    "description": "Name must be unique within a namespace."}]
    definitions += [{"name": n, "type": t, "format": "", "priority": p, "description": n} for n, t, p in extra]
    definitions.append({"name": "Age", "type": "string", "format": "", "priority": 0,
                        "description": "CreationTimestamp"})
    # Age goes before priority-1 columns, as in the real printers.
    order = [i for i, (_, _, p) in enumerate(extra) if p == 0]
    wide = [i for i, (_, _, p) in enumerate(extra) if p != 0]
    definitions = [definitions[0]] + [definitions[1 + i] for i in order] + [definitions[-1]] + [
        definitions[1 + i] for i in wide]
    include = query.get("includeObject", "Metadata")
    rows = []
    for o in objects:
        values = cells(o)
        row = {"cells": [o["metadata"]["name"]] + [values[i] for i in order]
               + [human_age(o["metadata"].get("creationTimestamp"))] + [values[i] for i in wide]}
        if include == "Object":
            row["object"] = o
        elif include != "None":
            row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                             "metadata": o["metadata"]}
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
            "columnDefinitions": definitions if columns else [], "rows": rows}


def forbidden(user, verb, res, ns, name, sub):
    resource = res.plural + ("/" + sub if sub else "")
    if res is NAMESPACES and name:
        ns = name  # a namespace's own namespace attribute is its name
    scope = ('in the namespace "%s"' % ns) if ns else "at the cluster scope"
    reason = 'User "%s" cannot %s resource "%s" in API group "%s" %s' % (
        user, verb, resource, res.group, scope)
    message = ('%s "%s" is forbidden: %s' % (res.key, name, reason)) if name else (
        "%s is forbidden: %s" % (res.key, reason))
    return ApiError(403, "Forbidden", message, details_for(res, name))


def request_verb(method, name, query):
    if method == "GET":
        if name:
            return "get"
        return "watch" if query.get("watch") in ("true", "1") else "list"
    if method == "POST":
        return "create"
    if method == "PUT":
        return "update"
    if method == "PATCH":
        return "patch"
    if method == "DELETE":
        return "delete" if name else "deletecollection"
    return method.lower()


def parse_resource_path(path):
    """(resource, namespace or None, name or None, subresource or None), or None."""
    parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/")]
    if len(parts) >= 3 and parts[0] == "api" and parts[1] == "v1":
        group, version, rest = "", "v1", parts[2:]
    elif len(parts) >= 4 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    ns = None
    if rest[0] == "namespaces" and len(rest) >= 3 and not (len(rest) == 3 and rest[2] == "status"):
        ns, rest = rest[1], rest[2:]
    res = RESOURCE_BY_PATH.get((group, version, rest[0]))
    if res is None or len(rest) > 3:
        raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
    if ns is not None and not res.namespaced:
        raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
    name = rest[1] if len(rest) >= 2 else None
    sub = rest[2] if len(rest) == 3 else None
    if sub is not None and not (sub == "status" and res.has_status):
        raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
    return res, ns, name, sub


def openapi_v3(resources):
    """Just enough OpenAPI v3 for kubectl: each PATCH operation names its GVK and accepts the
    fieldValidation parameter, so kubectl's default --validate=strict asks the server to validate.
    It lists no strategic-merge-patch body and no schemas, so `kubectl apply` computes its
    strategic merge patches from kubectl's built-in types."""
    paths = {}
    for r in resources:
        prefix = "/api/v1" if not r.group else "/apis/%s/%s" % (r.group, r.version)
        item = prefix + ("/namespaces/{namespace}" if r.namespaced else "") + "/%s/{name}" % r.plural
        paths[item] = {"patch": {
            "x-kubernetes-group-version-kind": {"group": r.group, "version": r.version, "kind": r.kind},
            "x-kubernetes-action": "patch",
            "parameters": [{"name": "fieldValidation", "in": "query", "schema": {"type": "string"}}],
            "requestBody": {"content": {"application/merge-patch+json": {"schema": {"type": "object"}}}},
            "responses": {"200": {"description": "OK"}}}}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.0"},
            "paths": paths, "components": {"schemas": {}}}


def discovery(path, port):
    groups = collections.OrderedDict()
    for r in RESOURCES:
        groups.setdefault((r.group, r.version), []).append(r)

    def resource_list(group, version):
        resources = []
        for r in groups.get((group, version), []):
            entry = {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
                     "kind": r.kind, "verbs": RESOURCE_VERBS}
            if r.short_names:
                entry["shortNames"] = r.short_names
            resources.append(entry)
            if r.has_status:
                resources.append({"name": r.plural + "/status", "singularName": "",
                                  "namespaced": r.namespaced, "kind": r.kind,
                                  "verbs": ["get", "patch", "update"]})
        return {"kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": version if not group else "%s/%s" % (group, version),
                "resources": resources}

    def api_group(name):
        versions = [{"groupVersion": "%s/%s" % (g, v), "version": v} for (g, v) in groups if g == name]
        return {"name": name, "versions": versions, "preferredVersion": versions[0]}

    if path == "/version":
        return {"major": "1", "minor": "32", "gitVersion": "v1.32.0-kube-test-apiserver",
                "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
                "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.23.0", "compiler": "gc",
                "platform": "linux/amd64"}
    if path == "/api":
        return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:%d" % port}]}
    if path == "/api/v1":
        return resource_list("", "v1")
    if path == "/openapi/v3":
        return {"paths": {("api/%s" % v if not g else "apis/%s/%s" % (g, v)): {
            "serverRelativeURL": "/openapi/v3/%s?hash=0" % ("api/%s" % v if not g else "apis/%s/%s" % (g, v))}
            for (g, v) in groups}}
    if path.startswith("/openapi/v3/"):
        gv = path[len("/openapi/v3/"):].split("/")
        key = ("", gv[1]) if gv[0] == "api" and len(gv) == 2 else (
            (gv[1], gv[2]) if gv[0] == "apis" and len(gv) == 3 else None)
        if key not in groups:
            return None
        return openapi_v3(groups[key])
    if path == "/apis":
        names = []
        for (g, _) in groups:
            if g and g not in names:
                names.append(g)
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [api_group(n) for n in names]}
    parts = path.strip("/").split("/")
    if len(parts) == 2 and parts[0] == "apis" and any(g == parts[1] for (g, _) in groups):
        return dict({"kind": "APIGroup", "apiVersion": "v1"}, **api_group(parts[1]))
    if len(parts) == 3 and parts[0] == "apis" and (parts[1], parts[2]) in groups:
        return resource_list(parts[1], parts[2])
    return None


# --------------------------------------------------------------------------------------------
# Main


def parse_address(text):
    host, _, port = text.rpartition(":")
    return host or "127.0.0.1", int(port)


def main(argv=None):
    p = argparse.ArgumentParser(description="In-memory Kubernetes API server for tests.")
    p.add_argument("--listen", default="127.0.0.1:0")
    p.add_argument("--cert", required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--client-ca")
    p.add_argument("--token", action="append", default=[])
    p.add_argument("--token-file", action="append", default=[])
    p.add_argument("--forbid", action="append", default=[])
    p.add_argument("--admin-listen", default="127.0.0.1:0")
    p.add_argument("--ready-file")
    p.add_argument("--namespace", action="append", default=[])
    p.add_argument("--bookmark-interval", type=float, default=1.0)
    p.add_argument("--history-size", type=int, default=100000)
    p.add_argument("--watch-queue-size", type=int, default=10000)
    p.add_argument("--log-requests", action="store_true")
    args = p.parse_args(argv)

    app = App(args)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    context.set_alpn_protocols(["http/1.1"])
    if args.client_ca:
        context.load_verify_locations(args.client_ca)
        context.verify_mode = ssl.CERT_OPTIONAL
    secure = ApiServer(parse_address(args.listen), app, "secure", context)
    admin = ApiServer(parse_address(args.admin_listen), app, "admin")
    app.secure_port = secure.server_address[1]

    stop = threading.Event()
    # A parent may start us with these blocked (the mask survives exec): unblock, then handle.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    for server in (secure, admin):
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    if args.ready_file:
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"port": secure.server_address[1], "adminPort": admin.server_address[1]}, f)
        os.replace(tmp, args.ready_file)
    sys.stderr.write("kube-test-apiserver: https://127.0.0.1:%d admin http://127.0.0.1:%d\n"
                     % (secure.server_address[1], admin.server_address[1]))
    sys.stderr.flush()
    while not stop.wait(0.1):
        pass
    app.store.cut_watches("close")
    for server in (secure, admin):
        server.shutdown()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
