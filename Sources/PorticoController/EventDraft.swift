import PorticoRouting

/// One Kubernetes Event about an Ingress, as Portico wants it to exist.
public struct EventDraft: Sendable, Equatable {
    /// The Event object's name: derived from the Ingress and the key, so that the same diagnostic maps
    /// to the same Event across restarts and replicas.
    public var name: String
    /// The Ingress the Event is about (the Event lives in its namespace).
    public var object: ObjectReference
    public var uid: String?
    /// A stable CamelCase reason per diagnostic code (`InvalidPath`, `ServiceNotFound`).
    public var reason: String
    /// `field: why`, length-capped; every value in it was quoted by the routing layer.
    public var message: String
    /// `Warning` for everything left out or degraded.
    public var type: String
    /// How often it was seen: 1 when created, then bumped on each recurrence.
    public var count: Int
}
