import Foundation
import PorticoCLI
import PorticoTLS
import TestSupport
import Testing

/// TLS passthrough (`ssl-passthrough` with `--enable-ssl-passthrough`) on real nginx, rendered by
/// `portico render --output-dir`: a backend that terminates TLS itself with its own certificate is
/// reached through the HTTPS port by its SNI name untouched, while on the same port another host
/// keeps Portico's certificate and its backend is told the real client's address (PROXY protocol
/// between the two stages), and a name of neither gets the default certificate.
@Suite("End to end: TLS passthrough", .serialized)
final class SSLPassthroughEndToEndTests: @unchecked Sendable {
    static let now = Date()
    let httpPort: Int, httpsPort: Int, backendPort: Int
    let web: EchoBackend, secure: EchoBackend
    let dns: DNSServer
    let nginx: ChildProcess
    let work: TemporaryDirectory
    let backendCertificate: CertificateBundle, own: CertificateBundle, fallback: CertificateBundle
    let outcome: RenderOutcome

    init() throws {
        (httpPort, httpsPort, backendPort) = (try Ports.free(), try Ports.free(), try Ports.free())
        let (proxyPort, relayPort) = (try Ports.free(), try Ports.free())
        let work = try TemporaryDirectory("portico-passthrough")
        self.work = work
        backendCertificate = try SelfSignedCertificate.generate(commonName: "pass.test", now: Self.now)
        own = try SelfSignedCertificate.generate(commonName: "own.test", now: Self.now)
        fallback = try SelfSignedCertificate.generate(commonName: "fallback.test", now: Self.now)
        let certificate = try work.write("backend.crt", backendCertificate.chainPEM)
        let key = try work.write("backend.key", backendCertificate.keyPEM)
        web = try EchoBackend(name: "web", address: "127.0.0.2", port: backendPort)
        secure = try EchoBackend(name: "secure", address: "127.0.0.3", port: backendPort, tls: (certificate, key))
        dns = try DNSServer(["web.default.svc.cluster.local": "127.0.0.2", "secure.default.svc.cluster.local": "127.0.0.3"])
        let manifests = try work.write(
            "m.yaml",
            """
            \(HTTPSEndToEndTests.secretYAML("own-tls", own))
            ---
            \(HTTPSEndToEndTests.secretYAML("fallback", fallback, namespace: "ingress"))
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: default}
            spec: {ports: [{port: \(backendPort)}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: secure, namespace: default}
            spec: {ports: [{name: https, port: \(backendPort)}]}
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: pass, namespace: default, annotations: {nginx.ingress.kubernetes.io/ssl-passthrough: "true"}}
            spec:
              rules: [{host: pass.test, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: secure, port: {name: https}}}}]}}]
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: own, namespace: default}
            spec:
              tls: [{hosts: [own.test], secretName: own-tls}]
              rules: [{host: own.test, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: \(backendPort)}}}}]}}]
            """)
        let output = work.file("out").path
        outcome = renderCommand(arguments: [
            "-f", manifests.path, "--http-port", "\(httpPort)", "--https-port", "\(httpsPort)", "--bind-address", "127.0.0.1",
            "--resolver", dns.resolverAddress, "--default-ssl-certificate", "ingress/fallback", "--enable-ssl-passthrough",
            "--ssl-passthrough-proxy-port", "\(proxyPort)", "--ssl-passthrough-relay-port", "\(relayPort)", "--output-dir", output,
        ])
        guard outcome.exitCode == 0 else { throw TestSupportError("portico render: \(outcome.diagnostics)") }
        nginx = try ChildProcess("nginx", ["-p", output + "/", "-c", output + "/nginx.conf", "-g", "daemon off;"], logDirectory: work.url)
        for port in [httpPort, httpsPort, proxyPort, relayPort] { try Ports.waitUntilListening(port, process: nginx) }
    }

