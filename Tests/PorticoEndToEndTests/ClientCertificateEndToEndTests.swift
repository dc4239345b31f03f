import Foundation
import PorticoConfigCheck
import PorticoModel
import PorticoRender
import PorticoRouting
import PorticoTLS
import TestSupport
import Testing

/// Client certificates (`auth-tls-*`) on real nginx with curl as the client: each host with them
/// gets a server of its own with its own authorities; a certificate another host's authorities
/// issued is refused, so is a handshake for another host (421) and one without SNI, and the
/// backend hears what the certificate says.
@Suite("End to end: client certificates")
struct ClientCertificateEndToEndTests {
    static func caSecret(_ name: String, _ ca: URL) throws -> Secret {
        Secret(metadata: ObjectMeta(name: name, namespace: "default"), data: ["ca.crt": try Data(contentsOf: ca).base64EncodedString()])
    }

    static func ingress(_ name: String, host: String, port: Int, annotations: [String: String] = [:]) -> Ingress {
        Ingress(
            metadata: ObjectMeta(name: name, namespace: "default", annotations: annotations),
            spec: IngressSpec(rules: [
                IngressRule(host: host, paths: [HTTPIngressPath(path: "/", pathType: "Prefix", backend: .service("web", port: .init(number: port)))])
            ]))
    }

