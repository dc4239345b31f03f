import Foundation
import InMemoryLogging
import Logging
import PorticoNginx
import Testing
import TestSupport

@Suite(.serialized) struct NginxSupervisorTests {
    /// Real nginx, supervised from its first start, with the supervisor's log in memory.
    struct Rig {
        let dir: TemporaryDirectory
        let statusPort: Int, httpPort: Int
        let applier: NginxApplier
        let logs: InMemoryLogHandler
        let supervisor: NginxSupervisor

        init(config: (_ statusPort: Int, _ httpPort: Int) -> String = { NginxApplierTests.config(generation: 4, statusPort: $0, httpPort: $1) }) throws {
            dir = try TemporaryDirectory("portico-supervise")
            statusPort = try Ports.free()
            httpPort = try Ports.free()
            applier = NginxApplier(nginx: NginxProcess(runtimeDirectory: dir.path), statusPort: statusPort, confirmTimeout: 10)
            let logs = InMemoryLogHandler()
            self.logs = logs
            supervisor = NginxSupervisor(nginx: applier.nginx, logger: Logger(label: "t") { _ in logs }, initialBackoff: .milliseconds(20))
            try ConfigFile.writeAtomically(config(statusPort, httpPort), to: applier.nginx.configPath)
        }

        /// `NginxSupervisor.start(_:)` as `portico run` calls it: generation 4 on the config on disk.
        func start() async throws {
            try await supervisor.start { [applier] in try applier.startWritten(generation: 4) }
        }

        func count(_ message: String) -> Int { logs.entries.filter { $0.message.description == message }.count }
    }

    /// Kills nginx's master at the steps it is given, one per start: the first start's master at
    /// `steps[0]`, the restarted one at `steps[1]`, and so on. Returns once the master has ended,
    /// so that the code under test sees it dead right after the step.
    final class Killer: @unchecked Sendable {
        let nginx: NginxProcess
        let steps: [NginxApplier.StartStep]
        private let lock = NSLock()
        private var starts = 0
        private(set) var killed: [Int32] = []

        init(nginx: NginxProcess, at steps: [NginxApplier.StartStep]) {
            self.nginx = nginx
            self.steps = steps
        }

        func step(_ step: NginxApplier.StartStep) {
            let now: Int = lock.withLock {
                if step == .spawned { starts += 1 }
                return starts - 1
            }
            guard now < steps.count, steps[now] == step, let pid = nginx.pid else { return }
            kill(pid, SIGKILL)
            lock.withLock { killed.append(pid) }
            try? eventuallyBlocking(timeout: .seconds(5), poll: .milliseconds(1), "nginx \(pid) ended after SIGKILL") {
                ProcessTable.hasEnded(pid)
            }
        }
    }

    /// The master dies before it serves, after it served but before three answers in a row confirmed
    /// it, once they did but before the start returned, and twice (the restarted one while it is
    /// being confirmed): each time it is restarted and the first config is confirmed on the new one.
    @Test(arguments: [
        [NginxApplier.StartStep.spawned], [.answered(streak: 1)], [.answered(streak: 3)],
        [.spawned, .answered(streak: 2)],
    ])
    func anNginxKilledDuringStartUpIsRestartedAndServesTheFirstConfig(kills: [NginxApplier.StartStep]) async throws {
        let rig = try Rig()
        defer { rig.applier.nginx.stop(grace: 2) }
        let killer = Killer(nginx: rig.applier.nginx, at: kills)
        rig.applier.onStartStep = killer.step

        try await rig.start()

        #expect(killer.killed.count == kills.count, "killed \(killer.killed), planned \(kills)")
        let pid = try #require(rig.applier.nginx.pid, "nginx not running: \(rig.applier.nginx.errorLogTail())")
        #expect(!killer.killed.contains(pid))
        #expect(rig.supervisor.isStartedUp)
        #expect(rig.applier.liveGeneration == 4)
        #expect(StatusProbe.generation(port: rig.statusPort) == 4)
        #expect(try HTTPProbe.get("/", host: "x", port: rig.httpPort).text == "gen 4")
        #expect(rig.count("nginx exited; restarting it") == kills.count)
        #expect(rig.count("nginx restarted") == 1)
    }

