import Foundation
import PorticoConfigCheck
import PorticoModel
import PorticoRender
import PorticoRouting
import PorticoTLS
import Testing

/// The checker on a config rendered with HTTPS: it must accept what the renderer makes of a table
/// with certificates and redirects, and refuse every change of a certificate, a redirect, HSTS or a
/// TLS setting that the table did not ask for.
@Suite struct ConfigCheckerHTTPSTests {
    static let now = Date()
    static let own = Result { try SelfSignedCertificate.generate(commonName: "own.test", now: now) }
    static let wild = Result { try SelfSignedCertificate.generate(commonName: "*.wild.test", now: now) }

    static func secret(_ name: String, _ bundle: CertificateBundle) -> String {
        let crt = Data(bundle.chainPEM.utf8).base64EncodedString(), key = Data(bundle.keyPEM.utf8).base64EncodedString()
        return #"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"\#(name)","namespace":"default"},"#
            + #""type":"kubernetes.io/tls","data":{"tls.crt":"\#(crt)","tls.key":"\#(key)"}}"#
    }

    static func ingress(
        _ name: String, host: String, paths: [(String, String)], tls secret: String? = nil, annotations: [String: String] = [:]
    ) -> String {
        let paths = paths.map { path, type in
            #"{"path":"\#(path)","pathType":"\#(type)","backend":{"service":{"name":"web","port":{"number":80}}}}"#
        }
        let annotations = annotations.map { #""\#($0.key)":"\#($0.value)""# }.sorted().joined(separator: ",")
        let tls = secret.map { #","tls":[{"hosts":["\#(host)"],"secretName":"\#($0)"}]"# } ?? ""
        return #"{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"\#(name)","namespace":"default","#
            + #""creationTimestamp":"2026-01-01T00:00:00Z","annotations":{\#(annotations)}},"#
            + #""spec":{"rules":[{"host":"\#(host)","http":{"paths":[\#(paths.joined(separator: ","))]}}]\#(tls)}}"#
    }

    /// A host with its own certificate, a wildcard host with its own, a host on the default
    /// certificate with an ACME challenge and a route that is not redirected, and a host that forces
    /// the redirect without `spec.tls`.
    static func table() throws -> RoutingTable {
        try route([
            secret("own-tls", own.get()), secret("wild-tls", wild.get()),
            ingress("own", host: "own.test", paths: [("/", "Prefix"), ("/api", "Prefix"), ("/login", "Exact")], tls: "own-tls"),
            ingress("wild", host: "*.wild.test", paths: [("/", "Prefix")], tls: "wild-tls"),
            ingress(
                "plain", host: "plain.test", paths: [("/app", "Prefix"), ("/.well-known/acme-challenge/token", "Exact")],
                tls: "missing"),
            ingress("open", host: "plain.test", paths: [("/public", "Prefix")], annotations: ["nginx.ingress.kubernetes.io/ssl-redirect": "false"]),
            ingress("forced", host: "forced.test", paths: [("/x", "Prefix")], annotations: ["portico.io/force-ssl-redirect": "true"]),
        ])
    }

    /// The objects with Service default/web, routed for an HTTPS listener.
    static func route(_ objects: [String]) throws -> RoutingTable {
        let service = #"{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default"},"spec":{"ports":[{"port":80}]}}"#
        let decoded = try ManifestDecoder.decode(Data("[\(([service] + objects).joined(separator: ","))]".utf8), source: "test")
        return Router(options: RoutingOptions(servesHTTPS: true), now: now).route(ClusterState(decoded))
    }

    static let options = RenderOptions(
        httpPort: 8080, resolvers: ["10.96.0.10"], statusPort: 9000, generation: 7, httpsPort: 8443,
        sessionTicketKey: "tls/ticket.key")

    static func problems(_ config: String, _ table: RoutingTable) -> [ConfigProblem] {
        ConfigChecker().check(config, table: table, options: options)
    }

    /// Found by the fuzzer: the default backend of a host with its own certificate is proxied
    /// with HSTS from the host's own location, which is the host's setting, not a route's.
    @Test func acceptsTheDefaultBackendOfAHostWithItsOwnCertificate() throws {
        let backend = #"{"service":{"name":"web","port":{"number":80}}}"#
        let table = try Self.route([
            Self.secret("own-tls", Self.own.get()),
            #"{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"fallback","namespace":"default"},"#
                + #""spec":{"defaultBackend":\#(backend),"tls":[{"hosts":["own.test"],"secretName":"own-tls"}],"#
                + #""rules":[{"host":"own.test","http":{"paths":[{"path":"/x","pathType":"Exact","backend":\#(backend)}]}}]}}"#,
        ])
        #expect(table.virtualHosts.first?.fallback != nil && table.virtualHosts.first?.tls?.certificate != nil)
        let config = try ConfigRenderer().render(table, options: Self.options)
        #expect(ConfigChecker().check(config, table: table, options: Self.options) == [])
    }

    @Test func theTableHasWhatTheMutationsNeed() throws {
        let table = try Self.table()
        func vhost(_ name: String) -> VirtualHost? { table.virtualHosts.first { $0.host.name == name } }
        #expect(table.certificates.count == 2, "\(table.diagnostics)")
        #expect(vhost("own.test")?.tls?.certificate != nil && vhost("*.wild.test")?.tls?.certificate != nil)
        #expect(vhost("plain.test")?.tls != nil && vhost("plain.test")?.tls?.certificate == nil)
        let plain = vhost("plain.test")?.locations ?? []
        #expect(plain.map { "\($0.path) \($0.options.redirectsToHTTPS)" }.sorted() == [
            "/.well-known/acme-challenge/token false", "/app true", "/public false",
        ])
        #expect(vhost("forced.test")?.tls == nil && vhost("forced.test")?.redirectsFallback == true)
    }

