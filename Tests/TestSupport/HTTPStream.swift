import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A request sent and answered in parts, each read as it arrives: a body sent only once the
/// server has said `100 Continue`, a response read a little at a time (or not at all, while the
/// test looks at what the proxy does meanwhile).
public final class HTTPStream {
    private let connection: Connection
    /// The raw bytes received so far (status line, headers, body as framed).
    public private(set) var received = Data()
    private var ended = false

    /// Sends the request's head only (no body).
    public init(
        port: Int, host: String, method: String = "GET", target: String, headers: [(String, String)] = [], timeout: TimeInterval = 30
    ) throws {
        connection = try Connection(address: "127.0.0.1", port: port, timeout: timeout)
        var head = "\(method) \(target) HTTP/1.1\r\nHost: \(host)\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Connection: close\r\n\r\n"
        try connection.send(Data(head.utf8))
    }

    deinit { connection.close() }

    public var text: String { String(decoding: received, as: UTF8.self) }

    /// Sends more of the request (its body, framed by the caller).
    public func send(_ data: Data) throws { try connection.send(data) }

    /// Reads to the end of the connection and returns the final response (after any `100 Continue`).
    public func response(within seconds: TimeInterval = 10) throws -> HTTPResponse {
        _ = try waitFor("\u{0}never", within: seconds)
        guard ended else { throw TestSupportError("the response did not end within \(seconds) s: \(text.prefix(300))") }
        var raw = received
        let interim = Data("HTTP/1.1 100 Continue\r\n\r\n".utf8)
        if raw.starts(with: interim) { raw = raw.dropFirst(interim.count) }
        return try HTTPProbe.parse(Data(raw), method: "GET")
    }

    /// Reads until `text` has arrived: true, or false when `seconds` pass (or the connection ends)
    /// first. What arrives meanwhile is kept for the next wait.
    public func waitFor(_ text: String, within seconds: TimeInterval) throws -> Bool {
        let needle = Data(text.utf8)
        let deadline = Date().addingTimeInterval(seconds)
        // Only what is new (and the end of what was there) is searched again: bodies can be large.
        var searchFrom = received.startIndex
        while received.range(of: needle, in: searchFrom..<received.endIndex) == nil {
            searchFrom = max(received.startIndex, received.endIndex - needle.count + 1)
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0, !ended else { return false }
            var pfd = pollfd(fd: connection.fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(max(1, remaining * 1000)))
            if ready < 0 && errno != EINTR { throw TestSupportError("poll failed: errno \(errno)") }
            if ready <= 0 { continue }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = recv(connection.fd, &buffer, buffer.count, 0)
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw TestSupportError("recv from \(connection.description) failed: errno \(errno)")
            }
            if count == 0 { ended = true }
            received += buffer[0..<count]
        }
        return true
    }
}
