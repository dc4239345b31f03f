import Foundation
import TestSupport
import Testing

/// The harness on its own, with a hand-written nginx.conf in Portico's pattern: a private resolver,
/// `set $portico_upstream "<svc>.<ns>.svc.cluster.local:<port>"` and `proxy_pass http://$portico_upstream`.
@Suite("Harness: dnsmasq, echo backends, nginx, raw HTTP")
struct HarnessTests {
    static func config(httpPort: Int, resolver: String, backendPort: Int, upgrades: Bool = false) -> String {
        """
        worker_processes 1;
        error_log error.log info;
        events { worker_connections 64; }
        http {
            access_log access.log;
            client_body_temp_path client_body_temp;
            proxy_temp_path proxy_temp;
            fastcgi_temp_path fastcgi_temp;
            uwsgi_temp_path uwsgi_temp;
            scgi_temp_path scgi_temp;
            resolver \(resolver) valid=1s ipv6=off;
            resolver_timeout 3s;
            proxy_http_version 1.1;
            proxy_set_header Host $http_host;
        \(upgrades ? "    proxy_set_header Upgrade $http_upgrade;\n    proxy_set_header Connection upgrade;" : "")

            server {
                listen 127.0.0.1:\(httpPort) default_server;
                server_name _;
                return 404;
            }
            server {
                listen 127.0.0.1:\(httpPort);
                server_name alpha.example.com;
                location / {
                    set $portico_upstream "alpha.default.svc.cluster.local:\(backendPort)";
                    proxy_pass http://$portico_upstream;
                }
                location /ghost {
                    set $portico_upstream "ghost.default.svc.cluster.local:\(backendPort)";
                    proxy_pass http://$portico_upstream;
                }
            }
            server {
                listen 127.0.0.1:\(httpPort);
                server_name beta.example.com;
                location / {
                    set $portico_upstream "beta.default.svc.cluster.local:\(backendPort)";
                    proxy_pass http://$portico_upstream;
                }
            }
        }

        """
    }

    @Test func dnsServerAnswersItsMapAndNothingElse() throws {
        let dns = try DNSServer(["a.default.svc.cluster.local": "127.0.0.2"])
        defer { dns.stop() }
        #expect(try dns.resolve("a.default.svc.cluster.local") == ["127.0.0.2"])
        #expect(try dns.resolve("b.default.svc.cluster.local") == [])
        #expect(try dns.resolve("example.org") == [])
        try dns.update(multi: ["b.default.svc.cluster.local": ["127.0.0.3", "127.0.0.4"]])
        #expect(try dns.resolve("a.default.svc.cluster.local") == [])
        #expect(try Set(dns.resolve("b.default.svc.cluster.local")) == ["127.0.0.3", "127.0.0.4"])
    }

    @Test func echoBackendDescribesTheRequest() throws {
        let port = try Ports.free()
        let backend = try EchoBackend(name: "solo", address: "127.0.0.2", port: port)
        defer { backend.stop() }
        let response = try HTTPProbe.request(
            port: port, host: "solo.test", method: "PUT", target: "/a%20b/c?x=1&y=%2F",
            headers: [("X-Custom", "v")], body: Data("payload".utf8), address: "127.0.0.2")
        #expect(response.status == 200)
        let echo = try response.echo()
        #expect(echo.backend == "solo")
        #expect(echo.method == "PUT")
        #expect(echo.path == "/a%20b/c")
        #expect(echo.query == "x=1&y=%2F")
        #expect(echo.header("host") == "solo.test")
        #expect(echo.header("x-custom") == "v")
        #expect(echo.body == "payload")
        #expect(echo.httpVersion == "HTTP/1.1")
    }

