#if canImport(Glibc)
    import Glibc
#endif

/// Whether this machine can listen on IPv6: a kernel booted with `ipv6.disable=1`, or a container
/// without IPv6, refuses the socket, and nginx would refuse to start on `listen [::]:80`.
enum IPv6Support {
    static func available() -> Bool {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr = in6addr_any
        address.sin6_port = 0
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0 }
        }
    }
}
