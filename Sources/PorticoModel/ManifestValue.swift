import Yams

/// A parsed YAML document as plain values, so that one `Decodable` implementation serves YAML and
/// JSON alike. Scalars keep YAML's resolution: `80` is an integer, `"80"` a string.
indirect enum ManifestValue: Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([ManifestValue])
    case object([String: ManifestValue])

    init(_ node: Node) {
        switch node {
        case .scalar(let scalar):
            self = ManifestValue(scalar: scalar)
        case .sequence(let sequence):
            self = .array(sequence.map(ManifestValue.init))
        case .mapping(let mapping):
            var object: [String: ManifestValue] = [:]
            object.reserveCapacity(mapping.count)
            for (key, value) in mapping {
                object[key.string ?? String(describing: key)] = ManifestValue(value)
            }
            self = .object(object)
        }
    }

    private init(scalar: Node.Scalar) {
        let text = scalar.string
        switch scalar.style {
        case .singleQuoted, .doubleQuoted, .literal, .folded:
            self = .string(text)
            return
        default:
            break
        }
        if text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL" {
            self = .null
        } else if let b = Bool.construct(from: scalar) {
            self = .bool(b)
        } else if let i = Int.construct(from: scalar) {
            self = .int(i)
        } else if let first = text.utf8.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+")
            || first == UInt8(ascii: ".") || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")),
            let d = Double.construct(from: scalar)
        {
            self = .double(d)
        } else {
            self = .string(text)
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
