/// One Kubernetes object of a kind Portico reads.
public enum KubeObject: Sendable, Equatable {
    case ingress(Ingress)
    case service(Service)
    case ingressClass(IngressClass)
    case secret(Secret)
    case configMap(ConfigMap)
    case namespace(Namespace)
    case gatewayClass(GatewayClass)
    case gateway(Gateway)
    case httpRoute(HTTPRoute)
    case referenceGrant(ReferenceGrant)

    /// The kinds Portico decodes; anything else in a manifest is skipped.
    static let kinds: Set<String> = [
        "Ingress", "Service", "IngressClass", "Secret", "ConfigMap", "Namespace", "GatewayClass", "Gateway",
        "HTTPRoute", "ReferenceGrant",
    ]

    /// The Gateway API kinds, decoded only in their own group: another project's `Gateway`
    /// (Istio's) is skipped like any unknown kind.
    static let gatewayKinds: Set<String> = ["GatewayClass", "Gateway", "HTTPRoute", "ReferenceGrant"]

    /// Whether an object of `kind` and `apiVersion` (its own, or its typed list's) is decoded.
    static func decodes(kind: String, apiVersion: String?) -> Bool {
        guard kinds.contains(kind) else { return false }
        return !gatewayKinds.contains(kind) || GatewayAPI.isGroup(apiVersion: apiVersion)
    }
}

/// Decodes one document: a single object, a `kind: List` or a typed list (`IngressList`), whose
/// items inherit the item kind when the API server left it out. Unknown kinds decode to nothing.
struct ObjectDocument: Decodable {
    var objects: [KubeObject] = []

    enum CodingKeys: String, CodingKey { case apiVersion, kind, items }

    init(from decoder: any Decoder) throws {
        try self.init(from: decoder, defaultKind: nil, defaultAPIVersion: nil)
    }

    /// `defaultKind` and `defaultAPIVersion` are a typed list's (`HTTPRouteList`), for items that
    /// name neither; a `kind: List`'s apiVersion (`v1`) says nothing about its items.
    init(from decoder: any Decoder, defaultKind: String?, defaultAPIVersion: String?) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // Not a string: the kind's own decoding says so, if it is a kind Portico reads.
        let apiVersion = (try? c.decodeIfPresent(String.self, forKey: .apiVersion)) ?? defaultAPIVersion
        guard let kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? defaultKind else {
            throw DecodingError.keyNotFound(
                CodingKeys.kind,
                .init(codingPath: decoder.codingPath, debugDescription: "object has no kind"))
        }
        if kind == "List" || kind.hasSuffix("List") {
            let itemKind = kind == "List" ? nil : String(kind.dropLast(4))
            guard c.contains(.items) else { return }
            var items = try c.nestedUnkeyedContainer(forKey: .items)
            while !items.isAtEnd {
                let item = try ObjectDocument(
                    from: items.superDecoder(), defaultKind: itemKind, defaultAPIVersion: itemKind == nil ? nil : apiVersion)
                objects += item.objects
            }
            return
        }
        guard KubeObject.decodes(kind: kind, apiVersion: apiVersion) else { return }
        switch kind {
        case "Ingress": objects = [.ingress(try Ingress(from: decoder))]
        case "Service": objects = [.service(try Service(from: decoder))]
        case "IngressClass": objects = [.ingressClass(try IngressClass(from: decoder))]
        case "Secret": objects = [.secret(try Secret(from: decoder))]
        case "ConfigMap": objects = [.configMap(try ConfigMap(from: decoder))]
        case "Namespace": objects = [.namespace(try Namespace(from: decoder))]
        case "GatewayClass": objects = [.gatewayClass(try GatewayClass(from: decoder))]
        case "Gateway": objects = [.gateway(try Gateway(from: decoder))]
        case "HTTPRoute": objects = [.httpRoute(try HTTPRoute(from: decoder))]
        case "ReferenceGrant": objects = [.referenceGrant(try ReferenceGrant(from: decoder))]
        default: objects = []
        }
    }
}
