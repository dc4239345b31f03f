/// A `gateway.networking.k8s.io/v1` HTTPRoute: hostnames, rules of matches, filters and weighted
/// backends, attached to Gateways by `parentRefs`. The specification's defaults are applied when
/// decoded (a rule without matches matches every path, a match without a path is `PathPrefix /`),
/// so routing never has to know which fields the manifest left out. Enumerated values stay text:
/// an unknown one must reach the route's status (`UnsupportedValue`), not fail the document.
public struct HTTPRoute: Codable, Sendable, Equatable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: HTTPRouteSpec
    /// As last written (by Portico or the CRD's default); nil when there is none.
    public var status: HTTPRouteStatus?

    public init(metadata: ObjectMeta, spec: HTTPRouteSpec, status: HTTPRouteStatus? = nil) {
        self.apiVersion = GatewayAPI.group + "/v1"
        self.kind = "HTTPRoute"
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
        spec = try c.decodeIfPresent(HTTPRouteSpec.self, forKey: .spec) ?? HTTPRouteSpec()
        status = try c.decodeIfPresent(HTTPRouteStatus.self, forKey: .status)
    }
}

public struct HTTPRouteSpec: Codable, Sendable, Equatable {
    public var parentRefs: [ParentReference]
    /// Empty: every hostname its listeners take.
    public var hostnames: [String]
    /// Defaulted, when left out, to one rule matching every path (with no backends).
    public var rules: [HTTPRouteRule]

    public init(parentRefs: [ParentReference] = [], hostnames: [String] = [], rules: [HTTPRouteRule] = [HTTPRouteRule()]) {
        self.parentRefs = parentRefs
        self.hostnames = hostnames
        self.rules = rules
    }

    enum CodingKeys: String, CodingKey { case parentRefs, hostnames, rules }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        parentRefs = try c.decodeIfPresent([ParentReference].self, forKey: .parentRefs)?.compacted() ?? []
        hostnames = try c.decodeIfPresent([String].self, forKey: .hostnames)?.compacted() ?? []
        rules = try c.decodeIfPresent([HTTPRouteRule].self, forKey: .rules)?.compacted() ?? [HTTPRouteRule()]
    }
}

public struct HTTPRouteRule: Codable, Sendable, Equatable {
    public var name: String?
    /// ORed; never empty once decoded: none given is `PathPrefix /`, as the specification defines.
    public var matches: [HTTPRouteMatch]
    public var filters: [HTTPRouteFilter]
    /// Empty: requests this rule matches are answered 500 (unless a filter such as a redirect
    /// answers them).
    public var backendRefs: [HTTPBackendRef]
    public var timeouts: HTTPRouteTimeouts?

    public init(
        name: String? = nil, matches: [HTTPRouteMatch] = [HTTPRouteMatch()], filters: [HTTPRouteFilter] = [],
        backendRefs: [HTTPBackendRef] = [], timeouts: HTTPRouteTimeouts? = nil
    ) {
        self.name = name
        self.matches = matches.isEmpty ? [HTTPRouteMatch()] : matches
        self.filters = filters
        self.backendRefs = backendRefs
        self.timeouts = timeouts
    }

    enum CodingKeys: String, CodingKey { case name, matches, filters, backendRefs, timeouts }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        let matches = try c.decodeIfPresent([HTTPRouteMatch].self, forKey: .matches)?.compacted() ?? []
        // `matches: []` means what no matches means: the API server's default only fills in a
        // missing list, but the specification reads an empty one the same way.
        self.matches = matches.isEmpty ? [HTTPRouteMatch()] : matches
        filters = try c.decodeIfPresent([HTTPRouteFilter].self, forKey: .filters)?.compacted() ?? []
        backendRefs = try c.decodeIfPresent([HTTPBackendRef].self, forKey: .backendRefs)?.compacted() ?? []
        timeouts = try c.decodeIfPresent(HTTPRouteTimeouts.self, forKey: .timeouts)
    }
}

/// One match: all of its conditions must hold.
public struct HTTPRouteMatch: Codable, Sendable, Equatable {
    /// Defaulted to `PathPrefix /`.
    public var path: HTTPPathMatch
    public var headers: [HTTPHeaderMatch]
    public var queryParams: [HTTPQueryParamMatch]
    /// `GET`, `POST`...; nil matches any method.
    public var method: String?

    public init(
        path: HTTPPathMatch = HTTPPathMatch(), headers: [HTTPHeaderMatch] = [], queryParams: [HTTPQueryParamMatch] = [],
        method: String? = nil
    ) {
        self.path = path
        self.headers = headers
        self.queryParams = queryParams
        self.method = method
    }

    enum CodingKeys: String, CodingKey { case path, headers, queryParams, method }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        path = try c.decodeIfPresent(HTTPPathMatch.self, forKey: .path) ?? HTTPPathMatch()
        headers = try c.decodeIfPresent([HTTPHeaderMatch].self, forKey: .headers)?.compacted() ?? []
        queryParams = try c.decodeIfPresent([HTTPQueryParamMatch].self, forKey: .queryParams)?.compacted() ?? []
        method = try c.decodeIfPresent(String.self, forKey: .method)
    }
}

/// `type` is `Exact`, `PathPrefix` (the default) or `RegularExpression`; `value` defaults to `/`.
public struct HTTPPathMatch: Codable, Sendable, Equatable {
    public var type: String
    public var value: String

    public init(type: String = "PathPrefix", value: String = "/") {
        self.type = type
        self.value = value
    }

    enum CodingKeys: String, CodingKey { case type, value }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decodeIfPresent(String.self, forKey: .type) ?? "PathPrefix"
        value = try c.decodeIfPresent(String.self, forKey: .value) ?? "/"
    }
}

/// A header or query parameter condition, the two having one shape: `type` is `Exact` (the
/// default) or `RegularExpression`. Header names compare case-insensitively, query parameter
/// names exactly; that is routing's to apply.
public struct HTTPValueMatch: Codable, Sendable, Equatable {
    public var type: String
    public var name: String
    public var value: String

    public init(type: String = "Exact", name: String, value: String) {
        self.type = type
        self.name = name
        self.value = value
    }

    enum CodingKeys: String, CodingKey { case type, name, value }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decodeIfPresent(String.self, forKey: .type) ?? "Exact"
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        value = try c.decodeIfPresent(String.self, forKey: .value) ?? ""
    }
}

public typealias HTTPHeaderMatch = HTTPValueMatch
public typealias HTTPQueryParamMatch = HTTPValueMatch

/// Durations as the specification writes them (`10s`, `1h30m`, `500ms`), unparsed.
public struct HTTPRouteTimeouts: Codable, Sendable, Equatable {
    public var request: String?
    public var backendRequest: String?

    public init(request: String? = nil, backendRequest: String? = nil) {
        self.request = request
        self.backendRequest = backendRequest
    }
}
