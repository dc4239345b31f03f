import Foundation
import PorticoConfigCheck
import PorticoModel
import PorticoRender
import PorticoRouting
import PorticoTLS
import Testing

/// Client certificates, read back by the checker: each such host's own server is exactly what its
/// requirement says, and every way of weakening it (verification off, other authorities, another
/// host's name, a header from the client, the main server serving the host's routes) is caught.
@Suite struct ConfigCheckerClientCertificateTests {
    static let authorities = "auth/0123456789abcdef0123456789abcdef.ca.pem"

    static func table() -> RoutingTable {
        let web = Backend.upstream(Upstream(host: "web.default.svc.cluster.local", port: 80))
        let ref = ObjectReference(kind: "Ingress", namespace: "default", name: "i")
        let secret = ObjectReference(kind: "Secret", namespace: "default", name: "ca")
        let external = ExternalAuthentication(url: "http://auth.default.svc.cluster.local:80/verify", host: "auth.default.svc.cluster.local")
        let vhosted = ProxyOptions(upstream: UpstreamOptions(host: "internal.example"))
        var a = VirtualHost(
            host: Host("a.test")!,
            locations: [
                Location(path: "/", match: .prefix, backend: web, source: ref, field: "f"),
                Location(path: "/auth", match: .prefix, backend: web, options: ProxyOptions(auth: Authentication(external: external)), source: ref, field: "f"),
                Location(path: "/v", match: .exact, backend: web, options: vhosted, source: ref, field: "f"),
            ], aliases: ["alias.test"])
        a.clientCertificate = ClientCertificate(
            authorities: authorities, verification: .on, depth: 1, errorPage: "https://login.example/cert", passCertificate: true, source: ref,
            secret: secret)
        return RoutingTable(
            virtualHosts: [a, VirtualHost(host: Host("b.test")!, locations: [Location(path: "/", match: .prefix, backend: web, source: ref, field: "f")])],
            upstreams: [Upstream(host: "web.default.svc.cluster.local", port: 80)],
            authFiles: [AuthFile(path: authorities, content: "-----BEGIN CERTIFICATE-----\n", secret: secret)])
    }

    static let options = RenderOptions(httpPort: 8080, resolvers: ["10.96.0.10"], httpsPort: 8443)

    static func config() throws -> String { try ConfigRenderer().render(table(), options: options) }

    static func problems(_ config: String, table: RoutingTable = table()) -> [ConfigProblem] {
        ConfigChecker().check(config, table: table, options: options)
    }

    @Test func acceptsWhatTheRendererMakes() throws {
        let config = try Self.config()
        #expect(Self.problems(config) == [], "\(config)")
        #expect(config.contains("server_name a.test alias.test;") && config.contains("ssl_client_certificate \(Self.authorities);"))
        // Without HTTPS routing never asks for it; a table that does anyway gets the main server's 403 alone.
        let plain = RenderOptions(httpPort: 8080, resolvers: ["10.96.0.10"])
        #expect(!(try ConfigRenderer().render(Self.table(), options: plain)).contains("ssl_verify_client"))
    }

    /// (what is changed, from, to): each must be caught. `from` is the first occurrence.
    static let mutations: [(String, String, String)] = [
        ("verification off", "ssl_verify_client on;", "ssl_verify_client off;"),
        ("any authority", "ssl_verify_client on;", "ssl_verify_client optional_no_ca;"),
        ("other authorities", "ssl_client_certificate \(authorities);", "ssl_client_certificate tls/default.pem;"),
        ("a deeper chain", "ssl_verify_depth 1;", "ssl_verify_depth 9;"),
        ("no depth", "ssl_verify_depth 1;\n", ""),
        ("another error page", "error_page 495 496 = \"https://login.example/cert\";", "error_page 495 496 = \"https://evil.example/\";"),
        ("a name more", "server_name a.test alias.test;", "server_name a.test alias.test b.test;"),
        ("another host's server", "server_name a.test alias.test;", "server_name b.test;"),
        ("the main server's name", "server_name a.test alias.test;", "server_name _;"),
        ("a plain listener", "listen 8443 ssl http2;\n", "listen 8443 ssl http2;\n        listen 8080;\n"),
        ("the client's verification header", "proxy_set_header ssl-client-verify $ssl_client_verify;", "proxy_set_header ssl-client-verify $http_ssl_client_verify;"),
        ("no verification header", "        proxy_set_header ssl-client-verify $ssl_client_verify;\n", ""),
        ("no certificate passed", "        proxy_set_header ssl-client-cert $ssl_client_escaped_cert;\n", ""),
        ("a named location without the headers", "            proxy_set_header ssl-client-subject-dn $ssl_client_s_dn;\n", ""),
        ("the auth service without the headers", "            proxy_set_header ssl-client-issuer-dn $ssl_client_i_dn;\n            proxy_set_header ssl-client-cert", "            proxy_set_header ssl-client-cert"),
        ("the main server serving the host", "            # client certificates (ingress default/i auth-tls-secret)", "            set $portico_upstream web.default.svc.cluster.local:80;\n            error_page 418 = @portico_proxy;\n            # x"),
        ("the main server answering 200", "            return 403;", "            return 200;"),
        ("a host location elsewhere", "        location /a.test/ {\n            # client", "        location /b.test/ {\n            # client"),
    ]

