import Foundation
import TestSupport
import Testing

/// ingress-nginx's proxying annotations through real nginx, shown by what the backend received
/// and what reached the client: the Host header and X-Forwarded-Prefix sent upstream, the HTTP
/// version, responses and request bodies buffered or streamed, the size of the response header
/// buffer, the access log, a 502 passed on to the Service's next address or not, and backends
/// reached over HTTPS and HTTP/2 (gRPC).
@Suite("End to end: proxying annotations", .serialized)
final class UpstreamEndToEndTests {
    let stage: Stage
    /// Answers 502 to everything: the first of `flaky`'s two addresses, `app` the second.
    let failing: EchoBackend
    /// Serves HTTPS only, with a certificate nginx does not verify (as ingress-nginx does not).
    let secure: EchoBackend
    let pki: TemporaryDirectory
    /// HTTP/2 only, on 127.0.0.70 without TLS and on 127.0.0.71 with it: another nginx, which
    /// answers with what it received. No gRPC server is at hand; what grpc_pass adds to HTTP/2 is
    /// nginx's own.
    let http2: Nginx

    static let n = "nginx.ingress.kubernetes.io/"

    static let manifests = (["app", "flaky", "secure", "h2", "h2-tls"].map(Manifest.service) + [
        Manifest.ingress("plain", host: "plain.test"),
        Manifest.ingress(
            "vhost", host: "vhost.test", annotations: [n + "upstream-vhost": "api.internal", n + "x-forwarded-prefix": "/shop", n + "rewrite-target": "/"],
            paths: [("/shop", "Prefix"), ("/", "Prefix")]),
        // The same settings but another Host: one named location serves both, each route sets its own.
        Manifest.ingress(
            "vhost2", host: "vhost2.test", annotations: [n + "upstream-vhost": "other.internal:8080", n + "x-forwarded-prefix": "/shop", n + "rewrite-target": "/"],
            paths: [("/shop", "Prefix")]),
        Manifest.ingress(
            "noprefix", host: "noprefix.test",
            annotations: [n + "x-forwarded-prefix": "/shop", "portico.io/upstream-vhost": "api.internal\"; proxy_set_header X-Evil 1; #"]),
        Manifest.ingress("http10", host: "http10.test", annotations: [n + "proxy-http-version": "1.0"]),
        Manifest.ingress(
            "unbuffered", host: "stream.test", annotations: [n + "proxy-buffering": "off", n + "proxy-request-buffering": "off"],
            paths: [("/off", "Prefix")]),
        Manifest.ingress("buffered", host: "stream.test", annotations: [n + "proxy-buffering": "on"], paths: [("/on", "Prefix")]),
        Manifest.ingress(
            "big-headers", host: "headers.test", annotations: [n + "proxy-buffer-size": "16k", n + "proxy-buffers-number": "8"],
            paths: [("/big", "Prefix"), ("/small", "Prefix")]),
        Manifest.ingress("small-headers", host: "headers.test", annotations: [n + "proxy-buffer-size": "4k"], paths: [("/small", "Exact")]),
        Manifest.ingress("quiet", host: "quiet.test", annotations: [n + "enable-access-log": "false"]),
        Manifest.ingress("retry", host: "retry.test", service: "flaky", annotations: [n + "proxy-next-upstream": "error timeout http_502"]),
        Manifest.ingress(
            "one-try", host: "one-try.test", service: "flaky",
            annotations: [n + "proxy-next-upstream": "error timeout http_502", n + "proxy-next-upstream-tries": "1"]),
        Manifest.ingress("no-retry", host: "no-retry.test", service: "flaky"),
        Manifest.ingress("https-backend", host: "https-backend.test", service: "secure", annotations: [n + "backend-protocol": "HTTPS"]),
        Manifest.ingress("http-backend", host: "http-backend.test", service: "secure", annotations: [n + "backend-protocol": "http"]),
        Manifest.ingress("fcgi-backend", host: "fcgi-backend.test", service: "secure", annotations: ["portico.io/backend-protocol": "FCGI"]),
        Manifest.ingress(
            "grpc", host: "grpc.test", service: "h2",
            annotations: [n + "backend-protocol": "GRPC", n + "upstream-vhost": "grpc.internal", n + "proxy-read-timeout": "30"]),
        Manifest.ingress("grpcs", host: "grpcs.test", service: "h2-tls", annotations: [n + "backend-protocol": "GRPCS"]),
    ]).joined(separator: "---\n")

