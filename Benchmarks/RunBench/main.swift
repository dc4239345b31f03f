// `portico run` measured end to end: the release binary against the test API server, with real
// nginx, dnsmasq and an echo backend on loopback.
//   1. start to first config live (target at 10,000 Ingresses: 5 s), controller resident memory
//      (target: 80 MB)
//   2. change to live: an Ingress path changed through the API until nginx answers on the new path
//      (targets with 1,000 Ingresses: p50 250 ms, p99 600 ms; at 10,000, p50 1.5 s), for isolated
//      changes (each once the one before is fully live) and back to back, and
//      Portico's own steps for each such one-Ingress change, from its log: snapshot, route, table,
//      render into the file (target at 10,000 Ingresses: 100 ms in all before nginx is signalled)
//   3. reloads under load: wrk through nginx at full speed while 50 changes are applied (target:
//      zero failed requests)
// With --tls, HTTPS as by default: each Ingress has spec.tls with its own Secret (ECDSA P-256,
// with ssl-redirect "false" so that the plain-HTTP probes above still reach the routes), and
//   4. a certificate rotation live (a Secret's data replaced until curl, trusting only the new
//      certificate, completes a request with that host's SNI): p50 within 1.5x of a route change
//   5. rotations under HTTPS load: Benchmarks/tls-handshake-load.py (full handshakes with the
//      rotated host's SNI) while the certificate is replaced CHANGES/5 times (target: none failed)
//   with memory targets of 60 MB at 1,000 Secrets and 120 MB at 10,000.
// With --streams, a TCP services ConfigMap (--tcp-services-configmap) of as many ports as there are
// Ingresses, each to one of their Services, and
//   6. a ConfigMap change live: an entry added through the API until an HTTP request through its new
//      port is answered by the backend, isolated as above (issue 13's target: p50 within 1.5x of a
//      route change at the same scale)
// Usage: swift build -c release && .build/release/portico-run-bench [INGRESSES] [CHANGES] [--tls] [--streams]
import Foundation
import PorticoTLS
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let ingressCount = arguments.first ?? 1000
let changeCount = arguments.dropFirst().first ?? 50
let tls = CommandLine.arguments.contains("--tls")
let streams = CommandLine.arguments.contains("--streams")
let memoryTarget = !tls ? "80 MB" : ingressCount <= 1000 ? "60 MB" : "120 MB"

func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
func fmt(_ v: Double) -> String { String(format: "%.0f", v) }
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int((Double(sorted.count) * p / 100).rounded(.up)) - 1)]
}

/// The controller's resident memory in MB: the whole, then the heap and other private memory, then
/// the mapped files (the binary and the shared libraries, Foundation and ICU among them).
func residentMemory(pid: Int32) -> String {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return "?" }
    func megabytes(_ field: String) -> String {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
            let kb = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return "?" }
        return fmt(kb / 1024)
    }
    return "\(megabytes("VmRSS")) MB (anonymous \(megabytes("RssAnon")) MB, files \(megabytes("RssFile")) MB)"
}

/// An unlabelled metric from portico's /metrics.
func metric(_ name: String, healthPort: Int) -> Double? {
    guard let text = try? HTTPProbe.get("/metrics", host: "localhost", port: healthPort, timeout: 2).text,
        let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + " ") })
    else { return nil }
    return line.split(separator: " ").last.flatMap { Double($0) }
}

/// Waits until portico has finished reconciling: its reconcile count unchanged for 2 s (at most 60 s).
func waitUntilIdle(healthPort: Int) async throws {
    func reconciles() -> Double? { metric("portico_reconcile_duration_seconds_count", healthPort: healthPort) }
    let deadline = ContinuousClock.now + .seconds(60)
    var last = reconciles(), stableSince = ContinuousClock.now
    while ContinuousClock.now < deadline, ContinuousClock.now - stableSince < .seconds(2) {
        try await Task.sleep(for: .milliseconds(250))
        let now = reconciles()
        if now != last { (last, stableSince) = (now, ContinuousClock.now) }
    }
}

/// `portico_heap_in_use_bytes` in MB: the live objects among the anonymous memory.
func heapInUse(healthPort: Int) -> String {
    metric("portico_heap_in_use_bytes", healthPort: healthPort).map { fmt($0 / 1_048_576) } ?? "?"
}

