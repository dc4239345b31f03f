#!/usr/bin/env bash
# Validates rc.yaml and every manifest under examples/ against the Kubernetes API schemas, offline.
#
#   Tests/Deploy/validate-manifests.sh               rc.yaml and examples/
#   Tests/Deploy/validate-manifests.sh FILE...       these files
#   Tests/Deploy/validate-manifests.sh --self-test   prove that broken manifests fail, then the above
#
# Uses kubernetes-validate from PyPI (strict mode: unknown fields fail), installed once into a
# virtualenv; its schemas are bundled, so no cluster and no network are needed after that.
# Resources are checked against every version in K8S_VERSIONS. The seed's extensions/v1beta1
# Ingress (examples/echomap/ingress.yaml) no longer exists in those schemas; it is checked against
# Kubernetes 1.21 by an older kubernetes-validate in a second virtualenv, or skipped with a reason
# when that cannot be installed.
#
# Not used: `kubectl apply/create --dry-run=client -f FILE`. It needs a reachable API server for
# discovery and OpenAPI even in client mode ("unable to recognize ... connection refused"), so it
# checks nothing offline.
#
# Environment:
#   K8S_VERSIONS           versions to validate against (default "1.30.0 1.37.0")
#   PORTICO_VALIDATE_HOME  where the virtualenvs live (default ~/.cache/portico-validate)
#   PYTHON                 python3 used to create them (default python3)
# Exit status: 0 all valid (or explicitly skipped), 1 an invalid manifest, 2 setup failed.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
here="$root/Tests/Deploy"
versions=${K8S_VERSIONS:-"1.30.0 1.37.0"}
home=${PORTICO_VALIDATE_HOME:-"${XDG_CACHE_HOME:-$HOME/.cache}/portico-validate"}
python=${PYTHON:-python3}
current_pin="kubernetes-validate==1.37.0"   # schemas for Kubernetes 1.25 - 1.37
legacy_pin="kubernetes-validate==1.21.0"    # schemas for Kubernetes 1.10 - 1.21
legacy_version="1.21.0"

# venv DIR PIN: a virtualenv with PIN installed; installs only when missing.
venv() {
  local dir=$1 pin=$2
  if [ -x "$dir/bin/python" ] && "$dir/bin/python" -m pip show -q "${pin%%==*}" >/dev/null 2>&1 \
    && [ "$("$dir/bin/python" -c 'import kubernetes_validate as k; print(k.__version__)')" = "${pin##*==}" ]; then
    return 0
  fi
  echo "setup: installing $pin into $dir" >&2
  rm -rf "$dir"
  "$python" -m venv "$dir" && "$dir/bin/python" -m pip install -q --disable-pip-version-check "$pin" >&2
}

if ! venv "$home/current" "$current_pin"; then
  echo "setup failed: cannot install $current_pin (needs PyPI once)" >&2
  exit 2
fi
legacy_python="$home/legacy/bin/python"
if ! venv "$home/legacy" "$legacy_pin"; then
  echo "setup: cannot install $legacy_pin; legacy Ingress manifests will be skipped" >&2
  legacy_python=""
fi

# validate FILE...: runs the validator; its exit status is the script's verdict.
validate() {
  local args=()
  for v in $versions; do args+=(--version "$v"); done
  [ -z "$legacy_python" ] || args+=(--legacy-python "$legacy_python" --legacy-version "$legacy_version")
  "$home/current/bin/python" "$here/validate_manifests.py" "${args[@]}" "$@"
}

# rc.yaml with its commented-out options switched on (nodeSelector, imagePullSecrets, default
# IngressClass), so they stay valid for whoever uncomments them. Fails if a block moved.
rc_with_options() {
  local out=$1 block
  cp "$root/rc.yaml" "$out"
  for block in '      # nodeSelector:' '      #   role: edge' '      # imagePullSecrets:' \
    '      # - name: regcred' '  # annotations:' '  #   ingressclass.kubernetes.io/is-default-class: "true"'; do
    grep -qxF -- "$block" "$out" || { echo "self-test: rc.yaml no longer has the line '$block'" >&2; return 1; }
    local plain=${block/\# /}
    BLOCK=$block PLAIN=$plain "$python" -c '
import os, sys
p = sys.argv[1]; s = open(p).read().split("\n")
s = [os.environ["PLAIN"] if l == os.environ["BLOCK"] else l for l in s]
open(p, "w").write("\n".join(s))' "$out"
  done
}

self_test() {
  local dir=$scratch/self-test failures=0
  mkdir -p "$dir"
  cat >"$dir/bad-type.yaml" <<'EOF'
apiVersion: v1
kind: ReplicationController
metadata: {name: web}
spec:
  replicas: one
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "example/web:1"}]}
EOF
  cat >"$dir/bad-field.yaml" <<'EOF'
