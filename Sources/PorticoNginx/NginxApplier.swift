import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Puts a rendered config live, safely: write it atomically, have nginx test it, reload, and confirm
/// through the status server that the new generation serves. A config nginx refuses never stays on
/// disk, so a restarted nginx serves the last good one.
public final class NginxApplier: @unchecked Sendable {
    /// How a new config is tested before it serves.
    public enum Validation: String, Sendable, CaseIterable {
        /// The reload is the test: nginx's master parses the new file and, if it refuses it, keeps
        /// the old workers serving and logs why. One parse per change.
        case reload
        /// `nginx -t` on the candidate first, then the reload: the same guarantee, but nginx parses
        /// every config twice, which at thousands of hosts doubles the time to live.
        case nginxTest = "nginx-t"
    }

    public let nginx: NginxProcess
    public let statusPort: Int
    public let confirmTimeout: TimeInterval
    public let validation: Validation
    private let lock = NSLock()
    private var _liveGeneration: Int?

    public init(nginx: NginxProcess, statusPort: Int, confirmTimeout: TimeInterval = 30, validation: Validation = .reload) {
        self.nginx = nginx
        self.statusPort = statusPort
        self.confirmTimeout = confirmTimeout
        self.validation = validation
    }

    /// The generation last confirmed serving.
    public var liveGeneration: Int? { lock.withLock { _liveGeneration } }

    /// Writes the first config, starts nginx, and returns once it serves `generation`. No separate
    /// `nginx -t`: there is no older config to protect, nginx checks the file as it starts, and at
    /// thousands of hosts each parse costs seconds. Unsupervised: an nginx that dies on the way is
    /// an error here; `NginxSupervisor.start(_:)` restarts it.
    public func start(config: String, generation: Int) throws(NginxError) {
        try ConfigFile.writeAtomically(config, to: nginx.configPath)
        try startWritten(generation: generation)
    }

    /// Writes the first config for `startWritten(generation:)`, streamed into the file by `write`,
    /// never held whole in memory. An error from `write` leaves no config behind and is rethrown.
    public func writeFirstConfig(_ write: (inout ConfigFileWriter) throws -> Void) throws {
        try ConfigFile.writeAtomically(to: nginx.configPath, write)
    }

    /// A step of `startWritten(generation:)`, for tests that kill nginx exactly there.
    package enum StartStep: Equatable, Sendable {
        /// nginx was spawned; it has not answered yet.
        case spawned
        /// The status server answered the generation to this many probes in a row.
        case answered(streak: Int)
    }

    /// Called at each `StartStep` (tests only).
    package var onStartStep: (@Sendable (StartStep) -> Void)? {
        get { lock.withLock { _onStartStep } }
        set { lock.withLock { _onStartStep = newValue } }
    }
    private var _onStartStep: (@Sendable (StartStep) -> Void)?

    /// Starts nginx on the config on disk and returns once it serves `generation`. On failure nginx
    /// is stopped and the error says which failure it was: `.exitedBeforeServing` when the master
    /// died on the way (killed, crashed: starting it again may serve), `.startFailed` when nginx gave
    /// up by itself (config refused, ports taken; its message is in the error) or did not serve in
    /// `confirmTimeout`.
    public func startWritten(generation: Int) throws(NginxError) {
        let step = onStartStep ?? { _ in }
        try nginx.start()
        step(.spawned)
        let deadline = Date().addingTimeInterval(confirmTimeout)
        while true {
            let served = StatusProbe.waitFor(generation: generation, port: statusPort, timeout: 0.05) {
                step(.answered(streak: $0))
            }
            // Looked at after the probes: workers that a killed master leaves behind still answer.
            guard nginx.isRunning else { throw startFailure(generation: generation) }
            if served { break }
            if Date() > deadline {
                let log = nginx.errorLogTail()
                nginx.stop(grace: 1)
                throw NginxError(.startFailed, "nginx did not start serving the first config", nginxOutput: log)
            }
        }
        lock.withLock { _liveGeneration = generation }
    }

