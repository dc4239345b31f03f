import Foundation
import Synchronization

/// A manifest that could not be read: names the source, the document (1-based) and the field.
public struct ManifestError: Error, Sendable, Equatable, CustomStringConvertible {
    public var source: String
    public var document: Int?
    public var field: String?
    public var reason: String

    public var description: String {
        var parts = [source]
        if let document { parts.append("document \(document)") }
        if let field, !field.isEmpty { parts.append(field) }
        parts.append(reason)
        return parts.joined(separator: ": ")
    }
}

/// Turns manifest text into objects: multi-document YAML, `kind: List`, typed lists and JSON, as
/// `kubectl get -o yaml|json` and hand-written manifests have them. Pure: the caller reads files.
public enum ManifestDecoder {
    /// - Parameters:
    ///   - data: the bytes of one file or of standard input.
    ///   - source: how to name it in errors (`examples/echomap.yaml`, `<stdin>`).
    public static func decode(_ data: Data, source: String) throws(ManifestError) -> [KubeObject] {
        try decode(data, source: source, checkFields: false).objects
    }

    /// `decode(_:source:)`, and a warning for every field the object's Kubernetes schema does not
    /// know (`spec.rules[0].http.paths[0].pathtype`), as `kubectl apply` warns. Such fields are
    /// read past, as the API server drops them; the objects are the same as `decode`'s.
    public static func decodeWithWarnings(
        _ data: Data, source: String
    ) throws(ManifestError) -> (objects: [KubeObject], warnings: [ManifestWarning]) {
        try decode(data, source: source, checkFields: true)
    }

