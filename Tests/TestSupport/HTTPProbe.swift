import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A response as it came off the wire.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var reason: String
    /// In arrival order, names as sent.
    public var headers: [(name: String, value: String)]
    public var body: Data

    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The echo backend's report, or a thrown error showing what came back instead.
    public func echo() throws -> EchoReply { try EchoReply.decode(self) }

    /// The name of the echo backend that answered, nil for anything else (nginx's own pages).
    public var backend: String? { header("X-Echo-Backend") }
}

/// A tiny HTTP/1.1 client on raw sockets: sends exactly the Host header, method, target, headers and
/// body it is given (URLSession rewrites Host on Linux), with `Connection: close`, and reads the
/// whole response within a deadline.
public enum HTTPProbe {
    public static func request(
        port: Int, host: String?, method: String = "GET", target: String = "/",
        headers: [(String, String)] = [], body: Data? = nil, address: String = "127.0.0.1",
        timeout: TimeInterval = 10
    ) throws -> HTTPResponse {
        var head = "\(method) \(target) HTTP/1.1\r\n"
        if let host { head += "Host: \(host)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        // A body is framed by Content-Length unless the caller frames it (chunked, already encoded).
        if let body, !headers.contains(where: { ["content-length", "transfer-encoding"].contains($0.0.lowercased()) }) {
            head += "Content-Length: \(body.count)\r\n"
        }
        head += "Connection: close\r\n\r\n"
        let connection = try Connection(address: address, port: port, timeout: timeout)
        defer { connection.close() }
        try connection.send(Data(head.utf8) + (body ?? Data()))
        let raw = try connection.receiveAll()
        return try parse(raw, method: method)
    }

    /// Convenience: GET `target` with `Host: host`.
    public static func get(_ target: String, host: String?, port: Int, timeout: TimeInterval = 10) throws
        -> HTTPResponse
    {
        try request(port: port, host: host, target: target, timeout: timeout)
    }

    /// Upgrades to WebSocket at `target`, sends one masked text frame with `message`, and returns the
    /// upgrade response and the payload of the first frame that comes back.
    public static func webSocketEcho(
        port: Int, host: String, target: String = "/", message: String, timeout: TimeInterval = 10
    ) throws -> (response: HTTPResponse, reply: String) {
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let head =
            "GET \(target) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n"
        let connection = try Connection(address: "127.0.0.1", port: port, timeout: timeout)
        defer { connection.close() }
        try connection.send(Data(head.utf8))
        var buffer = Data()
        var headerEnd: Range<Data.Index>?
        while headerEnd == nil {
            let chunk = try connection.receive()
            if chunk.isEmpty { break }
            buffer += chunk
            headerEnd = buffer.range(of: Data("\r\n\r\n".utf8))
        }
        guard let end = headerEnd else {
            throw TestSupportError("connection closed before the upgrade response: \(String(decoding: buffer, as: UTF8.self))")
        }
        var response = try parse(buffer[..<end.upperBound], method: "HEAD")
        guard response.status == 101 else {
            // Read the rest of the answer (the connection may stay open: no `Connection: close`).
            response.body = buffer[end.upperBound...]
            let length = response.header("Content-Length").flatMap(Int.init) ?? Int.max
            while response.body.count < length, let more = try? connection.receive(), !more.isEmpty {
                response.body += more
            }
            return (response, "")
        }
        let expected = Data(SHA1.digest(Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8)))
            .base64EncodedString()
        guard response.header("Sec-WebSocket-Accept") == expected else {
            throw TestSupportError("wrong Sec-WebSocket-Accept \(response.header("Sec-WebSocket-Accept") ?? "none")")
        }
        let payload = Array(message.utf8)
        precondition(payload.count < 126, "short messages only")
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        var frame: [UInt8] = [0x81, 0x80 | UInt8(payload.count)] + mask
        frame += payload.enumerated().map { $1 ^ mask[$0 % 4] }
        try connection.send(Data(frame))
        var incoming = Data(buffer[end.upperBound...])
        while true {
            if incoming.count >= 2 {
                let bytes = [UInt8](incoming)
                let length = Int(bytes[1] & 0x7F)
                precondition(length < 126, "short replies only")
                if bytes.count >= 2 + length {
                    return (response, String(decoding: bytes[2..<2 + length], as: UTF8.self))
                }
            }
            let chunk = try connection.receive()
            if chunk.isEmpty { throw TestSupportError("connection closed before a WebSocket frame came back") }
            incoming += chunk
        }
    }

