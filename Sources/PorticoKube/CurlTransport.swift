import CCurlShims
import Foundation
import Synchronization

/// One HTTP request to the API server.
struct HTTPRequest: Sendable {
    var method: String
    var url: String
    var headers: [(name: String, value: String)] = []
    var body: Data?
    /// Limit for the whole exchange; nil for streams.
    var timeout: Duration? = .seconds(60)
    /// A stream that delivers no bytes for this long is cut (`KubeTransportError.Code.idle`).
    var idleTimeout: Duration?

    var summary: String { "\(method) \(url)" }
}

/// An HTTP answer. For a streamed 2xx answer, `body` is empty: the bytes went to the stream handler.
struct HTTPResponse: Sendable {
    var status: Int
    /// Lower-cased names.
    var headers: [String: String]
    var body: Data

    var isSuccess: Bool { (200..<300).contains(status) }
}

/// TLS material and options that stay fixed for a client.
struct TLSSettings: Sendable, Equatable {
    enum Trust: Sendable, Equatable {
        case system
        case caFile(String)
        case caData(Data)
    }
    var trust: Trust = .system
    var insecureSkipVerify = false
    /// Verify the server certificate against this name instead of the URL's host.
    var serverName: String?
    /// Keep connections open for later requests. Tests turn it off for servers built on Python's
    /// http.server, which answer on a reused connection only after a 40 ms delayed ACK.
    var reuseConnections = true
}

/// A client certificate and key (PEM), fixed or from an exec credential plugin.
struct ClientIdentity: Sendable, Equatable {
    var certificatePEM: Data
    var keyPEM: Data
}

/// HTTP over libcurl easy handles.
///
/// Threading: every transfer runs on a thread of its own, never on the Swift concurrency
/// cooperative pool, because `curl_multi_poll` blocks. A controller has a handful of concurrent
/// transfers (one watch per kind plus occasional requests), so a thread each is cheap and keeps
/// a slow consumer of one stream from delaying the others; a single curl-multi event loop would
/// save a few threads at the cost of a cross-thread request queue. Each thread drives its easy
/// handle through a private multi handle so that cancellation (`curl_multi_wakeup`) and the idle
/// timeout take effect at once rather than at curl's next progress tick. Finished handle pairs
/// are kept in a small pool so that connections (and TLS sessions) are reused.
final class CurlTransport: Sendable {
    let tls: TLSSettings
    private let pool = Mutex<[CurlHandlePair]>([])
    private static let maxPooled = 8

    init(tls: TLSSettings) {
        _ = curlGlobalInit
        self.tls = tls
    }

    deinit {
        pool.withLock { $0.removeAll() }
    }

    /// Performs a request and collects the whole body.
    func perform(_ request: HTTPRequest, identity: ClientIdentity?) async throws(KubeTransportError)
        -> HTTPResponse
    {
        try await run(request, identity: identity, onData: nil)
    }

    /// Performs a request whose 2xx body is handed to `onData` chunk by chunk, on the transfer's
    /// thread, as the bytes arrive. `onData` returns false to end the transfer early (which is
    /// then not an error). A non-2xx body is collected into the response instead.
    func stream(
        _ request: HTTPRequest, identity: ClientIdentity?,
        onData: @escaping @Sendable (UnsafeRawBufferPointer) -> Bool
    ) async throws(KubeTransportError) -> HTTPResponse {
        try await run(request, identity: identity, onData: onData)
    }

    private func run(
        _ request: HTTPRequest, identity: ClientIdentity?,
        onData: (@Sendable (UnsafeRawBufferPointer) -> Bool)?
    ) async throws(KubeTransportError) -> HTTPResponse {
        let cancellation = TransferCancellation()
        let result: Result<HTTPResponse, KubeTransportError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let thread = Thread { [self] in
                    let pair = checkOut()
                    let result = pair.execute(
                        request, tls: tls, identity: identity, onData: onData, cancellation: cancellation)
                    checkIn(pair, reusable: (try? result.get()) != nil)
                    continuation.resume(returning: result)
                }
                thread.name = "portico-curl"
                thread.start()
            }
        } onCancel: {
            cancellation.cancel()
        }
        return try result.get()
    }

    private func checkOut() -> CurlHandlePair {
        pool.withLock { $0.popLast() } ?? CurlHandlePair()
    }

    private func checkIn(_ pair: CurlHandlePair, reusable: Bool) {
        guard reusable else { return }
        pool.withLock { idle in
            if idle.count < Self.maxPooled { idle.append(pair) }
        }
    }
}

private let curlGlobalInit: Void = {
    // CURL_GLOBAL_DEFAULT (= CURL_GLOBAL_SSL | CURL_GLOBAL_WIN32); once per process, before any handle.
    _ = curl_global_init(3)
}()