    @Test func handWrittenConfigRoutesByHostThroughThePrivateResolver() throws {
        let backendPort = try Ports.free()
        let httpPort = try Ports.free()
        let backends = try EchoBackend.start(["alpha", "beta"], port: backendPort)
        let dns = try DNSServer([
            "alpha.default.svc.cluster.local": backends[0].address,
            "beta.default.svc.cluster.local": backends[1].address,
        ])
        let nginx = try Nginx.start(
            config: Self.config(httpPort: httpPort, resolver: dns.resolverAddress, backendPort: backendPort),
            waitingFor: [httpPort])
        defer {
            nginx.stop()
            dns.stop()
            backends.forEach { $0.stop() }
        }

        let alpha = try HTTPProbe.get("/hello?q=1", host: "alpha.example.com", port: httpPort)
        #expect(alpha.status == 200, "\(alpha.text)\n\(nginx.errorLog)")
        let alphaEcho = try alpha.echo()
        #expect(alphaEcho.backend == "alpha")
        #expect(alphaEcho.path == "/hello")
        #expect(alphaEcho.query == "q=1")
        #expect(alphaEcho.header("host") == "alpha.example.com")

        let beta = try HTTPProbe.get("/", host: "BETA.example.com", port: httpPort)
        #expect(try beta.echo().backend == "beta")

        let unknown = try HTTPProbe.get("/", host: "gamma.example.com", port: httpPort)
        #expect(unknown.status == 404)
        #expect(unknown.backend == nil)

        // A name only the private resolver could answer (and does not): nginx says 502.
        let ghost = try HTTPProbe.get("/ghost", host: "alpha.example.com", port: httpPort)
        #expect(ghost.status == 502)
        #expect(nginx.errorLog.contains("could not be resolved"))
        #expect(dns.log.contains("ghost.default.svc.cluster.local"))

        // Without Upgrade forwarded, the backend answers a plain request.
        let (plain, _) = try HTTPProbe.webSocketEcho(
            port: httpPort, host: "alpha.example.com", target: "/ws", message: "ping")
        #expect(plain.status == 200)

        // Reload: the ghost name now exists, and upgrades are forwarded.
        try dns.add(["ghost.default.svc.cluster.local": backends[1].address])
        try nginx.reload(
            with: Self.config(
                httpPort: httpPort, resolver: dns.resolverAddress, backendPort: backendPort, upgrades: true))
        let found = try HTTPProbe.get("/ghost", host: "alpha.example.com", port: httpPort)
        #expect(try found.echo().backend == "beta", "\(found.text)")
        let (upgraded, echoed) = try HTTPProbe.webSocketEcho(
            port: httpPort, host: "alpha.example.com", target: "/ws", message: "ping")
        #expect(upgraded.status == 101)
        #expect(echoed == "alpha:ping")
    }

    @Test func nginxTestReportsABadConfig() throws {
        let nginx = try Nginx(config: "events {}\nhttp { server { listen 127.0.0.1:1; bogus_directive on; } }\n")
        let error = #expect(throws: NginxTestError.self) { try nginx.test() }
        #expect(error?.output.contains("bogus_directive") == true)
    }

    @Test func portsAreHandedOutOnceAndAServerIsUpOnlyOnItsOwnSocket() throws {
        let ports = try (0..<200).map { _ in try Ports.free() }
        #expect(Set(ports).count == ports.count)

        // Something else listens on the port: a process that never binds it is not "up" there.
        // (A server that accepts: a bare listen socket's backlog fills and connect() then blocks.)
        let port = try Ports.free()
        let squatter = try EchoBackend(name: "squatter", port: port)
        defer { squatter.stop() }
        let directory = try TemporaryDirectory("portico-harness")
        let idle = try ChildProcess("/bin/sleep", ["30"], name: "sleep", logDirectory: directory.url)
        defer { idle.stop() }
        #expect(throws: (any Error).self) { try Ports.waitUntilListening(port, timeout: 0.5, process: idle) }

        // The process that owns the listening socket is.
        let own = try Ports.free()
        let backend = try EchoBackend(name: "own", port: own)
        defer { backend.stop() }
        try Ports.waitUntilListening(own, timeout: 5, process: backend.process)
    }
}