    init() throws {
        stage = try Stage(manifests: Self.manifests, services: ["app"])
        failing = try EchoBackend(name: "failing", address: "127.0.0.60", port: stage.backendPort, status: 502)
        // nginx's resolver starts at a random one of a name's addresses for every request.
        pki = try TemporaryDirectory("portico-upstream-pki")
        let certificates = try TestCertificates.generate(in: pki.url)
        secure = try EchoBackend(
            name: "secure", address: "127.0.0.61", port: stage.backendPort,
            tls: (certificates.serverCertificate, certificates.serverKey))
        http2 = try Nginx.start(
            config: Self.http2Backend(port: stage.backendPort, certificate: certificates.serverCertificate, key: certificates.serverKey),
            waitingFor: [stage.backendPort], address: "127.0.0.70")
        try stage.dns.add(multi: [
            "flaky.default.svc.cluster.local": [failing.address, stage.backends[0].address],
            "secure.default.svc.cluster.local": [secure.address],
            "h2.default.svc.cluster.local": ["127.0.0.70"], "h2-tls.default.svc.cluster.local": ["127.0.0.71"],
        ])
    }

    static func http2Backend(port: Int, certificate: URL, key: URL) -> String {
        """
        worker_processes 1;
        pid nginx.pid;
        events {}
        http {
            access_log off;
            server {
                listen 127.0.0.70:\(port) http2;
                listen 127.0.0.71:\(port) ssl http2;
                ssl_certificate \(certificate.path);
                ssl_certificate_key \(key.path);
                location / {
                    return 200 "h2 $scheme $server_protocol $request_method $request_uri host=$http_host xff=$http_x_forwarded_for xrip=$http_x_real_ip upgrade=$http_upgrade\n";
                }
            }
        }
        """
    }

    deinit {
        http2.stop()
        secure.stop()
        failing.stop()
        stage.stop()
    }

    var app: EchoBackend { stage.backends[0] }

