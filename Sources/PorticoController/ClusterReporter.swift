import Foundation

/// Where the controller tells the cluster what it did: the Kubernetes API in production (over the
/// Ingress status subresource and Events), an in-memory double in tests.
public protocol ClusterReporter: Sendable {
    /// Writes `status.loadBalancer.ingress` of one Ingress through its status subresource.
    func updateStatus(_ update: StatusUpdate) async throws
    /// Writes the whole `status` of a GatewayClass, Gateway or HTTPRoute through its status
    /// subresource, unless the object changed since `update.resourceVersion` or is gone.
    func updateGatewayStatus(_ update: GatewayStatusUpdate) async throws -> GatewayStatusWrite
    /// Creates the Event; when an Event of that name already exists (another replica or an earlier
    /// run reported it), returns its count instead of creating anything.
    func createEvent(_ event: EventDraft, at time: Date) async throws -> EventCreation
    /// Raises the existing Event's count to `event.count` and its last timestamp to `time`.
    func bumpEvent(_ event: EventDraft, at time: Date) async throws
}

public enum EventCreation: Sendable, Equatable {
    case created
    case alreadyExists(count: Int)
}

/// What became of a Gateway API status write that did not fail.
public enum GatewayStatusWrite: Sendable, Equatable {
    case written
    /// The object changed (409) or was deleted (404) since it was read: nothing was written, and
    /// the watch brings the newer state, which is planned again.
    case outdated
}
