import Foundation
import PorticoModel

/// Where a kind lives in the API: `networking.k8s.io/v1` `ingresses`, namespaced.
public struct KubeResourceType: Sendable, Hashable, CustomStringConvertible {
    /// Empty for the core group.
    public var group: String
    public var version: String
    public var plural: String
    public var kind: String
    public var namespaced: Bool

    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    /// `ingresses.networking.k8s.io`, as RBAC and error messages name it.
    public var description: String { group.isEmpty ? plural : "\(plural).\(group)" }

    /// The URL path of the collection (name nil) or of one object.
    func path(namespace: String?, name: String? = nil, subresource: String? = nil) -> String {
        var path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if namespaced, let namespace { path += "/namespaces/\(escape(namespace))" }
        path += "/\(plural)"
        if let name { path += "/\(escape(name))" }
        if let subresource { path += "/\(subresource)" }
        return path
    }

    private func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? segment
    }
}

/// A kind the client reads and writes.
public protocol KubeResource: Codable, Sendable, Equatable {
    static var resourceType: KubeResourceType { get }
    var apiVersion: String? { get set }
    var kind: String? { get set }
    var metadata: ObjectMeta { get set }
    /// What the watch cache keeps of an object: all of it, or less (nil: nothing).
    static func cached(_ object: Self) -> Self?
}

extension KubeResource {
    public static func cached(_ object: Self) -> Self? { object }
}

extension KubeResource {
    /// `namespace/name`, or `name` for cluster-scoped kinds: the cache key.
    var cacheKey: String {
        Self.resourceType.namespaced ? "\(metadata.namespace ?? "")/\(metadata.name)" : metadata.name
    }
}

extension Ingress: KubeResource {
    public static let resourceType = KubeResourceType(
        group: "networking.k8s.io", version: "v1", plural: "ingresses", kind: "Ingress", namespaced: true)
}

extension Service: KubeResource {
    public static let resourceType = KubeResourceType(
        group: "", version: "v1", plural: "services", kind: "Service", namespaced: true)
}

extension IngressClass: KubeResource {
    public static let resourceType = KubeResourceType(
        group: "networking.k8s.io", version: "v1", plural: "ingressclasses", kind: "IngressClass",
        namespaced: false)
}

extension ConfigMap: KubeResource {
    public static let resourceType = KubeResourceType(
        group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true)
}

extension Secret: KubeResource {
    public static let resourceType = KubeResourceType(
        group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true)

    /// Only what routing reads: a Secret's `tls.crt` and `tls.key`, whatever its type, and
    /// basic authentication's users: an htpasswd file under `auth` (ingress-nginx's auth-file), or
    /// every key when each value is a password hash (auth-map), and client certificates'
    /// authorities (`ca.crt`, `ca.crl`). A Secret with none of these (Helm
    /// releases, tokens, passwords) is not kept at all, so that watching Secrets costs memory for
    /// certificates and htpasswd files only.
    public static let certificateKeys: Set<String> = ["tls.crt", "tls.key"]
    public static let authFileKey = "auth"
    public static let authorityKeys: Set<String> = ["ca.crt", "ca.crl"]

    public static func cached(_ object: Secret) -> Secret? {
        let routed = certificateKeys.union([authFileKey]).union(authorityKeys)
        var data = object.data?.filter { routed.contains($0.key) } ?? [:]
        var text = object.stringData?.filter { routed.contains($0.key) } ?? [:]
        if data.isEmpty && text.isEmpty, isAuthMap(object) {
            data = object.data ?? [:]
            text = object.stringData ?? [:]
        }
        guard !data.isEmpty || !text.isEmpty else { return nil }
        // PEM kept as the text it is, a quarter smaller than its base64: both keys or neither (the
        // routing reads a Secret's stringData or its data, never a mix), and only values a
        // certificate could be (larger ones stay as they came, for routing to refuse).
        if text.isEmpty, let decoded = decodedText(data) {
            text = decoded
            data = [:]
        }
        var kept = object
        kept.data = data.isEmpty ? nil : data
        kept.stringData = text.isEmpty ? nil : text
        // Routing reads a Secret's namespace, name and data; the watch resumes from the events'
        // versions, and Events name Ingresses, not Secrets. At 10,000 Secrets the rest was 1.5 MB.
        kept.metadata = ObjectMeta(name: object.metadata.name, namespace: object.metadata.namespace)
        // The usual type as one string shared by every Secret, not a copy in each.
        if kept.type == tlsType { kept.type = tlsType }
        return kept
    }

    static let tlsType = "kubernetes.io/tls"

    /// Whether every value looks like a password hash nginx reads (`$...$`, `{SHA}`, `{SSHA}`,
    /// `{PLAIN}`, 13 characters of DES crypt), at most 64 of them: an auth-map. Routing checks
    /// each hash properly; this only keeps other Secrets (and their plain passwords) out of memory.
    static func isAuthMap(_ secret: Secret) -> Bool {
        var values = Array((secret.stringData ?? [:]).values)
        for encoded in (secret.data ?? [:]).values {
            guard encoded.utf8.count <= 1024, let bytes = Data(base64Encoded: encoded), let text = String(data: bytes, encoding: .utf8)
            else { return false }
            values.append(text)
        }
        guard !values.isEmpty, values.count <= 64 else { return false }
        return values.allSatisfy { value in
            let crypt = value.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) || $0 == 0x2e || $0 == 0x2f }
            guard value.utf8.count <= 256, !value.contains(where: { $0.isNewline || $0 == ":" }) else { return false }
            return (value.hasPrefix("$") && value.dropFirst().contains("$")) || value.hasPrefix("{SHA}") || value.hasPrefix("{SSHA}")
                || value.hasPrefix("{PLAIN}") || (value.utf8.count == 13 && crypt)
        }
    }

    /// Each base64 value as UTF-8 text, decoded as routing decodes it; nil when any value is not
    /// base64 of UTF-8 text or is larger than a PEM chain (1 MiB) could be.
    static func decodedText(_ data: [String: String]) -> [String: String]? {
        var text: [String: String] = [:]
        for (key, encoded) in data {
            guard encoded.utf8.count <= (1 << 20) / 3 * 4 + 8,
                let bytes = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters),
                let decoded = String(data: bytes, encoding: .utf8), !decoded.utf8.contains(0)
            else { return nil }
            text[key] = decoded
        }
        return text
    }
}

extension Event: KubeResource {
    public static let resourceType = KubeResourceType(
        group: "", version: "v1", plural: "events", kind: "Event", namespaced: true)
}

extension Lease: KubeResource {
    public static let resourceType = KubeResourceType(
        group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", namespaced: true)
}
