import PorticoModel

/// The HTTPRoutes Portico serves, host by host, in the shape nginx matches them: for each path a
/// location, and in it every rule match that can take a request of that path, in the order the
/// Gateway API specification ranks them. nginx picks the location (an Exact path, else the
/// longest prefix, whole segments only); the location tries its candidates in turn (method,
/// headers, query parameters) and the first that matches handles the request. A prefix location
/// also holds the shorter prefixes' candidates, so a request whose headers fail the longer
/// prefix's match still reaches the shorter one, as the specification requires.
public struct GatewayHost: Sendable, Hashable {
    /// The virtual host: a hostname, `*.SUFFIX` (one or more labels in front of SUFFIX, as the
    /// Gateway API's wildcards are), or `_` (every hostname, for routes and listeners without one).
    public var key: String
    /// Sorted by path, then exact before prefix; regexes last, in the order nginx tries them.
    public var locations: [GatewayLocation]
    /// Requests no location takes: the candidates of `PathPrefix /`.
    public var root: [GatewayCandidate]
    /// `http` or `https` when every candidate of the host came through listeners of that protocol
    /// only: the host is then chosen by the request's scheme as well as its name, and its
    /// candidates' `scheme` is nil (a request of the other scheme finds no route of the host).
    /// Nil for the catch-all, which takes whatever no name chooses.
    public var scheme: String? = nil

    public var isWildcard: Bool { key.hasPrefix("*.") }
}

public struct GatewayLocation: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// `= /KEY/v2`: the path itself, before any regex.
        case exact
        /// A `PathPrefix` (`path` without its trailing `/`): the path and everything below it,
        /// whole segments only, as one regex location (`^/KEY/v2(?:/|$)`) rather than `= /KEY/v2`
        /// and `/KEY/v2/` with the same candidates (each location costs nginx a context, the bulk
        /// of loading a config of many routes). Tried longest first, before the
        /// `RegularExpression` paths; an Exact location of the same path takes the path itself first.
        case prefix
        /// A `RegularExpression` path: PCRE matching the whole path, tried (in the routes' order)
        /// by requests that no Exact path or prefix but `/` takes, before `PathPrefix /`.
        case regex
    }

    /// `/v2`, or the regex of a `RegularExpression` location.
    public var path: String
    public var kind: Kind
    public var candidates: [GatewayCandidate]
}

/// One match of one rule of one route, and what the rule does with the request.
public struct GatewayCandidate: Sendable, Hashable {
    public var route: ObjectReference
    /// `spec.rules[0].matches[1]`.
    public var field: String
    /// `PathPrefix /v2` or `Exact /v2/x`.
    public var path: String
    public var method: String?
    public var headers: [GatewayValueMatch]
    public var queryParams: [GatewayValueMatch]
    public var action: GatewayAction
    /// `http` or `https` when the route reaches this host through listeners of that protocol
    /// only (a route of the HTTP listener, often a redirect to HTTPS, must not take HTTPS
    /// requests); nil through both.
    public var scheme: String? = nil

    /// How many conditions the match has: its scheme, method, headers and query parameters.
    public var conditionCount: Int { (scheme == nil ? 0 : 1) + (method == nil ? 0 : 1) + headers.count + queryParams.count }
    public var isUnconditional: Bool { conditionCount == 0 }
}

/// A header (name lowercased, as nginx's `$http_` variables) or query parameter (name as
/// written: they are case-sensitive) and the value it must have.
public struct GatewayValueMatch: Sendable, Hashable {
    public var name: String
    public var value: String
    /// `RegularExpression`: a PCRE regex the value must match (unanchored); else the exact value.
    public var isRegex: Bool
}

/// What a rule does with a request it takes: redirect it, or proxy it (with its header and URL
/// filters) to one of its backends by weight. Every value has been validated.
public struct GatewayAction: Sendable, Hashable {
    public enum Target: Sendable, Hashable {
        case upstream(Upstream)
        /// A backendRef that cannot be served (missing, another kind, not permitted): 500.
        case failure
    }

    public struct WeightedTarget: Sendable, Hashable {
        public var target: Target
        public var weight: Int
    }

