/// An Ingress in any of the shapes Portico accepts: `networking.k8s.io/v1`, and the legacy
/// `extensions/v1beta1` and `networking.k8s.io/v1beta1` (`serviceName`/`servicePort`, `spec.backend`).
/// Legacy shapes are normalised to the v1 shape when decoded; encoding always writes v1.
public struct Ingress: Codable, Sendable, Equatable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: IngressSpec
    public var status: IngressStatus?

    public init(metadata: ObjectMeta, spec: IngressSpec, status: IngressStatus? = nil) {
        self.apiVersion = "networking.k8s.io/v1"
        self.kind = "Ingress"
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, spec, status }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        kind = try c.decodeIfPresent(String.self, forKey: .kind)
        metadata = try c.decode(ObjectMeta.self, forKey: .metadata)
        spec = try c.decodeIfPresent(IngressSpec.self, forKey: .spec) ?? IngressSpec()
        status = try c.decodeIfPresent(IngressStatus.self, forKey: .status)
    }
}

public struct IngressSpec: Codable, Sendable, Equatable {
    public var ingressClassName: String?
    public var defaultBackend: IngressBackend?
    public var rules: [IngressRule]
    public var tls: [IngressTLS]

    public init(
        ingressClassName: String? = nil, defaultBackend: IngressBackend? = nil,
        rules: [IngressRule] = [], tls: [IngressTLS] = []
    ) {
        self.ingressClassName = ingressClassName
        self.defaultBackend = defaultBackend
        self.rules = rules
        self.tls = tls
    }

    enum CodingKeys: String, CodingKey {
        case ingressClassName, defaultBackend, rules, tls
        case legacyBackend = "backend"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ingressClassName = try c.decodeIfPresent(String.self, forKey: .ingressClassName)
        defaultBackend =
            try c.decodeIfPresent(IngressBackend.self, forKey: .defaultBackend)
            ?? c.decodeIfPresent(IngressBackend.self, forKey: .legacyBackend)
        rules = try c.decodeIfPresent([IngressRule].self, forKey: .rules)?.compacted() ?? []
        tls = try c.decodeIfPresent([IngressTLS].self, forKey: .tls)?.compacted() ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(ingressClassName, forKey: .ingressClassName)
        try c.encodeIfPresent(defaultBackend, forKey: .defaultBackend)
        if !rules.isEmpty { try c.encode(rules, forKey: .rules) }
        if !tls.isEmpty { try c.encode(tls, forKey: .tls) }
    }
}

public struct IngressRule: Codable, Sendable, Equatable {
    public var host: String?
    public var http: HTTPIngressRuleValue?

    public init(host: String? = nil, paths: [HTTPIngressPath]) {
        self.host = host
        self.http = HTTPIngressRuleValue(paths: paths)
    }

    public init(host: String?, http: HTTPIngressRuleValue?) {
        self.host = host
        self.http = http
    }
}

public struct HTTPIngressRuleValue: Codable, Sendable, Equatable {
    public var paths: [HTTPIngressPath]

    public init(paths: [HTTPIngressPath]) { self.paths = paths }

    enum CodingKeys: String, CodingKey { case paths }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // Decoding appends: five paths would stay in room for eight in the watch cache.
        paths = try c.decodeIfPresent([HTTPIngressPath].self, forKey: .paths)?.compacted() ?? []
    }
}

public struct HTTPIngressPath: Codable, Sendable, Equatable {
    public var path: String?
    /// `Exact`, `Prefix` or `ImplementationSpecific`; kept as text so that an unknown value reaches
    /// validation (and a diagnostic) instead of failing the whole document.
    public var pathType: String?
    public var backend: IngressBackend

    public init(path: String?, pathType: String? = "Prefix", backend: IngressBackend) {
        self.path = path
        self.pathType = pathType
        self.backend = backend
    }
}

/// `backend` of a path or the Ingress's default backend.
public struct IngressBackend: Codable, Sendable, Equatable {
    public var service: IngressServiceBackend?
    public var resource: TypedLocalObjectReference? {
        get { resourceBox?.reference }
        set { resourceBox = newValue.map(ResourceBox.init) }
    }
    /// A resource backend is rare and Portico only reports it: boxed, it costs a pointer instead of
    /// 48 bytes in every path of every Ingress in the watch cache.
    private var resourceBox: ResourceBox?

    private final class ResourceBox: Sendable, Equatable {
        let reference: TypedLocalObjectReference

        init(_ reference: TypedLocalObjectReference) { self.reference = reference }

        static func == (a: ResourceBox, b: ResourceBox) -> Bool { a === b || a.reference == b.reference }
    }

    public init(service: IngressServiceBackend?, resource: TypedLocalObjectReference? = nil) {
        self.service = service
        self.resource = resource
    }

    public static func service(_ name: String, port: ServiceBackendPort) -> IngressBackend {
        IngressBackend(service: IngressServiceBackend(name: name, port: port))
    }

    enum CodingKeys: String, CodingKey { case service, resource, serviceName, servicePort }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        resource = try c.decodeIfPresent(TypedLocalObjectReference.self, forKey: .resource)
        if let service = try c.decodeIfPresent(IngressServiceBackend.self, forKey: .service) {
            self.service = service
        } else if let name = try c.decodeIfPresent(String.self, forKey: .serviceName) {
            // extensions/v1beta1 and networking.k8s.io/v1beta1.
            let port: ServiceBackendPort
            switch try c.decodeIfPresent(IntOrString.self, forKey: .servicePort) {
            case .int(let n): port = ServiceBackendPort(number: n)
            case .string(let s): port = ServiceBackendPort(name: s)
            case nil: port = ServiceBackendPort()
            }
            service = IngressServiceBackend(name: name, port: port)
        } else {
            service = nil
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(service, forKey: .service)
        try c.encodeIfPresent(resource, forKey: .resource)
    }
}

public struct IngressServiceBackend: Codable, Sendable, Equatable {
    public var name: String
    public var port: ServiceBackendPort

    public init(name: String, port: ServiceBackendPort) {
        self.name = name
        self.port = port
    }

    enum CodingKeys: String, CodingKey { case name, port }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        port = try c.decodeIfPresent(ServiceBackendPort.self, forKey: .port) ?? ServiceBackendPort()
    }
}

/// Exactly one of `name` and `number` should be set; validation says so when it is not.
public struct ServiceBackendPort: Codable, Sendable, Equatable {
    public var name: String?
    public var number: Int?

    public init(name: String? = nil, number: Int? = nil) {
        self.name = name
        self.number = number
    }
}

public struct TypedLocalObjectReference: Codable, Sendable, Equatable {
    public var apiGroup: String?
    public var kind: String
    public var name: String
}

public struct IngressTLS: Codable, Sendable, Equatable {
    public var hosts: [String]?
    public var secretName: String?

    public init(hosts: [String]? = nil, secretName: String? = nil) {
        self.hosts = hosts
        self.secretName = secretName
    }
}

public struct IngressStatus: Codable, Sendable, Equatable {
    public var loadBalancer: LoadBalancerStatus?

    public init(loadBalancer: LoadBalancerStatus? = nil) { self.loadBalancer = loadBalancer }
}

public struct LoadBalancerStatus: Codable, Sendable, Equatable {
    public var ingress: [LoadBalancerIngress]?

    public init(ingress: [LoadBalancerIngress]? = nil) { self.ingress = ingress }
}

public struct LoadBalancerIngress: Codable, Sendable, Equatable {
    public var ip: String?
    public var hostname: String?

    public init(ip: String? = nil, hostname: String? = nil) {
        self.ip = ip
        self.hostname = hostname
    }
}
