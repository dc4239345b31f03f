/// Everything routing needs, as one consistent set: from manifests or from a cluster snapshot.
public struct ClusterState: Sendable, Equatable {
    public var ingresses: [Ingress]
    public var services: [Service]
    public var ingressClasses: [IngressClass]
    public var secrets: [Secret]
    /// The ConfigMaps routing reads (`tcp-services`, `udp-services`); others may be given too.
    public var configMaps: [ConfigMap] = []

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
            }
        }
    }
}
