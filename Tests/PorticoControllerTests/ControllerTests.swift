import Foundation
import InMemoryLogging
import Logging
import PorticoModel
import PorticoRender
import PorticoRouting
import Testing
import TestSupport

@testable import PorticoController

/// An in-memory cluster: tests change the state and the controller is woken, as by a watch.
final class FakeSource: ClusterSource, @unchecked Sendable {
    private let lock = NSLock()
    private var state: ClusterState
    private var failNext = false
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init(_ state: ClusterState) {
        self.state = state
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func set(_ change: (inout ClusterState) -> Void) {
        lock.withLock { change(&state) }
        continuation.yield()
    }

    func failNextSnapshot() { lock.withLock { failNext = true } }
    func finish() { continuation.finish() }

    func snapshot() async throws -> ClusterState {
        try lock.withLock {
            if failNext {
                failNext = false
                throw CancellationError()
            }
            return state
        }
    }

    func changes() -> AsyncStream<Void> { stream }
}

/// Holds every task that waits on it until it is opened; counts who came.
final class Gate: @unchecked Sendable {
    private let lock = NSLock()
    private var isOpen = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var _arrivals = 0

    var arrivals: Int { lock.withLock { _arrivals } }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let pass = lock.withLock { () -> Bool in
                _arrivals += 1
                if !isOpen { waiting.append(continuation) }
                return isOpen
            }
            if pass { continuation.resume() }
        }
    }

    func open() {
        let released = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            isOpen = true
            defer { waiting = [] }
            return waiting
        }
        for continuation in released { continuation.resume() }
    }
}

/// Counts calls, from any thread.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}

/// Records what would have gone live; can be told to refuse configs, or to hold every reload at a
/// gate until the test opens it.
final class FakeSink: ConfigSink, @unchecked Sendable {
    struct Refused: Error {}
    private let lock = NSLock()
    private(set) var applied: [(generation: Int, config: String, at: ContinuousClock.Instant)] = []
    var refuse = false
    let gate: Gate?

    init(holdingReloadsAt gate: Gate? = nil) { self.gate = gate }

    func start(config: ConfigText, generation: Int) async throws {
        let text = try config.string()
        lock.withLock { applied.append((generation, text, .now)) }
    }

    func apply(config: ConfigText, generation: Int) async throws {
        let text = try config.string()
        if let gate { await gate.wait() }
        try lock.withLock {
            if refuse { throw Refused() }
            applied.append((generation, text, .now))
        }
    }

    var generations: [Int] { lock.withLock { applied.map(\.generation) } }
    var last: String { lock.withLock { applied.last?.config ?? "" } }
    func appliedAt(generation: Int) -> ContinuousClock.Instant? { lock.withLock { applied.first { $0.generation == generation }?.at } }
}

func service(_ name: String, labels: [String: String]? = nil) -> Service {
    Service(metadata: ObjectMeta(name: name, namespace: "default", labels: labels), spec: ServiceSpec(ports: [ServicePort(port: 80)]))
}

func ingress(_ name: String, host: String, path: String = "/", status: IngressStatus? = nil) -> Ingress {
    Ingress(
        metadata: ObjectMeta(name: name, namespace: "default"),
        spec: IngressSpec(rules: [
            IngressRule(host: host, paths: [HTTPIngressPath(path: path, backend: .service("web", port: .init(number: 80)))])
        ]), status: status)
}

@Suite struct ControllerTests {
    let logs = InMemoryLogHandler()

    func makeController(
        _ source: FakeSource, _ sink: FakeSink, window: Duration = .milliseconds(20),
        afterReconcile: @escaping @Sendable () -> Void = {}
    ) -> Controller {
        let logger = Logger(label: "test") { _ in logs }
        return Controller(
            source: source, sink: sink,
            options: .init(
                routing: RoutingOptions(), render: RenderOptions(resolvers: ["127.0.0.1"], statusPort: 18999),
                syncWindow: window),
            logger: logger, afterReconcile: afterReconcile)
    }