    /// The same, in the host's own server (whose routes and named locations read as the main server's).
    static let ownServerMutations: [(String, String, String)] = [
        ("a rewrite that rewrites the auth subrequest", "rewrite ^(?!//portico-auth$) /$portico_vhost$uri break;", "rewrite ^ /$portico_vhost$uri break;"),
        ("no named location for a route", "        location @portico_proxy {\n            proxy_pass http://$portico_upstream$request_uri;\n        }\n", ""),
        ("a named location of no route", "        location @portico_proxy {\n", "        location @portico_unused {\n            return 404;\n        }\n        location @portico_proxy {\n"),
        ("a named location with other settings", "proxy_set_header Host $portico_upstream_vhost;", "proxy_set_header Host \"evil.example\";"),
        ("a route with another upstream-vhost", "set $portico_upstream_vhost \"internal.example\";", "set $portico_upstream_vhost \"evil.example\";"),
        ("a named location without the headers", "            proxy_set_header ssl-client-subject-dn $ssl_client_s_dn;\n", ""),
        ("no auth location", "        location = //portico-auth {\n            internal;\n", "        location = /portico-auth {\n            internal;\n"),
        ("the auth service without the headers", "            proxy_set_header ssl-client-verify $ssl_client_verify;\n            proxy_set_header ssl-client-subject-dn $ssl_client_s_dn;\n            proxy_set_header ssl-client-issuer-dn $ssl_client_i_dn;\n            proxy_set_header ssl-client-cert $ssl_client_escaped_cert;\n            proxy_method", "            proxy_method"),
        ("a route that skips the certificate", "            error_page 418 = @portico_proxy;", "            error_page 418 = @portico_proxy;\n            ssl_verify_client off;"),
        ("a route of another host", "        location /a.test/ {\n", "        location /b.test/ {\n            return 200;\n        }\n        location /a.test/ {\n"),
        ("a second host location", "        # Unreachable", "        location /a.test/ {\n            return 200;\n        }\n        # Unreachable"),
    ]

    @Test(arguments: mutations.indices)
    func catchesDrift(_ i: Int) throws {
        let (what, from, to) = Self.mutations[i]
        let config = try Self.config()
        guard let mutated = mutated(config, what, from: from, to: to) else { return }
        #expect(!Self.problems(mutated).isEmpty, "\(what) was not caught")
    }

    @Test(arguments: ownServerMutations.indices)
    func catchesDriftInTheHostsOwnServer(_ i: Int) throws {
        let (what, from, to) = Self.ownServerMutations[i]
        let config = try Self.config()
        let own = try #require(config.range(of: "server_name a.test alias.test;"))
        guard let tail = mutated(String(config[own.upperBound...]), what, from: from, to: to) else { return }
        #expect(!Self.problems(String(config[..<own.upperBound]) + tail).isEmpty, "\(what) was not caught")
    }

    /// Hostile values of the settings that take a default (routing serves them with HTTPS, so they
    /// are not in the hostile corpus, which serves the same without it) and a ca.crt with text
    /// around its certificate: none of it reaches nginx.conf or the authorities' file.
    @Test func hostileValuesNeverReachTheConfig() throws {
        let ca = try SelfSignedCertificate.generate(commonName: "clients", now: Date())
        let crt = "}\nssl_verify_client off;\n" + ca.chainPEM + "# pwned\nload_module /tmp/evil.so;\n"
        let payloads = [
            "auth-tls-verify-client": "off; ssl_verify_client off", "auth-tls-verify-depth": "1;\n  ssl_verify_client off;",
            "auth-tls-pass-certificate-to-upstream": "true;\nproxy_set_header pwned 1",
        ]
        let annotations = payloads.reduce(into: ["nginx.ingress.kubernetes.io/auth-tls-secret": "ca"]) { $0["nginx.ingress.kubernetes.io/" + $1.key] = $1.value }
        let state = ClusterState(
            ingresses: [
                Ingress(
                    metadata: ObjectMeta(name: "i", namespace: "default", annotations: annotations),
                    spec: IngressSpec(rules: [IngressRule(host: "a.test", paths: [HTTPIngressPath(path: "/", pathType: "Prefix", backend: .service("web", port: .init(number: 80)))])]))
            ],
            services: [Service(metadata: ObjectMeta(name: "web", namespace: "default"), spec: ServiceSpec(ports: [ServicePort(port: 80)]))],
            secrets: [Secret(metadata: ObjectMeta(name: "ca", namespace: "default"), data: ["ca.crt": Data(crt.utf8).base64EncodedString()])])
        let table = Router(options: RoutingOptions(servesHTTPS: true)).route(state)
        #expect(table.diagnostics.count == 2, "\(table.diagnostics)")  // verify-client and depth: their defaults apply
        let required = try #require(table.virtualHosts.first?.clientCertificate)
        #expect(required.verification == .on && required.depth == 1 && !required.passCertificate)
        let config = try ConfigRenderer().render(table, options: Self.options)
        #expect(Self.problems(config, table: table) == [])
        for fragment in ["pwned", "load_module", "ssl_verify_client off"] { #expect(!config.contains(fragment)) }
        #expect(table.authFiles.map(\.content) == [ca.chainPEM])
    }
}
