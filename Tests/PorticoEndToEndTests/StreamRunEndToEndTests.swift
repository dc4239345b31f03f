import Foundation
import TestSupport
import Testing

/// `portico run --tcp-services-configmap` against the test API server: the ConfigMap is watched,
/// an edit opens a new port and closes a removed one, and a connection in flight on a port the
/// edit keeps is served to its end across the reload.
@Suite("End to end: portico run with TCP services", .serialized, .enabled(if: PorticoBinary.path != nil, "portico is not built"))
struct StreamRunEndToEndTests {
    static let configMaps = TestAPIServer.path("v1", "configmaps", namespace: "default")

    /// The echo backend's answer to a plain HTTP request through a stream port, or nil.
    static func backend(_ port: Int) -> String? {
        guard let response = try? HTTPProbe.get("/", host: "a.test", port: port, timeout: 2), response.status == 200 else { return nil }
        return try? response.echo().backend
    }

    @Test func editingTheConfigMapOpensAndClosesPorts() async throws {
        let rig = try RunEndToEndTests.Rig(extraArguments: ["--no-https", "--tcp-services-configmap", "default/tcp-services"])
        let (first, second) = (try Ports.free(), try Ports.free())
        try await rig.server.create(RunEndToEndTests.services, rig.service("web"))
        try await rig.server.create(Self.configMaps, ["metadata": ["name": "tcp-services"], "data": ["\(first)": "default/web:http"]])
        try await eventually(timeout: .seconds(20), "the first port never answered: \(rig.log)") { Self.backend(first) == "web" }
        let metrics = { (try? HTTPProbe.get("/metrics", host: "localhost", port: rig.healthPort).text) ?? "" }
        try await eventually("the metric counts it: \(metrics())") { metrics().contains("portico_stream_servers{protocol=\"tcp\"} 1\n") }

        // A request half sent on the first port while the edit is applied.
        let inFlight = try TCPExchange(port: first)
        try inFlight.send(Data("GET /in-flight HTTP/1.0\r\nHost: a.test\r\n".utf8))
        let edited = Date()
        try await rig.server.patch(Self.configMaps + "/tcp-services", ["data": ["\(second)": "default/web:http"]])
        try await eventually(timeout: .seconds(20), "the second port never answered: \(rig.log)") { Self.backend(second) == "web" }
        let changeToLive = Date().timeIntervalSince(edited)
        #expect(changeToLive < 5, "\(changeToLive) s from the edit to the new port")
        try inFlight.send(Data("\r\n".utf8))
        let answer = String(decoding: try inFlight.readToEnd(), as: UTF8.self)
        #expect(answer.hasPrefix("HTTP/1.1 200 OK") && answer.contains("/in-flight") && answer.contains("\"web\""), "\(answer.prefix(300))")

        try await rig.server.patch(Self.configMaps + "/tcp-services", ["data": ["\(first)": NSNull()]])
        try await eventually(timeout: .seconds(20), "the removed port still listens: \(rig.log)") { !Ports.isListening(first) }
        #expect(Self.backend(second) == "web")
        try await eventually("the metric follows: \(metrics())") { metrics().contains("portico_stream_servers{protocol=\"tcp\"} 1\n") }

        // Gone altogether: no stream servers, and a diagnostic says why.
        try await rig.server.delete(Self.configMaps + "/tcp-services")
        try await eventually(timeout: .seconds(20), "the last port still listens: \(rig.log)") { !Ports.isListening(second) }
        #expect(rig.log.contains("configmap default/tcp-services"))
    }
}
