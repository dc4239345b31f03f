/// How the operator configured class selection and naming.
public struct RoutingOptions: Sendable, Equatable {
    /// The `controller` value of IngressClasses that Portico serves.
    public static let controllerName = "portico.io/ingress-controller"

    /// The class this Portico serves (`--ingress-class`).
    public var ingressClass: String
    /// Serve Ingresses that name no class when no IngressClass is marked default.
    public var serveIngressesWithoutClass: Bool
    /// The cluster's DNS domain (`--cluster-domain`).
    public var clusterDomain: String
    /// At most this many paths per Ingress; more is refused as a whole (a guard against objects made
    /// to exhaust memory or nginx's hash tables).
    public var maxPathsPerIngress: Int

    public init(
        ingressClass: String = "portico", serveIngressesWithoutClass: Bool = true,
        clusterDomain: String = "cluster.local", maxPathsPerIngress: Int = 1000
    ) {
        self.ingressClass = ingressClass
        self.serveIngressesWithoutClass = serveIngressesWithoutClass
        self.clusterDomain = clusterDomain
        self.maxPathsPerIngress = maxPathsPerIngress
    }
}