    /// Set, added and removed headers (names as written; nginx matches them without case).
    public struct HeaderEdits: Sendable, Hashable {
        public var replace: [HTTPHeaderPair] = []
        public var append: [HTTPHeaderPair] = []
        public var remove: [String] = []
        public var isEmpty: Bool { replace.isEmpty && append.isEmpty && remove.isEmpty }
    }

    public enum PathChange: Sendable, Hashable {
        case full(String)
        /// The matched prefix (`/` or without a trailing `/`) becomes the replacement.
        case prefix(matched: String, replacement: String)
    }

    public struct Redirect: Sendable, Hashable {
        public var scheme: String?
        public var hostname: String?
        public var port: Int?
        public var status: Int
        public var path: PathChange?
        /// The ports of the listeners the route came through, for a redirect without a scheme or port.
        public var httpPort: Int
        public var httpsPort: Int
    }

    /// Every field as text, the same in every process: what names the action's named location
    /// (reflection's `String(describing:)` was most of a render at 10,000 routes).
    public var canonical: String {
        var out = targetsCanonical
        func edits(_ tag: String, _ e: HeaderEdits) {
            for h in e.replace { out += "\(tag)s\(h.name)=\(h.value.utf8.count):\(h.value);" }
            for h in e.append { out += "\(tag)a\(h.name)=\(h.value.utf8.count):\(h.value);" }
            for h in e.remove { out += "\(tag)r\(h);" }
        }
        edits("q", requestHeaders)
        edits("p", responseHeaders)
        func change(_ c: PathChange?) -> String {
            switch c {
            case nil: return "-"
            case .full(let p)?: return "full:\(p)"
            case .prefix(let m, let r)?: return "prefix:\(m)>\(r)"
            }
        }
        if let r = redirect {
            out += "r\(r.scheme ?? "-")|\(r.hostname ?? "-")|\(r.port.map(String.init) ?? "-")|\(r.status)|\(change(r.path))|\(r.httpPort)|\(r.httpsPort);"
        }
        if let h = rewriteHost { out += "h\(h);" }
        if rewritePath != nil { out += "w\(change(rewritePath));" }
        return out
    }

    /// The targets and their weights as text: what names a weighted split.
    public var targetsCanonical: String {
        var out = ""
        for t in targets {
            switch t.target {
            case .upstream(let u): out += "t\(u.host):\(u.port)*\(t.weight);"
            case .failure: out += "f*\(t.weight);"
            }
        }
        return out
    }

    /// What its named location depends on: everything but which backends it proxies to (the
    /// candidate sets `$portico_upstream`), kept as whether one cannot be served (500), and but
    /// its header values (the candidate sets `values`' variables). Rules that differ only so share
    /// one named location, one `proxy_pass`, one TLS context in nginx: the bulk of loading a
    /// config at thousands of routes.
    public var locationKey: GatewayAction {
        var key = self
        let fails = redirect == nil && (targets.isEmpty || targets.contains { $0.target == .failure })
        key.targets = fails ? [WeightedTarget(target: .failure, weight: 1)] : []
        func blank(_ headers: inout [HTTPHeaderPair]) {
            for i in headers.indices { headers[i].value = "" }
        }
        blank(&key.requestHeaders.replace)
        blank(&key.requestHeaders.append)
        blank(&key.responseHeaders.replace)
        blank(&key.responseHeaders.append)
        if key.rewriteHost != nil { key.rewriteHost = "" }
        return key
    }

    /// The values its named location reads from variables (`$portico_gw_v0`, `_v1`...) that the
    /// candidate sets, in this order: the rewritten Host, the request headers set, then added,
    /// the response headers set, then added.
    public var values: [String] {
        (rewriteHost.map { [$0] } ?? []) + requestHeaders.replace.map(\.value) + requestHeaders.append.map(\.value)
            + responseHeaders.replace.map(\.value) + responseHeaders.append.map(\.value)
    }

    /// Where each part of `values` starts: the index of the rewritten Host's, then the first of
    /// the request headers set, of those added, and of the response headers (set, then added).
    public struct ValueSlots: Sendable {
        public let host: Int?
        public let requestReplace: Int
        public let requestAppend: Int
        public let response: Int
    }

