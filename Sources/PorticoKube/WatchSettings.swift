/// Timing of list+watch. The defaults suit a controller; tests shorten them.
public struct WatchSettings: Sendable {
    /// Objects per list page (`limit`).
    public var pageSize: Int = 500
    /// A watch that delivers no bytes, not even a bookmark, for this long is reconnected.
    /// The API server sends bookmarks about once a minute.
    public var idleTimeout: Duration = .seconds(90)
    /// Asks the server to end each watch after a random time in this range, so connections
    /// are rebalanced across API servers (as client-go does).
    public var watchTimeoutSeconds: ClosedRange<Int> = 300...600
    /// First retry delay after a failure; doubled per consecutive failure up to `maxBackoff`,
    /// each delay jittered down by up to half.
    public var initialBackoff: Duration = .milliseconds(200)
    public var maxBackoff: Duration = .seconds(30)
    /// Upper bound on a server's `Retry-After`.
    public var maxRetryAfter: Duration = .seconds(120)
    /// How often a kind whose API group the cluster does not serve (404: the Gateway API's CRDs
    /// not installed) is listed again, to notice when it is installed.
    public var absentGroupRecheck: Duration = .seconds(60)

    public init() {}
}

/// Capped, jittered exponential backoff.
struct Backoff: Sendable {
    let initial: Duration
    let maximum: Duration
    private(set) var failures = 0

    init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The delay before the next attempt, after one more failure.
    mutating func next() -> Duration {
        let exponent = min(failures, 30)
        failures += 1
        let uncapped = initial.seconds * Double(1 << exponent)
        let capped = min(uncapped, maximum.seconds)
        // Full jitter over the upper half: spreads reconnecting clients without ever waiting 0.
        return .milliseconds(Int64(capped * Double.random(in: 0.5...1.0) * 1000))
    }

    mutating func reset() { failures = 0 }
}
