import Foundation
import Logging
import Synchronization

/// Counters that show how a list+watch has been going; for metrics and tests.
public struct WatchStatistics: Sendable, Equatable {
    /// Complete (all pages) lists.
    public var lists = 0
    /// Lists forced by 410 Gone / an Expired watch error.
    public var relistsAfterExpiry = 0
    /// Watch connections opened.
    public var watches = 0
    /// Watches that ended in an error and were reopened after a backoff.
    public var watchFailures = 0
    /// Events applied to the cache (bookmarks excluded).
    public var events = 0
    public var bookmarks = 0
    /// Lists answered 404 for a kind whose API group the cluster may not serve (`OptionalAPIGroup`).
    public var absentKindLists = 0
    /// The last error, described, if the last attempt failed.
    public var lastError: String?

    public init() {}

    static func + (a: Self, b: Self) -> Self {
        var sum = a
        sum.lists += b.lists
        sum.relistsAfterExpiry += b.relistsAfterExpiry
        sum.watches += b.watches
        sum.watchFailures += b.watchFailures
        sum.events += b.events
        sum.bookmarks += b.bookmarks
        sum.absentKindLists += b.absentKindLists
        sum.lastError = b.lastError ?? a.lastError
        return sum
    }
}

/// Keeps a cache of one kind equal to the API server's state: a paged list, then a watch from the
/// list's resourceVersion, resumed from the last seen resourceVersion after a dropped or stalled
/// stream, and a fresh list (replacing the cache) when the server says that version expired.
final class Reflector<R: KubeResource>: Sendable {
    let client: KubeClient
    let namespace: String?
    let labelSelector: String?
    /// `metadata.name=NAME`: one object of a namespace (a ConfigMap the flags name).
    let fieldSelector: String?
    let settings: WatchSettings
    let notifier: ChangeNotifier
    let logger: Logger
    /// Set when the cluster may not serve the kind at all: a 404 then empties the cache instead of
    /// failing (see `OptionalAPIGroup`).
    let optionalGroup: OptionalAPIGroup?

    private struct State {
        /// The cached objects in key order (`namespace/name`): a snapshot is this array as it is,
        /// and a change finds its object's place by binary search. Nothing beside it: a dictionary
        /// of the same objects (and one of their positions) was 5 MB more per kind at 10,000.
        var items: [R] = []
        var synced = false
        var statistics = WatchStatistics()

        /// Where the object with `key` is, or where it would go.
        func position(of key: String) -> (index: Int, found: Bool) {
            items.withUnsafeBufferPointer { items in
                var (low, high) = (0, items.count)
                while low < high {
                    let mid = (low + high) / 2
                    if items[mid].cacheKey < key { low = mid + 1 } else { high = mid }
                }
                return (low, low < items.count && items[low].cacheKey == key)
            }
        }

        func item(forKey key: String) -> R? {
            let (index, found) = position(of: key)
            return found ? items[index] : nil
        }

        /// Replaces the object of the same key in place, or inserts it in order.
        mutating func put(_ object: R) {
            let (index, found) = position(of: object.cacheKey)
            if found {
                items[index] = object
                return
            }
            // A new array of the exact size (the last snapshot usually shares the old one, so
            // inserting would copy it anyway, into room for twice as many).
            var grown: [R] = []
            grown.reserveCapacity(items.count + 1)
            grown += items[..<index]
            grown.append(object)
            grown += items[index...]
            items = grown
        }

        mutating func remove(key: String) {
            let (index, found) = position(of: key)
            if found { items.remove(at: index) }
        }
    }
    private let state = Mutex(State())

    init(
        client: KubeClient, namespace: String?, labelSelector: String?, fieldSelector: String? = nil, settings: WatchSettings,
        notifier: ChangeNotifier, logger: Logger, optionalGroup: OptionalAPIGroup? = nil
    ) {
        self.optionalGroup = optionalGroup
        self.fieldSelector = fieldSelector
        self.logger = logger
        self.client = client
        self.namespace = R.resourceType.namespaced ? namespace : nil
        self.labelSelector = labelSelector
        self.settings = settings
        self.notifier = notifier
    }

    /// The cached objects, sorted by key.
    var items: [R] { state.withLock { $0.items } }
    func item(forKey key: String) -> R? { state.withLock { $0.item(forKey: key) } }
    var isSynced: Bool { state.withLock { $0.synced } }
    var statistics: WatchStatistics { state.withLock { $0.statistics } }

    private var operation: String {
        "watch \(R.resourceType) \(client.describeScope(R.self, namespace))"
    }

