import Foundation
import Logging
import PorticoModel
import PorticoRender
import PorticoRouting

/// Keeps the live config equal to the cluster, level-based: a change only wakes the loop; the loop
/// reads a whole snapshot, routes it, and applies a config only when the routing differs from what
/// is live. A config that fails is not retried until the inputs change.
public actor Controller {
    public struct Options: Sendable {
        public var routing: RoutingOptions
        public var render: RenderOptions
        /// Leading edge: a change is reconciled at once unless it comes while a reconcile runs or
        /// within this long after one ended; those wait for the window's end and are handled together.
        public var syncWindow: Duration

        public init(routing: RoutingOptions, render: RenderOptions, syncWindow: Duration = .milliseconds(100)) {
            self.routing = routing
            self.render = render
            self.syncWindow = syncWindow
        }
    }

    let source: any ClusterSource
    let sink: any ConfigSink
    let renderer: ConfigRenderer
    let options: Options
    let logger: Logger
    public nonisolated let metrics: ControllerMetrics
    let observer: (any RoutingObserver)?
    let afterReconcile: @Sendable () -> Void

    /// What serves: a digest of its routing, the Ingresses it serves, its generation, and the
    /// Gateway API part of the snapshot it was routed from (for status).
    private var live: (routes: IncrementalRouter.Digest, served: Set<ObjectReference>, generation: Int, gateways: ClusterState)?
    private var failed: IncrementalRouter.Digest?
    /// Routes each snapshot again only where it changed; holds the last pass's routing.
    private var router: IncrementalRouter
    private var _isReady = false
    /// Diagnostics of the last routing pass, for events and status.
    public private(set) var lastDiagnostics: [Diagnostic] = []

    public init(
        source: any ClusterSource, sink: any ConfigSink, renderer: ConfigRenderer = ConfigRenderer(reusingText: true),
        options: Options, logger: Logger, metrics: ControllerMetrics = ControllerMetrics(),
        observer: (any RoutingObserver)? = nil, afterReconcile: @escaping @Sendable () -> Void = {}
    ) {
        self.observer = observer
        router = IncrementalRouter(options: options.routing)
        self.afterReconcile = afterReconcile
        self.source = source
        self.sink = sink
        self.renderer = renderer
        self.options = options
        self.logger = logger
        self.metrics = metrics
    }

    /// True once the first config serves.
    public var isReady: Bool { _isReady }
    public var liveGeneration: Int? { live?.generation }

    /// Puts the first config live, then reconciles on every change until cancelled. Throws only when
    /// the first config cannot be put live (the process should exit and be restarted).
    ///
    /// The sync window is a leading edge: a change is reconciled at once, and only what comes while
    /// that reload runs or within `syncWindow` after it waits, to be handled together when the window
    /// ends. The window bounds how often nginx reloads, so only a reconcile that tried a reload opens
    /// one: a reconcile that found nothing to change (a status write echoed by the watch) makes the
    /// next change wait for nothing.
    public func run() async throws {
        let changes = source.changes()
        try await startFirst()
        afterReconcile()
        // The first start opens no window either: it was no change, and what follows should not wait.
        var windowEnds: ContinuousClock.Instant?
        for await _ in changes {
            let woke = ContinuousClock.now
            if let windowEnds, woke < windowEnds {
                try? await Task.sleep(until: windowEnds, clock: .continuous)
            }
            if Task.isCancelled { break }
            let outcome = await reconcileOnce(changeSeen: woke)
            afterReconcile()
            windowEnds = outcome == .unchanged ? nil : ContinuousClock.now + options.syncWindow
        }
    }

    func startFirst() async throws {
        let started = ContinuousClock.now
        let state = try await source.snapshot()
        let pass = route(state)
        let table = pass.table()
        try await sink.start(config: configText(table, generation: 1), generation: 1)
        metrics.recordCertificates(table.certificates)
        metrics.recordStreams(table.streams)
        live = (pass.digest, pass.servedIngresses, 1, Self.gatewayPart(state))
        _isReady = true
        metrics.markReady()
        metrics.recordReload(success: true, generation: 1)
        metrics.recordReconcile(seconds: started.duration(to: .now).seconds)
        report(state, latest: pass)
        logger.info("first config live", metadata: ["config.generation": "1", "routing.hosts": "\(pass.hostCount)"])
    }

    /// One pass: snapshot, route (again only where the snapshot changed), compare, render, apply;
    /// then `afterReconcile`, once what the pass made is freed (the executable hands those pages back
    /// to the system).
    public func reconcile(changeSeen: ContinuousClock.Instant = .now) async {
        _ = await reconcileOnce(changeSeen: changeSeen)
        afterReconcile()
    }

    /// What a reconcile did: only a tried reload opens a sync window.
    enum Outcome: Equatable {
        /// Nothing to apply: the routing is live already, failed already, or no snapshot was read.
        case unchanged
        case applied
        case refused
    }

    private func reconcileOnce(changeSeen: ContinuousClock.Instant) async -> Outcome {
        let started = ContinuousClock.now
        defer { metrics.recordReconcile(seconds: started.duration(to: .now).seconds) }
        let state: ClusterState
        do {
            state = try await source.snapshot()
        } catch {
            logger.warning("snapshot failed; keeping the live config", metadata: ["error": "\(error)"])
            return .unchanged
        }
        let snapshotted = ContinuousClock.now
        let pass = route(state)
        let routes = pass.digest
        let routed = ContinuousClock.now
        defer { report(state, latest: pass) }
        // Portico's own steps, logged with what each reconcile did (the benchmark reads them).
        var steps: Logger.Metadata = [
            "time.snapshot_ms": "\(started.milliseconds(to: snapshotted))", "time.route_ms": "\(snapshotted.milliseconds(to: routed))",
            "routing.groups_routed": "\(pass.routedGroups)",
        ]
        if let live, live.routes == routes {
            // Same routes: the live config serves this table too (its served set may be newer).
            self.live = (routes, pass.servedIngresses, live.generation, Self.gatewayPart(state))
            metrics.recordSkipped()
            steps["config.generation"] = "\(live.generation)"
            logger.debug("routing unchanged; nothing to do", metadata: steps)
            return .unchanged
        }
        if let failed, failed == routes {
            metrics.recordSkipped()
            logger.debug("routing equals the config that failed; waiting for a change", metadata: steps)
            return .unchanged
        }
        let generation = (live?.generation ?? 0) + 1
        do {
            let table = pass.table()
            let config = configText(table, generation: generation)
            let applying = ContinuousClock.now
            try await sink.apply(config: config, generation: generation)
            let applied = ContinuousClock.now
            // The sink renders as it writes the file; what is left of its time is the file's fsync
            // and rename, and nginx's reload.
            let renderMs = Int((config.renderDuration.seconds * 1000).rounded())
            live = (routes, pass.servedIngresses, generation, Self.gatewayPart(state))
            failed = nil
            metrics.recordReload(success: true, generation: generation)
            metrics.recordCertificates(table.certificates)
            metrics.recordStreams(table.streams)
            metrics.recordChangeToLive(seconds: changeSeen.duration(to: applied).seconds)
            steps["config.generation"] = "\(generation)"
            steps["routing.hosts"] = "\(table.virtualHosts.count)"
            steps["time.table_ms"] = "\(routed.milliseconds(to: applying))"
            steps["time.render_ms"] = "\(renderMs)"
            steps["time.portico_ms"] = "\(started.milliseconds(to: applying) + renderMs)"
            steps["time.apply_ms"] = "\(max(0, applying.milliseconds(to: applied) - renderMs))"
            steps["time.change_to_live_ms"] = "\(changeSeen.milliseconds(to: applied))"
            logger.info("config live", metadata: steps)
            return .applied
        } catch {
            failed = routes
            metrics.recordReload(success: false, generation: nil)
            logger.error("config failed; the last good config keeps serving", metadata: [
                "config.generation": "\(generation)", "error": "\(error)",
            ])
            return .refused
        }
    }

    private func route(_ state: ClusterState) -> IncrementalRouter.Pass {
        let pass = router.route(state)
        // A diagnostic is a warning the first time it appears; while it persists, a debug line.
        let known = Set(lastDiagnostics)
        lastDiagnostics = pass.diagnostics
        metrics.recordObjects(
            ingresses: state.ingresses.count, services: state.services.count,
            ingressClasses: state.ingressClasses.count, diagnostics: pass.diagnostics.count,
            gatewayClasses: state.gatewayClasses.count, gateways: state.gateways.count, httpRoutes: state.httpRoutes.count)
        for d in pass.diagnostics {
            let level: Logger.Level = known.contains(d) ? .debug : d.severity == .info ? .info : .warning
            let message: Logger.Message = d.severity == .info ? "object not served" : "object left out or degraded"
            logger.log(level: level, message, metadata: [
                "object": "\(d.object)", "field": "\(d.field)", "code": "\(d.code.rawValue)", "reason": "\(d.message)",
            ])
        }
        return pass
    }

    /// Hands the served state to the observer; only once a config is live, so that status never
    /// names Portico for an Ingress before nginx serves it.
    private func report(_ state: ClusterState, latest: IncrementalRouter.Pass) {
        guard let observer, let live else { return }
        observer.observe(
            ServedState(
                ingresses: state.ingresses, served: live.served, diagnostics: latest.diagnostics,
                generation: live.generation, gatewayState: live.gateways))
    }

    /// What Gateway API status is planned from: the Gateway API objects and what they name
    /// (Services, Secrets, Namespaces). Nothing when there is no GatewayClass, so that a cluster
    /// without the Gateway API keeps no second reference to its Services and Secrets.
    static func gatewayPart(_ state: ClusterState) -> ClusterState {
        guard !state.gatewayClasses.isEmpty else { return ClusterState() }
        var part = ClusterState(services: state.services, secrets: state.secrets)
        part.namespaces = state.namespaces
        part.gatewayClasses = state.gatewayClasses
        part.gateways = state.gateways
        part.httpRoutes = state.httpRoutes
        part.referenceGrants = state.referenceGrants
        return part
    }

    private func configText(_ table: RoutingTable, generation: Int) -> ConfigText {
        var render = options.render
        render.generation = generation
        return renderer.text(table, options: render)
    }
}

extension ContinuousClock.Instant {
    func milliseconds(to later: Self) -> Int { Int((duration(to: later).seconds * 1000).rounded()) }
}

extension Duration {
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
