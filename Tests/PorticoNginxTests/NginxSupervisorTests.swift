import Foundation
import InMemoryLogging
import Logging
import PorticoNginx
import Testing
import TestSupport

@Suite(.serialized) struct NginxSupervisorTests {
    @Test func aKilledNginxIsBackWithinASecond() async throws {
        let dir = try TemporaryDirectory("portico-supervise")
        let statusPort = try Ports.free(), httpPort = try Ports.free()
        let applier = NginxApplier(nginx: NginxProcess(runtimeDirectory: dir.path), statusPort: statusPort)
        try applier.start(
            config: NginxApplierTests.config(generation: 4, statusPort: statusPort, httpPort: httpPort), generation: 4)
        let logs = InMemoryLogHandler()
        let supervisor = NginxSupervisor(nginx: applier.nginx, logger: Logger(label: "t") { _ in logs })
        let task = Task { try await supervisor.run(gracefulStopTimeout: 2) }

        let first = try #require(applier.nginx.pid)
        kill(first, SIGKILL)
        // Workers of the killed master keep the port; wait for the new master to serve.
        let killedAt = Date()
        var back = false
        while Date().timeIntervalSince(killedAt) < 1.0 {
            if let pid = applier.nginx.pid, pid != first, StatusProbe.generation(port: statusPort) == 4 {
                back = true
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(back, "nginx not back within 1 s; log: \(applier.nginx.errorLogTail())")
        #expect(logs.entries.contains { $0.message == "nginx exited; restarting it" })

        task.cancel()
        _ = try? await task.value
        #expect(!applier.nginx.isRunning)
    }
}