/// Lets the awaiting task stop a transfer running on another thread.
final class TransferCancellation: Sendable {
    /// curl_multi_wakeup is documented as callable from any thread.
    private struct MultiHandle: @unchecked Sendable { var pointer: UnsafeMutableRawPointer }
    private struct State {
        var cancelled = false
        var multi: MultiHandle?
    }
    private let state = Mutex(State())

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    func cancel() {
        state.withLock { state in
            state.cancelled = true
            if let multi = state.multi { curl_multi_wakeup(multi.pointer) }
        }
    }

    /// Called by the transfer thread around its poll loop; while attached, `cancel` wakes it.
    func attach(_ multi: UnsafeMutableRawPointer?) {
        let handle = multi.map(MultiHandle.init)
        state.withLock { $0.multi = handle }
    }
}

/// What the curl callbacks write into, confined to the transfer's thread.
private final class TransferContext {
    var status = 0
    var headers: [String: String] = [:]
    var body = Data()
    var lastActivity = ContinuousClock.now
    var stoppedByHandler = false
    let onData: (@Sendable (UnsafeRawBufferPointer) -> Bool)?
    let handle: UnsafeMutableRawPointer
    /// Error bodies of streams are kept for the Status they carry, not without bound.
    static let maxErrorBody = 1 << 20

    init(handle: UnsafeMutableRawPointer, onData: (@Sendable (UnsafeRawBufferPointer) -> Bool)?) {
        self.handle = handle
        self.onData = onData
    }
}

/// An easy handle and the private multi handle that drives it. Used by one thread at a time.
private final class CurlHandlePair: @unchecked Sendable {
    let easy: UnsafeMutableRawPointer
    let multi: UnsafeMutableRawPointer

    init() {
        // Both only fail when out of memory, where nothing sensible remains to be done.
        guard let easy = curl_easy_init(), let multi = curl_multi_init() else {
            fatalError("libcurl could not allocate a handle")
        }
        self.easy = easy
        self.multi = multi
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_multi_cleanup(multi)
    }

    func execute(
        _ request: HTTPRequest, tls: TLSSettings, identity: ClientIdentity?,
        onData: (@Sendable (UnsafeRawBufferPointer) -> Bool)?, cancellation: TransferCancellation
    ) -> Result<HTTPResponse, KubeTransportError> {
        func failure(_ code: KubeTransportError.Code, _ detail: String) -> Result<
            HTTPResponse, KubeTransportError
        > {
            .failure(KubeTransportError(code: code, request: request.summary, detail: detail))
        }
        curl_easy_reset(easy)
        let context = TransferContext(handle: easy, onData: onData)
        var headerList: UnsafeMutablePointer<curl_slist>?
        var connectTo: UnsafeMutablePointer<curl_slist>?
        defer {
            curl_slist_free_all(headerList)
            curl_slist_free_all(connectTo)
        }
        var url = request.url
        if let serverName = tls.serverName, let components = URLComponents(string: request.url),
            let host = components.host
        {
            // Verify (and send SNI for) `serverName` while still connecting to the configured host.
            let port = components.port ?? (components.scheme == "http" ? 80 : 443)
            connectTo = curl_slist_append(connectTo, "\(serverName):\(port):\(host):\(port)")
            var renamed = components
            renamed.host = serverName
            url = renamed.string ?? request.url
        }
        for (name, value) in request.headers {
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        // No "Expect: 100-continue" round trip before bodies.
        headerList = curl_slist_append(headerList, "Expect:")

        var setupError: CURLcode = CURLE_OK
        func set(_ code: CURLcode) { if setupError == CURLE_OK { setupError = code } }
        set(portico_curl_set_string(easy, CURLOPT_URL, url))
        set(portico_curl_set_long(easy, CURLOPT_NOSIGNAL, 1))
        set(portico_curl_set_long(easy, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS)))
        set(portico_curl_set_long(easy, CURLOPT_CONNECTTIMEOUT_MS, 10_000))
        set(portico_curl_set_long(easy, CURLOPT_TCP_KEEPALIVE, 1))
        if !tls.reuseConnections { set(portico_curl_set_long(easy, CURLOPT_FORBID_REUSE, 1)) }
        set(portico_curl_set_string(easy, CURLOPT_ACCEPT_ENCODING, ""))
        if let timeout = request.timeout {
            set(portico_curl_set_long(easy, CURLOPT_TIMEOUT_MS, Int(timeout.milliseconds)))
        }
        if request.method == "GET" {
            set(portico_curl_set_long(easy, CURLOPT_HTTPGET, 1))
        } else {
            set(portico_curl_set_string(easy, CURLOPT_CUSTOMREQUEST, request.method))
        }
        if let body = request.body {
            set(
                body.withUnsafeBytes { bytes in
                    // COPYPOSTFIELDS copies; an empty body still needs a valid pointer.
                    bytes.baseAddress.map { portico_curl_set_post_body(easy, $0, bytes.count) }
                        ?? portico_curl_set_post_body(easy, "", 0)
                })
        }
        set(portico_curl_set_header_list(easy, headerList))
        if connectTo != nil { set(portico_curl_set_connect_to(easy, connectTo)) }

        switch tls.trust {
        case .system: break
        case .caFile(let path): set(portico_curl_set_string(easy, CURLOPT_CAINFO, path))
        case .caData(let data): set(setBlob(CURLOPT_CAINFO_BLOB, data))
        }
        if tls.insecureSkipVerify {
            set(portico_curl_set_long(easy, CURLOPT_SSL_VERIFYPEER, 0))
            set(portico_curl_set_long(easy, CURLOPT_SSL_VERIFYHOST, 0))
        }
        if let identity {
            set(portico_curl_set_string(easy, CURLOPT_SSLCERTTYPE, "PEM"))
            set(setBlob(CURLOPT_SSLCERT_BLOB, identity.certificatePEM))
            set(portico_curl_set_string(easy, CURLOPT_SSLKEYTYPE, "PEM"))
            set(setBlob(CURLOPT_SSLKEY_BLOB, identity.keyPEM))
        }
        let contextPointer = Unmanaged.passUnretained(context).toOpaque()
        set(portico_curl_set_write_callback(easy, curlWrite, contextPointer))
        set(portico_curl_set_header_callback(easy, curlHeader, contextPointer))
        if setupError != CURLE_OK {
            return failure(.curl, "could not configure the request: \(curlMessage(setupError))")
        }

        curl_multi_add_handle(multi, easy)
        cancellation.attach(multi)
        defer {
            cancellation.attach(nil)
            curl_multi_remove_handle(multi, easy)
        }
        var running: Int32 = 1
        var outcome: CURLcode?
        while true {
            let code = curl_multi_perform(multi, &running)
            if code != CURLM_OK {
                return failure(.curl, String(cString: curl_multi_strerror(code)))
            }
            var remaining: Int32 = 0
            while let message = curl_multi_info_read(multi, &remaining) {
                if message.pointee.msg == CURLMSG_DONE { outcome = message.pointee.data.result }
            }
            if outcome != nil || running == 0 { break }
            if cancellation.isCancelled { return failure(.cancelled, "cancelled") }
            var wait: Int32 = 1000
            if let idle = request.idleTimeout {
                let quiet = ContinuousClock.now - context.lastActivity
                if quiet >= idle {
                    return failure(.idle, "no bytes for \(idle.seconds) s; the stream is presumed stalled")
                }
                wait = Int32(clamping: min(Int64(wait), (idle - quiet).milliseconds + 1))
            }
            curl_multi_poll(multi, nil, 0, wait, nil)
        }
        let result = outcome ?? CURLE_OK
        if result != CURLE_OK && !(result == CURLE_WRITE_ERROR && context.stoppedByHandler) {
            return failure(Self.classify(result), curlMessage(result))
        }
        return .success(HTTPResponse(status: context.status, headers: context.headers, body: context.body))
    }