    public var valueSlots: ValueSlots {
        let first = rewriteHost == nil ? 0 : 1
        let append = first + requestHeaders.replace.count
        return ValueSlots(
            host: rewriteHost == nil ? nil : 0, requestReplace: first, requestAppend: append, response: append + requestHeaders.append.count)
    }

    /// Weight above 0 only; empty: no backend, 500.
    public var targets: [WeightedTarget] = []
    public var requestHeaders = HeaderEdits()
    public var responseHeaders = HeaderEdits()
    public var redirect: Redirect?
    /// `URLRewrite`: the Host header and path the backend receives instead of the client's.
    public var rewriteHost: String?
    public var rewritePath: PathChange?
}

public struct HTTPHeaderPair: Sendable, Hashable {
    public var name: String
    public var value: String
}

/// Builds the `GatewayHost`s of the accepted HTTPRoutes (`GatewayAttachment`).
public enum GatewayRouter {
    public static func route(
        _ state: ClusterState, attachment: GatewayAttachment, clusterDomain: String, ingressHosts: Set<String>
    ) -> (hosts: [GatewayHost], diagnostics: [Diagnostic]) {
        var routesByRef: [ObjectReference: HTTPRoute] = [:]
        for route in state.httpRoutes where routesByRef[ObjectReference(route)] == nil { routesByRef[ObjectReference(route)] = route }
        var diagnostics: [Diagnostic] = []
        // host key -> candidates keyed by route/rule/match (one route on two listeners of one
        // hostname is served once), with the ports of the listeners it came through.
        var byHost: [String: [String: Ranked]] = [:]
        var conflicts: [ObjectReference: Set<String>] = [:]
        for attached in attachment.routes {
            guard let route = routesByRef[attached.route] else { continue }
            for parent in attached.parents where !parent.accepted.status {
                diagnostics.append(
                    Diagnostic(
                        .routeNotAccepted, attached.route, field: "",
                        "not accepted by \(parent.gateway) (\(parent.accepted.reason)): \(parent.accepted.message)"))
            }
            if attached.parents.contains(where: \.accepted.status) {
                for (r, rule) in route.spec.rules.enumerated() where rule.timeouts != nil {
                    diagnostics.append(
                        Diagnostic(
                            .unsupportedRouteField, attached.route, field: "spec.rules[\(r)].timeouts",
                            "not served by Portico yet: nginx's timeouts apply (60 s to read the backend's answer)"))
                }
                for problem in attached.backendProblems {
                    diagnostics.append(
                        Diagnostic(
                            .invalidBackend, attached.route, field: "",
                            "\(problem.message) (\(problem.reason)): its share of the rule's requests answers 500"))
                }
            }
            var keys: [String: (http: Int?, https: Int?)] = [:]
            for parent in attached.parents where parent.accepted.status {
                for listener in parent.listeners {
                    for hostname in listener.hostnames?.map(\.text) ?? ["_"] {
                        var ports = keys[hostname] ?? (nil, nil)
                        if listener.protocol == "HTTPS" { ports.https = ports.https ?? listener.port } else { ports.http = ports.http ?? listener.port }
                        keys[hostname] = ports
                    }
                }
            }
            let problems = Set(attached.backendProblems.map { BackendIndex(rule: $0.rule, backend: $0.backend) })
            for (key, ports) in keys.sorted(by: { $0.key < $1.key }) {
                if ingressHosts.contains(key) {
                    conflicts[attached.route, default: []].insert(key)
                    continue
                }
                let scheme: String? = ports.http == nil ? "https" : ports.https == nil ? "http" : nil
                for var candidate in candidates(route, problems: problems, clusterDomain: clusterDomain, ports: (ports.http ?? 80, ports.https ?? 443)) {
                    candidate.candidate.scheme = scheme
                    byHost[key, default: [:]][candidate.id] = candidate
                }
            }
        }
        for (route, hosts) in conflicts.sorted(by: { $0.key < $1.key }) {
            let names = hosts.sorted().map { $0 == "_" ? "every hostname (the catch-all)" : MessageText.quoted($0) }.joined(separator: ", ")
            diagnostics.append(
                Diagnostic(
                    .conflict, route, field: "spec.hostnames",
                    "\(names) \(hosts.count == 1 ? "is" : "are") served by Ingresses, which keep their hosts: this route is not served there"))
        }
        let hosts = byHost.keys.sorted().map { key in host(key, Array(byHost[key]!.values)) }
        return (hosts, diagnostics)
    }

