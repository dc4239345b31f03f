/// One Kubernetes object of a kind Portico reads.
public enum KubeObject: Sendable, Equatable {
    case ingress(Ingress)
    case service(Service)
    case ingressClass(IngressClass)
    case secret(Secret)
    case configMap(ConfigMap)

    /// The kinds Portico decodes; anything else in a manifest is skipped.
    static let kinds: Set<String> = ["Ingress", "Service", "IngressClass", "Secret", "ConfigMap"]
}

/// Decodes one document: a single object, a `kind: List` or a typed list (`IngressList`), whose
/// items inherit the item kind when the API server left it out. Unknown kinds decode to nothing.
struct ObjectDocument: Decodable {
    var objects: [KubeObject] = []

    enum CodingKeys: String, CodingKey { case kind, items }

    init(from decoder: any Decoder) throws {
        try self.init(from: decoder, defaultKind: nil)
    }

    init(from decoder: any Decoder, defaultKind: String?) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
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
                let item = try ObjectDocument(from: items.superDecoder(), defaultKind: itemKind)
                objects += item.objects
            }
            return
        }
        switch kind {
        case "Ingress": objects = [.ingress(try Ingress(from: decoder))]
        case "Service": objects = [.service(try Service(from: decoder))]
        case "IngressClass": objects = [.ingressClass(try IngressClass(from: decoder))]
        case "Secret": objects = [.secret(try Secret(from: decoder))]
        case "ConfigMap": objects = [.configMap(try ConfigMap(from: decoder))]
        default: objects = []
        }
    }
}
