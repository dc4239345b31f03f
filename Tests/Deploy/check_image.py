"""Checks the Dockerfile's runtime image without a Docker engine. Run by check-image.sh.

On this Debian 12 machine, which stands in for debian:bookworm-slim:
  (a) every shared library the release binary loads (ldd) belongs to a Debian package that the
      runtime image would contain: the runtime stage's `apt-get install` packages with their
      dependencies, plus the base of debian:bookworm-slim;
  (b) every command the image runs exists after installing those packages: the entrypoint, nginx,
      the runtime stage's RUN commands, the nginx worker user; and, as root, nginx really starts
      with rc.yaml's capabilities and worker user (optional, see --no-nginx-run);
  (c) hadolint-like sanity checks by pattern: tags, USER, apt hygiene, exec-form ENTRYPOINT, and
      agreement between the Dockerfile and rc.yaml.

"The packages the image would contain" is computed by apt itself: `apt-get install --simulate`
against an empty dpkg status, once for the runtime stage's packages and once for the base
(Essential: yes, Priority: required, and apt: what debootstrap's minbase variant, from which
debian:bookworm-slim is built, installs). Alternatives may resolve differently from the real
image, so the base set is an approximation; each library's providing set is printed.

Exit status: 0 when every check that ran passed, 1 otherwise.
"""

import argparse
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time

results = {"PASS": 0, "FAIL": 0, "SKIP": 0}


def report(status, what, detail=""):
    results[status] += 1
    print("%s %s%s" % (status, what, (": " + detail) if detail else ""))


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, **kwargs)


# --- Dockerfile -----------------------------------------------------------------------------

def dockerfile_instructions(text):
    """[(stage_index, INSTRUCTION, arguments)] with continuation lines joined, comments dropped."""
    out, stage, buffer = [], -1, ""
    for line in text.splitlines():
        stripped = line.strip()
        if not buffer and (not stripped or stripped.startswith("#")):
            continue
        if buffer and stripped.startswith("#"):
            continue  # comment lines inside a continued instruction
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        full = (buffer + stripped).strip()
        buffer = ""
        word, _, rest = full.partition(" ")
        word = word.upper()
        if word == "FROM":
            stage += 1
        out.append((stage, word, rest.strip()))
    return out


def apt_installs(run_args):
    """Package names given to `apt-get install` in one RUN instruction."""
    packages = []
    for command in re.split(r"&&|;|\|\|", run_args):
        words = shlex.split(command)
        words = [w for w in words if not re.match(r"^[A-Z_]+=", w)]  # VAR=value prefixes
        if len(words) >= 2 and words[0] in ("apt-get", "apt") and "install" in words:
            after = words[words.index("install") + 1:]
            packages += [w for w in after if not w.startswith("-")]
    return packages


def run_commands(run_args):
    """The programs one RUN instruction executes (first word of each command)."""
    programs = []
    for command in re.split(r"&&|;|\|\||\|", run_args):
        words = [w for w in shlex.split(command) if not re.match(r"^[A-Z_]+=", w)]
        if words and not words[0].startswith("--mount"):
            programs.append(words[0])
    return programs


# --- apt: what the image would contain ----------------------------------------------------------

def simulated_install(packages, empty_status):
    """Every package `apt-get install --no-install-recommends PACKAGES` installs on an empty system."""
    result = run(["apt-get", "--simulate", "-o", "Dir::State::status=" + empty_status,
                  "-o", "Debug::NoLocking=1", "install", "--no-install-recommends"] + packages)
    if result.returncode != 0:
        raise RuntimeError("apt-get --simulate install %s failed: %s" % (" ".join(packages), result.stderr.strip()))
    return {line.split()[1].split(":")[0] for line in result.stdout.splitlines() if line.startswith("Inst ")}


def base_packages(empty_status):
    """An approximation of debian:bookworm-slim: minbase (Essential, Priority required) plus apt."""
    dump = run(["apt-cache", "dumpavail"]).stdout
    names = set()
    for record in dump.split("\n\n"):
        if re.search(r"^(Priority: required|Essential: yes)$", record, re.M):
            m = re.search(r"^Package: (\S+)$", record, re.M)
            if m:
                names.add(m.group(1))
    return simulated_install(sorted(names) + ["apt"], empty_status)