    /// Why a master that `startWritten` started is gone; stops what it left behind.
    private func startFailure(generation: Int) -> NginxError {
        let log = nginx.errorLogTail()
        nginx.stop(grace: 1)
        guard nginx.exitedWithError else {
            return NginxError(
                .exitedBeforeServing,
                "nginx exited (status \(nginx.exitStatus.map(String.init) ?? "?")) before it served generation \(generation)",
                nginxOutput: log)
        }
        return NginxError(.startFailed, "nginx did not start serving the first config", nginxOutput: log)
    }

    /// Applies a new config to the running nginx. On failure the previous config keeps serving and
    /// is back on disk (the refused one is kept as `nginx.conf.refused`); the error carries nginx's
    /// message.
    public func apply(config: String, generation: Int) throws(NginxError) {
        guard nginx.isRunning else { throw NginxError(.startFailed, "nginx is not running") }
        try ConfigFile.writeAtomically(config, to: nginx.candidatePath)
        try applyCandidate(generation: generation)
    }

    /// `apply(config:generation:)` with the config streamed into the candidate file by `write`,
    /// never held whole in memory. An error from `write` changes nothing and is rethrown.
    public func apply(generation: Int, writingConfig write: (inout ConfigFileWriter) throws -> Void) throws {
        guard nginx.isRunning else { throw NginxError(.startFailed, "nginx is not running") }
        try ConfigFile.writeAtomically(to: nginx.candidatePath, write)
        try applyCandidate(generation: generation)
    }

    private func applyCandidate(generation: Int) throws(NginxError) {
        if validation == .nginxTest {
            try nginx.validate(path: nginx.candidatePath)
        }
        let logOffset = nginx.errorLogSize()
        // The serving file stays reachable as nginx.conf.good (a hard link: no copy, no memory)
        // until nginx has accepted its successor.
        unlink(goodPath)
        let keptGood = link(nginx.configPath, goodPath) == 0
        try promoteCandidate()
        do throws(NginxError) {
            let oldWorkers = nginx.workerPIDs()
            try nginx.reload()
            try confirm(generation: generation, errorLogOffset: logOffset, oldWorkers: oldWorkers)
        } catch {
            // Put the good file back when nginx refused the new one or died with it. When nginx only
            // took too long, it may still be loading the new file: leave that in place.
            if keptGood, error.code != .reloadNotConfirmed { putBackGoodConfig() }
            throw error
        }
        unlink(goodPath)
        lock.withLock { _liveGeneration = generation }
    }

    private var goodPath: String { nginx.configPath + ".good" }

    /// Waits until `generation` serves (the status server answers it and none of the workers from
    /// before the reload takes new connections any more), or nginx says in its error log that it
    /// refused the file, or the master dies, or the time is up.
    private func confirm(generation: Int, errorLogOffset: Int, oldWorkers: Set<Int32>) throws(NginxError) {
        let deadline = Date().addingTimeInterval(confirmTimeout)
        while !(StatusProbe.waitFor(generation: generation, port: statusPort, timeout: 0.05)
            && !oldWorkers.contains(where: NginxProcess.isAcceptingWorker))
        {
            let refusal = nginx.errorLog(since: errorLogOffset).split(separator: "\n").filter { $0.contains("[emerg]") }
            if !refusal.isEmpty {
                throw NginxError(.invalidConfig, "nginx refused the config", nginxOutput: refusal.joined(separator: "\n"))
            }
            if !nginx.isRunning {
                throw NginxError(.startFailed, "nginx exited while loading the config", nginxOutput: nginx.errorLogTail())
            }
            if Date() > deadline {
                throw NginxError(.reloadNotConfirmed, "nginx did not confirm generation \(generation) after reload",
                                 nginxOutput: nginx.errorLog(since: errorLogOffset))
            }
        }
    }

    /// After a refusal: keep the refused file for the operator to read, and put the serving config
    /// back so that a restarted nginx loads it.
    private func putBackGoodConfig() {
        _ = rename(nginx.configPath, nginx.configPath + ".refused")
        _ = rename(goodPath, nginx.configPath)
    }

    private func promoteCandidate() throws(NginxError) {
        guard rename(nginx.candidatePath, nginx.configPath) == 0 else {
            throw NginxError(.writeFailed, "cannot rename \(nginx.candidatePath) to \(nginx.configPath): \(String(cString: strerror(errno)))")
        }
    }
}
