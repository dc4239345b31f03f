/// A parsed YAML document as plain values, so that one `Decodable` implementation serves YAML and
/// JSON alike. Scalars resolve as Kubernetes resolves them (`YAMLScalar`): `80` is an integer,
/// `"80"` a string. Booleans and numbers keep the text they were written as, for messages.
indirect enum ManifestValue: Sendable {
    case null
    case bool(Bool, text: String)
    case int(Int, text: String)
    /// Also go-yaml's integers above `Int.max`, which no Kubernetes integer field takes.
    case double(Double, text: String)
    case string(String)
    case array([ManifestValue])
    case object([String: ManifestValue])

    /// A mapping that names one key twice: YAML forbids it and kubectl refuses it, and silently
    /// keeping either value would serve something nobody reviewed.
    struct DuplicateKey: Error {
        /// From the document's root to the mapping, as coding keys.
        var path: [any CodingKey]
        var key: String
    }

    /// A value that JSON cannot carry (`.inf`, `.nan`): kubectl refuses the whole document
    /// ("json: unsupported value: +Inf"), wherever it is.
    struct NotRepresentable: Error {
        var text: String
    }

    /// A scalar as Kubernetes reads it: see `YAMLScalar.resolve(_:)`.
    init(resolved: YAMLScalar.Resolved, text: String) throws(NotRepresentable) {
        switch resolved {
        case .null: self = .null
        case .bool(let b): self = .bool(b, text: text)
        case .int(let i): self = .int(i, text: text)
        case .uint(let u): self = .double(Double(u), text: text)
        case .float(let d):
            guard d.isFinite else { throw NotRepresentable(text: text) }
            self = .double(d, text: text)
        case .string: self = .string(text)
        case .decoded(let s): self = .string(s)
        }
    }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int: "an integer"
        case .double: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "a mapping"
        }
    }
}

/// A key or an index into a parsed document, for error paths.
struct ValueKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ key: String) { stringValue = key }
    init(_ index: Int) {
        stringValue = "\(index)"
        intValue = index
    }
    init?(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { self.init(intValue) }
}
