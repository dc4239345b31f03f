import Foundation
import PorticoKube
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `portico run` telling the cluster: Ingress status, Warning Events, and one leader among replicas.
@Suite("End to end: portico run reports to the cluster", .serialized, .enabled(if: PorticoBinary.path != nil, "portico is not built"))
struct RunReportingEndToEndTests {
    typealias Rig = RunEndToEndTests.Rig
    static let ingresses = RunEndToEndTests.ingresses
    static let services = RunEndToEndTests.services
    static let events = TestAPIServer.path("v1", "events", namespace: "default")
    static let lease = TestAPIServer.path("coordination.k8s.io/v1", "leases", namespace: "default", name: "portico-leader")

    static func addresses(_ rig: Rig, _ name: String) async -> [[String: String]]? {
        guard let ingress = try? await rig.server.get(Self.ingresses + "/" + name) else { return nil }
        return ((ingress["status"] as? [String: Any])?["loadBalancer"] as? [String: Any])?["ingress"] as? [[String: String]]
    }

    static func events(_ rig: Rig, about name: String) async -> [[String: Any]] {
        let list = (try? await rig.server.get(Self.events))?["items"] as? [[String: Any]] ?? []
        return list.filter { ($0["involvedObject"] as? [String: Any])?["name"] as? String == name }
    }

    static func holder(_ rig: Rig) async -> String? {
        ((try? await rig.server.get(Self.lease))?["spec"] as? [String: Any])?["holderIdentity"] as? String
    }

    static func metrics(port: Int) -> String {
        (try? HTTPProbe.get("/metrics", host: "localhost", port: port).text) ?? ""
    }

