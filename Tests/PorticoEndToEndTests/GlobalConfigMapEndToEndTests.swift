import Foundation
import PorticoConfigCheck
import PorticoTLS
import TestSupport
import Testing

/// ingress-nginx's global ConfigMap (`--configmap ingress/portico`) through real nginx: defaults
/// for annotations that an annotation still beats, the client's real address (forwarded headers,
/// trusted ranges, PROXY protocol), `server-tokens`, HSTS over HTTPS and global custom errors.
@Suite("End to end: the ingress-nginx ConfigMap", .serialized)
struct GlobalConfigMapEndToEndTests {
    static let n = "nginx.ingress.kubernetes.io/"

    static func configMap(_ data: [String: String]) -> String {
        let pairs = data.sorted { $0.key < $1.key }.map { "  \"\($0.key)\": \"\($0.value)\"\n" }.joined()
        return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: portico, namespace: ingress}\ndata:\n" + pairs
    }

    static func stage(_ data: [String: String], ingresses: [String] = [Manifest.ingress("app", host: "app.test")], https: Bool = false, secrets: [String] = [])
        throws -> Stage
    {
        try Stage(
            manifests: ([configMap(data), Manifest.service("app")] + secrets + ingresses).map { $0.hasSuffix("\n") ? $0 : $0 + "\n" }
                .joined(separator: "---\n"),
            services: ["app"], extraArguments: ["--configmap", "ingress/portico"], https: https)
    }

    @Test func proxyBodySizeIsEveryIngressesDefaultAndAnAnnotationBeatsIt() throws {
        let stage = try Self.stage(
            ["proxy-body-size": "1k"],
            ingresses: [Manifest.ingress("app", host: "app.test"), Manifest.ingress("big", host: "big.test", annotations: [Self.n + "proxy-body-size": "1m"])])
        defer { stage.stop() }
        #expect(stage.diagnostics == [], "\(stage.diagnostics)")
        let small = Data(repeating: UInt8(ascii: "a"), count: 800), large = Data(repeating: UInt8(ascii: "b"), count: 4000)
        let ok = try stage.request("/upload", host: "app.test", method: "POST", body: small)
        #expect(ok.backend == "app" && ok.status == 200, "\(ok.status)\n\(stage.context)")
        #expect(try ok.echo().bodyLength == 800)
        let refused = try stage.request("/upload", host: "app.test", method: "POST", body: large)
        #expect(refused.status == 413 && refused.backend == nil, "\(refused.status)")
        let annotated = try stage.request("/upload", host: "big.test", method: "POST", body: large)
        #expect(annotated.backend == "app" && annotated.status == 200, "\(annotated.status)")
        #expect(try annotated.echo().bodyLength == 4000)
    }

    /// Without use-forwarded-headers the backend never sees what the client wrote in X-Forwarded-*
    /// (ingress-nginx's X-Forwarded-For is the client's address); with it (and compute-full-forwarded-for)
    /// the client's address is the header's, and the chain is passed on.
    @Test func forwardedHeadersAreBelievedOnlyWhenEnabled() throws {
        let client: [(String, String)] = [("X-Forwarded-For", "203.0.113.9"), ("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "public.example")]
        let off = try Self.stage(["server-tokens": "false"])
        defer { off.stop() }
        let plain = try off.request("/", host: "app.test", headers: client).echo()
        #expect(plain.header("X-Forwarded-For") == "127.0.0.1", "\(plain.headers)\n\(off.context)")
        #expect(plain.header("X-Real-IP") == "127.0.0.1")
        #expect(plain.header("X-Forwarded-Proto") == "http")
        #expect(plain.header("X-Forwarded-Host") == "app.test")

        let on = try Self.stage(["use-forwarded-headers": "true", "compute-full-forwarded-for": "true", "proxy-real-ip-cidr": "127.0.0.0/8"])
        defer { on.stop() }
        let trusted = try on.request("/", host: "app.test", headers: client).echo()
        #expect(trusted.header("X-Real-IP") == "203.0.113.9", "\(trusted.headers)\n\(on.context)")
        #expect(trusted.header("X-Forwarded-For") == "203.0.113.9, 127.0.0.1")
        #expect(trusted.header("X-Forwarded-Proto") == "https")
        #expect(trusted.header("X-Forwarded-Host") == "public.example")
        let direct = try on.request("/", host: "app.test").echo()
        #expect(direct.header("X-Forwarded-For") == "127.0.0.1" && direct.header("X-Forwarded-Proto") == "http")
    }

    /// forwarded-for-header names the header; proxy-real-ip-cidr whom it is believed from.
    @Test func theAddressHeaderAndTheTrustedRanges() throws {
        let named = try Self.stage(["use-forwarded-headers": "true", "forwarded-for-header": "X-Client-IP"])
        defer { named.stop() }
        let a = try named.request("/", host: "app.test", headers: [("X-Client-IP", "198.51.100.20"), ("X-Forwarded-For", "203.0.113.9")]).echo()
        #expect(a.header("X-Real-IP") == "198.51.100.20", "\(a.headers)\n\(named.context)")
        #expect(a.header("X-Forwarded-For") == "198.51.100.20")

        let untrusted = try Self.stage(["use-forwarded-headers": "true", "proxy-real-ip-cidr": "10.0.0.0/8"])
        defer { untrusted.stop() }
        let b = try untrusted.request("/", host: "app.test", headers: [("X-Forwarded-For", "203.0.113.9")]).echo()
        #expect(b.header("X-Real-IP") == "127.0.0.1", "\(b.headers)")
        #expect(b.header("X-Forwarded-For") == "127.0.0.1")
    }

    /// use-proxy-protocol: a connection starts with a PROXY v1 header, whose address the backend sees.
    @Test func proxyProtocolGivesTheClientsAddress() throws {
        let stage = try Self.stage(["use-proxy-protocol": "true"])
        defer { stage.stop() }
        #expect(stage.config.contains("listen 127.0.0.1:\(stage.httpPort) proxy_protocol default_server;"))
        let connection = try TCPExchange(port: stage.httpPort)
        try connection.send(
            Data(
                ("PROXY TCP4 198.51.100.7 127.0.0.1 40000 \(stage.httpPort)\r\n"
                    + "GET /who HTTP/1.1\r\nHost: app.test\r\nX-Forwarded-For: 203.0.113.9\r\nConnection: close\r\n\r\n").utf8))
        let raw = String(decoding: try connection.readToEnd(), as: UTF8.self)
        #expect(raw.hasPrefix("HTTP/1.1 200"), "\(raw.prefix(300))\n\(stage.context)")
        let body = try #require(raw.range(of: "\r\n\r\n").map { String(raw[$0.upperBound...]) })
        let echo = try JSONDecoder().decode(EchoReply.self, from: Data(body.utf8))
        #expect(echo.header("X-Real-IP") == "198.51.100.7", "\(echo.headers)")
        #expect(echo.header("X-Forwarded-For") == "198.51.100.7")
        // Without a PROXY header nginx refuses the connection's request.
        let bare = try TCPExchange(port: stage.httpPort)
        try bare.send(Data("GET / HTTP/1.1\r\nHost: app.test\r\nConnection: close\r\n\r\n".utf8))
        #expect(!String(decoding: (try? bare.readToEnd()) ?? Data(), as: UTF8.self).hasPrefix("HTTP/1.1 200"))
    }

    /// server-tokens: ingress-nginx's default hides nginx's version; "true" shows it.
    @Test func serverTokens() throws {
        let hidden = try Self.stage([:])
        defer { hidden.stop() }
        let a = try hidden.request("/", host: "nowhere.test")
        #expect(a.status == 404 && a.header("Server") == "nginx", "\(a.headers)")
        let shown = try Self.stage(["server-tokens": "true"])
        defer { shown.stop() }
        let b = try shown.request("/", host: "nowhere.test")
        #expect(b.header("Server")?.hasPrefix("nginx/") == true, "\(b.headers)")
        #expect(b.text.contains("nginx/"))
    }

    /// custom-http-errors for every Ingress: without a default backend the codes answer 404, as
    /// ingress-nginx's own default backend; an Ingress's annotation beats it.
    @Test func customHTTPErrorsForEveryIngress() throws {
        let stage = try Self.stage(
            ["custom-http-errors": "503"],
            ingresses: [Manifest.ingress("app", host: "app.test"), Manifest.ingress("own", host: "own.test", annotations: [Self.n + "custom-http-errors": "502"])])
        defer { stage.stop() }
        let intercepted = try stage.request("/x?echo-status=503", host: "app.test")
        #expect(intercepted.status == 404 && intercepted.backend == nil, "\(intercepted.status) \(intercepted.backend ?? "nginx")\n\(stage.context)")
        let passed = try stage.request("/x?echo-status=500", host: "app.test")
        #expect(passed.status == 500 && passed.backend == "app")
        let own = try stage.request("/x?echo-status=503", host: "own.test")
        #expect(own.status == 503 && own.backend == "app", "the Ingress's own list, without 503")
    }

    /// The hostile corpus's ConfigMap keys and values at once (the first of each key): nginx loads
    /// the config (Stage runs `nginx -t`), each key is one warning, nothing of them is in the config,
    /// and the benign key beside them applies.
    @Test func hostileKeysAndValuesLoadAndInjectNothing() throws {
        var data: [String: String] = ["keep-alive-requests": "77"]
        for entry in HostileCorpus.globalEntries where data[entry.key] == nil { data[entry.key] = entry.value }
        let objects: [[String: Any]] = [
            ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "portico", "namespace": "ingress"], "data": data],
            ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "app", "namespace": "default"], "spec": ["ports": [["port": 1]]]],
            [
                "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": ["name": "app", "namespace": "default"],
                "spec": ["rules": [["host": "app.test", "http": ["paths": [["path": "/", "pathType": "Prefix", "backend": ["service": ["name": "app", "port": ["number": 1]]]]]]]]],
            ],
        ]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: objects), as: UTF8.self)
            .replacingOccurrences(of: "\"port\":1", with: "\"port\":PORT").replacingOccurrences(of: "\"number\":1", with: "\"number\":PORT")
        let stage = try Stage(manifests: json, services: ["app"], json: true, extraArguments: ["--configmap", "ingress/portico"])
        defer { stage.stop() }
        let warnings = stage.diagnostics.filter { $0.hasPrefix("warning: configmap ingress/portico: data[") }
        #expect(warnings.count == data.count - 1, "\(stage.diagnostics)")
        for fragment in ["pwned", "169.254", "listen 81", "load_module"] {
            #expect(!stage.config.contains(fragment), "\(fragment) in the config")
        }
        #expect(stage.config.contains("keepalive_requests 77;"))
        #expect(try stage.who("app.test", "/x") == "app")
    }

    /// hsts-max-age (and -include-subdomains, -preload) over HTTPS, for a host with its own certificate.
    @Test func hstsMaxAgeOverHTTPS() throws {
        let own = try SelfSignedCertificate.generate(commonName: "a.test", now: HTTPSEndToEndTests.now)
        let ingress = """
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: a, namespace: default}
            spec:
              tls: [{hosts: [a.test], secretName: a-tls}]
              rules: [{host: a.test, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: app, port: {number: PORT}}}}]}}]

            """
        let stage = try Self.stage(
            ["hsts-max-age": "600", "hsts-include-subdomains": "false", "hsts-preload": "true"], ingresses: [ingress], https: true,
            secrets: [HTTPSEndToEndTests.secretYAML("a-tls", own)])
        defer { stage.stop() }
        let port = try #require(stage.httpsPort)
        let headers = try HTTPSEndToEndTests.curl(["--resolve", "a.test:\(port):127.0.0.1", "-o", "/dev/null", "-D", "-", "https://a.test:\(port)/"])
            .lowercased()
        #expect(headers.contains("x-echo-backend: app"), "\(headers)\n\(stage.context)")
        #expect(headers.contains("strict-transport-security: max-age=600; preload\r\n"), "\(headers)")
    }
}

