import PorticoRouting

/// The values a template sees. Documented in the README ("Writing a template"); every string is
/// an nginx token that validation has already made safe. The shape is `DataPlane`'s.
struct ConfigView: TemplateContext {
    let table: RoutingTable
    let options: RenderOptions
    let listen: String
    /// `[::]:80` when nginx listens on IPv6 too.
    let listenIPv6: String?
    let proxies: [DataPlane.Proxy]
    let proxyNames: [ProxyOptions: String]
    /// The proxies' settings and names, as the part of every host's identity they are: one
    /// fingerprint, so that comparing a host costs the same however many proxies there are (as an
    /// array it was compared whole for every host: at 10,000 Ingresses with a proxy each, 14 s).
    let proxyIdentity: ProxiesDigest
    let mapHash: (maxSize: Int, bucketSize: Int)
    /// The canary maps and each canary route's variable (`DataPlane+Canary.swift`).
    let canaries: DataPlane.Canaries
    /// Each host's identity (the catch-all's first), made once for the two lists keyed by host:
    /// a render cache keeps them with the text, one per host rather than one per list and host.
    let identities: [TemplateItemIdentity]
    /// Each virtual host's aliases as served (`RoutingTable.servedAliases`).
    let aliases: [[String]]
    /// Each virtual host's redirected www name as served (`RoutingTable.servedWWWRedirects`).
    let www: [String?]
    /// TLS passthrough, when the table passes any host through (`PassthroughView`).
    let passthrough: PassthroughView?
    /// HTTPRoutes, when the table serves any (`GatewayView`).
    let gateway: GatewayView?

    /// `keyed`: for a render with a cache (which reads each host's identity).
    init(table: RoutingTable, options: RenderOptions, keyed: Bool = false) {
        self.table = table
        self.options = options
        let addresses = options.listenAddresses
        listen = addresses[0]
        listenIPv6 = addresses.count > 1 ? addresses[1] : nil
        proxies = DataPlane.proxies(table)
        var names: [ProxyOptions: String] = [:]
        for p in proxies { names[p.options] = p.name }
        proxyNames = names
        proxyIdentity = ProxiesDigest(proxies.map { $0.name + " " + $0.canonical })
        mapHash = Self.mapHashSizes(table)
        passthrough = PassthroughView(table: table, options: options, mapHash: mapHash)
        func standard(_ key: String) -> String {
            if case .string(let s)? = GlobalConfigView.value(for: key, table.global, options: options) { return s }
            return ""
        }
        gateway = GatewayView(
            table: table,
            standardHeaders: [
                ("Host", "$portico_host"), ("X-Forwarded-For", standard("forwarded_for")), ("X-Forwarded-Proto", standard("forwarded_proto")),
                ("X-Forwarded-Host", standard("forwarded_host")), ("X-Real-IP", "$remote_addr"), ("Upgrade", "$http_upgrade"),
                ("Connection", "$portico_connection"),
            ])
        let aliases = table.servedAliases
        self.aliases = aliases
        let www = table.servedWWWRedirects
        self.www = www
        let canaries = DataPlane.canaries(table)
        self.canaries = canaries
        identities =
            keyed
            ? (0...table.virtualHosts.count).map { [proxyIdentity] in
                Self.identity($0, table, aliases: aliases, www: www, proxies: proxyIdentity, canaries: canaries)
            } : []
    }

    /// The catch-all, then one per virtual host in host order. Each host's routes are built only
    /// when the template reaches it, so rendering holds one host's views at a time.
    var hosts: TemplateList {
        let table = table, names = proxyNames, canaries = canaries, www = www
        return TemplateList(count: 1 + table.virtualHosts.count, identity: identity) { index in
            var block: DataPlane.HostBlock
            if index == 0 {
                block = DataPlane.hostBlock(
                    key: DataPlane.catchAllKey, locations: table.catchAll.locations, fallback: table.catchAll.fallback,
                    proxies: names, canaries: canaries)
            } else {
                let vhost = table.virtualHosts[index - 1]
                block = Self.hostBlock(vhost, proxies: names, canaries: canaries)
                if let required = vhost.clientCertificate { block = DataPlane.clientCertificateStub(block, required) }
            }
            let redirected = index == 0 ? nil : www[index - 1].map { (from: $0, to: table.virtualHosts[index - 1].host.name) }
            return .context(HostView(block: block, www: redirected, replaced: index == 0 && table.servesGatewayCatchAll))
        }
    }

