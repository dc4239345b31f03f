/// A `gateway.networking.k8s.io/v1` Gateway: listeners (a port, a protocol, maybe a hostname and a
/// certificate) that routes attach to, served by the controller of its GatewayClass. The
/// specification's defaults are applied when decoded, as the API server would have applied them.
public struct Gateway: Codable, Sendable, Equatable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: GatewaySpec
    /// As last written (by Portico or the CRD's default); nil when there is none.
    public var status: GatewayStatus?

    public init(metadata: ObjectMeta, spec: GatewaySpec, status: GatewayStatus? = nil) {
        self.apiVersion = GatewayAPI.group + "/v1"
        self.kind = "Gateway"
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
        spec = try c.decodeIfPresent(GatewaySpec.self, forKey: .spec) ?? GatewaySpec(gatewayClassName: "")
        status = try c.decodeIfPresent(GatewayStatus.self, forKey: .status)
    }
}

public struct GatewaySpec: Codable, Sendable, Equatable {
    /// Required; "" when a manifest leaves it out, which names no class.
    public var gatewayClassName: String
    public var listeners: [GatewayListener]
    public var addresses: [GatewaySpecAddress]

    public init(gatewayClassName: String, listeners: [GatewayListener] = [], addresses: [GatewaySpecAddress] = []) {
        self.gatewayClassName = gatewayClassName
        self.listeners = listeners
        self.addresses = addresses
    }

    enum CodingKeys: String, CodingKey { case gatewayClassName, listeners, addresses }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        gatewayClassName = try c.decodeIfPresent(String.self, forKey: .gatewayClassName) ?? ""
        listeners = try c.decodeIfPresent([GatewayListener].self, forKey: .listeners)?.compacted() ?? []
        addresses = try c.decodeIfPresent([GatewaySpecAddress].self, forKey: .addresses)?.compacted() ?? []
    }
}

/// One listener. `protocol` and the TLS mode are kept as text, so that a value Portico does not
/// serve (`TCP`, `example.com/custom`) reaches the listener's status as `UnsupportedProtocol`
/// instead of failing the whole Gateway.
public struct GatewayListener: Codable, Sendable, Equatable {
    /// Unique within the Gateway; what a route's `parentRefs[].sectionName` names.
    public var name: String
    /// nil matches every hostname.
    public var hostname: String?
    /// Required; 0 when left out, which validation refuses.
    public var port: Int
    /// `HTTP`, `HTTPS`, `TLS`, `TCP`, `UDP`, or a domain-prefixed implementation protocol.
    public var `protocol`: String
    public var tls: GatewayListenerTLS?
    /// Defaulted: routes from the Gateway's own namespace, of the protocol's kinds.
    public var allowedRoutes: AllowedRoutes

    public init(
        name: String, hostname: String? = nil, port: Int, protocol: String, tls: GatewayListenerTLS? = nil,
        allowedRoutes: AllowedRoutes = AllowedRoutes()
    ) {
        self.name = name
        self.hostname = hostname
        self.port = port
        self.protocol = `protocol`
        self.tls = tls
        self.allowedRoutes = allowedRoutes
    }

    enum CodingKeys: String, CodingKey { case name, hostname, port, `protocol`, tls, allowedRoutes }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        hostname = try c.decodeIfPresent(String.self, forKey: .hostname)
        port = try c.decodeIfPresent(Int.self, forKey: .port) ?? 0
        `protocol` = try c.decodeIfPresent(String.self, forKey: .protocol) ?? ""
        tls = try c.decodeIfPresent(GatewayListenerTLS.self, forKey: .tls)
        allowedRoutes = try c.decodeIfPresent(AllowedRoutes.self, forKey: .allowedRoutes) ?? AllowedRoutes()
    }

    /// The route kinds the listener takes: `allowedRoutes.kinds` when given, else those of its
    /// protocol that Portico serves (HTTPRoute for HTTP and HTTPS; none for the others).
    public var routeKinds: [RouteGroupKind] {
        if !allowedRoutes.kinds.isEmpty { return allowedRoutes.kinds }
        switch `protocol` {
        case "HTTP", "HTTPS": return [RouteGroupKind(kind: "HTTPRoute")]
        default: return []
        }
    }
}

/// `tls` of a listener: `mode` defaults to `Terminate`; `Passthrough` hands the connection on.
public struct GatewayListenerTLS: Codable, Sendable, Equatable {
    public var mode: String
    public var certificateRefs: [SecretObjectReference]
    public var options: [String: String]?

    public init(mode: String = "Terminate", certificateRefs: [SecretObjectReference] = [], options: [String: String]? = nil) {
        self.mode = mode
        self.certificateRefs = certificateRefs
        self.options = options
    }

    enum CodingKeys: String, CodingKey { case mode, certificateRefs, options }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mode = try c.decodeIfPresent(String.self, forKey: .mode) ?? "Terminate"
        certificateRefs = try c.decodeIfPresent([SecretObjectReference].self, forKey: .certificateRefs)?.compacted() ?? []
        options = try c.decodeIfPresent([String: String].self, forKey: .options)
    }
}

/// Which routes may attach to a listener.
public struct AllowedRoutes: Codable, Sendable, Equatable {
    public var namespaces: RouteNamespaces
    /// Empty: the kinds of the listener's protocol (`GatewayListener.routeKinds`).
    public var kinds: [RouteGroupKind]

    public init(namespaces: RouteNamespaces = RouteNamespaces(), kinds: [RouteGroupKind] = []) {
        self.namespaces = namespaces
        self.kinds = kinds
    }

    enum CodingKeys: String, CodingKey { case namespaces, kinds }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        namespaces = try c.decodeIfPresent(RouteNamespaces.self, forKey: .namespaces) ?? RouteNamespaces()
        kinds = try c.decodeIfPresent([RouteGroupKind].self, forKey: .kinds)?.compacted() ?? []
    }
}

/// `from` is `Same` (the default), `All` or `Selector` (namespaces whose labels `selector`
/// matches); kept as text so that another value reaches validation.
public struct RouteNamespaces: Codable, Sendable, Equatable {
    public var from: String
    public var selector: ObjectLabelSelector?

    public init(from: String = "Same", selector: ObjectLabelSelector? = nil) {
        self.from = from
        self.selector = selector
    }

    enum CodingKeys: String, CodingKey { case from, selector }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        from = try c.decodeIfPresent(String.self, forKey: .from) ?? "Same"
        selector = try c.decodeIfPresent(ObjectLabelSelector.self, forKey: .selector)
    }
}

/// A route kind, by group (defaulting to the Gateway API's) and kind.
public struct RouteGroupKind: Codable, Sendable, Equatable, Hashable {
    public var group: String
    public var kind: String

    public init(group: String = GatewayAPI.group, kind: String) {
        self.group = group
        self.kind = kind
    }

    enum CodingKeys: String, CodingKey { case group, kind }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        group = try c.decodeIfPresent(String.self, forKey: .group) ?? GatewayAPI.group
        kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? ""
    }
}

/// An address asked for in `spec.addresses`; `type` defaults to `IPAddress`.
public struct GatewaySpecAddress: Codable, Sendable, Equatable {
    public var type: String
    public var value: String

    public init(type: String = "IPAddress", value: String) {
        self.type = type
        self.value = value
    }

    enum CodingKeys: String, CodingKey { case type, value }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decodeIfPresent(String.self, forKey: .type) ?? "IPAddress"
        value = try c.decodeIfPresent(String.self, forKey: .value) ?? ""
    }
}
