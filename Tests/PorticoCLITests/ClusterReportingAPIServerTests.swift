import Foundation
import Logging
@testable import PorticoController
import PorticoKube
import PorticoModel
import Testing
import TestSupport

@testable import PorticoCLI

/// The reporter and the elector against the test API server, over TLS with a token, as in a pod.
@Suite("Cluster reporting against the test API server", .serialized)
struct ClusterReportingAPIServerTests {
    static let ingresses = TestAPIServer.path("networking.k8s.io/v1", "ingresses", namespace: "default")
    static let events = TestAPIServer.path("v1", "events", namespace: "default")

    static func client(_ server: TestAPIServer) throws -> KubeClient {
        let file = try server.writeKubeconfig(to: server.directory.file("kubeconfig"))
        return KubeClient(configuration: try KubeConfiguration.fromKubeconfig(path: file.path, environment: [:]))
    }

    static func elector(_ identity: String, _ server: TestAPIServer) throws -> LeaderElector {
        let store = KubeLeaseStore(client: try client(server), namespace: "default", name: "portico-leader")
        return LeaderElector(
            store: store,
            options: .init(
                identity: identity, leaseName: store.description, leaseDuration: .seconds(2),
                renewDeadline: .milliseconds(1500), retryPeriod: .milliseconds(200)),
            metrics: ControllerMetrics(), logger: Logger(label: "test"))
    }

    static func holder(_ server: TestAPIServer) async throws -> String? {
        let lease = try await server.get(TestAPIServer.path("coordination.k8s.io/v1", "leases", namespace: "default", name: "portico-leader"))
        return (lease["spec"] as? [String: Any])?["holderIdentity"] as? String
    }

