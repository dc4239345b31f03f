import Synchronization

/// Tells consumers that the cache changed, without queueing events: a change only advances a
/// generation counter, and a waiting consumer wakes once however many changes happened meanwhile.
/// Memory stays bounded by the number of waiting consumers.
final class ChangeNotifier: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<UInt64?, Never>] = [:]
        var cancelled: Set<UInt64> = []
    }
    private let state = Mutex(State())

    var generation: UInt64 { state.withLock { $0.generation } }

    /// Records a change and wakes every waiting consumer.
    func bump() {
        let (woken, generation) = state.withLock { state in
            state.generation += 1
            let woken = state.waiters.values
            state.waiters.removeAll()
            return (Array(woken), state.generation)
        }
        for waiter in woken { waiter.resume(returning: generation) }
    }

    /// The generation once it is past `seen`; nil when the task is cancelled.
    func wait(after seen: UInt64) async -> UInt64? {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<UInt64?, Never>) in
                let immediate: UInt64?? = state.withLock { state in
                    if state.cancelled.remove(id) != nil { return .some(nil) }
                    if state.generation > seen { return .some(state.generation) }
                    state.waiters[id] = continuation
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                if let waiter = state.waiters.removeValue(forKey: id) { return Optional(waiter) }
                state.cancelled.insert(id)
                return nil
            }
            waiter?.resume(returning: nil)
        }
    }
}

/// Generations of the cluster cache, one element per wake-up: each element means "something
/// changed since the last element; read a fresh snapshot". Ends when the consuming task is
/// cancelled. Several changes in quick succession produce one element.
public struct ClusterChanges: AsyncSequence, Sendable {
    public typealias Element = UInt64
    let notifier: ChangeNotifier
    /// Changes after this generation are reported.
    let start: UInt64

    public struct AsyncIterator: AsyncIteratorProtocol {
        let notifier: ChangeNotifier
        var seen: UInt64

        public mutating func next() async -> UInt64? {
            guard let generation = await notifier.wait(after: seen) else { return nil }
            seen = generation
            return generation
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(notifier: notifier, seen: start)
    }
}
