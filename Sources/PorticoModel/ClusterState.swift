/// Everything routing needs, as one consistent set: from manifests or from a cluster snapshot.
public struct ClusterState: Sendable, Equatable {
    public var ingresses: [Ingress]
    public var services: [Service]
    public var ingressClasses: [IngressClass]
    public var secrets: [Secret]
    /// The ConfigMaps routing reads (`tcp-services`, `udp-services`); others may be given too.
    public var configMaps: [ConfigMap] = []
    /// For Gateway listeners that choose route namespaces by label.
    public var namespaces: [Namespace] = []
    public var gatewayClasses: [GatewayClass] = []
    public var gateways: [Gateway] = []
    public var httpRoutes: [HTTPRoute] = []
    public var referenceGrants: [ReferenceGrant] = []

    public init(
        ingresses: [Ingress] = [], services: [Service] = [], ingressClasses: [IngressClass] = [],
        secrets: [Secret] = []
    ) {
        self.ingresses = ingresses
        self.services = services
        self.ingressClasses = ingressClasses
        self.secrets = secrets
    }

    public init(_ objects: [KubeObject]) {
        self.init()
        add(objects)
    }

    public mutating func add(_ objects: [KubeObject]) {
        for object in objects {
            switch object {
            case .ingress(let i): ingresses.append(i)
            case .service(let s): services.append(s)
            case .ingressClass(let c): ingressClasses.append(c)
            case .secret(let s): secrets.append(s)
            case .configMap(let c): configMaps.append(c)
            case .namespace(let n): namespaces.append(n)
            case .gatewayClass(let c): gatewayClasses.append(c)
            case .gateway(let g): gateways.append(g)
            case .httpRoute(let r): httpRoutes.append(r)
            case .referenceGrant(let g): referenceGrants.append(g)
            }
        }
    }
}
