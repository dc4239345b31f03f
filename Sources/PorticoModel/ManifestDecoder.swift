import Foundation
import Yams

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
        guard let first = data.first(where: { !isSpace($0) }) else { return [] }
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            return try decodeJSON(data, source: source)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ManifestError(source: source, reason: "not UTF-8 text")
        }
        return try decodeYAML(text, source: source)
    }

    static func decodeJSON(_ data: Data, source: String) throws(ManifestError) -> [KubeObject] {
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

    static func decodeYAML(_ text: String, source: String) throws(ManifestError) -> [KubeObject] {
        let parser: Parser
        do {
            parser = try Parser(yaml: text)
        } catch {
            throw ManifestError(source: source, reason: "not valid YAML: \(yamlReason(error))")
        }
        var objects: [KubeObject] = []
        var index = 0
        while true {
            index += 1
            let node: Node?
            do {
                node = try parser.nextRoot()
            } catch {
                throw ManifestError(
                    source: source, document: index, reason: "not valid YAML: \(yamlReason(error))")
            }
            guard let node else { break }
            let value = ManifestValue(node)
            switch value {
            case .null: continue  // an empty document, e.g. a trailing `---`
            case .object: break
            default:
                throw ManifestError(
                    source: source, document: index,
                    reason: "expected a Kubernetes object (a mapping), found \(value.typeName)")
            }
            do {
                objects += try ObjectDocument(from: ManifestValueDecoder(value)).objects
            } catch let error as DecodingError {
                throw describe(error, source: source, document: index)
            } catch {
                throw ManifestError(source: source, document: index, reason: "\(error)")
            }
        }
        return objects
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private static func yamlReason(_ error: any Error) -> String {
        // YamlError's description carries line and column, and the offending line itself.
        String(describing: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
    }

    static func describe(_ error: DecodingError, source: String, document: Int) -> ManifestError {
        func path(_ keys: [any CodingKey]) -> String {
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
