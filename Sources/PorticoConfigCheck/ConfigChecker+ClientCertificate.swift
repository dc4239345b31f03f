import PorticoRouting

/// A host with client certificates, as its own server must serve it.
package struct PredictedClientCertificate: Sendable, Equatable {
    package var required: ClientCertificate
    /// `server_name`: the host, then its served aliases.
    package var names: [String]
    /// Some route of the host asks an auth service; some also redirects to sign in.
    package var externalAuth: Bool
    package var signin: Bool

    init(_ vhost: VirtualHost, required: ClientCertificate, aliases: [String]) {
        self.required = required
        names = [vhost.host.name] + aliases
        var external = false, signin = false
        for l in vhost.locations {
            guard case .upstream = l.backend, let auth = l.options.auth?.external else { continue }
            external = true
            signin = signin || auth.signin != nil
        }
        externalAuth = external
        self.signin = signin
    }
}

/// Client certificates (`auth-tls-secret`): each such host has a server of its own, with exactly
/// its names, authorities and verification, the http context's headers and the ssl-client-* ones,
/// the host's routes as the main server would have had them, the named locations those routes
/// hand over to (each the main server's, plus the headers), and nothing else; in the main server
/// the host's location only redirects plain HTTP or refuses it.
extension CheckRun {
    static let clientCertificateHeaders = [
        "ssl-client-verify $ssl_client_verify", "ssl-client-subject-dn $ssl_client_s_dn", "ssl-client-issuer-dn $ssl_client_i_dn",
    ]
    static let passedCertificateHeader = "ssl-client-cert $ssl_client_escaped_cert"
    /// The http context's headers, in the template's order: a server's own replace them all.
    static let serverHeaders = [
        "Host $portico_host", "X-Forwarded-For $proxy_add_x_forwarded_for", "X-Forwarded-Proto $scheme", "X-Forwarded-Host $portico_host",
        "X-Real-IP $remote_addr", "Upgrade $http_upgrade", "Connection $portico_connection",
    ]

    func clientCertificateHeaderLines(_ module: String, _ required: ClientCertificate) -> [String] {
        (Self.clientCertificateHeaders + (required.passCertificate ? [Self.passedCertificateHeader] : [])).map { "\(module)_set_header \($0)" }
    }

    /// The main server's location for a host with client certificates: a redirect of plain HTTP,
    /// then 403.
    mutating func checkClientCertificateStub(_ location: ConfigDirective, key: String) {
        let lines = location.children.map(\.description)
        let redirect = location.children.first?.children.map(\.description)
        if lines != [Allowlist.redirectCondition, "return 403"] || redirect != [Allowlist.redirect] {
            fail(location, "host \(key) has client certificates: the main server must only redirect plain HTTP or answer 403, not \(lines)")
        }
    }

    /// The servers other than the main one and the status server: one per host with client
    /// certificates.
    mutating func checkClientCertificateServers(_ servers: [ConfigDirective]) {
        var seen = Set<String>()
        for server in servers {
            let names = server.children.filter { $0.name == "server_name" }.map(args)
            guard names.count == 1, let key = names[0].first, let expected = prediction.clientCertificates[key] else {
                fail(server, "a server for \(names), which is no host with client certificates")
                continue
            }
            if !seen.insert(key).inserted { fail(server, "two servers for host \(key)") }
            checkClientCertificateServer(server, key: key, expected)
        }
        let missing = Set(prediction.clientCertificates.keys).subtracting(seen)
        if !missing.isEmpty { fail(nil, "no server of their own for the hosts with client certificates \(missing.sorted())") }
    }

