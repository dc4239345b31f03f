import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Asks nginx's loopback status server which config generation is serving.
public enum StatusProbe {
    /// The generation, or nil when nginx did not answer (not started, reloading, refused).
    public static func generation(port: Int, timeout: TimeInterval = 0.5) -> Int? {
        guard let response = get(port: port, path: "/portico/generation", timeout: timeout),
            response.hasPrefix("HTTP/1.1 200"), let body = response.components(separatedBy: "\r\n\r\n").last
        else { return nil }
        return Int(body.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Polls until nginx serves `generation` to `consecutive` probes in a row (just after a reload,
    /// old workers may still accept a connection or two), or gives up after `timeout`. `answered`
    /// hears the streak after each probe that `generation` answered.
    public static func waitFor(
        generation: Int, port: Int, timeout: TimeInterval, consecutive: Int = 3, answered: (_ streak: Int) -> Void = { _ in }
    ) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var streak = 0
        repeat {
            if self.generation(port: port) == generation {
                streak += 1
                answered(streak)
                if streak >= consecutive { return true }
                usleep(5_000)
            } else {
                streak = 0
                usleep(10_000)
            }
        } while Date() < deadline
        return false
    }

    static func get(port: Int, path: String, timeout: TimeInterval) -> String? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { return nil }
        let request = "GET \(path) HTTP/1.1\r\nHost: portico-status\r\nConnection: close\r\n\r\n"
        guard request.withCString({ send(fd, $0, strlen($0), 0) }) > 0 else { return nil }
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            data += buffer[0..<n]
            if data.count > 65536 { break }
        }
        return data.isEmpty ? nil : String(decoding: data, as: UTF8.self)
    }
}