def owning_package(path):
    """The Debian package that ships PATH, trying the merged-/usr spellings dpkg may record."""
    candidates = [path, os.path.realpath(path)]
    for p in list(candidates):
        if p.startswith("/usr/"):
            candidates.append(p[4:])
        else:
            candidates.append("/usr" + p)
    for candidate in candidates:
        result = run(["dpkg", "-S", candidate])
        if result.returncode == 0:
            return result.stdout.split(":")[0].split(",")[0].strip()
    return None


# --- checks ---------------------------------------------------------------------------------

def check_libraries(binary, image_set, base_set, runtime_set):
    print("--- (a) shared libraries of %s" % binary)
    ldd = run(["ldd", binary])
    if ldd.returncode != 0:
        report("FAIL", "ldd %s" % binary, ldd.stderr.strip() or ldd.stdout.strip())
        return
    for line in ldd.stdout.splitlines():
        line = line.strip()
        if "linux-vdso" in line:
            continue
        if "not found" in line:
            report("FAIL", line.split()[0], "not found on this machine")
            continue
        m = re.match(r"(\S+) => (\S+)", line) or re.match(r"(/\S+) \(", line)
        if not m:
            continue
        name = m.group(1)
        path = m.group(2) if m.lastindex == 2 else m.group(1)
        if re.search(r"libswift|libFoundation|libdispatch|libBlocksRuntime", name):
            report("FAIL", name, "a Swift runtime library: build with --static-swift-stdlib")
            continue
        package = owning_package(path)
        if package is None:
            report("FAIL", name, "%s belongs to no Debian package" % path)
        elif package in runtime_set:
            report("PASS", name, "%s, installed by the runtime stage's packages" % package)
        elif package in base_set:
            report("PASS", name, "%s, in the bookworm-slim base" % package)
        else:
            report("FAIL", name, "%s is not in the image: add it to the runtime stage's apt-get install" % package)
    # The same libraries resolve every symbol the binary needs (Debian 12's versions).
    bound = run([binary, "--help"], env=dict(os.environ, LD_BIND_NOW="1"))
    if bound.returncode == 0:
        report("PASS", "LD_BIND_NOW=1 %s --help" % os.path.basename(binary), "every symbol resolves against Debian 12's libraries")
    else:
        report("FAIL", "LD_BIND_NOW=1 %s --help" % os.path.basename(binary), bound.stderr.strip()[:300])


def check_commands(instructions, runtime_stage, image_set, entrypoint, nginx_user):
    print("--- (b) commands and paths the image uses")
    copied = [args for stage, word, args in instructions if stage == runtime_stage and word == "COPY"]
    if any(args.startswith("--from=") and args.split()[-1] == entrypoint for args in copied):
        report("PASS", "entrypoint %s" % entrypoint, "copied from the build stage")
    else:
        report("FAIL", "entrypoint %s" % entrypoint, "no COPY --from=... puts it there in the runtime stage")

    nginx = "/usr/sbin/nginx"  # portico run's --nginx default; rc.yaml keeps it
    package = owning_package(nginx)
    if package in image_set and run([nginx, "-v"]).returncode == 0:
        report("PASS", nginx, "from package %s, runs here (%s)" % (package, run([nginx, "-v"]).stderr.strip()))
    else:
        report("FAIL", nginx, "owned by %s, which the image does not install, or does not run" % package)

    programs = []
    for stage, word, args in instructions:
        if stage == runtime_stage and word == "RUN":
            for program in run_commands(args):
                if program not in programs:
                    programs.append(program)
    for program in programs:
        path = shutil.which(program)
        package = owning_package(path) if path else None
        if package in image_set:
            report("PASS", "RUN %s" % program, "%s from %s" % (path, package))
        else:
            report("FAIL", "RUN %s" % program, "%s (package %s) is not in the image" % (path, package))

    passwd = "/usr/share/base-passwd/passwd.master"
    users = [l.split(":")[0] for l in open(passwd)] if os.path.exists(passwd) else []
    if nginx_user in users and "base-passwd" in image_set:
        report("PASS", "nginx worker user %s" % nginx_user, "in base-passwd's %s, so in every Debian image" % passwd)
    else:
        report("FAIL", "nginx worker user %s" % nginx_user, "not a base-passwd user; create it in the Dockerfile")



