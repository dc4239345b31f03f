/// A route's `parentRefs[]`: the Gateway (by default; `group` and `kind` are defaulted as the API
/// server defaults them) and optionally the listener, by `sectionName` or `port`, it attaches to.
/// `namespace` nil means the route's own.
public struct ParentReference: Codable, Sendable, Equatable, Hashable {
    public var group: String
    public var kind: String
    public var namespace: String?
    public var name: String
    public var sectionName: String?
    public var port: Int?

    public init(
        group: String = GatewayAPI.group, kind: String = "Gateway", namespace: String? = nil, name: String,
        sectionName: String? = nil, port: Int? = nil
    ) {
        self.group = group
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.sectionName = sectionName
        self.port = port
    }

    enum CodingKeys: String, CodingKey { case group, kind, namespace, name, sectionName, port }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        group = try c.decodeIfPresent(String.self, forKey: .group) ?? GatewayAPI.group
        kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? "Gateway"
        namespace = try c.decodeIfPresent(String.self, forKey: .namespace)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        sectionName = try c.decodeIfPresent(String.self, forKey: .sectionName)
        port = try c.decodeIfPresent(Int.self, forKey: .port)
    }
}

/// A listener's `tls.certificateRefs[]`: a Secret (the defaults: core group, kind `Secret`) in the
/// Gateway's namespace unless `namespace` says otherwise, which then needs a ReferenceGrant.
public struct SecretObjectReference: Codable, Sendable, Equatable, Hashable {
    public var group: String
    public var kind: String
    public var name: String
    public var namespace: String?

    public init(group: String = "", kind: String = "Secret", name: String, namespace: String? = nil) {
        self.group = group
        self.kind = kind
        self.name = name
        self.namespace = namespace
    }

    enum CodingKeys: String, CodingKey { case group, kind, name, namespace }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        group = try c.decodeIfPresent(String.self, forKey: .group) ?? ""
        kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? "Secret"
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        namespace = try c.decodeIfPresent(String.self, forKey: .namespace)
    }
}

/// A rule's `backendRefs[]`: a Service by default (core group, kind `Service`), `weight` 1 by
/// default (0 takes no traffic). Another group or kind is kept, for `ResolvedRefs=False`
/// `InvalidKind`; a `namespace` other than the route's needs a ReferenceGrant there.
public struct HTTPBackendRef: Codable, Sendable, Equatable {
    public var group: String
    public var kind: String
    public var name: String
    public var namespace: String?
    /// Required for a Service; nil when left out, which validation reports.
    public var port: Int?
    public var weight: Int
    public var filters: [HTTPRouteFilter]

    public init(
        group: String = "", kind: String = "Service", name: String, namespace: String? = nil, port: Int? = nil,
        weight: Int = 1, filters: [HTTPRouteFilter] = []
    ) {
        self.group = group
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.port = port
        self.weight = weight
        self.filters = filters
    }

    enum CodingKeys: String, CodingKey { case group, kind, name, namespace, port, weight, filters }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        group = try c.decodeIfPresent(String.self, forKey: .group) ?? ""
        kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? "Service"
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        namespace = try c.decodeIfPresent(String.self, forKey: .namespace)
        port = try c.decodeIfPresent(Int.self, forKey: .port)
        weight = try c.decodeIfPresent(Int.self, forKey: .weight) ?? 1
        filters = try c.decodeIfPresent([HTTPRouteFilter].self, forKey: .filters)?.compacted() ?? []
    }
}
