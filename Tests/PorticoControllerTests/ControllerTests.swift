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

/// Records what would have gone live; can be told to refuse configs.
final class FakeSink: ConfigSink, @unchecked Sendable {
    struct Refused: Error {}
    private let lock = NSLock()
    private(set) var applied: [(generation: Int, config: String)] = []
    var refuse = false

    func start(config: ConfigText, generation: Int) async throws {
        let text = try config.string()
        lock.withLock { applied.append((generation, text)) }
    }

    func apply(config: ConfigText, generation: Int) async throws {
        let text = try config.string()
        try lock.withLock {
            if refuse { throw Refused() }
            applied.append((generation, text))
        }
    }

    var generations: [Int] { lock.withLock { applied.map(\.generation) } }
    var last: String { lock.withLock { applied.last?.config ?? "" } }
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

    func makeController(_ source: FakeSource, _ sink: FakeSink, window: Duration = .milliseconds(20)) -> Controller {
        let logger = Logger(label: "test") { _ in logs }
        return Controller(
            source: source, sink: sink,
            options: .init(
                routing: RoutingOptions(), render: RenderOptions(resolvers: ["127.0.0.1"], statusPort: 18999),
                syncWindow: window),
            logger: logger)
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

    @Test func burstsCoalesceIntoOneReload() async throws {
        let source = FakeSource(ClusterState(services: [service("web")]))
        let sink = FakeSink()
        let controller = makeController(source, sink, window: .milliseconds(200))
        let task = Task { try await controller.run() }
        defer { task.cancel() }
        try await eventually("the first config is live") { await controller.isReady }
        for i in 0..<50 { source.set { $0.ingresses.append(ingress("i\(i)", host: "h\(i).com")) } }
        try await eventually("a second generation") { sink.generations.count >= 2 }
        // Two sync windows for a third reload that must not come.
        try await Task.sleep(for: .milliseconds(400))
        #expect(sink.generations == [1, 2])
        #expect((0..<50).allSatisfy { sink.last.contains("location /h\($0).com/ {") })
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
