/// A `gateway.networking.k8s.io` ReferenceGrant (v1, and the v1beta1 it was first served as): lets
/// objects of the `from` kinds in the `from` namespaces refer to objects of the `to` kinds in the
/// grant's own namespace. A grant counts only in the namespace of the objects it exposes.
public struct ReferenceGrant: Codable, Sendable, Equatable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: ReferenceGrantSpec

    public init(metadata: ObjectMeta, spec: ReferenceGrantSpec) {
        self.apiVersion = GatewayAPI.group + "/v1beta1"
        self.kind = "ReferenceGrant"
        self.metadata = metadata
        self.spec = spec
    }

    enum CodingKeys: String, CodingKey { case apiVersion, kind, metadata, spec }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
        kind = try c.decodeIfPresent(String.self, forKey: .kind)
        metadata = try c.decode(ObjectMeta.self, forKey: .metadata)
        spec = try c.decodeIfPresent(ReferenceGrantSpec.self, forKey: .spec) ?? ReferenceGrantSpec()
    }
}

public struct ReferenceGrantSpec: Codable, Sendable, Equatable {
    public var from: [ReferenceGrantFrom]
    public var to: [ReferenceGrantTo]

    public init(from: [ReferenceGrantFrom] = [], to: [ReferenceGrantTo] = []) {
        self.from = from
        self.to = to
    }

    enum CodingKeys: String, CodingKey { case from, to }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        from = try c.decodeIfPresent([ReferenceGrantFrom].self, forKey: .from)?.compacted() ?? []
        to = try c.decodeIfPresent([ReferenceGrantTo].self, forKey: .to)?.compacted() ?? []
    }
}

/// Who may refer: `group` is "" for the core group; all three are required, so a missing one
/// reads as "" (and, for kind and namespace, matches nothing).
public struct ReferenceGrantFrom: Codable, Sendable, Equatable {
    public var group: String
    public var kind: String
    public var namespace: String

    public init(group: String, kind: String, namespace: String) {
        self.group = group
        self.kind = kind
        self.namespace = namespace
    }

    enum CodingKeys: String, CodingKey { case group, kind, namespace }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        group = try c.decodeIfPresent(String.self, forKey: .group) ?? ""
        kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? ""
        namespace = try c.decodeIfPresent(String.self, forKey: .namespace) ?? ""
    }
}

/// What may be referred to, in the grant's namespace: every object of the kind, or only `name`.
public struct ReferenceGrantTo: Codable, Sendable, Equatable {
    public var group: String
    public var kind: String
    public var name: String?

    public init(group: String, kind: String, name: String? = nil) {
        self.group = group
        self.kind = kind
        self.name = name
    }

    enum CodingKeys: String, CodingKey { case group, kind, name }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        group = try c.decodeIfPresent(String.self, forKey: .group) ?? ""
        kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? ""
        name = try c.decodeIfPresent(String.self, forKey: .name)
    }
}
