import PorticoRouting

/// The shape of the routing part of nginx.conf (docs/data-plane.md): one server for every virtual
/// host. Maps turn the request's host into a key, a server-level `rewrite` puts the key in front of
/// the path (`/shop.example.com/api`), and one `location /KEY/` per host holds that host's routes
/// as nested locations. Prefix routes are regexes tried longest path first; consecutive ones with
/// the same settings share one regex, and a map picks each one's Service. Settings apply in one
/// named location per combination, which holds the only `proxy_pass` of that combination.
///
/// nginx reloads this shape about ten times faster than a server per host: it builds a TLS context
/// for every `proxy_pass` with a variable and about 7 KB of settings for every location, and this
/// shape has a few per host instead of several per path.
enum DataPlane {
    /// The key of requests whose host matches no virtual host: rules without a host, then the
    /// default backend.
    static let catchAllKey = "_"
    /// At most this many paths share one regex, so that a line stays readable.
    static let maxGroup = 16
    /// Longer route keys get a location of their own instead of a map entry, so that the map's hash
    /// buckets stay small.
    static let maxMapKey = 200

    /// What a location does with a request.
    enum Action: Equatable {
        /// Sets `$portico_upstream` (an address, or the route map's `$portico_route_upstream`) and
        /// hands the request to the named location `proxy`.
        case proxy(upstream: String, proxy: String, bodySize: String?)
        case status(Int)
        /// `return STATUS "URL";`: a validated http or https URL.
        case redirect(status: Int, url: String)
    }

    struct Route {
        /// The `location` arguments: `= /KEY/path` or `~ REGEX`.
        let location: String
        /// One per rule it serves: `ingress default/web spec.rules[0].http.paths[1]: Prefix /api`.
        let comments: [String]
        let action: Action
        /// Plain HTTP gets 308 to HTTPS first (the routes of one location share their settings).
        var redirect = false
        /// The redirect keeps the target's trailing `/`.
        var preservesSlash = false
        /// `rewrite-target`: the `rewrite` arguments, the route's regex (quoted) and the target.
        var rewrite: String?
        /// `enable-cors`: the route sets `$portico_cors` to its policy (`corsPolicyValue`, quoted in
        /// `corsValue`) when the request's origin is allowed; its named location answers preflights
        /// and adds the headers.
        var cors: CORSPolicy?
        /// With `cors` for listed origins: the quoted regex the `Origin` header must match.
        var corsOriginRegex: String?
        var corsValue = ""
        /// `auth-type: basic`, `auth-url`: the values the route sets for its named location.
        var auth: Authentication?
        /// Rate limits with zones: the route sets the key they count by (its Ingress and the client).
        var limit: RateLimit?
        /// `upstream-vhost`: the Host header the route sets for its named location to send.
        var upstreamHost: String?
        /// `custom-http-errors`, `default-backend`: what the route sets for its error pages; on a
        /// route that answers 503, its default backend answers instead.
        var errors: CustomErrors?
    }

    struct MapEntry {
        /// `/KEY/path`, what the location's `portico_route` capture holds.
        let key: String
        let upstream: String
    }

    struct HostBlock {
        let key: String
        let comment: String
        let routes: [Route]
        let mapEntries: [MapEntry]
        /// What `location /KEY/` itself does: requests no nested location takes.
        let fallback: Action
        let fallbackComment: String
        /// Strict-Transport-Security on the host's HTTPS responses.
        var hsts = false
        var redirectsFallback = false
        var fallbackPreservesSlash = false
    }

    /// A named location that proxies with one combination of settings.
    struct Proxy {
        let name: String
        let options: ProxyOptions
        /// `options.canonical`, spelled once.
        let canonical: String
    }

