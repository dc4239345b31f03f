import PorticoRouting

/// Client certificates (`auth-tls-secret`) on the one-server shape. nginx asks for and verifies a
/// client certificate per `server` (`ssl_verify_client`, `ssl_client_certificate`), chosen by the
/// handshake's SNI, so a host that requires one gets a `server` of its own: `server_name` its
/// name and aliases, its authorities, and its routes with the proxies they use; the maps stay
/// shared. nginx chooses the server of a request by its Host, and answers 421 when that server
/// verifies client certificates and the handshake named another (`ngx_http_set_virtual_server`),
/// so a certificate one host's authorities issued never reaches another host, and a handshake
/// without SNI reaches the host's server without a certificate (400, or its error page). The
/// main server keeps only plain HTTP for such a host: redirected to HTTPS, else 403.
extension DataPlane {
    /// The main server's block for a host with client certificates: its route map entries stay
    /// (its own server's routes read the map), its routes go there.
    static func clientCertificateStub(_ block: HostBlock, _ required: ClientCertificate) -> HostBlock {
        HostBlock(
            key: block.key, comment: block.comment, routes: [], mapEntries: block.mapEntries, fallback: .status(403),
            fallbackComment:
                "client certificates (\(required.source) auth-tls-secret): served over HTTPS by the host's own server; "
                + "plain HTTP is redirected there, or refused",
            redirectsFallback: true)
    }

    /// The proxies a host's block hands requests to, in the order of `all`.
    static func proxies(of block: HostBlock, in all: [Proxy]) -> [Proxy] {
        var used = Set<String>()
        for action in block.routes.map(\.action) + [block.fallback] {
            if case .proxy(_, let proxy, _) = action { used.insert(proxy) }
        }
        return all.filter { used.contains($0.name) }
    }
}

/// The main server among `servers`: every value but these comes from the config's.
struct MainServerView: TemplateContext {
    func value(for key: String) -> TemplateValue? {
        switch key {
        case "main_server": .bool(true)
        case "client_certificate": .bool(false)
        default: nil
        }
    }
}

/// The server of a host with client certificates: its TLS settings, the headers its backends get
/// (`cc_*`, and `client_certificate_headers` for the proxies that set headers of their own), its
/// one host and the proxies and authentication its routes use.
struct ClientCertificateServerView: TemplateContext {
    let required: ClientCertificate
    let names: [String]
    let block: DataPlane.HostBlock
    let proxies: [DataPlane.Proxy]

    func value(for key: String) -> TemplateValue? {
        switch key {
        case "main_server": .bool(false)
        case "client_certificate", "client_certificate_headers": .context(self)
        case "cc_comment": .string("host \(names[0]): client certificates (\(required.source) auth-tls-secret, \(required.secret))")
        case "cc_server_names": .string(names.joined(separator: " "))
        case "cc_authorities": .string(required.authorities)
        case "cc_verify": .string(required.verification.rawValue)
        case "cc_depth": .string("\(required.depth)")
        case "cc_error_page": required.errorPage.map(TemplateValue.string) ?? .bool(false)
        case "cc_pass_certificate": .bool(required.passCertificate)
        case "hosts": .list([.context(HostView(block: block))])
        case "proxies": .list(proxies.map { .context(ProxyView(proxy: $0)) })
        case "external_auth": .bool(proxies.contains { $0.options.auth?.external != nil })
        case "auth_signin": .bool(proxies.contains { $0.options.auth?.external?.signin != nil })
        default: nil
        }
    }
}

extension ConfigView {
    /// The main server, then one per host with client certificates (with HTTPS: without it the
    /// main server refuses them).
    var servers: [TemplateValue] {
        var servers: [TemplateValue] = [.context(MainServerView())]
        guard options.httpsPort != nil else { return servers }
        for (i, vhost) in table.virtualHosts.enumerated() {
            guard let required = vhost.clientCertificate else { continue }
            let block = Self.hostBlock(vhost, proxies: proxyNames, canaries: canaries)
            servers.append(
                .context(
                    ClientCertificateServerView(
                        required: required, names: [vhost.host.name] + aliases[i], block: block,
                        proxies: DataPlane.proxies(of: block, in: proxies))))
        }
        return servers
    }

    /// A virtual host's block as its routes are (the main server's, unless it has client certificates).
    static func hostBlock(_ vhost: VirtualHost, proxies: [ProxyOptions: String], canaries: DataPlane.Canaries) -> DataPlane.HostBlock {
        DataPlane.hostBlock(
            key: vhost.host.name, locations: vhost.locations, fallback: vhost.fallback, proxies: proxies,
            hsts: vhost.tls?.certificate != nil, redirectsFallback: vhost.redirectsFallback, canaries: canaries)
    }
}
