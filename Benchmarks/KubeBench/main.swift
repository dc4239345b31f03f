// Measures the Kubernetes client against the test API server (Tests/Support/apiserver):
// the initial paged list of 10,000 Ingresses and 10,000 Services into the watch cache, and the
// latency from a write to the consumer seeing it, over single changes.
//
//     swift run -c release portico-kube-bench [ingresses services changes]

import CMallocShims
import Foundation
import PorticoKube
import PorticoModel
import TestSupport

// The allocator settings `portico run` uses (see RunCommand.run), so this process's memory is what
// the client's would be there.
_ = portico_malloc_tune(2, 1 << 20)

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let ingressCount = arguments.count > 0 ? arguments[0] : 10_000
let serviceCount = arguments.count > 1 ? arguments[1] : 10_000
let changeCount = arguments.count > 2 ? arguments[2] : 200

func milliseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1000 + Double(attoseconds) / 1e15
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
}

/// Unbuffered, so progress shows when piped.
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

func format(_ value: Double) -> String { String(format: "%.1f", value) }

/// This process's resident set size, from /proc/self/statm.
func residentMegabytes() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return .nan }
    let pages = text.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? .nan
    return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
}

let namespaceCount = 20
let server = try TestAPIServer(
    {
        var options = TestAPIServer.Options()
        options.namespaces = (0..<namespaceCount).map { "ns-\($0)" }
        return options
    }())

/// Stops the server and removes its directory (globals are not deinitialized at exit).
func shutDown() {
    server.stop()
    try? FileManager.default.removeItem(at: server.directory.url)
}

// Interrupted (Ctrl-C, `timeout`): stop the server child before leaving.
signal(SIGINT, SIG_IGN)
signal(SIGTERM, SIG_IGN)
let interruptSources = [SIGINT, SIGTERM].map { number in
    let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
    source.setEventHandler {
        shutDown()
        exit(130)
    }
    source.resume()
    return source
}

