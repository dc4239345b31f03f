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

    init(table: RoutingTable, options: RenderOptions) {
        self.table = table
        self.options = options
        let addresses = options.listenAddresses
        listen = addresses[0]
        listenIPv6 = addresses.count > 1 ? addresses[1] : nil
        proxies = DataPlane.proxies(table)
        var names: [ProxyOptions: String] = [:]
        for p in proxies { names[p.options] = p.name }
        proxyNames = names
    }

    /// The catch-all, then one per virtual host in host order. Each host's routes are built only
    /// when the template reaches it, so rendering holds one host's views at a time.
    var hosts: TemplateList {
        let table = table, names = proxyNames
        return TemplateList(count: 1 + table.virtualHosts.count) { index in
            let block: DataPlane.HostBlock
            if index == 0 {
                block = DataPlane.hostBlock(
                    key: DataPlane.catchAllKey, locations: table.catchAll.locations, fallback: table.catchAll.fallback,
                    proxies: names)
            } else {
                let vhost = table.virtualHosts[index - 1]
                block = DataPlane.hostBlock(key: vhost.host.name, locations: vhost.locations, fallback: vhost.fallback, proxies: names)
            }
            return .context(HostView(block: block))
        }
    }

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "hosts": return .lazyList(hosts)
        case "route_map": return .bool(needsRouteMap)
        case "route_map_hosts": return .lazyList(routeMapHosts)
        case "exact_hosts":
            let hosts = table.virtualHosts.filter { !$0.host.isWildcard }
            return .lazyList(TemplateList(count: hosts.count) { .context(HostNameView(host: hosts[$0].host)) })
        case "wildcard_hosts":
            let hosts = table.virtualHosts.filter(\.host.isWildcard)
            return .lazyList(TemplateList(count: hosts.count) { .context(HostNameView(host: hosts[$0].host)) })
        case "proxies": return .list(proxies.map { .context(ProxyView(proxy: $0)) })
        case "listen": return .string(listen)
        case "listen_ipv6": return listenIPv6.map(TemplateValue.string) ?? .bool(false)
        case "worker_processes": return .string(options.workerProcesses)
        case "worker_connections": return .string("\(options.workerConnections)")
        case "user": return options.workerUser.map(TemplateValue.string) ?? .bool(false)
        case "pid": return .string("nginx.pid")
        case "error_log": return .string(options.logs == .prefixFiles ? "error.log" : "stderr")
        case "access_log": return .string(options.logs == .prefixFiles ? "access.log" : "/dev/stdout")
        case "resolvers": return .string(options.resolvers.joined(separator: " "))
        case "map_hash_max_size": return .string("\(mapHashMaxSize)")
        case "map_hash_bucket_size": return .string("\(mapHashBucketSize)")
        case "upstreams":
            let upstreams = table.upstreams
            return .lazyList(TemplateList(count: upstreams.count) { .context(UpstreamView(upstream: upstreams[$0])) })
        case "status_port": return options.statusPort.map { .string("\($0)") } ?? .bool(false)
        case "generation": return .string("\(options.generation)")
        default: return nil
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
        let table = table
        return TemplateList(count: 1 + table.virtualHosts.count) { index in
            let entries =
                index == 0
                ? DataPlane.mapEntries(key: DataPlane.catchAllKey, locations: table.catchAll.locations)
                : DataPlane.mapEntries(key: table.virtualHosts[index - 1].host.name, locations: table.virtualHosts[index - 1].locations)
            return .context(MapEntriesView(entries: entries))
        }
    }

    /// Big enough that nginx finds a hash for the largest map without being told by hand: the route
    /// map has at most one entry per path.
    var mapHashMaxSize: Int {
        let paths = table.virtualHosts.reduce(table.catchAll.locations.count) { $0 + $1.locations.count }
        return max(2048, max(paths, table.virtualHosts.count) * 2)
    }

    /// A bucket must hold the longest key (a host, or a route's /HOST/PATH) plus a pointer, rounded
    /// to a cache line; with many keys, small buckets make nginx warn that its hash is not optimal.
    var mapHashBucketSize: Int {
        var longest = 0
        for vhost in table.virtualHosts {
            longest = max(longest, vhost.host.name.utf8.count)
            for l in vhost.locations where l.match == .prefix {
                let key = vhost.host.name.utf8.count + 1 + l.path.utf8.count
                if key <= DataPlane.maxMapKey { longest = max(longest, key) }
            }
        }
        for l in table.catchAll.locations where l.match == .prefix {
            let key = 2 + l.path.utf8.count
            if key <= DataPlane.maxMapKey { longest = max(longest, key) }
        }
        var size = table.virtualHosts.count > 256 ? 128 : 64
        while size < longest + 16 { size *= 2 }
        return size
    }
}

struct HostNameView: TemplateContext {
    let host: Host

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "name": .string(host.name)
        case "suffix": .string(host.suffix)
        default: nil
        }
    }
}

struct HostView: TemplateContext {
    let block: DataPlane.HostBlock

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "key": .string(block.key)
        case "prefix": .string("/\(block.key)/")
        case "comment": .string(block.comment)
        case "is_catch_all": .bool(block.key == DataPlane.catchAllKey)
        case "routes": .list(block.routes.map { .context(RouteView(location: $0.location, comments: $0.comments, action: $0.action)) })
        case "map_entries": .list(block.mapEntries.map { .context(MapEntryView(entry: $0)) })
        case "fallback": .context(RouteView(location: "/\(block.key)/", comments: [block.fallbackComment], action: block.fallback))
        default: nil
        }
    }
}

/// A nested location, or (as `fallback`) what the host's own location does.
struct RouteView: TemplateContext {
    let location: String
    let comments: [String]
    let action: DataPlane.Action

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "location": return .string(location)
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
        default: return nil
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
        case "access": return .list(Self.accessRules(options.access).map { .context($0) })
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
