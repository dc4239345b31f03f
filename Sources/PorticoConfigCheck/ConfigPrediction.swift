import PorticoRender
import PorticoRouting

/// What a rendered config must route, derived from the routing table alone (independently of the
/// renderer's own code): per virtual host key (`_` for the catch-all), the Exact and Prefix routes
/// and what serves every other request.
package struct ConfigPrediction: Sendable, Equatable {
    package var listen: [[String]]
    package var hosts: [String: PredictedHost]
    package var exactHosts: Set<String>
    /// Suffix (`apps.example.com`) → key (`*.apps.example.com`).
    package var wildcardHosts: [String: String]
    /// Every upstream address a route may reach.
    package var upstreamAddresses: Set<String>
    package var statusPort: Int?
    package var generation: Int
    /// `resolver` arguments and the workers' `user` (nil: no `user` directive).
    package var resolvers: [String]
    package var user: String?

    package static let catchAllKey = "_"

    package init(table: RoutingTable, options: RenderOptions) {
        let port = "\(options.httpPort)"
        let addresses: [String]
        if let bind = options.bindAddress {
            addresses = [bind.contains(":") ? "[\(bind)]:\(port)" : "\(bind):\(port)"]
        } else {
            addresses = options.listenIPv6 ? [port, "[::]:\(port)"] : [port]
        }
        listen = addresses.map { [$0, "default_server"] }
        var hosts = [Self.catchAllKey: PredictedHost(table.catchAll.locations, fallback: table.catchAll.fallback)]
        var exact = Set<String>(), wildcard: [String: String] = [:]
        for vhost in table.virtualHosts {
            hosts[vhost.host.name] = PredictedHost(vhost.locations, fallback: vhost.fallback)
            if vhost.host.isWildcard { wildcard[vhost.host.suffix] = vhost.host.name } else { exact.insert(vhost.host.name) }
        }
        self.hosts = hosts
        exactHosts = exact
        wildcardHosts = wildcard
        upstreamAddresses = Set(table.upstreams.map(\.address))
        statusPort = options.statusPort
        generation = options.generation
        resolvers = options.resolvers + ["valid=10s"]
        user = options.workerUser
    }
}

/// One virtual host's routes as the Ingress specification reads them.
package struct PredictedHost: Sendable, Equatable {
    package var exact: [String: RouteBody] = [:]
    /// Prefix paths other than `/`.
    package var prefix: [String: RouteBody] = [:]
    /// What serves a request no route above matches: `Prefix /`, else the default backend, else 404.
    package var otherwise: RouteBody

    package init(exact: [String: RouteBody] = [:], prefix: [String: RouteBody] = [:], otherwise: RouteBody) {
        self.exact = exact
        self.prefix = prefix
        self.otherwise = otherwise
    }

    init(_ rules: [Location], fallback: Backend?) {
        var otherwise = RouteBody(backend: fallback ?? .unavailable(status: 404), options: ProxyOptions())
        for rule in rules {
            let body = RouteBody(backend: rule.backend, options: rule.options)
            switch rule.match {
            case .exact: exact[rule.path] = body
            case .prefix where rule.path == "/": otherwise = body
            case .prefix: prefix[rule.path] = body
            }
        }
        self.otherwise = otherwise
    }
}

/// Where a route sends a request, with which settings. A route that answers a status has no
/// settings: nginx answers before any of them would apply.
package struct RouteBody: Sendable, Equatable, CustomStringConvertible {
    package var backend: Backend
    package var options: ProxyOptions

    package init(backend: Backend, options: ProxyOptions) {
        self.backend = backend
        if case .unavailable = backend { self.options = ProxyOptions() } else { self.options = options }
    }

    package var description: String {
        switch backend {
        case .upstream(let u): "proxy to \(u.address)\(options.isDefault ? "" : " with \(options)")"
        case .unavailable(let status): "return \(status)"
        }
    }
}
