import PorticoPCRE

/// Which rule of a routing table serves one request, worked out from the Ingress specification's
/// rules alone (not from nginx.conf): `portico explain` prints it beside the lines of nginx.conf
/// that do it, and says so when the two disagree.
public struct RouteExplanation: Sendable, Equatable {
    /// The virtual host the request is for; nil: none, so the catch-all serves it.
    public var virtualHost: Host?
    /// How the host was chosen: `exact`, `wildcard *.example.com`, `no virtual host: catch-all`.
    public var hostMatch: String
    /// The rule that serves the path; nil: none matched, so the fallback serves it.
    public var rule: Location?
    /// What serves the request.
    public var backend: Backend
    public var options: ProxyOptions
    /// One line: why this rule and not another.
    public var reason: String
}

extension RoutingTable {
    /// The request's host as nginx's `$host` holds it (lowercase, no port, no trailing dot) and its
    /// path (no query), routed as nginx is told to route them.
    public func explain(host rawHost: String, path rawPath: String) -> RouteExplanation {
        var host = rawHost.lowercased()
        if !host.hasPrefix("["), let colon = host.lastIndex(of: ":") { host = String(host[..<colon]) }
        if host.hasSuffix(".") { host.removeLast() }
        let path = rawPath.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? "/"

        let locations: [Location], fallback: Backend?, vhost: Host?, hostMatch: String
        if let exact = virtualHosts.first(where: { $0.host.name == host && !$0.host.isWildcard }) {
            (locations, fallback, vhost, hostMatch) = (exact.locations, exact.fallback, exact.host, "exact")
        } else if let i = servedAliases.firstIndex(where: { $0.contains(host) }) {
            let aliased = virtualHosts[i]
            (locations, fallback, vhost, hostMatch) = (aliased.locations, aliased.fallback, aliased.host, "server-alias of \(aliased.host)")
        } else if let dot = host.firstIndex(of: "."), host.startIndex != dot,
            let wildcard = virtualHosts.first(where: { $0.host.isWildcard && $0.host.suffix == host[host.index(after: dot)...] })
        {
            (locations, fallback, vhost, hostMatch) = (wildcard.locations, wildcard.fallback, wildcard.host, "wildcard: one label before \(wildcard.host.suffix)")
        } else {
            (locations, fallback, vhost, hostMatch) = (catchAll.locations, catchAll.fallback, nil, "no virtual host: the catch-all")
        }

        if let exact = locations.first(where: { $0.match == .exact && $0.path == path }) {
            return RouteExplanation(
                virtualHost: vhost, hostMatch: hostMatch, rule: exact, backend: exact.backend, options: exact.options,
                reason: "Exact \(exact.path) matches the whole path")
        }
        if locations.contains(where: { $0.match == .regex }) {
            // ingress-nginx's matching: the first regex that matches from the start, in order.
            if let first = locations.first(where: { $0.match == .regex && Self.regexMatches($0.path, path) }) {
                return RouteExplanation(
                    virtualHost: vhost, hostMatch: hostMatch, rule: first, backend: first.backend, options: first.options,
                    reason: "regex ^\(first.path) (case-insensitive) is the first of the host's regexes, longest first, that matches "
                        + "(the host uses use-regex or rewrite-target)")
            }
            return RouteExplanation(
                virtualHost: vhost, hostMatch: hostMatch, rule: nil, backend: fallback ?? .unavailable(status: 404), options: ProxyOptions(),
                reason: fallback == nil ? "no regex matches and there is no default backend: 404" : "no regex matches: the default backend")
        }
        let prefixes = locations.filter { l in
            l.match == .prefix && (l.path == "/" || path == l.path || path.hasPrefix(l.path + "/"))
        }
        if let longest = prefixes.max(by: { $0.path.utf8.count < $1.path.utf8.count }) {
            let others = prefixes.count - 1
            return RouteExplanation(
                virtualHost: vhost, hostMatch: hostMatch, rule: longest, backend: longest.backend, options: longest.options,
                reason: "Prefix \(longest.path) matches segment by segment"
                    + (others > 0 ? ", the longest of \(prefixes.count) that match" : ""))
        }
        return RouteExplanation(
            virtualHost: vhost, hostMatch: hostMatch, rule: nil, backend: fallback ?? .unavailable(status: 404), options: ProxyOptions(),
            reason: fallback == nil ? "no rule matches and there is no default backend: 404" : "no rule matches: the default backend")
    }
}

extension RoutingTable {
    /// Whether a route regex takes a path as nginx's `~* "^REGEX"` does.
    static func regexMatches(_ regex: String, _ path: String) -> Bool {
        (try? PCRE("^(?:" + regex + ")", caseless: true))?.matches(path) ?? false
    }
}
