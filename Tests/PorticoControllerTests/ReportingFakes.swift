import Foundation
import PorticoModel
import PorticoRouting

@testable import PorticoController

/// A clock tests move by hand.
final class FakeClock: @unchecked Sendable {
    private let lock = NSLock()
    private var instant = ContinuousClock.now
    private var wall = Date(timeIntervalSince1970: 1_780_000_000)

    var now: ContinuousClock.Instant { lock.withLock { instant } }
    var date: Date { lock.withLock { wall } }

    func advance(_ d: Duration) {
        lock.withLock {
            instant = instant + d
            wall = wall.addingTimeInterval(d.seconds)
        }
    }
}

/// Records the writes a reporter would make; can be told to fail them.
final class FakeReporter: ClusterReporter, @unchecked Sendable {
    struct Failed: Error {}
    private let lock = NSLock()
    private var _statuses: [StatusUpdate] = []
    private var _events: [String: EventDraft] = [:]
    private var _writes: [String] = []
    private var _gatewayStatuses: [GatewayStatusUpdate] = []
    var failWrites = false
    /// Gateway API writes answer "the object changed since" instead of writing.
    var outdated = false

    var statuses: [StatusUpdate] { lock.withLock { _statuses } }
    var gatewayStatuses: [GatewayStatusUpdate] { lock.withLock { _gatewayStatuses } }
    var events: [String: EventDraft] { lock.withLock { _events } }
    /// `status ns/name`, `create NAME`, `bump NAME COUNT`, in order.
    var writes: [String] { lock.withLock { _writes } }

    func updateStatus(_ update: StatusUpdate) async throws {
        try lock.withLock {
            if failWrites { throw Failed() }
            _statuses.append(update)
            _writes.append("status \(update.namespace)/\(update.name)")
        }
    }

    func updateGatewayStatus(_ update: GatewayStatusUpdate) async throws -> GatewayStatusWrite {
        try lock.withLock {
            if failWrites { throw Failed() }
            if outdated { return .outdated }
            _gatewayStatuses.append(update)
            _writes.append("gateway status \(update.object.kind) \(update.object.namespace)/\(update.object.name)")
            return .written
        }
    }

    func createEvent(_ event: EventDraft, at time: Date) async throws -> EventCreation {
        try lock.withLock {
            if failWrites { throw Failed() }
            _writes.append("create \(event.name)")
            if let existing = _events[event.name] { return .alreadyExists(count: existing.count) }
            _events[event.name] = event
            return .created
        }
    }

    func bumpEvent(_ event: EventDraft, at time: Date) async throws {
        try lock.withLock {
            if failWrites { throw Failed() }
            _writes.append("bump \(event.name) \(event.count)")
            _events[event.name] = event
        }
    }
}

/// An API server that takes every write and answers none until its gate opens (then accepts them).
final class HangingReporter: ClusterReporter, @unchecked Sendable {
    let gate: Gate
    private let lock = NSLock()
    private var _statuses: [StatusUpdate] = []

    init(until gate: Gate) { self.gate = gate }

    var statuses: [StatusUpdate] { lock.withLock { _statuses } }

    func updateStatus(_ update: StatusUpdate) async throws {
        await gate.wait()
        lock.withLock { _statuses.append(update) }
    }

    func createEvent(_ event: EventDraft, at time: Date) async throws -> EventCreation {
        await gate.wait()
        return .created
    }

    func bumpEvent(_ event: EventDraft, at time: Date) async throws { await gate.wait() }

    func updateGatewayStatus(_ update: GatewayStatusUpdate) async throws -> GatewayStatusWrite {
        await gate.wait()
        return .written
    }
}

/// A Lease in memory with the API server's optimistic concurrency.
final class MemoryLeaseStore: LeaseStore, @unchecked Sendable {
    struct Unreachable: Error {}
    private let lock = NSLock()
    private var stored: StoredLease?
    private var version = 0
    var unreachable = false

    var lease: StoredLease? { lock.withLock { stored } }

    func get() async throws -> StoredLease? {
        try lock.withLock {
            if unreachable { throw Unreachable() }
            return stored
        }
    }

    func create(_ record: LeaseRecord) async throws -> StoredLease {
        try lock.withLock {
            if unreachable { throw Unreachable() }
            guard stored == nil else { throw LeaseConflict(lease: "test/lease") }
            version += 1
            let lease = StoredLease(record: record, resourceVersion: "\(version)")
            stored = lease
            return lease
        }
    }

    /// Writes the stored record again under a new resourceVersion, as a renewal the elector sent
    /// and then stopped waiting for (cancelled) would have; or writes `record` instead.
    func rewrite(_ record: LeaseRecord? = nil) {
        lock.withLock {
            guard let current = stored else { return }
            version += 1
            stored = StoredLease(record: record ?? current.record, resourceVersion: "\(version)")
        }
    }

    func update(_ record: LeaseRecord, resourceVersion: String) async throws -> StoredLease {
        try lock.withLock {
            if unreachable { throw Unreachable() }
            guard let current = stored, current.resourceVersion == resourceVersion else {
                throw LeaseConflict(lease: "test/lease")
            }
            version += 1
            let lease = StoredLease(record: record, resourceVersion: "\(version)")
            stored = lease
            return lease
        }
    }
}

enum R {
    static func ref(_ name: String, ns: String = "default") -> ObjectReference {
        ObjectReference(kind: "Ingress", namespace: ns, name: name)
    }

    static func diag(_ name: String, _ code: Diagnostic.Code = .invalidPath, field: String = "spec.rules[0].http.paths[0].path", _ message: String = "\"/x;}\" has a character that is not allowed; path left out") -> Diagnostic {
        Diagnostic(code, ref(name), field: field, message)
    }
}