    /// The lists keyed by host read the identities made for the render (none without a cache).
    private var identity: (@Sendable (Int) -> TemplateItemIdentity)? {
        guard !identities.isEmpty else { return nil }
        let identities = identities
        return { identities[$0] }
    }

    /// What a host's text (its block, its route map entries) is made of: the catch-all's or a
    /// virtual host's routing, the names of the proxies its routes hand requests to, and the
    /// canary variables its routes set (a name moves only when another canary's collides).
    struct HostIdentity: Equatable, Sendable {
        let locations: [Location]
        let fallback: Backend?
        let tls: HostTLS?
        let redirectsFallback: Bool
        let aliases: [String]
        let proxies: ProxiesDigest
        var canaries: [String] = []
        var www: String? = nil
        var clientCertificate: ClientCertificate? = nil
        var replaced = false
    }

    /// Two SipHash passes with different salts over the proxies' names and settings: 128 bits, so
    /// two different lists digest alike with odds of about 2^-128. Valid within one process (the
    /// hash key is per process), which is where a render cache lives.
    struct ProxiesDigest: Equatable, Sendable {
        let first: Int
        let second: Int

        init(_ proxies: [String]) {
            func pass(salt: Int) -> Int {
                var hasher = Hasher()
                hasher.combine(salt)
                hasher.combine(proxies)
                return hasher.finalize()
            }
            first = pass(salt: 0x5A)
            second = pass(salt: 0xA5)
        }
    }

    private static func identity(
        _ index: Int, _ table: RoutingTable, aliases: [[String]], www: [String?], proxies: ProxiesDigest, canaries: DataPlane.Canaries
    ) -> TemplateItemIdentity {
        func names(_ locations: [Location]) -> [String] {
            guard !canaries.isEmpty else { return [] }
            return locations.indices.compactMap { locations[$0].canary == nil ? nil : DataPlane.canaryUpstream(locations[$0], canaries) }
        }
        if index == 0 {
            return TemplateItemIdentity(
                key: DataPlane.catchAllKey,
                value: HostIdentity(
                    locations: table.catchAll.locations, fallback: table.catchAll.fallback, tls: nil, redirectsFallback: false,
                    aliases: [], proxies: proxies, canaries: names(table.catchAll.locations), replaced: table.servesGatewayCatchAll))
        }
        let vhost = table.virtualHosts[index - 1]
        return TemplateItemIdentity(
            key: vhost.host.name,
            value: HostIdentity(
                locations: vhost.locations, fallback: vhost.fallback, tls: vhost.tls, redirectsFallback: vhost.redirectsFallback,
                aliases: aliases[index - 1], proxies: proxies, canaries: names(vhost.locations), www: www[index - 1],
                clientCertificate: vhost.clientCertificate))
    }