/// wrk's request count and its failures, from its output.
func summary(_ out: String) -> String {
    let requests = out.split(separator: "\n").first { $0.contains("requests in") }.map { $0.trimmingCharacters(in: .whitespaces) } ?? "?"
    let errors = out.split(separator: "\n").filter { $0.contains("Socket errors") || $0.contains("Non-2xx") }
        .map { $0.trimmingCharacters(in: .whitespaces) }
    return "\(requests); failed requests: " + (errors.isEmpty ? "none" : errors.joined(separator: "; "))
}

/// Medians of the `time.<phase>_ms=N` (and `routing.*=N`) values that portico logs with each config
/// it puts live after the first.
func phaseMedians(_ log: String) -> [String: Int] {
    var values: [String: [Int]] = [:]
    for line in log.split(separator: "\n") where line.contains("config live") && !line.contains("first config live") {
        for field in line.split(separator: " ") where field.hasPrefix("time.") || field.hasPrefix("routing.") {
            let parts = field.split(separator: "=")
            guard parts.count == 2, let v = Int(parts[1]) else { continue }
            values[String(parts[0]).replacingOccurrences(of: "time.", with: "").replacingOccurrences(of: "_ms", with: ""), default: []]
                .append(v)
        }
    }
    return values.mapValues { v in v.sorted()[v.count / 2] }
}

/// Portico's own steps for a one-Ingress change, from the change seen to nginx signalled.
func porticoStepsLine(_ log: String) -> String {
    let p = phaseMedians(log)
    func v(_ k: String) -> String { p[k].map { "\($0) ms" } ?? "?" }
    return "  a one-Ingress change at \(ingressCount) Ingresses, Portico's steps (p50): snapshot \(v("snapshot")), route \(v("route")) "
        + "(groups routed again: \(p["routing.groups_routed"].map(String.init) ?? "?")), table \(v("table")), "
        + "render into the file \(v("render")); total \(v("portico")) before the file's fsync and nginx's reload (target 100 ms). "
        + "Then fsync, rename, reload and confirm: \(v("apply")); change to live as portico saw it: \(v("change_to_live"))"
}

let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("portico").path
guard FileManager.default.isExecutableFile(atPath: binary) else {
    say("portico-run-bench: \(binary) not built; run `swift build -c release` first")
    exit(1)
}

let server = try TestAPIServer()
let work = try TemporaryDirectory("portico-run-bench")
let backendPort = try Ports.free()
let backend = try EchoBackend(name: "app", address: "127.0.0.2", port: backendPort)
var names: [String: String] = [:]
for i in 0..<ingressCount { names["svc-\(i).default.svc.cluster.local"] = "127.0.0.2" }
let dns = try DNSServer(names)
var portico: ChildProcess?
@MainActor func shutDown() {
    portico?.stop(grace: 10)
    dns.stop()
    backend.stop()
    server.stop()
}

func ingress(_ i: Int, path: String) -> [String: Any] {
    var spec: [String: Any] = ["rules": [["host": "app-\(i).bench", "http": ["paths": (0..<5).map { p in
        [
            "path": p == 0 ? path : "/extra\(p)", "pathType": "Prefix",
            "backend": ["service": ["name": "svc-\(i)", "port": ["number": backendPort]]],
        ] as [String: Any]
    }]]]]
    var metadata: [String: Any] = ["name": "app-\(i)", "namespace": "default"]
    if tls {
        spec["tls"] = [["hosts": ["app-\(i).bench"], "secretName": "tls-\(i)"]]
        metadata["annotations"] = ["nginx.ingress.kubernetes.io/ssl-redirect": "false"]
    }
    return ["apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": metadata, "spec": spec]
}

/// Host i's Secret with a new certificate (self-signed: it is its own trust anchor for curl).
func secret(_ i: Int) throws -> (object: [String: Any], certificatePEM: String) {
    let bundle = try SelfSignedCertificate.generate(commonName: "app-\(i).bench", now: Date())
    let object: [String: Any] = [
        "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
        "metadata": ["name": "tls-\(i)", "namespace": "default"],
        "data": [
            "tls.crt": Data(bundle.chainPEM.utf8).base64EncodedString(),
            "tls.key": Data(bundle.keyPEM.utf8).base64EncodedString(),
        ],
    ]
    return (object, bundle.chainPEM)
}

