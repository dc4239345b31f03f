import Foundation
import PorticoConfigCheck
import PorticoModel
import PorticoRender
import PorticoRouting
import TestSupport
import Testing

/// `proxy-ssl-*` on real nginx: an HTTPS backend that requires a client certificate of its own
/// authority answers only through routes whose Secret supplies one; verification with the
/// Secret's ca.crt and proxy-ssl-name passes the right backend and refuses another authority's
/// (502); proxy-ssl-server-name sends SNI, as the backend saw it; a hostile or unusable value is
/// refused while the other Ingresses still serve.
@Suite("End to end: proxy-ssl")
struct ProxySSLEndToEndTests {
    static func secret(_ name: String, namespace: String = "default", _ files: [String: URL]) throws -> Secret {
        Secret(metadata: ObjectMeta(name: name, namespace: namespace), data: try files.mapValues { try Data(contentsOf: $0).base64EncodedString() })
    }

    static func ingress(_ name: String, service: String, port: Int, _ annotations: [String: String]) -> Ingress {
        var all = annotations.reduce(into: [String: String]()) { $0["nginx.ingress.kubernetes.io/" + $1.key] = $1.value }
        all["nginx.ingress.kubernetes.io/backend-protocol"] = "HTTPS"
        return Ingress(
            metadata: ObjectMeta(name: name, namespace: "default", annotations: all),
            spec: IngressSpec(rules: [
                IngressRule(host: "\(name).test", paths: [HTTPIngressPath(path: "/", pathType: "Prefix", backend: .service(service, port: .init(number: port)))])
            ]))
    }

    @Test func theBackendAnswersOnlyWithWhatTheSecretSupplies() throws {
        let pki = try TemporaryDirectory()
        // The backends' authority (its server certificate is for secure.internal), the authority of
        // the client certificate the backend requires, and another authority with a certificate of
        // the same name.
        let backendPKI = try TestCertificates.generate(in: pki.file("backend"), serverNames: "DNS:secure.internal")
        let clientPKI = try TestCertificates.generate(in: pki.file("client"), clientCommonName: "portico-proxy")
        let otherPKI = try TestCertificates.generate(in: pki.file("other"), serverNames: "DNS:secure.internal")

        let port = try Ports.free(), httpPort = try Ports.free()
        let mtls = try EchoBackend(
            name: "mtls", address: "127.0.0.2", port: port, tls: (backendPKI.serverCertificate, backendPKI.serverKey),
            clientAuthorities: clientPKI.caCertificate)
        defer { mtls.stop() }
        let impostor = try EchoBackend(name: "impostor", address: "127.0.0.3", port: port, tls: (otherPKI.serverCertificate, otherPKI.serverKey))
        defer { impostor.stop() }
        let dns = try DNSServer(["mtls.default.svc.cluster.local": mtls.address, "impostor.default.svc.cluster.local": impostor.address])
        defer { dns.stop() }

        let client = ["tls.crt": clientPKI.clientCertificate, "tls.key": clientPKI.clientKey]
        let verifyAs = ["proxy-ssl-secret": "default/client", "proxy-ssl-verify": "on", "proxy-ssl-name": "secure.internal"]
        let state = ClusterState(
            ingresses: [
                Self.ingress("plain", service: "mtls", port: port, [:]),
                Self.ingress("cert", service: "mtls", port: port, ["proxy-ssl-secret": "default/client-only"]),
                Self.ingress("verified", service: "mtls", port: port, verifyAs.merging(["proxy-ssl-server-name": "on"]) { a, _ in a }),
                Self.ingress("upstream-name", service: "mtls", port: port, ["proxy-ssl-secret": "default/client", "proxy-ssl-verify": "on"]),
                Self.ingress("impostor", service: "impostor", port: port, verifyAs),
                Self.ingress("sni", service: "mtls", port: port, ["proxy-ssl-secret": "default/client-only", "proxy-ssl-server-name": "on"]),
                Self.ingress("hostile", service: "mtls", port: port, ["proxy-ssl-secret": "default/client\"; proxy_ssl_verify off; #"]),
                Self.ingress("elsewhere", service: "mtls", port: port, ["proxy-ssl-secret": "shop/client"]),
                Self.ingress("unverifiable", service: "mtls", port: port, ["proxy-ssl-secret": "default/client-only", "proxy-ssl-verify": "on"]),
            ],
            services: ["mtls", "impostor"].map {
                Service(metadata: ObjectMeta(name: $0, namespace: "default"), spec: ServiceSpec(ports: [ServicePort(port: port)]))
            },
            secrets: [
                try Self.secret("client", client.merging(["ca.crt": backendPKI.caCertificate]) { a, _ in a }),
                try Self.secret("client-only", client),
                try Self.secret("client", namespace: "shop", client.merging(["ca.crt": backendPKI.caCertificate]) { a, _ in a }),
            ])
        let table = Router(options: RoutingOptions()).route(state)
        #expect(
            table.diagnostics.map { "\($0.code.rawValue) \($0.object.name)" }.sorted()
                == ["access-control-not-honoured hostile", "auth-unavailable elsewhere", "auth-unavailable unverifiable"],
            "\(table.diagnostics)")
        let options = RenderOptions(httpPort: httpPort, bindAddress: "127.0.0.1", resolvers: [dns.resolverAddress])
        let config = try ConfigRenderer().render(table, options: options)
        #expect(ConfigChecker().check(config, table: table, options: options) == [])
        #expect(!config.contains("PRIVATE KEY") && !config.contains("BEGIN"))

