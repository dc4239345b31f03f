import Foundation
import PorticoCLI
import TestSupport
import Testing

/// TCP and UDP services through real nginx's stream module, rendered by `portico render` from
/// ingress-nginx's ConfigMaps: a TCP echo (connections at once, a large payload, half-close), a
/// DNS query through a UDP service, PROXY protocol headers as the client sent them, and a
/// balanced group that keeps answering when a member is gone.
@Suite("End to end: TCP and UDP services", .serialized)
final class StreamEndToEndTests: @unchecked Sendable {
    let backendPort: Int
    let httpPort: Int
    /// The stream ports: echo, PROXY in and out, PROXY in only, the balanced group, DNS.
    let echoPort: Int, proxyPort: Int, proxyInPort: Int, groupPort: Int, dnsPort: Int
    let backends: [StreamBackend]
    let dns: DNSServer
    let nginx: Nginx
    let manifests: TemporaryDirectory
    let outcome: RenderOutcome

    init() throws {
        let p = try Ports.free(), httpPort = try Ports.free()
        let (echoPort, proxyPort, proxyInPort, groupPort) = (try Ports.free(), try Ports.free(), try Ports.free(), try Ports.free())
        let dnsPort = try Ports.free()
        (backendPort, self.httpPort, self.echoPort, self.proxyPort, self.proxyInPort, self.groupPort, self.dnsPort) =
            (p, httpPort, echoPort, proxyPort, proxyInPort, groupPort, dnsPort)
        backends = [
            try StreamBackend(name: "echo", address: "127.0.0.2", port: p),
            try StreamBackend(name: "proxied", address: "127.0.0.3", port: p, proxyProtocol: true),
            try StreamBackend(name: "pg-a", address: "127.0.0.4", port: p),
            try StreamBackend(name: "pg-b", address: "127.0.0.5", port: p),
        ]
        // dnsmasq answers nginx's resolver and, behind the UDP service, the client's query.
        let dns = try DNSServer([
            "echo.default.svc.cluster.local": "127.0.0.2", "proxied.default.svc.cluster.local": "127.0.0.3",
            "dns.default.svc.cluster.local": "127.0.0.1", "answer.example.test": "192.0.2.33",
        ])
        self.dns = dns
        let manifests = try TemporaryDirectory("portico-streams")
        self.manifests = manifests
        let file = try manifests.write(
            "streams.yaml",
            """
            apiVersion: v1
            kind: Service
            metadata: {name: echo, namespace: default}
            spec: {ports: [{name: echo, port: \(p)}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: proxied, namespace: default}
            spec: {ports: [{port: \(p)}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: pg-a, namespace: default}
            spec: {clusterIP: 127.0.0.4, ports: [{port: \(p)}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: pg-b, namespace: default}
            spec: {clusterIP: 127.0.0.5, ports: [{port: \(p)}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: dns, namespace: default}
            spec: {ports: [{name: dns, port: \(dns.port), protocol: UDP}]}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: tcp-services, namespace: default}
            data:
              "\(echoPort)": default/echo:echo
              "\(proxyPort)": default/proxied:\(p):PROXY:PROXY
              "\(proxyInPort)": default/proxied:\(p):PROXY
              "\(groupPort)": default/pg-a:\(p) weight=3, default/pg-b:\(p)
              "\(httpPort)": default/echo:echo
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: udp-services, namespace: default}
            data:
              "\(dnsPort)": default/dns:dns
            """)
        let outcome = renderCommand(arguments: [
            "-f", file.path, "--http-port", "\(httpPort)", "--resolver", dns.resolverAddress, "--bind-address", "127.0.0.1",
            "--no-https", "--tcp-services-configmap", "default/tcp-services", "--udp-services-configmap", "default/udp-services",
        ])
        guard outcome.exitCode == 0 else { throw TestSupportError("portico render: \(outcome.diagnostics)") }
        self.outcome = outcome
        nginx = try Nginx.start(
            config: outcome.config.replacingOccurrences(of: "worker_processes auto;", with: "worker_processes 2;"),
            waitingFor: [httpPort, echoPort, proxyPort, proxyInPort, groupPort])
    }

    deinit {
        nginx.stop()
        dns.stop()
        backends.forEach { $0.stop() }
    }

    /// Connects, reads the backend's greeting line, sends `payload` while reading the echo,
    /// half-closes and returns the greeting and everything echoed until the backend closed.
    func exchange(_ port: Int, _ payload: Data) throws -> (greeting: String, echoed: Data) {
        let connection = try TCPExchange(port: port)
        let greeting = try connection.readLine()
        let box = EchoBox()
        let reader = Thread { box.result = Result { try connection.readToEnd() } }
        reader.start()
        try connection.send(payload)
        connection.halfClose()
        try eventuallyBlocking(timeout: .seconds(20), poll: .milliseconds(10), "the echo ends") { box.result != nil }
        return (greeting, try box.result?.get() ?? Data())
    }

