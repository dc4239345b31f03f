/// Operator settings that shape nginx.conf but do not come from the cluster.
public struct RenderOptions: Sendable, Equatable {
    /// Where nginx writes its logs.
    public enum Logs: Sendable, Equatable {
        /// `error.log` and `access.log` under nginx's prefix directory (`nginx -p DIR/`).
        case prefixFiles
        /// stderr and stdout, for a container.
        case standardStreams
    }

    public var httpPort: Int
    /// An IP address to listen on instead of all addresses.
    public var bindAddress: String?
    /// With no bind address: listen on IPv6's `[::]` as well as IPv4's (nginx's `ipv6only=on`
    /// default keeps the two sockets apart).
    public var listenIPv6: Bool
    /// DNS servers nginx asks for Service names at request time: `10.96.0.10`, `127.0.0.1:5353`, `[fd00::a]:53`.
    public var resolvers: [String]
    public var logs: Logs
    /// `user` for nginx's workers when the master runs as root; nil leaves nginx's default (`nobody`).
    public var workerUser: String?
    public var workerProcesses: String
    public var workerConnections: Int
    /// A loopback port where nginx answers `/portico/generation` with `generation`, so a controller
    /// can confirm which config is serving after a reload. Nil: no status server.
    public var statusPort: Int?
    public var generation: Int
    /// The HTTPS port every virtual host answers on too; nil: no HTTPS listener.
    public var httpsPort: Int?
    /// The certificate file for names no host's certificate covers and for clients without SNI.
    public var defaultCertificate: String
    /// A file of 80 random bytes that encrypts TLS session tickets, kept across reloads (without
    /// it every reload makes returning clients do a full handshake); nil: nginx makes its own.
    public var sessionTicketKey: String?
    /// The Strict-Transport-Security value for hosts with their own certificate; nil: none.
    public var strictTransportSecurity: String?
    /// The stream module nginx loads when the table has TCP or UDP services (Debian's
    /// libnginx-mod-stream); empty for an nginx built with it.
    public var streamModule = RenderOptions.debianStreamModule
    public static let debianStreamModule = "/usr/lib/nginx/modules/ngx_stream_module.so"
    /// `--enable-ssl-passthrough`: where its internal listeners are; nil: off.
    public var sslPassthrough: SSLPassthroughPorts?

    public init(
        httpPort: Int = 80, bindAddress: String? = nil, listenIPv6: Bool = false, resolvers: [String] = ["127.0.0.1"],
        logs: Logs = .prefixFiles, workerUser: String? = nil, workerProcesses: String = "auto",
        workerConnections: Int = 4096, statusPort: Int? = nil, generation: Int = 0, httpsPort: Int? = nil,
        defaultCertificate: String = "tls/default.pem", sessionTicketKey: String? = nil,
        strictTransportSecurity: String? = "max-age=31536000; includeSubDomains"
    ) {
        self.httpsPort = httpsPort
        self.defaultCertificate = defaultCertificate
        self.sessionTicketKey = sessionTicketKey
        self.strictTransportSecurity = strictTransportSecurity
        self.httpPort = httpPort
        self.bindAddress = bindAddress
        self.listenIPv6 = listenIPv6
        self.resolvers = resolvers
        self.logs = logs
        self.workerUser = workerUser
        self.workerProcesses = workerProcesses
        self.workerConnections = workerConnections
        self.statusPort = statusPort
        self.generation = generation
    }

    /// The `listen` arguments (without `default_server`): the bind address or every IPv4 address,
    /// and `[::]` too when IPv6 is on.
    public var listenAddresses: [String] { addresses(port: httpPort) }

    /// The same for the HTTPS port; empty without one.
    public var httpsListenAddresses: [String] { httpsPort.map(addresses(port:)) ?? [] }

    package func addresses(port number: Int) -> [String] {
        let port = "\(number)"
        if let bindAddress { return [bindAddress.contains(":") ? "[\(bindAddress)]:\(port)" : "\(bindAddress):\(port)"] }
        return listenIPv6 ? [port, "[::]:\(port)"] : [port]
    }

