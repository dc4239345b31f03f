/// A core/v1 Service: what an Ingress backend points at.
public struct Service: Codable, Sendable, Equatable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: ServiceSpec

    public init(metadata: ObjectMeta, spec: ServiceSpec) {
        self.apiVersion = "v1"
        self.kind = "Service"
        self.metadata = metadata
        self.spec = spec
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, spec }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        kind = try c.decodeIfPresent(String.self, forKey: .kind)
        metadata = try c.decode(ObjectMeta.self, forKey: .metadata)
        spec = try c.decodeIfPresent(ServiceSpec.self, forKey: .spec) ?? ServiceSpec()
    }
}

public struct ServiceSpec: Codable, Sendable, Equatable {
    /// `ClusterIP` (the default), `NodePort`, `LoadBalancer` or `ExternalName`.
    public var type: String?
    /// `None` for a headless Service.
    public var clusterIP: String?
    public var externalName: String?
    public var ports: [ServicePort]
    public var selector: [String: String]?

    public init(
        type: String? = nil, clusterIP: String? = nil, externalName: String? = nil,
        ports: [ServicePort] = [], selector: [String: String]? = nil
    ) {
        self.type = type
        self.clusterIP = clusterIP
        self.externalName = externalName
        self.ports = ports
        self.selector = selector
    }

    enum CodingKeys: String, CodingKey { case type, clusterIP, externalName, ports, selector }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decodeIfPresent(String.self, forKey: .type)
        clusterIP = try c.decodeIfPresent(String.self, forKey: .clusterIP)
        externalName = try c.decodeIfPresent(String.self, forKey: .externalName)
        ports = try c.decodeIfPresent([ServicePort].self, forKey: .ports)?.compacted() ?? []
        selector = try c.decodeIfPresent([String: String].self, forKey: .selector)
    }

    public var isExternalName: Bool { type == "ExternalName" }
    public var isHeadless: Bool { clusterIP == "None" }
}

public struct ServicePort: Codable, Sendable, Equatable {
    public var name: String?
    public var port: Int
    public var targetPort: IntOrString?
    public var `protocol`: String?

    public init(name: String? = nil, port: Int, targetPort: IntOrString? = nil, protocol: String? = nil) {
        self.name = name
        self.port = port
        self.targetPort = targetPort
        self.protocol = `protocol`
    }
}
