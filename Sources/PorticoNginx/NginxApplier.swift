import Foundation

/// Puts a rendered config live, safely: write the candidate atomically, `nginx -t` it, move it into
/// place, reload, and confirm through the status server that the new generation serves. A config
/// that fails never replaces the last good one on disk, so a restarted nginx serves the last good.
public final class NginxApplier: @unchecked Sendable {
    public let nginx: NginxProcess
    public let statusPort: Int
    public let confirmTimeout: TimeInterval
    private let lock = NSLock()
    private var _liveGeneration: Int?

    public init(nginx: NginxProcess, statusPort: Int, confirmTimeout: TimeInterval = 10) {
        self.nginx = nginx
        self.statusPort = statusPort
        self.confirmTimeout = confirmTimeout
    }

    /// The generation last confirmed serving.
    public var liveGeneration: Int? { lock.withLock { _liveGeneration } }

    /// Writes the first config, starts nginx, and returns once it serves `generation`. No separate
    /// `nginx -t`: there is no older config to protect, nginx checks the file as it starts, and at
    /// thousands of hosts each parse costs seconds.
    public func start(config: String, generation: Int) throws(NginxError) {
        try ConfigFile.writeAtomically(config, to: nginx.configPath)
        try nginx.start()
        let deadline = Date().addingTimeInterval(confirmTimeout)
        while !StatusProbe.waitFor(generation: generation, port: statusPort, timeout: 0.05) {
            if !nginx.isRunning || Date() > deadline {
                let log = nginx.errorLogTail()
                nginx.stop(grace: 1)
                throw NginxError(.startFailed, "nginx did not start serving the first config", nginxOutput: log)
            }
        }
        lock.withLock { _liveGeneration = generation }
    }

    /// Applies a new config to the running nginx. On failure the previous config keeps serving and
    /// stays on disk; the error carries nginx's message.
    public func apply(config: String, generation: Int) throws(NginxError) {
        try writeAndValidate(config)
        try promoteCandidate()
        try nginx.reload()
        guard StatusProbe.waitFor(generation: generation, port: statusPort, timeout: confirmTimeout) else {
            throw NginxError(.reloadNotConfirmed, "nginx did not confirm generation \(generation) after reload",
                             nginxOutput: nginx.errorLogTail())
        }
        lock.withLock { _liveGeneration = generation }
    }

    /// Rewrites `config` as the file nginx loads (after a failed reload left a refused file in place).
    public func restore(config: String) throws(NginxError) {
        try ConfigFile.writeAtomically(config, to: nginx.configPath)
    }

    private func writeAndValidate(_ config: String) throws(NginxError) {
        try ConfigFile.writeAtomically(config, to: nginx.candidatePath)
        try nginx.validate(path: nginx.candidatePath)
    }

    private func promoteCandidate() throws(NginxError) {
        guard rename(nginx.candidatePath, nginx.configPath) == 0 else {
            throw NginxError(.writeFailed, "cannot rename \(nginx.candidatePath) to \(nginx.configPath): \(String(cString: strerror(errno)))")
        }
    }
}
