import Foundation
import PorticoCLI
import PorticoModel
import PorticoRender
import PorticoRouting
import PorticoTLS
import TestSupport
import Testing

/// The HTTPS shape on real nginx with real TLS clients (curl, `openssl s_client`): the certificate
/// each SNI name gets, the default certificate for the rest, redirects, HSTS, HTTP/2 and what the
/// backend is told. Rendered from a routing table, with the certificate files written where the
/// config names them, as `portico run` does.
@Suite("End to end: HTTPS")
struct HTTPSEndToEndTests {
    static let now = Date()

    static func secret(_ name: String, _ bundle: CertificateBundle) -> Secret {
        Secret(
            metadata: ObjectMeta(name: name, namespace: "default"), type: "kubernetes.io/tls",
            data: [
                "tls.crt": Data(bundle.chainPEM.utf8).base64EncodedString(),
                "tls.key": Data(bundle.keyPEM.utf8).base64EncodedString(),
            ])
    }

    /// The SHA-256 fingerprint of the certificate nginx presents for `serverName` (nil: no SNI),
    /// as `openssl x509` prints it, lowercased and without colons.
    static func presented(port: Int, serverName: String?) throws -> String {
        let hello = try runCommand(
            "openssl", ["s_client", "-connect", "127.0.0.1:\(port)"] + (serverName.map { ["-servername", $0] } ?? ["-noservername"]),
            input: Data(), timeout: 20)
        let print = try runCommand("openssl", ["x509", "-noout", "-fingerprint", "-sha256"], input: Data(hello.stdout.utf8), timeout: 20)
        return String(print.stdout.split(separator: "=").last ?? "").replacingOccurrences(of: ":", with: "")
            .trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// A kubernetes.io/tls Secret as a YAML document (no trailing newline), for manifests.
    static func secretYAML(_ name: String, _ bundle: CertificateBundle, namespace: String = "default") -> String {
        """
        apiVersion: v1
        kind: Secret
        metadata: {name: \(name), namespace: \(namespace)}
        type: kubernetes.io/tls
        data:
          tls.crt: \(Data(bundle.chainPEM.utf8).base64EncodedString())
          tls.key: \(Data(bundle.keyPEM.utf8).base64EncodedString())
        """
    }

    static func curl(_ arguments: [String]) throws -> String {
        try runCommand("curl", ["-sS", "-k", "--max-time", "10"] + arguments, timeout: 20).stdout
    }

    @Test func certificatesBySNIRedirectsHSTSAndHTTP2() throws {
        let backendPort = try Ports.free(), httpPort = try Ports.free(), httpsPort = try Ports.free()
        let backend = try EchoBackend(name: "web", address: "127.0.0.2", port: backendPort)
        defer { backend.stop() }
        let dns = try DNSServer(["web.default.svc.cluster.local": backend.address])
        defer { dns.stop() }

        let own = try SelfSignedCertificate.generate(commonName: "a.test", now: Self.now)
        let fallback = try SelfSignedCertificate.generate(commonName: "portico-default", now: Self.now)
        var ingress = Ingress(
            metadata: ObjectMeta(name: "web", namespace: "default"),
            spec: IngressSpec(rules: ["a.test", "b.test"].map { host in
                IngressRule(host: host, paths: [HTTPIngressPath(path: "/", pathType: "Prefix", backend: .service("web", port: .init(number: backendPort)))])
            }))
        ingress.spec.tls = [IngressTLS(hosts: ["a.test"], secretName: "a-tls"), IngressTLS(hosts: ["b.test"], secretName: "missing")]
        // preserve-trailing-slash: its redirect keeps the slash ingress-nginx otherwise drops.
        var kept = Ingress(
            metadata: ObjectMeta(name: "kept", namespace: "default", annotations: ["nginx.ingress.kubernetes.io/preserve-trailing-slash": "true"]),
            spec: IngressSpec(rules: [
                IngressRule(host: "c.test", paths: [HTTPIngressPath(path: "/", pathType: "Prefix", backend: .service("web", port: .init(number: backendPort)))])
            ]))
        kept.spec.tls = [IngressTLS(hosts: ["c.test"], secretName: "missing-c")]
        let state = ClusterState(
            ingresses: [ingress, kept],
            services: [Service(metadata: ObjectMeta(name: "web", namespace: "default"), spec: ServiceSpec(ports: [ServicePort(port: backendPort)]))],
            secrets: [Self.secret("a-tls", own)])
        let table = Router(options: RoutingOptions(servesHTTPS: true), now: Self.now).route(state)
        #expect(table.diagnostics.map(\.code) == [.invalidTLS, .invalidTLS], "\(table.diagnostics)")
        var options = RenderOptions(httpPort: httpPort, bindAddress: "127.0.0.1", resolvers: [dns.resolverAddress], httpsPort: httpsPort)
        options.workerProcesses = "2"
        let config = try ConfigRenderer().render(table, options: options)
        #expect(!config.contains("PRIVATE KEY"))

        let nginx = try Nginx(config: config)
        defer { nginx.stop() }
        let tls = nginx.directory.file("tls")
        try FileManager.default.createDirectory(at: tls, withIntermediateDirectories: true)
        for file in table.certificates {
            try Data(file.pem.utf8).write(to: nginx.directory.file(file.path))
        }
        try Data(fallback.pem.utf8).write(to: nginx.directory.file(options.defaultCertificate))
        try nginx.test()
        try nginx.start(waitingFor: [httpPort, httpsPort])

        // The certificate per SNI name; the default one for names without their own and no SNI.
        #expect(try Self.presented(port: httpsPort, serverName: "a.test") == own.leaf.sha256Fingerprint)
        #expect(try Self.presented(port: httpsPort, serverName: "A.TEST") == own.leaf.sha256Fingerprint)
        for name in ["b.test", "unknown.example", nil] as [String?] {
            #expect(try Self.presented(port: httpsPort, serverName: name) == fallback.leaf.sha256Fingerprint, "\(name ?? "no SNI")")
        }

        // HTTPS reaches the backend, which is told so; HSTS only for the host with its own certificate.
        let resolve = ["--resolve", "a.test:\(httpsPort):127.0.0.1", "--resolve", "b.test:\(httpsPort):127.0.0.1"]
        let a = try Self.curl(resolve + ["-i", "https://a.test:\(httpsPort)/x?q=1"])
        #expect(a.hasPrefix("HTTP/2 200") || a.hasPrefix("HTTP/1.1 200"), "\(a)\n\(nginx.errorLog)")
        #expect(a.lowercased().contains("strict-transport-security: max-age=31536000; includesubdomains"))
        #expect(a.contains("\"x-forwarded-proto\":\"https\"") || a.contains("\"x-forwarded-proto\": \"https\""), "\(a)")
        let b = try Self.curl(resolve + ["-i", "https://b.test:\(httpsPort)/"])
        #expect(b.contains(" 200"), "\(b)")
        #expect(!b.lowercased().contains("strict-transport-security"))
        #expect(try Self.curl(resolve + ["--http2", "-o", "/dev/null", "-w", "%{http_version}", "https://a.test:\(httpsPort)/"]) == "2")

        // Plain HTTP: 308 to the same target over HTTPS, the port given; never for ACME challenges.
        let redirect = try HTTPProbe.request(port: httpPort, host: "a.test", method: "POST", target: "/p/q?x=1&y=2", headers: [], body: Data("k".utf8))
        #expect(redirect.status == 308)
        #expect(redirect.header("Location") == "https://a.test:\(httpsPort)/p/q?x=1&y=2")
        #expect(redirect.header("Strict-Transport-Security") == nil)
        // As ingress-nginx: one trailing slash of the whole target is dropped, unless the Ingress
        // sets preserve-trailing-slash.
        for (host, target, location) in [
            ("a.test", "/p/", "/p"), ("a.test", "/", ""), ("a.test", "/p/?x=/", "/p/?x="), ("a.test", "/p/?x=1", "/p/?x=1"), ("c.test", "/p/", "/p/"), ("c.test", "/", "/"),
        ] {
            let r = try HTTPProbe.request(port: httpPort, host: host, method: "GET", target: target, headers: [], body: nil)
            #expect(r.status == 308 && r.header("Location") == "https://\(host):\(httpsPort)\(location)", "\(host)\(target): \(r.status) \(r.headers)")
        }
        let acme = try HTTPProbe.request(port: httpPort, host: "a.test", method: "GET", target: "/.well-known/acme-challenge/tok", headers: [], body: nil)
        #expect(acme.status == 200 && acme.backend == "web", "\(acme.status)")
    }

    /// A host with its own certificate sends HSTS on everything it answers over HTTPS, its
    /// Ingress's default backend included; a host on the default certificate never does.
    @Test func hstsOnTheDefaultBackendOfAHostWithItsOwnCertificate() throws {
        let own = try SelfSignedCertificate.generate(commonName: "a.test", now: Self.now)
        let stage = try Stage(
            manifests: """
                \(Self.secretYAML("a-tls", own))
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web, namespace: default}
                spec: {ports: [{port: PORT}]}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: fallback, namespace: default}
                spec: {ports: [{port: PORT}]}
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: a, namespace: default}
                spec:
                  tls: [{hosts: [a.test], secretName: a-tls}]
                  defaultBackend: {service: {name: fallback, port: {number: PORT}}}
                  rules: [{host: a.test, http: {paths: [{path: /api, pathType: Prefix, backend: {service: {name: web, port: {number: PORT}}}}]}}]
                ---
                apiVersion: networking.k8s.io/v1
                kind: Ingress
                metadata: {name: b, namespace: default}
                spec:
                  defaultBackend: {service: {name: fallback, port: {number: PORT}}}
                  rules: [{host: b.test, http: {paths: [{path: /api, pathType: Prefix, backend: {service: {name: web, port: {number: PORT}}}}]}}]

                """, services: ["web", "fallback"], https: true)
        defer { stage.stop() }
        let port = try #require(stage.httpsPort)
        func head(_ host: String, _ path: String) throws -> String {
            try Self.curl(["--resolve", "\(host):\(port):127.0.0.1", "-o", "/dev/null", "-D", "-", "https://\(host):\(port)\(path)"])
                .lowercased()
        }
        let hsts = "strict-transport-security: max-age=31536000; includesubdomains"
        for (host, path, backend, sends) in [
            ("a.test", "/api/x", "web", true), ("a.test", "/other", "fallback", true),
            ("b.test", "/api/x", "web", false), ("b.test", "/other", "fallback", false),
        ] {
            let headers = try head(host, path)
            #expect(headers.contains("x-echo-backend: \(backend)"), "\(host)\(path): \(headers)")
            #expect(headers.contains(hsts) == sends, "\(host)\(path): \(headers)\n\(stage.config)")
        }
    }

    /// `portico render --https-port --output-dir DIR`: a directory nginx serves HTTPS from as it is,
    /// keys readable by their owner only, none of them printed.
    @Test func renderWritesADirectoryThatServesHTTPS() throws {
        let httpPort = try Ports.free(), httpsPort = try Ports.free()
        let own = try SelfSignedCertificate.generate(commonName: "a.test", now: Self.now)
        let work = try TemporaryDirectory("portico-render-tls")
        let manifests = try work.write(
            "m.yaml",
            """
            \(Self.secretYAML("a-tls", own))
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: default}
            spec: {ports: [{port: 80}]}
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: web, namespace: default}
            spec:
              tls: [{hosts: [a.test], secretName: a-tls}]
              rules: [{host: a.test, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
            """)
        let directory = work.file("out").path
        let arguments = [
            "-f", manifests.path, "--http-port", "\(httpPort)", "--https-port", "\(httpsPort)", "--bind-address", "127.0.0.1",
            "--resolver", "127.0.0.1",
        ]
        let printed = renderCommand(arguments: arguments)
        #expect(printed.exitCode == 0, "\(printed.diagnostics)")
        #expect(printed.config.contains("ssl_certificate $portico_cert;") && !printed.config.contains("PRIVATE KEY"))
        #expect(printed.diagnostics.contains { $0.contains("certificate files were not written") })

        let written = renderCommand(arguments: arguments + ["--output-dir", directory])
        #expect(written.exitCode == 0, "\(written.diagnostics)")
        #expect(written.config.isEmpty)
        #expect(!written.diagnostics.joined().contains("PRIVATE KEY"))
        let tls = try FileManager.default.contentsOfDirectory(atPath: directory + "/tls").sorted()
        #expect(tls.count == 3, "\(tls)")  // the Secret's certificate, the default one, the ticket key
        for name in tls {
            let mode = try FileManager.default.attributesOfItem(atPath: "\(directory)/tls/\(name)")[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(name)")
        }
        let nginx = try ChildProcess(
            "nginx", ["-p", directory + "/", "-c", directory + "/nginx.conf", "-g", "daemon off;"], logDirectory: work.url)
        defer { nginx.stop() }
        try Ports.waitUntilListening(httpsPort, process: nginx)
        #expect(try Self.presented(port: httpsPort, serverName: "a.test") == own.leaf.sha256Fingerprint)
        #expect(try Self.presented(port: httpsPort, serverName: "other.test") != own.leaf.sha256Fingerprint)
        nginx.stop()

        // --default-ssl-certificate: that Secret's certificate for unknown names and no SNI.
        let fallback = try SelfSignedCertificate.generate(commonName: "fallback.test", now: Self.now)
        try work.write("default.yaml", Self.secretYAML("fallback", fallback, namespace: "ingress"))
        let withDefault = work.file("with-default").path
        let second = renderCommand(
            arguments: arguments + [
                "-f", work.file("default.yaml").path, "--default-ssl-certificate", "ingress/fallback", "--output-dir", withDefault,
            ])
        #expect(second.exitCode == 0 && !second.diagnostics.contains { $0.hasPrefix("warning") }, "\(second.diagnostics)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: withDefault + "/tls").count == 4)  // and the Secret's
        let served = try ChildProcess(
            "nginx", ["-p", withDefault + "/", "-c", withDefault + "/nginx.conf", "-g", "daemon off;"], logDirectory: work.url)
        defer { served.stop() }
        try Ports.waitUntilListening(httpsPort, process: served)
        #expect(try Self.presented(port: httpsPort, serverName: "a.test") == own.leaf.sha256Fingerprint)
        #expect(try Self.presented(port: httpsPort, serverName: "other.test") == fallback.leaf.sha256Fingerprint)
        #expect(try Self.presented(port: httpsPort, serverName: nil) == fallback.leaf.sha256Fingerprint)

        // Named but not there: the self-signed default, and the reason.
        let absent = renderCommand(arguments: arguments + ["--default-ssl-certificate", "ingress/nope"])
        #expect(absent.exitCode == 0)
        #expect(absent.diagnostics.contains(
            "warning: secret ingress/nope: --default-ssl-certificate: secret ingress/nope not found; the self-signed default certificate is served"),
            "\(absent.diagnostics)")
        #expect(absent.config.contains("default tls/default.pem;"))
    }