    func value(for key: String) -> TemplateValue? {
        if let global = GlobalConfigView.value(for: key, table.global, options: options) { return global }
        switch key {
        case "hosts": return .lazyList(hosts)
        case "gateway": return gateway.map(TemplateValue.context) ?? .bool(false)
        case "servers": return .list(servers)
        case "main_server", "client_certificate_headers": return .bool(false)
        case "route_map": return .bool(needsRouteMap)
        case "canaries": return canaries.isEmpty ? .bool(false) : .context(CanariesView(canaries: canaries))
        // One for both that need more variables than nginx's default hash holds: canary maps and
        // auth-signin's escaping maps.
        case "variables_hash":
            let signin = proxies.contains { $0.options.auth?.external?.signin != nil }
            guard signin || !canaries.isEmpty else { return .bool(false) }
            return .string("\(canaries.isEmpty ? 2048 : canaries.variablesHashSize)")
        case "cors_map": return .bool(proxies.contains { $0.options.cors != nil })
        case "www_map": return .bool(www.contains { $0 != nil })
        case "error_locations":
            let locations = DataPlane.errorLocations(proxies, table)
            return locations.isEmpty ? .bool(false) : .context(ErrorLocationsView(locations: locations))
        case "external_auth": return .bool(proxies.contains { $0.options.auth?.external != nil })
        case "auth_signin": return .bool(proxies.contains { $0.options.auth?.external?.signin != nil })
        case "escape_maps": return .list(DataPlane.escapeMaps.map { .context(MapView(map: $0)) })
        case "route_map_hosts": return .lazyList(routeMapHosts)
        case "exact_hosts": return .lazyList(hostNames(wildcard: false))
        case "wildcard_hosts": return .lazyList(hostNames(wildcard: true))
        case "proxies": return .list(proxies.map { .context(ProxyView(proxy: $0)) })
        case "rate_limits": return RateLimitView.zones(proxies, table).map(TemplateValue.context) ?? .bool(false)
        case "listen": return .string(listen)
        case "listen_ipv6": return listenIPv6.map(TemplateValue.string) ?? .bool(false)
        case "worker_processes": return .string(options.workerProcesses)
        case "worker_connections": return .string("\(options.workerConnections)")
        case "user": return options.workerUser.map(TemplateValue.string) ?? .bool(false)
        case "pid": return .string("nginx.pid")
        case "error_log": return .string(options.logs == .prefixFiles ? "error.log" : "stderr")
        case "access_log": return .string(options.logs == .prefixFiles ? "access.log" : "/dev/stdout")
        case "resolvers": return .string(options.resolvers.joined(separator: " "))
        case "streams":
            return table.streams.isEmpty && passthrough == nil
                ? .bool(false) : .context(StreamView(servers: table.streams, options: options, passthrough: passthrough))
        case "stream_module":
            return (table.streams.isEmpty && passthrough == nil) || options.streamModule.isEmpty ? .bool(false) : .string(options.streamModule)
        case "passthrough": return passthrough.map(TemplateValue.context) ?? .bool(false)
        case "map_hash_max_size": return .string("\(mapHash.maxSize)")
        case "map_hash_bucket_size": return .string("\(mapHash.bucketSize)")
        case "upstreams":
            let upstreams = table.upstreams
            return .lazyList(TemplateList(count: upstreams.count) { .context(UpstreamView(upstream: upstreams[$0])) })
        case "https": return .bool(options.httpsPort != nil)
        case "listen_https":
            // With passthrough the HTTPS port is the stream block's; this server listens behind it.
            if let passthrough { return .list([.string(passthrough.termination + " proxy_protocol")]) }
            return .list(options.httpsListenAddresses.map(TemplateValue.string))
        case "https_port_suffix": return .string(options.httpsPort.map { $0 == 443 ? "" : ":\($0)" } ?? "")
        case "ticket_key": return options.sessionTicketKey.map(TemplateValue.string) ?? .bool(false)
        case "default_certificate":
            // A hostname-less HTTPS listener's certificate is the Gateway API's answer to an unknown SNI.
            let listener = table.gatewayCertificates.first { $0.hostname == nil }?.file
            return .string(listener ?? table.defaultCertificate ?? options.defaultCertificate)
        case "certificates_exact", "certificates_wildcard":
            let wildcard = key == "certificates_wildcard"
            let hosts = table.virtualHosts.filter { $0.host.isWildcard == wildcard && $0.tls?.certificate != nil }
            var lines = hosts.map { TemplateValue.context(CertificateView(name: $0.host.name, suffix: $0.host.suffix, file: $0.tls?.certificate ?? "")) }
            if !wildcard {
                for c in table.gatewayCertificates {
                    guard let name = c.hostname, !name.isWildcard else { continue }
                    lines.append(.context(CertificateView(name: name.text, suffix: name.text, file: c.file)))
                }
            }
            return .list(lines)
        case "certificates_wildcard_regex": return .list(wildcardCertificateLines.map { .context(FieldsView(fields: $0)) })
        case "status_port": return options.statusPort.map { .string("\($0)") } ?? .bool(false)
        case "generation": return .string("\(options.generation)")
        default: return nil
        }
    }

    /// With wildcard listener certificates (one or more labels): every wildcard certificate as a
    /// `$portico_cert_exact` regex, the longest suffix first (the most specific wins), the
    /// Ingresses' taking exactly one label as the parent-name map would.
    var wildcardCertificateLines: [[String: String]] {
        let listeners = table.gatewayCertificates.compactMap { c in c.hostname.flatMap { $0.isWildcard ? ($0.text, c.file) : nil } }
        guard !listeners.isEmpty else { return [] }
        let ingresses = table.virtualHosts.compactMap { v in v.host.isWildcard ? v.tls?.certificate.map { (v.host.name, $0) } : nil }
        return DataPlane.wildcardRegexLines(listeners.map { ($0.0, $0.1, true) } + ingresses.map { ($0.0, $0.1, false) })
            .map { ["regex": $0.regex, "file": $0.value] }
    }

