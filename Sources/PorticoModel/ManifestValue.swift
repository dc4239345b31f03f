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

    /// A mapping that names one key twice: YAML forbids it and kubectl refuses it, and silently
    /// keeping either value would serve something nobody reviewed.
    struct DuplicateKey: Error {
        /// From the document's root to the mapping, as coding keys.
        var path: [any CodingKey]
        var key: String
    }

    /// A scalar as YAML resolves it: quoted, literal and folded scalars are strings; a plain one is
    /// null, a boolean (`true`, `yes`, `on`, ...), an integer (`80`, `0x50`, `1_000`), a number, or a
    /// string, by Yams' rules.
    init(scalar text: String, quoted: Bool) {
        if quoted {
            self = .string(text)
            return
        }
        guard let first = text.utf8.first else {
            self = .null
            return
        }
        let digitOrSign = first == UInt8(ascii: "-") || first == UInt8(ascii: "+")
            || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9"))
        if text == "~" || text == "null" || text == "Null" || text == "NULL" {
            self = .null
        } else if "tTfFyYnNoO".utf8.contains(first), let b = Bool.construct(from: Node.Scalar(text)) {
            self = .bool(b)
        } else if digitOrSign, let i = Int.construct(from: Node.Scalar(text)) {
            self = .int(i)
        } else if digitOrSign || first == UInt8(ascii: "."), let d = Double.construct(from: Node.Scalar(text)) {
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