    private func setBlob(_ option: CURLoption, _ data: Data) -> CURLcode {
        data.withUnsafeBytes { bytes in
            portico_curl_set_blob(easy, option, bytes.baseAddress, bytes.count)
        }
    }

    private func curlMessage(_ code: CURLcode) -> String {
        String(cString: curl_easy_strerror(code))
    }

    static func classify(_ code: CURLcode) -> KubeTransportError.Code {
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            .couldNotConnect
        case CURLE_OPERATION_TIMEDOUT: .timedOut
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH:
            .tls
        case CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_NOTFOUND: .invalidCredentials
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE, CURLE_GOT_NOTHING, CURLE_HTTP2,
            CURLE_HTTP2_STREAM:
            .connectionLost
        default: .curl
        }
    }
}

private func curlWrite(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ raw: UnsafeMutableRawPointer?
) -> Int {
    guard let raw else { return 0 }
    let context = Unmanaged<TransferContext>.fromOpaque(raw).takeUnretainedValue()
    let length = size * count
    context.lastActivity = .now
    if context.status == 0 { context.status = portico_curl_response_code(context.handle) }
    let bytes = UnsafeRawBufferPointer(start: data, count: length)
    if let onData = context.onData, (200..<300).contains(context.status) {
        if !onData(bytes) {
            context.stoppedByHandler = true
            return portico_curl_write_abort()
        }
    } else if context.onData == nil || context.body.count < TransferContext.maxErrorBody {
        context.body.append(contentsOf: bytes)
    }
    return length
}

private func curlHeader(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ raw: UnsafeMutableRawPointer?
) -> Int {
    guard let raw else { return 0 }
    let context = Unmanaged<TransferContext>.fromOpaque(raw).takeUnretainedValue()
    let length = size * count
    context.lastActivity = .now
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    if line.hasPrefix("HTTP/") {
        // A new response (after 100 Continue or a redirect) starts over.
        context.headers = [:]
        let parts = line.split(separator: " ", maxSplits: 2)
        if parts.count >= 2, let status = Int(parts[1]) { context.status = status }
    } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        context.headers[name] = value
    }
    return length
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
