import PorticoRouting

/// The values a template sees. Documented in the README ("Writing a template"); every string is
/// an nginx token that validation has already made safe.
struct ConfigView: TemplateContext {
    let table: RoutingTable
    let options: RenderOptions
    let listen: String
    /// `[::]:80` when nginx listens on IPv6 too.
    let listenIPv6: String?

    init(table: RoutingTable, options: RenderOptions) {
        self.table = table
        self.options = options
        let addresses = options.listenAddresses
        listen = addresses[0]
        listenIPv6 = addresses.count > 1 ? addresses[1] : nil
    }

    /// The default server, then one per virtual host. Each is built (with its locations) only when
    /// the template reaches it, so rendering holds one server's views at a time, not every server's.
    var servers: TemplateList {
        let table = table, listen = listen, listenIPv6 = listenIPv6
        return TemplateList(count: 1 + table.virtualHosts.count) { index in
            guard index > 0 else {
                return .context(
                    ServerView(
                        listen: "\(listen) default_server", listenIPv6: listenIPv6.map { "\($0) default_server" },
                        serverName: "_", host: "",
                        locations: NginxLocations.build(table.catchAll.locations, fallback: table.catchAll.fallback)))
            }
            let vhost = table.virtualHosts[index - 1]
            return .context(
                ServerView(
                    listen: listen, listenIPv6: listenIPv6, serverName: Self.serverName(vhost.host), host: vhost.host.name,
                    locations: NginxLocations.build(vhost.locations, fallback: vhost.fallback)))
        }
    }

    /// nginx's `*.example.com` would match any depth; the Ingress specification says exactly one label.
    static func serverName(_ host: Host) -> String {
        guard host.isWildcard else { return host.name }
        return "~^[^.]+\\." + host.suffix.replacingOccurrences(".", with: "\\.") + "$"
    }

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "servers": return .lazyList(servers)
        case "worker_processes": return .string(options.workerProcesses)
        case "worker_connections": return .string("\(options.workerConnections)")
        case "user": return options.workerUser.map(TemplateValue.string) ?? .bool(false)
        case "pid": return .string("nginx.pid")
        case "error_log": return .string(options.logs == .prefixFiles ? "error.log" : "stderr")
        case "access_log": return .string(options.logs == .prefixFiles ? "access.log" : "/dev/stdout")
        case "resolvers": return .string(options.resolvers.joined(separator: " "))
        case "server_names_hash_max_size": return .string("\(serverNamesHashMaxSize)")
        case "server_names_hash_bucket_size": return .string("\(serverNamesHashBucketSize)")
        case "upstreams":
            let upstreams = table.upstreams
            return .lazyList(TemplateList(count: upstreams.count) { .context(UpstreamView(upstream: upstreams[$0])) })
        case "status_port": return options.statusPort.map { .string("\($0)") } ?? .bool(false)
        case "generation": return .string("\(options.generation)")
        default: return nil
        }
    }

    /// Big enough that nginx finds a hash for every exact name without being told by hand.
    var serverNamesHashMaxSize: Int {
        let exact = table.virtualHosts.lazy.filter { !$0.host.isWildcard }.count
        return max(512, exact * 2)
    }

    /// nginx needs a bucket to hold the longest exact name plus a pointer, rounded to a cache line;
    /// with many names, 64-byte buckets make nginx warn that it could not build an optimal hash.
    var serverNamesHashBucketSize: Int {
        let exact = table.virtualHosts.lazy.filter { !$0.host.isWildcard }
        let longest = exact.map(\.host.name.utf8.count).max() ?? 0
        var size = exact.count > 256 ? 128 : 64
        while size < longest + 16 { size *= 2 }
        return size
    }
}

struct ServerView: TemplateContext {
    let listen: String
    let listenIPv6: String?
    let serverName: String
    let host: String
    let locations: [LocationView]

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "listen": .string(listen)
        case "listen_ipv6": listenIPv6.map(TemplateValue.string) ?? .bool(false)
        case "server_name": .string(serverName)
        case "host": .string(host)
        case "is_default": .bool(host.isEmpty)
        case "shared_proxy": .bool(locations.contains(where: \.usesSharedProxy))
        case "locations": .list(locations.map { .context($0) })
        default: nil
        }
    }
}

struct LocationView: TemplateContext {
    /// The `location` directive's arguments: `= /foo`, `/foo/`, `/`.
    let location: String
    let comment: String
    let backend: Backend
    let options: ProxyOptions

    /// Proxies through the server's `@portico_proxy`; a location with its own proxy settings proxies
    /// itself, because settings apply where the proxying happens.
    var usesSharedProxy: Bool {
        if case .upstream = backend { return options.isDefault }
        return false
    }

    func value(for key: String) -> TemplateValue? {
        func optional(_ v: Int?) -> TemplateValue { v.map { .string("\($0)") } ?? .bool(false) }
        switch key {
        case "location": return .string(location)
        case "comment": return .string(comment)
        case "shared_proxy": return .bool(usesSharedProxy)
        case "upstream":
            if case .upstream(let u) = backend { return .string(u.address) }
            return .bool(false)
        case "status":
            if case .unavailable(let status) = backend { return .string("\(status)") }
            return .bool(false)
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

extension String {
    fileprivate func replacingOccurrences(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
