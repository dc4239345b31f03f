import Foundation
import PorticoNginx
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `portico run` as deployed, minus the pod: the real binary against the test API server over TLS,
/// real nginx, dnsmasq for `*.svc.cluster.local`, and echo backends, all on loopback.
@Suite("End to end: portico run", .serialized, .enabled(if: PorticoBinary.path != nil, "portico is not built"))
struct RunEndToEndTests {
    static let ingresses = TestAPIServer.path("networking.k8s.io/v1", "ingresses", namespace: "default")
    static let services = TestAPIServer.path("v1", "services", namespace: "default")

    /// Everything one test needs, stopped when dropped.
    final class Rig: @unchecked Sendable {
        let server: TestAPIServer
        let dns: DNSServer
        let backends: [EchoBackend]
        let runtime: TemporaryDirectory
        let portico: ChildProcess
        let httpPort: Int, healthPort: Int, statusPort: Int, backendPort: Int
        /// HTTPS is on, as by default, on a free port (unless `extraArguments` names one).
        let httpsPort: Int

        /// `launcher` runs portico through another command (`launcher + [portico] + arguments`),
        /// e.g. `unshare -m` for a private runtime directory.
        init(extraArguments: [String] = [], launcher: [String] = []) throws {
            server = try TestAPIServer()
            runtime = try TemporaryDirectory("portico-run")
            let kubeconfig = try server.writeKubeconfig(to: runtime.file("kubeconfig"))
            backendPort = try Ports.free()
            backends = try EchoBackend.start(["web", "api"], port: backendPort, firstHost: 20)
            dns = try DNSServer(Dictionary(uniqueKeysWithValues: backends.map {
                ("\($0.name).default.svc.cluster.local", $0.address)
            }))
            httpPort = try Ports.free()
            healthPort = try Ports.free()
            statusPort = try Ports.free()
            httpsPort = try Ports.free()
            let https = extraArguments.contains("--https-port") || extraArguments.contains("--no-https")
                ? [] : ["--https-port", "\(httpsPort)"]
            guard let binary = PorticoBinary.path else { throw TestSupportError("portico is not built") }
            portico = try ChildProcess(
                launcher.first ?? binary,
                Array(launcher.dropFirst()) + (launcher.isEmpty ? [] : [binary]) + [
                    "run", "--kubeconfig", kubeconfig.path, "--http-port", "\(httpPort)", "--bind-address", "127.0.0.1",
                    "--resolver", dns.resolverAddress, "--health-port", "\(healthPort)", "--health-address", "127.0.0.1",
                    "--status-port", "\(statusPort)", "--runtime-dir", runtime.file("nginx").path,
                    "--sync-window-ms", "20", "--shutdown-grace", "10",
                ] + https + extraArguments, name: "portico", logDirectory: runtime.url)
        }

        deinit {
            portico.stop(grace: 15)
            dns.stop()
            backends.forEach { $0.stop() }
            server.stop()
        }

        func health(_ path: String) -> Int {
            (try? HTTPProbe.get(path, host: "localhost", port: healthPort, timeout: 2).status) ?? 0
        }

        /// The backend that answered, or nginx's status.
        func who(_ host: String, _ path: String) -> String {
            guard let response = try? HTTPProbe.get(path, host: host, port: httpPort, timeout: 3) else { return "no answer" }
            if response.status == 200, let echo = try? response.echo() { return echo.backend }
            return "\(response.status)"
        }

        /// The Service `web` and the Ingress `site` routing a.test/ to it, served before it returns:
        /// where most tests start.
        func serveSite() async throws {
            try await server.create(RunEndToEndTests.services, service("web"))
            try await server.create(RunEndToEndTests.ingresses, ingress("site", host: "a.test", path: "/", service: "web"))
            try await eventually("never served: \(log)") { who("a.test", "/") == "web" }
        }

        func service(_ name: String) -> [String: Any] {
            ["metadata": ["name": name], "spec": ["ports": [["name": "http", "port": backendPort]]]]
        }

        func ingress(_ name: String, host: String, path: String, service: String) -> [String: Any] {
            [
                "metadata": ["name": name],
                "spec": ["rules": [["host": host, "http": ["paths": [[
                    "path": path, "pathType": "Prefix",
                    "backend": ["service": ["name": service, "port": ["name": "http"]]],
                ]]]]]],
            ]
        }

