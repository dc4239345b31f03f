import Foundation

/// A condition a test waited for still did not hold at its deadline.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public var what: String
    public var timeout: Duration
    public var description: String { "not within \(timeout): \(what)" }
}

/// Waits until `condition` holds, looking every `poll`; throws `DeadlineExceeded` naming `what`
/// (evaluated then, so it can show a log as it is at the deadline) once `timeout` has passed.
/// Every test that waits for something waits through this (or `eventuallyBlocking`).
public func eventually(
    timeout: Duration = .seconds(10), poll: Duration = .milliseconds(10), _ what: @autoclosure () -> String,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return }
        guard ContinuousClock.now < deadline else { throw DeadlineExceeded(what: what(), timeout: timeout) }
        try await Task.sleep(for: poll)
    }
}

/// `eventually` for code that cannot await: synchronous helpers and callbacks such as a hook that
/// runs on the thread of the code under test. Blocks the calling thread.
public func eventuallyBlocking(
    timeout: Duration = .seconds(10), poll: Duration = .milliseconds(10), _ what: @autoclosure () -> String,
    _ condition: () throws -> Bool
) throws {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try condition() { return }
        guard ContinuousClock.now < deadline else { throw DeadlineExceeded(what: what(), timeout: timeout) }
        let c = poll.components
        usleep(useconds_t(c.seconds * 1_000_000 + c.attoseconds / 1_000_000_000_000))
    }
}