    /// `portico run --https-port` against the test API server: a Secret and an Ingress, and HTTPS
    /// presents the Secret's certificate; the Secret replaced (a renewal), the new one; the Secret
    /// deleted, the default certificate, with the reason in the log. Old files go.
    @Test func runServesRotatesAndLosesASecret() async throws {
        let httpsPort = try Ports.free()
        let rig = try RunEndToEndTests.Rig(extraArguments: ["--https-port", "\(httpsPort)"])
        try await eventually("never ready: \(rig.log)") { rig.health("/readyz") == 200 }
        let secrets = TestAPIServer.path("v1", "secrets", namespace: "default")
        func secret(_ bundle: CertificateBundle) -> [String: Any] {
            [
                "metadata": ["name": "a-tls"], "type": "kubernetes.io/tls",
                "data": [
                    "tls.crt": Data(bundle.chainPEM.utf8).base64EncodedString(),
                    "tls.key": Data(bundle.keyPEM.utf8).base64EncodedString(),
                ],
            ]
        }
        let first = try SelfSignedCertificate.generate(commonName: "a.test", now: Self.now)
        let renewed = try SelfSignedCertificate.generate(commonName: "a.test", now: Self.now)
        try await rig.server.create(RunEndToEndTests.services, rig.service("web"))
        try await rig.server.create(secrets, secret(first))
        var ingress = rig.ingress("site", host: "a.test", path: "/", service: "web")
        var spec = ingress["spec"] as? [String: Any] ?? [:]
        spec["tls"] = [["hosts": ["a.test"], "secretName": "a-tls"]]
        ingress["spec"] = spec
        try await rig.server.create(RunEndToEndTests.ingresses, ingress)
        func presented() -> String { (try? Self.presented(port: httpsPort, serverName: "a.test")) ?? "" }
        try await eventually("the Secret's certificate is never served: \(rig.log)") { presented() == first.leaf.sha256Fingerprint }
        // An old worker (404 for a.test) takes connections until it has read the reload's signal.
        try await eventually(timeout: .seconds(5), "plain HTTP never redirected: \(rig.log)") { rig.who("a.test", "/") == "308" }
        let metrics = (try? HTTPProbe.get("/metrics", host: "localhost", port: rig.healthPort, timeout: 2).text) ?? ""
        #expect(
            metrics.contains(
                "portico_ssl_certificate_expiry_timestamp_seconds{namespace=\"default\",secret=\"a-tls\",host=\"a.test\"} "
                    + "\(Int(first.leaf.notAfter.timeIntervalSince1970))"), "\(metrics)")

        try await rig.server.update(secrets + "/a-tls", secret(renewed))
        try await eventually("the renewed certificate is never served: \(rig.log)") { presented() == renewed.leaf.sha256Fingerprint }

        _ = try await rig.server.delete(secrets + "/a-tls")
        try await eventually("the default certificate never comes back: \(rig.log)") {
            let now = presented()
            return !now.isEmpty && now != first.leaf.sha256Fingerprint && now != renewed.leaf.sha256Fingerprint
        }
        #expect(rig.log.contains("secret default/a-tls not found"))
        let tls = rig.runtime.file("nginx/tls").path
        try await eventually("files of certificates no config names are removed") {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: tls)) ?? []
            return names.filter { $0.hasSuffix(".pem") }.sorted() == ["default.pem"]
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: tls) {
            let mode = try FileManager.default.attributesOfItem(atPath: "\(tls)/\(name)")[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(name)")
        }
        #expect(!rig.log.contains("PRIVATE KEY"))
    }
}
