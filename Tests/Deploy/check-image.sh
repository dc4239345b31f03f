#!/usr/bin/env bash
# Checks what can be checked about the Dockerfile's image without a Docker engine, on a Debian 12
# (bookworm) machine standing in for debian:bookworm-slim.
#
#   Tests/Deploy/check-image.sh                   build the release binary, then check
#   Tests/Deploy/check-image.sh --binary PATH     check an already built binary
#   Tests/Deploy/check-image.sh --no-nginx-run    skip starting nginx (needs root otherwise)
#   Tests/Deploy/check-image.sh --self-test       first prove that broken Dockerfiles fail
#
# (a) every shared library `ldd` reports for the release binary (built as the Dockerfile builds
#     it: -c release --static-swift-stdlib --product portico) belongs to a package the runtime
#     image contains: apt-get --simulate computes the runtime stage's packages with all their
#     dependencies, and the bookworm-slim base (Essential + Priority required + apt);
# (b) the entrypoint, nginx, the runtime stage's RUN commands and the worker user exist after
#     installing those packages; nginx writes nothing outside its prefix; as root, nginx starts
#     with exactly rc.yaml's capabilities (setpriv) on a read-only root with only the runtime dir
#     writable (unshare), serves, runs its workers as rc.yaml's --nginx-user, reloads and stops,
#     and fails without CHOWN;
# (c) hadolint-like pattern checks of the Dockerfile and its agreement with rc.yaml.
# Needs: Debian 12 with apt, dpkg, ldd, python3; for the nginx run also root, setpriv, unshare,
# curl and nginx installed (scripts/install-deps installs nginx-light, which brings the same nginx).
# Exit status: 0 when every check that ran passed, 1 otherwise.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
binary=""
extra=()
self_test=""
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --no-nginx-run) extra+=(--no-nginx-run); shift ;;
    --self-test) self_test=1; shift ;;
    *) echo "usage: $0 [--binary PATH] [--no-nginx-run] [--self-test]" >&2; exit 2 ;;
  esac
done

if ! grep -q '^VERSION_CODENAME=bookworm' /etc/os-release 2>/dev/null; then
  echo "this machine is not Debian 12 (bookworm): its packages say nothing about debian:bookworm-slim" >&2
  exit 2
fi

if [ -z "$binary" ]; then
  swift=${SWIFT:-swift}
  command -v "$swift" >/dev/null || swift=/opt/swift/usr/bin/swift
  echo "--- building: swift build -c release --static-swift-stdlib --product portico --scratch-path .build-image"
  (cd "$root" && "$swift" build -c release --static-swift-stdlib --product portico --scratch-path .build-image 2>&1 | tail -1)
  binary="$root/.build-image/release/portico"
fi

# self_test: each broken copy of the Dockerfile must make the check fail, on the line expected.
self_test() {
  local dir failures=0 name edit expect out
  dir=$(mktemp -d)
  ln -s "$root/rc.yaml" "$dir/rc.yaml"
  ln -s "$root/examples" "$dir/examples"
  while IFS='|' read -r name edit expect; do
    sed -e "$edit" "$root/Dockerfile" >"$dir/Dockerfile"
    if cmp -s "$root/Dockerfile" "$dir/Dockerfile"; then
      echo "self-test $name: the edit '$edit' no longer changes the Dockerfile"; failures=$((failures + 1)); continue
    fi
    out=$(python3 "$root/Tests/Deploy/check_image.py" --root "$dir" --binary "$binary" --no-nginx-run) && {
      echo "self-test $name: WRONG, passed"; failures=$((failures + 1)); continue; }
    if grep -q "^FAIL $expect" <<<"$out"; then
      echo "self-test $name: ok, $(grep -m1 "^FAIL $expect" <<<"$out")"
    else
      echo "self-test $name: WRONG, failed but not with 'FAIL $expect'"; failures=$((failures + 1))
    fi
  done <<'CASES'
no libcurl4 in the runtime stage|s/ nginx libcurl4 ca-certificates/ nginx ca-certificates/|libcurl.so.4: libcurl4 is not in the image
latest base image|s/^FROM debian:bookworm-slim/FROM debian:latest/|FROM debian:latest
no USER and no reason|s/^# no-USER:/# root:/|USER
shell-form ENTRYPOINT|s/^ENTRYPOINT .*/ENTRYPOINT \/usr\/local\/bin\/portico run/|ENTRYPOINT
entrypoint not copied|s/^COPY --from=build .*//|entrypoint
apt lists kept|s/ \&\& rm -rf \/var\/lib\/apt\/lists\/\*//|RUN apt-get install in stage
port not exposed|s/^EXPOSE 80 10254/EXPOSE 80/|EXPOSE
CASES
  rm -rf "$dir"
  [ "$failures" -eq 0 ] && echo "self-test passed" || { echo "self-test FAILED ($failures)"; return 1; }
}

if [ -n "$self_test" ]; then
  self_test || exit 1
fi

status=0
python3 "$root/Tests/Deploy/check_image.py" --root "$root" --binary "$binary" "${extra[@]}" || status=$?

cat <<EOF
--- not exercised here (no Docker engine, no cluster):
- docker build itself: pulling swift:6.3-bookworm and debian:bookworm-slim, BuildKit's cache
  mount, and the real contents of bookworm-slim (approximated above by apt's own resolution);
- the binary was built with this machine's toolchain ($("${SWIFT:-/opt/swift/usr/bin/swift}" --version 2>/dev/null | head -1 || echo unknown)), not inside the build image;
- the pod: kubelet probes, RBAC against an API server, downward-API env, hostPort binding.
EOF

# rc.yaml's args against `portico run --help`, once the binary has the run command.
flags=$(grep -oE '^ +- --[a-z0-9-]+' "$root/rc.yaml" | sed 's/^ *- //' | sort -u)
if "$binary" --help 2>/dev/null | grep -qE '^ +run( |$)'; then
  help=$("$binary" run --help 2>&1)
  for flag in $flags; do
    if grep -qE -- "$flag([^a-z0-9-]|\$)" <<<"$help"; then echo "PASS rc.yaml arg $flag: portico run knows it"
    else echo "FAIL rc.yaml arg $flag: not in \`portico run --help\`"; status=1; fi
  done
else
  echo "- \`portico run\` is not in this build yet: rc.yaml's args ($(echo $flags)) are unchecked."
fi
exit $status
