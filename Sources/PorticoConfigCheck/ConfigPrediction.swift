import Foundation
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
    /// HTTPRoutes' hosts (`ConfigChecker+Gateway.swift`).
    package var gatewayHosts: [GatewayHost]
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
    /// The files `proxy-ssl-secret` Secrets became: the only ones a named location's
    /// `proxy_ssl_certificate` and `proxy_ssl_trusted_certificate` may name.
    package var proxySSLFiles: Set<String>
    /// Some route that proxies asks an auth service (`auth-url`); some also sends a refused
    /// request to sign in (`auth-signin`).
    package var externalAuth: Bool
    package var signin: Bool
    /// custom-http-errors, default-backend: the server's error locations.
    package var errorPages: PredictedErrorPages
    /// from-to-www-redirect: some name answers 308 to its host (the map that drops a slash is there).
    package var wwwRedirects: Bool
    /// The `stream {}` part (`ConfigChecker+Stream.swift`).
    package var streams: PredictedStreams
    /// Host key → its client certificates and the names its own server answers (with HTTPS).
    package var clientCertificates: [String: PredictedClientCertificate] = [:]
    /// The `--configmap` ConfigMap's part of the http context (`ConfigChecker+GlobalConfig.swift`).
    package var global: PredictedGlobal

    package static let catchAllKey = "_"

    package init(table: RoutingTable, options: RenderOptions) {
        streams = PredictedStreams(table: table, options: options)
        func addresses(_ number: Int) -> [String] {
            let port = "\(number)"
            if let bind = options.bindAddress { return [bind.contains(":") ? "[\(bind)]:\(port)" : "\(bind):\(port)"] }
            return options.listenIPv6 ? [port, "[::]:\(port)"] : [port]
        }
        global = PredictedGlobal(table.global)
        let proxyProtocol = global.proxyProtocol ? ["proxy_protocol"] : []
        listen = addresses(options.httpPort).map { [$0] + proxyProtocol + ["default_server"] }
        if let httpsPort = options.httpsPort {
            if let passthrough = streams.passthrough {
                listen.append([passthrough.termination, "proxy_protocol", "ssl", "http2", "default_server"])
            } else {
                listen += addresses(httpsPort).map { [$0] + proxyProtocol + ["ssl", "http2", "default_server"] }
            }
            https = PredictedHTTPS(table: table, options: options, port: httpsPort)
        }
        let servesHTTPS = https != nil
        var hosts = [
            Self.catchAllKey: PredictedHost(table.catchAll.locations, fallback: table.catchAll.fallback, https: servesHTTPS)
        ]
        var exact: [String: String] = [:], wildcard: [String: String] = [:]
        // server-alias: more exact names for a host, those that are no host's and no earlier alias.
        // from-to-www-redirect: the other name is a key of its own, whose location only redirects.
        let www = table.servedWWWRedirects
        wwwRedirects = www.contains { $0 != nil }
        for (vhost, from) in zip(table.virtualHosts, www) {
            guard let from else { continue }
            exact[from] = from
            hosts[from] = PredictedHost(
                [], fallback: .redirect(status: 308, url: "$scheme://\(vhost.host.name):$server_port$portico_www_path"), https: servesHTTPS)
        }
        for (vhost, aliases) in zip(table.virtualHosts, table.servedAliases) {
            for alias in aliases { exact[alias] = vhost.host.name }
            if servesHTTPS, let required = vhost.clientCertificate { 
                clientCertificates[vhost.host.name] = PredictedClientCertificate(vhost, required: required, aliases: aliases)
            }
            hosts[vhost.host.name] = PredictedHost(
                vhost.locations, fallback: vhost.fallback, https: servesHTTPS, hsts: vhost.tls?.certificate != nil,
                redirectsFallback: vhost.redirectsFallback)
            if vhost.host.isWildcard { wildcard[vhost.host.suffix] = vhost.host.name } else { exact[vhost.host.name] = vhost.host.name }
        }
        self.hosts = hosts
        gatewayHosts = table.gatewayHosts
        for host in table.gatewayHosts where !host.isWildcard && host.key != Self.catchAllKey { exact[host.key] = host.mapValue }
        exactHosts = exact
        wildcardHosts = wildcard
        upstreamAddresses = Set(table.upstreams.map(\.address))
        statusPort = options.statusPort
        generation = options.generation
        resolvers = options.resolvers + ["valid=10s"]
        user = options.workerUser
        authFiles = Set(table.authFiles.map(\.path).filter { $0.hasSuffix(".htpasswd") })
        proxySSLFiles = Self.proxySSLFiles(table)
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
        errorPages = PredictedErrorPages(table)
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
    /// With HTTPS listeners on wildcard hostnames: every wildcard's `$portico_cert_exact` line (`REGEX FILE`), in order.
    package var wildcardCertificateLines: [String] = []
    /// The files the table writes: the only ones a host's certificate may be.
    package var certificateFiles: Set<String>

    init(table: RoutingTable, options: RenderOptions, port: Int) {
        httpSettings = [
            "ssl_protocols TLSv1.2 TLSv1.3", "ssl_ciphers " + Self.ciphers, "ssl_prefer_server_ciphers off",
            "ssl_session_cache shared:PorticoTLS:10m", "ssl_session_timeout 1d",
        ]
        if let key = options.sessionTicketKey { httpSettings.append("ssl_session_ticket_key " + key) }
        let origin = "https://$host" + (port == 443 ? "" : ":\(port)")
        // The ConfigMap's hsts-* when it sets any, else --hsts-*'s.
        let hsts = table.global?.setsHSTS == true ? table.global?.strictTransportSecurity : options.strictTransportSecurity
        fixedMaps = [
            "$host $portico_https_url": ["default \"\(origin)$portico_https_path\""],
            "$host $portico_https_url_preserved": ["default \"\(origin)$request_uri\""],
            "$scheme $portico_hsts": [#"default """#] + (hsts.map { ["https \"\($0)\""] } ?? []),
        ]
        defaultCertificate =
            table.gatewayCertificates.first { $0.hostname == nil }?.file ?? table.defaultCertificate ?? options.defaultCertificate
        var wildcards: [(name: String, value: String, manyLabels: Bool)] = []
        for vhost in table.virtualHosts {
            guard let file = vhost.tls?.certificate else { continue }
            if vhost.host.isWildcard {
                wildcardCertificates[vhost.host.suffix] = file
                wildcards.append((vhost.host.name, file, false))
            } else {
                exactCertificates[vhost.host.name] = file
            }
        }
        var listenerWildcards = false
        for c in table.gatewayCertificates {
            guard let name = c.hostname?.text else { continue }
            if name.hasPrefix("*.") {
                wildcards.append((name, c.file, true))
                listenerWildcards = true
            } else {
                exactCertificates[name] = c.file
            }
        }
        // Listener wildcards take one or more labels: all wildcards become regexes of the exact map, the longest suffix first.
        if listenerWildcards {
            wildcardCertificateLines = CheckRun.wildcardLines(wildcards)
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
            let body = RouteBody(rule, options: options)
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
    /// Which requests go to a canary's Service instead (only on a route to a Service).
    package var canary: PredictedCanary?

    package init(backend: Backend, options: ProxyOptions, canary: PredictedCanary? = nil) {
        self.backend = backend
        if case .upstream = backend {
            self.options = options
            self.canary = canary
        } else {
            self.options = ProxyOptions(redirectsToHTTPS: options.redirectsToHTTPS)
            self.options.preservesTrailingSlash = options.preservesTrailingSlash
            // A missing Service's default backend answers instead of its 503.
            if case .unavailable = backend, let errors = options.customErrors, errors.defaultBackend != nil {
                self.options.customErrors = CustomErrors(codes: [], defaultBackend: errors.defaultBackend, origin: errors.origin)
            }
        }
    }

    package var description: String {
        let redirect = options.redirectsToHTTPS ? "plain HTTP redirected, else " : ""
        var settings = options
        settings.redirectsToHTTPS = false
        switch backend {
        case .upstream(let u):
            return redirect + "proxy to \(u.address)\(settings.isDefault ? "" : " with \(settings)")" + (canary.map { ", canary \($0)" } ?? "")
        case .unavailable(let status): return redirect + "return \(status)"
        case .redirect(let status, let url): return redirect + "return \(status) \(ConfigTree.quote(url))"
        }
    }
}

extension RouteBody {
    /// A table's route: a canary that decides nothing per request is the Service it always picks.
    init(_ rule: Location, options: ProxyOptions) {
        guard let canary = rule.canary, case .upstream = rule.backend else {
            self.init(backend: rule.backend, options: options)
            return
        }
        let rules = canary.rules
        if rules.header == nil && rules.cookie == nil && (rules.share == 0 || rules.share == CanaryRules.wholeShare) {
            self.init(backend: rules.share == CanaryRules.wholeShare ? .upstream(canary.upstream) : rule.backend, options: options)
            return
        }
        var header: PredictedCanary.Header?
        if let h = rules.header {
            let variable = "http_" + h.name.lowercased().replacingOccurrences(of: "-", with: "_")
            switch h.match {
            case .alwaysOrNever: header = .init(variable: variable, decides: .alwaysOrNever)
            case .value(let v): header = .init(variable: variable, decides: .regex("^" + CheckRun.escaped(v) + "$"))
            case .pattern(let p): header = .init(variable: variable, decides: .regex(p))
            case .brokenPattern: header = .init(variable: variable, decides: .mainWhenPresent)
            }
        }
        self.init(
            backend: rule.backend, options: options,
            canary: PredictedCanary(canary: canary.upstream.address, header: header, cookie: rules.cookie?.lowercased(), share: rules.share))
    }
}

/// A canary's choice as nginx.conf must make it: its Service, then what its header's value, its
/// cookie (`always`/`never`) and its share of the rest (hundredths of a percent) decide.
package struct PredictedCanary: Sendable, Equatable, CustomStringConvertible {
    package var canary: String
    package var header: Header?
    /// The cookie's name, lowercase (nginx's `$cookie_` names match without case).
    package var cookie: String?
    package var share: Int

    package struct Header: Sendable, Equatable {
        /// `http_x_canary`.
        package var variable: String
        package var decides: Decision
    }

    package enum Decision: Sendable, Equatable {
        /// `always` → canary, `never` → main.
        case alwaysOrNever
        /// A match of this regex (unanchored, case-sensitive) → canary.
        case regex(String)
        /// Present (not empty) → main.
        case mainWhenPresent
    }

    package var description: String {
        var parts: [String] = []
        if let header { parts.append("$\(header.variable) \(header.decides)") }
        if let cookie { parts.append("$cookie_\(cookie) always/never") }
        parts.append("\(share)/10000")
        return "\(canary) by " + parts.joined(separator: ", then ")
    }
}
