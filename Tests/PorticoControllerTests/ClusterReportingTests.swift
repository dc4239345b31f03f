import Foundation
import InMemoryLogging
import Logging
import PorticoModel
import PorticoRender
import PorticoRouting
import Testing
import TestSupport

@testable import PorticoController

/// A leader flag tests flip.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Bool
    init(_ value: Bool) { self.value = value }
    var isSet: Bool { lock.withLock { value } }
    func set(_ v: Bool) { lock.withLock { value = v } }
}

/// Collects what the controller hands over.
final class RecordingObserver: RoutingObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var _states: [ServedState] = []
    var states: [ServedState] { lock.withLock { _states } }
    func observe(_ state: ServedState) { lock.withLock { _states.append(state) } }
}

@Suite struct ClusterReportingTests {
    let clock = FakeClock()
    let logs = InMemoryLogHandler()

    func reporting(_ reporter: FakeReporter, leader: Flag, metrics: ControllerMetrics = ControllerMetrics()) -> ClusterReporting {
        ClusterReporting(
            reporter: reporter, options: .init(publish: PublishAddress("10.0.0.9")), isLeader: { leader.isSet },
            metrics: metrics, logger: Logger(label: "test") { _ in logs }, now: { clock.now }, wallClock: { clock.date })
    }

    func state(_ ingresses: [Ingress], served: [String], diagnostics: [Diagnostic] = []) -> ServedState {
        ServedState(ingresses: ingresses, served: Set(served.map { R.ref($0) }), diagnostics: diagnostics, generation: 1)
    }

    static func ing(_ name: String, rv: String = "1", status: [LoadBalancerIngress]? = nil) -> Ingress {
        Ingress(
            metadata: ObjectMeta(name: name, namespace: "default", uid: "uid-\(name)", resourceVersion: rv), spec: IngressSpec(),
            status: status.map { IngressStatus(loadBalancer: LoadBalancerStatus(ingress: $0)) })
    }

    @Test func onlyTheLeaderWrites() async {
        let reporter = FakeReporter(), leader = Flag(false)
        let r = reporting(reporter, leader: leader)
        r.observe(state([Self.ing("a")], served: ["a"], diagnostics: [R.diag("a")]))
        #expect(await r.pass())
        #expect(reporter.writes.isEmpty)
        leader.set(true)
        #expect(await r.pass())
        #expect(reporter.statuses.map(\.addresses) == [[LoadBalancerIngress(ip: "10.0.0.9")]])
        #expect(reporter.events.values.map(\.reason) == ["InvalidPath"])
        #expect(reporter.events.values.first?.uid == "uid-a")
    }

    @Test func repeatedPassesWriteNothingNew() async {
        let reporter = FakeReporter(), leader = Flag(true), metrics = ControllerMetrics()
        let r = reporting(reporter, leader: leader, metrics: metrics)
        let s = state([Self.ing("a"), Self.ing("b")], served: ["a", "b"], diagnostics: [R.diag("b")])
        for _ in 0..<5 {
            r.observe(s)
            #expect(await r.pass())
        }
        #expect(reporter.writes.count == 3, "\(reporter.writes)")
        // The watch cache catches up with our own write: still nothing to do.
        r.observe(state(
            [Self.ing("a", rv: "2", status: [.init(ip: "10.0.0.9")]), Self.ing("b", rv: "3", status: [.init(ip: "10.0.0.9")])],
            served: ["a", "b"], diagnostics: [R.diag("b")]))
        #expect(await r.pass())
        #expect(reporter.writes.count == 3)
        #expect(metrics.statusWriteCount == (2, 0))
        #expect(metrics.eventCount == (1, 0, 0))
        // a leaves Portico's class: its status is cleared, once.
        r.observe(state([Self.ing("a", rv: "4", status: [.init(ip: "10.0.0.9")])], served: []))
        #expect(await r.pass())
        #expect(reporter.statuses.last == StatusUpdate(namespace: "default", name: "a", resourceVersion: "4", addresses: []))
        #expect(reporter.writes.count == 4)
    }

