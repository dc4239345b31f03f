import Foundation
import Logging
import PorticoModel
import PorticoRouting

/// Tells the cluster what the controller serves, on its own loop so that a slow or failing API
/// server never holds up a reconcile: Ingress status (the publish address), Gateway API status
/// (`GatewayStatusPlanner`) and Warning Events for diagnostics. Level-based like the controller:
/// `observe` keeps only the newest served state and wakes the loop; a pass plans from that state
/// and what was already written. Only the leader
/// writes (`isLeader`); a failed write is logged and retried on the next pass, after a backoff.
public final class ClusterReporting: RoutingObserver, @unchecked Sendable {
    public struct Options: Sendable {
        /// Written to served Ingresses; nil: status is not written.
        public var publish: PublishAddress?
        /// The Gateway API controller name Portico's GatewayClasses give; nil: Gateway API status
        /// is not written.
        public var gatewayControllerName: String?
        public var events: Bool
        public var eventLimits: EventPlanner.Limits
        public var initialBackoff: Duration
        public var maxBackoff: Duration

        public init(
            publish: PublishAddress?, gatewayControllerName: String? = nil, events: Bool = true,
            eventLimits: EventPlanner.Limits = .init(), initialBackoff: Duration = .milliseconds(500),
            maxBackoff: Duration = .seconds(30)
        ) {
            self.publish = publish
            self.gatewayControllerName = gatewayControllerName
            self.events = events
            self.eventLimits = eventLimits
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
        }
    }

    let reporter: any ClusterReporter
    let options: Options
    let isLeader: @Sendable () -> Bool
    let metrics: ControllerMetrics
    let logger: Logger
    let now: @Sendable () -> ContinuousClock.Instant
    let wallClock: @Sendable () -> Date

    private let lock = NSLock()
    private var latest: ServedState?
    private var planner: EventPlanner
    /// Status written per Ingress: the resourceVersion it was decided on and what was written, so a
    /// watch cache that has not caught up with our own write does not cause a second write.
    private var written: [ObjectReference: (resourceVersion: String?, addresses: [LoadBalancerIngress])] = [:]
    /// The same for Gateway API status (keyed by kind, namespace and name), compared without
    /// transition times.
    private var writtenGateway: [ObjectReference: (resourceVersion: String?, status: GatewayStatusUpdate.Status)] = [:]
    private let wakes: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation

    public init(
        reporter: any ClusterReporter, options: Options, isLeader: @escaping @Sendable () -> Bool,
        metrics: ControllerMetrics, logger: Logger,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
        wallClock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.reporter = reporter
        self.options = options
        self.isLeader = isLeader
        self.metrics = metrics
        self.logger = logger
        self.now = now
        self.wallClock = wallClock
        planner = EventPlanner(limits: options.eventLimits, now: now())
        (wakes, wakeContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func observe(_ state: ServedState) {
        lock.withLock { latest = state }
        wakeContinuation.yield()
    }

    /// Runs a pass soon, e.g. when this replica becomes the leader.
    public func wake() { wakeContinuation.yield() }

    /// Reports on every wake-up until cancelled; after a failed pass, retries with backoff.
    public func run() async {
        var backoff = options.initialBackoff
        for await _ in wakes {
            while !Task.isCancelled {
                if await pass() {
                    backoff = options.initialBackoff
                    break
                }
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, options.maxBackoff)
            }
            if Task.isCancelled { break }
        }
    }

    /// One pass over the newest state. Returns false when a write failed (worth retrying).
    @discardableResult
    func pass() async -> Bool {
        guard isLeader(), let state = lock.withLock({ latest }) else { return true }
        var ok = true
        if let controllerName = options.gatewayControllerName {
            ok = await writeGatewayStatus(state, controllerName: controllerName) && ok
        }
        if let publish = options.publish {
            ok = await writeStatus(state, publish: publish) && ok
        }
        if options.events {
            ok = await recordEvents(state) && ok
        }
        return ok
    }

    private func writeGatewayStatus(_ state: ServedState, controllerName: String) async -> Bool {
        let snapshot = state.gatewayState
        let attachment = GatewayAttachment(snapshot, controllerName: controllerName)
        let planned = GatewayStatusPlanner.plan(
            snapshot, attachment: attachment, controllerName: controllerName, publish: options.publish, now: wallClock())
        var present = Set<ObjectReference>()
        for c in snapshot.gatewayClasses { present.insert(ObjectReference(kind: "GatewayClass", namespace: "", name: c.metadata.name)) }
        for g in snapshot.gateways {
            present.insert(ObjectReference(kind: "Gateway", namespace: g.metadata.effectiveNamespace, name: g.metadata.name))
        }
        for r in snapshot.httpRoutes { present.insert(ObjectReference(r)) }
        let updates = lock.withLock {
            writtenGateway = writtenGateway.filter { present.contains($0.key) }
            return planned.filter { update in
                guard let done = writtenGateway[update.object] else { return true }
                return !(done.resourceVersion == update.resourceVersion && done.status == update.content)
            }
        }
        var ok = true
        for update in updates {
            if !isLeader() { return true }
            let meta: Logger.Metadata = [
                "object.kind": "\(update.object.kind)", "object.namespace": "\(update.object.namespace)",
                "object.name": "\(update.object.name)",
            ]
            do {
                switch try await reporter.updateGatewayStatus(update) {
                case .written:
                    lock.withLock { writtenGateway[update.object] = (update.resourceVersion, update.content) }
                    metrics.recordGatewayStatusWrite(success: true)
                    logger.info("gateway api status set", metadata: meta)
                case .outdated:
                    // Not retried: the watch brings the newer object, and the pass after it plans again.
                    logger.debug("gateway api status not written: the object changed or went since it was read", metadata: meta)
                }
            } catch {
                ok = false
                metrics.recordGatewayStatusWrite(success: false)
                var meta = meta
                meta["error"] = "\(error)"
                logger.warning("gateway api status write failed; retrying later", metadata: meta)
            }
        }
        return ok
    }

    private func writeStatus(_ state: ServedState, publish: PublishAddress) async -> Bool {
        let planned = StatusPlanner.plan(
            ingresses: state.ingresses, served: state.served, publish: [publish.loadBalancerIngress])
        let present = Set(state.ingresses.map(ObjectReference.init))
        let updates = lock.withLock {
            written = written.filter { present.contains($0.key) }
            return planned.filter { update in
                guard let done = written[update.object] else { return true }
                return !(done.resourceVersion == update.resourceVersion && done.addresses == update.addresses)
            }
        }
        var ok = true
        for update in updates {
            if !isLeader() { return true }
            let meta: Logger.Metadata = [
                "ingress.namespace": "\(update.namespace)", "ingress.name": "\(update.name)",
                "status.addresses": "\(update.addresses.map { $0.ip ?? $0.hostname ?? "" })",
            ]
            do {
                try await reporter.updateStatus(update)
                lock.withLock { written[update.object] = (update.resourceVersion, update.addresses) }
                metrics.recordStatusWrite(success: true)
                logger.info(update.addresses.isEmpty ? "ingress status cleared" : "ingress status set", metadata: meta)
            } catch {
                ok = false
                metrics.recordStatusWrite(success: false)
                var meta = meta
                meta["error"] = "\(error)"
                logger.warning("ingress status write failed; retrying later", metadata: meta)
            }
        }
        return ok
    }

    private func recordEvents(_ state: ServedState) async -> Bool {
        var uids: [ObjectReference: String] = [:]
        for ingress in state.ingresses {
            if let uid = ingress.metadata.uid {
                uids[ObjectReference(ingress)] = uid
            }
        }
        let at = now()
        let plan = lock.withLock { planner.plan(state.diagnostics, uids: uids, now: at) }
        if plan.dropped > 0 {
            metrics.recordEvents(dropped: plan.dropped)
            logger.debug("events held back by the rate limit", metadata: ["events.dropped": "\(plan.dropped)"])
        }
        var ok = true
        for action in plan.actions {
            if !isLeader() { return true }
            let draft = action.draft
            let meta: Logger.Metadata = [
                "ingress.namespace": "\(draft.object.namespace)", "ingress.name": "\(draft.object.name)",
                "event.reason": "\(draft.reason)", "event.count": "\(draft.count)",
            ]
            do {
                switch action {
                case .create:
                    switch try await reporter.createEvent(draft, at: wallClock()) {
                    case .created:
                        lock.withLock { planner.confirm(draft, now: now()) }
                        metrics.recordEvents(emitted: 1)
                        logger.info("event recorded", metadata: meta)
                    case .alreadyExists(let count):
                        lock.withLock { planner.confirm(draft, count: count, now: now()) }
                        logger.debug("event already recorded", metadata: meta)
                    }
                case .bump:
                    try await reporter.bumpEvent(draft, at: wallClock())
                    lock.withLock { planner.confirm(draft, now: now()) }
                    metrics.recordEvents(emitted: 1)
                    logger.info("event recorded again", metadata: meta)
                }
            } catch {
                ok = false
                metrics.recordEvents(failed: 1)
                var meta = meta
                meta["error"] = "\(error)"
                logger.warning("event write failed; retrying later", metadata: meta)
            }
        }
        return ok
    }
}