    /// The value of the unlabelled metric `name` (0 when absent).
    static func metric(_ name: String, port: Int) -> Int {
        metrics(port: port).split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Int($0.dropFirst(name.count + 1)) } ?? 0
    }

    /// Writes to events and Ingress statuses the server has seen.
    static func writes(_ rig: Rig) async throws -> (events: Int, statuses: Int) {
        let requests = try await rig.server.requests().filter { ($0["method"] as? String) != "GET" && ($0["listener"] as? String) != "admin" }
        let paths = requests.compactMap { $0["path"] as? String }
        return (paths.filter { $0.contains("/events") }.count, paths.filter { $0.hasSuffix("/status") && $0.contains("/ingresses/") }.count)
    }

    @Test func servedIngressesGetTheAddressAndInvalidOnesOneWarningEvent() async throws {
        let rig = try Rig(extraArguments: ["--publish-status-address", "127.0.0.9", "--election-identity", "replica-a"])
        try await eventually("never ready: \(rig.log)") { rig.health("/readyz") == 200 }
        try await rig.server.create(Self.services, rig.service("web"))
        try await rig.server.create(Self.ingresses, rig.ingress("site", host: "a.test", path: "/", service: "web"))
        try await eventually("no status: \(rig.log)") { await Self.addresses(rig, "site") == [["ip": "127.0.0.9"]] }
        // Live before its status (an old worker, 404 for a.test, may take one connection meanwhile).
        try await eventually(timeout: .seconds(5), "served: \(rig.log)") { rig.who("a.test", "/") == "web" }
        #expect(await Self.holder(rig) == "replica-a")

        // An invalid path: one Warning Event naming the field and why.
        try await rig.server.create(Self.ingresses, rig.ingress("bad", host: "b.test", path: "/x;}", service: "web"))
        try await eventually("no event: \(rig.log)") { await Self.events(rig, about: "bad").count == 1 }
        let event = try #require(await Self.events(rig, about: "bad").first)
        #expect(event["type"] as? String == "Warning")
        #expect(event["reason"] as? String == "InvalidPath")
        let message = event["message"] as? String ?? ""
        #expect(message.hasPrefix("spec.rules[0].http.paths[0].path: \"/x;}\""), "\(message)")
        #expect(message.hasSuffix("path left out"), "\(message)")
        #expect((event["involvedObject"] as? [String: Any])?["kind"] as? String == "Ingress")
        #expect(((event["involvedObject"] as? [String: Any])?["uid"] as? String)?.isEmpty == false)
        #expect((event["source"] as? [String: Any])?["component"] as? String == "portico")

        // Several more reconciles (changes nothing routes from, and real route changes): still one
        // Event, count 1, and no more event writes.
        let before = try await Self.writes(rig)
        for i in 0..<4 {
            let reconciles = Self.metric("portico_reconcile_duration_seconds_count", port: rig.healthPort)
            try await rig.server.patch(Self.ingresses + "/site", ["metadata": ["labels": ["round": "\(i)"]]])
            try await rig.server.create(Self.services, rig.service("extra\(i)"))
            try await eventually("round \(i) reconciled") {
                Self.metric("portico_reconcile_duration_seconds_count", port: rig.healthPort) > reconciles
            }
        }
        try await rig.server.create(Self.ingresses, rig.ingress("more", host: "c.test", path: "/", service: "web"))
        try await eventually("status for more: \(rig.log)") { await Self.addresses(rig, "more") == [["ip": "127.0.0.9"]] }
        // Time for writes that must not come (a reporter pass runs on every reconcile).
        try await Task.sleep(for: .milliseconds(500))
        let after = try await Self.writes(rig)
        #expect(after.events == before.events, "event writes on unchanged diagnostics: \(before) → \(after)")
        #expect(after.statuses == before.statuses + 1, "status writes: \(before) → \(after)")
        let events = await Self.events(rig, about: "bad")
        #expect(events.count == 1)
        #expect(events.first?["count"] as? Int == 1)

        // Another controller's class now: Portico clears the address it had set.
        try await rig.server.patch(Self.ingresses + "/site", ["spec": ["ingressClassName": "other"]])
        try await eventually("status not cleared: \(rig.log)") { await Self.addresses(rig, "site") == nil }
        try await eventually("a.test no longer served: \(rig.log)") { rig.who("a.test", "/") == "404" }

        let metrics = Self.metrics(port: rig.healthPort)
        #expect(metrics.contains("portico_leader 1"))
        #expect(metrics.contains("portico_events_total{result=\"emitted\"} 1"))
        // The API server shows a write before the reporter has counted it.
        try await eventually("four status writes counted: \(Self.metrics(port: rig.healthPort))") {
            Self.metrics(port: rig.healthPort).contains("portico_status_writes_total{result=\"success\"} 4")
        }
        try await Self.expectEveryRequestGranted(rig)
    }

    @Test func ofTwoReplicasOnlyTheLeaderWritesStatusAndASuccessorTakesOver() async throws {
        let rig = try Rig(extraArguments: ["--publish-status-address", "127.0.0.9", "--election-identity", "replica-a"])
        try await eventually("never ready: \(rig.log)") { rig.health("/readyz") == 200 }
        // The second replica: same cluster, its own nginx and ports.
        let httpB = try Ports.free(), healthB = try Ports.free(), statusB = try Ports.free()
        let kubeconfig = rig.runtime.file("kubeconfig")
        let binary = try #require(PorticoBinary.path)
        let logsB = rig.runtime.file("replica-b")
        try FileManager.default.createDirectory(at: logsB, withIntermediateDirectories: true)
        let b = try ChildProcess(
            binary,
            [
                "run", "--kubeconfig", kubeconfig.path, "--http-port", "\(httpB)", "--bind-address", "127.0.0.1",
                "--resolver", rig.dns.resolverAddress, "--health-port", "\(healthB)", "--health-address", "127.0.0.1",
                "--status-port", "\(statusB)", "--runtime-dir", rig.runtime.file("nginx-b").path,
                "--sync-window-ms", "20", "--shutdown-grace", "5", "--https-port", "\(try Ports.free())",
                "--publish-status-address", "127.0.0.9", "--election-identity", "replica-b",
            ], name: "portico-b", logDirectory: logsB)
        defer { b.stop(grace: 10) }
        let readyB = { (try? HTTPProbe.get("/readyz", host: "localhost", port: healthB, timeout: 2).status) == 200 }
        try await eventually("replica b never ready: \(b.stderr)") { readyB() }
        try await eventually("a Lease holder") { await Self.holder(rig) != nil }

        try await rig.server.create(Self.services, rig.service("web"))
        for i in 0..<3 {
            try await rig.server.create(Self.ingresses, rig.ingress("site\(i)", host: "s\(i).test", path: "/", service: "web"))
        }
        for i in 0..<3 {
            try await eventually("status for site\(i)") { await Self.addresses(rig, "site\(i)") == [["ip": "127.0.0.9"]] }
        }
        // Both serve traffic.
        try await eventually("replica a serves s0.test") { rig.who("s0.test", "/") == "web" }
        try await eventually("replica b serves s0.test") {
            guard let r = try? HTTPProbe.get("/", host: "s0.test", port: httpB, timeout: 3), r.status == 200 else { return false }
            return (try? r.echo().backend) == "web"
        }

        let holder = await Self.holder(rig)
        let (leaderHealth, followerHealth) = holder == "replica-a" ? (rig.healthPort, healthB) : (healthB, rig.healthPort)
        // The API server shows a write before the reporter has counted it.
        try await eventually("the leader counted its three status writes: \(Self.metrics(port: leaderHealth))") {
            Self.metrics(port: leaderHealth).contains("portico_status_writes_total{result=\"success\"} 3")
        }
        let leaderMetrics = Self.metrics(port: leaderHealth), followerMetrics = Self.metrics(port: followerHealth)
        #expect(leaderMetrics.contains("portico_leader 1"))
        #expect(followerMetrics.contains("portico_leader 0"))
        #expect(followerMetrics.contains("portico_status_writes_total{result=\"success\"} 0"), "\(followerMetrics)")
        #expect(try await Self.writes(rig).statuses == 3, "each status written once, by one replica")

        // The leader stops cleanly: it releases the Lease and the other takes over at once.
        let leader = holder == "replica-a" ? rig.portico : b
        leader.signal(SIGTERM)
        #expect(leader.wait(timeout: 20) == 0)
        let successor = holder == "replica-a" ? "replica-b" : "replica-a"
        try await eventually(timeout: .seconds(4), "no takeover: \(b.stderr)") { await Self.holder(rig) == successor }
        // The Lease names the successor a moment before its gauge says so.
        try await eventually("the successor's gauge: \(Self.metrics(port: followerHealth))") {
            Self.metrics(port: followerHealth).contains("portico_leader 1")
        }
        try await rig.server.create(Self.ingresses, rig.ingress("late", host: "late.test", path: "/", service: "web"))
        try await eventually("the successor writes status for late") { await Self.addresses(rig, "late") == [["ip": "127.0.0.9"]] }
        try await eventually("the successor counted its status write: \(Self.metrics(port: followerHealth))") {
            Self.metrics(port: followerHealth).contains("portico_status_writes_total{result=\"success\"} 1")
        }
        try await Self.expectEveryRequestGranted(rig)
    }

    /// Every request the replicas sent (watching, status, Events, the Lease) is one that
    /// `PorticoPermissions`, and so rc.yaml (LeastPrivilegeTests), grants.
    static func expectEveryRequestGranted(_ rig: Rig, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        var ungranted = Set<String>()
        var kinds = Set<String>()
        for request in try await rig.server.requests() where (request["listener"] as? String) != "admin" {
            guard let verb = request["verb"] as? String, let path = request["path"] as? String,
                let permission = KubePermission(requestPath: path, verb: verb)
            else { continue }
            kinds.insert(permission.resource)
            if !PorticoPermissions.covers(permission) { ungranted.insert(permission.description) }
        }
        #expect(ungranted.isEmpty, "requests rc.yaml does not grant: \(ungranted.sorted())", sourceLocation: sourceLocation)
        #expect(kinds.isSuperset(of: ["ingresses", "services", "leases", "ingresses/status"]), "\(kinds.sorted())",
                sourceLocation: sourceLocation)
    }
}