    struct BackendIndex: Hashable {
        var rule: Int
        var backend: Int
    }

    /// A candidate with what ranks it.
    struct Ranked {
        var candidate: GatewayCandidate
        var exact: Bool
        var regex = false
        /// Normalised: `/` or without a trailing `/` for a prefix.
        var path: String
        var created: CreationTime
        var rule: Int
        var match: Int
        var id: String { "\(candidate.route.namespace)/\(candidate.route.name)/\(candidate.field)" }

        /// The specification's order: Exact, the longest path, a method, the most headers, the
        /// most query parameters, the oldest route, the route by namespace/name, the rule, the match.
        static func precedes(_ a: Ranked, _ b: Ranked) -> Bool {
            if a.exact != b.exact { return a.exact }
            if a.path.utf8.count != b.path.utf8.count { return a.path.utf8.count > b.path.utf8.count }
            let (ca, cb) = (a.candidate, b.candidate)
            if (ca.method != nil) != (cb.method != nil) { return ca.method != nil }
            if ca.headers.count != cb.headers.count { return ca.headers.count > cb.headers.count }
            if ca.queryParams.count != cb.queryParams.count { return ca.queryParams.count > cb.queryParams.count }
            if a.created != b.created { return a.created < b.created }
            if ca.route != cb.route { return ca.route < cb.route }
            return (a.rule, a.match) < (b.rule, b.match)
        }
    }

    /// Every match of every rule of an accepted route (validated by `GatewayValues`).
    static func candidates(
        _ route: HTTPRoute, problems: Set<BackendIndex>, clusterDomain: String, ports: (http: Int, https: Int)
    ) -> [Ranked] {
        let ref = ObjectReference(route)
        let created = CreationTime(route.metadata.creationTimestamp)
        var out: [Ranked] = []
        for (r, rule) in route.spec.rules.enumerated() {
            for (m, match) in rule.matches.enumerated() {
                let exact = match.path.type == "Exact", regex = match.path.type == "RegularExpression"
                let path = exact || regex ? match.path.value : normalisedPrefix(match.path.value)
                let action = action(rule, rule: r, matchedPath: path, problems: problems, namespace: ref.namespace, clusterDomain: clusterDomain, ports: ports)
                let candidate = GatewayCandidate(
                    route: ref, field: "spec.rules[\(r)].matches[\(m)]", path: "\(match.path.type) \(match.path.value)", method: match.method,
                    headers: match.headers.map { GatewayValueMatch(name: $0.name.lowercased(), value: $0.value, isRegex: $0.type == "RegularExpression") },
                    queryParams: match.queryParams.map { GatewayValueMatch(name: $0.name, value: $0.value, isRegex: $0.type == "RegularExpression") },
                    action: action)
                out.append(Ranked(candidate: candidate, exact: exact, regex: regex, path: path, created: created, rule: r, match: m))
            }
        }
        return out
    }

    /// `/match/` matches as `/match` does (whole segments); `/` stays.
    package static func normalisedPrefix(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        return String(p)
    }

