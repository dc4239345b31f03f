import Foundation

/// Finds the unknown fields of the objects in JSON text in one pass over its bytes, the way
/// `FieldSchema.unknownFields(in:)` does for a parsed YAML document: walking JSONDecoder's
/// containers a second time (a dictionary built per object, every key listed) cost as much as
/// the decoding itself. Its findings count only for text JSONDecoder accepts, so it can trust the
/// syntax; it still stops, finding nothing more, at anything it does not expect or nests too deep.
struct JSONFieldScanner {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0
    private var path = FieldPath()
    private var found: [FieldPath] = []
    /// Objects and arrays open here: the scanner may run beside JSONDecoder (`decodeJSON`), on text
    /// it has not accepted yet, so it stops where JSONDecoder would refuse the nesting.
    private var depth = 0
    static let maxDepth = 512
    /// Unknown fields per object of a kind Portico decodes, in document order: the order in which
    /// `ObjectDocument` yields those objects.
    private(set) var objects: [[FieldPath]] = []

    static func unknownFields(in data: Data) -> [[FieldPath]] {
        data.withUnsafeBytes { raw in
            var scanner = JSONFieldScanner(bytes: raw.bindMemory(to: UInt8.self))
            scanner.document()
            return scanner.objects
        }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// An object, or a list of them, as `ManifestDecoder.decodeJSON` reads the text.
    private mutating func document() {
        skipSpace()
        guard i < bytes.count else { return }
        if bytes[i] == UInt8(ascii: "[") {
            forEachElement { scanner, _ in scanner.root(defaultKind: nil, defaultAPIVersion: nil) }
        } else {
            root(defaultKind: nil, defaultAPIVersion: nil)
        }
    }

    /// One object as `ObjectDocument` reads it: a list's items in turn, or an object of a kind
    /// Portico decodes against its schema, or nothing.
    private mutating func root(defaultKind: String?, defaultAPIVersion: String?) {
        skipSpace()
        let start = i
        var kind: String?, apiVersion: String?, items: Int?
        // First its own top-level keys: the kind decides the schema.
        forEachMember { scanner, key in
            switch key {
            case "kind": kind = scanner.stringValue()
            case "apiVersion": apiVersion = scanner.stringValue()
            case "items":
                scanner.skipSpace()
                items = scanner.i
                scanner.skipValue()
            default: scanner.skipValue()
            }
        }
        let end = i
        guard let kind = kind ?? defaultKind else { return }
        if kind == "List" || kind.hasSuffix("List") {
            guard let items else { return }
            i = items
            let itemKind = kind == "List" ? nil : String(kind.dropLast(4))
            // A `kind: List`'s apiVersion (`v1`) is not its items', as `ObjectDocument` reads them.
            let itemAPIVersion = itemKind == nil ? nil : apiVersion ?? defaultAPIVersion
            forEachElement { scanner, _ in scanner.root(defaultKind: itemKind, defaultAPIVersion: itemAPIVersion) }
            i = end
            return
        }
        guard let schema = FieldSchema.schema(kind: kind, apiVersion: apiVersion ?? defaultAPIVersion) else { return }
        i = start
        found = []
        walk(schema)
        objects.append(found.sorted())
        i = end
    }

    private mutating func walk(_ schema: FieldSchema) {
        skipSpace()
        switch schema {
        case .fields(let known) where i < bytes.count && bytes[i] == UInt8(ascii: "{"):
            forEachMember { scanner, key in
                guard let child = known[key] else {
                    scanner.found.append(scanner.path.appending(.key(key)))
                    scanner.skipValue()
                    return
                }
                if case .any = child { return scanner.skipValue() }
                scanner.path.components.append(.key(key))
                scanner.walk(child)
                scanner.path.components.removeLast()
            }
        case .list(let item) where i < bytes.count && bytes[i] == UInt8(ascii: "["):
            if case .any = item { return skipValue() }
            forEachElement { scanner, index in
                scanner.path.components.append(.index(index))
                scanner.walk(item)
                scanner.path.components.removeLast()
            }
        default:
            skipValue()
        }
    }

    // MARK: JSON

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    /// Calls `body` at each member's value, with its key; `body` consumes the value.
    private mutating func forEachMember(_ body: (inout JSONFieldScanner, String) -> Void) {
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else { return skipValue() }
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { return stop() }
        i += 1
        while true {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { break }
            guard let key = string() else { return stop() }
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return stop() }
            i += 1
            let before = i
            body(&self, key)
            guard i > before else { return stop() }
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ",") else { break }
            i += 1
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1 } else { stop() }
    }

    /// Calls `body` at each element, with its index; `body` consumes the element.
    private mutating func forEachElement(_ body: (inout JSONFieldScanner, Int) -> Void) {
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "[") else { return skipValue() }
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { return stop() }
        i += 1
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
            i += 1
            return
        }
        var index = 0
        while i < bytes.count {
            let before = i
            body(&self, index)
            guard i > before else { return stop() }
            index += 1
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ",") else { break }
            i += 1
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1 } else { stop() }
    }

    /// Text that is not what JSONDecoder accepted: look no further.
    private mutating func stop() {
        i = bytes.count
    }

    private mutating func skipValue() {
        skipSpace()
        guard i < bytes.count else { return }
        switch bytes[i] {
        case UInt8(ascii: "{"): forEachMember { scanner, _ in scanner.skipValue() }
        case UInt8(ascii: "["): forEachElement { scanner, _ in scanner.skipValue() }
        case UInt8(ascii: "\""): if !skipString() { stop() }
        default:
            // A number, true, false or null.
            let start = i
            while i < bytes.count, bytes[i] != UInt8(ascii: ","), bytes[i] != UInt8(ascii: "}"), bytes[i] != UInt8(ascii: "]"),
                bytes[i] != 0x20, bytes[i] != 0x0A, bytes[i] != 0x0D, bytes[i] != 0x09
            {
                i += 1
            }
            if i == start { stop() }
        }
    }

    /// A string value as text, nil for any other value (which is consumed too).
    private mutating func stringValue() -> String? {
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
            skipValue()
            return nil
        }
        return string()
    }

    /// Moves past the string at `i`; false if it never ends.
    private mutating func skipString() -> Bool {
        i += 1
        while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
            if bytes[i] == UInt8(ascii: "\\") { i += 1 }
            i += 1
        }
        guard i < bytes.count else { return false }
        i += 1
        return true
    }

    /// The string at `i`, unescaped.
    private mutating func string() -> String? {
        let start = i
        var escaped = false
        i += 1
        while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
            if bytes[i] == UInt8(ascii: "\\") {
                escaped = true
                i += 1
            }
            i += 1
        }
        guard i < bytes.count else { return nil }
        i += 1
        guard escaped else { return String(decoding: UnsafeBufferPointer(rebasing: bytes[(start + 1)..<(i - 1)]), as: UTF8.self) }
        // `"na\u006de"` is the key `name`: JSON's own rules decode the escapes.
        return try? JSONDecoder().decode(String.self, from: Data(bytes[start..<i]))
    }
}