    /// curl over HTTPS to `url` (its host resolved to 127.0.0.1) with `arguments`: the status and
    /// the echo backend's JSON, when it answered.
    static func get(_ url: String, port: Int, _ arguments: [String] = []) throws -> (status: Int, echo: [String: Any]?) {
        let hosts = ["a.test", "b.test", "c.test", "d.test", "e.test"].flatMap { ["--resolve", "\($0):\(port):127.0.0.1"] }
        let result = try runCommand("curl", ["-sS", "-k", "--max-time", "10", "-w", "\n%{http_code}"] + hosts + arguments + [url], timeout: 20)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.last ?? "") ?? 0
        let body = lines.dropLast().joined(separator: "\n")
        let echo = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
        return (status, echo)
    }

    static func header(_ echo: [String: Any]?, _ name: String) -> String? {
        (echo?["headers"] as? [String: Any])?[name] as? String
    }

    @Test func eachHostVerifiesAgainstItsOwnAuthorities() throws {
        let backendPort = try Ports.free(), httpPort = try Ports.free(), httpsPort = try Ports.free()
        let backend = try EchoBackend(name: "web", address: "127.0.0.2", port: backendPort)
        defer { backend.stop() }
        let dns = try DNSServer(["web.default.svc.cluster.local": backend.address])
        defer { dns.stop() }
        let pki = try TemporaryDirectory()
        // Two authorities with the same name: only the signature tells their certificates apart.
        let first = try TestCertificates.generate(in: pki.file("a"), clientCommonName: "alice")
        let second = try TestCertificates.generate(in: pki.file("b"), clientCommonName: "mallory")

        let state = ClusterState(
            ingresses: [
                Self.ingress(
                    "a", host: "a.test", port: backendPort,
                    annotations: [
                        "nginx.ingress.kubernetes.io/auth-tls-secret": "default/ca-a",
                        "nginx.ingress.kubernetes.io/auth-tls-pass-certificate-to-upstream": "true",
                    ]),
                Self.ingress(
                    "b", host: "b.test", port: backendPort,
                    annotations: ["nginx.ingress.kubernetes.io/auth-tls-secret": "ca-b", "portico.io/auth-tls-verify-client": "optional"]),
                Self.ingress("c", host: "c.test", port: backendPort),
                Self.ingress("d", host: "d.test", port: backendPort, annotations: ["nginx.ingress.kubernetes.io/auth-tls-secret": "missing"]),
                Self.ingress(
                    "e", host: "e.test", port: backendPort,
                    annotations: ["nginx.ingress.kubernetes.io/auth-tls-secret": "ca-a", "nginx.ingress.kubernetes.io/auth-tls-error-page": "https://login.example/cert?from=e"]),
            ],
            services: [Service(metadata: ObjectMeta(name: "web", namespace: "default"), spec: ServiceSpec(ports: [ServicePort(port: backendPort)]))],
            secrets: [try Self.caSecret("ca-a", first.caCertificate), try Self.caSecret("ca-b", second.caCertificate)])
        let table = Router(options: RoutingOptions(servesHTTPS: true)).route(state)
        #expect(table.diagnostics.map(\.code) == [.authUnavailable], "\(table.diagnostics)")
        #expect(table.virtualHosts.map { $0.clientCertificate?.verification } == [.on, .optional, nil, nil, .on])
        let options = RenderOptions(httpPort: httpPort, bindAddress: "127.0.0.1", resolvers: [dns.resolverAddress], httpsPort: httpsPort)
        let config = try ConfigRenderer().render(table, options: options)
        #expect(ConfigChecker().check(config, table: table, options: options) == [])

        let nginx = try Nginx(config: config)
        defer { nginx.stop() }
        try FileManager.default.createDirectory(at: nginx.directory.file("auth"), withIntermediateDirectories: true)
        #expect(table.authFiles.count == 2)  // e.test shares a.test's authorities: one file
        for file in table.authFiles { try Data(file.content.utf8).write(to: nginx.directory.file(file.path)) }
        let fallback = try SelfSignedCertificate.generate(commonName: "portico-default", now: Date())
        try FileManager.default.createDirectory(at: nginx.directory.file("tls"), withIntermediateDirectories: true)
        try Data(fallback.pem.utf8).write(to: nginx.directory.file(options.defaultCertificate))
        try nginx.test()
        try nginx.start(waitingFor: [httpPort, httpsPort])

        let alice = ["--cert", first.clientCertificate.path, "--key", first.clientKey.path]
        let mallory = ["--cert", second.clientCertificate.path, "--key", second.clientKey.path]
        let a = "https://a.test:\(httpsPort)/x"
        // a.test: its own authority's certificate passes, with the headers ingress-nginx sends.
        let admitted = try Self.get(a, port: httpsPort, alice)
        #expect(admitted.status == 200, "\(nginx.errorLog)")
        #expect(Self.header(admitted.echo, "ssl-client-verify") == "SUCCESS")
        #expect(Self.header(admitted.echo, "ssl-client-subject-dn")?.contains("CN=alice") == true, "\(admitted.echo ?? [:])")
        #expect(Self.header(admitted.echo, "ssl-client-issuer-dn") == "CN=portico-test-ca")
        let passed = try #require(Self.header(admitted.echo, "ssl-client-cert"))
        let pem = try String(contentsOf: first.clientCertificate, encoding: .utf8)
        #expect(passed.hasPrefix("-----BEGIN%20CERTIFICATE-----%0A"), "\(passed.prefix(40))")
        #expect(passed.removingPercentEncoding?.trimmingCharacters(in: .whitespacesAndNewlines) == pem.trimmingCharacters(in: .whitespacesAndNewlines))
        // No certificate, or one of another authority (with the same issuer name): 400.
        #expect(try Self.get(a, port: httpsPort).status == 400)
        #expect(try Self.get(a, port: httpsPort, mallory).status == 400)
        // A handshake for another host with client certificates, then a request for a.test: 421,
        // whatever the certificate; after one for a host without (which asks for none): 400.
        for (sni, certificate, status) in [("b.test", mallory, 421), ("b.test", alice, 421), ("c.test", alice, 400), ("unknown.test", alice, 400)] {
            let crossed = try Self.get("https://\(sni):\(httpsPort)/x", port: httpsPort, certificate + ["--resolve", "unknown.test:\(httpsPort):127.0.0.1", "-H", "Host: a.test"])
            #expect(crossed.status == status, "SNI \(sni), Host a.test")
        }
        // No SNI: the handshake asks for no certificate, and a.test's server refuses the request.
        #expect(try Self.get("https://127.0.0.1:\(httpsPort)/x", port: httpsPort, alice + ["-H", "Host: a.test"]).status == 400)
        // Plain HTTP never reaches a.test's routes: redirected to HTTPS.
        let plain = try HTTPProbe.request(port: httpPort, host: "a.test", method: "GET", target: "/x", headers: [("ssl-client-verify", "SUCCESS")], body: nil)
        #expect(plain.status == 308 && plain.backend == nil && plain.header("Location") == "https://a.test:\(httpsPort)/x")

        // b.test (optional): no certificate passes and says so; one of another authority does not.
        let none = try Self.get("https://b.test:\(httpsPort)/", port: httpsPort, ["-H", "ssl-client-verify: SUCCESS"])
        #expect(none.status == 200 && Self.header(none.echo, "ssl-client-verify") == "NONE")
        #expect(Self.header(none.echo, "ssl-client-cert") == nil)
        #expect(try Self.get("https://b.test:\(httpsPort)/", port: httpsPort, alice).status == 400)
        #expect(try Self.get("https://b.test:\(httpsPort)/", port: httpsPort, mallory).status == 200)
        // c.test needs nothing, whichever handshake came first; d.test's Secret is missing: 503.
        #expect(try Self.get("https://a.test:\(httpsPort)/", port: httpsPort, alice + ["-H", "Host: c.test"]).status == 200)
        #expect(try Self.get("https://c.test:\(httpsPort)/", port: httpsPort).status == 200)
        #expect(try Self.get("https://d.test:\(httpsPort)/", port: httpsPort).status == 503)
        // e.test's error page: a request without a valid certificate is sent there (302).
        for certificate in [[], mallory] {
            let refused = try runCommand(
                "curl", ["-sS", "-k", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "--resolve", "e.test:\(httpsPort):127.0.0.1"]
                    + certificate + ["https://e.test:\(httpsPort)/x"], timeout: 20)
            #expect(refused.stdout == "302 https://login.example/cert?from=e", "\(refused.stdout)")
        }
        #expect(try Self.get("https://e.test:\(httpsPort)/x", port: httpsPort, alice).status == 200)
    }
}