    deinit {
        nginx.stop()
        dns.stop()
        web.stop()
        secure.stop()
    }

    func curl(_ host: String, _ path: String, from source: String = "127.0.0.1", extra: [String] = []) throws -> String {
        try runCommand(
            "curl",
            ["-sS", "-k", "--max-time", "10", "--interface", source, "--resolve", "\(host):\(httpsPort):127.0.0.1"] + extra
                + ["https://\(host):\(httpsPort)\(path)"], timeout: 20
        ).stdout
    }

    var context: String {
        "\(outcome.diagnostics)\nnginx: \(nginx.stderr.suffix(2000))\nweb: \(web.log.suffix(500))\nsecure: \(secure.log.suffix(500))"
    }

    @Test func thePassedThroughHostPresentsItsBackendsCertificateAndAnswers() throws {
        #expect(!outcome.diagnostics.contains { $0.hasPrefix("warning") }, "\(outcome.diagnostics)")
        #expect(try HTTPSEndToEndTests.presented(port: httpsPort, serverName: "pass.test") == backendCertificate.leaf.sha256Fingerprint, "\(context)")
        #expect(try HTTPSEndToEndTests.presented(port: httpsPort, serverName: "PASS.test") == backendCertificate.leaf.sha256Fingerprint)
        // The backend ended TLS and got the request as the client sent it: nginx added nothing.
        let reply = try JSONDecoder().decode(EchoReply.self, from: Data(try curl("pass.test", "/a/b?c=1").utf8))
        #expect(reply.backend == "secure" && reply.path == "/a/b" && reply.query == "c=1", "\(reply)")
        #expect(reply.header("x-forwarded-for") == nil && reply.header("x-real-ip") == nil, "\(reply.headers)")
    }

    @Test func anotherHostOnThePortKeepsPorticosCertificateAndTheClientsAddress() throws {
        #expect(try HTTPSEndToEndTests.presented(port: httpsPort, serverName: "own.test") == own.leaf.sha256Fingerprint, "\(context)")
        for source in ["127.0.0.7", "127.0.0.9"] {
            let reply = try JSONDecoder().decode(EchoReply.self, from: Data(try curl("own.test", "/x", from: source).utf8))
            #expect(reply.backend == "web" && reply.path == "/x", "\(reply)")
            #expect(reply.header("x-real-ip") == source && reply.header("x-forwarded-for") == source, "\(reply.headers)\n\(context)")
            #expect(reply.header("x-forwarded-proto") == "https")
        }
        // nginx's access log names the client too, not the stream server in front.
        try eventuallyBlocking("the access log never named 127.0.0.9") {
            ((try? String(contentsOfFile: work.file("out/access.log").path, encoding: .utf8)) ?? "").contains("127.0.0.9 ")
        }
    }

    @Test func otherNamesAndNoSNIGetTheDefaultCertificate() throws {
        for name in ["unknown.test", nil] as [String?] {
            #expect(try HTTPSEndToEndTests.presented(port: httpsPort, serverName: name) == fallback.leaf.sha256Fingerprint, "\(name ?? "no SNI")")
        }
    }

    @Test func aPassedThroughHostIsNeverServedByPorticosTLS() throws {
        // Another name's handshake, then a request for the passed-through host: 421.
        let status = try curl("own.test", "/", extra: ["-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: pass.test"])
        #expect(status == "421", "\(context)")
    }

    @Test func plainHTTPStillReachesTheServiceOverTLS() throws {
        // As ingress-nginx: the host's plain-HTTP route proxies to the passed-through Service with https://.
        let response = try HTTPProbe.request(port: httpPort, host: "pass.test", target: "/plain", address: "127.0.0.1")
        #expect(response.status == 200 && response.backend == "secure", "\(response.status) \(context)")
        let reply = try response.echo()
        #expect(reply.path == "/plain" && reply.header("x-forwarded-for") == "127.0.0.1")
    }
}
