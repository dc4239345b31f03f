import Foundation
import Logging

/// Keeps nginx running: when the master dies, starts it again from the config on disk (always the
/// last good one) with capped exponential backoff, and says so. Gives up, throwing, when nginx
/// cannot be started `maxConsecutiveFailures` times in a row, so the pod restarts.
public final class NginxSupervisor: Sendable {
    public let nginx: NginxProcess
    let logger: Logger
    let initialBackoff: Duration
    let maxBackoff: Duration
    let maxConsecutiveFailures: Int
    let pollInterval: Duration

    public init(
        nginx: NginxProcess, logger: Logger, initialBackoff: Duration = .milliseconds(100),
        maxBackoff: Duration = .seconds(5), maxConsecutiveFailures: Int = 10, pollInterval: Duration = .milliseconds(50)
    ) {
        self.nginx = nginx
        self.logger = logger
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxConsecutiveFailures = maxConsecutiveFailures
        self.pollInterval = pollInterval
    }

    /// Watches until cancelled; on cancellation stops nginx gracefully (in-flight requests finish).
    public func run(gracefulStopTimeout: TimeInterval = 25) async throws {
        var backoff = initialBackoff
        var failures = 0
        defer { nginx.stop(grace: gracefulStopTimeout) }
        while !Task.isCancelled {
            try? await Task.sleep(for: pollInterval)
            if Task.isCancelled { break }
            guard !nginx.isRunning else {
                if failures > 0 {
                    failures = 0
                    backoff = initialBackoff
                }
                continue
            }
            logger.warning("nginx exited; restarting it", metadata: [
                "nginx.status": "\(nginx.exitStatus.map(String.init) ?? "?")", "nginx.log": "\(nginx.errorLogTail(lines: 3))",
                "restart.backoff": "\(backoff)",
            ])
            nginx.reapOrphanedWorkers()
            try? await Task.sleep(for: backoff)
            if Task.isCancelled { break }
            do {
                try nginx.start()
                try await Task.sleep(for: .milliseconds(200))
                guard nginx.isRunning else { throw NginxError(.startFailed, "nginx exited right after starting") }
                logger.info("nginx restarted", metadata: ["nginx.pid": "\(nginx.pid.map(String.init) ?? "?")"])
            } catch is CancellationError {
                break
            } catch {
                failures += 1
                logger.error("nginx could not be restarted", metadata: ["error": "\(error)", "restart.failures": "\(failures)"])
                if failures >= maxConsecutiveFailures {
                    throw NginxError(.startFailed, "nginx could not be restarted \(failures) times in a row",
                                     nginxOutput: nginx.errorLogTail())
                }
            }
            backoff = min(backoff * 2, maxBackoff)
        }
    }
}
