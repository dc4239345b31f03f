import Foundation
import PorticoConfigCheck
import PorticoModel
import PorticoRender
import PorticoRouting
import PorticoTLS
import Testing

/// `proxy-ssl-*`, read back by the checker: each named location presents and verifies exactly
/// what its routes' Ingress asked for, and every way of weakening or mixing that up (verification
/// off, another Ingress's authorities or certificate, a file Portico did not write, another name,
/// a route handed to another Ingress's proxy) is caught.
@Suite struct ConfigCheckerProxySSLTests {
    static func file(_ digit: Character, _ suffix: String) -> String { "auth/" + String(repeating: digit, count: 32) + suffix }
    static let aCertificate = file("a", ".client.pem"), aAuthorities = file("a", ".ca.pem")
    static let bCertificate = file("b", ".client.pem"), bAuthorities = file("b", ".ca.pem")

    static func table() -> RoutingTable {
        let web = Backend.upstream(Upstream(host: "web.default.svc.cluster.local", port: 443))
        let refA = ObjectReference(kind: "Ingress", namespace: "default", name: "a")
        let refB = ObjectReference(kind: "Ingress", namespace: "default", name: "b")
        let secret = ObjectReference(kind: "Secret", namespace: "default", name: "ssl")
        let a = ProxyOptions(
            upstream: UpstreamOptions(
                backendProtocol: .https,
                ssl: ProxySSL(
                    certificate: aCertificate, authorities: aAuthorities, verify: true, depth: 1, name: "backend.internal", serverName: true,
                    ciphers: "DEFAULT", protocols: ["TLSv1.2"])))
        let b = ProxyOptions(
            upstream: UpstreamOptions(
                backendProtocol: .grpcs,
                ssl: ProxySSL(certificate: bCertificate, authorities: bAuthorities, verify: true, depth: 2, ciphers: "HIGH:!aNULL", protocols: ["TLSv1.3"])))
        return RoutingTable(
            virtualHosts: [
                VirtualHost(host: Host("a.test")!, locations: [Location(path: "/", match: .prefix, backend: web, options: a, source: refA, field: "f")]),
                VirtualHost(host: Host("b.test")!, locations: [Location(path: "/", match: .prefix, backend: web, options: b, source: refB, field: "f")]),
            ],
            upstreams: [Upstream(host: "web.default.svc.cluster.local", port: 443)],
            authFiles: [aAuthorities, aCertificate, bAuthorities, bCertificate].map { AuthFile(path: $0, content: "x", secret: secret) })
    }

    static let options = RenderOptions(httpPort: 8080, resolvers: ["10.96.0.10"])

    static func config() throws -> String { try ConfigRenderer().render(table(), options: options) }

    static func problems(_ config: String, table: RoutingTable = table()) -> [ConfigProblem] {
        ConfigChecker().check(config, table: table, options: options)
    }

    @Test func acceptsWhatTheRendererMakes() throws {
        let config = try Self.config()
        #expect(Self.problems(config) == [], "\(config)")
        for line in [
            "proxy_ssl_certificate \(Self.aCertificate);", "proxy_ssl_certificate_key \(Self.aCertificate);",
            "proxy_ssl_trusted_certificate \(Self.aAuthorities);", "proxy_ssl_verify on;", "proxy_ssl_name backend.internal;",
            "proxy_ssl_server_name on;", "proxy_ssl_protocols TLSv1.2;", "grpc_ssl_certificate \(Self.bCertificate);",
            "grpc_ssl_verify_depth 2;", "grpc_ssl_ciphers HIGH:!aNULL;", "grpc_ssl_server_name off;",
        ] {
            #expect(config.contains(line), "\(line)")
        }
    }

    /// (what is changed, from, to): each must be caught. `from` is the first occurrence.
    static let mutations: [(String, String, String)] = [
        ("verification off where on was asked", "proxy_ssl_verify on;", "proxy_ssl_verify off;"),
        ("another Ingress's authorities", "proxy_ssl_trusted_certificate \(aAuthorities);", "proxy_ssl_trusted_certificate \(bAuthorities);"),
        ("another Ingress's certificate", "proxy_ssl_certificate \(aCertificate);\n            proxy_ssl_certificate_key \(aCertificate);",
         "proxy_ssl_certificate \(bCertificate);\n            proxy_ssl_certificate_key \(bCertificate);"),
        ("a certificate Portico did not write", "proxy_ssl_certificate \(aCertificate);\n            proxy_ssl_certificate_key \(aCertificate);",
         "proxy_ssl_certificate \(file("c", ".client.pem"));\n            proxy_ssl_certificate_key \(file("c", ".client.pem"));"),
        ("authorities Portico did not write", "proxy_ssl_trusted_certificate \(aAuthorities);", "proxy_ssl_trusted_certificate \(file("c", ".ca.pem"));"),
        ("a file outside auth/", "proxy_ssl_trusted_certificate \(aAuthorities);", "proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;"),
        ("a key of another file", "proxy_ssl_certificate_key \(aCertificate);", "proxy_ssl_certificate_key \(bCertificate);"),
        ("no authorities", "            proxy_ssl_trusted_certificate \(aAuthorities);\n", ""),
        ("no verification", "            proxy_ssl_verify on;\n", ""),
        ("a deeper chain", "proxy_ssl_verify_depth 1;", "proxy_ssl_verify_depth 9;"),
        ("another name", "proxy_ssl_name backend.internal;", "proxy_ssl_name evil.example;"),
        ("the name as a variable", "proxy_ssl_name backend.internal;", "proxy_ssl_name $http_x_name;"),
        ("no SNI", "proxy_ssl_server_name on;", "proxy_ssl_server_name off;"),
        ("no SNI line", "            proxy_ssl_server_name on;\n", ""),
        ("weaker ciphers", "proxy_ssl_ciphers DEFAULT;", "proxy_ssl_ciphers ALL:eNULL;"),
        ("other protocols", "proxy_ssl_protocols TLSv1.2;", "proxy_ssl_protocols TLSv1.2 TLSv1.3;"),
        ("no client certificate", "            proxy_ssl_certificate \(aCertificate);\n            proxy_ssl_certificate_key \(aCertificate);\n", ""),
        ("the grpc module's directive where proxy_pass proxies", "proxy_ssl_verify on;", "proxy_ssl_verify on;\n            grpc_ssl_verify off;"),
        ("the proxy module's directive where grpc_pass proxies", "grpc_ssl_verify on;", "grpc_ssl_verify on;\n            proxy_ssl_verify off;"),
        ("TLS settings over plain HTTP", "proxy_pass https://$portico_upstream$request_uri;", "proxy_pass http://$portico_upstream$request_uri;"),
    ]

