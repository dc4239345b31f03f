import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Loopback ports for tests.
public enum Ports {
    /// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released), and that
    /// this process has not handed out before. The kernel may give a just-released port again: a
    /// setup that asks for nginx's port and then dnsmasq's could otherwise get the same one twice,
    /// and dnsmasq's TCP listener would take the connections meant for nginx.
    public static func free() throws -> Int {
        for _ in 0..<100 {
            let port = try released()
            if handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
        throw TestSupportError("no loopback port that was not handed out before, in 100 tries")
    }

    private static let handedOut = LockedSet()

    private final class LockedSet: @unchecked Sendable {
        private let lock = NSLock()
        private var ports: Set<Int> = []
        func withLock<T>(_ body: (inout Set<Int>) -> T) -> T { lock.withLock { body(&ports) } }
    }

    private static func released() throws -> Int {
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

    /// Polls until `port` accepts connections, or throws after `timeout` seconds. Given a `process`,
    /// the listening socket must be that process's own: another program on the port (one that took
    /// it between `free()` and the start) is an error, not a server that is up.
    public static func waitUntilListening(
        _ port: Int, host: String = "127.0.0.1", timeout: TimeInterval = 10, process: ChildProcess? = nil
    ) throws {
        let owner = process.map { " by \($0.name)" } ?? ""
        try eventuallyBlocking(timeout: .seconds(timeout), poll: .milliseconds(20), "something listens on \(host):\(port)\(owner)") {
            if let process, !process.isRunning {
                throw TestSupportError("\(process.name) exited before listening on \(port): \(process.stderr)")
            }
            guard isListening(port, host: host) else { return false }
            guard let process else { return true }
            return listeningSockets(port: port, host: host).contains { socketsOf(process.pid).contains($0) }
        }
    }

    /// The inodes of the TCP sockets listening on `host`:`port` (or on every address at `port`).
    static func listeningSockets(port: Int, host: String) -> Set<String> {
        guard let table = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8) else { return [] }
        // "sl local_address rem_address st ... inode": addresses as hex, IPv4 in host byte order.
        let address = String(format: "%08X", inet_addr(host))
        let wanted = [address, "00000000"].map { "\($0):\(String(format: "%04X", port))" }
        var inodes: Set<String> = []
        for line in table.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 9, wanted.contains(String(fields[1])), fields[3] == "0A" else { continue }
            inodes.insert(String(fields[9]))
        }
        return inodes
    }

    /// The inodes of the sockets process `pid` holds open.
    static func socketsOf(_ pid: Int32) -> Set<String> {
        let directory = "/proc/\(pid)/fd"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var inodes: Set<String> = []
        for entry in entries {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\(entry)"),
                target.hasPrefix("socket:["), target.hasSuffix("]")
            else { continue }
            inodes.insert(String(target.dropFirst("socket:[".count).dropLast()))
        }
        return inodes
    }
}