    /// The exact or the wildcard hosts' names, for the host maps. Keyed by host like the hosts'
    /// blocks (with the same identities: a name's line is written again only when its host changed).
    func hostNames(wildcard: Bool) -> TemplateList {
        let hosts = table.virtualHosts
        let indices = hosts.indices.filter { hosts[$0].host.isWildcard == wildcard }
        let identity = identity.map { identity in { @Sendable (index: Int) in identity(indices[index] + 1) } }
        let aliases = aliases, www = www
        return TemplateList(count: indices.count, identity: identity) {
            .context(HostNameView(host: hosts[indices[$0]].host, aliases: aliases[indices[$0]], www: www[indices[$0]]))
        }
    }

    /// Whether any routes share a location (nginx refuses a map on `$portico_route` when no
    /// location regex captures it).
    var needsRouteMap: Bool {
        !DataPlane.mapEntries(key: DataPlane.catchAllKey, locations: table.catchAll.locations).isEmpty
            || table.virtualHosts.contains { !DataPlane.mapEntries(key: $0.host.name, locations: $0.locations).isEmpty }
    }

    /// The route map's entries, host by host, without building the hosts' locations.
    var routeMapHosts: TemplateList {
        let table = table, canaries = canaries
        return TemplateList(count: 1 + table.virtualHosts.count, identity: identity) { index in
            let entries =
                index == 0
                ? DataPlane.mapEntries(key: DataPlane.catchAllKey, locations: table.catchAll.locations, canaries: canaries)
                : DataPlane.mapEntries(
                    key: table.virtualHosts[index - 1].host.name, locations: table.virtualHosts[index - 1].locations, canaries: canaries)
            return .context(MapEntriesView(entries: entries))
        }
    }

    /// The sizes nginx builds the maps' hashes with. nginx looks for the smallest table in which no
    /// bucket overflows, trying every size from a guess upwards, each try hashing every key: with
    /// thousands of keys that search was a third of a reload's work. Above 10,000 (and under 100
    /// per key) nginx starts at `max_size - 1000` instead, so the first try is almost always the
    /// one: a table four times the keys, buckets that hold at least eight average keys and the
    /// longest one.
    static func mapHashSizes(_ table: RoutingTable) -> (maxSize: Int, bucketSize: Int) {
        var keys = MapKeys()
        var exact = 0, wildcard = 0, routes = 0
        // By index: copying each host and location out of its array was most of the time.
        let hosts = table.virtualHosts
        for i in hosts.indices {
            keys.add(hosts[i].host.suffix.utf8.count)
            if hosts[i].host.isWildcard { wildcard += 1 } else { exact += 1 }
            for alias in hosts[i].aliases {
                keys.add(alias.utf8.count)
                exact += 1
            }
            if hosts[i].redirectsFromToWWW {
                keys.add(hosts[i].host.name.utf8.count + 4)
                exact += 1
            }
            let name = hosts[i].host.name.utf8.count
            let locations = hosts[i].locations
            for j in locations.indices where locations[j].match == .prefix {
                let key = name + 1 + locations[j].path.utf8.count
                if key <= DataPlane.maxMapKey {
                    keys.add(key)
                    routes += 1
                }
            }
        }
        for l in table.catchAll.locations where l.match == .prefix {
            let key = 2 + l.path.utf8.count
            if key <= DataPlane.maxMapKey {
                keys.add(key)
                routes += 1
            }
        }
        return (max(11_000, 4 * max(exact, wildcard, routes)), keys.bucketSize)
    }
}

/// What nginx's hash needs to hold the map keys: each key takes a pointer, its length and its
/// bytes, rounded to a pointer; a bucket ends with one more pointer.
struct MapKeys {
    private var longest = 0
    private var total = 0
    private var count = 0

    mutating func add(_ length: Int) {
        let element = 8 + (length + 2 + 7) / 8 * 8
        longest = max(longest, element)
        total += element
        count += 1
    }

    var bucketSize: Int {
        let average = count == 0 ? 0 : (total + count - 1) / count
        let needed = 8 + max(longest, 8 * average)
        return max(128, (needed + 63) / 64 * 64)
    }
}

