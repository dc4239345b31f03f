import PorticoModel
import PorticoRouting

/// What the controller tells the cluster about, after a routing pass: the Ingresses as last read,
/// which of them the live config serves, and the diagnostics of the newest routing pass.
public struct ServedState: Sendable, Equatable {
    /// The snapshot's Ingresses, with their current status and uid.
    public var ingresses: [Ingress]
    /// Ingresses the live config serves: status names Portico only once its config is live.
    public var served: Set<ObjectReference>
    /// Diagnostics of the newest routing pass (even when its config failed to go live).
    public var diagnostics: [Diagnostic]
    /// The generation of the live config.
    public var generation: Int
    /// The snapshot the live config was routed from, for Gateway API status: its Gateway API
    /// objects and what they refer to (empty when it holds no GatewayClass).
    public var gatewayState: ClusterState

    public init(
        ingresses: [Ingress], served: Set<ObjectReference>, diagnostics: [Diagnostic], generation: Int,
        gatewayState: ClusterState = ClusterState()
    ) {
        self.ingresses = ingresses
        self.served = served
        self.diagnostics = diagnostics
        self.generation = generation
        self.gatewayState = gatewayState
    }
}

/// Told the served state after every reconcile. Must return at once: it must never block or fail a
/// reconcile (the reporter does its API writes on its own loop).
public protocol RoutingObserver: Sendable {
    func observe(_ state: ServedState)
}