    @Test func firstConfigThenOnlyRealChangesReload() async throws {
        let source = FakeSource(ClusterState(ingresses: [ingress("a", host: "a.com")], services: [service("web")]))
        let sink = FakeSink()
        let controller = makeController(source, sink)
        let task = Task { try await controller.run() }
        defer { task.cancel() }

        try await eventually("the first config is live") { await controller.isReady }
        #expect(sink.generations == [1])
        #expect(sink.last.contains("location /a.com/ {"))
        #expect(sink.last.contains("return 200 \"1\";"))

        // Status, labels: nothing routing reads. No reload.
        source.set { $0.services[0].metadata.labels = ["team": "x"] }
        source.set { $0.ingresses[0].status = IngressStatus(loadBalancer: .init(ingress: [.init(ip: "10.0.0.1")])) }
        try await eventually("a reconcile skipped") { controller.metrics.skippedCount >= 1 }
        // Time for a reload that must not come (the other change may be a reconcile behind).
        try await Task.sleep(for: .milliseconds(100))
        #expect(sink.generations == [1])

        source.set { $0.ingresses[0].spec.rules[0].host = "b.com" }
        try await eventually("generations [1, 2], not \(sink.generations)") { sink.generations == [1, 2] }
        #expect(sink.last.contains("location /b.com/ {"))
        #expect(sink.last.contains("return 200 \"2\";"))
        #expect(await controller.liveGeneration == 2)
    }

    /// Leading edge: a change after a quiet spell goes live without waiting the (here very long) window.
    @Test func anIsolatedChangeDoesNotWaitTheSyncWindow() async throws {
        let source = FakeSource(ClusterState(ingresses: [ingress("a", host: "a.com")], services: [service("web")]))
        let sink = FakeSink()
        let controller = makeController(source, sink, window: .seconds(10))
        let task = Task { try await controller.run() }
        defer { task.cancel() }
        try await eventually("the first config is live") { await controller.isReady }

        let changed = ContinuousClock.now
        source.set { $0.ingresses[0].spec.rules[0].host = "b.com" }
        try await eventually(timeout: .seconds(2), "generations [1, 2] well inside the 10 s window, not \(sink.generations)") {
            sink.generations == [1, 2]
        }
        #expect(sink.last.contains("location /b.com/ {"))
        #expect(changed.duration(to: sink.appliedAt(generation: 2) ?? .now) < .seconds(2))
    }

    /// A reconcile that finds nothing to change (a status write echoed by the watch) opens no
    /// window: the real change after it does not wait.
    @Test func aReconcileThatChangesNothingOpensNoWindow() async throws {
        let source = FakeSource(ClusterState(ingresses: [ingress("a", host: "a.com")], services: [service("web")]))
        let sink = FakeSink()
        let controller = makeController(source, sink, window: .seconds(10))
        let task = Task { try await controller.run() }
        defer { task.cancel() }
        try await eventually("the first config is live") { await controller.isReady }

        source.set { $0.ingresses[0].status = IngressStatus(loadBalancer: .init(ingress: [.init(ip: "10.0.0.1")])) }
        try await eventually(timeout: .seconds(2), "the status change reconciled and skipped") { controller.metrics.skippedCount == 1 }
        source.set { $0.ingresses[0].spec.rules[0].host = "b.com" }
        try await eventually(timeout: .seconds(2), "generations [1, 2] well inside the 10 s window, not \(sink.generations)") {
            sink.generations == [1, 2]
        }
    }

    /// What changes while a reload runs is coalesced: handled together, once, when the window after
    /// that reload has passed.
    @Test func aBurstDuringAReloadGoesLiveTogetherAfterTheWindow() async throws {
        let source = FakeSource(ClusterState(services: [service("web")]))
        let gate = Gate()
        let sink = FakeSink(holdingReloadsAt: gate)
        let reconciles = Counter()
        let window = Duration.milliseconds(200)
        let controller = makeController(source, sink, window: window) { reconciles.increment() }
        let task = Task { try await controller.run() }
        defer {
            gate.open()
            task.cancel()
        }
        try await eventually("the first config is live") { await controller.isReady }

        source.set { $0.ingresses.append(ingress("first", host: "first.com")) }
        try await eventually("the first change's reload under way") { gate.arrivals == 1 }
        let burst = 50
        for i in 0..<burst { source.set { $0.ingresses.append(ingress("i\(i)", host: "h\(i).com")) } }
        let opened = ContinuousClock.now
        gate.open()

        try await eventually("the whole burst live, generations \(sink.generations)") {
            (0..<burst).allSatisfy { sink.last.contains("location /h\($0).com/ {") }
        }
        #expect(sink.generations == [1, 2, 3])
        #expect(sink.last.contains("location /first.com/ {"))
        // Not before the window after the first change's reload ended.
        #expect(opened.duration(to: sink.appliedAt(generation: 3) ?? opened) >= window)
        // Two windows for a reconcile that must not come: the burst was read whole by one.
        try await Task.sleep(for: window * 2)
        #expect(sink.generations == [1, 2, 3])
        // The first start, the first change, the burst.
        #expect(reconciles.value == 3)
    }

