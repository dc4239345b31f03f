/// A token bucket: `capacity` tokens at most, refilled at `perSecond`; each event takes one.
struct TokenBucket: Sendable, Equatable {
    let capacity: Double
    let perSecond: Double
    private(set) var tokens: Double
    private(set) var updated: ContinuousClock.Instant

    init(capacity: Int, perSecond: Double, now: ContinuousClock.Instant) {
        self.capacity = Double(capacity)
        self.perSecond = perSecond
        tokens = Double(capacity)
        updated = now
    }

    /// Tokens available at `now`.
    func available(at now: ContinuousClock.Instant) -> Double {
        let elapsed = max(0, updated.duration(to: now).seconds)
        return min(capacity, tokens + elapsed * perSecond)
    }

    /// Whether a bucket untouched this long would be full again, so it can be forgotten.
    func isFull(at now: ContinuousClock.Instant) -> Bool { available(at: now) >= capacity }

    /// Takes a token if there is one.
    mutating func take(at now: ContinuousClock.Instant) -> Bool {
        tokens = available(at: now)
        updated = max(updated, now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
