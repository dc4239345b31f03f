import PorticoRender
import PorticoRouting

/// What a rendered config must route, derived from the routing table alone (independently of the
/// renderer's own code): per virtual host key (`_` for the catch-all), the Exact and Prefix routes
/// and what serves every other request.
package struct ConfigPrediction: Sendable, Equatable {
    package var listen: [[String]]
    package var hosts: [String: PredictedHost]
    /// Name → host key: each exact host's own name, and its `server-alias` names.
    package var exactHosts: [String: String]
    /// Suffix (`apps.example.com`) → key (`*.apps.example.com`).
    package var wildcardHosts: [String: String]
    /// Every upstream address a route may reach.
    package var upstreamAddresses: Set<String>
    package var statusPort: Int?
    package var generation: Int
    /// `resolver` arguments and the workers' `user` (nil: no `user` directive).
    package var resolvers: [String]
    package var user: String?
    /// Nil: no HTTPS listener, and nothing of HTTPS in the config.
    package var https: PredictedHTTPS?
    /// The htpasswd files the table writes: the only ones a route's basic authentication may name.
    package var authFiles: Set<String>
    /// Some route that proxies asks an auth service (`auth-url`); some also sends a refused
    /// request to sign in (`auth-signin`).
    package var externalAuth: Bool
    package var signin: Bool

    package static let catchAllKey = "_"

    package init(table: RoutingTable, options: RenderOptions) {
        func addresses(_ number: Int) -> [String] {
            let port = "\(number)"
            if let bind = options.bindAddress { return [bind.contains(":") ? "[\(bind)]:\(port)" : "\(bind):\(port)"] }
            return options.listenIPv6 ? [port, "[::]:\(port)"] : [port]
        }
        listen = addresses(options.httpPort).map { [$0, "default_server"] }
        if let httpsPort = options.httpsPort {
            listen += addresses(httpsPort).map { [$0, "ssl", "http2", "default_server"] }
            https = PredictedHTTPS(table: table, options: options, port: httpsPort)
        }
        let servesHTTPS = https != nil
        var hosts = [
            Self.catchAllKey: PredictedHost(table.catchAll.locations, fallback: table.catchAll.fallback, https: servesHTTPS)
        ]
        var exact: [String: String] = [:], wildcard: [String: String] = [:]
        // server-alias: more exact names for a host, those that are no host's and no earlier alias.
        for (vhost, aliases) in zip(table.virtualHosts, table.servedAliases) {
            for alias in aliases { exact[alias] = vhost.host.name }
            hosts[vhost.host.name] = PredictedHost(
                vhost.locations, fallback: vhost.fallback, https: servesHTTPS, hsts: vhost.tls?.certificate != nil,
                redirectsFallback: vhost.redirectsFallback)
            if vhost.host.isWildcard { wildcard[vhost.host.suffix] = vhost.host.name } else { exact[vhost.host.name] = vhost.host.name }
        }
        self.hosts = hosts
        exactHosts = exact
        wildcardHosts = wildcard
        upstreamAddresses = Set(table.upstreams.map(\.address))
        statusPort = options.statusPort
        generation = options.generation
        resolvers = options.resolvers + ["valid=10s"]
        user = options.workerUser
        authFiles = Set(table.authFiles.map(\.path))
        var external = false, signin = false
        for locations in table.virtualHosts.map(\.locations) + [table.catchAll.locations] {
            for l in locations {
                guard case .upstream = l.backend, let auth = l.options.auth?.external else { continue }
                external = true
                signin = signin || auth.signin != nil
            }
        }
        externalAuth = external
        self.signin = signin
    }
}

