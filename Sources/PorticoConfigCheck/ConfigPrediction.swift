import PorticoRender
import PorticoRouting

/// What the default template must produce for a routing table, derived from the table alone
/// (independently of the renderer's own code): one server per virtual host after the catch-all,
/// and in each, the nginx locations that express the Ingress path rules.
package struct ConfigPrediction: Sendable, Equatable {
    package var servers: [PredictedServer]
    /// Every upstream address a location may `set`.
    package var upstreamAddresses: Set<String>
    package var statusPort: Int?
    package var generation: Int
    /// `resolver` arguments and the workers' `user` (nil: no `user` directive).
    package var resolvers: [String]
    package var user: String?

    package init(table: RoutingTable, options: RenderOptions) {
        let port = "\(options.httpPort)"
        var addresses: [String]
        if let bind = options.bindAddress {
            addresses = [bind.contains(":") ? "[\(bind)]:\(port)" : "\(bind):\(port)"]
        } else {
            addresses = options.listenIPv6 ? [port, "[::]:\(port)"] : [port]
        }
        let listen = addresses.map { [$0] }
        var servers = [
            PredictedServer(
                listen: addresses.map { [$0, "default_server"] }, serverName: "_",
                locations: Self.locations(table.catchAll.locations, fallback: table.catchAll.fallback))
        ]
        for vhost in table.virtualHosts {
            servers.append(
                PredictedServer(
                    listen: listen, serverName: Self.serverName(vhost.host),
                    locations: Self.locations(vhost.locations, fallback: vhost.fallback)))
        }
        self.servers = servers
        upstreamAddresses = Set(table.upstreams.map(\.address))
        statusPort = options.statusPort
        generation = options.generation
        resolvers = options.resolvers + ["valid=10s"]
        user = options.workerUser
    }

    /// A wildcard host covers exactly one more label: nginx's own `*.` would cover any depth.
    static func serverName(_ host: Host) -> String {
        guard host.isWildcard else { return host.name }
        return "~^[^.]+\\." + host.suffix.split(separator: ".", omittingEmptySubsequences: false).joined(separator: "\\.") + "$"
    }

    /// The Ingress v1 path rules as nginx locations, in nginx's order of preference, sorted as
    /// the renderer sorts them (by the path they match).
    static func locations(_ rules: [Location], fallback: Backend?) -> [PredictedLocation] {
        let exact = Set(rules.filter { $0.match == .exact }.map(\.path))
        var result: [PredictedLocation] = []
        for rule in rules {
            let body = PredictedLocation.Body(backend: rule.backend, options: rule.options)
            switch rule.match {
            case .exact:
                result.append(PredictedLocation(exact: true, path: rule.path, body: body))
            case .prefix where rule.path == "/":
                result.append(PredictedLocation(exact: false, path: "/", body: body))
            case .prefix:
                if !exact.contains(rule.path) {
                    result.append(PredictedLocation(exact: true, path: rule.path, body: body))
                }
                result.append(PredictedLocation(exact: false, path: rule.path + "/", body: body))
            }
        }
        if !rules.contains(where: { $0.match == .prefix && $0.path == "/" }) {
            let body = PredictedLocation.Body(backend: fallback ?? .unavailable(status: 404), options: ProxyOptions())
            result.append(PredictedLocation(exact: false, path: "/", body: body))
        }
        return result.sorted()
    }
}

package struct PredictedServer: Sendable, Equatable {
    /// Each `listen` directive's arguments, in order.
    package var listen: [[String]]
    package var serverName: String
    package var locations: [PredictedLocation]

    /// The server hands requests to one `@portico_proxy` when any location does.
    package var sharedProxy: Bool { locations.contains { $0.body.sharedProxy } }
}

package struct PredictedLocation: Sendable, Equatable, Comparable, CustomStringConvertible {
    package struct Body: Sendable, Equatable {
        package var backend: Backend
        package var options: ProxyOptions

        /// Proxies through the server's `@portico_proxy` unless it has settings of its own.
        package var sharedProxy: Bool {
            if case .upstream = backend { return options.isDefault }
            return false
        }
    }

    package var exact: Bool
    package var path: String
    package var body: Body

    package var description: String {
        let target: String
        switch body.backend {
        case .upstream(let u): target = u.address + (body.sharedProxy ? " via @portico_proxy" : " proxied here")
        case .unavailable(let status): target = "return \(status)"
        }
        return "location \(exact ? "= " : "")\(path) -> \(target)"
    }

    /// The renderer's order: by path; `= /a` before `/a/...`, and the catch-all `/` last when it
    /// is the fallback. Equal paths cannot happen (one is exact, the other ends in `/`).
    package static func < (a: PredictedLocation, b: PredictedLocation) -> Bool {
        func key(_ l: PredictedLocation) -> [UInt32] {
            if !l.exact && l.path == "/" { return [0x2F, 1] }
            return l.path.unicodeScalars.map(\.value) + [l.exact ? 0 : 1]
        }
        return key(a).lexicographicallyPrecedes(key(b))
    }
}
