/// The part of `metadata` that Portico reads. Every string is untrusted until the routing layer
/// validates it.
public struct ObjectMeta: Codable, Sendable, Equatable, Hashable {
    public var name: String
    public var namespace: String?
    public var uid: String?
    public var resourceVersion: String?
    public var generation: Int?
    /// RFC 3339, as the API server writes it (`2024-05-01T10:00:00Z`).
    public var creationTimestamp: String?
    public var labels: [String: String]?
    public var annotations: [String: String]?

    public init(
        name: String, namespace: String? = nil, uid: String? = nil, resourceVersion: String? = nil,
        generation: Int? = nil, creationTimestamp: String? = nil,
        labels: [String: String]? = nil, annotations: [String: String]? = nil
    ) {
        self.name = name
        self.namespace = namespace
        self.uid = uid
        self.resourceVersion = resourceVersion
        self.generation = generation
        self.creationTimestamp = creationTimestamp
        self.labels = labels
        self.annotations = annotations
    }

    enum CodingKeys: String, CodingKey {
        case name, namespace, uid, resourceVersion, generation, creationTimestamp, labels, annotations
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // Manifests may omit a name when they use generateName; an empty name is caught by validation.
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        namespace = try c.decodeIfPresent(String.self, forKey: .namespace)
        uid = try c.decodeIfPresent(String.self, forKey: .uid)
        resourceVersion = try c.decodeIfPresent(String.self, forKey: .resourceVersion)
        generation = try c.decodeIfPresent(Int.self, forKey: .generation)
        creationTimestamp = try c.decodeIfPresent(String.self, forKey: .creationTimestamp)
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels)
        annotations = try c.decodeIfPresent([String: String].self, forKey: .annotations)
    }

    /// The namespace, `default` when a manifest leaves it out (as `kubectl apply` would).
    public var effectiveNamespace: String { namespace ?? "default" }
}

/// A Kubernetes `IntOrString`, as used by `servicePort` and `targetPort`.
public enum IntOrString: Codable, Sendable, Equatable, Hashable {
    case int(Int)
    case string(String)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) {
            self = .int(i)
            return
        }
        do {
            self = .string(try c.decode(String.self))
        } catch DecodingError.typeMismatch(let type, let context) {
            // Either would do: say so, rather than "expected a string" and a hint to quote it.
            var reason = context.debugDescription
            if reason.hasPrefix("expected a string") {
                reason = "expected an integer or a string" + reason.dropFirst("expected a string".count)
                if let hint = reason.range(of: "; quote it") { reason = String(reason[..<hint.lowerBound]) }
            }
            throw DecodingError.typeMismatch(type, .init(codingPath: context.codingPath, debugDescription: reason))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let i): try c.encode(i)
        case .string(let s): try c.encode(s)
        }
    }
}