    @Test func whatWasWrittenIsForgottenWithTheIngress() async {
        let reporter = FakeReporter(), leader = Flag(true)
        let r = reporting(reporter, leader: leader)
        r.observe(state([Self.ing("a")], served: ["a"]))
        #expect(await r.pass())
        // Deleted, then created again (a test server may even reuse the resourceVersion): written again.
        r.observe(state([], served: []))
        #expect(await r.pass())
        r.observe(state([Self.ing("a")], served: ["a"]))
        #expect(await r.pass())
        #expect(reporter.statuses.count == 2)
    }

    @Test func failedWritesAreRetriedOnTheNextPass() async {
        let reporter = FakeReporter(), leader = Flag(true), metrics = ControllerMetrics()
        let r = reporting(reporter, leader: leader, metrics: metrics)
        reporter.failWrites = true
        r.observe(state([Self.ing("a")], served: ["a"], diagnostics: [R.diag("a")]))
        #expect(await r.pass() == false)
        #expect(metrics.statusWriteCount.failure == 1)
        #expect(metrics.eventCount.failed == 1)
        #expect(logs.entries.contains { $0.message == "ingress status write failed; retrying later" && $0.metadata["ingress.name"] == "a" })
        reporter.failWrites = false
        #expect(await r.pass())
        #expect(reporter.statuses.count == 1)
        #expect(reporter.events.count == 1)
    }