    @Test func acceptsWhatTheRendererMakes() throws {
        let table = try Self.table()
        let config = try ConfigRenderer().render(table, options: Self.options)
        #expect(Self.problems(config, table) == [])
        // On port 443, without HSTS or a ticket key, and on IPv6 too.
        let other = RenderOptions(listenIPv6: true, resolvers: ["10.96.0.10"], httpsPort: 443, strictTransportSecurity: nil)
        let plain = try ConfigRenderer().render(table, options: other)
        #expect(ConfigChecker().check(plain, table: table, options: other) == [])
        #expect(plain.contains(#"default "https://$host$request_uri";"#) && plain.contains("listen [::]:443 ssl http2 default_server;"))
    }

    /// A `Prefix /` that is not redirected (`ssl-redirect: "false"`, default settings otherwise) on a
    /// host whose unmatched requests are: it serves every request of the host, so none is redirected.
    @Test func aRootRouteKeepsItsOwnRedirect() throws {
        let table = try Self.route([
            Self.ingress("tls", host: "r.test", paths: [("/api", "Prefix")], tls: "missing"),
            Self.ingress("root", host: "r.test", paths: [("/", "Prefix")], annotations: ["nginx.ingress.kubernetes.io/ssl-redirect": "false"]),
        ])
        let vhost = try #require(table.virtualHosts.first)
        #expect(vhost.redirectsFallback && vhost.locations.map(\.options.redirectsToHTTPS) == [false, true])
        let config = try ConfigRenderer().render(table, options: Self.options)
        #expect(Self.problems(config, table) == [])
    }

