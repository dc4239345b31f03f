import CYaml
import Foundation

/// Reads a YAML stream document by document, straight from libyaml's events into `ManifestValue`s.
/// Yams' own parser first builds a tree of nodes (a tag object per node) and that tree alone was
/// 240 MB for a 20 MB `kind: List` of 20,000 objects; this holds one document's values and nothing
/// else. Scalars resolve as Yams resolves them (`80` an integer, `"80"` a string, `true` a boolean).
final class YAMLReader {
    /// Where libyaml stopped: `line 3, column 7: did not find expected key`.
    struct SyntaxError: Error {
        var reason: String
    }

    static let maxDepth = 256

    private var parser = yaml_parser_t()
    private let bytes: UnsafeMutableBufferPointer<UInt8>
    private var finished = false

    init(_ data: Data) {
        bytes = .allocate(capacity: max(data.count, 1))
        _ = bytes.initialize(from: data)
        yaml_parser_initialize(&parser)
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(&parser, bytes.baseAddress, data.count)
    }

    deinit {
        yaml_parser_delete(&parser)
        bytes.deallocate()
    }

    /// The next document's root, `.null` for an empty document; nil at the end of the stream.
    func next() throws -> ManifestValue? {
        var builder = Builder()
        while !finished {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else { throw SyntaxError(reason: problem()) }
            defer { yaml_event_delete(&event) }
            switch event.type {
            case YAML_STREAM_END_EVENT:
                finished = true
            case YAML_DOCUMENT_END_EVENT:
                return builder.root ?? .null
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                try builder.scalar(text, quoted: scalar.style != YAML_PLAIN_SCALAR_STYLE, anchor: Self.string(scalar.anchor))
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                // Kubernetes objects are a few levels deep; thousands of levels are an attack on the
                // stack of whatever walks the value later.
                guard builder.stack.count < Self.maxDepth else {
                    throw SyntaxError(reason: "\(position(event.start_mark)): nested more than \(Self.maxDepth) levels deep")
                }
                let mapping = event.type == YAML_MAPPING_START_EVENT
                let anchor = mapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor
                builder.open(mapping: mapping, anchor: Self.string(anchor))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                try builder.close()
            case YAML_ALIAS_EVENT:
                let name = Self.string(event.data.alias.anchor) ?? ""
                guard try builder.alias(name) else {
                    throw SyntaxError(reason: "\(position(event.start_mark)): alias *\(name) names no anchor")
                }
            default:
                break  // stream and document starts
            }
        }
        return nil
    }

    private func problem() -> String {
        let what = parser.problem.map { String(cString: $0) } ?? "cannot parse"
        if parser.error == YAML_READER_ERROR {
            // Bad bytes (control characters, broken UTF-8): libyaml knows the offset, not the line.
            return "byte \(parser.problem_offset + 1): \(what)"
        }
        let context = parser.context.map { " (\(String(cString: $0)))" } ?? ""
        return "\(position(parser.problem_mark)): \(what)\(context)"
    }

    private func position(_ mark: yaml_mark_t) -> String { "line \(mark.line + 1), column \(mark.column + 1)" }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}

/// Assembles one document from events: a stack of open sequences and mappings.
private struct Builder {
    struct Frame {
        let isMapping: Bool
        let anchor: String?
        var array: [ManifestValue] = []
        var object: [String: ManifestValue] = [:]
        /// In a mapping: the key whose value comes next.
        var key: String?
        /// Values in this subtree, itself included, aliases counted as what they stand for.
        var size = 1
    }

    /// Aliases may stand for this many values in all, per document: enough for any real manifest,
    /// and far short of what ten nested aliases of ten (a "billion laughs") would make the decoder walk.
    static let maxAliasedValues = 100_000

    var stack: [Frame] = []
    var root: ManifestValue?
    var anchors: [String: (value: ManifestValue, size: Int)] = [:]
    var aliasedValues = 0

    mutating func open(mapping: Bool, anchor: String?) {
        stack.append(Frame(isMapping: mapping, anchor: anchor))
    }

    mutating func close() throws {
        guard let frame = stack.popLast() else { return }
        let value: ManifestValue = frame.isMapping ? .object(frame.object) : .array(frame.array)
        if let anchor = frame.anchor { anchors[anchor] = (value, frame.size) }
        try attach(value, size: frame.size)
    }

    mutating func scalar(_ text: String, quoted: Bool, anchor: String?) throws {
        if let last = stack.indices.last, stack[last].isMapping, stack[last].key == nil {
            guard stack[last].object[text] == nil else { throw ManifestValue.DuplicateKey(path: path(), key: text) }
            stack[last].key = text
            return
        }
        let value = ManifestValue(scalar: text, quoted: quoted)
        if let anchor { anchors[anchor] = (value, 1) }
        try attach(value, size: 1)
    }

    /// An alias: the anchored value again, counted against `maxAliasedValues`.
    mutating func alias(_ name: String) throws -> Bool {
        guard let (value, size) = anchors[name] else { return false }
        aliasedValues += size
        guard aliasedValues <= Self.maxAliasedValues else {
            throw YAMLReader.SyntaxError(reason: "aliases stand for more than \(Self.maxAliasedValues) values")
        }
        try attach(value, size: size)
        return true
    }

    /// Puts a finished value where it belongs: the root, the end of a sequence, or under a key.
    mutating func attach(_ value: ManifestValue, size: Int) throws {
        guard let last = stack.indices.last else {
            root = value
            return
        }
        stack[last].size += size
        if !stack[last].isMapping {
            stack[last].array.append(value)
        } else if let key = stack[last].key {
            stack[last].object[key] = value
            stack[last].key = nil
        } else {
            let field = ManifestDecoder.fieldPath(path())
            throw YAMLReader.SyntaxError(reason: (field.isEmpty ? "" : "\(field): ") + "a key must be a plain value, not a list or mapping")
        }
    }

    /// Where the value being built sits, from the root: for error messages.
    func path() -> [any CodingKey] {
        stack.dropLast().indices.compactMap { i in
            let frame = stack[i]
            return frame.isMapping ? frame.key.map { ValueKey($0) } : ValueKey(frame.array.count)
        }
    }
}