    /// Every combination of settings the table's routes use, the default one (`@portico_proxy`)
    /// first, then by name. Names come from the settings, so that they do not change when other
    /// routes change.
    static func proxies(_ table: RoutingTable) -> [Proxy] {
        // Only the ones used: a named location's `$portico_upstream` must be set somewhere.
        var combinations: Set<ProxyOptions> = []
        let standard = ProxyOptions()
        var usesStandard = false
        // By index, not `for l in`: a render at 10,000 hosts goes through every route, and copying
        // each location out of its array was most of that.
        var redirecting = standard
        redirecting.redirectsToHTTPS = true
        // Settings already added, by their copy: the paths of one Ingress share one, and HTTPS
        // hosts with otherwise default settings all share one.
        var added = Set<ObjectIdentifier>()
        func add(_ locations: [Location], _ fallback: Backend?, hsts: Bool = false) {
            for j in locations.indices {
                guard case .upstream = locations[j].backend else { continue }
                if let id = locations[j].optionsIdentity, !added.insert(id).inserted { continue }
                // Most routes have the default settings: compared in place, not copied or hashed.
                if locations[j].options == standard || locations[j].options == redirecting {
                    usesStandard = true
                } else {
                    combinations.insert(locations[j].options.proxied)
                }
            }
            if case .upstream = fallback {
                if hsts { combinations.insert(fallbackOptions(hsts: true).proxied) } else { usesStandard = true }
            }
        }
        add(table.catchAll.locations, table.catchAll.fallback)
        let hosts = table.virtualHosts
        for i in hosts.indices { add(hosts[i].locations, hosts[i].fallback, hsts: hosts[i].tls?.certificate != nil) }
        if usesStandard { combinations.insert(standard) }
        // Each combination's canonical text is made once: sorting by a computed one made it
        // n log n times, most of a render at 10,000 Ingresses with settings of their own.
        var byName: [String: (options: ProxyOptions, canonical: String)] = [:]
        for (canonical, options) in combinations.map({ ($0.canonical, $0) }).sorted(by: { $0.0 < $1.0 }) {
            let base = proxyName(options, canonical: canonical)
            var name = base
            var n = 2
            while byName[name] != nil {
                name = base + "_\(n)"
                n += 1
            }
            byName[name] = (options, canonical)
        }
        return byName.map { Proxy(name: $0.key, options: $0.value.options, canonical: $0.value.canonical) }.sorted { a, b in
            (a.options.isDefault ? 0 : 1, a.name) < (b.options.isDefault ? 0 : 1, b.name)
        }
    }

    /// The settings a host's default backend is proxied with: none, but Strict-Transport-Security
    /// on a host with its own certificate (its answers are that host's, over HTTPS).
    static func fallbackOptions(hsts: Bool) -> ProxyOptions {
        ProxyOptions(strictTransportSecurity: hsts)
    }

    static func proxyName(_ options: ProxyOptions, canonical: String? = nil) -> String {
        guard !options.isDefault else { return "@portico_proxy" }
        // The same settings get the same name in every process.
        return "@portico_proxy_" + FNV1a.hex32(canonical ?? options.canonical)
    }

    /// A CORS policy's values by the header variable each fills, for the settings' canonical text
    /// (which names their named location: unchanged since routes set them one by one).
    static func corsValues(_ policy: CORSPolicy) -> [(name: String, value: String)] {
        [
            ("$portico_cors_credentials", policy.credentials ? "true" : ""), ("$portico_cors_methods", policy.methods),
            ("$portico_cors_headers", policy.headers), ("$portico_cors_expose", policy.exposeHeaders ?? ""),
            ("$portico_cors_max_age", "\(policy.maxAge)"),
        ]
    }

    /// What a CORS route sets `$portico_cors` to, for the http context's maps to read:
    /// `ORIGIN|CREDENTIALS|METHODS|HEADERS|EXPOSE|MAX-AGE`, ORIGIN `*` (any origin, answered `*`) or `=`
    /// (the request's origin, answered as sent). Validated values hold no `|` or `"`.
    static func corsPolicyValue(_ policy: CORSPolicy) -> String {
        [policy.allowsAnyOrigin ? "*" : "=", policy.credentials ? "true" : "", policy.methods, policy.headers, policy.exposeHeaders ?? "", "\(policy.maxAge)"]
            .joined(separator: "|")
    }