apiVersion: v1
kind: Pod
metadata: {name: typo}
spec:
  contianers: [{name: web, image: "example/web:1"}]
EOF
  cat >"$dir/bad-kind.yaml" <<'EOF'
apiVersion: networking.k8s.io/v1
kind: Ingres
metadata: {name: typo}
spec: {}
EOF
  cat >"$dir/bad-list-item.yaml" <<'EOF'
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Service, metadata: {name: ok}, spec: {ports: [{port: 80}]}}
- {apiVersion: v1, kind: Service, metadata: {name: bad}, spec: {ports: [{port: eighty}]}}
EOF
  cat >"$dir/bad-legacy-ingress.yaml" <<'EOF'
apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: legacy}
spec:
  rules:
  - host: foo.bar.com
    http:
      paths:
      - path: /foo
        backend: {serviceName: django-x, servicePort: 18111, weight: 3}
EOF
  cat >"$dir/bad-httproute.yaml" <<'EOF'
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: typo, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules: [{matches: [{path: {type: Prefix, value: /}}]}]
EOF
  cat >"$dir/bad-httproute-field.yaml" <<'EOF'
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: typo, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rulez: []
EOF
  printf 'apiVersion: v1\nkind: Service\nmetadata: {name: x\n' >"$dir/bad-yaml.yaml"
  : >"$dir/empty.yaml"
  rc_with_options "$dir/rc-with-options.yaml" || return 1

  # expect STATUS FILE: the validator must exit with STATUS on FILE.
  expect() {
    local want=$1 file=$2 got=0
    echo "--- self-test: $(basename "$file") (want exit $want)"
    validate "$file" || got=$?
    if [ "$got" = "$want" ]; then echo "ok: exit $got"; else echo "WRONG: exit $got"; failures=$((failures + 1)); fi
  }
  expect 1 "$dir/bad-type.yaml"
  expect 1 "$dir/bad-field.yaml"
  expect 1 "$dir/bad-kind.yaml"
  expect 1 "$dir/bad-list-item.yaml"
  expect 1 "$dir/bad-httproute.yaml"
  expect 1 "$dir/bad-httproute-field.yaml"
  expect 1 "$dir/bad-yaml.yaml"
  expect 1 "$dir/empty.yaml"
  if [ -n "$legacy_python" ]; then expect 1 "$dir/bad-legacy-ingress.yaml"; fi
  expect 0 "$dir/rc-with-options.yaml"
  # rc.yaml's instructions create the pull secret with kubectl; that works offline.
  if command -v kubectl >/dev/null; then
    KUBECONFIG=/dev/null kubectl create secret docker-registry regcred -n ingress \
      --docker-server=registry.example.com --docker-username=user --docker-password=password \
      --dry-run=client -o yaml >"$dir/regcred.yaml"
    expect 0 "$dir/regcred.yaml"
  else
    echo "--- self-test: kubectl not found; the regcred Secret from rc.yaml's instructions was not generated"
  fi
  if [ "$failures" -ne 0 ]; then
    echo "self-test FAILED: $failures case(s) with the wrong exit status"
    return 1
  fi
  echo "self-test passed"
}

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

if [ "${1:-}" = "--self-test" ]; then
  shift
  self_test || exit 1
fi

if [ $# -gt 0 ]; then
  files=("$@")
else
  files=("$root/rc.yaml")
  while IFS= read -r f; do files+=("$f"); done \
    < <(find "$root/examples" -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) | sort)
fi
echo "--- validating against Kubernetes $versions (strict)${legacy_python:+; legacy Ingress against $legacy_version}"
validate "${files[@]}"
