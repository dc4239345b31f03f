/// The fields of a `coordination.k8s.io/v1` Lease that leader election reads and writes.
public struct LeaseRecord: Sendable, Equatable {
    /// Empty: nobody holds it (released).
    public var holderIdentity: String
    public var leaseDurationSeconds: Int
    /// MicroTime text, for people and other implementations; decisions use the local clock.
    public var acquireTime: String?
    public var renewTime: String?
    public var leaseTransitions: Int

    public init(
        holderIdentity: String, leaseDurationSeconds: Int, acquireTime: String? = nil, renewTime: String? = nil,
        leaseTransitions: Int = 0
    ) {
        self.holderIdentity = holderIdentity
        self.leaseDurationSeconds = leaseDurationSeconds
        self.acquireTime = acquireTime
        self.renewTime = renewTime
        self.leaseTransitions = leaseTransitions
    }
}

/// A Lease as stored, with the resourceVersion that guards the next write.
public struct StoredLease: Sendable, Equatable {
    public var record: LeaseRecord
    public var resourceVersion: String

    public init(record: LeaseRecord, resourceVersion: String) {
        self.record = record
        self.resourceVersion = resourceVersion
    }
}

/// Where the Lease lives: the API server in production, memory in tests.
public protocol LeaseStore: Sendable {
    /// Nil when the Lease does not exist.
    func get() async throws -> StoredLease?
    /// Throws `LeaseConflict` when it already exists.
    func create(_ record: LeaseRecord) async throws -> StoredLease
    /// Throws `LeaseConflict` when `resourceVersion` is no longer current (someone else wrote).
    func update(_ record: LeaseRecord, resourceVersion: String) async throws -> StoredLease
}

/// Another replica wrote the Lease first: this one lost the race.
public struct LeaseConflict: Error, Sendable, Equatable, CustomStringConvertible {
    public var lease: String
    public init(lease: String) { self.lease = lease }
    public var description: String { "lease \(lease) was changed by another replica first" }
}