        let nginx = try Nginx(config: config)
        defer { nginx.stop() }
        try FileManager.default.createDirectory(at: nginx.directory.file("auth"), withIntermediateDirectories: true)
        #expect(table.authFiles.count == 2)  // one client certificate, one authority: shared by content
        for file in table.authFiles { try Data(file.content.utf8).write(to: nginx.directory.file(file.path)) }
        try nginx.test()
        try nginx.start(waitingFor: [httpPort])

        func get(_ host: String) throws -> HTTPResponse {
            try HTTPProbe.request(port: httpPort, host: host, method: "GET", target: "/x?q=1", headers: [], body: nil)
        }
        // The client certificate the Secret supplies: the backend answers, and saw it; no SNI by default.
        let cert = try get("cert.test")
        #expect(cert.status == 200, "\(nginx.errorLog)")
        let certEcho = try cert.echo()
        #expect(certEcho.backend == "mtls" && certEcho.path == "/x" && certEcho.query == "q=1")
        #expect(certEcho.tlsClientSubject?.contains("commonName=portico-proxy") == true, "\(certEcho)")
        #expect(certEcho.tlsServerName == nil)
        // Without one (asked after, so no session of the other route is reused): the backend refuses the handshake.
        #expect(try get("plain.test").status == 502)
        // Verified with the Secret's ca.crt as secure.internal, and that name sent as SNI.
        let verified = try get("verified.test")
        #expect(verified.status == 200, "\(nginx.errorLog)")
        #expect(try verified.echo().tlsServerName == "secure.internal")
        #expect(try verified.echo().tlsClientSubject?.contains("commonName=portico-proxy") == true)
        // Verified as the upstream's name, which the certificate does not carry; and a certificate of
        // another authority, with the right name: 502, the backend never asked.
        #expect(try get("upstream-name.test").status == 502)
        let refused = try get("impostor.test")
        #expect(refused.status == 502 && refused.backend == nil)
        // proxy-ssl-server-name alone: the upstream's name, without its port.
        #expect(try get("sni.test").echo().tlsServerName == "mtls.default.svc.cluster.local")
        // Refused values: the Ingress left out (404), or its paths answering 503; the others serve.
        #expect(try get("hostile.test").status == 404)
        #expect(try get("elsewhere.test").status == 503)
        #expect(try get("unverifiable.test").status == 503)
        #expect(try get("cert.test").status == 200)
    }
}
