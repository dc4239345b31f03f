import Foundation

/// The decisions of leader election, as a pure function of what was observed and when (after
/// client-go's leaderelection): expiry is measured with the local clock from the moment this replica
/// last saw the Lease change, never from the timestamps in it, so clock skew between nodes does not
/// matter.
public enum LeaderElection {
    /// The Lease as last read, and when its record was last seen to change.
    public struct Observation: Sendable, Equatable {
        public var lease: StoredLease
        public var changedAt: ContinuousClock.Instant

        public init(lease: StoredLease, changedAt: ContinuousClock.Instant) {
            self.lease = lease
            self.changedAt = changedAt
        }

        /// The new observation after reading `lease` at `now`: the change time moves only when the
        /// record changed.
        public func updated(with lease: StoredLease, at now: ContinuousClock.Instant) -> Observation {
            Observation(lease: lease, changedAt: lease.record == self.lease.record ? changedAt : now)
        }
    }

    public enum Action: Sendable, Equatable {
        /// No Lease yet: create it, holding it.
        case create
        /// This replica holds it: renew.
        case renew
        /// Free (released) or expired: take it over, counting a transition.
        case takeOver
        /// Someone else holds it until at least `expiresAt` (local clock).
        case follow(holder: String, expiresAt: ContinuousClock.Instant)
    }

    public static func decide(_ observed: Observation?, now: ContinuousClock.Instant, identity: String) -> Action {
        guard let observed else { return .create }
        let record = observed.lease.record
        if record.holderIdentity == identity { return .renew }
        if record.holderIdentity.isEmpty { return .takeOver }
        let expiresAt = observed.changedAt + .seconds(max(1, record.leaseDurationSeconds))
        if now >= expiresAt { return .takeOver }
        return .follow(holder: record.holderIdentity, expiresAt: expiresAt)
    }

    /// The record this replica writes for `action`.
    public static func record(
        for action: Action, previous: LeaseRecord?, identity: String, leaseDurationSeconds: Int, wallTime: Date
    ) -> LeaseRecord? {
        let stamp = microTime(wallTime)
        switch action {
        case .create:
            return LeaseRecord(
                holderIdentity: identity, leaseDurationSeconds: leaseDurationSeconds, acquireTime: stamp,
                renewTime: stamp, leaseTransitions: 0)
        case .renew:
            guard var record = previous else { return nil }
            record.leaseDurationSeconds = leaseDurationSeconds
            record.renewTime = stamp
            return record
        case .takeOver:
            let transitions = previous?.leaseTransitions ?? 0
            return LeaseRecord(
                holderIdentity: identity, leaseDurationSeconds: leaseDurationSeconds, acquireTime: stamp,
                renewTime: stamp, leaseTransitions: transitions + 1)
        case .follow:
            return nil
        }
    }

    /// `2024-05-01T10:00:00.000000Z`, the Kubernetes MicroTime format.
    public static func microTime(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let micros = Int(((date.timeIntervalSince1970 - seconds) * 1_000_000).rounded(.down))
        var tm = tm()
        var t = time_t(seconds)
        gmtime_r(&t, &tm)
        func pad(_ n: Int32, _ width: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let micro = String(micros)
        return "\(pad(tm.tm_year + 1900, 4))-\(pad(tm.tm_mon + 1, 2))-\(pad(tm.tm_mday, 2))T"
            + "\(pad(tm.tm_hour, 2)):\(pad(tm.tm_min, 2)):\(pad(tm.tm_sec, 2))."
            + String(repeating: "0", count: max(0, 6 - micro.count)) + micro + "Z"
    }
}