    /// Without the supervisor the same death is an error that says so, and says it is not a refusal.
    @Test func anUnsupervisedStartSaysNginxDiedBeforeItServed() throws {
        let rig = try Rig()
        defer { rig.applier.nginx.stop(grace: 2) }
        rig.applier.onStartStep = Killer(nginx: rig.applier.nginx, at: [.answered(streak: 1)]).step
        #expect {
            try rig.applier.startWritten(generation: 4)
        } throws: { error in
            (error as? NginxError)?.code == .exitedBeforeServing && "\(error)".contains("status 137")
        }
    }

    /// An nginx that refuses the first config is not restarted: the error is nginx's, at once.
    @Test func aRefusedFirstConfigIsNotRestarted() async throws {
        let rig = try Rig { NginxApplierTests.config(generation: 4, statusPort: $0, httpPort: $1, extra: "bogus on;") }
        let started = ContinuousClock.now
        await #expect {
            try await rig.start()
        } throws: { error in
            (error as? NginxError)?.code == .startFailed && "\(error)".contains("unknown directive \"bogus\"")
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(rig.count("nginx exited; restarting it") == 0)
        #expect(!rig.supervisor.isStartedUp)
        #expect(!rig.applier.nginx.isRunning)
    }

    /// An nginx that dies at every start is given up on after `maxConsecutiveFailures` restarts.
    @Test func anNginxThatDiesAtEveryStartIsGivenUpOn() async throws {
        let rig = try Rig()
        let killer = Killer(nginx: rig.applier.nginx, at: Array(repeating: .spawned, count: 11))
        rig.applier.onStartStep = killer.step
        let supervisor = NginxSupervisor(
            nginx: rig.applier.nginx, logger: Logger(label: "t") { [logs = rig.logs] _ in logs },
            initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(4), maxConsecutiveFailures: 3)
        await #expect {
            try await supervisor.start { [applier = rig.applier] in try applier.startWritten(generation: 4) }
        } throws: { error in
            (error as? NginxError)?.code == .startFailed && "\(error)".contains("could not be restarted 3 times in a row")
        }
        #expect(killer.killed.count == 4)
        #expect(!rig.applier.nginx.isRunning)
    }

    @Test func aKilledNginxIsBackWithinASecond() async throws {
        let rig = try Rig()
        try await rig.start()
        let task = Task { try await rig.supervisor.run(gracefulStopTimeout: 2) }

        let first = try #require(rig.applier.nginx.pid)
        kill(first, SIGKILL)
        // Workers of the killed master keep the port; wait for the new master to serve.
        try await eventually(timeout: .seconds(1), poll: .milliseconds(20), "nginx back within 1 s; log: \(rig.applier.nginx.errorLogTail())") {
            if let pid = rig.applier.nginx.pid, pid != first { return StatusProbe.generation(port: rig.statusPort) == 4 }
            return false
        }
        #expect(rig.count("nginx exited; restarting it") == 1)

        task.cancel()
        _ = try? await task.value
        #expect(!rig.applier.nginx.isRunning)
    }

    /// `run` leaves nginx to `start(_:)` until it has nginx serving: a run that begins first does
    /// not start nginx on a config that is not there yet.
    @Test func runWaitsForTheFirstStart() async throws {
        let rig = try Rig()
        let task = Task { try await rig.supervisor.run(gracefulStopTimeout: 2) }
        defer { task.cancel() }
        // Long enough for several of run's polls (50 ms); nothing may start in between.
        try await Task.sleep(for: .milliseconds(200))
        #expect(rig.applier.nginx.pid == nil)
        #expect(rig.count("nginx exited; restarting it") == 0)

        try await rig.start()
        let first = try #require(rig.applier.nginx.pid)
        kill(first, SIGKILL)
        try await eventually("the supervisor restarts nginx once it has started: \(rig.logs.entries)") {
            rig.applier.nginx.pid.map { $0 != first } ?? false && StatusProbe.generation(port: rig.statusPort) == 4
        }
        task.cancel()
        _ = try? await task.value
        #expect(!rig.applier.nginx.isRunning)
    }
}