    final class EchoBox: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: Result<Data, any Error>?
        var result: Result<Data, any Error>? {
            get { lock.withLock { stored } }
            set { lock.withLock { stored = newValue } }
        }
    }

    static func payload(_ count: Int) -> Data {
        Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ ($0 >> 8)) })
    }

    @Test func theHTTPPortIsLeftOutWithADiagnostic() {
        #expect(outcome.diagnostics.contains { $0.contains("data[\"\(httpPort)\"]: port \(httpPort) is Portico's HTTP port; left out") })
        #expect(!outcome.config.contains("listen 127.0.0.1:\(httpPort);"))
    }

    @Test func aTCPServiceEchoesALargePayloadAfterHalfClose() throws {
        let payload = Self.payload(8 << 20)
        let (greeting, echoed) = try exchange(echoPort, payload)
        #expect(greeting == "echo")
        #expect(echoed.count == payload.count)
        #expect(echoed == payload)
    }

    @Test func connectionsAtOnceEachGetTheirOwnBytes() throws {
        let results = ResultsBox(count: 12)
        DispatchQueue.concurrentPerform(iterations: 12) { i in
            let payload = Data("connection \(i):".utf8) + Self.payload(256 << 10 + i)
            results.set(i, Result { try self.exchange(echoPort, payload).echoed == payload })
        }
        for i in 0..<12 { #expect((try? results.get(i)) == true, "connection \(i)") }
    }

    final class ResultsBox: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Result<Bool, any Error>?]
        init(count: Int) { values = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ value: Result<Bool, any Error>) { lock.withLock { values[i] = value } }
        func get(_ i: Int) throws -> Bool { try lock.withLock { values[i] }?.get() ?? false }
    }

    @Test func aUDPServiceAnswersADNSQuery() throws {
        var answer: [String] = []
        try eventuallyBlocking(timeout: .seconds(10), poll: .milliseconds(100), "a DNS answer through nginx: \(nginx.errorLog)") {
            answer = (try? DNSQuery.addresses(of: "answer.example.test", server: dnsPort, timeout: 1)) ?? []
            return !answer.isEmpty
        }
        #expect(answer == ["192.0.2.33"])
        // Each query is its own exchange (proxy_responses 1): several in a row all answer.
        for _ in 0..<5 { #expect(try DNSQuery.addresses(of: "answer.example.test", server: dnsPort) == ["192.0.2.33"]) }
    }

    @Test func aPROXYHeaderReachesTheBackendAsSent() throws {
        let header = "PROXY TCP4 192.0.2.10 127.0.0.1 40000 \(proxyPort)"
        let connection = try TCPExchange(port: proxyPort)
        try connection.send(Data((header + "\r\nhello").utf8))
        connection.halfClose()
        #expect(try connection.readLine() == "proxied \(header)")
        #expect(String(decoding: try connection.readToEnd(), as: UTF8.self) == "hello")
    }

    @Test func aPROXYHeaderExpectedOnlyIsNotPassedOn() throws {
        let connection = try TCPExchange(port: proxyInPort)
        try connection.send(Data("PROXY TCP4 192.0.2.10 127.0.0.1 40000 \(proxyInPort)\r\nhello".utf8))
        connection.halfClose()
        #expect(try connection.readLine() == "proxied none")
        #expect(String(decoding: try connection.readToEnd(), as: UTF8.self) == "hello")
    }

    @Test func aConnectionWithoutTheExpectedHeaderIsClosed() throws {
        let connection = try TCPExchange(port: proxyPort)
        try connection.send(Data("hello\r\n".utf8))
        connection.halfClose()
        #expect((try? connection.readToEnd()) ?? Data() == Data())
    }

    @Test func aBalancedGroupFollowsItsWeightsAndSkipsAMemberThatIsGone() throws {
        var counts: [String: Int] = [:]
        for _ in 0..<40 { counts[try exchange(groupPort, Data("x".utf8)).greeting, default: 0] += 1 }
        #expect((counts["pg-a"] ?? 0) > (counts["pg-b"] ?? 0) && (counts["pg-b"] ?? 0) > 0, "\(counts)")
        #expect((counts["pg-a"] ?? 0) + (counts["pg-b"] ?? 0) == 40)
        backends[3].stop()
        for _ in 0..<10 {
            let (greeting, echoed) = try exchange(groupPort, Data("y".utf8))
            #expect(greeting == "pg-a" && echoed == Data("y".utf8))
        }
    }
}