    /// The origins a CORS route answers, as one caseless regex over the whole `Origin` header
    /// (ingress-nginx's, anchored at both ends): each origin literally, `*.` standing for one label.
    static func corsOriginRegex(_ origins: [String]) -> String {
        // A validated origin has at most one `*.`, right after its scheme.
        let alternatives = origins.map { origin in
            guard let star = origin.utf8.firstIndex(of: UInt8(ascii: "*")) else { return regex(origin) }
            let label = origin.utf8.index(after: star)
            guard label < origin.utf8.endIndex, origin.utf8[label] == UInt8(ascii: ".") else { return regex(origin) }
            return regex(String(origin[..<star])) + "[A-Za-z0-9-]+\\." + regex(String(origin[origin.utf8.index(after: label)...]))
        }
        return "^(?:" + alternatives.joined(separator: "|") + ")$"
    }

    /// The host's routes as nested locations, in the order nginx must try them.
    static func hostBlock(
        key: String, locations: [Location], fallback: Backend?, proxies: [ProxyOptions: String], hsts: Bool = false,
        redirectsFallback: Bool = false, canaries: Canaries = Canaries()
    ) -> HostBlock {
        let prefix = "/" + key
        // A host's routes mostly share one Ingress's settings: their proxy is looked up once.
        var lastProxy = LastValue<ProxyOptions, String>()
        func proxy(_ options: ProxyOptions) -> String {
            lastProxy.value(for: options) {
                let proxied = options.proxied
                return proxied.isDefault ? "@portico_proxy" : proxies[proxied] ?? "@portico_proxy"
            }
        }
        func action(_ backend: Backend, _ options: ProxyOptions, upstream: String? = nil) -> Action {
            switch backend {
            case .unavailable(let status): return .status(status)
            case .redirect(let status, let url): return .redirect(status: status, url: url)
            case .upstream(let u): return .proxy(upstream: upstream ?? u.address, proxy: proxy(options), bodySize: options.maxBodySize)
            }
        }
        // The same for a CORS policy's origins' regex and value, quoted.
        var lastCORS = LastValue<CORSPolicy, (regex: String?, value: String)>()
        func corsRoute(_ cors: CORSPolicy) -> (regex: String?, value: String) {
            lastCORS.value(for: cors) {
                (cors.allowsAnyOrigin || cors.origins.isEmpty ? nil : quoted(corsOriginRegex(cors.origins)), quoted(corsPolicyValue(cors)))
            }
        }
        // A route for `options` and `backend`: its action, its redirect, and CORS when it proxies.
        func route(_ location: String, _ comments: [String], _ backend: Backend, _ options: ProxyOptions, upstream: String? = nil) -> Route {
            var r = Route(location: location, comments: comments, action: action(backend, options, upstream: upstream), redirect: options.redirectsToHTTPS)
            r.preservesSlash = options.preservesTrailingSlash
            if case .proxy = r.action, let cors = options.cors {
                r.cors = cors
                (r.corsOriginRegex, r.corsValue) = corsRoute(cors)
            }
            if case .proxy = r.action {
                r.upstreamHost = options.upstream?.host
                r.auth = options.auth
                if let limit = options.rateLimit, limit.usesZones { r.limit = limit }
                r.errors = options.customErrors
            }
            if case .status = r.action, let errors = options.customErrors, errors.defaultBackend != nil { r.errors = errors }
            return r
        }
        // A host's paths mostly come from one Ingress: its name is spelled once.
        var named = LastValue<ObjectReference, String>()
        func spelled(_ source: ObjectReference) -> String { named.value(for: source) { source.description } }
        // A route's comments: its rule, and its canary's.
        func comments(_ l: Location) -> [String] {
            guard let canary = canaryComment(l) else { return [comment(l)] }
            return [comment(l), canary]
        }
        func comment(_ l: Location) -> String {
            let source = spelled(l.source)
            switch l.match {
            case .regex:
                let target = l.options.rewriteTarget.map { ", rewritten to \($0)" } ?? ""
                return "\(source) \(l.field): ~* ^\(l.path) (ingress-nginx regex matching on this host\(target))"
            case .exact, .prefix: return "\(source) \(l.field): \(l.match.name) \(l.path)"
            }
        }

        var exact: [(path: String, route: Route)] = []
        var prefixes: [Location] = []
        prefixes.reserveCapacity(locations.count)
        var root: Location?
        var routes: [Route] = []
        for l in locations {
            switch l.match {
            case .regex:
                // In the table's order (ingress-nginx's): nginx takes the first that matches.
                let pattern = "^" + regex(prefix) + "(?:" + l.path + ")"
                var r = route("~* " + quoted(pattern), comments(l), l.backend, l.options, upstream: canaryUpstream(l, canaries))
                if case .proxy = r.action, let target = l.options.rewriteTarget { r.rewrite = quoted("(?i)" + pattern) + " " + target }
                routes.append(r)
            case .exact:
                exact.append((l.path, route("= \(prefix)\(l.path)", comments(l), l.backend, l.options, upstream: canaryUpstream(l, canaries))))
            case .prefix where l.path == "/": root = l
            case .prefix: prefixes.append(l)
            }
        }
        var entries: [MapEntry] = []
        for group in groups(prefix: prefix, prefixes) {
            let first = group[0]
            if group.count == 1 {
                routes.append(
                    route(
                        "~ ^\(regex(prefix + first.path))(?:/|$)", comments(first), first.backend, first.options,
                        upstream: canaryUpstream(first, canaries)))
                continue
            }
            let alternatives = group.map { regex($0.path) }.joined(separator: "|")
            routes.append(
                route(
                    "~ ^(?<portico_route>\(regex(prefix))(?:\(alternatives)))(?:/|$)", group.flatMap(comments), first.backend, first.options,
                    upstream: "$portico_route_upstream"))
            entries += mapEntries(prefix: prefix, group, canaries)
        }

        // `Prefix /` serves what no other rule takes; else the default backend, else 404.
        var fallbackAction = Action.status(404)
        var fallbackComment = "no rule matched: 404"
        var fallbackRedirects = redirectsFallback
        var fallbackPreserves = false
        if let root {
            let a = action(root.backend, root.options, upstream: canaryUpstream(root, canaries))
            var ownLocation = false
            switch a {
            case .proxy: ownLocation = !root.options.isDefault
            // A missing Service's default backend: its variables and error page are the route's own.
            case .status: ownLocation = root.options.customErrors?.defaultBackend != nil
            case .redirect: break
            }
            if ownLocation {
                // Settings in `location /KEY/` would be inherited by every nested location.
                routes.append(
                    route("~ ^\(regex(prefix))/", comments(root), root.backend, root.options, upstream: canaryUpstream(root, canaries)))
                fallbackComment = "unreachable: Prefix / above takes every request"
            } else {
                fallbackAction = a
                fallbackComment = comments(root).joined(separator: "; ")
                // It takes every request the routes above do not: its own redirect, not the host's.
                fallbackRedirects = root.options.redirectsToHTTPS
                fallbackPreserves = root.options.preservesTrailingSlash
            }
        } else if let fallback {
            fallbackAction = action(fallback, fallbackOptions(hsts: hsts))
            fallbackComment = "no rule matched: default backend"
        }
        exact.sort { nginxPrecedes($0.path, $1.path) }
        let comment: String
        // Spelled once per rule: a host's paths are nearly always one rule's, in a row.
        var ruleNames = Set<String>()
        // A Service exposed by label (`--expose-services`) names its host by its labels, not a rule's.
        var exposedBy = Set<String>()
        var lastRule: (source: ObjectReference, field: Substring)?
        for l in locations {
            let field = ruleField(l.field)
            if let lastRule, lastRule.source == l.source, lastRule.field == field { continue }
            lastRule = (l.source, field)
            let source = spelled(l.source)
            ruleNames.insert("\(source) \(field)")
            if l.source.kind == "Service" { exposedBy.insert("\(source) \(field)") }
        }
        let rules = ruleNames.sorted()
        if key == catchAllKey {
            comment = "requests for no host below: " + (rules.isEmpty ? "" : rules.joined(separator: ", ") + ", then ")
                + (fallback == nil ? "404" : "the default backend")
        } else {
            comment = "host \(key): " + rules.map { exposedBy.contains($0) ? $0 + " (selected by label)" : $0 + ".host" }.joined(separator: ", ")
        }
        return HostBlock(
            key: key, comment: comment, routes: exact.map(\.route) + routes, mapEntries: entries, fallback: fallbackAction,
            fallbackComment: fallbackComment, hsts: hsts, redirectsFallback: fallbackRedirects,
            fallbackPreservesSlash: fallbackPreserves)
    }

