import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Loopback ports for tests.
public enum Ports {
    /// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
    public static func free() throws -> Int {
        let fd = try bound(port: 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// A socket listening on 127.0.0.1:`port`, for a test that needs the port taken. Close it when done.
    public static func occupy(_ port: Int) throws -> Int32 {
        let fd = try bound(port: port)
        guard listen(fd, 4) == 0 else {
            close(fd)
            throw TestSupportError("listen() on port \(port) failed")
        }
        return fd
    }

    /// A TCP socket bound to 127.0.0.1:`port` (0: any free port).
    static func bound(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket() failed") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            throw TestSupportError("bind() to 127.0.0.1:\(port) failed")
        }
        return fd
    }

    /// True when something accepts TCP connections on 127.0.0.1:`port`.
    public static func isListening(_ port: Int, host: String = "127.0.0.1") -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr(host)
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    /// Polls until `port` accepts connections, or throws after `timeout` seconds.
    public static func waitUntilListening(
        _ port: Int, host: String = "127.0.0.1", timeout: TimeInterval = 10, process: ChildProcess? = nil
    ) throws {
        try eventuallyBlocking(timeout: .seconds(timeout), poll: .milliseconds(20), "something listens on \(host):\(port)") {
            if isListening(port, host: host) { return true }
            if let process, !process.isRunning {
                throw TestSupportError("\(process.name) exited before listening on \(port): \(process.stderr)")
            }
            return false
        }
    }
}