do {
    let setup = ContinuousClock.now
    for start in stride(from: 0, to: ingressCount, by: 1000) {
        let range = start..<min(start + 1000, ingressCount)
        try await server.bulkCreate(range.map { i in
            ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "svc-\(i)", "namespace": "default"],
             "spec": ["ports": [["port": backendPort]]]]
        })
        if tls { try await server.bulkCreate(try range.map { try secret($0).object }) }
        try await server.bulkCreate(range.map { ingress($0, path: "/initial") })
    }
    // A port for each Ingress's Service, and the ones the changes add.
    let streamPorts = streams ? try (0..<ingressCount + changeCount).map { _ in try Ports.free() } : []
    if streams {
        var data: [String: String] = [:]
        for i in 0..<ingressCount { data["\(streamPorts[i])"] = "default/svc-\(i):\(backendPort)" }
        try await server.create(
            TestAPIServer.path("v1", "configmaps", namespace: "default"), ["metadata": ["name": "tcp-services"], "data": data])
    }
    say("portico-run-bench: \(ingressCount) Ingresses (5 paths each)\(tls ? ", each with spec.tls and its own Secret," : "")\(streams ? " with as many TCP services," : "") and Services created in \(fmt(ms(ContinuousClock.now - setup))) ms")

    let kubeconfig = try server.writeKubeconfig(to: work.file("kubeconfig"))
    let httpPort = try Ports.free(), healthPort = try Ports.free(), statusPort = try Ports.free(), httpsPort = try Ports.free()
    let started = ContinuousClock.now
    // PORTICO_BENCH_WRAP="heaptrack -o /tmp/portico" (or valgrind ...) runs portico under a profiler.
    let wrapper = ProcessInfo.processInfo.environment["PORTICO_BENCH_WRAP"].map { $0.split(separator: " ").map(String.init) } ?? []
    let process = try ChildProcess(
        wrapper.first.map { try ChildProcess.resolve($0) } ?? binary,
        Array(wrapper.dropFirst()) + (wrapper.isEmpty ? [] : [binary]) + [
            "run", "--kubeconfig", kubeconfig.path, "--http-port", "\(httpPort)", "--bind-address", "127.0.0.1",
        ] + (tls ? ["--https-port", "\(httpsPort)"] : ["--no-https"]) + [
            "--resolver", dns.resolverAddress, "--health-port", "\(healthPort)", "--health-address", "127.0.0.1",
            "--status-port", "\(statusPort)", "--runtime-dir", work.file("nginx").path, "--sync-window-ms", "20",
        ] + (streams ? ["--tcp-services-configmap", "default/tcp-services"] : []), name: "portico", logDirectory: work.url)
    portico = process
    while (try? HTTPProbe.get("/readyz", host: "localhost", port: healthPort, timeout: 1).status) != 200 {
        guard process.isRunning, ContinuousClock.now - started < .seconds(120) else {
            throw TestSupportError("portico never became ready: \(process.stderr.suffix(2000))")
        }
        try await Task.sleep(for: .milliseconds(20))
    }
    say("  start to first config live: \(fmt(ms(ContinuousClock.now - started))) ms (target at 10,000 Ingresses: 5000 ms)")
    say("  controller resident memory after start: \(residentMemory(pid: process.pid)), heap in use \(heapInUse(healthPort: healthPort)) MB (target \(memoryTarget))")

    // Change to live, one change at a time. Isolated: each write comes once portico has put the one
    // before fully live (logged it: nginx's old workers no longer accept). Back to back: each write
    // as soon as the one before answers, while nginx may still be retiring the old workers.
    let ingresses = TestAPIServer.path("networking.k8s.io/v1", "ingresses", namespace: "default")
    func liveChanges() -> Int {
        process.stderr.split(separator: "\n").filter { $0.contains("config live") && !$0.contains("first config live") }.count
    }
    func changes(_ count: Int, from first: Int, isolated: Bool) async throws -> [Double] {
        var latencies: [Double] = []
        for k in first..<first + count {
            if isolated {
                let deadline = ContinuousClock.now + .seconds(30)
                while liveChanges() < k, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            }
            let i = k * 7919 % ingressCount
            let path = "/changed-\(k)"
            let t0 = ContinuousClock.now
            try await server.update(ingresses + "/app-\(i)", ingress(i, path: path))
            while (try? HTTPProbe.get(path, host: "app-\(i).bench", port: httpPort, timeout: 2).status) != 200 {
                guard ContinuousClock.now - t0 < .seconds(30) else { throw TestSupportError("change \(k) not live in 30 s") }
                try await Task.sleep(for: .milliseconds(5))
            }
            latencies.append(ms(ContinuousClock.now - t0))
        }
        return latencies.sorted()
    }
    let isolated = try await changes(changeCount, from: 0, isolated: true)
    say("  change to live over \(changeCount) isolated changes: p50 \(fmt(percentile(isolated, 50))) ms, p99 \(fmt(percentile(isolated, 99))) ms, max \(fmt(isolated.last ?? .nan)) ms (targets at 1,000 Ingresses: p50 250 ms, p99 600 ms; at 10,000: p50 1500 ms)")
    let backToBack = try await changes(changeCount, from: changeCount, isolated: false)
    say("  change to live over \(changeCount) changes back to back: p50 \(fmt(percentile(backToBack, 50))) ms, p99 \(fmt(percentile(backToBack, 99))) ms, max \(fmt(backToBack.last ?? .nan)) ms")
    say(porticoStepsLine(process.stderr))
    if streams {
        // Each change adds one entry; isolated like the route changes above.
        let configMap = TestAPIServer.path("v1", "configmaps", namespace: "default") + "/tcp-services"
        let before = liveChanges()
        var latencies: [Double] = []
        for k in 0..<changeCount {
            let deadline = ContinuousClock.now + .seconds(30)
            while liveChanges() < before + k, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            let port = streamPorts[ingressCount + k]
            let t0 = ContinuousClock.now
            try await server.patch(configMap, ["data": ["\(port)": "default/svc-\(k * 7919 % ingressCount):\(backendPort)"]])
            while (try? HTTPProbe.get("/", host: "stream.bench", port: port, timeout: 2).status) != 200 {
                guard ContinuousClock.now - t0 < .seconds(30) else { throw TestSupportError("stream change \(k) not live in 30 s") }
                try await Task.sleep(for: .milliseconds(5))
            }
            latencies.append(ms(ContinuousClock.now - t0))
        }
        latencies.sort()
        let ratio = percentile(latencies, 50) / percentile(isolated, 50)
        say("  ConfigMap change to live over \(changeCount) isolated changes (a TCP port added): p50 \(fmt(percentile(latencies, 50))) ms, p99 \(fmt(percentile(latencies, 99))) ms, max \(fmt(latencies.last ?? .nan)) ms; "
            + String(format: "%.2f", ratio) + "x the route change's p50 (target: 1.5x)")
    }
    say("  controller resident memory as the last change goes live (its reconcile still confirming): \(residentMemory(pid: process.pid))")
    try await waitUntilIdle(healthPort: healthPort)
    say("  controller resident memory after the changes, idle: \(residentMemory(pid: process.pid)), heap in use \(heapInUse(healthPort: healthPort)) MB (target \(memoryTarget))")

    if tls {
        let secrets = TestAPIServer.path("v1", "secrets", namespace: "default")
        let curl = try ChildProcess.resolve("curl")
        /// Whether a request to host i over HTTPS completes when curl trusts only `anchor`.
        func servesNew(_ i: Int, anchor: URL) -> Bool {
            let arguments = [
                "-sS", "-o", "/dev/null", "--max-time", "2", "--cacert", anchor.path,
                "--resolve", "app-\(i).bench:\(httpsPort):127.0.0.1", "https://app-\(i).bench:\(httpsPort)/extra1/x",
            ]
            return (try? runCommand(curl, arguments, timeout: 5).status) == 0
        }
        /// Replaces host i's certificate and waits until it is served; the time that took.
        func rotate(_ i: Int, _ k: Int) async throws -> Double {
            let (object, pem) = try secret(i)
            let anchor = work.file("anchor-\(k).pem")
            try Data(pem.utf8).write(to: anchor)
            let t0 = ContinuousClock.now
            try await server.update(secrets + "/tls-\(i)", object)
            while !servesNew(i, anchor: anchor) {
                guard ContinuousClock.now - t0 < .seconds(30) else { throw TestSupportError("rotation \(k) not live in 30 s") }
                try await Task.sleep(for: .milliseconds(5))
            }
            return ms(ContinuousClock.now - t0)
        }
        var rotations: [Double] = []
        for k in 2 * changeCount..<3 * changeCount {
            let deadline = ContinuousClock.now + .seconds(30)
            while liveChanges() < k, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            rotations.append(try await rotate(1 + k * 7919 % max(ingressCount - 1, 1), k))
        }
        rotations.sort()
        let ratio = percentile(rotations, 50) / percentile(isolated, 50)
        say("  certificate rotation to live over \(changeCount) isolated rotations: p50 \(fmt(percentile(rotations, 50))) ms, p99 \(fmt(percentile(rotations, 99))) ms, max \(fmt(rotations.last ?? .nan)) ms; "
            + String(format: "%.2f", ratio) + "x the isolated route change's p50 (target: at most 1.5x; each probe here is a curl process)")

        // Rotations under HTTPS load: full handshakes with the rotated host's SNI throughout.
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("tls-handshake-load.py")
        let count = max(changeCount / 5, 3)
        let duration = 4 + count
        let load = try ChildProcess(
            "/usr/bin/python3", [script.path, "app-0.bench", "\(httpsPort)", "\(duration)", "4", "/extra1/x"],
            name: "tls-load", logDirectory: work.url)
        try await Task.sleep(for: .seconds(1))
        var done = 0
        for k in 0..<count {
            _ = try await rotate(0, 3 * changeCount + k)
            done += 1
            try await Task.sleep(for: .milliseconds(300))
        }
        _ = load.wait(timeout: TimeInterval(duration + 40))
        say("  rotations under HTTPS load: \(done) rotations of app-0.bench's certificate while 4 clients made full handshakes to it: "
            + load.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + " (target: none failed)")
        try await waitUntilIdle(healthPort: healthPort)
        say("  controller resident memory after the rotations, idle: \(residentMemory(pid: process.pid)), heap in use \(heapInUse(healthPort: healthPort)) MB (target \(memoryTarget))")
    }

    // Reloads under load.
    if let wrk = try? ChildProcess.resolve("wrk") {
        // The same load without reloads first: what the backend and the machine fail on their own.
        let baseline = try ChildProcess(
            wrk, ["-t2", "-c32", "-d5s", "-H", "Host: app-0.bench", "http://127.0.0.1:\(httpPort)/extra1/x"],
            name: "wrk-baseline", logDirectory: work.url)
        _ = baseline.wait(timeout: 40)
        say("  the same load without reloads: " + summary(baseline.stdout))
        let duration = 5 + changeCount / 5
        let load = try ChildProcess(
            wrk, ["-t2", "-c32", "-d\(duration)s", "-H", "Host: app-0.bench", "http://127.0.0.1:\(httpPort)/extra1/x"],
            name: "wrk", logDirectory: work.url)
        try await Task.sleep(for: .seconds(1))
        var applied = 0
        for k in 0..<changeCount {
            let i = 1 + k * 7 % max(ingressCount - 1, 1)
            let path = "/load-\(k)"
            try await server.update(ingresses + "/app-\(i)", ingress(i, path: path))
            let t0 = ContinuousClock.now
            while (try? HTTPProbe.get(path, host: "app-\(i).bench", port: httpPort, timeout: 2).status) != 200,
                ContinuousClock.now - t0 < .seconds(30)
            {
                try await Task.sleep(for: .milliseconds(5))
            }
            applied += 1
        }
        _ = load.wait(timeout: TimeInterval(duration + 30))
        say("  reloads under load: \(applied) changes applied while wrk ran: \(summary(load.stdout)) (target: none failed)")
    } else {
        say("  (wrk not installed: skipping reloads under load)")
    }
    shutDown()
} catch {
    say("portico-run-bench failed: \(error)")
    shutDown()
    exit(1)
}