    @Test func upstreamVhostAndForwardedPrefixAreWhatTheBackendReceives() throws {
        let plain = try stage.request("/x", host: "plain.test").echo()
        #expect(plain.header("Host") == "plain.test")
        #expect(plain.header("X-Forwarded-Prefix") == nil)

        let shop = try stage.request("/shop/cart", host: "vhost.test").echo()
        #expect(shop.header("Host") == "api.internal", "\(shop.headers)\n\(stage.context)")
        #expect(shop.header("X-Forwarded-Host") == "vhost.test")
        #expect(shop.header("X-Forwarded-Prefix") == "/shop")
        // rewrite-target "/" rewrote the path, as ingress-nginx's `rewrite "(?i)/shop" / break` does.
        #expect(shop.path == "/", "\(shop.path)")
        // Every other header the http context sends is still sent.
        #expect(shop.header("X-Real-IP") == "127.0.0.1")
        #expect(shop.header("X-Forwarded-For") == "127.0.0.1")
        #expect(shop.header("X-Forwarded-Proto") == "http")
        // `/` is the rewrite target itself: ingress-nginx sends no prefix there.
        let root = try stage.request("/other", host: "vhost.test").echo()
        #expect(root.header("Host") == "api.internal")
        #expect(root.header("X-Forwarded-Prefix") == nil)
        // Another Ingress's Host through the same named location, and the first one's again after it.
        let other = try stage.request("/shop/cart", host: "vhost2.test").echo()
        #expect(other.header("Host") == "other.internal:8080", "\(other.headers)")
        #expect(other.header("X-Forwarded-Prefix") == "/shop")
        #expect(try stage.request("/shop/cart", host: "vhost.test").echo().header("Host") == "api.internal")
        #expect(stage.config.components(separatedBy: #"proxy_set_header X-Forwarded-Prefix "/shop";"#).count == 2, "\(stage.config)")

        // Without rewrite-target no prefix, as in ingress-nginx; the hostile vhost is refused and
        // the client's Host is sent.
        let noPrefix = try stage.request("/", host: "noprefix.test").echo()
        #expect(noPrefix.header("X-Forwarded-Prefix") == nil)
        #expect(noPrefix.header("Host") == "noprefix.test")
        #expect(noPrefix.header("X-Evil") == nil)
        for key in ["nginx.ingress.kubernetes.io/x-forwarded-prefix", "portico.io/upstream-vhost"] {
            #expect(
                stage.diagnostics.contains { $0.hasPrefix("warning: ingress default/noprefix: metadata.annotations[\"\(key)\"]") },
                "\(stage.diagnostics)")
        }
        #expect(!stage.config.contains("X-Evil"))
    }

    /// `backend-protocol: HTTPS` speaks TLS to the backend; plain HTTP to the same backend fails
    /// (502); gRPC is not implemented and says so.
    @Test func backendProtocolHTTPSReachesATLSBackend() throws {
        let response = try stage.request("/tls/x?q=1", host: "https-backend.test")
        #expect(response.status == 200, "\(response.status) \(response.text.prefix(200))\n\(stage.context)")
        let echo = try response.echo()
        #expect(echo.backend == "secure")
        #expect(echo.path == "/tls/x" && echo.query == "q=1")
        #expect(echo.header("Host") == "https-backend.test")
        #expect(try stage.request("/", host: "http-backend.test").status == 502)
        #expect(try stage.request("/", host: "fcgi-backend.test").status == 502)
        #expect(
            stage.diagnostics.contains {
                $0.hasPrefix("warning: ingress default/fcgi-backend: metadata.annotations[\"portico.io/backend-protocol\"]")
                    && $0.contains("not implemented")
            }, "\(stage.diagnostics)")
        #expect(!stage.config.contains("fastcgi_pass"))
    }

    /// `backend-protocol: GRPC` / `GRPCS`: nginx's grpc module speaks HTTP/2 to the backend, clear
    /// or over TLS, with the client's path and query (not Portico's host key), the forwarded
    /// headers (not the hop-by-hop ones) and upstream-vhost's Host.
    @Test func grpcSpeaksHTTP2ToTheBackend() throws {
        let clear = try stage.request("/pkg.Greeter/SayHello?x=1", host: "grpc.test", method: "POST", body: Data("\u{0}\u{0}\u{0}\u{0}\u{0}".utf8))
        #expect(clear.status == 200, "\(clear.status) \(clear.text)\n\(stage.context)")
        #expect(
            clear.text == "h2 http HTTP/2.0 POST /pkg.Greeter/SayHello?x=1 host=grpc.internal xff=127.0.0.1 xrip=127.0.0.1 upgrade=\n",
            "\(clear.text)")
        let tls = try stage.request("/pkg.Greeter/SayHello", host: "grpcs.test", method: "POST", body: Data())
        #expect(tls.status == 200, "\(tls.status) \(tls.text)")
        #expect(tls.text == "h2 https HTTP/2.0 POST /pkg.Greeter/SayHello host=grpcs.test xff=127.0.0.1 xrip=127.0.0.1 upgrade=\n", "\(tls.text)")
        #expect(stage.config.contains("grpc_read_timeout 30s;"))
    }

    @Test func httpVersionIsTheOneTheBackendSees() throws {
        #expect(try stage.request("/", host: "http10.test").echo().httpVersion == "HTTP/1.0")
        #expect(try stage.request("/", host: "plain.test").echo().httpVersion == "HTTP/1.1")
    }

    /// The backend sends "first", then waits to be released before the rest: either way nginx
    /// passes on what it has as the client can take it (buffering only changes what happens when
    /// the client is slower than the backend, below).
    @Test func aHeldResponseReachesTheClientAsItComes() throws {
        let token = UUID().uuidString
        for path in ["/off", "/on"] {
            let stream = try HTTPStream(port: stage.httpPort, host: "stream.test", target: path + "/events", headers: [("X-Echo-Hold", token + path)])
            #expect(try stream.waitFor("first\n", within: 10), "\(path): \(stream.text)\n\(stage.context)")
            #expect(!stream.text.contains("rest\n"))
            try app.release(token + path)
            #expect(try stream.waitFor("rest\n", within: 10))
        }
    }

    /// A 16 MB response to a client that reads nothing yet: buffered, nginx takes it all from the
    /// backend at once and, its memory buffers full, writes the rest to a temporary file (and says
    /// so in error.log); unbuffered, it reads from the backend only as fast as the client does.
    @Test func aBufferedResponseIsTakenFromTheBackendAtOnce() throws {
        let marker = UUID().uuidString
        let size = 16 << 20
        func temporaryFileLine(_ target: String) -> Bool {
            stage.nginx.errorLog.split(separator: "\n").contains { $0.contains("buffered to a temporary file") && $0.contains(target) }
        }
        let buffered = try HTTPStream(port: stage.httpPort, host: "stream.test", target: "/on/big-\(marker)", headers: [("X-Echo-Size", "\(size)")])
        #expect(try buffered.waitFor("200 OK", within: 10), "\(buffered.text.prefix(300))")
        try eventuallyBlocking(timeout: .seconds(10), "nginx buffers /on to a temporary file:\n\(stage.nginx.errorLog.suffix(1500))") {
            temporaryFileLine("/on/big-\(marker)")
        }
        #expect(try buffered.response().body.count == size)

        let unbuffered = try HTTPStream(port: stage.httpPort, host: "stream.test", target: "/off/big-\(marker)", headers: [("X-Echo-Size", "\(size)")])
        #expect(try unbuffered.waitFor("200 OK", within: 10))
        // As long as it took with buffering, and then some: no temporary file.
        #expect(throws: DeadlineExceeded.self) {
            try eventuallyBlocking(timeout: .seconds(1), "") { temporaryFileLine("/off/big-\(marker)") }
        }
        #expect(try unbuffered.response().body.count == size)
        #expect(!temporaryFileLine("/off/big-\(marker)"))
    }

    /// A chunked request body that the client sends only after `100 Continue`: read whole and sent
    /// with its length (request buffering on, the default), or passed on chunked as it comes (off).
    @Test func requestBodiesStreamOnlyWithoutRequestBuffering() throws {
        let chunked = Data("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n".utf8)
        func upload(_ path: String) throws -> EchoReply {
            let stream = try HTTPStream(
                port: stage.httpPort, host: "stream.test", method: "POST", target: path,
                headers: [("Transfer-Encoding", "chunked"), ("Expect", "100-continue")])
            #expect(try stream.waitFor("100 Continue\r\n\r\n", within: 10), "\(stream.text)")
            try stream.send(chunked)
            return try stream.response().echo()
        }
        let streamed = try upload("/off/upload")
        #expect(streamed.body == "hello world")
        #expect(streamed.header("Transfer-Encoding") == "chunked", "\(streamed.headers)")
        #expect(streamed.header("Content-Length") == nil)

        let buffered = try upload("/on/upload")
        #expect(buffered.body == "hello world")
        #expect(buffered.header("Content-Length") == "11", "\(buffered.headers)")
        #expect(buffered.header("Transfer-Encoding") == nil)
    }

    /// `proxy-buffer-size` is the room for the backend's response header: an 8 KB header fits in
    /// 16k and is refused with 502 in 4k ("upstream sent too big header").
    @Test func bufferSizeBoundsTheResponseHeader() throws {
        let pad = [("X-Echo-Pad", "8000")]
        let big = try stage.request("/big/x", host: "headers.test", headers: pad)
        #expect(big.status == 200, "\(big.status)\n\(stage.context)")
        #expect(big.header("X-Echo-Pad")?.count == 8000)
        #expect(try stage.request("/small", host: "headers.test", headers: pad).status == 502)
        #expect(stage.nginx.errorLog.contains("upstream sent too big header"))
        // A small header passes on either.
        #expect(try stage.request("/small", host: "headers.test").status == 200)
    }

    @Test func accessLogIsOffOnlyWhereAsked() throws {
        let marker = UUID().uuidString
        #expect(try stage.request("/quiet-\(marker)", host: "quiet.test").status == 200)
        #expect(try stage.request("/loud-\(marker)", host: "plain.test").status == 200)
        // nginx writes a request's line before it closes the connection, which the client waited for.
        let log = try String(contentsOfFile: stage.nginx.prefix + "access.log", encoding: .utf8)
        #expect(log.contains("/loud-\(marker)"), "\(log.suffix(1000))")
        #expect(!log.contains("/quiet-\(marker)"))
    }

    /// `flaky` resolves to a backend that answers 502 and to `app`; nginx starts at a random one.
    /// With `http_502` in proxy-next-upstream every request ends at `app`; without it (nginx's
    /// `error timeout`), or with one try, some answer 502.
    @Test func a502IsPassedToTheNextAddressOnlyWhereAsked() throws {
        func statuses(_ host: String) throws -> [Int] {
            try (0..<24).map { i in
                let response = try stage.request("/r\(i)", host: host)
                return response.status == 200 && response.backend == "app" ? 200 : response.status
            }
        }
        let failedBefore = failing.log.components(separatedBy: "\n").count
        #expect(try statuses("retry.test") == Array(repeating: 200, count: 24), "\(stage.context)")
        // The failing backend was asked too: the 200s were retries, not luck.
        #expect(failing.log.components(separatedBy: "\n").count > failedBefore, "\(failing.log)")
        // Odds that 24 requests all start at app: 2^-24.
        #expect(try statuses("no-retry.test").contains(502))
        #expect(try statuses("one-try.test").contains(502))
    }
}
