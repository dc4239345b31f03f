import Foundation
import Logging

/// Keeps nginx running, from its first start on: when the master dies, starts it again from the
/// config on disk (always the last good one) with capped exponential backoff, and says so. Gives
/// up, throwing, when nginx cannot be started `maxConsecutiveFailures` times in a row, so the pod
/// restarts.
///
/// `start(_:)` puts the first config live and restarts an nginx that dies before it serves;
/// `run(gracefulStopTimeout:)` watches from then on. Both may run at once: `run` waits for `start`.
public final class NginxSupervisor: @unchecked Sendable {
    public let nginx: NginxProcess
    let logger: Logger
    let initialBackoff: Duration
    let maxBackoff: Duration
    let maxConsecutiveFailures: Int
    let pollInterval: Duration
    private let lock = NSLock()
    private var _isStartedUp = false

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

    /// Whether `start(_:)` has had nginx serve; until then `run` leaves nginx to it.
    public var isStartedUp: Bool { lock.withLock { _isStartedUp } }

    /// Starts nginx through `attempt` (start it on the config on disk and return once it serves, as
    /// `NginxApplier.startWritten(generation:)` does) and returns once an attempt succeeds. An nginx
    /// that dies on the way (`.exitedBeforeServing`) is started again with the backoff `run` uses;
    /// so is one that fails to start after such a death, up to `maxConsecutiveFailures` in a row.
    /// An nginx that cannot start at all (any other error of the first attempt: executable missing,
    /// config refused, port taken) is thrown at once, with nginx's message.
    public func start(_ attempt: @Sendable () async throws -> Void) async throws {
        var backoff = Backoff(initial: initialBackoff, maximum: maxBackoff)
        var restarts = 0
        while true {
            do {
                try await attempt()
                lock.withLock { _isStartedUp = true }
                if restarts > 0 { logger.info("nginx restarted", metadata: ["nginx.pid": "\(nginx.pid.map(String.init) ?? "?")"]) }
                return
            } catch let error as NginxError where error.code == .exitedBeforeServing || restarts > 0 {
                if error.code != .exitedBeforeServing {
                    logger.error("nginx could not be restarted", metadata: ["error": "\(error)", "restart.failures": "\(restarts)"])
                }
                if restarts >= maxConsecutiveFailures {
                    throw NginxError(.startFailed, "nginx could not be restarted \(restarts) times in a row",
                                     nginxOutput: nginx.errorLogTail())
                }
            }
            try await pauseBeforeRestart(backoff.next())
            restarts += 1
        }
    }

    /// Watches until cancelled; on cancellation stops nginx gracefully (in-flight requests finish).
    public func run(gracefulStopTimeout: TimeInterval = 25) async throws {
        var backoff = Backoff(initial: initialBackoff, maximum: maxBackoff)
        var failures = 0
        defer { nginx.stop(grace: gracefulStopTimeout) }
        while !Task.isCancelled {
            try? await Task.sleep(for: pollInterval)
            if Task.isCancelled { break }
            guard isStartedUp else { continue }
            guard !nginx.isRunning else {
                if failures > 0 {
                    failures = 0
                    backoff.reset()
                }
                continue
            }
            do {
                try await pauseBeforeRestart(backoff.next())
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
        }
    }

    /// Says that nginx exited and why, kills the workers it left behind (they hold the ports) and
    /// waits `backoff`.
    private func pauseBeforeRestart(_ backoff: Duration) async throws {
        logger.warning("nginx exited; restarting it", metadata: [
            "nginx.status": "\(nginx.exitStatus.map(String.init) ?? "?")", "nginx.log": "\(nginx.errorLogTail(lines: 3))",
            "restart.backoff": "\(backoff)",
        ])
        nginx.reapOrphanedWorkers()
        try await Task.sleep(for: backoff)
    }

    /// Capped exponential backoff: each `next()` is twice the one before, up to `maximum`.
    struct Backoff {
        let initial: Duration
        let maximum: Duration
        private var current: Duration

        init(initial: Duration, maximum: Duration) {
            self.initial = initial
            self.maximum = maximum
            current = initial
        }

        mutating func next() -> Duration {
            defer { current = min(current * 2, maximum) }
            return current
        }

        mutating func reset() { current = initial }
    }
}
