import Foundation

/// Finds an object in JSON text that names a key twice. JSONDecoder keeps one of the values without
/// a word, so `{"name": "a", "name": "b"}` would serve something nobody reviewed; YAML refuses the same
/// (`YAMLReader`). One pass over the bytes, before decoding; malformed JSON is left to JSONDecoder.
enum JSONDuplicateKeys {
    private enum Container {
        /// `key` is the last key read; `expectsKey` is true after `{` and after a `,`.
        case object(keys: Set<String>, key: String?, expectsKey: Bool)
        case array(index: Int)
    }

    static func first(in data: Data) -> ManifestValue.DuplicateKey? {
        data.withUnsafeBytes { raw in first(in: raw.bindMemory(to: UInt8.self)) }
    }

    private static func first(in bytes: UnsafeBufferPointer<UInt8>) -> ManifestValue.DuplicateKey? {
        var stack: [Container] = []
        var i = 0
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\""):
                guard let (text, end) = string(in: bytes, from: i) else { return nil }
                i = end
                if case .object(_, _, true)? = stack.last, case .object(var keys, _, _) = stack.removeLast() {
                    // Taken off the stack so that the set is not copied to insert into it.
                    guard keys.insert(text).inserted else {
                        return ManifestValue.DuplicateKey(path: path(stack[...]), key: text)
                    }
                    stack.append(.object(keys: keys, key: text, expectsKey: false))
                }
                continue
            case UInt8(ascii: "{"):
                stack.append(.object(keys: [], key: nil, expectsKey: true))
            case UInt8(ascii: "["):
                stack.append(.array(index: 0))
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard stack.popLast() != nil else { return nil }
            case UInt8(ascii: ","):
                switch stack.last {
                case .object(let keys, _, _)?: stack[stack.count - 1] = .object(keys: keys, key: nil, expectsKey: true)
                case .array(let index)?: stack[stack.count - 1] = .array(index: index + 1)
                case nil: return nil
                }
            default:
                break
            }
            i += 1
        }
        return nil
    }

    /// Where the innermost container sits: its key in each enclosing object, its index in each array.
    private static func path(_ stack: ArraySlice<Container>) -> [any CodingKey] {
        stack.compactMap { container in
            switch container {
            case .object(_, let key, _): key.map { ValueKey($0) }
            case .array(let index): ValueKey(index)
            }
        }
    }

    /// The string that starts at the quote at `start`, unescaped, and the index after its closing quote.
    private static func string(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (String, Int)? {
        var i = start + 1
        var escaped = false
        while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
            if bytes[i] == UInt8(ascii: "\\") {
                escaped = true
                i += 1  // the escaped character, a quote among them
            }
            i += 1
        }
        guard i < bytes.count else { return nil }
        let body = UnsafeBufferPointer(rebasing: bytes[(start + 1)..<i])
        guard escaped else { return (String(decoding: body, as: UTF8.self), i + 1) }
        // `"na\u006de"` is the key `name`: let JSON's own rules decode the escapes.
        guard let text = try? JSONDecoder().decode(String.self, from: Data(bytes[start...i])) else { return nil }
        return (text, i + 1)
    }
}