struct HostNameView: TemplateContext {
    let host: Host
    /// `server-alias` names, served as the host (exact hosts only).
    let aliases: [String]
    /// `from-to-www-redirect`: the name that answers 308 to the host, its own key.
    var www: String? = nil

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "name": .string(host.name)
        case "suffix": .string(host.suffix)
        case "aliases": .list(aliases.map(TemplateValue.string))
        case "www": .list(www.map { [.string($0)] } ?? [])
        default: nil
        }
    }
}

struct HostView: TemplateContext {
    let block: DataPlane.HostBlock
    /// `from-to-www-redirect`: the name redirected to this host.
    var www: (from: String, to: String)? = nil
    /// The catch-all, when HTTPRoutes for every hostname serve it instead (`GatewayView`).
    var replaced = false

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "key": .string(block.key)
        case "prefix": .string("/\(block.key)/")
        case "comment": .string(block.comment)
        case "is_catch_all": .bool(block.key == DataPlane.catchAllKey)
        case "replaced": .bool(replaced)
        case "hsts": .bool(block.hsts)
        case "www_redirect": www.map { .context(FieldsView(fields: ["from": $0.from, "to": $0.to])) } ?? .bool(false)
        case "routes":
            .list(
                block.routes.map { route in
                    .context(
                        RouteView(
                            location: route.location, comments: route.comments, action: route.action, redirect: route.redirect, rewrite: route.rewrite,
                            cors: route.cors.map { CORSView(policy: $0, originRegex: route.corsOriginRegex, value: route.corsValue) },
                            preservesSlash: route.preservesSlash, auth: route.auth, limit: route.limit, upstreamHost: route.upstreamHost,
                            errors: route.errors))
                })
        case "map_entries": .list(block.mapEntries.map { .context(MapEntryView(entry: $0)) })
        case "fallback":
            .context(
                RouteView(
                    location: "/\(block.key)/", comments: [block.fallbackComment], action: block.fallback, redirect: block.redirectsFallback,
                    preservesSlash: block.fallbackPreservesSlash))
        default: nil
        }
    }
}

/// A nested location, or (as `fallback`) what the host's own location does.
struct RouteView: TemplateContext {
    let location: String
    let comments: [String]
    let action: DataPlane.Action
    /// Plain HTTP is redirected to HTTPS before anything else.
    let redirect: Bool
    /// `rewrite` arguments (`rewrite-target`), after the redirect and before the hand-over.
    var rewrite: String? = nil
    var cors: CORSView? = nil
    var preservesSlash = false
    var auth: Authentication? = nil
    var limit: RateLimit? = nil
    var upstreamHost: String? = nil
    var errors: CustomErrors? = nil

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "location": return .string(location)
        case "upstream_vhost": return upstreamHost.map(TemplateValue.string) ?? .bool(false)
        case "errors":
            guard let errors else { return .bool(false) }
            var proxies = false
            if case .proxy = action { proxies = true }
            return .context(RouteErrorsView(errors: errors, proxies: proxies, recursive: auth?.external?.signin != nil))
        case "limit_key": return limit.map { .string($0.id) } ?? .bool(false)
        case "limit_exempt": return limit.flatMap { $0.exempt.isEmpty ? nil : .string(RateLimit.exemptionID($0.exempt)) } ?? .bool(false)
        case "auth": return auth.map { .context(AuthView(auth: $0)) } ?? .bool(false)
        case "rewrite": return rewrite.map(TemplateValue.string) ?? .bool(false)
        case "cors": return cors.map { .context($0) } ?? .bool(false)
        case "redirect": return .bool(redirect)
        case "https_url": return .string(preservesSlash ? "$portico_https_url_preserved" : "$portico_https_url")
        case "comments": return .list(comments.map(TemplateValue.string))
        case "comment": return .string(comments.joined(separator: "; "))
        case "upstream":
            if case .proxy(let upstream, _, _) = action { return .string(upstream) }
            return .bool(false)
        case "proxy":
            if case .proxy(_, let proxy, _) = action { return .string(proxy) }
            return .bool(false)
        case "body_size":
            if case .proxy(_, _, let size?) = action { return .string(size) }
            return .bool(false)
        case "status":
            if case .status(let status) = action { return .string("\(status)") }
            return .bool(false)
        case "redirect_status":
            if case .redirect(let status, _) = action { return .string("\(status)") }
            return .bool(false)
        case "redirect_url":
            if case .redirect(_, let url) = action { return .string(url) }
            return .bool(false)
        default: return nil
        }
    }
}