    /// Lists and watches until the task is cancelled (then throws `CancellationError`).
    func run() async throws {
        var backoff = Backoff(initial: settings.initialBackoff, maximum: settings.maxBackoff)
        var resourceVersion: String?
        while true {
            try Task.checkCancellation()
            if resourceVersion == nil {
                do {
                    resourceVersion = try await relist()
                    backoff.reset()
                    optionalGroup?.served(R.resourceType)
                } catch let error as KubeAPIError where error.isNotFound && optionalGroup != nil {
                    forgetAll()
                    optionalGroup?.missing(R.resourceType)
                    try await Task.sleep(for: optionalGroup?.recheck ?? settings.maxBackoff)
                    continue
                } catch let error as KubeTransportError where error.code == .cancelled {
                    throw CancellationError()
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    try await pause(after: error, backoff: &backoff)
                    continue
                }
            }
            guard let from = resourceVersion else { continue }
            let outcome = await watch(from: from)
            switch outcome {
            case .ended(let last, let sawBytes):
                resourceVersion = last
                // A server that closes at once, again and again, should not be hammered.
                if sawBytes { backoff.reset() } else { try await Task.sleep(for: backoff.next()) }
            case .expired:
                state.withLock { $0.statistics.relistsAfterExpiry += 1 }
                logger.info("watch expired; listing again", metadata: ["kube.operation": "\(operation)"])
                resourceVersion = nil
            case .failed(_, let error as KubeAPIError) where error.isNotFound && optionalGroup != nil:
                // The CRD went while it was watched: list again, which finds the kind absent.
                resourceVersion = nil
            case .failed(let last, let error):
                resourceVersion = last
                state.withLock { $0.statistics.watchFailures += 1 }
                try await pause(after: error, backoff: &backoff)
            case .cancelled:
                throw CancellationError()
            }
        }
    }

    private func record(_ error: any Error, retryIn delay: Duration) {
        state.withLock { $0.statistics.lastError = String(describing: error) }
        logger.warning("list or watch failed; the cache keeps its last state and retries", metadata: [
            "kube.operation": "\(operation)", "error": "\(error)", "retry.in_ms": "\(delay.milliseconds)",
        ])
    }

    /// Waits before retrying a failed list or watch. An API error's Retry-After is honoured, and a
    /// 401 drops the cached credentials so that the next request reads them afresh.
    private func pause(after error: any Error, backoff: inout Backoff) async throws {
        var delay = backoff.next()
        if let api = error as? KubeAPIError {
            if api.isUnauthorized { await client.credentials.invalidate() }
            if let seconds = api.retryAfterSeconds {
                delay = max(delay, min(.seconds(seconds), settings.maxRetryAfter))
            }
        }
        record(error, retryIn: delay)
        try await Task.sleep(for: delay)
    }

    /// Lists every page and replaces the cache; notifies only if the content changed (or on the
    /// first list, so that waiters learn that the cache is ready).
    private func relist() async throws -> String {
        var items: [String: R] = [:]
        var token: String?
        var resourceVersion = ""
        repeat {
            let page: KubeClient.ListPage<R>
            do {
                page = try await client.listPage(
                    R.self, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector, limit: settings.pageSize,
                    continueToken: token)
            } catch let error as KubeAPIError where error.isExpired && token != nil {
                // The continue token outlived the snapshot it pointed into: start over.
                items.removeAll()
                token = nil
                continue
            }
            for item in page.items { if let kept = R.cached(item) { items[kept.cacheKey] = kept } }
            token = page.continueToken
            resourceVersion = page.resourceVersion
        } while token != nil
        let sorted = items.sorted { $0.key < $1.key }.map(\.value)
        items = [:]
        let changed = state.withLock { state in
            let changed = state.items != sorted || !state.synced
            state.items = sorted
            state.synced = true
            state.statistics.lists += 1
            state.statistics.lastError = nil
            return changed
        }
        if changed { notifier.bump() }
        return resourceVersion
    }

    /// The kind is not served: nothing of it exists, and that counts as listed.
    private func forgetAll() {
        let changed = state.withLock { state in
            let changed = !state.items.isEmpty || !state.synced
            state.items = []
            state.synced = true
            state.statistics.absentKindLists += 1
            return changed
        }
        if changed { notifier.bump() }
    }

    enum WatchOutcome {
        /// The server ended the stream normally; resume from the version.
        case ended(resourceVersion: String, sawBytes: Bool)
        /// 410: list again.
        case expired
        case failed(resourceVersion: String, error: any Error)
        case cancelled
    }