/// `portico run --configmap` against the test API server: kubectl creates and edits the ConfigMap,
/// and what nginx serves follows within a deadline; an unknown key is reported once, not every pass.
@Suite("End to end: portico run with the ingress-nginx ConfigMap", .serialized, .enabled(if: PorticoBinary.path != nil, "portico is not built"))
struct GlobalConfigMapRunEndToEndTests {
    @Test func editingTheConfigMapWithKubectlChangesWhatIsServed() async throws {
        let rig = try RunEndToEndTests.Rig(extraArguments: ["--no-https", "--configmap", "default/portico"])
        try await rig.serveSite()
        let kubeconfig = try rig.server.writeKubeconfig(to: rig.runtime.file("kubectl-config"))
        func kubectl(_ arguments: [String], input: String? = nil) throws {
            let result = try runCommand(
                "kubectl", ["--kubeconfig", kubeconfig.path, "--cache-dir", rig.runtime.file("kube-cache").path, "--request-timeout", "10s"] + arguments,
                input: input.map { Data($0.utf8) }, timeout: 30)
            guard result.status == 0 else { throw TestSupportError("kubectl \(arguments): \(result.stderr)") }
        }
        let body = Data(repeating: UInt8(ascii: "x"), count: 4000)
        func upload() -> Int {
            (try? HTTPProbe.request(port: rig.httpPort, host: "a.test", method: "POST", target: "/upload", headers: [], body: body).status) ?? 0
        }
        func server() -> String {
            (try? HTTPProbe.get("/", host: "a.test", port: rig.httpPort, timeout: 3).header("Server")) ?? ""
        }
        // Missing: the built-in defaults (1m, and a warning).
        #expect(upload() == 200)
        #expect(server() == "nginx")
        try await eventually("no warning for the missing ConfigMap: \(rig.log)") { rig.log.contains("configmap default/portico") }

        try kubectl(
            ["apply", "-f", "-"],
            input: """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: portico, namespace: default}
                data: {proxy-body-size: "1k", use-gzip: "true"}

                """)
        let created = Date()
        try await eventually(timeout: .seconds(20), "the ConfigMap's body size never applied: \(rig.log)") { upload() == 413 }
        #expect(Date().timeIntervalSince(created) < 5)

        try kubectl(["patch", "configmap", "portico", "--type", "merge", "-p", #"{"data":{"proxy-body-size":"8k","server-tokens":"true"}}"#])
        try await eventually(timeout: .seconds(20), "the edit never applied: \(rig.log)") { upload() == 200 && server().hasPrefix("nginx/") }
        // The unknown key stayed as it was through both passes: one warning.
        #expect(rig.log.components(separatedBy: "use-gzip").count - 1 == 1, "\(rig.log)")

        try kubectl(["delete", "configmap", "portico"])
        try await eventually(timeout: .seconds(20), "deleting it never restored the defaults: \(rig.log)") { server() == "nginx" }
        #expect(upload() == 200)
    }
}