/// A route's CORS policy: the value it sets `$portico_cors` to (`policy`, quoted) for any origin
/// (`any_origin`) or, in an `if`, for the origins `origin_regex` (quoted) matches.
struct CORSView: TemplateContext {
    let policy: CORSPolicy
    /// `DataPlane.Route.corsOriginRegex` and `corsValue`.
    let originRegex: String?
    let value: String

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "any_origin": return .bool(policy.allowsAnyOrigin)
        case "origin_regex": return originRegex.map(TemplateValue.string) ?? .bool(false)
        case "policy": return .string(value)
        default: return nil
        }
    }
}

/// A variable a route sets and its value (`set NAME "VALUE"`).
struct CORSValueView: TemplateContext {
    let name: String
    let value: String

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "name": .string(name)
        case "value": .string(value)
        default: nil
        }
    }
}

/// The canary maps: `variables_hash_max_size` and each `map` or `split_clients` block.
struct CanariesView: TemplateContext {
    let canaries: DataPlane.Canaries

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "maps": return .list(canaries.maps.map { .context(CanaryMapView(map: $0)) })
        default: return nil
        }
    }
}

struct CanaryMapView: TemplateContext {
    let map: DataPlane.CanaryMap

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "directive": .string(map.directive)
        case "source": .string(map.source)
        case "variable": .string(map.variable)
        case "entries": .list(map.entries.map { .context(CanaryEntryView(entry: $0)) })
        default: nil
        }
    }
}

struct CanaryEntryView: TemplateContext {
    let entry: DataPlane.CanaryMap.Entry

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "key": .string(entry.key)
        case "value": .string(entry.value)
        default: nil
        }
    }
}

struct MapEntriesView: TemplateContext {
    let entries: [DataPlane.MapEntry]

    func value(for key: String) -> TemplateValue? {
        key == "map_entries" ? .list(entries.map { .context(MapEntryView(entry: $0)) }) : nil
    }
}

struct MapEntryView: TemplateContext {
    let entry: DataPlane.MapEntry

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "key": .string(entry.key)
        case "upstream": .string(entry.upstream)
        default: nil
        }
    }
}

/// A named location that proxies with one combination of settings.
struct ProxyView: TemplateContext {
    let proxy: DataPlane.Proxy

    func value(for key: String) -> TemplateValue? {
        func optional(_ v: Int?) -> TemplateValue { v.map { .string("\($0)") } ?? .bool(false) }
        let options = proxy.options
        switch key {
        case "name": return .string(proxy.name)
        case "connect_timeout": return optional(options.connectTimeoutSeconds)
        case "read_timeout": return optional(options.readTimeoutSeconds)
        case "send_timeout": return optional(options.sendTimeoutSeconds)
        case "body_size": return options.maxBodySize.map(TemplateValue.string) ?? .bool(false)
        case "hsts": return .bool(options.strictTransportSecurity)
        case "rewritten": return .bool(options.rewriteTarget != nil)
        case "cors": return .bool(options.cors != nil)
        case "rate_limit": return options.rateLimit.map { .context(RateLimitView(limit: $0)) } ?? .bool(false)
        case "access": return .list(Self.accessRules(options.access).map { .context($0) })
        case "grpc_unrewritten": return .bool(options.upstream?.backendProtocol?.isGRPC == true && options.rewriteTarget == nil)
        case "custom_errors": return options.customErrors.map { .context(ProxyErrorsView(errors: $0)) } ?? .bool(false)
        case "basic_auth": return .bool(options.auth?.basic != nil)
        case "external_auth": return .bool(options.auth?.external != nil)
        case "auth_signin": return .bool(options.auth?.external?.signin != nil)
        case "auth_cookie_always": return .bool(options.auth?.external?.alwaysSetCookie == true)
        case "auth_headers":
            let headers = options.auth?.external?.responseHeaders ?? []
            return .list(headers.enumerated().map { .context(AuthHeaderView(name: $0.element, index: $0.offset)) })
        // Authorization (not passed on) and the auth service's headers are headers of its own too.
        case "set_headers":
            return .bool((options.upstream?.setsHeaders ?? false) || options.auth?.basic != nil || !(options.auth?.external?.responseHeaders.isEmpty ?? true))
        default: return upstreamValue(for: key, options.upstream ?? UpstreamOptions())
        }
    }