    @Test func runRetriesWithBackoffUntilTheWriteSucceeds() async throws {
        let reporter = FakeReporter(), leader = Flag(true)
        let r = ClusterReporting(
            reporter: reporter,
            options: .init(publish: PublishAddress("10.0.0.9"), initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(40)),
            isLeader: { leader.isSet }, metrics: ControllerMetrics(), logger: Logger(label: "test") { _ in logs })
        reporter.failWrites = true
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await r.run() }
            r.observe(state([Self.ing("a")], served: ["a"]))
            // Several backoffs (10, 20, 40 ms) for writes that must all fail.
            try await Task.sleep(for: .milliseconds(150))
            #expect(reporter.statuses.isEmpty)
            reporter.failWrites = false
            try await eventually("a status written once writes succeed") { !reporter.statuses.isEmpty }
            #expect(reporter.statuses.count == 1)
            group.cancelAll()
        }
    }

    @Test func becomingTheLeaderReportsWhatIsAlreadyKnown() async throws {
        let store = MemoryLeaseStore(), reporter = FakeReporter()
        let elector = LeaderElector(
            store: store, options: .init(identity: "a", leaseName: "ingress/portico-leader"), metrics: ControllerMetrics(),
            logger: Logger(label: "test") { _ in logs }, now: { clock.now }, wallClock: { clock.date })
        let r = ClusterReporting(
            reporter: reporter, options: .init(publish: PublishAddress("10.0.0.9")), isLeader: { elector.isLeader },
            metrics: ControllerMetrics(), logger: Logger(label: "test") { _ in logs })
        elector.onChange { leading in if leading { r.wake() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await r.run() }
            // Observed while a follower: nothing written (time for a write that must not come), and
            // nothing new will be observed.
            r.observe(state([Self.ing("a")], served: ["a"]))
            try await Task.sleep(for: .milliseconds(100))
            #expect(reporter.writes.isEmpty)
            await elector.tick()
            #expect(elector.isLeader)
            try await eventually("the new leader reports what it knew") { !reporter.statuses.isEmpty }
            #expect(reporter.statuses.map(\.name) == ["a"])
            group.cancelAll()
        }
    }

    @Test func theControllerHandsOverTheServedStateOnceALiveConfigServesIt() async throws {
        let source = FakeSource(ClusterState(ingresses: [ingress("a", host: "a.com")], services: [service("web")]))
        let sink = FakeSink()
        let observer = RecordingObserver()
        let controller = Controller(
            source: source, sink: sink,
            options: .init(
                routing: RoutingOptions(), render: RenderOptions(resolvers: ["127.0.0.1"], statusPort: 18999),
                syncWindow: .milliseconds(10)),
            logger: Logger(label: "test") { _ in logs }, observer: observer)
        let task = Task { try await controller.run() }
        defer { task.cancel() }
        try await eventually("the first served state") { !observer.states.isEmpty }
        #expect(observer.states.first?.served == [R.ref("a")])
        #expect(observer.states.first?.generation == 1)

        // An Ingress whose only path is invalid routes nothing new, yet it is Portico's: served, with
        // its diagnostic, although no config is reloaded.
        source.set { $0.ingresses.append(ingress("b", host: "a.com", path: "/x;}")) }
        try await eventually("a second served state") { observer.states.count >= 2 }
        #expect(observer.states.last?.served == [R.ref("a"), R.ref("b")])
        #expect(observer.states.last?.diagnostics.map(\.code) == [.invalidPath])
        #expect(sink.generations == [1])

        // A config nginx refuses: the served set stays the live one.
        sink.refuse = true
        source.set { $0.ingresses.append(ingress("c", host: "c.com")) }
        try await eventually("a third served state") { observer.states.count >= 3 }
        #expect(observer.states.last?.served == [R.ref("a"), R.ref("b")])
        #expect(observer.states.last?.ingresses.count == 3)
    }

    /// Gateway API status is planned from the snapshot the live config was routed from: a new
    /// route goes with the config that serves it (a new generation); one in a pass whose config
    /// nginx refuses does not.
    @Test func theGatewayStateHandedOverIsTheLiveConfigs() async throws {
        var cluster = ClusterState(ingresses: [ingress("a", host: "a.com")], services: [service("web")])
        let planned = GatewayStatusPlannerTests.state()
        cluster.gatewayClasses = planned.gatewayClasses
        cluster.gateways = planned.gateways
        let source = FakeSource(cluster)
        let sink = FakeSink()
        let observer = RecordingObserver()
        let controller = Controller(
            source: source, sink: sink,
            options: .init(
                routing: RoutingOptions(), render: RenderOptions(resolvers: ["127.0.0.1"], statusPort: 18999),
                syncWindow: .milliseconds(10)),
            logger: Logger(label: "test") { _ in logs }, observer: observer)
        let task = Task { try await controller.run() }
        defer { task.cancel() }
        try await eventually("the first served state") { !observer.states.isEmpty }
        #expect(observer.states.first?.gatewayState.gateways.map(\.metadata.name) == ["edge"])
        #expect(observer.states.first?.gatewayState.services.map(\.metadata.name) == ["web"])

        source.set { $0.httpRoutes.append(GatewayStatusPlannerTests.route("r1")) }
        try await eventually("a second served state") { observer.states.count >= 2 }
        #expect(observer.states.last?.gatewayState.httpRoutes.map(\.metadata.name) == ["r1"])

        sink.refuse = true
        source.set {
            $0.ingresses.append(ingress("c", host: "c.com"))
            $0.httpRoutes.append(GatewayStatusPlannerTests.route("r2"))
        }
        try await eventually("a third served state") { observer.states.count >= 3 }
        #expect(observer.states.last?.gatewayState.httpRoutes.map(\.metadata.name) == ["r1"])
        // r1 is routed (generation 2); the refused pass applied nothing.
        #expect(sink.generations == [1, 2])
    }

    /// Without a GatewayClass nothing of the snapshot is kept for Gateway API status.
    @Test func withoutAGatewayClassNoGatewayStateIsKept() {
        let state = ClusterState(ingresses: [ingress("a", host: "a.com")], services: [service("web")])
        #expect(Controller.gatewayPart(state) == ClusterState())
    }

    /// Status writes run on the reporter's own loop: 1,000 of them, stuck on an API server that
    /// does not answer, hold up no reload.
    @Test func statusWritesThatHangDoNotHoldUpTheNextReload() async throws {
        let count = 1000
        let source = FakeSource(
            ClusterState(ingresses: (0..<count).map { ingress("i\($0)", host: "h\($0).com") }, services: [service("web")]))
        let sink = FakeSink()
        let gate = Gate()
        let reporter = HangingReporter(until: gate)
        let metrics = ControllerMetrics()
        let reporting = ClusterReporting(
            reporter: reporter, options: .init(publish: PublishAddress("10.0.0.9")), isLeader: { true }, metrics: metrics,
            logger: Logger(label: "test") { _ in logs })
        let controller = Controller(
            source: source, sink: sink,
            options: .init(
                routing: RoutingOptions(), render: RenderOptions(resolvers: ["127.0.0.1"], statusPort: 18999),
                syncWindow: .milliseconds(10)),
            logger: Logger(label: "test") { _ in logs }, metrics: metrics, observer: reporting)
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Runs before the group waits for its tasks, which a closed gate would hold forever.
            defer {
                gate.open()
                group.cancelAll()
            }
            group.addTask { await reporting.run() }
            group.addTask { try await controller.run() }
            try await eventually("the first status write waiting for the API server") { gate.arrivals == 1 }

            source.set { $0.ingresses[0].spec.rules[0].host = "changed.com" }
            try await eventually(timeout: .seconds(2), "the change live, generations \(sink.generations)") {
                sink.generations == [1, 2]
            }
            #expect(sink.last.contains("location /changed.com/ {"))
            #expect(gate.arrivals == 1 && reporter.statuses.isEmpty)

            gate.open()
            try await eventually("every status written once the API server answers") {
                metrics.statusWriteCount.success == count
            }
            #expect(Set(reporter.statuses.map(\.name)).count == count)
        }
    }

    // MARK: Gateway API status

    func gatewayReporting(_ reporter: FakeReporter, leader: Flag, metrics: ControllerMetrics) -> ClusterReporting {
        ClusterReporting(
            reporter: reporter,
            options: .init(publish: PublishAddress("10.0.0.9"), gatewayControllerName: GatewayStatusPlannerTests.controller, events: false),
            isLeader: { leader.isSet }, metrics: metrics, logger: Logger(label: "test") { _ in logs }, now: { clock.now },
            wallClock: { clock.date })
    }

    func gatewayState(_ cluster: ClusterState) -> ServedState {
        ServedState(ingresses: [], served: [], diagnostics: [], generation: 1, gatewayState: cluster)
    }

    @Test func gatewayStatusIsWrittenByTheLeaderOnceUntilSomethingChanges() async {
        let reporter = FakeReporter(), leader = Flag(false), metrics = ControllerMetrics()
        let r = gatewayReporting(reporter, leader: leader, metrics: metrics)
        let cluster = GatewayStatusPlannerTests.state(routes: [GatewayStatusPlannerTests.route("a")])
        r.observe(gatewayState(cluster))
        #expect(await r.pass())
        #expect(reporter.writes.isEmpty)
        leader.set(true)
        // Later passes on the same snapshot (the watch has not brought our writes back yet), at a
        // later time: nothing again, though the transition times would be new.
        for _ in 0..<3 {
            #expect(await r.pass())
            clock.advance(.seconds(5))
        }
        #expect(
            reporter.writes == [
                "gateway status Gateway infra/edge", "gateway status GatewayClass /portico", "gateway status HTTPRoute shop/a",
            ])
        #expect(metrics.gatewayStatusWriteCount == (3, 0))
        // The watch brings them back: still nothing.
        r.observe(gatewayState(GatewayStatusPlannerTests.written(reporter.gatewayStatuses, to: cluster)))
        #expect(await r.pass())
        #expect(reporter.writes.count == 3)
        // The route's new generation: that route only.
        var edited = GatewayStatusPlannerTests.written(reporter.gatewayStatuses, to: cluster)
        edited.httpRoutes[0].metadata.generation = 2
        edited.httpRoutes[0].metadata.resourceVersion = "30"
        r.observe(gatewayState(edited))
        #expect(await r.pass())
        #expect(reporter.writes.count == 4)
        #expect(reporter.gatewayStatuses.last?.object == ObjectReference(kind: "HTTPRoute", namespace: "shop", name: "a"))
        #expect(reporter.gatewayStatuses.last?.resourceVersion == "30")
    }

    @Test func anOutdatedGatewayStatusWriteIsNotRetriedAndAFailedOneIs() async {
        let reporter = FakeReporter(), leader = Flag(true), metrics = ControllerMetrics()
        let r = gatewayReporting(reporter, leader: leader, metrics: metrics)
        r.observe(gatewayState(GatewayStatusPlannerTests.state()))
        reporter.failWrites = true
        #expect(await r.pass() == false)
        #expect(metrics.gatewayStatusWriteCount == (0, 2))
        reporter.failWrites = false
        reporter.outdated = true
        // The object changed since: nothing written, nothing to retry (the watch brings it).
        #expect(await r.pass())
        #expect(metrics.gatewayStatusWriteCount == (0, 2))
        reporter.outdated = false
        #expect(await r.pass())
        #expect(metrics.gatewayStatusWriteCount == (2, 2))
    }
}