    static func decode(
        _ data: Data, source: String, checkFields: Bool
    ) throws(ManifestError) -> (objects: [KubeObject], warnings: [ManifestWarning]) {
        guard let first = data.first(where: { !isSpace($0) }) else { return ([], []) }
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            return try decodeJSON(data, source: source, checkFields: checkFields)
        }
        guard String(data: data, encoding: .utf8) != nil else {
            throw ManifestError(source: source, reason: "not UTF-8 text")
        }
        return try decodeYAML(data, source: source, checkFields: checkFields)
    }

    /// Three passes over the bytes that do not depend on one another, so on two threads: duplicate
    /// keys and then unknown fields on one, the objects on the other (most of `portico render -f`
    /// of a large export). A duplicate key is reported before any other problem, as it was found.
    static func decodeJSON(
        _ data: Data, source: String, checkFields: Bool
    ) throws(ManifestError) -> (objects: [KubeObject], warnings: [ManifestWarning]) {
        let scanned = Mutex<(duplicate: ManifestError?, unknown: [[FieldPath]])>((nil, []))
        let decoded = Mutex<Result<[KubeObject], ManifestError>>(.success([]))
        DispatchQueue.concurrentPerform(iterations: 2) { pass in
            if pass == 0 {
                let duplicate = JSONDuplicateKeys.first(in: data).map {
                    ManifestError(source: source, document: 1, field: fieldPath($0.path), reason: "key \"\($0.key)\" appears twice")
                }
                let unknown = checkFields && duplicate == nil ? JSONFieldScanner.unknownFields(in: data) : []
                scanned.withLock { $0 = (duplicate, unknown) }
            } else {
                let result: Result<[KubeObject], ManifestError>
                do throws(ManifestError) { result = .success(try jsonObjects(data, source: source)) } catch { result = .failure(error) }
                decoded.withLock { $0 = result }
            }
        }
        let (duplicate, unknownFields) = scanned.withLock { $0 }
        if let duplicate { throw duplicate }
        let objects = try decoded.withLock { $0 }.get()
        guard checkFields else { return (objects, []) }
        // One list of unknown fields per object, in the order the objects were decoded.
        let unknown = zip(objects, unknownFields).map { ObjectFields($0, $1) }
        return (objects, warnings(unknown, source: source, document: 1))
    }

    /// The objects of a JSON document: one object, or an array of them.
    private static func jsonObjects(_ data: Data, source: String) throws(ManifestError) -> [KubeObject] {
        do {
            if data.first(where: { !isSpace($0) }) == UInt8(ascii: "[") {
                return try JSONDecoder().decode([ObjectDocument].self, from: data).flatMap(\.objects)
            }
            return try JSONDecoder().decode(ObjectDocument.self, from: data).objects
        } catch DecodingError.dataCorrupted(let ctx) where ctx.codingPath.isEmpty {
            let detail = (ctx.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String
            throw ManifestError(
                source: source, document: 1, reason: "not valid JSON" + (detail.map { ": \($0)" } ?? ""))
        } catch let error as DecodingError {
            throw describe(error, source: source, document: 1)
        } catch {
            throw ManifestError(source: source, document: 1, reason: "not valid JSON")
        }
    }

    private static func warnings(
        _ unknown: [ObjectFields], source: String, document: Int
    ) -> [ManifestWarning] {
        unknown.flatMap { unknown -> [ManifestWarning] in
            guard !unknown.fields.isEmpty else { return [] }
            let name = ManifestWarning.name(of: unknown.object)
            return unknown.fields.map { ManifestWarning(source: source, document: document, object: name, field: $0.description) }
        }
    }

    static func decodeYAML(
        _ data: Data, source: String, checkFields: Bool
    ) throws(ManifestError) -> (objects: [KubeObject], warnings: [ManifestWarning]) {
        let reader = YAMLReader(data)
        var objects: [KubeObject] = []
        var warnings: [ManifestWarning] = []
        var index = 0
        while true {
            index += 1
            do {
                guard var value = try reader.next() else { break }
                switch value {
                case .null: continue  // an empty document, e.g. a trailing `---`
                case .object: break
                default:
                    throw ManifestError(
                        source: source, document: index,
                        reason: "expected a Kubernetes object (a mapping), found \(value.typeName)")
                }
                var unknown: [ObjectFields] = []
                if let list = ListDocument(taking: &value) {
                    // One item at a time, each released once decoded: a `kind: List` of 10,000
                    // objects decoded whole would hold two copies of the cluster at once.
                    objects += try list.decodeItems(checkFields: checkFields, unknown: &unknown)
                } else {
                    let decoded = try ObjectDocument(from: ManifestValueDecoder(value)).objects
                    if checkFields, decoded.count == 1, let object = decoded.first {
                        let schema = FieldSchema.schema(for: object, apiVersion: nil)
                        unknown.append(ObjectFields(object, schema.unknownFields(in: value)))
                    }
                    objects += decoded
                }
                warnings += Self.warnings(unknown, source: source, document: index)
            } catch let error as ManifestError {
                throw error
            } catch let error as YAMLReader.SyntaxError {
                throw ManifestError(source: source, document: index, reason: "not valid YAML: \(error.reason)")
            } catch let error as ManifestValue.DuplicateKey {
                throw ManifestError(
                    source: source, document: index, field: fieldPath(error.path),
                    reason: "key \"\(error.key)\" appears twice")
            } catch let error as DecodingError {
                throw describe(error, source: source, document: index)
            } catch {
                throw ManifestError(source: source, document: index, reason: "\(error)")
            }
        }
        return (objects, warnings)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// `spec.rules[0].http`, as diagnostics name fields.
    static func fieldPath(_ keys: [any CodingKey]) -> String {
        var out = ""
        for key in keys {
            if let i = key.intValue {
                out += "[\(i)]"
            } else {
                out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return out
    }

    static func describe(_ error: DecodingError, source: String, document: Int) -> ManifestError {
        let path = fieldPath
        switch error {
        case .typeMismatch(_, let ctx), .dataCorrupted(let ctx):
            return ManifestError(
                source: source, document: document, field: path(ctx.codingPath),
                reason: ctx.debugDescription)
        case .valueNotFound(_, let ctx):
            return ManifestError(
                source: source, document: document, field: path(ctx.codingPath),
                reason: "value is missing")
        case .keyNotFound(_, let ctx) where ctx.debugDescription == "object has no kind":
            return ManifestError(
                source: source, document: document, field: path(ctx.codingPath), reason: "object has no kind")
        case .keyNotFound(let key, let ctx):
            return ManifestError(
                source: source, document: document, field: path(ctx.codingPath + [key]),
                reason: "required field is missing")
        @unknown default:
            return ManifestError(source: source, document: document, reason: "\(error)")
        }
    }
}

/// One decoded object and the fields its schema does not know, for warnings.
private struct ObjectFields {
    var object: KubeObject
    var fields: [FieldPath]

    init(_ object: KubeObject, _ fields: [FieldPath]) {
        self.object = object
        self.fields = fields
    }
}

/// A YAML document that is a `kind: List` (or a typed list such as `IngressList`) with its items:
/// decoded item by item, each item's values released once it is decoded.
private struct ListDocument {
    var items: [ManifestValue]
    /// `Ingress` for an `IngressList`; nil for `List`, whose items name their own kind.
    var itemKind: String?
    /// A typed list's, for items that name none.
    var apiVersion: String?

    private static func isList(_ value: ManifestValue) -> Bool {
        guard case .object(let object) = value, case .string(let kind)? = object["kind"] else { return false }
        return kind == "List" || kind.hasSuffix("List")
    }

    /// Takes the items out of `document` when it is a list, so that they are held only here.
    init?(taking document: inout ManifestValue) {
        guard case .object(var object) = document, case .string(let kind)? = object["kind"],
            kind == "List" || kind.hasSuffix("List"), case .array(let items)? = object["items"]
        else { return nil }
        document = .null
        object["items"] = nil
        self.items = items
        itemKind = kind == "List" ? nil : String(kind.dropLast(4))
        // A `kind: List`'s apiVersion (`v1`) is not its items'.
        if itemKind != nil, case .string(let version)? = object["apiVersion"] { apiVersion = version }
    }

    /// The items' objects; with `checkFields`, each item's unknown fields too, named from the item.
    consuming func decodeItems(checkFields: Bool, unknown: inout [ObjectFields]) throws -> [KubeObject] {
        var objects: [KubeObject] = []
        objects.reserveCapacity(items.count)
        items.reverse()
        var index = 0
        while let item = items.popLast() {
            let decoder = ManifestValueDecoder(item, codingPath: [ValueKey("items"), ValueKey(index)])
            let decoded = try ObjectDocument(from: decoder, defaultKind: itemKind, defaultAPIVersion: apiVersion).objects
            // A list nested in the list (one object in it, say) is not that object: not checked.
            if checkFields, decoded.count == 1, let object = decoded.first, !Self.isList(item) {
                let schema = FieldSchema.schema(for: object, apiVersion: apiVersion)
                unknown.append(ObjectFields(object, schema.unknownFields(in: item)))
            }
            objects += decoded
            index += 1
        }
        return objects
    }
}
