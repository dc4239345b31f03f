/// A `Decoder` over `ManifestValue`: Yams 5 parses quickly but offers no decoding from a parsed
/// document, and multi-document streams need one.
struct ManifestValueDecoder: Decoder {
    let value: ManifestValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(_ value: ManifestValue, codingPath: [any CodingKey] = []) {
        self.value = value
        self.codingPath = codingPath
    }

    // Go's JSON decoder leaves a field it is given null for at its zero value: an empty struct, an
    // empty list, "", 0, false (kubectl reads `annotations: {a: ~}` as `a: ""`). So does this.

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        switch value {
        case .object(let object): return KeyedDecodingContainer(KeyedContainer<Key>(object: object, codingPath: codingPath))
        case .null: return KeyedDecodingContainer(KeyedContainer<Key>(object: [:], codingPath: codingPath))
        default: throw mismatch(Dictionary<String, Any>.self, "a mapping", value, codingPath)
        }
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch value {
        case .array(let array): return UnkeyedContainer(array: array, codingPath: codingPath)
        case .null: return UnkeyedContainer(array: [], codingPath: codingPath)
        default: throw mismatch([Any].self, "a list", value, codingPath)
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueContainer(value: value, codingPath: codingPath)
    }
}

private func mismatch(
    _ type: Any.Type, _ expected: String, _ value: ManifestValue, _ path: [any CodingKey]
) -> DecodingError {
    var message = "expected \(expected), found \(value.typeName)"
    switch value {
    case .bool(_, let text), .int(_, let text), .double(_, let text):
        // A plain scalar that YAML read as something else: say how to keep it text.
        if expected == "a string" { message += " (\(text) unquoted); quote it (\"\(text)\") to keep it text" }
    default:
        break
    }
    return DecodingError.typeMismatch(type, .init(codingPath: path, debugDescription: message))
}

private struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

/// Scalars as Go's JSON decoder takes what sigs.k8s.io/yaml made of them: a string field takes a
/// string only (`8080` or `yes` there is an error, as kubectl's "cannot unmarshal number into Go
/// struct field ... of type string"); an integer field takes an integer, or a float with no
/// fraction, since Go writes the float 80.0 into JSON as `80` (so `80.0` and `1e3` are 80 and
/// 1000, `1.5` is refused); a boolean field takes a boolean.
private func decodeScalar<T: Decodable>(
    _ type: T.Type, _ value: ManifestValue, _ path: [any CodingKey]
) throws -> T {
    switch type {
    case is String.Type:
        switch value {
        case .string(let s): if let r = s as? T { return r }
        case .null: if let r = "" as? T { return r }
        default: break
        }
        throw mismatch(type, "a string", value, path)
    case is Int.Type:
        switch value {
        case .int(let i, _): if let r = i as? T { return r }
        case .double(let d, _):
            // Go's JSON encoder writes integral floats under 1e21 without fraction or exponent.
            if d.magnitude < 1e21, let i = Int(exactly: d), let r = i as? T { return r }
        case .null: if let r = 0 as? T { return r }
        default: break
        }
        throw mismatch(type, "an integer", value, path)
    case is Bool.Type:
        switch value {
        case .bool(let b, _): if let r = b as? T { return r }
        case .null: if let r = false as? T { return r }
        default: break
        }
        throw mismatch(type, "a boolean", value, path)
    case is Double.Type:
        switch value {
        case .double(let d, _): if let r = d as? T { return r }
        case .int(let i, _): if let r = Double(i) as? T { return r }
        case .null: if let r = 0.0 as? T { return r }
        default: break
        }
        throw mismatch(type, "a number", value, path)
    default:
        return try T(from: ManifestValueDecoder(value, codingPath: path))
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: [String: ManifestValue]
    let codingPath: [any CodingKey]

    var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

    private func value(_ key: Key) throws -> ManifestValue {
        guard let v = object[key.stringValue] else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: codingPath, debugDescription: "required field is missing"))
        }
        return v
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = object[key.stringValue] ?? .null { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decodeScalar(type, value(key), codingPath + [key])
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let v = object[key.stringValue] else { return nil }
        if case .null = v { return nil }
        return try decodeScalar(type, v, codingPath + [key])
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try ManifestValueDecoder(value(key), codingPath: codingPath + [key]).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try ManifestValueDecoder(value(key), codingPath: codingPath + [key]).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        ManifestValueDecoder(.object(object), codingPath: codingPath)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        ManifestValueDecoder(object[key.stringValue] ?? .null, codingPath: codingPath + [key])
    }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let array: [ManifestValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0

    init(array: [ManifestValue], codingPath: [any CodingKey]) {
        self.array = array
        self.codingPath = codingPath
    }

    var count: Int? { array.count }
    var isAtEnd: Bool { currentIndex >= array.count }

    private mutating func next() throws -> (ManifestValue, [any CodingKey]) {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                Any.self, .init(codingPath: codingPath, debugDescription: "list ended early"))
        }
        defer { currentIndex += 1 }
        return (array[currentIndex], codingPath + [IndexKey(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, case .null = array[currentIndex] else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (v, path) = try next()
        return try decodeScalar(type, v, path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        let (v, path) = try next()
        return try ManifestValueDecoder(v, codingPath: path).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (v, path) = try next()
        return try ManifestValueDecoder(v, codingPath: path).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (v, path) = try next()
        return ManifestValueDecoder(v, codingPath: path)
    }
}

private struct SingleValueContainer: SingleValueDecodingContainer {
    let value: ManifestValue
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool {
        if case .null = value { return true }
        return false
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try decodeScalar(type, value, codingPath)
    }
}