    /// `spec.rules[0]` of `spec.rules[0].http.paths[1]`.
    static func ruleField(_ field: String) -> Substring {
        // By bytes, in place: Foundation's range(of:) was a tenth of rendering at 10,000 Ingresses,
        // and copying the bytes out an array per field another.
        let end = field.utf8.withContiguousStorageIfAvailable(httpStart) ?? Array(field.utf8).withUnsafeBufferPointer(httpStart)
        guard let end else { return Substring(field) }
        return field[..<field.utf8.index(field.utf8.startIndex, offsetBy: end)]
    }

    /// Where `.http.` starts.
    private static func httpStart(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let needle: StaticString = ".http."
        let n = needle.utf8CodeUnitCount
        guard bytes.count >= n else { return nil }
        return (0...(bytes.count - n)).first { at in (0..<n).allSatisfy { bytes[at + $0] == needle.utf8Start[$0] } }
    }

    /// Only the route map entries of a host: what `hostBlock` would list, without building the rest.
    static func mapEntries(key: String, locations: [Location], canaries: Canaries = Canaries()) -> [MapEntry] {
        let prefix = "/" + key
        let prefixes = locations.filter { $0.match == .prefix && $0.path != "/" }
        return groups(prefix: prefix, prefixes).flatMap { $0.count > 1 ? mapEntries(prefix: prefix, $0, canaries) : [] }
    }

