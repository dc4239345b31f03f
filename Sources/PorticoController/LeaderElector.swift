import Foundation
import Logging

/// Holds or follows a Lease so that exactly one replica is the leader: the one that writes status
/// and Events. Every replica keeps serving traffic whatever its role. It reads the Lease every
/// `retryPeriod`, renews while it holds it, takes it over when it is free or expired, and steps down
/// when it cannot renew within `renewDeadline` (shorter than the lease duration, so a cut-off leader
/// stops before anyone may take over). `release()` frees the Lease on a clean stop so a successor
/// takes over at once.
public final class LeaderElector: @unchecked Sendable {
    public struct Options: Sendable {
        public var identity: String
        /// For messages: `namespace/name` of the Lease.
        public var leaseName: String
        public var leaseDuration: Duration
        public var renewDeadline: Duration
        public var retryPeriod: Duration

        public init(
            identity: String, leaseName: String, leaseDuration: Duration = .seconds(15),
            renewDeadline: Duration = .seconds(10), retryPeriod: Duration = .seconds(2)
        ) {
            self.identity = identity
            self.leaseName = leaseName
            self.leaseDuration = leaseDuration
            self.renewDeadline = renewDeadline
            self.retryPeriod = retryPeriod
        }

        var leaseDurationSeconds: Int { max(1, Int(leaseDuration.components.seconds)) }
    }

    let store: any LeaseStore
    let options: Options
    let metrics: ControllerMetrics
    let logger: Logger
    let now: @Sendable () -> ContinuousClock.Instant
    let wallClock: @Sendable () -> Date
    private var onChange: @Sendable (Bool) -> Void = { _ in }

    private let lock = NSLock()
    private var observed: LeaderElection.Observation?
    private var leading = false
    private var lastRenew: ContinuousClock.Instant?
    /// Set while reads or writes of the Lease fail: the first failure is a warning, repeats are debug.
    private var failing = false

    public init(
        store: any LeaseStore, options: Options, metrics: ControllerMetrics, logger: Logger,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
        wallClock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.options = options
        self.metrics = metrics
        self.logger = logger
        self.now = now
        self.wallClock = wallClock
    }

    public var isLeader: Bool { lock.withLock { leading } }

    /// Called with the new role whenever it changes (e.g. to wake the reporter on becoming leader).
    public func onChange(_ handler: @escaping @Sendable (Bool) -> Void) {
        lock.withLock { onChange = handler }
    }

    /// Tries to acquire or renew every `retryPeriod` until cancelled. Does not release: call
    /// `release()` after it returns, outside the cancelled task.
    public func run() async {
        while !Task.isCancelled {
            await tick()
            try? await Task.sleep(for: options.retryPeriod)
        }
    }

    /// One step: read the Lease, decide, write.
    func tick() async {
        let started = now()
        let current: StoredLease?
        do {
            current = try await store.get()
        } catch {
            failed(error, at: started)
            return
        }
        succeeded()
        let observation: LeaderElection.Observation? = lock.withLock {
            guard let current else {
                observed = nil
                return nil
            }
            let next = observed?.updated(with: current, at: started)
                ?? LeaderElection.Observation(lease: current, changedAt: started)
            observed = next
            return next
        }
        let action = LeaderElection.decide(observation, now: started, identity: options.identity)
        guard
            let record = LeaderElection.record(
                for: action, previous: current?.record, identity: options.identity,
                leaseDurationSeconds: options.leaseDurationSeconds, wallTime: wallClock())
        else {
            if case .follow(let holder, _) = action { setLeading(false, holder: holder) }
            return
        }
        do {
            let written: StoredLease
            if let current {
                written = try await store.update(record, resourceVersion: current.resourceVersion)
            } else {
                written = try await store.create(record)
            }
            lock.withLock {
                observed = LeaderElection.Observation(lease: written, changedAt: started)
                lastRenew = started
            }
            setLeading(true, holder: options.identity)
        } catch let conflict as LeaseConflict {
            logger.debug("lost the race for the lease", metadata: ["lease": "\(options.leaseName)", "error": "\(conflict)"])
            setLeading(false, holder: nil)
        } catch {
            failed(error, at: started)
        }
    }

    /// Frees the Lease if this replica holds it: holder empty, so a successor need not wait for expiry.
    public func release() async {
        guard isLeader else { return }
        setLeading(false, holder: nil)
        guard var lease = lock.withLock({ observed?.lease }), lease.record.holderIdentity == options.identity
        else { return }
        // A renewal cancelled in flight may still have been written: the Lease then has a newer
        // resourceVersion than the one observed. On a conflict, read it again and release what is
        // still ours.
        for attempt in 1...3 {
            var record = lease.record
            record.holderIdentity = ""
            record.leaseDurationSeconds = 1
            record.renewTime = LeaderElection.microTime(wallClock())
            do {
                _ = try await store.update(record, resourceVersion: lease.resourceVersion)
                logger.info("leader lease released", metadata: ["lease": "\(options.leaseName)"])
                return
            } catch let conflict as LeaseConflict where attempt < 3 {
                logger.debug("lease changed before release; reading it again", metadata: ["error": "\(conflict)"])
                guard let current = try? await store.get() else { break }
                guard current.record.holderIdentity == options.identity else { return }  // no longer ours
                lease = current
            } catch {
                logger.warning("leader lease not released; a successor takes over when it expires", metadata: [
                    "lease": "\(options.leaseName)", "error": "\(error)",
                ])
                return
            }
        }
        logger.warning("leader lease not released; a successor takes over when it expires", metadata: [
            "lease": "\(options.leaseName)"
        ])
    }

    private func failed(_ error: any Error, at time: ContinuousClock.Instant) {
        let (wasLeading, expired, repeated) = lock.withLock { () -> (Bool, Bool, Bool) in
            let expired = lastRenew.map { $0.duration(to: time) >= options.renewDeadline } ?? true
            defer { failing = true }
            return (leading, expired, failing)
        }
        let metadata: Logger.Metadata = ["lease": "\(options.leaseName)", "error": "\(error)"]
        if repeated {
            logger.debug("leader election: lease read or write failed", metadata: metadata)
        } else {
            logger.warning("leader election: lease read or write failed", metadata: metadata)
        }
        if wasLeading && expired { setLeading(false, holder: nil) }
    }

    private func succeeded() {
        let wasFailing = lock.withLock { () -> Bool in
            defer { failing = false }
            return failing
        }
        if wasFailing { logger.info("leader election: lease reachable again", metadata: ["lease": "\(options.leaseName)"]) }
    }

    private func setLeading(_ value: Bool, holder: String?) {
        let changed = lock.withLock { () -> Bool in
            defer { leading = value }
            return leading != value
        }
        guard changed else { return }
        metrics.setLeader(value)
        if value {
            logger.notice("became the leader; writing status and events", metadata: [
                "lease": "\(options.leaseName)", "identity": "\(options.identity)",
            ])
        } else {
            logger.notice("not the leader; serving traffic, leaving status and events to the leader", metadata: [
                "lease": "\(options.leaseName)", "leader": "\(holder ?? "(unknown)")",
            ])
        }
        lock.withLock { onChange }(value)
    }
}