do {
    // Setup through the admin listener, in bulk.
    func objects(_ count: Int, _ make: (Int) -> [String: Any]) -> [[[String: Any]]] {
        stride(from: 0, to: count, by: 1000).map { start in (start..<min(start + 1000, count)).map(make) }
    }
    let setupStart = ContinuousClock.now
    for batch in objects(
        ingressCount,
        { i in
            [
                "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                "metadata": [
                    "name": "ing-\(i)", "namespace": "ns-\(i % namespaceCount)", "labels": ["app": "bench"],
                ],
                "spec": [
                    "ingressClassName": "portico",
                    "rules": [
                        [
                            "host": "host-\(i).example",
                            "http": [
                                "paths": [
                                    [
                                        "path": "/", "pathType": "Prefix",
                                        "backend": ["service": ["name": "svc-\(i)", "port": ["number": 80]]],
                                    ]
                                ]
                            ],
                        ]
                    ],
                ],
            ]
        })
    { try await server.bulkCreate(batch) }
    for batch in objects(
        serviceCount,
        { i in
            [
                "apiVersion": "v1", "kind": "Service",
                "metadata": ["name": "svc-\(i)", "namespace": "ns-\(i % namespaceCount)"],
                "spec": ["ports": [["port": 80, "targetPort": 8080]], "selector": ["app": "svc-\(i)"]],
            ]
        })
    { try await server.bulkCreate(batch) }
    say(
        "setup: \(ingressCount) Ingresses, \(serviceCount) Services in \(format(milliseconds(ContinuousClock.now - setupStart))) ms"
    )

    let kubeconfig = try server.writeKubeconfig(to: server.directory.file("kubeconfig"))
    let configuration = try KubeConfiguration.fromKubeconfig(path: kubeconfig.path, environment: [:])
    let client = KubeClient(configuration: configuration)

    // Writes for the latency test go to the admin listener on fresh connections: Python's
    // http.server answers reused connections a delayed ACK (40 ms) late, which is not the client's.
    let adminKubeconfig = try server.directory.write(
        "admin-kubeconfig",
        """
        apiVersion: v1
        kind: Config
        current-context: admin
        clusters: [{name: admin, cluster: {server: "\(server.adminURL.absoluteString)"}}]
        contexts: [{name: admin, context: {cluster: admin}}]
        """)
    var adminConfiguration = try KubeConfiguration.fromKubeconfig(
        path: adminKubeconfig.path, environment: [:])
    adminConfiguration.reuseConnections = false
    let admin = KubeClient(configuration: adminConfiguration)

    // 1. One paged list of each kind, as `portico render --from-cluster` does.
    let snapshotStart = ContinuousClock.now
    let snapshot = try await loadClusterSnapshot(configuration: configuration)
    let snapshotTime = ContinuousClock.now - snapshotStart
    say(
        "loadClusterSnapshot: \(snapshot.ingresses.count) Ingresses + \(snapshot.services.count) Services "
            + "in \(format(milliseconds(snapshotTime))) ms")

    // 2. The watcher's initial paged lists into its cache, then single changes.
    let watcher = ClusterWatcher(client: client)
    try await withThrowingTaskGroup(of: Void.self) { group in
        let listStart = ContinuousClock.now
        group.addTask { try await watcher.run() }
        try await watcher.waitUntilSynced()
        let listTime = ContinuousClock.now - listStart
        let cached = watcher.snapshot()
        say(
            "initial list into the cache: \(cached.ingresses.count) Ingresses + \(cached.services.count) Services "
                + "in \(format(milliseconds(listTime))) ms (target <= 2000 ms)")

        // Let the watches open before measuring.
        try await server.waitForWatches(4)
        var changes = watcher.changes.makeAsyncIterator()
        _ = await changes.next()
        var latencies: [Double] = []
        var writeTimes: [Double] = []
        for i in 0..<changeCount {
            let index = i * 37 % max(ingressCount, 1)
            let namespace = "ns-\(index % namespaceCount)", name = "ing-\(index)"
            let patch = Data(#"{"metadata":{"labels":{"bench":"\#(i)"}}}"#.utf8)
            let start = ContinuousClock.now
            async let written: Ingress = admin.mergePatch(
                Ingress.self, namespace: namespace, name: name, json: patch)
            while watcher.ingress(namespace: namespace, name: name)?.metadata.labels?["bench"] != "\(i)" {
                guard ContinuousClock.now - start < .seconds(10) else {
                    throw TestSupportError("change \(i) to \(namespace)/\(name) not seen within 10 s")
                }
                _ = await changes.next()
            }
            latencies.append(milliseconds(ContinuousClock.now - start))
            _ = try await written
            writeTimes.append(milliseconds(ContinuousClock.now - start))
        }
        latencies.sort()
        writeTimes.sort()
        say(
            "change to consumer over \(changeCount) single changes: p50 \(format(percentile(latencies, 50))) ms, "
                + "p99 \(format(percentile(latencies, 99))) ms, max \(format(latencies.last ?? .nan)) ms (target p99 <= 20 ms)"
        )
        say(
            "  (the write request itself, for reference: p50 \(format(percentile(writeTimes, 50))) ms, "
                + "p99 \(format(percentile(writeTimes, 99))) ms)")

        // 3. Soak (PORTICO_SOAK_SECONDS, e.g. 600): 100 changes a second while a consumer snapshots on
        //    every wake-up, as the controller does; this process's resident memory, sampled each minute.
        let soakSeconds = Int(ProcessInfo.processInfo.environment["PORTICO_SOAK_SECONDS"] ?? "") ?? 0
        if soakSeconds > 0 {
            group.addTask {
                var wakes = watcher.changes.makeAsyncIterator()
                while await wakes.next() != nil { _ = watcher.snapshot() }
            }
            let soakStart = ContinuousClock.now
            var samples: [(minute: Int, megabytes: Double)] = []
            var written = 0
            // Writes on a fixed 10 ms schedule, up to four in flight, so that a slow write does not
            // lower the rate.
            var inFlight: [Task<Void, any Error>] = []
            while ContinuousClock.now - soakStart < .seconds(soakSeconds) {
                let tick = soakStart + .milliseconds(10 * written)
                let index = written * 53 % max(ingressCount, 1)
                let patch = Data(#"{"metadata":{"labels":{"soak":"\#(written)"}}}"#.utf8)
                if inFlight.count >= 4 { try await inFlight.removeFirst().value }
                inFlight.append(Task {
                    _ = try await admin.mergePatch(
                        Ingress.self, namespace: "ns-\(index % namespaceCount)", name: "ing-\(index)", json: patch)
                })
                written += 1
                let minute = Int((ContinuousClock.now - soakStart).components.seconds / 60)
                if samples.last?.minute != minute {
                    samples.append((minute, residentMegabytes()))
                    let heap = Double(portico_malloc_in_use()) / 1_048_576
                    say("  soak minute \(minute): resident \(format(samples.last?.megabytes ?? 0)) MB (malloc in use \(format(heap)) MB), \(written) changes")
                }
                try await Task.sleep(until: tick + .milliseconds(10), clock: .continuous)
            }
            for task in inFlight { try await task.value }
            let end = residentMegabytes()
            let afterWarmUp = samples.count > 1 ? samples[1].megabytes : samples.first?.megabytes ?? end
            say(
                "soak: \(written) changes in \(soakSeconds) s (\(written / max(soakSeconds, 1))/s); resident memory "
                    + "\(format(afterWarmUp)) MB after 1 min, \(format(end)) MB at the end "
                    + "(growth \(format(end - afterWarmUp)) MB; target: flat)")
            let final = watcher.snapshot()
            say("  cache at the end: \(final.ingresses.count) Ingresses, \(final.services.count) Services")
        }
        group.cancelAll()
    }
} catch {
    say("portico-kube-bench failed: \(error)")
    shutDown()
    exit(1)
}
shutDown()
interruptSources.forEach { $0.cancel() }
