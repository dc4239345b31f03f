import Foundation
import PorticoRouting

/// The controller's counters, rendered in Prometheus' text format for `/metrics`.
public final class ControllerMetrics: @unchecked Sendable {
    private let lock = NSLock()
    private var reloads: [String: Int] = ["success": 0, "failure": 0]
    private var skipped = 0
    private var lastReloadSuccess = false
    private var lastReloadTime: Double = 0
    private var generation = 0
    private var objects: [String: Int] = [:]
    private var diagnostics = 0
    private var reconcileSeconds = Histogram(buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
    private var changeToLiveSeconds = Histogram(buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30])

    private var ready = false
    private var events: [String: Int] = ["emitted": 0, "dropped": 0, "failed": 0]
    private var statusWrites: [String: Int] = ["success": 0, "failure": 0]
    private var gatewayStatusWrites: [String: Int] = ["success": 0, "failure": 0]
    private var leader = false
    private var heapInUseBytes: UInt64 = 0
    /// Served certificates: namespace, Secret, host, and when it expires (seconds since 1970).
    private var certificateExpiry: [(namespace: String, secret: String, host: String, notAfter: Double)] = []

    /// Stream servers of the config that now serves, by protocol.
    private var streamServers: [String: Int] = ["tcp": 0, "udp": 0]

    public init() {}

    /// True once the first config serves: what `/readyz` reports.
    public var isReady: Bool { lock.withLock { ready } }
    func markReady() { lock.withLock { ready = true } }

    struct Histogram {
        var buckets: [Double]
        var counts: [Int]
        var sum = 0.0
        var count = 0

        init(buckets: [Double]) {
            self.buckets = buckets
            counts = Array(repeating: 0, count: buckets.count)
        }

        mutating func observe(_ v: Double) {
            for (i, b) in buckets.enumerated() where v <= b { counts[i] += 1 }
            sum += v
            count += 1
        }

        func render(_ name: String, help: String, into out: inout String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
            for (i, b) in buckets.enumerated() { out += "\(name)_bucket{le=\"\(b)\"} \(counts[i])\n" }
            out += "\(name)_bucket{le=\"+Inf\"} \(count)\n\(name)_sum \(sum)\n\(name)_count \(count)\n"
        }
    }

    func recordReload(success: Bool, generation: Int?, at time: Date = Date()) {
        lock.withLock {
            reloads[success ? "success" : "failure", default: 0] += 1
            lastReloadSuccess = success
            lastReloadTime = time.timeIntervalSince1970
            if let generation { self.generation = generation }
        }
    }

    func recordSkipped() { lock.withLock { skipped += 1 } }