def check_nginx_paths(binary):
    """Under a read-only root, nginx must write nothing outside its prefix (the runtime dir)."""
    configure = run(["/usr/sbin/nginx", "-V"]).stderr
    paths = dict(re.findall(r"--([a-z-]+-path)=(\S+)", configure))
    if paths.get("error-log-path") == "stderr":
        report("PASS", "nginx --error-log-path=stderr", "nothing is written before the config is read")
    else:
        report("FAIL", "nginx --error-log-path=%s" % paths.get("error-log-path"),
               "nginx opens it before reading nginx.conf; on a read-only root, link it to /dev/stderr in the Dockerfile")
    rendered = run([binary, "render", "--resolver", "127.0.0.1", "-f", "-"], input="").stdout
    for option, value in sorted(paths.items()):
        m = re.match(r"http-([a-z-]+)-temp-path", option)
        if not m:
            continue
        directive = {"client-body": "client_body"}.get(m.group(1), m.group(1)) + "_temp_path"
        if re.search(r"^\s*%s\s+[^/\s]" % directive, rendered, re.M):
            report("PASS", "%s" % directive, "set relative to the runtime dir, not nginx's built-in %s" % value)
        else:
            report("FAIL", "%s" % directive, "not set (or absolute) in the rendered config: nginx would create %s on the read-only root" % value)


def free_low_port():
    for port in range(700, 1024):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    return None


def nginx_run(binary, examples, capabilities, nginx_user, allowed):
    """Starts nginx as root with only CAPABILITIES, as rc.yaml's securityContext does."""
    print("--- (b) nginx under rc.yaml's securityContext")
    if not allowed:
        report("SKIP", "nginx run", "--no-nginx-run")
        return
    missing = [t for t in ("setpriv", "curl") if not shutil.which(t)]
    if os.geteuid() != 0 or missing:
        report("SKIP", "nginx run", "needs root and %s" % ", ".join(missing or ["setpriv", "curl"]))
        return
    port = free_low_port()
    if port is None:
        report("SKIP", "nginx run", "no free port below 1024 on 127.0.0.1")
        return
    probe = run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                 "mount -o remount,bind,ro / && ! touch /.portico-ro-probe 2>/dev/null"]) if shutil.which("unshare") else None
    read_only_root = probe is not None and probe.returncode == 0
    if not read_only_root:
        report("SKIP", "read-only root filesystem", "cannot remount / read-only in a mount namespace here; nginx runs on a writable root")
    where = " on a read-only root" if read_only_root else ""

    def attempt(caps, label, expect_ok):
        prefix = tempfile.mkdtemp(prefix="portico-image-")
        try:
            rendered = run([binary, "render", "-f", examples + "/echomap-v1", "-f", examples + "/echomap/service.yaml",
                            "--http-port", str(port), "--bind-address", "127.0.0.1", "--resolver", "127.0.0.1",
                            "--no-https"])
            if rendered.returncode != 0:
                report("FAIL", "portico render", rendered.stderr.strip()[:300])
                return
            # What `portico run --nginx-user` adds to the built-in template.
            with open(os.path.join(prefix, "nginx.conf"), "w") as f:
                f.write("user %s;\n" % nginx_user + rendered.stdout)
            os.chmod(prefix, 0o755)  # an emptyDir is world-traversable too
            capset = ",".join(["-all"] + ["+" + c.lower() for c in caps])
            command = ["setpriv", "--inh-caps=" + capset, "--bounding-set=" + capset, "--no-new-privs", "--",
                       "/usr/sbin/nginx", "-p", prefix + "/", "-c", prefix + "/nginx.conf", "-g", "daemon off;"]
            if read_only_root:
                # Like the pod: the root filesystem read-only, only the runtime dir writable.
                command = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                           'mount --bind "$0" "$0" && mount -o remount,bind,ro / && exec "$@"', prefix] + command
            nginx = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            deadline = time.time() + 5
            code = None
            while time.time() < deadline:
                code = run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: foo.bar.com",
                            "http://127.0.0.1:%d/not-routed" % port]).stdout
                if code == "404" or nginx.poll() is not None:
                    break
                time.sleep(0.1)
            if nginx.poll() is not None:
                err = (nginx.stderr.read() or "").strip().splitlines()
                try:
                    err += open(os.path.join(prefix, "error.log")).read().strip().splitlines()
                except OSError:
                    pass
                detail = [l for l in err if "emerg" in l] or err
                if expect_ok:
                    report("FAIL", label, (detail[-1] if detail else "nginx exited %d" % nginx.returncode))
                else:
                    report("PASS", label, "fails as expected: %s" % (detail[-1] if detail else nginx.returncode))
                return
            workers = run(["ps", "-o", "user=", "--ppid", str(nginx.pid)]).stdout.split()
            nginx.send_signal(1)  # SIGHUP: reload, as portico does
            time.sleep(0.5)
            reloaded = nginx.poll() is None
            nginx.send_signal(3)  # SIGQUIT: graceful stop, as portico does
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait()
            ok = code == "404" and workers and set(workers) == {nginx_user} and reloaded and nginx.returncode == 0
            if expect_ok and ok:
                report("PASS", label, "nginx on 127.0.0.1:%d answered %s, workers run as %s, reload and graceful stop ok"
                       % (port, code, ",".join(sorted(set(workers)))))
            elif expect_ok:
                report("FAIL", label, "answer %s, workers %s, survived reload %s, exit %s"
                       % (code, workers, reloaded, nginx.returncode))
            else:
                report("SKIP", label, "also works without it: the capability may no longer be needed")
        finally:
            shutil.rmtree(prefix, ignore_errors=True)

    attempt(capabilities, "nginx%s with capabilities %s" % (where, ",".join(capabilities)), True)
    for dropped in capabilities:
        if dropped == "CHOWN":
            attempt([c for c in capabilities if c != dropped], "nginx%s without %s" % (where, dropped), False)


