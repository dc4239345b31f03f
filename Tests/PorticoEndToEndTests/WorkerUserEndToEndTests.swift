import Foundation
import PorticoNginx
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Least privilege at run time: `portico run --nginx-user www-data`, as rc.yaml runs it, starts
/// nginx whose master keeps root (to bind the port and read the config) and whose workers, the
/// processes that parse requests, run as www-data. Only meaningful, and only possible, as root.
@Suite(
    "End to end: nginx workers drop root",
    .enabled(if: PorticoBinary.path != nil, "portico is not built"),
    .enabled(if: getuid() == 0, "needs root: nginx can only switch its workers' user when started as root"))
struct WorkerUserEndToEndTests {
    /// The real user id on the `Uid:` line of /proc/PID/status (real, effective, saved, fs).
    static func uids(_ pid: Int32) -> [Int] {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return [] }
        let line = status.split(separator: "\n").first { $0.hasPrefix("Uid:") } ?? ""
        return line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().compactMap { Int($0) }
    }

    @Test func workersRunAsTheNginxUser() async throws {
        guard let user = getpwnam("www-data") else {
            Issue.record("no www-data user on this machine (Debian's nginx package creates it)")
            return
        }
        let workerUID = Int(user.pointee.pw_uid)
        #expect(workerUID != 0)

        let server = try TestAPIServer()
        defer { server.stop() }
        let runtime = try TemporaryDirectory("portico-worker-user")
        let kubeconfig = try server.writeKubeconfig(to: runtime.file("kubeconfig"))
        let (httpPort, healthPort, statusPort) = (try Ports.free(), try Ports.free(), try Ports.free())
        guard let binary = PorticoBinary.path else { return }
        let portico = try ChildProcess(
            binary,
            [
                "run", "--kubeconfig", kubeconfig.path, "--http-port", "\(httpPort)", "--bind-address", "127.0.0.1",
                "--resolver", "127.0.0.1", "--health-port", "\(healthPort)", "--health-address", "127.0.0.1",
                "--status-port", "\(statusPort)", "--runtime-dir", runtime.file("nginx").path, "--nginx-user", "www-data",
                "--shutdown-grace", "5", "--https-port", "\(try Ports.free())",
            ], name: "portico", logDirectory: runtime.url)
        defer { portico.stop(grace: 10) }

        try await eventually(timeout: .seconds(20), "portico run never became ready:\n\(portico.stderr.suffix(3000))") {
            (try? HTTPProbe.get("/readyz", host: "localhost", port: healthPort, timeout: 2).status) == 200
        }

        let masters = ProcessTable.children(of: portico.pid)
        #expect(masters.count == 1, "expected one nginx master under portico, found \(masters)")
        guard let master = masters.first else { return }
        #expect(Self.uids(master).first == 0, "nginx master: \(Self.uids(master))")
        // Real, effective, saved and filesystem uid: none may be root, or a worker could regain it. A
        // worker just forked (nginx starts them one by one) is root until it drops it, so: eventually.
        func rootWorkers() -> [(Int32, [Int])] {
            ProcessTable.children(of: master).map { ($0, Self.uids($0)) }.filter { !($0.1.count == 4 && $0.1.allSatisfy { $0 == workerUID }) }
        }
        #expect(!ProcessTable.children(of: master).isEmpty, "nginx has no workers")
        try await eventually(timeout: .seconds(5), "workers still root: \(rootWorkers())") { rootWorkers().isEmpty }
        // And the workers serve: nginx answers through them.
        let response = try HTTPProbe.get("/", host: "anything.test", port: httpPort, timeout: 3)
        #expect(response.status == 404)
    }
}
