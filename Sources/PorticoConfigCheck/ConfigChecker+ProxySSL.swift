import PorticoRouting

extension Allowlist {
    /// `proxy-ssl-*` in a named location, as Router validates them: files Portico names by their
    /// content, on/off, a depth, a host name, cipher strings of OpenSSL's characters, TLS 1.2/1.3.
    static let proxySSL = patterns([
        #"^(proxy|grpc)_ssl_certificate(_key)? auth/[0-9a-f]{32}\.client\.pem$"#,
        #"^(proxy|grpc)_ssl_trusted_certificate auth/[0-9a-f]{32}\.ca\.pem$"#,
        #"^(proxy|grpc)_ssl_(verify|server_name) (on|off)$"#, #"^(proxy|grpc)_ssl_verify_depth \d{1,2}$"#,
        #"^(proxy|grpc)_ssl_name NAME$"#, #"^(proxy|grpc)_ssl_ciphers [A-Za-z0-9+!_-]{1,256}(:[A-Za-z0-9+!_-]{1,256}){0,63}$"#,
        #"^(proxy|grpc)_ssl_protocols TLSv1\.[23]( TLSv1\.3)?$"#,
    ])
}

extension ConfigPrediction {
    /// The files the table's routes present to or verify their backends with, that it writes.
    static func proxySSLFiles(_ table: RoutingTable) -> Set<String> {
        var named = Set<String>()
        for locations in table.virtualHosts.map(\.locations) + [table.catchAll.locations] {
            for l in locations {
                guard let ssl = l.options.upstream?.ssl else { continue }
                named.formUnion([ssl.certificate, ssl.authorities].compactMap { $0 })
            }
        }
        return named.intersection(table.authFiles.map(\.path))
    }
}

extension CheckRun {
    /// A named location's `proxy-ssl-*` settings read back (nil: none), checked for what the
    /// comparison with the table cannot see: the module's own directives only, over TLS only,
    /// the certificate and its key one file, files the table writes, verification only with
    /// authorities to verify with, and SNI always said (ingress-nginx's template always does).
    mutating func proxySSL(_ location: ConfigDirective, module: String, tls: Bool) -> ProxySSL? {
        let directives = location.children.filter { $0.name.hasPrefix("proxy_ssl_") || $0.name.hasPrefix("grpc_ssl_") }
        guard !directives.isEmpty else { return nil }
        if !tls { fail(location, "TLS settings for a backend reached without TLS: they have no effect") }
        var ssl = ProxySSL()
        var values: [String: String] = [:]
        for d in directives {
            let a = args(d)
            guard d.name.hasPrefix(module + "_ssl_") else {
                fail(d, "\(d.name) in a location that proxies with \(module)_pass: no effect")
                continue
            }
            guard a.count >= 1 else { continue }  // the allowlist has reported it
            values[String(d.name.dropFirst(module.count + 1))] = a.joined(separator: " ")
        }
        if values["ssl_certificate"] != values["ssl_certificate_key"] {
            fail(location, "\(module)_ssl_certificate and \(module)_ssl_certificate_key are not the same one file")
        }
        for (directive, file) in [("ssl_certificate", values["ssl_certificate"]), ("ssl_trusted_certificate", values["ssl_trusted_certificate"])] {
            if let file, !prediction.proxySSLFiles.contains(file) {
                fail(location, "\(module)_\(directive) \(file) is not a file the table writes for a backend's TLS")
            }
        }
        ssl.certificate = values["ssl_certificate"]
        ssl.authorities = values["ssl_trusted_certificate"]
        let verification = [values["ssl_verify"], values["ssl_verify_depth"]]
        if ssl.authorities == nil {
            if verification.contains(where: { $0 != nil }) { fail(location, "\(module)_ssl_verify without authorities to verify with") }
        } else if verification.contains(where: { $0 == nil }) {
            fail(location, "\(module)_ssl_trusted_certificate without \(module)_ssl_verify and \(module)_ssl_verify_depth")
        }
        ssl.verify = values["ssl_verify"] == "on"
        ssl.depth = values["ssl_verify_depth"].flatMap { Int($0) } ?? 1
        ssl.name = values["ssl_name"]
        guard let serverName = values["ssl_server_name"] else {
            fail(location, "TLS settings without \(module)_ssl_server_name")
            return ssl
        }
        ssl.serverName = serverName == "on"
        ssl.ciphers = values["ssl_ciphers"]
        ssl.protocols = values["ssl_protocols"].map { $0.split(separator: " ").map(String.init) }
        return ssl
    }
}
