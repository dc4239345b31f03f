import CYaml
import Foundation

/// Reads a YAML stream document by document, straight from libyaml's events into `ManifestValue`s.
/// Yams' own parser first builds a tree of nodes (a tag object per node) and that tree alone was
/// 240 MB for a 20 MB `kind: List` of 20,000 objects; this holds one document's values and nothing
/// else. Scalars resolve as Kubernetes resolves them (`YAMLScalar`): `80` an integer, `"80"` a
/// string, `yes` a boolean, `1:20` and `::1` strings.
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
                try scalar(event, into: &builder)
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

    /// A key (its text resolved to a field name, or a merge) or a value.
    private func scalar(_ event: yaml_event_t, into builder: inout Builder) throws {
        let scalar = event.data.scalar
        let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
        let plain = scalar.style == YAML_PLAIN_SCALAR_STYLE
        let tag = Self.string(scalar.tag)
        do {
            if builder.expectsKey {
                try builder.key(YAMLScalar.key(text, plain: plain, tag: tag))
                return
            }
            let resolved: YAMLScalar.Resolved
            if let tag {
                resolved = try YAMLScalar.resolve(text, tag: tag)
            } else {
                resolved = plain ? YAMLScalar.resolve(text) : .string
            }
            try builder.scalar(ManifestValue(resolved: resolved, text: text), anchor: Self.string(scalar.anchor))
        } catch let problem as YAMLScalar.TagProblem {
            throw SyntaxError(reason: "\(position(event.start_mark)): \(problem.reason)")
        } catch let value as ManifestValue.NotRepresentable {
            throw SyntaxError(
                reason: "\(position(event.start_mark)): \(value.text) is a number JSON cannot carry, which "
                    + "Kubernetes refuses; quote it (\"\(value.text)\") to keep it text")
        }
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
        /// In a mapping: the value that comes next is a `<<` merge's.
        var merging = false
        /// Once a merge has written keys: the keys written out, which alone may not repeat.
        var explicitKeys: Set<String>?
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

    /// Whether the next scalar is a mapping key.
    var expectsKey: Bool {
        guard let last = stack.last else { return false }
        return last.isMapping && last.key == nil && !last.merging
    }

    mutating func open(mapping: Bool, anchor: String?) {
        stack.append(Frame(isMapping: mapping, anchor: anchor))
    }

    mutating func close() throws {
        guard let frame = stack.popLast() else { return }
        let value: ManifestValue = frame.isMapping ? .object(frame.object) : .array(frame.array)
        if let anchor = frame.anchor { anchors[anchor] = (value, frame.size) }
        try attach(value, size: frame.size)
    }

    /// A key of the innermost mapping (`expectsKey` is true).
    mutating func key(_ key: YAMLScalar.Key) throws {
        guard let last = stack.indices.last else { return }
        guard case .name(let name) = key else {
            stack[last].merging = true
            return
        }
        let repeated: Bool
        if stack[last].explicitKeys != nil {
            repeated = stack[last].explicitKeys?.insert(name).inserted == false
        } else {
            repeated = stack[last].object[name] != nil
        }
        guard !repeated else { throw ManifestValue.DuplicateKey(path: path(), key: name) }
        stack[last].key = name
    }

    mutating func scalar(_ value: ManifestValue, anchor: String?) throws {
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
        try attach(value, size: size, fromAlias: true)
        return true
    }

    /// Puts a finished value where it belongs: the root, the end of a sequence, or under a key.
    mutating func attach(_ value: ManifestValue, size: Int, fromAlias: Bool = false) throws {
        guard let last = stack.indices.last else {
            root = value
            return
        }
        stack[last].size += size
        if !stack[last].isMapping {
            stack[last].array.append(value)
        } else if stack[last].merging {
            try merge(value, fromAlias: fromAlias, into: last)
            stack[last].merging = false
        } else if let key = stack[last].key {
            stack[last].object[key] = value
            stack[last].key = nil
        } else {
            throw YAMLReader.SyntaxError(reason: prefix() + "a key must be a plain value, not a list or mapping")
        }
    }

    /// `<<: *base` or `<<: [*a, *b]` as go-yaml v2 (and so kubectl) reads it: the mapping's keys are
    /// written into this one in document order, so a merge overrides keys written before it and keys
    /// written after it override the merge; in a list of mappings the earlier ones win.
    mutating func merge(_ value: ManifestValue, fromAlias: Bool, into frame: Int) throws {
        var sources: [[String: ManifestValue]] = []
        switch value {
        case .object(let object):
            sources = [object]
        case .array(let items) where !fromAlias:
            for item in items.reversed() {
                guard case .object(let object) = item else { throw mergeNeedsMappings() }
                sources.append(object)
            }
        default:
            throw mergeNeedsMappings()
        }
        if stack[frame].explicitKeys == nil { stack[frame].explicitKeys = Set(stack[frame].object.keys) }
        for source in sources {
            for (key, value) in source { stack[frame].object[key] = value }
        }
    }

    private func mergeNeedsMappings() -> YAMLReader.SyntaxError {
        YAMLReader.SyntaxError(reason: prefix() + "a merge (<<) takes a mapping or a list of mappings")
    }

    private func prefix() -> String {
        let field = ManifestDecoder.fieldPath(path())
        return field.isEmpty ? "" : "\(field): "
    }

    /// Where the value being built sits, from the root: for error messages.
    func path() -> [any CodingKey] {
        stack.dropLast().indices.compactMap { i in
            let frame = stack[i]
            return frame.isMapping ? frame.key.map { ValueKey($0) } : ValueKey(frame.array.count)
        }
    }
}
