/// One Kubernetes object of a kind Portico reads.
public enum KubeObject: Sendable, Equatable {
    case ingress(Ingress)
    case service(Service)
    case ingressClass(IngressClass)
    case secret(Secret)

    /// The kinds Portico decodes; anything else in a manifest is skipped.
    static let kinds: Set<String> = ["Ingress", "Service", "IngressClass", "Secret"]
}

/// Decodes one document: a single object, a `kind: List` or a typed list (`IngressList`), whose
/// items inherit the item kind when the API server left it out. Unknown kinds decode to nothing.
/// With `checkFieldsKey` set in the decoder's `userInfo` (JSON), it also lists the fields each
/// object's schema does not know; YAML documents are checked on their parsed values instead.
struct ObjectDocument: Decodable {
    /// One object's unknown fields, and how warnings name the object.
    struct UnknownFields {
        var name: String
        var fields: [FieldPath]

        init(_ object: KubeObject, _ fields: [FieldPath]) {
            name = ManifestWarning.name(of: object)
            self.fields = fields
        }
    }

    static let checkFieldsKey = CodingUserInfoKey(rawValue: "portico.checkUnknownFields")

    var objects: [KubeObject] = []
    var unknownFields: [UnknownFields] = []

    enum CodingKeys: String, CodingKey { case kind, items, apiVersion }

    init(from decoder: any Decoder) throws {
        try self.init(from: decoder, defaultKind: nil)
    }

    init(from decoder: any Decoder, defaultKind: String?, defaultAPIVersion: String? = nil) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? defaultKind else {
            throw DecodingError.keyNotFound(
                CodingKeys.kind,
                .init(codingPath: decoder.codingPath, debugDescription: "object has no kind"))
        }
        if kind == "List" || kind.hasSuffix("List") {
            let itemKind = kind == "List" ? nil : String(kind.dropLast(4))
            let apiVersion = try c.decodeIfPresent(String.self, forKey: .apiVersion)
            guard c.contains(.items) else { return }
            var items = try c.nestedUnkeyedContainer(forKey: .items)
            while !items.isAtEnd {
                let item = try ObjectDocument(from: items.superDecoder(), defaultKind: itemKind, defaultAPIVersion: apiVersion)
                objects += item.objects
                unknownFields += item.unknownFields
            }
            return
        }
        let object: KubeObject
        switch kind {
        case "Ingress": object = .ingress(try Ingress(from: decoder))
        case "Service": object = .service(try Service(from: decoder))
        case "IngressClass": object = .ingressClass(try IngressClass(from: decoder))
        case "Secret": object = .secret(try Secret(from: decoder))
        default: return
        }
        objects = [object]
        if let key = Self.checkFieldsKey, decoder.userInfo[key] as? Bool == true {
            let schema = FieldSchema.schema(for: object, apiVersion: defaultAPIVersion)
            unknownFields = [UnknownFields(object, schema.unknownFields(in: decoder))]
        }
    }
}
