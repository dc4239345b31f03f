import Foundation
import PorticoHealth
import Testing
import TestSupport

@Suite struct HealthServerTests {
    @Test func answersProbesAndUnknownPaths() throws {
        let server = try HealthServer(address: "127.0.0.1", port: 0) { path in
            switch path {
            case "/healthz": .init(status: 200, body: "ok\n")
            case "/readyz": .init(status: 503, body: "first config not live yet\n")
            default: .init(status: 404, body: "not found\n")
            }
        }
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let ok = try runCommand("curl", ["-s", "-w", " %{http_code}", "\(base)/healthz"])
        #expect(ok.stdout == "ok\n 200")
        let notReady = try runCommand("curl", ["-s", "-w", " %{http_code}", "\(base)/readyz?verbose=1"])
        #expect(notReady.stdout == "first config not live yet\n 503")
        let missing = try runCommand("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "\(base)/nope"])
        #expect(missing.stdout == "404")
        let post = try runCommand("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "\(base)/healthz"])
        #expect(post.stdout == "400")
    }

    @Test func aTakenPortIsAClearError() throws {
        let first = try HealthServer(address: "127.0.0.1", port: 0) { _ in .init(status: 200, body: "") }
        defer { first.stop() }
        #expect {
            _ = try HealthServer(address: "127.0.0.1", port: first.port) { _ in .init(status: 200, body: "") }
        } throws: { error in
            "\(error)".contains("cannot listen on 127.0.0.1:\(first.port) for --health-port: Address already in use")
        }
    }
}