    /// One watch connection, applying events to the cache as they arrive (on the transfer thread,
    /// so a slow cache update slows the socket instead of growing a queue).
    private func watch(from resourceVersion: String) async -> WatchOutcome {
        var query = [
            ("watch", "true"), ("allowWatchBookmarks", "true"), ("resourceVersion", resourceVersion),
            ("timeoutSeconds", String(Int.random(in: settings.watchTimeoutSeconds))),
        ]
        if let labelSelector, !labelSelector.isEmpty { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector, !fieldSelector.isEmpty { query.append(("fieldSelector", fieldSelector)) }
        let path = R.resourceType.path(namespace: namespace) + KubeClient.queryString(query)
        let session = WatchSession<R>(resourceVersion: resourceVersion)
        state.withLock { $0.statistics.watches += 1 }
        let response: HTTPResponse
        do {
            var (request, identity) = try await client.request("GET", path)
            request.timeout = nil
            request.idleTimeout = settings.idleTimeout
            response = try await client.transport.stream(request, identity: identity) { [self] bytes in
                session.feed(bytes, into: self)
            }
        } catch let error as KubeTransportError {
            if error.code == .cancelled { return .cancelled }
            return .failed(resourceVersion: session.resourceVersion, error: error)
        } catch is CancellationError {
            return .cancelled
        } catch {
            return .failed(resourceVersion: resourceVersion, error: error)
        }
        if !response.isSuccess {
            let error = KubeAPIError(response: response, operation: operation)
            if error.isExpired { return .expired }
            return .failed(resourceVersion: session.resourceVersion, error: error)
        }
        if let status = session.errorStatus {
            let error = KubeAPIError(status: status, operation: operation)
            if error.isExpired { return .expired }
            return .failed(resourceVersion: session.resourceVersion, error: error)
        }
        if let failure = session.failure {
            return .failed(resourceVersion: session.resourceVersion, error: failure)
        }
        return .ended(resourceVersion: session.resourceVersion, sawBytes: session.sawBytes)
    }

    /// Applies one watch event; returns false to stop the stream.
    fileprivate func apply(_ event: WatchEvent<R>) {
        switch event {
        case .added(let object), .modified(let object):
            let kept = R.cached(object)
            state.withLock { state in
                // An object that is no longer kept (a Secret that lost its certificate) goes.
                if let kept { state.put(kept) } else { state.remove(key: object.cacheKey) }
                state.statistics.events += 1
            }
            notifier.bump()
        case .deleted(let object):
            state.withLock { state in
                state.remove(key: object.cacheKey)
                state.statistics.events += 1
            }
            notifier.bump()
        case .bookmark:
            state.withLock { $0.statistics.bookmarks += 1 }
        case .error, .unknown:
            break
        }
    }
}

/// The state of one watch connection, touched by the transfer thread and read after it ends.
private final class WatchSession<R: KubeResource>: Sendable {
    private struct State {
        var frames = WatchFrameDecoder()
        var resourceVersion: String
        var errorStatus: KubeStatus?
        var failure: (any Error & Sendable)?
        var sawBytes = false
    }
    private let state: Mutex<State>
    private let decoder = JSONDecoder()

    init(resourceVersion: String) {
        state = Mutex(State(resourceVersion: resourceVersion))
    }

    var resourceVersion: String { state.withLock { $0.resourceVersion } }
    var errorStatus: KubeStatus? { state.withLock { $0.errorStatus } }
    var failure: (any Error & Sendable)? { state.withLock { $0.failure } }
    var sawBytes: Bool { state.withLock { $0.sawBytes } }

    /// Decodes the complete lines in `bytes` and applies them; false ends the stream.
    func feed(_ bytes: UnsafeRawBufferPointer, into reflector: Reflector<R>) -> Bool {
        state.withLock { state in
            state.sawBytes = true
            var keepGoing = true
            do {
                try state.frames.feed(bytes) { frame in
                    guard keepGoing else { return }
                    let event = try decoder.decode(WatchEvent<R>.self, from: Data(frame))
                    if case .error(let status) = event {
                        state.errorStatus = status
                        keepGoing = false
                        return
                    }
                    reflector.apply(event)
                    if let version = event.resourceVersion, !version.isEmpty {
                        state.resourceVersion = version
                    }
                }
            } catch let error as WatchFrameError {
                state.failure = error
                keepGoing = false
            } catch {
                state.failure = KubeDecodingError(
                    operation: "watch \(R.resourceType)", reason: KubeConfiguration.reason(error))
                keepGoing = false
            }
            return keepGoing
        }
    }
}