    /// (what is changed, from, to), `OWN` and `WILD` standing for the two certificate files: each
    /// must be caught.
    static let mutations: [(String, String, String)] = [
        ("an exact certificate pointing at another file", "own.test OWN;", "own.test WILD;"),
        ("an exact certificate pointing at /etc/shadow", "own.test OWN;", "own.test /etc/shadow;"),
        ("a wildcard certificate pointing at another file", "wild.test WILD;", "wild.test OWN;"),
        ("a certificate for a host on the default certificate", "own.test OWN;", "own.test OWN;\n        plain.test OWN;"),
        ("a certificate for a host of no Ingress", "wild.test WILD;", "wild.test WILD;\n        evil.test WILD;"),
        ("a lost certificate", "own.test OWN;", ""),
        ("a regex certificate entry", "own.test OWN;", "own.test OWN;\n        ~.* OWN;"),
        ("a changed default certificate", "default tls/default.pem;", "default tls/other.pem;"),
        ("a certificate choice that skips the exact one", "default $portico_cert_exact;", "default $portico_cert_wildcard;"),
        ("a widened SNI parent", #"$portico_sni_parent {\#n        default "";\#n        "~^[^.]+\.(.+)$" $1;"#,
         #"$portico_sni_parent {\#n        default "";\#n        "~^.+?\.(.+)$" $1;"#),
        ("HSTS on the host on the default certificate", "location /plain.test/ {", "location /plain.test/ {\n            add_header Strict-Transport-Security $portico_hsts always;"),
        ("HSTS removed from the host with its own certificate", "location /own.test/ {\n            add_header Strict-Transport-Security $portico_hsts always;", "location /own.test/ {"),
        ("HSTS on every scheme", #"https "max-age=31536000; includeSubDomains";"#, #"http "max-age=31536000; includeSubDomains";"#),
        ("a changed HSTS value", #"https "max-age=31536000; includeSubDomains";"#, #"https "max-age=1";"#),
        ("HSTS removed from a named location", "add_header Strict-Transport-Security $portico_hsts always;\n            proxy_pass", "proxy_pass"),
        ("HSTS on the default named location", "location @portico_proxy {", "location @portico_proxy {\n            add_header Strict-Transport-Security $portico_hsts always;"),
        ("another header in a named location", "add_header Strict-Transport-Security $portico_hsts always;\n            proxy_pass", "add_header X-Evil 1 always;\n            proxy_pass"),
        ("the redirect removed from a redirecting route", "location = /own.test/login {\n                if ($portico_to_https) {\n                    return 308 $portico_https_url;\n                }", "location = /own.test/login {"),
        ("the redirect removed from a host's fallback", "# no rule matched: 404\n            if ($portico_to_https) {\n                return 308 $portico_https_url;\n            }", "# no rule matched: 404"),
        ("a redirect on the ACME challenge", "location = /plain.test/.well-known/acme-challenge/token {", "location = /plain.test/.well-known/acme-challenge/token {\n                if ($portico_to_https) { return 308 $portico_https_url; }"),
        ("a redirect on the ssl-redirect=false route", #"location ~ ^/plain\.test/public(?:/|$) {"#, #"location ~ ^/plain\.test/public(?:/|$) {\#n                if ($portico_to_https) { return 308 $portico_https_url; }"#),
        ("a redirect in the catch-all", "location /_/ {", "location /_/ {\n            if ($portico_to_https) { return 308 $portico_https_url; }"),
        ("a 302 instead of 308", "return 308 $portico_https_url;", "return 302 $portico_https_url;"),
        ("a trailing slash kept where it is dropped", "return 308 $portico_https_url;", "return 308 $portico_https_url_preserved;"),
        ("a redirect path that drops more", #""~^(.*)/$" $1;"#, #""~^(.*)/.*$" $1;"#),
        ("a redirect URL without the trimmed path", "$portico_https_path\";", "/\";"),
        ("a redirect elsewhere", "return 308 $portico_https_url;", "return 308 https://evil.test;"),
        ("a redirect on another condition", "if ($portico_to_https) {", "if ($http_x_redirect) {"),
        ("a redirect if with a second directive", "return 308 $portico_https_url;", "return 308 $portico_https_url;\n                    root /etc;"),
        ("a redirect after the handover", "if ($portico_to_https) {\n                    return 308 $portico_https_url;\n                }\n                set $portico_upstream web.default.svc.cluster.local:80;", "set $portico_upstream web.default.svc.cluster.local:80;\n                if ($portico_to_https) {\n                    return 308 $portico_https_url;\n                }"),
        ("two redirects", "if ($portico_to_https) {", "if ($portico_to_https) { return 308 $portico_https_url; }\n                if ($portico_to_https) {"),
        ("a redirect target on another port", #"default "https://$host:8443$request_uri";"#, #"default "https://$host:9443$request_uri";"#),
        ("a redirect target elsewhere", #"default "https://$host:8443$request_uri";"#, #"default "https://evil.test$request_uri";"#),
        ("ACME challenges redirected", #""~^http:/\.well-known/acme-challenge/" 0;"#, ""),
        ("HTTPS redirected too", #""~^http:" 1;"#, #""~^http" 1;"#),
        ("TLSv1 allowed", "ssl_protocols TLSv1.2 TLSv1.3;", "ssl_protocols TLSv1 TLSv1.2 TLSv1.3;"),
        ("no ssl_protocols", "ssl_protocols TLSv1.2 TLSv1.3;", ""),
        ("a weak cipher", "ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:", "ssl_ciphers RC4-SHA:ECDHE-ECDSA-AES128-GCM-SHA256:"),
        ("an extra ssl_ directive", "ssl_session_timeout 1d;", "ssl_session_timeout 1d;\n    ssl_verify_client off;"),
        ("a second ssl_protocols", "ssl_session_timeout 1d;", "ssl_session_timeout 1d;\n    ssl_protocols TLSv1;"),
        ("a changed ticket key", "ssl_session_ticket_key tls/ticket.key;", "ssl_session_ticket_key /etc/shadow;"),
        ("session tickets without the key", "ssl_session_ticket_key tls/ticket.key;", ""),
        ("the https listen without ssl", "listen 8443 ssl http2 default_server;", "listen 8443 http2 default_server;"),
        ("the https listen on another port", "listen 8443 ssl http2 default_server;", "listen 9443 ssl http2 default_server;"),
        ("a second https listen", "listen 8443 ssl http2 default_server;", "listen 8443 ssl http2 default_server;\n        listen 9443 ssl default_server;"),
        ("a fixed certificate", "ssl_certificate $portico_cert;", "ssl_certificate /etc/ssl/evil.pem;"),
        ("a certificate key elsewhere", "ssl_certificate_key $portico_cert;", "ssl_certificate_key /etc/shadow;"),
        ("an ssl_ directive in the server", "ssl_certificate $portico_cert;", "ssl_certificate $portico_cert;\n        ssl_protocols TLSv1;"),
        ("a lost certificate map", "map $portico_cert_exact $portico_cert {", "map $portico_cert_exact $portico_cert_unused {"),
    ]

    @Test(arguments: mutations.indices)
    func catchesDrift(_ i: Int) throws {
        let table = try Self.table()
        let files = Dictionary(uniqueKeysWithValues: table.virtualHosts.compactMap { v in v.tls?.certificate.map { (v.host.name, $0) } })
        func resolve(_ s: String) -> String {
            s.replacingOccurrences(of: "OWN", with: files["own.test"] ?? "OWN").replacingOccurrences(of: "WILD", with: files["*.wild.test"] ?? "WILD")
        }
        let (what, from, to) = Self.mutations[i]
        let config = try ConfigRenderer().render(table, options: Self.options)
        guard let mutated = mutated(config, what, from: resolve(from), to: resolve(to)) else { return }
        #expect(!Self.problems(mutated, table).isEmpty, "\(what) was not caught")
    }

    /// Without an HTTPS port the config has nothing of HTTPS, and any of it is caught.
    @Test(arguments: [
        ("server_name _;", "listen 8443 ssl http2 default_server;\n        server_name _;"),
        ("server_name _;", "ssl_certificate $portico_cert;\n        server_name _;"),
        ("resolver_timeout 5s;", "resolver_timeout 5s;\n    ssl_protocols TLSv1.2 TLSv1.3;"),
        ("resolver_timeout 5s;", "resolver_timeout 5s;\n    map $scheme $portico_hsts { default \"\"; }"),
        ("location /a.test/ {", "location /a.test/ {\n            add_header Strict-Transport-Security $portico_hsts always;"),
        ("location = /a.test/exact {", "location = /a.test/exact {\n                if ($portico_to_https) { return 308 $portico_https_url; }"),
        ("proxy_read_timeout 30s;", "proxy_read_timeout 30s;\n            add_header Strict-Transport-Security $portico_hsts always;"),
    ])
    func catchesHTTPSWithoutAnHTTPSPort(_ mutation: (String, String)) throws {
        let config = try ConfigCheckerTests.config()
        #expect(!config.contains("ssl") && !config.contains("portico_to_https"))
        guard let r = config.range(of: mutation.0) else {
            Issue.record("\(mutation.0) is not in the config")
            return
        }
        #expect(!ConfigCheckerTests.problems(config.replacingCharacters(in: r, with: mutation.1)).isEmpty, "\(mutation.1)")
    }
}
