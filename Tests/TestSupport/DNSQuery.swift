import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal DNS client: one A query over UDP to 127.0.0.1, enough to check a test's dnsmasq.
public enum DNSQuery {
    /// The IPv4 addresses in the answer; empty for NXDOMAIN or no data; throws on timeout or a
    /// malformed or failed (SERVFAIL, REFUSED) answer.
    public static func addresses(of name: String, server port: Int, timeout: TimeInterval = 2) throws -> [String] {
        let id = UInt16.random(in: 0...UInt16.max)
        var query: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            let bytes = Array(label.utf8)
            guard !bytes.isEmpty, bytes.count < 64 else { throw TestSupportError("bad DNS name \(name)") }
            query.append(UInt8(bytes.count))
            query += bytes
        }
        query += [0, 0, 1, 0, 1]  // root, type A, class IN

        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket() failed") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let sent = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, query, query.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard sent == query.count else { throw TestSupportError("sendto() failed: errno \(errno)") }

        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw TestSupportError("no DNS answer from 127.0.0.1:\(port) for \(name)") }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(max(1, remaining * 1000)))
            if ready <= 0 { continue }
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count >= 12 else { throw TestSupportError("short or failed DNS answer (errno \(errno))") }
            let answer = Array(buffer[0..<count])
            guard answer[0] == UInt8(id >> 8), answer[1] == UInt8(id & 0xFF) else { continue }
            return try parse(answer, name: name)
        }
    }

    static func parse(_ m: [UInt8], name: String) throws -> [String] {
        let rcode = m[3] & 0x0F
        if rcode == 3 { return [] }
        guard rcode == 0 else { throw TestSupportError("DNS rcode \(rcode) for \(name)") }
        let questions = Int(m[4]) << 8 | Int(m[5])
        let answers = Int(m[6]) << 8 | Int(m[7])
        var i = 12
        func skipName() throws {
            while true {
                guard i < m.count else { throw TestSupportError("truncated DNS answer") }
                let length = m[i]
                if length == 0 { i += 1; return }
                if length & 0xC0 == 0xC0 { i += 2; return }
                i += Int(length) + 1
            }
        }
        for _ in 0..<questions {
            try skipName()
            i += 4
        }
        var found: [String] = []
        for _ in 0..<answers {
            try skipName()
            guard i + 10 <= m.count else { throw TestSupportError("truncated DNS answer") }
            let type = Int(m[i]) << 8 | Int(m[i + 1])
            let length = Int(m[i + 8]) << 8 | Int(m[i + 9])
            i += 10
            guard i + length <= m.count else { throw TestSupportError("truncated DNS answer") }
            if type == 1, length == 4 {
                found.append(m[i..<i + 4].map(String.init).joined(separator: "."))
            }
            i += length
        }
        return found
    }
}