        var log: String { portico.stderr + portico.stdout }
    }

    @Test func followsTheClusterChangeByChange() async throws {
        let rig = try Rig()
        try await eventually("never ready: \(rig.log)") { rig.health("/readyz") == 200 }
        // nginx's workers that take new connections: as many as the first config's once no reload
        // is retiring older ones.
        let acceptingWorkers = {
            ProcessTable.children(of: rig.portico.pid, named: "nginx").flatMap(ProcessTable.children(of:))
                .filter(NginxProcess.isAcceptingWorker).count
        }
        try await eventually("nginx's workers started: \(rig.log)") { acceptingWorkers() > 0 }
        let steadyWorkers = acceptingWorkers()
        #expect(rig.health("/healthz") == 200)

        try await rig.server.create(Self.services, rig.service("web"))
        try await rig.server.create(Self.ingresses, rig.ingress("site", host: "a.test", path: "/v1", service: "web"))
        try await eventually("created route never answered: \(rig.log)") { rig.who("a.test", "/v1/x") == "web" }

        try await rig.server.patch(Self.ingresses + "/site", ["spec": ["rules": [["host": "a.test", "http": ["paths": [[
            "path": "/v2", "pathType": "Prefix", "backend": ["service": ["name": "web", "port": ["name": "http"]]],
        ]]]]]]])
        try await eventually("the patched route answers: \(rig.log)") { rig.who("a.test", "/v2") == "web" }
        // An old worker takes connections until it has read the reload's signal: on a loaded
        // machine a request may reach one just after a new worker answered.
        try await eventually(timeout: .seconds(5), "the old route still answers: \(rig.log)") { rig.who("a.test", "/v1/x") == "404" }

        try await rig.server.delete(Self.services + "/web")
        try await eventually("503 without the Service: \(rig.log)") { rig.who("a.test", "/v2") == "503" }
        try await rig.server.create(Self.services, rig.service("web"))
        try await eventually("the Service back: \(rig.log)") { rig.who("a.test", "/v2") == "web" }

        // An invalid object is left out; everything else keeps answering.
        try await rig.server.create(Self.services, rig.service("api"))
        try await rig.server.create(Self.ingresses, rig.ingress("bad", host: "b.test", path: "/x;}", service: "api"))
        try await rig.server.create(Self.ingresses, rig.ingress("good", host: "b.test", path: "/ok", service: "api"))
        try await eventually("the valid Ingress beside the invalid one: \(rig.log)") { rig.who("b.test", "/ok") == "api" }
        #expect(rig.who("b.test", "/x;}") == "404")
        #expect(rig.who("a.test", "/v2") == "web")

        // A change nothing routes from (a label) reloads nothing.
        let metrics = { (try? HTTPProbe.get("/metrics", host: "localhost", port: rig.healthPort).text) ?? "" }
        let metric = { (name: String) in
            metrics().split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Int($0.dropFirst(name.count + 1)) }
        }
        // nginx serves a new config a moment before the controller has confirmed and counted it,
        // and until its old workers retire they may answer the status probe with the generation
        // before: so the generations must agree once only the current workers accept.
        try await eventually("the controller counts the generation nginx serves: \(metrics())") {
            acceptingWorkers() == steadyWorkers
                && StatusProbe.generation(port: rig.statusPort).map { $0 == metric("portico_config_generation") } ?? false
        }
        let generation = metric("portico_config_generation")
        let skipped = metric("portico_reconciles_skipped_total") ?? 0
        try await rig.server.patch(Self.ingresses + "/good", ["metadata": ["labels": ["team": "x"]]])
        try await eventually("the label change reconciled: \(metrics())") { (metric("portico_reconciles_skipped_total") ?? 0) > skipped }
        #expect(metric("portico_config_generation") == generation)
        // glibc's own count of live heap, read after each reconcile: a megabyte or more, never 0.
        let heap = metrics().split(separator: "\n").first { $0.hasPrefix("portico_heap_in_use_bytes ") }
        #expect((heap?.split(separator: " ").last.flatMap { Int($0) } ?? 0) > 1_000_000, "\(heap ?? "no gauge")")
    }

    /// Basic authentication follows its Secret as it changes, without HTTPS (Secrets are watched
    /// all the same): a new password takes over, the old one stops working, the htpasswd file of
    /// the old content goes, and without the Secret the paths answer 503.
    @Test func basicAuthenticationFollowsItsSecret() async throws {
        let rig = try Rig(extraArguments: ["--no-https"])
        let secrets = TestAPIServer.path("v1", "secrets", namespace: "default")
        func data(_ hash: String) -> [String: Any] { ["auth": Data("alice:\(hash)\n".utf8).base64EncodedString()] }
        let first = "$apr1$portico2$EMiGvozVb/G62rIKUB8D61"  // hunter2
        let second = "{SHA}t6h1/B6iKLkGEEG3zsS9PFKrPOM="  // letmein
        try await rig.server.create(Self.services, rig.service("web"))
        try await rig.server.create(secrets, ["metadata": ["name": "users"], "type": "Opaque", "data": data(first)])
        var ingress = rig.ingress("private", host: "p.test", path: "/", service: "web")
        ingress["metadata"] = ["name": "private", "annotations": [
            "nginx.ingress.kubernetes.io/auth-type": "basic", "nginx.ingress.kubernetes.io/auth-secret": "users",
        ]]
        try await rig.server.create(Self.ingresses, ingress)
        func who(_ credentials: String?) -> String {
            let headers = credentials.map { [("Authorization", "Basic " + Data($0.utf8).base64EncodedString())] } ?? []
            guard let r = try? HTTPProbe.request(port: rig.httpPort, host: "p.test", headers: headers, timeout: 3) else { return "no answer" }
            return r.backend ?? "\(r.status)"
        }
        let files = { (try? FileManager.default.contentsOfDirectory(atPath: rig.runtime.file("nginx/auth").path)) ?? [] }
        try await eventually("never protected: \(rig.log)") { who("alice:hunter2") == "web" }
        // An old worker takes connections until it has read the reload's signal (404 there).
        try await eventually(timeout: .seconds(5), "not refused without the password: \(rig.log)") {
            who(nil) == "401" && who("alice:letmein") == "401"
        }
        let written = files()
        #expect(written.count == 1 && written[0].hasSuffix(".htpasswd"), "\(written)")
        let mode = (try FileManager.default.attributesOfItem(atPath: rig.runtime.file("nginx/auth/" + written[0]).path)[.posixPermissions] as? Int) ?? 0
        #expect(mode == 0o600)

        try await rig.server.patch(secrets + "/users", ["data": data(second)])
        try await eventually("the new password never took over: \(rig.log)") { who("alice:letmein") == "web" }
        // nginx's old workers may take a connection or two until they have closed their listening
        // sockets after the reload: the old password stops working, within the deadline.
        try await eventually("the old password still works: \(rig.log)") { who("alice:hunter2") == "401" }
        try await eventually("the old file stays: \(files())") { files().count == 1 && files() != written }

        try await rig.server.delete(secrets + "/users")
        try await eventually("without the Secret, 503: \(rig.log)") { who("alice:letmein") == "503" }
        try await eventually(timeout: .seconds(5), "without the Secret, still 401 for no password: \(rig.log)") { who(nil) == "503" }
        #expect(!rig.log.contains("t6h1/B6iKLkGEEG3zsS9PFKrPOM") && !rig.log.contains("EMiGvozVb"))
    }

    /// `--controller-class k8s.io/ingress-nginx`: ingress-nginx's IngressClass `nginx`, left as it
    /// was, is Portico's: by name, by the legacy annotation and, as the default class, for
    /// Ingresses without one; an Ingress of another class still is not.
    @Test func takesOverIngressNginxsClass() async throws {
        let rig = try Rig(extraArguments: ["--controller-class", "k8s.io/ingress-nginx"])
        try await eventually("never ready: \(rig.log)") { rig.health("/readyz") == 200 }
        try await rig.server.create(
            TestAPIServer.path("networking.k8s.io/v1", "ingressclasses"),
            [
                "metadata": ["name": "nginx", "annotations": ["ingressclass.kubernetes.io/is-default-class": "true"]],
                "spec": ["controller": "k8s.io/ingress-nginx"],
            ])
        try await rig.server.create(Self.services, rig.service("web"))
        var byName = rig.ingress("by-name", host: "a.test", path: "/", service: "web")
        byName["spec"] = (byName["spec"] as? [String: Any] ?? [:]).merging(["ingressClassName": "nginx"]) { $1 }
        var byAnnotation = rig.ingress("by-annotation", host: "b.test", path: "/", service: "web")
        byAnnotation["metadata"] = ["name": "by-annotation", "annotations": ["kubernetes.io/ingress.class": "nginx"]]
        var portico = rig.ingress("portico", host: "d.test", path: "/", service: "web")
        portico["spec"] = (portico["spec"] as? [String: Any] ?? [:]).merging(["ingressClassName": "traefik"]) { $1 }
        for object in [byName, byAnnotation, rig.ingress("classless", host: "c.test", path: "/", service: "web"), portico] {
            try await rig.server.create(Self.ingresses, object)
        }
        try await eventually("ingress-nginx's Ingresses served: \(rig.log)") {
            rig.who("a.test", "/") == "web" && rig.who("b.test", "/") == "web" && rig.who("c.test", "/") == "web"
        }
        #expect(rig.who("d.test", "/") == "404")
    }

    @Test func keepsServingThroughAnAPIOutageAndCatchesUpAfter() async throws {
        let rig = try Rig()
        try await rig.serveSite()

        // The API server fails every request for a while and every watch is cut.
        // About three failed reconnects per watched kind: a short outage, with the client backing off.
        try await rig.server.failNextRequests(12, status: 503)
        try await rig.server.cutWatches(.midEvent)
        // Watched through the outage (a second): every request answered meanwhile.
        for _ in 0..<20 {
            #expect(rig.who("a.test", "/") == "web")
            try await Task.sleep(for: .milliseconds(50))
        }
        try await rig.server.create(Self.services, rig.service("api"))  // admin listener: not failed
        try await rig.server.create(Self.ingresses, rig.ingress("late", host: "late.test", path: "/", service: "api"))
        try await eventually(timeout: .seconds(20), "change after the outage never applied: \(rig.log)") { rig.who("late.test", "/") == "api" }
        #expect(rig.who("a.test", "/") == "web")
    }

    @Test func aKilledNginxIsBackWithinASecond() async throws {
        let rig = try Rig()
        try await rig.serveSite()
        let pidFile = rig.runtime.file("nginx/nginx.pid").path
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        kill(pid, SIGKILL)
        let killed = ContinuousClock.now
        try await eventually(timeout: .seconds(1), poll: .milliseconds(25), "nginx not back within 1 s: \(rig.log)") {
            let now = (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            return now != nil && now != pid && rig.who("a.test", "/") == "web"
        }
        #expect(ContinuousClock.now - killed < .seconds(1.5))
        #expect(rig.log.contains("nginx exited; restarting it"))
    }

    /// The first nginx master is killed as it starts, before it can have served: portico starts it
    /// again (with the backoff of any later death), confirms the first config on the new one,
    /// becomes ready and serves. To catch the master in its start every time, the template includes
    /// a FIFO: nginx blocks reading it until the test opens its other end.
    @Test func anNginxKilledAsItFirstStartsIsRestarted() async throws {
        let hold = try TemporaryDirectory("portico-hold")
        let fifo = hold.file("hold.conf").path
        guard mkfifo(fifo, 0o644) == 0 else { throw TestSupportError("mkfifo \(fifo): errno \(errno)") }
        let template = try CLIEndToEndTests.portico(["default-template"]).stdout
        #expect(template.contains("pid {{pid}};\n"))
        let held = try hold.write("held.tmpl", template.replacingOccurrences(of: "pid {{pid}};\n", with: "pid {{pid}};\ninclude \(fifo);\n"))
        let rig = try Rig(extraArguments: ["--template", held.path])
        let nginx = { ProcessTable.children(of: rig.portico.pid, named: "nginx") }
        defer {
            // However the test ends, no nginx is left waiting on the FIFO when portico stops.
            let fd = open(fifo, O_WRONLY | O_NONBLOCK)
            if fd >= 0 { close(fd) }
            withExtendedLifetime(rig) {}
        }

        var first: Int32?
        try await eventually(timeout: .seconds(20), "portico starts nginx: \(rig.log)") {
            first = nginx().first
            return first != nil
        }
        let master = try #require(first)
        kill(master, SIGKILL)
        try await eventually("portico starts nginx again: \(rig.log)") { nginx().contains { $0 != master } }
        // Let the restarted master read the include (empty): open the FIFO's other end once it waits
        // there (ENXIO until then), put an empty file in its place for the reloads to come, and close.
        let empty = try hold.write("empty.conf", "")
        try await eventually("the restarted nginx opens the include: \(rig.log)") {
            let fd = open(fifo, O_WRONLY | O_NONBLOCK)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            guard rename(empty.path, fifo) == 0 else { throw TestSupportError("rename onto \(fifo): errno \(errno)") }
            return true
        }

        try await eventually("never ready after nginx was killed as it started: \(rig.log)") { rig.health("/readyz") == 200 }
        #expect(rig.portico.isRunning)
        let log = rig.log
        let restarting = try #require(log.range(of: "nginx exited; restarting it"), "no restart: \(log)")
        let live = try #require(log.range(of: "first config live"), "\(log)")
        #expect(restarting.lowerBound < live.lowerBound, "\(log)")
        #expect(!log.contains("nginx did not start serving the first config"))
        try await rig.serveSite()
        #expect(rig.health("/healthz") == 200)
    }

    @Test func sigtermLetsInFlightRequestsFinishAndExitsZero() async throws {
        let rig = try Rig()
        try await rig.serveSite()

        // Requests in flight: the head and half of each body are sent before SIGTERM, the rest after.
        let body = String(repeating: "x", count: 2000)
        var inFlight: [Int32] = []
        for _ in 0..<10 {
            let fd = try Self.connect(port: rig.httpPort)
            Self.send(fd, "POST /upload HTTP/1.1\r\nHost: a.test\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n")
            Self.send(fd, String(body.prefix(1000)))
            inFlight.append(fd)
        }
        try await eventually("nginx accepted the 10 connections") { Self.acceptedConnections(port: rig.httpPort) >= 10 }
        let master = try #require(ProcessTable.children(of: rig.portico.pid, named: "nginx").first)
        let workers = ProcessTable.children(of: master)
        rig.portico.signal(SIGTERM)
        // The rest of each body goes only once nginx is shutting down: they are truly in flight.
        try await eventually("nginx's workers shutting down: \(rig.log)") {
            workers.allSatisfy { !NginxProcess.isAcceptingWorker($0) }
        }
        var statuses: [String] = []
        for fd in inFlight {
            Self.send(fd, String(body.dropFirst(1000)))
            statuses.append(Self.readStatusLine(fd))
            close(fd)
        }
        #expect(statuses.allSatisfy { $0.hasPrefix("HTTP/1.1 200") }, "\(statuses)")
        #expect(rig.portico.wait(timeout: 20) == 0, "portico did not exit 0: \(rig.log)")
        #expect(!Ports.isListening(rig.httpPort))
        #expect(rig.log.contains("signal received"))
    }

    /// Connections to 127.0.0.1:`port` that a process has accepted (/proc/net/tcp: established, and
    /// with an inode, which a connection still in the listen queue does not have yet). Read through
    /// FileHandle: String(contentsOfFile:) stops after the first page of a /proc file.
    static func acceptedConnections(port: Int) -> Int {
        guard let data = FileHandle(forReadingAtPath: "/proc/net/tcp").flatMap({ try? $0.readToEnd() }) else { return 0 }
        let table = String(decoding: data, as: UTF8.self)
        let local = String(format: "0100007F:%04X", port)
        return table.split(separator: "\n").dropFirst().filter { line in
            let fields = line.split(separator: " ")
            return fields.count > 9 && fields[1] == local && fields[3] == "01" && fields[9] != "0"
        }.count
    }

    static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard fd >= 0, ok else { throw TestSupportError("cannot connect to 127.0.0.1:\(port)") }
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    static func send(_ fd: Int32, _ text: String) {
        _ = text.withCString { Glibc.send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }

    static func readStatusLine(_ fd: Int32) -> String {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !data.contains(10) {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            data += buffer[0..<n]
        }
        return String(decoding: data.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
    }
}