    @Test func aRefusedConfigIsCountedLoggedAndRetriedOnlyWhenInputsChange() async throws {
        let source = FakeSource(ClusterState(ingresses: [ingress("a", host: "a.com")], services: [service("web")]))
        let sink = FakeSink()
        let controller = makeController(source, sink)
        let task = Task { try await controller.run() }
        defer { task.cancel() }
        try await eventually("the first config is live") { await controller.isReady }

        sink.refuse = true
        source.set { $0.ingresses[0].spec.rules[0].host = "b.com" }
        try await eventually("one failed reload") { controller.metrics.reloadCount.failure == 1 }
        #expect(await controller.liveGeneration == 1)
        // The same inputs again: not retried (the reconcile skips).
        let skipped = controller.metrics.skippedCount
        source.set { $0.services[0].metadata.labels = ["x": "y"] }
        try await eventually("the unchanged inputs reconciled") { controller.metrics.skippedCount > skipped }
        #expect(controller.metrics.reloadCount.failure == 1)

        sink.refuse = false
        source.set { $0.ingresses[0].spec.rules[0].host = "c.com" }
        try await eventually("generations [1, 2], not \(sink.generations)") { sink.generations == [1, 2] }
        #expect(sink.last.contains("location /c.com/ {"))
        let failures = logs.entries.filter { $0.level == .error }
        #expect(failures.count == 1)
        #expect(failures.first?.message == "config failed; the last good config keeps serving")
        #expect(failures.first?.metadata["config.generation"] == "2")
        let metrics = controller.metrics.prometheusText()
        #expect(metrics.contains("portico_reloads_total{result=\"failure\"} 1"))
        #expect(metrics.contains("portico_reloads_total{result=\"success\"} 2"))
        #expect(metrics.contains("portico_config_generation 2"))
        #expect(metrics.contains("portico_objects{kind=\"ingress\"} 1"))
    }

    @Test func aFailedSnapshotKeepsTheLiveConfig() async throws {
        let source = FakeSource(ClusterState(services: [service("web")]))
        let sink = FakeSink()
        let controller = makeController(source, sink)
        let task = Task { try await controller.run() }
        defer { task.cancel() }
        try await eventually("the first config is live") { await controller.isReady }
        source.failNextSnapshot()
        source.set { $0.ingresses = [ingress("a", host: "a.com")] }
        try await eventually("the failed snapshot logged") {
            logs.entries.contains { $0.message == "snapshot failed; keeping the live config" }
        }
        #expect(sink.generations == [1])
        source.set { $0.ingresses = [ingress("a", host: "a2.com")] }
        try await eventually("generations [1, 2], not \(sink.generations)") { sink.generations == [1, 2] }
    }

    /// Another controller's Ingress is said once at info level, then only at debug; a warning stays a warning.
    @Test func anotherClassIsLoggedAtInfoOnce() async throws {
        var theirs = ingress("theirs", host: "t.com")
        theirs.spec.ingressClassName = "nginx"
        let source = FakeSource(ClusterState(ingresses: [theirs, ingress("a", host: "a.com", path: "/x;")], services: [service("web")]))
        let sink = FakeSink()
        var logger = Logger(label: "test") { _ in logs }
        logger.logLevel = .debug
        let controller = Controller(
            source: source, sink: sink,
            options: .init(routing: RoutingOptions(), render: RenderOptions(resolvers: ["127.0.0.1"], statusPort: 18999)),
            logger: logger)
        let task = Task { try await controller.run() }
        defer { task.cancel() }
        try await eventually("the first config is live") { await controller.isReady }
        source.set { $0.ingresses.append(ingress("b", host: "b.com")) }
        try await eventually("a second config, \(sink.generations)") { sink.generations == [1, 2] }
        let about = logs.entries.filter { $0.metadata["object"].map { "\($0)" } == "ingress default/theirs" }
        #expect(about.map(\.level) == [.info, .debug], "\(about)")
        #expect(about.first?.message == "object not served")
        let bad = logs.entries.filter { $0.metadata["object"].map { "\($0)" } == "ingress default/a" }
        #expect(bad.map(\.level) == [.warning, .debug])
    }
}
