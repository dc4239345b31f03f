import PorticoModel

/// A Gateway API hostname, of a listener or a route: a lowercase RFC 1123 name (`shop.example.com`)
/// or one whose first label is the wildcard (`*.example.com`). A wildcard stands for one or more
/// labels and never for none: `*.example.com` takes `a.example.com` and `a.b.example.com`, not
/// `example.com`. IP addresses are not hostnames here.
public struct GatewayHostname: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// As written: `*.example.com`.
    public let text: String
    public var isWildcard: Bool { text.hasPrefix("*.") }

    /// Why a hostname is refused, for the object's status and a diagnostic.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// The hostname as written; any character.
        public var hostname: String
        public var reason: String

        /// `hostname "a..b": has an empty label`, the hostname quoted safely for one line.
        public var description: String { "hostname \(MessageText.quoted(hostname)): \(reason)" }
    }

    public init(validating text: String) throws(Problem) {
        if let reason = Self.problem(text) { throw Problem(hostname: text, reason: reason) }
        self.text = text
    }

    /// The name after the wildcard (`example.com` for `*.example.com`); the name itself otherwise.
    var domain: Substring { isWildcard ? text.dropFirst(2) : text[...] }

    public var description: String { text }

    /// Why `text` is not a hostname, or nil.
    static func problem(_ text: String) -> String? {
        guard !text.isEmpty else { return "is empty" }
        guard text.utf8.count <= 253 else { return "is longer than 253 bytes" }
        var name = text[...]
        if name.hasPrefix("*.") {
            name = name.dropFirst(2)
        } else if name == "*" {
            return "a wildcard must be followed by a domain (\"*.example.com\")"
        }
        if name.contains("*") { return "\"*\" may only be the whole first label (\"*.example.com\")" }
        if name.contains(where: \.isUppercase) { return "must be lowercase" }
        let labels = name.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        for label in labels {
            if label.isEmpty { return "has an empty label" }
            if label.count > 63 { return "has a label longer than 63 bytes" }
            guard Validation.isLabel(label) else {
                return "labels may hold only a-z, 0-9 and \"-\", and not begin or end with \"-\""
            }
        }
        if labels.count == 4, labels.allSatisfy({ $0.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } }) {
            return "is an IP address; a hostname is required"
        }
        return nil
    }

    /// Whether a request's host (lowercase, port removed) is one this hostname names.
    public func matches(host: String) -> Bool {
        guard isWildcard else { return host == text }
        return Self.isStrictSubdomain(host[...], of: domain)
    }

    /// `name` ends in `.domain` with at least one label before it.
    private static func isStrictSubdomain(_ name: Substring, of domain: Substring) -> Bool {
        name.utf8.count > domain.utf8.count + 1 && name.hasSuffix(domain)
            && name.utf8.dropLast(domain.utf8.count).last == UInt8(ascii: ".")
    }

    /// The hostnames both this and `other` name, as one hostname (the narrower of the two), or nil
    /// when they share none: `*.example.com` and `a.example.com` give `a.example.com`;
    /// `*.example.com` and `*.a.example.com` give `*.a.example.com`; `*.example.com` and
    /// `example.com` give nil.
    public func intersection(_ other: GatewayHostname) -> GatewayHostname? {
        switch (isWildcard, other.isWildcard) {
        case (false, false): return text == other.text ? self : nil
        case (true, false): return matches(host: other.text) ? other : nil
        case (false, true): return other.matches(host: text) ? self : nil
        case (true, true):
            if domain == other.domain { return self }
            if Self.isStrictSubdomain(domain, of: other.domain) { return self }
            if Self.isStrictSubdomain(other.domain, of: domain) { return other }
            return nil
        }
    }

    /// The route's hostnames as served by a listener: the listener's hostname when the route has
    /// none; the route's narrowed to the listener's (those outside it dropped, as the
    /// specification requires) when both have some; the route's when the listener has none.
    /// Empty means they share none: the route is not accepted there (`NoMatchingListenerHostname`).
    /// nil means any hostname (neither names one).
    public static func effective(listener: GatewayHostname?, route: [GatewayHostname]) -> [GatewayHostname]? {
        guard let listener else { return route.isEmpty ? nil : unique(route) }
        guard !route.isEmpty else { return [listener] }
        return unique(route.compactMap { listener.intersection($0) })
    }

    /// In the order given, each once: a route naming `a.example.com` and `*.example.com` on a
    /// listener for `a.example.com` gets `a.example.com` once.
    private static func unique(_ hostnames: [GatewayHostname]) -> [GatewayHostname] {
        var seen = Set<GatewayHostname>()
        return hostnames.filter { seen.insert($0).inserted }
    }

    /// More specific first, as the specification ranks routes and listeners for one request: an
    /// exact hostname before any wildcard, then the longer (more labels, then more characters),
    /// then by text, so that the order is total.
    public static func < (a: GatewayHostname, b: GatewayHostname) -> Bool {
        if a.isWildcard != b.isWildcard { return !a.isWildcard }
        let (la, lb) = (a.text.utf8.count(where: { $0 == UInt8(ascii: ".") }), b.text.utf8.count(where: { $0 == UInt8(ascii: ".") }))
        if la != lb { return la > lb }
        if a.text.utf8.count != b.text.utf8.count { return a.text.utf8.count > b.text.utf8.count }
        return a.text < b.text
    }
}
