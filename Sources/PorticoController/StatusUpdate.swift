import PorticoModel
import PorticoRouting

/// One write of an Ingress's `status.loadBalancer.ingress`.
public struct StatusUpdate: Sendable, Equatable {
    public var namespace: String
    public var name: String
    /// The resourceVersion the decision was made on: the write fails (409) if the Ingress changed since.
    public var resourceVersion: String?
    /// Empty: clear the addresses.
    public var addresses: [LoadBalancerIngress]

    public init(namespace: String, name: String, resourceVersion: String?, addresses: [LoadBalancerIngress]) {
        self.namespace = namespace
        self.name = name
        self.resourceVersion = resourceVersion
        self.addresses = addresses
    }

    public var object: ObjectReference { ObjectReference(kind: "Ingress", namespace: namespace, name: name) }
}
