import Foundation

/// Where the controller tells the cluster what it did: the Kubernetes API in production (over the
/// Ingress status subresource and Events), an in-memory double in tests.
public protocol ClusterReporter: Sendable {
    /// Writes `status.loadBalancer.ingress` of one Ingress through its status subresource.
    func updateStatus(_ update: StatusUpdate) async throws
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