    static func parse(_ raw: Data, method: String) throws -> HTTPResponse {
        guard let split = raw.range(of: Data("\r\n\r\n".utf8)) else {
            throw TestSupportError("no complete response head in \(raw.count) bytes: \(String(decoding: raw.prefix(300), as: UTF8.self))")
        }
        let head = String(decoding: raw[..<split.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            throw TestSupportError("bad status line: \(statusLine)")
        }
        let headers = lines.compactMap { line -> (name: String, value: String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var response = HTTPResponse(
            status: status, reason: parts.count > 2 ? String(parts[2]) : "", headers: headers, body: Data())
        let rest = Data(raw[split.upperBound...])
        if method == "HEAD" || status == 204 || status == 304 || (100..<200).contains(status) {
            return response
        }
        if response.header("Transfer-Encoding")?.lowercased().contains("chunked") == true {
            response.body = try dechunk(rest)
        } else if let length = response.header("Content-Length").flatMap(Int.init) {
            guard rest.count >= length else {
                throw TestSupportError("body cut short: \(rest.count) of \(length) bytes")
            }
            response.body = rest.prefix(length)
        } else {
            response.body = rest
        }
        return response
    }

    static func dechunk(_ data: Data) throws -> Data {
        var out = Data()
        var i = data.startIndex
        while true {
            guard let lineEnd = data[i...].range(of: Data("\r\n".utf8)) else {
                throw TestSupportError("bad chunked body")
            }
            let sizeText = String(decoding: data[i..<lineEnd.lowerBound], as: UTF8.self)
                .split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                throw TestSupportError("bad chunk size \(sizeText)")
            }
            if size == 0 { return out }
            let start = lineEnd.upperBound
            guard data.distance(from: start, to: data.endIndex) >= size + 2 else {
                throw TestSupportError("chunked body cut short")
            }
            let end = data.index(start, offsetBy: size)
            out += data[start..<end]
            i = data.index(end, offsetBy: 2)
        }
    }
}

/// One TCP connection with a deadline for everything done on it.
final class Connection {
    let fd: Int32
    let deadline: Date
    let description: String

    init(address: String, port: Int, timeout: TimeInterval) throws {
        description = "\(address):\(port)"
        deadline = Date().addingTimeInterval(timeout)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket() failed") }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr(address)
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let error = errno
            Glibc.close(fd)
            throw TestSupportError("cannot connect to \(description): errno \(error)")
        }
    }

    func close() { Glibc.close(fd) }

    func send(_ data: Data) throws {
        var offset = 0
        let bytes = [UInt8](data)
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                // The server may answer (413, 404) and close before reading a large body.
                if errno == EPIPE || errno == ECONNRESET { return }
                throw TestSupportError("send to \(description) failed: errno \(errno)")
            }
            offset += sent
            if Date() > deadline { throw TestSupportError("send to \(description) timed out") }
        }
    }

    /// The next bytes, or empty at end of stream; throws when the deadline passes.
    func receive() throws -> Data {
        while true {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw TestSupportError("no response from \(description) in time") }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(max(1, remaining * 1000)))
            if ready < 0 && errno != EINTR { throw TestSupportError("poll failed: errno \(errno)") }
            if ready <= 0 { continue }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let count = recv(fd, &buffer, buffer.count, 0)
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                if errno == ECONNRESET { return Data() }
                throw TestSupportError("recv from \(description) failed: errno \(errno)")
            }
            return Data(buffer[0..<count])
        }
    }

    func receiveAll() throws -> Data {
        var all = Data()
        while true {
            let chunk = try receive()
            if chunk.isEmpty { return all }
            all += chunk
        }
    }
}