    /// The settings from ingress-nginx's proxying annotations; false where nginx.conf's apply.
    func upstreamValue(for key: String, _ u: UpstreamOptions) -> TemplateValue? {
        func optional(_ v: String?) -> TemplateValue { v.map(TemplateValue.string) ?? .bool(false) }
        func onOff(_ v: Bool?) -> TemplateValue { optional(v.map { $0 ? "on" : "off" }) }
        switch key {
        case "buffering": return onOff(u.buffering)
        case "request_buffering": return onOff(u.requestBuffering)
        case "buffer_size": return optional(u.buffers?.size)
        case "buffers_number": return optional(u.buffers.map { "\($0.count)" })
        case "http_version": return optional(u.httpVersion)
        case "next_upstream": return optional(u.nextUpstream?.joined(separator: " "))
        case "next_upstream_tries": return optional(u.nextUpstreamTries.map { "\($0)" })
        case "next_upstream_timeout": return optional(u.nextUpstreamTimeoutSeconds.map { "\($0)" })
        case "access_log_off": return .bool(u.accessLogOff)
        // Any header of its own means repeating them all: one proxy_set_header drops the inherited ones.
        case "set_headers": return .bool(u.setsHeaders)
        // "": each route sets its own (`upstream-vhost`).
        case "host_header": return .string(u.host.map { $0.isEmpty ? "$portico_upstream_vhost" : "\"\($0)\"" } ?? "$portico_host")
        case "forwarded_prefix": return optional(u.forwardedPrefix)
        case "scheme": return .string(u.backendProtocol?.scheme ?? "http")
        case "grpc": return .bool(u.backendProtocol?.isGRPC == true)
        // The module whose directives apply: timeouts and headers are each module's own.
        case "module": return .string(u.backendProtocol?.isGRPC == true ? "grpc" : "proxy")
        case "proxy_ssl": return u.ssl.map { .context(ProxySSLView(ssl: $0)) } ?? .bool(false)
        default: return nil
        }
    }

    /// nginx's `deny` and `allow`, tried in order: the denylist, then the allowlist and `deny all`.
    static func accessRules(_ access: SourceAccess?) -> [AccessRuleView] {
        guard let access else { return [] }
        var rules = access.deny.map { AccessRuleView(action: "deny", source: $0.text) }
        if let allow = access.allow {
            rules += allow.map { AccessRuleView(action: "allow", source: $0.text) }
            rules.append(AccessRuleView(action: "deny", source: "all"))
        }
        return rules
    }
}

/// A host with its own certificate, for the maps that pick a handshake's certificate.
struct CertificateView: TemplateContext {
    let name: String
    let suffix: String
    let file: String

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "name": .string(name)
        case "suffix": .string(suffix)
        case "file": .string(file)
        default: nil
        }
    }
}

struct AccessRuleView: TemplateContext {
    let action: String
    let source: String

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "action": .string(action)
        case "source": .string(source)
        default: nil
        }
    }
}

struct UpstreamView: TemplateContext {
    let upstream: Upstream

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "address": .string(upstream.address)
        case "host": .string(upstream.host)
        case "port": .string("\(upstream.port)")
        default: nil
        }
    }
}

/// The values an authenticated route sets (`set NAME VALUE`, VALUE an nginx token), and whether a
/// 401 is redirected to sign in (then error pages chain: the route's 418, the named location's 401).
struct AuthView: TemplateContext {
    let auth: Authentication

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "values": .list(DataPlane.authValues(auth).map { .context(CORSValueView(name: $0.name, value: $0.value)) })
        case "signin": .bool(auth.external?.signin != nil)
        default: nil
        }
    }
}

/// One of `auth-response-headers`: its name, the variable it is kept in and the auth service's.
struct AuthHeaderView: TemplateContext {
    let name: String
    let index: Int

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "name": .string(name)
        case "variable": .string(DataPlane.authHeaderVariable(index))
        case "upstream_variable": .string(DataPlane.upstreamHeaderVariable(name))
        default: nil
        }
    }
}

/// A map whose every line is fixed: `map SOURCE RESULT { LINES }`.
struct MapView: TemplateContext {
    let map: (source: String, result: String, lines: [String])

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "source": .string(map.source)
        case "result": .string(map.result)
        case "lines": .list(map.lines.map(TemplateValue.string))
        default: nil
        }
    }
}

/// A context of a few fixed strings by name (a redirect's `from` and `to`, an error page's
/// `codes` and `target`).
struct FieldsView: TemplateContext {
    let fields: [String: String]

    func value(for key: String) -> TemplateValue? { fields[key].map(TemplateValue.string) }
}