    /// The certificates of the config that now serves.
    func recordCertificates(_ files: [CertificateFile]) {
        let rows = files.flatMap { file in
            file.hosts.map { (file.secret.namespace, file.secret.name, $0, file.notAfter.timeIntervalSince1970) }
        }.sorted { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
        lock.withLock { certificateExpiry = rows.map { (namespace: $0.0, secret: $0.1, host: $0.2, notAfter: $0.3) } }
    }

    /// The TCP and UDP services of the config that now serves.
    func recordStreams(_ servers: [StreamServer]) {
        let tcp = servers.filter { $0.transport == .tcp }.count
        lock.withLock { streamServers = ["tcp": tcp, "udp": servers.count - tcp] }
    }

    /// What the allocator holds for live objects, read after each reconcile has released its own.
    public func recordHeapInUse(bytes: UInt64) { lock.withLock { heapInUseBytes = bytes } }
    func recordReconcile(seconds: Double) { lock.withLock { reconcileSeconds.observe(seconds) } }
    func recordChangeToLive(seconds: Double) { lock.withLock { changeToLiveSeconds.observe(seconds) } }

    func recordObjects(
        ingresses: Int, services: Int, ingressClasses: Int, diagnostics: Int, gatewayClasses: Int = 0, gateways: Int = 0,
        httpRoutes: Int = 0
    ) {
        lock.withLock {
            objects = [
                "ingress": ingresses, "service": services, "ingressclass": ingressClasses, "gatewayclass": gatewayClasses,
                "gateway": gateways, "httproute": httpRoutes,
            ]
            self.diagnostics = diagnostics
        }
    }

    func recordEvents(emitted: Int = 0, dropped: Int = 0, failed: Int = 0) {
        lock.withLock {
            events["emitted", default: 0] += emitted
            events["dropped", default: 0] += dropped
            events["failed", default: 0] += failed
        }
    }

    func recordStatusWrite(success: Bool) { lock.withLock { statusWrites[success ? "success" : "failure", default: 0] += 1 } }
    func recordGatewayStatusWrite(success: Bool) {
        lock.withLock { gatewayStatusWrites[success ? "success" : "failure", default: 0] += 1 }
    }
    func setLeader(_ isLeader: Bool) { lock.withLock { leader = isLeader } }

    public var isLeader: Bool { lock.withLock { leader } }
    public var eventCount: (emitted: Int, dropped: Int, failed: Int) {
        lock.withLock { (events["emitted"] ?? 0, events["dropped"] ?? 0, events["failed"] ?? 0) }
    }
    public var statusWriteCount: (success: Int, failure: Int) {
        lock.withLock { (statusWrites["success"] ?? 0, statusWrites["failure"] ?? 0) }
    }

    /// Gateway API status writes (GatewayClasses, Gateways and HTTPRoutes together).
    public var gatewayStatusWriteCount: (success: Int, failure: Int) {
        lock.withLock { (gatewayStatusWrites["success"] ?? 0, gatewayStatusWrites["failure"] ?? 0) }
    }

    public var reloadCount: (success: Int, failure: Int) {
        lock.withLock { (reloads["success"] ?? 0, reloads["failure"] ?? 0) }
    }

    public var skippedCount: Int { lock.withLock { skipped } }

    /// Prometheus text exposition format, version 0.0.4.
    public func prometheusText() -> String {
        lock.withLock {
            var out = ""
            func header(_ name: String, _ type: String, _ help: String) {
                out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            }
            func single(_ name: String, _ type: String, _ help: String, _ value: String) {
                header(name, type, help)
                out += "\(name) \(value)\n"
            }
            func labelled(_ name: String, _ type: String, _ help: String, _ label: String, _ values: [String: Int]) {
                header(name, type, help)
                for key in values.keys.sorted() { out += "\(name){\(label)=\"\(key)\"} \(values[key] ?? 0)\n" }
            }
            labelled("portico_reloads_total", "counter", "nginx reloads by result.", "result", reloads)
            single(
                "portico_reconciles_skipped_total", "counter", "Reconciles whose routing equalled the live one.", "\(skipped)")
            single("portico_last_reload_success", "gauge", "1 if the last reload succeeded.", lastReloadSuccess ? "1" : "0")
            single(
                "portico_last_reload_timestamp_seconds", "gauge", "When the last reload was tried.", "\(lastReloadTime)")
            single("portico_config_generation", "gauge", "The generation of the config nginx serves.", "\(generation)")
            labelled("portico_objects", "gauge", "Objects in the last snapshot, by kind.", "kind", objects)
            single("portico_diagnostics", "gauge", "Diagnostics in the last routing pass.", "\(diagnostics)")
            labelled(
                "portico_events_total", "counter",
                "Events about Ingresses: emitted, dropped by the rate limit, failed writes.", "result", events)
            labelled("portico_status_writes_total", "counter", "Ingress status writes by result.", "result", statusWrites)
            labelled(
                "portico_gateway_status_writes_total", "counter",
                "Gateway API status writes (GatewayClasses, Gateways, HTTPRoutes) by result.", "result", gatewayStatusWrites)
            single(
                "portico_leader", "gauge",
                "1 while this replica holds the leader Lease (only the leader writes status and events).", leader ? "1" : "0")
            single(
                "portico_heap_in_use_bytes", "gauge",
                "Memory held for live objects after the last reconcile (the watch caches and what the controller keeps "
                    + "between changes); the rest of the resident memory is code, libraries and free pages.",
                "\(heapInUseBytes)")
            labelled(
                "portico_stream_servers", "gauge",
                "TCP and UDP services (stream servers) in the config nginx serves, by protocol. Connections per stream "
                    + "server are not available: nginx's stub_status counts all connections together.",
                "protocol", streamServers)
            header(
                "portico_ssl_certificate_expiry_timestamp_seconds", "gauge",
                "When each served certificate expires, by the Secret it comes from and the host it serves.")
            for c in certificateExpiry {
                out += "portico_ssl_certificate_expiry_timestamp_seconds{namespace=\"\(c.namespace)\",secret=\"\(c.secret)\","
                    + "host=\"\(c.host)\"} \(Int(c.notAfter))\n"
            }
            reconcileSeconds.render(
                "portico_reconcile_duration_seconds", help: "Snapshot, routing, rendering and apply.", into: &out)
            changeToLiveSeconds.render(
                "portico_change_to_live_seconds", help: "From a change being seen to its config serving.", into: &out)
            return out
        }
    }
}