def check_lint(text, instructions, runtime_stage, rc_text, rc_caps):
    print("--- (c) Dockerfile and rc.yaml sanity")
    for stage, word, args in instructions:
        if word != "FROM":
            continue
        image = args.split()[0]
        if "@sha256:" in image:
            report("PASS", "FROM %s" % image, "pinned by digest")
        elif ":" not in image.split("/")[-1] or image.endswith(":latest"):
            report("FAIL", "FROM %s" % image, "name a version tag, not latest or none")
        else:
            report("PASS", "FROM %s" % image, "explicit tag (a digest would also pin the contents)")
    users = [args for stage, word, args in instructions if stage == runtime_stage and word == "USER"]
    if users:
        report("PASS", "USER", users[-1])
    elif re.search(r"^# no-USER: \S", text, re.M):
        report("PASS", "USER", "none, with a documented reason (# no-USER:)")
    else:
        report("FAIL", "USER", "the runtime stage sets no USER and gives no '# no-USER:' reason")
    for stage, word, args in instructions:
        if word == "RUN" and re.search(r"apt-get\s.*install", args):
            problems = []
            if "--no-install-recommends" not in args:
                problems.append("no --no-install-recommends")
            if "apt-get update" not in args:
                problems.append("apt-get update in another layer (stale lists)")
            if "rm -rf /var/lib/apt/lists" not in args:
                problems.append("package lists left in the layer")
            if re.search(r"install\s+(-\S+\s+)*-y|\s-y\s", args) is None:
                problems.append("no -y")
            report("FAIL" if problems else "PASS", "RUN apt-get install in stage %d" % stage, "; ".join(problems) or "update, -y, no recommends, lists removed, one layer")
        if word == "ADD":
            report("FAIL", "ADD %s" % args, "use COPY (ADD fetches URLs and unpacks archives)")
    entry = [args for stage, word, args in instructions if stage == runtime_stage and word == "ENTRYPOINT"]
    try:
        entry_list = json.loads(entry[-1]) if entry else None
    except ValueError:
        entry_list = None
    if isinstance(entry_list, list):
        report("PASS", "ENTRYPOINT", "exec form %s (signals reach portico, not a shell)" % entry_list)
    else:
        report("FAIL", "ENTRYPOINT", "use the exec (JSON) form so SIGTERM reaches portico")

    exposed = {p.split("/")[0] for stage, word, args in instructions if stage == runtime_stage and word == "EXPOSE" for p in args.split()}
    container_ports = set(re.findall(r"containerPort:\s*(\d+)", rc_text))
    if container_ports and container_ports <= exposed:
        report("PASS", "EXPOSE %s" % " ".join(sorted(exposed)), "covers rc.yaml's containerPorts %s" % " ".join(sorted(container_ports)))
    else:
        report("FAIL", "EXPOSE %s" % " ".join(sorted(exposed)), "rc.yaml's containerPorts are %s" % " ".join(sorted(container_ports)))
    images = re.findall(r"^\s*image:\s*(\S+)", rc_text, re.M)
    for image in images:
        bad = image.endswith(":latest") or ":" not in image.split("/")[-1]
        report("FAIL" if bad else "PASS", "rc.yaml image %s" % image, "untagged or latest" if bad else "versioned tag")
    m = re.search(r"--runtime-dir=(\S+)", rc_text)
    runtime_dir = m.group(1) if m else "/var/run/portico"
    mounts = re.findall(r"mountPath:\s*(\S+)", rc_text)
    made = any(word == "RUN" and stage == runtime_stage and runtime_dir in args for stage, word, args in instructions)
    if runtime_dir in mounts and made:
        report("PASS", "runtime dir %s" % runtime_dir, "created in the image and mounted writable (emptyDir) by rc.yaml")
    else:
        report("FAIL", "runtime dir %s" % runtime_dir, "rc.yaml mounts %s; Dockerfile creates it: %s" % (mounts, made))
    for needed in ("readOnlyRootFilesystem: true", "allowPrivilegeEscalation: false", 'drop: ["ALL"]'):
        report("PASS" if needed in rc_text else "FAIL", "rc.yaml securityContext %s" % needed)
    report("PASS" if rc_caps else "FAIL", "rc.yaml capabilities add", ", ".join(rc_caps) or "none found")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--binary")
    parser.add_argument("--no-nginx-run", action="store_true")
    args = parser.parse_args()

    text = open(os.path.join(args.root, "Dockerfile")).read()
    rc_text = open(os.path.join(args.root, "rc.yaml")).read()
    instructions = dockerfile_instructions(text)
    runtime_stage = max(stage for stage, _, _ in instructions)
    runtime_packages = [p for stage, word, a in instructions if stage == runtime_stage and word == "RUN" for p in apt_installs(a)]
    build_packages = [p for stage, word, a in instructions if stage < runtime_stage and word == "RUN" for p in apt_installs(a)]
    entry = [a for stage, word, a in instructions if stage == runtime_stage and word == "ENTRYPOINT"]
    try:
        entrypoint = json.loads(entry[-1])[0] if entry else ""
    except (ValueError, IndexError):
        entrypoint = ""
    m = re.search(r"--nginx-user[= ](\S+)", rc_text)
    nginx_user = m.group(1) if m else "www-data"
    m = re.search(r"^\s*add:\s*\[([^\]]*)\]", rc_text, re.M)
    rc_caps = [c.strip().strip("'\"") for c in m.group(1).split(",")] if m else []

    print("Dockerfile: %d stages; build stage installs %s; runtime stage installs %s; entrypoint %s"
          % (runtime_stage + 1, " ".join(build_packages), " ".join(runtime_packages), entry[-1] if entry else "(none)"))
    with tempfile.NamedTemporaryFile() as empty_status:
        base_set = base_packages(empty_status.name)
        runtime_set = simulated_install(runtime_packages, empty_status.name)
    image_set = base_set | runtime_set
    print("image packages (apt --simulate on an empty system): %d for the runtime stage's install, %d for the base, %d together"
          % (len(runtime_set), len(base_set), len(image_set)))

    if args.binary:
        check_libraries(args.binary, image_set, base_set, runtime_set)
    else:
        report("SKIP", "(a) shared libraries", "no binary given")
    check_commands(instructions, runtime_stage, image_set, entrypoint, nginx_user)
    if args.binary:
        check_nginx_paths(args.binary)
    if args.binary:
        nginx_run(args.binary, os.path.join(args.root, "examples"), rc_caps, nginx_user, not args.no_nginx_run)
    check_lint(text, instructions, runtime_stage, rc_text, rc_caps)

    print("--- %d passed, %d failed, %d skipped" % (results["PASS"], results["FAIL"], results["SKIP"]))
    return 1 if results["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