    mutating func checkClientCertificateServer(_ server: ConfigDirective, key: String, _ expected: PredictedClientCertificate) {
        let required = expected.required
        guard let host = prediction.hosts[key] else { return }
        let external = expected.externalAuth, signin = expected.signin
        var lines = prediction.listen.filter { $0.contains("ssl") }.map { ($0.filter { $0 != "default_server" }).joined(separator: " ") }
            .map { "listen " + $0 }
        lines += [
            "ssl_certificate $portico_cert", "ssl_certificate_key $portico_cert", "server_name " + expected.names.joined(separator: " "),
            "ssl_client_certificate " + required.authorities, "ssl_verify_client " + required.verification.rawValue,
            "ssl_verify_depth \(required.depth)",
        ]
        if let page = required.errorPage { lines.append("error_page 495 496 = \"\(page)\"") }
        lines += Self.serverHeaders.map { "proxy_set_header " + prediction.global.header($0) } + clientCertificateHeaderLines("proxy", required)
        lines += [external ? Allowlist.authRewrite : Allowlist.plainRewrite, "uninitialized_variable_warn off"]
        let simple = server.children.filter { $0.block == nil }.map(\.description)
        if simple != lines { fail(server, "the server of host \(key) says \(simple), expected \(lines)") }

        var named = Set<String>(), handedOver = Set<String>(), hostFound = false
        for location in server.children where location.block != nil {
            let a = args(location)
            guard location.name == "location" else {
                fail(location, "block \(ConfigTree.quote(location.description)) is not allowed in a host's own server")
                continue
            }
            switch a {
            case ["/"]:
                if location.children.map(\.description) != ["return 404"] { fail(location, "location / must only return 404") }
            case ["/" + key + "/"]:
                if hostFound { fail(location, "two locations for host \(key)") }
                hostFound = true
                checkHost(location, key: key, host)
                handedOver = Self.handOvers(location)
            case ["=", "//portico-auth"]:
                if !external { fail(location, "an auth location, and no route of host \(key) asks an auth service") }
                let headers = clientCertificateHeaderLines("proxy", required)
                let own = location.children.map(\.description).filter { !headers.contains($0) }
                let sent = location.children.map(\.description).filter { headers.contains($0) }
                if own != Allowlist.authLocation || sent != headers { fail(location, "location = //portico-auth is not \(Allowlist.authLocation) with \(headers)") }
            case ["@portico_auth_signin"]:
                if !signin { fail(location, "a sign-in location, and no route of host \(key) redirects to sign in") }
                if location.children.map(\.description) != Allowlist.signinLocation { fail(location, "location @portico_auth_signin is not \(Allowlist.signinLocation)") }
            case _ where a.count == 1 && a[0].hasPrefix("@"):
                if !named.insert(a[0]).inserted { fail(location, "\(a[0]) twice") }
                checkClientCertificateProxy(location, required)
            default:
                fail(location, "location \(a.map(ConfigTree.quote)) is not for host \(key), its named locations or /")
            }
        }
        if !hostFound { fail(server, "no location for host \(key) in its own server") }
        let missing = handedOver.subtracting(named)
        if !missing.isEmpty { fail(server, "routes of host \(key) hand over to \(missing.sorted()), which its server does not have") }
        if external != server.children.contains(where: { args($0) == ["=", "//portico-auth"] }) {
            fail(server, "the server of host \(key) \(external ? "has no" : "has an unneeded") auth location")
        }
    }

    /// A named location of a client-certificate server: the main server's of that name, plus the
    /// ssl-client-* headers when it sets headers of its own (else it inherits the server's).
    mutating func checkClientCertificateProxy(_ location: ConfigDirective, _ required: ClientCertificate) {
        let name = args(location)[0]
        let module = location.children.contains { $0.name == "grpc_pass" } ? "grpc" : "proxy"
        let headers = clientCertificateHeaderLines(module, required)
        var stripped = location
        stripped.block = location.children.filter { !headers.contains($0.description) }
        let sent = location.children.map(\.description).filter { headers.contains($0) }
        let setsHeaders = stripped.children.contains { $0.name.hasSuffix("_set_header") }
        if sent != (setsHeaders ? headers : []) {
            fail(location, "\(name) sets \(sent) of the client certificate's headers, expected \(setsHeaders ? headers : [])")
        }
        guard let main = proxies[name] else {
            fail(location, "\(name) is no named location of the main server")
            return
        }
        if proxyOptions(stripped) != main { fail(location, "\(name) proxies with other settings than the main server's") }
    }

    /// The named locations a host's routes hand requests to (`error_page 418 = @NAME`).
    static func handOvers(_ directive: ConfigDirective) -> Set<String> {
        var names = Set<String>()
        for d in directive.children {
            if d.name == "error_page", d.arguments.count == 3, d.arguments[0].value == "418" { names.insert(d.arguments[2].value) }
            if d.block != nil { names.formUnion(handOvers(d)) }
        }
        return names
    }
}