    static func mapEntries(prefix: String, _ group: [Location], _ canaries: Canaries) -> [MapEntry] {
        // A group's paths nearly always go to one Service: its address is spelled once.
        var last: (upstream: Upstream, address: String)?
        return group.compactMap { l in
            guard case .upstream(let u) = l.backend else { return nil }
            if let canary = canaryUpstream(l, canaries) { return MapEntry(key: prefix + l.path, upstream: canary) }
            if last?.upstream != u { last = (u, u.address) }
            return MapEntry(key: prefix + l.path, upstream: last?.address ?? u.address)
        }
    }

    /// Prefix routes (not `/`) in the order nginx must try them, longest path first (of two that
    /// both match, the longer one is the more specific), cut into runs that can share one regex:
    /// the same settings, a Service each, and a map key that cannot collide with another (nginx
    /// lowercases map keys) nor make the map's buckets large.
    static func groups(prefix: String, _ unsorted: [Location]) -> [[Location]] {
        let prefixes = unsorted.sorted { a, b in
            let (la, lb) = (a.path.utf8.count, b.path.utf8.count)
            return la != lb ? la > lb : a.path < b.path
        }
        // Paths that are equal but for case: only looked for when there can be two, one of them
        // with a capital letter (paths are ASCII).
        var ambiguous = Set<String>()
        if prefixes.count > 1, prefixes.contains(where: { $0.path.utf8.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") } }) {
            var seen = Set<String>()
            for l in prefixes where !seen.insert(l.path.lowercased()).inserted { ambiguous.insert(l.path.lowercased()) }
        }
        func mappable(_ l: Location) -> Bool {
            guard case .upstream = l.backend else { return false }
            return prefix.utf8.count + l.path.utf8.count <= maxMapKey && (ambiguous.isEmpty || !ambiguous.contains(l.path.lowercased()))
        }
        var result: [[Location]] = []
        var group: [Location] = []
        for l in prefixes {
            if !(mappable(l) && group.count < maxGroup && group.first?.hasOptions(of: l) == true), !group.isEmpty {
                result.append(group)
                group = []
            }
            group.append(l)
            if !mappable(l) {
                result.append(group)
                group = []
            }
        }
        if !group.isEmpty { result.append(group) }
        return result
    }

    /// A double-quoted nginx string: nginx reads `\\` as `\` and `\"` as `"` there (and `\t`, `\n`,
    /// `\r` as control characters, which doubling every backslash avoids). Validated regexes hold
    /// no quote; it is escaped all the same.
    static func quoted(_ text: String) -> String {
        // By bytes: a quote followed by a combining mark is one Character, but nginx reads the
        // quote. Most values have nothing to escape.
        let backslash = UInt8(ascii: "\\"), quote = UInt8(ascii: "\"")
        guard text.utf8.contains(where: { $0 == backslash || $0 == quote }) else { return "\"" + text + "\"" }
        var out: [UInt8] = [quote]
        out.reserveCapacity(text.utf8.count + 8)
        for byte in text.utf8 {
            if byte == backslash || byte == quote { out.append(backslash) }
            out.append(byte)
        }
        out.append(quote)
        return String(decoding: out, as: UTF8.self)
    }

    /// Wildcard names (`*.SUFFIX`) as the quoted regexes of a map of exact names, with their values,
    /// the longest suffix first (the most specific wins): a Gateway API wildcard takes one label or
    /// more in front of SUFFIX, an Ingress's exactly one.
    static func wildcardRegexLines(_ wildcards: [(name: String, value: String, manyLabels: Bool)]) -> [(regex: String, value: String)] {
        wildcards.sorted { ($0.name.utf8.count, $1.name) > ($1.name.utf8.count, $0.name) }.map { w in
            (quoted("~^" + (w.manyLabels ? ".+" : "[^.]+") + "\\." + regex(String(w.name.dropFirst(2))) + "$"), w.value)
        }
    }

    /// Picks names made of a base (a hash of what is named): the base, else `_2`, `_3`... after a
    /// collision with a name already taken.
    struct Names {
        private var taken = Set<String>()

        mutating func take(_ base: String) -> String {
            var name = base
            var n = 2
            while taken.contains(name) {
                name = base + "_\(n)"
                n += 1
            }
            taken.insert(name)
            return name
        }
    }

    /// A literal for PCRE: the characters a validated path or host may hold that mean something in
    /// a regex are escaped.
    static func regex(_ literal: String) -> String {
        // Most paths and hosts have nothing to escape: as they are, without a copy.
        guard literal.utf8.contains(where: { metacharacters[Int($0)] }) else { return literal }
        var out: [UInt8] = []
        out.reserveCapacity(literal.utf8.count + 8)
        for byte in literal.utf8 {
            if metacharacters[Int(byte)] { out.append(UInt8(ascii: "\\")) }
            out.append(byte)
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let metacharacters: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for c in ".*+?()[]{}|^$\\".utf8 { table[Int(c)] = true }
        return table
    }()

    /// nginx's order for static locations (`ngx_filename_cmp`: bytes, `/` below every other): it
    /// sorts them by insertion, so a file already in this order loads in linear time.
    static func nginxPrecedes(_ a: String, _ b: String) -> Bool {
        func weight(_ byte: UInt8) -> Int { byte == UInt8(ascii: "/") ? 0 : Int(byte) + 1 }
        var ia = a.utf8.makeIterator(), ib = b.utf8.makeIterator()
        while true {
            switch (ia.next(), ib.next()) {
            case (nil, nil): return false
            case (nil, _): return true
            case (_, nil): return false
            case (let x?, let y?): if x != y { return weight(x) < weight(y) }
            }
        }
    }
}

extension ProxyOptions {
    /// What the named location that proxies needs: the redirect happens before, in the route's own.
    var proxied: ProxyOptions {
        var options = self
        options.redirectsToHTTPS = false
        options.preservesTrailingSlash = false
        // Each route rewrites to its own target; the named location only sends the rewritten path.
        if options.rewriteTarget != nil { options.rewriteTarget = "" }
        if options.cors != nil { options.cors = CORSPolicy() }
        // upstream-vhost: each route sets its Host header; the named location sends the variable
        // (one per Ingress was one proxy_pass context per Ingress: at 10,000, a 96 MB config).
        if options.upstream?.host != nil { options.upstream?.host = "" }
        options.auth = options.auth?.proxied
        options.customErrors = options.customErrors?.proxied
        // Zones are shared by rate; each route sets the key of its own Ingress and exemptions.
        if var limit = options.rateLimit {
            limit.id = ""
            limit.exempt = []
            options.rateLimit = limit
        }
        return options
    }

    /// The settings as one stable string, for naming and ordering their named location.
    var canonical: String {
        var parts: [String] = []
        if let v = connectTimeoutSeconds { parts.append("connect=\(v)") }
        if let v = readTimeoutSeconds { parts.append("read=\(v)") }
        if let v = sendTimeoutSeconds { parts.append("send=\(v)") }
        if let v = maxBodySize { parts.append("body=\(v)") }
        if strictTransportSecurity { parts.append("hsts") }
        if let rewriteTarget { parts.append("rewrite=" + rewriteTarget) }
        if let cors {
            parts.append("cors=" + cors.origins.joined(separator: ","))
            parts += DataPlane.corsValues(cors).map { "\($0.name)=\($0.value)" }
        }
        if let r = rateLimit {
            var limit = ["limit=" + r.id]  // empty in a named location's settings
            if let v = r.perSecond { limit.append("rps=\(v.rate)/\(v.burst)") }
            if let v = r.perMinute { limit.append("rpm=\(v.rate)/\(v.burst)") }
            if let v = r.connections { limit.append("conn=\(v)") }
            if !r.exempt.isEmpty { limit.append("exempt=" + r.exempt.map(\.text).joined(separator: ",")) }
            if let v = r.rateKiB { limit.append("rate=\(v)k") }
            if let v = r.rateAfterKiB { limit.append("rate-after=\(v)k") }
            parts.append(limit.joined(separator: ","))
        }
        if let auth { parts += auth.canonical }
        if let e = customErrors {
            parts.append("errors=" + e.codes.map(String.init).joined(separator: ",") + (e.defaultBackend == nil ? "" : "+backend"))
            if let b = e.defaultBackend, !b.host.isEmpty { parts.append("default-backend=" + b.address) }
            if let o = e.origin { parts.append("origin=\(o.namespace)/\(o.ingress)/\(o.service):\(o.port)") }
        }
        if let access {
            parts.append("deny=" + access.deny.map(\.text).joined(separator: ","))
            if let allow = access.allow { parts.append("allow=" + allow.map(\.text).joined(separator: ",")) }
        }
        if let u = upstream {
            func onOff(_ b: Bool) -> String { b ? "on" : "off" }
            if let v = u.buffering { parts.append("buffering=" + onOff(v)) }
            if let v = u.buffers { parts.append("buffers=\(v.count)x\(v.size)") }
            if let v = u.requestBuffering { parts.append("request-buffering=" + onOff(v)) }
            if let v = u.httpVersion { parts.append("http=" + v) }
            if let v = u.nextUpstream { parts.append("next=" + v.joined(separator: ",")) }
            if let v = u.nextUpstreamTries { parts.append("tries=\(v)") }
            if let v = u.nextUpstreamTimeoutSeconds { parts.append("next-timeout=\(v)") }
            if let v = u.host { parts.append("host=" + v) }
            if let v = u.forwardedPrefix { parts.append("prefix=" + v) }
            if u.accessLogOff { parts.append("no-access-log") }
            if let v = u.backendProtocol { parts.append("protocol=" + v.rawValue) }
            if let v = u.ssl { parts.append(v.canonical) }
        }
        return parts.joined(separator: ";")
    }
}

/// A one-entry memo: what was made for the last key, made again only for another. A host's routes
/// mostly come from one Ingress in a row, so they share its settings, policy and name.
struct LastValue<Key: Equatable, Value> {
    private var last: (key: Key, value: Value)?

    mutating func value(for key: Key, _ make: () -> Value) -> Value {
        if let last, last.key == key { return last.value }
        let value = make()
        last = (key, value)
        return value
    }
}