    @Test func twoElectorsOneLeaderAndTakeover() async throws {
        let server = try TestAPIServer()
        defer { server.stop() }
        let a = try Self.elector("replica-a", server), b = try Self.elector("replica-b", server)
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Both start at once: both try to create the Lease, one gets 409.
            let runA = Task { await a.run() }
            group.addTask { await b.run() }
            try await eventually(timeout: .seconds(5), "one of two electors leads") { a.isLeader || b.isLeader }
            // For a second (half the lease), watched, never two leaders or none.
            for _ in 0..<10 {
                #expect(a.isLeader != b.isLeader, "exactly one leads")
                try await Task.sleep(for: .milliseconds(100))
            }
            let (leader, follower) = a.isLeader ? ("replica-a", b) : ("replica-b", a)
            #expect(try await Self.holder(server) == leader)

            if leader == "replica-a" {
                // The leader stops without releasing (a crash): the other waits out the lease.
                runA.cancel()
                let stopped = Date()
                try await eventually(timeout: .seconds(5), "the follower takes over an expired lease") { follower.isLeader }
                let waited = Date().timeIntervalSince(stopped)
                #expect(waited >= 1.5 && waited < 3.0, "took over after \(waited) s; lease duration is 2 s")
                #expect(try await Self.holder(server) == "replica-b")
                group.cancelAll()
            } else {
                // The leader stops cleanly and releases: the other takes over at once.
                group.cancelAll()
                while (try? await group.next()) != nil {}
                await b.release()
                // Released: no longer b's. replica-a keeps running, so it may hold it already.
                let holder = try await Self.holder(server)
                #expect(holder == "" || holder == "replica-a", "holder after release: \(holder ?? "none")")
                let released = Date()
                try await eventually(timeout: .seconds(5), "replica-a takes over a released lease") { a.isLeader }
                #expect(Date().timeIntervalSince(released) < 1.0)
                #expect(try await Self.holder(server) == "replica-a")
                runA.cancel()
            }
            _ = await runA.value
        }
        let lease = try await server.get(TestAPIServer.path("coordination.k8s.io/v1", "leases", namespace: "default", name: "portico-leader"))
        #expect((lease["spec"] as? [String: Any])?["leaseTransitions"] as? Int == 1)
    }

    @Test func releaseLetsTheSuccessorTakeOverAtOnce() async throws {
        let server = try TestAPIServer()
        defer { server.stop() }
        let a = try Self.elector("replica-a", server), b = try Self.elector("replica-b", server)
        await a.tick()
        await b.tick()
        #expect(a.isLeader && !b.isLeader)
        await a.release()
        #expect(try await Self.holder(server) == "")
        await b.tick()
        #expect(b.isLeader)
        #expect(try await Self.holder(server) == "replica-b")
    }

    @Test func reporterWritesStatusAndEvents() async throws {
        let server = try TestAPIServer()
        defer { server.stop() }
        let created = try await server.create(Self.ingresses, ["metadata": ["name": "web"], "spec": [:]])
        let meta = created["metadata"] as? [String: Any]
        let rv = meta?["resourceVersion"] as? String, uid = meta?["uid"] as? String
        let reporter = KubeClusterReporter(client: try Self.client(server), instance: "portico-abc", host: "node-1")

        // Status: set, through the status subresource.
        try await reporter.updateStatus(.init(namespace: "default", name: "web", resourceVersion: rv, addresses: [.init(ip: "127.0.0.9")]))
        var ingress = try await server.get(Self.ingresses + "/web")
        #expect(((ingress["status"] as? [String: Any])?["loadBalancer"] as? [String: Any])?["ingress"] as? [[String: String]] == [["ip": "127.0.0.9"]])
        // A write planned on a stale resourceVersion fails (409): it never overwrites a newer change.
        await #expect(throws: KubeAPIError.self) {
            try await reporter.updateStatus(.init(namespace: "default", name: "web", resourceVersion: rv, addresses: []))
        }
        // Cleared.
        let current = (ingress["metadata"] as? [String: Any])?["resourceVersion"] as? String
        try await reporter.updateStatus(.init(namespace: "default", name: "web", resourceVersion: current, addresses: []))
        ingress = try await server.get(Self.ingresses + "/web")
        #expect(((ingress["status"] as? [String: Any])?["loadBalancer"] as? [String: Any])?["ingress"] == nil)
        let requests = try await server.requests().filter { ($0["path"] as? String)?.hasSuffix("/ingresses/web/status") == true }
        #expect(requests.count == 3)
        #expect(requests.allSatisfy { $0["method"] as? String == "PATCH" })

        // Events: created once, found again by name, bumped.
        let draft = EventDraft(
            name: "web.0123456789abcdef", object: .init(kind: "Ingress", namespace: "default", name: "web"), uid: uid,
            reason: "InvalidPath", message: "spec.rules[0].http.paths[0].path: \"/x;}\" is bad; path left out",
            type: "Warning", count: 1)
        let at = Date(timeIntervalSince1970: 1_780_000_000)
        #expect(try await reporter.createEvent(draft, at: at) == .created)
        #expect(try await reporter.createEvent(draft, at: at) == .alreadyExists(count: 1))
        var bumped = draft
        bumped.count = 2
        try await reporter.bumpEvent(bumped, at: at.addingTimeInterval(60))
        let event = try await server.get(Self.events + "/web.0123456789abcdef")
        #expect(event["count"] as? Int == 2)
        #expect(event["reason"] as? String == "InvalidPath")
        #expect(event["type"] as? String == "Warning")
        #expect(event["message"] as? String == draft.message)
        #expect(event["firstTimestamp"] as? String == "2026-05-28T20:26:40Z")
        #expect(event["lastTimestamp"] as? String == "2026-05-28T20:27:40Z")
        #expect((event["source"] as? [String: String])?["component"] == "portico")
        #expect(event["reportingComponent"] as? String == "portico.io/ingress-controller")
        #expect(event["reportingInstance"] as? String == "portico-abc")
        let involved = event["involvedObject"] as? [String: String]
        #expect(involved == ["apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "namespace": "default", "name": "web", "uid": uid ?? "?"])

        // An expired (deleted) Event is recorded afresh when bumped.
        _ = try await server.delete(Self.events + "/web.0123456789abcdef")
        bumped.count = 3
        try await reporter.bumpEvent(bumped, at: at.addingTimeInterval(120))
        #expect(try await server.get(Self.events + "/web.0123456789abcdef")["count"] as? Int == 3)
    }

    @Test(arguments: [
        ("127.0.0.9", [:], "127.0.0.9"), (nil, ["NODE_IP": "10.1.2.3"], "10.1.2.3"), (nil, [:], nil),
        ("lb.example.com", ["NODE_IP": "10.1.2.3"], "lb.example.com"),
    ] as [(String?, [String: String], String?)])
    func publishAddressComesFromTheFlagOrTheNode(flag: String?, environment: [String: String], expected: String?) throws {
        #expect(try RunCommand.publishAddress(flag: flag, environment: environment)?.description == expected)
    }

    @Test func invalidPublishAddressesAreRefusedWithTheReason() {
        #expect(throws: (any Error).self) { try RunCommand.parse(["--publish-status-address", "not an address"]).validate() }
        do {
            _ = try RunCommand.publishAddress(flag: nil, environment: ["NODE_IP": "10.0.0.x;"])
            Issue.record("NODE_IP 10.0.0.x; was accepted")
        } catch {
            #expect("\(error)".contains("NODE_IP"))
        }
        #expect(throws: (any Error).self) { try RunCommand.parse(["--election-id", "Bad_ID"]).validate() }
        #expect(RunCommand.electionIdentity(flag: nil, environment: ["POD_NAME": "portico-x1"]) == "portico-x1")
        #expect(RunCommand.electionIdentity(flag: "me", environment: ["POD_NAME": "portico-x1"]) == "me")
    }

    @Test(arguments: [
        ("portico.io/gateway-controller", true), ("example.com/gateways/v2", true), ("portico", false),
        ("/path", false), ("Example.com/x", false), ("example.com/", false), ("example.com/a b", false),
    ])
    func gatewayControllerNamesAreDomainPrefixedPaths(name: String, valid: Bool) throws {
        #expect(RunCommand.isControllerName(name) == valid)
        if valid {
            #expect(try RunCommand.parse(["--gateway-controller-name", name]).gatewayControllerName == name)
        } else {
            #expect(throws: (any Error).self) { try RunCommand.parse(["--gateway-controller-name", name]).validate() }
        }
    }

    @Test func theGatewayAPIIsWatchedUnlessTurnedOff() throws {
        let run = try RunCommand.parse([])
        #expect(run.gatewayAPI && run.gatewayControllerName == "portico.io/gateway-controller")
        #expect(try RunCommand.parse(["--no-gateway-api"]).gatewayAPI == false)
    }
}