/// What the HTTPS part of a config must say: the fixed TLS settings, the options' values and each
/// host's certificate.
package struct PredictedHTTPS: Sendable, Equatable {
    /// The `ssl_*` directives of the http context and of the server, as `name args`.
    package var httpSettings: [String]
    package var serverSettings = ["ssl_certificate $portico_cert", "ssl_certificate_key $portico_cert"]
    /// The lines of the HTTPS maps that depend on nothing but the options, by `source result`.
    package var fixedMaps: [String: [String]]
    package var defaultCertificate: String
    /// Exact host → its certificate file, for the hosts with their own certificate.
    package var exactCertificates: [String: String] = [:]
    /// Wildcard suffix (`apps.example.com`) → its certificate file.
    package var wildcardCertificates: [String: String] = [:]
    /// The files the table writes: the only ones a host's certificate may be.
    package var certificateFiles: Set<String>

    init(table: RoutingTable, options: RenderOptions, port: Int) {
        httpSettings = [
            "ssl_protocols TLSv1.2 TLSv1.3", "ssl_ciphers " + Self.ciphers, "ssl_prefer_server_ciphers off",
            "ssl_session_cache shared:PorticoTLS:10m", "ssl_session_timeout 1d",
        ]
        if let key = options.sessionTicketKey { httpSettings.append("ssl_session_ticket_key " + key) }
        let origin = "https://$host" + (port == 443 ? "" : ":\(port)")
        fixedMaps = [
            "$host $portico_https_url": ["default \"\(origin)$portico_https_path\""],
            "$host $portico_https_url_preserved": ["default \"\(origin)$request_uri\""],
            "$scheme $portico_hsts": [#"default """#] + (options.strictTransportSecurity.map { ["https \"\($0)\""] } ?? []),
        ]
        defaultCertificate = table.defaultCertificate ?? options.defaultCertificate
        for vhost in table.virtualHosts {
            guard let file = vhost.tls?.certificate else { continue }
            if vhost.host.isWildcard { wildcardCertificates[vhost.host.suffix] = file } else { exactCertificates[vhost.host.name] = file }
        }
        certificateFiles = Set(table.certificates.map(\.path))
    }

    /// ECDHE with AES-GCM or ChaCha20-Poly1305 only: forward secrecy and AEAD for TLS 1.2.
    static let ciphers = [
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    ].joined(separator: ":")
}

/// One virtual host's routes as the Ingress specification reads them.
package struct PredictedHost: Sendable, Equatable {
    package var exact: [String: RouteBody] = [:]
    /// Prefix paths other than `/`.
    package var prefix: [String: RouteBody] = [:]
    /// On a host matched as ingress-nginx does (`PathMatch.regex`): its regexes in the order nginx
    /// must try them.
    package var regexes: [PredictedRegex] = []
    /// What serves a request no route above matches: `Prefix /`, else the default backend, else 404.
    package var otherwise: RouteBody
    /// Strict-Transport-Security on what the host's own location answers (its own certificate).
    package var hsts: Bool

    package init(
        exact: [String: RouteBody] = [:], prefix: [String: RouteBody] = [:], regexes: [PredictedRegex] = [], otherwise: RouteBody,
        hsts: Bool = false
    ) {
        self.exact = exact
        self.prefix = prefix
        self.regexes = regexes
        self.otherwise = otherwise
        self.hsts = hsts
    }

    /// Without HTTPS nothing redirects and no header names HTTPS: the settings for it are dropped.
    init(_ rules: [Location], fallback: Backend?, https: Bool, hsts: Bool = false, redirectsFallback: Bool = false) {
        // A default backend is proxied with HSTS on a host with its own certificate.
        var proxied = false
        if case .upstream? = fallback { proxied = true }
        var otherwise = RouteBody(
            backend: fallback ?? .unavailable(status: 404),
            options: ProxyOptions(redirectsToHTTPS: https && redirectsFallback, strictTransportSecurity: https && hsts && proxied))
        self.hsts = https && hsts
        for rule in rules {
            var options = rule.options
            if !https {
                options.redirectsToHTTPS = false
                options.strictTransportSecurity = false
            }
            let body = RouteBody(backend: rule.backend, options: options)
            switch rule.match {
            case .exact: exact[rule.path] = body
            case .prefix where rule.path == "/": otherwise = body
            case .prefix: prefix[rule.path] = body
            case .regex: regexes.append(PredictedRegex(path: rule.path, body: body))
            }
        }
        self.otherwise = otherwise
    }
}

/// A regex route: its regex (after `^`) and what it does.
package struct PredictedRegex: Sendable, Equatable, CustomStringConvertible {
    package var path: String
    package var body: RouteBody

    package var description: String { "~* ^\(path): \(body)" }
}

/// Where a route sends a request, with which settings. A route that answers a status has no
/// settings but the redirect to HTTPS: nginx answers before any other would apply.
package struct RouteBody: Sendable, Equatable, CustomStringConvertible {
    package var backend: Backend
    package var options: ProxyOptions

    package init(backend: Backend, options: ProxyOptions) {
        self.backend = backend
        if case .upstream = backend {
            self.options = options
        } else {
            self.options = ProxyOptions(redirectsToHTTPS: options.redirectsToHTTPS)
            self.options.preservesTrailingSlash = options.preservesTrailingSlash
        }
    }

    package var description: String {
        let redirect = options.redirectsToHTTPS ? "plain HTTP redirected, else " : ""
        var settings = options
        settings.redirectsToHTTPS = false
        switch backend {
        case .upstream(let u): return redirect + "proxy to \(u.address)\(settings.isDefault ? "" : " with \(settings)")"
        case .unavailable(let status): return redirect + "return \(status)"
        case .redirect(let status, let url): return redirect + "return \(status) \(ConfigTree.quote(url))"
        }
    }
}
