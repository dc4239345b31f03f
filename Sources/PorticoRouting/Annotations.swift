/// An object's annotations, indexed once by the name under Portico's and ingress-nginx's prefixes:
/// routing asks for some fifty names per Ingress, and each `lookup` is then one hash of a short
/// name instead of two concatenated keys hashed (most of the routing time of an annotated cluster).
struct Annotations: Sequence, ExpressibleByDictionaryLiteral {
    let raw: [String: String]
    /// NAME to the key that is set and its value, `portico.io/NAME` winning over
    /// `nginx.ingress.kubernetes.io/NAME`.
    private let byName: [String: (key: String, value: String)]

    init(_ raw: [String: String]) {
        self.raw = raw
        var byName: [String: (key: String, value: String)] = [:]
        if !raw.isEmpty {
            byName.reserveCapacity(raw.count)
            for (key, value) in raw {
                if let name = Self.name(key, after: RoutingRun.annotationPrefix) {
                    byName[name] = (key, value)
                } else if let name = Self.name(key, after: RoutingRun.ingressNginxPrefix), byName[name] == nil {
                    byName[name] = (key, value)
                }
            }
        }
        self.byName = byName
    }

    /// The key without `prefix`, or nil when it does not start with it (compared as UTF-8 bytes:
    /// `hasPrefix` and `dropFirst` walk characters, most of this initializer's time).
    private static func name(_ key: String, after prefix: String) -> String? {
        let (k, p) = (key.utf8, prefix.utf8)
        guard k.count > p.count, k.starts(with: p) else { return nil }
        return String(decoding: k.dropFirst(p.count), as: UTF8.self)
    }

    init(dictionaryLiteral elements: (String, String)...) {
        self.init(Dictionary(elements, uniquingKeysWith: { $1 }))
    }

    subscript(key: String) -> String? { raw[key] }
    var keys: Dictionary<String, String>.Keys { raw.keys }
    var isEmpty: Bool { raw.isEmpty }
    func makeIterator() -> Dictionary<String, String>.Iterator { raw.makeIterator() }

    /// `portico.io/NAME`, else `nginx.ingress.kubernetes.io/NAME`: the key that is set and its value.
    func lookup(_ name: String) -> (key: String, value: String)? { byName[name] }
}