    @Test(arguments: mutations.indices)
    func catchesDrift(_ i: Int) throws {
        expectCaught(Self.mutations[i], in: try Self.config()) { Self.problems($0) }
    }

    /// One Ingress's route handed to the named location of the other's certificate.
    @Test func catchesARouteHandedToAnotherIngresssProxy() throws {
        let config = try Self.config()
        let handOvers = config.split(separator: "\n").filter { $0.contains("error_page 418 = @portico_proxy") }.map(String.init)
        try #require(handOvers.count == 2 && handOvers[0] != handOvers[1])
        let swapped = try #require(mutated(config, "swap", from: handOvers[1], to: handOvers[0]))
        #expect(!Self.problems(swapped).isEmpty)
    }

    /// Through routing and rendering: two Ingresses with other client certificates never share a
    /// named location, and the config names the files only, never their content; hostile values of
    /// every setting reach neither.
    @Test func realSecretsNeverShareANamedLocationAndNeverReachTheConfig() throws {
        let now = Date()
        var secrets: [Secret] = []
        var ingresses: [Ingress] = []
        let payloads = [
            "proxy-ssl-verify": "off;\n proxy_ssl_verify off", "proxy-ssl-verify-depth": "1; proxy_ssl_verify off",
            "proxy-ssl-name": "a.test\"; proxy_ssl_verify off; #", "proxy-ssl-server-name": "on}", "proxy-ssl-ciphers": "HIGH;\nload_module /tmp/evil.so",
            "proxy-ssl-protocols": "TLSv1.2; ${pwned}",
        ]
        for name in ["a", "b"] {
            let client = try SelfSignedCertificate.generate(commonName: "client-\(name)", now: now)
            let ca = try SelfSignedCertificate.generate(commonName: "ca-\(name)", now: now)
            secrets.append(
                Secret(
                    metadata: ObjectMeta(name: name, namespace: "default"),
                    data: ["tls.crt": client.chainPEM, "tls.key": client.keyPEM, "ca.crt": "}\n# pwned\n" + ca.chainPEM].mapValues {
                        Data($0.utf8).base64EncodedString()
                    }))
            var annotations = payloads.reduce(into: [String: String]()) { $0["nginx.ingress.kubernetes.io/" + $1.key] = $1.value }
            annotations["nginx.ingress.kubernetes.io/proxy-ssl-secret"] = "default/\(name)"
            annotations["nginx.ingress.kubernetes.io/backend-protocol"] = "HTTPS"
            ingresses.append(
                Ingress(
                    metadata: ObjectMeta(name: name, namespace: "default", annotations: annotations),
                    spec: IngressSpec(rules: [
                        IngressRule(host: "\(name).test", paths: [HTTPIngressPath(path: "/", pathType: "Prefix", backend: .service("web", port: .init(number: 443)))])
                    ])))
        }
        let state = ClusterState(
            ingresses: ingresses, services: [Service(metadata: ObjectMeta(name: "web", namespace: "default"), spec: ServiceSpec(ports: [ServicePort(port: 443)]))],
            secrets: secrets)
        let table = Router(options: RoutingOptions()).route(state)
        #expect(table.diagnostics.count == 2 * payloads.count, "\(table.diagnostics)")
        #expect(table.authFiles.count == 4)
        let config = try ConfigRenderer().render(table, options: Self.options)
        #expect(Self.problems(config, table: table) == [])
        #expect(config.components(separatedBy: "proxy_ssl_certificate ").count == 3)
        for fragment in ["pwned", "load_module", "PRIVATE KEY", "BEGIN", "MII", "169.254"] { #expect(!config.contains(fragment), "\(fragment)") }
        // The invalid verify values leave ingress-nginx's default, once per named location; nothing injected one more.
        #expect(config.components(separatedBy: "proxy_ssl_verify off;").count == 3)
        for file in table.authFiles { #expect(!file.content.contains("pwned") && config.contains(file.path)) }
    }
}
