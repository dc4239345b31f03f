import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One TCP connection, blocking, with a deadline on every read: connect, send, half-close, read
/// to the end.
/// One thread may read while another sends (a socket allows it).
public final class TCPExchange: @unchecked Sendable {
    private var fd: Int32

    public init(port: Int, host: String = "127.0.0.1", timeout: TimeInterval = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket() failed") }
        var time = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr(host)
        let result = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw TestSupportError("connect to \(host):\(port) failed: errno \(errno)")
        }
    }

    deinit { close(fd) }

    public func send(_ data: Data) throws {
        var sent = 0
        while sent < data.count {
            let n = data.withUnsafeBytes { bytes -> Int in
                guard let base = bytes.baseAddress else { return -1 }
                return Glibc.send(fd, base + sent, data.count - sent, Int32(MSG_NOSIGNAL))
            }
            guard n > 0 else { throw TestSupportError("send failed: errno \(errno)") }
            sent += n
        }
    }

    /// No more to send; the peer reads its end of file.
    public func halfClose() { shutdown(fd, Int32(SHUT_WR)) }

    /// One line (up to "\n", without it), read byte by byte so nothing after it is consumed.
    public func readLine(limit: Int = 4096) throws -> String {
        var line = [UInt8]()
        var byte: UInt8 = 0
        while line.count < limit {
            let n = recv(fd, &byte, 1, 0)
            guard n == 1 else { throw TestSupportError("no line (read \(line.count) bytes): errno \(errno)") }
            if byte == UInt8(ascii: "\n") { break }
            line.append(byte)
        }
        return String(decoding: line, as: UTF8.self)
    }

    /// Everything until the peer closes its side; throws when a read times out first.
    public func readToEnd() throws -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { return data }
            guard n > 0 else { throw TestSupportError("read failed after \(data.count) bytes: errno \(errno)") }
            data.append(contentsOf: buffer[0..<n])
        }
    }
}