    /// Checks every value that reaches nginx.conf; throws a message naming the option.
    public func validate() throws(RenderOptionsError) {
        guard (1...65535).contains(httpPort) else {
            throw RenderOptionsError(option: "http-port", message: "\(httpPort) is not a port number (1-65535)")
        }
        if let bindAddress, !Address.isIP(bindAddress) {
            throw RenderOptionsError(option: "bind-address", message: "\"\(bindAddress)\" is not an IPv4 or IPv6 address")
        }
        if let httpsPort, !(1...65535).contains(httpsPort) {
            throw RenderOptionsError(option: "https-port", message: "\(httpsPort) is not a port number (1-65535)")
        }
        if let httpsPort, httpsPort == httpPort {
            throw RenderOptionsError(
                option: "https-port", message: "\(httpsPort) is the HTTP port too (give another, or --no-https for HTTP only)")
        }
        if let statusPort, !(1...65535).contains(statusPort) || statusPort == httpPort || statusPort == httpsPort {
            throw RenderOptionsError(option: "status-port", message: "\(statusPort) is not a free port number (1-65535, not the HTTP port)")
        }
        if let ports = sslPassthrough {
            for (option, port) in [("ssl-passthrough-proxy-port", ports.termination), ("ssl-passthrough-relay-port", ports.relay)]
            where !(1...65535).contains(port) || port == httpPort || port == httpsPort || port == statusPort
                || (option == "ssl-passthrough-relay-port" && port == ports.termination)
            {
                throw RenderOptionsError(option: option, message: "\(port) is not a free port number (1-65535, not another of Portico's ports)")
            }
        }
        if !streamModule.isEmpty, !Self.isModulePath(streamModule) {
            throw RenderOptionsError(option: "stream-module", message: "\"\(streamModule.prefix(80))\" is not an absolute path of plain characters")
        }
        guard !resolvers.isEmpty else {
            throw RenderOptionsError(option: "resolver", message: "at least one resolver is needed")
        }
        for r in resolvers where !Address.isResolver(r) {
            throw RenderOptionsError(
                option: "resolver",
                message: "\"\(r)\" is not an address with an optional port (10.96.0.10, 127.0.0.1:5353, [::1]:53)")
        }
        if let workerUser, !Address.isUserName(workerUser) {
            throw RenderOptionsError(option: "user", message: "\"\(workerUser)\" is not a user name")
        }
        guard workerProcesses == "auto" || (Int(workerProcesses).map { (1...1024).contains($0) } ?? false) else {
            throw RenderOptionsError(option: "worker-processes", message: "must be auto or 1-1024")
        }
        for (option, path) in [("default-ssl-certificate", defaultCertificate), ("session-ticket-key", sessionTicketKey ?? "tls/x")]
        where !Address.isFilePath(path) {
            throw RenderOptionsError(option: option, message: "\"\(path)\" is not a plain relative file path")
        }
        if let value = strictTransportSecurity, !Address.isHeaderValue(value) {
            throw RenderOptionsError(option: "hsts", message: "\"\(value)\" is not a Strict-Transport-Security value")
        }
        guard (16...1_048_576).contains(workerConnections) else {
            throw RenderOptionsError(option: "worker-connections", message: "must be 16-1048576")
        }
    }
}

extension RenderOptions {
    /// `/usr/lib/nginx/modules/ngx_stream_module.so`: nothing nginx's parser reads as syntax.
    static func isModulePath(_ s: String) -> Bool {
        s.hasPrefix("/") && s.utf8.count <= 1024 && !s.contains("/../")
            && s.utf8.allSatisfy { c in
                (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                    || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || "/._-".utf8.contains(c)
            }
    }
}

public struct RenderOptionsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var option: String
    public var message: String
    public var description: String { "--\(option): \(message)" }
}

/// Syntax checks for addresses and names in options.
enum Address {
    static func isIPv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { p in
                !p.isEmpty && p.count <= 3 && p.allSatisfy(\.isASCII) && p.allSatisfy(\.isNumber)
                    && (Int(p) ?? 256) <= 255
            }
    }

    static func isIPv6(_ s: String) -> Bool {
        s.contains(":") && s.count <= 45
            && s.allSatisfy { $0.isASCII && ($0.isHexDigit || $0 == ":" || $0 == ".") }
    }

    static func isIP(_ s: String) -> Bool { isIPv4(s) || isIPv6(s) }

    static func isResolver(_ s: String) -> Bool {
        var host = Substring(s)
        var port: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            guard isIPv6(String(host)) else { return false }
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return false }
                port = rest.dropFirst()
            }
        } else if let colon = host.lastIndex(of: ":"), host.filter({ $0 == ":" }).count == 1 {
            port = host[host.index(after: colon)...]
            host = host[..<colon]
            guard isIPv4(String(host)) || isDNSName(String(host)) else { return false }
        } else {
            guard isIP(String(host)) || isDNSName(String(host)) else { return false }
        }
        if let port {
            guard let n = Int(port), (1...65535).contains(n), port.allSatisfy(\.isNumber) else { return false }
        }
        return true
    }

    static func isDNSName(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 253
            && s.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
                !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            }
    }

    /// A path nginx reads relative to its prefix: letters, digits, `-`, `_`, `.` and `/`, no `..`.
    static func isFilePath(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 200 && !s.hasPrefix("/") && !s.split(separator: "/").contains("..")
            && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./".contains($0)) }
    }

    /// `max-age=N` with `; includeSubDomains` and `; preload`: what Portico composes from its flags.
    static func isHeaderValue(_ s: String) -> Bool {
        s.count <= 100 && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "=; -".contains($0)) }
    }

    static func isUserName(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 32
            && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }
}