    static func action(
        _ rule: HTTPRouteRule, rule r: Int, matchedPath: String, problems: Set<BackendIndex>, namespace: String, clusterDomain: String,
        ports: (http: Int, https: Int)
    ) -> GatewayAction {
        var action = GatewayAction()
        for filter in rule.filters {
            switch filter {
            case .requestHeaderModifier(let f): action.requestHeaders = edits(f)
            case .responseHeaderModifier(let f): action.responseHeaders = edits(f)
            case .requestRedirect(let f):
                action.redirect = GatewayAction.Redirect(
                    scheme: f.scheme, hostname: f.hostname, port: f.port, status: f.statusCode, path: f.path.map { change($0, matchedPath) },
                    httpPort: ports.http, httpsPort: ports.https)
            case .urlRewrite(let f):
                action.rewriteHost = f.hostname
                action.rewritePath = f.path.map { change($0, matchedPath) }
            case .unsupported: break  // not accepted: never routed
            }
        }
        for (b, backend) in rule.backendRefs.enumerated() where backend.weight > 0 {
            if problems.contains(BackendIndex(rule: r, backend: b)) || backend.port == nil {
                action.targets.append(.init(target: .failure, weight: backend.weight))
            } else {
                let host = "\(backend.name).\(backend.namespace ?? namespace).svc.\(clusterDomain)"
                action.targets.append(.init(target: .upstream(Upstream(host: host, port: backend.port!)), weight: backend.weight))
            }
        }
        return action
    }

    static func edits(_ f: HTTPHeaderFilter) -> GatewayAction.HeaderEdits {
        GatewayAction.HeaderEdits(
            replace: f.set.map { HTTPHeaderPair(name: $0.name, value: $0.value) }, append: f.add.map { HTTPHeaderPair(name: $0.name, value: $0.value) },
            remove: f.remove)
    }

    static func change(_ modifier: HTTPPathModifier, _ matchedPath: String) -> GatewayAction.PathChange {
        if modifier.type == "ReplacePrefixMatch" {
            return .prefix(matched: matchedPath, replacement: modifier.replacePrefixMatch ?? "/")
        }
        return .full(modifier.replaceFullPath ?? "/")
    }

    /// The host's locations: one per Exact path, two per prefix (`= /KEY/P` and `/KEY/P/`, so
    /// that `/P` and `/P/...` match and `/Px` does not), each with every candidate that takes its
    /// requests, ranked.
    static func host(_ key: String, _ ranked: [Ranked]) -> GatewayHost {
        var ranked = ranked, scheme: String?
        if key != "_", let only = ranked.first?.candidate.scheme, ranked.allSatisfy({ $0.candidate.scheme == only }) {
            scheme = only
            for i in ranked.indices { ranked[i].candidate.scheme = nil }
        }
        let sorted = ranked.sorted(by: Ranked.precedes)
        let prefixes = sorted.filter { !$0.exact && !$0.regex }
        // A prefix P takes the requests of a path when it is `/`, the path itself, or the path
        // starts with P and `/`.
        func prefixCandidates(for path: String) -> [GatewayCandidate] {
            prefixes.filter { p in p.path == "/" || p.path == path || path.hasPrefix(p.path + "/") }.map(\.candidate)
        }
        var locations: [GatewayLocation] = []
        let exactPaths = Set(sorted.filter(\.exact).map(\.path))
        for path in exactPaths.sorted() {
            let own = sorted.filter { $0.exact && $0.path == path }.map(\.candidate)
            locations.append(GatewayLocation(path: path, kind: .exact, candidates: own + prefixCandidates(for: path)))
        }
        // Every prefix but `/` is one regex of whole segments, the longest first: nginx takes the
        // first regex that matches (after any Exact location, which an Exact path of the same
        // prefix has, with the prefix's candidates after its own).
        let segments = Set(prefixes.map(\.path)).subtracting(["/"]).map { path in
            GatewayLocation(path: path, kind: .prefix, candidates: prefixCandidates(for: path))
        }
        locations.sort { $0.path < $1.path }
        locations += segments.sorted { ($0.path.utf8.count, $1.path) > ($1.path.utf8.count, $0.path) }
        // Regexes in the order of their best candidate (nginx tries them in turn), each with the
        // candidates of its regex and then those of `PathPrefix /`.
        let root = prefixes.filter { $0.path == "/" }.map(\.candidate)
        var regexOrder: [String] = []
        for r in sorted where r.regex && !regexOrder.contains(r.path) { regexOrder.append(r.path) }
        for regex in regexOrder {
            let own = sorted.filter { $0.regex && $0.path == regex }.map(\.candidate)
            locations.append(GatewayLocation(path: regex, kind: .regex, candidates: own + root))
        }
        return GatewayHost(key: key, locations: locations, root: root, scheme: scheme)
    }
}
